#include "seclearn/emitter/runtime_base.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime_data.h"
#include "seclearn/core/json.h"

namespace seclearn {
namespace {

Result<void> AppendNames(const Json& set, std::string_view where, std::vector<std::string>* out) {
  if (!set.is_object()) return ParseError(fmt::format("{}: expected an object", where));
  for (const auto& [key, list] : set.AsObject()) {
    if (!list.is_array()) continue;  // only lists of names count; other keys are notes
    for (const Json& n : list.AsArray()) {
      if (!n.is_string())
        return ParseError(fmt::format("{}:{}:{}: names must be strings", where, n.pos().line,
                                      n.pos().col));
      out->push_back(n.AsString());
    }
  }
  return {};
}

}  // namespace

const EmbeddedFile* FindEmbeddedData(std::string_view name) {
  for (const auto& f : EmbeddedData())
    if (f.name == name) return &f;
  return nullptr;
}

std::optional<RuntimeKind> FilterInstaller(std::string_view runtime) {
  if (runtime == "docker" || runtime == "containerd") return RuntimeKind::kRunc;
  return RuntimeFromName(runtime);
}

std::string RuntimeBase::Label() const {
  const std::string_view name = RuntimeName(installer);
  return requested == name ? std::string(name) : fmt::format("{} (with {})", requested, name);
}

std::vector<std::string> KnownRuntimes() {
  std::vector<std::string> out = {"containerd", "docker"};
  for (const auto& f : EmbeddedData()) {
    if (f.name.rfind("runtime/", 0) != 0) continue;
    std::string_view n = f.name.substr(8);
    n = n.substr(0, n.find('.'));
    out.emplace_back(n.substr(0, n.find('-')));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<RuntimeBase> LoadRuntimeBase(std::string_view runtime, bool no_new_privileges) {
  const std::optional<RuntimeKind> installer = FilterInstaller(runtime);
  for (const auto& f : EmbeddedData()) {
    if (!installer) break;
    const std::string_view wanted = RuntimeName(*installer);
    if (f.name.rfind("runtime/", 0) != 0) continue;
    const std::string_view file = f.name.substr(8);
    std::string_view stem = file.substr(0, file.find('.'));
    std::string_view base = stem.substr(0, stem.find('-'));
    if (base != wanted) continue;
    auto doc = ParseJson(f.content, f.name);
    if (!doc) return doc.error();
    RuntimeBase out;
    out.requested = std::string(runtime);
    out.installer = *installer;
    out.source = fmt::format("data/{}", f.name);
    out.no_new_privileges = no_new_privileges;
    if (const Json* v = doc->Find("versions"); v && v->is_string()) out.versions = v->AsString();
    if (const Json* p = doc->Find("provenance"); p && p->is_string()) out.provenance = p->AsString();
    const char* key = no_new_privileges ? "no_new_privileges" : "privileged_path";
    const Json* set = doc->Find(key);
    if (set == nullptr) return ParseError(fmt::format("{}: no \"{}\" set", f.name, key));
    if (auto r = AppendNames(*set, f.name, &out.names); !r) return r.error();
    if (!no_new_privileges) {
      // Without no_new_privileges the filter goes in earlier, so everything done after the
      // late install happens under it too.
      if (const Json* late = doc->Find("no_new_privileges"))
        if (auto r = AppendNames(*late, f.name, &out.names); !r) return r.error();
    }
    std::sort(out.names.begin(), out.names.end());
    out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
    return out;
  }
  std::string known;
  for (const auto& r : KnownRuntimes()) known += (known.empty() ? "" : ", ") + r;
  return UsageError(fmt::format("unknown runtime '{}' (known: none, {})", runtime, known));
}

}  // namespace seclearn
