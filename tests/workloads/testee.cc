// testee: the one workload program of seclearn's live tests, in the manner of crun's
// tests/init.c and strace's tests/*.c.
//
//   testee SUBCMD [ARGS...]             run SUBCMD
//   testee --declare SUBCMD [ARGS...]   print the syscalls SUBCMD always makes beyond `testee noop`
//   testee --maybe SUBCMD [ARGS...]     print the syscalls SUBCMD may or may not make (races)
//   testee --counts SUBCMD [ARGS...]    print `name=N` (made exactly N times) and `name+N` (N
//                                       times more than noop), where SUBCMD's counts are exact
//   testee --list                       print the subcommands and their arguments
//
// Names are x86_64 names as libseccomp spells them, one per line, sorted. A live test checks
//   declared  ⊆  recorded(SUBCMD) − recorded(noop)  ⊆  declared ∪ maybe
// and, since startup is identical, recorded(noop) is what ld.so and glibc make on their own.
//
// Exit codes: 0 success, 1 the workload itself failed, 2 usage error; `exit N` exits N and
// `kill-self SIG` dies of SIG.
//
// Built without sanitizers or extra libraries: both would add syscalls. Calls that matter go
// through syscall(SYS_x, ...) so that glibc cannot substitute another one (getcpu from the vDSO,
// raise() as rt_sigprocmask + tgkill, fork() as clone, nanosleep() as clock_nanosleep).
// After a raw fork/clone3/vfork the child uses raw syscalls only: glibc's per-thread state
// still describes the parent.
//
// The declared sets were measured with `strace -f` on Debian 12 (glibc 2.36, dynamic linking):
// names that startup already makes (openat, read, close, mmap, mprotect, munmap, rseq,
// set_robust_list, prlimit64, ...) do not appear in them.

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

using Args = std::span<char* const>;  // the arguments after SUBCMD, already validated

// ---------------------------------------------------------------------------------------------
// Argument parsing

std::optional<long> ParseNumber(std::string_view text) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

struct NamedNumber {
  std::string_view name;
  int number;
};

constexpr std::array kSignals = {
    NamedNumber{"ABRT", SIGABRT}, NamedNumber{"ALRM", SIGALRM}, NamedNumber{"BUS", SIGBUS},
    NamedNumber{"CHLD", SIGCHLD}, NamedNumber{"CONT", SIGCONT}, NamedNumber{"FPE", SIGFPE},
    NamedNumber{"HUP", SIGHUP},   NamedNumber{"ILL", SIGILL},   NamedNumber{"INT", SIGINT},
    NamedNumber{"KILL", SIGKILL}, NamedNumber{"PIPE", SIGPIPE}, NamedNumber{"QUIT", SIGQUIT},
    NamedNumber{"SEGV", SIGSEGV}, NamedNumber{"STOP", SIGSTOP}, NamedNumber{"SYS", SIGSYS},
    NamedNumber{"TERM", SIGTERM}, NamedNumber{"TRAP", SIGTRAP}, NamedNumber{"USR1", SIGUSR1},
    NamedNumber{"USR2", SIGUSR2},
};

// `KILL`, `SIGKILL` or `9`.
std::optional<int> ParseSignal(std::string_view text) {
  if (const auto number = ParseNumber(text)) {
    if (*number >= 1 && *number < NSIG) return static_cast<int>(*number);
    return std::nullopt;
  }
  if (text.starts_with("SIG")) text.remove_prefix(3);
  for (const auto& [name, number] : kSignals) {
    if (name == text) return number;
  }
  return std::nullopt;
}

// Calls that take no arguments and change nothing, for `syscalls-by-name`. Sorted by name.
constexpr std::array kHarmlessSyscalls = {
    NamedNumber{"getegid", SYS_getegid},         NamedNumber{"geteuid", SYS_geteuid},
    NamedNumber{"getgid", SYS_getgid},           NamedNumber{"getpgrp", SYS_getpgrp},
    NamedNumber{"getpid", SYS_getpid},           NamedNumber{"getppid", SYS_getppid},
    NamedNumber{"gettid", SYS_gettid},           NamedNumber{"getuid", SYS_getuid},
    NamedNumber{"sched_yield", SYS_sched_yield},
};

std::optional<int> HarmlessSyscall(std::string_view name) {
  for (const auto& entry : kHarmlessSyscalls) {
    if (entry.name == name) return entry.number;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Small raw-syscall helpers

pid_t RawGetpid() { return static_cast<pid_t>(::syscall(SYS_getpid)); }

[[noreturn]] void RawExit(int code) {
  ::syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

int RawWait(pid_t pid) {
  int status = 0;
  if (::syscall(SYS_wait4, pid, &status, 0, nullptr) != pid) return kFailed;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? kOk : kFailed;
}

void RawSleepMs(long ms) {
  timespec ts{.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
  while (::syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, &ts) != 0 && errno == EINTR) {
  }
}

bool RawWriteAll(int fd, std::string_view data) {
  do {  // at least one write(2), even for empty data
    const long n = ::syscall(SYS_write, fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  } while (!data.empty());
  return true;
}

// Replaces the calling process with `/proc/self/exe marker-uname`. Async-signal-safe, so it
// may run in a vfork child.
[[noreturn]] void ExecMarker() {
  static char kArg0[] = "testee";
  static char kArg1[] = "marker-uname";
  char* const argv[] = {kArg0, kArg1, nullptr};
  char* const envp[] = {nullptr};
  ::syscall(SYS_execve, "/proc/self/exe", argv, envp);
  RawExit(127);
}

// ---------------------------------------------------------------------------------------------
// Subcommands

int Noop(Args) { return kOk; }

int MarkerUname(Args) {
  struct utsname name {};
  return ::syscall(SYS_uname, &name) == 0 ? kOk : kFailed;
}

int GetppidLoop(Args args) {
  const long n = *ParseNumber(args[0]);
  for (long i = 0; i < n; ++i) ::syscall(SYS_getppid);
  return kOk;
}

int Openat(Args args) {
  // Failure (ENOENT, EACCES) is part of what tests look at: the call is made either way.
  const long fd = ::syscall(SYS_openat, AT_FDCWD, args[0], O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::syscall(SYS_close, fd);
  return kOk;
}

int Exit(Args args) { RawExit(static_cast<int>(*ParseNumber(args[0]) & 0xff)); }

int KillSelf(Args args) {
  ::syscall(SYS_kill, RawGetpid(), *ParseSignal(args[0]));
  return kOk;  // reached only for signals whose default action is not to terminate
}

int Segfault(Args) {
  // A real fault (si_code SEGV_MAPERR), not a sent signal.
  *static_cast<volatile int*>(nullptr) = 1;
  return kFailed;
}

int Fork(Args) {
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) {
    ::syscall(SYS_getppid);
    RawExit(0);
  }
  return RawWait(static_cast<pid_t>(pid));
}

int ForkExec(Args) {
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) ExecMarker();
  return RawWait(static_cast<pid_t>(pid));
}

int Vfork(Args) {
  // glibc's vfork() is the vfork syscall written in assembly so that the child cannot clobber
  // the parent's return address; syscall(SYS_vfork) would.
  const pid_t pid = ::vfork();
  if (pid < 0) return kFailed;
  if (pid == 0) ExecMarker();
  return RawWait(pid);
}

// struct clone_args from <linux/sched.h> (CLONE_ARGS_SIZE_VER0), kept here because that header
// clashes with glibc's <sched.h>.
struct CloneArgs {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
};

int Clone3(Args) {
  // Fork-like: no CLONE_VM, so the child runs on its copy of this stack.
  CloneArgs clone_args{};
  clone_args.exit_signal = SIGCHLD;
  const long pid = ::syscall(SYS_clone3, &clone_args, sizeof(clone_args));
  if (pid < 0) return kFailed;
  if (pid == 0) {
    struct utsname name {};
    ::syscall(SYS_uname, &name);
    RawExit(0);
  }
  return RawWait(static_cast<pid_t>(pid));
}

void* ThreadBody(void*) {
  unsigned cpu = 0;
  unsigned node = 0;
  ::syscall(SYS_gettid);
  ::syscall(SYS_getcpu, &cpu, &node, nullptr);
  return nullptr;
}

int Threads(Args args) {
  std::vector<pthread_t> threads(static_cast<size_t>(*ParseNumber(args[0])));
  for (auto& thread : threads) {
    if (pthread_create(&thread, nullptr, ThreadBody, nullptr) != 0) return kFailed;
  }
  // pthread_join sleeps in futex(2) only if the thread has not exited yet: --maybe says so.
  for (const auto& thread : threads) pthread_join(thread, nullptr);
  return kOk;
}

// One-letter state of task `tid` of this process from /proc, or 0 when it cannot be read.
char TaskState(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/self/task/%d/stat", static_cast<int>(tid));
  const long fd = ::syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[512];
  const long n = ::syscall(SYS_read, fd, buf, sizeof(buf) - 1);
  ::syscall(SYS_close, fd);
  if (n <= 0) return 0;
  const std::string_view stat(buf, static_cast<size_t>(n));
  const auto paren = stat.rfind(')');  // comm may contain spaces and parentheses
  return paren == std::string_view::npos || paren + 2 >= stat.size() ? 0 : stat[paren + 2];
}

pid_t g_leader = 0;

void* ExecFromThreadBody(void*) {
  // Wait until the leader sleeps in pause(2): otherwise whether it got there before the exec
  // killed it would be a race, and with it whether `pause` is recorded. A ptrace stop shows
  // as 't', so 'S' really is the sleep.
  for (;;) {
    const char state = TaskState(g_leader);
    if (state == 0) RawExit(kFailed);
    if (state == 'S') break;
  }
  // The kernel kills the leader, and this thread takes over its pid (de_thread): tracers see
  // PTRACE_EVENT_EXEC reported with the leader's pid and the old tid in PTRACE_GETEVENTMSG.
  ExecMarker();
}

int ExecFromThread(Args) {
  g_leader = RawGetpid();
  pthread_t thread;
  if (pthread_create(&thread, nullptr, ExecFromThreadBody, nullptr) != 0) return kFailed;
  for (;;) ::syscall(SYS_pause);  // ends with the exec
}

volatile sig_atomic_t g_handled = 0;

void OnUsr1(int) { g_handled = 1; }

int SignalSelf(Args) {
  struct sigaction action {};
  action.sa_handler = OnUsr1;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGUSR1, &action, nullptr) != 0) return kFailed;
  // A signal a thread sends to itself is delivered before the syscall returns to user space.
  ::syscall(SYS_tgkill, RawGetpid(), ::syscall(SYS_gettid), SIGUSR1);
  return g_handled ? kOk : kFailed;
}

int StopCont(Args) {
  const pid_t self = RawGetpid();
  int resumed[2];  // EOF on resumed[0] once the parent runs again
  if (::syscall(SYS_pipe2, resumed, O_CLOEXEC | O_NONBLOCK) != 0) return kFailed;
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) {
    // Repeat until the parent runs: a SIGCONT that arrives before it has stopped is lost.
    ::syscall(SYS_close, resumed[1]);
    char byte;
    do {
      RawSleepMs(100);
      ::syscall(SYS_kill, self, SIGCONT);
    } while (::syscall(SYS_read, resumed[0], &byte, 1) != 0);
    RawExit(0);
  }
  ::syscall(SYS_kill, self, SIGSTOP);  // returns once a SIGCONT from the child arrived
  ::syscall(SYS_close, resumed[1]);
  ::syscall(SYS_close, resumed[0]);
  return RawWait(static_cast<pid_t>(pid));
}

int Sleep(Args args) {
  RawSleepMs(*ParseNumber(args[0]));
  return kOk;
}

int WriteStdout(Args args) { return RawWriteAll(STDOUT_FILENO, args[0]) ? kOk : kFailed; }

int ReadStdin(Args) {
  char buf[4096];
  bool wrote = false;
  for (;;) {
    const long n = ::syscall(SYS_read, STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return kFailed;
    if (n == 0) break;
    if (!RawWriteAll(STDOUT_FILENO, std::string_view(buf, static_cast<size_t>(n)))) return kFailed;
    wrote = true;
  }
  // An empty write on empty input, so that the recorded set does not depend on the input.
  if (!wrote && !RawWriteAll(STDOUT_FILENO, {})) return kFailed;
  return kOk;
}

int SyscallsByName(Args args) {
  for (const char* name : args) ::syscall(*HarmlessSyscall(name));
  return kOk;
}

// ---------------------------------------------------------------------------------------------
// Files, network and credentials (tests/live/access_test.cc). Paths are built before any raw
// fork: the child makes raw syscalls only.

std::string In(const char* dir, const char* name) { return std::string(dir) + "/" + name; }

void RawClose(long fd) {
  if (fd >= 0) ::syscall(SYS_close, fd);
}

int CreateAt(long dirfd, const char* path, int flags) {
  const long fd = ::syscall(SYS_openat, dirfd, path, flags | O_CLOEXEC, 0600);
  RawClose(fd);
  return fd >= 0 ? kOk : kFailed;
}

// DIR: by-dirfd through a descriptor of DIR, then by-cwd after chdir(DIR), ./by-dirfd read
// relative to the cwd, and DIR/missing (ENOENT) through the descriptor.
int OpenRelative(Args args) {
  const long dirfd = ::syscall(SYS_openat, AT_FDCWD, args[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return kFailed;
  if (CreateAt(dirfd, "by-dirfd", O_WRONLY | O_CREAT) != kOk) return kFailed;
  struct stat st {};
  ::syscall(SYS_newfstatat, dirfd, "missing", &st, 0);
  if (::syscall(SYS_chdir, args[0]) != 0) return kFailed;
  if (CreateAt(AT_FDCWD, "by-cwd", O_WRONLY | O_CREAT) != kOk) return kFailed;
  if (CreateAt(AT_FDCWD, "./by-dirfd", O_RDONLY) != kOk) return kFailed;
  RawClose(dirfd);
  return kOk;
}

// In DIR: create f, append to it, mkdir d, symlink d/link -> ../f, link f to hard, rename hard
// to renamed, chmod and truncate f, unlink renamed, unlink missing (ENOENT), unlink d/link,
// rmdir d.
int FileOps(Args args) {
  const std::string f = In(args[0], "f"), d = In(args[0], "d"), link = In(args[0], "d/link"),
                    hard = In(args[0], "hard"), renamed = In(args[0], "renamed"),
                    missing = In(args[0], "missing");
  long fd =
      ::syscall(SYS_openat, AT_FDCWD, f.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || !RawWriteAll(static_cast<int>(fd), "x")) return kFailed;
  RawClose(fd);
  fd = ::syscall(SYS_openat, AT_FDCWD, f.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0 || !RawWriteAll(static_cast<int>(fd), "y")) return kFailed;
  RawClose(fd);
  if (::syscall(SYS_mkdir, d.c_str(), 0755) != 0) return kFailed;
  if (::syscall(SYS_symlink, "../f", link.c_str()) != 0) return kFailed;
  if (::syscall(SYS_link, f.c_str(), hard.c_str()) != 0) return kFailed;
  if (::syscall(SYS_rename, hard.c_str(), renamed.c_str()) != 0) return kFailed;
  if (::syscall(SYS_chmod, f.c_str(), 0600) != 0) return kFailed;
  if (::syscall(SYS_truncate, f.c_str(), 0) != 0) return kFailed;
  if (::syscall(SYS_unlink, renamed.c_str()) != 0) return kFailed;
  if (::syscall(SYS_unlink, missing.c_str()) == 0) return kFailed;
  if (::syscall(SYS_unlink, link.c_str()) != 0) return kFailed;
  return ::syscall(SYS_rmdir, d.c_str()) == 0 ? kOk : kFailed;
}

// A child execs PATH; its failure (ENOENT, EACCES) is part of what tests look at.
int Exec(Args args) {
  char* const argv[] = {args[0], nullptr};
  char* const envp[] = {nullptr};
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) {
    ::syscall(SYS_execve, args[0], argv, envp);
    RawExit(127);
  }
  RawWait(static_cast<pid_t>(pid));
  return kOk;
}

// PATH mapped PROT_EXEC by mmap, then by mprotect; then flock'ed shared.
int MmapExec(Args args) {
  const long fd = ::syscall(SYS_openat, AT_FDCWD, args[0], O_RDONLY | O_CLOEXEC);
  if (fd < 0) return kFailed;
  void* p = reinterpret_cast<void*>(
      ::syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0));
  if (p == MAP_FAILED) return kFailed;
  ::syscall(SYS_munmap, p, 4096);
  p = reinterpret_cast<void*>(::syscall(SYS_mmap, nullptr, 4096, PROT_READ, MAP_PRIVATE, fd, 0));
  if (p == MAP_FAILED) return kFailed;
  if (::syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_EXEC) != 0) return kFailed;
  ::syscall(SYS_munmap, p, 4096);
  if (::syscall(SYS_flock, fd, LOCK_SH) != 0) return kFailed;
  RawClose(fd);
  return kOk;
}

sockaddr_in Inet4(long port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Listens on ADDR:PORT, connects to it and accepts the connection.
template <typename Addr>
int TcpRoundTrip(int family, const Addr& addr) {
  const long s = ::syscall(SYS_socket, family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return kFailed;
  const int one = 1;
  ::syscall(SYS_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::syscall(SYS_bind, s, &addr, sizeof addr) != 0) return kFailed;
  if (::syscall(SYS_listen, s, 1) != 0) return kFailed;
  const long c = ::syscall(SYS_socket, family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c < 0 || ::syscall(SYS_connect, c, &addr, sizeof addr) != 0) return kFailed;
  const long a = ::syscall(SYS_accept4, s, nullptr, nullptr, SOCK_CLOEXEC);
  if (a < 0) return kFailed;
  RawClose(a);
  RawClose(c);
  RawClose(s);
  return kOk;
}

// TCP over 127.0.0.1:PORT and [::1]:PORT, then one UDP datagram to 127.0.0.1:PORT.
int NetInet(Args args) {
  const long port = *ParseNumber(args[0]);
  if (TcpRoundTrip(AF_INET, Inet4(port)) != kOk) return kFailed;
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(static_cast<uint16_t>(port));
  a6.sin6_addr = in6addr_loopback;
  if (TcpRoundTrip(AF_INET6, a6) != kOk) return kFailed;
  const long u = ::syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const sockaddr_in to = Inet4(port);
  if (u < 0 || ::syscall(SYS_sendto, u, "x", 1, 0, &to, sizeof to) != 1) return kFailed;
  RawClose(u);
  return kOk;
}

// DIR/sock: bind, listen, connect, accept; "@seclearn-<last part of DIR>": abstract bind;
// rel.sock: bind after chdir(DIR).
int NetUnix(Args args) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::string path = In(args[0], "sock");
  if (path.size() >= sizeof a.sun_path) return kFailed;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  const long s = ::syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || ::syscall(SYS_bind, s, &a, sizeof a) != 0) return kFailed;
  if (::syscall(SYS_listen, s, 1) != 0) return kFailed;
  const long c = ::syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c < 0 || ::syscall(SYS_connect, c, &a, sizeof a) != 0) return kFailed;
  const long acc = ::syscall(SYS_accept4, s, nullptr, nullptr, SOCK_CLOEXEC);
  if (acc < 0) return kFailed;

  const std::string_view dir = args[0];
  const std::string name = "seclearn-" + std::string(dir.substr(dir.rfind('/') + 1));
  sockaddr_un abstract{};
  abstract.sun_family = AF_UNIX;
  std::memcpy(abstract.sun_path + 1, name.data(),
              std::min(name.size(), sizeof abstract.sun_path - 1));
  const socklen_t abstract_len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  const long d = ::syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (d < 0 || ::syscall(SYS_bind, d, &abstract, abstract_len) != 0) return kFailed;

  if (::syscall(SYS_chdir, args[0]) != 0) return kFailed;
  sockaddr_un rel{};
  rel.sun_family = AF_UNIX;
  std::memcpy(rel.sun_path, "rel.sock", sizeof "rel.sock");
  const long r = ::syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (r < 0 || ::syscall(SYS_bind, r, &rel, sizeof rel) != 0) return kFailed;
  for (long fd : {s, c, acc, d, r}) RawClose(fd);
  return kOk;
}

// A NETLINK_ROUTE socket bound to the RTMGRP_LINK multicast group.
int NetNetlink(Args) {
  const long s = ::syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return kFailed;
  sockaddr_nl a{};
  a.nl_family = AF_NETLINK;
  a.nl_groups = RTMGRP_LINK;
  if (::syscall(SYS_bind, s, &a, sizeof a) != 0) return kFailed;
  RawClose(s);
  return kOk;
}

// bind to 127.0.0.1:80: CAP_NET_BIND_SERVICE below ip_unprivileged_port_start.
int BindPort80(Args) {
  const long s = ::syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return kFailed;
  const sockaddr_in a = Inet4(80);
  const long rc = ::syscall(SYS_bind, s, &a, sizeof a);
  RawClose(s);
  return rc == 0 ? kOk : kFailed;
}

int ChownNobody(Args args) {
  return ::syscall(SYS_chown, args[0], 65534, 65534) == 0 ? kOk : kFailed;
}

int CreateFile(Args args) { return CreateAt(AT_FDCWD, args[0], O_WRONLY | O_CREAT | O_TRUNC); }

int OpenRdwr(Args args) { return CreateAt(AT_FDCWD, args[0], O_RDWR); }

// A child calls setuid(N); its EPERM (as non-root) is part of what tests look at.
int Setuid(Args args) {
  const long uid = *ParseNumber(args[0]);
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) RawExit(::syscall(SYS_setuid, uid) == 0 ? 0 : 1);
  RawWait(static_cast<pid_t>(pid));
  return kOk;
}

// N times: open PATH for reading, close it, stat it.
int OpenLoop(Args args) {
  const long n = *ParseNumber(args[0]);
  for (long i = 0; i < n; ++i) {
    const long fd = ::syscall(SYS_openat, AT_FDCWD, args[1], O_RDONLY | O_CLOEXEC);
    RawClose(fd);
    struct stat st {};
    ::syscall(SYS_newfstatat, AT_FDCWD, args[1], &st, 0);
  }
  return kOk;
}

// ---------------------------------------------------------------------------------------------
// Tracer state transitions (tests/live/state_machine_test.cc): namespaces, untraced children,
// forks from threads, execs and signals and kills while a call is in progress.

// CLONE_NEW* flags from a comma-separated list: uts,user,ipc,net,pid,ns,cgroup (or none).
std::optional<uint64_t> ParseNamespaces(std::string_view text) {
  constexpr std::array kNamespaces = {
      NamedNumber{"cgroup", CLONE_NEWCGROUP}, NamedNumber{"ipc", CLONE_NEWIPC},
      NamedNumber{"net", CLONE_NEWNET},       NamedNumber{"ns", CLONE_NEWNS},
      NamedNumber{"pid", CLONE_NEWPID},       NamedNumber{"user", CLONE_NEWUSER},
      NamedNumber{"uts", CLONE_NEWUTS},
  };
  if (text == "none") return 0;
  uint64_t flags = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto word = text.substr(0, comma);
    const auto* it = std::find_if(kNamespaces.begin(), kNamespaces.end(),
                                  [&](const auto& n) { return n.name == word; });
    if (it == kNamespaces.end()) return std::nullopt;
    flags |= static_cast<uint64_t>(it->number);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return flags;
}

// The child of a raw clone: one uname in the new namespaces, then exit.
[[noreturn]] void UnameAndExit() {
  struct utsname name {};
  RawExit(::syscall(SYS_uname, &name) == 0 ? 0 : 1);
}

// clone(SIGCHLD | NAMESPACES): the child calls uname; the parent waits.
int CloneNs(Args args) {
  const long pid = ::syscall(SYS_clone, SIGCHLD | *ParseNamespaces(args[0]), 0, 0, 0, 0);
  if (pid < 0) return kFailed;
  if (pid == 0) UnameAndExit();
  return RawWait(static_cast<pid_t>(pid));
}

// The same through clone3.
int Clone3Ns(Args args) {
  CloneArgs clone_args{};
  clone_args.flags = *ParseNamespaces(args[0]);
  clone_args.exit_signal = SIGCHLD;
  const long pid = ::syscall(SYS_clone3, &clone_args, sizeof(clone_args));
  if (pid < 0) return kFailed;
  if (pid == 0) UnameAndExit();
  return RawWait(static_cast<pid_t>(pid));
}

// clone(CLONE_VFORK | SIGCHLD | NAMESPACES), without CLONE_VM: the parent sleeps in the call
// until the child (on its own copy of memory) has exited.
int VforkNs(Args args) {
  const long pid =
      ::syscall(SYS_clone, CLONE_VFORK | SIGCHLD | *ParseNamespaces(args[0]), 0, 0, 0, 0);
  if (pid < 0) return kFailed;
  if (pid == 0) UnameAndExit();
  return RawWait(static_cast<pid_t>(pid));
}

// unshare(NAMESPACES), then uname in them.
int UnshareNs(Args args) {
  if (::syscall(SYS_unshare, *ParseNamespaces(args[0])) != 0) return kFailed;
  struct utsname name {};
  return ::syscall(SYS_uname, &name) == 0 ? kOk : kFailed;
}

// A child created with CLONE_UNTRACED calls getppid and exits 0; the parent returns its status.
int CloneUntraced(Args) {
  const long pid = ::syscall(SYS_clone, SIGCHLD | CLONE_UNTRACED, 0, 0, 0, 0);
  if (pid < 0) return kFailed;
  if (pid == 0) {
    ::syscall(SYS_getppid);
    RawExit(0);
  }
  return RawWait(static_cast<pid_t>(pid));
}

int Clone3Untraced(Args) {
  CloneArgs clone_args{};
  clone_args.flags = CLONE_UNTRACED;
  clone_args.exit_signal = SIGCHLD;
  const long pid = ::syscall(SYS_clone3, &clone_args, sizeof(clone_args));
  if (pid < 0) return kFailed;
  if (pid == 0) {
    ::syscall(SYS_getppid);
    RawExit(0);
  }
  // The flags the caller passed are still its own after the call.
  if (clone_args.flags != CLONE_UNTRACED) return kFailed;
  return RawWait(static_cast<pid_t>(pid));
}

void* ForkFromThreadBody(void* result) {
  const long pid = ::syscall(SYS_fork);
  if (pid == 0) {
    ::syscall(SYS_getppid);
    RawExit(0);
  }
  *static_cast<int*>(result) = pid < 0 ? kFailed : RawWait(static_cast<pid_t>(pid));
  return nullptr;
}

// A second thread forks; the child calls getppid; the thread waits for it.
int ForkFromThread(Args) {
  int result = kFailed;
  pthread_t thread;
  if (pthread_create(&thread, nullptr, ForkFromThreadBody, &result) != 0) return kFailed;
  pthread_join(thread, nullptr);
  return result;
}

// Waits until task `tid` of process `pid` sleeps in `wchan` (a kernel function name from
// /proc/PID/task/TID/wchan, e.g. wait_for_partner: the open of a FIFO with no other end).
// One openat; then pread64 as often as it takes.
bool WaitForWchan(pid_t pid, pid_t tid, std::string_view wchan) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", static_cast<int>(pid),
                static_cast<int>(tid));
  const long fd = ::syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[128];
  for (;;) {
    const long n = ::syscall(SYS_pread64, fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    if (std::string_view(buf, static_cast<size_t>(n)) == wchan) {
      RawClose(fd);
      return true;
    }
  }
  RawClose(fd);
  return false;
}

long OpenFifoForReading(const char* path) {
  return ::syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
}

pid_t g_exec_waiter = 0;  // the task that sleeps in the FIFO's open

void* ExecWhenWaitingBody(void*) {
  // The other task must really sleep in the open (not in a stop of the tracer) when the exec
  // kills it.
  if (!WaitForWchan(g_leader, g_exec_waiter, "wait_for_partner")) RawExit(kFailed);
  ExecMarker();
}

// The leader opens FIFO (no writer: it sleeps there) while a second thread execs marker-uname.
int ExecWhileLeaderWaits(Args args) {
  g_leader = RawGetpid();
  g_exec_waiter = g_leader;
  pthread_t thread;
  if (pthread_create(&thread, nullptr, ExecWhenWaitingBody, nullptr) != 0) return kFailed;
  OpenFifoForReading(args[0]);  // ends with the exec
  return kFailed;
}

void* OpenFifoBody(void* path) {
  g_exec_waiter = static_cast<pid_t>(::syscall(SYS_gettid));
  OpenFifoForReading(static_cast<const char*>(path));  // ends with the exec
  return nullptr;
}

// A second thread opens FIFO (and sleeps there) while the leader execs marker-uname.
int ExecWhileThreadWaits(Args args) {
  g_leader = RawGetpid();
  pthread_t thread;
  if (pthread_create(&thread, nullptr, OpenFifoBody, args[0]) != 0) return kFailed;
  while (__atomic_load_n(&g_exec_waiter, __ATOMIC_SEQ_CST) == 0) ::syscall(SYS_sched_yield);
  if (!WaitForWchan(g_leader, g_exec_waiter, "wait_for_partner")) return kFailed;
  ExecMarker();
}

volatile sig_atomic_t g_usr1 = 0;
void OnUsr1Count(int) { g_usr1 = g_usr1 + 1; }

int g_handled_pipe = -1;  // the handler writes a byte here
void OnUsr1Tell(int) {
  g_usr1 = g_usr1 + 1;
  ::syscall(SYS_write, g_handled_pipe, "h", 1);
}

// The parent opens FIFO for reading and sleeps there; a child sends it SIGUSR1 (handled with
// SA_RESTART: the open starts again once the handler returns), waits for the handler's byte and
// for the restarted open to sleep, then opens FIFO for writing, which lets both opens end.
int SignalWhileWaiting(Args args) {
  int handled[2];
  if (::syscall(SYS_pipe2, handled, O_CLOEXEC) != 0) return kFailed;
  g_handled_pipe = handled[1];
  struct sigaction action {};
  action.sa_handler = OnUsr1Tell;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGUSR1, &action, nullptr) != 0) return kFailed;
  const pid_t parent = RawGetpid();
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) {
    if (!WaitForWchan(parent, parent, "wait_for_partner")) RawExit(kFailed);
    ::syscall(SYS_kill, parent, SIGUSR1);
    char byte;
    if (::syscall(SYS_read, handled[0], &byte, 1) != 1) RawExit(kFailed);
    // Only now: had the writer come before the signal was taken, the first open would have
    // ended without a restart.
    if (!WaitForWchan(parent, parent, "wait_for_partner")) RawExit(kFailed);
    const long fd = ::syscall(SYS_openat, AT_FDCWD, args[0], O_WRONLY | O_CLOEXEC);
    RawExit(fd >= 0 ? 0 : 1);
  }
  const long fd = OpenFifoForReading(args[0]);
  if (fd < 0) return kFailed;
  RawClose(fd);
  if (RawWait(static_cast<pid_t>(pid)) != kOk) return kFailed;
  return g_usr1 == 1 ? kOk : kFailed;
}

// A child opens FIFO and sleeps there until the parent kills it with SIGKILL.
int KillWhileWaiting(Args args) {
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) {
    OpenFifoForReading(args[0]);
    RawExit(kFailed);  // never: nothing writes to the FIFO
  }
  if (!WaitForWchan(static_cast<pid_t>(pid), static_cast<pid_t>(pid), "wait_for_partner"))
    return kFailed;
  ::syscall(SYS_kill, pid, SIGKILL);
  int status = 0;
  if (::syscall(SYS_wait4, pid, &status, 0, nullptr) != pid) return kFailed;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? kOk : kFailed;
}

// A signal handler is installed on every run; whether the signal is sent depends on the
// argument (`send` or `skip`): the calls are the same either way except rt_sigreturn, which
// only a delivered signal makes (tgkill with signal 0 when skipping).
int SignalMaybe(Args args) {
  struct sigaction action {};
  action.sa_handler = OnUsr1Count;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGUSR1, &action, nullptr) != 0) return kFailed;
  const bool send = std::string_view(args[0]) == "send";
  ::syscall(SYS_tgkill, RawGetpid(), ::syscall(SYS_gettid), send ? SIGUSR1 : 0);
  return g_usr1 == (send ? 1 : 0) ? kOk : kFailed;
}

// int arguments with junk in their upper 32 bits, which the kernel ignores (it reads an int):
// prctl(PR_GET_DUMPABLE), socket(AF_UNIX, SOCK_DGRAM), personality(query).
int IntArgsJunk(Args) {
  constexpr uint64_t kJunk = 0xbadc0ded00000000ull;
  if (::syscall(SYS_prctl, kJunk | PR_GET_DUMPABLE, 0, 0, 0, 0) < 0) return kFailed;
  const long s = ::syscall(SYS_socket, kJunk | AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return kFailed;
  RawClose(s);
  return ::syscall(SYS_personality, kJunk | 0xffffffffull) < 0 ? kFailed : kOk;
}

// A child asks to be traced by its parent (PTRACE_TRACEME) and exits 0 if it could, 1 if not
// (under a ptrace-based tracer it cannot: a process has one tracer).
int PtraceTraceme(Args) {
  const long pid = ::syscall(SYS_fork);
  if (pid < 0) return kFailed;
  if (pid == 0) RawExit(::syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) == 0 ? 0 : 1);
  return RawWait(static_cast<pid_t>(pid));
}

// Prints prctl(PR_GET_SECCOMP): 0 natively, 2 (filter mode) under any seccomp-based tracer.
int PrintSeccompMode(Args) {
  const long mode = ::syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0);
  char line[32];
  const int n = std::snprintf(line, sizeof(line), "%ld\n", mode);
  return RawWriteAll(STDOUT_FILENO, std::string_view(line, static_cast<size_t>(n))) ? kOk : kFailed;
}

// A child forks a grandchild and exits; the grandchild, orphaned, prints the pid of the
// process it was reparented to (the nearest child subreaper, else init) and exits.
int OrphanParent(Args) {
  int pipefd[2];
  if (::syscall(SYS_pipe2, pipefd, O_CLOEXEC) != 0) return kFailed;
  const long child = ::syscall(SYS_fork);
  if (child < 0) return kFailed;
  if (child == 0) {
    const pid_t original = RawGetpid();
    const long grandchild = ::syscall(SYS_fork);
    if (grandchild != 0) RawExit(grandchild < 0 ? 1 : 0);
    pid_t ppid;
    while ((ppid = static_cast<pid_t>(::syscall(SYS_getppid))) == original)
      ::syscall(SYS_sched_yield);
    char line[32];
    const int n = std::snprintf(line, sizeof(line), "%d\n", static_cast<int>(ppid));
    RawWriteAll(pipefd[1], std::string_view(line, static_cast<size_t>(n)));
    RawExit(0);
  }
  ::syscall(SYS_close, pipefd[1]);
  if (RawWait(static_cast<pid_t>(child)) != kOk) return kFailed;
  char buf[32];
  const long n = ::syscall(SYS_read, pipefd[0], buf, sizeof(buf));
  if (n <= 0) return kFailed;
  return RawWriteAll(STDOUT_FILENO, std::string_view(buf, static_cast<size_t>(n))) ? kOk : kFailed;
}

// x86_64 calls newer than Debian 12's libseccomp 2.5.4 (data/syscalls/x86_64.tsv), made with
// invalid arguments (-1: no such descriptor, an unmapped pointer) so that none does anything:
// each answers an errno, which `newer-syscalls` prints as `name errno`. uretprobe is left out:
// outside a uprobe trampoline it kills its caller with SIGILL, by design.
constexpr std::array kNewerSyscalls = {
    NamedNumber{"uprobe", 336},
    NamedNumber{"statmount", 457},
    NamedNumber{"listmount", 458},
    NamedNumber{"lsm_get_self_attr", 459},
    NamedNumber{"lsm_set_self_attr", 460},
    NamedNumber{"lsm_list_modules", 461},
    NamedNumber{"mseal", 462},
    NamedNumber{"setxattrat", 463},
    NamedNumber{"getxattrat", 464},
    NamedNumber{"listxattrat", 465},
    NamedNumber{"removexattrat", 466},
    NamedNumber{"open_tree_attr", 467},
    NamedNumber{"file_getattr", 468},
    NamedNumber{"file_setattr", 469},
    NamedNumber{"listns", 470},
    NamedNumber{"rseq_slice_yield", 471},
};

// `all`: every call above; `none`: none of them (the same output format, for a baseline).
int NewerSyscalls(Args args) {
  const bool all = std::string_view(args[0]) == "all";
  std::string out;
  for (const auto& [name, nr] : kNewerSyscalls) {
    int err = -1;
    if (all) {
      const long rc = ::syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
      err = rc < 0 ? errno : 0;
    }
    out += std::string(name) + " " + std::to_string(err) + "\n";
  }
  return RawWriteAll(STDOUT_FILENO, out) ? kOk : kFailed;
}

// ---------------------------------------------------------------------------------------------
// The table

enum class ArgKind {
  kNone,
  kCount,   // N >= 1
  kNumber,  // N >= 0
  kText,    // one string
  kSignal,  // a signal name or number
  kNames,   // one or more names from kHarmlessSyscalls

  kCountText,   // N >= 1, then one string
  kNamespaces,  // uts,user,... or none (ParseNamespaces)
};

struct Subcommand {
  std::string_view name;
  ArgKind args;
  std::string_view declared;  // space-separated, sorted: made on every run, beyond noop
  std::string_view maybe;     // space-separated, sorted: made on some runs only
  int (*run)(Args);
  // Space-separated, sorted: `name=N` made exactly N times, `name+N` N times more than noop
  // makes it. Only for subcommands whose counts tests check (state_machine_test.cc).
  std::string_view counts = {};
};

// Sorted by name. `syscalls-by-name` declares its arguments.
constexpr std::array kSubcommands = {
    Subcommand{"bind-port-80", ArgKind::kNone, "bind socket", "", BindPort80},
    Subcommand{"chown-nobody", ArgKind::kText, "chown", "", ChownNobody},
    Subcommand{"clone-ns", ArgKind::kNamespaces, "clone uname wait4", "", CloneNs,
               "clone=1 exit_group+1 uname=1 wait4=1"},
    Subcommand{"clone-untraced", ArgKind::kNone, "clone getppid wait4", "", CloneUntraced,
               "clone=1 exit_group+1 getppid=1 wait4=1"},
    Subcommand{"clone3", ArgKind::kNone, "clone3 uname wait4", "", Clone3},
    Subcommand{"clone3-ns", ArgKind::kNamespaces, "clone3 uname wait4", "", Clone3Ns,
               "clone3=1 exit_group+1 uname=1 wait4=1"},
    Subcommand{"clone3-untraced", ArgKind::kNone, "clone3 getppid wait4", "", Clone3Untraced,
               "clone3=1 exit_group+1 getppid=1 wait4=1"},
    Subcommand{"create-file", ArgKind::kText, "", "", CreateFile},
    Subcommand{"exec", ArgKind::kText, "fork wait4", "", Exec},
    Subcommand{"exec-from-thread", ArgKind::kNone,
               "clone3 getpid pause rt_sigaction rt_sigprocmask uname", "", ExecFromThread},
    Subcommand{"exec-while-leader-waits", ArgKind::kText,
               "clone3 getpid rt_sigaction rt_sigprocmask uname", "", ExecWhileLeaderWaits,
               "clone3=1 execve+1 exit_group=1 openat+7 uname=1"},
    Subcommand{"exec-while-thread-waits", ArgKind::kText,
               "clone3 getpid gettid rt_sigaction rt_sigprocmask uname", "sched_yield",
               ExecWhileThreadWaits, "clone3=1 execve+1 exit_group=1 openat+7 uname=1"},
    Subcommand{"exit", ArgKind::kNumber, "", "", Exit},
    Subcommand{"file-ops", ArgKind::kText,
               "chmod link mkdir rename rmdir symlink truncate unlink write", "", FileOps},
    Subcommand{"fork", ArgKind::kNone, "fork getppid wait4", "", Fork},
    Subcommand{"fork-exec", ArgKind::kNone, "fork uname wait4", "", ForkExec},
    Subcommand{"fork-from-thread", ArgKind::kNone,
               "clone3 exit fork getppid madvise rt_sigaction rt_sigprocmask wait4", "futex",
               ForkFromThread, "clone3=1 exit=1 exit_group+1 fork=1 getppid=1 wait4=1"},
    Subcommand{"getppid-loop", ArgKind::kCount, "getppid", "", GetppidLoop},
    Subcommand{"int-args-junk", ArgKind::kNone, "personality prctl socket", "", IntArgsJunk,
               "close+1 personality=1 prctl=1 socket=1"},
    Subcommand{"kill-self", ArgKind::kSignal, "getpid kill", "", KillSelf},
    Subcommand{"kill-while-waiting", ArgKind::kText, "fork kill wait4", "", KillWhileWaiting,
               "exit_group=1 fork=1 kill=1 openat+2 wait4=1"},
    Subcommand{"marker-uname", ArgKind::kNone, "uname", "", MarkerUname},
    Subcommand{"mmap-exec", ArgKind::kText, "flock", "", MmapExec},
    Subcommand{"net-inet", ArgKind::kNumber, "accept4 bind connect listen sendto setsockopt socket",
               "", NetInet},
    Subcommand{"net-netlink", ArgKind::kNone, "bind socket", "", NetNetlink},
    Subcommand{"net-unix", ArgKind::kText, "accept4 bind chdir connect listen socket", "", NetUnix},
    Subcommand{"newer-syscalls", ArgKind::kText, "write", "", NewerSyscalls},
    Subcommand{"noop", ArgKind::kNone, "", "", Noop},
    Subcommand{"open-loop", ArgKind::kCountText, "", "", OpenLoop},
    Subcommand{"open-rdwr", ArgKind::kText, "", "", OpenRdwr},
    Subcommand{"open-relative", ArgKind::kText, "chdir", "", OpenRelative},
    Subcommand{"openat", ArgKind::kText, "", "", Openat},
    Subcommand{"orphan-parent", ArgKind::kNone, "fork getpid getppid pipe2 wait4 write",
               "sched_yield", OrphanParent, "exit_group+2 fork=2 wait4=1 write=2"},
    Subcommand{"print-seccomp-mode", ArgKind::kNone, "prctl write", "", PrintSeccompMode},
    Subcommand{"ptrace-traceme", ArgKind::kNone, "fork ptrace wait4", "", PtraceTraceme,
               "exit_group+1 fork=1 ptrace=1 wait4=1"},
    Subcommand{"read-stdin", ArgKind::kNone, "write", "", ReadStdin},
    Subcommand{"segfault", ArgKind::kNone, "", "", Segfault},
    Subcommand{"setuid", ArgKind::kNumber, "fork setuid wait4", "", Setuid},
    Subcommand{"signal-maybe", ArgKind::kText, "getpid gettid rt_sigaction tgkill", "rt_sigreturn",
               SignalMaybe},
    Subcommand{"signal-self", ArgKind::kNone, "getpid gettid rt_sigaction rt_sigreturn tgkill", "",
               SignalSelf},
    Subcommand{"signal-while-waiting", ArgKind::kText,
               "fork getpid kill pipe2 rt_sigaction rt_sigreturn wait4 write", "",
               SignalWhileWaiting,
               "exit_group+1 fork=1 kill=1 openat+5 pipe2=1 rt_sigreturn=1 wait4=1 write=1"},
    Subcommand{"sleep", ArgKind::kNumber, "clock_nanosleep", "", Sleep},
    Subcommand{"stop-cont", ArgKind::kNone, "clock_nanosleep fork getpid kill pipe2 wait4", "",
               StopCont},
    Subcommand{"syscalls-by-name", ArgKind::kNames, "", "", SyscallsByName},
    Subcommand{"threads", ArgKind::kCount,
               "clone3 exit getcpu gettid madvise rt_sigaction rt_sigprocmask", "futex", Threads},
    Subcommand{"unshare-ns", ArgKind::kNamespaces, "uname unshare", "", UnshareNs,
               "uname=1 unshare=1"},
    Subcommand{"vfork", ArgKind::kNone, "uname vfork wait4", "", Vfork},
    Subcommand{"vfork-ns", ArgKind::kNamespaces, "clone uname wait4", "", VforkNs,
               "clone=1 exit_group+1 uname=1 wait4=1"},
    Subcommand{"write-stdout", ArgKind::kText, "write", "", WriteStdout},
};

constexpr bool IsSortedWords(std::string_view words) {
  std::string_view previous;
  while (!words.empty()) {
    const auto space = words.find(' ');
    const auto word = words.substr(0, space);
    if (word.empty() || word <= previous) return false;
    previous = word;
    words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
  }
  return true;
}

static_assert(std::is_sorted(kSubcommands.begin(), kSubcommands.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
static_assert(std::all_of(kSubcommands.begin(), kSubcommands.end(), [](const auto& s) {
  return IsSortedWords(s.declared) && IsSortedWords(s.maybe);
}));
static_assert(std::is_sorted(kHarmlessSyscalls.begin(), kHarmlessSyscalls.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));

std::string_view ArgSynopsis(ArgKind kind) {
  switch (kind) {
    case ArgKind::kNone:
      return "";
    case ArgKind::kCount:
      return " N";
    case ArgKind::kNumber:
      return " N";
    case ArgKind::kText:
      return " TEXT";
    case ArgKind::kSignal:
      return " SIG";
    case ArgKind::kNames:
      return " NAME...";
    case ArgKind::kCountText:
      return " N TEXT";
    case ArgKind::kNamespaces:
      return " NS[,NS...]|none";
  }
  return "";
}

void PrintList(FILE* out) {
  for (const auto& subcommand : kSubcommands) {
    const auto synopsis = ArgSynopsis(subcommand.args);
    std::fprintf(out, "%.*s%.*s\n", static_cast<int>(subcommand.name.size()),
                 subcommand.name.data(), static_cast<int>(synopsis.size()), synopsis.data());
  }
}

int Usage(std::string_view problem) {
  std::fprintf(stderr, "testee: %.*s\n", static_cast<int>(problem.size()), problem.data());
  std::fputs("usage: testee [--declare|--maybe|--counts] SUBCMD [ARGS...]   (testee --list)\n",
             stderr);
  return kUsage;
}

// Empty when `args` suit `kind`, else what is wrong.
std::string CheckArgs(ArgKind kind, Args args) {
  const size_t wanted = kind == ArgKind::kNone ? 0 : (kind == ArgKind::kCountText ? 2 : 1);
  if (kind == ArgKind::kNames) {
    if (args.empty()) return "expected at least one syscall name";
    for (const char* name : args) {
      if (!HarmlessSyscall(name)) return std::string("not a harmless no-argument syscall: ") + name;
    }
    return "";
  }
  if (args.size() != wanted) return "expected " + std::to_string(wanted) + " argument(s)";
  switch (kind) {
    case ArgKind::kCount:
    case ArgKind::kCountText:
      if (const auto n = ParseNumber(args[0]); !n || *n < 1) return "expected a count >= 1";
      break;
    case ArgKind::kNumber:
      if (!ParseNumber(args[0])) return "expected a number >= 0";
      break;
    case ArgKind::kSignal:
      if (!ParseSignal(args[0])) return "expected a signal name (KILL, SIGSEGV) or number";
      break;
    case ArgKind::kNamespaces:
      if (!ParseNamespaces(args[0]))
        return "expected namespaces: uts,user,ipc,net,pid,ns,cgroup or none";
      break;
    default:
      break;
  }
  return "";
}

void PrintWords(std::set<std::string> words) {
  for (const auto& word : words) std::printf("%s\n", word.c_str());
}

std::set<std::string> SplitWords(std::string_view words) {
  std::set<std::string> out;
  while (!words.empty()) {
    const auto space = words.find(' ');
    out.emplace(words.substr(0, space));
    words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Args args(argv + 1, static_cast<size_t>(std::max(argc - 1, 0)));
  if (args.empty()) return Usage("missing SUBCMD");

  const std::string_view mode = args[0];
  if (mode == "--list") {
    PrintList(stdout);
    return kOk;
  }
  const bool declare = mode == "--declare";
  const bool maybe = mode == "--maybe";
  const bool counts = mode == "--counts";
  if (declare || maybe || counts) args = args.subspan(1);
  if (args.empty()) return Usage("missing SUBCMD");

  const std::string_view name = args[0];
  const auto* subcommand = std::find_if(kSubcommands.begin(), kSubcommands.end(),
                                        [&](const auto& s) { return s.name == name; });
  if (subcommand == kSubcommands.end()) return Usage("unknown SUBCMD " + std::string(name));
  args = args.subspan(1);
  if (const auto problem = CheckArgs(subcommand->args, args); !problem.empty()) {
    return Usage(std::string(name) + ": " + problem);
  }

  if (declare) {
    auto words = SplitWords(subcommand->declared);
    if (subcommand->args == ArgKind::kNames) words.insert(args.begin(), args.end());
    PrintWords(std::move(words));
    return kOk;
  }
  if (maybe) {
    PrintWords(SplitWords(subcommand->maybe));
    return kOk;
  }
  if (counts) {
    PrintWords(SplitWords(subcommand->counts));
    return kOk;
  }
  return subcommand->run(args);
}
