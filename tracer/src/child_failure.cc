#include "child_failure.h"

#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace seclearn::tracer_internal {

std::optional<Error> ReadChildFailure(int fd, std::string_view exe, std::string_view filter) {
  ChildFailure f{};
  if (::read(fd, &f, sizeof f) != sizeof f) return std::nullopt;
  switch (f.stage) {
    case kStageExec:
      return Error{ErrorDomain::kExec, f.err, fmt::format("{}: cannot execute", exe)};
    case kStageSeccomp:
      // Without no_new_privs a filter needs CAP_SYS_ADMIN; a listener needs Linux 5.0+.
      return ErrnoError(f.err, f.err == EACCES
                                   ? fmt::format("installing {} (needs no_new_privs or "
                                                 "CAP_SYS_ADMIN)",
                                                 filter)
                                   : fmt::format("installing {}", filter));
    case kStageSend:
      return ErrnoError(f.err, "sending the listener to seclearn");
    default:
      return ErrnoError(f.err, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
}

}  // namespace seclearn::tracer_internal
