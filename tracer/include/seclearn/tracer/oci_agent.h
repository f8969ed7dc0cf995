// Learning containers through the OCI seccomp listener (runtime-spec linux.seccomp.listenerPath).
//
// A runtime (runc 1.1+, crun 0.19+) that installs a filter with SCMP_ACT_NOTIFY actions
// connects to listenerPath, sends the container's state as JSON (runtime-spec
// ContainerProcessState: ociVersion, fds ["seccompFd"], pid, metadata, state{id, status, pid,
// bundle, annotations}) in one message with the listener fd as SCM_RIGHTS, and closes. The
// agent serves every container's listener in one poll loop, as a NotifySession each, until its
// last task is gone (POLLHUP).
//
//   auto agent = OciAgent::Listen("/run/seclearn/agent.sock");
//   if (!agent) return agent.error();
//   MyObserver observer;                        // makes one EventSink per container
//   Result<void> r = agent->Serve(observer, {});  // until SIGINT/SIGTERM
//
// The learning filter: LearningSeccomp() builds the linux.seccomp object that makes every
// syscall a notification for a given runtime. runc refuses SCMP_ACT_NOTIFY as the default
// action and on write(2) (it writes the listener fd number to its parent after installing
// the filter), so for runc every syscall name libseccomp knows is listed with
// SCMP_ACT_NOTIFY except write and rt_sigreturn (a Go signal handler returning before runc
// init has handed the listener over would wait on it forever), which are allowed unseen;
// listenerMetadata says so ("unnotified=rt_sigreturn,write") and the learner records them as
// always needed. crun accepts NOTIFY as the default action: nothing is listed, nothing unseen.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/json.h"
#include "seclearn/core/result.h"
#include "seclearn/core/syscall_event.h"

namespace seclearn {

// runtime-spec ContainerProcessState, as runc and crun send it. Strings are untrusted.
struct ContainerProcessState {
  std::string oci_version;
  std::vector<std::string> fds;  // names of the SCM_RIGHTS descriptors, in order
  pid_t pid = 0;                 // the filtered process, as the runtime sees it
  std::string metadata;          // linux.seccomp.listenerMetadata
  std::string id;
  std::string status;
  pid_t state_pid = 0;
  std::string bundle;
  std::vector<std::pair<std::string, std::string>> annotations;

  // The annotation's value, or empty.
  std::string Annotation(std::string_view key) const;
};

// Parses the message; kParse errors say what is wrong ("state.id must be a string").
Result<ContainerProcessState> ParseContainerProcessState(std::string_view json,
                                                         std::string_view source);

// What the seclearn runtime shim (or `seclearn agent --print-profile`) puts in
// listenerMetadata: "seclearn runtime=NAME unnotified=NAME,NAME". Unknown words are ignored.
//
// A watch-mode profile (`seclearn export --mode watch`, emitter/seccomp_mode.h) carries
// "seclearn watch app=NAME version=N on-violation=allow|deny": its container is a production
// run of app NAME, every notified call is outside the profile, and the agent continues it
// (allow) or fails it with EPERM (deny).
struct LearningMetadata {
  std::optional<RuntimeKind> runtime;   // unset: the metadata named none (or none we know)
  std::vector<std::string> unnotified;  // syscall names allowed without a notification
  bool watch = false;
  std::string app;      // watch: app=, as sent (untrusted: the caller validates it)
  int64_t version = 0;  // watch: the profile version, 0 if absent or malformed
  bool deny = false;    // watch: on-violation=deny
  // watch: profile=HEX, the SeccompFingerprint of the profile, where the runtime shim put the
  // listener back (Docker's loader drops listenerPath and listenerMetadata): the agent finds
  // the stored version (and its app and policy) by it. Empty if absent or malformed.
  std::string profile;
};
std::string FormatLearningMetadata(const LearningMetadata& m);
LearningMetadata ParseLearningMetadata(std::string_view metadata);

// The profile's identity as a runtime's loader passes it on: a SHA-256 (64 hex digits) of its
// defaultAction, architectures and rules (action, errnoRet, arguments with valueTwo 0 when
// absent, the names as a set), ignoring what Docker 20.10's loader drops (listenerPath,
// listenerMetadata, flags, defaultErrnoRet, comments) and the order of rules and names. An
// archMap counts as its native architecture's entry, as Docker applies it.
std::string SeccompFingerprint(const Json& seccomp);

// Whether a linux.seccomp object notifies: SCMP_ACT_NOTIFY as its default or a rule's action.
bool SeccompNotifies(const Json& seccomp);

// A bundle whose linux.seccomp already notifies is a watch profile, not a container to learn:
//   kNone      its seccomp does not notify (or it has none), or it is a learning filter of
//              ours (a bundle the shim rewrote before): the shim learns it;
//   kServed    it names a listenerPath (and is no learning filter of ours): run it as it is;
//   kRestored  the listener was dropped on the way (Docker): `config` is the config.json with
//              listenerPath = `listener_path` and listenerMetadata = `metadata` formatted
//              (watch, the app RewriteConfigForLearning would name, the profile's fingerprint,
//              and on-violation=deny where its defaultAction fails calls, as a runc watch
//              profile's deny does; the agent takes both from the stored version it finds).
struct WatchBundle {
  enum class Kind { kNone, kServed, kRestored } kind = Kind::kNone;
  std::string config;
  LearningMetadata metadata;
};
Result<WatchBundle> WatchBundleOf(std::string_view config_json, std::string_view source,
                                  const std::string& listener_path, std::string_view app);

// "runc", "crun", or a path whose file name starts with one of them (the shim's
// --runtime-path); kUsage error otherwise.
Result<RuntimeKind> RuntimeKindFromName(std::string_view name);

struct LearningOptions {
  std::string listener_path;
  RuntimeKind runtime = RuntimeKind::kRunc;
  // The architectures to filter, as SCMP_ARCH_* names; empty: the native one and its compat
  // ones (x86_64: x86, and x32 where the kernel runs x32 calls). x32 is dropped where it
  // does not (it would only make runc's filter twice as long).
  std::vector<std::string> architectures;
  // Re-learning: names the app's earlier runs made that have nothing left to learn (the
  // agent's answer to QueryKnownCalls). Allowed unseen, and named in listenerMetadata's
  // unnotified list, so the learner records them (count 0) as it does runc's own.
  std::vector<std::string> known;
};

// What runc's learning filter lets through unseen: kRuncUnnotified (core/facts.h).

// The linux.seccomp object of the learning filter, and the names it leaves unnotified.
Json LearningSeccomp(const LearningOptions& options, LearningMetadata* metadata = nullptr);

// config.json text -> the same with linux.seccomp replaced by the learning filter and the
// annotation seclearn.app set (replacing the bundle's) to the container's SECLEARN_APP
// (process.env), else to `app` if it is not empty. The
// architectures of an existing linux.seccomp are kept. kParse error if the text is not a
// JSON object.
Result<std::string> RewriteConfigForLearning(std::string_view config_json, std::string_view source,
                                             const LearningOptions& options, std::string_view app);
// The app RewriteConfigForLearning will name: the container's SECLEARN_APP, else `app`, else
// the bundle's seclearn.app annotation; empty if none (the agent then uses the container id).
Result<std::string> LearningApp(std::string_view config_json, std::string_view source,
                                std::string_view app);

// Asks the agent on `socket_path` which calls of `app` may run unseen (re-learning):
// {"seclearn": "known-calls", "app": NAME}, the write side shut down, answered with
// {"known": [NAME, ...]} (ContainerObserver::KnownCalls) before the agent closes. An agent
// that does not answer within `timeout_ms` is an error.
Result<std::vector<std::string>> QueryKnownCalls(const std::string& socket_path,
                                                 std::string_view app, int timeout_ms);

// One container served by the agent.
struct ContainerStart {
  ContainerProcessState state;
  LearningMetadata learning;      // parsed from state.metadata
  std::vector<std::string> args;  // process.args of <bundle>/config.json, if readable
  int64_t time_ns = 0;
};

struct ContainerEnd {
  uint64_t notifications = 0;
  uint64_t processes = 0;
  int exit_request = -1;  // the exit_group status its first process asked for; -1 unknown
  int64_t time_ns = 0;
};

class ContainerObserver {
 public:
  virtual ~ContainerObserver() = default;
  // A container's listener arrived. Returns the sink for its events, or nullptr to let it run
  // without recording it (the agent keeps answering its notifications either way, or every
  // call of the container would fail with ENOSYS).
  virtual EventSink* OnContainerStart(const ContainerStart& start) = 0;
  // Its last task is gone. `sink` is what OnContainerStart returned.
  virtual void OnContainerEnd(EventSink* sink, const ContainerStart& start,
                              const ContainerEnd& end) = 0;
  // One line for the log (no newline), about a connection or a container.
  virtual void Log(std::string_view line) = 0;
  // Every tick (ServeOptions::tick_ms), after the containers' sinks had theirs.
  virtual void OnTick(int64_t /*now_ns*/) {}
  // Re-learning (QueryKnownCalls): native syscall names of `app` (untrusted: as the peer sent
  // it) that its containers may make unseen. None by default.
  virtual std::vector<std::string> KnownCalls(std::string_view /*app*/) { return {}; }
  // A watch profile whose listener the runtime shim put back (LearningMetadata::profile set):
  // fill in the app, version and policy of the stored profile it is, before the first call is
  // answered. Left as the shim sent them by default.
  virtual void ResolveWatchProfile(const ContainerProcessState& /*state*/,
                                   LearningMetadata* /*metadata*/) {}
};

struct ServeOptions {
  // Checked after every event and at least every `tick_ms`: Serve returns when it is false
  // and no container is being served (or at once with `force`).
  std::function<bool()> keep_going;
  int tick_ms = 1000;
  // A connection that has not delivered a complete message and a listener by then is dropped.
  int connection_timeout_ms = 10'000;
  // Return at SIGINT/SIGTERM/SIGHUP: the first one stops accepting connections and waits for
  // the containers being served to end; a second one returns at once.
  bool handle_signals = true;
  // While at least one container is served, hold the wake-up latency request that
  // TraceOptions::low_wakeup_latency describes; dropped whenever none is.
  bool low_wakeup_latency = true;
};

class OciAgent {
 public:
  // Binds a SOCK_STREAM unix socket at `path` (mode 0600) and listens. A stale socket file
  // (nobody accepting) is replaced; a live one is an error, as is any other file there.
  static Result<OciAgent> Listen(const std::string& path);

  OciAgent(OciAgent&&) noexcept;
  OciAgent& operator=(OciAgent&&) noexcept;
  ~OciAgent();  // removes the socket file

  const std::string& path() const;
  // Serves connections and containers until asked to stop (see ServeOptions). Every sink
  // gets OnTick at least once a second. Errors: kErrno for the agent's own failures only;
  // bad peers are logged and skipped.
  Result<void> Serve(ContainerObserver& observer, const ServeOptions& options);
  // Containers being served right now.
  size_t active_containers() const;

 private:
  struct State;
  explicit OciAgent(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace seclearn
