// Live tests of the tracers' task state machines: every transition a task can make while the
// ptrace backend owes it a syscall-exit stop (fork, vfork and clone events, with and without
// namespace flags, from threads; an exec from another thread; a signal; SIGKILL), and the
// same workloads under the notify backend. Each workload declares what it calls and how often
// (testee --declare/--maybe/--counts); the recorded names and counts must match exactly, in
// each of the ways a backend can be asked to wait for results.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "trace_helpers.h"

namespace seclearn {
namespace {

// How much the ptrace backend is asked to wait for: every wait is a chance to lose an event.
enum class Waits { kNone, kPathResults, kEveryResult };

const char* WaitsName(Waits w) {
  switch (w) {
    case Waits::kNone:
      return "no results";
    case Waits::kPathResults:
      return "results of path and table calls";
    case Waits::kEveryResult:
      return "every result";
  }
  return "?";
}

Traced TraceWaiting(std::vector<std::string> argv, BackendKind backend, Waits waits) {
  TraceOptions opts;
  // learn_access with Recording's default Needs() asks for the result of every resolved call
  // (clone, execve, kill, openat, ...).
  opts.learn_access = waits != Waits::kNone;
  opts.want_path_results = waits != Waits::kNone;
  opts.want_all_results = waits == Waits::kEveryResult;
  return Trace(std::move(argv), backend, opts);
}

struct Counted {
  NameSet names;
  std::map<std::string, uint64_t> counts;
};

// `name=N` / `name+N` lines of testee --counts.
struct CountSpec {
  std::string name;
  bool relative = false;
  uint64_t n = 0;
};

std::vector<CountSpec> ParseCounts(const NameSet& lines) {
  std::vector<CountSpec> out;
  for (const auto& line : lines) {
    const auto op = line.find_first_of("=+");
    REQUIRE(op != std::string::npos);
    out.push_back({line.substr(0, op), line[op] == '+', std::stoull(line.substr(op + 1))});
  }
  return out;
}

// Checks one workload: exit status, declared ⊆ recorded − noop ⊆ declared ∪ maybe, the counts,
// and that the ptrace state machine met no unexpected stop.
void CheckWorkload(const std::vector<std::string>& sub, BackendKind backend, Waits waits,
                   int want_exit = 0) {
  CAPTURE(sub, BackendName(backend), WaitsName(waits));
  auto noop = TraceWaiting(Testee({"noop"}), backend, waits);
  REQUIRE(noop.result.has_value());
  const NameSet declared = RunForSet("--declare", sub);
  const NameSet maybe = RunForSet("--maybe", sub);
  const auto counts = ParseCounts(RunForSet("--counts", sub));
  auto t = TraceWaiting(Testee(sub), backend, waits);
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == want_exit);
  CHECK(t.result->unexpected_stops == 0);
  const NameSet got = t.rec->Names();
  const NameSet base = noop.rec->Names();
  NameSet missing, extra;
  for (const auto& n : declared)
    if (!got.count(n)) missing.insert(n);
  for (const auto& n : got)
    if (!declared.count(n) && !maybe.count(n) && !base.count(n)) extra.insert(n);
  INFO("missing: " << Join(missing));
  INFO("unexpected: " << Join(extra));
  CHECK(missing.empty());
  CHECK(extra.empty());
  for (const auto& c : counts) {
    CAPTURE(c.name, c.relative, c.n);
    const uint64_t want = c.n + (c.relative ? noop.rec->Count(c.name) : 0);
    CHECK(t.rec->Count(c.name) == want);
  }
}

// A FIFO nobody writes to: opening it for reading sleeps (wait_for_partner) until the workload
// itself opens the other end, or forever.
struct Fifo {
  TempDir dir;
  std::string path = dir / "fifo";
  Fifo() { REQUIRE(::mkfifo(path.c_str(), 0600) == 0); }
};

std::vector<Waits> AllWaits(BackendKind backend) {
  // The notify backend never waits for results: one way is enough.
  if (backend == BackendKind::kNotify) return {Waits::kNone};
  return {Waits::kNone, Waits::kPathResults, Waits::kEveryResult};
}

}  // namespace

TEST_CASE("clone, clone3, vfork and unshare with namespace flags: every call and count",
          "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  // user,uts works unprivileged (a user namespace first); uts alone needs CAP_SYS_ADMIN.
  std::vector<std::string> flag_sets = {"none", "user,uts"};
  if (::geteuid() == 0) flag_sets.push_back("uts");
  for (Waits waits : AllWaits(backend)) {
    for (const auto& flags : flag_sets) {
      for (const char* sub : {"clone-ns", "clone3-ns", "vfork-ns"})
        CheckWorkload({sub, flags}, backend, waits);
      if (flags != "none") CheckWorkload({"unshare-ns", flags}, backend, waits);
    }
  }
}

TEST_CASE("fork from a thread, and the plain fork, vfork, clone3 and exec transitions",
          "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  for (Waits waits : AllWaits(backend)) {
    CheckWorkload({"fork-from-thread"}, backend, waits);
    for (const char* sub : {"fork", "vfork", "clone3", "fork-exec", "exec-from-thread"}) {
      auto t = TraceWaiting(Testee({sub}), backend, waits);
      REQUIRE(t.result.has_value());
      CAPTURE(sub, WaitsName(waits));
      CHECK(ExitCode(t) == 0);
      CHECK(t.result->unexpected_stops == 0);
      const NameSet declared = RunForSet("--declare", {sub});
      for (const auto& n : declared) {
        CAPTURE(n);
        CHECK(t.rec->Names().count(n) == 1);
      }
    }
  }
}

TEST_CASE("CLONE_UNTRACED children run and are recorded", "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  for (Waits waits : AllWaits(backend)) {
    for (const char* sub : {"clone-untraced", "clone3-untraced"}) {
      CheckWorkload({sub}, backend, waits);
      auto t = TraceWaiting(Testee({sub}), backend, waits);
      REQUIRE(t.result.has_value());
      CHECK(t.rec->agg.processes() == 2);
      if (backend == BackendKind::kPtrace) CHECK(t.result->untraced_cleared == 1);
    }
  }
}

TEST_CASE("an exec from one thread while another sleeps in a call records that call once",
          "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  const Fifo f;
  const std::string& fifo = f.path;
  for (Waits waits : AllWaits(backend)) {
    CheckWorkload({"exec-while-leader-waits", fifo}, backend, waits);
    CheckWorkload({"exec-while-thread-waits", fifo}, backend, waits);
  }
}

TEST_CASE("a signal handled while a call sleeps: the call, its restart and rt_sigreturn",
          "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  const Fifo f;
  const std::string& fifo = f.path;
  for (Waits waits : AllWaits(backend)) {
    CheckWorkload({"signal-while-waiting", fifo}, backend, waits);
    // The interrupted open has no outcome (the kernel's ERESTARTSYS is not an errno); the
    // restarted one opens the FIFO.
    auto t = TraceWaiting(Testee({"signal-while-waiting", fifo}), backend, waits);
    REQUIRE(t.result.has_value());
    int opened = 0;
    for (const auto& e : t.rec->with_paths) {
      if (e.path != fifo || !e.has_result) continue;
      CHECK_FALSE((e.result >= -516 && e.result <= -512));
      opened += e.result >= 0;
    }
    if (waits != Waits::kNone) CHECK(opened == 2);  // the reader's restarted open, the writer's
  }
}

TEST_CASE("a task killed while it sleeps in a call: the call is recorded once, without result",
          "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  const Fifo f;
  const std::string& fifo = f.path;
  for (Waits waits : AllWaits(backend)) {
    CheckWorkload({"kill-while-waiting", fifo}, backend, waits);
    auto t = TraceWaiting(Testee({"kill-while-waiting", fifo}), backend, waits);
    REQUIRE(t.result.has_value());
    bool seen = false;
    for (const auto& e : t.rec->with_paths) {
      if (e.path != fifo) continue;
      CHECK_FALSE(seen);
      seen = true;
      CHECK_FALSE(e.has_result);
    }
    CHECK(seen);
  }
}

TEST_CASE("the workload's own ptrace is refused under the ptrace backend, and said",
          "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  for (Waits waits : AllWaits(backend)) {
    // A process has one tracer: under ptrace the child's PTRACE_TRACEME fails (exit 1).
    // The eBPF backend stops calls through ptrace: the same.
    const bool refused = backend != BackendKind::kNotify;
    CheckWorkload({"ptrace-traceme"}, backend, waits, refused ? 1 : 0);
    auto t = TraceWaiting(Testee({"ptrace-traceme"}), backend, waits);
    REQUIRE(t.result.has_value());
    if (refused) {
      CHECK(t.result->nested_ptrace_pid > 0);
      CHECK(t.result->nested_ptrace_request == 0);  // PTRACE_TRACEME
    } else {
      CHECK(t.result->nested_ptrace_pid == 0);
    }
  }
}

TEST_CASE("orphans are reparented as without seclearn, never to the tracer", "[live][state]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  const std::string out = dir / "out";
  auto t = TraceToFile(Testee({"orphan-parent"}), backend, out);
  REQUIRE(t.result.has_value());
  REQUIRE(ExitCode(t) == 0);
  const pid_t new_parent = static_cast<pid_t>(std::stol(ReadFirstLine(out)));
  CHECK(new_parent != ::getpid());
}

TEST_CASE("what no seccomp-based tracer can hide: PR_GET_SECCOMP says a filter is there",
          "[live][state]") {
  // Documented (README, Tests): both backends install a filter, so the workload sees mode 2
  // (SECCOMP_MODE_FILTER) where it sees 0 natively, and SECCOMP_MODE_STRICT fails, as under
  // Docker's default profile.
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  const std::string out = dir / "out";
  auto t = TraceToFile(Testee({"print-seccomp-mode"}), backend, out);
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == 0);
  CHECK(ReadFirstLine(out) == "2");
}

}  // namespace seclearn
