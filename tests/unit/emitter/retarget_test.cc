#include "seclearn/emitter/retarget.h"

#include <linux/audit.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "seclearn/emitter/seccomp_export.h"

namespace seclearn {

TEST_CASE("x86_64 names map to their aarch64 counterparts", "[unit][emitter]") {
  CHECK(CounterpartNames("open", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"openat"});
  CHECK(CounterpartNames("stat", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"newfstatat"});
  CHECK(CounterpartNames("fork", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"clone"});
  CHECK(CounterpartNames("read", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"read"});
  CHECK(CounterpartNames("arch_prctl", AUDIT_ARCH_AARCH64).empty());
  CHECK(CounterpartNames("open", AUDIT_ARCH_X86_64) == std::vector<std::string>{"open"});

  SeccompProfile p;
  p.default_action = SeccompAction::kErrno;
  p.architectures = {"SCMP_ARCH_X86_64"};
  SeccompRule all{{"open", "openat", "stat", "read", "arch_prctl"}, SeccompAction::kAllow, {}, {}, "c", {}, {}, false};
  SeccompRule sock{{"socket"}, SeccompAction::kAllow, {}, {SeccompArg{0, 1, 0, SeccompOp::kEq}}, "s", {}, {}, false};
  p.syscalls = {all, sock};
  std::vector<std::string> warnings;
  SeccompProfile arm = RetargetSeccomp(p, AUDIT_ARCH_AARCH64, false, &warnings);
  CHECK(arm.architectures == std::vector<std::string>{"SCMP_ARCH_AARCH64"});
  // The two rules, then the newer-calls rule made for aarch64 (3.7 is its libc minimum).
  REQUIRE(arm.syscalls.size() == 3);
  CHECK(arm.syscalls[0].names == std::vector<std::string>{"newfstatat", "openat", "read"});
  CHECK(arm.syscalls[1].args == sock.args);
  REQUIRE(IsNewerCallsRule(arm.syscalls[2]));
  const auto& newer = arm.syscalls[2].names;
  CHECK(std::find(newer.begin(), newer.end(), "clone3") != newer.end());
  CHECK(std::find(newer.begin(), newer.end(), "kcmp") == newer.end());  // on aarch64 since 3.7
  CHECK(std::find(newer.begin(), newer.end(), "mseal") != newer.end());
  CHECK(warnings == std::vector<std::string>{"arch_prctl has no counterpart on aarch64; left out"});

  SeccompProfile mapped = RetargetSeccomp(p, AUDIT_ARCH_AARCH64, true, nullptr);
  CHECK(mapped.architectures.empty());
  REQUIRE(mapped.arch_map.size() == 1);
  CHECK(mapped.arch_map[0].architecture == "SCMP_ARCH_AARCH64");
  CHECK(mapped.arch_map[0].sub_architectures == std::vector<std::string>{"SCMP_ARCH_ARM"});
}

}  // namespace seclearn
