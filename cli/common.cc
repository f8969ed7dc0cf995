#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "commands.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/fd.h"
#include "text.h"

namespace seclearn::cli {
namespace {

Result<void> WriteAll(int fd, std::string_view content, const std::string& what) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(fmt::format("cannot write {}", what));
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

// Messages quote names that come from users, workloads and profiles: control characters
// (C1 ones too) and bytes that are not UTF-8 are escaped so that every message stays one line
// and none is a terminal escape.
std::string OneLine(std::string_view message) { return TerminalSafe(message, true); }

// fwrite, not fmt::print: a full or closed stderr loses the line, never throws (the exit
// status still says what happened).
void PrintStderrLine(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
}

void PrintError(std::string_view message) {
  PrintStderrLine(fmt::format("seclearn: {}", OneLine(message)));
}

void PrintError(const Error& error) { PrintError(error.Message()); }

void PrintWarning(std::string_view message) {
  PrintStderrLine(fmt::format("seclearn: warning: {}", OneLine(message)));
}

int ReportExecFailure(const std::string& cmd, const Error& error) {
  if (error.code == ENOENT && cmd.find('/') == std::string::npos) {
    PrintError(fmt::format("{}: command not found", cmd));
  } else {
    PrintError(fmt::format("{}: {}", cmd, std::strerror(error.code)));
  }
  return ExitCodeForExecErrno(error.code);
}

void SetHostInfo(RunInfo& info) {
  struct utsname u {};
  if (::uname(&u) != 0) return;
  info.kernel = u.release;
  info.host = u.nodename;
}

std::string DefaultDbPath() {
  const char* env = std::getenv("SECLEARN_DB");
  if (env != nullptr && *env != '\0') return env;
  return "./seclearn.db";
}

Result<void> WriteOutputFile(const std::string& path, std::string_view content) {
  if (path == "-") {
    std::fflush(stdout);
    return WriteAll(STDOUT_FILENO, content, "to stdout");
  }
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return ErrnoError(EISDIR, fmt::format("cannot write {}", path));

  struct stat dir_st {};
  if (::stat(dir.c_str(), &dir_st) != 0) {
    return ErrnoError(fmt::format("cannot write {}: directory {}", path, dir));
  }
  if (!S_ISDIR(dir_st.st_mode)) {
    return ErrnoError(ENOTDIR, fmt::format("cannot write {}: {}", path, dir));
  }

  // Keep the mode of a file being replaced; a new one gets what open(0666) would give.
  mode_t mode = 0;
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return ErrnoError(EISDIR, fmt::format("cannot write {}", path));
    if (!S_ISREG(st.st_mode)) {
      // /dev/null, a FIFO, a terminal: written in place, never replaced by a regular file.
      Fd out(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!out.valid()) return ErrnoError(fmt::format("cannot write {}", path));
      return WriteAll(out.get(), content, path);
    }
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }

  std::string tmp = fmt::format("{}/.{}.XXXXXX", dir, base);
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(fmt::format("cannot create a temporary file in {}", dir));
  const auto fail = [&](Error e) -> Result<void> {
    ::unlink(tmp.c_str());
    return e;
  };
  if (auto r = WriteAll(fd.get(), content, tmp); !r) return fail(r.error());
  if (::fchmod(fd.get(), mode) != 0) return fail(ErrnoError(fmt::format("chmod {}", tmp)));
  // Without fsync a crash after rename can leave an empty file under the final name.
  if (::fsync(fd.get()) != 0) return fail(ErrnoError(fmt::format("fsync {}", tmp)));
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(ErrnoError(fmt::format("cannot rename {} to {}", tmp, path)));
  }
  return {};
}

Error UnknownApp(std::string_view verb, std::string_view app, std::string_view db_path,
                 const std::vector<std::string>& known) {
  std::string list;
  for (const auto& a : known) list += (list.empty() ? "" : ", ") + a;
  return UsageError(fmt::format("{}: no app '{}' in {} (known: {})", verb, app, db_path,
                                list.empty() ? "none" : list));
}

Result<Store> OpenAppStore(const std::string& db_path, std::string_view app,
                           std::string_view verb, bool writable) {
  auto store = writable ? Store::OpenExisting(db_path) : Store::OpenReadOnly(db_path);
  if (!store) return store.error();
  auto has = store->HasApp(app);
  if (!has) return has.error();
  if (!*has) {
    auto apps = store->Apps();
    return UnknownApp(verb, app, db_path, apps ? *apps : std::vector<std::string>{});
  }
  return store;
}

}  // namespace seclearn::cli
