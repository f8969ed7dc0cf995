#include "seclearn/enforce/seccomp_apply.h"

#include <fmt/format.h>
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>

#include "seclearn/core/arch.h"
#include "seclearn/core/kernel_syscalls.h"

namespace seclearn {
namespace {

Error ScmpError(int rc, std::string context) {
  return Error{ErrorDomain::kSeccomp, -rc, std::move(context)};
}

// libseccomp's values, in SeccompOp's and SeccompAction's order (seccomp_profile.h).
constexpr scmp_compare kScmpOps[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,       SCMP_CMP_EQ,
                                     SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
static_assert(std::size(kScmpOps) == std::size(kSeccompOpNames));
// ERRNO and TRACE with their return value 0: it is or'ed in.
constexpr uint32_t kScmpActions[] = {
    SCMP_ACT_KILL,     SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP,  SCMP_ACT_ERRNO(0),
    SCMP_ACT_TRACE(0), SCMP_ACT_ALLOW,        SCMP_ACT_LOG,         SCMP_ACT_NOTIFY};
static_assert(std::size(kScmpActions) == std::size(kSeccompActionNames));

scmp_compare ScmpOp(SeccompOp op) { return kScmpOps[static_cast<size_t>(op)]; }

std::string ArchLabel(uint32_t arch) {
  if (auto a = ArchByAudit(arch)) return std::string(a->short_name);
  return fmt::format("0x{:08x}", arch);
}

// An action with its errno, as one comparable text.
std::string ActionKey(const SeccompRule& rule) {
  return std::string(SeccompActionName(rule.action)) + "/" +
         std::to_string(rule.errno_ret.value_or(0));
}

// A rule's argument conditions, comparable: (index, op, value, value two) each.
using ArgsKey = std::vector<std::tuple<uint32_t, int, uint64_t, uint64_t>>;

class FilterBuilder {
 public:
  FilterBuilder(const SeccompProfile& profile, const SeccompTarget& target, bool strict,
                std::vector<std::string>* warnings, SeccompBuildStats* stats)
      : profile_(SelectSeccompRules(profile, target)),
        strict_(strict),
        warnings_(warnings),
        stats_(stats) {}

  Result<ScmpFilter> Build() {
    auto default_action = ScmpActionValue(profile_.default_action, profile_.default_errno_ret);
    if (!default_action) return default_action.error();
    default_action_ = *default_action;
    ScmpFilter filter(seccomp_init(default_action_));
    if (!filter) {
      // seccomp_init reports no reason; an action the kernel/libseccomp rejects is the one
      // way it fails besides ENOMEM (e.g. SCMP_ACT_NOTIFY is not a valid default).
      return Error{ErrorDomain::kSeccomp, EINVAL,
                   fmt::format("seccomp_init({})", SeccompActionName(profile_.default_action))};
    }
    ctx_ = filter.get();
    arches_.push_back(seccomp_arch_native());
    CollectArches();
    // The native architecture's rules go in a filter of their own, so that a name this
    // libseccomp does not know can still be placed by its number from the kernel's table
    // (libseccomp maps numbers to other architectures through names it knows); the other
    // architectures' filter is merged in at the end.
    ScmpFilter compat;
    if (arches_.size() > 1) {
      compat.reset(seccomp_init(default_action_));
      if (!compat) return Error{ErrorDomain::kSeccomp, ENOMEM, "seccomp_init"};
      compat_ = compat.get();
      for (size_t i = 1; i < arches_.size(); ++i) {
        if (int rc = seccomp_arch_add(compat_, arches_[i]); rc < 0 && rc != -EEXIST)
          return ScmpError(rc, "seccomp_arch_add");
      }
      if (int rc = seccomp_arch_remove(compat_, SCMP_ARCH_NATIVE); rc < 0)
        return ScmpError(rc, "seccomp_arch_remove");
    }
    for (scmp_filter_ctx ctx : {ctx_, compat_}) {
      if (ctx == nullptr) continue;
      // The caller sets no_new_privs itself (and, as root, may choose not to).
      if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc < 0) {
        return ScmpError(rc, "seccomp_attr_set(SCMP_FLTATR_CTL_NNP)");
      }
      SetFlags(ctx);
    }
    if (profile_.default_action == SeccompAction::kNotify ||
        std::any_of(profile_.syscalls.begin(), profile_.syscalls.end(),
                    [](const SeccompRule& r) { return r.action == SeccompAction::kNotify; })) {
      // libseccomp's listener fd is close-on-exec and nobody reads it: the kernel then fails
      // those syscalls with ENOSYS.
      Warn("SCMP_ACT_NOTIFY has no listener here: matching syscalls will fail with ENOSYS");
    }
    // A name some rule gives an action unconditionally needs no conditioned rule with that
    // action: the filter is the same without it (libseccomp would supersede it, and 2.5.4
    // leaks the rule it drops so: found by tests/fuzz/seccomp_fuzz.cc).
    for (const auto& rule : profile_.syscalls) {
      if (!rule.args.empty()) continue;
      for (const auto& name : rule.names) unconditional_.insert({name, ActionKey(rule)});
    }
    for (const auto& rule : profile_.syscalls) {
      if (auto r = AddRule(rule); !r) return r.error();
    }
    if (compat_ != nullptr) {
      if (int rc = seccomp_merge(ctx_, compat_); rc < 0) return ScmpError(rc, "seccomp_merge");
      compat.release();  // seccomp_merge released it
      compat_ = nullptr;
    }
    return filter;
  }

 private:
  void Warn(std::string message) {
    if (warnings_) warnings_->push_back(std::move(message));
  }

  void AddArch(const std::string& name) {
    const auto info = ArchByScmpName(name);
    if (!info) {
      Warn(fmt::format("unknown architecture '{}' skipped", name));
      return;
    }
    if (std::find(arches_.begin(), arches_.end(), info->audit_arch) != arches_.end()) return;
    // Whether libseccomp can filter it at all, in a scratch filter.
    ScmpFilter probe(seccomp_init(SCMP_ACT_ALLOW));
    const int rc = probe ? seccomp_arch_add(probe.get(), info->audit_arch) : -ENOMEM;
    if (rc < 0 && rc != -EEXIST) {
      Warn(fmt::format("architecture '{}' skipped: libseccomp cannot add it ({})", name,
                       std::strerror(-rc)));
      return;
    }
    arches_.push_back(info->audit_arch);
  }

  void CollectArches() {
    for (const auto& name : profile_.architectures) AddArch(name);
    // Docker: an archMap entry applies only on its own architecture.
    for (const auto& map : profile_.arch_map) {
      const auto info = ArchByScmpName(map.architecture);
      if (!info || info->audit_arch != arches_.front()) continue;
      AddArch(map.architecture);
      for (const auto& sub : map.sub_architectures) AddArch(sub);
    }
  }

  void SetFlags(scmp_filter_ctx ctx) {
    for (const auto& flag : profile_.flags) {
      std::optional<scmp_filter_attr> attr;
      if (flag == "SECCOMP_FILTER_FLAG_TSYNC") attr = SCMP_FLTATR_CTL_TSYNC;
      if (flag == "SECCOMP_FILTER_FLAG_LOG") attr = SCMP_FLTATR_CTL_LOG;
      if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") attr = SCMP_FLTATR_CTL_SSB;
      if (!attr) {
        if (ctx == ctx_)
          Warn(fmt::format("seccomp flag '{}' is not supported and was ignored", flag));
        continue;
      }
      // The kernel or libseccomp may predate the flag: the filter still works without it.
      if (int rc = seccomp_attr_set(ctx, *attr, 1); rc < 0 && ctx == ctx_) {
        Warn(fmt::format("seccomp flag '{}' ignored: {}", flag, std::strerror(-rc)));
      }
    }
  }

  bool KnownOnFilterArches(const std::string& name) const {
    return std::any_of(arches_.begin(), arches_.end(),
                       [&](uint32_t arch) { return SyscallNumber(arch, name).has_value(); });
  }

  std::string ArchList() const {
    std::string out;
    for (uint32_t arch : arches_) out += (out.empty() ? "" : ", ") + ArchLabel(arch);
    return out;
  }

  Result<void> AddRule(const SeccompRule& rule) {
    auto action = ScmpActionValue(rule.action, rule.errno_ret);
    if (!action) return action.error();
    // libseccomp rejects a rule whose action is the default one; it would be a no-op anyway.
    if (*action == default_action_) return {};

    std::vector<scmp_arg_cmp> cmps;
    std::set<uint32_t> seen;
    bool repeated_arg = false;
    for (const auto& a : rule.args) {
      if (a.index > 5) {
        return UsageError(fmt::format("invalid argument condition {} {} in rule for '{}'", a.index,
                                      SeccompOpName(a.op), rule.names.empty() ? "" : rule.names[0]));
      }
      repeated_arg |= !seen.insert(a.index).second;
      cmps.push_back(scmp_arg_cmp{a.index, ScmpOp(a.op), a.value, a.value_two});
    }

    // Each (name, action, conditions) once: a profile naming a call in many rules (8,000
    // rules of a generated profile) would otherwise cost libseccomp a merge per repetition.
    ArgsKey key_args;
    for (const auto& c : cmps) key_args.emplace_back(c.arg, c.op, c.datum_a, c.datum_b);
    for (const auto& name : rule.names) {
      if (!rule.args.empty() && unconditional_.count({name, ActionKey(rule)})) continue;
      if (!added_.insert({name, *action, key_args}).second) continue;
      if (!KnownOnFilterArches(name)) {
        if (strict_) {
          return UsageError(fmt::format("unknown syscall name '{}' on {}", name, ArchList()));
        }
        if (unknown_.insert(name).second) {
          Warn(fmt::format("unknown syscall name '{}' skipped", name));
        }
        continue;
      }
      const std::string context = fmt::format("seccomp_rule_add({})", name);
      // Native: libseccomp's number, else the kernel table's (SyscallNumber asks both).
      if (auto nr = SyscallNumber(arches_.front(), name)) {
        if (auto r = Add(ctx_, *action, *nr, cmps, repeated_arg, context); !r) return r;
      }
      if (compat_ == nullptr) continue;
      bool compat_known = false;
      for (size_t i = 1; i < arches_.size(); ++i) {
        if (LibseccompKnows(arches_[i], name)) {
          compat_known = true;
        } else if (SyscallNumber(arches_[i], name) && beyond_.insert(name).second) {
          Warn(
              fmt::format("'{}' on {}: libseccomp {} does not know it there and places rules "
                          "on other architectures by name only; left to the default action",
                          name, ArchLabel(arches_[i]), LibseccompVersion()));
        }
      }
      if (!compat_known) continue;
      // The native number, or libseccomp's negative pseudo-number for a call that only exists
      // on another architecture of the filter (e.g. socketcall on x86); libseccomp maps it.
      const int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // a name of the compat arches libseccomp lacks here
      if (auto r = Add(compat_, *action, nr, cmps, repeated_arg, context); !r) return r;
    }
    return {};
  }

  Result<void> Add(scmp_filter_ctx ctx, uint32_t action, int nr,
                   const std::vector<scmp_arg_cmp>& cmps, bool repeated_arg,
                   const std::string& context) {
    if (stats_) stats_->rules_added += repeated_arg ? cmps.size() : 1;
    if (!repeated_arg) {
      const int rc = seccomp_rule_add_array(ctx, action, nr, cmps.size(),
                                            cmps.empty() ? nullptr : cmps.data());
      if (rc < 0) return ScmpError(rc, context);
      return {};
    }
    // libseccomp cannot AND two conditions on one argument; runc adds one rule per
    // condition, and so do we, to enforce Docker profiles the same way.
    for (const auto& cmp : cmps) {
      if (int rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmp); rc < 0) {
        return ScmpError(rc, context);
      }
    }
    return {};
  }

  const SeccompProfile profile_;  // the rules that apply on the target
  bool strict_;
  std::vector<std::string>* warnings_;
  SeccompBuildStats* stats_;
  scmp_filter_ctx ctx_ = nullptr;     // the native architecture's rules
  scmp_filter_ctx compat_ = nullptr;  // the other architectures', until merged
  uint32_t default_action_ = 0;
  std::vector<uint32_t> arches_;  // native first
  std::set<std::string> unknown_;
  std::set<std::string> beyond_;  // known on a compat arch only from the kernel's table
  std::set<std::pair<std::string, std::string>> unconditional_;  // (name, ActionKey)
  std::set<std::tuple<std::string, uint32_t, ArgsKey>> added_;   // (name, action, conditions)
};

}  // namespace

void ScmpFilterDeleter::operator()(void* ctx) const { seccomp_release(ctx); }

Result<uint32_t> ScmpActionValue(SeccompAction action, std::optional<uint32_t> errno_ret) {
  // SCMP_ACT_ERRNO/TRACE keep only the low 16 bits; larger values would silently wrap.
  const uint32_t ret = errno_ret.value_or(EPERM);
  if (TakesErrnoRet(action) && ret > 0xFFFF) {
    return UsageError(
        fmt::format("{} return value {} is larger than 65535", SeccompActionName(action), ret));
  }
  return kScmpActions[static_cast<size_t>(action)] | (TakesErrnoRet(action) ? ret : 0);
}

Result<ScmpFilter> BuildSeccompFilter(const SeccompProfile& profile, const SeccompTarget& target,
                                      bool strict, std::vector<std::string>* warnings,
                                      SeccompBuildStats* stats) {
  return FilterBuilder(profile, target, strict, warnings, stats).Build();
}

Result<void> LoadSeccompFilter(ScmpFilter& filter) {
  if (!filter) return Error{ErrorDomain::kSeccomp, EINVAL, "seccomp_load: no filter"};
  if (int rc = seccomp_load(filter.get()); rc < 0) return ScmpError(rc, "seccomp_load");
  return {};
}

}  // namespace seclearn
