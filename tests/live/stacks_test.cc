// Live tests of provenance (tracer/stacks.h): the real tracer unwinds tests/workloads/provenance.c
// (built -g -O0, plus a stripped and a renamed copy) and `seclearn explain` shows the stacks.
#include "seclearn/tracer/stacks.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/audit.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/json.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "support/skip.h"
#include "support/temp_dir.h"

namespace seclearn {
namespace {

// Everything the tracer reported, stacks included.
struct StackRecording : EventSink {
  std::vector<SyscallEvent> syscalls;
  std::vector<TaskEvent> tasks;
  std::vector<ExecEvent> execs;
  std::vector<StackFact> stacks;
  void OnSyscall(const SyscallEvent& e) override { syscalls.push_back(e); }
  void OnTask(const TaskEvent& e) override { tasks.push_back(e); }
  void OnExec(const ExecEvent& e) override { execs.push_back(e); }
  void OnStack(const StackFact& s) override { stacks.push_back(s); }

  std::vector<const StackFact*> SyscallStacks(const std::string& name) const {
    std::vector<const StackFact*> out;
    for (const auto& s : stacks)
      if (s.kind == StackKind::kSyscall && SyscallName(s.arch, s.nr) == name) out.push_back(&s);
    return out;
  }
};

struct Traced {
  Result<TraceResult> result;
  std::unique_ptr<StackRecording> rec;
};

Traced TraceStacks(std::vector<std::string> argv, StackMode mode = StackMode::kFirst) {
  auto rec = std::make_unique<StackRecording>();
  TraceOptions opts;
  opts.exe = argv[0];
  opts.argv = std::move(argv);
  opts.no_new_privs = true;
  opts.stacks = mode;
  auto r = PtraceBackend().Run(opts, *rec);
  return {std::move(r), std::move(rec)};
}

// The line of provenance.c that carries the marker "STACK:<tag>" (and not a longer tag).
int SourceLine(const std::string& tag) {
  std::ifstream in(SECLEARN_PROVENANCE_SRC);
  std::string line;
  const std::string marker = "STACK:" + tag;
  for (int n = 1; std::getline(in, line); ++n) {
    const size_t at = line.find(marker);
    if (at != std::string::npos &&
        (at + marker.size() == line.size() || line[at + marker.size()] != '-'))
      return n;
  }
  FAIL("no marker " << marker << " in " << SECLEARN_PROVENANCE_SRC);
  return 0;
}

std::string Basename(const std::string& p) { return p.substr(p.rfind('/') + 1); }

const StackFrame* FrameOf(const StackFact& s, const std::string& function) {
  for (const auto& f : s.frames)
    if (f.function == function) return &f;
  return nullptr;
}

// Runs seclearn with `args` (no shell: arguments may hold any byte) and keeps its output.
struct Output {
  int status = -1;
  std::string out;
  std::string err;
};
Output Seclearn(std::vector<std::string> args) {
  args.insert(args.begin(), SECLEARN_BIN);
  char out_tmpl[] = "/tmp/seclearn-out-XXXXXX";
  char err_tmpl[] = "/tmp/seclearn-err-XXXXXX";
  const int out_fd = ::mkstemp(out_tmpl);
  const int err_fd = ::mkstemp(err_tmpl);
  REQUIRE(out_fd >= 0);
  REQUIRE(err_fd >= 0);
  CArgv argv(args);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(SECLEARN_BIN, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Output o;
  o.status = ExitCodeForWaitStatus(status);
  auto slurp = [](const char* path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  o.out = slurp(out_tmpl);
  o.err = slurp(err_tmpl);
  ::close(out_fd);
  ::close(err_fd);
  ::unlink(out_tmpl);
  ::unlink(err_tmpl);
  return o;
}


}  // namespace

TEST_CASE("the first keyctl and the first write of a path name the function and line",
          "[live][stacks]") {
  TempDir dir;
  const std::string marker = dir.path + "/marker";
  auto t = TraceStacks({SECLEARN_PROVENANCE, "keyctl"});
  REQUIRE(t.result.has_value());
  CHECK(ExitCodeForWaitStatus(t.result->wait_status) == 0);
  auto keyctl = t.rec->SyscallStacks("keyctl");
  REQUIRE(keyctl.size() == 1);
  const StackFact& k = *keyctl[0];
  CHECK(k.executable == SECLEARN_PROVENANCE);
  CHECK(k.pid == k.tid);
  INFO("frames: " << k.frames.size());
  const StackFrame* probe = FrameOf(k, "do_keyctl_probe");
  REQUIRE(probe != nullptr);
  CHECK(Basename(probe->file) == "provenance.c");
  CHECK(probe->line == SourceLine("keyctl"));
  CHECK(probe->module == SECLEARN_PROVENANCE);
  CHECK(!probe->build_id.empty());
  const StackFrame* main_frame = FrameOf(k, "main");
  REQUIRE(main_frame != nullptr);
  CHECK(main_frame->line == SourceLine("keyctl-caller"));
  CHECK(probe < main_frame);                           // innermost first
  CHECK(Basename(k.frames[0].module) == "libc.so.6");  // syscall(2) made the call

  auto m = TraceStacks({SECLEARN_PROVENANCE, "marker", marker});
  REQUIRE(m.result.has_value());
  const StackFact* open = nullptr;
  for (const auto& s : m.rec->stacks)
    if (s.kind == StackKind::kPath && s.path == marker) open = &s;
  REQUIRE(open != nullptr);
  CHECK(SyscallName(open->arch, open->nr) == "openat");
  CHECK(open->access == (kAccessWrite | kAccessCreate));
  const StackFrame* writer = FrameOf(*open, "write_marker_file");
  REQUIRE(writer != nullptr);
  CHECK(writer->line == SourceLine("marker"));
}

TEST_CASE("seclearn explain shows the stack that first made a call, as text and JSON",
          "[live][stacks]") {
  TempDir dir;
  const std::string db = dir.path + "/s.db";
  const std::string marker = dir.path + "/marker";
  auto learn =
      Seclearn({"learn", "--quiet", "--db", db, "--app", "p", "--", SECLEARN_PROVENANCE, "keyctl"});
  REQUIRE(learn.status == 0);
  learn = Seclearn(
      {"learn", "--quiet", "--db", db, "--app", "p", "--", SECLEARN_PROVENANCE, "marker", marker});
  REQUIRE(learn.status == 0);

  auto ex = Seclearn({"explain", "--db", db, "--app", "p", "keyctl"});
  INFO(ex.out << ex.err);
  REQUIRE(ex.status == 0);
  CHECK(ex.out.find(std::string(SECLEARN_PROVENANCE) + ": run 1,") != std::string::npos);
  CHECK(ex.out.find("keyctl \u2190 syscall (libc.so.6) \u2190 do_keyctl_probe (") !=
        std::string::npos);
  CHECK(ex.out.find("provenance.c:" + std::to_string(SourceLine("keyctl")) + ") \u2190 main (") !=
        std::string::npos);

  auto path = Seclearn({"explain", "--db", db, "--app", "p", "--path", marker});
  INFO(path.out << path.err);
  REQUIRE(path.status == 0);
  CHECK(path.out.find("(write,create via openat): run 2,") != std::string::npos);
  CHECK(path.out.find("write_marker_file (") != std::string::npos);

  auto js = Seclearn({"explain", "--db", db, "--app", "p", "--json", "keyctl"});
  REQUIRE(js.status == 0);
  auto doc = ParseJson(js.out, "explain --json");
  REQUIRE(doc.has_value());
  const Json* stacks = doc->Find("stacks");
  REQUIRE(stacks != nullptr);
  REQUIRE(stacks->AsArray().size() == 1);
  const Json& first = stacks->AsArray()[0];
  CHECK(first.Find("run")->AsInt64() == 1);
  bool found = false;
  for (const Json& f : first.Find("frames")->AsArray()) {
    if (f.Find("function")->is_string() && f.Find("function")->AsString() == "do_keyctl_probe") {
      found = true;
      CHECK(f.Find("line")->AsInt64() == SourceLine("keyctl"));
    }
  }
  CHECK(found);

  // show marks the facts that have a stack: keyctl and the marker file.
  auto show = Seclearn({"show", "--db", db, "--app", "p"});
  INFO(show.out);
  REQUIRE(show.status == 0);
  CHECK(std::regex_search(show.out, std::regex("\n \\*x86_64 +keyctl ")));
  const size_t at = show.out.find("  " + marker + "  (openat)");
  REQUIRE(at != std::string::npos);
  CHECK(show.out.compare(show.out.rfind('\n', at) + 1, 2, " *") == 0);
  auto sj = Seclearn({"show", "--db", db, "--app", "p", "--json"});
  REQUIRE(sj.status == 0);
  auto sdoc = ParseJson(sj.out, "show --json");
  REQUIRE(sdoc.has_value());
  for (const Json& sc : sdoc->Find("syscalls")->AsArray())
    if (sc.Find("name")->AsString() == "keyctl") CHECK(sc.Find("stack")->AsBool());
  for (const Json& f : sdoc->Find("files")->AsArray())
    if (f.Find("path")->AsString() == marker) CHECK(f.Find("stack")->AsBool());
}

TEST_CASE("diff --app names the stack that first needed an added syscall", "[live][stacks]") {
  TempDir dir;
  const std::string db = dir.path + "/s.db";
  const std::string out = dir.path + "/p.json";
  REQUIRE(Seclearn({"learn", "--quiet", "--db", db, "--app", "p", "--", SECLEARN_PROVENANCE,
                    "marker", dir.path + "/m"})
              .status == 0);
  REQUIRE(Seclearn({"export", "--db", db, "--app", "p", "-o", out}).status == 0);
  REQUIRE(Seclearn({"learn", "--quiet", "--db", db, "--app", "p", "--", SECLEARN_PROVENANCE,
                    "keyctl"})
              .status == 0);
  REQUIRE(Seclearn({"export", "--db", db, "--app", "p", "-o", out}).status == 0);
  auto d = Seclearn({"diff", "--db", db, "--app", "p", "--color", "never"});
  INFO(d.out << d.err);
  CHECK(d.status == 1);
  std::string keyctl_line;
  std::istringstream lines(d.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(" keyctl ") != std::string::npos) keyctl_line = line;
  CHECK(keyctl_line.find("first needed in run 2") != std::string::npos);
  CHECK(keyctl_line.find("do_keyctl_probe (") != std::string::npos);
  CHECK(keyctl_line.find("provenance.c:" + std::to_string(SourceLine("keyctl"))) !=
        std::string::npos);
}

TEST_CASE("a tree walk records the first paths of each access, and explain says so for the rest",
          "[live][stacks]") {
  TempDir dir;
  const std::string db = dir.path + "/s.db";
  std::vector<std::string> argv = {"/bin/cat"};
  const size_t n = kMaxPathStacksPerAccess + 16;
  for (size_t i = 0; i < n; ++i) {
    argv.push_back(fmt::format("{}/f{:03}", dir.path, i));
    std::ofstream(argv.back()) << i;
  }
  std::vector<std::string> learn = {"learn", "--quiet", "--db", db, "--app", "c", "--"};
  learn.insert(learn.end(), argv.begin(), argv.end());
  REQUIRE(Seclearn(learn).status == 0);
  auto first = Seclearn({"explain", "--db", db, "--app", "c", "--path", argv[1]});
  INFO(first.out << first.err);
  CHECK(first.status == 0);
  CHECK(first.out.find("(read via openat)") != std::string::npos);
  auto last = Seclearn({"explain", "--db", db, "--app", "c", "--path", argv[n]});
  INFO(last.out << last.err);
  CHECK(last.status == 1);
  CHECK(last.err.find(fmt::format("the first {} paths of each access", kMaxPathStacksPerAccess)) !=
        std::string::npos);
  size_t with_stack = 0;
  for (size_t i = 1; i <= n; ++i)
    with_stack +=
        Seclearn({"explain", "--db", db, "--app", "c", "--path", argv[i]}).status == 0 ? 1 : 0;
  // The loader's and locale's reads come first and share the budget of reads.
  CHECK(with_stack > kMaxPathStacksPerAccess / 4);
  CHECK(with_stack < kMaxPathStacksPerAccess);
}

TEST_CASE("a stripped binary gives module, build-id and the same address, without failing",
          "[live][stacks]") {
  auto full = TraceStacks({SECLEARN_PROVENANCE, "keyctl"});
  auto stripped = TraceStacks({SECLEARN_PROVENANCE_STRIPPED, "keyctl"});
  REQUIRE(full.result.has_value());
  REQUIRE(stripped.result.has_value());
  CHECK(ExitCodeForWaitStatus(stripped.result->wait_status) == 0);
  auto a = full.rec->SyscallStacks("keyctl");
  auto b = stripped.rec->SyscallStacks("keyctl");
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  REQUIRE(a[0]->frames.size() == b[0]->frames.size());
  size_t compared = 0;
  for (size_t i = 0; i < a[0]->frames.size(); ++i) {
    const StackFrame& fa = a[0]->frames[i];
    const StackFrame& fb = b[0]->frames[i];
    if (fa.module != SECLEARN_PROVENANCE) continue;
    CAPTURE(i, fa.function);
    // objcopy --strip-all keeps code, addresses and the build-id note: only names are gone.
    CHECK(fb.module == SECLEARN_PROVENANCE_STRIPPED);
    CHECK(fb.function.empty());
    CHECK(fb.file.empty());
    CHECK(fb.build_id == fa.build_id);
    CHECK(fb.offset == fa.offset);
    ++compared;
  }
  CHECK(compared == 3);  // do_keyctl_probe, main, _start

  TempDir dir;
  const std::string db = dir.path + "/s.db";
  REQUIRE(Seclearn({"learn", "--quiet", "--db", db, "--app", "s", "--",
                    SECLEARN_PROVENANCE_STRIPPED, "keyctl"})
              .status == 0);
  auto ex = Seclearn({"explain", "--db", db, "--app", "s", "keyctl"});
  INFO(ex.out << ex.err);
  CHECK(ex.status == 0);
  const StackFrame* probe = FrameOf(*a[0], "do_keyctl_probe");
  REQUIRE(probe != nullptr);
  CHECK(ex.out.find(fmt::format("provenance_stripped+{:#x} [build-id {}]", probe->offset,
                                probe->build_id)) != std::string::npos);
}

TEST_CASE("64 threads in 8 processes of two executables: each first call, its own stack",
          "[live][stacks]") {
  auto t = TraceStacks({SECLEARN_PROVENANCE, "fanout", "8", "8", SECLEARN_PROVENANCE_TWIN});
  REQUIRE(t.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(t.result->wait_status) == 0);
  const StackRecording& rec = *t.rec;

  // The thread group of each task, as the tracer read it at each stop.
  std::map<pid_t, pid_t> tgid_of;
  std::set<pid_t> pids;
  for (const auto& e : rec.syscalls) {
    tgid_of[e.tid] = e.pid;
    pids.insert(e.pid);
  }
  CHECK(pids.size() == 9);
  CHECK(tgid_of.size() >= 9 + 64);

  using Key = std::tuple<std::string, uint32_t, int32_t>;
  std::map<Key, const StackFact*> by_key;
  for (const auto& s : rec.stacks) {
    if (s.kind != StackKind::kSyscall) continue;
    CAPTURE(s.executable, SyscallName(s.arch, s.nr), s.pid, s.tid);
    CHECK(by_key.emplace(Key{s.executable, s.arch, s.nr}, &s).second);  // once per key
    REQUIRE(!s.frames.empty());
    REQUIRE(tgid_of.count(s.tid));
    CHECK(tgid_of[s.tid] == s.pid);  // the thread belongs to the process named
    for (const auto& f : s.frames) {
      // Frames in the workload's own code are in the executable the stack is filed under.
      if (Basename(f.module).rfind("provenance", 0) == 0) CHECK(f.module == s.executable);
    }
  }

  // Each role's syscall is made only by threads of that role: its stack must be theirs.
  const std::vector<std::string> roles = {"getpriority",
                                          "sched_getscheduler",
                                          "getrusage",
                                          "times",
                                          "sysinfo",
                                          "getitimer",
                                          "sched_get_priority_max",
                                          "sched_get_priority_min"};
  for (const std::string exe : {SECLEARN_PROVENANCE, SECLEARN_PROVENANCE_TWIN}) {
    for (const auto& role : roles) {
      CAPTURE(exe, role);
      const int32_t nr = *SyscallNumber(AUDIT_ARCH_X86_64, role);
      auto it = by_key.find(Key{exe, AUDIT_ARCH_X86_64, nr});
      REQUIRE(it != by_key.end());
      CHECK(FrameOf(*it->second, "role_" + role) != nullptr);
      CHECK(FrameOf(*it->second, "thread_main") != nullptr);
      CHECK(FrameOf(*it->second, "main") == nullptr);
    }
  }

  // Every (executable, syscall) the workload made after its first exec has a stack. The
  // executable of each call: from the exec events, inherited across fork.
  std::map<pid_t, std::string> exe_of;
  std::set<Key> made;
  size_t ev = 0, ex = 0, tk = 0;
  // Events arrive in one stream per kind; replay them by time.
  while (ev < rec.syscalls.size()) {
    const int64_t t_ev = rec.syscalls[ev].time_ns;
    if (ex < rec.execs.size() && rec.execs[ex].time_ns <= t_ev) {
      exe_of[rec.execs[ex].pid] = rec.execs[ex].exe;
      ++ex;
      continue;
    }
    if (tk < rec.tasks.size() && rec.tasks[tk].time_ns <= t_ev) {
      const TaskEvent& te = rec.tasks[tk++];
      auto parent = exe_of.find(tgid_of[te.parent_tid]);
      if (!te.is_thread && parent != exe_of.end()) exe_of[te.pid] = parent->second;
      continue;
    }
    const SyscallEvent& e = rec.syscalls[ev++];
    if (auto it = exe_of.find(e.pid); it != exe_of.end())
      made.insert(Key{it->second, e.arch, e.nr});
  }
  size_t missing = 0;
  for (const Key& k : made) {
    if (by_key.count(k)) continue;
    // execve is reported after the exec it made succeeded: the caller may be the old image.
    if (SyscallName(std::get<1>(k), std::get<2>(k)) == "execve") continue;
    UNSCOPED_INFO("no stack for " << std::get<0>(k) << " "
                                  << SyscallName(std::get<1>(k), std::get<2>(k)));
    ++missing;
  }
  CHECK(missing == 0);
  CHECK(made.size() >= 2 * roles.size());
}

TEST_CASE("learning with --stacks=none unwinds nothing and explain names such runs",
          "[live][stacks]") {
  auto t = TraceStacks({SECLEARN_PROVENANCE, "keyctl"}, StackMode::kNone);
  REQUIRE(t.result.has_value());
  CHECK(t.rec->stacks.empty());

  TempDir dir;
  const std::string db = dir.path + "/s.db";
  REQUIRE(Seclearn({"learn", "--quiet", "--stacks=none", "--db", db, "--app", "p", "--",
                    SECLEARN_PROVENANCE, "keyctl"})
              .status == 0);
  auto ex = Seclearn({"explain", "--db", db, "--app", "p", "keyctl"});
  CHECK(ex.status == 1);
  CHECK(ex.out.empty());
  auto show = Seclearn({"show", "--db", db, "--app", "p"});
  REQUIRE(show.status == 0);
  CHECK(show.out.find("keyctl") != std::string::npos);
  CHECK(show.out.find("\n *") == std::string::npos);  // no stack, no marker
  CHECK(ex.err ==
        "seclearn: explain: app 'p' made keyctl but no stack was recorded (run 1: "
        "learned with --stacks=none)\n");

  if (NotifyAvailable()) {
    REQUIRE(Seclearn({"learn", "--quiet", "--backend", "notify", "--db", db, "--app", "p", "--",
                      SECLEARN_PROVENANCE, "keyctl"})
                .status == 0);
    REQUIRE(Seclearn(
                {"learn", "--quiet", "--db", db, "--app", "p", "--", SECLEARN_PROVENANCE, "keyctl"})
                .status == 0);
    ex = Seclearn({"explain", "--db", db, "--app", "p", "keyctl"});
    INFO(ex.out << ex.err);
    CHECK(ex.status == 0);
    CHECK(ex.out.find("run 3,") != std::string::npos);
    CHECK(ex.out.find("learned without a stack: run 1: learned with --stacks=none") !=
          std::string::npos);
    CHECK(ex.out.find("learned without a stack: run 2: notify backend") != std::string::npos);
  }

  const std::string marker = dir.path + "/marker";
  REQUIRE(Seclearn({"learn", "--quiet", "--stacks=none", "--db", db, "--app", "m", "--",
                    SECLEARN_PROVENANCE, "marker", marker})
              .status == 0);
  ex = Seclearn({"explain", "--db", db, "--app", "m", "--path", marker});
  CHECK(ex.status == 1);
  CHECK(ex.err ==
        "seclearn: explain: app 'm' accessed " + marker + " but no stack was recorded (run " +
            std::to_string(NotifyAvailable() ? 4 : 2) + ": learned with --stacks=none)\n");
  ex = Seclearn({"explain", "--db", db, "--app", "m", "--path", dir.path + "/elsewhere"});
  CHECK(ex.status == 1);
  CHECK(ex.err.find("never accessed") != std::string::npos);

  CHECK(Seclearn({"explain", "--db", db, "--app", "p", "nosuchcall"}).status == 125);
  CHECK(Seclearn({"explain", "--db", db, "--app", "nosuchapp", "keyctl"}).status == 125);
  CHECK(Seclearn({"explain", "--db", db, "--app", "p", "ptrace"}).status == 1);
  CHECK(Seclearn({"learn", "--stacks=all", "--db", db, "--app", "p", "--", "true"}).status == 125);
}

TEST_CASE("a re-learned run unwinds only what no earlier run has a stack for",
          "[live][stacks][relearn]") {
  TempDir dir;
  const std::string db = dir.path + "/s.db";
  const std::string marker = dir.path + "/marker";
  auto learn = [&](std::vector<std::string> extra, std::vector<std::string> cmd) {
    std::vector<std::string> args = {"learn", "--quiet", "--db", db, "--app", "p"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--");
    args.push_back(SECLEARN_PROVENANCE);
    args.insert(args.end(), cmd.begin(), cmd.end());
    REQUIRE(Seclearn(args).status == 0);
  };
  // Stacks per run, and the keys they are the first of, over all runs.
  auto counts = [&] {
    auto store = Store::OpenReadOnly(db);
    REQUIRE(store.has_value());
    auto c = store->StackCounts("p");
    REQUIRE(c.has_value());
    return std::map<int64_t, uint64_t>(c->begin(), c->end());
  };
  auto keys = [&] {
    auto store = Store::OpenReadOnly(db);
    REQUIRE(store.has_value());
    auto k = store->StackKeys("p");
    REQUIRE(k.has_value());
    return k->size();
  };
  learn({}, {"keyctl"});
  REQUIRE(counts()[1] > 0);
  const size_t first_keys = keys();

  // The same workload again: every key has a stack already, nothing is unwound.
  learn({}, {"keyctl"});
  CHECK(counts().count(2) == 0);
  CHECK(keys() == first_keys);
  auto ex = Seclearn({"explain", "--db", db, "--app", "p", "keyctl"});
  INFO(ex.out << ex.err);
  CHECK(ex.status == 0);
  CHECK(ex.out.find("run 1,") != std::string::npos);
  CHECK(ex.out.find("learned without a stack") == std::string::npos);

  // --full unwinds as a first run does.
  learn({"--full"}, {"keyctl"});
  CHECK(counts()[3] == counts()[1]);

  // Another path: only its new keys get stacks, each once.
  learn({}, {"marker", marker});
  const auto after = counts();
  REQUIRE(after.count(4));
  CHECK(after.at(4) == keys() - first_keys);
  ex = Seclearn({"explain", "--db", db, "--app", "p", "--path", marker});
  CHECK(ex.status == 0);
  CHECK(ex.out.find("run 4,") != std::string::npos);
}

TEST_CASE("a hostile path is one escaped line in explain and valid JSON", "[live][stacks]") {
  TempDir dir;
  const std::string db = dir.path + "/s.db";
  const std::string hostile = dir.path + "/x\n  openat \u2190 evil (\x1b[31mred.c:1)";
  REQUIRE(Seclearn({"learn", "--quiet", "--db", db, "--app", "h", "--", SECLEARN_PROVENANCE,
                    "marker", hostile})
              .status == 0);
  auto ex = Seclearn({"explain", "--db", db, "--app", "h", "--path", hostile});
  INFO(ex.out << ex.err);
  REQUIRE(ex.status == 0);
  size_t lines = 0;
  for (char c : ex.out) lines += c == '\n';
  CHECK(lines == 3);  // heading, executable, stack
  CHECK(ex.out.find('\x1b') == std::string::npos);
  CHECK(ex.out.find("x\\n  openat") != std::string::npos);
  auto js = Seclearn({"explain", "--db", db, "--app", "h", "--json", "--path", hostile});
  auto doc = ParseJson(js.out, "explain --json");
  REQUIRE(doc.has_value());
  CHECK(doc->Find("path")->AsString() == hostile);
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("i386 calls get the calling instruction only, in the 32-bit executable",
          "[live][stacks]") {
  if (::access(SECLEARN_TESTEE32, X_OK) != 0) {
    SkipTest("a 32-bit toolchain (gcc-multilib) to build the i386 helper");
  }
  auto t = TraceStacks({SECLEARN_TESTEE32});
  REQUIRE(t.result.has_value());
  if (ExitCodeForWaitStatus(t.result->wait_status) != 0) {
    SkipTest("i386 binaries in this kernel (CONFIG_IA32_EMULATION)");
  }
  std::set<std::string> own;
  for (const auto& s : t.rec->stacks) {
    if (s.arch != AUDIT_ARCH_I386) continue;
    const std::string name = SyscallName(s.arch, s.nr);
    CAPTURE(name);
    REQUIRE(s.frames.size() == 1);
    CHECK(s.truncated);
    CHECK(s.frames[0].offset != 0);
    // Static glibc's own start-up calls go through the vDSO's __kernel_vsyscall.
    if (s.frames[0].module == SECLEARN_TESTEE32) own.insert(name);
    else CHECK(s.frames[0].module == "[vdso]");
  }
  for (const char* name : {"exit_group", "getppid", "uname"}) {  // its own int $0x80
    CAPTURE(name);
    CHECK(own.count(name));
  }
}

// The recorder names an address outside every sized function (most of a stripped binary)
// from its own sorted tables; libdw's dwfl_module_addrinfo, which scans the symbol table per
// address, is the reference. Real Debian binaries: stripped (python3, git, busybox), with a
// full table (the test's own builds), with labels (crt's _init, register_tm_clones), and
// every 20th program of /usr/bin.
TEST_CASE("function names outside sized symbols agree with libdw on real binaries",
          "[live][stacks]") {
  std::vector<std::string> files = {SECLEARN_TESTEE, SECLEARN_PROVENANCE,
                                    SECLEARN_PROVENANCE_STRIPPED};
  for (const char* f : {"/usr/bin/python3", "/usr/bin/git", "/bin/busybox", "/usr/bin/ls",
                        "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"}) {
    char real[PATH_MAX];
    if (::realpath(f, real) != nullptr) files.emplace_back(real);
  }
  std::vector<std::string> bin;
  for (const auto& e : std::filesystem::directory_iterator("/usr/bin"))
    if (e.is_regular_file()) bin.push_back(e.path());
  std::sort(bin.begin(), bin.end());
  for (size_t i = 0; i < bin.size(); i += 20) files.push_back(bin[i]);

  size_t elves = 0, compared = 0, named = 0;
  for (const std::string& f : files) {
    const SymbolCheck c = CheckSymbolsAgainstLibdw(f, 397);
    if (!c.opened) continue;
    ++elves;
    compared += c.outside_functions;
    named += c.named_by_libdw;
    std::string listed;
    for (const std::string& m : c.mismatches) listed += "\n  " + m;
    INFO(f << ": " << c.outside_functions << " addresses outside functions" << listed);
    CHECK(c.mismatches.empty());
  }
  // The comparison ran, on addresses libdw names and on addresses it does not.
  CHECK(elves >= 10);
  CHECK(compared > 1000);
  CHECK(named > 0);
  CHECK(named < compared);
}

// The recorder finds each frame's unwind rules through its own per-file tables (read once per
// run); libunwind-ptrace's lookup, which maps the file again for each stack, is the reference.
// Real programs, each stopped at every 5th syscall entry of its first process: the two unwinds
// give the same pcs at every stop.
TEST_CASE("unwinding through the per-file tables agrees with libunwind-ptrace's own lookup",
          "[live][stacks]") {
  TempDir dir;
  const std::vector<std::vector<std::string>> programs = {
      {"/usr/bin/python3", "-c", "import json, email.parser, sqlite3; json.dumps([1])"},
      {"/usr/bin/git", "-C", "/usr/share/doc", "status", "--short"},
      {"/bin/busybox", "sh", "-c", "for f in /etc/*; do test -r $f; done; ls / > /dev/null"},
      {"/usr/bin/ls", "-lR", "/usr/share/doc/libc6"},
      {"/usr/bin/tar", "cf", "/dev/null", "/usr/share/doc/libc6"},
      {SECLEARN_PROVENANCE},
      {SECLEARN_PROVENANCE_STRIPPED},
  };
  size_t stops = 0, deep = 0;
  for (const auto& argv : programs) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      (void)::chdir(dir.path.c_str());
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);  // the exec's SIGTRAP
    REQUIRE(WIFSTOPPED(status));
    ::ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
    size_t n = 0;
    bool entry = true;
    while (true) {
      REQUIRE(::ptrace(PTRACE_SYSCALL, pid, nullptr, nullptr) == 0);
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      if (WIFEXITED(status) || WIFSIGNALED(status)) break;
      if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) continue;
      if (entry && n++ % 5 == 0) {
        const UnwindCheck c = CheckUnwindAgainstLibunwindPtrace(pid, pid);
        std::string listed;
        for (const std::string& m : c.mismatches) listed += "\n  " + m;
        INFO(argv[0] << " stop " << n << ": " << c.frames << " frames, libunwind-ptrace "
                     << c.upt_frames << listed);
        CHECK(c.mismatches.empty());
        CHECK(c.frames == c.upt_frames);
        ++stops;
        if (c.frames >= 4) ++deep;
      }
      entry = !entry;
    }
    CHECK(WIFEXITED(status));
  }
  // The comparison ran, on deep stacks too.
  CHECK(stops > 200);
  CHECK(deep > 50);
}

}  // namespace seclearn
