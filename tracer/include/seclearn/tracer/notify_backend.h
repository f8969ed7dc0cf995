// The seccomp-notify backend: runs a command and reports every syscall of every task it
// creates, without ptrace.
//
// The child installs a filter with SECCOMP_FILTER_FLAG_NEW_LISTENER that returns
// SECCOMP_RET_USER_NOTIF for every call, sends the listener fd to seclearn over a socketpair
// (SCM_RIGHTS) and execs. seclearn polls the fd, receives each notification, reads what the
// learner needs (path arguments through /proc/PID/mem, trusted only once
// SECCOMP_IOCTL_NOTIF_ID_VALID says the task is still blocked in that call) and answers
// SECCOMP_USER_NOTIF_FLAG_CONTINUE. Where the kernel has it (6.6+),
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP makes each hand-over a synchronous wake-up. The run ends
// at POLLHUP: the last task using the filter is gone (RECV itself would block forever).
//
//   NotifyBackend backend;
//   TraceOptions opts{.argv = {"sh", "-c", "ls"}, .exe = "/usr/bin/sh"};
//   Result<TraceResult> r = backend.Run(opts, sink);     // same events as PtraceBackend
//   if (r) return ExitCodeForWaitStatus(r->wait_status);
//
// What it sees, and what it infers. A notification arrives before the call runs, so:
//   - SyscallEvent: arch, nr, args, pid, tid, ip, time, paths and, with learn_access, the
//     resolved fields (the same tracer/src/remote.h Resolver as ptrace, at the notification,
//     before the call runs): as ptrace. sp is 0 (seccomp data has no stack pointer);
//     has_result is always false (results are never seen; Needs().result is ignored).
//     TraceOptions::stacks is ignored: the supervisor is not a tracer.
//   - TaskEvent (fork/vfork/clone/clone3/threads): inferred when an unknown tid makes its
//     first call; its tgid and parent come from /proc/TID/status. A task that exits without
//     making a single call is never seen.
//   - ExecEvent: an execve/execveat notification is remembered with a token of the caller's
//     address space (the 16 AT_RANDOM bytes, new on every exec); when the process makes its
//     next call, a changed token means the exec succeeded (from a non-leader thread the
//     caller is then the leader's tid). exe is /proc/PID/exe at that moment.
//   - ExitEvent: for the first process, its real waitpid status; for the others, inferred
//     from their exit/exit_group argument (a task killed by a signal reports nothing).
//   - Calls made after the filter but before the notification loop runs: none. The child's
//     own sendmsg/close of the listener fd (and its write/exit_group if exec fails) are
//     allowed by the filter only when they carry a random per-run cookie in their unused
//     sixth argument, so the workload's own calls of those names are still seen.
//   - Signals: job control and signal delivery are untouched (no stops). Signals sent to
//     seclearn are handled as with ptrace (tracer/src/run_signals.h): the first SIGINT,
//     SIGTERM, SIGHUP or SIGQUIT goes to every process of the run, a second kills what is left;
//     others are recorded and ignored.
//     If seclearn dies, the listener closes and the workload's next calls fail with ENOSYS.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "seclearn/core/fd.h"
#include "seclearn/core/result.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/tracer/backend.h"

namespace seclearn {

class NotifyBackend final : public Backend {
 public:
  BackendKind kind() const override { return BackendKind::kNotify; }
  // Runs opts.exe under a notify listener until every task using the filter has exited.
  // opts.want_path_results is ignored (results are never seen). Errors: kExec (execve failed:
  // code is its errno) or kErrno (set-up: the kernel lacks the listener, no_new_privs needed).
  Result<TraceResult> Run(const TraceOptions& opts, EventSink& sink) override;
};

// Whether this kernel supports SECCOMP_FILTER_FLAG_NEW_LISTENER (5.0+) and CONTINUE (5.5+).
bool NotifyAvailable();

// One seccomp listener fd and the state needed to turn its notifications into events: known
// tasks, cached /proc/PID/mem descriptors, execs waiting for confirmation. Used by
// NotifyBackend for one workload and by the OCI agent for one container each.
//
//   auto session = NotifySession::Adopt(std::move(fd), /*root=*/state_pid);
//   if (!session) return session.error();            // not a seccomp listener
//   pollfd p{session->fd(), POLLIN, 0};
//   while (poll(&p, 1, -1) >= 0 && !(p.revents & POLLHUP && !(p.revents & POLLIN)))
//     session->HandleOne(sink);                       // receive, read, CONTINUE, report
class NotifySession {
 public:
  // Takes a listener fd. root: the pid (in seclearn's pid namespace) of the first process,
  // known to exist already (no TaskEvent for it), or 0 if none is known. Fails with kUsage if
  // `fd` is not a seccomp listener.
  static Result<NotifySession> Adopt(Fd fd, pid_t root);

  NotifySession(NotifySession&&) noexcept;
  NotifySession& operator=(NotifySession&&) noexcept;
  ~NotifySession();

  int fd() const;
  // Receives one notification (poll said POLLIN), lets the call continue and reports it.
  // Returns false if there was nothing to receive (the task was killed meanwhile); errors are
  // kErrno from the ioctls other than those normal races.
  Result<bool> HandleOne(EventSink& sink);
  // TraceOptions::learn_access: resolve paths, sockets and credentials of each listed call
  // before letting it continue (tracer/src/remote.h, as the ptrace backend does) and ask
  // EventSink::Needs for stats; results are never seen. Off by default.
  void set_learn_access(bool on);
  // Watch mode (a profile that notifies only the calls outside it): answer every call with
  // this errno instead of letting it continue (0: continue, the default). A refused exec or
  // exit is not taken for one.
  void set_deny_errno(int err);
  // Report each process's executable (an ExecEvent from /proc/PID/exe) at its first call,
  // for filters under which exec is not notified. Off by default.
  void set_report_first_exe(bool on);
  // Whether any task this session has seen is still alive (not a zombie, not gone).
  bool TasksAlive() const;
  // Sends `sig` to every process of the session still alive (checked by start time through a
  // pidfd, so a reused pid is never signalled), except, with `skip_own_group`, those in
  // seclearn's process group. Returns how many were signalled.
  uint64_t SignalProcesses(int sig, bool skip_own_group);
  // Ends the session: an exec never followed by a call of its process (it died in or right
  // after it) is dropped unreported.
  void Finish(EventSink& sink);

  uint64_t notifications() const;
  uint64_t processes() const;  // thread groups seen, root included
  uint64_t threads() const;    // tasks seen
  // The exit_group status the root process asked for, or -1 if it was not seen.
  int root_exit_request() const;

 private:
  struct State;
  explicit NotifySession(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace seclearn
