// seclearn diff: what a new profile allows that the old one did not, graded by risk.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <set>

#include <fmt/format.h>

#include <algorithm>

#include "args.h"
#include "commands.h"
#include "seclearn/core/file.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/json.h"
#include "seclearn/emitter/diff.h"
#include "seclearn/store/store.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr int kDiffSame = 0;
constexpr int kDiffDiffer = 1;
constexpr int kDiffTrouble = 2;

constexpr const char* kDiffHelp = R"(usage: seclearn diff [options] OLD NEW
       seclearn diff [options] [--db PATH] --app NAME [--format FORMAT] [--from N] [--to M]
                     (FORMAT: seccomp, apparmor, landlock, selinux, capabilities)

Semantic diff of two profiles: syscalls added and removed (per architecture list), argument
conditions widened or narrowed, capabilities, and which changes come from the runtime base
rule rather than the workload. For AppArmor profiles: file rules per path with their modes
widened or narrowed, a path replaced by a glob that matches it (widened:
/etc/app/conf.json -> /etc/app/** (r)), network, capability, ptrace, signal, mount, ...
rules, deny rules (one removed widens), abstractions included and complain mode. For
Landlock rulesets: the rights each grants on each path (its own rule and its ancestors'),
a right moved to a parent directory (widened: /srv/w/log -> /srv/w (write_file)), handled
rights and scopes dropped, TCP ports. For SELinux modules: the permissions of each allow
rule (source, target type, class), capabilities on self as capabilities. Each
widening that opens known escape or kernel-attack surface (mount, bpf, ptrace, keyctl,
CAP_SYS_ADMIN, writes under /etc or /proc/sys, raw sockets, ...: data/risk/high.json) is
flagged HIGH RISK with the reason.

inputs:
  OLD NEW           two files of the same kind: Docker/OCI seccomp JSON, AppArmor profiles
                    (includes are compared by name, not read), Landlock rulesets
                    (landlockconfig JSON), SELinux CIL modules, or capability lists (docker
                    --cap-add flags, OCI process.capabilities JSON, or names)
  --app NAME        two stored versions of the app's exported profile (seclearn versions)
                    in --format (default seccomp); --from/--to default to the latest two.
                    With --app, each added syscall says which run first needed it.

options:
  --json            machine-readable output
  --color WHEN      auto (default: on a terminal, unless NO_COLOR is set), always, never
  --fail-on WHAT    any (default): exit 1 on any difference; widen: exit 1 only when the new
                    profile allows something the old did not (a CI gate that lets profiles
                    shrink)

exit status (like diff(1)): 0 no difference (or, with --fail-on widen, nothing widened);
1 differences; 2 trouble (unreadable or malformed input: the message names file, line and
problem).
)";

enum class Kind { kSeccomp, kAppArmor, kCapabilities, kLandlock, kSelinux };

bool HasAnyKey(const Json& object, std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys)
    if (object.Find(k) != nullptr) return true;
  return false;
}

// The kind of a profile, only from signs that cannot be mistaken. JSON (a text starting with
// '{' or '[') must parse, or the error is the JSON one with FILE:LINE:COL; then a seccomp
// profile has its keys ("defaultAction", "syscalls", ... or the "linux" of an OCI config,
// which its reader explains), OCI capabilities theirs ("effective", "bounding", "process"),
// and any other JSON is neither. AppArmor is recognised by its abi, include or profile line;
// the rest is a capability list, whose reader takes nothing but capability names.
Result<Kind> Detect(std::string_view text, std::string_view name) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    auto doc = ParseJson(text, name);
    if (!doc) return doc.error();
    if (doc->is_object()) {
      if (HasAnyKey(*doc,
                    {"defaultAction", "defaultErrnoRet", "syscalls", "architectures", "archMap"}))
        return Kind::kSeccomp;
      if (HasAnyKey(*doc, {"process", "capabilities", "effective", "bounding", "permitted",
                           "inheritable", "ambient"}))
        return Kind::kCapabilities;
      if (doc->Find("linux") != nullptr) return Kind::kSeccomp;
      if (HasAnyKey(*doc, {"pathBeneath", "netPort", "ruleset"})) return Kind::kLandlock;
    }
    return ParseError(fmt::format(
        "{}:{}:{}: JSON {}, but neither a seccomp profile (\"defaultAction\", \"syscalls\"), "
        "OCI capabilities (\"effective\", \"bounding\") nor a Landlock ruleset "
        "(\"pathBeneath\", \"ruleset\")",
        name, doc->pos().line, doc->pos().col,
        doc->is_object() ? "object" : Json::TypeName(doc->type())));
  }
  if (LooksLikeAppArmor(text)) return Kind::kAppArmor;
  if (LooksLikeSelinuxModule(text)) return Kind::kSelinux;
  return Kind::kCapabilities;
}

const char* KindName(Kind k) {
  return k == Kind::kSeccomp    ? "a seccomp profile"
         : k == Kind::kAppArmor ? "an AppArmor profile"
         : k == Kind::kLandlock ? "a Landlock ruleset"
         : k == Kind::kSelinux  ? "an SELinux module"
                                : "a capability list";
}

}  // namespace

Result<ProfileDiff> DiffProfileTexts(const std::string& old_text, const std::string& old_name,
                                     const std::string& new_text, const std::string& new_name) {
  for (const auto* t : {&old_text, &new_text}) {
    if (t->rfind("apiVersion:", 0) == 0 || t->find("\napiVersion:") != std::string::npos)
      return ParseError(fmt::format("{} is a Kubernetes resource: diff the seccomp or apparmor "
                                    "format it was made from",
                                    t == &old_text ? old_name : new_name));
  }
  auto old_kind = Detect(old_text, old_name);
  if (!old_kind) return old_kind.error();
  auto new_kind = Detect(new_text, new_name);
  if (!new_kind) return new_kind.error();
  const Kind kind = *old_kind;
  if (*new_kind != kind)
    return ParseError(fmt::format("{} is {} but {} is {}: not the same kind of profile",
                                  old_name, KindName(kind), new_name, KindName(*new_kind)));
  ProfileDiff d;
  if (kind == Kind::kAppArmor) {
    auto diff = DiffAppArmor(old_text, old_name, new_text, new_name);
    if (!diff) return diff.error();
    d = std::move(*diff);
  } else if (kind == Kind::kLandlock) {
    auto diff = DiffLandlock(old_text, old_name, new_text, new_name);
    if (!diff) return diff.error();
    d = std::move(*diff);
  } else if (kind == Kind::kSelinux) {
    auto diff = DiffSelinux(old_text, old_name, new_text, new_name);
    if (!diff) return diff.error();
    d = std::move(*diff);
  } else if (kind == Kind::kSeccomp) {
    auto o = ParseSeccompProfile(old_text, old_name);
    if (!o) return o.error();
    auto n = ParseSeccompProfile(new_text, new_name);
    if (!n) return n.error();
    d = DiffSeccomp(*o, *n);
  } else {
    auto o = ParseCapabilityList(old_text, old_name);
    if (!o) return o.error();
    auto n = ParseCapabilityList(new_text, new_name);
    if (!n) return n.error();
    d = DiffCapabilities(*o, *n);
  }
  d.old_name = old_name;
  d.new_name = new_name;
  return d;
}

namespace {

// The text output of a diff shows names from the profiles (syscall and architecture names,
// AppArmor paths, rules and include names, file names): none may move the cursor or start a
// line of its own in a CI log. A syscall or architecture name is shown as `show` shows names;
// the rest is AppArmor's own syntax (its reader already writes control bytes as \ooo), kept
// as written but for what a terminal would still obey. --json escapes in its own way.
ProfileDiff ForTerminal(ProfileDiff d) {
  d.old_name = TerminalSafe(d.old_name);
  d.new_name = TerminalSafe(d.new_name);
  for (Change& c : d.changes) {
    c.subject = c.category == ChangeCategory::kSyscall || c.category == ChangeCategory::kArchitecture
                    ? DisplayName(c.subject)
                    : TerminalSafe(c.subject);
    c.detail = TerminalSafe(c.detail);
    c.reason = TerminalSafe(c.reason);
    c.provenance = TerminalSafe(c.provenance);
  }
  return d;
}

}  // namespace

// For each added or widened syscall: the first run of the app that made it, its command and,
// when that run recorded one, the stack that first made it (a few frames, innermost first).
Result<void> AddDiffProvenance(Store& store, const std::string& app, ProfileDiff& d) {
  constexpr size_t kProvenanceFrames = 4;
  auto runs = store.Runs(app);
  if (!runs) return runs.error();
  struct First {
    const RunSummary* run;
    uint32_t arch;
    int32_t nr;
  };
  std::map<std::string, First> first;
  for (const auto& run : *runs) {
    auto sys = store.Syscalls(app, run.run_id);
    if (!sys) return sys.error();
    for (const auto& s : *sys) {
      first.try_emplace(SyscallName(s.arch, s.nr), First{&run, s.arch, s.nr});
    }
  }
  for (Change& c : d.changes) {
    if (c.category != ChangeCategory::kSyscall || !c.widens() || c.from_runtime) continue;
    auto it = first.find(c.subject);
    if (it == first.end()) continue;
    const First& f = it->second;
    const RunSummary& r = *f.run;
    const std::string command = r.argv.empty() ? "?" : r.argv.front();
    std::string text;
    if (r.source == RunSource::kWatch || r.source == RunSource::kAudit) {
      // Production: what the agent did with the call is what production saw.
      // An audit run's argv: import --audit LOG [-- the first command it saw exec'd].
      const auto log = std::find(r.argv.begin(), r.argv.end(), "--audit");
      std::string where = r.source == RunSource::kAudit && log != r.argv.end() &&
                                  log + 1 != r.argv.end()
                              ? fmt::format("from {}", *(log + 1))
                          : r.container.empty() ? command
                                                : fmt::format("container {}, {}", r.container, command);
      if (!r.on_violation.empty())
        where += r.on_violation == "deny" ? ", refused" : ", allowed";
      text = fmt::format("first needed in production: {} run {} at {} ({})",
                         RunSourceName(r.source), r.run_id, FormatTime(r.start_ns), where);
    } else {
      text = fmt::format("first needed in run {}: {}", r.run_id, command);
    }
    auto stacks = store.SyscallStacks(app, f.arch, f.nr);
    if (!stacks) return stacks.error();
    const StackFact* earliest = nullptr;
    for (const StackFact& st : *stacks)
      if (earliest == nullptr || st.time_ns < earliest->time_ns) earliest = &st;
    if (earliest != nullptr) {
      StackFact shown = *earliest;
      if (shown.frames.size() > kProvenanceFrames) {
        shown.frames.resize(kProvenanceFrames);
        shown.truncated = true;
      }
      text += earliest->run_id == r.run_id
                  ? fmt::format(" ({})", StackChain(c.subject, shown))
                  : fmt::format(" ({}, in run {})", StackChain(c.subject, shown), earliest->run_id);
    }
    c.provenance = OneLine(text);
  }
  return {};
}

int CmdDiff(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--format", "--from", "--to", "--color", "--fail-on"};
  spec.flags = {"--json"};
  spec.max_positionals = 2;
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "diff", kDiffHelp, &args_status, kDiffTrouble);
  if (!parsed) return args_status;
  const std::string fail_on = parsed->Get("--fail-on").value_or("any");
  const std::string color = parsed->Get("--color").value_or("auto");
  if ((fail_on != "any" && fail_on != "widen") ||
      (color != "auto" && color != "always" && color != "never")) {
    PrintError("diff: --fail-on takes any or widen, --color auto, always or never");
    return kDiffTrouble;
  }

  Result<ProfileDiff> diff = ParseError("");
  if (const auto app = parsed->Get("--app")) {
    if (!parsed->positionals.empty()) {
      PrintError("diff: give either two files or --app NAME, not both");
      return kDiffTrouble;
    }
    const std::string format = parsed->Get("--format").value_or("seccomp");
    const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
    auto store = Store::OpenReadOnly(db_path);
    if (!store) {
      PrintError(store.error());
      return kDiffTrouble;
    }
    auto versions = store->ProfileVersions(*app, format);
    if (!versions) {
      PrintError(versions.error());
      return kDiffTrouble;
    }
    auto number = [&](const char* opt, size_t from_end) -> std::optional<int64_t> {
      if (auto v = parsed->Get(opt)) return std::strtoll(v->c_str(), nullptr, 10);
      if (versions->size() < from_end) return std::nullopt;
      return (*versions)[versions->size() - from_end].version;
    };
    const auto from = number("--from", 2);
    const auto to = number("--to", 1);
    if (!from || !to) {
      PrintError(fmt::format("diff: app '{}' has {} stored {} version(s); export at least two "
                             "(or name --from and --to)",
                             *app, versions->size(), format));
      return kDiffTrouble;
    }
    auto old_v = store->GetProfileVersion(*app, format, *from);
    auto new_v = store->GetProfileVersion(*app, format, *to);
    if (!old_v || !new_v || !old_v->has_value() || !new_v->has_value()) {
      PrintError(fmt::format("diff: app '{}' has no {} version {} (see seclearn versions --app {})",
                             *app, format, (!old_v || !old_v->has_value()) ? *from : *to, *app));
      return kDiffTrouble;
    }
    diff = DiffProfileTexts((*old_v)->content, fmt::format("{} {} v{}", *app, format, *from),
                     (*new_v)->content, fmt::format("{} {} v{}", *app, format, *to));
    if (diff) {
      if (auto r = AddDiffProvenance(*store, *app, *diff); !r) {
        PrintError(r.error());
        return kDiffTrouble;
      }
    }
  } else {
    if (parsed->positionals.size() != 2) {
      PrintError("diff: needs OLD and NEW files, or --app NAME (see seclearn diff --help)");
      return kDiffTrouble;
    }
    const std::string& old_path = parsed->positionals[0];
    const std::string& new_path = parsed->positionals[1];
    auto old_text = ReadWholeFile(old_path);
    auto new_text = ReadWholeFile(new_path);
    if (!old_text || !new_text) {
      PrintError(!old_text ? old_text.error() : new_text.error());
      return kDiffTrouble;
    }
    diff = DiffProfileTexts(*old_text, old_path, *new_text, new_path);
  }
  if (!diff) {
    PrintError(fmt::format("diff: {}", diff.error().Message()));
    return kDiffTrouble;
  }

  if (parsed->Has("--json")) {
    std::fputs(WriteJson(DiffToJson(*diff)).c_str(), stdout);
  } else {
    DiffFormat f;
    f.color = color == "always" ||
              (color == "auto" && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr);
    std::fputs(FormatDiff(ForTerminal(*diff), f).c_str(), stdout);
  }
  if (fail_on == "widen") return diff->widened() > 0 ? kDiffDiffer : kDiffSame;
  return diff->changes.empty() ? kDiffSame : kDiffDiffer;
}

}  // namespace seclearn::cli
