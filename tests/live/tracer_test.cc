// Live tests: the real tracer on the test workload (tests/workloads/testee.cc). Each
// subcommand declares the syscalls it guarantees beyond `testee noop`; the tracer must
// record exactly those: declared ⊆ recorded ⊆ noop ∪ declared ∪ maybe.
#include <linux/audit.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "trace_helpers.h"

namespace seclearn {
namespace {

const NameSet& NoopNames() {
  static const NameSet noop = [] {
    auto t = Trace(Testee({"noop"}));
    REQUIRE(t.result.has_value());
    return t.rec->Names();
  }();
  return noop;
}

}  // namespace

TEST_CASE("the tracer records exactly the declared syscalls", "[live][tracer]") {
  const std::vector<std::vector<std::string>> subs = {
      {"getppid-loop", "7"}, {"openat", "/etc/hostname"}, {"fork"},   {"vfork"},
      {"clone3"},            {"threads", "8"},            {"fork-exec"}, {"exec-from-thread"},
      {"signal-self"},       {"stop-cont"},               {"write-stdout", "x"},
  };
  const Backend backend = GENERATE(from_range(AllBackends()));
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
      if (!declared.count(n) && !maybe.count(n) && !NoopNames().count(n)) extra.insert(n);
    INFO("missing: " << Join(missing));
    INFO("unexpected: " << Join(extra));
    CHECK(missing.empty());
    CHECK(extra.empty());
  }
}

TEST_CASE("counts are exact and memory does not grow with events", "[live][tracer]") {
  auto t = Trace(Testee({"getppid-loop", "100000"}));
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == 0);
  CHECK(t.rec->Count("getppid") == 100000);
  CHECK(t.result->syscalls >= 100000);
  CHECK(t.rec->agg.distinct_syscalls() < 64);
}

TEST_CASE("threads: every thread is followed", "[live][tracer]") {
  auto t = Trace(Testee({"threads", "128"}));
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == 0);
  CHECK(t.result->threads >= 129);
  CHECK(t.result->processes == 1);
  CHECK(t.rec->Count("gettid") == 128);
  CHECK(t.rec->Count("getcpu") == 128);
  CHECK(t.rec->syscall_tids.size() >= 129);
}

TEST_CASE("exec from a non-leader thread keeps tracing the new image", "[live][tracer]") {
  auto t = Trace(Testee({"exec-from-thread"}));
  REQUIRE(t.result.has_value());
  CHECK(ExitCode(t) == 0);
  REQUIRE(t.rec->execs.size() == 2);
  const ExecEvent& second = t.rec->execs[1];
  CHECK(second.former_tid != second.pid);  // the kernel moved the caller to the leader's tid
  CHECK(t.rec->Count("uname") == 1);       // made by the new image
}

TEST_CASE("fork, vfork and clone3 children are followed and counted", "[live][tracer]") {
  for (const char* sub : {"fork", "vfork", "clone3", "fork-exec"}) {
    CAPTURE(sub);
    auto t = Trace(Testee({sub}));
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
    CHECK(t.result->processes == 2);
    CHECK(t.rec->agg.processes() == 2);
  }
}

TEST_CASE("exit statuses and signals pass through", "[live][tracer]") {
  SECTION("exit 0 and 3") {
    auto t0 = Trace(Testee({"exit", "0"}));
    REQUIRE(t0.result.has_value());
    CHECK(ExitCode(t0) == 0);
    auto t3 = Trace(Testee({"exit", "3"}));
    REQUIRE(t3.result.has_value());
    CHECK(ExitCode(t3) == 3);
  }
  SECTION("killed by SIGKILL") {
    auto t = Trace(Testee({"kill-self", "KILL"}));
    REQUIRE(t.result.has_value());
    REQUIRE(WIFSIGNALED(t.result->wait_status));
    CHECK(WTERMSIG(t.result->wait_status) == SIGKILL);
    CHECK(ExitCode(t) == 128 + SIGKILL);
  }
  SECTION("SIGSEGV from a real fault") {
    auto t = Trace(Testee({"segfault"}));
    REQUIRE(t.result.has_value());
    REQUIRE(WIFSIGNALED(t.result->wait_status));
    CHECK(WTERMSIG(t.result->wait_status) == SIGSEGV);
  }
  SECTION("a handled signal reaches its handler") {
    auto t = Trace(Testee({"signal-self"}));
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
  }
  SECTION("SIGSTOP and SIGCONT behave as without tracing") {
    auto t = Trace(Testee({"stop-cont"}));
    REQUIRE(t.result.has_value());
    CHECK(ExitCode(t) == 0);
  }
}

TEST_CASE("path arguments are read from the tracee with their result", "[live][tracer]") {
  auto t = Trace(Testee({"openat", "/etc/hostname"}));
  REQUIRE(t.result.has_value());
  bool found = false;
  for (const auto& e : t.rec->with_paths) {
    if (SyscallName(e.arch, e.nr) == "openat" && e.path == "/etc/hostname") {
      found = true;
      CHECK(e.has_result);
      CHECK(e.result >= 0);
    }
  }
  CHECK(found);
  auto missing = Trace(Testee({"openat", "/nonexistent/seclearn"}));
  REQUIRE(missing.result.has_value());
  bool saw_enoent = false;
  for (const auto& e : missing.rec->with_paths)
    if (e.path == "/nonexistent/seclearn") saw_enoent = e.has_result && e.result == -ENOENT;
  CHECK(saw_enoent);
}

TEST_CASE("i386 calls on x86_64 are recorded under their own arch", "[live][tracer]") {
  if (::access(SECLEARN_TESTEE32, X_OK) != 0) {
    WARN("skipped: no 32-bit toolchain (gcc-multilib) to build the i386 helper");
    return;
  }
  auto t = Trace({SECLEARN_TESTEE32});
  REQUIRE(t.result.has_value());
  if (ExitCodeForWaitStatus(t.result->wait_status) != 0) {
    WARN("skipped: this kernel cannot run i386 binaries (CONFIG_IA32_EMULATION)");
    return;
  }
  CHECK(t.rec->Count("getppid", AUDIT_ARCH_I386) == 3);
  CHECK(t.rec->Count("uname", AUDIT_ARCH_I386) == 1);
  CHECK(t.rec->Count("getppid", AUDIT_ARCH_X86_64) == 0);
}

TEST_CASE("a command that cannot be executed is an exec error", "[live][tracer]") {
  auto t = Trace({"/etc/hostname"});
  REQUIRE_FALSE(t.result.has_value());
  CHECK(t.result.error().domain == ErrorDomain::kExec);
  CHECK(ExitCodeForExecErrno(t.result.error().code) == kExitNotExecutable);
}

}  // namespace seclearn
