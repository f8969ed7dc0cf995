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
#include <string_view>

#include "seclearn/core/facts.h"

namespace seclearn {

enum SyscallClass : uint32_t {
  kFile = 1u << 0,     // takes or creates a path
  kDesc = 1u << 1,     // works on a descriptor
  kProcess = 1u << 2,  // process lifecycle
  kNetwork = 1u << 3,
  kCreds = 1u << 4,    // uid/gid/capabilities
  kMount = 1u << 5,
  kMemory = 1u << 6,
  kSignal = 1u << 7,
  kSetId = 1u << 8,      // changes the caller's credentials (setuid, capset, ...)
  kChangesFs = 1u << 9,  // changes the caller's cwd or root (chdir, fchdir, chroot)
  kOpen = 1u << 10,      // the access asked for comes from O_* flags (open, openat, ...)
  kAdmin = 1u << 11,     // system administration: clocks, modules, reboot, hostname, ...
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

struct SyscallInfo {
  std::string_view name;
  uint32_t classes = 0;
  PathArgs path_args;
  PathArgs dirfd_args;    // the dirfd argument each path is relative to; -1: the cwd
  int8_t flags_arg = -1;  // O_* (kOpen), AT_* or RENAME_* flags the meaning depends on
  int8_t fd_arg = -1;     // the descriptor the call works on (socket, mapped or locked file)
  PathAccess access;
};

// nullptr when the syscall is not in the table (most are: only those with something to read
// or classify are listed).
const SyscallInfo* LookupSyscall(std::string_view name);
// By (arch, nr), through a per-architecture index built on first use.
const SyscallInfo* LookupSyscall(uint32_t audit_arch, int32_t nr);

// FileAccess bits (facts.h) an open-like call asks for, from its O_* flags (O_PATH: stat only;
// O_TMPFILE: create and write).
uint32_t OpenFlagsAccess(uint64_t flags);

}  // namespace seclearn
