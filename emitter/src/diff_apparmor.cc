// Semantic diff of two AppArmor profiles (diff.h), on top of the profile reader of
// `seclearn check` (apparmor_check.h) and its glob semantics (path_glob.h).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "risk_table.h"
#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/diff.h"

#include "seclearn/core/capability.h"
#include "seclearn/core/landlock.h"
#include "seclearn/core/path.h"

namespace seclearn {
namespace {

// ux/Ux: exec without any profile. Kept as its own bit so that ix -> ux is a widening.
constexpr uint32_t kAaUnconfined = 1u << 7;
constexpr uint32_t kAaAll =
    kAaRead | kAaWrite | kAaAppend | kAaLink | kAaLock | kAaMmap | kAaExec | kAaUnconfined;
constexpr std::string_view kAllFiles = "(all files)";
constexpr std::string_view kAllOfKind = "(all)";

// Rule keywords besides file rules, and the category a change to them is shown under.
constexpr std::string_view kRuleKinds[] = {
    "capability", "change_profile", "dbus",    "io_uring", "link",   "mount",  "mqueue", "network",
    "pivot_root", "ptrace",         "remount", "set",      "signal", "umount", "unix",   "userns"};

struct FileEntry {
  const AaGlob* glob = nullptr;
  uint32_t perms = 0;
  std::string modes;  // as written ("ix", "Px"), for additions and removals
};

struct Model {
  std::map<std::string, FileEntry> files;                   // allow rules by path as written
  std::map<std::string, FileEntry> deny_files;              // deny rules by path as written
  std::map<std::string, std::set<std::string>> rules;       // category -> subjects
  std::map<std::string, std::set<std::string>> deny_rules;  // category -> subjects
  std::set<std::string> includes;
  std::set<std::string> flags;
};

// The glob a bare `file,` stands for.
const AaGlob& AllFilesGlob() {
  static const AaGlob glob = *AaGlob::Compile("/**", {});
  return glob;
}

// Control bytes (a raw newline in a hand-written quoted path) as \ooo: one change, one line.
std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\{:03o}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

// A path as the profile would write it: quoted when a space, ',' or '#' in it would
// otherwise read as the end of the path.
std::string PathSubject(std::string_view text) {
  const std::string p = Printable(text);
  return p.find_first_of(" \t,#") == std::string::npos ? p : "\"" + p + "\"";
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

uint32_t DiffPerms(const AaFileRule& r) {
  uint32_t p = r.perms;
  if (r.modes.find_first_of("uU") != std::string::npos) p |= kAaUnconfined;
  return p;
}

std::string PermText(uint32_t p) {
  std::string s = AaPermString(p & ~kAaUnconfined);
  if (p & kAaUnconfined) s += "(unconfined)";
  return s;
}

Result<void> AddOtherRule(Model& m, const AaRule& r) {
  if (r.kind.empty()) return ParseError(fmt::format("{}: a rule with only qualifiers", r.where));
  std::string kind = r.kind;
  if (std::find(std::begin(kRuleKinds), std::end(kRuleKinds), kind) == std::end(kRuleKinds)) {
    return ParseError(
        fmt::format("{}: unknown rule '{}' (a file rule needs a path starting "
                    "with / or @{{ and modes)",
                    r.where, Printable(kind)));
  }
  if (kind == "set") kind = "rlimit";
  auto& subjects = (r.deny ? m.deny_rules : m.rules)[kind];
  if (kind == "capability") {
    if (r.body.empty()) subjects.insert(std::string(kAllOfKind));
    for (size_t i = 0; i < r.body.size();) {
      size_t j = r.body.find(' ', i);
      if (j == std::string::npos) j = r.body.size();
      const std::string word = r.body.substr(i, j - i);
      auto cap = ParseCapabilityList(word, r.where);
      if (!cap || cap->size() != 1)
        return ParseError(fmt::format("{}: unknown capability '{}'", r.where, Printable(word)));
      subjects.insert(Lower(word));
      i = j + 1;
    }
    return {};
  }
  subjects.insert(r.body.empty() ? std::string(kAllOfKind) : Printable(r.body));
  return {};
}

Result<Model> BuildModel(const AaPolicy& p) {
  Model m;
  const AaProfile& profile = p.model();
  for (size_t i = 0; i < profile.files.size(); ++i) {
    const AaFileRule& r = profile.files[i];
    // An owner rule grants less than the same rule without it: a different subject, which
    // the unqualified rule then includes (a widening).
    const std::string subject = (r.owner ? "owner " : "") + PathSubject(r.path);
    FileEntry& e = (r.deny ? m.deny_files : m.files)[subject];
    e.glob = &p.glob(i);
    e.perms |= DiffPerms(r);
    e.modes += (e.modes.empty() ? "" : " ") + r.modes;
  }
  if (profile.all_files_allow != 0)
    m.files[std::string(kAllFiles)] = {&AllFilesGlob(), kAaAll, "file"};
  if (profile.all_files_deny != 0)
    m.deny_files[std::string(kAllFiles)] = {&AllFilesGlob(), kAaAll, "file"};
  for (const AaRule& r : profile.rules)
    if (auto ok = AddOtherRule(m, r); !ok) return ok.error();
  for (const AaInclude& inc : profile.includes) m.includes.insert(inc.name);
  m.flags.insert(profile.flags.begin(), profile.flags.end());
  return m;
}

std::string RiskEntry(std::string_view section, std::string_view key) {
  const Json* s = RiskTable().Find(section);
  const Json* e = s ? s->Find(key) : nullptr;
  return e && e->is_string() ? e->AsString() : std::string();
}

// The reason of an apparmor_files entry whose glob shares a path with `glob` and whose modes
// share one of `perms`; empty if none does.
std::string FileRiskReason(const AaGlob& glob, uint32_t perms) {
  struct Risky {
    AaGlob glob;
    uint32_t perms;
    std::string reason;
  };
  static const std::vector<Risky> table = [] {
    std::vector<Risky> out;
    const Json* s = RiskTable().Find("apparmor_files");
    if (s == nullptr || !s->is_object()) return out;
    for (const auto& [key, reason] : s->AsObject()) {
      const size_t space = key.rfind(' ');
      auto g = AaGlob::Compile(key.substr(0, space), BuiltinAaVariables());
      auto p = ParseAaModes(key.substr(space + 1));
      if (space != std::string::npos && g && p && reason.is_string())
        out.push_back({std::move(*g), *p, reason.AsString()});
    }
    return out;
  }();
  if (perms & kAaUnconfined) return RiskEntry("apparmor_rules", "unconfined exec");
  // The entry that names these paths best: one holding all of them, else one sharing some.
  for (const Risky& r : table)
    if ((r.perms & perms) != 0 && r.glob.Includes(glob)) return r.reason;
  for (const Risky& r : table)
    if ((r.perms & perms) != 0 && r.glob.Overlaps(glob)) return r.reason;
  return {};
}

// Words of a rule's text, split at anything but letters, digits and '_'.
bool HasWord(std::string_view text, std::string_view word) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
      ++j;
    if (text.substr(i, j - i) == word) return true;
    i = j + 1;
  }
  return false;
}

std::string RuleRiskReason(const std::string& kind, const std::string& subject) {
  const bool all = subject == kAllOfKind;
  if (kind == "capability") {
    if (all) return RiskEntry("apparmor_rules", "capability");
    return HighRiskReason("capability", CapabilityFromPolicyWord(subject));
  }
  if (kind == "network") {
    if (all) return RiskEntry("apparmor_rules", "network");
    for (const char* w : {"packet", "raw"})
      if (HasWord(subject, w)) return RiskEntry("apparmor_rules", fmt::format("network {}", w));
    return {};
  }
  if (kind == "ptrace") {
    const bool trace = all || HasWord(subject, "trace") || subject.find('(') == std::string::npos;
    const bool own = subject.find("peer=@{profile_name}") != std::string::npos;
    return trace && !own ? RiskEntry("apparmor_rules", "ptrace trace") : std::string();
  }
  return RiskEntry("apparmor_rules", kind);  // mount, umount, pivot_root, userns, ...
}

Change Make(ChangeCategory category, std::string subject, ChangeKind kind, std::string detail) {
  Change c;
  c.category = category;
  c.subject = std::move(subject);
  c.kind = kind;
  c.detail = std::move(detail);
  return c;
}

// The category of a change to a rule of this keyword.
Change Make(std::string_view keyword, std::string subject, ChangeKind kind, std::string detail) {
  if (keyword == "capability")
    return Make(ChangeCategory::kCapability, std::move(subject), kind, std::move(detail));
  if (keyword == "network")
    return Make(ChangeCategory::kNetwork, std::move(subject), kind, std::move(detail));
  Change c = Make(ChangeCategory::kRule, std::move(subject), kind, std::move(detail));
  c.rule = std::string(keyword);
  return c;
}

void SetRisk(Change& c, std::string reason) {
  if (!c.widens() || reason.empty()) return;
  c.high_risk = true;
  c.reason = std::move(reason);
}

// Permissions the other side's rules grant on every path `glob` matches.
uint32_t CoveredPerms(const std::map<std::string, FileEntry>& rules, const AaGlob& glob) {
  uint32_t p = 0;
  for (const auto& [path, e] : rules)
    if (e.glob->Includes(glob)) p |= e.perms;
  return p;
}

std::string ModesChange(uint32_t from, uint32_t to) {
  return from == to ? PermText(to) : fmt::format("{} -> {}", PermText(from), PermText(to));
}

using Unpaired = std::map<std::string, const FileEntry*>;

std::string JoinPaths(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// A new glob that matches old paths widens them: "widened: /etc/app/conf.json ->
// /etc/app/** (r)".
void PairWidenings(const Unpaired& old_only, const Unpaired& new_only,
                   std::set<std::string>& paired, std::vector<Change>& out) {
  for (const auto& [npath, ne] : new_only) {
    std::vector<std::string> narrower;
    uint32_t was = 0;
    for (const auto& [opath, oe] : old_only) {
      if (paired.count(opath) || !ne->glob->Includes(*oe->glob)) continue;
      narrower.push_back(opath);
      was |= oe->perms;
    }
    if (narrower.empty()) continue;
    paired.insert(narrower.begin(), narrower.end());
    paired.insert(npath);
    Change c =
        Make(ChangeCategory::kFile, npath, ChangeKind::kWidened,
             fmt::format("{} -> {} ({})", JoinPaths(narrower), npath, ModesChange(was, ne->perms)));
    SetRisk(c, FileRiskReason(*ne->glob, ne->perms));
    out.push_back(std::move(c));
  }
}

// New paths an old glob matched narrow it, unless they gain permissions on the way.
void PairNarrowings(const Unpaired& old_only, const Unpaired& new_only,
                    std::set<std::string>& paired, std::vector<Change>& out) {
  for (const auto& [opath, oe] : old_only) {
    if (paired.count(opath)) continue;
    std::vector<std::string> narrower;
    uint32_t now = 0;
    const AaGlob* gained_on = nullptr;
    for (const auto& [npath, ne] : new_only) {
      if (paired.count(npath) || !oe->glob->Includes(*ne->glob)) continue;
      narrower.push_back(npath);
      now |= ne->perms;
      if (ne->perms & ~oe->perms) gained_on = ne->glob;
    }
    if (narrower.empty()) continue;
    paired.insert(narrower.begin(), narrower.end());
    paired.insert(opath);
    const uint32_t gained = now & ~oe->perms;
    Change c =
        Make(ChangeCategory::kFile, opath, gained ? ChangeKind::kWidened : ChangeKind::kNarrowed,
             fmt::format("{} -> {} ({})", opath, JoinPaths(narrower), ModesChange(oe->perms, now)));
    if (gained) SetRisk(c, FileRiskReason(*gained_on, gained));
    out.push_back(std::move(c));
  }
}

// Paths in only one of the two: paired with a glob of the other side that matches them, or
// added or removed; a rule whose permissions the other side grants anyway through other
// rules is no change.
void DiffUnpairedFiles(const Model& o, const Model& n, std::vector<Change>& out) {
  Unpaired old_only, new_only;
  for (const auto& [path, e] : o.files)
    if (!n.files.count(path)) old_only[path] = &e;
  for (const auto& [path, e] : n.files)
    if (!o.files.count(path)) new_only[path] = &e;
  std::set<std::string> paired;
  PairWidenings(old_only, new_only, paired, out);
  PairNarrowings(old_only, new_only, paired, out);
  for (const auto& [npath, ne] : new_only) {
    if (paired.count(npath)) continue;
    const uint32_t added = ne->perms & ~CoveredPerms(o.files, *ne->glob);
    if (added == 0) continue;  // the old rules granted it already
    Change c = Make(ChangeCategory::kFile, npath, ChangeKind::kAdded, ne->modes);
    SetRisk(c, FileRiskReason(*ne->glob, added));
    out.push_back(std::move(c));
  }
  for (const auto& [opath, oe] : old_only) {
    if (paired.count(opath)) continue;
    if ((oe->perms & ~CoveredPerms(n.files, *oe->glob)) == 0) continue;
    out.push_back(Make(ChangeCategory::kFile, opath, ChangeKind::kRemoved, oe->modes));
  }
}

void DiffFiles(const Model& o, const Model& n, std::vector<Change>& out) {
  for (const auto& [path, ne] : n.files) {
    auto it = o.files.find(path);
    if (it == o.files.end() || it->second.perms == ne.perms) continue;
    const uint32_t was = it->second.perms;
    const uint32_t added = ne.perms & ~was;
    Change c = Make(ChangeCategory::kFile, path, added ? ChangeKind::kWidened : ChangeKind::kNarrowed,
                    ModesChange(was, ne.perms));
    SetRisk(c, FileRiskReason(*ne.glob, added));
    out.push_back(std::move(c));
  }
  DiffUnpairedFiles(o, n, out);
}

// Deny rules work the other way round: one removed, or denying less, widens.
void DiffDenies(const Model& o, const Model& n, std::vector<Change>& out) {
  std::set<std::string> paths;
  for (const auto& [p, e] : o.deny_files) paths.insert(p);
  for (const auto& [p, e] : n.deny_files) paths.insert(p);
  for (const auto& p : paths) {
    auto oi = o.deny_files.find(p);
    auto ni = n.deny_files.find(p);
    const uint32_t was = oi == o.deny_files.end() ? 0 : oi->second.perms;
    const uint32_t now = ni == n.deny_files.end() ? 0 : ni->second.perms;
    if (was == now) continue;
    const uint32_t lifted = was & ~now;
    Change c = Make(ChangeCategory::kDeny, p, lifted ? ChangeKind::kWidened : ChangeKind::kNarrowed,
                    now == 0   ? fmt::format("no longer denied: {}", PermText(was))
                    : was == 0 ? fmt::format("now denied: {}", PermText(now))
                               : fmt::format("denied {} (was {})", PermText(now), PermText(was)));
    if (lifted) SetRisk(c, FileRiskReason(*oi->second.glob, lifted));
    out.push_back(std::move(c));
  }
  std::set<std::string> kinds;
  for (const auto& [k, s] : o.deny_rules) kinds.insert(k);
  for (const auto& [k, s] : n.deny_rules) kinds.insert(k);
  static const std::set<std::string> kNone;
  for (const auto& kind : kinds) {
    auto oi = o.deny_rules.find(kind);
    auto ni = n.deny_rules.find(kind);
    const auto& was = oi == o.deny_rules.end() ? kNone : oi->second;
    const auto& now = ni == n.deny_rules.end() ? kNone : ni->second;
    for (const auto& s : was) {
      if (now.count(s)) continue;
      Change c = Make(ChangeCategory::kDeny, kind + " " + s, ChangeKind::kWidened, "no longer denied");
      SetRisk(c, RuleRiskReason(kind, s));
      out.push_back(std::move(c));
    }
    for (const auto& s : now)
      if (!was.count(s))
        out.push_back(Make(ChangeCategory::kDeny, kind + " " + s, ChangeKind::kNarrowed, "now denied"));
  }
}

void DiffRules(const Model& o, const Model& n, std::vector<Change>& out) {
  std::set<std::string> kinds;
  for (const auto& [k, s] : o.rules) kinds.insert(k);
  for (const auto& [k, s] : n.rules) kinds.insert(k);
  static const std::set<std::string> kNone;
  for (const auto& kind : kinds) {
    auto oi = o.rules.find(kind);
    auto ni = n.rules.find(kind);
    const auto& was = oi == o.rules.end() ? kNone : oi->second;
    const auto& now = ni == n.rules.end() ? kNone : ni->second;
    for (const auto& s : now) {
      if (was.count(s)) continue;
      Change c = Make(kind, s, ChangeKind::kAdded, "");
      SetRisk(c, RuleRiskReason(kind, s));
      out.push_back(std::move(c));
    }
    for (const auto& s : was)
      if (!now.count(s)) out.push_back(Make(kind, s, ChangeKind::kRemoved, ""));
  }
  for (const auto& i : n.includes)
    if (!o.includes.count(i)) out.push_back(Make(ChangeCategory::kAbstraction, i, ChangeKind::kAdded, ""));
  for (const auto& i : o.includes)
    if (!n.includes.count(i)) out.push_back(Make(ChangeCategory::kAbstraction, i, ChangeKind::kRemoved, ""));
}

void DiffMode(const Model& o, const Model& n, std::vector<Change>& out) {
  auto lax = [](const Model& m) {
    for (const char* f : {"complain", "unconfined", "prompt"})
      if (m.flags.count(f)) return std::string(f);
    return std::string();
  };
  const std::string was = lax(o), now = lax(n);
  if (was == now) return;
  Change c = Make(ChangeCategory::kProfile, "mode", now.empty() ? ChangeKind::kNarrowed : ChangeKind::kWidened,
      fmt::format("{} (was {})", now.empty() ? "enforce" : now, was.empty() ? "enforce" : was));
  SetRisk(c, RiskEntry("apparmor_rules", "complain"));
  out.push_back(std::move(c));
}

}  // namespace

bool LooksLikeAppArmor(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t e = text.find('\n', i);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = text.substr(i, e - i);
    i = e + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    if (line.rfind("abi <", 0) == 0 || line.rfind("#include <tunables/global>", 0) == 0 ||
        line.rfind("include <tunables/global>", 0) == 0)
      return true;
    if (line.rfind("profile ", 0) == 0 && !line.empty() && line.back() == '{') return true;
    if (line.rfind("/", 0) == 0 && !line.empty() && line.back() == '{') return true;
  }
  return false;
}

Result<ProfileDiff> DiffAppArmor(std::string_view old_text, const std::string& old_name,
                                 std::string_view new_text, const std::string& new_name) {
  AaParseOptions options;
  options.follow_includes = false;
  auto old_policy = ParseAppArmorText(old_text, old_name, options);
  if (!old_policy) return old_policy.error();
  auto new_policy = ParseAppArmorText(new_text, new_name, options);
  if (!new_policy) return new_policy.error();
  auto o = BuildModel(*old_policy);
  if (!o) return o.error();
  auto n = BuildModel(*new_policy);
  if (!n) return n.error();

  ProfileDiff d;
  d.old_name = old_name;
  d.new_name = new_name;
  DiffMode(*o, *n, d.changes);
  DiffFiles(*o, *n, d.changes);
  DiffDenies(*o, *n, d.changes);
  DiffRules(*o, *n, d.changes);
  SortChanges(d.changes);
  return d;
}

namespace {

// Each path a ruleset names -> the rights of the rules naming it (what it handles only).
using LandlockGrants = std::map<std::string, uint64_t, std::less<>>;
LandlockGrants GrantsOf(const LandlockRuleset& r) {
  LandlockGrants out;
  for (const LandlockPathRule& rule : r.paths)
    for (const std::string& p : rule.parents) out[p] |= rule.access & r.handled_fs;
  return out;
}

// The rights granted on `path` itself: its own rules' and those of every ancestor's.
uint64_t RightsAt(const LandlockGrants& g, std::string path) {
  uint64_t out = 0;
  for (;;) {
    if (auto it = g.find(path); it != g.end()) out |= it->second;
    if (path == "/" || path == ".") return out;
    path = ParentPath(path);
  }
}

// AppArmor modes for Landlock rights, to grade a path with the apparmor_files risk entries.
uint32_t AaPermsOf(uint64_t fs) {
  uint32_t perms = 0;
  if (fs & (kLlReadFile | kLlReadDir)) perms |= kAaRead;
  if (fs & ~uint64_t{kLlReadFile | kLlReadDir | kLlExecute}) perms |= kAaWrite;
  if (fs & kLlExecute) perms |= kAaExec;
  return perms;
}

std::string LandlockFileRisk(const std::string& path, uint64_t rights) {
  // The hierarchy: the path and everything beneath it.
  auto glob = AaGlob::Compile(AaPathExpr().Literal(path).text() + (path == "/" ? "**" : "{,/**}"),
                              BuiltinAaVariables());
  return glob ? FileRiskReason(*glob, AaPermsOf(rights)) : std::string();
}

}  // namespace

Result<ProfileDiff> DiffLandlock(std::string_view old_text, const std::string& old_name,
                                 std::string_view new_text, const std::string& new_name) {
  auto o = ParseLandlockRuleset(old_text, old_name);
  if (!o) return o.error();
  auto n = ParseLandlockRuleset(new_text, new_name);
  if (!n) return n.error();
  ProfileDiff d;
  d.old_name = old_name;
  d.new_name = new_name;
  auto change = [&](ChangeCategory cat, std::string rule, std::string subject, ChangeKind kind,
                    std::string detail, std::string reason = {}) {
    Change c;
    c.category = cat;
    c.rule = std::move(rule);
    c.subject = std::move(subject);
    c.kind = kind;
    c.detail = std::move(detail);
    c.high_risk = !reason.empty() && c.widens();
    c.reason = c.high_risk ? std::move(reason) : std::string();
    d.changes.push_back(std::move(c));
  };
  // What the ruleset handles: a right no longer handled is allowed everywhere.
  const std::pair<uint64_t, uint64_t> handled[] = {{o->handled_fs, n->handled_fs},
                                                   {o->handled_net, n->handled_net},
                                                   {o->scoped, n->scoped}};
  const char* what[] = {"handledAccessFs", "handledAccessNet", "scoped"};
  for (int i = 0; i < 3; ++i) {
    const auto [was, now] = handled[i];
    auto names = [&](uint64_t bits) {
      return i == 0 ? LandlockFsNames(bits) : i == 1 ? LandlockNetNames(bits)
                                                     : LandlockScopeNames(bits);
    };
    if (const uint64_t lost = was & ~now)
      change(ChangeCategory::kRule, what[i], names(lost), ChangeKind::kWidened,
             "no longer restricted");
    if (const uint64_t gained = now & ~was)
      change(ChangeCategory::kRule, what[i], names(gained), ChangeKind::kNarrowed,
             "now restricted");
  }
  // Paths: each path the new ruleset names against what the old one granted there, and back.
  const LandlockGrants og = GrantsOf(*o), ng = GrantsOf(*n);
  for (const auto& [p, own] : ng) {
    // What p's own rules add: a right an ancestor's rule adds is that ancestor's change.
    const uint64_t was = RightsAt(og, p);
    const uint64_t added = own & ~was;
    if (added == 0) continue;
    // The old ruleset granted these below p: the hierarchy was widened to p.
    std::string from;
    const std::string below = p == "/" ? "/" : p + "/";
    for (auto it = og.lower_bound(below); it != og.end() && it->first.starts_with(below); ++it) {
      if (it->first != p && (it->second & added)) {
        from = it->first;
        break;
      }
    }
    std::string detail =
        !from.empty() ? fmt::format("{} -> {} ({})", from, p, LandlockFsNames(added))
        : was != 0    ? fmt::format("{} added (was {})", LandlockFsNames(added),
                                    LandlockFsNames(was))
                      : LandlockFsNames(added);
    change(ChangeCategory::kFile, "", p,
           was != 0 || !from.empty() ? ChangeKind::kWidened : ChangeKind::kAdded,
           std::move(detail), LandlockFileRisk(p, added));
  }
  for (const auto& [p, own] : og) {
    const uint64_t now = RightsAt(ng, p);
    const uint64_t removed = own & ~now & n->handled_fs;
    if (removed == 0) continue;
    change(ChangeCategory::kFile, "", p, now != 0 ? ChangeKind::kNarrowed : ChangeKind::kRemoved,
           now != 0 ? fmt::format("{} removed (now {})", LandlockFsNames(removed),
                                  LandlockFsNames(now))
                    : LandlockFsNames(removed));
  }
  // TCP ports.
  auto ports = [](const LandlockRuleset& r) {
    std::map<uint64_t, uint64_t> out;
    for (const LandlockPortRule& rule : r.ports)
      for (uint64_t port : rule.ports) out[port] |= rule.access & r.handled_net;
    return out;
  };
  const auto op = ports(*o), np = ports(*n);
  std::set<uint64_t> all;
  for (const auto& [port, bits] : op) all.insert(port);
  for (const auto& [port, bits] : np) all.insert(port);
  for (uint64_t port : all) {
    const uint64_t was = op.count(port) ? op.at(port) : 0;
    const uint64_t now = np.count(port) ? np.at(port) : 0;
    const std::string subject = fmt::format("tcp/{}", port);
    if (const uint64_t added = now & ~was)
      change(ChangeCategory::kNetwork, "", subject, was ? ChangeKind::kWidened : ChangeKind::kAdded,
             LandlockNetNames(added));
    if (const uint64_t removed = was & ~now & n->handled_net)
      change(ChangeCategory::kNetwork, "", subject,
             now ? ChangeKind::kNarrowed : ChangeKind::kRemoved, LandlockNetNames(removed));
  }
  SortChanges(d.changes);
  return d;
}

}  // namespace seclearn
