#include "seclearn/emitter/retarget.h"

#include <fmt/format.h>
#include <linux/audit.h>

#include <algorithm>
#include <array>
#include <set>

#include "seclearn/core/arch.h"
#include "seclearn/emitter/seccomp_export.h"

namespace seclearn {
namespace {

struct Counterpart {
  std::string_view legacy;
  std::array<std::string_view, 2> modern;  // tried in order; the first the target has wins
};

// The legacy calls that newer architectures (asm-generic unistd: aarch64, riscv64) dropped in
// favour of the *at / flag-taking forms glibc uses there.
constexpr std::array kCounterparts = {
    Counterpart{"access", {"faccessat", "faccessat2"}},
    Counterpart{"alarm", {"setitimer", ""}},
    Counterpart{"chmod", {"fchmodat", ""}},
    Counterpart{"chown", {"fchownat", ""}},
    Counterpart{"creat", {"openat", ""}},
    Counterpart{"dup2", {"dup3", ""}},
    Counterpart{"epoll_create", {"epoll_create1", ""}},
    Counterpart{"epoll_wait", {"epoll_pwait", ""}},
    Counterpart{"eventfd", {"eventfd2", ""}},
    Counterpart{"fork", {"clone", ""}},
    Counterpart{"futimesat", {"utimensat", ""}},
    Counterpart{"getdents", {"getdents64", ""}},
    Counterpart{"getpgrp", {"getpgid", ""}},
    Counterpart{"inotify_init", {"inotify_init1", ""}},
    Counterpart{"lchown", {"fchownat", ""}},
    Counterpart{"link", {"linkat", ""}},
    Counterpart{"lstat", {"newfstatat", "fstatat64"}},
    Counterpart{"mkdir", {"mkdirat", ""}},
    Counterpart{"mknod", {"mknodat", ""}},
    Counterpart{"open", {"openat", ""}},
    Counterpart{"pause", {"ppoll", ""}},
    Counterpart{"pipe", {"pipe2", ""}},
    Counterpart{"poll", {"ppoll", ""}},
    Counterpart{"readlink", {"readlinkat", ""}},
    Counterpart{"rename", {"renameat2", "renameat"}},
    Counterpart{"renameat", {"renameat2", ""}},
    Counterpart{"rmdir", {"unlinkat", ""}},
    Counterpart{"select", {"pselect6", ""}},
    Counterpart{"signalfd", {"signalfd4", ""}},
    Counterpart{"stat", {"newfstatat", "fstatat64"}},
    Counterpart{"symlink", {"symlinkat", ""}},
    Counterpart{"time", {"clock_gettime", ""}},
    Counterpart{"unlink", {"unlinkat", ""}},
    Counterpart{"utime", {"utimensat", ""}},
    Counterpart{"utimes", {"utimensat", ""}},
    Counterpart{"vfork", {"clone", ""}},
};

constexpr bool IsSortedByLegacy(const auto& table) {
  for (size_t i = 1; i < table.size(); ++i)
    if (!(table[i - 1].legacy < table[i].legacy)) return false;
  return true;
}
static_assert(IsSortedByLegacy(kCounterparts), "kCounterparts must be sorted by legacy name");

bool Has(uint32_t arch, std::string_view name) { return SyscallNumber(arch, name).has_value(); }

std::vector<std::string> SubArchitectures(uint32_t arch) {
  if (arch == AUDIT_ARCH_X86_64) return {"SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  if (arch == AUDIT_ARCH_AARCH64) return {"SCMP_ARCH_ARM"};
  return {};
}

}  // namespace

std::vector<std::string> CounterpartNames(std::string_view name, uint32_t target_arch) {
  if (Has(target_arch, name)) return {std::string(name)};
  auto it = std::lower_bound(kCounterparts.begin(), kCounterparts.end(), name,
                             [](const Counterpart& c, std::string_view n) { return c.legacy < n; });
  if (it == kCounterparts.end() || it->legacy != name) return {};
  for (std::string_view m : it->modern)
    if (!m.empty() && Has(target_arch, m)) return {std::string(m)};
  return {};
}

SeccompProfile RetargetSeccomp(const SeccompProfile& profile, uint32_t target_arch,
                               bool use_arch_map, std::vector<std::string>* warnings) {
  SeccompProfile out = profile;
  const auto target = ArchByAudit(target_arch);
  const std::string target_name = target ? std::string(target->scmp_name) : "?";
  out.architectures.clear();
  out.arch_map.clear();
  if (use_arch_map) {
    out.arch_map.push_back(SeccompArchMap{target_name, SubArchitectures(target_arch)});
  } else {
    out.architectures = {target_name};
  }
  std::set<std::string> dropped;
  out.syscalls.clear();
  for (const SeccompRule& rule : profile.syscalls) {
    if (IsNewerCallsRule(rule)) continue;  // made anew for the target below
    SeccompRule r = rule;
    std::set<std::string> names;
    for (const auto& n : rule.names) {
      auto mapped = CounterpartNames(n, target_arch);
      if (mapped.empty()) dropped.insert(n);
      names.insert(mapped.begin(), mapped.end());
    }
    r.names.assign(names.begin(), names.end());
    if (!r.names.empty()) out.syscalls.push_back(std::move(r));
  }
  SetNewerCallsRule(out);
  for (const auto& n : dropped) {
    if (warnings)
      warnings->push_back(fmt::format("{} has no counterpart on {}; left out", n,
                                      target ? target->short_name : "?"));
  }
  return out;
}

}  // namespace seclearn
