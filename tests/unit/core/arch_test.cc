#include <linux/audit.h>

#include <catch2/catch.hpp>

#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"

namespace seclearn {

TEST_CASE("syscall names resolve per architecture", "[unit][core]") {
  // getppid is 110 on x86_64, 64 on i386, and 173 on aarch64: one name, three numbers.
  CHECK(SyscallName(AUDIT_ARCH_X86_64, 110) == "getppid");
  CHECK(SyscallName(AUDIT_ARCH_I386, 64) == "getppid");
  CHECK(SyscallName(AUDIT_ARCH_AARCH64, 173) == "getppid");
  CHECK(SyscallNumber(AUDIT_ARCH_I386, "getppid") == 64);
  CHECK_FALSE(SyscallNumber(AUDIT_ARCH_X86_64, "no_such_syscall").has_value());
  CHECK(SyscallName(AUDIT_ARCH_X86_64, 4000) == "syscall_4000");
}

TEST_CASE("x32 calls are stored apart from x86_64", "[unit][core]") {
  const ArchNr x32 = NormalizeArch(AUDIT_ARCH_X86_64, kX32SyscallBit | 39);
  CHECK(x32.arch == kAuditArchX32);
  CHECK(ArchByAudit(x32.arch)->scmp_name == "SCMP_ARCH_X32");
  CHECK(NormalizeArch(AUDIT_ARCH_X86_64, 39).arch == AUDIT_ARCH_X86_64);
  CHECK(ArchByName("x86_64")->audit_arch == AUDIT_ARCH_X86_64);
  CHECK(ArchByName("SCMP_ARCH_AARCH64")->audit_arch == AUDIT_ARCH_AARCH64);
}

TEST_CASE("commands resolve like a shell", "[unit][core]") {
  CHECK(FindExecutable("sh").has_value());
  auto missing = FindExecutable("seclearn-no-such-command");
  REQUIRE_FALSE(missing.has_value());
  CHECK(ExitCodeForExecErrno(missing.error().code) == kExitNotFound);
  auto dir = FindExecutable("/tmp");
  REQUIRE_FALSE(dir.has_value());
  CHECK(ExitCodeForExecErrno(dir.error().code) == kExitNotExecutable);
}

}  // namespace seclearn
