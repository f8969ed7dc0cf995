#include "seclearn/tracer/ptrace_backend.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "seclearn/core/arch.h"
#include "seclearn/core/child_process.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/syscall_table.h"
#include "remote.h"
#include "seclearn/tracer/stacks.h"

extern char** environ;

namespace seclearn {
namespace {

constexpr int kTraceOptions = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD |
                              PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                              PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

// What the child reports through its CLOEXEC pipe when it fails before or at exec.
struct ChildFailure {
  int stage;  // kStage*
  int err;
};
constexpr int kStageNoNewPrivs = 1;
constexpr int kStageSeccomp = 2;
constexpr int kStageExec = 3;

volatile sig_atomic_t g_tick = 0;
volatile sig_atomic_t g_forward_sig = 0;

void OnAlarm(int) { g_tick = 1; }

void OnTerminate(int sig, siginfo_t* info, void*) {
  // The terminal signals the whole foreground process group, the workload included: passing
  // those on again would deliver them twice.
  if (info != nullptr && info->si_code == SI_KERNEL) return;
  g_forward_sig = sig;
}

// Installs the handlers for the duration of a run and restores the old ones after.
class SignalScope {
 public:
  SignalScope() {
    struct sigaction sa {};
    sa.sa_handler = OnAlarm;  // no SA_RESTART: waitpid returns EINTR so the loop can tick
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGALRM, &sa, &old_alrm_);
    struct sigaction st {};
    st.sa_sigaction = OnTerminate;
    st.sa_flags = SA_SIGINFO;
    sigemptyset(&st.sa_mask);
    for (size_t i = 0; i < kTermSignals.size(); ++i) ::sigaction(kTermSignals[i], &st, &old_[i]);
    struct itimerval it {};
    it.it_interval.tv_sec = 1;
    it.it_value.tv_sec = 1;
    ::setitimer(ITIMER_REAL, &it, nullptr);
  }
  ~SignalScope() {
    struct itimerval it {};
    ::setitimer(ITIMER_REAL, &it, nullptr);
    ::sigaction(SIGALRM, &old_alrm_, nullptr);
    for (size_t i = 0; i < kTermSignals.size(); ++i) ::sigaction(kTermSignals[i], &old_[i], nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  static constexpr std::array<int, 4> kTermSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  struct sigaction old_alrm_ {};
  std::array<struct sigaction, 4> old_{};
};

struct Task {
  pid_t tgid = 0;
  bool running = false;      // has been continued at least once since it appeared
  bool awaiting_exit = false;
  bool announced = false;    // its parent's fork/vfork/clone event was seen
  SyscallEvent pending;      // the call whose syscall-exit stop we asked for
};

pid_t ReadTgid(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", tid);
  Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return tid;
  char buf[1024];
  const ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return tid;
  buf[n] = '\0';
  const char* p = std::strstr(buf, "\nTgid:");
  if (p == nullptr) return tid;
  return static_cast<pid_t>(std::strtol(p + 6, nullptr, 10));
}

std::string ReadExeLink(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/exe", pid);
  char buf[4096];
  const ssize_t n = ::readlink(path, buf, sizeof buf);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

class Tracer {
 public:
  Tracer(const TraceOptions& opts, EventSink& sink) : opts_(opts), sink_(sink) {
    if (opts.stacks == StackMode::kFirst) stacks_ = std::make_unique<StackRecorder>();
  }

  Result<TraceResult> Run();

 private:
  Result<ChildProcess> Spawn(Fd* failure_pipe);
  void HandleStop(pid_t tid, int status);
  void HandleSeccompStop(pid_t tid, Task& task);
  void HandleSyscallExit(pid_t tid, Task& task);
  void HandleNewTask(pid_t parent, int event);
  void HandleExec(pid_t tid);
  Task& EnsureTask(pid_t tid, bool* created);
  void Restart(int request, pid_t tid, int sig);
  void Tick();

  void DeliverPending(Task& task, bool exec_succeeded);

  const TraceOptions& opts_;
  EventSink& sink_;
  Resolver resolver_;
  std::unique_ptr<StackRecorder> stacks_;  // null unless TraceOptions::stacks
  std::unordered_map<pid_t, Task> tasks_;
  // Tasks that exited before their parent's clone event was reported (waitpid orders events
  // of different tasks arbitrarily): tid -> tgid, so that the late event neither re-creates
  // the task nor counts a thread as a process.
  std::unordered_map<pid_t, pid_t> departed_;
  pid_t root_ = -1;
  bool root_exec_seen_ = false;
  TraceResult result_;
};

Result<ChildProcess> Tracer::Spawn(Fd* failure_pipe) {
  int go[2];
  int fail[2];
  if (::pipe2(go, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd go_r(go[0]), go_w(go[1]);
  if (::pipe2(fail, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd fail_r(fail[0]), fail_w(fail[1]);

  // Everything the child needs is built before fork: it may only make async-signal-safe calls.
  struct sock_filter trace_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)};
  struct sock_fprog prog = {1, trace_all};
  CArgv argv(opts_.argv);
  const char* exe = opts_.exe.c_str();
  const bool nnp = opts_.no_new_privs;

  const pid_t pid = ::fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    auto fail_with = [&](int stage) {
      ChildFailure f{stage, errno};
      [[maybe_unused]] ssize_t w = ::write(fail[1], &f, sizeof f);
      ::_exit(stage == kStageExec ? ExitCodeForExecErrno(f.err) : kExitSeclearnFailure);
    };
    ::close(go[1]);
    char c;
    // Wait until the parent has seized us: a SECCOMP_RET_TRACE filter without a tracer
    // fails every syscall with ENOSYS.
    if (::read(go[0], &c, 1) != 1) ::_exit(kExitSeclearnFailure);
    if (nnp && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_with(kStageNoNewPrivs);
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) fail_with(kStageSeccomp);
    ::execve(exe, argv.data(), environ);
    fail_with(kStageExec);
  }
  ChildProcess child(pid);
  go_r.Reset();
  fail_w.Reset();
  if (::ptrace(PTRACE_SEIZE, pid, 0, kTraceOptions) != 0)
    return ErrnoError(fmt::format("ptrace(PTRACE_SEIZE, {})", pid));
  if (::write(go_w.get(), "g", 1) != 1) return ErrnoError("write to child");
  *failure_pipe = std::move(fail_r);
  return child;
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

void Tracer::Restart(int request, pid_t tid, int sig) {
  // ESRCH: the task was killed while stopped (SIGKILL, exit_group of a sibling); its exit
  // arrives through waitpid like any other.
  ::ptrace(static_cast<__ptrace_request>(request), tid, 0, sig);
}

void Tracer::HandleSeccompStop(pid_t tid, Task& task) {
  struct __ptrace_syscall_info info {};
  if (::ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) <= 0 ||
      info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
    Restart(PTRACE_CONT, tid, 0);
    return;
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

  bool wait_result = false;
  if (const SyscallInfo* si = LookupSyscall(ev.arch, ev.nr)) {
    if (si->path_args.first >= 0) ReadTraceeString(tid, ev.args[si->path_args.first], &ev.path);
    if (si->path_args.second >= 0)
      ReadTraceeString(tid, ev.args[si->path_args.second], &ev.path2);
    wait_result = opts_.want_path_results && (si->classes & kFile) && !(si->classes & kProcess);
    if (opts_.learn_access) {
      resolver_.Resolve(*si, ev);
      const SyscallNeeds needs = resolver_.Complete(*si, sink_.Needs(ev), ev);
      // A successful exec reports PTRACE_EVENT_EXEC instead of its exit stop (HandleExec).
      wait_result = wait_result || needs.result;
    }
  }
  if (stacks_) stacks_->OnSeccompStop(ev, sink_);
  if (wait_result) {
    task.awaiting_exit = true;
    Restart(PTRACE_SYSCALL, tid, 0);
    return;
  }
  sink_.OnSyscall(ev);
  Restart(PTRACE_CONT, tid, 0);
}

void Tracer::HandleSyscallExit(pid_t tid, Task& task) {
  struct __ptrace_syscall_info info {};
  if (::ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) > 0 &&
      info.op == PTRACE_SYSCALL_INFO_EXIT) {
    task.pending.has_result = true;
    task.pending.result = info.exit.rval;
  }
  task.awaiting_exit = false;
  sink_.OnSyscall(task.pending);
  Restart(PTRACE_CONT, tid, 0);
}

void Tracer::HandleNewTask(pid_t parent, int event) {
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
    const auto p = tasks_.find(parent);
    TaskEvent te;
    te.tid = child;
    te.pid = tgid;
    te.parent_tid = parent;
    te.is_thread = event == PTRACE_EVENT_CLONE && p != tasks_.end() && p->second.tgid == tgid;
    te.time_ns = RealtimeNs();
    if (!te.is_thread) ++result_.processes;
    sink_.OnTask(te);
  }
  Restart(PTRACE_CONT, parent, 0);
}

void Tracer::DeliverPending(Task& task, bool exec_succeeded) {
  if (!task.awaiting_exit) return;
  task.awaiting_exit = false;
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
  ev.exe = ReadExeLink(tid);
  ev.time_ns = RealtimeNs();
  sink_.OnExec(ev);
  Restart(PTRACE_CONT, tid, 0);
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
      HandleNewTask(tid, event);
      return;
    case PTRACE_EVENT_EXEC:
      HandleExec(tid);
      return;
    case PTRACE_EVENT_STOP:
      // A new task's first stop (it may arrive before its parent's clone event) and the stop
      // after PTRACE_LISTEN ends are plain restarts; a group-stop is kept with PTRACE_LISTEN.
      if (task.running && (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) {
        Restart(PTRACE_LISTEN, tid, 0);
      } else {
        task.running = true;
        Restart(PTRACE_CONT, tid, 0);
      }
      return;
    default:
      break;
  }
  if (sig == (SIGTRAP | 0x80)) {
    task.running = true;
    if (task.awaiting_exit) {
      HandleSyscallExit(tid, task);
    } else {
      Restart(PTRACE_CONT, tid, 0);
    }
    return;
  }
  // Signal-delivery stop: deliver it as the kernel would have.
  task.running = true;
  Restart(PTRACE_CONT, tid, sig);
}

void Tracer::Tick() {
  g_tick = 0;
  sink_.OnTick(RealtimeNs());
}

Result<TraceResult> Tracer::Run() {
  const int64_t start = RealtimeNs();
  g_tick = 0;
  g_forward_sig = 0;
  SignalScope signals;
  Fd failure_pipe;
  auto child = Spawn(&failure_pipe);
  if (!child) return child.error();
  root_ = child->pid();
  tasks_[root_].tgid = root_;
  tasks_[root_].running = true;
  result_.processes = 1;
  result_.threads = 1;

  bool root_done = false;
  while (!tasks_.empty()) {
    if (g_tick) Tick();
    if (const int sig = g_forward_sig) {
      g_forward_sig = 0;
      result_.forwarded_signal = sig;
      if (!root_done) ::kill(root_, sig);
    }
    int status = 0;
    const pid_t tid = ::waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return ErrnoError("waitpid");
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      auto it = tasks_.find(tid);
      if (it != tasks_.end() && it->second.awaiting_exit) {
        // Killed or exited inside a call we were waiting on: record the call without result.
        sink_.OnSyscall(it->second.pending);
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
      if (tid == root_) {
        root_done = true;
        result_.wait_status = status;
        child->Release();
      }
      continue;
    }
    if (WIFSTOPPED(status)) HandleStop(tid, status);
  }
  if (!root_done) {
    // Should not happen: waitpid reported ECHILD before the workload's exit.
    result_.wait_status = W_EXITCODE(kExitSeclearnFailure, 0);
  }
  result_.duration_ns = RealtimeNs() - start;
  sink_.OnTick(RealtimeNs());

  if (!root_exec_seen_) {
    ChildFailure f{};
    if (::read(failure_pipe.get(), &f, sizeof f) == sizeof f) {
      if (f.stage == kStageExec)
        return Error{ErrorDomain::kExec, f.err, fmt::format("{}: cannot execute", opts_.exe)};
      return ErrnoError(f.err, f.stage == kStageSeccomp
                                   ? "installing the tracing seccomp filter"
                                   : "prctl(PR_SET_NO_NEW_PRIVS)");
    }
  }
  return result_;
}

}  // namespace

bool ReadTraceeString(pid_t pid, uint64_t addr, std::string* out, size_t max_len) {
  out->clear();
  if (addr == 0) return false;
  const size_t page = 4096;
  char buf[4096];
  while (out->size() < max_len) {
    // Never cross a page boundary in one read: the next page may be unmapped.
    const size_t chunk = std::min(page - (addr % page), max_len - out->size());
    struct iovec local = {buf, chunk};
    struct iovec remote = {reinterpret_cast<void*>(addr), chunk};
    const ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) return !out->empty();
    const void* nul = std::memchr(buf, '\0', static_cast<size_t>(n));
    if (nul != nullptr) {
      out->append(buf, static_cast<const char*>(nul) - buf);
      return true;
    }
    out->append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  return true;
}

Result<TraceResult> PtraceBackend::Run(const TraceOptions& opts, EventSink& sink) {
  Tracer tracer(opts, sink);
  return tracer.Run();
}

}  // namespace seclearn
