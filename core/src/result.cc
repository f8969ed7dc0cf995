#include "seclearn/core/result.h"

#include <cstring>

#include <fmt/format.h>

namespace seclearn {

std::string Error::Message() const {
  switch (domain) {
    case ErrorDomain::kErrno:
    case ErrorDomain::kSeccomp:
    case ErrorDomain::kExec:
      if (code != 0) return fmt::format("{}: {}", context, std::strerror(code));
      return context;
    case ErrorDomain::kSqlite:
    case ErrorDomain::kParse:
    case ErrorDomain::kUsage:
      return context;
  }
  return context;
}

Error ErrnoError(std::string context) { return ErrnoError(errno, std::move(context)); }
Error ErrnoError(int err, std::string context) {
  return Error{ErrorDomain::kErrno, err, std::move(context)};
}
Error ParseError(std::string context) { return Error{ErrorDomain::kParse, 0, std::move(context)}; }
Error UsageError(std::string context) { return Error{ErrorDomain::kUsage, 0, std::move(context)}; }

}  // namespace seclearn
