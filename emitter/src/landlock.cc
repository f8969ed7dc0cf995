#include "seclearn/emitter/landlock.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "seclearn/core/arch.h"
#include "seclearn/core/json.h"
#include "seclearn/core/path.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {
namespace {

// A path in a note: as a JSON string (quotes, escapes: one line whatever its bytes).
std::string Shown(std::string_view path) { return WriteJson(Json::String(std::string(path)), 0); }

// Whether the name of `path` does not change from run to run: the AppArmor export's
// generalisation leaves it literal.
bool Stable(const std::string& path) {
  std::string g = GeneralizePath(path).text();
  // @{PROC} is AppArmor's name for where procfs is mounted: /proc itself.
  if (g.starts_with("@{PROC}")) g.replace(0, 7, "/proc");
  return g == AaPathExpr().Literal(path).text();
}

// The longest prefix of `path` (at a '/') that is Stable.
std::string StableAncestor(const std::string& path) {
  if (Stable(path)) return path;
  std::string prefix = ParentPath(path);
  while (prefix != "/" && !Stable(prefix)) prefix = ParentPath(prefix);
  return prefix;
}

// The right a create asks of the directory, by the call that made it.
uint64_t MakeRight(std::string_view syscall, bool dir) {
  if (syscall.starts_with("mkdir")) return kLlMakeDir;
  if (syscall.starts_with("symlink")) return kLlMakeSym;
  if (syscall == "bind") return kLlMakeSock;
  if (syscall.starts_with("mknod")) return kLlMakeFifo | kLlMakeSock | kLlMakeReg;
  return dir ? kLlMakeDir : kLlMakeReg;
}

class Builder {
 public:
  explicit Builder(const LandlockExportOptions& o) : o_(o) {}

  std::optional<uint32_t> Mode(const std::string& path) const {
    return o_.mode ? o_.mode(path) : std::nullopt;
  }
  bool IsDir(const std::string& path) const {
    const auto m = Mode(path);
    return m && S_ISDIR(*m);
  }
  // The nearest ancestor of `path` (or itself) that is a directory here, valid UTF-8 and not
  // made by the workload (it would not be there when the next run starts).
  std::string ExistingDir(std::string dir) const {
    while (dir != "/" && (!IsValidUtf8(dir) || !IsDir(dir) || made_.count(dir))) dir = ParentPath(dir);
    return dir;
  }

  // The directories the workload made (mkdir): never a rule's target.
  void NoteMade(const FileAccessRecord& rec) {
    const bool dir = rec.path.size() > 1 && rec.path.back() == '/';
    if ((rec.access & kAccessCreate) && (dir || rec.syscall.starts_with("mkdir")))
      made_.insert(dir ? rec.path.substr(0, rec.path.size() - 1) : rec.path);
  }

  void Grant(const std::string& target, uint64_t rights) {
    if (rights != 0) rules_[target] |= rights;
  }
  void Note(std::string line) { notes_.insert(std::move(line)); }
  // A widening: the rights of `path` granted beneath `target` for `why`; one line per
  // (why, target) in the end, naming the first path and how many more.
  void Widen(const std::string& why, const std::string& target, const std::string& path,
             uint64_t rights) {
    Widening& w = widened_[{why, target}];
    if (w.count++ == 0) w.first = path;
    w.rights |= rights;
  }

  void Add(const FileAccessRecord& rec) {
    const bool dir = rec.path.size() > 1 && rec.path.back() == '/';
    const std::string path = dir ? rec.path.substr(0, rec.path.size() - 1) : rec.path;
    if (path.empty() || path[0] != '/') return;
    const uint32_t a = rec.access;
    const std::string_view sc = rec.syscall;
    const auto mode = Mode(path);
    // O_CREAT of a device, socket or fifo that is here opens it: only files and directories
    // are made by what was learned as a create.
    const bool created = (a & kAccessCreate) != 0 &&
                         !(mode && !S_ISREG(*mode) && !S_ISDIR(*mode));
    const bool is_dir = dir || (mode && S_ISDIR(*mode)) || sc.starts_with("mkdir") ||
                        sc.starts_with("rmdir");
    uint64_t own = 0, parent = 0;
    // readlink and the xattr calls read what Landlock does not mediate (the link's target
    // and a symlink resolved to its target would otherwise grant reading that).
    const bool unmediated_read = sc.starts_with("readlink") || sc.find("xattr") != sc.npos;
    if ((a & kAccessRead) && !(unmediated_read && (a & ~uint32_t{kAccessRead | kAccessStat}) == 0))
      own |= is_dir ? kLlReadDir : kLlReadFile;
    if ((a & kAccessWrite) && !dir) own |= kLlWriteFile | kLlTruncate;
    if ((a & kAccessAppend) && !dir) own |= kLlWriteFile;
    // The kernel opens what it executes for reading too (open_exec: O_RDONLY | FMODE_EXEC).
    if (a & kAccessExec) own |= kLlExecute | kLlReadFile;
    if (created || (a & kAccessLink)) parent |= MakeRight(sc, is_dir);
    if (a & kAccessDelete) parent |= is_dir ? kLlRemoveDir : kLlRemoveFile;
    if (sc.starts_with("rename") || sc.starts_with("link")) parent |= kLlRefer;
    if (sc.starts_with("mknod") && (a & kAccessCreate))
      Note(fmt::format("{}: mknod's file type is not recorded: make_reg, make_fifo and make_sock "
                       "on its directory",
                       Shown(path)));
    if (mode && (S_ISCHR(*mode) || S_ISBLK(*mode)) && (own & (kLlReadFile | kLlWriteFile)))
      own |= kLlIoctlDev;
    if (a & kAccessExec && o_.interpreters) {
      for (const std::string& interp : o_.interpreters(path)) {
        if (IsValidUtf8(interp) && Mode(interp)) Grant(interp, kLlExecute | kLlReadFile);
      }
    }
    if (own == 0 && parent == 0) return;

    // Names that change from run to run, and names JSON cannot hold: the directory above.
    std::string stable = StableAncestor(path);
    if (stable == path && !IsValidUtf8(path)) stable = ExistingDir(ParentPath(path));
    if (stable != path) {
      const std::string at = ExistingDir(stable);
      Grant(at, own | parent);
      Widen(IsValidUtf8(path) ? "changes from run to run" : "is not UTF-8", at, path,
            own | parent);
      return;
    }
    const std::string dir_of = ExistingDir(ParentPath(path));
    Grant(dir_of, parent);
    if (parent != 0 && dir_of != ParentPath(path))
      Widen("is in a directory the workload makes or that is not here", dir_of, path, parent);
    if (own == 0) return;
    // A file that is here and was not made by the workload, nor below a directory it made.
    if (!created && mode && dir_of == ParentPath(path) && !made_.count(path)) {
      Grant(path, S_ISDIR(*mode) ? own : own & kLlFileRights);
      if (S_ISDIR(*mode)) listed_.insert(path);
      return;
    }
    // Made by the workload, or gone since: what it did to the file is granted beneath its
    // directory, since the file is not there when the next run starts.
    Grant(dir_of, own);
    Widen(created || dir_of != ParentPath(path) ? "is made by the workload" : "is not here", dir_of,
          path, own);
  }

  void Finish(LandlockRuleset* out, std::vector<std::string>* notes) {
    // A rule whose rights an ancestor's rule holds adds nothing.
    std::map<uint64_t, std::vector<std::string>> by_rights;
    for (const auto& [path, rights] : rules_) {
      bool covered = false;
      for (std::string dir = path; !covered && dir != "/";) {
        dir = ParentPath(dir);
        auto it = rules_.find(dir);
        covered = it != rules_.end() && (it->second & rights) == rights;
      }
      if (covered) continue;
      by_rights[rights].push_back(path);
      // A directory's rights hold for everything beneath it: its subdirectories too, those
      // the workload did not list itself.
      const auto subdirs = listed_.count(path) && o_.count_subdirs ? o_.count_subdirs(path)
                                                                   : std::nullopt;
      if (!subdirs) continue;
      size_t own_listed = 0;
      const std::string prefix = path == "/" ? "/" : path + "/";
      for (auto it = listed_.lower_bound(prefix); it != listed_.end() && it->starts_with(prefix);
           ++it)
        if (it->find('/', prefix.size()) == std::string::npos) ++own_listed;
      if (*subdirs > own_listed) {
        const size_t n = *subdirs - own_listed;
        notes_.insert(fmt::format("{} on {} holds beneath it too: for {} {} it did not list",
                                  LandlockFsNames(rights), Shown(path), n,
                                  n == 1 ? "subdirectory" : "subdirectories"));
      }
    }
    for (auto& [rights, paths] : by_rights) out->paths.push_back({rights, std::move(paths)});
    // The rules naming the most paths first (stable: equal ones in order of their rights).
    std::stable_sort(out->paths.begin(), out->paths.end(), [](const auto& a, const auto& b) {
      return a.parents.size() > b.parents.size();
    });
    for (const auto& [key, w] : widened_) {
      const auto& [why, target] = key;
      const auto entries = o_.count_entries ? o_.count_entries(target) : std::nullopt;
      notes_.insert(fmt::format("{}{} {}: {} beneath {}{}", Shown(w.first),
                                w.count > 1 ? fmt::format(" and {} more", w.count - 1) : "",
                                w.count > 1 ? RePlural(why) : why, LandlockFsNames(w.rights),
                                Shown(target),
                                entries ? fmt::format(" ({} {} there now)", *entries,
                                                      *entries == 1 ? "entry" : "entries")
                                        : ""));
    }
    notes->assign(notes_.begin(), notes_.end());
  }

  // "is made by" -> "are made by", "changes" -> "change".
  static std::string RePlural(std::string why) {
    if (why.starts_with("is ")) return "are " + why.substr(3);
    if (why.starts_with("changes ")) return "change " + why.substr(8);
    return why;
  }

 private:
  const LandlockExportOptions& o_;
  std::map<std::string, uint64_t> rules_;
  std::set<std::string> notes_;
  std::set<std::string> made_;
  std::set<std::string> listed_;  // directories granted their own accesses
  struct Widening {
    size_t count = 0;
    std::string first;
    uint64_t rights = 0;
  };
  std::map<std::pair<std::string, std::string>, Widening> widened_;
};

}  // namespace

LandlockExport BuildLandlockRuleset(const std::vector<FileAccessRecord>& files,
                                    const std::vector<NetworkFact>& network,
                                    const std::vector<SyscallFact>& syscalls,
                                    const LandlockExportOptions& options) {
  LandlockExport out;
  LandlockRuleset& r = out.ruleset;
  r.abi = kLandlockExportAbi;
  r.handled_fs = LandlockFsRights(r.abi);
  r.handled_net = LandlockNetRights(r.abi);
  Builder b(options);
  for (const FileAccessRecord& rec : files) b.NoteMade(rec);
  for (const FileAccessRecord& rec : files) b.Add(rec);
  b.Finish(&r, &out.notes);

  std::map<uint64_t, std::set<uint64_t>> ports;  // port -> rights
  bool abstract = false;
  for (const NetworkFact& n : network) {
    // A non-blocking connect in progress was let through as one that completed.
    if (n.err != 0 && !(n.op == NetOp::kConnect && n.err == EINPROGRESS)) continue;
    if (n.family == AF_UNIX && n.address.starts_with("@") &&
        (n.op == NetOp::kConnect || n.op == NetOp::kSendTo))
      abstract = true;
    if ((n.family != AF_INET && n.family != AF_INET6) || (n.type & 0xf) != SOCK_STREAM ||
        n.port < 0)
      continue;
    if (n.op == NetOp::kBind) ports[static_cast<uint64_t>(n.port)].insert(kLlBindTcp);
    if (n.op == NetOp::kConnect) ports[static_cast<uint64_t>(n.port)].insert(kLlConnectTcp);
  }
  std::map<uint64_t, std::vector<uint64_t>> by_rights;
  for (const auto& [port, rights] : ports) {
    uint64_t bits = 0;
    for (uint64_t x : rights) bits |= x;
    by_rights[bits].push_back(port);
  }
  for (auto& [rights, list] : by_rights) r.ports.push_back({rights, std::move(list)});

  if (!abstract) r.scoped |= kLlScopeAbstractUnix;
  std::vector<std::string> kills;
  for (const SyscallFact& s : syscalls) {
    const std::string name = SyscallName(s.arch, s.nr);
    if (name == "kill" || name == "tkill" || name == "tgkill" || name == "rt_sigqueueinfo" ||
        name == "rt_tgsigqueueinfo" || name == "pidfd_send_signal")
      kills.push_back(name);
  }
  std::sort(kills.begin(), kills.end());
  kills.erase(std::unique(kills.begin(), kills.end()), kills.end());
  if (kills.empty()) {
    r.scoped |= kLlScopeSignal;
  } else {
    out.notes.push_back(fmt::format("signals are not scoped: the workload called {}, whose "
                                    "targets are not recorded",
                                    fmt::join(kills, ", ")));
  }
  if (abstract)
    out.notes.push_back("abstract unix sockets are not scoped: the workload connected to one");
  auto text = WriteLandlockRuleset(r);
  out.text = text ? std::move(*text) : std::string();  // every path was checked to be UTF-8
  return out;
}

}  // namespace seclearn
