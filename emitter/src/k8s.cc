#include "seclearn/emitter/k8s.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>

#include "seclearn/core/json.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {
namespace {

// A JSON string literal is a YAML double-quoted scalar: quoting everything keeps the document's
// structure independent of the text.
std::string Quote(std::string_view s) { return WriteJson(Json::String(std::string(s)), 0); }

// What SPO's path check lets through, minus the space (its template does not quote paths).
bool SpoSafe(unsigned char c) { return std::isalnum(c) || std::strchr("_./*?+-", c) != nullptr; }

// Length of the AppArmor escape at t[i] == '\\': \ooo, \xHH, \dNNN or \c.
size_t EscapeLength(std::string_view t, size_t i) {
  auto count = [&](size_t from, size_t max, auto is) {
    size_t n = 0;
    while (n < max && from + n < t.size() && is(static_cast<unsigned char>(t[from + n]))) ++n;
    return n;
  };
  if (i + 1 >= t.size()) return 1;
  const char c = t[i + 1];
  if (c >= '0' && c <= '7')
    return 1 + count(i + 1, 3, [](unsigned char d) { return d >= '0' && d <= '7'; });
  if (c == 'x') return 2 + count(i + 2, 2, [](unsigned char d) { return std::isxdigit(d) != 0; });
  if (c == 'd') return 2 + count(i + 2, 3, [](unsigned char d) { return std::isdigit(d) != 0; });
  return 2;
}

// The index of the unescaped `close` ending the group opened at t[i], or npos.
size_t Closing(std::string_view t, size_t i, char open, char close) {
  int depth = 0;
  for (size_t j = i; j < t.size(); ++j) {
    if (t[j] == '\\') {
      j += EscapeLength(t, j) - 1;
    } else if (t[j] == open) {
      ++depth;
    } else if (t[j] == close && --depth == 0) {
      return j;
    }
  }
  return std::string_view::npos;
}

std::vector<std::string> SplitAlternatives(std::string_view t) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t j = 0; j < t.size(); ++j) {
    if (t[j] == '\\') j += EscapeLength(t, j) - 1;
    else if (t[j] == '{') ++depth;
    else if (t[j] == '}') --depth;
    else if (t[j] == ',' && depth == 0) {
      out.emplace_back(t.substr(start, j - start));
      start = j + 1;
    }
  }
  out.emplace_back(t.substr(start));
  return out;
}

void ExpandSpo(std::string_view t, std::string prefix, std::vector<std::string>& out,
               bool& wider) {
  for (size_t i = 0; i < t.size();) {
    const unsigned char c = t[i];
    size_t end = std::string_view::npos;
    if (c == '\\') {
      i += EscapeLength(t, i);
    } else if (c == '@' && i + 1 < t.size() && t[i + 1] == '{' &&
               (end = t.find('}', i)) != std::string_view::npos) {
      prefix += t.substr(i, end - i + 1);  // a variable seclearn wrote: @{PROC}, @{pid}
      i = end + 1;
      continue;
    } else if (c == '[' && (end = Closing(t, i, '[', ']')) != std::string_view::npos) {
      i = end + 1;
    } else if (c == '{' && (end = Closing(t, i, '{', '}')) != std::string_view::npos) {
      for (const auto& alt : SplitAlternatives(t.substr(i + 1, end - i - 1)))
        ExpandSpo(alt + std::string(t.substr(end + 1)), prefix, out, wider);
      return;
    } else if (SpoSafe(c)) {
      prefix += static_cast<char>(c);
      ++i;
      continue;
    } else {
      ++i;
    }
    prefix += '?';  // one byte (or one class) SPO cannot name: any character but '/'
    wider = true;
  }
  out.push_back(std::move(prefix));
}

struct SpoLists {
  std::set<std::string> executables, libraries, read_only, write_only, read_write;
};

// SPO denies w, l and k on a read-only path and r on a write-only one: where such a path
// shares files with another rule that needs what it denies, make it read-write instead.
void ResolveSpoDenials(SpoLists& l, std::vector<std::string>* notes) {
  std::map<std::string, AaGlob> globs;
  auto glob = [&](const std::string& p) -> const AaGlob* {
    auto it = globs.find(p);
    if (it == globs.end()) {
      auto g = AaGlob::Compile(p, BuiltinAaVariables());
      if (!g) return nullptr;
      it = globs.emplace(p, std::move(*g)).first;
    }
    return &it->second;
  };
  auto clashes = [&](const std::string& p,
                     std::initializer_list<const std::set<std::string>*> sets) {
    const AaGlob* g = glob(p);
    for (const auto* set : sets)
      for (const auto& q : *set) {
        const AaGlob* h = glob(q);
        if (q != p && g && h && g->Overlaps(*h)) return q;
      }
    return std::string();
  };
  for (auto* from : {&l.read_only, &l.write_only}) {
    std::vector<std::string> moved;
    for (const auto& p : *from) {
      const std::string q =
          from == &l.read_only
              ? clashes(p, {&l.write_only, &l.read_write})
              : clashes(p, {&l.read_only, &l.read_write, &l.executables, &l.libraries});
      if (q.empty()) continue;
      moved.push_back(p);
      notes->push_back(fmt::format("k8s-apparmor: {} made read-write: SPO's deny for a {} path "
                                   "would also cover {}",
                                   p, from == &l.read_only ? "read-only" : "write-only", q));
    }
    for (const auto& p : moved) {
      from->erase(p);
      l.read_write.insert(p);
    }
  }
}

void YamlList(std::string& y, std::string_view indent, std::string_view key,
              const std::set<std::string>& items) {
  if (items.empty()) return;
  y += fmt::format("{}{}:\n", indent, key);
  for (const auto& i : items) y += fmt::format("{}- {}\n", indent, Quote(i));
}

}  // namespace

std::vector<std::string> SpoPaths(std::string_view token) {
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"')
    token = token.substr(1, token.size() - 2);
  std::vector<std::string> out;
  bool wider = false;
  ExpandSpo(token, "", out, wider);
  return out;
}

std::string K8sName(std::string_view app) {
  std::string out;
  for (unsigned char c : app) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (c == '.' || c == '-') out += static_cast<char>(c);
    else out += '-';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  if (out.size() > 253) out.resize(253);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.empty() ? "seclearn-profile" : out;
}

std::string WriteK8sSeccompProfile(const SeccompProfile& p, std::string_view app) {
  std::string y;
  y += "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n";
  y += "kind: SeccompProfile\n";
  y += "metadata:\n";
  y += fmt::format("  name: {}\n", Quote(K8sName(app)));
  y += "  annotations:\n";
  y += fmt::format("    seclearn.io/app: {}\n", Quote(app));
  for (size_t i = 0; i < p.syscalls.size(); ++i) {
    if (!p.syscalls[i].comment.empty())
      y += fmt::format("    seclearn.io/rule-{}: {}\n", i, Quote(p.syscalls[i].comment));
  }
  y += "spec:\n";
  y += fmt::format("  defaultAction: {}\n", Quote(SeccompActionName(p.default_action)));
  if (p.default_errno_ret) y += fmt::format("  defaultErrnoRet: {}\n", *p.default_errno_ret);
  if (!p.architectures.empty()) {
    y += "  architectures:\n";
    for (const auto& a : p.architectures) y += fmt::format("  - {}\n", Quote(a));
  }
  if (!p.listener_path.empty()) y += fmt::format("  listenerPath: {}\n", Quote(p.listener_path));
  if (!p.listener_metadata.empty())
    y += fmt::format("  listenerMetadata: {}\n", Quote(p.listener_metadata));
  if (!p.syscalls.empty()) y += "  syscalls:\n";
  for (const auto& r : p.syscalls) {
    y += fmt::format("  - action: {}\n", Quote(SeccompActionName(r.action)));
    if (r.errno_ret) y += fmt::format("    errnoRet: {}\n", *r.errno_ret);
    y += "    names:\n";
    for (const auto& n : r.names) y += fmt::format("    - {}\n", Quote(n));
    if (!r.args.empty()) {
      y += "    args:\n";
      for (const auto& a : r.args) {
        y += fmt::format("    - index: {}\n      value: {}\n", a.index, a.value);
        if (a.value_two != 0) y += fmt::format("      valueTwo: {}\n", a.value_two);
        y += fmt::format("      op: {}\n", Quote(SeccompOpName(a.op)));
      }
    }
  }
  return y;
}

std::string WriteK8sAppArmorProfile(const AaProfile& p, std::string_view app,
                                    std::vector<std::string>* notes) {
  SpoLists l;
  for (const AaFileRule* r : p.AllowRules()) {
    std::vector<std::string> paths;
    bool wider = false;
    ExpandSpo(r->path, "", paths, wider);
    if (wider) {
      notes->push_back(fmt::format("k8s-apparmor: {} {} written as {} (SPO accepts no other "
                                   "characters in a path)",
                                   r->Token(), r->modes, fmt::join(paths, " ")));
    }
    const bool exec = (r->perms & kAaExec) != 0;
    const bool mmap = (r->perms & kAaMmap) != 0;
    const bool read = (r->perms & kAaRead) != 0;
    const bool write = (r->perms & (kAaWrite | kAaAppend | kAaLink | kAaLock)) != 0;
    for (const auto& path : paths) {
      if (exec) l.executables.insert(path);
      if (mmap) l.libraries.insert(path);
      if (write) (read ? l.read_write : l.write_only).insert(path);
      else if (read && !exec && !mmap) l.read_only.insert(path);
    }
  }
  ResolveSpoDenials(l, notes);

  bool tcp = false, udp = false, raw = false;
  for (const std::string& body : p.Bodies("network")) {
    const size_t space = body.find(' ');
    const std::string family = body.substr(0, space);
    const std::string type = space == std::string::npos ? "" : body.substr(space + 1);
    const bool inet = family == "inet" || family == "inet6";
    if (type == "raw") {
      raw = true;
      if (!inet) notes->push_back(fmt::format("k8s-apparmor: network {} raw written as network "
                                              "raw (every family)", family));
    } else if (inet && type == "stream") {
      tcp = true;
    } else if (inet && type == "dgram") {
      udp = true;
    } else {
      notes->push_back(fmt::format("k8s-apparmor: network {} {} left out (SPO's abstract has "
                                   "only tcp, udp and raw)", family, type));
    }
  }
  if (std::any_of(p.includes.begin(), p.includes.end(),
                  [](const AaInclude& i) { return i.name != "abstractions/base"; }))
    notes->push_back("k8s-apparmor: SPO includes only abstractions/base");

  std::string y;
  y += "# Security Profiles Operator AppArmorProfile: spec.abstract, from which SPO writes the\n";
  y += "# profile (SPO removed spec.policy in v0.9.0). Pods use it with securityContext.\n";
  y += fmt::format("# appArmorProfile: {{type: Localhost, localhostProfile: {}}}\n", K8sName(app));
  y += "apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\n";
  y += "kind: AppArmorProfile\n";
  y += "metadata:\n";
  y += fmt::format("  name: {}\n", Quote(K8sName(app)));
  y += "  annotations:\n";
  y += fmt::format("    seclearn.io/app: {}\n", Quote(app));
  y += "spec:\n  abstract:\n";
  if (!l.executables.empty() || !l.libraries.empty()) {
    y += "    executable:\n";
    YamlList(y, "      ", "allowedExecutables", l.executables);
    YamlList(y, "      ", "allowedLibraries", l.libraries);
  }
  if (!l.read_only.empty() || !l.write_only.empty() || !l.read_write.empty()) {
    y += "    filesystem:\n";
    YamlList(y, "      ", "readOnlyPaths", l.read_only);
    YamlList(y, "      ", "writeOnlyPaths", l.write_only);
    YamlList(y, "      ", "readWritePaths", l.read_write);
  }
  y += "    network:\n";
  y += fmt::format("      allowRaw: {}\n", raw);
  y += "      allowedProtocols:\n";
  y += fmt::format("        allowTcp: {}\n        allowUdp: {}\n", tcp, udp);
  if (const auto caps = p.Bodies("capability"); !caps.empty()) {
    y += "    capability:\n";
    YamlList(y, "      ", "allowedCapabilities", std::set<std::string>(caps.begin(), caps.end()));
  }
  return y;
}

}  // namespace seclearn
