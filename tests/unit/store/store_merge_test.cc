#include <linux/audit.h>
#include <linux/capability.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "seclearn/core/capability.h"
#include "seclearn/store/sqlite.h"
#include "seclearn/store/store.h"
#include "support/stack_fact.h"
#include "support/temp_dir.h"

namespace seclearn {
namespace {


// One run of `app` with a few facts that depend on `i`, flushed into `store`.
void Learn(Store& store, const std::string& app, int i) {
  RunInfo info;
  info.app = app;
  info.argv = {"/bin/app", std::to_string(i)};
  info.backend = BackendKind::kPtrace;
  info.start_ns = 1000 + i;
  auto run = store.BeginRun(info);
  REQUIRE(run.has_value());
  FactsDelta d;
  d.syscalls = {{AUDIT_ARCH_X86_64, 0, static_cast<uint64_t>(10 + i), 100 + i},
                {AUDIT_ARCH_X86_64, 39 + i, 1, 200 + i}};
  d.executables = {{"/bin/app", 1, 300 + i}};
  d.args = {{AUDIT_ARCH_X86_64, 41, 0, static_cast<uint64_t>(i % 2 + 1), 2, 400 + i}};
  d.new_processes = 1;
  REQUIRE(store.Flush(*run, d).has_value());
  REQUIRE(store.EndRun(*run, 2000 + i, 0).has_value());
}


StackFact Stack(int32_t nr, int64_t time_ns, std::vector<StackFrame> frames) {
  return MakeStack("/bin/app", nr, time_ns, std::move(frames));
}

const StackFrame kLibc{"/usr/lib/libc.so.6", "93ac", 0x11a2c, "syscall", "", 0};
const StackFrame kMain{"/bin/app", "c22d", 0x171c, "main", "/src/app.c", 10};
const StackFrame kLater{"/bin/app", "c22d", 0x1800, "later", "/src/app.c", 20};

// What a learner has saved of its run after the first second: every fact kind.
FactsDelta EarlyPart() {
  FactsDelta d;
  d.syscalls = {{AUDIT_ARCH_X86_64, 0, 5, 100}, {AUDIT_ARCH_X86_64, 257, 2, 110}};
  d.executables = {{"/bin/app", 1, 90}};
  d.args = {{AUDIT_ARCH_X86_64, 41, 0, 1, 1, 120}};
  d.files = {{"/etc/hostname", kAccessRead, 0, 1, 110, "openat"}};
  d.network = {{NetOp::kSocket, 1, 1, 0, "", -1, 0, 1, 120}};
  d.capabilities = {{CAP_CHOWN, true, "chown", "chown /tmp/f to 1:1", 1, 130}};
  d.stacks = {Stack(0, 100, {kLibc, kMain})};
  d.new_processes = 1;
  return d;
}

// And the rest of it: more of the same facts, and new ones of every kind.
FactsDelta LatePart() {
  FactsDelta d;
  d.syscalls = {{AUDIT_ARCH_X86_64, 0, 7, 2000}, {AUDIT_ARCH_X86_64, 83, 1, 2100}};
  d.executables = {{"/bin/app", 1, 2000}, {"/bin/mkdir", 1, 2050}};
  d.args = {{AUDIT_ARCH_X86_64, 41, 0, 1, 3, 2000}, {AUDIT_ARCH_X86_64, 41, 0, 2, 1, 2200}};
  d.files = {{"/etc/hostname", kAccessRead, 0, 4, 2000, "openat"},
             {"/tmp/x", kAccessCreate, 0, 1, 2100, "mkdir"}};
  d.network = {{NetOp::kSocket, 1, 1, 0, "", -1, 0, 2, 2000},
               {NetOp::kConnect, 2, 2, 0, "127.0.0.1", 53, 0, 1, 2300}};
  d.capabilities = {{CAP_CHOWN, true, "chown", "chown /tmp/g to 1:1", 2, 2000},
                    {CAP_NET_RAW, false, "socket", "socket AF_INET SOCK_RAW", 1, 2400}};
  StackFact path = Stack(83, 2100, {kLibc, kLater});
  path.kind = StackKind::kPath;
  path.path = "/tmp/x";
  path.access = kAccessCreate;
  d.stacks = {Stack(83, 2100, {kLibc, kLater}), path};
  d.new_processes = 2;
  return d;
}

// Everything `app` has in `store`, as one comparable text.
std::string Everything(Store& store, const std::string& app) {
  std::string out;
  auto add = [&](const std::string& line) { out += line + "\n"; };
  const auto v1 = store.Runs(app);
  for (const auto& r : *v1) {
    add("run end " + (r.end_ns ? std::to_string(*r.end_ns) : "-") + " exit " +
        (r.exit_status ? std::to_string(*r.exit_status) : "-") + " processes " +
        std::to_string(r.processes) + " distinct " + std::to_string(r.distinct_syscalls));
  }
  const auto v2 = store.Syscalls(app);
  for (const auto& f : *v2)
    add("syscall " + std::to_string(f.nr) + " " + std::to_string(f.count) + " " +
        std::to_string(f.first_seen_ns));
  const auto v3 = store.RuntimeSyscalls(app);
  for (const auto& f : *v3)
    add("runtime " + std::to_string(f.nr) + " " + std::to_string(f.count));
  const auto v4 = store.Executables(app);
  for (const auto& f : *v4)
    add("exe " + f.path + " " + std::to_string(f.count) + " " + std::to_string(f.first_seen_ns));
  const auto v5 = store.SyscallArgs(app);
  for (const auto& f : *v5)
    add("arg " + std::to_string(f.nr) + " " + std::to_string(f.value) + " " +
        std::to_string(f.count));
  const auto v6 = store.Files(app);
  for (const auto& f : *v6)
    add("file " + f.path + " " + std::to_string(f.access) + " " + std::to_string(f.count) + " " +
        std::to_string(f.first_seen_ns) + " " + f.syscall);
  const auto v7 = store.Network(app);
  for (const auto& f : *v7)
    add("net " + std::string(NetOpName(f.op)) + " " + f.address + " " + std::to_string(f.count));
  const auto v8 = store.Capabilities(app);
  for (const auto& f : *v8)
    add("cap " + CapabilityName(f.capability) + " " + std::to_string(f.granted) + " " + f.evidence + " " +
        std::to_string(f.count));
  const auto v9 = store.Containers(app);
  for (const auto& c : *v9)
    add("container " + c.container_id + " " + std::string(c.runtime ? RuntimeName(*c.runtime) : "") + " boundary " +
        (c.boundary_ns ? std::to_string(*c.boundary_ns) : "-"));
  for (int32_t nr : {0, 83}) {
    const auto v10 = store.SyscallStacks(app, AUDIT_ARCH_X86_64, nr);
    for (const auto& st : *v10) {
      std::string frames;
      for (const auto& f : st.frames) frames += " " + f.function;
      add("stack " + std::to_string(nr) + " " + std::to_string(st.time_ns) + frames);
    }
  }
  const auto v11 = store.PathStacks(app, "/tmp/x");
  for (const auto& st : *v11)
    add("path stack " + st.path + " " + std::to_string(st.access));
  return out;
}

}  // namespace

TEST_CASE("merging three databases equals learning all runs into one", "[unit][store]") {
  TempDir dir;
  auto all = Store::Open(":memory:");
  REQUIRE(all.has_value());
  for (int host = 0; host < 3; ++host) {
    auto s = Store::Open(dir.path + "/host" + std::to_string(host) + ".db");
    REQUIRE(s.has_value());
    for (int i = 0; i < 2; ++i) {
      Learn(*s, "web", host * 2 + i);
      Learn(*all, "web", host * 2 + i);
    }
    Learn(*s, "db-" + std::to_string(host), host);
    Learn(*all, "db-" + std::to_string(host), host);
  }

  auto merged = Store::Open(dir.path + "/merged.db");
  REQUIRE(merged.has_value());
  for (int host = 0; host < 3; ++host) {
    auto r = merged->MergeFrom(dir.path + "/host" + std::to_string(host) + ".db");
    REQUIRE(r.has_value());
    CHECK(r->runs_added == 3);
  }
  const std::vector<std::string> apps = *all->Apps();
  CHECK(*merged->Apps() == apps);
  for (const auto& app : apps) {
    CAPTURE(app);
    CHECK(*merged->Syscalls(app) == *all->Syscalls(app));
    CHECK(*merged->Executables(app) == *all->Executables(app));
    CHECK(*merged->SyscallArgs(app) == *all->SyscallArgs(app));
    auto mr = merged->Runs(app);
    auto ar = all->Runs(app);
    REQUIRE(mr->size() == ar->size());
    for (size_t i = 0; i < mr->size(); ++i) {
      CHECK((*mr)[i].argv == (*ar)[i].argv);
      CHECK((*mr)[i].exit_status == (*ar)[i].exit_status);
      CHECK((*mr)[i].processes == (*ar)[i].processes);
      CHECK((*mr)[i].distinct_syscalls == (*ar)[i].distinct_syscalls);
    }
  }

  SECTION("merging again changes nothing") {
    auto again = merged->MergeFrom(dir.path + "/host1.db");
    REQUIRE(again.has_value());
    CHECK(again->runs_added == 0);
    CHECK(again->runs_skipped == 3);
    CHECK(*merged->Syscalls("web") == *all->Syscalls("web"));
    CHECK(merged->Runs("web")->size() == 6);
  }
}

TEST_CASE("merge refuses a newer schema and garbage, and never writes its input",
          "[unit][store]") {
  TempDir dir;
  const std::string newer = dir.path + "/newer.db";
  {
    auto s = Store::Open(newer);
    REQUIRE(s.has_value());
    Learn(*s, "web", 1);
  }
  {
    auto db = sqlite::Database::Open(newer, sqlite::OpenMode::kReadWrite);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("PRAGMA user_version = 999").has_value());
  }
  auto out = Store::Open(dir.path + "/out.db");
  REQUIRE(out.has_value());
  auto r = out->MergeFrom(newer);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().context.find("schema version 999 is newer") != std::string::npos);

  const std::string garbage = dir.path + "/garbage.db";
  REQUIRE(std::system(("head -c 4096 /dev/urandom > '" + garbage + "'").c_str()) == 0);
  CHECK_FALSE(out->MergeFrom(garbage).has_value());
  CHECK_FALSE(out->MergeFrom(dir.path + "/missing.db").has_value());
  CHECK(out->Apps()->empty());
}

TEST_CASE("a run merged before it ended is completed by a later merge, every fact kind",
          "[unit][store]") {
  TempDir dir;
  const std::string host = dir / "host.db";
  const std::string early = dir / "early.db";
  auto learner = Store::Open(host);
  REQUIRE(learner.has_value());
  RunInfo info;
  info.app = "w";
  info.argv = {"/bin/app"};
  info.backend = BackendKind::kNotify;
  info.start_ns = 50;
  auto run = learner->BeginRun(info);
  REQUIRE(run.has_value());
  REQUIRE(learner->AddContainer({*run, "c1", RuntimeKind::kRunc, "/bundle", 42, std::nullopt}).has_value());
  REQUIRE(learner->Flush(*run, EarlyPart()).has_value());
  SyscallFact runtime_call{AUDIT_ARCH_X86_64, 1, 3, 60, SyscallPhase::kRuntime};
  REQUIRE(learner->FlushRuntimeSyscalls(*run, {runtime_call}).has_value());
  {
    // A copy taken while the learner is still writing (as merge reads a live database).
    auto db = sqlite::Database::Open(host, sqlite::OpenMode::kReadWrite);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("VACUUM INTO '" + early + "'").has_value());
  }

  auto fleet = Store::Open(dir / "fleet.db");
  REQUIRE(fleet.has_value());
  auto first = fleet->MergeFrom(early);
  REQUIRE(first.has_value());
  CHECK(first->runs_added == 1);
  CHECK(first->runs_unfinished == 1);
  auto runs = fleet->Runs("w");
  REQUIRE(runs->size() == 1);
  CHECK_FALSE((*runs)[0].end_ns.has_value());

  // The rest of the run, then its end.
  REQUIRE(learner->Flush(*run, LatePart()).has_value());
  runtime_call.count = 2;
  runtime_call.nr = 12;
  REQUIRE(learner->FlushRuntimeSyscalls(*run, {runtime_call}).has_value());
  REQUIRE(learner->SetContainerBoundary(*run, 1500).has_value());
  REQUIRE(learner->EndContainerRun(*run, 9000, 3).has_value());
  const std::string whole = Everything(*learner, "w");
  REQUIRE(whole.find("run end 9000 exit 3 processes 3") != std::string::npos);
  REQUIRE(whole.find("boundary 1500") != std::string::npos);
  REQUIRE(whole.find("path stack /tmp/x") != std::string::npos);

  auto second = fleet->MergeFrom(host);
  REQUIRE(second.has_value());
  CHECK(second->runs_added == 0);
  CHECK(second->runs_updated == 1);
  CHECK(second->runs_skipped == 0);
  CHECK(second->runs_unfinished == 0);
  CHECK(Everything(*fleet, "w") == whole);

  SECTION("merging either copy again changes nothing") {
    for (const std::string& input : {host, early}) {
      auto again = fleet->MergeFrom(input);
      REQUIRE(again.has_value());
      CHECK(again->runs_updated == 0);
      CHECK(again->runs_skipped == 1);
      CHECK(Everything(*fleet, "w") == whole);
    }
  }
  SECTION("the later copy first, then the earlier one, gives the same") {
    auto other = Store::Open(dir / "other.db");
    REQUIRE(other.has_value());
    REQUIRE(other->MergeFrom(host).has_value());
    auto older = other->MergeFrom(early);
    REQUIRE(older.has_value());
    CHECK(older->runs_skipped == 1);
    CHECK(Everything(*other, "w") == whole);
  }
}

TEST_CASE("merge reads an input it cannot write, and names the input at fault",
          "[unit][store]") {
  TempDir dir;
  const std::string input = dir / "in.db";
  {
    auto s = Store::Open(input);
    REQUIRE(s.has_value());
    Learn(*s, "web", 1);
  }
  auto out = Store::Open(dir / "out.db");
  REQUIRE(out.has_value());
  SECTION("a missing input") {
    auto r = out->MergeFrom(dir / "missing.db");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().Message() == dir / "missing.db" + ": no such database (learn something first)");
  }
  SECTION("garbage") {
    const std::string garbage = dir / "garbage.db";
    REQUIRE(std::system(("head -c 8192 /dev/urandom > '" + garbage + "'").c_str()) == 0);
    auto r = out->MergeFrom(garbage);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().Message().rfind(garbage + ": ", 0) == 0);
    CHECK(r.error().Message().find("seclearn-merge-") == std::string::npos);
  }
  SECTION("no scratch copy is left behind") {
    const std::string tmp = dir / "tmp";
    REQUIRE(std::filesystem::create_directory(tmp));
    const char* saved = std::getenv("TMPDIR");
    const std::string old_tmpdir = saved != nullptr ? saved : "";
    ::setenv("TMPDIR", tmp.c_str(), 1);
    auto merged = out->MergeFrom(input);
    auto missing = out->MergeFrom(dir / "missing.db");
    const std::string garbage = dir / "garbage.db";
    REQUIRE(std::system(("head -c 8192 /dev/urandom > '" + garbage + "'").c_str()) == 0);
    auto bad = out->MergeFrom(garbage);
    if (saved != nullptr) {
      ::setenv("TMPDIR", old_tmpdir.c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
    CHECK(merged.has_value());
    CHECK_FALSE(missing.has_value());
    CHECK_FALSE(bad.has_value());
    CHECK(std::filesystem::is_empty(tmp));
  }
  CHECK(out->Apps().has_value());
}

TEST_CASE("merged stacks keep their own frames, whatever ids the hosts gave them",
          "[unit][store]") {
  TempDir dir;
  const StackFrame kProbe{"/bin/probe", "77aa", 0x400, "probe", "/src/probe.c", 7};
  const std::vector<std::vector<StackFrame>> frames = {{kLibc, kMain}, {kProbe, kLater, kLibc}};
  for (size_t host = 0; host < frames.size(); ++host) {
    auto s = Store::Open(dir / ("host" + std::to_string(host) + ".db"));
    REQUIRE(s.has_value());
    RunInfo info;
    info.app = "w";
    info.backend = BackendKind::kPtrace;
    info.start_ns = static_cast<int64_t>(host);
    auto run = s->BeginRun(info);
    REQUIRE(run.has_value());
    FactsDelta d;
    d.syscalls = {{AUDIT_ARCH_X86_64, 39, 1, 10}};
    d.stacks = {Stack(39, 10 + static_cast<int64_t>(host), frames[host])};
    REQUIRE(s->Flush(*run, d).has_value());
    REQUIRE(s->EndRun(*run, 100, 0).has_value());
  }
  auto fleet = Store::Open(dir / "fleet.db");
  REQUIRE(fleet.has_value());
  for (int round = 0; round < 2; ++round) {
    for (size_t host = 0; host < frames.size(); ++host)
      REQUIRE(fleet->MergeFrom(dir / ("host" + std::to_string(host) + ".db")).has_value());
  }
  auto stacks = fleet->SyscallStacks("w", AUDIT_ARCH_X86_64, 39);
  REQUIRE(stacks.has_value());
  REQUIRE(stacks->size() == 2);
  CHECK((*stacks)[0].frames == frames[0]);
  CHECK((*stacks)[1].frames == frames[1]);
  auto db = sqlite::Database::Open(dir / "fleet.db", sqlite::OpenMode::kReadOnly);
  REQUIRE(db.has_value());
  CHECK(*db->QueryInt64("SELECT count(*) FROM stack_frames") == 4);
}

}  // namespace seclearn
