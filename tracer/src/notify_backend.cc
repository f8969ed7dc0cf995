#include "seclearn/tracer/notify_backend.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <unordered_map>
#include <vector>

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
#include "seclearn/core/syscall_table.h"
#include "special_nrs.h"

extern char** environ;

// Linux 6.6; Debian 12's headers are 6.1.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace seclearn {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// An entry of a task that exited (or was not seen for this long and is gone) is forgotten
// after this: notifications already queued by its siblings arrive well before.
constexpr int64_t kForgetAfterNs = kSecond;

int Seccomp(unsigned op, unsigned flags, void* args) {
  return static_cast<int>(::syscall(SYS_seccomp, op, flags, args));
}

bool TaskExists(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d", tid);
  return ::access(path, F_OK) == 0;
}

// Identifies an address space: its auxv plus the 16 bytes AT_RANDOM points at, which the
// kernel draws anew on every exec (auxv alone repeats when ASLR is off). Empty if unreadable.
std::string AddressSpaceToken(pid_t tid) {
  std::string token;
  if (!ReadProcFile(tid, "auxv", &token)) return {};
  constexpr uint64_t kAtRandom = 25;
  uint64_t random_addr = 0;
  // 64-bit entries first; a 32-bit process has 32-bit ones, which never decode as
  // {AT_RANDOM, 0} in 64 bits because AT_RANDOM's value is never 0.
  for (size_t i = 0; i + 16 <= token.size(); i += 16) {
    uint64_t kv[2];
    std::memcpy(kv, token.data() + i, sizeof kv);
    if (kv[0] == kAtRandom) random_addr = kv[1];
  }
  if (random_addr == 0) {
    for (size_t i = 0; i + 8 <= token.size(); i += 8) {
      uint32_t kv[2];
      std::memcpy(kv, token.data() + i, sizeof kv);
      if (kv[0] == kAtRandom) random_addr = kv[1];
    }
  }
  if (random_addr != 0) {
    Fd mem = OpenTaskMem(tid);
    char bytes[16];
    if (ReadTaskMemory(MemFd{mem.get()}, random_addr, bytes, sizeof bytes))
      token.append(bytes, sizeof bytes);
  }
  return token;
}

}  // namespace

bool NotifyAvailable() {
  uint32_t action = SECCOMP_RET_USER_NOTIF;
  return Seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

struct NotifySession::State {
  struct Proc {
    Fd mem;  // /proc/TID/mem of one of its tasks; reopened after an exec
    std::vector<pid_t> tids;
    bool exec_pending = false;
    pid_t exec_tid = 0;
    std::string exec_token;
    bool exited = false;
    int64_t exited_ns = 0;
    uint64_t start_time = 0;  // /proc/PID/stat field 22: tells it from a later reuse of the pid
    bool exe_reported = false;  // report_first_exe
  };
  struct Task {
    pid_t tgid = 0;
    int64_t last_seen_ns = 0;
  };

  Fd fd;
  pid_t root = 0;
  std::vector<unsigned char> req;
  std::vector<unsigned char> resp;
  std::unordered_map<pid_t, Task> tasks;
  std::unordered_map<pid_t, Proc> procs;
  SpecialNrsCache special;
  uint64_t notifications = 0;
  uint64_t processes = 0;
  uint64_t threads = 0;
  int root_exit_request = -1;
  int64_t last_maintain_ns = 0;
  bool learn_access = false;  // TraceOptions::learn_access
  int deny_errno = 0;          // set_deny_errno
  bool report_first_exe = false;
  Resolver resolver;          // remote.h: abs paths, sockets, creds, shared with ptrace

  bool IdValid(uint64_t id) const {
    return ::ioctl(fd.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
  }

  Proc& AddProc(pid_t tgid) {
    Proc& p = procs[tgid];
    p.start_time = ReadProcStat(tgid).start_time;
    ++processes;
    return p;
  }

  void AddTask(pid_t tid, pid_t tgid, int64_t now) {
    tasks[tid] = Task{tgid, now};
    procs[tgid].tids.push_back(tid);
    ++threads;
  }

  void ForgetProc(pid_t tgid) {
    auto it = procs.find(tgid);
    if (it == procs.end()) return;
    resolver.OnExit(tgid, tgid);
    for (pid_t t : it->second.tids) {
      resolver.OnExit(t, tgid);
      auto task = tasks.find(t);
      if (task != tasks.end() && task->second.tgid == tgid) tasks.erase(task);
    }
    procs.erase(it);
  }

  void ForgetTask(pid_t tid) {
    auto it = tasks.find(tid);
    if (it == tasks.end()) return;
    resolver.OnExit(tid, it->second.tgid);
    auto proc = procs.find(it->second.tgid);
    if (proc != procs.end()) std::erase(proc->second.tids, tid);
    tasks.erase(it);
  }

  // The thread group of `tid`, reporting a new process or thread on its first call and a
  // finished exec on the first call after it.
  pid_t Resolve(pid_t tid, int64_t now, EventSink& sink) {
    auto it = tasks.find(tid);
    if (it != tasks.end()) {
      auto proc = procs.find(it->second.tgid);
      if (proc == procs.end() || !proc->second.exited) {
        it->second.last_seen_ns = now;
        const pid_t tgid = it->second.tgid;
        if (proc != procs.end() && proc->second.exec_pending) CheckExec(tgid, tid, now, sink);
        return tasks.count(tid) ? tasks[tid].tgid : tgid;
      }
      // A call from a process that asked to exit: a sibling's queued call, or a new task
      // that reuses the number once the old one is gone.
      if (now - proc->second.exited_ns < kForgetAfterNs) return it->second.tgid;
      ForgetProc(proc->first);
    }
    const ProcStatus status = ReadProcStatus(tid);
    pid_t tgid = status.tgid;
    if (tgid <= 0) tgid = tid;  // gone already (killed): count it under its own id
    auto proc = procs.find(tgid);
    if (proc != procs.end() && proc->second.exited) {
      ForgetProc(tgid);
      proc = procs.end();
    }
    if (proc == procs.end()) {
      AddProc(tgid);
      if (tgid != root) {
        const pid_t leader_ppid = tid == tgid ? status.ppid : ReadProcStatus(tgid).ppid;
        TaskEvent te;
        te.pid = tgid;
        te.tid = tgid;
        te.parent_tid = leader_ppid > 0 ? leader_ppid : 0;
        te.is_thread = false;
        te.time_ns = now;
        sink.OnTask(te);
      }
      if (tid != tgid && !tasks.count(tgid)) AddTask(tgid, tgid, now);
    }
    AddTask(tid, tgid, now);
    if (tid != tgid) {
      TaskEvent te;
      te.pid = tgid;
      te.tid = tid;
      te.parent_tid = tgid;  // the creating thread is not known, only its group
      te.is_thread = true;
      te.time_ns = now;
      sink.OnTask(te);
    }
    return tgid;
  }

  void CheckExec(pid_t tgid, pid_t tid, int64_t now, EventSink& sink) {
    Proc& p = procs[tgid];
    // After a successful exec only the leader is left; any other caller is a sibling that
    // runs while the exec is under way, or the caller itself after a failed exec.
    if (tid != tgid && tid != p.exec_tid) return;
    const std::string token = AddressSpaceToken(tid);
    if (!token.empty() && token != p.exec_token) {
      const pid_t former = p.exec_tid;
      p.exec_pending = false;
      p.exec_token.clear();
      p.mem.Reset();
      // The other threads died in the exec; the caller now has the leader's tid.
      std::vector<pid_t> dead;
      for (pid_t t : p.tids)
        if (t != tgid) dead.push_back(t);
      for (pid_t t : dead) ForgetTask(t);
      if (!tasks.count(tgid)) AddTask(tgid, tgid, now);
      resolver.OnExec(tgid, former);
      ExecEvent ev;
      ev.pid = tgid;
      ev.former_tid = former;
      ev.exe = ProcLink(tgid, "exe");
      ev.time_ns = now;
      sink.OnExec(ev);
      return;
    }
    if (tid == p.exec_tid) {  // the exec failed: the caller goes on in the old image
      p.exec_pending = false;
      p.exec_token.clear();
    }
  }

  int MemFor(pid_t tgid, pid_t tid) {
    Proc& p = procs[tgid];
    if (!p.mem.valid()) p.mem = OpenTaskMem(tid);
    return p.mem.get();
  }

  void ReadPath(pid_t tgid, pid_t tid, uint64_t addr, std::string* out) {
    if (ReadTaskString(MemFd{MemFor(tgid, tid)}, addr, out, kMaxPathArg)) return;
    // The cached descriptor may belong to a task that has exited (a zombie leader): retry
    // once through the caller itself.
    procs[tgid].mem = OpenTaskMem(tid);
    ReadTaskString(MemFd{procs[tgid].mem.get()}, addr, out, kMaxPathArg);
  }

  void Maintain(int64_t now) {
    if (now - last_maintain_ns < kForgetAfterNs) return;
    last_maintain_ns = now;
    std::vector<pid_t> gone_procs;
    for (auto& [tgid, p] : procs)
      if (p.exited && now - p.exited_ns >= kForgetAfterNs) gone_procs.push_back(tgid);
    for (pid_t t : gone_procs) ForgetProc(t);
    // Tasks killed by a signal leave no trace in the notifications: drop the idle ones that
    // are gone so that a reused number is seen as the new task it is.
    std::vector<pid_t> gone_tasks;
    for (auto& [tid, t] : tasks)
      if (now - t.last_seen_ns >= kForgetAfterNs && !TaskExists(tid)) gone_tasks.push_back(tid);
    for (pid_t t : gone_tasks) {
      const pid_t tgid = tasks[t].tgid;
      ForgetTask(t);
      auto p = procs.find(tgid);
      if (p != procs.end() && p->second.tids.empty() && tgid != root) procs.erase(p);
    }
  }
};

Result<NotifySession> NotifySession::Adopt(Fd fd, pid_t root) {
  if (!fd.valid()) return UsageError("not a seccomp listener: no descriptor");
  // ID_VALID on an id that cannot exist: a listener answers ENOENT, anything else ENOTTY,
  // EINVAL or EBADF.
  uint64_t probe = ~0ull;
  if (::ioctl(fd.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &probe) == 0 || errno != ENOENT) {
    return UsageError(fmt::format("descriptor {} is not a seccomp listener ({})", fd.get(),
                                  std::strerror(errno == 0 ? EINVAL : errno)));
  }
  struct seccomp_notif_sizes sizes {};
  if (Seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    return ErrnoError("seccomp(SECCOMP_GET_NOTIF_SIZES)");
  }
  auto s = std::make_unique<State>();
  s->fd = std::move(fd);
  s->root = root;
  // The kernel's structures may have grown past this build's headers.
  s->req.resize(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
  s->resp.resize(std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)));
  if (root > 0) {
    s->AddProc(root);
    s->AddTask(root, root, RealtimeNs());
  }
  // A synchronous wake-up hands the CPU straight to the waiting side (Linux 6.6+); older
  // kernels refuse the ioctl and keep the ordinary wake-up.
  uint64_t flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
  (void)::ioctl(s->fd.get(), SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags);
  return NotifySession(std::move(s));
}

NotifySession::NotifySession(std::unique_ptr<State> state) : s_(std::move(state)) {}
NotifySession::NotifySession(NotifySession&&) noexcept = default;
NotifySession& NotifySession::operator=(NotifySession&&) noexcept = default;
NotifySession::~NotifySession() = default;

int NotifySession::fd() const { return s_->fd.get(); }
uint64_t NotifySession::notifications() const { return s_->notifications; }
uint64_t NotifySession::processes() const { return s_->processes; }
uint64_t NotifySession::threads() const { return s_->threads; }
int NotifySession::root_exit_request() const { return s_->root_exit_request; }

Result<bool> NotifySession::HandleOne(EventSink& sink) {
  State& s = *s_;
  std::fill(s.req.begin(), s.req.end(), 0);  // RECV refuses a non-zeroed buffer
  if (::ioctl(s.fd.get(), SECCOMP_IOCTL_NOTIF_RECV, s.req.data()) != 0) {
    // ENOENT: the task was killed between the wake-up and RECV.
    if (errno == EINTR || errno == ENOENT) return false;
    return ErrnoError("ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
  }
  const auto* req = reinterpret_cast<const seccomp_notif*>(s.req.data());
  ++s.notifications;
  const int64_t now = RealtimeNs();
  const pid_t tid = static_cast<pid_t>(req->pid);

  SyscallEvent ev;
  const ArchNr an = NormalizeArch(req->data.arch, req->data.nr);
  ev.arch = an.arch;
  ev.nr = an.nr;
  for (int i = 0; i < kMaxSyscallArgs; ++i) ev.args[i] = req->data.args[i];
  ev.tid = tid;
  ev.ip = req->data.instruction_pointer;
  ev.time_ns = now;
  // pid 0: the task is in a pid namespace we cannot see into; nothing can be read then.
  const pid_t tgid = tid > 0 ? s.Resolve(tid, now, sink) : 0;
  ev.pid = tgid;

  const SpecialNrs& special = s.special.For(ev.arch);
  if (tid > 0) {
    if (const SyscallInfo* si = LookupSyscall(ev.arch, ev.nr)) {
      if (si->path_args.first >= 0) s.ReadPath(tgid, tid, ev.args[si->path_args.first], &ev.path);
      if (si->path_args.second >= 0)
        s.ReadPath(tgid, tid, ev.args[si->path_args.second], &ev.path2);
    }
    if (s.learn_access) {
      s.resolver.Observe(ev);
      if (const SyscallInfo* si = LookupSyscall(ev.arch, ev.nr)) {
        // Before CONTINUE: the task is still blocked, so cwd, descriptors and files are as
        // the call will find them. Results are never seen: Needs().result is moot here.
        s.resolver.Resolve(*si, ev);
        s.resolver.Complete(*si, sink.Needs(ev), ev, sink);
      }
    }
    if (s.report_first_exe && tgid > 0) {
      State::Proc& p = s.procs[tgid];
      if (!p.exe_reported) {
        p.exe_reported = true;
        ExecEvent xe;
        xe.pid = tgid;
        xe.former_tid = tgid;
        xe.exe = ProcLink(tgid, "exe");
        xe.time_ns = now;
        if (!xe.exe.empty() && s.IdValid(req->id)) sink.OnExec(xe);
      }
    }
    const bool is_exec =
        s.deny_errno == 0 && (ev.nr == special.execve || ev.nr == special.execveat);
    if (is_exec) {
      State::Proc& p = s.procs[tgid];
      p.exec_pending = true;
      p.exec_tid = tid;
      p.exec_token = AddressSpaceToken(tid);
      p.mem.Reset();  // a vfork child's descriptor shows its parent's memory after the exec
    }
    // What was read is trusted only if the task is still blocked in this very call: its pid
    // was not recycled meanwhile.
    if ((!ev.path.empty() || is_exec || ev.resolved) && !s.IdValid(req->id)) {
      ev.path.clear();
      ev.path2.clear();
      ev.resolved = false;
    }
  }

  auto* resp = reinterpret_cast<seccomp_notif_resp*>(s.resp.data());
  std::fill(s.resp.begin(), s.resp.end(), 0);
  resp->id = req->id;
  if (s.deny_errno != 0) {
    resp->error = -s.deny_errno;
  } else {
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  }
  // ENOENT: killed while we looked; the call will not run, but it was attempted.
  if (::ioctl(s.fd.get(), SECCOMP_IOCTL_NOTIF_SEND, resp) != 0 && errno != ENOENT &&
      errno != EINTR) {
    if (errno == EINVAL) {
      return ErrnoError(
          "this kernel lacks SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5+), which "
          "the notify backend lets every call run with; use --backend ptrace");
    }
    return ErrnoError("ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
  }
  sink.OnSyscall(ev);

  if (tid > 0 && s.deny_errno == 0 && (ev.nr == special.exit_group || ev.nr == special.exit)) {
    const int code = static_cast<int>(ev.args[0] & 0xff);
    const bool group = ev.nr == special.exit_group;
    auto proc = s.procs.find(tgid);
    if (group || (proc != s.procs.end() && proc->second.tids.size() <= 1)) {
      if (tgid == s.root) s.root_exit_request = code;
      if (proc != s.procs.end()) {
        proc->second.exited = true;
        proc->second.exited_ns = now;
      }
      if (tgid != s.root) sink.OnExit(ExitEvent{tgid, tid, W_EXITCODE(code, 0), now});
    } else {
      s.ForgetTask(tid);
      sink.OnExit(ExitEvent{tgid, tid, W_EXITCODE(code, 0), now});
    }
  }
  s.Maintain(now);
  return true;
}

void NotifySession::set_learn_access(bool on) { s_->learn_access = on; }
void NotifySession::set_deny_errno(int err) { s_->deny_errno = err; }
void NotifySession::set_report_first_exe(bool on) { s_->report_first_exe = on; }

bool NotifySession::TasksAlive() const {
  for (const auto& [tid, task] : s_->tasks) {
    const char state = ReadProcStat(tid).state;
    if (state != 0 && state != 'Z' && state != 'X') return true;
  }
  return false;
}

uint64_t NotifySession::SignalProcesses(int sig, bool skip_own_group) {
  const pid_t own_group = ::getpgrp();
  uint64_t sent = 0;
  for (const auto& [tgid, p] : s_->procs) {
    if (p.exited || p.start_time == 0) continue;
    // Through a pidfd, once it is known to be the same process: a pid the session remembers
    // may have been reused since its process died without a word.
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, tgid, 0)));
    if (!pidfd.valid() || ReadProcStat(tgid).start_time != p.start_time) continue;
    if (skip_own_group && ::getpgid(tgid) == own_group) continue;
    if (::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) == 0) ++sent;
  }
  return sent;
}

void NotifySession::Finish(EventSink& /*sink*/) {
  // An exec that was never followed by a call: the process died in it or right after.
  for (auto& [tgid, p] : s_->procs) p.exec_pending = false;
}

namespace {

using tracer_internal::ChildFailure;
using tracer_internal::kStageExec;
using tracer_internal::kStageNoNewPrivs;
using tracer_internal::kStageSeccomp;
using tracer_internal::kStageSend;

volatile sig_atomic_t g_child_exited = 0;

void OnChild(int) { g_child_exited = 1; }

// For the duration of a run: the termination signals (their handlers are RunSignals') and
// SIGCHLD are blocked except inside ppoll (no lost wake-up). seclearn is not a child
// subreaper: orphans of the workload go to the process they would go to without it (getppid,
// orphaned process groups and their SIGHUP/SIGCONT are as without tracing); the run ends when
// the last one is gone (NotifySession::TasksAlive covers an init that never reaps).
class RunScope {
 public:
  RunScope() {
    struct sigaction sc {};
    sc.sa_handler = OnChild;
    sc.sa_flags = 0;  // a stop of the stand-in parent wakes the loop too
    sigemptyset(&sc.sa_mask);
    ::sigaction(SIGCHLD, &sc, &old_chld_);
    sigset_t block;
    sigemptyset(&block);
    for (int sig : kSignals) sigaddset(&block, sig);
    sigaddset(&block, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &block, &old_mask_);
    poll_mask_ = old_mask_;
    for (int sig : kSignals) sigdelset(&poll_mask_, sig);
    sigdelset(&poll_mask_, SIGCHLD);
  }
  ~RunScope() {
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    ::sigaction(SIGCHLD, &old_chld_, nullptr);
  }
  RunScope(const RunScope&) = delete;
  RunScope& operator=(const RunScope&) = delete;

  const sigset_t& old_mask() const { return old_mask_; }
  const sigset_t& poll_mask() const { return poll_mask_; }

 private:
  static constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  struct sigaction old_chld_ {};
  sigset_t old_mask_{};
  sigset_t poll_mask_{};
};

// The child's filter: every call is a notification, except the few the child itself makes
// between installing it and execve, recognised by `cookie` in their (unused) sixth argument.
std::vector<sock_filter> ChildFilter(uint64_t cookie) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "args offsets assume little endian");
  const uint32_t lo = static_cast<uint32_t>(cookie);
  const uint32_t hi = static_cast<uint32_t>(cookie >> 32);
  const uint32_t arg5 = offsetof(seccomp_data, args) + 5 * sizeof(uint64_t);
  const std::array<uint32_t, 4> allowed = {SYS_sendmsg, SYS_close, SYS_write, SYS_exit_group};
  std::vector<sock_filter> f;
  auto stmt = [&](uint16_t code, uint32_t k) { f.push_back(BPF_STMT(code, k)); };
  auto jump = [&](uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
    f.push_back(BPF_JUMP(code, k, jt, jf));
  };
  // Layout: [0] ld arch, [1] jeq native, [2] ld nr, [3..6] jeq allowed -> [7], [7] ld lo,
  // [8] jeq lo, [9] ld hi, [10] jeq hi, [11] ret allow, [12] ret notify.
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  jump(BPF_JMP | BPF_JEQ | BPF_K, NativeAuditArch(), 0, 10);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  for (size_t i = 0; i < allowed.size(); ++i) {
    const uint8_t to_check = static_cast<uint8_t>(allowed.size() - 1 - i);
    const uint8_t to_notify = i + 1 == allowed.size() ? 5 : 0;
    jump(BPF_JMP | BPF_JEQ | BPF_K, allowed[i], to_check, to_notify);
  }
  stmt(BPF_LD | BPF_W | BPF_ABS, arg5);
  jump(BPF_JMP | BPF_JEQ | BPF_K, lo, 0, 3);
  stmt(BPF_LD | BPF_W | BPF_ABS, arg5 + 4);
  jump(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 1);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
  return f;
}

// One byte and room for one descriptor (SCM_RIGHTS): how the child hands its listener over.
// Built on the stack, so the child may use it between fork and exec.
struct FdMessage {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  char byte = 'L';
  struct iovec iov = {&byte, 1};
  struct msghdr msg {};
  FdMessage() {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;
  FdMessage& operator=(const FdMessage&) = delete;
};

// What the child of NotifyBackend::Run needs, built before fork.
struct ChildContext {
  const sigset_t* mask;
  bool nnp;
  struct sock_fprog* prog;
  int sock;
  int fail_fd;
  uint64_t cookie;
  const char* exe;
  char* const* argv;
};

// Between fork and exec, in the workload's process: async-signal-safe calls only. Installs
// the filter, sends its listener to the supervisor and execs; a failure goes down the
// failure pipe. Every call after the filter carries the cookie (ChildFilter lets it pass).
void RunChild(void* arg) {
  const auto& c = *static_cast<ChildContext*>(arg);
  auto fail_with = [&](int stage, int err) {
    ChildFailure f{stage, err};
    ::syscall(SYS_write, c.fail_fd, &f, sizeof f, 0, 0, c.cookie);
    ::syscall(SYS_exit_group,
              stage == kStageExec ? ExitCodeForExecErrno(err) : kExitSeclearnFailure, 0, 0, 0, 0,
              c.cookie);
  };
  tracer_internal::RunSignals::RestoreInChild();
  ::sigprocmask(SIG_SETMASK, c.mask, nullptr);
  if (c.nnp && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_with(kStageNoNewPrivs, errno);
  const int listener = Seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, c.prog);
  if (listener < 0) fail_with(kStageSeccomp, errno);
  // From here on every call without the cookie waits for the parent.
  FdMessage m;
  cmsghdr* cm = CMSG_FIRSTHDR(&m.msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cm), &listener, sizeof(int));
  if (::syscall(SYS_sendmsg, c.sock, &m.msg, 0, 0, 0, c.cookie) != 1) fail_with(kStageSend, errno);
  ::syscall(SYS_close, listener, 0, 0, 0, 0, c.cookie);
  ::syscall(SYS_execve, c.exe, c.argv, environ);
  fail_with(kStageExec, errno);
}

// The listener the child sent over `sock`; invalid on EOF (the child failed before).
Fd ReceiveListener(int sock) {
  Fd listener;
  FdMessage m;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return listener;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&m.msg); cm != nullptr; cm = CMSG_NXTHDR(&m.msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
      listener.Reset(fd);
    }
  }
  return listener;
}

}  // namespace

Result<TraceResult> NotifyBackend::Run(const TraceOptions& opts, EventSink& sink) {
  const int64_t start = RealtimeNs();
  if (!NotifyAvailable()) {
    return Error{ErrorDomain::kErrno, ENOSYS,
                 "this kernel lacks seccomp user notification (SECCOMP_RET_USER_NOTIF, Linux "
                 "5.5+); use --backend ptrace"};
  }
  if (opts.learn_access) {
    if (auto r = CheckResolverFeatures(); !r) return r.error();
  }
  TraceResult result;
  tracer_internal::WakeupLatencyRequest latency;
  latency.Hold(opts.low_wakeup_latency);
  uint64_t cookie = 0;
  if (::getrandom(&cookie, sizeof cookie, 0) != sizeof cookie) return ErrnoError("getrandom");

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return ErrnoError("socketpair");
  Fd sock_parent(sv[0]), sock_child(sv[1]);
  int fail[2];
  if (::pipe2(fail, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd fail_r(fail[0]), fail_w(fail[1]);

  // Everything the child needs is built before fork: it may only make async-signal-safe calls.
  // Calls let through (re-learning: let_through.h) come first; they never reach the cookie
  // test, which is only for the child's calls before execve.
  std::vector<sock_filter> filter = tracer_internal::LetThroughBlock(LetThrough(opts));
  const std::vector<sock_filter> child = ChildFilter(cookie);
  filter.insert(filter.end(), child.begin(), child.end());
  struct sock_fprog prog = {static_cast<unsigned short>(filter.size()), filter.data()};
  CArgv argv(opts.argv);
  const char* exe = opts.exe.c_str();
  const bool nnp = opts.no_new_privs;
  const int child_sock = sock_child.get();
  const int fail_fd = fail_w.get();

  g_child_exited = 0;
  tracer_internal::RunSignals signals(/*alarm_is_mine=*/false);
  RunScope scope;
  ChildContext ctx{&scope.old_mask(), nnp, &prog, child_sock, fail_fd, cookie, exe, argv.data()};
  // The workload's parent is a stand-in (stand_in_parent.h): kill -STOP $PPID stops that,
  // not the supervisor.
  auto parent = tracer_internal::StandInParent::Start(RunChild, &ctx,
                                                      opts.userns ? &*opts.userns : nullptr);
  if (!parent) return parent.error();
  const pid_t pid = parent->workload();
  sock_child.Reset();
  fail_w.Reset();

  auto child_failure = [&] {
    return tracer_internal::ReadChildFailure(fail_r.get(), opts.exe, "the notify filter");
  };

  // The listener, or EOF if the child failed before sending it.
  Fd listener = ReceiveListener(sock_parent.get());
  if (!listener.valid()) {
    (void)parent->Finish();
    if (auto e = child_failure()) return *e;
    return ErrnoError(EPROTO, "the child sent no seccomp listener");
  }
  sock_parent.Reset();
  auto session = NotifySession::Adopt(std::move(listener), pid);
  if (!session) return session.error();
  session->set_learn_access(opts.learn_access);

  bool root_done = false;
  bool root_reported = false;
  // The first process's status, as its stand-in parent reaped it, is the run's; the stand-in
  // is continued whenever the workload stops it. Orphans go to whoever they would go to
  // without seclearn.
  auto reported_status = [&](std::optional<int> reported) {
    if (reported) return *reported;
    // The stand-in was killed before it could report (kill -KILL $PPID).
    const int req = session->root_exit_request();
    return req >= 0 ? W_EXITCODE(req & 0xff, 0) : W_EXITCODE(kExitSeclearnFailure, 0);
  };
  auto reap = [&] {
    g_child_exited = 0;
    while (!root_done) {
      int status = 0;
      if (::waitpid(parent->pid(), &status, WNOHANG | WUNTRACED | __WALL) != parent->pid()) return;
      if (!parent->OnStatus(status)) continue;
      root_done = true;
      const std::optional<int> reported = parent->Finish();
      // Without a report (the stand-in was killed first) the status is known at the end.
      if (!reported) return;
      result.wait_status = *reported;
      root_reported = true;
      sink.OnExit(ExitEvent{pid, pid, result.wait_status, RealtimeNs()});
    }
  };
  // After the first process, the run lasts as long as the filter has users: orphans, until
  // they are reaped. Should their new parent never reap them, the run ends once every task it
  // knows has been dead (a zombie, or gone) for a whole tick.
  int dead_ticks = 0;
  int64_t next_tick = MonotonicNs() + kSecond;
  pollfd pfd{session->fd(), POLLIN, 0};
  while (true) {
    if (const auto term = signals.TakeTerminate(); term.sig != 0) {
      // As the ptrace backend does (run_signals.h): the first to every process of the run, a
      // second one kills what is left.
      result.forwarded_signal = term.sig;
      if (term.count >= 2) {
        result.ended_by_signal = term.sig;
        result.killed_at_end += session->SignalProcesses(SIGKILL, false);
      } else {
        session->SignalProcesses(term.sig, term.from_terminal);
      }
    }
    if (g_child_exited) reap();
    const int64_t now = MonotonicNs();
    if (now >= next_tick) {
      sink.OnTick(RealtimeNs());
      next_tick = now + kSecond;
      dead_ticks = root_done && !session->TasksAlive() ? dead_ticks + 1 : 0;
      if (dead_ticks >= 2) break;
    }
    const int64_t wait_ns = std::max<int64_t>(0, next_tick - now);
    const struct timespec timeout = {static_cast<time_t>(wait_ns / kSecond),
                                     static_cast<long>(wait_ns % kSecond)};
    const int n = ::ppoll(&pfd, 1, &timeout, &scope.poll_mask());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("ppoll");
    }
    if (pfd.revents & POLLIN) {
      auto r = session->HandleOne(sink);
      if (!r) return r.error();
      continue;
    }
    if (pfd.revents & (POLLHUP | POLLERR)) break;
  }
  reap();
  if (!root_done) {
    // The filter is released only once every user is reaped, so this does not happen; wait
    // anyway rather than leave a zombie.
    result.wait_status = reported_status(parent->Finish());
  } else if (!root_reported) {
    result.wait_status = reported_status(std::nullopt);
    sink.OnExit(ExitEvent{pid, pid, result.wait_status, RealtimeNs()});
  }
  parent->RecordSignals(&result);
  session->Finish(sink);
  result.syscalls = session->notifications();
  result.processes = session->processes();
  result.threads = session->threads();
  result.duration_ns = RealtimeNs() - start;
  sink.OnTick(RealtimeNs());
  if (auto e = child_failure()) return *e;
  return result;
}

}  // namespace seclearn
