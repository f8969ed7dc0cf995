// The OCI data the agent and the runtime shim exchange: the runtime's ContainerProcessState
// message, listenerMetadata, and the learning filter in config.json.
#include <fmt/format.h>
#include <linux/audit.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <set>

#include "seclearn/core/arch.h"
#include "seclearn/core/seccomp_profile.h"
#include "seclearn/core/sha256.h"
#include "seclearn/tracer/oci_agent.h"

namespace seclearn {
namespace {

constexpr std::string_view kMetadataTag = "seclearn";
constexpr std::string_view kAppAnnotation = "seclearn.app";
constexpr std::string_view kAppEnv = "SECLEARN_APP";

Error Bad(std::string_view source, const Json& at, std::string_view what) {
  return ParseError(fmt::format("{}:{}:{}: {}", source, at.pos().line, at.pos().col, what));
}

Result<std::string> OptString(const Json& obj, std::string_view key, std::string_view source,
                              std::string_view where) {
  const Json* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return Bad(source, *v, fmt::format("{}{} must be a string", where, key));
  return v->AsString();
}

Result<pid_t> OptPid(const Json& obj, std::string_view key, std::string_view source,
                     std::string_view where) {
  const Json* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return pid_t{0};
  const auto n = v->AsInt64();
  if (!v->is_number() || !n || *n < 0 || *n > (1ll << 30)) {
    return Bad(source, *v, fmt::format("{}{} must be a process id", where, key));
  }
  return static_cast<pid_t>(*n);
}

// Most distribution kernels are built without CONFIG_X86_X32_ABI: an x32 call then fails
// with ENOSYS whatever the filter says, and filtering x32 would only double the filter that
// runc compiles at every container start.
bool KernelRunsX32() {
#if defined(__x86_64__)
  return ::syscall(static_cast<long>(kX32SyscallBit) | SYS_getpid) >= 0 || errno != ENOSYS;
#else
  return false;
#endif
}

std::vector<uint32_t> DefaultArches() {
  const uint32_t native = NativeAuditArch();
  if (native == AUDIT_ARCH_X86_64) {
    if (KernelRunsX32()) return {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, kAuditArchX32};
    return {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386};
  }
  if (native == AUDIT_ARCH_AARCH64) return {AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM};
  return {native};
}

// The value of NAME in process.env: the first, as the workload's getenv finds it.
std::optional<std::string> ContainerEnv(const Json& config, std::string_view name) {
  const Json* process = config.Find("process");
  const Json* env = process != nullptr && process->is_object() ? process->Find("env") : nullptr;
  if (env == nullptr || !env->is_array()) return std::nullopt;
  const std::string prefix = std::string(name) + "=";
  for (const Json& e : env->AsArray())
    if (e.is_string() && e.AsString().starts_with(prefix)) return e.AsString().substr(prefix.size());
  return std::nullopt;
}

// The app a container is learned as, before the bundle's annotation: the container's
// SECLEARN_APP (process.env), else the shim's `app` (may be empty).
std::string EnvOrShimApp(const Json& config, std::string_view app) {
  return ContainerEnv(config, kAppEnv).value_or(std::string(app));
}

// The container's SECLEARN_APP, else `app`, else the bundle's seclearn.app annotation.
std::string ChosenApp(const Json& config, std::string_view app) {
  if (std::string chosen = EnvOrShimApp(config, app); !chosen.empty()) return chosen;
  if (const Json* ann = config.Find("annotations"); ann && ann->is_object())
    if (const Json* v = ann->Find(kAppAnnotation); v && v->is_string()) return v->AsString();
  return std::string();
}

}  // namespace

std::string ContainerProcessState::Annotation(std::string_view key) const {
  for (const auto& [k, v] : annotations)
    if (k == key) return v;
  return {};
}

Result<ContainerProcessState> ParseContainerProcessState(std::string_view json,
                                                         std::string_view source) {
  auto doc = ParseJson(json, source);
  if (!doc) return doc.error();
  if (!doc->is_object()) return Bad(source, *doc, "the message must be a JSON object");
  ContainerProcessState s;
  auto str = [&](const Json& obj, std::string_view key, std::string_view where,
                 std::string* out) -> Result<void> {
    auto v = OptString(obj, key, source, where);
    if (!v) return v.error();
    *out = std::move(*v);
    return {};
  };
  if (auto r = str(*doc, "ociVersion", "", &s.oci_version); !r) return r.error();
  if (auto r = str(*doc, "metadata", "", &s.metadata); !r) return r.error();
  auto pid = OptPid(*doc, "pid", source, "");
  if (!pid) return pid.error();
  s.pid = *pid;
  if (const Json* fds = doc->Find("fds"); fds != nullptr && !fds->is_null()) {
    if (!fds->is_array()) return Bad(source, *fds, "fds must be an array of strings");
    for (const Json& f : fds->AsArray()) {
      if (!f.is_string()) return Bad(source, f, "fds must be an array of strings");
      s.fds.push_back(f.AsString());
    }
  }
  const Json* state = doc->Find("state");
  if (state == nullptr || !state->is_object()) {
    return Bad(source, state ? *state : *doc, "state must be an object");
  }
  if (auto r = str(*state, "id", "state.", &s.id); !r) return r.error();
  if (s.id.empty()) return Bad(source, *state, "state.id is missing");
  if (auto r = str(*state, "status", "state.", &s.status); !r) return r.error();
  if (auto r = str(*state, "bundle", "state.", &s.bundle); !r) return r.error();
  auto state_pid = OptPid(*state, "pid", source, "state.");
  if (!state_pid) return state_pid.error();
  s.state_pid = *state_pid;
  if (s.pid == 0) s.pid = s.state_pid;
  if (const Json* ann = state->Find("annotations"); ann != nullptr && !ann->is_null()) {
    if (!ann->is_object()) return Bad(source, *ann, "state.annotations must be an object");
    for (const auto& [k, v] : ann->AsObject()) {
      if (!v.is_string()) return Bad(source, v, "state.annotations values must be strings");
      s.annotations.emplace_back(k, v.AsString());
    }
  }
  return s;
}

std::string FormatLearningMetadata(const LearningMetadata& m) {
  std::string out(kMetadataTag);
  if (m.watch) {
    out += " watch";
    if (!m.app.empty()) out += fmt::format(" app={}", m.app);
    if (m.version > 0) out += fmt::format(" version={}", m.version);
    out += fmt::format(" on-violation={}", m.deny ? "deny" : "allow");
    if (!m.profile.empty()) out += fmt::format(" profile={}", m.profile);
  }
  if (m.runtime) out += fmt::format(" runtime={}", RuntimeName(*m.runtime));
  if (!m.unnotified.empty()) out += fmt::format(" unnotified={}", fmt::join(m.unnotified, ","));
  return out;
}

LearningMetadata ParseLearningMetadata(std::string_view metadata) {
  LearningMetadata m;
  auto is_name = [](std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  };
  bool tagged = false;
  size_t pos = 0;
  while (pos < metadata.size()) {
    size_t end = metadata.find(' ', pos);
    if (end == std::string_view::npos) end = metadata.size();
    const std::string_view word = metadata.substr(pos, end - pos);
    pos = end + 1;
    if (word == kMetadataTag) {
      tagged = true;
    } else if (tagged && word.starts_with("runtime=")) {
      m.runtime = RuntimeFromName(word.substr(8));
    } else if (tagged && word.starts_with("unnotified=")) {
      std::string_view list = word.substr(11);
      while (!list.empty()) {
        const size_t comma = std::min(list.find(','), list.size());
        if (is_name(list.substr(0, comma))) m.unnotified.emplace_back(list.substr(0, comma));
        list.remove_prefix(std::min(comma + 1, list.size()));
      }
    } else if (tagged && word == "watch") {
      m.watch = true;
    } else if (tagged && word.starts_with("app=")) {
      m.app = word.substr(4);
    } else if (tagged && word.starts_with("version=")) {
      const std::string_view v = word.substr(8);
      int64_t n = 0;
      const auto [stop, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      m.version = ec == std::errc() && stop == v.data() + v.size() && n >= 0 ? n : 0;
    } else if (tagged && word.starts_with("on-violation=")) {
      m.deny = word.substr(13) == "deny";
    } else if (tagged && word.starts_with("profile=")) {
      const std::string_view hex = word.substr(8);
      if (hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
          }))
        m.profile = hex;
    }
  }
  return m;
}

Result<RuntimeKind> RuntimeKindFromName(std::string_view name) {
  std::string_view base = name.substr(name.rfind('/') + 1);
  if (base.starts_with("runc")) return RuntimeKind::kRunc;
  if (base.starts_with("crun")) return RuntimeKind::kCrun;
  return UsageError(fmt::format("unknown runtime '{}' (known: runc, crun)", name));
}

Json LearningSeccomp(const LearningOptions& options, LearningMetadata* metadata) {
  std::vector<uint32_t> arches;
  for (const auto& a : options.architectures) {
    auto info = ArchByName(a);
    if (!info || (info->audit_arch == kAuditArchX32 && !KernelRunsX32())) continue;
    arches.push_back(info->audit_arch);
  }
  if (arches.empty()) arches = DefaultArches();

  LearningMetadata meta;
  meta.runtime = options.runtime;
  SeccompProfile seccomp;
  for (uint32_t a : arches)
    if (auto info = ArchByAudit(a)) seccomp.architectures.emplace_back(info->scmp_name);

  if (options.runtime == RuntimeKind::kCrun) {
    seccomp.default_action = SeccompAction::kNotify;
    meta.unnotified = options.known;
    if (!options.known.empty()) {
      SeccompRule allow;
      allow.action = SeccompAction::kAllow;
      allow.names = options.known;
      seccomp.syscalls.push_back(std::move(allow));
    }
  } else {
    // Every name libseccomp knows on one of the architectures: runc resolves each per
    // architecture and skips those an architecture lacks.
    std::set<std::string> names;
    for (uint32_t a : arches)
      for (std::string& name : NamedSyscalls(a)) names.insert(std::move(name));
    meta.unnotified.assign(kRuncUnnotified.begin(), kRuncUnnotified.end());
    for (const auto& n : options.known)
      if (std::find(meta.unnotified.begin(), meta.unnotified.end(), n) == meta.unnotified.end())
        meta.unnotified.push_back(n);
    SeccompRule notify;
    notify.action = SeccompAction::kNotify;
    for (const auto& n : names)
      if (std::find(meta.unnotified.begin(), meta.unnotified.end(), n) == meta.unnotified.end())
        notify.names.push_back(n);
    seccomp.default_action = SeccompAction::kAllow;
    seccomp.syscalls.push_back(std::move(notify));
  }
  seccomp.listener_path = options.listener_path;
  seccomp.listener_metadata = FormatLearningMetadata(meta);
  if (metadata != nullptr) *metadata = std::move(meta);
  return SeccompProfileJson(seccomp);
}

Result<std::string> RewriteConfigForLearning(std::string_view config_json, std::string_view source,
                                             const LearningOptions& options, std::string_view app) {
  auto doc = ParseJson(config_json, source);
  if (!doc) return doc.error();
  if (!doc->is_object()) return Bad(source, *doc, "config.json must be a JSON object");
  LearningOptions opts = options;
  Json* linux_obj = doc->Find("linux");
  if (linux_obj == nullptr || !linux_obj->is_object()) {
    doc->Set("linux", Json::Object());
    linux_obj = doc->Find("linux");
  }
  if (const Json* old = linux_obj->Find("seccomp");
      old && old->is_object() && opts.architectures.empty()) {
    if (const Json* a = old->Find("architectures"); a && a->is_array())
      for (const Json& n : a->AsArray())
        if (n.is_string()) opts.architectures.push_back(n.AsString());
  }
  linux_obj->Set("seccomp", LearningSeccomp(opts));
  // The container's environment first (docker run -e SECLEARN_APP=NAME: one container's
  // choice, where Docker 20.10 passes no annotations), then the shim's app, which replaces
  // the bundle's annotation (podman --annotation) as an operator's setting does.
  const std::string chosen = EnvOrShimApp(*doc, app);
  if (!chosen.empty()) {
    Json* ann = doc->Find("annotations");
    if (ann == nullptr || !ann->is_object()) {
      doc->Set("annotations", Json::Object());
      ann = doc->Find("annotations");
    }
    ann->Set(std::string(kAppAnnotation), Json::String(chosen));
  }
  return WriteJson(*doc, 2);
}

namespace {

// One rule as the fingerprint sees it: "ACTION errno=N|- args=I:OP:V:V2,... names=A,B".
std::string CanonicalRule(const Json& rule) {
  auto text = [](const Json* v) { return v && v->is_string() ? v->AsString() : std::string(); };
  auto number = [](const Json* v, std::string_view none) {
    if (v == nullptr || v->is_null()) return std::string(none);
    if (auto u = v->AsUint64()) return std::to_string(*u);
    if (auto i = v->AsInt64()) return std::to_string(*i);
    return std::string("?");
  };
  std::set<std::string> names;
  if (const Json* n = rule.Find("name"); n && n->is_string()) names.insert(n->AsString());
  if (const Json* ns = rule.Find("names"); ns && ns->is_array())
    for (const Json& n : ns->AsArray())
      if (n.is_string()) names.insert(n.AsString());
  std::string args;
  if (const Json* as = rule.Find("args"); as && as->is_array()) {
    for (const Json& a : as->AsArray()) {
      if (!a.is_object()) continue;
      args += fmt::format("{}{}:{}:{}:{}", args.empty() ? "" : ",", number(a.Find("index"), "0"),
                          text(a.Find("op")), number(a.Find("value"), "0"),
                          number(a.Find("valueTwo"), "0"));
    }
  }
  return fmt::format("{} errno={} args={} names={}", text(rule.Find("action")),
                     number(rule.Find("errnoRet"), "-"), args, fmt::join(names, ","));
}

}  // namespace

std::string SeccompFingerprint(const Json& seccomp) {
  std::string canonical = "default ";
  if (const Json* d = seccomp.Find("defaultAction"); d && d->is_string())
    canonical += d->AsString();
  std::set<std::string> arches;
  auto add_arch = [&](const Json& a) {
    if (a.is_string()) arches.insert(a.AsString());
  };
  if (const Json* as = seccomp.Find("architectures"); as && as->is_array() && !as->AsArray().empty()) {
    for (const Json& a : as->AsArray()) add_arch(a);
  } else if (const Json* map = seccomp.Find("archMap"); map && map->is_array()) {
    const auto native = ArchByAudit(NativeAuditArch());
    for (const Json& e : map->AsArray()) {
      const Json* arch = e.is_object() ? e.Find("architecture") : nullptr;
      if (arch == nullptr || !arch->is_string() || !native || arch->AsString() != native->scmp_name)
        continue;
      add_arch(*arch);
      if (const Json* subs = e.Find("subArchitectures"); subs && subs->is_array())
        for (const Json& a : subs->AsArray()) add_arch(a);
    }
  }
  canonical += fmt::format("\narches {}", fmt::join(arches, ","));
  std::vector<std::string> rules;
  if (const Json* ss = seccomp.Find("syscalls"); ss && ss->is_array())
    for (const Json& r : ss->AsArray())
      if (r.is_object()) rules.push_back(CanonicalRule(r));
  std::sort(rules.begin(), rules.end());
  for (const std::string& r : rules) canonical += "\nrule " + r;
  return Sha256Hex(canonical);
}

bool SeccompNotifies(const Json& seccomp) {
  auto notify = [](const Json* a) { return a && a->is_string() && a->AsString() == "SCMP_ACT_NOTIFY"; };
  if (notify(seccomp.Find("defaultAction"))) return true;
  if (const Json* ss = seccomp.Find("syscalls"); ss && ss->is_array())
    for (const Json& r : ss->AsArray())
      if (r.is_object() && notify(r.Find("action"))) return true;
  return false;
}

Result<WatchBundle> WatchBundleOf(std::string_view config_json, std::string_view source,
                                  const std::string& listener_path, std::string_view app) {
  auto doc = ParseJson(config_json, source);
  if (!doc) return doc.error();
  if (!doc->is_object()) return Bad(source, *doc, "config.json must be a JSON object");
  WatchBundle out;
  Json* linux_obj = doc->Find("linux");
  Json* seccomp = linux_obj && linux_obj->is_object() ? linux_obj->Find("seccomp") : nullptr;
  if (seccomp == nullptr || !seccomp->is_object() || !SeccompNotifies(*seccomp)) return out;
  if (const Json* l = seccomp->Find("listenerPath"); l && l->is_string() && !l->AsString().empty()) {
    // Our own learning filter (a bundle the shim rewrote before) is learned afresh.
    const Json* md = seccomp->Find("listenerMetadata");
    const std::string metadata = md && md->is_string() ? md->AsString() : "";
    const bool ours = metadata == kMetadataTag ||
                      metadata.starts_with(std::string(kMetadataTag) + " ");
    const bool learning = ours && !ParseLearningMetadata(metadata).watch;
    if (!learning) out.kind = WatchBundle::Kind::kServed;
    return out;
  }
  out.kind = WatchBundle::Kind::kRestored;
  LearningMetadata& m = out.metadata;
  m.watch = true;
  m.profile = SeccompFingerprint(*seccomp);
  const Json* d = seccomp->Find("defaultAction");
  const std::string def = d && d->is_string() ? d->AsString() : "";
  m.deny = def != "SCMP_ACT_NOTIFY" && def != "SCMP_ACT_LOG" && def != "SCMP_ACT_ALLOW";
  m.app = ChosenApp(*doc, app);
  // The metadata is one line of space-separated words: an app name that is not one word is
  // left for the agent to find by the fingerprint.
  if (m.app.find_first_of(" \t\n") != std::string::npos) m.app.clear();
  seccomp->Set("listenerPath", Json::String(listener_path));
  seccomp->Set("listenerMetadata", Json::String(FormatLearningMetadata(m)));
  out.config = WriteJson(*doc, 2);
  return out;
}

Result<std::string> LearningApp(std::string_view config_json, std::string_view source,
                                std::string_view app) {
  auto doc = ParseJson(config_json, source);
  if (!doc) return doc.error();
  if (!doc->is_object()) return Bad(source, *doc, "config.json must be a JSON object");
  return ChosenApp(*doc, app);
}

}  // namespace seclearn
