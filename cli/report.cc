// seclearn report: one self-contained HTML page of what an app's database holds.
#include "seclearn/emitter/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include "access.h"
#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/capability.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/file.h"
#include "seclearn/core/landlock.h"
#include "seclearn/core/seccomp_profile.h"
#include "seclearn/emitter/apparmor.h"
#include "seclearn/emitter/apparmor_profile.h"
#include "seclearn/emitter/diff.h"
#include "seclearn/emitter/landlock.h"
#include "seclearn/emitter/path_glob.h"
#include "seclearn/emitter/seccomp_export.h"
#include "seclearn/host/probes.h"
#include "seclearn/store/store.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr const char* kReportHelp =
    R"(usage: seclearn report [--db PATH] --app NAME [--format FORMAT] [--from V] [--to W]
                       [--docker-default FILE] -o FILE

Writes one self-contained HTML page (inline CSS and SVG, no script, nothing fetched when it
is opened; printable) of what the database holds for app NAME, for a reviewer:
  runs          source (learn, agent, watch, audit), start, duration, command, exit status,
                backend
  size          the seccomp profile's allowed names against Docker's default, per systemd
                syscall group (@file-system, @network-io, @process, ...), as a chart
  syscalls      counts, the run that first needed each, high-risk ones with the reason
                (data/risk/high.json), call stacks where recorded (click to expand)
  files         the tree of paths the workload used, collapsible, with the modes and the
                AppArmor and Landlock rules the exports give each path; failed accesses
  network       endpoints: operation, family, type, address, port, result
  capabilities  exercised or wanted, with the first call and its argument as evidence
  versions      every stored profile version as a timeline, each with its diff against the
                one before, graded by risk
Long lists are bounded (a directory lists its first 200 entries and counts the rest), so an
app with 100k paths still gives a page of a few MB. Names from the workload are shown as
text, never as markup.

options:
  --format F          only versions of format F in the timeline (default: every format)
  --from V, --to W    only versions V..W (numbers per format); the size chart counts the
                      newest stored seccomp version up to W, else a profile built from the
                      facts as `seclearn export` would
  --docker-default F  compare with this seccomp profile instead of the embedded Docker
                      default (moby's default.json, resolved for x86_64 and Docker's default
                      capabilities on this kernel)
  -o FILE             where to write the page ("-": stdout)

The database is only read. exit status: 0 written; 125 error (unknown app, unreadable
database or profile, output that cannot be written).
)";

constexpr size_t kMaxStackPaths = 1000;  // paths whose stacks are read

// Docker's default capabilities (moby oci/caps/defaults.go).
constexpr const char* kDockerCaps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

std::string KindName(ChangeKind k) {
  switch (k) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kRemoved:
      return "removed";
    case ChangeKind::kWidened:
      return "widened";
    case ChangeKind::kNarrowed:
      return "narrowed";
  }
  return "changed";
}

ReportStack StackOf(const StackFact& st) {
  ReportStack out;
  out.executable = st.executable;
  out.run_id = st.run_id;
  out.truncated = st.truncated;
  for (const StackFrame& f : st.frames) out.frames.push_back(FrameText(f));
  return out;
}

// Names a seccomp profile allows (SCMP_ACT_ALLOW, with or without argument conditions).
std::vector<std::string> AllowedNames(const SeccompProfile& p) {
  std::vector<std::string> out;
  if (p.default_action == SeccompAction::kAllow) return NamedSyscalls(NativeAuditArch());
  for (const SeccompRule& r : p.syscalls)
    if (r.action == SeccompAction::kAllow) out.insert(out.end(), r.names.begin(), r.names.end());
  return out;
}

// The rule of the AppArmor export that grants each record: the record's own generalised
// rule when the export kept it, else the first file rule whose glob matches the path.
class AaRuleIndex {
 public:
  explicit AaRuleIndex(const AaProfile& profile) {
    for (const AaFileRule& r : profile.files) {
      if (r.deny || !r.disabled.empty()) continue;
      exact_.try_emplace(r.path, &r);
      auto glob = AaGlob::Compile(r.path, BuiltinAaVariables());
      if (!glob) continue;
      const std::string& prefix = glob->literal_prefix();
      const std::string dir = prefix.substr(0, prefix.rfind('/') + 1);
      by_dir_[dir].push_back({std::move(*glob), &r});
    }
  }
  // Of the rules whose glob matches, the first that grants `perms` (else the first).
  const AaFileRule* Find(std::string_view path, uint32_t perms) const {
    const std::string name = ProcSelfAsPid(path);
    if (auto it = exact_.find(GeneralizePath(name).text()); it != exact_.end()) return it->second;
    const AaFileRule* first = nullptr;
    for (size_t i = 0; i <= name.size(); i = name.find('/', i) + 1) {
      if (auto it = by_dir_.find(name.substr(0, i)); it != by_dir_.end()) {
        for (const auto& [glob, rule] : it->second) {
          if (!glob.Matches(name)) continue;
          if ((rule->perms & perms) == perms) return rule;
          if (first == nullptr) first = rule;
        }
      }
      if (name.find('/', i) == std::string::npos) break;
    }
    return first;
  }

 private:
  std::unordered_map<std::string, const AaFileRule*> exact_;
  std::unordered_map<std::string, std::vector<std::pair<AaGlob, const AaFileRule*>>> by_dir_;
};

// The Landlock rule granting a path: the nearest of its ancestors (or itself) with a rule,
// and the rights all of them grant there.
std::string LandlockGrant(const std::map<std::string, uint64_t>& rules, std::string_view path) {
  std::string p(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::string nearest;
  uint64_t rights = 0;
  while (true) {
    if (auto it = rules.find(p); it != rules.end()) {
      if (nearest.empty()) nearest = p;
      rights |= it->second;
    }
    if (p == "/" || p.empty()) break;
    const size_t slash = p.rfind('/');
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
  if (nearest.empty()) return "";
  return fmt::format("{} ({})", nearest, LandlockFsNames(rights));
}

struct ReportOptions {
  std::string app;
  std::string format;
  std::optional<int64_t> from, to;
  std::optional<std::string> docker_default;
};

Result<void> AddRunsAndSyscalls(Store& store, const ReportOptions& o, ReportData& d) {
  auto runs = store.Runs(o.app);
  if (!runs) return runs.error();
  std::map<std::pair<uint32_t, int32_t>, int64_t> first_run;
  for (const RunSummary& r : *runs) {
    ReportRun rr;
    rr.id = r.run_id;
    rr.source = std::string(RunSourceName(r.source));
    rr.backend = std::string(BackendName(r.backend));
    rr.argv = r.argv;
    rr.container = r.container.empty() ? r.exec_into : r.container;
    rr.on_violation = r.on_violation;
    rr.start_ns = r.start_ns;
    rr.end_ns = r.end_ns;
    rr.exit_status = r.exit_status;
    rr.processes = r.processes;
    rr.syscalls = r.distinct_syscalls;
    d.runs.push_back(std::move(rr));
    auto sys = store.Syscalls(o.app, r.run_id);
    if (!sys) return sys.error();
    for (const SyscallFact& s : *sys)
      if (s.count > 0) first_run.try_emplace({s.arch, s.nr}, r.run_id);
  }
  auto sys = store.Syscalls(o.app);
  if (!sys) return sys.error();
  auto with_stacks = store.SyscallsWithStacks(o.app);
  if (!with_stacks) return with_stacks.error();
  for (const SyscallFact& s : *sys) {
    ReportSyscall rs;
    rs.name = SyscallName(s.arch, s.nr);
    rs.arch = ArchName(s.arch);
    rs.count = s.count;
    if (auto it = first_run.find({s.arch, s.nr}); it != first_run.end()) rs.first_run = it->second;
    rs.risk = HighRiskReason("syscall", rs.name);
    if (std::binary_search(with_stacks->begin(), with_stacks->end(), std::pair{s.arch, s.nr})) {
      auto stacks = store.SyscallStacks(o.app, s.arch, s.nr);
      if (!stacks) return stacks.error();
      for (const StackFact& st : *stacks) rs.stacks.push_back(StackOf(st));
    }
    d.syscalls.push_back(std::move(rs));
  }
  return {};
}

Result<void> AddAccess(Store& store, const ReportOptions& o, ReportData& d) {
  auto facts = LoadAccessFacts(store, o.app, std::nullopt);
  if (!facts) return facts.error();
  for (const std::string& why : facts->files.refused) d.notes.push_back("files: " + why);
  AppArmorOptions ao;
  ao.app = o.app;
  ao.runs = d.runs.size();
  ao.traces = facts->traces;
  ao.count_entries = CountDirEntriesOnHost;
  ao.covered = AbstractionCoverage();
  auto aa = BuildAppArmorProfile(facts->files.records, facts->network, facts->capabilities, ao);
  LandlockExportOptions lo;
  lo.mode = FileModeOnHost;
  lo.count_entries = CountDirEntriesOnHost;
  lo.count_subdirs = CountSubdirsOnHost;
  lo.interpreters = ExecInterpretersOnHost;
  const LandlockExport ll =
      BuildLandlockRuleset(facts->files.records, facts->network, facts->syscalls, lo);
  std::map<std::string, uint64_t> ll_rules;
  for (const LandlockPathRule& r : ll.ruleset.paths)
    for (const std::string& p : r.parents) ll_rules[p] |= r.access;
  std::optional<AaRuleIndex> index;
  if (aa)
    index.emplace(aa->profile);
  else
    d.notes.push_back("AppArmor rules not shown: " + aa.error().Message());
  std::vector<std::string> includes;
  if (aa)
    for (const AaInclude& i : aa->profile.includes) includes.push_back(i.name);
  auto stack_paths = store.PathsWithStacks(o.app);
  if (!stack_paths) return stack_paths.error();
  const std::set<std::string> with_stacks(stack_paths->begin(), stack_paths->end());
  size_t stacked = 0;
  for (const FileAccessRecord& r : facts->files.records) {
    ReportFile f;
    f.path = r.path;
    f.modes = AaModes(r.access);
    if (f.modes.empty()) f.modes = AccessLetters(r.access);
    f.count = r.count;
    f.syscall = r.syscall;
    if (index) {
      if (const AaFileRule* rule = index->Find(r.path, RequiredAaPerms(r.access)))
        f.apparmor = rule->Token() + " " + rule->modes;
      else if (ao.covered && !AaModes(r.access).empty() && ao.covered(r, includes))
        f.apparmor = "(abstractions)";
    }
    f.landlock = LandlockGrant(ll_rules, r.path);
    std::string plain = r.path;
    if (plain.size() > 1 && plain.back() == '/') plain.pop_back();
    if (stacked < kMaxStackPaths && with_stacks.count(plain)) {
      ++stacked;
      auto stacks = store.PathStacks(o.app, plain);
      if (!stacks) return stacks.error();
      for (const StackFact& st : *stacks) f.stacks.push_back(StackOf(st));
    }
    d.files.push_back(std::move(f));
  }
  if (with_stacks.size() > kMaxStackPaths)
    d.notes.push_back(fmt::format("call stacks shown for the first {} of {} paths that have one",
                                  kMaxStackPaths, with_stacks.size()));
  auto raw = store.Files(o.app);
  if (!raw) return raw.error();
  for (const FileFact& f : *raw) {
    if (f.err == 0) continue;
    ReportFile rf;
    rf.path = f.path;
    rf.modes = AccessLetters(f.access);
    rf.result = ResultName(f.err);
    rf.count = f.count;
    rf.syscall = f.syscall;
    d.failed.push_back(std::move(rf));
  }
  for (const NetworkFact& n : facts->network) {
    d.network.push_back({std::string(NetOpName(n.op)), FamilyName(n.family), TypeName(n.type),
                         ProtocolName(n.family, n.protocol), n.address, n.port, ResultName(n.err),
                         n.count});
  }
  for (const CapabilityFact& c : facts->capabilities) {
    const std::string name = CapabilityName(c.capability);
    ReportCapability rc{
        name, c.granted, c.syscall, c.evidence, c.count, HighRiskReason("capability", name), {}};
    // The evidence's call: its stacks, when it has some.
    for (const ReportSyscall& s : d.syscalls)
      if (s.name == c.syscall && !s.stacks.empty()) {
        rc.stacks = s.stacks;
        break;
      }
    d.capabilities.push_back(std::move(rc));
  }
  return {};
}

bool InRange(const ReportOptions& o, int64_t v) {
  return (!o.from || v >= *o.from) && (!o.to || v <= *o.to);
}

constexpr std::string_view kDiffable[] = {"seccomp", "apparmor", "landlock", "selinux",
                                          "capabilities"};

Result<void> AddVersions(Store& store, const ReportOptions& o, ReportData& d) {
  auto all = store.ProfileVersions(o.app, o.format, /*with_content=*/true);
  if (!all) return all.error();
  std::map<std::string, const ProfileVersion*> previous;  // per format, the one before
  for (const ProfileVersion& v : *all) {
    const ProfileVersion* before = previous[v.format];
    previous[v.format] = &v;
    if (!InRange(o, v.version)) continue;
    ReportVersion rv;
    rv.format = v.format;
    rv.version = v.version;
    rv.created_ns = v.created_ns;
    rv.options = v.options;
    rv.sha256 = v.sha256;
    rv.runs = v.runs;
    if (before == nullptr) {
      d.versions.push_back(std::move(rv));
      continue;
    }
    rv.previous = before->version;
    if (std::find(std::begin(kDiffable), std::end(kDiffable), v.format) == std::end(kDiffable)) {
      rv.note = fmt::format(
          "{} versions are not compared (seclearn diff takes seccomp, "
          "apparmor, landlock, selinux and capabilities)",
          v.format);
      d.versions.push_back(std::move(rv));
      continue;
    }
    auto diff = DiffProfileTexts(before->content,
                                 fmt::format("{} {} v{}", o.app, v.format, before->version),
                                 v.content, fmt::format("{} {} v{}", o.app, v.format, v.version));
    if (!diff) {
      rv.note = "not compared: " + diff.error().Message();
      d.versions.push_back(std::move(rv));
      continue;
    }
    if (auto r = AddDiffProvenance(store, o.app, *diff); !r) return r.error();
    for (const Change& c : diff->changes)
      rv.changes.push_back({KindName(c.kind), std::string(c.CategoryName()), c.subject, c.detail,
                            c.high_risk, c.reason, c.provenance});
    d.versions.push_back(std::move(rv));
  }
  // A timeline: by time, formats exported together in their stored order.
  std::stable_sort(
      d.versions.begin(), d.versions.end(),
      [](const ReportVersion& a, const ReportVersion& b) { return a.created_ns < b.created_ns; });
  return {};
}

// The names of the seccomp profile the chart counts, and what it is.
Result<std::vector<std::string>> ProfileNames(Store& store, const ReportOptions& o, ReportData& d) {
  auto stored = store.ProfileVersions(o.app, "seccomp", /*with_content=*/true);
  if (!stored) return stored.error();
  for (auto it = stored->rbegin(); it != stored->rend(); ++it) {
    if (o.to && it->version > *o.to) continue;
    auto p = ParseSeccompProfile(it->content, fmt::format("{} seccomp v{}", o.app, it->version));
    if (!p) {
      d.notes.push_back("size: " + p.error().Message() + "; counted the next older version");
      continue;
    }
    d.profile_source = fmt::format("seccomp v{} ({})", it->version,
                                   it->options.empty() ? "no options" : it->options);
    return AllowedNames(*p);
  }
  auto facts = store.Syscalls(o.app);
  if (!facts) return facts.error();
  SeccompExportOptions eo;
  eo.app = o.app;
  eo.filter_args = false;
  d.profile_source = "the seccomp profile `seclearn export` would write now (none is stored)";
  return AllowedNames(BuildMinimalSeccomp(*facts, eo).profile);
}

Result<std::vector<std::string>> DockerNames(const ReportOptions& o, ReportData& d) {
  const ReportReference& ref = EmbeddedReportReference();
  if (!o.docker_default) {
    d.docker_source = ref.docker_source;
    return ref.docker_names;
  }
  auto text = ReadWholeFile(*o.docker_default, "--docker-default");
  if (!text) return text.error();
  auto p = ParseSeccompProfile(*text, *o.docker_default);
  if (!p) return p.error();
  SeccompTarget target;
  target.arch = NativeAuditArch();
  for (const char* cap : kDockerCaps)
    if (auto n = CapabilityNumber(cap)) target.capabilities |= uint64_t{1} << *n;
  RunInfo host;
  SetHostInfo(host);
  if (auto k = ParseKernelRelease(host.kernel)) target.kernel = *k;
  d.docker_source = fmt::format(
      "{}, for this machine's architecture and kernel and Docker's "
      "default capabilities",
      *o.docker_default);
  return AllowedNames(SelectSeccompRules(*p, target));
}

Result<ReportData> Gather(Store& store, const ReportOptions& o) {
  ReportData d;
  d.app = o.app;
  d.seclearn_version = SECLEARN_VERSION;
  if (auto r = AddRunsAndSyscalls(store, o, d); !r) return r.error();
  if (auto r = AddAccess(store, o, d); !r) return r.error();
  if (auto r = AddVersions(store, o, d); !r) return r.error();
  auto profile = ProfileNames(store, o, d);
  if (!profile) return profile.error();
  auto docker = DockerNames(o, d);
  if (!docker) return docker.error();
  const ReportReference& ref = EmbeddedReportReference();
  d.groups_source = ref.groups_source;
  CountProfileSize(*profile, *docker, ref, NativeAuditArch(), d);
  return d;
}

Result<std::optional<int64_t>> VersionOption(const ParsedArgs& args, const char* opt) {
  const auto v = args.Get(opt);
  if (!v) return std::optional<int64_t>();
  char* end = nullptr;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < 1)
    return UsageError(
        fmt::format("report: {} takes a version number (1, 2, ...), not '{}'", opt, *v));
  return std::optional<int64_t>(n);
}

}  // namespace

int CmdReport(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--format", "--from", "--to", "--docker-default", "-o"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "report", kReportHelp, &args_status);
  if (!parsed) return args_status;
  ReportOptions o;
  o.app = parsed->Get("--app").value_or("");
  if (o.app.empty()) {
    PrintError("report: --app NAME is required (see seclearn report --help)");
    return kExitSeclearnFailure;
  }
  const auto output = parsed->Get("-o");
  if (!output || output->empty()) {
    PrintError("report: -o FILE is required (\"-\" writes to stdout)");
    return kExitSeclearnFailure;
  }
  o.format = parsed->Get("--format").value_or("");
  o.docker_default = parsed->Get("--docker-default");
  auto from = VersionOption(*parsed, "--from");
  auto to = from ? VersionOption(*parsed, "--to") : from;
  if (!from || !to) {
    PrintError(!from ? from.error() : to.error());
    return kExitSeclearnFailure;
  }
  o.from = *from;
  o.to = *to;
  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = OpenAppStore(db_path, o.app, "report");
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto data = Gather(*store, o);
  if (!data) {
    PrintError(data.error());
    return kExitSeclearnFailure;
  }
  data->database = db_path;
  const std::string html = RenderReport(*data);
  if (auto w = WriteOutputFile(*output, html); !w) {
    PrintError(w.error());
    return kExitSeclearnFailure;
  }
  auto n = [](size_t count, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", count, count == 1 ? one : many);
  };
  PrintStderrLine(OneLine(fmt::format(
      "seclearn: report: wrote {} ({} KiB): {}, {}, {}, {}, {}, {}",
      *output == "-" ? "stdout" : *output, (html.size() + 1023) / 1024,
      n(data->runs.size(), "run", "runs"), n(data->syscalls.size(), "syscall", "syscalls"),
      n(data->files.size(), "path", "paths"), n(data->network.size(), "endpoint", "endpoints"),
      n(data->capabilities.size(), "capability", "capabilities"),
      n(data->versions.size(), "version", "versions"))));
  return 0;
}

}  // namespace seclearn::cli
