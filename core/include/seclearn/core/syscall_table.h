// What seclearn knows about syscalls by name: which arguments are paths (read from the
// tracee at the stop) and which class a call belongs to. One table sorted by name, checked at
// compile time (strace's sysent flags, sandbox2's sorted tables); numbers come from libseccomp
// per architecture at run time, so the same table serves x86_64, i386, x32 and aarch64.
//
//   const SyscallInfo* info = LookupSyscall(AUDIT_ARCH_X86_64, 257);  // openat
//   if (info && info->path_args.first >= 0) { ... read args[info->path_args.first] ... }
//   // relative to args[info->dirfd_args.first] (AT_FDCWD: the cwd); access from O_* flags
//
// Calls whose arguments decide a capability (setuid, kill, socket, mount, ...) are listed
// too, so that backends resolve them for the learner (tracer/src/remote.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "seclearn/core/facts.h"

namespace seclearn {

enum SyscallClass : uint32_t {
  kFile = 1u << 0,     // takes or creates a path
  kProcess = 1u << 2,  // process lifecycle
  kNetwork = 1u << 3,
  kSignal = 1u << 7,
  kSetId = 1u << 8,      // changes the caller's credentials (setuid, capset, ...)
  kChangesFs = 1u << 9,  // changes the caller's cwd or root (chdir, fchdir, chroot)
  kOpen = 1u << 10,      // the access asked for comes from O_* flags (open, openat, ...)
};
// Argument indexes that hold a NUL-terminated path; -1 when none.
struct PathArgs {
  int8_t first = -1;
  int8_t second = -1;
};

// FileAccess bits (facts.h) each path argument asks for; kOpen calls add those of their flags.
struct PathAccess {
  uint32_t first = 0;
  uint32_t second = 0;
};

// What a call needs told apart beyond its classes and argument roles: the tracer and the
// learner ask the kind, never the name.
enum class SyscallKind : uint8_t {
  kPlain,
  kStat,          // stat, statx, newfstatat, statfs, ...: its outcome is what a stat says
  kStatNoFollow,  // lstat, lstat64: the same, of the link itself
  kOpenHow,       // openat2: the O_* flags are the first u64 of the struct open_how at arg 2
  kRenameFlags,   // renameat2: RENAME_EXCHANGE (flags_arg) makes both paths delete and create
  kTimesAt,       // utimensat: a NULL path names the descriptor itself (futimens)
  kSocket,        // socket: family, type, protocol in args 0-2
  kSocketLocal,   // listen, accept, accept4: the socket's own address, no sockaddr argument
  kSendTo,        // sendto: a sockaddr only when the socket is not connected
  kMapExec,       // mmap, mmap2: PROT_EXEC (arg 2) of a file (fd_arg) maps it for execution
  kProtectExec,   // mprotect: PROT_EXEC (arg 2) on the mapping at arg 0
  kLockCommand,   // fcntl, fcntl64: the lock commands (arg 1) lock the file
  kLock,          // flock: every operation but LOCK_UN (arg 1) locks it
  kChdirFd,       // fchdir: the descriptor becomes the cwd
};

// A set of argument indexes (bit i: argument i).
using ArgSet = uint8_t;
constexpr ArgSet Args() { return 0; }
template <typename... I>
constexpr ArgSet Args(int first, I... rest) {
  return static_cast<ArgSet>((1u << first) | Args(rest...));
}

struct SyscallInfo {
  std::string_view name;
  uint32_t classes = 0;
  PathArgs path_args;
  PathArgs dirfd_args;    // the dirfd argument each path is relative to; -1: the cwd
  int8_t flags_arg = -1;  // O_* (kOpen), AT_* or RENAME_* flags the meaning depends on
  int8_t fd_arg = -1;     // the descriptor the call works on (socket, mapped or locked file)
  PathAccess access;
  SyscallKind kind = SyscallKind::kPlain;
  // Arguments besides paths, sockaddrs and sockets that decide what the call needs or does
  // (ids, modes, signals, flags): the learner tells calls apart by them. Never pointers.
  ArgSet key_args = 0;
  int8_t sockaddr_arg = -1;  // a struct sockaddr*, its length in the next argument
  std::optional<NetOp> net_op = std::nullopt;  // what a network call does
};

// How many key arguments a call has, and the index of the n-th (from 0, in argument order;
// -1 past the last): chown's uid and gid are its key arguments 0 and 1, fchownat's too.
constexpr int KeyArgCount(const SyscallInfo& si) { return __builtin_popcount(si.key_args); }
constexpr int KeyArg(const SyscallInfo& si, int n) {
  for (int i = 0; i < 8; ++i)
    if ((si.key_args & (1u << i)) && n-- == 0) return i;
  return -1;
}

// nullptr when the syscall is not in the table (most are: only those with something to read
// or classify are listed).
const SyscallInfo* LookupSyscall(std::string_view name);
// By (arch, nr), through a per-architecture index built on first use.
const SyscallInfo* LookupSyscall(uint32_t audit_arch, int32_t nr);

// The flags a call's meaning depends on: O_* of an open (openat2: `openat2_flags`, from its
// struct open_how), AT_* or RENAME_* otherwise; 0 if it takes none.
constexpr uint64_t CallFlags(const SyscallInfo& si, const uint64_t* args, uint64_t openat2_flags) {
  if (si.kind == SyscallKind::kOpenHow) return openat2_flags;
  return si.flags_arg >= 0 ? args[si.flags_arg] : 0;
}

// Whether a listed call may change what a stat of some path says: it creates, removes,
// renames, links, mounts, or changes a mode, an owner or times (`call_flags`: CallFlags).
bool MayChangeFiles(const SyscallInfo& si, uint64_t call_flags);

// FileAccess bits (facts.h) an open-like call asks for, from its O_* flags (O_PATH: stat only;
// O_TMPFILE: create and write).
uint32_t OpenFlagsAccess(uint64_t flags);

// mkdir, mknod and their *at forms: the call only creates its first path, so a name that
// exists makes it fail (EEXIST).
constexpr bool CreatesOnly(const SyscallInfo& si) {
  return si.access.first == kAccessCreate && !(si.classes & kOpen);
}

// The FileAccess bits each path argument of a call asks for: the table's, with an open's
// from its O_* flags (openat2: `openat2_flags`, read from its struct open_how, when
// `how_known`) and RENAME_EXCHANGE's delete-and-create on both paths.
PathAccess RequestedAccess(const SyscallInfo& si, const uint64_t* args, uint64_t openat2_flags,
                           bool how_known);

}  // namespace seclearn
