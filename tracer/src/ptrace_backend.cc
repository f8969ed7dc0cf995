#include "seclearn/tracer/ptrace_backend.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "child_failure.h"
#include "let_through.h"
#include "procfs.h"
#include "remote.h"
#include "run_signals.h"
#include "stand_in_parent.h"
#include "wakeup_latency.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/child_process.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/syscall_table.h"
#include "seclearn/tracer/stacks.h"
#include "special_nrs.h"

extern char** environ;

namespace seclearn {
namespace {

constexpr int kTraceOptions = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD |
                              PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                              PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

// Linux 6.16; Debian 12's headers are 6.1. Same struct as PTRACE_GET_SYSCALL_INFO.
constexpr int kPtraceSetSyscallInfo = 0x4212;

// Sets the first argument of the call `tid` is stopped in, through its registers: for kernels
// without PTRACE_SET_SYSCALL_INFO.
bool SetSyscallArg0(pid_t tid, uint32_t arch, uint64_t value) {
#if defined(__x86_64__)
  struct user_regs_struct regs {};
  if (::ptrace(PTRACE_GETREGS, tid, 0, &regs) != 0) return false;
  if (arch == AUDIT_ARCH_I386) {
    regs.rbx = static_cast<uint32_t>(value);
  } else {
    regs.rdi = value;
  }
  return ::ptrace(PTRACE_SETREGS, tid, 0, &regs) == 0;
#else
  (void)tid;
  (void)arch;
  (void)value;
  return false;
#endif
}

using tracer_internal::ChildFailure;
using tracer_internal::kStageExec;
using tracer_internal::kStageNoNewPrivs;
using tracer_internal::kStageSeccomp;

volatile sig_atomic_t g_tick = 0;

void OnAlarm(int) { g_tick = 1; }

// The tick (SIGALRM once a second) for the duration of a run, beside RunSignals.
class TickScope {
 public:
  TickScope() {
    struct sigaction sa {};
    sa.sa_handler = OnAlarm;  // no SA_RESTART: waitpid returns EINTR so the loop can tick
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGALRM, &sa, &old_alrm_);
    struct itimerval it {};
    it.it_interval.tv_sec = 1;
    it.it_value.tv_sec = 1;
    ::setitimer(ITIMER_REAL, &it, nullptr);
  }
  ~TickScope() {
    struct itimerval it {};
    ::setitimer(ITIMER_REAL, &it, nullptr);
    ::sigaction(SIGALRM, &old_alrm_, nullptr);
  }
  TickScope(const TickScope&) = delete;
  TickScope& operator=(const TickScope&) = delete;

 private:
  struct sigaction old_alrm_ {};
};

// One traced task and what its next stop owes. Every restart goes through Tracer::Resume,
// which asks for the syscall-exit stop (PTRACE_SYSCALL) exactly while `awaiting_exit` is set:
// a ptrace event (fork, vfork, clone, a group-stop) between a seccomp stop and its exit stop
// must be resumed the same way, or the exit stop is cancelled and the call lost.
struct Task {
  pid_t tgid = 0;
  bool running = false;      // has been continued at least once since it appeared
  bool awaiting_exit = false;
  bool announced = false;    // its parent's fork/vfork/clone event was seen
  bool watch_ptrace = false;  // `pending` is a ptrace request that fails under a tracer
  SyscallEvent pending;      // the call whose syscall-exit stop we asked for
  // clone3 whose CLONE_UNTRACED was cleared in the caller's clone_args: put back at the exit.
  uint64_t restore_addr = 0;
  uint64_t restore_flags = 0;
};

// A task's thread group; its own id if it is gone.
pid_t ReadTgid(pid_t tid) {
  const pid_t tgid = ReadProcStatus(tid).tgid;
  return tgid > 0 ? tgid : tid;
}

class Tracer {
 public:
  Tracer(const TraceOptions& opts, EventSink& sink) : opts_(opts), sink_(sink) {
    if (opts.stacks == StackMode::kFirst) {
      stacks_ = std::make_unique<StackRecorder>();
      stacks_->Known(opts.known_stacks);
    }
  }

  Result<TraceResult> Run();

 private:
  Result<tracer_internal::StandInParent> Spawn(Fd* failure_pipe);
  void HandleStop(pid_t tid, int status);
  void HandleSeccompStop(pid_t tid, Task& task);
  void HandleSyscallStop(pid_t tid, Task& task);
  void HandleNewTask(pid_t parent, Task& task, int event);
  void HandleExec(pid_t tid);
  void HandleExit(pid_t tid, int status);
  Task& EnsureTask(pid_t tid, bool* created);
  // Restarts a stopped task: PTRACE_SYSCALL while it owes us an exit stop, else PTRACE_CONT.
  void Resume(pid_t tid, const Task& task, int sig = 0);
  // What a seccomp stop needs before the call runs, beyond recording it; returns whether its
  // exit stop is wanted for that.
  bool PrepareClone(pid_t tid, Task& task, const SpecialNrs& special);
  void Tick();
  void OnTerminate(const tracer_internal::RunSignals::Terminate& term);
  // The call `task` was waiting on ends without the exit stop (exec, death): record it once.
  void DeliverPending(Task& task, bool exec_succeeded);
  void Fail(Error error);

  const TraceOptions& opts_;
  EventSink& sink_;
  Resolver resolver_;
  SpecialNrsCache special_;
  std::unique_ptr<StackRecorder> stacks_;  // null unless TraceOptions::stacks
  std::unordered_map<pid_t, Task> tasks_;
  // Tasks that exited before their parent's clone event was reported (waitpid orders events
  // of different tasks arbitrarily): tid -> tgid, so that the late event neither re-creates
  // the task nor counts a thread as a process.
  std::unordered_map<pid_t, pid_t> departed_;
  pid_t root_ = -1;
  bool root_exec_seen_ = false;
  bool syscall_info_checked_ = false;
  bool set_syscall_info_ = true;  // PTRACE_SET_SYSCALL_INFO (Linux 6.16+) until it says EIO
  std::optional<Error> fatal_;    // the run cannot be traced: the workload is killed
  TraceResult result_;
};

// What the workload's process runs between fork and exec (async-signal-safe calls only).
struct PtraceChild {
  int go_r;
  int go_w;
  int fail_w;
  bool nnp;
  struct sock_fprog* prog;
  const char* exe;
  char* const* argv;
};

[[noreturn]] void RunPtraceChild(void* arg) {
  const auto& c = *static_cast<PtraceChild*>(arg);
  auto fail_with = [&](int stage) {
    ChildFailure f{stage, errno};
    [[maybe_unused]] ssize_t w = ::write(c.fail_w, &f, sizeof f);
    ::_exit(stage == kStageExec ? ExitCodeForExecErrno(f.err) : kExitSeclearnFailure);
  };
  ::close(c.go_w);
  tracer_internal::RunSignals::RestoreInChild();
  char byte;
  // Wait until the tracer has seized us: a SECCOMP_RET_TRACE filter without a tracer fails
  // every syscall with ENOSYS.
  if (::read(c.go_r, &byte, 1) != 1) ::_exit(kExitSeclearnFailure);
  if (c.nnp && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_with(kStageNoNewPrivs);
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, c.prog, 0, 0) != 0) fail_with(kStageSeccomp);
  ::execve(c.exe, c.argv, environ);
  fail_with(kStageExec);
  ::_exit(kExitSeclearnFailure);
}

Result<tracer_internal::StandInParent> Tracer::Spawn(Fd* failure_pipe) {
  int go[2];
  int fail[2];
  if (::pipe2(go, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd go_r(go[0]), go_w(go[1]);
  if (::pipe2(fail, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd fail_r(fail[0]), fail_w(fail[1]);

  // Everything the child needs is built before fork: it may only make async-signal-safe calls.
  // Every call stops, but those let through (re-learning: let_through.h).
  std::vector<sock_filter> filter = tracer_internal::LetThroughBlock(LetThrough(opts_));
  filter.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));
  struct sock_fprog prog = {static_cast<unsigned short>(filter.size()), filter.data()};
  CArgv argv(opts_.argv);
  PtraceChild c{go[0], go[1], fail[1], opts_.no_new_privs, &prog, opts_.exe.c_str(), argv.data()};

  // The workload's parent is a stand-in (stand_in_parent.h): kill -STOP $PPID stops that,
  // not the tracer.
  auto parent = tracer_internal::StandInParent::Start(&RunPtraceChild, &c,
                                                      opts_.userns ? &*opts_.userns : nullptr);
  if (!parent) return parent.error();
  const pid_t pid = parent->workload();
  go_r.Reset();
  fail_w.Reset();
  if (::ptrace(PTRACE_SEIZE, pid, 0, kTraceOptions) != 0)
    return ErrnoError(fmt::format("ptrace(PTRACE_SEIZE, {})", pid));
  if (::write(go_w.get(), "g", 1) != 1) return ErrnoError("write to child");
  *failure_pipe = std::move(fail_r);
  return parent;
}

Task& Tracer::EnsureTask(pid_t tid, bool* created) {
  auto [it, inserted] = tasks_.try_emplace(tid);
  if (created) *created = inserted;
  if (inserted) {
    it->second.tgid = ReadTgid(tid);
    ++result_.threads;
  }
  return it->second;
}

void Tracer::Resume(pid_t tid, const Task& task, int sig) {
  // ESRCH: the task was killed while stopped (SIGKILL, exit_group of a sibling); its exit
  // arrives through waitpid like any other.
  ::ptrace(task.awaiting_exit ? PTRACE_SYSCALL : PTRACE_CONT, tid, 0, sig);
}

void Tracer::Fail(Error error) {
  if (!fatal_) fatal_ = std::move(error);
  if (root_ > 0) ::kill(root_, SIGKILL);
}

// A child created with CLONE_UNTRACED would inherit the SECCOMP_RET_TRACE filter with no
// tracer attached: every call it makes, exit included, fails with ENOSYS and it dies of
// SIGSEGV. The flag is cleared at the stop, so the child is traced like any other (strace -f
// does not follow such children; seclearn must, since its filter is in them). clone's flags
// are an argument; clone3's are in the caller's clone_args, restored at the exit stop.
bool Tracer::PrepareClone(pid_t tid, Task& task, const SpecialNrs& special) {
  SyscallEvent& ev = task.pending;
  if (ev.nr == special.clone && (ev.args[0] & CLONE_UNTRACED)) {
    const uint64_t cleared = ev.args[0] & ~uint64_t{CLONE_UNTRACED};
    bool done = false;
    if (set_syscall_info_) {
      struct __ptrace_syscall_info info {};
      if (::ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) > 0 &&
          info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        info.seccomp.args[0] = cleared;
        if (::ptrace(static_cast<__ptrace_request>(kPtraceSetSyscallInfo), tid, sizeof info,
                     &info) == 0) {
          done = true;
        } else if (errno == EIO) {
          set_syscall_info_ = false;  // before Linux 6.16
        }
      }
    }
    if (!done) done = SetSyscallArg0(tid, ev.arch, cleared);
    if (done) ++result_.untraced_cleared;
    return false;
  }
  if (ev.nr == special.clone3 && ev.args[0] != 0) {
    uint64_t flags = 0;
    if (!ReadTaskMemory(tid, ev.args[0], &flags, sizeof flags) || !(flags & CLONE_UNTRACED))
      return false;
    const uint64_t cleared = flags & ~uint64_t{CLONE_UNTRACED};
    if (!WriteTaskMemory(tid, ev.args[0], &cleared, sizeof cleared)) return false;
    ++result_.untraced_cleared;
    task.restore_addr = ev.args[0];
    task.restore_flags = flags;
    return true;
  }
  return false;
}

void Tracer::HandleSeccompStop(pid_t tid, Task& task) {
  struct __ptrace_syscall_info info {};
  const long got = ::ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info);
  if (got <= 0 || info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
    if (!syscall_info_checked_ && got < 0 && errno == EIO) {
      // Probed at the first stop, the workload's own execve, before any of its code runs.
      Fail(Error{ErrorDomain::kErrno, ENOSYS,
                 "this kernel lacks PTRACE_GET_SYSCALL_INFO (Linux 5.3+), which the ptrace "
                 "backend reads every call with; try --backend notify"});
    }
    Resume(tid, task);
    return;
  }
  syscall_info_checked_ = true;
  if (task.awaiting_exit) {
    // A seccomp stop where the exit stop of the previous call was owed: never expected, but
    // the previous call is recorded rather than overwritten.
    ++result_.unexpected_stops;
    DeliverPending(task, false);
  }
  ++result_.syscalls;
  SyscallEvent& ev = task.pending;
  const ArchNr an = NormalizeArch(info.arch, static_cast<int64_t>(info.seccomp.nr));
  ev.arch = an.arch;
  ev.nr = an.nr;
  for (int i = 0; i < kMaxSyscallArgs; ++i) ev.args[i] = info.seccomp.args[i];
  ev.pid = task.tgid;
  ev.tid = tid;
  ev.ip = info.instruction_pointer;
  ev.sp = info.stack_pointer;
  ev.time_ns = RealtimeNs();
  ev.path.clear();
  ev.path2.clear();
  ev.has_result = false;
  ev.result = 0;

  ev.resolved = false;
  if (opts_.learn_access) resolver_.Observe(ev);

  const SpecialNrs& special = special_.For(ev.arch);
  bool wait_result = false;
  if (const SyscallInfo* si = LookupSyscall(ev.arch, ev.nr)) {
    if (si->path_args.first >= 0) ReadTaskString(tid, ev.args[si->path_args.first], &ev.path, kMaxPathArg);
    if (si->path_args.second >= 0)
      ReadTaskString(tid, ev.args[si->path_args.second], &ev.path2, kMaxPathArg);
    wait_result = opts_.want_path_results && (si->classes & kFile) && !(si->classes & kProcess);
    if (opts_.learn_access) {
      resolver_.Resolve(*si, ev);
      const SyscallNeeds needs = resolver_.Complete(*si, sink_.Needs(ev), ev, sink_);
      // A successful exec reports PTRACE_EVENT_EXEC instead of its exit stop (HandleExec).
      wait_result = wait_result || needs.result;
    }
  }
  if (ev.nr == special.clone || ev.nr == special.clone3) {
    wait_result = PrepareClone(tid, task, special) || wait_result;
  } else if (ev.nr == special.ptrace && result_.nested_ptrace_pid == 0) {
    // A process has one tracer, and here it is seclearn: the workload's own PTRACE_TRACEME,
    // ATTACH or SEIZE fails with EPERM. Waited for, so the run can say so.
    const uint64_t request = ev.args[0];
    task.watch_ptrace =
        request == PTRACE_TRACEME || request == PTRACE_ATTACH || request == PTRACE_SEIZE;
    wait_result = wait_result || task.watch_ptrace;
  }
  wait_result = wait_result || opts_.want_all_results;
  if (stacks_) stacks_->OnSeccompStop(ev);
  task.awaiting_exit = wait_result;
  if (!wait_result) sink_.OnSyscall(ev);
  Resume(tid, task);
}

void Tracer::HandleSyscallStop(pid_t tid, Task& task) {
  if (!task.awaiting_exit) {
    // Only the exit stops we ask for exist (we never resume with PTRACE_SYSCALL otherwise).
    ++result_.unexpected_stops;
    Resume(tid, task);
    return;
  }
  struct __ptrace_syscall_info info {};
  const long got = ::ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info);
  // ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK (kernel-internal): a
  // signal interrupted the call, which is made again (a new stop) or fails with EINTR. It has
  // no outcome of its own.
  constexpr int64_t kErestartFirst = -516, kErestartLast = -512;
  if (got > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT &&
      !(info.exit.rval >= kErestartFirst && info.exit.rval <= kErestartLast)) {
    task.pending.has_result = true;
    task.pending.result = info.exit.rval;
  } else if (got > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY) {
    // The entry of the next call: the exit stop we waited for did not come.
    ++result_.unexpected_stops;
  }
  if (task.restore_addr != 0) {
    WriteTaskMemory(tid, task.restore_addr, &task.restore_flags, sizeof task.restore_flags);
    task.restore_addr = 0;
  }
  if (task.watch_ptrace && task.pending.has_result && task.pending.result == -EPERM) {
    result_.nested_ptrace_pid = task.tgid;
    result_.nested_ptrace_request = static_cast<int>(task.pending.args[0]);
  }
  task.watch_ptrace = false;
  task.awaiting_exit = false;
  sink_.OnSyscall(task.pending);
  Resume(tid, task);
}

void Tracer::HandleNewTask(pid_t parent, Task& task, int event) {
  unsigned long msg = 0;
  if (::ptrace(PTRACE_GETEVENTMSG, parent, 0, &msg) == 0 && msg != 0) {
    const pid_t child = static_cast<pid_t>(msg);
    pid_t tgid;
    if (auto d = departed_.find(child); d != departed_.end()) {
      tgid = d->second;
      departed_.erase(d);
    } else {
      Task& t = EnsureTask(child, nullptr);
      t.announced = true;
      tgid = t.tgid;
    }
    TaskEvent te;
    te.tid = child;
    te.pid = tgid;
    te.parent_tid = parent;
    te.is_thread = event == PTRACE_EVENT_CLONE && task.tgid == tgid;
    te.time_ns = RealtimeNs();
    if (!te.is_thread) ++result_.processes;
    sink_.OnTask(te);
  }
  Resume(parent, task);
}

void Tracer::DeliverPending(Task& task, bool exec_succeeded) {
  if (!task.awaiting_exit) return;
  task.awaiting_exit = false;
  task.watch_ptrace = false;
  task.restore_addr = 0;
  if (exec_succeeded) {
    task.pending.has_result = true;
    task.pending.result = 0;
  }
  sink_.OnSyscall(task.pending);
}

void Tracer::HandleExec(pid_t tid) {
  unsigned long former = 0;
  ::ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
  const pid_t former_tid = former ? static_cast<pid_t>(former) : tid;
  // The exec we waited on succeeded: its exit stop never comes (we continue with PTRACE_CONT).
  // A leader killed by another thread's exec was waiting on some other call: no result.
  if (auto it = tasks_.find(former_tid); it != tasks_.end()) DeliverPending(it->second, true);
  if (former_tid != tid) {
    if (auto it = tasks_.find(tid); it != tasks_.end()) DeliverPending(it->second, false);
  }
  resolver_.OnExec(tid, former_tid);
  if (stacks_) stacks_->OnExec(tid, former_tid);
  if (former_tid != tid) {
    // exec from a non-leader thread: the kernel gave the caller the leader's tid; the old tid
    // vanishes without an exit notification.
    tasks_.erase(former_tid);
  }
  bool created = false;
  Task& t = EnsureTask(tid, &created);
  t.tgid = tid;
  t.awaiting_exit = false;
  // The other threads are gone: forget them so their tids can be reused.
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->first != tid && it->second.tgid == tid) it = tasks_.erase(it);
    else ++it;
  }
  if (tid == root_) root_exec_seen_ = true;
  ExecEvent ev;
  ev.pid = tid;
  ev.former_tid = former_tid;
  ev.exe = ProcLink(tid, "exe");
  ev.time_ns = RealtimeNs();
  sink_.OnExec(ev);
  Resume(tid, t);
}

void Tracer::HandleStop(pid_t tid, int status) {
  bool created = false;
  Task& task = EnsureTask(tid, &created);
  const int sig = WSTOPSIG(status);
  const int event = status >> 16;

  switch (event) {
    case PTRACE_EVENT_SECCOMP:
      task.running = true;
      HandleSeccompStop(tid, task);
      return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      task.running = true;
      HandleNewTask(tid, task, event);
      return;
    case PTRACE_EVENT_EXEC:
      HandleExec(tid);
      return;
    case PTRACE_EVENT_STOP:
      // A new task's first stop (it may arrive before its parent's clone event) and the stop
      // after PTRACE_LISTEN ends are plain restarts; a group-stop is kept with PTRACE_LISTEN.
      if (task.running && (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) {
        ::ptrace(PTRACE_LISTEN, tid, 0, 0);
      } else {
        task.running = true;
        Resume(tid, task);
      }
      return;
    default:
      break;
  }
  task.running = true;
  if (sig == (SIGTRAP | 0x80)) {
    HandleSyscallStop(tid, task);
    return;
  }
  // Signal-delivery stop: deliver it as the kernel would have.
  Resume(tid, task, sig);
}

void Tracer::HandleExit(pid_t tid, int status) {
  auto it = tasks_.find(tid);
  if (it != tasks_.end()) {
    // Killed or exited inside a call we were waiting on: record the call without result.
    DeliverPending(it->second, false);
  }
  ExitEvent ev{it != tasks_.end() ? it->second.tgid : tid, tid, status, RealtimeNs()};
  resolver_.OnExit(tid, ev.pid);
  if (stacks_) stacks_->OnExit(tid, ev.pid);
  sink_.OnExit(ev);
  if (it != tasks_.end()) {
    if (!it->second.announced && tid != root_) {
      if (departed_.size() >= 4096) departed_.clear();  // events lost with a killed parent
      departed_[tid] = it->second.tgid;
    }
    tasks_.erase(it);
  }
}

// The first termination signal goes to every traced process (those in the terminal's
// foreground group had it from the terminal); a second one kills what is left, ending the run.
// Only live tasks are in tasks_ (a traced zombie keeps its pid until we reap it), so no pid
// here can belong to another process.
void Tracer::OnTerminate(const tracer_internal::RunSignals::Terminate& term) {
  result_.forwarded_signal = term.sig;
  const bool end = term.count >= 2;
  if (end) result_.ended_by_signal = term.sig;
  const pid_t own_group = ::getpgrp();
  std::unordered_set<pid_t> done;
  for (const auto& [tid, task] : tasks_) {
    if (!done.insert(task.tgid).second) continue;
    if (end) {
      ::kill(task.tgid, SIGKILL);
      ++result_.killed_at_end;
    } else if (!term.from_terminal || ::getpgid(task.tgid) != own_group) {
      ::kill(task.tgid, term.sig);
    }
  }
}

void Tracer::Tick() {
  g_tick = 0;
  if (stacks_) stacks_->Drain(sink_);
  sink_.OnTick(RealtimeNs());
}

Result<TraceResult> Tracer::Run() {
  const int64_t start = RealtimeNs();
  g_tick = 0;
  TickScope tick;
  tracer_internal::RunSignals signals(/*alarm_is_mine=*/true);
  tracer_internal::WakeupLatencyRequest latency;
  latency.Hold(opts_.low_wakeup_latency);
  Fd failure_pipe;
  auto parent = Spawn(&failure_pipe);
  if (!parent) return parent.error();
  root_ = parent->workload();
  tasks_[root_].tgid = root_;
  tasks_[root_].running = true;
  result_.processes = 1;
  result_.threads = 1;

  bool root_done = false;
  while (!tasks_.empty()) {
    if (g_tick) Tick();
    if (const auto term = signals.TakeTerminate(); term.sig != 0) OnTerminate(term);
    int status = 0;
    // WUNTRACED: a stop of the stand-in parent (the tracees are not our children; their stops
    // are reported anyway).
    const pid_t tid = ::waitpid(-1, &status, __WALL | WUNTRACED);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return ErrnoError("waitpid");
    }
    if (tid == parent->pid()) {
      parent->OnStatus(status);
      continue;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      HandleExit(tid, status);
      if (tid == root_) {
        root_done = true;
        result_.wait_status = status;
      }
      continue;
    }
    if (WIFSTOPPED(status)) HandleStop(tid, status);
  }
  // The stand-in reaps the workload after us, reports and exits.
  const std::optional<int> reported = parent->Finish();
  parent->RecordSignals(&result_);
  if (!root_done) {
    // Should not happen: waitpid reported ECHILD before the workload's exit.
    result_.wait_status = reported ? *reported : W_EXITCODE(kExitSeclearnFailure, 0);
  }
  result_.duration_ns = RealtimeNs() - start;
  if (stacks_) stacks_->Finish(sink_);
  sink_.OnTick(RealtimeNs());
  if (fatal_) return *fatal_;

  if (!root_exec_seen_) {
    if (auto e = tracer_internal::ReadChildFailure(failure_pipe.get(), opts_.exe,
                                                   "the tracing seccomp filter"))
      return *e;
  }
  return result_;
}

}  // namespace

Result<TraceResult> PtraceBackend::Run(const TraceOptions& opts, EventSink& sink) {
  if (opts.learn_access) {
    if (auto r = CheckResolverFeatures(); !r) return r.error();
  }
  Tracer tracer(opts, sink);
  return tracer.Run();
}

}  // namespace seclearn
