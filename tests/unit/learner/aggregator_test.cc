#include <linux/audit.h>

#include <catch2/catch.hpp>

#include "seclearn/core/arch.h"
#include "seclearn/core/arg_filters.h"
#include "seclearn/learner/aggregator.h"

namespace seclearn {
namespace {

SyscallEvent Call(uint32_t arch, int32_t nr, int64_t t) {
  SyscallEvent e;
  e.arch = arch;
  e.nr = nr;
  e.time_ns = t;
  return e;
}

}  // namespace

TEST_CASE("aggregation counts per (arch, nr) and keeps the first time", "[unit][learner]") {
  Aggregator agg;
  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 110, 30));
  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 110, 10));
  agg.OnSyscall(Call(AUDIT_ARCH_I386, 64, 20));
  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 0, 40));
  CHECK(agg.total_syscalls() == 4);
  CHECK(agg.distinct_syscalls() == 3);

  FactsDelta d = agg.TakeDelta();
  REQUIRE(d.syscalls.size() == 3);
  // Sorted by arch, then nr; AUDIT_ARCH_I386 < AUDIT_ARCH_X86_64.
  CHECK(d.syscalls[0] == SyscallFact{AUDIT_ARCH_I386, 64, 1, 20});
  CHECK(d.syscalls[1] == SyscallFact{AUDIT_ARCH_X86_64, 0, 1, 40});
  CHECK(d.syscalls[2] == SyscallFact{AUDIT_ARCH_X86_64, 110, 2, 30});
  CHECK(d.new_processes == 1);
}

TEST_CASE("deltas carry only what changed since the previous one", "[unit][learner]") {
  Aggregator agg;
  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 110, 1));
  (void)agg.TakeDelta();
  CHECK(agg.TakeDelta().empty());

  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 110, 5));
  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 110, 6));
  TaskEvent child;
  child.is_thread = false;
  agg.OnTask(child);
  TaskEvent thread;
  thread.is_thread = true;
  agg.OnTask(thread);
  ExecEvent exec;
  exec.exe = "/usr/bin/true";
  exec.time_ns = 7;
  agg.OnExec(exec);
  agg.OnExec(exec);

  FactsDelta d = agg.TakeDelta();
  REQUIRE(d.syscalls.size() == 1);
  CHECK(d.syscalls[0].count == 2);
  CHECK(d.syscalls[0].first_seen_ns == 1);  // the first time ever, not of this delta
  CHECK(d.new_processes == 1);              // threads are not processes
  REQUIRE(d.executables.size() == 1);
  CHECK(d.executables[0] == ExecutableFact{"/usr/bin/true", 2, 7});
  CHECK(agg.processes() == 2);
}

TEST_CASE("x32 and out-of-range numbers are kept apart", "[unit][learner]") {
  Aggregator agg;
  const ArchNr x32 = NormalizeArch(AUDIT_ARCH_X86_64, kX32SyscallBit | 39);
  agg.OnSyscall(Call(x32.arch, x32.nr, 1));
  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 39, 2));
  agg.OnSyscall(Call(AUDIT_ARCH_X86_64, 5000, 3));
  auto all = agg.Syscalls();
  REQUIRE(all.size() == 3);
  CHECK(all[0].arch == kAuditArchX32);
  CHECK(all[0].nr == static_cast<int32_t>(kX32SyscallBit | 39));
  CHECK(agg.distinct_syscalls() == 3);
}

TEST_CASE("memory is bounded by distinct syscalls, not events", "[unit][learner]") {
  Aggregator agg;
  for (int i = 0; i < 1'000'000; ++i) agg.OnSyscall(Call(AUDIT_ARCH_X86_64, i % 7, i));
  CHECK(agg.total_syscalls() == 1'000'000);
  CHECK(agg.Syscalls().size() == 7);
  CHECK(agg.TakeDelta().syscalls.size() == 7);
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("argument values are learned for the filtered arguments only", "[unit][learner]") {
  Aggregator agg;
  const int32_t socket_nr = *SyscallNumber(AUDIT_ARCH_X86_64, "socket");
  const int32_t clone_nr = *SyscallNumber(AUDIT_ARCH_X86_64, "clone");
  const int32_t read_nr = *SyscallNumber(AUDIT_ARCH_X86_64, "read");
  auto call = [&](int32_t nr, uint64_t a0) {
    SyscallEvent e = Call(AUDIT_ARCH_X86_64, nr, 1);
    e.args[0] = a0;
    agg.OnSyscall(e);
  };
  call(socket_nr, 1);  // AF_UNIX
  call(socket_nr, 1);
  call(socket_nr, 2);  // AF_INET
  call(clone_nr, 0x01200011);  // CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD: no namespaces
  call(read_nr, 3);
  FactsDelta d = agg.TakeDelta();
  REQUIRE(d.args.size() == 3);
  CHECK(d.args[0] == ArgFact{AUDIT_ARCH_X86_64, socket_nr, 0, 1, 2, 1});
  CHECK(d.args[1] == ArgFact{AUDIT_ARCH_X86_64, socket_nr, 0, 2, 1, 1});
  CHECK(d.args[2].nr == clone_nr);
  CHECK(d.args[2].value == 0);  // masked to the namespace flags
}

TEST_CASE("argument values stay bounded", "[unit][learner]") {
  Aggregator agg;
  const int32_t prctl_nr = *SyscallNumber(AUDIT_ARCH_X86_64, "prctl");
  for (uint64_t v = 0; v < 1000; ++v) {
    SyscallEvent e = Call(AUDIT_ARCH_X86_64, prctl_nr, 1);
    e.args[0] = v;
    agg.OnSyscall(e);
  }
  // One more than the limit: enough for the exporter to know the domain was not small.
  CHECK(agg.TakeDelta().args.size() == kMaxArgValues + 1);
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("counts from the kernel add up as that many calls would", "[unit][learner]") {
  // The eBPF backend hands on counts (EventSink::OnSyscalls); an aggregator fed them learns
  // what it learns from the same calls one by one.
  const int32_t prctl = *SyscallNumber(AUDIT_ARCH_X86_64, "prctl");
  auto feed = [&](bool counted) {
    Aggregator agg;
    SyscallEvent a = Call(AUDIT_ARCH_X86_64, 110, 50);
    SyscallEvent p1 = Call(AUDIT_ARCH_X86_64, prctl, 60);
    p1.args[0] = 0xdead00000000 | 22;  // masked to the int: PR_GET_SECCOMP's 21 + 1
    SyscallEvent p2 = Call(AUDIT_ARCH_X86_64, prctl, 70);
    p2.args[0] = 4;
    for (auto [e, n] : {std::pair{a, 1000}, std::pair{p1, 3}, std::pair{p2, 2}}) {
      if (counted) {
        agg.OnSyscalls(e, n);
      } else {
        for (int i = 0; i < n; ++i) agg.OnSyscall(e);
      }
    }
    agg.OnSyscalls(a, 0);  // nothing: not a call
    CHECK(agg.total_syscalls() == 1005);
    CHECK(agg.distinct_syscalls() == 2);
    return agg.TakeDelta();
  };
  const FactsDelta counted = feed(true);
  const FactsDelta one_by_one = feed(false);
  CHECK(counted.syscalls == one_by_one.syscalls);
  CHECK(counted.args == one_by_one.args);
  REQUIRE(counted.args.size() == 2);
  CHECK(counted.args[0] == ArgFact{AUDIT_ARCH_X86_64, prctl, 0, 4, 2, 70});
  CHECK(counted.args[1] == ArgFact{AUDIT_ARCH_X86_64, prctl, 0, 22, 3, 60});
}

}  // namespace seclearn
