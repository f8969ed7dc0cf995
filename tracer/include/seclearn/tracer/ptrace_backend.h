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
#include "seclearn/tracer/backend.h"

namespace seclearn {

class PtraceBackend final : public Backend {
 public:
  BackendKind kind() const override { return BackendKind::kPtrace; }
  // Runs opts.exe under the tracer until the first process and every task it created have
  // exited. Errors: kExec (execve failed: code is its errno) or kErrno (tracer set-up).
  Result<TraceResult> Run(const TraceOptions& opts, EventSink& sink) override;
};

}  // namespace seclearn
