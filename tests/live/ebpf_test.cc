// The eBPF backend against the ptrace backend: the same facts from the same real programs
// (calls per arch, learned argument values, files), exact counts of calls that never left the
// kernel, every task of the workload followed and no task outside it. The rest of the live
// suite runs for it too (AllBackends()).
#include <linux/audit.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/syscall_table.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/tracer/ebpf_backend.h"
#include "support/skip.h"
#include "trace_helpers.h"

namespace seclearn {
namespace {

void RequireEbpf() {
  if (!EbpfWhyNot().empty()) SkipTest("the eBPF backend here: " + EbpfWhyNot());
}

struct Facts {
  std::set<std::tuple<uint32_t, int32_t>> calls;
  std::set<std::tuple<uint32_t, int32_t, uint64_t>> counts;
  std::set<std::tuple<uint32_t, int32_t, uint32_t, uint64_t>> args;
  std::set<std::tuple<std::string, uint32_t, int32_t>> files;
};

Facts Learn(const std::vector<std::string>& argv, BackendKind backend, int* exit_code) {
  TraceOptions opts;
  opts.learn_access = true;
  auto t = Trace(argv, backend, opts);
  REQUIRE(t.result.has_value());
  *exit_code = ExitCode(t);
  Facts f;
  const FactsDelta d = t.rec->agg.TakeDelta();
  for (const SyscallFact& s : d.syscalls) {
    f.calls.insert({s.arch, s.nr});
    f.counts.insert({s.arch, s.nr, s.count});
  }
  for (const ArgFact& a : d.args) f.args.insert({a.arch, a.nr, a.index, a.value});
  for (const FileFact& file : t.rec->agg.access().Files())
    f.files.insert({file.path, file.access, file.err});
  return f;
}

std::string Names(const std::set<std::tuple<uint32_t, int32_t>>& calls) {
  std::string out;
  for (const auto& [arch, nr] : calls) out += " " + SyscallName(arch, nr);
  return out;
}

}  // namespace

TEST_CASE("the eBPF backend records the ptrace backend's facts from real programs",
          "[live][ebpf]") {
  RequireEbpf();
  struct Program {
    std::vector<std::string> argv;
    bool deterministic;  // the same calls in the same numbers on every run
    std::set<std::string> may = {};  // made or not depending on timing: left out
  };
  std::vector<Program> programs = {
      {Testee({"int-args-junk"}), true},  // prctl, personality with junk above the int
      // pthread_join waits in futex only for a thread still running (testee --maybe threads).
      {Testee({"threads", "4"}), false, {"futex"}},
      {Testee({"fork-exec"}), true},
      {Testee({"getppid-loop", "20000"}), true},
      {{"/bin/sh", "-c", "ls /usr/share/doc | wc -l > /dev/null"}, false},
      {{"/usr/bin/python3", "-S", "-c", "import json, email"}, false},
      {{"/bin/tar", "cf", "/dev/null", "/usr/share/doc/bash"}, false},
  };
  if (::access(SECLEARN_TESTEE32, X_OK) == 0) programs.push_back({{SECLEARN_TESTEE32}, true});
  for (const Program& p : programs) {
    CAPTURE(p.argv);
    int ptrace_exit = -1, ebpf_exit = -1;
    Facts ptrace = Learn(p.argv, BackendKind::kPtrace, &ptrace_exit);
    Facts ebpf = Learn(p.argv, BackendKind::kEbpf, &ebpf_exit);
    for (Facts* f : {&ptrace, &ebpf}) {
      std::erase_if(f->calls, [&](const auto& c) {
        return p.may.count(SyscallName(std::get<0>(c), std::get<1>(c))) != 0;
      });
    }
    CHECK(ebpf_exit == ptrace_exit);
    INFO("ptrace:" << Names(ptrace.calls) << "\nebpf:" << Names(ebpf.calls));
    if (p.deterministic) {
      CHECK(ebpf.counts == ptrace.counts);
    } else {
      CHECK(ebpf.calls == ptrace.calls);
    }
    CHECK(ebpf.args == ptrace.args);
    CHECK(ebpf.files == ptrace.files);
  }
}

TEST_CASE("the eBPF backend counts every call of every task of the workload, and no other",
          "[live][ebpf]") {
  RequireEbpf();
  // Three processes and their calls in the kernel, while a process outside the workload makes
  // the same call a million times.
  const pid_t outsider = ::fork();
  REQUIRE(outsider >= 0);
  if (outsider == 0) {
    ::execl(SECLEARN_TESTEE, SECLEARN_TESTEE, "getppid-loop", "1000000", nullptr);
    ::_exit(127);
  }
  const std::string t = SECLEARN_TESTEE;
  const std::vector<std::string> argv = {
      "/bin/sh", "-c",
      t + " getppid-loop 3000 & " + t + " getppid-loop 4000 & " + t + " getppid-loop 5000; wait"};
  auto traced = Trace(argv, BackendKind::kEbpf);
  int status = 0;
  ::waitpid(outsider, &status, 0);
  auto reference = Trace(argv, BackendKind::kPtrace);
  REQUIRE(traced.result.has_value());
  REQUIRE(reference.result.has_value());
  CHECK(ExitCode(traced) == 0);
  // The shell's own getppid at start-up as well.
  CHECK(traced.rec->Count("getppid") == reference.rec->Count("getppid"));
  CHECK(traced.rec->Count("getppid") >= 12000);
  CHECK(traced.rec->Count("getppid") < 12010);
  CHECK(traced.result->kernel_counted >= 12000);
  CHECK(traced.result->processes == 4);
  // Counted calls reach the sink with the first task as their caller: no tid of another task.
  CHECK(traced.rec->Count("execve") == 4);
}

TEST_CASE("the eBPF backend counts in the kernel exactly the calls its filter lets through",
          "[live][ebpf]") {
  RequireEbpf();
  const std::vector<ArchNr> counted = KernelCountedCalls();
  REQUIRE(!counted.empty());
  auto has = [&](uint32_t arch, const char* name) {
    const auto nr = SyscallNumber(arch, name);
    REQUIRE(nr.has_value());
    for (const ArchNr& c : counted)
      if (c.arch == arch && c.nr == *nr) return true;
    return false;
  };
  for (uint32_t arch : {uint32_t{AUDIT_ARCH_X86_64}, uint32_t{AUDIT_ARCH_I386}, kAuditArchX32}) {
    CAPTURE(arch);
    // The hot calls of a server stay in the kernel...
    for (const char* name : {"read", "write", "futex", "getppid", "prctl"}) {
      CAPTURE(name);
      CHECK(has(arch, name));
    }
    // ...those with a path, a socket, credentials or a lifecycle stop.
    for (const char* name : {"openat", "execve", "clone", "connect", "setuid", "close"}) {
      CAPTURE(name);
      CHECK_FALSE(has(arch, name));
    }
  }
  for (const ArchNr& c : counted) {
    CHECK_FALSE(BackendMustSee(c.arch, c.nr));
    CHECK(LookupSyscall(c.arch, c.nr) == nullptr);
  }
}

}  // namespace seclearn
