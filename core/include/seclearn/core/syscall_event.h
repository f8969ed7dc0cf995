// The value types every tracer backend produces, and the EventSink it hands them to.
// A backend knows nothing of what happens to events; the learner knows nothing of which
// backend produced them (sandbox2's Syscall + observer, falcosecurity's engine/parser split).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>

namespace seclearn {

inline constexpr int kMaxSyscallArgs = 6;

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

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnSyscall(const SyscallEvent& event) = 0;
  virtual void OnTask(const TaskEvent& /*event*/) {}
  virtual void OnExec(const ExecEvent& /*event*/) {}
  virtual void OnExit(const ExitEvent& /*event*/) {}
  // Called by the backend at least once a second while the workload runs, and never
  // concurrently with the other callbacks: the place to flush.
  virtual void OnTick(int64_t /*now_ns*/) {}
};

int64_t RealtimeNs();

}  // namespace seclearn
