#include "remote.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "seclearn/core/arch.h"
#include "seclearn/core/capability.h"

namespace seclearn {
namespace {

// The largest sockaddr worth reading (sizeof(struct sockaddr_storage)).
constexpr size_t kMaxSockaddr = 128;

FileStat FromStat(const struct stat& st) {
  FileStat out;
  out.known = true;
  out.mode = st.st_mode;
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  return out;
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {};
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The file mapped at `addr` in task `tid`, from /proc/TID/maps ("" for anonymous memory).
std::string MappedFile(pid_t tid, uint64_t addr) {
  const auto maps = ReadProcMaps(tid, /*exec_only=*/false);
  const ProcMapping* m = FindProcMapping(maps, addr);
  return m != nullptr && m->path.starts_with("/") ? m->path : std::string();
}

bool IsLockCommand(uint64_t cmd) {
  // F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW, and fcntl64's F_SETLK64/F_SETLKW64.
  switch (static_cast<int>(cmd)) {
    case 6:
    case 7:
    case 13:
    case 14:
    case 37:
    case 38:
      return true;
    default:
      return false;
  }
}

// The flags a call's meaning depends on (syscall_table.h).
uint64_t CallFlags(const SyscallInfo& si, const SyscallEvent& ev) {
  return CallFlags(si, ev.args.data(), ev.openat2_flags);
}

}  // namespace

Result<void> CheckResolverFeatures() {
  // Invalid arguments: EBADF where the call exists, ENOSYS where it does not.
  if (::syscall(SYS_pidfd_open, -1, 0) < 0 && errno == ENOSYS)
    return Error{ErrorDomain::kErrno, ENOSYS, "this kernel lacks pidfd_open (Linux 5.3+)"};
  if (::syscall(SYS_pidfd_getfd, -1, -1, 0) < 0 && errno == ENOSYS)
    return Error{ErrorDomain::kErrno, ENOSYS,
                 "this kernel lacks pidfd_getfd (Linux 5.6+), which file and network learning "
                 "reads sockets with"};
  return {};
}

std::string ResolveAgainst(std::string_view root, std::string_view base, std::string_view path) {
  const bool chrooted = !root.empty() && root != "/";
  auto under_root = [&](std::string_view inside) {
    std::string n = NormalizePath(inside);
    if (!chrooted) return n;
    return n == "/" ? std::string(root) : std::string(root) + n;
  };
  if (!path.empty() && path[0] == '/') return under_root(path);
  if (base.empty() || base[0] != '/') {
    // Not a directory path (socket:[N], anon_inode:...): the call fails with ENOTDIR; keep
    // what it named.
    return std::string(base) + "/" + std::string(path);
  }
  std::string_view inside = base;
  if (chrooted) {
    if (base == root) {
      inside = "/";
    } else if (base.starts_with(root) && base[root.size()] == '/') {
      inside = base.substr(root.size());
    } else {
      // The directory is outside the task's root (a descriptor opened before chroot): the
      // kernel follows it there.
      return NormalizePath(std::string(base) + "/" + std::string(path));
    }
  }
  return under_root(std::string(inside) + "/" + std::string(path));
}

const std::string& Resolver::Cwd(pid_t tgid, pid_t tid) {
  Proc& p = ProcOf(tgid);
  if (p.cwd.empty()) p.cwd = ProcLink(tid, "cwd");
  return p.cwd;
}

const std::string& Resolver::Root(pid_t tgid, pid_t tid) {
  Proc& p = ProcOf(tgid);
  if (p.root.empty()) p.root = ProcLink(tid, "root");
  return p.root;
}

std::string Resolver::FdPath(pid_t tgid, pid_t tid, int fd) {
  if (fd < 0) return {};
  Proc& p = ProcOf(tgid);
  if (auto it = p.fd_paths.find(fd); it != p.fd_paths.end()) return it->second;
  char what[32];
  std::snprintf(what, sizeof what, "fd/%d", fd);
  std::string out = ProcLink(tid, what);
  if (out.empty()) return out;
  if (p.fd_paths.size() >= kMaxCachedFds) p.fd_paths.clear();
  p.fd_paths.emplace(fd, out);
  return out;
}

std::string Resolver::Absolute(pid_t tgid, pid_t tid, int dirfd, std::string_view path) {
  std::string root = Root(tgid, tid);
  if (root.empty()) root = "/";
  if (!path.empty() && path[0] == '/') return ResolveAgainst(root, root, path);
  const std::string base = dirfd == AT_FDCWD ? Cwd(tgid, tid) : FdPath(tgid, tid, dirfd);
  if (base.empty()) return std::string(path);  // the task is gone: keep what it asked
  return ResolveAgainst(root, base, path);
}

const TaskCreds& Resolver::Creds(pid_t tid) {
  auto it = creds_.find(tid);
  if (it == creds_.end() || !it->second.known)
    it = creds_.insert_or_assign(tid, ReadTaskCreds(tid)).first;
  return it->second;
}

void Resolver::ResolveSocket(const SyscallInfo& si, SyscallEvent& ev, bool local_address) {
  const int fd = static_cast<int32_t>(ev.args[si.fd_arg]);
  if (fd < 0) return;
  Proc& p = ProcOf(ev.pid);
  if (!p.pidfd.valid()) p.pidfd.Reset(static_cast<int>(::syscall(SYS_pidfd_open, ev.pid, 0)));
  if (!p.pidfd.valid()) return;
  // A copy of the workload's descriptor (pidfd_getfd, 5.6+) answers for the socket whatever
  // happened to it before: dup, fork, SCM_RIGHTS, inheritance across exec. An fd table built
  // from socket() results would miss all of those.
  Fd sock(static_cast<int>(::syscall(SYS_pidfd_getfd, p.pidfd.get(), fd, 0)));
  if (!sock.valid()) return;
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_DOMAIN, &value, &len) != 0) return;  // ENOTSOCK
  ev.socket.family = value;
  len = sizeof value;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_TYPE, &value, &len) == 0) ev.socket.type = value;
  len = sizeof value;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_PROTOCOL, &value, &len) == 0)
    ev.socket.protocol = value;
  ev.socket.known = true;
  if (local_address) {
    struct sockaddr_storage ss {};
    socklen_t ss_len = sizeof ss;
    if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&ss), &ss_len) == 0)
      ev.sockaddr.assign(reinterpret_cast<const char*>(&ss), std::min<size_t>(ss_len, sizeof ss));
  }
}

void Resolver::Resolve(const SyscallInfo& si, SyscallEvent& ev) {
  ev.resolved = true;
  ev.abs_path.clear();
  ev.abs_path2.clear();
  ev.sockaddr.clear();
  ev.socket = {};
  ev.openat2_flags = 0;
  ev.stat1 = ev.parent1 = ev.stat2 = ev.parent2 = {};
  ev.target_creds = {};
  const pid_t tid = ev.tid;
  const pid_t tgid = ev.pid;

  const uint64_t flags = si.flags_arg >= 0 ? ev.args[si.flags_arg] : 0;
  const bool empty_path_is_fd = !(si.classes & kOpen) && (flags & AT_EMPTY_PATH);
  const int8_t path_idx[2] = {si.path_args.first, si.path_args.second};
  const int8_t dirfd_idx[2] = {si.dirfd_args.first, si.dirfd_args.second};
  const uint32_t access[2] = {si.access.first, si.access.second};
  for (int i = 0; i < 2; ++i) {
    if (path_idx[i] < 0 || (access[i] == 0 && !(si.classes & kOpen))) continue;
    const std::string& raw = i == 0 ? ev.path : ev.path2;
    std::string& abs = i == 0 ? ev.abs_path : ev.abs_path2;
    const int dirfd = dirfd_idx[i] >= 0 ? static_cast<int32_t>(ev.args[dirfd_idx[i]]) : AT_FDCWD;
    if (!raw.empty()) {
      abs = Absolute(tgid, tid, dirfd, raw);
    } else if (access[i] != kAccessStat &&
               (empty_path_is_fd ||
                (ev.args[path_idx[i]] == 0 && si.kind == SyscallKind::kTimesAt))) {
      // The call works on the descriptor itself (fexecve, fchownat AT_EMPTY_PATH,
      // futimens); fstat through newfstatat AT_EMPTY_PATH is not a path access.
      abs = FdPath(tgid, tid, dirfd);
    }
  }

  if (si.kind == SyscallKind::kOpenHow) {
    uint64_t how_flags = 0;  // struct open_how starts with its u64 flags
    if (ReadTaskMemory(tid, ev.args[2], &how_flags, sizeof how_flags)) ev.openat2_flags = how_flags;
  }

  if (si.fd_arg >= 0) {
    const int fd = static_cast<int32_t>(ev.args[si.fd_arg]);
    if (si.classes & kNetwork) {
      const bool is_sendto = si.kind == SyscallKind::kSendTo;
      const bool local = si.kind == SyscallKind::kSocketLocal;
      const int addr_arg = si.sockaddr_arg;
      if (addr_arg >= 0) {
        const uint64_t addr = ev.args[addr_arg];
        const size_t len =
            std::min<size_t>(static_cast<uint32_t>(ev.args[addr_arg + 1]), kMaxSockaddr);
        if (addr != 0 && len >= sizeof(sa_family_t)) {
          char buf[kMaxSockaddr];
          // A short read (the tail of the buffer unmapped) still holds what the kernel will
          // look at up to `len`.
          size_t got = len;
          while (got > 0 && !ReadTaskMemory(tid, addr, buf, got)) got /= 2;
          ev.sockaddr.assign(buf, got);
        }
      }
      // sendto without an address, on a connected socket: nothing new to learn.
      if (!is_sendto || !ev.sockaddr.empty()) ResolveSocket(si, ev, local);
      if (ev.sockaddr.size() > offsetof(sockaddr_un, sun_path) && !local) {
        sa_family_t family = 0;
        std::memcpy(&family, ev.sockaddr.data(), sizeof family);
        const char* sun_path = ev.sockaddr.data() + offsetof(sockaddr_un, sun_path);
        const size_t max = ev.sockaddr.size() - offsetof(sockaddr_un, sun_path);
        if (family == AF_UNIX && sun_path[0] != '\0') {
          // A path socket: a file the call creates (bind) or writes to (connect).
          ev.path.assign(sun_path, strnlen(sun_path, max));
          ev.abs_path = Absolute(tgid, tid, AT_FDCWD, ev.path);
        }
      }
    } else if (si.kind == SyscallKind::kMapExec) {
      const uint64_t prot = ev.args[2];
      const uint64_t mflags = ev.args[3];
      if ((prot & PROT_EXEC) && !(mflags & MAP_ANONYMOUS) && fd >= 0)
        ev.abs_path = FdPath(tgid, tid, fd);
    } else if (si.kind == SyscallKind::kLockCommand) {
      if (IsLockCommand(ev.args[1])) ev.abs_path = FdPath(tgid, tid, fd);
    } else if (si.kind == SyscallKind::kLock) {
      if ((ev.args[1] & ~static_cast<uint64_t>(LOCK_NB)) != LOCK_UN)
        ev.abs_path = FdPath(tgid, tid, fd);
    } else if (si.kind == SyscallKind::kChdirFd) {
      ev.abs_path = FdPath(tgid, tid, fd);
    }
  } else if (si.kind == SyscallKind::kProtectExec && (ev.args[2] & PROT_EXEC)) {
    ev.abs_path = MappedFile(tid, ev.args[0]);
  }

  ev.creds = Creds(tid);
  if (MayChangeFiles(si, CallFlags(si, ev))) ++generation_;
  // The change happens when the call runs: the next call of this task reads them again.
  if (si.classes & kChangesFs) {
    Proc& p = ProcOf(tgid);
    p.cwd.clear();
    p.root.clear();
    p.same_mnt = -1;
    p.root_fd.Reset();
  }
  if (si.classes & kSetId) creds_.erase(tid);
}

// Paths stay as the task named them ("/proc/self/exe" is more use in a profile than
// "/proc/1234/exe"), but stat'ing them here must look at the task's /proc entries, not ours.
std::string ForStat(const SyscallEvent& ev, const std::string& path) {
  if (!path.starts_with("/proc/")) return path;
  auto replace = [&](std::string_view prefix,
                     const std::string& with) -> std::optional<std::string> {
    if (path == prefix) return with;
    if (path.starts_with(prefix) && path[prefix.size()] == '/')
      return with + path.substr(prefix.size());
    return std::nullopt;
  };
  if (auto p = replace("/proc/self", fmt::format("/proc/{}", ev.pid))) return *p;
  if (auto p = replace("/proc/thread-self", fmt::format("/proc/{}/task/{}", ev.pid, ev.tid)))
    return *p;
  return path;
}

bool Resolver::SameView(const SyscallEvent& ev) {
  if (!self_.known) self_ = ReadTaskCreds(static_cast<pid_t>(::syscall(SYS_gettid)));
  const bool same_mnt = SameMounts(ev);
  const TaskCreds& c = ev.creds;
  return self_.known && c.known && same_mnt && c.fsuid == self_.fsuid &&
         c.fsgid == self_.fsgid && c.groups == self_.groups &&
         (c.cap_eff & kDacCapabilities) == (self_.cap_eff & kDacCapabilities);
}

bool Resolver::SameMounts(const SyscallEvent& ev) {
  if (self_mnt_.empty()) self_mnt_ = ProcLink(::getpid(), "ns/mnt");
  Proc& p = ProcOf(ev.pid);
  if (p.same_mnt < 0) {
    const std::string mnt = ProcLink(ev.tid, "ns/mnt");
    p.same_mnt = !mnt.empty() && mnt == self_mnt_;
  }
  return p.same_mnt == 1;
}

FileStat Resolver::StatInView(const SyscallEvent& ev, const std::string& path, bool nofollow,
                              bool or_link) {
  FileStat out;
  if (path.empty() || path[0] != '/') return out;
  struct stat st {};
  // /proc/self and /proc/thread-self were rewritten to the task's pid in our /proc (ForStat):
  // a container's own procfs would not know that pid.
  const bool own_proc = path.starts_with("/proc/");
  if (own_proc || SameMounts(ev)) {
    int rc = nofollow ? ::lstat(path.c_str(), &st) : ::stat(path.c_str(), &st);
    if (rc != 0 && !nofollow && or_link) rc = ::lstat(path.c_str(), &st);
    if (rc != 0) {
      out.err = errno;
      return out;
    }
    return FromStat(st);
  }
  Proc& p = ProcOf(ev.pid);
  if (!p.root_fd.valid()) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/%d/root", static_cast<int>(ev.tid));
    p.root_fd.Reset(::open(link, O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!p.root_fd.valid()) {
      out.err = errno;
      return out;
    }
  }
  // RESOLVE_IN_ROOT: "/" and ".." stop at the task's root and absolute symlinks resolve in
  // it, as for the task; no magic links (/proc/N/fd/M of the container's procfs).
  auto open_in_root = [&](bool no_follow) {
    struct open_how how {};
    how.flags = O_PATH | O_CLOEXEC | (no_follow ? O_NOFOLLOW : 0);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return Fd(static_cast<int>(
        ::syscall(SYS_openat2, p.root_fd.get(), path.c_str(), &how, sizeof how)));
  };
  Fd f = open_in_root(nofollow);
  if (!f.valid() && !nofollow && or_link) f = open_in_root(true);
  if (!f.valid() || ::fstat(f.get(), &st) != 0) {
    out.err = errno;
    return out;
  }
  return FromStat(st);
}

SyscallNeeds Resolver::Complete(const SyscallInfo& si, SyscallNeeds needs, SyscallEvent& ev,
                                EventSink& sink) {
  bool stat1_done = false;
  if ((needs.stat & SyscallNeeds::kStatOutcome) && !ev.abs_path.empty() && ev.abs_path[0] == '/') {
    const bool open = si.classes & kOpen;
    // mkdir, mknod: the name must not exist, a dangling symlink included.
    const bool create_only = CreatesOnly(si);
    const uint64_t flags = CallFlags(si, ev);
    const bool nofollow =
        create_only || si.kind == SyscallKind::kStatNoFollow ||
        (open ? (flags & O_NOFOLLOW) != 0 : si.flags_arg >= 0 && (flags & AT_SYMLINK_NOFOLLOW));
    const std::string path = ForStat(ev, ev.abs_path);
    FileStat& out = ev.stat1;
    const pid_t view = SameMounts(ev) ? 0 : ev.pid;
    if (last_stat_.generation == generation_ && last_stat_.nofollow == nofollow &&
        ev.time_ns - last_stat_.time_ns < kLastStatTtlNs && last_stat_.view == view &&
        last_stat_.path == path) {
      out = last_stat_.st;
    } else {
      out = StatInView(ev, path, nofollow, /*or_link=*/false);
      last_stat_ = LastStat{view, path, nofollow, generation_, ev.time_ns, out};
    }
    stat1_done = true;
    out.same_view = SameView(ev);
    const Prediction p = sink.Predict(ev);
    out.predicts = p != Prediction::kNone;
    if (p == Prediction::kOutcomeNoResult) needs.result = false;
  }
  if (needs.stat & (SyscallNeeds::kStatPath | SyscallNeeds::kStatParent)) {
    const std::string path = ForStat(ev, ev.abs_path);
    if ((needs.stat & SyscallNeeds::kStatPath) && !stat1_done)
      ev.stat1 = StatInView(ev, path, false, /*or_link=*/true);
    if (needs.stat & SyscallNeeds::kStatParent)
      ev.parent1 = StatInView(ev, Dirname(path), false, /*or_link=*/true);
  }
  if (needs.stat & (SyscallNeeds::kStatPath2 | SyscallNeeds::kStatParent2)) {
    const std::string path = ForStat(ev, ev.abs_path2);
    if (needs.stat & SyscallNeeds::kStatPath2)
      ev.stat2 = StatInView(ev, path, false, /*or_link=*/true);
    if (needs.stat & SyscallNeeds::kStatParent2)
      ev.parent2 = StatInView(ev, Dirname(path), false, /*or_link=*/true);
  }
  if (needs.target_pid > 0) ev.target_creds = ReadTaskCreds(needs.target_pid);
  return needs;
}

void Resolver::OnExec(pid_t tgid, pid_t former_tid) {
  // A set-user-ID binary or file capabilities may have changed the credentials.
  creds_.erase(tgid);
  creds_.erase(former_tid);
  // O_CLOEXEC descriptors are gone; the others keep their files, but knowing which is which
  // would take a read per descriptor.
  ProcOf(tgid).fd_paths.clear();
}

Resolver::DescriptorCalls Resolver::MakeDescriptorCalls(uint32_t arch) {
  DescriptorCalls d;
  d.arch = arch;
  auto nr = [&](std::string_view name) { return SyscallNumber(arch, name).value_or(-1); };
  d.close = nr("close");
  d.close_range = nr("close_range");
  d.dup2 = nr("dup2");
  d.dup3 = nr("dup3");
  for (std::string_view name : {"rename", "renameat", "renameat2", "rmdir", "mount", "umount2",
                                "umount", "pivot_root", "move_mount"})
    if (const int32_t n = nr(name); n >= 0) d.moves.push_back(n);
  for (std::string_view name : {"fchmod", "fchown", "fchown32"})
    if (const int32_t n = nr(name); n >= 0) d.metadata.push_back(n);
  return d;
}

const Resolver::DescriptorCalls& Resolver::CallsOf(uint32_t arch) {
  if (!descriptor_calls_.empty() && descriptor_calls_.back().arch == arch)
    return descriptor_calls_.back();
  for (const auto& d : descriptor_calls_)
    if (d.arch == arch) return d;
  return descriptor_calls_.emplace_back(MakeDescriptorCalls(arch));
}

bool Resolver::Observes(uint32_t arch, int32_t nr) {
  const DescriptorCalls d = MakeDescriptorCalls(arch);
  auto in = [nr](const std::vector<int32_t>& v) {
    return std::find(v.begin(), v.end(), nr) != v.end();
  };
  return nr == d.close || nr == d.close_range || nr == d.dup2 || nr == d.dup3 || in(d.moves) ||
         in(d.metadata);
}

void Resolver::Observe(const SyscallEvent& ev) {
  const DescriptorCalls& d = CallsOf(ev.arch);
  if (ev.nr == d.close || ev.nr == d.dup2 || ev.nr == d.dup3) {
    auto it = procs_.find(ev.pid);
    if (it == procs_.end()) return;
    const int fd = static_cast<int32_t>(ev.args[ev.nr == d.close ? 0 : 1]);
    it->second.fd_paths.erase(fd);
  } else if (ev.nr == d.close_range) {
    if (auto it = procs_.find(ev.pid); it != procs_.end()) it->second.fd_paths.clear();
  } else if (std::find(d.moves.begin(), d.moves.end(), ev.nr) != d.moves.end()) {
    // A directory may have moved (or gone) under an open descriptor: its name is no longer
    // the one we read.
    for (auto& [tgid, p] : procs_) p.fd_paths.clear();
  } else if (std::find(d.metadata.begin(), d.metadata.end(), ev.nr) != d.metadata.end()) {
    ++generation_;
  }
}

void Resolver::OnExit(pid_t tid, pid_t tgid) {
  creds_.erase(tid);
  if (tid == tgid) procs_.erase(tgid);
}

}  // namespace seclearn
