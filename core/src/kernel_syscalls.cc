#include "seclearn/core/kernel_syscalls.h"

#include <fmt/format.h>
#include <linux/audit.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "kernel_syscalls_data.h"
#include "seclearn/core/arch.h"

namespace seclearn {
namespace {

// data/syscalls/<file>.tsv for each architecture, and glibc's arch_minimum_kernel there
// (sysdeps/unix/sysv/linux/configure.ac and the per-arch configure fragments).
struct ArchTable {
  uint32_t audit_arch;
  std::string_view file;
  std::string_view libc_minimum;
};
constexpr ArchTable kArchTables[] = {
    {AUDIT_ARCH_X86_64, "x86_64", "3.2"}, {AUDIT_ARCH_I386, "i386", "3.2"},
    {kAuditArchX32, "x32", "3.4"},        {AUDIT_ARCH_AARCH64, "aarch64", "3.7"},
    {AUDIT_ARCH_ARM, "arm", "3.2"},
};

const ArchTable* TableOf(uint32_t audit_arch) {
  for (const auto& t : kArchTables)
    if (t.audit_arch == audit_arch) return &t;
  return nullptr;
}

// name -> entry, per architecture, built once.
const KernelSyscall* ByName(uint32_t audit_arch, std::string_view name) {
  static std::mutex mu;
  static std::unordered_map<uint32_t, std::unordered_map<std::string_view, const KernelSyscall*>>
      index;
  std::lock_guard lock(mu);
  auto [it, inserted] = index.try_emplace(audit_arch);
  if (inserted) {
    for (const auto& k : KernelSyscalls(audit_arch)) it->second.emplace(k.name, &k);
  }
  auto found = it->second.find(name);
  return found == it->second.end() ? nullptr : found->second;
}

// "6.8.1" -> {6, 8, 1}; nullopt for "-".
std::optional<std::array<int, 3>> ParseVersion(std::string_view v) {
  std::array<int, 3> out{};
  for (int i = 0; i < 3 && !v.empty(); ++i) {
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out[i]);
    if (ec != std::errc()) return i == 0 ? std::nullopt : std::optional(out);
    v.remove_prefix(static_cast<size_t>(end - v.data()));
    if (!v.empty() && v.front() == '.') v.remove_prefix(1);
  }
  return out;
}

}  // namespace

std::span<const KernelSyscall> KernelSyscalls(uint32_t audit_arch) {
  const ArchTable* t = TableOf(audit_arch);
  if (t == nullptr) return {};
  for (const auto& table : KernelTables())
    if (table.arch == t->file) return {table.entries, table.size};
  return {};
}

const KernelSyscall* FindKernelSyscall(uint32_t audit_arch, int32_t nr) {
  const auto table = KernelSyscalls(audit_arch);
  auto it = std::lower_bound(table.begin(), table.end(), nr,
                             [](const KernelSyscall& k, int32_t n) { return k.nr < n; });
  return it != table.end() && it->nr == nr ? &*it : nullptr;
}

const KernelSyscall* FindKernelSyscall(uint32_t audit_arch, std::string_view name) {
  return ByName(audit_arch, name);
}

bool LibseccompKnows(uint32_t audit_arch, std::string_view name) {
  const std::string n(name);
  // A negative number is libseccomp's pseudo-number for a multiplexed call (i386's accept4
  // through socketcall): it still places rules for it.
  return seccomp_syscall_resolve_name_arch(audit_arch, n.c_str()) != __NR_SCMP_ERROR;
}

std::string_view LibseccompVersion() {
  static const std::string version = [] {
    const scmp_version* v = seccomp_version();
    return v ? fmt::format("{}.{}.{}", v->major, v->minor, v->micro) : std::string("?");
  }();
  return version;
}

std::string_view LibcMinimumKernel(uint32_t audit_arch) {
  const ArchTable* t = TableOf(audit_arch);
  return t ? t->libc_minimum : std::string_view("3.2");
}

bool KernelVersionAfter(std::string_view a, std::string_view b) {
  const auto va = ParseVersion(a), vb = ParseVersion(b);
  return va && vb && *va > *vb;
}

}  // namespace seclearn
