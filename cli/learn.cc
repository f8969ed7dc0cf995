// seclearn learn: run a workload under the tracer and record what it did.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "args.h"
#include "commands.h"
#include "recorder.h"
#include "text.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/file.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "seclearn/host/probes.h"

namespace seclearn::cli {
namespace {

constexpr const char* kLearnHelp = R"(usage: seclearn learn [--db PATH] --app NAME [--backend ptrace|notify|ebpf] [--full] [--quiet] -- CMD [ARGS...]

Runs CMD under the tracer and records every syscall (per architecture), process and
executable into the database, as one run of app NAME, with the files it accessed (absolute
paths, access asked for, result), its network use (socket, bind, connect, listen, accept,
sendto: family, address, port) and the capabilities it exercised or wanted (see `seclearn
show`). Every run of an app adds to what `seclearn export` emits.

options:
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db); created if missing
  --app NAME        the application this run belongs to (required)
  --backend NAME    ptrace (default); notify: seccomp user notification, no ptrace (Linux
                    5.5+); it does not see syscall results, and infers forks, execs and
                    exits of other processes from their calls (see tracer/.../notify_backend.h);
                    ebpf (root, a kernel with BTF): calls with nothing to learn but the call
                    and a bounded argument (read, write, futex, prctl, ...) are counted in the
                    kernel by tracepoint programs and never stop; the others stop as under
                    ptrace. The same facts, no stack for the calls counted in the kernel
                    (see tracer/.../ebpf_backend.h)
  --quiet           no live status line and no summary
  --stacks MODE     first (default): the call stack of the first call of each syscall and
                    path access per executable, for `seclearn explain` (ptrace and ebpf);
                    none: no unwinding at all
  --full            trace every call, as the app's first run does (see re-learning below)
  --no-new-privs    set no_new_privs on the workload even as root (always set as non-root:
                    the kernel requires it to install the tracing filter without
                    CAP_SYS_ADMIN, so setuid binaries do not gain privileges under it)
  --keep-idle-states
                    do not hold a CPU wake-up latency request of 0 us while tracing (see below)
  --userns          run the workload as root of a new user namespace whose ids 0..N-1 are
                    the host's subordinate ids (root's range in /etc/subuid and /etc/subgid,
                    else 100000..165535), as Docker's userns-remap and rootless Podman do: its
                    files are then the host's as an unprivileged user sees them. docker-flags
                    says whether such runs did as the others did (root only)

Re-learning: once the app has runs, the calls they made whose only fact is the call itself
(no path, descriptor, address, credential, key argument or argument value to learn: getppid,
read, write, futex, epoll_wait, ...) are allowed by the kernel's filter without a stop, so a
later run costs close to native on them. They are recorded for the run with count 0 (`show`
sums counts over runs); every other fact is learned as a full trace would. With stacks on
(ptrace), a call is let through once a run has recorded its stack, and a stack earlier runs
recorded (syscall or path, per executable) is not unwound again. --full traces all.

Wake-up latency: as root, learn asks the kernel (PM QoS, /dev/cpu_dma_latency) to keep idle
CPUs polling instead of halting while the workload runs. Each stopped call hands off from
the workload to seclearn and back, and waking a halted CPU for each hand-off costs more
than the stop itself, most on virtual machines. Nothing the workload sees changes; idle CPUs
use more power until learn ends. --keep-idle-states leaves them as they are.

stdin, stdout, stderr and the terminal pass through untouched. What was learned is flushed
to the database at least once a second, so SIGKILL loses at most the last second.
learn waits until every process of the workload has exited, daemons that left its session
too. The first SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to seclearn is passed to each of them (the
terminal's Ctrl-C already reached those in its foreground group); a second one kills what is
left and ends the learn, saving the run. Other signals sent to seclearn (kill -USR1 $PPID
from the workload) are ignored and named at the end.

exit status: the workload's (128+N if killed by signal N); 125 seclearn failed;
126 CMD not executable; 127 CMD not found.
)";

const char* PtraceRequestName(int request) {
  switch (request) {
    case 0:
      return "PTRACE_TRACEME";
    case 16:
      return "PTRACE_ATTACH";
    case 0x4206:
      return "PTRACE_SEIZE";
  }
  return "ptrace";
}

// Read once per run: the workload starts in seclearn's network namespace.
AccessOptions ReadAccessOptions() {
  AccessOptions options;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re")) {
    int port = 0;
    if (std::fscanf(f, "%d", &port) == 1 && port >= 0) options.unprivileged_port_start = port;
    std::fclose(f);
  }
  return options;
}

// Under no_new_privs a setuid or setgid binary, or one with file capabilities, runs without
// the privileges it would have had (ping, passwd, su): what it did here may differ from what
// it does in production. Checked at each exec, while /proc/PID/exe is the new image.
class PrivilegedExecs {
 public:
  void Check(pid_t pid, const std::string& exe) {
    if (seen_.size() >= kMax || seen_.count(exe)) return;
    const PrivilegeOf p = BinaryPrivilege(fmt::format("/proc/{}/exe", pid));
    std::string what;
    if (p.kind == Privilege::kSetuid) what = fmt::format("setuid {}", p.id == 0 ? "root" : "user");
    if (p.kind == Privilege::kSetgid) what = "setgid";
    if (p.kind == Privilege::kFileCapabilities) what = "file capabilities";
    if (what.empty()) return;
    seen_.insert(exe);
    found_.push_back(fmt::format("{} ({})", exe, what));
  }
  const std::vector<std::string>& found() const { return found_; }

 private:
  static constexpr size_t kMax = 64;
  std::set<std::string> seen_;
  std::vector<std::string> found_;
};

// The run's recorder (recorder.h) with the live status line of a terminal; under
// no_new_privs it also notes the privileged binaries executed.
// Root's subordinate ids (the first "root:START:COUNT" line of /etc/subuid, which must match
// /etc/subgid's), else 100000 and 65536, as Docker's userns-remap defaults.
UserNamespaceMap SubordinateIds() {
  UserNamespaceMap out{100000, 65536};
  auto first = [](const char* file) -> std::optional<UserNamespaceMap> {
    auto text = ReadWholeFile(file);
    if (!text) return std::nullopt;
    size_t pos = 0;
    while (pos < text->size()) {
      const size_t nl = std::min(text->find('\n', pos), text->size());
      const std::string line = text->substr(pos, nl - pos);
      pos = nl + 1;
      unsigned long start = 0, count = 0;
      char name[64] = {};
      if (std::sscanf(line.c_str(), "%63[^:]:%lu:%lu", name, &start, &count) == 3 &&
          (std::string_view(name) == "root" || std::string_view(name) == "0") && count > 0 &&
          start > 0 && start + count <= 0xffffffffUL)
        return UserNamespaceMap{static_cast<uint32_t>(start), static_cast<uint32_t>(count)};
    }
    return std::nullopt;
  };
  auto u = first("/etc/subuid");
  auto g = first("/etc/subgid");
  if (u && g && u->outside == g->outside && u->count == g->count) out = *u;
  return out;
}

class LearnSink : public RunRecorder {
 public:
  LearnSink(Store& store, RunInfo info, bool live_status, AccessOptions access, bool no_new_privs,
            std::vector<ArchNr> let_through)
      : RunRecorder(&store, 0, std::move(info), Options(access, std::move(let_through), this)),
        live_status_(live_status),
        no_new_privs_(no_new_privs) {}

  void OnExec(const ExecEvent& e) override {
    RunRecorder::OnExec(e);
    if (no_new_privs_) privileged_.Check(e.pid, e.exe);
  }
  const PrivilegedExecs& privileged() const { return privileged_; }

  void OnTick(int64_t now_ns) override {
    if (!started()) return;
    RunRecorder::OnTick(now_ns);
    if (live_status_) {
      std::fprintf(stderr, "\r\033[Kseclearn: %llu syscalls, %llu distinct, %llu processes, %llds",
                   static_cast<unsigned long long>(workload().total_syscalls()),
                   static_cast<unsigned long long>(workload().distinct_syscalls()),
                   static_cast<unsigned long long>(workload().processes()),
                   static_cast<long long>((now_ns - info().start_ns) / 1'000'000'000));
      status_shown_ = true;
    }
  }

  void ClearStatus() {
    if (status_shown_) std::fprintf(stderr, "\r\033[K");
    status_shown_ = false;
  }

 private:
  static RecorderOptions Options(AccessOptions access, std::vector<ArchNr> let_through,
                                 LearnSink* self) {
    RecorderOptions o;
    o.access = access;
    o.let_through = std::move(let_through);
    o.on_save_failure = [self](const Error& e) {
      self->ClearStatus();
      PrintWarning(
          Store::IsBusy(e)
              ? std::string("another writer holds the database: saving again later")
              : fmt::format("cannot save to the database yet, will retry: {}", e.Message()));
    };
    return o;
  }

  bool live_status_;
  bool no_new_privs_;
  bool status_shown_ = false;
  PrivilegedExecs privileged_;
};

// Re-learning: the calls earlier runs of `app` made that have nothing left to learn; when
// this run records stacks, only those with a stack already recorded.
Result<std::vector<ArchNr>> KnownComplete(Store& store, const std::string& app, bool stacks) {
  auto known = store.Syscalls(app);
  if (!known) return known.error();
  auto with_stacks = store.SyscallsWithStacks(app);
  if (!with_stacks) return with_stacks.error();
  std::vector<ArchNr> out;
  for (const SyscallFact& f : *known) {
    if (!NothingLeftToLearn(f.arch, f.nr)) continue;
    if (stacks && !std::binary_search(with_stacks->begin(), with_stacks->end(),
                                      std::pair{f.arch, f.nr}))
      continue;
    out.push_back({f.arch, f.nr});
  }
  return out;
}

// "SIGUSR1, SIGPIPE" for a mask with bit N-1 set for signal N.
std::string SignalList(uint64_t mask) {
  std::string out;
  for (int sig = 1; sig <= 64; ++sig) {
    if (mask & (uint64_t{1} << (sig - 1))) out += (out.empty() ? "" : ", ") + SignalName(sig);
  }
  return out;
}

}  // namespace

int CmdLearn(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--backend"};
  spec.with_value.insert("--stacks");
  spec.flags = {"--quiet", "--no-new-privs", "--full", "--keep-idle-states", "--userns"};
  spec.command_tail = true;
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "learn", kLearnHelp, &args_status);
  if (!parsed) return args_status;
  const auto app = parsed->Get("--app");
  if (!app || app->empty()) {
    PrintError("learn: --app NAME is required (see seclearn learn --help)");
    return kExitSeclearnFailure;
  }
  if (!ValidAppName(*app)) {
    PrintError(fmt::format("learn: invalid app name '{}': use 1-128 letters, digits, '.', '_' or '-'", *app));
    return kExitSeclearnFailure;
  }
  const std::string backend_name = parsed->Get("--backend").value_or("ptrace");
  const auto backend_kind = BackendFromName(backend_name);
  if (!backend_kind || *backend_kind == BackendKind::kAudit) {
    PrintError(fmt::format("learn: unknown backend '{}' (available: ptrace, notify, ebpf)",
                           backend_name));
    return kExitSeclearnFailure;
  }
  const auto stacks = ParseStackMode(parsed->Get("--stacks").value_or("first"));
  if (!stacks) {
    PrintError(fmt::format("learn: unknown --stacks mode '{}' (first or none)",
                           *parsed->Get("--stacks")));
    return kExitSeclearnFailure;
  }
  if (parsed->command.empty()) {
    PrintError("learn: no command given (seclearn learn --app NAME -- CMD [ARGS...])");
    return kExitSeclearnFailure;
  }
  auto exe = FindExecutable(parsed->command[0]);
  if (!exe) return ReportExecFailure(parsed->command[0], exe.error());
  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = Store::Open(db_path);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }

  RunInfo info;
  info.app = *app;
  info.argv = parsed->command;
  info.backend = *backend_kind;
  SetHostInfo(info);
  info.start_ns = RealtimeNs();

  const bool quiet = parsed->Has("--quiet");
  TraceOptions opts;
  opts.learn_access = true;
  opts.argv = parsed->command;
  opts.exe = *exe;
  opts.no_new_privs = ::geteuid() != 0 || parsed->Has("--no-new-privs");
  opts.low_wakeup_latency = !parsed->Has("--keep-idle-states");
  if (parsed->Has("--userns")) {
    if (::geteuid() != 0) {
      PrintError("learn: --userns needs root (writing another uid range's map)");
      return kExitSeclearnFailure;
    }
    opts.userns = SubordinateIds();
    info.userns = fmt::format("0 {} {}", opts.userns->outside, opts.userns->count);
  }
  // The notify backend records no stacks; the ebpf backend records them for the calls it stops.
  const bool unwinds = *stacks != StackMode::kNone && *backend_kind != BackendKind::kNotify;
  if (!parsed->Has("--full")) {
    // Under ebpf every call re-learning would let through is counted in the kernel anyway.
    if (*backend_kind != BackendKind::kEbpf) {
      auto known = KnownComplete(*store, *app, unwinds);
      if (!known) {
        PrintError(known.error());
        return kExitSeclearnFailure;
      }
      opts.let_through = std::move(*known);
      opts.let_through = LetThrough(opts);
    }
    if (unwinds) {
      auto keys = store->StackKeys(*app);
      if (!keys) {
        PrintError(keys.error());
        return kExitSeclearnFailure;
      }
      opts.known_stacks = std::move(*keys);
    }
  }
  LearnSink sink(*store, info, !quiet && ::isatty(STDERR_FILENO), ReadAccessOptions(),
                 opts.no_new_privs, opts.let_through);
  opts.stacks = *stacks;

  Result<TraceResult> result = MakeBackend(*backend_kind)->Run(opts, sink);
  sink.ClearStatus();
  if (!result) {
    if (result.error().domain == ErrorDomain::kExec)
      return ReportExecFailure(parsed->command[0], result.error());
    PrintError(result.error());
    // Whatever was learned before the failure is still saved.
    (void)sink.FlushLast();
    return kExitSeclearnFailure;
  }
  const int exit_status = ExitCodeForWaitStatus(result->wait_status);
  if (result->nested_ptrace_pid != 0) {
    sink.ClearStatus();
    PrintWarning(fmt::format(
        "the workload uses ptrace itself ({} in process {} failed with EPERM: a process has one "
        "tracer, and under --backend ptrace it is seclearn), so what it does once that succeeds "
        "was not learned: learn it with --backend notify",
        PtraceRequestName(result->nested_ptrace_request), result->nested_ptrace_pid));
  }
  if (!sink.privileged().found().empty()) {
    std::string list;
    for (const auto& p : sink.privileged().found()) list += (list.empty() ? "" : ", ") + p;
    PrintWarning(fmt::format(
        "ran under no_new_privs ({}), so these did not gain their privileges and may have taken "
        "another path than they do in production: {}; learn them as root without "
        "--no-new-privs",
        ::geteuid() != 0 ? "seclearn is not root" : "--no-new-privs", list));
  }
  if (result->ignored_signals != 0) {
    PrintWarning(fmt::format("ignored {} sent to seclearn{} during the run",
                             SignalList(result->ignored_signals),
                             result->ignored_signal_from > 0
                                 ? fmt::format(" (the first by process {})",
                                               result->ignored_signal_from)
                                 : ""));
  }
  if (result->parent_ignored_signals != 0 || result->parent_stops_undone != 0) {
    std::string what = SignalList(result->parent_ignored_signals);
    if (result->parent_stops_undone != 0)
      what += (what.empty() ? "" : ", ") + std::string("SIGSTOP (continued)");
    PrintWarning(fmt::format(
        "the workload signalled its parent (a stand-in of seclearn's) with {}{}: ignored, the "
        "run went on",
        what,
        result->parent_ignored_from > 0
            ? fmt::format(" (the first from process {})", result->parent_ignored_from)
            : ""));
  }
  if (result->ended_by_signal != 0) {
    PrintWarning(fmt::format("a second {} ended the learn: {} process{} still running killed",
                             SignalName(result->ended_by_signal), result->killed_at_end,
                             result->killed_at_end == 1 ? "" : "es"));
  }
  if (auto r = sink.FlushLast(); !r) {
    PrintError(fmt::format("saving the run to {}: {}", db_path, r.error().Message()));
    return kExitSeclearnFailure;
  }
  if (sink.run_id() != 0) {
    const int64_t end_ns = RealtimeNs();
    if (auto r = RetryWhileBusy([&] { return store->EndRun(sink.run_id(), end_ns, exit_status); },
                                RunRecorder::kLastFlushPatienceNs);
        !r) {
      PrintError(r.error());
      return kExitSeclearnFailure;
    }
    // The workload's peaks: its processes' usage reached seclearn as each was reaped (ru_maxrss
    // is the largest one's peak RSS), the tasks and descriptors as the tracer saw them.
    struct rusage ru {};
    ::getrusage(RUSAGE_CHILDREN, &ru);
    RunResources res;
    res.run_id = sink.run_id();
    res.source = "rusage";
    res.peak_memory_bytes = static_cast<uint64_t>(ru.ru_maxrss) * 1024;
    res.peak_tasks = sink.workload().peak_tasks();
    res.max_fd = sink.workload().max_fd();
    auto ns = [](const timeval& tv) {
      return static_cast<uint64_t>(tv.tv_sec) * 1'000'000'000 +
             static_cast<uint64_t>(tv.tv_usec) * 1000;
    };
    res.cpu_ns = ns(ru.ru_utime) + ns(ru.ru_stime);
    res.wall_ns = static_cast<uint64_t>(result->duration_ns);
    if (auto r = RetryWhileBusy([&] { return store->SaveRunResources(res); },
                                RunRecorder::kLastFlushPatienceNs);
        !r) {
      PrintError(r.error());
      return kExitSeclearnFailure;
    }
  }
  if (!quiet) {
    const Aggregator& agg = sink.workload();
    std::fprintf(stderr,
                 "seclearn: %s run %lld: %llu distinct syscalls, %llu process%s, %llu calls in "
                 "%.2fs, exit %d (%s)\n",
                 app->c_str(), static_cast<long long>(sink.run_id()),
                 static_cast<unsigned long long>(agg.distinct_syscalls()),
                 static_cast<unsigned long long>(result->processes),
                 result->processes == 1 ? "" : "es",
                 static_cast<unsigned long long>(agg.total_syscalls()),
                 static_cast<double>(result->duration_ns) / 1e9, exit_status, db_path.c_str());
    if (result->kernel_counted != 0) {
      std::fprintf(stderr,
                   "seclearn: %llu of those calls were counted in the kernel without a stop "
                   "(ebpf), %llu stopped\n",
                   static_cast<unsigned long long>(result->kernel_counted),
                   static_cast<unsigned long long>(result->syscalls));
    }
    if (!opts.let_through.empty()) {
      std::fprintf(stderr,
                   "seclearn: %zu syscall%s known from earlier runs ran unseen (re-learning; "
                   "--full traces them)\n",
                   opts.let_through.size(), opts.let_through.size() == 1 ? "" : "s");
    }
  }
  return exit_status;
}

}  // namespace seclearn::cli
