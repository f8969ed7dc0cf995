// seclearn runtime: an OCI runtime shim that turns `create`/`run` into learning runs.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "commands.h"
#include "seclearn/core/file.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/json.h"
#include "seclearn/tracer/oci_agent.h"

namespace seclearn::cli {
namespace {

constexpr const char* kRuntimeHelp =
    R"(usage: seclearn runtime [--runtime-path PATH] [--agent-socket PATH] [--app NAME] [--full] [--]
                        RUNTIME-ARGS...
       seclearn-runtime RUNTIME-ARGS...      (the seclearn binary under that name)

An OCI runtime shim. For `create` and `run` it rewrites the bundle's config.json so that
linux.seccomp is a learning filter whose listener is `seclearn agent` (every syscall becomes a
notification the agent records; for runc, write and the Go runtime's futex, sched_yield,
nanosleep, getpid, tgkill and rt_sigreturn are allowed unseen and recorded as always needed), sets the annotation seclearn.app=NAME if an app is given (replacing the bundle's), then
executes the real runtime with the original arguments. Every other command (start, state,
kill, delete, ...) goes straight to the runtime. The agent must be running.

A bundle whose linux.seccomp already notifies (SCMP_ACT_NOTIFY: a profile from `seclearn
export --mode watch`) runs under that profile instead of being learned. If the profile has no
listenerPath (Docker 20.10 drops listenerPath and listenerMetadata from --security-opt
seccomp= profiles) the shim puts the agent's socket back, with metadata holding the profile's
fingerprint: the agent records the container as a watch run of the stored version it is.

Use it where a runtime path is configured:
  dockerd --add-runtime seclearn=/usr/local/bin/seclearn-runtime   docker run --runtime=seclearn
  podman --runtime /usr/local/bin/seclearn-runtime run ...
  containerd: the runc shim's BinaryName
Docker passes no environment to runtimes: give the settings in a config file next to the shim,
<dir of the shim>/seclearn-runtime.json, e.g.
  {"runtime_path": "/usr/sbin/runc", "agent_socket": "/run/seclearn/agent.sock", "app": "web",
   "full": false}
or use a wrapper script: exec seclearn runtime --runtime-path /usr/sbin/runc -- "$@".

options (first the option, then $SECLEARN_RUNTIME_PATH / $SECLEARN_AGENT_SOCKET /
$SECLEARN_APP / $SECLEARN_FULL, then the config file):
  --runtime-path PATH  the real runtime (default: runc on $PATH); runc or crun (by file name)
  --agent-socket PATH  the agent's socket (default: /run/seclearn/agent.sock)
  --app NAME           the app containers are learned as, unless the container's own
                       environment names one (SECLEARN_APP=NAME in process.env: docker run
                       -e SECLEARN_APP=web); default: the bundle's seclearn.app annotation
                       (podman --annotation), else the agent uses the container id
  --full               notify every call (SECLEARN_FULL=1, "full": true). Without it, once
                       the app has runs, the shim asks the agent which calls they made with
                       nothing left to learn (no path, descriptor, address, credential or
                       argument value: read, write, epoll_wait, futex, ...) and lets those
                       run unseen, named in listenerMetadata's unnotified list: the agent
                       records them with count 0, as `seclearn learn` re-learning does

exit status: the runtime's; 125 when the shim itself fails (bundle unreadable, no agent),
126/127 when the runtime cannot be executed.
)";

struct ShimConfig {
  std::string runtime_path;
  std::string agent_socket;
  std::string app;
  bool full = false;  // notify every call, as an app's first run does (no re-learning)
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// SECLEARN_FULL=1 (any value but empty and "0").
bool EnvFlag(const char* name) {
  const std::string v = Env(name);
  return !v.empty() && v != "0";
}

// The config file next to the shim, if there is one: a missing file is no error, a broken
// one is.
Result<void> ReadConfigFile(const std::string& path, ShimConfig* config) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  auto text = ReadWholeFile(path);
  if (!text) return text.error();
  auto doc = ParseJson(*text, path);
  if (!doc) return doc.error();
  if (!doc->is_object()) return ParseError(fmt::format("{}: expected a JSON object", path));
  for (const auto& [key, value] : doc->AsObject()) {
    if (key == "full") {
      if (!value.is_bool()) {
        return ParseError(fmt::format("{}:{}:{}: \"full\" must be true or false", path,
                                      value.pos().line, value.pos().col));
      }
      config->full = config->full || value.AsBool();
      continue;
    }
    std::string* field = key == "runtime_path"   ? &config->runtime_path
                         : key == "agent_socket" ? &config->agent_socket
                         : key == "app"          ? &config->app
                                                 : nullptr;
    if (field == nullptr) {
      return ParseError(
          fmt::format("{}:{}:{}: unknown key \"{}\" (known: runtime_path, "
                      "agent_socket, app, full)",
                      path, value.pos().line, value.pos().col, key));
    }
    if (!value.is_string()) {
      return ParseError(fmt::format("{}:{}:{}: \"{}\" must be a string", path, value.pos().line,
                                    value.pos().col, key));
    }
    if (field->empty()) *field = value.AsString();
  }
  return {};
}

// The runtime's command (create, run, ...) and the bundle directory it names; runc and crun
// share these global options.
struct RuntimeCall {
  std::string command;
  std::string bundle = ".";
};

RuntimeCall ParseRuntimeArgs(const std::vector<std::string>& args) {
  static const std::set<std::string> kGlobalWithValue = {
      "--root", "--log", "--log-format", "--criu", "--rootless", "--cgroup-manager"};
  RuntimeCall call;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-') break;
    if (kGlobalWithValue.count(a)) ++i;
  }
  if (i >= args.size()) return call;
  call.command = args[i];
  for (++i; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--bundle" || a == "-b") && i + 1 < args.size()) {
      call.bundle = args[++i];
    } else if (a.starts_with("--bundle=")) {
      call.bundle = a.substr(9);
    } else if (a.starts_with("-b=")) {
      call.bundle = a.substr(3);
    }
  }
  return call;
}

// How long the shim waits for the agent's list of known calls; the agent answers between two
// notifications.
constexpr int kQueryTimeoutMs = 2000;

// Rewritten in place, not through a temporary file and rename: ext4 flushes the data of a
// file renamed over another (auto_da_alloc), which would cost more than the rest of the shim;
// the runtime reads the file only after we exec it.
Result<void> RewriteInPlace(const std::string& path, std::string_view text) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError(fmt::format("cannot write {}", path));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pwrite(fd.get(), text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoError(fmt::format("cannot write {}", path));
    done += static_cast<size_t>(n);
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(done)) != 0)
    return ErrnoError(fmt::format("cannot write {}", path));
  return {};
}

Result<void> PrepareBundle(const ShimConfig& config, const std::string& bundle) {
  auto kind = RuntimeKindFromName(config.runtime_path);
  if (!kind) return kind.error();
  const std::string path = bundle + "/config.json";
  auto text = ReadWholeFile(path);
  if (!text) return text.error();
  // A profile that already notifies is a watch profile (export --mode watch): the container
  // runs under it, not learned. One served by a listener runs as it is; one whose listener
  // the engine dropped (Docker 20.10 keeps neither listenerPath nor listenerMetadata) gets the
  // agent's socket back, and the agent finds the stored version by its fingerprint.
  auto watch = WatchBundleOf(*text, path, config.agent_socket, config.app);
  if (!watch) return watch.error();
  if (watch->kind == WatchBundle::Kind::kServed) return {};
  struct stat st {};
  if (::stat(config.agent_socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    return UsageError(fmt::format("no seclearn agent at {} (start `seclearn agent --socket {}`)",
                                  config.agent_socket, config.agent_socket));
  }
  if (watch->kind == WatchBundle::Kind::kRestored) return RewriteInPlace(path, watch->config);
  LearningOptions o;
  o.listener_path = config.agent_socket;
  o.runtime = *kind;
  // Re-learning: the calls the app's earlier runs made with nothing left to learn run unseen.
  auto app = LearningApp(*text, path, config.app);
  if (!app) return app.error();
  if (!config.full && !app->empty()) {
    auto known = QueryKnownCalls(config.agent_socket, *app, kQueryTimeoutMs);
    if (known)
      o.known = std::move(*known);
    else
      PrintWarning(fmt::format("runtime: every call is notified: {}", known.error().Message()));
  }
  auto rewritten = RewriteConfigForLearning(*text, path, o, config.app);
  if (!rewritten) return rewritten.error();
  return RewriteInPlace(path, *rewritten);
}

int Shim(ShimConfig config, const std::vector<std::string>& runtime_args) {
  if (config.runtime_path.empty()) config.runtime_path = "runc";
  if (config.agent_socket.empty()) config.agent_socket = DefaultAgentSocket();
  if (!config.app.empty() && !ValidAppName(config.app)) {
    PrintError(
        fmt::format("runtime: invalid app name '{}': use 1-128 letters, digits, '.', '_' "
                    "or '-'",
                    config.app));
    return kExitSeclearnFailure;
  }
  auto exe = FindExecutable(config.runtime_path);
  if (!exe) return ReportExecFailure(config.runtime_path, exe.error());
  config.runtime_path = *exe;
  const RuntimeCall call = ParseRuntimeArgs(runtime_args);
  if (call.command == "create" || call.command == "run") {
    if (auto r = PrepareBundle(config, call.bundle); !r) {
      PrintError(fmt::format("runtime: {}", r.error().Message()));
      return kExitSeclearnFailure;
    }
  }
  std::vector<std::string> argv = {config.runtime_path};
  argv.insert(argv.end(), runtime_args.begin(), runtime_args.end());
  CArgv cargv(argv);
  ::execv(config.runtime_path.c_str(), cargv.data());
  return ReportExecFailure(config.runtime_path, ErrnoError(config.runtime_path));
}

}  // namespace

int CmdRuntime(std::span<char*> args) {
  ShimConfig config;
  size_t i = 0;
  auto value = [&](std::string_view opt, std::string* out) -> bool {
    const std::string a = args[i];
    if (a == opt && i + 1 < args.size()) {
      *out = args[++i];
      return true;
    }
    if (a.starts_with(std::string(opt) + "=")) {
      *out = a.substr(opt.size() + 1);
      return true;
    }
    return false;
  };
  for (; i < args.size(); ++i) {
    const std::string a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kRuntimeHelp, stdout);
      return 0;
    }
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--full") {
      config.full = true;
      continue;
    }
    if (!value("--runtime-path", &config.runtime_path) &&
        !value("--agent-socket", &config.agent_socket) && !value("--app", &config.app)) {
      break;  // the runtime's own arguments start here
    }
  }
  if (config.runtime_path.empty()) config.runtime_path = Env("SECLEARN_RUNTIME_PATH");
  if (config.agent_socket.empty()) config.agent_socket = Env("SECLEARN_AGENT_SOCKET");
  if (config.app.empty()) config.app = Env("SECLEARN_APP");
  config.full = config.full || EnvFlag("SECLEARN_FULL");
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (rest.empty()) {
    PrintError("runtime: no runtime arguments (see seclearn runtime --help)");
    return kExitSeclearnFailure;
  }
  return Shim(std::move(config), rest);
}

int CmdRuntimeShim(std::string_view argv0, std::span<char*> args) {
  ShimConfig config;
  config.runtime_path = Env("SECLEARN_RUNTIME_PATH");
  config.agent_socket = Env("SECLEARN_AGENT_SOCKET");
  config.app = Env("SECLEARN_APP");
  config.full = EnvFlag("SECLEARN_FULL");
  // The config file sits next to the name the shim was started as (a symlink to seclearn).
  std::string dir;
  if (const size_t slash = argv0.rfind('/'); slash != std::string_view::npos) {
    dir = std::string(argv0.substr(0, slash));
  } else {
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : ".";
    dir = dir.substr(0, dir.rfind('/'));
  }
  if (dir.empty()) dir = "/";
  if (auto r = ReadConfigFile(dir + "/seclearn-runtime.json", &config); !r) {
    PrintError(fmt::format("runtime: {}", r.error().Message()));
    return kExitSeclearnFailure;
  }
  std::vector<std::string> rest(args.begin(), args.end());
  if (rest.size() == 1 && (rest[0] == "--help" || rest[0] == "-h")) {
    std::fputs(kRuntimeHelp, stdout);
    return 0;
  }
  return Shim(std::move(config), rest);
}

}  // namespace seclearn::cli
