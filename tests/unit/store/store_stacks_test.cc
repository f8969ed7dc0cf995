#include <linux/audit.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "seclearn/store/sqlite.h"
#include "seclearn/store/store.h"
#include "support/stack_fact.h"

namespace seclearn {
namespace {

const StackFrame kSyscall{"/usr/lib/x86_64-linux-gnu/libc.so.6", "93ac", 0x11a2c, "syscall", "", 0};
const StackFrame kProbe{"/app/probe", "c22d", 0x1256, "do_keyctl_probe", "/src/probe.c", 31};
const StackFrame kMain{"/app/probe", "c22d", 0x171c, "main", "/src/probe.c", 135};
const StackFrame kStripped{"/app/probe-stripped", "c22d", 0x1256, "", "", 0};

}  // namespace

TEST_CASE("stacks are stored once per distinct frame sequence, first occurrence wins",
          "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  RunInfo info;
  info.app = "a";
  info.backend = BackendKind::kPtrace;
  auto r1 = store->BeginRun(info);
  auto r2 = store->BeginRun(info);
  REQUIRE(r1.has_value());
  REQUIRE(r2.has_value());

  FactsDelta d1;
  d1.stacks.push_back(MakeStack("/app/probe", 250, 50, {kSyscall, kProbe, kMain}));  // keyctl
  d1.stacks.push_back(MakeStack("/app/probe", 39, 40, {kSyscall, kMain}));           // getpid
  StackFact path = MakeStack("/app/probe", 257, 60, {kSyscall, kProbe, kMain});
  path.kind = StackKind::kPath;
  path.path = "/etc/hostname";
  path.access = kAccessRead;
  d1.stacks.push_back(path);
  REQUIRE(store->Flush(*r1, d1).has_value());
  // The same delta again (a retried flush) and a later, different stack for the same key.
  REQUIRE(store->Flush(*r1, d1).has_value());
  FactsDelta later;
  later.stacks.push_back(MakeStack("/app/probe", 250, 90, {kSyscall, kMain}));
  REQUIRE(store->Flush(*r1, later).has_value());
  FactsDelta d2;
  d2.stacks.push_back(MakeStack("/app/probe", 250, 30, {kSyscall, kProbe, kMain}));
  d2.stacks.push_back(MakeStack("/app/probe-stripped", 250, 35, {kSyscall, kStripped}));
  REQUIRE(store->Flush(*r2, d2).has_value());

  auto keyctl = store->SyscallStacks("a", AUDIT_ARCH_X86_64, 250);
  REQUIRE(keyctl.has_value());
  REQUIRE(keyctl->size() == 3);  // probe in runs 2 and 1 (by time), probe-stripped in run 2
  CHECK((*keyctl)[0].executable == "/app/probe");
  CHECK((*keyctl)[0].run_id == *r2);
  CHECK((*keyctl)[1].run_id == *r1);
  CHECK((*keyctl)[1].time_ns == 50);  // the later stack of run 1 did not replace the first
  CHECK((*keyctl)[1].frames == std::vector<StackFrame>{kSyscall, kProbe, kMain});
  CHECK((*keyctl)[1].pid == 100);
  CHECK((*keyctl)[1].tid == 101);
  CHECK((*keyctl)[2].executable == "/app/probe-stripped");
  CHECK((*keyctl)[2].frames == std::vector<StackFrame>{kSyscall, kStripped});

  auto paths = store->PathStacks("a", "/etc/hostname");
  REQUIRE(paths.has_value());
  REQUIRE(paths->size() == 1);
  CHECK((*paths)[0].kind == StackKind::kPath);
  CHECK((*paths)[0].access == kAccessRead);
  CHECK((*paths)[0].nr == 257);
  CHECK(store->PathStacks("a", "/etc")->empty());

  auto with = store->SyscallsWithStacks("a");
  REQUIRE(with.has_value());
  CHECK(*with == std::vector<std::pair<uint32_t, int32_t>>{{AUDIT_ARCH_X86_64, 39},
                                                           {AUDIT_ARCH_X86_64, 250}});
  CHECK(store->SyscallsWithStacks("a", *r2)->size() == 1);
  auto counts = store->StackCounts("a");
  REQUIRE(counts.has_value());
  CHECK(*counts == std::vector<std::pair<int64_t, uint64_t>>{{*r1, 3}, {*r2, 2}});
  CHECK(store->SyscallStacks("nobody", AUDIT_ARCH_X86_64, 250)->empty());
}

TEST_CASE("identical stacks and frames share their rows", "[unit][store]") {
  char tmpl[] = "/tmp/seclearn-stacks-XXXXXX.db";
  const int fd = ::mkstemps(tmpl, 3);
  REQUIRE(fd >= 0);
  ::close(fd);
  ::unlink(tmpl);
  const std::string path = tmpl;
  {
    auto store = Store::Open(path);
    REQUIRE(store.has_value());
    RunInfo info;
    info.app = "a";
    info.backend = BackendKind::kPtrace;
    FactsDelta d;
    // 500 first-seen keys over 3 distinct stacks, as a long run would have.
    for (int32_t nr = 0; nr < 500; ++nr) {
      std::vector<StackFrame> frames = {kSyscall, kMain};
      if (nr % 3 == 1) frames = {kSyscall, kProbe, kMain};
      if (nr % 3 == 2) frames = {kSyscall, kStripped};
      d.stacks.push_back(MakeStack("/app/probe", nr, nr, frames));
    }
    for (int run = 0; run < 3; ++run) {
      auto r = store->BeginRun(info);
      REQUIRE(r.has_value());
      REQUIRE(store->Flush(*r, d).has_value());
    }
  }
  auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadOnly);
  REQUIRE(db.has_value());
  CHECK(*db->QueryInt64("SELECT count(*) FROM stacks") == 3);
  CHECK(*db->QueryInt64("SELECT count(*) FROM stack_frames") == 4);
  CHECK(*db->QueryInt64("SELECT count(*) FROM stack_entries") == 7);
  CHECK(*db->QueryInt64("SELECT count(*) FROM run_syscall_stacks") == 1500);
  ::unlink(path.c_str());
  ::unlink((path + "-wal").c_str());
  ::unlink((path + "-shm").c_str());
}

}  // namespace seclearn
