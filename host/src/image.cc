// BuildMinimalImage: each path resolved inside the rootfs one component at a time (every
// symlink on the way read and kept, never followed by the host's own lookup), then the kept
// entries read and written as a tar.
#include "seclearn/host/image.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "seclearn/core/escape.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/path.h"
#include "seclearn/core/sha256.h"
#include "seclearn/core/tar.h"

namespace seclearn {
namespace {

// Mounted by every runtime (and Docker's files in /etc): the image's own are never seen.
constexpr std::string_view kRuntimeMounts[] = {"/proc", "/sys", "/dev", "/etc/hostname",
                                               "/etc/hosts", "/etc/resolv.conf"};
constexpr int kMaxLinks = 40;  // as the kernel's MAXSYMLINKS

std::vector<std::string> Split(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    const size_t j = p.find('/', i);
    const std::string_view c = p.substr(i, j == std::string_view::npos ? j : j - i);
    if (!c.empty() && c != ".") out.emplace_back(c);
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

std::string Parent(const std::string& p) {
  const size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "" : p.substr(0, slash);
}

class Collector {
 public:
  Collector(int root, const ImageRequest& req) : root_(root), req_(req) {}

  // Keeps what resolving PATH inside the rootfs touches; returns the real path it names
  // ("" for the root, nullopt if it is not there or is mounted over).
  std::optional<std::string> Resolve(std::string_view path, std::string_view asked) {
    std::vector<std::string> comps = Split(path);
    std::string cur;  // "" is the root
    size_t i = 0;
    int links = 0;
    while (i < comps.size()) {
      const std::string comp = comps[i];
      if (comp == "..") {
        cur = Parent(cur);
        ++i;
        continue;
      }
      const std::string next = cur + "/" + comp;
      if (const Mount m = MountOf(next); m != Mount::kNone) {
        if (m == Mount::kVolume) left_out_.insert(std::string(asked));
        return std::nullopt;
      }
      struct stat st {};
      if (::fstatat(root_, next.c_str() + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
      if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        const ssize_t n = ::readlinkat(root_, next.c_str() + 1, buf, sizeof buf);
        if (n <= 0 || static_cast<size_t>(n) >= sizeof buf || ++links > kMaxLinks)
          return std::nullopt;
        const std::string target(buf, static_cast<size_t>(n));
        Keep(next, st, 'l', target);
        std::vector<std::string> rest = Split(target);
        rest.insert(rest.end(), comps.begin() + static_cast<long>(i) + 1, comps.end());
        comps = std::move(rest);
        if (target[0] == '/') cur.clear();
        i = 0;
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        Keep(next, st, 'd', "");
        cur = next;
        ++i;
        continue;
      }
      if (i + 1 != comps.size()) return std::nullopt;  // ENOTDIR
      if (S_ISREG(st.st_mode)) Keep(next, st, 'f', "");
      return next;
    }
    return cur;
  }

  // The entries of a directory the workload read, each resolved (a subdirectory as itself).
  void List(const std::string& dir) {
    Fd fd(::openat(root_, dir.empty() ? "." : dir.c_str() + 1,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return;
    DIR* d = ::fdopendir(fd.release());
    if (d == nullptr) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      const std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(d);
    for (const auto& n : names) Resolve(dir + "/" + n, dir + "/" + n);
  }

  Result<MinimalImage> Finish() {
    MinimalImage img;
    TarWriter tar;
    for (auto& [path, e] : entries_) {
      TarMeta meta{.mode = e.mode & 07777, .uid = e.uid, .gid = e.gid, .mtime = e.mtime};
      const std::string name = path.substr(1);
      if (e.kind == 'd') {
        tar.Directory(name, meta);
      } else if (e.kind == 'l') {
        tar.Symlink(name, e.target, meta);
      } else {
        Fd fd(::openat(root_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd.valid())
          return ErrnoError(fmt::format("{}{}", req_.rootfs, EscapeNonPrintable(path, " ")));
        std::string content;
        char buf[65536];
        ssize_t n;
        while ((n = ::read(fd.get(), buf, sizeof buf)) > 0)
          content.append(buf, static_cast<size_t>(n));
        if (n < 0)
          return ErrnoError(fmt::format("{}{}", req_.rootfs, EscapeNonPrintable(path, " ")));
        e.size = content.size();
        e.sha256 = Sha256Hex(content);
        img.bytes += e.size;
        tar.File(name, content, meta);
      }
      img.manifest += fmt::format("{} {:04o} {}:{} {} {} {}\n", e.kind, e.mode & 07777, e.uid,
                                  e.gid, e.size,
                                  e.kind == 'l' ? "-> " + EscapeNonPrintable(e.target, " ")
                                                : (e.kind == 'f' ? e.sha256 : "-"),
                                  EscapeNonPrintable(path, " "));
      img.entries.push_back(e);
    }
    img.tar = tar.Finish();
    img.left_out.assign(left_out_.begin(), left_out_.end());
    return img;
  }

 private:
  enum class Mount { kNone, kRuntime, kVolume };
  // What is mounted at P at run time: beneath /proc, /sys and /dev, Docker's files in /etc
  // themselves, or a volume.
  Mount MountOf(const std::string& p) const {
    for (auto m : kRuntimeMounts) {
      if (m.starts_with("/etc") ? p == m : (PathIsBeneath(p, m) && p != m))
        return Mount::kRuntime;
    }
    for (const auto& m : req_.excluded)
      if (PathIsBeneath(p, m)) return Mount::kVolume;
    return Mount::kNone;
  }

  void Keep(const std::string& path, const struct stat& st, char kind, const std::string& target) {
    if (entries_.contains(path)) return;
    ImageEntry e;
    e.kind = kind;
    e.path = path;
    e.mode = st.st_mode;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.mtime = st.st_mtime;
    e.target = target;
    entries_[path] = std::move(e);
  }

  int root_;
  const ImageRequest& req_;
  std::map<std::string, ImageEntry> entries_;
  std::set<std::string> left_out_;
};

uint64_t g_tree_bytes = 0;
int AddSize(const char*, const struct stat* st, int type, FTW*) {
  if (type == FTW_F && S_ISREG(st->st_mode)) g_tree_bytes += static_cast<uint64_t>(st->st_size);
  return 0;
}

}  // namespace

Result<MinimalImage> BuildMinimalImage(const ImageRequest& request) {
  Fd root(::open(request.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoError(fmt::format("rootfs {}", request.rootfs));
  Collector c(root.get(), request);
  // The mount points every runtime needs, and what the workload used.
  for (std::string_view m : {"/proc", "/sys", "/dev"}) c.Resolve(m, m);
  for (const auto& p : request.paths) c.Resolve(p, p);
  for (const auto& cmd : request.commands) {
    if (cmd.find('/') != std::string::npos) {
      c.Resolve(cmd, cmd);
      continue;
    }
    for (std::string_view dir : {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
                                 "/sbin", "/bin"}) {
      const std::string path = std::string(dir) + "/" + cmd;
      Collector probe(root.get(), request);
      auto real = probe.Resolve(path, path);
      struct stat st {};
      if (!real || real->empty() || ::fstatat(root.get(), real->c_str() + 1, &st, 0) != 0 ||
          !S_ISREG(st.st_mode))
        continue;
      c.Resolve(path, path);
      break;
    }
  }
  for (const auto& d : request.listed) {
    struct stat st {};
    auto real = c.Resolve(d, d);
    if (!real) continue;
    if (::fstatat(root.get(), real->empty() ? "." : real->c_str() + 1, &st,
                  AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
      c.List(*real);
  }
  auto img = c.Finish();
  if (!img) return img;
  g_tree_bytes = 0;
  ::nftw(request.rootfs.c_str(), AddSize, 32, FTW_PHYS);
  img->rootfs_bytes = g_tree_bytes;
  return img;
}

}  // namespace seclearn
