#include <linux/audit.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "seclearn/store/sqlite.h"
#include "seclearn/store/store.h"
#include "support/temp_dir.h"

namespace seclearn {
namespace {


// One run of `app` with a few facts that depend on `i`, flushed into `store`.
void Learn(Store& store, const std::string& app, int i) {
  RunInfo info;
  info.app = app;
  info.argv = {"/bin/app", std::to_string(i)};
  info.backend = "ptrace";
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

}  // namespace seclearn
