// The workload's parent: a small process of seclearn's own that forks the workload, waits for
// it and reports its wait status, so that what a workload does to its parent it does to that
// process and not to the tracer. `kill -STOP $PPID` would otherwise stop the tracer, and with
// it every traced task at its next call; here the stand-in is stopped, seclearn sees that (it
// is seclearn's child) and continues it, and the workload carries on as it would natively.
//
//   auto parent = StandInParent::Start(&RunWorkload, &ctx);  // RunWorkload execs or _exits
//   pid_t root = parent->workload();
//   ... waitpid(-1, &st, __WALL | WUNTRACED) ...
//   if (pid == parent->pid()) parent->OnStatus(st);     // a stop is undone at once
//   std::optional<int> st = parent->Finish();            // the workload's status it reaped
//
// The stand-in dies with seclearn (PR_SET_PDEATHSIG). It keeps the signal handlers seclearn
// had when it forked (run_signals.h), so no catchable signal ends it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "seclearn/core/fd.h"
#include "seclearn/core/result.h"
#include "seclearn/tracer/ptrace_backend.h"

namespace seclearn::tracer_internal {

class StandInParent {
 public:
  // Forks the stand-in, which forks the workload and runs `workload(arg)` in it; that must
  // exec or _exit, making only async-signal-safe calls. Returns once the workload's pid is
  // known. With `userns`, the workload first enters a new user namespace, the stand-in (root
  // outside it) writes its uid and gid maps, and the workload becomes uid and gid 0 in it.
  static Result<StandInParent> Start(void (*workload)(void*), void* arg,
                                     const UserNamespaceMap* userns = nullptr);

  StandInParent(StandInParent&& o) noexcept;
  StandInParent& operator=(StandInParent&&) = delete;
  StandInParent(const StandInParent&) = delete;
  // Unless Finish() returned: kills the workload (while the stand-in has not reaped it, so its
  // pid is still its own) and the stand-in, and reaps the stand-in.
  ~StandInParent();

  pid_t pid() const { return pid_; }
  pid_t workload() const { return workload_; }

  // A waitpid status of pid(): a stop is undone (SIGCONT); an exit is recorded. Returns true
  // once the stand-in has exited.
  bool OnStatus(int status);
  // Waits for the stand-in to exit (it does once the workload is reaped), continuing it
  // whenever it is stopped, and returns the workload's wait status as it reported it, or
  // nullopt if it died first (SIGKILL).
  std::optional<int> Finish();
  // After Finish(): into `result`, the signals the stand-in ignored (and their first sender)
  // and how often it was stopped and continued, with those seclearn itself ignored
  // (RunSignals).
  void RecordSignals(TraceResult* result) const;

 private:
  StandInParent(pid_t pid, pid_t workload, Fd report)
      : pid_(pid), workload_(workload), report_(std::move(report)) {}
  std::optional<int> ReadReport();

  pid_t pid_ = -1;
  pid_t workload_ = -1;
  Fd report_;  // the stand-in writes the workload's wait status here once it has reaped it
  bool exited_ = false;
  bool finished_ = false;
  uint64_t stops_undone_ = 0;
  uint64_t ignored_mask_ = 0;
  pid_t ignored_from_ = 0;
};

}  // namespace seclearn::tracer_internal
