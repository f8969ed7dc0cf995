// Every syscall the kernel has, per architecture, from the kernel's own syscall tables
// (data/syscalls/<arch>.tsv, with the first kernel version of each): libseccomp's table lags
// the kernel (Debian 12's 2.5.4 knows nothing after Linux 6.7), so names and numbers it cannot
// resolve come from here. core/arch.h's SyscallName and SyscallNumber ask libseccomp first,
// then these tables; tests/unit/core/kernel_syscalls_test.cc checks they agree.
//
//   if (const KernelSyscall* k = FindKernelSyscall(AUDIT_ARCH_X86_64, "listmount"))
//     ... k->nr == 458, k->since == "6.8" ...
//   if (!LibseccompKnows(AUDIT_ARCH_X86_64, "listmount")) ... a runtime linked against this
//                                                          libseccomp skips the name ...
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace seclearn {

struct KernelSyscall {
  int32_t nr;  // as libseccomp numbers it (x32 with __X32_SYSCALL_BIT)
  std::string_view name;
  std::string_view since;  // "3.2", "6.8"; "-" when the table does not know
};

// The table of an architecture (AUDIT_ARCH_*), sorted by number; empty without one.
std::span<const KernelSyscall> KernelSyscalls(uint32_t audit_arch);
const KernelSyscall* FindKernelSyscall(uint32_t audit_arch, int32_t nr);
const KernelSyscall* FindKernelSyscall(uint32_t audit_arch, std::string_view name);

// Whether the libseccomp seclearn runs with accepts `name` on `audit_arch` (a number, or a
// pseudo-number it maps itself, as for i386's socketcall family).
bool LibseccompKnows(uint32_t audit_arch, std::string_view name);
// "2.5.4": the libseccomp seclearn runs with.
std::string_view LibseccompVersion();

// The oldest kernel the C library supports on the architecture (glibc's arch_minimum_kernel:
// 3.2, 3.4 for x32, 3.7 for aarch64): a call the kernel added later may be missing where the
// workload runs, so libc and programs fall back when it answers ENOSYS.
std::string_view LibcMinimumKernel(uint32_t audit_arch);
// Whether kernel version a is later than b ("6.8" > "3.2"); "-" is never later.
bool KernelVersionAfter(std::string_view a, std::string_view b);

}  // namespace seclearn
