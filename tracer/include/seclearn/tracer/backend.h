// The tracer's backends behind one interface: each runs a command and reports every syscall
// of every task it creates to an EventSink. ptrace (ptrace_backend.h) stops the task at each
// call; seccomp user notification (notify_backend.h) has a supervisor answer each call
// instead. learn, the tests and the agent choose one by value:
//
//   std::unique_ptr<Backend> backend = MakeBackend(BackendKind::kNotify);
//   TraceOptions opts{.argv = {"sh", "-c", "ls"}, .exe = "/usr/bin/sh"};
//   Result<TraceResult> r = backend->Run(opts, sink);   // sink gets every event
//   if (r) return ExitCodeForWaitStatus(r->wait_status);
//
// What every backend shares is written once in tracer/src: the child's failure pipe
// (child_failure.h), the stand-in parent (stand_in_parent.h), signal handling
// (run_signals.h), /proc and task-memory readers (procfs.h) and the resolver (remote.h).
// A new backend is one more file implementing Backend, and a case in MakeBackend.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/facts.h"
#include "seclearn/core/result.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/tracer/stacks.h"

namespace seclearn {

// A user namespace for the workload (learn --userns): its uids and gids 0..count-1 are the
// host's outside..outside+count-1, as under Docker's userns-remap or rootless Podman.
struct UserNamespaceMap {
  uint32_t outside = 0;
  uint32_t count = 0;
};

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
  // Re-learning: calls the filter lets run unseen, so that they cost what they cost without
  // seclearn (x32 as (kAuditArchX32, nr)). learn passes the calls earlier runs of the app
  // already made and that have nothing left to learn (learner's NothingLeftToLearn); those a
  // backend must see itself (BackendMustSee) still reach it. Empty: every call is seen.
  std::vector<ArchNr> let_through;
  // Re-learning with stacks: the keys earlier runs recorded a stack for (Store::StackKeys;
  // frames empty). Their calls are not unwound again, and they count toward the per-access
  // budget of path stacks (stacks.h).
  std::vector<StackFact> known_stacks;
  // Hold a CPU wake-up latency request of 0 us while the workload runs (root only:
  // /dev/cpu_dma_latency), so that idle CPUs poll instead of halting and each stop's two
  // hand-offs between tracer and tracee do not wait for a CPU to wake (tracer/src/
  // wakeup_latency.h). Nothing the workload sees changes; idle CPUs burn power meanwhile.
  bool low_wakeup_latency = true;
  // Run the workload as root of a new user namespace mapped onto these host ids (ptrace and
  // notify backends).
  std::optional<UserNamespaceMap> userns;
};

struct TraceResult {
  int wait_status = 0;       // of the workload's first process
  uint64_t syscalls = 0;     // seccomp stops seen
  uint64_t kernel_counted = 0;  // calls counted in the kernel without a stop (eBPF backend)
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

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;
  // Runs opts.exe until the first process and every task it created have exited. Errors:
  // kExec (execve failed: code is its errno) or kErrno (set-up: what the kernel lacks).
  virtual Result<TraceResult> Run(const TraceOptions& opts, EventSink& sink) = 0;
};

std::unique_ptr<Backend> MakeBackend(BackendKind kind);

// Whether every backend must see the call itself, whatever the learner knows: the process
// lifecycle (execve, execveat, fork, vfork, clone, clone3, exit, exit_group, ptrace) and the
// descriptor calls the resolver's caches follow (close, dup2, dup3, close_range, renames,
// mounts, fchmod, fchown).
bool BackendMustSee(uint32_t arch, int32_t nr);
// opts.let_through without those: what the filter lets through.
std::vector<ArchNr> LetThrough(const TraceOptions& opts);

}  // namespace seclearn
