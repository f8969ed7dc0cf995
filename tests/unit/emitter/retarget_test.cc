#include <linux/audit.h>

#include <catch2/catch.hpp>

#include "seclearn/emitter/retarget.h"

namespace seclearn {

TEST_CASE("x86_64 names map to their aarch64 counterparts", "[unit][emitter]") {
  CHECK(CounterpartNames("open", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"openat"});
  CHECK(CounterpartNames("stat", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"newfstatat"});
  CHECK(CounterpartNames("fork", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"clone"});
  CHECK(CounterpartNames("read", AUDIT_ARCH_AARCH64) == std::vector<std::string>{"read"});
  CHECK(CounterpartNames("arch_prctl", AUDIT_ARCH_AARCH64).empty());
  CHECK(CounterpartNames("open", AUDIT_ARCH_X86_64) == std::vector<std::string>{"open"});

  SeccompProfile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.architectures = {"SCMP_ARCH_X86_64"};
  SeccompRule all{{"open", "openat", "stat", "read", "arch_prctl"}, "SCMP_ACT_ALLOW", {}, {}, "c"};
  SeccompRule sock{{"socket"}, "SCMP_ACT_ALLOW", {}, {SeccompArg{0, 1, 0, "SCMP_CMP_EQ"}}, "s"};
  p.syscalls = {all, sock};
  std::vector<std::string> warnings;
  SeccompProfile arm = RetargetSeccomp(p, AUDIT_ARCH_AARCH64, false, &warnings);
  CHECK(arm.architectures == std::vector<std::string>{"SCMP_ARCH_AARCH64"});
  REQUIRE(arm.syscalls.size() == 2);
  CHECK(arm.syscalls[0].names == std::vector<std::string>{"newfstatat", "openat", "read"});
  CHECK(arm.syscalls[1].args == sock.args);
  CHECK(warnings == std::vector<std::string>{"arch_prctl has no counterpart on aarch64; left out"});

  SeccompProfile mapped = RetargetSeccomp(p, AUDIT_ARCH_AARCH64, true, nullptr);
  CHECK(mapped.architectures.empty());
  REQUIRE(mapped.arch_map.size() == 1);
  CHECK(mapped.arch_map[0].architecture == "SCMP_ARCH_AARCH64");
  CHECK(mapped.arch_map[0].sub_architectures == std::vector<std::string>{"SCMP_ARCH_ARM"});
}

}  // namespace seclearn
