// Architectures as the kernel reports them (AUDIT_ARCH_*), and their names in OCI seccomp
// profiles ("SCMP_ARCH_X86_64"). Syscalls are stored as (audit_arch, nr); names are resolved
// only at the edges with libseccomp, per architecture, so i386 and x32 calls on x86_64 keep
// their own names.
//
// x32 calls arrive as AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT set in nr; NormalizeArch()
// turns them into (kAuditArchX32, nr) so they are stored and exported apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seclearn {

// libseccomp's SCMP_ARCH_X32: EM_X86_64 | __AUDIT_ARCH_LE, without __AUDIT_ARCH_64BIT.
inline constexpr uint32_t kAuditArchX32 = 0x4000003e;
inline constexpr uint32_t kX32SyscallBit = 0x40000000;

struct ArchInfo {
  uint32_t audit_arch;
  std::string_view scmp_name;   // "SCMP_ARCH_X86_64", as in OCI/Docker profiles
  std::string_view short_name;  // "x86_64", for people
};

// The table of every architecture seclearn knows (those of libseccomp 2.5).
const std::vector<ArchInfo>& KnownArches();
std::optional<ArchInfo> ArchByAudit(uint32_t audit_arch);
std::optional<ArchInfo> ArchByScmpName(std::string_view scmp_name);
// Accepts "SCMP_ARCH_X86_64" or "x86_64".
std::optional<ArchInfo> ArchByName(std::string_view name);
uint32_t NativeAuditArch();

// (arch, nr) as reported by the kernel -> (arch, nr) as stored.
struct ArchNr {
  uint32_t arch;
  int32_t nr;
};
ArchNr NormalizeArch(uint32_t audit_arch, int64_t nr);

// Name of a syscall: libseccomp's, else the kernel table's (kernel_syscalls.h: calls newer than
// libseccomp), else "syscall_<nr>".
std::string SyscallName(uint32_t audit_arch, int32_t nr);
// Number of a syscall name on an architecture (libseccomp's, else the kernel table's), or
// nullopt if neither knows it there.
std::optional<int32_t> SyscallNumber(uint32_t audit_arch, std::string_view name);
// Every call with a name on an architecture (numbers 0-1023, x32's with its bit), sorted.
std::vector<std::string> NamedSyscalls(uint32_t audit_arch);

}  // namespace seclearn
