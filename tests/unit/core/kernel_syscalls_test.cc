// The kernel syscall tables (data/syscalls/*.tsv) against the libseccomp seclearn runs with:
// where both know a call they agree on its number, the tables hold every call libseccomp
// knows, and names newer than libseccomp resolve through them.
#include "seclearn/core/kernel_syscalls.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>
#include <string>

#include "seclearn/core/arch.h"

namespace seclearn {

TEST_CASE("kernel syscall tables are sorted, unique and agree with libseccomp", "[unit][core]") {
  for (uint32_t arch : std::initializer_list<uint32_t>{
           AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, kAuditArchX32, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM}) {
    CAPTURE(arch);
    const auto table = KernelSyscalls(arch);
    REQUIRE(table.size() > 300);
    std::set<std::string_view> names;
    for (size_t i = 0; i < table.size(); ++i) {
      const KernelSyscall& k = table[i];
      CAPTURE(k.nr, k.name, k.since);
      if (i > 0) CHECK(table[i - 1].nr < k.nr);
      CHECK(names.insert(k.name).second);
      CHECK((k.since == "-" || KernelVersionAfter(k.since, "0.99")));
      // Where libseccomp knows the name, its number is the kernel's.
      const std::string n(k.name);
      const int scmp = seccomp_syscall_resolve_name_arch(arch, n.c_str());
      if (scmp != __NR_SCMP_ERROR && scmp >= 0) CHECK(scmp == k.nr);
      CHECK(SyscallNumber(arch, k.name) == k.nr);
      CHECK(SyscallName(arch, k.nr) == k.name);
    }
    // Every number libseccomp names is in the table under that name (arm's private calls
    // at 0x0f0001.. are outside arch/arm/tools/syscall.tbl and outside this scan).
    const int32_t base = arch == kAuditArchX32 ? 0x40000000 : 0;
    for (int32_t nr = base; nr < base + 1024; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(arch, nr);
      if (name == nullptr) continue;
      CAPTURE(nr, name);
      const KernelSyscall* k = FindKernelSyscall(arch, nr);
      CHECK(k != nullptr);
      if (k != nullptr) CHECK(k->name == name);
      std::free(name);
    }
  }
}

TEST_CASE("calls newer than libseccomp resolve through the kernel tables", "[unit][core]") {
  // listmount (6.8) and mseal (6.10) are unknown to Debian 12's libseccomp 2.5.4.
  CHECK(SyscallNumber(AUDIT_ARCH_X86_64, "listmount") == 458);
  CHECK(SyscallName(AUDIT_ARCH_X86_64, 458) == "listmount");
  CHECK(SyscallNumber(AUDIT_ARCH_AARCH64, "mseal") == 462);
  CHECK(SyscallNumber(AUDIT_ARCH_I386, "mseal") == 462);
  const KernelSyscall* k = FindKernelSyscall(AUDIT_ARCH_X86_64, "listmount");
  REQUIRE(k != nullptr);
  CHECK(k->since == "6.8");
  CHECK(SyscallName(AUDIT_ARCH_X86_64, 1000) == "syscall_1000");
  CHECK_FALSE(SyscallNumber(AUDIT_ARCH_X86_64, "no_such_call").has_value());
  CHECK(LibseccompKnows(AUDIT_ARCH_X86_64, "getpid"));
  CHECK_FALSE(LibseccompKnows(AUDIT_ARCH_X86_64, "no_such_call"));
  CHECK_FALSE(LibseccompVersion().empty());
}

TEST_CASE("kernel versions compare numerically", "[unit][core]") {
  CHECK(KernelVersionAfter("6.8", "3.2"));
  CHECK(KernelVersionAfter("3.10", "3.2"));
  CHECK(KernelVersionAfter("3.2.1", "3.2"));
  CHECK_FALSE(KernelVersionAfter("3.2", "3.2"));
  CHECK_FALSE(KernelVersionAfter("2.6.39", "3.2"));
  CHECK_FALSE(KernelVersionAfter("-", "3.2"));
  CHECK(LibcMinimumKernel(AUDIT_ARCH_AARCH64) == "3.7");
  CHECK(LibcMinimumKernel(AUDIT_ARCH_X86_64) == "3.2");
}

}  // namespace seclearn
