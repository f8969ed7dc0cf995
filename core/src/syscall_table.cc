#include "seclearn/core/syscall_table.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <unordered_map>

#include "seclearn/core/arch.h"

namespace seclearn {
namespace {

constexpr uint32_t kF = kFile;

constexpr std::array kSyscallInfo = {
    SyscallInfo{"access", kF, {0, -1}},
    SyscallInfo{"acct", kF, {0, -1}},
    SyscallInfo{"chdir", kF, {0, -1}},
    SyscallInfo{"chmod", kF, {0, -1}},
    SyscallInfo{"chown", kF | kCreds, {0, -1}},
    SyscallInfo{"chown32", kF | kCreds, {0, -1}},
    SyscallInfo{"chroot", kF | kMount, {0, -1}},
    SyscallInfo{"creat", kF, {0, -1}},
    SyscallInfo{"execve", kF | kProcess, {0, -1}},
    SyscallInfo{"execveat", kF | kProcess, {1, -1}},
    SyscallInfo{"faccessat", kF, {1, -1}},
    SyscallInfo{"faccessat2", kF, {1, -1}},
    SyscallInfo{"fchmodat", kF, {1, -1}},
    SyscallInfo{"fchownat", kF | kCreds, {1, -1}},
    SyscallInfo{"fstatat64", kF, {1, -1}},
    SyscallInfo{"futimesat", kF, {1, -1}},
    SyscallInfo{"getxattr", kF, {0, -1}},
    SyscallInfo{"inotify_add_watch", kF, {1, -1}},
    SyscallInfo{"lchown", kF | kCreds, {0, -1}},
    SyscallInfo{"lchown32", kF | kCreds, {0, -1}},
    SyscallInfo{"lgetxattr", kF, {0, -1}},
    SyscallInfo{"link", kF, {0, 1}},
    SyscallInfo{"linkat", kF, {1, 3}},
    SyscallInfo{"listxattr", kF, {0, -1}},
    SyscallInfo{"llistxattr", kF, {0, -1}},
    SyscallInfo{"lremovexattr", kF, {0, -1}},
    SyscallInfo{"lsetxattr", kF, {0, -1}},
    SyscallInfo{"lstat", kF, {0, -1}},
    SyscallInfo{"lstat64", kF, {0, -1}},
    SyscallInfo{"mkdir", kF, {0, -1}},
    SyscallInfo{"mkdirat", kF, {1, -1}},
    SyscallInfo{"mknod", kF, {0, -1}},
    SyscallInfo{"mknodat", kF, {1, -1}},
    SyscallInfo{"mount", kF | kMount, {1, -1}},
    SyscallInfo{"name_to_handle_at", kF, {1, -1}},
    SyscallInfo{"newfstatat", kF, {1, -1}},
    SyscallInfo{"open", kF | kDesc, {0, -1}},
    SyscallInfo{"openat", kF | kDesc, {1, -1}},
    SyscallInfo{"openat2", kF | kDesc, {1, -1}},
    SyscallInfo{"pivot_root", kF | kMount, {0, 1}},
    SyscallInfo{"readlink", kF, {0, -1}},
    SyscallInfo{"readlinkat", kF, {1, -1}},
    SyscallInfo{"removexattr", kF, {0, -1}},
    SyscallInfo{"rename", kF, {0, 1}},
    SyscallInfo{"renameat", kF, {1, 3}},
    SyscallInfo{"renameat2", kF, {1, 3}},
    SyscallInfo{"rmdir", kF, {0, -1}},
    SyscallInfo{"setxattr", kF, {0, -1}},
    SyscallInfo{"stat", kF, {0, -1}},
    SyscallInfo{"stat64", kF, {0, -1}},
    SyscallInfo{"statfs", kF, {0, -1}},
    SyscallInfo{"statfs64", kF, {0, -1}},
    SyscallInfo{"statx", kF, {1, -1}},
    SyscallInfo{"swapoff", kF, {0, -1}},
    SyscallInfo{"swapon", kF, {0, -1}},
    SyscallInfo{"symlink", kF, {0, 1}},
    SyscallInfo{"symlinkat", kF, {0, 2}},
    SyscallInfo{"truncate", kF, {0, -1}},
    SyscallInfo{"truncate64", kF, {0, -1}},
    SyscallInfo{"umount", kF | kMount, {0, -1}},
    SyscallInfo{"umount2", kF | kMount, {0, -1}},
    SyscallInfo{"unlink", kF, {0, -1}},
    SyscallInfo{"unlinkat", kF, {1, -1}},
    SyscallInfo{"uselib", kF, {0, -1}},
    SyscallInfo{"utime", kF, {0, -1}},
    SyscallInfo{"utimensat", kF, {1, -1}},
    SyscallInfo{"utimes", kF, {0, -1}},
};

constexpr bool IsSortedByName(const auto& table) {
  for (size_t i = 1; i < table.size(); ++i)
    if (!(table[i - 1].name < table[i].name)) return false;
  return true;
}
static_assert(IsSortedByName(kSyscallInfo), "kSyscallInfo must be sorted by name");

}  // namespace

const SyscallInfo* LookupSyscall(std::string_view name) {
  auto it = std::lower_bound(kSyscallInfo.begin(), kSyscallInfo.end(), name,
                             [](const SyscallInfo& i, std::string_view n) { return i.name < n; });
  if (it == kSyscallInfo.end() || it->name != name) return nullptr;
  return &*it;
}

const SyscallInfo* LookupSyscall(uint32_t audit_arch, int32_t nr) {
  // Built once per architecture; the tracer asks on every stop, so this must stay a hash hit.
  static std::mutex mu;
  static std::unordered_map<uint64_t, const SyscallInfo*> index;
  static std::unordered_map<uint32_t, bool> built;
  std::lock_guard lock(mu);
  if (!built[audit_arch]) {
    built[audit_arch] = true;
    for (const auto& info : kSyscallInfo) {
      if (auto n = SyscallNumber(audit_arch, info.name))
        index[(uint64_t{audit_arch} << 32) | static_cast<uint32_t>(*n)] = &info;
    }
  }
  auto it = index.find((uint64_t{audit_arch} << 32) | static_cast<uint32_t>(nr));
  return it == index.end() ? nullptr : it->second;
}

}  // namespace seclearn
