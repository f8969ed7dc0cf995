#include "seclearn/host/probes.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "seclearn/core/escape.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/file.h"
#include "seclearn/core/path.h"

namespace seclearn {
namespace {

// A path from the workload, on one line.
std::string Escaped(std::string_view path) { return EscapeControl(path); }

// "read", "read, write", ... for the S_I*OTH bits wanted.
std::string Needed(mode_t bits) {
  std::string out;
  for (auto [bit, word] : {std::pair{S_IROTH, "read"}, {S_IWOTH, "write"}, {S_IXOTH, "execute"}})
    if (bits & bit) out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

}  // namespace

namespace {

// SetProbeRoot's directory: its descriptor and its own name on the host.
struct ProbeRoot {
  Fd fd;
  std::string path;
};
ProbeRoot& Root() {
  static ProbeRoot root;
  return root;
}

// `path` opened as the probes see it: inside the probe root (openat2 RESOLVE_IN_ROOT) when
// there is one, else on the host. An invalid Fd, errno set, if it is not there.
Fd OpenHere(std::string_view path, uint64_t flags) {
  if (!Root().fd.valid())
    return Fd(::open(std::string(path).c_str(), static_cast<int>(flags) | O_CLOEXEC));
  struct open_how how {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const std::string rel = std::string(".") + std::string(path);
  return Fd(static_cast<int>(::syscall(SYS_openat2, Root().fd.get(), rel.c_str(), &how,
                                       sizeof how)));
}

// The name of a descriptor OpenHere gave, as the probes see it: the kernel's own (symlinks
// resolved), less the probe root's directory.
std::optional<std::string> NameHere(int fd) {
  char buf[PATH_MAX];
  const std::string link = fmt::format("/proc/self/fd/{}", fd);
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  std::string host(buf, static_cast<size_t>(n));
  const std::string& root = Root().path;  // "" without a root: the host's name as it is
  if (!root.empty() && host == root) return std::string("/");
  if (!host.starts_with(root + "/")) return std::nullopt;
  return host.substr(root.size());
}

}  // namespace

Result<void> SetProbeRoot(const std::string& dir) {
  ProbeRoot& root = Root();
  if (dir.empty()) {
    root.fd = Fd();
    root.path.clear();
    return {};
  }
  char buf[PATH_MAX];
  if (::realpath(dir.c_str(), buf) == nullptr) return ErrnoError(fmt::format("root {}", dir));
  Fd fd(::open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(fmt::format("root {}", dir));
  root.fd = std::move(fd);
  root.path = std::string(buf) == "/" ? "" : buf;
  return {};
}

ResolvedPath ResolvePathOnHost(std::string_view raw) {
  ResolvedPath lex = NormalizePathLexically(raw);
  std::string p = lex.path;
  if (p.empty() || p[0] != '/') return lex;
  const bool trailing = p.size() > 1 && p.back() == '/';
  if (trailing) p.pop_back();

  if (p == "/proc" || p.starts_with("/proc/") || p.starts_with("/dev/fd/") ||
      p.starts_with("/dev/std")) {
    // Only the kind, from the same file of our own process.
    std::string probe = p;
    if (p.starts_with("/proc/")) {
      const size_t end = p.find('/', 6);
      const std::string_view first = std::string_view(p).substr(6, end - 6);
      if (!first.empty() &&
          std::all_of(first.begin(), first.end(), [](unsigned char c) { return std::isdigit(c); }))
        probe = "/proc/self" + (end == std::string::npos ? "" : p.substr(end));
    }
    struct stat st {};
    if (!p.starts_with("/dev/") && ::stat(probe.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return {p + "/", PathKind::kDirectory};
    return {trailing ? p + "/" : p, trailing ? PathKind::kDirectory : PathKind::kUnknown};
  }

  // Resolve the longest existing prefix; keep the rest as is. `resolve` names an existing
  // path as the kernel does (symlinks resolved, inside the probe root if there is one).
  using Found = std::pair<std::string, std::optional<mode_t>>;
  auto resolve = [](const std::string& head) -> std::optional<Found> {
    Fd fd = OpenHere(head, O_PATH);
    auto name = fd.valid() ? NameHere(fd.get()) : std::nullopt;
    if (!name) return std::nullopt;
    struct stat st {};
    return Found(std::move(*name),
                 ::fstat(fd.get(), &st) == 0 ? std::optional(st.st_mode) : std::nullopt);
  };
  std::string head = p, tail;
  for (;;) {
    if (auto found = resolve(head)) {
      std::string resolved = found->first;
      if (!tail.empty()) resolved += (resolved == "/" ? "" : "/") + tail.substr(1);
      PathKind kind = PathKind::kUnknown;
      if (tail.empty() && found->second)
        kind = S_ISDIR(*found->second) ? PathKind::kDirectory : PathKind::kFile;
      if (trailing) kind = PathKind::kDirectory;
      if (kind == PathKind::kDirectory && resolved != "/") resolved += '/';
      return {resolved, kind};
    }
    const size_t slash = head.rfind('/');
    if (slash == std::string::npos || head == "/") break;
    tail = head.substr(slash) + tail;
    head = slash == 0 ? "/" : head.substr(0, slash);
  }
  return lex;
}

PrivilegeOf BinaryPrivilege(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  if (st.st_mode & S_ISUID) return {Privilege::kSetuid, st.st_uid};
  if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)) return {Privilege::kSetgid, st.st_gid};
  if (::getxattr(path.c_str(), "security.capability", nullptr, 0) > 0)
    return {Privilege::kFileCapabilities, 0};
  return {};
}

std::vector<std::string> PrivilegedExecutablesOnHost(const std::vector<ExecutableFact>& exes) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : exes) {
    if (!seen.insert(e.path).second) continue;
    const PrivilegeOf p = BinaryPrivilege(e.path);
    switch (p.kind) {
      case Privilege::kSetuid:
        out.push_back(fmt::format("{} is setuid (owner uid {}) on this host", Escaped(e.path), p.id));
        break;
      case Privilege::kSetgid:
        out.push_back(fmt::format("{} is setgid (group gid {}) on this host", Escaped(e.path), p.id));
        break;
      case Privilege::kFileCapabilities:
        out.push_back(fmt::format("{} has file capabilities on this host", Escaped(e.path)));
        break;
      case Privilege::kNone:
        break;
    }
  }
  return out;
}

std::optional<std::string> NeedsRootOnHost(const FileAccessRecord& r) {
  std::string path = r.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path == "/proc" || path.starts_with("/proc/") || path.starts_with("/sys/") ||
      path.starts_with("/dev/pts/") || path.empty() || path[0] != '/')
    return std::nullopt;
  const auto other_lacks = [](const struct stat& st, mode_t bits) {
    return (st.st_mode & bits) != bits;
  };
  // Directories on the way must be searchable by others; the deepest existing one is the
  // parent that a create or delete changes.
  std::string existing = path;
  struct stat st {};
  bool found = ::stat(existing.c_str(), &st) == 0;
  while (!found && existing != "/") {
    const size_t slash = existing.rfind('/');
    existing = slash == 0 ? "/" : existing.substr(0, slash);
    found = ::stat(existing.c_str(), &st) == 0;
  }
  if (!found) return std::nullopt;
  for (size_t slash = existing.find('/', 1); slash != std::string::npos;
       slash = existing.find('/', slash + 1)) {
    const std::string dir = existing.substr(0, slash);
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) == 0 && other_lacks(ds, S_IXOTH))
      return fmt::format("{} is not searchable by other users", Escaped(dir));
  }
  const bool exists = existing == path;
  const bool changes_parent = (r.access & (kAccessCreate | kAccessDelete)) || !exists;
  if (exists) {
    mode_t need = 0;
    if (r.access & kAccessRead) need |= S_IROTH;
    if (r.access & (kAccessWrite | kAccessAppend)) need |= S_IWOTH;
    if (r.access & kAccessExec) need |= S_IXOTH;
    if (S_ISDIR(st.st_mode) && (r.access & kAccessRead)) need |= S_IXOTH;
    if (need != 0 && other_lacks(st, need) && st.st_uid != 65534)
      return fmt::format("{} {} (mode {:o}, owner uid {}) is not open to other users",
                         Needed(need), Escaped(path), st.st_mode & 07777, st.st_uid);
  }
  if (changes_parent && (r.access & kWritingAccess)) {
    std::string parent = exists ? path.substr(0, std::max<size_t>(path.rfind('/'), 1)) : existing;
    struct stat ps {};
    if (::stat(parent.c_str(), &ps) == 0 && other_lacks(ps, S_IWOTH | S_IXOTH) &&
        ps.st_uid != 65534)
      return fmt::format("creating or removing {} needs write access to {} (mode {:o})",
                         Escaped(path), Escaped(parent), ps.st_mode & 07777);
  }
  return std::nullopt;
}

namespace {

// Entries of `dir` (inside the probe root when there is one), or its subdirectories only.
std::optional<size_t> CountEntries(std::string_view dir, bool dirs_only) {
  Fd fd = OpenHere(dir, O_RDONLY | O_DIRECTORY);
  DIR* d = fd.valid() ? ::fdopendir(fd.get()) : nullptr;
  if (d == nullptr) return std::nullopt;
  fd.release();  // the DIR owns it now
  size_t n = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (dirs_only) {
      struct stat st {};
      const bool is_dir = e->d_type == DT_DIR ||
                          (e->d_type == DT_UNKNOWN &&
                           ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                           S_ISDIR(st.st_mode));
      if (!is_dir) continue;
    }
    ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace

std::optional<size_t> CountDirEntriesOnHost(std::string_view dir) {
  return CountEntries(dir, false);
}

std::optional<size_t> CountSubdirsOnHost(std::string_view dir) { return CountEntries(dir, true); }

std::string CgroupSetupHere() {
  constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) == 0 && static_cast<long>(fs.f_type) == kCgroup2Magic)
    return "v2";
  if (::statfs("/sys/fs/cgroup/unified", &fs) == 0 &&
      static_cast<long>(fs.f_type) == kCgroup2Magic)
    return "hybrid (v1 controllers; v2 at /sys/fs/cgroup/unified has none)";
  return "v1";
}

bool AppArmorEnabledHere() {
  auto enabled = ReadWholeFile("/sys/module/apparmor/parameters/enabled");
  return enabled && enabled->starts_with("Y");
}

}  // namespace seclearn

namespace seclearn {
namespace {

// PT_INTERP of the ELF file open on `fd`, or "".
std::string ElfInterpreter(int fd) {
  unsigned char ident[EI_NIDENT];
  if (::pread(fd, ident, sizeof ident, 0) != static_cast<ssize_t>(sizeof ident) ||
      std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    return "";
  auto interp = [&](uint64_t offset, uint64_t size) -> std::string {
    if (size == 0 || size > 4096) return "";
    std::string out(size, '\0');
    if (::pread(fd, out.data(), size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size))
      return "";
    out.resize(std::strlen(out.c_str()));
    return out;
  };
  auto scan = [&](auto ehdr, auto phdr) -> std::string {
    if (::pread(fd, &ehdr, sizeof ehdr, 0) != static_cast<ssize_t>(sizeof ehdr)) return "";
    if (ehdr.e_phentsize != sizeof phdr || ehdr.e_phnum > 4096) return "";
    for (unsigned i = 0; i < ehdr.e_phnum; ++i) {
      if (::pread(fd, &phdr, sizeof phdr, static_cast<off_t>(ehdr.e_phoff + i * sizeof phdr)) !=
          static_cast<ssize_t>(sizeof phdr))
        return "";
      if (phdr.p_type == PT_INTERP) return interp(phdr.p_offset, phdr.p_filesz);
    }
    return "";
  };
  if (ident[EI_CLASS] == ELFCLASS64) return scan(Elf64_Ehdr{}, Elf64_Phdr{});
  if (ident[EI_CLASS] == ELFCLASS32) return scan(Elf32_Ehdr{}, Elf32_Phdr{});
  return "";
}

}  // namespace

std::optional<uint32_t> FileModeOnHost(std::string_view path) {
  struct stat st {};
  Fd fd = OpenHere(path, O_PATH);
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  return st.st_mode;
}

std::vector<std::string> ExecInterpreterNamesOnHost(std::string_view path) {
  std::vector<std::string> out;
  std::string file(path);
  // A script's interpreter may be a script in turn (binfmt_script allows a few levels).
  for (int depth = 0; depth < 4; ++depth) {
    Fd fd = OpenHere(file, O_RDONLY);
    if (!fd.valid()) break;
    char head[256] = {};
    const ssize_t n = ::pread(fd.get(), head, sizeof head - 1, 0);
    if (n >= 2 && head[0] == '#' && head[1] == '!') {
      std::string_view line(head + 2, static_cast<size_t>(n - 2));
      line = line.substr(0, line.find('\n'));
      const size_t start = line.find_first_not_of(" \t");
      if (start == std::string_view::npos) break;
      line.remove_prefix(start);
      line = line.substr(0, line.find_first_of(" \t"));
      if (line.empty() || line[0] != '/') break;
      out.emplace_back(line);
      file = ResolvePathOnHost(line).path;
      continue;
    }
    const std::string interp = ElfInterpreter(fd.get());
    if (!interp.empty() && interp[0] == '/') out.push_back(interp);
    break;
  }
  return out;
}

std::vector<std::string> ExecInterpretersOnHost(std::string_view path) {
  std::vector<std::string> out;
  for (const auto& name : ExecInterpreterNamesOnHost(path))
    out.push_back(ResolvePathOnHost(name).path);
  return out;
}

}  // namespace seclearn
