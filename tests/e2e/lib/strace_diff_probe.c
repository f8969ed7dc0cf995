/* strace_diff_probe: what no Debian program does on demand, for tests/e2e/strace_diff.sh,
 * which compiles it with gcc into its $TMP (`gcc -O1 -pthread`).
 *
 *   strace_diff_probe clone-newuts      clone(SIGCHLD|CLONE_NEWUTS), the child exits 7, waited for
 *   strace_diff_probe clone-untraced    the same with CLONE_UNTRACED
 *   strace_diff_probe clone3-newuts     clone3 with CLONE_NEWUTS
 *   strace_diff_probe lsm               lsm_list_modules (x86_64 461): past libseccomp 2.5.4
 *   strace_diff_probe own-filter        installs its own filter: getppid -> ENOSYS, then calls it
 *   strace_diff_probe int80             i386 getppid through int 0x80 from this 64-bit process
 *   strace_diff_probe x32               x32 getpid (39 | __X32_SYSCALL_BIT)
 *   strace_diff_probe fifo-signal       open(FIFO) blocks, a SA_RESTART signal interrupts it,
 *                                       it is restarted and completes
 *   strace_diff_probe exec-while-open   the leader blocks in open(FIFO); a thread execs
 *                                       `strace_diff_probe marker` (getcpu), killing it
 *
 * Prints one line saying what happened; exits 0, 1 if a call failed, 2 on a usage error.
 * After a raw clone the child makes raw syscalls only (glibc's state describes the parent).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int ReportChild(long pid) {
  int status = 0;
  if (waitpid((pid_t)pid, &status, 0) != pid) {
    printf("waitpid: %s\n", strerror(errno));
    return 1;
  }
  if (WIFEXITED(status)) {
    printf("child exited %d\n", WEXITSTATUS(status));
  } else {
    printf("child killed by signal %d\n", WTERMSIG(status));
  }
  return 0;
}

/* Fork-like: no stack, so the child runs on a copy of this one. */
static int CloneAndWait(unsigned long flags) {
  long pid = syscall(SYS_clone, flags, 0, 0, 0, 0);
  if (pid < 0) {
    printf("clone: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    syscall(SYS_getppid);
    syscall(SYS_exit_group, 7);
  }
  return ReportChild(pid);
}

/* struct clone_args, CLONE_ARGS_SIZE_VER0 (<linux/sched.h> clashes with <sched.h>). */
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int Clone3AndWait(unsigned long flags) {
  struct CloneArgs args = {.flags = flags, .exit_signal = SIGCHLD};
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    printf("clone3: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    syscall(SYS_getppid);
    syscall(SYS_exit_group, 7);
  }
  return ReportChild(pid);
}

static void SleepMs(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

static int LsmListModules(void) {
  uint64_t ids[64];
  uint32_t size = sizeof ids;
  if (syscall(461, ids, &size, 0) < 0) {
    printf("lsm_list_modules: %s\n", strerror(errno));
    return 1;
  }
  printf("lsm_list_modules ok\n");
  return 0;
}

static int OwnFilter(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    printf("seccomp: %s\n", strerror(errno));
    return 1;
  }
  long r = syscall(SYS_getppid);
  printf("getppid: %s\n", r < 0 ? strerror(errno) : "ok");
  return 0;
}

static int Int80(void) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(64L) : "memory");
  printf("int 0x80 getppid %s\n", ret == getppid() ? "ok" : "wrong");
  return 0;
}

static int X32(void) {
  long r = syscall(0x40000000 | 39);
  printf("x32 getpid: %s\n", r < 0 ? strerror(errno) : "ok");
  return 0;
}

static void OnUsr1(int sig) { (void)sig; }

static int FifoSignal(void) {
  if (mkfifo("fifo", 0600) != 0) {
    printf("mkfifo: %s\n", strerror(errno));
    return 1;
  }
  struct sigaction sa = {.sa_handler = OnUsr1, .sa_flags = SA_RESTART};
  sigaction(SIGUSR1, &sa, NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    SleepMs(100);
    kill(parent, SIGUSR1);
    SleepMs(100);
    int fd = open("fifo", O_WRONLY);
    (void)!write(fd, "x", 1);
    _exit(0);
  }
  int fd = open("fifo", O_RDONLY);
  char c = '?';
  (void)!read(fd, &c, 1);
  waitpid(pid, NULL, 0);
  printf("read %c\n", c);
  return 0;
}

static pid_t g_leader;

/* Whether task `tid` of this process sleeps in the open of a FIFO with no writer (its wchan is
   wait_for_partner): not in a tracer's stop, nor waiting for a seccomp notification's answer. */
static int InFifoOpen(pid_t tid) {
  char path[64], buf[128];
  snprintf(path, sizeof path, "/proc/self/task/%d/wchan", (int)tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  return strcmp(buf, "wait_for_partner") == 0;
}

static void* ExecWhenLeaderSleeps(void* arg) {
  (void)arg;
  /* At least one sleep, whatever the timing, so that the set of calls is always the same. */
  do {
    SleepMs(1);
  } while (!InFifoOpen(g_leader));
  char* argv[] = {"strace_diff_probe", "marker", NULL};
  execv("/proc/self/exe", argv);
  _exit(127);
}

static int ExecWhileOpen(void) {
  if (mkfifo("fifo", 0600) != 0) {
    printf("mkfifo: %s\n", strerror(errno));
    return 1;
  }
  g_leader = getpid();
  pthread_t thread;
  if (pthread_create(&thread, NULL, ExecWhenLeaderSleeps, NULL) != 0) return 1;
  open("fifo", O_RDONLY); /* no writer: ends with the exec */
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const char* cmd = argv[1];
  if (!strcmp(cmd, "clone-newuts")) return CloneAndWait(SIGCHLD | CLONE_NEWUTS);
  if (!strcmp(cmd, "clone-untraced")) return CloneAndWait(SIGCHLD | CLONE_UNTRACED);
  if (!strcmp(cmd, "clone3-newuts")) return Clone3AndWait(CLONE_NEWUTS);
  if (!strcmp(cmd, "lsm")) return LsmListModules();
  if (!strcmp(cmd, "own-filter")) return OwnFilter();
  if (!strcmp(cmd, "int80")) return Int80();
  if (!strcmp(cmd, "x32")) return X32();
  if (!strcmp(cmd, "fifo-signal")) return FifoSignal();
  if (!strcmp(cmd, "exec-while-open")) return ExecWhileOpen();
  if (!strcmp(cmd, "marker")) {
    syscall(SYS_getcpu, NULL, NULL, NULL);
    printf("marker\n");
    return 0;
  }
  return 2;
}
