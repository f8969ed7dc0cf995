#include "seclearn/emitter/seccomp_mode.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "seclearn/core/arch.h"
#include "seclearn/core/kernel_syscalls.h"
#include "seclearn/emitter/seccomp_export.h"

namespace seclearn {
namespace {

// What runc cannot notify, and what it must not (kRuncUnnotified).
bool RuncCannotNotify(std::string_view name) {
  return std::find(kRuncUnnotified.begin(), kRuncUnnotified.end(), name) !=
         kRuncUnnotified.end();
}

// Names some rule of the profile names only with argument conditions: other values of them
// get the default action.
std::vector<std::string> ConditionedOnly(const SeccompProfile& p) {
  std::set<std::string> outright;
  std::set<std::string> conditioned;
  for (const SeccompRule& r : p.syscalls)
    for (const auto& n : r.names) (r.args.empty() ? outright : conditioned).insert(n);
  std::vector<std::string> out;
  for (const auto& n : conditioned)
    if (!outright.count(n)) out.push_back(n);
  return out;
}

void WatchForRunc(SeccompProfile& p, const SeccompModeOptions& o,
                  std::vector<std::string>* notes) {
  std::set<std::string> named;
  for (const SeccompRule& r : p.syscalls) named.insert(r.names.begin(), r.names.end());
  std::set<std::string> all;
  for (uint32_t arch : ProfileArches(p))
    for (std::string& n : NamedSyscalls(arch)) all.insert(std::move(n));
  SeccompRule notify;
  notify.action = SeccompAction::kNotify;
  notify.comment = fmt::format("{}: outside the profile: recorded by the agent, then {}", o.app,
                               o.on_violation == OnViolation::kAllow ? "continued" : "refused");
  std::vector<std::string> unseen;
  for (const auto& n : all) {
    if (named.count(n)) continue;
    if (RuncCannotNotify(n)) {
      unseen.push_back(n);
      continue;
    }
    notify.names.push_back(n);
  }
  const bool allow = o.on_violation == OnViolation::kAllow;
  if (!unseen.empty()) {
    SeccompRule r;
    r.names = unseen;
    r.action = allow ? SeccompAction::kAllow : SeccompAction::kErrno;
    if (!allow) r.errno_ret = p.default_errno_ret.value_or(1);
    r.comment = fmt::format(
        "runc cannot notify these (write, and runc init's Go runtime before it hands the "
        "listener over): {} unseen",
        allow ? "allowed" : "refused");
    p.syscalls.push_back(std::move(r));
    notes->push_back(fmt::format(
        "watch for runc: {} {} without the agent seeing them (runc cannot notify them); "
        "export with --runtime runc to allow what runc itself needs",
        fmt::join(unseen, ", "), allow ? "are allowed" : "fail with EPERM"));
  }
  if (!notify.names.empty()) p.syscalls.push_back(std::move(notify));
  if (allow) {
    p.default_action = SeccompAction::kLog;
    p.default_errno_ret.reset();
  }
  notes->push_back(fmt::format(
      "watch for runc: runc refuses SCMP_ACT_NOTIFY as the default action, so every name "
      "libseccomp {} knows is listed; calls it has no name for get {}",
      LibseccompVersion(), allow ? "SCMP_ACT_LOG (run, and an audit record)" : "EPERM"));
  if (const auto cond = ConditionedOnly(p); !cond.empty()) {
    notes->push_back(fmt::format(
        "watch for runc: {} with argument values never learned get the default action ({}), "
        "not a notification",
        fmt::join(cond, ", "), allow ? "logged" : "EPERM"));
  }
}

}  // namespace

std::string WatchMetadata(std::string_view app, int64_t version, OnViolation on_violation) {
  return fmt::format("seclearn watch app={} version={} on-violation={}", app, version,
                     OnViolationName(on_violation));
}

void ApplySeccompMode(SeccompProfile& p, const SeccompModeOptions& o,
                      std::vector<std::string>* notes) {
  switch (o.mode) {
    case SeccompMode::kEnforce:
      return;
    case SeccompMode::kComplain:
      p.default_action = SeccompAction::kLog;
      p.default_errno_ret.reset();
      return;
    case SeccompMode::kWatch:
      break;
  }
  p.listener_path = o.listener_path;
  p.listener_metadata = WatchMetadata(o.app, o.version, o.on_violation);
  if (o.runtime == RuntimeKind::kRunc) {
    WatchForRunc(p, o, notes);
    return;
  }
  p.default_action = SeccompAction::kNotify;
  p.default_errno_ret.reset();
}

}  // namespace seclearn
