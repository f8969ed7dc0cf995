#include "seclearn/core/arch.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <algorithm>
#include <cstdlib>

#include "seclearn/core/kernel_syscalls.h"

namespace seclearn {

const std::vector<ArchInfo>& KnownArches() {
  static const std::vector<ArchInfo> kArches = {
      {AUDIT_ARCH_X86_64, "SCMP_ARCH_X86_64", "x86_64"},
      {AUDIT_ARCH_I386, "SCMP_ARCH_X86", "x86"},
      {kAuditArchX32, "SCMP_ARCH_X32", "x32"},
      {AUDIT_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "aarch64"},
      {AUDIT_ARCH_ARM, "SCMP_ARCH_ARM", "arm"},
      {AUDIT_ARCH_MIPS, "SCMP_ARCH_MIPS", "mips"},
      {AUDIT_ARCH_MIPS64, "SCMP_ARCH_MIPS64", "mips64"},
      {AUDIT_ARCH_MIPS64N32, "SCMP_ARCH_MIPS64N32", "mips64n32"},
      {AUDIT_ARCH_MIPSEL, "SCMP_ARCH_MIPSEL", "mipsel"},
      {AUDIT_ARCH_MIPSEL64, "SCMP_ARCH_MIPSEL64", "mipsel64"},
      {AUDIT_ARCH_MIPSEL64N32, "SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
      {AUDIT_ARCH_PPC, "SCMP_ARCH_PPC", "ppc"},
      {AUDIT_ARCH_PPC64, "SCMP_ARCH_PPC64", "ppc64"},
      {AUDIT_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le"},
      {AUDIT_ARCH_S390, "SCMP_ARCH_S390", "s390"},
      {AUDIT_ARCH_S390X, "SCMP_ARCH_S390X", "s390x"},
      {AUDIT_ARCH_PARISC, "SCMP_ARCH_PARISC", "parisc"},
      {AUDIT_ARCH_PARISC64, "SCMP_ARCH_PARISC64", "parisc64"},
      {AUDIT_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64"},
  };
  return kArches;
}

std::optional<ArchInfo> ArchByAudit(uint32_t audit_arch) {
  for (const auto& a : KnownArches())
    if (a.audit_arch == audit_arch) return a;
  return std::nullopt;
}

std::optional<ArchInfo> ArchByScmpName(std::string_view scmp_name) {
  for (const auto& a : KnownArches())
    if (a.scmp_name == scmp_name) return a;
  return std::nullopt;
}

std::optional<ArchInfo> ArchByName(std::string_view name) {
  for (const auto& a : KnownArches())
    if (a.scmp_name == name || a.short_name == name) return a;
  return std::nullopt;
}

uint32_t NativeAuditArch() { return seccomp_arch_native(); }

ArchNr NormalizeArch(uint32_t audit_arch, int64_t nr) {
  if (audit_arch == AUDIT_ARCH_X86_64 && nr >= 0 && (nr & kX32SyscallBit) != 0)
    return {kAuditArchX32, static_cast<int32_t>(nr)};
  return {audit_arch, static_cast<int32_t>(nr)};
}

std::string SyscallName(uint32_t audit_arch, int32_t nr) {
  if (char* name = seccomp_syscall_resolve_num_arch(audit_arch, nr)) {
    std::string out(name);
    std::free(name);
    return out;
  }
  if (const KernelSyscall* k = FindKernelSyscall(audit_arch, nr)) return std::string(k->name);
  return "syscall_" + std::to_string(nr);
}

std::optional<int32_t> SyscallNumber(uint32_t audit_arch, std::string_view name) {
  const std::string n(name);
  const int nr = seccomp_syscall_resolve_name_arch(audit_arch, n.c_str());
  if (nr != __NR_SCMP_ERROR && nr >= 0) return nr;
  if (const KernelSyscall* k = FindKernelSyscall(audit_arch, name)) return k->nr;
  return std::nullopt;
}

std::vector<std::string> NamedSyscalls(uint32_t audit_arch) {
  // Above every table's last number (x86_64, i386 and the generic table of aarch64 and
  // riscv64 end below 470).
  constexpr int32_t kMaxNr = 1024;
  const int32_t base = audit_arch == kAuditArchX32 ? static_cast<int32_t>(kX32SyscallBit) : 0;
  std::vector<std::string> out;
  for (int32_t nr = 0; nr < kMaxNr; ++nr) {
    std::string name = SyscallName(audit_arch, base + nr);
    if (!name.starts_with("syscall_")) out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace seclearn
