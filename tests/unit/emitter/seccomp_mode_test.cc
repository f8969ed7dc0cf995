// Export modes: properties of the complain and watch profiles, and that libseccomp takes them.
#include "seclearn/emitter/seccomp_mode.h"

#include <linux/audit.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "seclearn/core/arch.h"
#include "seclearn/core/kernel_syscalls.h"
#include "seclearn/emitter/runtime_base.h"
#include "seclearn/emitter/seccomp_export.h"
#include "seclearn/enforce/seccomp_apply.h"

namespace seclearn {
namespace {

SyscallFact Fact(uint32_t arch, const char* name) {
  return SyscallFact{arch, *SyscallNumber(arch, name), 1, 1};
}

// A shell's calls on two architectures, socket learned with AF_UNIX only (a conditioned rule).
SeccompExport Learned(bool with_runc_base) {
  const uint32_t x = AUDIT_ARCH_X86_64;
  std::vector<SyscallFact> facts = {Fact(x, "read"),       Fact(x, "execve"), Fact(x, "openat"),
                                    Fact(x, "exit_group"), Fact(x, "close"),  Fact(x, "socket"),
                                    Fact(AUDIT_ARCH_I386, "getppid")};
  SeccompExportOptions o;
  o.app = "shell";
  o.runs = 1;
  o.native_arch = x;
  o.args = {ArgFact{x, *SyscallNumber(x, "socket"), 0, 1, 1, 1}};
  if (with_runc_base) {
    auto base = LoadRuntimeBase("runc", /*no_new_privileges=*/true);
    REQUIRE(base.has_value());
    o.runtime = *base;
  }
  return BuildMinimalSeccomp(facts, o);
}

// name -> the actions of the rules naming it without argument conditions.
std::map<std::string, std::set<SeccompAction>> Outright(const SeccompProfile& p) {
  std::map<std::string, std::set<SeccompAction>> out;
  for (const auto& r : p.syscalls)
    if (r.args.empty())
      for (const auto& n : r.names) out[n].insert(r.action);
  return out;
}

void CheckLibseccompTakes(const SeccompProfile& p) {
  std::vector<std::string> warnings;
  const SeccompTarget target{AUDIT_ARCH_X86_64, ~uint64_t{0}, {255, 255}};
  auto filter = BuildSeccompFilter(p, target, /*strict=*/true, &warnings);
  INFO((filter ? std::string() : filter.error().Message()));
  CHECK(filter.has_value());
}

SeccompModeOptions Watch(OnViolation ov, std::optional<RuntimeKind> runtime) {
  SeccompModeOptions m;
  m.mode = SeccompMode::kWatch;
  m.on_violation = ov;
  m.listener_path = "/run/seclearn/agent.sock";
  m.app = "shell";
  m.version = 7;
  m.runtime = runtime;
  return m;
}

}  // namespace

TEST_CASE("enforce leaves the profile as exported", "[unit][emitter]") {
  SeccompExport e = Learned(false);
  SeccompProfile p = e.profile;
  std::vector<std::string> notes;
  SeccompModeOptions m;
  ApplySeccompMode(p, m, &notes);
  CHECK(p == e.profile);
  CHECK(notes.empty());
}

TEST_CASE("complain logs what enforce refuses and keeps every rule", "[unit][emitter]") {
  SeccompExport e = Learned(false);
  REQUIRE(e.profile.default_action == SeccompAction::kErrno);
  SeccompProfile p = e.profile;
  std::vector<std::string> notes;
  SeccompModeOptions m;
  m.mode = SeccompMode::kComplain;
  ApplySeccompMode(p, m, &notes);
  CHECK(p.default_action == SeccompAction::kLog);
  CHECK_FALSE(p.default_errno_ret.has_value());
  CHECK(p.syscalls == e.profile.syscalls);
  CHECK(p.listener_path.empty());
  CheckLibseccompTakes(p);
  // Round trip through the JSON writer and reader.
  auto back = ParseSeccompProfile(WriteSeccompProfile(p), "complain");
  REQUIRE(back.has_value());
  CHECK(*back == p);
}

TEST_CASE("watch notifies by default, with the agent's socket and the app's metadata",
          "[unit][emitter]") {
  for (OnViolation ov : {OnViolation::kAllow, OnViolation::kDeny}) {
    SeccompExport e = Learned(false);
    SeccompProfile p = e.profile;
    std::vector<std::string> notes;
    ApplySeccompMode(p, Watch(ov, RuntimeKind::kCrun), &notes);
    CHECK(p.default_action == SeccompAction::kNotify);
    CHECK(p.syscalls == e.profile.syscalls);
    REQUIRE_FALSE(p.listener_path.empty());
    CHECK(p.listener_path == "/run/seclearn/agent.sock");
    CHECK(p.listener_metadata == WatchMetadata("shell", 7, ov));
    CHECK(notes.empty());
    auto back = ParseSeccompProfile(WriteSeccompProfile(p), "watch");
    REQUIRE(back.has_value());
    CHECK(*back == p);
  }
  CHECK(WatchMetadata("web", 4, OnViolation::kDeny) ==
        "seclearn watch app=web version=4 on-violation=deny");
  CHECK(WatchMetadata("web", 4, OnViolation::kAllow) ==
        "seclearn watch app=web version=4 on-violation=allow");
}

TEST_CASE("watch for runc never notifies by default or on what runc cannot notify",
          "[unit][emitter]") {
  for (OnViolation ov : {OnViolation::kAllow, OnViolation::kDeny}) {
    for (bool with_base : {false, true}) {
      SeccompExport e = Learned(with_base);
      SeccompProfile p = e.profile;
      std::vector<std::string> notes;
      ApplySeccompMode(p, Watch(ov, RuntimeKind::kRunc), &notes);
      INFO("on-violation " << OnViolationName(ov) << ", runc base " << with_base);
      CHECK(p.default_action != SeccompAction::kNotify);
      CHECK(p.default_action ==
            (ov == OnViolation::kAllow ? SeccompAction::kLog : SeccompAction::kErrno));
      CHECK(p.listener_metadata == WatchMetadata("shell", 7, ov));
      CHECK_FALSE(notes.empty());

      // Every rule the enforce profile had is still there, unchanged and first.
      REQUIRE(p.syscalls.size() > e.profile.syscalls.size());
      for (size_t i = 0; i < e.profile.syscalls.size(); ++i)
        CHECK(p.syscalls[i] == e.profile.syscalls[i]);

      const auto outright = Outright(p);
      for (const auto& r : p.syscalls) {
        if (r.action != SeccompAction::kNotify) continue;
        CHECK(r.args.empty());
        for (const auto& n : r.names) {
          INFO(n);
          for (auto name : kRuncUnnotified) CHECK(n != name);
          // A learned name is never notified: the kernel allows it.
          CHECK(outright.at(n).size() == 1);
        }
      }
      // What runc cannot notify gets the policy's answer, never the default.
      for (auto name : kRuncUnnotified) {
        INFO(name);
        REQUIRE(outright.count(std::string(name)));
        const auto& acts = outright.at(std::string(name));
        CHECK_FALSE(acts.count(SeccompAction::kNotify));
        if (ov == OnViolation::kDeny && !Outright(e.profile).count(std::string(name)))
          CHECK(acts.count(SeccompAction::kErrno));
      }
      // Every name libseccomp knows on the profile's architectures is in some rule, so the
      // default action applies only to calls it has no name for (and conditioned values).
      std::set<std::string> named;
      for (const auto& r : p.syscalls) named.insert(r.names.begin(), r.names.end());
      for (uint32_t arch : ProfileArches(p))
        for (const auto& n : NamedSyscalls(arch)) {
          INFO(arch << " " << n);
          CHECK(named.count(n));
        }
      // socket was learned with AF_UNIX only: other families get the default, said in a note.
      bool socket_note = false;
      for (const auto& note : notes)
        socket_note = socket_note || note.find("socket") != std::string::npos;
      CHECK(socket_note);
      CheckLibseccompTakes(p);
    }
  }
}

}  // namespace seclearn
