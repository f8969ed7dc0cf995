// The value types every tracer backend produces, and the EventSink it hands them to.
// A backend knows nothing of what happens to events; the learner knows nothing of which
// backend produced them (sandbox2's Syscall + observer, falcosecurity's engine/parser split).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "seclearn/core/facts.h"  // StackFact

namespace seclearn {

inline constexpr int kMaxSyscallArgs = 6;

// A task's credentials from /proc/TID/status (the Uid:, Gid:, Groups: and CapEff: lines).
struct TaskCreds {
  bool known = false;
  uint32_t ruid = 0, euid = 0, suid = 0, fsuid = 0;
  uint32_t rgid = 0, egid = 0, sgid = 0, fsgid = 0;
  uint64_t cap_eff = 0;  // bit N: capability N (linux/capability.h)
  std::vector<uint32_t> groups;
  bool operator==(const TaskCreds&) const = default;
};

// Owner and mode of a file, as stat(2) gave them at the stop (before the call ran).
struct FileStat {
  bool known = false;
  uint32_t mode = 0;  // st_mode: type and permission bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t err = 0;        // the stat's errno when !known
  // SyscallNeeds::kStatOutcome: seclearn sees this path as the task does (same fs ids,
  // groups, DAC capabilities and mount namespace), so the stat is the one the call will make.
  bool same_view = false;
  bool predicts = false;  // kStatOutcome: known/err is the call's own outcome (EventSink::Predict)
};

// Whether `gid` is the task's fs group or one of its supplementary groups.
inline bool InGroups(const TaskCreds& c, uint32_t gid) {
  if (c.fsgid == gid) return true;
  for (uint32_t g : c.groups)
    if (g == gid) return true;
  return false;
}

// generic_permission() by the mode bits alone (no ACLs, no capabilities): the owner's, the
// group's or the others' bits decide, whichever class the task is in. mask: 4 read, 2 write,
// 1 execute/search.
inline bool ModeAllows(const FileStat& st, const TaskCreds& c, uint32_t mask) {
  uint32_t bits = st.mode & 7;
  if (c.fsuid == st.uid) {
    bits = (st.mode >> 6) & 7;
  } else if (InGroups(c, st.gid)) {
    bits = (st.mode >> 3) & 7;
  }
  return (bits & mask) == mask;
}

// The socket a descriptor argument refers to (SO_DOMAIN, SO_TYPE, SO_PROTOCOL).
struct SocketInfo {
  bool known = false;
  int32_t family = 0;
  int32_t type = 0;
  int32_t protocol = 0;
};

struct SyscallEvent {
  uint32_t arch = 0;  // AUDIT_ARCH_* after NormalizeArch (x32 apart)
  int32_t nr = -1;
  std::array<uint64_t, kMaxSyscallArgs> args{};
  pid_t pid = 0;  // thread group id
  pid_t tid = 0;
  uint64_t ip = 0;
  uint64_t sp = 0;
  int64_t time_ns = 0;  // CLOCK_REALTIME when the tracer saw the call
  // Path arguments read from the tracee's memory where the syscall takes them (empty if not).
  std::string path;
  std::string path2;
  // Set when the backend waited for the syscall to finish: the return value (-errno on error).
  bool has_result = false;
  int64_t result = 0;

  // Filled by backends with TraceOptions::learn_access, for syscalls in core/syscall_table.h,
  // before EventSink::Needs is asked (tracer/src/remote.h resolves them for every backend):
  bool resolved = false;
  // path/path2 made absolute as the kernel resolves them: the dirfd (/proc/PID/fd/N), the cwd
  // (/proc/PID/cwd) or the process's root (/proc/PID/root) applied, "." and ".." folded. For a
  // call on a descriptor (mmap PROT_EXEC, flock, fchdir, fstatat AT_EMPTY_PATH on a non-stat
  // call) abs_path is the descriptor's file; for unix-socket bind/connect, the socket path.
  // Raw bytes from the workload: never interpret them as anything but a name.
  std::string abs_path;
  std::string abs_path2;
  // The struct sockaddr argument of bind/connect/sendto (raw bytes, at most 128); for
  // listen/accept, the socket's local address (getsockname).
  std::string sockaddr;
  SocketInfo socket;           // of the descriptor argument of bind/connect/listen/accept/sendto
  uint64_t openat2_flags = 0;  // openat2: how->flags
  TaskCreds creds;             // of the calling task, before the call
  // Filled only when EventSink::Needs asked for them:
  FileStat stat1, parent1;  // abs_path and its directory
  FileStat stat2, parent2;  // abs_path2 and its directory
  TaskCreds target_creds;   // of SyscallNeeds::target_pid (kill, tgkill, tkill)
};

// What a sink needs beyond what a backend always fills, asked once per resolved syscall at
// its stop. A backend that cannot provide something (seccomp-notify never sees results)
// leaves it unset; sinks must cope.
struct SyscallNeeds {
  static constexpr uint8_t kStatPath = 1u << 0;     // stat1
  static constexpr uint8_t kStatParent = 1u << 1;   // parent1
  static constexpr uint8_t kStatPath2 = 1u << 2;    // stat2
  static constexpr uint8_t kStatParent2 = 1u << 3;  // parent2
  // Make the stat the call will make at the stop (lstat for AT_SYMLINK_NOFOLLOW) into stat1,
  // with same_view, and ask EventSink::Predict whether it stands for the call's outcome: one
  // stat instead of a second stop.
  static constexpr uint8_t kStatOutcome = 1u << 4;
  bool result = false;   // wait for the call to finish (one more stop under ptrace)
  uint8_t stat = 0;      // kStat* bits
  pid_t target_pid = 0;  // > 0: read that process's credentials into target_creds
};

// A new process or thread appeared (fork, vfork, clone, clone3).
struct TaskEvent {
  pid_t pid = 0;  // thread group id of the new task
  pid_t tid = 0;
  pid_t parent_tid = 0;
  bool is_thread = false;
  int64_t time_ns = 0;
};

// A successful execve/execveat: the process now runs `exe` (resolved by the kernel).
struct ExecEvent {
  pid_t pid = 0;
  pid_t former_tid = 0;  // the thread that called exec (differs from pid from a non-leader thread)
  std::string exe;
  int64_t time_ns = 0;
};

struct ExitEvent {
  pid_t pid = 0;
  pid_t tid = 0;
  int wait_status = 0;  // as from waitpid
  int64_t time_ns = 0;
};

// What the stat of SyscallNeeds::kStatOutcome tells about the call (EventSink::Predict).
enum class Prediction : uint8_t {
  kNone,             // nothing: the result decides
  kOutcome,          // the call's outcome, should no result come (the notify backend)
  kOutcomeNoResult,  // the call's outcome: the result is not needed (no exit stop)
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnSyscall(const SyscallEvent& event) = 0;
  // The same call made `count` times, counted in the kernel (the eBPF backend): arch, nr, the
  // learned argument (arg_filters.h), pid and the first time it was seen are set, nothing else.
  // The default hands it on as `count` OnSyscall; a sink that only counts adds it at once.
  virtual void OnSyscalls(const SyscallEvent& event, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) OnSyscall(event);
  }
  // With TraceOptions::learn_access: asked at the stop of each resolved syscall (before the
  // call runs) what else to fetch for it. The default asks for the result only.
  virtual SyscallNeeds Needs(const SyscallEvent& /*event*/) { return {.result = true}; }
  // After Needs asked for kStatOutcome and stat1 is made: what that stat tells.
  virtual Prediction Predict(const SyscallEvent& /*event*/) { return Prediction::kNone; }
  virtual void OnTask(const TaskEvent& /*event*/) {}
  virtual void OnExec(const ExecEvent& /*event*/) {}
  virtual void OnExit(const ExitEvent& /*event*/) {}
  // With TraceOptions::stacks (ptrace backend only): the stack of a first-seen syscall or path
  // access (tracer/stacks.h), delivered at that call's stop, before its OnSyscall.
  virtual void OnStack(const StackFact& /*stack*/) {}
  // Called by the backend about once a second while the workload runs (scheduled on the
  // monotonic clock; now_ns is CLOCK_REALTIME), later while a stop is being handled, and
  // never concurrently with the other callbacks: the place to flush.
  virtual void OnTick(int64_t /*now_ns*/) {}
};

// CLOCK_REALTIME: the time of events, as stored and shown.
int64_t RealtimeNs();
// CLOCK_MONOTONIC: intervals and deadlines (a clock set back does not stall them).
int64_t MonotonicNs();

}  // namespace seclearn
