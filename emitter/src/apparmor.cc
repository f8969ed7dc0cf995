#include "seclearn/emitter/apparmor.h"

#include <limits.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "seclearn/core/capability.h"
#include "seclearn/core/path.h"
#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/capabilities.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {
namespace {

std::string Escaped(std::string_view path) { return AaPathExpr().Literal(path).Token(); }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Syscalls that act on a symlink itself rather than on what it points to.
bool ActsOnLink(std::string_view syscall) {
  static const std::set<std::string_view> kNoFollow = {
      "lchown",       "lgetxattr", "link",       "linkat", "listxattr", "llistxattr",
      "lremovexattr", "lsetxattr", "lstat",      "mkdir",  "mkdirat",   "mknod",
      "mknodat",      "readlink",  "readlinkat", "rename", "renameat",  "renameat2",
      "rmdir",        "symlink",   "symlinkat",  "unlink", "unlinkat",
  };
  return kNoFollow.count(syscall) != 0;
}

// Docker's default AppArmor profile (moby profiles/apparmor/template.go) denies these writes
// to /proc and /sys whatever else the profile allows.
struct Denial {
  std::string_view path;
  std::string_view modes;
};
constexpr std::array<Denial, 14> kDockerDenials = {{
    {"@{PROC}/*", "w"},  // files directly in /proc
    // everything under /proc but the pid directories and /proc/sys
    {"@{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}/**", "w"},
    {"@{PROC}/sys/[^k]**", "w"},                        // /proc/sys but kernel/
    {"@{PROC}/sys/kernel/{?,??,[^s][^h][^m]**}", "w"},  // /proc/sys/kernel but shm*
    {"@{PROC}/sysrq-trigger", "rwklx"},
    {"@{PROC}/kcore", "rwklx"},
    {"/sys/[^f]*/**", "wklx"},
    {"/sys/f[^s]*/**", "wklx"},
    {"/sys/fs/[^c]*/**", "wklx"},
    {"/sys/fs/c[^g]*/**", "wklx"},
    {"/sys/fs/cg[^r]*/**", "wklx"},
    {"/sys/firmware/**", "rwklx"},
    {"/sys/devices/virtual/powercap/**", "rwklx"},
    {"/sys/kernel/security/**", "rwklx"},
}};

// Reading any of these means the workload resolved names through NSS.
constexpr std::array<std::string_view, 6> kNameServiceFiles = {
    "/etc/nsswitch.conf", "/etc/hosts",    "/etc/resolv.conf",
    "/etc/host.conf",     "/etc/gai.conf", "/etc/services",
};

bool ValidProfileName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.' || name[0] == '-') return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

size_t Depth(std::string_view dir) {
  size_t n = 0;
  for (size_t i = 1; i < dir.size(); ++i)
    if (dir[i] == '/' && dir[i - 1] != '/') ++n;
  return n;  // "/a/b/c/" -> 3
}

bool Collapsible(std::string_view dir) {
  return Depth(dir) >= 3 && !StartsWith(dir, "/proc/") && !StartsWith(dir, "/sys/") &&
         !StartsWith(dir, "/dev/");
}

constexpr uint32_t kReadOnlyAccess = kAccessRead | kAccessStat | kAccessMmapExec;
constexpr uint32_t kExecAccess = kAccessExec | kAccessMmapExec;

// Where a directory the workload fills may be written as DIR/{,**}: as Collapsible, and
// never under the system's configuration, programs or libraries.
bool FillableDir(std::string_view dir) {
  for (std::string_view system : {"/etc/", "/usr/", "/bin/", "/sbin/", "/lib/", "/lib32/",
                                  "/lib64/", "/libx32/", "/boot/", "/root/"})
    if (StartsWith(dir, system)) return false;
  return Collapsible(dir);
}

}  // namespace

CollectedAccesses CollectFileAccesses(const std::vector<FileFact>& files,
                                      const std::vector<ExecutableFact>& executables,
                                      const PathResolver& resolve) {
  CollectedAccesses out;
  struct Entry {
    uint32_t access = 0;
    uint64_t count = 0;
    std::string syscall;
    PathKind kind = PathKind::kUnknown;
  };
  std::map<std::string, Entry> by_path;  // without the trailing '/'
  std::set<std::string> refused_seen;

  const auto add = [&](const std::string& raw, uint32_t access, uint64_t count,
                       const std::string& syscall) {
    std::string why;
    if (raw.empty() || raw[0] != '/')
      why = "not an absolute path";
    else if (raw.find('\0') != std::string::npos)
      why = "holds a NUL byte";
    else if (raw.size() >= PATH_MAX)
      why = "longer than PATH_MAX";
    if (!why.empty()) {
      const std::string msg =
          fmt::format("path {}: {}; no AppArmor rule can name it, left out", Escaped(raw), why);
      if (refused_seen.insert(msg).second) out.refused.push_back(msg);
      return;
    }
    ResolvedPath r = resolve(raw);
    if (ActsOnLink(syscall)) {
      // The link itself: resolve its directory only.
      const ResolvedPath lex = NormalizePathLexically(raw);
      const size_t slash = lex.path.find_last_of('/', lex.path.size() - 2);
      if (lex.path != "/" && slash != std::string::npos && lex.path.back() != '/') {
        ResolvedPath dir = resolve(lex.path.substr(0, slash + 1));
        std::string d = dir.path;
        if (d.empty() || d.back() != '/') d += '/';
        r = {d + lex.path.substr(slash + 1), PathKind::kUnknown};
      }
    }
    std::string key = r.path;
    if (key.size() > 1 && key.back() == '/') key.pop_back();
    Entry& e = by_path[key];
    e.access |= access;
    e.count += count;
    if (e.syscall.empty()) e.syscall = syscall;
    if (r.kind != PathKind::kUnknown) e.kind = r.kind;
  };
  for (const auto& f : files)
    if (f.err == 0) add(f.path, f.access, f.count, f.syscall);
  for (const auto& x : executables) add(x.path, kAccessExec, x.count, "execve");

  for (auto it = by_path.begin(); it != by_path.end(); ++it) {
    std::string path = it->first;
    PathKind kind = it->second.kind;
    if (kind == PathKind::kUnknown && path != "/") {
      const auto below = by_path.lower_bound(path + "/");
      if (below != by_path.end() && StartsWith(below->first, path + "/"))
        kind = PathKind::kDirectory;
    }
    if (kind == PathKind::kDirectory && path != "/") path += '/';
    out.records.push_back({path, it->second.access, it->second.count, it->second.syscall});
  }
  std::sort(out.records.begin(), out.records.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

std::string AaModes(uint32_t a) {
  std::string m;
  if (a & kAccessMmapExec) m += 'm';
  if (a & (kAccessRead | kAccessStat)) m += 'r';
  const bool write =
      (a & (kAccessWrite | kAccessDelete)) || ((a & kAccessCreate) && !(a & kAccessAppend));
  if (write)
    m += 'w';
  else if (a & (kAccessAppend | kAccessCreate))
    m += 'a';
  if (a & kAccessLink) m += 'l';
  if (a & kAccessLock) m += 'k';
  if (a & kAccessExec) m += "ix";
  return m;
}

std::string_view AaNetworkFamily(int family) {
  switch (family) {
    case AF_UNIX:
      return "unix";
    case AF_INET:
      return "inet";
    case AF_INET6:
      return "inet6";
    case AF_NETLINK:
      return "netlink";
    case AF_PACKET:
      return "packet";
    case AF_KEY:
      return "key";
    case AF_BRIDGE:
      return "bridge";
    case AF_ALG:
      return "alg";
    case AF_VSOCK:
      return "vsock";
    case AF_CAN:
      return "can";
    case AF_BLUETOOTH:
      return "bluetooth";
    case AF_TIPC:
      return "tipc";
    case AF_RDS:
      return "rds";
    case AF_XDP:
      return "xdp";
    default:
      return "";
  }
}

std::string_view AaSocketType(int type) {
  switch (type) {
    case SOCK_STREAM:
      return "stream";
    case SOCK_DGRAM:
      return "dgram";
    case SOCK_RAW:
      return "raw";
    case SOCK_RDM:
      return "rdm";
    case SOCK_SEQPACKET:
      return "seqpacket";
    case SOCK_DCCP:
      return "dccp";
    case SOCK_PACKET:
      return "packet";
    default:
      return "";
  }
}

namespace {

constexpr std::string_view kFilesGroup =
    "files, with the modes the workload used (ix: executed under this profile)";

// The merged modes of each file rule, by the token the profile writes.
struct Merged {
  AaPathExpr expr;
  uint32_t access = 0;
  size_t paths = 0;
};
using MergedRules = std::map<std::string, Merged>;

void Merge(MergedRules& rules, const AaPathExpr& expr, uint32_t access, size_t paths) {
  Merged& m = rules.try_emplace(expr.Token(), Merged{expr}).first->second;
  m.access |= access;
  m.paths += paths;
}

// `network FAMILY TYPE` per socket family and type that succeeded; sets *inet when one was
// an inet socket.
std::vector<AaRule> NetworkRules(const std::vector<NetworkFact>& network, AppArmorExport& out,
                                 bool* inet) {
  std::set<std::pair<int, int>> sockets;
  for (const auto& n : network) {
    if (n.err != 0) continue;
    const int type = n.type & 0xf;
    if (AaNetworkFamily(n.family).empty() || AaSocketType(type).empty()) {
      const std::string w = fmt::format(
          "socket family {} type {} has no AppArmor name; no network rule for it", n.family, type);
      if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end())
        out.warnings.push_back(w);
      continue;
    }
    sockets.insert({n.family, type});
    *inet = *inet || n.family == AF_INET || n.family == AF_INET6;
  }
  std::vector<AaRule> rules;
  for (const auto& [family, type] : sockets) {
    rules.push_back({"network", fmt::format("{} {}", AaNetworkFamily(family), AaSocketType(type)),
                     false, "sockets the workload created", ""});
  }
  return rules;
}

// abstractions/base, and nameservice when the workload resolved names over inet.
std::vector<AaInclude> Abstractions(const std::vector<FileAccessRecord>& files, bool inet,
                                    const AppArmorOptions& options) {
  std::vector<AaInclude> out = {{"abstractions/base", ""}};
  if (!inet || options.base_abstraction_only) return out;
  for (const auto& r : files) {
    if (!(r.access & kAccessRead)) continue;
    if (std::find(kNameServiceFiles.begin(), kNameServiceFiles.end(), r.path) !=
        kNameServiceFiles.end()) {
      out.push_back(
          {"abstractions/nameservice",
           fmt::format("name resolution: the workload read {} and used inet sockets", r.path)});
      break;
    }
  }
  return out;
}

// Directories read in full: one DIR/{,*} or DIR/{,**} rule for what was read below each
// (kDirRule in apparmor.h). Marks what they stand for consumed; returns the directories.
std::vector<std::string> CollapseReadDirs(const std::vector<const FileAccessRecord*>& todo,
                                          const AppArmorOptions& options, MergedRules& rules,
                                          std::vector<bool>& consumed) {
  std::vector<std::string> collapsed;
  std::vector<std::string> listed;
  for (const auto* r : todo)
    if (r->path.size() > 1 && r->path.back() == '/' && (r->access & kAccessRead))
      listed.push_back(r->path);
  std::sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (const auto& dir : listed) {
    if (!Collapsible(dir)) continue;
    if (std::any_of(collapsed.begin(), collapsed.end(),
                    [&](const auto& c) { return StartsWith(dir, c); }))
      continue;
    std::set<std::string> entries;
    bool read_only = true, deep = false;
    uint32_t access = 0;
    std::vector<size_t> below;
    for (size_t i = 0; i < todo.size(); ++i) {
      const std::string& p = todo[i]->path;
      if (!StartsWith(p, dir)) continue;
      below.push_back(i);
      access |= todo[i]->access;
      if (p == dir) continue;
      if (todo[i]->access & ~kReadOnlyAccess) read_only = false;
      const std::string rest = p.substr(dir.size());
      const size_t slash = rest.find('/');
      if (slash != std::string::npos) deep = true;
      entries.insert(rest.substr(0, slash));
    }
    if (!read_only || entries.size() < kDirRuleMinEntries) continue;
    const auto total = options.count_entries ? options.count_entries(dir) : std::nullopt;
    if (!total || entries.size() * 2 < *total) continue;
    AaPathExpr expr = GeneralizePath(dir);
    expr.Glob(deep ? "{,**}" : "{,*}");
    Merge(rules, expr, access & kReadOnlyAccess, below.size());
    for (size_t i : below) consumed[i] = true;
    collapsed.push_back(dir);
  }
  return collapsed;
}

// Directories the workload fills (a database's, a cache, a spool): one DIR/{,**} rule with
// every mode used below it instead of one per file, which the next file it creates would
// lack (kFilledDirMinEntries in apparmor.h). Each is a note.
void CollapseFilledDirs(const std::vector<const FileAccessRecord*>& todo,
                        const AppArmorOptions& options, std::vector<std::string> collapsed,
                        MergedRules& rules, std::vector<bool>& consumed,
                        std::vector<std::string>& notes) {
  std::vector<std::string> filled;
  for (const auto* r : todo) {
    if (!(r->access & kAccessCreate)) continue;
    for (size_t slash = r->path.find('/', 1);
         slash != std::string::npos && slash + 1 < r->path.size();
         slash = r->path.find('/', slash + 1))
      filled.push_back(r->path.substr(0, slash + 1));
  }
  std::sort(filled.begin(), filled.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  filled.erase(std::unique(filled.begin(), filled.end()), filled.end());
  for (const auto& dir : filled) {
    if (!FillableDir(dir)) continue;
    if (std::any_of(collapsed.begin(), collapsed.end(),
                    [&](const auto& c) { return StartsWith(dir, c); }))
      continue;
    std::set<std::string> created;
    uint32_t access = 0;
    std::vector<size_t> below;
    for (size_t i = 0; i < todo.size(); ++i) {
      const std::string& p = todo[i]->path;
      // What was executed or mapped executable keeps its own rule: a rule that lets the
      // workload write and run anything below would be a hole, not a generalisation.
      if (consumed[i] || !StartsWith(p, dir) || (todo[i]->access & kExecAccess)) continue;
      below.push_back(i);
      access |= todo[i]->access;
      if (p != dir && (todo[i]->access & kAccessCreate)) {
        const std::string rest = p.substr(dir.size());
        created.insert(rest.substr(0, rest.find('/')));
      }
    }
    if (created.size() < kFilledDirMinEntries) continue;
    // What the directory holds now, where this host has it: what the workload created must
    // be at least half (a container's volume is not here: its creations are the evidence).
    const auto total = options.count_entries ? options.count_entries(dir) : std::nullopt;
    if (total && created.size() * 2 < *total) continue;
    // Read as well: what it wrote there it may read back next time (a table, a cache entry).
    access |= kAccessRead;
    AaPathExpr expr = GeneralizePath(dir);
    expr.Glob("{,**}");
    Merge(rules, expr, access, below.size());
    for (size_t i : below) consumed[i] = true;
    collapsed.push_back(dir);
    notes.push_back(fmt::format(
        "{} {}: a directory the workload fills ({} entries created, {} paths used below it)",
        expr.text(), AaModes(access), created.size(), below.size()));
  }
}

// Docker's denials, each disabled (with why) when the workload needed what it denies.
std::vector<AaFileRule> DockerDenials(const std::vector<FileAccessRecord>& files) {
  std::vector<AaFileRule> out;
  for (const auto& d : kDockerDenials) {
    auto glob = AaGlob::Compile(d.path, BuiltinAaVariables());
    AaFileRule rule = AaFileRule::Allow(AaPathExpr().Glob(d.path), std::string(d.modes));
    rule.deny = true;
    rule.group = "docker-default's denials of /proc and /sys writes";
    for (const auto& r : files) {
      if ((RequiredAaPerms(r.access) & rule.perms) && glob &&
          glob->Matches(ProcSelfAsPid(r.path))) {
        rule.disabled = "the workload needed it";
        break;
      }
    }
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace

Result<AppArmorExport> BuildAppArmorProfile(const std::vector<FileAccessRecord>& files,
                                            const std::vector<NetworkFact>& network,
                                            const std::vector<CapabilityFact>& capabilities,
                                            const AppArmorOptions& options) {
  if (!ValidProfileName(options.app)) {
    return UsageError(
        fmt::format("'{}' cannot be an AppArmor profile name (letters, digits, "
                    "'.', '_', '-')",
                    Escaped(options.app)));
  }
  AppArmorExport out;
  AaProfile& p = out.profile;
  p.comments = {
      fmt::format("AppArmor profile for app {}, learned by seclearn from {} run{}.", options.app,
                  options.runs, options.runs == 1 ? "" : "s"),
      fmt::format("Load: apparmor_parser -r FILE; use: docker run --security-opt apparmor={} ...",
                  options.app)};
  p.abi = "abi/3.0";
  p.preamble = {"tunables/global"};
  p.name = options.app;
  p.flags = {"attach_disconnected", "mediate_deleted"};

  // Network first: it decides whether nameservice may be included.
  bool inet = false;
  const std::vector<AaRule> net = NetworkRules(network, out, &inet);
  p.includes = Abstractions(files, inet, options);

  std::vector<std::string> unknown;
  const CapabilitySet caps = ExercisedCapabilities(capabilities, &unknown);
  for (const auto& u : unknown)
    out.warnings.push_back(fmt::format("unknown capability {}; left out", u));
  for (const auto& name : CapabilityNames(caps))
    p.rules.push_back({"capability", CapabilityPolicyWord(name), false,
                       "capabilities the workload exercised", ""});
  p.rules.insert(p.rules.end(), net.begin(), net.end());

  constexpr std::string_view kPeers =
      "signals and ptrace only among this profile's processes (and docker stop)";
  p.rules.push_back(
      {"signal", "(send,receive) peer=@{profile_name}", false, std::string(kPeers), ""});
  p.rules.push_back({"signal", "(receive) peer=unconfined", false, std::string(kPeers), ""});
  p.rules.push_back(
      {"ptrace",
       options.traces ? "(read,trace) peer=@{profile_name}" : "(read) peer=@{profile_name}", false,
       std::string(kPeers), ""});

  // Accesses that need a rule of their own.
  std::vector<std::string> abstractions;
  for (const auto& inc : p.includes) abstractions.push_back(inc.name);
  std::vector<const FileAccessRecord*> todo;
  for (const auto& r : files) {
    if (AaModes(r.access).empty()) continue;
    if (options.covered && options.covered(r, abstractions)) continue;
    todo.push_back(&r);
  }
  MergedRules rules;
  std::vector<bool> consumed(todo.size(), false);
  std::vector<std::string> collapsed = CollapseReadDirs(todo, options, rules, consumed);
  CollapseFilledDirs(todo, options, std::move(collapsed), rules, consumed, out.notes);

  // One rule per generalised path. A generalisation that would not match its own path (it
  // never should) falls back to the literal path.
  for (size_t i = 0; i < todo.size(); ++i) {
    if (consumed[i]) continue;
    const FileAccessRecord& r = *todo[i];
    AaPathExpr expr = GeneralizePath(r.path);
    auto glob = AaGlob::Compile(expr.text(), BuiltinAaVariables());
    if (!glob || !glob->Matches(ProcSelfAsPid(r.path))) expr = AaPathExpr().Literal(r.path);
    Merge(rules, expr, r.access, 1);
  }
  for (const auto& [token, m] : rules) {
    AaFileRule rule = AaFileRule::Allow(m.expr, AaModes(m.access));
    rule.paths = m.paths;
    rule.group = std::string(kFilesGroup);
    p.files.push_back(std::move(rule));
  }
  for (auto& d : DockerDenials(files)) p.files.push_back(std::move(d));

  out.text = WriteAppArmorProfile(p);
  return out;
}

}  // namespace seclearn
