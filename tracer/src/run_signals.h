// The signals seclearn itself receives while a workload runs, for both backends.
//
//   RunSignals signals;                        // handlers in place for the run
//   if (auto t = signals.TakeTerminate(); t.sig != 0) {
//     if (t.count == 1) ForwardToEveryTracedProcess(t.sig, t.from_terminal);
//     else KillEveryTracedProcess();           // a second one ends the learn
//   }
//
// - SIGINT, SIGTERM, SIGHUP, SIGQUIT: the run waits for every traced process, a daemon that
//   left the session included, so the first one is passed to each of them (one the terminal
//   sent already reached the terminal's foreground group: only the others get it); a second
//   one ends the run: what is still alive is killed and the run is saved.
// - Every other catchable signal a workload can send its parent (SIGUSR1, SIGPIPE, SIGSEGV by
//   kill(2), SIGTSTP, real-time signals, ...) is recorded and otherwise ignored, so the tracer
//   never dies or stops of it. A real fault (si_code > 0), seclearn's own abort() and the
//   terminal's SIGTSTP/SIGTTIN/SIGTTOU keep their usual effect.
// - SIGCHLD, SIGCONT, SIGWINCH and SIGURG are left alone; SIGALRM too when `alarm_is_mine`
//   (the ptrace backend's tick). SIGKILL and SIGSTOP cannot be caught.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>

namespace seclearn::tracer_internal {

class RunSignals {
 public:
  explicit RunSignals(bool alarm_is_mine);
  ~RunSignals();
  RunSignals(const RunSignals&) = delete;
  RunSignals& operator=(const RunSignals&) = delete;

  struct Terminate {
    int sig = 0;                 // 0: none since the last call
    bool from_terminal = false;  // sent by the kernel for the terminal (si_code SI_KERNEL)
    int count = 0;               // termination signals received in this run so far
  };
  Terminate TakeTerminate();

  // In the workload's process, between fork and exec: the dispositions seclearn had before
  // the run, so a signal seclearn was started with ignored (nohup's SIGHUP, a background
  // job's SIGINT) is ignored in the workload too. Async-signal-safe.
  static void RestoreInChild();

  // Signals received and ignored (bit N set for signal N), and the first one's sender.
  // In the stand-in parent (stand_in_parent.h): every catchable signal but SIGCHLD, SIGCONT,
  // SIGWINCH and SIGURG recorded and ignored, the termination signals and SIGALRM too (one the
  // terminal sent is ignored without a record: it is not the workload's).
  static void InstallInStandIn();

  // Static: the stand-in parent (stand_in_parent.h) reports its own.
  static uint64_t ignored_mask();
  static pid_t ignored_from();
};

// The four termination signals RunSignals handles.
inline constexpr int kTerminateSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

}  // namespace seclearn::tracer_internal
