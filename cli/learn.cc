// seclearn learn: run a workload under the tracer and record what it did.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "seclearn/core/exec.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"

namespace seclearn::cli {
namespace {

constexpr const char* kLearnHelp = R"(usage: seclearn learn [--db PATH] --app NAME [--backend ptrace|notify] [--quiet] -- CMD [ARGS...]

Runs CMD under the tracer and records every syscall (per architecture), process and
executable into the database, as one run of app NAME, with the files it accessed (absolute
paths, access asked for, result), its network use (socket, bind, connect, listen, accept,
sendto: family, address, port) and the capabilities it exercised or wanted (see `seclearn
show`). Every run of an app adds to what `seclearn export` emits.

options:
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db); created if missing
  --app NAME        the application this run belongs to (required)
  --backend NAME    ptrace (default) or notify: seccomp user notification, no ptrace (Linux
                    5.5+); it does not see syscall results, and infers forks, execs and
                    exits of other processes from their calls (see tracer/.../notify_backend.h)
  --quiet           no live status line and no summary
  --stacks MODE     first (default): the call stack of the first call of each syscall and
                    path access per executable, for `seclearn explain` (ptrace backend);
                    none: no unwinding at all
  --no-new-privs    set no_new_privs on the workload even as root (always set as non-root:
                    the kernel requires it to install the tracing filter without
                    CAP_SYS_ADMIN, so setuid binaries do not gain privileges under it)

stdin, stdout, stderr and the terminal pass through untouched. What was learned is flushed
to the database at least once a second, so SIGKILL loses at most the last second.
SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to seclearn are passed to the workload.

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

// Feeds the aggregator and flushes it into the store at most once a second. The run is
// created only once the workload has exec'd, so a command that fails to start leaves nothing.
class LearnSink : public EventSink {
 public:
  LearnSink(Store& store, RunInfo info, bool live_status, AccessOptions access)
      : store_(store), info_(std::move(info)), live_status_(live_status), agg_(access) {}

  SyscallNeeds Needs(const SyscallEvent& e) override { return agg_.Needs(e); }
  void OnSyscall(const SyscallEvent& e) override { agg_.OnSyscall(e); }
  void OnTask(const TaskEvent& e) override { agg_.OnTask(e); }
  void OnStack(const StackFact& s) override { stacks_.push_back(s); }
  void OnExec(const ExecEvent& e) override {
    started_ = true;
    agg_.OnExec(e);
  }
  void OnTick(int64_t now_ns) override {
    if (!started_) return;
    if (now_ns - last_flush_ns_ >= 1'000'000'000) (void)Flush(now_ns);
    if (live_status_) {
      std::fprintf(stderr, "\r\033[Kseclearn: %llu syscalls, %llu distinct, %llu processes, %llds",
                   static_cast<unsigned long long>(agg_.total_syscalls()),
                   static_cast<unsigned long long>(agg_.distinct_syscalls()),
                   static_cast<unsigned long long>(agg_.processes()),
                   static_cast<long long>((now_ns - info_.start_ns) / 1'000'000'000));
      status_shown_ = true;
    }
  }

  Result<void> Flush(int64_t now_ns) {
    last_flush_ns_ = now_ns;
    if (!started_) return {};
    if (run_id_ == 0) {
      auto id = store_.BeginRun(info_);
      if (!id) return Report(id.error());
      run_id_ = *id;
    }
    // TakeDelta consumes what it returns: a delta that failed to save is kept and sent again
    // with the next one.
    FactsDelta d = agg_.TakeDelta();
    d.stacks = std::exchange(stacks_, {});
    Merge(pending_, std::move(d));
    if (pending_.empty()) return {};
    if (auto r = store_.Flush(run_id_, pending_); !r) return Report(r.error());
    pending_ = {};
    return {};
  }

  void ClearStatus() {
    if (status_shown_) std::fprintf(stderr, "\r\033[K");
    status_shown_ = false;
  }

  bool started() const { return started_; }
  int64_t run_id() const { return run_id_; }
  const Aggregator& aggregator() const { return agg_; }

 private:
  static void Merge(FactsDelta& into, FactsDelta&& d) {
    if (into.empty()) {
      into = std::move(d);
      return;
    }
    // Store::Flush adds counts, so appending entries for the same key is still correct.
    for (auto& s : d.syscalls) into.syscalls.push_back(s);
    for (auto& e : d.executables) into.executables.push_back(std::move(e));
    for (auto& a : d.args) into.args.push_back(a);
    for (auto& f : d.files) into.files.push_back(std::move(f));
    for (auto& n : d.network) into.network.push_back(std::move(n));
    for (auto& c : d.capabilities) into.capabilities.push_back(std::move(c));
    for (auto& s : d.stacks) into.stacks.push_back(std::move(s));
    into.new_processes += d.new_processes;
  }
  Result<void> Report(const Error& e) {
    if (!warned_) {
      ClearStatus();
      PrintWarning(fmt::format("cannot save to the database yet, will retry: {}", e.Message()));
      warned_ = true;
    }
    return e;
  }

  Store& store_;
  RunInfo info_;
  bool live_status_;
  Aggregator agg_;
  FactsDelta pending_;
  std::vector<StackFact> stacks_;  // since the last flush
  bool started_ = false;
  bool status_shown_ = false;
  bool warned_ = false;
  int64_t run_id_ = 0;
  int64_t last_flush_ns_ = 0;
};

}  // namespace

int CmdLearn(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--backend"};
  spec.with_value.insert("--stacks");
  spec.flags = {"--quiet", "--no-new-privs"};
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
  const std::string backend = parsed->Get("--backend").value_or("ptrace");
  if (backend != "ptrace" && backend != "notify") {
    PrintError(fmt::format("learn: unknown backend '{}' (available: ptrace, notify)", backend));
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
  info.backend = backend;
  struct utsname u {};
  if (::uname(&u) == 0) {
    info.kernel = u.release;
    info.host = u.nodename;
  }
  info.start_ns = RealtimeNs();

  const bool quiet = parsed->Has("--quiet");
  LearnSink sink(*store, info, !quiet && ::isatty(STDERR_FILENO), ReadAccessOptions());
  TraceOptions opts;
  opts.learn_access = true;
  opts.argv = parsed->command;
  opts.exe = *exe;
  opts.no_new_privs = ::geteuid() != 0 || parsed->Has("--no-new-privs");
  opts.stacks = *stacks;

  Result<TraceResult> result = backend == "notify" ? NotifyBackend().Run(opts, sink)
                                                    : PtraceBackend().Run(opts, sink);
  sink.ClearStatus();
  if (!result) {
    if (result.error().domain == ErrorDomain::kExec)
      return ReportExecFailure(parsed->command[0], result.error());
    PrintError(result.error());
    // Whatever was learned before the failure is still saved.
    (void)sink.Flush(RealtimeNs());
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
  if (auto r = sink.Flush(RealtimeNs()); !r) {
    PrintError(fmt::format("saving the run to {}: {}", db_path, r.error().Message()));
    return kExitSeclearnFailure;
  }
  if (sink.run_id() != 0) {
    if (auto r = store->EndRun(sink.run_id(), RealtimeNs(), exit_status); !r) {
      PrintError(r.error());
      return kExitSeclearnFailure;
    }
  }
  if (!quiet) {
    const Aggregator& agg = sink.aggregator();
    std::fprintf(stderr,
                 "seclearn: %s run %lld: %llu distinct syscalls, %llu process%s, %llu calls in "
                 "%.2fs, exit %d (%s)\n",
                 app->c_str(), static_cast<long long>(sink.run_id()),
                 static_cast<unsigned long long>(agg.distinct_syscalls()),
                 static_cast<unsigned long long>(result->processes),
                 result->processes == 1 ? "" : "es",
                 static_cast<unsigned long long>(agg.total_syscalls()),
                 static_cast<double>(result->duration_ns) / 1e9, exit_status, db_path.c_str());
  }
  return exit_status;
}

}  // namespace seclearn::cli
