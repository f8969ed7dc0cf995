// Live tests: the real tracer on the test workload (tests/workloads/testee.cc). Each
// subcommand declares the syscalls it guarantees beyond `testee noop`; the tracer must
// record exactly those: declared ⊆ recorded ⊆ noop ∪ declared ∪ maybe.
#include <linux/audit.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "support/skip.h"
#include "trace_helpers.h"

namespace seclearn {
namespace {

const NameSet& NoopNames(BackendKind backend) {
  static std::map<BackendKind, NameSet> noop;
  if (!noop.count(backend)) {
    auto t = Trace(Testee({"noop"}), backend);
    REQUIRE(t.result.has_value());
    noop[backend] = t.rec->Names();
  }
  return noop[backend];
}

}  // namespace

TEST_CASE("the tracer records exactly the declared syscalls", "[live][tracer]") {
  const std::vector<std::vector<std::string>> subs = {
      {"getppid-loop", "7"}, {"openat", "/etc/hostname"}, {"fork"},   {"vfork"},
      {"clone3"},            {"threads", "8"},            {"fork-exec"}, {"exec-from-thread"},
      {"signal-self"},       {"stop-cont"},               {"write-stdout", "x"},
  };
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  for (const auto& sub : subs) {
    CAPTURE(sub);
    const NameSet declared = RunForSet("--declare", sub);
    const NameSet maybe = RunForSet("--maybe", sub);
    auto args = Testee(sub);
    auto t = Trace(args, backend);
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
    const NameSet got = t.rec->Names();
    NameSet missing, extra;
    for (const auto& n : declared)
      if (!got.count(n)) missing.insert(n);
    for (const auto& n : got)
      if (!declared.count(n) && !maybe.count(n) && !NoopNames(backend).count(n)) extra.insert(n);
    INFO("missing: " << Join(missing));
    INFO("unexpected: " << Join(extra));
    CHECK(missing.empty());
    CHECK(extra.empty());
  }
}

TEST_CASE("counts are exact and memory does not grow with events", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  auto t = Trace(Testee({"getppid-loop", "100000"}), backend);
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == 0);
  CHECK(t.rec->Count("getppid") == 100000);
  // Stopped, or counted in the kernel (eBPF backend).
  CHECK(t.result->syscalls + t.result->kernel_counted >= 100000);
  CHECK(t.rec->agg.distinct_syscalls() < 64);
}

TEST_CASE("threads: every thread is followed", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  auto t = Trace(Testee({"threads", "128"}), backend);
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == 0);
  CHECK(t.result->threads >= 129);
  CHECK(t.result->processes == 1);
  CHECK(t.rec->Count("gettid") == 128);
  CHECK(t.rec->Count("getcpu") == 128);
  CHECK(t.rec->syscall_tids.size() >= 129);
}

TEST_CASE("exec from a non-leader thread keeps tracing the new image", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  auto t = Trace(Testee({"exec-from-thread"}), backend);
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == 0);
  REQUIRE(t.rec->execs.size() == 2);
  const ExecEvent& second = t.rec->execs[1];
  CHECK(second.former_tid != second.pid);  // the kernel moved the caller to the leader's tid
  CHECK(t.rec->Count("uname") == 1);       // made by the new image
}

TEST_CASE("fork, vfork and clone3 children are followed and counted", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  for (const char* sub : {"fork", "vfork", "clone3", "fork-exec"}) {
    CAPTURE(sub);
    auto t = Trace(Testee({sub}), backend);
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
    CHECK(t.result->processes == 2);
    CHECK(t.rec->agg.processes() == 2);
  }
}

TEST_CASE("short-lived threads count as threads, in whatever order waitpid reports them",
          "[live][tracer]") {
  // A thread may exit, and its exit be reported, before its creator's clone event: the late
  // event must not bring it back as a new process.
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    auto t = Trace(Testee({"threads", "64"}), backend);
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
    CHECK(t.result->processes == 1);
    CHECK(t.result->threads == 65);
    CHECK(t.rec->agg.processes() == 1);
    // 8 processes of 8 threads each, which exit at once (seen: 10 or 11 processes counted).
    auto f = Trace({SECLEARN_PROVENANCE, "fanout", "8", "8", SECLEARN_PROVENANCE_TWIN}, backend);
    REQUIRE(f.result.has_value());
    CHECK(ExitCode(f) == 0);
    CHECK(f.result->processes == 9);
    CHECK(f.rec->agg.processes() == 9);
  }
}

TEST_CASE("exit statuses and signals pass through", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  SECTION("exit 0 and 3") {
    auto t0 = Trace(Testee({"exit", "0"}), backend);
    REQUIRE(t0.result.has_value());
    CHECK(ExitCode(t0) == 0);
    auto t3 = Trace(Testee({"exit", "3"}), backend);
    REQUIRE(t3.result.has_value());
    CHECK(ExitCode(t3) == 3);
  }
  SECTION("killed by SIGKILL") {
    auto t = Trace(Testee({"kill-self", "KILL"}), backend);
    REQUIRE(t.result.has_value());
    REQUIRE(WIFSIGNALED(t.result->wait_status));
    CHECK(WTERMSIG(t.result->wait_status) == SIGKILL);
    CHECK(ExitCode(t) == 128 + SIGKILL);
  }
  SECTION("SIGSEGV from a real fault") {
    auto t = Trace(Testee({"segfault"}), backend);
    REQUIRE(t.result.has_value());
    REQUIRE(WIFSIGNALED(t.result->wait_status));
    CHECK(WTERMSIG(t.result->wait_status) == SIGSEGV);
  }
  SECTION("a handled signal reaches its handler") {
    auto t = Trace(Testee({"signal-self"}), backend);
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
  }
  SECTION("SIGSTOP and SIGCONT behave as without tracing") {
    auto t = Trace(Testee({"stop-cont"}), backend);
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
  }
}

TEST_CASE("path arguments are read from the tracee with their result", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  auto t = Trace(Testee({"openat", "/etc/hostname"}), backend);
  REQUIRE(t.result.has_value());
  bool found = false;
  for (const auto& e : t.rec->with_paths) {
    if (SyscallName(e.arch, e.nr) == "openat" && e.path == "/etc/hostname") {
      found = true;
      CHECK(e.has_result == SeesResults(backend));
      if (e.has_result) CHECK(e.result >= 0);
    }
  }
  CHECK(found);
  auto missing = Trace(Testee({"openat", "/nonexistent/seclearn"}), backend);
  REQUIRE(missing.result.has_value());
  bool saw_path = false, saw_enoent = false;
  for (const auto& e : missing.rec->with_paths) {
    if (e.path != "/nonexistent/seclearn") continue;
    saw_path = true;
    saw_enoent = e.has_result && e.result == -ENOENT;
  }
  CHECK(saw_path);
  CHECK(saw_enoent == SeesResults(backend));
}

TEST_CASE("i386 calls on x86_64 are recorded under their own arch", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  if (::access(SECLEARN_TESTEE32, X_OK) != 0) {
    SkipTest("a 32-bit toolchain (gcc-multilib) to build the i386 helper");
  }
  auto t = Trace({SECLEARN_TESTEE32}, backend);
  REQUIRE(t.result.has_value());
  if (ExitCodeForWaitStatus(t.result->wait_status) != 0) {
    SkipTest("i386 binaries in this kernel (CONFIG_IA32_EMULATION)");
  }
  CHECK(t.rec->Count("getppid", AUDIT_ARCH_I386) == 3);
  CHECK(t.rec->Count("uname", AUDIT_ARCH_I386) == 1);
  CHECK(t.rec->Count("getppid", AUDIT_ARCH_X86_64) == 0);
}

TEST_CASE("a command that cannot be executed is an exec error", "[live][tracer]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  auto t = Trace({"/etc/hostname"}, backend);
  REQUIRE_FALSE(t.result.has_value());
  CHECK(t.result.error().domain == ErrorDomain::kExec);
  CHECK(ExitCodeForExecErrno(t.result.error().code) == kExitNotExecutable);
}

}  // namespace seclearn
