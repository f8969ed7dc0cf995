#include "seclearn/core/landlock.h"

#include <fmt/format.h>

#include <array>
#include <optional>

#include "seclearn/core/json.h"

namespace seclearn {
namespace {

// Bit i is the i-th name, as landlockconfig's schema spells them.
constexpr std::array<std::string_view, 16> kFsNames = {
    "execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
    "make_char", "make_dir",   "make_reg",  "make_sock", "make_fifo",  "make_block",
    "make_sym",  "refer",      "truncate",  "ioctl_dev"};
constexpr std::array<std::string_view, 2> kNetNames = {"bind_tcp", "connect_tcp"};
constexpr std::array<std::string_view, 2> kScopeNames = {"abstract_unix_socket", "signal"};

template <size_t N>
std::string Names(const std::array<std::string_view, N>& names, uint64_t bits) {
  std::string out;
  for (size_t i = 0; i < N; ++i)
    if (bits & (1ull << i)) out += fmt::format("{}{}", out.empty() ? "" : ", ", names[i]);
  return out;
}

template <size_t N>
Json NameArray(const std::array<std::string_view, N>& names, uint64_t bits) {
  Json a = Json::Array();
  for (size_t i = 0; i < N; ++i)
    if (bits & (1ull << i)) a.Push(Json::String(std::string(names[i])));
  return a;
}

// '$' starts a variable in the format's strings; "$$" is one literal '$'.
std::string EscapeTemplate(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

Error Bad(std::string_view source, const Json& at, std::string_view what) {
  return ParseError(fmt::format("{}:{}:{}: {}", source, at.pos().line, at.pos().col, what));
}

Result<std::string> UnescapeTemplate(std::string_view source, const Json& at) {
  const std::string& s = at.AsString();
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 == s.size()) {
      out += s[i];
    } else if (s[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (s[i + 1] == '{') {
      return Bad(source, at, "variables (${NAME}) are not supported: write the path itself");
    } else {
      out += '$';
    }
  }
  return out;
}

enum class Kind { kFs, kNet, kScope };

// One right's name, or an abi.* group resolved against `abi` (0: none given).
Result<uint64_t> Right(Kind kind, const Json& v, int abi, std::string_view source) {
  if (!v.is_string()) return Bad(source, v, "an access right must be a string");
  const std::string& name = v.AsString();
  auto find = [&](auto names) -> std::optional<uint64_t> {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return 1ull << i;
    return std::nullopt;
  };
  std::optional<uint64_t> bit = kind == Kind::kFs    ? find(kFsNames)
                                : kind == Kind::kNet ? find(kNetNames)
                                                     : find(kScopeNames);
  if (bit) return *bit;
  if (name.starts_with("abi.")) {
    if (abi == 0) return Bad(source, v, fmt::format("\"{}\" needs \"abi\"", name));
    if (name == "abi.all") {
      return kind == Kind::kFs    ? LandlockFsRights(abi)
             : kind == Kind::kNet ? LandlockNetRights(abi)
                                  : LandlockScopes(abi);
    }
    if (kind == Kind::kFs && name == "abi.read_execute")
      return (kLlExecute | kLlReadFile | kLlReadDir | kLlRefer) & LandlockFsRights(abi);
    if (kind == Kind::kFs && name == "abi.read_write")
      return LandlockFsRights(abi) & ~uint64_t{kLlExecute};
  }
  return Bad(source, v, fmt::format("unknown {} \"{}\"",
                                    kind == Kind::kScope ? "scope" : "access right", name));
}

Result<uint64_t> Rights(Kind kind, const Json& arr, int abi, std::string_view source,
                        std::string_view key) {
  if (!arr.is_array() || arr.AsArray().empty())
    return Bad(source, arr, fmt::format("\"{}\" must be a non-empty array", key));
  uint64_t bits = 0;
  for (const Json& v : arr.AsArray()) {
    auto b = Right(kind, v, abi, source);
    if (!b) return b.error();
    bits |= *b;
  }
  return bits;
}

Result<void> OnlyKeys(const Json& obj, std::initializer_list<std::string_view> keys,
                      std::string_view source, std::string_view what) {
  if (!obj.is_object()) return Bad(source, obj, fmt::format("{} must be an object", what));
  for (const auto& [k, v] : obj.AsObject()) {
    bool known = false;
    for (std::string_view key : keys) known = known || k == key;
    if (!known) return Bad(source, v, fmt::format("unknown key \"{}\" in {}", k, what));
  }
  return {};
}

}  // namespace

uint64_t LandlockFsRights(int abi) {
  if (abi < 1) return 0;
  uint64_t r = (1ull << 13) - 1;  // execute .. make_sym
  if (abi >= 2) r |= kLlRefer;
  if (abi >= 3) r |= kLlTruncate;
  if (abi >= 5) r |= kLlIoctlDev;
  return r;
}
uint64_t LandlockNetRights(int abi) { return abi >= 4 ? kLlBindTcp | kLlConnectTcp : 0; }
uint64_t LandlockScopes(int abi) {
  return abi >= 6 ? kLlScopeAbstractUnix | kLlScopeSignal : 0;
}

std::string LandlockFsNames(uint64_t fs) { return Names(kFsNames, fs); }
std::string LandlockNetNames(uint64_t net) { return Names(kNetNames, net); }
std::string LandlockScopeNames(uint64_t scopes) { return Names(kScopeNames, scopes); }

Result<std::string> WriteLandlockRuleset(const LandlockRuleset& r) {
  Json doc = Json::Object();
  doc.Set("abi", Json::Int(r.abi));
  Json set = Json::Object();
  if (r.handled_fs) set.Set("handledAccessFs", NameArray(kFsNames, r.handled_fs));
  if (r.handled_net) set.Set("handledAccessNet", NameArray(kNetNames, r.handled_net));
  if (r.scoped) set.Set("scoped", NameArray(kScopeNames, r.scoped));
  if (!set.AsObject().empty()) {
    Json sets = Json::Array();
    sets.Push(std::move(set));
    doc.Set("ruleset", std::move(sets));
  }
  Json paths = Json::Array();
  for (const LandlockPathRule& p : r.paths) {
    Json parents = Json::Array();
    for (const std::string& path : p.parents) {
      if (!IsValidUtf8(path) || path.find('\0') != std::string::npos)
        return UsageError("a Landlock path must be UTF-8 without NUL bytes");
      parents.Push(Json::String(EscapeTemplate(path)));
    }
    paths.Push(Json::Object()
                   .Set("allowedAccess", NameArray(kFsNames, p.access))
                   .Set("parent", std::move(parents)));
  }
  if (!paths.AsArray().empty()) doc.Set("pathBeneath", std::move(paths));
  Json ports = Json::Array();
  for (const LandlockPortRule& p : r.ports) {
    Json list = Json::Array();
    for (uint64_t port : p.ports) list.Push(Json::Uint(port));
    ports.Push(Json::Object()
                   .Set("allowedAccess", NameArray(kNetNames, p.access))
                   .Set("port", std::move(list)));
  }
  if (!ports.AsArray().empty()) doc.Set("netPort", std::move(ports));
  return WriteJson(doc, 2) + "\n";
}

Result<LandlockRuleset> ParseLandlockRuleset(std::string_view text, std::string_view source) {
  auto doc = ParseJson(text, source);
  if (!doc) return doc.error();
  if (auto r = OnlyKeys(*doc, {"abi", "variable", "ruleset", "pathBeneath", "netPort"}, source,
                        "the ruleset file");
      !r)
    return r.error();
  LandlockRuleset out;
  if (const Json* v = doc->Find("variable"))
    return Bad(source, *v, "variables (\"variable\") are not supported: write the paths");
  if (const Json* abi = doc->Find("abi")) {
    const auto n = abi->AsInt64();
    if (!abi->is_number() || !n || *n < 1 || *n > 2147483647)
      return Bad(source, *abi, "\"abi\" must be an integer from 1");
    out.abi = static_cast<int>(*n);
  }
  if (const Json* sets = doc->Find("ruleset")) {
    if (!sets->is_array() || sets->AsArray().empty())
      return Bad(source, *sets, "\"ruleset\" must be a non-empty array");
    for (const Json& set : sets->AsArray()) {
      if (auto r = OnlyKeys(set, {"handledAccessFs", "handledAccessNet", "scoped"}, source,
                            "a ruleset");
          !r)
        return r.error();
      if (set.AsObject().empty()) return Bad(source, set, "a ruleset must handle something");
      const std::pair<const char*, std::pair<Kind, uint64_t*>> fields[] = {
          {"handledAccessFs", {Kind::kFs, &out.handled_fs}},
          {"handledAccessNet", {Kind::kNet, &out.handled_net}},
          {"scoped", {Kind::kScope, &out.scoped}}};
      for (const auto& [key, what] : fields) {
        const Json* v = set.Find(key);
        if (v == nullptr) continue;
        auto bits = Rights(what.first, *v, out.abi, source, key);
        if (!bits) return bits.error();
        *what.second |= *bits;
      }
    }
  }
  if (const Json* rules = doc->Find("pathBeneath")) {
    if (!rules->is_array() || rules->AsArray().empty())
      return Bad(source, *rules, "\"pathBeneath\" must be a non-empty array");
    for (const Json& rule : rules->AsArray()) {
      if (auto r = OnlyKeys(rule, {"allowedAccess", "parent"}, source, "a pathBeneath rule"); !r)
        return r.error();
      const Json* access = rule.Find("allowedAccess");
      const Json* parents = rule.Find("parent");
      if (access == nullptr || parents == nullptr)
        return Bad(source, rule, "a pathBeneath rule needs \"allowedAccess\" and \"parent\"");
      LandlockPathRule p;
      auto bits = Rights(Kind::kFs, *access, out.abi, source, "allowedAccess");
      if (!bits) return bits.error();
      p.access = *bits;
      if (!parents->is_array() || parents->AsArray().empty())
        return Bad(source, *parents, "\"parent\" must be a non-empty array");
      for (const Json& path : parents->AsArray()) {
        if (!path.is_string()) return Bad(source, path, "a parent must be a string");
        auto unescaped = UnescapeTemplate(source, path);
        if (!unescaped) return unescaped.error();
        if (unescaped->empty()) return Bad(source, path, "a parent must not be empty");
        p.parents.push_back(std::move(*unescaped));
      }
      out.paths.push_back(std::move(p));
    }
  }
  if (const Json* rules = doc->Find("netPort")) {
    if (!rules->is_array() || rules->AsArray().empty())
      return Bad(source, *rules, "\"netPort\" must be a non-empty array");
    for (const Json& rule : rules->AsArray()) {
      if (auto r = OnlyKeys(rule, {"allowedAccess", "port"}, source, "a netPort rule"); !r)
        return r.error();
      const Json* access = rule.Find("allowedAccess");
      const Json* ports = rule.Find("port");
      if (access == nullptr || ports == nullptr)
        return Bad(source, rule, "a netPort rule needs \"allowedAccess\" and \"port\"");
      LandlockPortRule p;
      auto bits = Rights(Kind::kNet, *access, out.abi, source, "allowedAccess");
      if (!bits) return bits.error();
      p.access = *bits;
      if (!ports->is_array() || ports->AsArray().empty())
        return Bad(source, *ports, "\"port\" must be a non-empty array");
      for (const Json& port : ports->AsArray()) {
        const auto n = port.AsUint64();
        if (!port.is_number() || !n) return Bad(source, port, "a port must be an integer >= 0");
        p.ports.push_back(*n);
      }
      out.ports.push_back(std::move(p));
    }
  }
  if (!doc->Find("ruleset") && !doc->Find("pathBeneath") && !doc->Find("netPort"))
    return Bad(source, *doc, "the file has no \"ruleset\", \"pathBeneath\" or \"netPort\"");
  return out;
}

}  // namespace seclearn
