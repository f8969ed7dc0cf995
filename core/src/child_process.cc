#include "seclearn/core/child_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

#include <fmt/format.h>

#include "seclearn/core/syscall_event.h"

namespace seclearn {

Result<int> ChildProcess::Wait() {
  int status = 0;
  while (::waitpid(pid_, &status, __WALL) < 0) {
    if (errno != EINTR) return ErrnoError(fmt::format("waitpid({})", pid_));
  }
  pid_ = -1;
  return status;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, __WALL) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

int64_t RealtimeNs() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t MonotonicNs() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace seclearn
