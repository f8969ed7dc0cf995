// What a backend reads about a stopped task so that the learner never has to: strings and
// sockaddrs from the task's memory, paths made absolute the way the kernel resolves them
// (dirfd through /proc/TID/fd/N, the cwd through /proc/TID/cwd, the root through
// /proc/TID/root), the socket behind a descriptor, the task's credentials, stats of the files a
// call names. Both backends (ptrace, seccomp-notify) call it at the stop, before the call runs,
// so the learner gets the same events from either.
//
//   Resolver resolver;                                   // one per traced workload
//   if (const SyscallInfo* si = LookupSyscall(ev.arch, ev.nr)) {
//     ... ev.path, ev.path2 read from the path arguments ...
//     resolver.Resolve(*si, ev);                         // abs paths, sockaddr, socket, creds
//     const SyscallNeeds needs = resolver.Complete(*si, sink.Needs(ev), ev);  // stats...
//     if (needs.result) ... wait for the result ...
//   }
//   resolver.OnExec(tgid, former_tid);                   // after a successful exec
//   resolver.OnExit(tid, tgid);                          // when a task is gone
//
// Caches: cwd and root per thread group (dropped at the stop of chdir/fchdir/chroot, so the
// next call reads them again once the change is made), descriptor paths per thread group
// (dropped at close/dup2/dup3/close_range of that descriptor, at exec, and for everyone at a
// rename, rmdir or mount), credentials per task (dropped at the stop of setuid & co and at
// exec). Not tracked: tasks sharing a cwd or descriptor table without being threads (clone
// with CLONE_FS or CLONE_FILES but not CLONE_THREAD), descriptors closed through io_uring.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seclearn/core/fd.h"
#include "seclearn/core/path.h"
#include "seclearn/core/result.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/core/syscall_table.h"
#include "procfs.h"

namespace seclearn {

// The kernel features resolving depends on, probed once before a run (strace-style): a missing
// one is an error naming it, never a run that silently learns less. pidfd_open and
// pidfd_getfd (Linux 5.6) read the socket behind a descriptor.
Result<void> CheckResolverFeatures();

// `path` as the kernel resolves it for a task whose root is `root` and whose starting
// directory (cwd or dirfd) is `base`, both as seen from here ("/" when not chrooted).
// ".." never climbs above `root`. A `base` that is not a directory path (a socket, a pipe)
// gives "<base>/<path>".
std::string ResolveAgainst(std::string_view root, std::string_view base, std::string_view path);


class Resolver {
 public:
  Resolver() = default;
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Clears the resolved fields of `ev` and fills those `si` calls for: abs_path/abs_path2,
  // openat2_flags, sockaddr, socket, creds. Sets ev.resolved.
  void Resolve(const SyscallInfo& si, SyscallEvent& ev);
  // Fills what `needs` asks for beyond Resolve: stat1/parent1/stat2/parent2, target_creds.
  // With kStatOutcome, asks `sink` what the stat predicts; returns `needs` with `result`
  // cleared when that makes it needless.
  SyscallNeeds Complete(const SyscallInfo& si, SyscallNeeds needs, SyscallEvent& ev,
                        EventSink& sink);

  // For every call, listed or not, before the call runs: drops what it invalidates (close,
  // dup2, dup3 and close_range of a cached descriptor; rename, rmdir and mounts for all).
  void Observe(const SyscallEvent& ev);
  // Whether Observe looks at the call: a filter must not let it run unseen.
  static bool Observes(uint32_t arch, int32_t nr);
  void OnExec(pid_t tgid, pid_t former_tid);
  void OnExit(pid_t tid, pid_t tgid);

 private:
  struct Proc {
    std::string cwd;       // empty: read again
    std::string root;      // empty: read again
    int8_t same_mnt = -1;  // in seclearn's mount namespace; -1: read again (with root)
    Fd pidfd;              // for pidfd_getfd (sockets); opened on first use
    Fd root_fd;            // /proc/TGID/root (O_PATH), in another mount namespace; with root
    // /proc/TID/fd/N of descriptors used as dirfd or mapped: tar calls openat(dirfd, name)
    // thousands of times on a few directories. Dropped by Observe and at exec.
    std::unordered_map<int, std::string> fd_paths;
  };
  static constexpr size_t kMaxCachedFds = 4096;
  // Numbers of the calls Observe looks at, per architecture.
  struct DescriptorCalls {
    uint32_t arch = 0;
    int32_t close = -1, close_range = -1, dup2 = -1, dup3 = -1;
    std::vector<int32_t> moves;
    std::vector<int32_t> metadata;  // fchmod, fchown: change a file not named by a path
  };
  static DescriptorCalls MakeDescriptorCalls(uint32_t arch);
  const DescriptorCalls& CallsOf(uint32_t arch);
  // Whether a stat made here gives what the task's own stat would.
  bool SameView(const SyscallEvent& ev);
  // Whether the task is in seclearn's mount namespace (its paths name our files).
  bool SameMounts(const SyscallEvent& ev);
  // stat of `path` (absolute, as the task names it) as the task would see it: in another
  // mount namespace (a container) resolved in the task's root with its symlinks kept inside
  // it, not on the host. `or_link`: a dangling symlink gives the link's own mode.
  FileStat StatInView(const SyscallEvent& ev, const std::string& path, bool nofollow,
                      bool or_link);
  Proc& ProcOf(pid_t tgid) { return procs_[tgid]; }
  const std::string& Cwd(pid_t tgid, pid_t tid);
  const std::string& Root(pid_t tgid, pid_t tid);
  std::string FdPath(pid_t tgid, pid_t tid, int fd);
  // abs path of a path argument relative to `dirfd` (AT_FDCWD: the cwd).
  std::string Absolute(pid_t tgid, pid_t tid, int dirfd, std::string_view path);
  void ResolveSocket(const SyscallInfo& si, SyscallEvent& ev, bool local_address);
  const TaskCreds& Creds(pid_t tid);

  std::unordered_map<pid_t, Proc> procs_;
  std::unordered_map<pid_t, TaskCreds> creds_;
  std::vector<DescriptorCalls> descriptor_calls_;
  // Bumped by every call that may change what a stat says (create, delete, rename, chmod,
  // chown, mount...): the last outcome stat is reused for the same path until then (tar stats
  // each file, then opens it), and for at most kLastStatTtlNs: a process seclearn does not
  // trace may change the file too (a workload polling for a file another one creates).
  uint64_t generation_ = 0;
  static constexpr int64_t kLastStatTtlNs = 1'000'000;
  struct LastStat {
    pid_t view = 0;  // 0: seclearn's mount namespace; else the process whose root it was
    std::string path;
    bool nofollow = false;
    uint64_t generation = 0;
    int64_t time_ns = 0;
    FileStat st;
  };
  LastStat last_stat_;
  TaskCreds self_;  // seclearn's own, read on first use
  std::string self_mnt_;
};

}  // namespace seclearn
