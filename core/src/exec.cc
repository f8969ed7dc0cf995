#include "seclearn/core/exec.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace seclearn {
namespace {

Error ExecError(int err, std::string context) {
  return Error{ErrorDomain::kExec, err, std::move(context)};
}

// What execve would say about this path, checked before fork so the error is clean.
int ProbeExecutable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EACCES;
  if (::access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

}  // namespace

Result<std::string> FindExecutable(std::string_view name) {
  const std::string cmd(name);
  if (cmd.empty()) return ExecError(ENOENT, "empty command");
  if (cmd.find('/') != std::string::npos) {
    if (int err = ProbeExecutable(cmd)) return ExecError(err, cmd);
    return cmd;
  }
  const char* env = std::getenv("PATH");
  const std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
  int saw = ENOENT;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + cmd;
    const int err = ProbeExecutable(candidate);
    if (err == 0) return candidate;
    // Like execvp: a file that exists but is not executable is remembered (126), a missing
    // one keeps searching.
    if (err != ENOENT && err != ENOTDIR) saw = err;
    start = end + 1;
  }
  return ExecError(saw, saw == ENOENT ? cmd + ": command not found" : cmd);
}

int ExitCodeForExecErrno(int err) {
  return (err == ENOENT || err == ENOTDIR) ? kExitNotFound : kExitNotExecutable;
}

int ExitCodeForWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kExitSeclearnFailure;
}

CArgv::CArgv(const std::vector<std::string>& args) : storage_(args) {
  for (auto& s : storage_) ptrs_.push_back(s.data());
  ptrs_.push_back(nullptr);
}

}  // namespace seclearn
