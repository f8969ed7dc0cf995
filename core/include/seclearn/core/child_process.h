// ChildProcess: owns a child pid. Unless Wait() reaped it, the destructor kills it with
// SIGKILL and reaps it, so a failing test or an early return never leaves a stopped or
// orphaned tracee behind (crun's cleanup_pid, in C++).
#pragma once

#include <sys/types.h>

#include <utility>

#include "seclearn/core/result.h"

namespace seclearn {

class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(ChildProcess&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  ChildProcess& operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
      Kill();
      pid_ = std::exchange(o.pid_, -1);
    }
    return *this;
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Kill(); }

  pid_t pid() const { return pid_; }
  // Waits for exit and returns the waitpid status; the object no longer owns the pid.
  Result<int> Wait();
  // Forget the pid (someone else reaps it).
  pid_t Release() { return std::exchange(pid_, -1); }

 private:
  void Kill();
  pid_t pid_ = -1;
};

}  // namespace seclearn
