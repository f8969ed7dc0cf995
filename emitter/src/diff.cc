#include "seclearn/emitter/diff.h"

#include "seclearn/core/capability.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "risk_table.h"
#include "runtime_data.h"
#include "seclearn/core/arg_filters.h"

namespace seclearn {
namespace {


bool IsAllowAction(SeccompAction action) {
  return action == SeccompAction::kAllow || action == SeccompAction::kLog;
}

// How permissive a default action is, for telling a widened default from a narrowed one.
int Permissiveness(SeccompAction action) {
  using A = SeccompAction;
  static constexpr std::array kOrder = {A::kKillProcess, A::kKill,  A::kKillThread,
                                        A::kTrap,        A::kErrno, A::kTrace,
                                        A::kNotify,      A::kLog,   A::kAllow};
  for (size_t i = 0; i < kOrder.size(); ++i)
    if (kOrder[i] == action) return static_cast<int>(i);
  return -1;
}

std::string OpText(const SeccompArg& a, std::string_view syscall) {
  const std::string arg = fmt::format("arg{}", a.index);
  const bool named = FindArgFilter(syscall) != nullptr;
  auto value = [&](uint64_t v) {
    return named ? DescribeArgValue(syscall, v) : fmt::format("{:#x}", v);
  };
  switch (a.op) {
    case SeccompOp::kEq:
      return fmt::format("{} == {}", arg, value(a.value));
    case SeccompOp::kNe:
      return fmt::format("{} != {}", arg, value(a.value));
    case SeccompOp::kLt:
      return fmt::format("{} < {:#x}", arg, a.value);
    case SeccompOp::kLe:
      return fmt::format("{} <= {:#x}", arg, a.value);
    case SeccompOp::kGt:
      return fmt::format("{} > {:#x}", arg, a.value);
    case SeccompOp::kGe:
      return fmt::format("{} >= {:#x}", arg, a.value);
    case SeccompOp::kMaskedEq:
      break;
  }
  // SCMP_CMP_MASKED_EQ. An int argument compared on its 32 bits is the kernel's equality (the
  // export writes socket's family so): it reads the same as SCMP_CMP_EQ, and two profiles
  // that differ only in that compare equal.
  if (a.value == 0xffffffff) return fmt::format("{} == {}", arg, value(a.value_two));
  if (named) return fmt::format("{}: {}", arg, DescribeArgValue(syscall, a.value_two));
  return fmt::format("{} & {:#x} == {:#x}", arg, a.value, a.value_two);
}

// For one name: allowed outright, or only under some argument conditions (each a conjunction,
// as text so two profiles compare by meaning, not by rule order).
struct Permit {
  bool any = false;
  std::set<std::string> conditions;
  bool runtime = false;  // every rule that permits it is the runtime's
};

struct Model {
  bool allowlist = true;  // default action denies; rules allow
  SeccompAction default_action = SeccompAction::kErrno;
  std::set<std::string> arches;
  std::map<std::string, Permit> names;  // allowlist: allowed; denylist: denied
};

// Where a rule with "includes"/"excludes" applies, as conditions of its own, so that a call
// allowed only with CAP_SYS_ADMIN differs from one allowed outright.
std::string WhereText(const SeccompRule& r) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : " && ") + part; };
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
    return s;
  };
  auto version = [](const KernelVersion& k) { return fmt::format("{}.{}", k.major, k.minor); };
  for (const auto& cap : r.includes.caps) add("with " + cap);
  if (!r.includes.arches.empty()) add("on " + list(r.includes.arches));
  if (r.includes.min_kernel) add("kernel >= " + version(*r.includes.min_kernel));
  for (const auto& cap : r.excludes.caps) add("without " + cap);
  if (!r.excludes.arches.empty()) add("not on " + list(r.excludes.arches));
  if (r.excludes.min_kernel) add("kernel < " + version(*r.excludes.min_kernel));
  return out;
}

Model BuildModel(const SeccompProfile& p) {
  Model m;
  m.default_action = p.default_action;
  m.allowlist = !IsAllowAction(p.default_action);
  m.arches.insert(p.architectures.begin(), p.architectures.end());
  std::map<std::string, bool> workload_rule;  // some non-runtime rule mentions the name
  for (const SeccompRule& r : p.syscalls) {
    // Allowlist: the allowing rules matter; denylist: the denying ones.
    if (IsAllowAction(r.action) != m.allowlist) continue;
    const bool runtime = r.runtime;
    for (const auto& name : r.names) {
      Permit& permit = m.names[name];
      std::string cond = WhereText(r);
      if (r.args.empty() && cond.empty()) {
        permit.any = true;
      } else {
        for (const auto& a : r.args) cond += (cond.empty() ? "" : " && ") + OpText(a, name);
        permit.conditions.insert(cond);
      }
      if (!runtime) workload_rule[name] = true;
    }
  }
  for (auto& [name, permit] : m.names) permit.runtime = !workload_rule[name];
  return m;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

std::string Describe(const Permit& p) {
  return p.any ? "any arguments" : "only " + Join(p.conditions);
}

Change MakeChange(ChangeCategory category, std::string subject, ChangeKind kind) {
  Change c;
  c.category = category;
  c.subject = std::move(subject);
  c.kind = kind;
  return c;
}


// Address families every networked program uses: widening socket() to these is routine.
bool CommonFamiliesOnly(const std::set<std::string>& added) {
  for (const auto& cond : added) {
    if (cond != "arg0 == AF_UNIX" && cond != "arg0 == AF_INET" && cond != "arg0 == AF_INET6" &&
        cond != "arg0 == AF_NETLINK")
      return false;
  }
  return true;
}

void Grade(Change& c, const std::set<std::string>* added_conditions = nullptr) {
  if (!c.widens()) return;
  if (added_conditions != nullptr && (c.subject == "socket" || c.subject == "socketpair") &&
      CommonFamiliesOnly(*added_conditions))
    return;
  std::string reason;
  if (c.category == ChangeCategory::kSyscall) {
    reason = HighRiskReason(c.kind == ChangeKind::kAdded ? "syscall" : "argument_widening",
                            c.subject);
  } else if (c.category == ChangeCategory::kCapability) {
    reason = HighRiskReason("capability", c.subject);
  } else if (c.category == ChangeCategory::kDefault) {
    reason = "the default action now allows every syscall not listed";
  }
  if (!reason.empty()) {
    c.high_risk = true;
    c.reason = std::move(reason);
  }
}

}  // namespace

void SortChanges(std::vector<Change>& changes) {
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return std::pair(a.CategoryName(), std::string_view(a.subject)) <
           std::pair(b.CategoryName(), std::string_view(b.subject));
  });
}

const Json& RiskTable() {
  static const Json table = [] {
    const EmbeddedFile* f = FindEmbeddedData("risk/high.json");
    if (f == nullptr) return Json::Object();
    auto doc = ParseJson(f->content, f->name);
    return doc ? std::move(*doc) : Json::Object();
  }();
  return table;
}

size_t ProfileDiff::widened() const {
  return static_cast<size_t>(
      std::count_if(changes.begin(), changes.end(), [](const Change& c) { return c.widens(); }));
}
size_t ProfileDiff::narrowed() const { return changes.size() - widened(); }
size_t ProfileDiff::high_risk() const {
  return static_cast<size_t>(
      std::count_if(changes.begin(), changes.end(), [](const Change& c) { return c.high_risk; }));
}

std::string HighRiskReason(std::string_view category, std::string_view subject) {
  const char* key = category == "syscall"        ? "syscalls"
                    : category == "capability"   ? "capabilities"
                    : category == "argument_widening" ? "argument_widening"
                                                 : nullptr;
  if (key == nullptr) return {};
  const Json* section = RiskTable().Find(key);
  if (section == nullptr) return {};
  const Json* entry = section->Find(subject);
  return entry && entry->is_string() ? entry->AsString() : std::string();
}

std::string_view Change::CategoryName() const {
  // In ChangeCategory's order; kRule is named by its keyword.
  static constexpr std::string_view kNames[] = {
      "syscall", "architecture", "default",     "capability", "file",
      "deny",    "network",      "abstraction", "profile",    ""};
  return category == ChangeCategory::kRule ? std::string_view(rule) : EnumName(kNames, category);
}

ProfileDiff DiffSeccomp(const SeccompProfile& old_profile, const SeccompProfile& new_profile) {
  ProfileDiff d;
  const Model o = BuildModel(old_profile);
  const Model n = BuildModel(new_profile);

  if (o.default_action != n.default_action) {
    Change c;
    c.category = ChangeCategory::kDefault;
    c.subject = "defaultAction";
    c.kind = Permissiveness(n.default_action) > Permissiveness(o.default_action)
                 ? ChangeKind::kWidened
                 : ChangeKind::kNarrowed;
    c.detail = fmt::format("{} (was {})", SeccompActionName(n.default_action),
                           SeccompActionName(o.default_action));
    d.changes.push_back(std::move(c));
  }
  for (const auto& a : n.arches) {
    if (!o.arches.count(a)) d.changes.push_back(MakeChange(ChangeCategory::kArchitecture, a, ChangeKind::kAdded));
  }
  for (const auto& a : o.arches) {
    if (!n.arches.count(a)) d.changes.push_back(MakeChange(ChangeCategory::kArchitecture, a, ChangeKind::kRemoved));
  }
  if (o.allowlist != n.allowlist) {
    // Allow- and denylists do not compare name by name; the default-action change says it.
    for (Change& c : d.changes) Grade(c);
    SortChanges(d.changes);
    return d;
  }

  std::set<std::string> all;
  for (const auto& [name, p] : o.names) all.insert(name);
  for (const auto& [name, p] : n.names) all.insert(name);
  for (const auto& name : all) {
    auto oi = o.names.find(name);
    auto ni = n.names.find(name);
    const Permit* op = oi == o.names.end() ? nullptr : &oi->second;
    const Permit* np = ni == n.names.end() ? nullptr : &ni->second;
    Change c;
    c.category = ChangeCategory::kSyscall;
    c.subject = name;
    if (op == nullptr) {
      // In a denylist a newly listed name is newly denied.
      c.kind = o.allowlist ? ChangeKind::kAdded : ChangeKind::kNarrowed;
      if (!np->any) c.detail = Describe(*np);
      c.from_runtime = np->runtime;
    } else if (np == nullptr) {
      c.kind = o.allowlist ? ChangeKind::kRemoved : ChangeKind::kWidened;
      c.from_runtime = op->runtime;
    } else {
      std::set<std::string> added, removed;
      std::set_difference(np->conditions.begin(), np->conditions.end(), op->conditions.begin(),
                          op->conditions.end(), std::inserter(added, added.end()));
      std::set_difference(op->conditions.begin(), op->conditions.end(), np->conditions.begin(),
                          np->conditions.end(), std::inserter(removed, removed.end()));
      bool more;  // the new profile permits more for this name
      if (op->any == np->any) {
        if (op->any || (added.empty() && removed.empty())) continue;
        more = !added.empty();
        c.detail = added.empty() ? fmt::format("{} removed", Join(removed))
                                 : fmt::format("{} added", Join(added)) +
                                       (removed.empty() ? "" : fmt::format(", {} removed", Join(removed)));
        c.detail += fmt::format(" (was {})", Describe(*op));
      } else {
        more = np->any;
        c.detail = fmt::format("{} (was {})", Describe(*np), Describe(*op));
      }
      if (!o.allowlist) more = !more;
      c.kind = more ? ChangeKind::kWidened : ChangeKind::kNarrowed;
      c.from_runtime = np->runtime;
      if (!np->any) Grade(c, &added);
      else Grade(c);
      d.changes.push_back(std::move(c));
      continue;
    }
    Grade(c);
    d.changes.push_back(std::move(c));
  }
  SortChanges(d.changes);
  return d;
}

ProfileDiff DiffCapabilities(const std::vector<std::string>& old_caps,
                             const std::vector<std::string>& new_caps) {
  ProfileDiff d;
  const std::set<std::string> o(old_caps.begin(), old_caps.end());
  const std::set<std::string> n(new_caps.begin(), new_caps.end());
  for (const auto& c : n)
    if (!o.count(c)) d.changes.push_back(MakeChange(ChangeCategory::kCapability, c, ChangeKind::kAdded));
  for (const auto& c : o)
    if (!n.count(c)) d.changes.push_back(MakeChange(ChangeCategory::kCapability, c, ChangeKind::kRemoved));
  for (Change& c : d.changes) Grade(c);
  SortChanges(d.changes);
  return d;
}

namespace {

std::optional<std::string> CanonicalCap(std::string_view word) {
  std::string name = CapabilityFromPolicyWord(word);
  if (CapabilityByName(name)) return name;
  return std::nullopt;
}

}  // namespace

Result<std::vector<std::string>> ParseCapabilityList(std::string_view text,
                                                     std::string_view source) {
  std::set<std::string> caps;
  // OCI process.capabilities JSON (or an object holding it): the union of its sets' names
  // would over-count; the effective set is what the process can use.
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    auto doc = ParseJson(text, source);
    if (!doc) return doc.error();
    const Json* root = doc->Find("process") ? doc->Find("process")->Find("capabilities") : nullptr;
    if (root == nullptr) root = doc->Find("capabilities");
    if (root == nullptr) root = &*doc;
    const Json* set = root->Find("effective");
    if (set == nullptr) set = root->Find("bounding");
    if (set == nullptr || !set->is_array())
      return ParseError(fmt::format("{}: no \"effective\" or \"bounding\" capability list", source));
    for (const Json& v : set->AsArray()) {
      auto cap = v.is_string() ? CanonicalCap(v.AsString()) : std::nullopt;
      if (!cap)
        return ParseError(fmt::format("{}:{}:{}: not a capability name", source, v.pos().line,
                                      v.pos().col));
      caps.insert(*cap);
    }
    return std::vector<std::string>(caps.begin(), caps.end());
  }
  int line = 1;
  size_t i = 0;
  while (i < text.size()) {
    const char ch = text[i];
    if (ch == '\n') ++line;
    if (ch == '#') {  // comment to end of line
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == ',') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && text[j] != ',')
      ++j;
    std::string word(text.substr(i, j - i));
    i = j;
    if (word == "--cap-drop=ALL" || word == "--cap-drop=all") continue;
    if (word.rfind("--cap-add=", 0) == 0) word = word.substr(10);
    auto cap = CanonicalCap(word);
    if (!cap)
      return ParseError(fmt::format("{}:{}: '{}' is not a capability name", source, line, word));
    caps.insert(*cap);
  }
  return std::vector<std::string>(caps.begin(), caps.end());
}

std::string FormatDiff(const ProfileDiff& d, const DiffFormat& f) {
  auto paint = [&](std::string_view code, const std::string& s) {
    return f.color ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  };
  std::string out = fmt::format("--- {}\n+++ {}\n", d.old_name, d.new_name);
  for (const Change& c : d.changes) {
    const char sign = c.kind == ChangeKind::kAdded     ? '+'
                      : c.kind == ChangeKind::kRemoved ? '-'
                                                       : '~';
    std::string subject = c.category == ChangeCategory::kSyscall
                              ? c.subject
                              : fmt::format("{} {}", c.CategoryName(), c.subject);
    std::string line = fmt::format("{} {:<28}", sign, subject);
    auto trim = [](std::string& l) { while (!l.empty() && l.back() == ' ') l.pop_back(); };
    if (c.kind == ChangeKind::kWidened) line += " widened:";
    if (c.kind == ChangeKind::kNarrowed) line += " narrowed:";
    if (!c.detail.empty()) line += " " + c.detail;
    if (c.from_runtime) line += " [runtime]";
    if (c.high_risk) line += " HIGH RISK: " + c.reason;
    if (!c.provenance.empty()) line += " (" + c.provenance + ")";
    trim(line);
    out += paint(c.high_risk ? "1;31" : c.widens() ? "33" : "32", line) + "\n";
  }
  if (d.changes.empty()) {
    out += "no difference\n";
  } else {
    out += fmt::format("{} widened ({} high risk), {} narrowed\n", d.widened(), d.high_risk(),
                       d.narrowed());
  }
  return out;
}

Json DiffToJson(const ProfileDiff& d) {
  Json changes = Json::Array();
  for (const Change& c : d.changes) {
    const char* kind = c.kind == ChangeKind::kAdded     ? "added"
                       : c.kind == ChangeKind::kRemoved ? "removed"
                       : c.kind == ChangeKind::kWidened ? "widened"
                                                        : "narrowed";
    Json j = Json::Object();
    j.Set("category", Json::String(std::string(c.CategoryName()))).Set("subject", Json::String(c.subject));
    j.Set("change", Json::String(kind)).Set("widens", Json::Bool(c.widens()));
    j.Set("detail", Json::String(c.detail)).Set("runtime", Json::Bool(c.from_runtime));
    j.Set("risk", Json::String(c.high_risk ? "high" : "normal"));
    if (c.high_risk) j.Set("reason", Json::String(c.reason));
    if (!c.provenance.empty()) j.Set("provenance", Json::String(c.provenance));
    changes.Push(std::move(j));
  }
  Json out = Json::Object();
  out.Set("old", Json::String(d.old_name)).Set("new", Json::String(d.new_name));
  out.Set("widened", Json::Uint(d.widened())).Set("narrowed", Json::Uint(d.narrowed()));
  out.Set("high_risk", Json::Uint(d.high_risk())).Set("changes", std::move(changes));
  return out;
}

}  // namespace seclearn
