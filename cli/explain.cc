// seclearn explain: why an app needs a syscall or a path, as the call stacks that first made it.
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/json.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/stacks.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr const char* kExplainHelp =
    R"(usage: seclearn explain [--db PATH] --app NAME [--json] SYSCALL
       seclearn explain [--db PATH] --app NAME [--json] --path PATH

Why does app NAME need SYSCALL, or access to PATH? For each executable that made the call,
the call stack of the first call over all runs, innermost frame first, with the run, time,
pid and tid:

  keyctl ← syscall (libc.so.6) ← do_keyctl_probe (src/probe.c:17) ← main (src/main.c:40)

A frame shows function (file:line) with debug info, function (module) with symbols only,
and module+0xADDR [build-id] without (ADDR is the module's ELF address, for
eu-addr2line -e FILE ADDR once a debug file is found). --path takes the path as recorded:
absolute when the tracer resolved it, else as the workload named it; each access asked for
it (read, write, create, ...) has its own first stack.

Stacks are recorded by `seclearn learn` with the ptrace backend (--stacks=first, the
default), once per (executable, syscall) and (executable, path, access) in each run. Runs
learned with the notify backend or --stacks=none have none: explain names such runs.

options:
  --db PATH    database (default: $SECLEARN_DB, else ./seclearn.db)
  --app NAME   the application (required)
  --path PATH  explain a path instead of a syscall
  --json       machine-readable output

exit status: 0 stacks shown; 1 nothing to show (the app never made that call, or no run
recorded a stack for it: the message says which); 125 error (unknown app or syscall name,
bad option, unreadable database).
)";

constexpr int kExitNothing = 1;

std::vector<std::string> AccessNames(uint32_t access) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {kAccessRead, "read"},          {kAccessWrite, "write"},   {kAccessAppend, "append"},
      {kAccessCreate, "create"},      {kAccessDelete, "delete"}, {kAccessExec, "exec"},
      {kAccessMmapExec, "mmap-exec"}, {kAccessLink, "link"},     {kAccessLock, "lock"},
      {kAccessStat, "stat"},          {kAccessChdir, "chdir"},   {kAccessMount, "mount"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames)
    if (access & bit) out.emplace_back(name);
  if (out.empty()) out.emplace_back("none");
  return out;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

Json FrameJson(const StackFrame& f) {
  Json j = Json::Object();
  j.Set("function", f.function.empty() ? Json::Null() : Json::String(f.function));
  j.Set("file", f.file.empty() ? Json::Null() : Json::String(f.file));
  j.Set("line", f.line > 0 ? Json::Int(f.line) : Json::Null());
  j.Set("module", Json::String(f.module));
  j.Set("build_id", f.build_id.empty() ? Json::Null() : Json::String(f.build_id));
  j.Set("offset", Json::String(fmt::format("{:#x}", f.offset)));
  return j;
}

// The first stack of each key (executable and arch; for paths, executable and access) over all
// runs, and in how many runs that key has one. `stacks` is sorted by key, then time.
struct FirstStack {
  const StackFact* stack;
  size_t runs;
};
std::vector<FirstStack> FirstPerKey(const std::vector<StackFact>& stacks) {
  std::vector<FirstStack> out;
  for (size_t i = 0; i < stacks.size();) {
    size_t j = i;
    std::set<int64_t> runs;
    while (j < stacks.size() && stacks[j].executable == stacks[i].executable &&
           stacks[j].access == stacks[i].access && stacks[j].arch == stacks[i].arch) {
      runs.insert(stacks[j].run_id);
      ++j;
    }
    out.push_back({&stacks[i], runs.size()});
    i = j;
  }
  return out;
}

// Runs that learned the call without a stack, and why.
struct Missing {
  int64_t run_id;
  BackendKind backend;
  std::string reason;
};

std::string MissingText(const std::vector<Missing>& missing) {
  std::string out;
  for (const auto& m : missing)
    out += fmt::format("{}run {}: {}", out.empty() ? "" : "; ", m.run_id, m.reason);
  return out;
}

}  // namespace

// The first stack per executable (and access) as JSON, with the runs that recorded none.
void PrintExplainJson(const std::string& app, const std::string& subject, bool by_path,
                      const std::vector<FirstStack>& firsts, const std::vector<Missing>& missing) {
  Json list = Json::Array();
  for (const FirstStack& fs : firsts) {
    const StackFact& st = *fs.stack;
    Json j = Json::Object();
    j.Set("executable", Json::String(st.executable));
    if (by_path) {
      Json acc = Json::Array();
      for (const auto& a : AccessNames(st.access)) acc.Push(Json::String(a));
      j.Set("access", std::move(acc));
    }
    j.Set("syscall", Json::String(SyscallName(st.arch, st.nr)));
    j.Set("arch", Json::String(ArchName(st.arch)));
    j.Set("run", Json::Int(st.run_id)).Set("runs", Json::Uint(fs.runs));
    j.Set("time", Json::String(FormatTime(st.time_ns))).Set("time_ns", Json::Int(st.time_ns));
    j.Set("pid", Json::Int(st.pid)).Set("tid", Json::Int(st.tid));
    j.Set("truncated", Json::Bool(st.truncated));
    Json frames = Json::Array();
    for (const StackFrame& f : st.frames) frames.Push(FrameJson(f));
    j.Set("frames", std::move(frames));
    list.Push(std::move(j));
  }
  Json without = Json::Array();
  for (const Missing& m : missing) {
    without.Push(Json::Object()
                     .Set("run", Json::Int(m.run_id))
                     .Set("backend", Json::String(std::string(BackendName(m.backend))))
                     .Set("reason", Json::String(m.reason)));
  }
  Json doc = Json::Object();
  doc.Set("app", Json::String(app));
  doc.Set(by_path ? "path" : "syscall", Json::String(subject));
  doc.Set("stacks", std::move(list)).Set("without_stack", std::move(without));
  std::fputs(WriteJson(doc).c_str(), stdout);
}

// The same for people; kExitNothing (said on stderr) when no stack was recorded.
int PrintExplainText(const std::string& app, const std::string& subject, bool by_path,
                     const std::vector<FirstStack>& firsts, const std::vector<Missing>& missing) {
  if (firsts.empty()) {
    PrintError(fmt::format("explain: app '{}' {} {} but no stack was recorded ({})", app,
                           by_path ? "accessed" : "made", subject, MissingText(missing)));
    return kExitNothing;
  }
  std::set<std::string> exes;
  for (const FirstStack& fs : firsts) exes.insert(fs.stack->executable);
  std::printf("%s: needed by %zu executable%s of app %s\n", DisplayName(subject, false).c_str(),
              exes.size(), exes.size() == 1 ? "" : "s", DisplayName(app, false).c_str());
  for (const FirstStack& fs : firsts) {
    const StackFact& st = *fs.stack;
    const std::string call = SyscallName(st.arch, st.nr);
    std::string head = DisplayName(st.executable, false);
    if (by_path) head += fmt::format(" ({} via {})", JoinNames(AccessNames(st.access)), call);
    head += fmt::format(": run {}, {}, pid {} tid {}", st.run_id, FormatTime(st.time_ns), st.pid,
                        st.tid);
    if (st.arch != NativeAuditArch()) head += fmt::format(", {}", ArchName(st.arch));
    if (fs.runs > 1) head += fmt::format(" (first of {} runs)", fs.runs);
    std::printf("%s\n  %s\n", head.c_str(), StackChain(call, st).c_str());
  }
  for (const Missing& m : missing)
    std::printf("learned without a stack: run %lld: %s\n", static_cast<long long>(m.run_id),
                m.reason.c_str());
  return 0;
}

int CmdExplain(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--path"};
  spec.flags = {"--json"};
  spec.max_positionals = 1;
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "explain", kExplainHelp, &args_status);
  if (!parsed) return args_status;
  const auto app = parsed->Get("--app");
  if (!app || app->empty()) {
    PrintError("explain: --app NAME is required (see seclearn explain --help)");
    return kExitSeclearnFailure;
  }
  const auto path = parsed->Get("--path");
  if (path.has_value() == !parsed->positionals.empty()) {
    PrintError("explain: give either a SYSCALL name or --path PATH (see seclearn explain --help)");
    return kExitSeclearnFailure;
  }
  const bool json = parsed->Has("--json");
  const std::string name = path ? std::string() : parsed->positionals[0];

  // Which (arch, nr) the name stands for on any architecture, before touching the database.
  if (!path) {
    bool known = false;
    for (const ArchInfo& a : KnownArches())
      if (SyscallNumber(a.audit_arch, name)) known = true;
    if (!known) {
      PrintError(
          fmt::format("explain: unknown syscall '{}' (a name as libseccomp spells it, "
                      "e.g. openat)",
                      name));
      return kExitSeclearnFailure;
    }
  }

  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = OpenAppStore(db_path, *app, "explain");
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto runs = store->Runs(*app);
  auto counts = store->StackCounts(*app);
  if (!runs || !counts) {
    PrintError(!runs ? runs.error() : counts.error());
    return kExitSeclearnFailure;
  }
  std::map<int64_t, uint64_t> stacks_in_run(counts->begin(), counts->end());

  // The stacks, and the runs that learned the call but recorded no stack for it.
  std::vector<StackFact> stacks;
  std::vector<Missing> missing;
  auto why = [&](const RunSummary& r) {
    if (r.backend == BackendKind::kNotify)
      return std::string(
          "notify backend, which records no stacks (its supervisor is not a "
          "tracer: it cannot stop the caller to unwind it)");
    if (!stacks_in_run.count(r.run_id)) return std::string("learned with --stacks=none");
    if (!path && r.backend == BackendKind::kEbpf)
      return std::string(
          "no stack recorded for it (the ebpf backend counts calls with nothing to learn but "
          "the call in the kernel, without stopping the caller: learn with --backend ptrace "
          "for their stacks)");
    if (path)
      return fmt::format(
          "no stack recorded for it (a run records the first {} paths of each access per "
          "executable; or made before the workload's exec, or the task could not be unwound)",
          kMaxPathStacksPerAccess);
    return std::string(
        "no stack recorded for it (made before the workload's exec, or the task "
        "could not be unwound)");
  };
  if (!path) {
    auto syscalls = store->Syscalls(*app);
    if (!syscalls) {
      PrintError(syscalls.error());
      return kExitSeclearnFailure;
    }
    std::vector<std::pair<uint32_t, int32_t>> matches;
    for (const SyscallFact& f : *syscalls)
      if (SyscallName(f.arch, f.nr) == name) matches.emplace_back(f.arch, f.nr);
    if (matches.empty()) {
      PrintError(fmt::format("explain: app '{}' never made {} in its {} run{}", *app, name,
                             runs->size(), runs->size() == 1 ? "" : "s"));
      return kExitNothing;
    }
    for (const auto& [arch, nr] : matches) {
      auto got = store->SyscallStacks(*app, arch, nr);
      if (!got) {
        PrintError(got.error());
        return kExitSeclearnFailure;
      }
      std::set<int64_t> with_stack;
      for (const auto& st : *got) with_stack.insert(st.run_id);
      for (const RunSummary& r : *runs) {
        // A later run needs no stack of its own: the earliest is shown (and a re-learned
        // run does not unwind what an earlier run has a stack for).
        if (!with_stack.empty() && r.run_id >= *with_stack.begin()) continue;
        auto in_run = store->Syscalls(*app, r.run_id);
        if (!in_run) {
          PrintError(in_run.error());
          return kExitSeclearnFailure;
        }
        const bool made = std::any_of(in_run->begin(), in_run->end(), [&](const SyscallFact& f) {
          return f.arch == arch && f.nr == nr;
        });
        if (made) missing.push_back({r.run_id, r.backend, why(r)});
      }
      for (auto& st : *got) stacks.push_back(std::move(st));
    }
  } else {
    auto got = store->PathStacks(*app, *path);
    if (!got) {
      PrintError(got.error());
      return kExitSeclearnFailure;
    }
    stacks = std::move(*got);
    std::set<int64_t> with_stack;
    for (const auto& st : stacks) with_stack.insert(st.run_id);
    bool accessed = !stacks.empty();
    for (const RunSummary& r : *runs) {
      auto files = store->Files(*app, r.run_id);
      if (!files) {
        PrintError(files.error());
        return kExitSeclearnFailure;
      }
      const bool made = std::any_of(files->begin(), files->end(),
                                    [&](const FileFact& f) { return f.path == *path; });
      accessed = accessed || made;
      if (made && (with_stack.empty() || r.run_id < *with_stack.begin()))
        missing.push_back({r.run_id, r.backend, why(r)});
    }
    if (!accessed) {
      PrintError(
          fmt::format("explain: app '{}' never accessed {} in its {} run{} (paths are "
                      "matched exactly, as seclearn show lists them)",
                      *app, *path, runs->size(), runs->size() == 1 ? "" : "s"));
      return kExitNothing;
    }
  }
  std::stable_sort(stacks.begin(), stacks.end(), [](const StackFact& a, const StackFact& b) {
    if (a.executable != b.executable) return a.executable < b.executable;
    if (a.access != b.access) return a.access < b.access;
    if (a.arch != b.arch) return a.arch < b.arch;
    return a.time_ns < b.time_ns;
  });
  const std::vector<FirstStack> firsts = FirstPerKey(stacks);
  const std::string subject = path ? *path : name;

  if (json) {
    PrintExplainJson(*app, subject, path.has_value(), firsts, missing);
    return firsts.empty() ? kExitNothing : 0;
  }
  return PrintExplainText(*app, subject, path.has_value(), firsts, missing);
}

}  // namespace seclearn::cli
