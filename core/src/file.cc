#include "seclearn/core/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "seclearn/core/fd.h"

namespace seclearn {

Result<std::string> ReadWholeFile(const std::string& path, std::string_view what) {
  auto fail = [&] {
    return ErrnoError(what.empty() ? fmt::format("cannot read {}", path)
                                   : fmt::format("cannot read {} {}", what, path));
  };
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail();
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail();
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace seclearn
