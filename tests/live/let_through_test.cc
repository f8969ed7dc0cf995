// Live tests: re-learning's filter (TraceOptions::let_through) on the real kernel, for every
// backend. A call let through runs unseen; every other call, and every call a backend must
// see itself, is seen exactly as without it.
#include <linux/audit.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/tracer/backend.h"
#include "support/skip.h"
#include "trace_helpers.h"

namespace seclearn {
namespace {

ArchNr Native(const char* name) {
  auto nr = SyscallNumber(AUDIT_ARCH_X86_64, name);
  REQUIRE(nr.has_value());
  return {AUDIT_ARCH_X86_64, *nr};
}

Traced TraceLettingThrough(std::vector<std::string> argv, BackendKind backend,
                           std::vector<ArchNr> let_through) {
  TraceOptions opts;
  opts.want_path_results = true;
  opts.let_through = std::move(let_through);
  return Trace(std::move(argv), backend, opts);
}

}  // namespace

TEST_CASE("calls let through run unseen, every other call is seen as before", "[live][relearn]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  const auto argv = Testee({"getppid-loop", "500"});
  auto full = Trace(argv, backend);
  REQUIRE(full.result.has_value());
  REQUIRE(full.rec->Count("getppid") == 500);

  auto re = TraceLettingThrough(argv, backend, {Native("getppid"), Native("brk")});
  REQUIRE(re.result.has_value());
  CHECK(ExitCode(re) == 0);
  if (!SeesEveryCall(backend)) {
    // The eBPF backend lets them through too, and counts them in the kernel: none is unseen.
    CHECK(re.rec->Count("getppid") == 500);
    CHECK(re.rec->Names() == full.rec->Names());
    CHECK(re.result->kernel_counted >= 500);
    return;
  }
  CHECK(re.rec->Count("getppid") == 0);
  CHECK(re.rec->Count("brk") == 0);
  CHECK(re.result->syscalls + 500 <= full.result->syscalls);
  NameSet expected = full.rec->Names();
  expected.erase("getppid");
  expected.erase("brk");
  CHECK(re.rec->Names() == expected);
}

TEST_CASE("the calls a backend must see reach it even when let through", "[live][relearn]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  // Every x86_64 number the kernel might know: a block far longer than a conditional jump
  // reaches (255 instructions), which the filter skips with BPF_JA.
  std::vector<ArchNr> all;
  for (int32_t nr = 0; nr < 470; ++nr) all.push_back({AUDIT_ARCH_X86_64, nr});
  const auto argv = Testee({"fork-exec"});
  auto full = Trace(argv, backend);
  REQUIRE(full.result.has_value());
  auto re = TraceLettingThrough(argv, backend, all);
  REQUIRE(re.result.has_value());
  CHECK(ExitCode(re) == 0);
  NameSet must_see;
  for (const auto& name : full.rec->Names()) {
    const auto nr = SyscallNumber(AUDIT_ARCH_X86_64, name);
    REQUIRE(nr.has_value());
    if (BackendMustSee(AUDIT_ARCH_X86_64, *nr)) must_see.insert(name);
  }
  INFO("seen: " << Join(re.rec->Names()));
  CHECK(must_see.count("execve"));
  CHECK(must_see.count("close"));
  // The eBPF backend counts in the kernel what its filter lets through: every call is seen.
  CHECK(re.rec->Names() == (SeesEveryCall(backend) ? must_see : full.rec->Names()));
  // The processes and the exec are followed as in the full trace.
  CHECK(re.result->processes == full.result->processes);
  CHECK(re.rec->execs.size() == full.rec->execs.size());
}

TEST_CASE("a call is let through on its own architecture only", "[live][relearn]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  if (::access(SECLEARN_TESTEE32, X_OK) != 0)
    SkipTest("a 32-bit toolchain (gcc-multilib) to build the i386 helper");
  auto getppid32 = SyscallNumber(AUDIT_ARCH_I386, "getppid");
  REQUIRE(getppid32.has_value());
  // x86_64's getppid let through: i386's is still seen.
  auto native = TraceLettingThrough({SECLEARN_TESTEE32}, backend, {Native("getppid")});
  REQUIRE(native.result.has_value());
  if (ExitCodeForWaitStatus(native.result->wait_status) != 0)
    SkipTest("i386 binaries in this kernel (CONFIG_IA32_EMULATION)");
  CHECK(native.rec->Count("getppid", AUDIT_ARCH_I386) == 3);
  auto i386 = TraceLettingThrough({SECLEARN_TESTEE32}, backend,
                                  {ArchNr{AUDIT_ARCH_I386, *getppid32}});
  REQUIRE(i386.result.has_value());
  // The eBPF backend counts it in the kernel, under its own arch.
  CHECK(i386.rec->Count("getppid", AUDIT_ARCH_I386) == (SeesEveryCall(backend) ? 0 : 3));
  CHECK(i386.rec->Count("getppid") == 0);
  CHECK(i386.rec->Count("uname", AUDIT_ARCH_I386) == 1);
}

}  // namespace seclearn
