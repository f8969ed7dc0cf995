// provenance: the workload of the call-stack tests (tests/live/stacks_test.cc). Built with
// -g -O0 so that every named function below keeps its frame and its lines, and copied stripped
// (provenance_stripped) and renamed (provenance_twin) by tests/CMakeLists.txt.
//
//   provenance keyctl                 do_keyctl_probe() makes keyctl
//   provenance marker PATH            write_marker_file() opens PATH for writing (O_CREAT)
//   provenance threads N              N threads; thread i calls role (i % 8), one rare syscall each
//   provenance fanout P N [EXE]       P processes of `threads N`; the odd ones exec EXE first
//
// The lines of the calls are marked "STACK:<name>" so that tests find them without hard-coding
// line numbers. Calls go through syscall(2) so that glibc cannot substitute another one.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3

__attribute__((noinline)) long do_keyctl_probe(void) {
  return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);  // STACK:keyctl
}

__attribute__((noinline)) int write_marker_file(const char* path) {
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);  // STACK:marker
  if (fd < 0) return 1;
  const int ok = write(fd, "marker\n", 7) == 7;
  close(fd);
  return ok ? 0 : 1;
}

// One rare syscall per role, made only by threads of that role: a stack unwound from the wrong
// thread cannot contain the role's function.
__attribute__((noinline)) void role_getpriority(void) { syscall(SYS_getpriority, PRIO_PROCESS, 0); }
__attribute__((noinline)) void role_sched_getscheduler(void) { syscall(SYS_sched_getscheduler, 0); }
__attribute__((noinline)) void role_getrusage(void) {
  struct rusage ru;
  syscall(SYS_getrusage, RUSAGE_THREAD, &ru);
}
__attribute__((noinline)) void role_times(void) {
  struct tms t;
  syscall(SYS_times, &t);
}
__attribute__((noinline)) void role_sysinfo(void) {
  struct sysinfo si;
  syscall(SYS_sysinfo, &si);
}
__attribute__((noinline)) void role_getitimer(void) {
  struct itimerval it;
  syscall(SYS_getitimer, ITIMER_REAL, &it);
}
__attribute__((noinline)) void role_sched_get_priority_max(void) {
  syscall(SYS_sched_get_priority_max, SCHED_OTHER);
}
__attribute__((noinline)) void role_sched_get_priority_min(void) {
  syscall(SYS_sched_get_priority_min, SCHED_OTHER);
}

static void (*const kRoles[8])(void) = {
    role_getpriority,
    role_sched_getscheduler,
    role_getrusage,
    role_times,
    role_sysinfo,
    role_getitimer,
    role_sched_get_priority_max,
    role_sched_get_priority_min,
};

static pthread_barrier_t g_barrier;

struct ThreadArg {
  int index;
};

static void* thread_main(void* p) {
  const struct ThreadArg* arg = p;
  pthread_barrier_wait(&g_barrier);  // all threads at once: their calls interleave
  for (int i = 0; i < 200; ++i) syscall(SYS_getppid);
  kRoles[arg->index % 8]();
  return NULL;
}

static int run_threads(int n) {
  pthread_t* ids = calloc((size_t)n, sizeof *ids);
  struct ThreadArg* args = calloc((size_t)n, sizeof *args);
  if (ids == NULL || args == NULL || pthread_barrier_init(&g_barrier, NULL, (unsigned)n) != 0)
    return 1;
  for (int i = 0; i < n; ++i) {
    args[i].index = i;
    if (pthread_create(&ids[i], NULL, thread_main, &args[i]) != 0) return 1;
  }
  for (int i = 0; i < n; ++i) pthread_join(ids[i], NULL);
  return 0;
}

static int fanout(int procs, int threads, const char* exe) {
  char count[16];
  snprintf(count, sizeof count, "%d", threads);
  for (int k = 0; k < procs; ++k) {
    const pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      if (exe != NULL && (k % 2) == 1) {
        char* argv[] = {(char*)exe, "threads", count, NULL};
        execv(exe, argv);
        _exit(127);
      }
      _exit(run_threads(threads));
    }
  }
  int failed = 0;
  for (int k = 0; k < procs; ++k) {
    int status = 0;
    if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  }
  return failed;
}

static int usage(void) {
  fputs("usage: provenance keyctl | marker PATH | threads N | fanout P N [EXE]\n", stderr);
  return 2;
}

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  if (strcmp(argv[1], "keyctl") == 0) {
    do_keyctl_probe();  // STACK:keyctl-caller
    return 0;
  }
  if (strcmp(argv[1], "marker") == 0 && argc == 3) {
    return write_marker_file(argv[2]);  // STACK:marker-caller
  }
  if (strcmp(argv[1], "threads") == 0 && argc == 3) return run_threads(atoi(argv[2]));
  if (strcmp(argv[1], "fanout") == 0 && (argc == 4 || argc == 5))
    return fanout(atoi(argv[2]), atoi(argv[3]), argc == 5 ? argv[4] : NULL);
  return usage();
}
