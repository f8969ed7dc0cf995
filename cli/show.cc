// seclearn show: what the database knows about an app.
#include <fmt/format.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "access.h"
#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/capability.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/json.h"
#include "seclearn/store/store.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr const char* kShowHelp = R"(usage: seclearn show [--db PATH] [--app NAME [--run N]] [--json]

Without --app: the apps in the database. With --app: its runs (command, start, duration,
exit status; "unfinished", --json "finished": false, for a run still being learned or whose
learner died; "exec into CONTAINER", --json "exec_into", for a process exec'd into a
running container: docker exec, runc exec), its syscalls per architecture with counts and the time each was first seen,
the executables it ran, the files it accessed, its network use and the capabilities it
exercised or wanted, over all its runs; with --run N, of run N only. A syscall count of 0:
let through unseen (re-learning, see `seclearn learn --help`, or a call the container
runtime's filter cannot notify).

files: access letters r read, w write, a append, c create, d delete, x execute, m mmap
PROT_EXEC, l link, k lock, s stat, C chdir/chroot, M mount; the result (ok or the errno
name), the count and the first syscall. Names are shown with control characters and bytes
that are not UTF-8 escaped (\xNN); --json gives "path" (such bytes as \u00NN) and, for
those names only, "path_hex" with the exact bytes.
capabilities: "exercised" if a call succeeded only thanks to it, "wanted" if a call failed
with EPERM/EACCES for the lack of it; with the first call and its argument as evidence.
A '*' before a syscall or file (--json: "stack": true) marks a fact with a recorded call
stack: `seclearn explain --app NAME SYSCALL` or `--path PATH` shows it.

The database is only read: a read-only file, directory or mount will do.

exit status: 0; 125 error (unknown app, unreadable database, output that cannot be written).
)";

std::string Hex(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

std::string Endpoint(const NetworkFact& n) {
  if (n.family == AF_INET6 && n.port >= 0) return fmt::format("[{}]:{}", n.address, n.port);
  if (n.port >= 0) return fmt::format("{}:{}", n.address, n.port);
  return n.address.empty() ? "-" : DisplayName(n.address);
}

}  // namespace

// Everything `show --app` prints, read once.
struct ShowData {
  std::vector<RunSummary> runs;
  std::vector<SyscallFact> sys;
  std::vector<ExecutableFact> exes;
  std::vector<FileFact> files;
  std::vector<NetworkFact> net;
  std::vector<CapabilityFact> caps;
  std::vector<std::pair<uint32_t, int32_t>> sys_stacks;  // sorted: calls with a stack
  std::vector<std::string> path_stacks;                  // sorted: paths with a stack
  bool HasStack(const SyscallFact& s) const {
    return std::binary_search(sys_stacks.begin(), sys_stacks.end(), std::pair{s.arch, s.nr});
  }
  bool HasStack(const FileFact& f) const {
    return std::binary_search(path_stacks.begin(), path_stacks.end(), f.path);
  }
};

// Everything over all runs, or of run `run` only (ChooseRun).
Result<ShowData> LoadShowData(Store& store, const std::string& app,
                              const std::vector<RunSummary>& runs, std::optional<int64_t> run) {
  ShowData d;
  d.runs = runs;
  if (run) std::erase_if(d.runs, [&](const RunSummary& r) { return r.run_id != *run; });
  auto sys = store.Syscalls(app, run);
  if (!sys) return sys.error();
  d.sys = std::move(*sys);
  auto exes = store.Executables(app, run);
  if (!exes) return exes.error();
  d.exes = std::move(*exes);
  auto files = store.Files(app, run);
  if (!files) return files.error();
  d.files = std::move(*files);
  auto net = store.Network(app, run);
  if (!net) return net.error();
  d.net = std::move(*net);
  auto caps = store.Capabilities(app, run);
  if (!caps) return caps.error();
  d.caps = std::move(*caps);
  auto sys_stacks = store.SyscallsWithStacks(app);
  if (!sys_stacks) return sys_stacks.error();
  d.sys_stacks = std::move(*sys_stacks);
  auto path_stacks = store.PathsWithStacks(app);
  if (!path_stacks) return path_stacks.error();
  d.path_stacks = std::move(*path_stacks);
  return d;
}

void PrintShowJson(const std::string& app, const ShowData& d) {
  Json jruns = Json::Array();
  for (const auto& r : d.runs) {
    Json argv = Json::Array();
    for (const auto& a : r.argv) argv.Push(Json::String(a));
    Json jr = Json::Object();
    jr.Set("run", Json::Int(r.run_id)).Set("argv", std::move(argv));
    jr.Set("exec_into", r.exec_into.empty() ? Json::Null() : Json::String(r.exec_into));
    jr.Set("backend", Json::String(std::string(BackendName(r.backend))));
    jr.Set("source", Json::String(std::string(RunSourceName(r.source))));
    jr.Set("on_violation", r.on_violation.empty() ? Json::Null() : Json::String(r.on_violation));
    jr.Set("container", r.container.empty() ? Json::Null() : Json::String(r.container));
    jr.Set("kernel", Json::String(r.kernel));
    jr.Set("host", Json::String(r.host)).Set("start", Json::String(FormatTime(r.start_ns)));
    jr.Set("end", r.end_ns ? Json::String(FormatTime(*r.end_ns)) : Json::Null());
    // No end: still being learned, or its learner died (a copy merged meanwhile, too).
    jr.Set("finished", Json::Bool(r.end_ns.has_value()));
    jr.Set("exit_status", r.exit_status ? Json::Int(*r.exit_status) : Json::Null());
    jr.Set("processes", Json::Uint(r.processes));
    jr.Set("distinct_syscalls", Json::Uint(r.distinct_syscalls));
    jruns.Push(std::move(jr));
  }
  Json jsys = Json::Array();
  for (const auto& s : d.sys) {
    Json js = Json::Object();
    js.Set("arch", Json::String(ArchName(s.arch))).Set("nr", Json::Int(s.nr));
    js.Set("name", Json::String(SyscallName(s.arch, s.nr))).Set("count", Json::Uint(s.count));
    js.Set("first_seen", Json::String(FormatTime(s.first_seen_ns)));
    js.Set("stack", Json::Bool(d.HasStack(s)));
    jsys.Push(std::move(js));
  }
  Json jexe = Json::Array();
  for (const auto& e : d.exes) {
    jexe.Push(Json::Object()
                  .Set("path", Json::String(e.path))
                  .Set("count", Json::Uint(e.count))
                  .Set("first_seen", Json::String(FormatTime(e.first_seen_ns))));
  }
  // Names from the workload: "path" is always valid JSON; "path_hex" carries the exact
  // bytes when they are not UTF-8 (the writer shows such bytes as \u00NN).
  auto name = [](Json& obj, const char* key, const std::string& value) {
    obj.Set(key, Json::String(value));
    if (!IsUtf8(value)) obj.Set(std::string(key) + "_hex", Json::String(Hex(value)));
  };
  Json jfiles = Json::Array();
  for (const auto& f : d.files) {
    Json jf = Json::Object();
    name(jf, "path", f.path);
    jf.Set("access", Json::String(AccessLetters(f.access)))
        .Set("access_bits", Json::Uint(f.access));
    jf.Set("result", Json::String(ResultName(f.err))).Set("errno", Json::Int(f.err));
    jf.Set("count", Json::Uint(f.count))
        .Set("first_seen", Json::String(FormatTime(f.first_seen_ns)));
    jf.Set("syscall", Json::String(f.syscall));
    jf.Set("stack", Json::Bool(d.HasStack(f)));
    jfiles.Push(std::move(jf));
  }
  Json jnet = Json::Array();
  for (const auto& n : d.net) {
    Json jn = Json::Object();
    jn.Set("op", Json::String(std::string(NetOpName(n.op))))
        .Set("family", Json::String(FamilyName(n.family)));
    jn.Set("type", Json::String(TypeName(n.type)));
    jn.Set("protocol", Json::String(ProtocolName(n.family, n.protocol)));
    name(jn, "address", n.address);
    jn.Set("port", n.port >= 0 ? Json::Int(n.port) : Json::Null());
    jn.Set("result", Json::String(ResultName(n.err))).Set("errno", Json::Int(n.err));
    jn.Set("count", Json::Uint(n.count))
        .Set("first_seen", Json::String(FormatTime(n.first_seen_ns)));
    jnet.Push(std::move(jn));
  }
  Json jcaps = Json::Array();
  for (const auto& c : d.caps) {
    Json jc = Json::Object();
    jc.Set("capability", Json::String(CapabilityName(c.capability))).Set("granted", Json::Bool(c.granted));
    jc.Set("syscall", Json::String(c.syscall));
    name(jc, "evidence", c.evidence);
    jc.Set("count", Json::Uint(c.count))
        .Set("first_seen", Json::String(FormatTime(c.first_seen_ns)));
    jcaps.Push(std::move(jc));
  }
  Json doc = Json::Object();
  doc.Set("app", Json::String(app)).Set("runs", std::move(jruns));
  doc.Set("syscalls", std::move(jsys)).Set("executables", std::move(jexe));
  doc.Set("files", std::move(jfiles)).Set("network", std::move(jnet));
  doc.Set("capabilities", std::move(jcaps));
  std::fputs(WriteJson(doc).c_str(), stdout);
}

void PrintShowText(const std::string& app, const ShowData& d) {
  const size_t unfinished = static_cast<size_t>(std::count_if(
      d.runs.begin(), d.runs.end(), [](const RunSummary& r) { return !r.end_ns.has_value(); }));
  std::printf("app %s: %zu run%s, %zu distinct syscalls, %zu executables\n", app.c_str(),
              d.runs.size(), d.runs.size() == 1 ? "" : "s", d.sys.size(), d.exes.size());
  if (unfinished != 0) {
    std::printf(
        "%zu run%s unfinished: still being learned, or its learner died; what %s did "
        "after the last save is missing\n",
        unfinished, unfinished == 1 ? "" : "s", unfinished == 1 ? "it" : "they");
  }
  std::printf("\n");
  std::printf("runs:\n");
  for (const auto& r : d.runs) {
    const std::string status = r.exit_status ? fmt::format("exit {}", *r.exit_status)
                                             : std::string(r.end_ns ? "?" : "unfinished");
    const std::string dur =
        r.end_ns ? fmt::format("{:.2f}s", static_cast<double>(*r.end_ns - r.start_ns) / 1e9) : "-";
    std::printf("  #%-4lld %s  %-10s %8s  %-6s %-5s  %3llu proc  %3llu syscalls  %s\n",
                static_cast<long long>(r.run_id), FormatTime(r.start_ns).c_str(), status.c_str(),
                dur.c_str(), BackendName(r.backend).data(), RunSourceName(r.source).data(),
                static_cast<unsigned long long>(r.processes),
                static_cast<unsigned long long>(r.distinct_syscalls),
                (r.exec_into.empty()
                     ? ShellQuote(r.argv)
                     : fmt::format("exec into {}: {}", OneLine(r.exec_into), ShellQuote(r.argv)))
                    .c_str());
  }
  std::printf("\nsyscalls:\n");
  for (const auto& s : d.sys) {
    std::printf(" %c%-7s %-24s %12llu  first %s\n", d.HasStack(s) ? '*' : ' ',
                ArchName(s.arch).c_str(), SyscallName(s.arch, s.nr).c_str(),
                static_cast<unsigned long long>(s.count), FormatTime(s.first_seen_ns).c_str());
  }
  std::printf("\nexecutables:\n");
  for (const auto& e : d.exes) {
    std::printf("  %-40s %8llu  first %s\n", ShellQuote({e.path}).c_str(),
                static_cast<unsigned long long>(e.count), FormatTime(e.first_seen_ns).c_str());
  }
  std::printf("\nfiles: %zu\n", d.files.size());
  for (const auto& f : d.files) {
    std::printf(" %c%s %-8s %8llu  %s  (%s)\n", d.HasStack(f) ? '*' : ' ',
                AccessLetters(f.access).c_str(), ResultName(f.err).c_str(),
                static_cast<unsigned long long>(f.count), DisplayName(f.path).c_str(),
                f.syscall.c_str());
  }
  std::printf("\nnetwork: %zu\n", d.net.size());
  for (const auto& n : d.net) {
    std::printf("  %-7s %-10s %-14s %-12s %-24s %-12s %6llu\n", NetOpName(n.op).data(),
                FamilyName(n.family).c_str(), TypeName(n.type).c_str(),
                ProtocolName(n.family, n.protocol).c_str(), Endpoint(n).c_str(),
                ResultName(n.err).c_str(), static_cast<unsigned long long>(n.count));
  }
  std::printf("\ncapabilities: %s\n",
              d.caps.empty() ? "none" : std::to_string(d.caps.size()).c_str());
  for (const auto& c : d.caps) {
    std::printf("  %-22s %-9s %6llu  %s: %s\n", CapabilityName(c.capability).c_str(),
                c.granted ? "exercised" : "wanted", static_cast<unsigned long long>(c.count),
                c.syscall.c_str(), DisplayName(c.evidence, false).c_str());
  }
}

int CmdShow(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--run"};
  spec.flags = {"--json"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "show", kShowHelp, &args_status);
  if (!parsed) return args_status;
  const bool json = parsed->Has("--json");
  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = Store::OpenReadOnly(db_path);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto apps = store->Apps();
  if (!apps) {
    PrintError(apps.error());
    return kExitSeclearnFailure;
  }
  const auto app = parsed->Get("--app");
  if (!app) {
    if (json) {
      Json list = Json::Array();
      for (const auto& a : *apps) list.Push(Json::String(a));
      std::fputs(WriteJson(Json::Object().Set("apps", std::move(list))).c_str(), stdout);
    } else {
      for (const auto& a : *apps) std::printf("%s\n", a.c_str());
    }
    return 0;
  }
  if (std::find(apps->begin(), apps->end(), *app) == apps->end()) {
    PrintError(UnknownApp("show", *app, db_path, *apps));
    return kExitSeclearnFailure;
  }
  auto choice = ChooseRun(*store, *app, *parsed);
  if (!choice) {
    PrintError(fmt::format("show: {}", choice.error().Message()));
    return kExitSeclearnFailure;
  }
  const std::vector<RunSummary>& runs = choice->runs;
  const std::optional<int64_t> run = choice->run;
  auto data = LoadShowData(*store, *app, runs, run);
  if (!data) {
    PrintError(data.error());
    return kExitSeclearnFailure;
  }
  if (json)
    PrintShowJson(*app, *data);
  else
    PrintShowText(*app, *data);
  return 0;
}

}  // namespace seclearn::cli
