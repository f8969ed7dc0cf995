#include "seclearn/core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "seclearn/core/fd.h"

namespace seclearn {
namespace {

const char* FileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "an unknown file type";
}

std::string SizeText(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path, std::string_view what,
                                  size_t max_bytes) {
  const std::string name = what.empty() ? fmt::format("cannot read {}", path)
                                        : fmt::format("cannot read {} {}", what, path);
  auto fail = [&] { return ErrnoError(name); };
  // O_NONBLOCK: open(2) of a FIFO without a writer would wait for one.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return fail();
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail();
  if (!S_ISREG(st.st_mode)) {
    return ErrnoError(0, fmt::format("{}: not a regular file ({})", name, FileKind(st.st_mode)));
  }
  const auto too_large = [&] {
    return ErrnoError(0, fmt::format("{}: larger than {}, the most seclearn reads", name,
                                     SizeText(max_bytes)));
  };
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail();
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) return too_large();
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace seclearn
