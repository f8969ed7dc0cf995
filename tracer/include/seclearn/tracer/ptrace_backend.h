// The ptrace backend: runs a command and reports every syscall of every task it creates.
//
// One stop per syscall: the child installs a seccomp filter returning SECCOMP_RET_TRACE just
// before exec, the tracer attaches with PTRACE_SEIZE and PTRACE_O_TRACESECCOMP, and reads
// each call with PTRACE_GET_SYSCALL_INFO (arch, nr, args, ip, sp). A syscall-exit stop is
// requested only for calls whose result the sink asks for (EventSink::Needs: a file access
// not seen before, a call that may need a capability). strace -f pays two stops per call.
//
//   PtraceBackend backend;
//   TraceOptions opts{.argv = {"sh", "-c", "ls"}, .exe = "/usr/bin/sh"};
//   Result<TraceResult> r = backend.Run(opts, sink);   // sink gets every event
//   if (r) return ExitCodeForWaitStatus(r->wait_status);
//
// Signals: signals for the workload are delivered as the kernel would; group-stops are kept
// with PTRACE_LISTEN, so SIGSTOP/SIGTSTP/SIGCONT behave as without tracing. The run lasts
// until every traced process has exited (a daemon too). The first SIGINT, SIGTERM, SIGHUP or
// SIGQUIT sent to seclearn is passed to every traced process (from the terminal: to those
// outside its foreground group, which had it already); a second one kills what is left and
// ends the run. Any other catchable signal sent to seclearn (kill -USR1 $PPID) is recorded
// and ignored (tracer/src/run_signals.h).
// PTRACE_O_EXITKILL: if seclearn itself dies, the workload is killed, never left stopped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "seclearn/core/result.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/tracer/stacks.h"

namespace seclearn {

struct TraceOptions {
  std::vector<std::string> argv;  // argv[0] as the workload will see it
  std::string exe;                // resolved path to execute (FindExecutable)
  // PR_SET_NO_NEW_PRIVS before the filter. Required unless the tracer has CAP_SYS_ADMIN;
  // the CLI sets it for non-root users only, so setuid binaries keep working under root.
  bool no_new_privs = false;
  // Wait for the result of path-taking syscalls (one extra stop for those calls only). Off
  // until a consumer needs it: file-access learning turns it on.
  bool want_path_results = false;
  // Wait for the result of every call, as strace does (ptrace backend; the notify backend never
  // sees results). For tests and comparisons: it doubles the stops.
  bool want_all_results = false;
  // File, network and capability learning: for every syscall in core/syscall_table.h, resolve
  // what the learner needs (absolute paths, sockaddrs, sockets, credentials: see
  // SyscallEvent::resolved), ask the sink what more it needs (EventSink::Needs) and wait for
  // the result only when it says so. Off: events carry raw arguments and paths only.
  bool learn_access = false;
  // Call stacks of first-seen syscalls and path accesses, delivered as EventSink::OnStack
  // (tracer/stacks.h). The notify backend ignores it: its supervisor is not a tracer.
  StackMode stacks = StackMode::kNone;
};

struct TraceResult {
  int wait_status = 0;       // of the workload's first process
  uint64_t syscalls = 0;     // seccomp stops seen
  uint64_t processes = 0;    // thread groups seen, the first included
  uint64_t threads = 0;      // tasks seen, the first included
  int64_t duration_ns = 0;
  int forwarded_signal = 0;  // last signal forwarded to the workload, 0 if none
  // A second SIGINT/SIGTERM/SIGHUP/SIGQUIT ended the run: that signal, and how many processes
  // still alive were killed for it (0 if none).
  int ended_by_signal = 0;
  uint64_t killed_at_end = 0;
  // Other signals sent to seclearn during the run and ignored (bit N-1 for signal N), and the
  // sender of the first (often the workload: kill -USR1 $PPID).
  uint64_t ignored_signals = 0;
  pid_t ignored_signal_from = 0;
  // The workload's parent is a stand-in of seclearn's (tracer/src/stand_in_parent.h): the
  // times it was stopped and continued (kill -STOP $PPID), and the signals it ignored.
  uint64_t parent_stops_undone = 0;
  uint64_t parent_ignored_signals = 0;
  pid_t parent_ignored_from = 0;
  // The workload's own PTRACE_TRACEME, PTRACE_ATTACH or PTRACE_SEIZE failed with EPERM because
  // seclearn is its tracer (ptrace backend): the first such process and request, else 0/-1.
  // What it does once that succeeds was not learned; the notify backend has no such limit.
  pid_t nested_ptrace_pid = 0;
  int nested_ptrace_request = -1;
  // clone/clone3 calls with CLONE_UNTRACED that the ptrace backend cleared, so that the child
  // is traced (it would otherwise run its tracing filter without a tracer, and die).
  uint64_t untraced_cleared = 0;
  // Stops the ptrace backend's per-task state machine did not expect (a seccomp stop while an
  // exit stop was owed, an exit stop not asked for). Always 0 unless the kernel surprises us;
  // the live tests check it.
  uint64_t unexpected_stops = 0;
};

class PtraceBackend {
 public:
  // Runs opts.exe under the tracer until the first process and every task it created have
  // exited. Errors: kExec (execve failed: code is its errno) or kErrno (tracer set-up).
  Result<TraceResult> Run(const TraceOptions& opts, EventSink& sink);
};

}  // namespace seclearn
