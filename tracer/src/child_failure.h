// How a backend's child tells the supervisor it failed before or at exec: one ChildFailure
// written to a CLOEXEC pipe (EOF on the pipe: the exec succeeded), then _exit with docker
// run's code for it (126, 127, or 125 for seclearn's own set-up). Shared by every backend.
//
//   ChildFailure f{kStageExec, errno};   // in the child, async-signal-safe
//   write(fail_fd, &f, sizeof f);
//   ...
//   if (auto e = ReadChildFailure(fail_r, opts.exe, "the tracing seccomp filter")) return *e;
#pragma once

#include <optional>
#include <string_view>

#include "seclearn/core/result.h"

namespace seclearn::tracer_internal {

enum ChildStage : int {
  kStageNoNewPrivs = 1,  // prctl(PR_SET_NO_NEW_PRIVS)
  kStageSeccomp = 2,     // installing the backend's filter
  kStageSend = 3,        // handing the seccomp listener over (notify)
  kStageExec = 4,        // execve
};

struct ChildFailure {
  int stage;  // ChildStage
  int err;    // errno
};

// The child's failure read from `fd`, as the run's error, or nullopt if it wrote none:
// kExec for the exec (code: its errno), kErrno otherwise. `filter` names what the seccomp
// stage installs ("the tracing seccomp filter", "the notify filter").
std::optional<Error> ReadChildFailure(int fd, std::string_view exe, std::string_view filter);

}  // namespace seclearn::tracer_internal
