// seclearn agent: the OCI seccomp listener that learns containers.
#include <fmt/format.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "args.h"
#include "commands.h"
#include "recorder.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/json.h"
#include "seclearn/host/cgroup.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/backend.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/oci_agent.h"

namespace seclearn::cli {
namespace {

constexpr const char* kAgentHelp = R"(usage: seclearn agent [--socket PATH] [--db PATH] [--quiet] [--keep-idle-states]
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

Watch mode: a container under a profile from `seclearn export --mode watch` (its
listenerMetadata "seclearn watch app=NAME version=N on-violation=allow|deny") is a production
run of app NAME (source watch in `seclearn show`). Only the calls outside the profile reach
the agent; each is recorded with the container and the executable of its process, then
continued (allow) or failed with EPERM (deny). The next `seclearn export` includes them and
`seclearn diff --app` says they were first needed in production. With no agent listening the
kernel fails those calls with ENOSYS; a restarted agent serves containers started after it.

options:
  --socket PATH     the unix socket to listen on (default: $SECLEARN_AGENT_SOCKET, else
                    /run/seclearn/agent.sock); its directory must exist; mode 0600
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db); created if missing
  --quiet           log only problems, not each container
  --keep-idle-states
                    while containers are learned, do not hold the CPU wake-up latency
                    request `seclearn learn --help` describes (held only while at least one
                    container is served, never while the agent waits)
  --print-profile   write the learning seccomp profile for this socket and exit: every call
                    a notification (for runc: every name but write, which runc cannot
                    notify, and the Go runtime's futex, sched_yield, nanosleep, getpid,
                    tgkill and rt_sigreturn, which would hang runc init before it hands
                    the listener over; the agent records these as always needed)
  --runtime NAME    runc (default) or crun: the runtime the printed profile is for
  -o, --output FILE where --print-profile writes (default: stdout)

Malformed messages, peers that disconnect early and descriptors that are not seccomp
listeners are logged and skipped; the agent keeps serving. What is learned is flushed at
least once a second, so SIGKILL loses at most the last second. The first SIGINT/SIGTERM stops
accepting containers and waits for those being learned to end; a second one exits at once
(the kernel then fails their further calls with ENOSYS).

exit status: 0 stopped by a signal; 125 could not start (socket in use, bad database).
)";

void Log(std::string_view line) { PrintStderrLine("seclearn: agent: " + OneLine(line)); }

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
    const LearningMetadata& meta = start.learning;
    if (meta.watch) return WatchStart(start);
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
    return StartRun(start, app, RunSource::kAgent, "", "learning");
  }

  // A container under a watch-mode profile: a production run of the profile's app, of only
  // the calls outside the profile (the kernel allows the others unseen), all the workload's.
  EventSink* WatchStart(const ContainerStart& start) {
    const LearningMetadata& meta = start.learning;
    const char* answer = meta.deny ? "refused (EPERM)" : "continued";
    if (!ValidAppName(meta.app)) {
      Log(fmt::format("container {}: watch profile names no valid app ('{}'); calls outside "
                      "it are {}, unrecorded",
                      start.state.id, meta.app, answer));
      return nullptr;
    }
    return StartRun(start, meta.app, RunSource::kWatch,
                    fmt::format(", watch, profile version {}",
                                meta.version > 0 ? std::to_string(meta.version) : "unknown"),
                    fmt::format("watching: calls outside the profile are recorded and {}", answer));
  }

  void OnContainerEnd(EventSink* sink, const ContainerStart& /*start*/,
                      const ContainerEnd& end) override {
    auto it = sinks_.find(sink);
    if (it == sinks_.end()) return;
    std::unique_ptr<Container> c = std::move(it->second);
    sinks_.erase(it);
    const RunRecorder& rec = *c->recorder;
    if (end.exit_request >= 0) c->status = end.exit_request;
    c->end_ns = end.time_ns;
    if (c->sampler) c->sampler->Sample();  // the last look, if the cgroup is still there
    // Saved now if the database lets us at once, else at the next ticks: the other containers
    // are not kept waiting on a lock.
    const bool saved = Close(*c, RunRecorder::kTickBusyMs);
    if (!quiet_) {
      Log(
          fmt::format("{}: ended: {} workload syscalls, {} runtime syscalls{}, {} calls, "
                      "exit {}",
                      c->Name(), rec.workload().distinct_syscalls(),
                      rec.runtime().distinct_syscalls(),
                      rec.started() ? "" : " (the workload never started)", end.notifications,
                      c->status ? std::to_string(*c->status) : "unknown"));
    }
    if (!saved) ending_.push_back(std::move(c));
  }

  void OnTick(int64_t /*now_ns*/) override {
    for (auto& [sink, c] : sinks_)
      if (c->sampler) c->sampler->Sample();
    std::erase_if(ending_, [&](const std::unique_ptr<Container>& c) {
      return Close(*c, RunRecorder::kTickBusyMs);
    });
  }

  void Log(std::string_view line) override { cli::Log(line); }

  // Re-learning: the app's native calls with nothing left to learn (NothingLeftToLearn) that
  // every backend may leave unseen (BackendMustSee). None for an app with calls of another
  // architecture: the filter names calls, and a name let through would go unseen on every
  // architecture while the learner records it on the native one only.
  std::vector<std::string> KnownCalls(std::string_view app) override {
    std::vector<std::string> out;
    if (!ValidAppName(app)) return out;
    auto facts = store_.Syscalls(app);
    if (!facts) {
      Log(fmt::format("{}: known calls not read: {}", app, facts.error().Message()));
      return out;
    }
    const uint32_t native = NativeAuditArch();
    for (const SyscallFact& f : *facts) {
      if (f.arch != native) return {};
      if (NothingLeftToLearn(f.arch, f.nr) && !BackendMustSee(f.arch, f.nr))
        out.push_back(SyscallName(f.arch, f.nr));
    }
    if (!quiet_) Log(fmt::format("{}: {} known calls may run unseen (re-learning)", app, out.size()));
    return out;
  }

  // A watch profile whose listener the runtime shim put back (Docker drops it with the
  // metadata): the stored seccomp version with the same fingerprint names the app, the
  // version and the policy. The app the container named is searched first, then every app.
  void ResolveWatchProfile(const ContainerProcessState& st, LearningMetadata* m) override {
    std::vector<std::string> apps;
    if (ValidAppName(m->app)) apps.push_back(m->app);
    if (auto all = store_.Apps()) {
      for (std::string& a : *all)
        if (a != m->app) apps.push_back(std::move(a));
    } else {
      Log(fmt::format("container {}: stored profiles not read: {}", st.id,
                      all.error().Message()));
    }
    for (const std::string& app : apps) {
      auto versions = store_.ProfileVersions(app, "seccomp", /*with_content=*/true);
      if (!versions) continue;
      for (auto v = versions->rbegin(); v != versions->rend(); ++v) {
        std::string& fp = fingerprints_[{app, v->version}];
        if (fp.empty()) {
          auto doc = ParseJson(v->content, "stored profile");
          fp = doc && doc->is_object() ? SeccompFingerprint(*doc) : "-";
        }
        if (fp != m->profile) continue;
        if (!m->app.empty() && m->app != app) {
          Log(fmt::format("container {}: its watch profile is app {}'s, not app {}'s", st.id,
                          app, m->app));
        }
        m->app = app;
        m->version = v->version;
        m->deny = (" " + v->options + " ").find(" --on-violation deny ") != std::string::npos;
        return;
      }
    }
    Log(fmt::format("container {}: its watch profile (restored by the runtime shim) is no "
                    "stored seccomp version; version unknown",
                    st.id));
  }

  // At shutdown: the ended containers not saved yet, and what those still running learned
  // so far; now waiting for other writers as a learner's last flush does.
  void FlushAll() {
    for (auto& c : ending_) {
      if (!Close(*c, sqlite::kBusyTimeoutMs, RunRecorder::kLastFlushPatienceNs))
        Log(fmt::format("{}: not saved: {}", c->Name(), c->last_error));
    }
    ending_.clear();
    for (auto& [p, c] : sinks_) {
      if (auto r = c->recorder->FlushLast(); !r)
        Log(fmt::format("{}: not saved: {}", c->Name(), r.error().Message()));
    }
  }

 private:
  Store& store_;
  bool quiet_;
  std::string kernel_;
  std::string host_;
  // (app, version) -> SeccompFingerprint of the stored seccomp export ("-" if unreadable).
  std::map<std::pair<std::string, int64_t>, std::string> fingerprints_;
  // One container's events -> one run (recorder.h): the runtime's calls up to the workload's
  // first exec apart, the workload's after it.
  struct Container {
    std::unique_ptr<RunRecorder> recorder;
    // The container's cgroup, sampled every tick: its peaks (not for an exec into a running
    // container, whose cgroup holds the container's own processes too).
    std::unique_ptr<CgroupSampler> sampler;
    int64_t start_ns = 0;
    std::string label;  // "container ID (app NAME"
    int64_t end_ns = 0;
    std::optional<int> status;
    std::string last_error;
    std::string Name() const {
      const int64_t run = recorder->run_id();
      return run != 0 ? fmt::format("{}, run {})", label, run) : label + ")";
    }
  };

  // One container's run of `app`: `label_tail` goes after the app in its log label, `verb`
  // is logged at its start.
  EventSink* StartRun(const ContainerStart& start, const std::string& app, RunSource source,
                      std::string_view label_tail, std::string_view verb) {
    const ContainerProcessState& st = start.state;
    const bool watch = source == RunSource::kWatch;
    RunInfo info;
    info.app = app;
    info.argv = start.args;
    info.backend = BackendKind::kNotify;
    info.source = source;
    if (watch) info.on_violation = start.learning.deny ? "deny" : "allow";
    info.kernel = kernel_;
    info.host = host_;
    info.start_ns = start.time_ns;
    // runc exec (docker exec) hands over a listener for a process it starts in a container
    // already running: a run of its own, named by that process's command, marked an exec.
    const bool exec = st.status == "running";
    if (exec) info.argv.clear();
    ContainerRecord rec;
    rec.exec = exec;
    rec.container_id = st.id;
    rec.runtime = start.learning.runtime;
    rec.bundle = st.bundle;
    rec.pid = st.pid;
    auto c = std::make_unique<Container>();
    c->label =
        fmt::format("{}container {} (app {}{}", exec ? "exec into " : "", st.id, app, label_tail);
    RecorderOptions o;
    // Watch: no exec is seen (the profile allows it), so nothing tells the runtime's calls
    // from the workload's, and both are what production needed.
    o.runtime_phase = !watch;
    o.unnotified = start.learning.unnotified;
    // The run and the container's record are written by the recorder's flushes, which never
    // wait long for the write lock: the container's calls are answered meanwhile.
    o.begin_at_once = true;
    o.argv_at_first_exec = exec && !watch;
    o.on_run_begun = [rec](Store& store, int64_t run) mutable {
      rec.run_id = run;
      return store.AddContainer(rec);
    };
    o.on_save_failure = [label = c->label](const Error& e) {
      cli::Log(Store::IsBusy(e)
                   ? fmt::format("{}): another writer holds the database: saving again later",
                                 label)
                   : fmt::format("{}): cannot save yet, will retry: {}", label, e.Message()));
    };
    // Begun by the first tick's flush, within a second.
    c->start_ns = start.time_ns;
    if (!exec) {
      c->sampler = std::make_unique<CgroupSampler>(st.pid);
      c->sampler->Sample();
    }
    c->recorder = std::make_unique<RunRecorder>(&store_, 0, std::move(info), std::move(o));
    if (!quiet_) Log(fmt::format("{}: {}", c->Name(), verb));
    EventSink* out = c->recorder.get();
    sinks_[out] = std::move(c);
    return out;
  }

  // An ended container's last facts and its end. Waits for the write lock `busy_ms` a try,
  // trying again for `patience_ns`; false if not saved yet (last_error says why).
  bool Close(Container& c, int busy_ms, int64_t patience_ns = 0) {
    RunRecorder& rec = *c.recorder;
    auto r = WithBusyTimeout(store_, busy_ms, [&] {
      return RetryWhileBusy(
          [&]() -> Result<void> {
            if (auto f = rec.Flush(RealtimeNs()); !f) return f;
            if (auto e = store_.EndContainerRun(rec.run_id(), c.end_ns, c.status); !e) return e;
            RunResources peaks = c.sampler ? c.sampler->Peaks() : RunResources{};
            if (peaks.source.empty() || rec.run_id() == 0) return {};
            peaks.run_id = rec.run_id();
            peaks.max_fd = rec.workload().max_fd();
            peaks.wall_ns = static_cast<uint64_t>(std::max<int64_t>(0, c.end_ns - c.start_ns));
            return store_.SaveRunResources(peaks);
          },
          patience_ns);
    });
    if (r) return true;
    if (!Store::IsBusy(r.error())) {
      // Not a lock: said once, and the run is left as it is (show marks it unfinished).
      Log(fmt::format("{}: not saved: {}", c.Name(), r.error().Message()));
      return true;
    }
    c.last_error = r.error().Message();
    return false;
  }

  std::map<EventSink*, std::unique_ptr<Container>> sinks_;
  std::vector<std::unique_ptr<Container>> ending_;  // ended, not saved yet
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
  spec.flags = {"--quiet", "--print-profile", "--keep-idle-states"};
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
  ServeOptions serve;
  serve.low_wakeup_latency = !parsed->Has("--keep-idle-states");
  auto r = agent->Serve(learner, serve);
  learner.FlushAll();
  if (!r) {
    PrintError(fmt::format("agent: {}", r.error().Message()));
    return kExitSeclearnFailure;
  }
  if (!quiet) Log("stopped");
  return 0;
}

}  // namespace seclearn::cli
