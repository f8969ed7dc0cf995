#include "capability_rules.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace seclearn {
namespace {

// Argument i, or 0 for an index the table does not give (KeyArg's -1).
uint64_t ArgAt(const RuleContext& ctx, int i) { return i >= 0 && i < 6 ? ctx.ev.args[i] : 0; }
int32_t Arg32(const RuleContext& ctx, int i) { return static_cast<int32_t>(ArgAt(ctx, i)); }

std::string Owner(const FileStat& st) {
  return fmt::format("mode {:04o} owner {}:{}", st.mode & 07777, st.uid, st.gid);
}

constexpr uint32_t kReadBits = kAccessRead;
constexpr uint32_t kWriteBits = kAccessWrite | kAccessAppend;

// ---------------------------------------------------------------------------------------------
// Files

// open of an existing file the mode bits do not grant, or a new one in a directory they do
// not let us write.
struct OpenDac {
  bool known = false;
  bool denied = false;
  bool read_only = false;
  std::string what;
};

OpenDac CheckOpen(const RuleContext& ctx, bool describe) {
  OpenDac r;
  const uint32_t acc = ctx.access1;
  const uint32_t mask = ((acc & kReadBits) ? 4u : 0u) | ((acc & kWriteBits) ? 2u : 0u);
  r.read_only = mask == 4;
  const TaskCreds& c = ctx.ev.creds;
  if (!c.known) return r;
  if (ctx.ev.stat1.known) {
    r.known = true;
    r.denied = mask != 0 && !ModeAllows(ctx.ev.stat1, c, mask);
    if (describe)
      r.what = fmt::format("open {} for {} ({})", ctx.ev.abs_path,
                           mask == 4 ? "read" : (mask == 2 ? "write" : "read-write"),
                           Owner(ctx.ev.stat1));
  } else if ((acc & kAccessCreate) && ctx.ev.parent1.known) {
    r.known = true;
    r.read_only = false;
    r.denied = !ModeAllows(ctx.ev.parent1, c, 3);
    if (describe)
      r.what = fmt::format("create {} (directory {})", ctx.ev.abs_path, Owner(ctx.ev.parent1));
  }
  return r;
}

Verdict OpenReadSearch(const RuleContext& ctx, std::string* evidence) {
  const OpenDac r = CheckOpen(ctx, evidence != nullptr);
  if (evidence) *evidence = r.known ? r.what : fmt::format("open {} for read", ctx.ev.abs_path);
  if (!r.known) return r.read_only ? Verdict::kUnknown : Verdict::kNotNeeded;
  return r.denied && r.read_only ? Verdict::kNeeded : Verdict::kNotNeeded;
}

Verdict OpenOverride(const RuleContext& ctx, std::string* evidence) {
  const OpenDac r = CheckOpen(ctx, evidence != nullptr);
  if (evidence) *evidence = r.known ? r.what : fmt::format("open {}", ctx.ev.abs_path);
  if (!r.known) return Verdict::kUnknown;
  // For a plain read the kernel tries CAP_DAC_READ_SEARCH first.
  if (r.read_only && HoldsCapability(ctx.ev.creds, CAP_DAC_READ_SEARCH)) return Verdict::kNotNeeded;
  return r.denied ? Verdict::kNeeded : Verdict::kNotNeeded;
}

Verdict ExecOverride(const RuleContext& ctx, std::string* evidence) {
  const FileStat& st = ctx.ev.stat1;
  if (evidence) {
    *evidence = st.known ? fmt::format("execute {} ({})", ctx.ev.abs_path, Owner(st))
                         : fmt::format("execute {}", ctx.ev.abs_path);
  }
  if (!st.known || !ctx.ev.creds.known) return Verdict::kUnknown;
  // Execute permission is overridable only when at least one execute bit is set.
  if (!S_ISREG(st.mode) || !(st.mode & 0111)) return Verdict::kNotNeeded;
  return ModeAllows(st, ctx.ev.creds, 1) ? Verdict::kNotNeeded : Verdict::kNeeded;
}

// Creating, deleting or renaming an entry writes its directory.
Verdict DirectoryOverride(const RuleContext& ctx, std::string* evidence) {
  const uint32_t acc[2] = {ctx.access1, ctx.access2};
  const FileStat* parent[2] = {&ctx.ev.parent1, &ctx.ev.parent2};
  const std::string* path[2] = {&ctx.ev.abs_path, &ctx.ev.abs_path2};
  Verdict verdict = Verdict::kNotNeeded;
  for (int i = 0; i < 2; ++i) {
    if (!(acc[i] & (kAccessCreate | kAccessDelete)) || path[i]->empty()) continue;
    const char* what = (acc[i] & kAccessDelete) ? "remove" : "create";
    if (!parent[i]->known || !ctx.ev.creds.known) {
      if (evidence && verdict == Verdict::kNotNeeded)
        *evidence = fmt::format("{} {}", what, *path[i]);
      verdict = Verdict::kUnknown;
      continue;
    }
    if (!ModeAllows(*parent[i], ctx.ev.creds, 3)) {
      if (evidence)
        *evidence = fmt::format("{} {} (directory {})", what, *path[i], Owner(*parent[i]));
      return Verdict::kNeeded;
    }
  }
  return verdict;
}

// Deleting another user's file from a sticky directory (/tmp) that is not ours either.
Verdict StickyFowner(const RuleContext& ctx, std::string* evidence) {
  if (evidence) *evidence = fmt::format("remove {} from a sticky directory", ctx.ev.abs_path);
  const FileStat& dir = ctx.ev.parent1;
  const FileStat& file = ctx.ev.stat1;
  if (!(ctx.access1 & kAccessDelete)) return Verdict::kNotNeeded;
  if (!dir.known || !file.known || !ctx.ev.creds.known) return Verdict::kUnknown;
  if (!(dir.mode & S_ISVTX)) return Verdict::kNotNeeded;
  const uint32_t fsuid = ctx.ev.creds.fsuid;
  if (fsuid == dir.uid || fsuid == file.uid) return Verdict::kNotNeeded;
  if (evidence) {
    *evidence = fmt::format("remove {} (owner {}) from sticky directory owned by {}",
                            ctx.ev.abs_path, file.uid, dir.uid);
  }
  return Verdict::kNeeded;
}

Verdict ChownCheck(const RuleContext& ctx, std::string* evidence) {
  const int32_t uid = Arg32(ctx, KeyArg(ctx.si, 0));
  const int32_t gid = Arg32(ctx, KeyArg(ctx.si, 1));
  if (evidence) {
    *evidence =
        fmt::format("chown {} to {}:{}", ctx.ev.abs_path, uid == -1 ? "-" : std::to_string(uid),
                    gid == -1 ? "-" : std::to_string(gid));
  }
  const TaskCreds& c = ctx.ev.creds;
  const FileStat& st = ctx.ev.stat1;
  if (!c.known) return Verdict::kUnknown;
  if (uid != -1 && static_cast<uint32_t>(uid) != c.fsuid) return Verdict::kNeeded;
  if (!st.known) return Verdict::kUnknown;
  // chown_ok()/chgrp_ok(): the owner may keep the owner and pick one of its groups.
  if (uid != -1 && !(c.fsuid == st.uid && static_cast<uint32_t>(uid) == st.uid))
    return Verdict::kNeeded;
  if (gid != -1 && !(c.fsuid == st.uid && (static_cast<uint32_t>(gid) == st.gid ||
                                           InGroups(c, static_cast<uint32_t>(gid)))))
    return Verdict::kNeeded;
  return Verdict::kNotNeeded;
}

Verdict ChmodFowner(const RuleContext& ctx, std::string* evidence) {
  const FileStat& st = ctx.ev.stat1;
  if (evidence) {
    *evidence = st.known ? fmt::format("chmod {} ({})", ctx.ev.abs_path, Owner(st))
                         : fmt::format("chmod {}", ctx.ev.abs_path);
  }
  if (!st.known || !ctx.ev.creds.known) return Verdict::kUnknown;
  return ctx.ev.creds.fsuid == st.uid ? Verdict::kNotNeeded : Verdict::kNeeded;
}

Verdict ChmodFsetid(const RuleContext& ctx, std::string* evidence) {
  const uint32_t mode = static_cast<uint32_t>(ArgAt(ctx, KeyArg(ctx.si, 0)));
  const FileStat& st = ctx.ev.stat1;
  if (evidence) *evidence = fmt::format("chmod {} to {:04o}", ctx.ev.abs_path, mode & 07777);
  // Without the capability the kernel clears the bit instead of failing: never "wanted".
  if (!(mode & S_ISGID) || !st.known || !ctx.ev.creds.known || S_ISDIR(st.mode))
    return Verdict::kNotNeeded;
  return InGroups(ctx.ev.creds, st.gid) ? Verdict::kNotNeeded : Verdict::kNeeded;
}

Verdict UtimeFowner(const RuleContext& ctx, std::string* evidence) {
  // The times follow the path in utime, utimes, futimesat and utimensat.
  const int times_arg = ctx.si.path_args.first + 1;
  const bool now = ArgAt(ctx, times_arg) == 0;
  const FileStat& st = ctx.ev.stat1;
  if (evidence) {
    *evidence = fmt::format("set times of {}{}", ctx.ev.abs_path,
                            st.known ? fmt::format(" ({})", Owner(st)) : std::string());
  }
  if (!st.known || !ctx.ev.creds.known) return Verdict::kUnknown;
  if (ctx.ev.creds.fsuid == st.uid) return Verdict::kNotNeeded;
  // Setting them to "now" needs only write permission.
  if (now && ModeAllows(st, ctx.ev.creds, 2)) return Verdict::kNotNeeded;
  return Verdict::kNeeded;
}

Verdict MknodDevice(const RuleContext& ctx, std::string* evidence) {
  const uint32_t mode = static_cast<uint32_t>(ArgAt(ctx, KeyArg(ctx.si, 0)));
  if (evidence) {
    *evidence =
        fmt::format("mknod {} {} device", ctx.ev.abs_path, S_ISBLK(mode) ? "block" : "character");
  }
  return S_ISCHR(mode) || S_ISBLK(mode) ? Verdict::kNeeded : Verdict::kNotNeeded;
}

// ---------------------------------------------------------------------------------------------
// Processes and credentials

std::string IdList(uint32_t a, uint32_t b, uint32_t c) { return fmt::format("{}/{}/{}", a, b, c); }

// set*uid / set*gid: an unprivileged task may only pick among its real, effective and saved
// ids (setuid: real and saved; setfsuid: also the current fs id).
Verdict SetIds(const RuleContext& ctx, std::string* evidence, bool uids) {
  const TaskCreds& c = ctx.ev.creds;
  std::string_view n = ctx.si.name;
  if (n.ends_with("32")) n.remove_suffix(2);
  const uint32_t r = uids ? c.ruid : c.rgid;
  const uint32_t e = uids ? c.euid : c.egid;
  const uint32_t s = uids ? c.suid : c.sgid;
  const uint32_t f = uids ? c.fsuid : c.fsgid;
  auto arg = [&](int i) { return Arg32(ctx, KeyArg(ctx.si, i)); };
  // The ids it sets are its key arguments: one (setuid, setfsuid), two (setreuid) or three
  // (setresuid).
  const int ids = KeyArgCount(ctx.si);
  if (evidence) {
    std::string args = std::to_string(arg(0));
    for (int i = 1; i < ids; ++i) args += fmt::format(", {}", arg(i));
    *evidence = fmt::format("{}({}) with {} {}", n, args, uids ? "uids" : "gids", IdList(r, e, s));
  }
  if (!c.known) return Verdict::kUnknown;
  auto in = [](int32_t id, std::initializer_list<uint32_t> allowed) {
    return id == -1 ||
           std::find(allowed.begin(), allowed.end(), static_cast<uint32_t>(id)) != allowed.end();
  };
  bool ok = true;
  if (ids == 3) {
    ok = in(arg(0), {r, e, s}) && in(arg(1), {r, e, s}) && in(arg(2), {r, e, s});
  } else if (ids == 2) {
    ok = in(arg(0), {r, e}) && in(arg(1), {r, e, s});
  } else if (n.starts_with("setfs")) {
    ok = in(arg(0), {r, e, s, f});
  } else {
    ok = in(arg(0), {r, s});
  }
  return ok ? Verdict::kNotNeeded : Verdict::kNeeded;
}

Verdict SetUids(const RuleContext& ctx, std::string* evidence) {
  return SetIds(ctx, evidence, true);
}
Verdict SetGids(const RuleContext& ctx, std::string* evidence) {
  return SetIds(ctx, evidence, false);
}

Verdict Setgroups(const RuleContext& ctx, std::string* evidence) {
  if (evidence) *evidence = fmt::format("setgroups of {} groups", Arg32(ctx, 0));
  return Verdict::kNeeded;
}

Verdict Kill(const RuleContext& ctx, std::string* evidence) {
  // The signal is the last key argument, the process (tgkill: the thread) the one before.
  const int keys = KeyArgCount(ctx.si);
  const int32_t pid = Arg32(ctx, KeyArg(ctx.si, keys - 2));
  const int32_t sig = Arg32(ctx, KeyArg(ctx.si, keys - 1));
  const TaskCreds& t = ctx.ev.target_creds;
  if (evidence) {
    *evidence = t.known
                    ? fmt::format("{} {} (uid {}) with signal {}", ctx.si.name, pid, t.ruid, sig)
                    : fmt::format("{} {} with signal {}", ctx.si.name, pid, sig);
  }
  if (pid <= 0) return Verdict::kUnknown;  // a process group: members not known
  const TaskCreds& c = ctx.ev.creds;
  if (!t.known || !c.known) return Verdict::kUnknown;
  // kill_ok_by_cred(): the sender's real or effective uid is the target's real or saved uid.
  const bool ok = c.euid == t.suid || c.euid == t.ruid || c.ruid == t.suid || c.ruid == t.ruid;
  return ok ? Verdict::kNotNeeded : Verdict::kNeeded;
}

constexpr uint64_t kNamespaceFlags =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;

Verdict NewNamespaces(const RuleContext& ctx, std::string* evidence) {
  const uint64_t flags = ctx.ev.args[0];
  if (evidence)
    *evidence = fmt::format("{} with flags {:#x}", ctx.si.name, flags & ~uint64_t{0xff});
  // A new user namespace comes first and owns the others: no capability needed outside it.
  if (flags & CLONE_NEWUSER) return Verdict::kNotNeeded;
  return (flags & kNamespaceFlags) ? Verdict::kNeeded : Verdict::kNotNeeded;
}

// ---------------------------------------------------------------------------------------------
// Network

Verdict BindPrivilegedPort(const RuleContext& ctx, std::string* evidence) {
  const std::string& sa = ctx.ev.sockaddr;
  if (sa.size() < sizeof(sa_family_t)) return Verdict::kNotNeeded;
  sa_family_t family = 0;
  std::memcpy(&family, sa.data(), sizeof family);
  uint16_t port = 0;
  char addr[INET6_ADDRSTRLEN] = "";
  if (family == AF_INET && sa.size() >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, sa.data(), sizeof in);
    port = ntohs(in.sin_port);
    ::inet_ntop(AF_INET, &in.sin_addr, addr, sizeof addr);
  } else if (family == AF_INET6 && sa.size() >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa.data(), sizeof in6);
    port = ntohs(in6.sin6_port);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, addr, sizeof addr);
  } else {
    return Verdict::kNotNeeded;
  }
  if (evidence) {
    *evidence = family == AF_INET6 ? fmt::format("bind [{}]:{}", addr, port)
                                   : fmt::format("bind {}:{}", addr, port);
  }
  return port != 0 && port < ctx.options.unprivileged_port_start ? Verdict::kNeeded
                                                                 : Verdict::kNotNeeded;
}

Verdict RawSocket(const RuleContext& ctx, std::string* evidence) {
  const int32_t family = Arg32(ctx, 0);
  const int32_t type = Arg32(ctx, 1) & 0xf;  // without SOCK_NONBLOCK/SOCK_CLOEXEC
  if (evidence) {
    *evidence = fmt::format("socket({}, {}, {})",
                            family == AF_PACKET  ? "AF_PACKET"
                            : family == AF_INET6 ? "AF_INET6"
                            : family == AF_INET  ? "AF_INET"
                                                 : std::to_string(family),
                            type == SOCK_RAW ? "SOCK_RAW" : std::to_string(type), Arg32(ctx, 2));
  }
  if (family == AF_PACKET) return Verdict::kNeeded;
  if ((family == AF_INET || family == AF_INET6) && type == SOCK_RAW) return Verdict::kNeeded;
  return Verdict::kNotNeeded;
}

// ---------------------------------------------------------------------------------------------
// Calls that always need the capability, or whose need we can tell only from a failure

Verdict Always(const RuleContext& ctx, std::string* evidence) {
  if (evidence) {
    *evidence = ctx.ev.abs_path.empty() ? std::string(ctx.si.name)
                                        : fmt::format("{} {}", ctx.si.name, ctx.ev.abs_path);
  }
  return Verdict::kNeeded;
}

Verdict OnFailure(const RuleContext& ctx, std::string* evidence) {
  if (evidence) *evidence = std::string(ctx.si.name);
  return Verdict::kUnknown;
}

Verdict SetLimit(const RuleContext& ctx, std::string* evidence) {
  if (evidence)
    *evidence = fmt::format("{} of resource {}", ctx.si.name,
                            Arg32(ctx, ctx.si.name == "prlimit64" ? 1 : 0));
  // prlimit64 with no new limit only reads.
  if (ctx.si.name == "prlimit64" && ctx.ev.args[2] == 0) return Verdict::kNotNeeded;
  return Verdict::kUnknown;
}

Verdict Syslog(const RuleContext& ctx, std::string* evidence) {
  const int32_t type = Arg32(ctx, 0);
  if (evidence) *evidence = fmt::format("syslog action {}", type);
  // SYSLOG_ACTION_READ_ALL and SIZE_BUFFER are unprivileged unless dmesg_restrict is set.
  return type == 3 || type == 10 ? Verdict::kUnknown : Verdict::kNeeded;
}

Verdict AlarmClock(const RuleContext& ctx, std::string* evidence) {
  const int32_t clock = Arg32(ctx, 0);
  if (evidence) *evidence = fmt::format("{} on clock {}", ctx.si.name, clock);
  return clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM ? Verdict::kNeeded
                                                                        : Verdict::kNotNeeded;
}

// ---------------------------------------------------------------------------------------------
// The table

constexpr std::string_view kManChown =
    "CAP_CHOWN: Make arbitrary changes to file UIDs and GIDs (see chown(2)).";
constexpr std::string_view kManDacOverride =
    "CAP_DAC_OVERRIDE: Bypass file read, write, and execute permission checks.";
constexpr std::string_view kManDacReadSearch =
    "CAP_DAC_READ_SEARCH: Bypass file read permission checks and directory read and execute "
    "permission checks;";
constexpr std::string_view kManFowner =
    "CAP_FOWNER: Bypass permission checks on operations that normally require the filesystem UID "
    "of the process to match the UID of the file (e.g., chmod(2), utime(2)), excluding those "
    "operations covered by CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH;";
constexpr std::string_view kManSticky = "CAP_FOWNER: ignore sticky bit on file deletion;";
constexpr std::string_view kManFsetid =
    "CAP_FSETID: set the set-group-ID bit for a file whose GID does not match the filesystem or "
    "any of the supplementary GIDs of the calling process.";
constexpr std::string_view kManKill =
    "CAP_KILL: Bypass permission checks for sending signals (see kill(2)).";
constexpr std::string_view kManSetgid =
    "CAP_SETGID: Make arbitrary manipulations of process GIDs and supplementary GID list;";
constexpr std::string_view kManSetuid =
    "CAP_SETUID: Make arbitrary manipulations of process UIDs (setuid(2), setreuid(2), "
    "setresuid(2), setfsuid(2));";
constexpr std::string_view kManSetpcap =
    "CAP_SETPCAP: add any capability from the calling thread's bounding set to its inheritable "
    "set;";
constexpr std::string_view kManBindService =
    "CAP_NET_BIND_SERVICE: Bind a socket to Internet domain privileged ports (port numbers less "
    "than 1024).";
constexpr std::string_view kManNetRaw = "CAP_NET_RAW: Use RAW and PACKET sockets;";
constexpr std::string_view kManIpcLock =
    "CAP_IPC_LOCK: Lock memory (mlock(2), mlockall(2), mmap(2), shmctl(2));";
constexpr std::string_view kManModule =
    "CAP_SYS_MODULE: Load and unload kernel modules (see init_module(2) and delete_module(2));";
constexpr std::string_view kManRawio =
    "CAP_SYS_RAWIO: Perform I/O port operations (iopl(2) and ioperm(2));";
constexpr std::string_view kManChroot = "CAP_SYS_CHROOT: Use chroot(2);";
constexpr std::string_view kManPtrace =
    "CAP_SYS_PTRACE: Trace arbitrary processes using ptrace(2);";
constexpr std::string_view kManPacct = "CAP_SYS_PACCT: Use acct(2).";
constexpr std::string_view kManAdmin =
    "CAP_SYS_ADMIN: Perform a range of system administration operations including: quotactl(2), "
    "mount(2), umount(2), pivot_root(2), swapon(2), swapoff(2), sethostname(2), and "
    "setdomainname(2);";
constexpr std::string_view kManSetns =
    "CAP_SYS_ADMIN: call setns(2) (requires CAP_SYS_ADMIN in the target namespace);";
constexpr std::string_view kManNamespaces =
    "CAP_SYS_ADMIN: employ CLONE_* flags that create new namespaces with clone(2) and unshare(2) "
    "(but, since Linux 3.8, creating user namespaces does not require any capability);";
constexpr std::string_view kManBoot = "CAP_SYS_BOOT: Use reboot(2) and kexec_load(2).";
constexpr std::string_view kManNice =
    "CAP_SYS_NICE: Lower the process nice value (nice(2), setpriority(2)) and change the nice "
    "value for arbitrary processes; set real-time scheduling policies for calling process, and "
    "set scheduling policies and priorities for arbitrary processes (sched_setscheduler(2), "
    "sched_setparam(2), sched_setattr(2));";
constexpr std::string_view kManResource = "CAP_SYS_RESOURCE: override resource limits;";
constexpr std::string_view kManTime =
    "CAP_SYS_TIME: Set system clock (settimeofday(2), stime(2), adjtimex(2)); set real-time "
    "(hardware) clock.";
constexpr std::string_view kManTty = "CAP_SYS_TTY_CONFIG: Use vhangup(2);";
constexpr std::string_view kManMknod = "CAP_MKNOD: Create special files using mknod(2).";
constexpr std::string_view kManSyslog =
    "CAP_SYSLOG: Perform privileged syslog(2) operations. See syslog(2) for information on "
    "which operations require privilege.";
constexpr std::string_view kManWakeAlarm =
    "CAP_WAKE_ALARM: Trigger something that will wake up the system (set CLOCK_REALTIME_ALARM "
    "and CLOCK_BOOTTIME_ALARM timers).";
constexpr std::string_view kManPerfmon =
    "CAP_PERFMON: Employ various performance-monitoring mechanisms, including: call "
    "perf_event_open(2);";
constexpr std::string_view kManBpf =
    "CAP_BPF: Employ privileged BPF operations; see bpf(2) and bpf-helpers(7).";

struct R {
  static constexpr CapabilityRule Make(std::string_view syscall, int cap,
                                       Verdict (*check)(const RuleContext&, std::string*),
                                       std::string_view man, int failure_errno = EPERM,
                                       bool uses_stat = false, int8_t target_arg = -1) {
    return CapabilityRule{syscall, cap, check, uses_stat, target_arg, failure_errno, man};
  }
};

constexpr bool kStat = true;

constexpr std::array kRules = {
    R::Make("acct", CAP_SYS_PACCT, Always, kManPacct),
    R::Make("adjtimex", CAP_SYS_TIME, OnFailure, kManTime),
    R::Make("bind", CAP_NET_BIND_SERVICE, BindPrivilegedPort, kManBindService, EACCES),
    R::Make("bpf", CAP_BPF, OnFailure, kManBpf),
    R::Make("capset", CAP_SETPCAP, OnFailure, kManSetpcap),
    R::Make("chmod", CAP_FOWNER, ChmodFowner, kManFowner, EPERM, kStat),
    R::Make("chmod", CAP_FSETID, ChmodFsetid, kManFsetid, EPERM, kStat),
    R::Make("chown", CAP_CHOWN, ChownCheck, kManChown, EPERM, kStat),
    R::Make("chown32", CAP_CHOWN, ChownCheck, kManChown, EPERM, kStat),
    R::Make("chroot", CAP_SYS_CHROOT, Always, kManChroot),
    R::Make("clock_adjtime", CAP_SYS_TIME, OnFailure, kManTime),
    R::Make("clock_settime", CAP_SYS_TIME, Always, kManTime),
    R::Make("clone", CAP_SYS_ADMIN, NewNamespaces, kManNamespaces),
    R::Make("creat", CAP_DAC_OVERRIDE, OpenOverride, kManDacOverride, EACCES, kStat),
    R::Make("delete_module", CAP_SYS_MODULE, Always, kManModule),
    R::Make("execve", CAP_DAC_OVERRIDE, ExecOverride, kManDacOverride, EACCES, kStat),
    R::Make("execveat", CAP_DAC_OVERRIDE, ExecOverride, kManDacOverride, EACCES, kStat),
    R::Make("fchmodat", CAP_FOWNER, ChmodFowner, kManFowner, EPERM, kStat),
    R::Make("fchmodat", CAP_FSETID, ChmodFsetid, kManFsetid, EPERM, kStat),
    R::Make("fchmodat2", CAP_FOWNER, ChmodFowner, kManFowner, EPERM, kStat),
    R::Make("fchmodat2", CAP_FSETID, ChmodFsetid, kManFsetid, EPERM, kStat),
    R::Make("fchownat", CAP_CHOWN, ChownCheck, kManChown, EPERM, kStat),
    R::Make("finit_module", CAP_SYS_MODULE, Always, kManModule),
    R::Make("futimesat", CAP_FOWNER, UtimeFowner, kManFowner, EPERM, kStat),
    R::Make("init_module", CAP_SYS_MODULE, Always, kManModule),
    R::Make("ioperm", CAP_SYS_RAWIO, Always, kManRawio),
    R::Make("iopl", CAP_SYS_RAWIO, Always, kManRawio),
    R::Make("kexec_file_load", CAP_SYS_BOOT, Always, kManBoot),
    R::Make("kexec_load", CAP_SYS_BOOT, Always, kManBoot),
    R::Make("kill", CAP_KILL, Kill, kManKill, EPERM, false, 0),
    R::Make("lchown", CAP_CHOWN, ChownCheck, kManChown, EPERM, kStat),
    R::Make("lchown32", CAP_CHOWN, ChownCheck, kManChown, EPERM, kStat),
    R::Make("link", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("linkat", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("mkdir", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("mkdirat", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("mknod", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("mknod", CAP_MKNOD, MknodDevice, kManMknod),
    R::Make("mknodat", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("mknodat", CAP_MKNOD, MknodDevice, kManMknod),
    R::Make("mlock", CAP_IPC_LOCK, OnFailure, kManIpcLock),
    R::Make("mlock2", CAP_IPC_LOCK, OnFailure, kManIpcLock),
    R::Make("mlockall", CAP_IPC_LOCK, OnFailure, kManIpcLock),
    R::Make("mount", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("open", CAP_DAC_OVERRIDE, OpenOverride, kManDacOverride, EACCES, kStat),
    R::Make("open", CAP_DAC_READ_SEARCH, OpenReadSearch, kManDacReadSearch, EACCES, kStat),
    R::Make("openat", CAP_DAC_OVERRIDE, OpenOverride, kManDacOverride, EACCES, kStat),
    R::Make("openat", CAP_DAC_READ_SEARCH, OpenReadSearch, kManDacReadSearch, EACCES, kStat),
    R::Make("openat2", CAP_DAC_OVERRIDE, OpenOverride, kManDacOverride, EACCES, kStat),
    R::Make("openat2", CAP_DAC_READ_SEARCH, OpenReadSearch, kManDacReadSearch, EACCES, kStat),
    R::Make("perf_event_open", CAP_PERFMON, OnFailure, kManPerfmon, EACCES),
    R::Make("pivot_root", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("prlimit64", CAP_SYS_RESOURCE, SetLimit, kManResource),
    R::Make("ptrace", CAP_SYS_PTRACE, OnFailure, kManPtrace),
    R::Make("quotactl", CAP_SYS_ADMIN, OnFailure, kManAdmin),
    R::Make("reboot", CAP_SYS_BOOT, Always, kManBoot),
    R::Make("rename", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("rename", CAP_FOWNER, StickyFowner, kManSticky, EPERM, kStat),
    R::Make("renameat", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("renameat", CAP_FOWNER, StickyFowner, kManSticky, EPERM, kStat),
    R::Make("renameat2", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("renameat2", CAP_FOWNER, StickyFowner, kManSticky, EPERM, kStat),
    R::Make("rmdir", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("rmdir", CAP_FOWNER, StickyFowner, kManSticky, EPERM, kStat),
    R::Make("sched_setattr", CAP_SYS_NICE, OnFailure, kManNice),
    R::Make("sched_setparam", CAP_SYS_NICE, OnFailure, kManNice),
    R::Make("sched_setscheduler", CAP_SYS_NICE, OnFailure, kManNice),
    R::Make("setdomainname", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("setfsgid", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setfsgid32", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setfsuid", CAP_SETUID, SetUids, kManSetuid),
    R::Make("setfsuid32", CAP_SETUID, SetUids, kManSetuid),
    R::Make("setgid", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setgid32", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setgroups", CAP_SETGID, Setgroups, kManSetgid),
    R::Make("setgroups32", CAP_SETGID, Setgroups, kManSetgid),
    R::Make("sethostname", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("setns", CAP_SYS_ADMIN, Always, kManSetns),
    R::Make("setpriority", CAP_SYS_NICE, OnFailure, kManNice, EACCES),
    R::Make("setregid", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setregid32", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setresgid", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setresgid32", CAP_SETGID, SetGids, kManSetgid),
    R::Make("setresuid", CAP_SETUID, SetUids, kManSetuid),
    R::Make("setresuid32", CAP_SETUID, SetUids, kManSetuid),
    R::Make("setreuid", CAP_SETUID, SetUids, kManSetuid),
    R::Make("setreuid32", CAP_SETUID, SetUids, kManSetuid),
    R::Make("setrlimit", CAP_SYS_RESOURCE, SetLimit, kManResource),
    R::Make("settimeofday", CAP_SYS_TIME, Always, kManTime),
    R::Make("setuid", CAP_SETUID, SetUids, kManSetuid),
    R::Make("setuid32", CAP_SETUID, SetUids, kManSetuid),
    R::Make("socket", CAP_NET_RAW, RawSocket, kManNetRaw),
    R::Make("stime", CAP_SYS_TIME, Always, kManTime),
    R::Make("swapoff", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("swapon", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("symlink", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("symlinkat", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("syslog", CAP_SYSLOG, Syslog, kManSyslog),
    R::Make("tgkill", CAP_KILL, Kill, kManKill, EPERM, false, 1),
    R::Make("timer_create", CAP_WAKE_ALARM, AlarmClock, kManWakeAlarm),
    R::Make("timerfd_create", CAP_WAKE_ALARM, AlarmClock, kManWakeAlarm),
    R::Make("tkill", CAP_KILL, Kill, kManKill, EPERM, false, 0),
    R::Make("umount", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("umount2", CAP_SYS_ADMIN, Always, kManAdmin),
    R::Make("unlink", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("unlink", CAP_FOWNER, StickyFowner, kManSticky, EPERM, kStat),
    R::Make("unlinkat", CAP_DAC_OVERRIDE, DirectoryOverride, kManDacOverride, EACCES, kStat),
    R::Make("unlinkat", CAP_FOWNER, StickyFowner, kManSticky, EPERM, kStat),
    R::Make("unshare", CAP_SYS_ADMIN, NewNamespaces, kManNamespaces),
    R::Make("utime", CAP_FOWNER, UtimeFowner, kManFowner, EPERM, kStat),
    R::Make("utimensat", CAP_FOWNER, UtimeFowner, kManFowner, EPERM, kStat),
    R::Make("utimes", CAP_FOWNER, UtimeFowner, kManFowner, EPERM, kStat),
    R::Make("vhangup", CAP_SYS_TTY_CONFIG, Always, kManTty),
};

static_assert(CAP_CHECKPOINT_RESTORE == 40 && CAP_BPF == 39 && CAP_SYS_ADMIN == 21);

constexpr bool RuleLess(const CapabilityRule& a, const CapabilityRule& b) {
  return a.syscall != b.syscall ? a.syscall < b.syscall : a.capability < b.capability;
}

constexpr bool RulesValid() {
  for (size_t i = 0; i < kRules.size(); ++i) {
    const CapabilityRule& r = kRules[i];
    if (i > 0 && !RuleLess(kRules[i - 1], r)) return false;
    if (r.capability < 0 || static_cast<size_t>(r.capability) >= kCapabilityNames.size() ||
        r.check == nullptr)
      return false;
    // The citation is the capabilities(7) entry of the rule's own capability.
    const std::string_view name = kCapabilityNames[static_cast<size_t>(r.capability)];
    if (!r.man.starts_with(name) || r.man.substr(name.size(), 2) != ": ") return false;
    if (r.failure_errno != EPERM && r.failure_errno != EACCES) return false;
  }
  return true;
}
static_assert(RulesValid(),
              "kRules: sorted by (syscall, capability), each citing the capabilities(7) entry of "
              "its capability, failing with EPERM or EACCES");

}  // namespace

std::span<const CapabilityRule> RulesFor(std::string_view syscall) {
  auto [lo, hi] =
      std::equal_range(kRules.begin(), kRules.end(), syscall, [](const auto& a, const auto& b) {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, CapabilityRule>) {
          return a.syscall < std::string_view(b);
        } else {
          return std::string_view(a) < b.syscall;
        }
      });
  return {lo, hi};
}

std::span<const CapabilityRule> AllCapabilityRules() { return kRules; }

bool HoldsCapability(const TaskCreds& creds, int capability) {
  return capability >= 0 && capability < 64 && ((creds.cap_eff >> capability) & 1);
}

}  // namespace seclearn
