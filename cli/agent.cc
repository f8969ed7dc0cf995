// seclearn agent: the OCI seccomp listener that learns containers.
#include <fmt/format.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/oci_agent.h"

namespace seclearn::cli {
namespace {

constexpr const char* kAgentHelp = R"(usage: seclearn agent [--socket PATH] [--db PATH] [--quiet]
       seclearn agent [--socket PATH] --print-profile [--runtime runc|crun] [-o FILE]

Receives containers from OCI runtimes through the seccomp listener (linux.seccomp.listenerPath)
and records each one as a run: of the app named by its annotation `seclearn.app`, else of an
app named after the container id. Several containers are learned at once; a run ends when the
container's last process does. The runtime's own calls after it installed the filter, up to
the workload's first execve, are kept apart (`seclearn export --runtime` adds them to the
runtime's rule); the workload's calls are the app's.

Containers reach the agent through `seclearn runtime` (an OCI runtime shim for Docker,
containerd, Podman), or with a profile carrying its listenerPath (--print-profile writes one,
e.g. for `podman run --security-opt seccomp=FILE`).

options:
  --socket PATH     the unix socket to listen on (default: $SECLEARN_AGENT_SOCKET, else
                    /run/seclearn/agent.sock); its directory must exist; mode 0600
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db); created if missing
  --quiet           log only problems, not each container
  --print-profile   write the learning seccomp profile for this socket and exit: every call
                    a notification (for runc: every name but write, which runc cannot
                    notify; the agent records write as always needed)
  --runtime NAME    runc (default) or crun: the runtime the printed profile is for
  -o, --output FILE where --print-profile writes (default: stdout)

Malformed messages, peers that disconnect early and descriptors that are not seccomp
listeners are logged and skipped; the agent keeps serving. What is learned is flushed at
least once a second, so SIGKILL loses at most the last second. The first SIGINT/SIGTERM stops
accepting containers and waits for those being learned to end; a second one exits at once
(the kernel then fails their further calls with ENOSYS).

exit status: 0 stopped by a signal; 125 could not start (socket in use, bad database).
)";

void Log(std::string_view line) { fmt::print(stderr, "seclearn: agent: {}\n", OneLine(line)); }

// One container's events -> one run. Calls before the workload's first exec are the
// runtime's (kRuntime), after it the workload's.
class ContainerSink : public EventSink {
 public:
  ContainerSink(Store& store, int64_t run_id, std::string name, LearningMetadata learning)
      : store_(store), run_id_(run_id), name_(std::move(name)), learning_(std::move(learning)) {}

  void OnSyscall(const SyscallEvent& e) override {
    (boundary_ns_ ? workload_ : runtime_).OnSyscall(e);
  }
  SyscallNeeds Needs(const SyscallEvent& e) override {
    return boundary_ns_ ? workload_.Needs(e) : SyscallNeeds{};
  }
  void OnTask(const TaskEvent& e) override { workload_.OnTask(e); }
  void OnExec(const ExecEvent& e) override {
    if (boundary_ns_ == 0) boundary_ns_ = e.time_ns;
    workload_.OnExec(e);
  }
  void OnTick(int64_t now_ns) override {
    if (now_ns - last_flush_ns_ >= 1'000'000'000) (void)Flush(now_ns);
  }

  Result<void> Flush(int64_t now_ns) {
    last_flush_ns_ = now_ns;
    FactsDelta w = workload_.TakeDelta();
    FactsDelta r = runtime_.TakeDelta();
    if (!unnotified_added_) {
      // Calls the filter let through unseen: the workload and the runtime may need them.
      const uint32_t native = NativeAuditArch();
      for (const auto& name : learning_.unnotified) {
        if (auto nr = SyscallNumber(native, name)) {
          w.syscalls.push_back(SyscallFact{native, *nr, 0, now_ns});
          r.syscalls.push_back(SyscallFact{native, *nr, 0, now_ns});
        }
      }
      unnotified_added_ = true;
    }
    for (auto& f : r.syscalls) f.phase = SyscallPhase::kRuntime;
    Append(pending_workload_, std::move(w));
    for (auto& f : r.syscalls) pending_runtime_.push_back(f);
    if (auto res = store_.Flush(run_id_, pending_workload_); !res) return Report(res.error());
    pending_workload_ = {};
    if (auto res = store_.FlushRuntimeSyscalls(run_id_, pending_runtime_); !res)
      return Report(res.error());
    pending_runtime_.clear();
    if (boundary_ns_ != 0 && !boundary_saved_) {
      if (auto res = store_.SetContainerBoundary(run_id_, boundary_ns_); !res)
        return Report(res.error());
      boundary_saved_ = true;
    }
    return {};
  }

  int64_t run_id() const { return run_id_; }
  const std::string& name() const { return name_; }
  uint64_t workload_distinct() const { return workload_.distinct_syscalls(); }
  uint64_t runtime_distinct() const { return runtime_.distinct_syscalls(); }
  bool crossed() const { return boundary_ns_ != 0; }

 private:
  static void Append(FactsDelta& into, FactsDelta&& d) {
    if (into.empty()) {
      into = std::move(d);
      return;
    }
    // Store::Flush adds counts: several entries for one key are still right.
    for (auto& s : d.syscalls) into.syscalls.push_back(s);
    for (auto& e : d.executables) into.executables.push_back(std::move(e));
    into.new_processes += d.new_processes;
  }
  Result<void> Report(const Error& e) {
    if (!warned_) Log(fmt::format("{}: cannot save yet, will retry: {}", name_, e.Message()));
    warned_ = true;
    return e;
  }

  Store& store_;
  int64_t run_id_;
  std::string name_;
  LearningMetadata learning_;
  Aggregator workload_;
  Aggregator runtime_;
  FactsDelta pending_workload_;
  std::vector<SyscallFact> pending_runtime_;
  int64_t boundary_ns_ = 0;
  int64_t last_flush_ns_ = 0;
  bool boundary_saved_ = false;
  bool unnotified_added_ = false;
  bool warned_ = false;
};

class ContainerLearner : public ContainerObserver {
 public:
  ContainerLearner(Store& store, bool quiet) : store_(store), quiet_(quiet) {
    struct utsname u {};
    if (::uname(&u) == 0) {
      kernel_ = u.release;
      host_ = u.nodename;
    }
  }

  EventSink* OnContainerStart(const ContainerStart& start) override {
    const ContainerProcessState& st = start.state;
    std::string app = st.Annotation("seclearn.app");
    if (!app.empty() && !ValidAppName(app)) {
      Log(
          fmt::format("container {}: annotation seclearn.app '{}' is not a valid app name; "
                      "using the container id",
                      st.id, app));
      app.clear();
    }
    if (app.empty()) app = st.id;
    if (!ValidAppName(app)) {
      Log(
          fmt::format("container '{}': its id is not a valid app name and it has no "
                      "seclearn.app annotation; runs unrecorded",
                      st.id));
      return nullptr;
    }
    RunInfo info;
    info.app = app;
    info.argv = start.args;
    info.backend = "notify";
    info.kernel = kernel_;
    info.host = host_;
    info.start_ns = start.time_ns;
    auto run = store_.BeginRun(info);
    if (!run) {
      Log(fmt::format("container {}: cannot record it: {}; runs unrecorded", st.id,
                      run.error().Message()));
      return nullptr;
    }
    ContainerRecord rec;
    rec.run_id = *run;
    rec.container_id = st.id;
    rec.runtime = start.learning.runtime;
    rec.bundle = st.bundle;
    rec.pid = st.pid;
    if (auto r = store_.AddContainer(rec); !r) {
      Log(fmt::format("container {}: {}", st.id, r.error().Message()));
    }
    const std::string name = fmt::format("container {} (app {}, run {})", st.id, app, *run);
    if (!quiet_) Log(fmt::format("{}: learning", name));
    auto sink = std::make_unique<ContainerSink>(store_, *run, name, start.learning);
    EventSink* out = sink.get();
    sinks_[out] = std::move(sink);
    return out;
  }

  void OnContainerEnd(EventSink* sink, const ContainerStart& /*start*/,
                      const ContainerEnd& end) override {
    auto it = sinks_.find(sink);
    if (it == sinks_.end()) return;
    ContainerSink& s = *it->second;
    if (auto r = s.Flush(end.time_ns); !r) {
      Log(fmt::format("{}: not saved: {}", s.name(), r.error().Message()));
    }
    std::optional<int> status;
    if (end.exit_request >= 0) status = end.exit_request;
    if (auto r = store_.EndContainerRun(s.run_id(), end.time_ns, status); !r) {
      Log(fmt::format("{}: {}", s.name(), r.error().Message()));
    }
    if (!quiet_) {
      Log(
          fmt::format("{}: ended: {} workload syscalls, {} runtime syscalls{}, {} calls, "
                      "exit {}",
                      s.name(), s.workload_distinct(), s.runtime_distinct(),
                      s.crossed() ? "" : " (the workload never started)", end.notifications,
                      status ? std::to_string(*status) : "unknown"));
    }
    sinks_.erase(it);
  }

  void Log(std::string_view line) override { cli::Log(line); }

  // At shutdown: what the containers still running learned so far.
  void FlushAll() {
    for (auto& [p, s] : sinks_) (void)s->Flush(RealtimeNs());
  }

 private:
  Store& store_;
  bool quiet_;
  std::string kernel_;
  std::string host_;
  std::map<EventSink*, std::unique_ptr<ContainerSink>> sinks_;
};

}  // namespace

std::string DefaultAgentSocket() {
  const char* env = std::getenv("SECLEARN_AGENT_SOCKET");
  if (env != nullptr && *env != '\0') return env;
  return "/run/seclearn/agent.sock";
}

int CmdAgent(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--socket", "--db", "--runtime", "-o", "--output"};
  spec.flags = {"--quiet", "--print-profile"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "agent", kAgentHelp, &args_status);
  if (!parsed) return args_status;
  const std::string socket = parsed->Get("--socket").value_or(DefaultAgentSocket());
  if (parsed->Has("--print-profile")) {
    auto kind = RuntimeKindFromName(parsed->Get("--runtime").value_or("runc"));
    if (!kind) {
      PrintError(fmt::format("agent: {}", kind.error().Message()));
      return kExitSeclearnFailure;
    }
    if (socket.empty() || socket[0] != '/') {
      PrintError(
          fmt::format("agent: the socket path '{}' must be absolute (runtimes connect "
                      "from their own working directory)",
                      socket));
      return kExitSeclearnFailure;
    }
    LearningOptions o;
    o.listener_path = socket;
    o.runtime = *kind;
    const std::string out = parsed->Get("-o").value_or(parsed->Get("--output").value_or("-"));
    if (auto r = WriteOutputFile(out, WriteJson(LearningSeccomp(o), 2)); !r) {
      PrintError(r.error());
      return kExitSeclearnFailure;
    }
    return 0;
  }
  if (!NotifyAvailable()) {
    PrintError("agent: this kernel has no seccomp user notification (Linux 5.5+ needed)");
    return kExitSeclearnFailure;
  }
  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = Store::Open(db_path);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto agent = OciAgent::Listen(socket);
  if (!agent) {
    PrintError(fmt::format("agent: {}", agent.error().Message()));
    return kExitSeclearnFailure;
  }
  const bool quiet = parsed->Has("--quiet");
  ContainerLearner learner(*store, quiet);
  if (!quiet) Log(fmt::format("listening on {}, learning into {}", socket, db_path));
  auto r = agent->Serve(learner, ServeOptions{});
  learner.FlushAll();
  if (!r) {
    PrintError(fmt::format("agent: {}", r.error().Message()));
    return kExitSeclearnFailure;
  }
  if (!quiet) Log("stopped");
  return 0;
}

}  // namespace seclearn::cli
