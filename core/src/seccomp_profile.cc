#include "seclearn/core/seccomp_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "seclearn/core/arch.h"
#include "seclearn/core/capability.h"
#include "seclearn/core/json.h"

namespace seclearn {
namespace {

Json StringArray(const std::vector<std::string>& v) {
  Json a = Json::Array();
  for (const auto& s : v) a.Push(Json::String(s));
  return a;
}

// "EPERM" -> 1, from the C library's own table of names.
std::optional<uint32_t> ErrnoNumber(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (int e = 1; e < 4096; ++e) {
    const char* n = ::strerrorname_np(e);
    if (n != nullptr && name == n) return static_cast<uint32_t>(e);
  }
  return std::nullopt;
}

// The names moby (Go's runtime.GOARCH) and containers-common (libseccomp-golang's) give the
// machine in "includes"/"excludes" "arches".
std::vector<std::string_view> GoArchNames(uint32_t arch) {
  const auto info = ArchByAudit(arch);
  if (!info) return {};
  const std::string_view n = info->short_name;
  if (n == "x86_64") return {"amd64"};
  if (n == "x86") return {"386", "x86"};
  if (n == "aarch64") return {"arm64"};
  if (n == "mipsel") return {"mipsle", "mipsel"};
  if (n == "mipsel64") return {"mips64le", "mipsel64"};
  return {n};
}

bool AnyIn(const std::vector<std::string_view>& names, const std::vector<std::string>& list) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) {
    return std::find(list.begin(), list.end(), n) != list.end();
  });
}

bool Holds(const SeccompTarget& target, const std::string& cap) {
  const auto nr = CapabilityNumber(cap);
  return nr && *nr >= 0 && *nr < 64 && (target.capabilities >> *nr & 1) != 0;
}

Json FilterJson(const SeccompRuleFilter& f) {
  Json out = Json::Object();
  if (!f.caps.empty()) out.Set("caps", StringArray(f.caps));
  if (!f.arches.empty()) out.Set("arches", StringArray(f.arches));
  if (f.min_kernel)
    out.Set("minKernel",
            Json::String(fmt::format("{}.{}", f.min_kernel->major, f.min_kernel->minor)));
  return out;
}

class ProfileReader {
 public:
  explicit ProfileReader(std::string_view source) : source_(source) {}

  Error At(const Json& where, std::string_view message) const {
    return ParseError(
        fmt::format("{}:{}:{}: {}", source_, where.pos().line, where.pos().col, message));
  }

  // Rejects non-objects and duplicate keys; with `known` non-empty, also unknown keys.
  std::optional<Error> CheckObject(const Json& v, std::string_view what,
                                   const std::vector<std::string_view>& known) const {
    if (!v.is_object()) {
      return At(v, fmt::format("{} must be an object, not {}", what, Json::TypeName(v.type())));
    }
    const auto& members = v.AsObject();
    for (size_t k = 0; k < members.size(); ++k) {
      const auto& [key, value] = members[k];
      for (size_t j = 0; j < k; ++j) {
        // A duplicate makes the policy depend on which copy a runtime reads.
        if (members[j].first == key) return At(value, fmt::format("duplicate key \"{}\"", key));
      }
      if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
        return At(value, fmt::format("unknown key \"{}\" in {}", key, what));
      }
    }
    return std::nullopt;
  }

  // Present and not null.
  static const Json* Get(const Json& obj, std::string_view key) {
    const Json* v = obj.Find(key);
    return (v && !v->is_null()) ? v : nullptr;
  }

  std::optional<Error> ReadString(const Json& obj, std::string_view key, std::string* out) const {
    const Json* v = Get(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) return At(*v, fmt::format("\"{}\" must be a string", key));
    *out = v->AsString();
    return std::nullopt;
  }

  std::optional<Error> ReadStrings(const Json& obj, std::string_view key,
                                   std::vector<std::string>* out) const {
    const Json* v = Get(obj, key);
    if (!v) return std::nullopt;
    const std::string message = fmt::format("\"{}\" must be an array of strings", key);
    if (!v->is_array()) return At(*v, message);
    for (const Json& e : v->AsArray()) {
      if (!e.is_string()) return At(e, message);
      if (e.AsString().empty()) return At(e, fmt::format("\"{}\" must not contain \"\"", key));
      out->push_back(e.AsString());
    }
    return std::nullopt;
  }

  std::optional<Error> ReadUint32(const Json& obj, std::string_view key,
                                  std::optional<uint32_t>* out) const {
    const Json* v = Get(obj, key);
    if (!v) return std::nullopt;
    const auto n = v->AsUint64();
    if (!n || *n > std::numeric_limits<uint32_t>::max()) {
      return At(*v, fmt::format("\"{}\" must be an integer between 0 and {}", key,
                                std::numeric_limits<uint32_t>::max()));
    }
    *out = static_cast<uint32_t>(*n);
    return std::nullopt;
  }

  std::optional<Error> ReadAction(const Json& obj, std::string_view key, const Json& owner,
                                  std::string_view what, SeccompAction* out) const {
    std::string name;
    if (auto err = ReadString(obj, key, &name)) return err;
    if (name.empty()) {
      if (!Get(obj, key)) return At(owner, fmt::format("{} has no \"{}\"", what, key));
      return At(*Get(obj, key), fmt::format("\"{}\" must not be empty", key));
    }
    const auto action = SeccompActionFromName(name);
    if (!action) return At(*Get(obj, key), fmt::format("unknown action \"{}\"", name));
    *out = *action;
    return std::nullopt;
  }

  // The return value: `ret_key` (a number), else `name_key` (containers-common's errno
  // name, "EPERM"); both given, they must agree.
  std::optional<Error> ReadErrno(const Json& obj, std::string_view ret_key,
                                 std::string_view name_key, std::optional<uint32_t>* out) const {
    if (auto err = ReadUint32(obj, ret_key, out)) return err;
    std::string name;
    if (auto err = ReadString(obj, name_key, &name)) return err;
    if (name.empty()) return std::nullopt;  // Go's zero value: no name given
    const Json& where = *Get(obj, name_key);
    const auto number = ErrnoNumber(name);
    if (!number) return At(where, fmt::format("\"{}\": unknown errno name \"{}\"", name_key, name));
    if (*out && **out != *number) {
      return At(where, fmt::format("\"{}\" {} is {}, but \"{}\" is {}", name_key, name, *number,
                                   ret_key, **out));
    }
    *out = *number;
    return std::nullopt;
  }

  std::optional<Error> CheckErrnoAction(const Json& obj, std::string_view ret_key,
                                        std::string_view name_key, SeccompAction action,
                                        const std::optional<uint32_t>& errno_ret) const {
    if (errno_ret && !TakesErrnoRet(action)) {
      const std::string_view key = Get(obj, ret_key) ? ret_key : name_key;
      return At(*Get(obj, key),
                fmt::format("\"{}\" is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", key));
    }
    return std::nullopt;
  }

  std::optional<Error> ReadFilter(const Json& rule, std::string_view key,
                                  SeccompRuleFilter* filter) const {
    const Json* v = Get(rule, key);
    if (!v) return std::nullopt;
    static const std::vector<std::string_view> kKeys = {"caps", "arches", "minKernel"};
    if (auto err = CheckObject(*v, fmt::format("\"{}\"", key), kKeys)) return err;
    if (auto err = ReadStrings(*v, "caps", &filter->caps)) return err;
    if (auto err = ReadStrings(*v, "arches", &filter->arches)) return err;
    std::string text;
    if (auto err = ReadString(*v, "minKernel", &text)) return err;
    if (const Json* k = Get(*v, "minKernel")) {
      // moby's form: "<kernel>.<major>", each below 256, not 0.0.
      const auto version = ParseKernelRelease(text);
      if (!version || text.find_first_not_of("0123456789.") != std::string::npos ||
          std::count(text.begin(), text.end(), '.') != 1 || version->major > 255 ||
          version->minor > 255 || *version == KernelVersion{}) {
        return At(*k, "\"minKernel\" must be a kernel version \"MAJOR.MINOR\", such as \"4.8\"");
      }
      filter->min_kernel = *version;
    }
    return std::nullopt;
  }

  std::optional<Error> ReadArg(const Json& v, SeccompArg* arg) const {
    static const std::vector<std::string_view> kKeys = {"index", "value", "valueTwo", "op"};
    if (auto err = CheckObject(v, "syscall argument", kKeys)) return err;
    const Json* index = Get(v, "index");
    if (!index) return At(v, "syscall argument has no \"index\"");
    const auto i = index->AsUint64();
    if (!i || *i > 5) return At(*index, "\"index\" must be an integer between 0 and 5");
    arg->index = static_cast<uint32_t>(*i);
    for (const auto& [key, field] :
         {std::pair{"value", &arg->value}, std::pair{"valueTwo", &arg->value_two}}) {
      const Json* n = Get(v, key);
      if (!n) continue;
      const auto u = n->AsUint64();
      if (!u) return At(*n, fmt::format("\"{}\" must be an unsigned 64-bit integer", key));
      *field = *u;
    }
    std::string op;
    if (auto err = ReadString(v, "op", &op)) return err;
    if (op.empty()) return At(v, "syscall argument has no \"op\"");
    const auto known = SeccompOpFromName(op);
    if (!known) return At(*Get(v, "op"), fmt::format("unknown op \"{}\"", op));
    arg->op = *known;
    return std::nullopt;
  }

  std::optional<Error> ReadRule(const Json& v, SeccompRule* rule) const {
    static const std::vector<std::string_view> kKeys = {
        "names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"};
    if (auto err = CheckObject(v, "syscall rule", kKeys)) return err;
    const Json* names = Get(v, "names");
    const Json* name = Get(v, "name");
    if (names && name) return At(*name, "use either \"name\" or \"names\", not both");
    if (name) {
      // Docker's legacy single-name form.
      std::string n;
      if (auto err = ReadString(v, "name", &n)) return err;
      if (n.empty()) return At(*name, "\"name\" must not be empty");
      rule->names.push_back(std::move(n));
    } else if (names) {
      if (auto err = ReadStrings(v, "names", &rule->names)) return err;
      if (rule->names.empty()) return At(*names, "\"names\" must not be empty");
    } else {
      return At(v, "syscall rule has no \"names\"");
    }
    if (auto err = ReadAction(v, "action", v, "syscall rule", &rule->action)) return err;
    if (auto err = ReadErrno(v, "errnoRet", "errno", &rule->errno_ret)) return err;
    if (auto err = CheckErrnoAction(v, "errnoRet", "errno", rule->action, rule->errno_ret))
      return err;
    if (const Json* args = Get(v, "args")) {
      if (!args->is_array()) return At(*args, "\"args\" must be an array of objects");
      for (const Json& a : args->AsArray()) {
        SeccompArg arg;
        if (auto err = ReadArg(a, &arg)) return err;
        rule->args.push_back(std::move(arg));
      }
    }
    if (auto err = ReadString(v, "comment", &rule->comment)) return err;
    rule->runtime = rule->comment.find(kRuntimeRuleMarker) != std::string::npos;
    if (auto err = ReadFilter(v, "includes", &rule->includes)) return err;
    return ReadFilter(v, "excludes", &rule->excludes);
  }

  std::optional<Error> ReadArchMap(const Json& v, SeccompArchMap* map) const {
    static const std::vector<std::string_view> kKeys = {"architecture", "subArchitectures"};
    if (auto err = CheckObject(v, "archMap entry", kKeys)) return err;
    if (auto err = ReadString(v, "architecture", &map->architecture)) return err;
    if (map->architecture.empty()) return At(v, "archMap entry has no \"architecture\"");
    return ReadStrings(v, "subArchitectures", &map->sub_architectures);
  }

  Result<SeccompProfile> Read(const Json& doc) const {
    SeccompProfile p;
    if (auto err = CheckObject(doc, "a seccomp profile", {})) return *err;
    if (!Get(doc, "defaultAction") && Get(doc, "linux")) {
      return At(doc,
                "missing \"defaultAction\" (this looks like an OCI config.json; pass the "
                "linux.seccomp object)");
    }
    if (auto err = ReadAction(doc, "defaultAction", doc, "profile", &p.default_action)) {
      return *err;
    }
    if (auto err = ReadErrno(doc, "defaultErrnoRet", "defaultErrno", &p.default_errno_ret)) {
      return *err;
    }
    if (auto err = CheckErrnoAction(doc, "defaultErrnoRet", "defaultErrno", p.default_action,
                                    p.default_errno_ret)) {
      return *err;
    }
    if (auto err = ReadStrings(doc, "architectures", &p.architectures)) return *err;
    if (const Json* maps = Get(doc, "archMap")) {
      if (!maps->is_array()) return At(*maps, "\"archMap\" must be an array of objects");
      for (const Json& m : maps->AsArray()) {
        SeccompArchMap map;
        if (auto err = ReadArchMap(m, &map)) return *err;
        p.arch_map.push_back(std::move(map));
      }
    }
    if (auto err = ReadString(doc, "listenerPath", &p.listener_path)) return *err;
    if (auto err = ReadString(doc, "listenerMetadata", &p.listener_metadata)) return *err;
    if (auto err = ReadStrings(doc, "flags", &p.flags)) return *err;
    if (const Json* rules = Get(doc, "syscalls")) {
      if (!rules->is_array()) return At(*rules, "\"syscalls\" must be an array of objects");
      for (const Json& r : rules->AsArray()) {
        SeccompRule rule;
        if (auto err = ReadRule(r, &rule)) return *err;
        p.syscalls.push_back(std::move(rule));
      }
    }
    return p;
  }

 private:
  std::string_view source_;
};

}  // namespace

bool SeccompRuleApplies(const SeccompRule& rule, const SeccompTarget& target) {
  const auto arch = GoArchNames(target.arch);
  const SeccompRuleFilter& ex = rule.excludes;
  if (AnyIn(arch, ex.arches)) return false;
  for (const auto& cap : ex.caps)
    if (Holds(target, cap)) return false;
  if (ex.min_kernel && target.kernel >= *ex.min_kernel) return false;
  const SeccompRuleFilter& in = rule.includes;
  if (!in.arches.empty() && !AnyIn(arch, in.arches)) return false;
  for (const auto& cap : in.caps)
    if (!Holds(target, cap)) return false;
  if (in.min_kernel && target.kernel < *in.min_kernel) return false;
  return true;
}

SeccompProfile SelectSeccompRules(const SeccompProfile& profile, const SeccompTarget& target) {
  SeccompProfile out = profile;
  out.syscalls.clear();
  for (const SeccompRule& rule : profile.syscalls) {
    if (!SeccompRuleApplies(rule, target)) continue;
    out.syscalls.push_back(rule);
    out.syscalls.back().includes = {};
    out.syscalls.back().excludes = {};
  }
  return out;
}

std::optional<KernelVersion> ParseKernelRelease(std::string_view release) {
  KernelVersion v;
  const char* p = release.data();
  const char* end = p + release.size();
  auto number = [&](uint32_t* out) {
    const auto [next, ec] = std::from_chars(p, end, *out);
    if (ec != std::errc() || next == p) return false;
    p = next;
    return true;
  };
  if (!number(&v.major) || p == end || *p != '.') return std::nullopt;
  ++p;
  if (!number(&v.minor)) return std::nullopt;
  return v;
}

Result<SeccompProfile> ParseSeccompProfile(std::string_view text, std::string_view source) {
  auto doc = ParseJson(text, source);
  if (!doc) return doc.error();
  return ProfileReader(source).Read(*doc);
}

Json SeccompProfileJson(const SeccompProfile& p) {
  Json doc = Json::Object();
  doc.Set("defaultAction", Json::String(std::string(SeccompActionName(p.default_action))));
  if (p.default_errno_ret) doc.Set("defaultErrnoRet", Json::Uint(*p.default_errno_ret));
  if (!p.architectures.empty()) doc.Set("architectures", StringArray(p.architectures));
  if (!p.arch_map.empty()) {
    Json maps = Json::Array();
    for (const auto& m : p.arch_map) {
      maps.Push(Json::Object()
                    .Set("architecture", Json::String(m.architecture))
                    .Set("subArchitectures", StringArray(m.sub_architectures)));
    }
    doc.Set("archMap", std::move(maps));
  }
  if (!p.listener_path.empty()) doc.Set("listenerPath", Json::String(p.listener_path));
  if (!p.listener_metadata.empty()) {
    doc.Set("listenerMetadata", Json::String(p.listener_metadata));
  }
  if (!p.flags.empty()) doc.Set("flags", StringArray(p.flags));
  Json rules = Json::Array();
  for (const auto& r : p.syscalls) {
    Json rule = Json::Object();
    rule.Set("names", StringArray(r.names));
    rule.Set("action", Json::String(std::string(SeccompActionName(r.action))));
    if (r.errno_ret) rule.Set("errnoRet", Json::Uint(*r.errno_ret));
    if (!r.args.empty()) {
      Json args = Json::Array();
      for (const auto& a : r.args) {
        args.Push(Json::Object()
                      .Set("index", Json::Uint(a.index))
                      .Set("value", Json::Uint(a.value))
                      .Set("valueTwo", Json::Uint(a.value_two))
                      .Set("op", Json::String(std::string(SeccompOpName(a.op)))));
      }
      rule.Set("args", std::move(args));
    }
    std::string comment = r.comment;
    if (r.runtime && comment.find(kRuntimeRuleMarker) == std::string::npos)
      comment += std::string(comment.empty() ? "" : "; ") + std::string(kRuntimeRuleMarker);
    if (!comment.empty()) rule.Set("comment", Json::String(comment));
    if (!r.includes.empty()) rule.Set("includes", FilterJson(r.includes));
    if (!r.excludes.empty()) rule.Set("excludes", FilterJson(r.excludes));
    rules.Push(std::move(rule));
  }
  doc.Set("syscalls", std::move(rules));
  return doc;
}

std::string WriteSeccompProfile(const SeccompProfile& p) {
  return WriteJson(SeccompProfileJson(p), 2);
}

}  // namespace seclearn
