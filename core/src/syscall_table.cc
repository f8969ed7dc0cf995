#include "seclearn/core/syscall_table.h"

#include <fcntl.h>

#include <algorithm>
#include <array>

#include "by_number.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/syscall_event.h"

namespace seclearn {
namespace {

constexpr uint32_t kF = kFile;
constexpr uint32_t kP = kProcess;
constexpr uint32_t kN = kNetwork;
constexpr uint32_t kS = kSignal;
using K = SyscallKind;

// {name, classes, path args, their dirfd args, flags arg, fd arg, access of each path[, kind,
//  key args, sockaddr arg, network operation]}
constexpr std::array kSyscallInfo = {
    SyscallInfo{"accept",
                kN,
                {-1, -1},
                {-1, -1},
                -1,
                0,
                {0, 0},
                K::kSocketLocal,
                Args(),
                -1,
                NetOp::kAccept},
    SyscallInfo{"accept4",
                kN,
                {-1, -1},
                {-1, -1},
                -1,
                0,
                {0, 0},
                K::kSocketLocal,
                Args(),
                -1,
                NetOp::kAccept},
    SyscallInfo{"access", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessStat, 0}},
    SyscallInfo{"acct", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"adjtimex", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"bind", kN, {-1, -1}, {-1, -1}, -1, 0, {0, 0}, K::kPlain, Args(), 1, NetOp::kBind},
    SyscallInfo{"bpf", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"capset", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"chdir", kF | kChangesFs, {0, -1}, {-1, -1}, -1, -1, {kAccessChdir, 0}},
    SyscallInfo{"chmod", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}, K::kPlain, Args(1), -1},
    SyscallInfo{
        "chown", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}, K::kPlain, Args(1, 2), -1},
    SyscallInfo{
        "chown32", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}, K::kPlain, Args(1, 2), -1},
    SyscallInfo{"chroot", kF | kChangesFs, {0, -1}, {-1, -1}, -1, -1, {kAccessChdir, 0}},
    SyscallInfo{"clock_adjtime", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"clock_settime", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"clone", kP, {-1, -1}, {-1, -1}, 0, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{
        "connect", kN, {-1, -1}, {-1, -1}, -1, 0, {0, 0}, K::kPlain, Args(), 1, NetOp::kConnect},
    SyscallInfo{"creat", kF | kOpen, {0, -1}, {-1, -1}, -1, -1, {kAccessCreate | kAccessWrite, 0}},
    SyscallInfo{"delete_module", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"execve", kF | kP, {0, -1}, {-1, -1}, -1, -1, {kAccessExec, 0}},
    SyscallInfo{"execveat", kF | kP, {1, -1}, {0, -1}, 4, -1, {kAccessExec, 0}},
    SyscallInfo{"faccessat", kF, {1, -1}, {0, -1}, -1, -1, {kAccessStat, 0}},
    SyscallInfo{"faccessat2", kF, {1, -1}, {0, -1}, 3, -1, {kAccessStat, 0}},
    SyscallInfo{"fchdir",
                kChangesFs,
                {-1, -1},
                {-1, -1},
                -1,
                0,
                {kAccessChdir, 0},
                K::kChdirFd,
                Args(),
                -1},
    SyscallInfo{
        "fchmodat", kF, {1, -1}, {0, -1}, -1, -1, {kAccessWrite, 0}, K::kPlain, Args(2), -1},
    SyscallInfo{
        "fchmodat2", kF, {1, -1}, {0, -1}, 3, -1, {kAccessWrite, 0}, K::kPlain, Args(2), -1},
    SyscallInfo{
        "fchownat", kF, {1, -1}, {0, -1}, 4, -1, {kAccessWrite, 0}, K::kPlain, Args(2, 3), -1},
    SyscallInfo{
        "fcntl", 0, {-1, -1}, {-1, -1}, -1, 0, {kAccessLock, 0}, K::kLockCommand, Args(), -1},
    SyscallInfo{
        "fcntl64", 0, {-1, -1}, {-1, -1}, -1, 0, {kAccessLock, 0}, K::kLockCommand, Args(), -1},
    SyscallInfo{"finit_module", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"flock", 0, {-1, -1}, {-1, -1}, -1, 0, {kAccessLock, 0}, K::kLock, Args(), -1},
    SyscallInfo{"fstatat64", kF, {1, -1}, {0, -1}, 3, -1, {kAccessStat, 0}, K::kStat, Args(), -1},
    SyscallInfo{"futimesat", kF, {1, -1}, {0, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"getxattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"init_module", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"inotify_add_watch", kF, {1, -1}, {-1, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"ioperm", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"iopl", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"kexec_file_load", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"kexec_load", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"kill", kS, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1), -1},
    SyscallInfo{
        "lchown", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}, K::kPlain, Args(1, 2), -1},
    SyscallInfo{
        "lchown32", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}, K::kPlain, Args(1, 2), -1},
    SyscallInfo{"lgetxattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"link", kF, {0, 1}, {-1, -1}, -1, -1, {kAccessRead, kAccessCreate | kAccessLink}},
    SyscallInfo{"linkat", kF, {1, 3}, {0, 2}, 4, -1, {kAccessRead, kAccessCreate | kAccessLink}},
    SyscallInfo{"listen",
                kN,
                {-1, -1},
                {-1, -1},
                -1,
                0,
                {0, 0},
                K::kSocketLocal,
                Args(),
                -1,
                NetOp::kListen},
    SyscallInfo{"listxattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"llistxattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"lremovexattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"lsetxattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{
        "lstat", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessStat, 0}, K::kStatNoFollow, Args(), -1},
    SyscallInfo{
        "lstat64", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessStat, 0}, K::kStatNoFollow, Args(), -1},
    SyscallInfo{"mkdir", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessCreate, 0}},
    SyscallInfo{"mkdirat", kF, {1, -1}, {0, -1}, -1, -1, {kAccessCreate, 0}},
    SyscallInfo{"mknod", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessCreate, 0}, K::kPlain, Args(1), -1},
    SyscallInfo{
        "mknodat", kF, {1, -1}, {0, -1}, -1, -1, {kAccessCreate, 0}, K::kPlain, Args(2), -1},
    SyscallInfo{"mlock", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"mlock2", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"mlockall", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"mmap",
                0,
                {-1, -1},
                {-1, -1},
                -1,
                4,
                {kAccessMmapExec, 0},
                K::kMapExec,
                Args(),
                -1},
    SyscallInfo{
        "mmap2", 0, {-1, -1}, {-1, -1}, -1, 4, {kAccessMmapExec, 0}, K::kMapExec, Args(), -1},
    SyscallInfo{"mount", kF, {1, -1}, {-1, -1}, 3, -1, {kAccessMount, 0}},
    SyscallInfo{"mprotect",
                0,
                {-1, -1},
                {-1, -1},
                -1,
                -1,
                {kAccessMmapExec, 0},
                K::kProtectExec,
                Args(),
                -1},
    SyscallInfo{"name_to_handle_at", kF, {1, -1}, {0, -1}, 4, -1, {kAccessStat, 0}},
    SyscallInfo{"newfstatat", kF, {1, -1}, {0, -1}, 3, -1, {kAccessStat, 0}, K::kStat, Args(), -1},
    SyscallInfo{"open", kF | kOpen, {0, -1}, {-1, -1}, 1, -1, {0, 0}},
    SyscallInfo{"openat", kF | kOpen, {1, -1}, {0, -1}, 2, -1, {0, 0}},
    SyscallInfo{"openat2", kF | kOpen, {1, -1}, {0, -1}, -1, -1, {0, 0}, K::kOpenHow, Args(), -1},
    SyscallInfo{"perf_event_open", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"pivot_root", kF, {0, 1}, {-1, -1}, -1, -1, {kAccessMount, kAccessMount}},
    SyscallInfo{"prlimit64", kP, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"ptrace", kP, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"quotactl", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"readlink", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"readlinkat", kF, {1, -1}, {0, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"reboot", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"removexattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"rename", kF, {0, 1}, {-1, -1}, -1, -1, {kAccessDelete, kAccessCreate}},
    SyscallInfo{"renameat", kF, {1, 3}, {0, 2}, -1, -1, {kAccessDelete, kAccessCreate}},
    SyscallInfo{"renameat2",
                kF,
                {1, 3},
                {0, 2},
                4,
                -1,
                {kAccessDelete, kAccessCreate},
                K::kRenameFlags,
                Args(4),
                -1},
    SyscallInfo{"rmdir", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessDelete, 0}},
    SyscallInfo{"sched_setattr", kP, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"sched_setparam", kP, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"sched_setscheduler", kP, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{
        "sendto", kN, {-1, -1}, {-1, -1}, -1, 0, {0, 0}, K::kSendTo, Args(), 4, NetOp::kSendTo},
    SyscallInfo{"setdomainname", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"setfsgid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setfsgid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setfsuid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setfsuid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setgid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setgid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setgroups", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setgroups32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"sethostname", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"setns", kSetId | kChangesFs, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"setpriority", kP, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"setregid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1), -1},
    SyscallInfo{
        "setregid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1), -1},
    SyscallInfo{
        "setresgid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1, 2), -1},
    SyscallInfo{
        "setresgid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1, 2), -1},
    SyscallInfo{
        "setresuid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1, 2), -1},
    SyscallInfo{
        "setresuid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1, 2), -1},
    SyscallInfo{"setreuid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1), -1},
    SyscallInfo{
        "setreuid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1), -1},
    SyscallInfo{"setrlimit", kP, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"settimeofday", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"setuid", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setuid32", kSetId, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"setxattr", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"socket",
                kN,
                {-1, -1},
                {-1, -1},
                -1,
                -1,
                {0, 0},
                K::kSocket,
                Args(0, 1, 2),
                -1,
                NetOp::kSocket},
    SyscallInfo{"stat", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessStat, 0}, K::kStat, Args(), -1},
    SyscallInfo{"stat64", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessStat, 0}, K::kStat, Args(), -1},
    SyscallInfo{"statfs", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessStat, 0}, K::kStat, Args(), -1},
    SyscallInfo{"statfs64", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessStat, 0}, K::kStat, Args(), -1},
    SyscallInfo{"statx", kF, {1, -1}, {0, -1}, 2, -1, {kAccessStat, 0}, K::kStat, Args(), -1},
    SyscallInfo{"stime", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
    SyscallInfo{"swapoff", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead | kAccessWrite, 0}},
    SyscallInfo{"swapon", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead | kAccessWrite, 0}},
    SyscallInfo{"symlink", kF, {0, 1}, {-1, -1}, -1, -1, {0, kAccessCreate | kAccessLink}},
    SyscallInfo{"symlinkat", kF, {0, 2}, {-1, 1}, -1, -1, {0, kAccessCreate | kAccessLink}},
    SyscallInfo{"syslog", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"tgkill", kS, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1, 2), -1},
    SyscallInfo{"timer_create", kS, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"timerfd_create", kS, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0), -1},
    SyscallInfo{"tkill", kS, {-1, -1}, {-1, -1}, -1, -1, {0, 0}, K::kPlain, Args(0, 1), -1},
    SyscallInfo{"truncate", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"truncate64", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"umount", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessMount, 0}},
    SyscallInfo{"umount2", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessMount, 0}},
    SyscallInfo{"unlink", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessDelete, 0}},
    SyscallInfo{"unlinkat", kF, {1, -1}, {0, -1}, 2, -1, {kAccessDelete, 0}},
    SyscallInfo{"unshare",
                kP | kSetId | kChangesFs,
                {-1, -1},
                {-1, -1},
                0,
                -1,
                {0, 0},
                K::kPlain,
                Args(0),
                -1},
    SyscallInfo{"uselib", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessRead, 0}},
    SyscallInfo{"utime", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{
        "utimensat", kF, {1, -1}, {0, -1}, 3, -1, {kAccessWrite, 0}, K::kTimesAt, Args(), -1},
    SyscallInfo{"utimes", kF, {0, -1}, {-1, -1}, -1, -1, {kAccessWrite, 0}},
    SyscallInfo{"vhangup", 0, {-1, -1}, {-1, -1}, -1, -1, {0, 0}},
};

constexpr bool IsSortedByName(const auto& table) {
  for (size_t i = 1; i < table.size(); ++i)
    if (!(table[i - 1].name < table[i].name)) return false;
  return true;
}
static_assert(IsSortedByName(kSyscallInfo), "kSyscallInfo must be sorted by name");

// Each kind's argument roles are where the code that asks the kind reads them.
constexpr bool RolesAgree(const SyscallInfo& i) {
  const bool network = i.classes & kNetwork;
  if (i.key_args >= (1u << kMaxSyscallArgs)) return false;
  if (i.net_op.has_value() != network) return false;
  if (i.sockaddr_arg >= 0 && (!network || i.fd_arg < 0 || i.sockaddr_arg + 1 >= kMaxSyscallArgs))
    return false;
  switch (i.kind) {
    case SyscallKind::kStat:
    case SyscallKind::kStatNoFollow:
      return i.access.first == kAccessStat && i.path_args.first >= 0;
    case SyscallKind::kOpenHow:
      return (i.classes & kOpen) && i.flags_arg < 0;
    case SyscallKind::kRenameFlags:
      return i.flags_arg >= 0 && i.path_args.second >= 0;
    case SyscallKind::kTimesAt:
      return i.path_args.first >= 0 && i.dirfd_args.first >= 0;
    case SyscallKind::kSocket:
      return network && i.fd_arg < 0;
    case SyscallKind::kSocketLocal:
      return network && i.fd_arg >= 0 && i.sockaddr_arg < 0;
    case SyscallKind::kSendTo:
      return network && i.sockaddr_arg >= 0;
    case SyscallKind::kMapExec:
    case SyscallKind::kLockCommand:
    case SyscallKind::kLock:
    case SyscallKind::kChdirFd:
      return i.fd_arg >= 0;
    case SyscallKind::kProtectExec:
      return i.access.first == kAccessMmapExec;
    case SyscallKind::kPlain:
      return true;
  }
  return false;
}
constexpr bool AllRolesAgree(const auto& table) {
  for (const auto& i : table)
    if (!RolesAgree(i)) return false;
  return true;
}
static_assert(AllRolesAgree(kSyscallInfo), "a kSyscallInfo row's kind and argument roles disagree");

}  // namespace

const SyscallInfo* LookupSyscall(std::string_view name) {
  auto it = std::lower_bound(kSyscallInfo.begin(), kSyscallInfo.end(), name,
                             [](const SyscallInfo& i, std::string_view n) { return i.name < n; });
  if (it == kSyscallInfo.end() || it->name != name) return nullptr;
  return &*it;
}

const SyscallInfo* LookupSyscall(uint32_t audit_arch, int32_t nr) {
  return FindByNumber<&SyscallInfo::name>(kSyscallInfo, audit_arch, nr);
}

bool MayChangeFiles(const SyscallInfo& si, uint64_t call_flags) {
  constexpr uint32_t kChanges =
      kAccessWrite | kAccessCreate | kAccessDelete | kAccessLink | kAccessMount;
  if ((si.access.first | si.access.second) & kChanges) return true;
  if (si.classes & kOpen) return (call_flags & (O_CREAT | 020000000 /* __O_TMPFILE */)) != 0;
  return (si.classes & kNetwork) != 0;  // bind creates a unix socket file
}

PathAccess RequestedAccess(const SyscallInfo& si, const uint64_t* args, uint64_t openat2_flags,
                           bool how_known) {
  PathAccess access = si.access;
  if (si.classes & kOpen) {
    if (si.kind == SyscallKind::kOpenHow) {
      if (how_known) access.first = OpenFlagsAccess(openat2_flags);
    } else if (si.flags_arg >= 0) {
      access.first = OpenFlagsAccess(args[si.flags_arg]);
    }
  }
  constexpr uint64_t kRenameExchange = 1u << 1;  // RENAME_EXCHANGE
  if (si.kind == SyscallKind::kRenameFlags && (args[si.flags_arg] & kRenameExchange))
    access.first = access.second = kAccessDelete | kAccessCreate;
  return access;
}

uint32_t OpenFlagsAccess(uint64_t flags) {
  if (flags & O_PATH) return kAccessStat;  // a handle only: the other flags are ignored
  const uint64_t mode = flags & O_ACCMODE;
  uint32_t access = 0;
  if (mode == O_RDONLY || mode == O_RDWR) access |= kAccessRead;
  if (mode == O_WRONLY || mode == O_RDWR) {
    access |= ((flags & O_APPEND) && !(flags & O_TRUNC)) ? kAccessAppend : kAccessWrite;
  }
  if (flags & O_TRUNC) access |= kAccessWrite;
  if (flags & O_CREAT) access |= kAccessCreate;
  // O_TMPFILE (__O_TMPFILE | O_DIRECTORY): an unnamed file in that directory.
  if (flags & 020000000) access |= kAccessCreate | kAccessWrite;
  return access;
}

}  // namespace seclearn
