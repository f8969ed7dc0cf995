// Finding and starting the workload the way a shell would, with docker's exit codes:
// 127 when the command is not found, 126 when it is found but cannot be executed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

inline constexpr int kExitSeclearnFailure = 125;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;

// Resolves `name` against $PATH (or as a path when it contains '/'). Errors are kExec with
// code ENOENT (-> 127) or EACCES/ENOEXEC/... (-> 126).
Result<std::string> FindExecutable(std::string_view name);

// Exit status for a failed execve errno: 127 for ENOENT/ENOTDIR, 126 otherwise.
int ExitCodeForExecErrno(int err);

// Exit status seclearn passes through for a waitpid status: the code, or 128+signal.
int ExitCodeForWaitStatus(int wait_status);

// argv as a vector of C strings with a terminating nullptr, built before fork so the child
// only calls async-signal-safe functions.
class CArgv {
 public:
  explicit CArgv(const std::vector<std::string>& args);
  char* const* data() { return ptrs_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> ptrs_;
};

}  // namespace seclearn
