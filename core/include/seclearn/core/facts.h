// What a run taught us, as plain values shared by learner (produces), store (persists) and
// emitter (consumes): syscalls per architecture and phase, their argument values, executables,
// file accesses, network use, capabilities, and the call stacks that first needed them.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/enum_names.h"

namespace seclearn {

// Who made a call, in a container learned through the OCI agent: the runtime after it
// installed the filter, up to and including the workload's first execve (the boundary), or
// the workload after it. Runs of `seclearn learn` are all kWorkload.
enum class SyscallPhase : uint8_t { kWorkload = 0, kRuntime = 1 };

struct SyscallFact {
  uint32_t arch = 0;  // AUDIT_ARCH_* (x32 as kAuditArchX32)
  int32_t nr = 0;
  uint64_t count = 0;         // 0: assumed, not seen (a call the filter left unnotified)
  int64_t first_seen_ns = 0;  // CLOCK_REALTIME
  // Store::Flush files every fact as the workload's; runtime-phase facts go through
  // Store::FlushRuntimeSyscalls.
  SyscallPhase phase = SyscallPhase::kWorkload;
  bool operator==(const SyscallFact&) const = default;
};

// A learned value of an argument listed in arg_filters.h (masked for kMasked filters).
struct ArgFact {
  uint32_t arch = 0;
  int32_t nr = 0;
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t count = 0;
  int64_t first_seen_ns = 0;
  bool operator==(const ArgFact&) const = default;
};

struct ExecutableFact {
  std::string path;
  uint64_t count = 0;  // successful execs of it
  int64_t first_seen_ns = 0;
  bool operator==(const ExecutableFact&) const = default;
};

// Access modes of a file access, as asked by the workload (not as granted).
enum FileAccess : uint32_t {
  kAccessRead = 1u << 0,      // open for reading, readlink, getdents, getxattr
  kAccessWrite = 1u << 1,     // open for writing, truncate, chmod/chown/utimes (setattr)
  kAccessAppend = 1u << 2,    // O_APPEND without other writes
  kAccessCreate = 1u << 3,    // O_CREAT of a new file, mkdir, mknod, symlink/link target
  kAccessDelete = 1u << 4,    // unlink, rmdir, rename source
  kAccessExec = 1u << 5,      // execve/execveat
  kAccessMmapExec = 1u << 6,  // mmap/mprotect PROT_EXEC of a file
  kAccessLink = 1u << 7,      // link/symlink (the new name)
  kAccessLock = 1u << 8,      // flock/fcntl locks
  kAccessStat = 1u << 9,      // stat/access/statx: metadata only (AppArmor does not mediate)
  kAccessChdir = 1u << 10,    // chdir/chroot
  kAccessMount = 1u << 11,    // mount/umount target
};

// The accesses that write at their path (a file's content, a new, removed or linked name): what
// --read-only forbids and what a non-root user must be allowed to do there.
inline constexpr uint32_t kWritingAccess =
    kAccessWrite | kAccessAppend | kAccessCreate | kAccessDelete | kAccessLink;

// One (path, access, outcome): paths are absolute as the kernel resolved them (dirfd, cwd and
// root applied), raw bytes from an untrusted workload: escape before emitting anything.
struct FileFact {
  std::string path;
  uint32_t access = 0;  // FileAccess bits
  int32_t err = 0;      // 0 success, else the errno
  uint64_t count = 0;
  int64_t first_seen_ns = 0;
  std::string syscall;  // the first syscall that made this access, as evidence
  bool operator==(const FileFact&) const = default;
};

// One network operation: socket() or bind/connect/listen/accept/sendto on such a socket.
// A file access as the exports see it (one per path, merged from FileFacts and executables:
// emitter/apparmor.h CollectFileAccesses).
struct FileAccessRecord {
  std::string path;     // absolute, normalised, symlinks resolved; ends in '/' for a directory
  uint32_t access = 0;  // FileAccess bits (facts.h)
  uint64_t count = 0;
  std::string syscall;  // evidence: the first syscall that made it
  bool operator==(const FileAccessRecord&) const = default;
};

// What a network call did (accept4 is an accept): a closed set, named only at the edges (the
// store's text, show, reasons).
enum class NetOp : uint8_t { kSocket, kBind, kConnect, kListen, kAccept, kSendTo };
inline constexpr std::string_view kNetOpNames[] = {"socket", "bind",   "connect",
                                                   "listen", "accept", "sendto"};
constexpr std::string_view NetOpName(NetOp op) { return EnumName(kNetOpNames, op); }
constexpr std::optional<NetOp> NetOpFromName(std::string_view name) {
  return EnumFromName<NetOp>(kNetOpNames, name);
}

struct NetworkFact {
  NetOp op = NetOp::kSocket;
  int32_t family = 0;    // AF_*
  int32_t type = 0;      // SOCK_* without SOCK_NONBLOCK/SOCK_CLOEXEC
  int32_t protocol = 0;  // IPPROTO_* or NETLINK_* family
  std::string address;   // "127.0.0.1", "::1", unix path, "@abstract"; empty if none
  int32_t port = -1;     // inet ports; -1 if none
  int32_t err = 0;
  uint64_t count = 0;
  int64_t first_seen_ns = 0;
  bool operator==(const NetworkFact&) const = default;
};

// A capability the workload exercised (granted: the call succeeded and needed it) or wanted
// (the call failed with EPERM/EACCES where the capability would have allowed it).
struct CapabilityFact {
  int capability = 0;      // CAP_* (linux/capability.h): CapabilityName() names it
  bool granted = true;
  std::string syscall;     // the first syscall that needed it
  std::string evidence;    // its argument, e.g. "bind 0.0.0.0:80", "chown /tmp/f to 1000:1000"
  uint64_t count = 0;
  int64_t first_seen_ns = 0;
  bool operator==(const CapabilityFact&) const = default;
};

// One frame of a call stack, symbolised while the process still existed. Every string comes
// from the workload's files (module paths, symbol and source names): escape before display.
struct StackFrame {
  std::string module;    // the mapped file, as /proc/PID/maps names it; "[vdso]", "" unknown
  std::string build_id;  // hex NT_GNU_BUILD_ID of the module; empty if it has none
  uint64_t offset = 0;   // address in the module's ELF (what eu-addr2line -e MODULE takes);
                         // for callers, of the call instruction (return address - 1)
  std::string function;  // symbol (demangled); empty if unknown (stripped)
  std::string file;      // source file from DWARF line info; empty without debug info
  int32_t line = 0;      // 0 when unknown
  bool operator==(const StackFrame&) const = default;
};

enum class StackKind : uint8_t {
  kSyscall = 0,  // the first call of (executable, arch, nr)
  kPath = 1,     // the first call asking for (executable, path, access)
};

// The user stack of the call that first made a syscall in an executable, or first asked for an
// access to a path (ptrace backend with TraceOptions::stacks; tracer/stacks.h).
struct StackFact {
  StackKind kind = StackKind::kSyscall;
  std::string executable;  // of the calling process at the time
  uint32_t arch = 0;       // the call that was stopped
  int32_t nr = 0;
  std::string path;        // kPath: absolute as resolved if known, else as the call named it
  uint32_t access = 0;     // kPath: FileAccess bits asked for at the stop
  pid_t pid = 0;
  pid_t tid = 0;
  int64_t time_ns = 0;
  bool truncated = false;  // the stack had more frames than were kept
  std::vector<StackFrame> frames;  // innermost (the syscall instruction) first
  int64_t run_id = 0;              // set when read back from the store
  bool operator==(const StackFact&) const = default;
};

// Everything learned since the previous flush. Counts are increments; first_seen_ns is the
// first time in this run (the store keeps the minimum).
struct FactsDelta {
  std::vector<SyscallFact> syscalls;
  std::vector<ExecutableFact> executables;
  std::vector<ArgFact> args;
  std::vector<FileFact> files;
  std::vector<NetworkFact> network;
  std::vector<CapabilityFact> capabilities;
  std::vector<StackFact> stacks;  // new first-seen stacks (each one once)
  uint64_t new_processes = 0;
  bool empty() const {
    return syscalls.empty() && executables.empty() && args.empty() && files.empty() && network.empty() &&
           capabilities.empty() && stacks.empty() && new_processes == 0;
  }
  // Adds `d` to this delta, every kind of fact: what a failed flush kept is sent again with the
  // next delta (Store::Flush adds counts, so two entries for one key are still right).
  void Append(FactsDelta&& d) {
    if (empty()) {
      *this = std::move(d);
      return;
    }
    auto move_all = [](auto& into, auto& from) {
      into.insert(into.end(), std::make_move_iterator(from.begin()),
                  std::make_move_iterator(from.end()));
    };
    move_all(syscalls, d.syscalls);
    move_all(executables, d.executables);
    move_all(args, d.args);
    move_all(files, d.files);
    move_all(network, d.network);
    move_all(capabilities, d.capabilities);
    move_all(stacks, d.stacks);
    new_processes += d.new_processes;
  }
};

// The tracer a run was learned with: a closed set, named only at the edges (the store's text,
// show, explain, --backend).
// kAudit: the kernel's audit log, read back by `seclearn import --audit` (no tracer).
enum class BackendKind : uint8_t { kPtrace, kNotify, kEbpf, kAudit };
inline constexpr std::string_view kBackendNames[] = {"ptrace", "notify", "ebpf", "audit"};
constexpr std::string_view BackendName(BackendKind b) { return EnumName(kBackendNames, b); }
constexpr std::optional<BackendKind> BackendFromName(std::string_view name) {
  return EnumFromName<BackendKind>(kBackendNames, name);
}

// Where a run's facts came from: `seclearn learn`, the agent learning a container, the agent
// serving a watch-mode profile in production (only calls outside the profile), or an audit
// log read back (`import --audit`).
enum class RunSource : uint8_t { kLearn, kAgent, kWatch, kAudit };
inline constexpr std::string_view kRunSourceNames[] = {"learn", "agent", "watch", "audit"};
constexpr std::string_view RunSourceName(RunSource s) { return EnumName(kRunSourceNames, s); }
constexpr std::optional<RunSource> RunSourceFromName(std::string_view name) {
  return EnumFromName<RunSource>(kRunSourceNames, name);
}

// The OCI runtime that installs a container's seccomp filter, the one the learning filter and
// a runtime base set are made for (Docker and containerd run runc). Named only at the edges
// (the store's text, listenerMetadata, --runtime).
enum class RuntimeKind : uint8_t { kRunc, kCrun };
inline constexpr std::string_view kRuntimeNames[] = {"runc", "crun"};
constexpr std::string_view RuntimeName(RuntimeKind r) { return EnumName(kRuntimeNames, r); }
constexpr std::optional<RuntimeKind> RuntimeFromName(std::string_view name) {
  return EnumFromName<RuntimeKind>(kRuntimeNames, name);
}

// What runc's learning filter lets through unseen (recorded as needed by the runtime and the
// workload alike). runc installs the filter in `runc init`, a Go program, and hands the
// listener over only afterwards: a call of its own notified before then would wait forever on
// a listener only runc holds. write: runc writes the listener's number to its parent (and
// refuses to notify write). The rest are the Go runtime's, made on any of its threads at any
// time: futex, sched_yield and nanosleep (its locks and wake-ups: the main thread waking
// another in a notified futex was seen to hang `runc run` under load), getpid, tgkill and
// rt_sigreturn (SIGURG preemption). crun needs no such exception: its filter notifies every
// call (tests/e2e/container_crun.sh).
inline constexpr std::array<std::string_view, 7> kRuncUnnotified = {
    "futex", "getpid", "nanosleep", "rt_sigreturn", "sched_yield", "tgkill", "write"};

struct RunInfo {
  std::string app;
  std::vector<std::string> argv;
  BackendKind backend = BackendKind::kPtrace;
  RunSource source = RunSource::kLearn;
  // watch: how the agent answered calls outside the profile ("allow" or "deny").
  std::string on_violation{};
  // learn --userns: the uid/gid map ("0 100000 65536") the workload ran under; empty if none.
  std::string userns{};
  std::string kernel;   // uname -r
  std::string host;     // uname -n
  int64_t start_ns = 0;
};

// What a run used at its peak, for resource limits (docker-flags --memory, --pids-limit,
// --ulimit nofile, --cpus). 0: not measured.
struct RunResources {
  int64_t run_id = 0;
  // How: "rusage" (seclearn learn: the workload's processes as their parents reaped them, and
  // the tracer's task count), or the container's cgroup ("cgroup v1", "cgroup v2").
  std::string source;
  uint64_t peak_memory_bytes = 0;  // rusage: the largest process's peak RSS
  uint64_t peak_tasks = 0;         // processes and threads alive at once
  int64_t max_fd = -1;             // the highest descriptor a call returned; -1: none seen
  uint64_t cpu_ns = 0;             // user + system
  uint64_t wall_ns = 0;
  bool operator==(const RunResources&) const = default;
};

struct RunSummary {
  int64_t run_id = 0;
  std::string app;
  std::vector<std::string> argv;
  BackendKind backend = BackendKind::kPtrace;
  RunSource source = RunSource::kLearn;
  std::string on_violation;  // watch: "allow" or "deny"
  std::string userns;        // learn --userns: the uid/gid map, else empty
  std::string container;     // the container a run of the agent learned, else empty
  std::string kernel;
  std::string host;
  int64_t start_ns = 0;
  std::optional<int64_t> end_ns;       // unset while running or if the learner died
  std::optional<int> exit_status;      // docker-style: code, or 128+signal
  uint64_t processes = 0;
  uint64_t distinct_syscalls = 0;
  // The container a run's process was exec'd into (docker exec); empty for other runs.
  std::string exec_into;
};

}  // namespace seclearn
