#include "seclearn/store/store.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "seclearn/core/child_process.h"
#include "seclearn/core/fd.h"
#include "seclearn/store/sqlite.h"
#include "support/temp_dir.h"

namespace Catch {
template <>
struct StringMaker<seclearn::SyscallFact> {
  static std::string convert(const seclearn::SyscallFact& f) {
    return "{arch " + std::to_string(f.arch) + ", nr " + std::to_string(f.nr) + ", count " +
           std::to_string(f.count) + ", first " + std::to_string(f.first_seen_ns) + "}";
  }
};
template <>
struct StringMaker<seclearn::ExecutableFact> {
  static std::string convert(const seclearn::ExecutableFact& f) {
    return "{" + f.path + ", count " + std::to_string(f.count) + ", first " +
           std::to_string(f.first_seen_ns) + "}";
  }
};
}  // namespace Catch

namespace seclearn {
namespace {

namespace fs = std::filesystem;


RunInfo Info(std::string app, std::vector<std::string> argv, int64_t start_ns = 1000) {
  RunInfo info;
  info.app = std::move(app);
  info.argv = std::move(argv);
  info.backend = BackendKind::kPtrace;
  info.kernel = "6.1.0-test";
  info.host = "testhost";
  info.start_ns = start_ns;
  return info;
}

std::string QueryText(const std::string& path, const std::string& sql) {
  auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWrite);
  REQUIRE(db.has_value());
  auto stmt = db->Prepare(sql);
  REQUIRE(stmt.has_value());
  auto row = stmt->Step();
  REQUIRE(row.has_value());
  REQUIRE(*row);
  return stmt->ColumnText(0);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

constexpr uint32_t kX86_64 = AUDIT_ARCH_X86_64;
constexpr uint32_t kI386 = AUDIT_ARCH_I386;

// A database at `path` with one run of "app" that made `syscalls`, closed (its WAL
// checkpointed into the file).
void SeedRun(const std::string& path, std::vector<SyscallFact> syscalls) {
  auto store = Store::Open(path);
  REQUIRE(store.has_value());
  auto run = store->BeginRun(Info("app", {"/bin/true"}));
  REQUIRE(run.has_value());
  FactsDelta d;
  d.syscalls = std::move(syscalls);
  REQUIRE(store->Flush(*run, d).has_value());
}

}  // namespace

TEST_CASE("a new store is migrated to the current schema", "[unit][store]") {
  REQUIRE(Store::SchemaVersion() >= 1);
  SECTION("in memory") {
    auto store = Store::Open(":memory:");
    REQUIRE(store.has_value());
    auto apps = store->Apps();
    REQUIRE(apps.has_value());
    CHECK(apps->empty());
  }
  SECTION("on disk, in WAL mode, and reopening is a no-op") {
    TempDir dir;
    const std::string path = dir / "s.db";
    {
      auto store = Store::Open(path);
      REQUIRE(store.has_value());
    }
    CHECK(QueryText(path, "PRAGMA user_version") == std::to_string(Store::SchemaVersion()));
    CHECK(QueryText(path, "PRAGMA journal_mode") == "wal");
    auto again = Store::OpenExisting(path);
    REQUIRE(again.has_value());
    CHECK(QueryText(path, "PRAGMA user_version") == std::to_string(Store::SchemaVersion()));
  }
}

TEST_CASE("flushes add counts and keep the earliest first_seen", "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  auto run = store->BeginRun(Info("app", {"/bin/true"}));
  REQUIRE(run.has_value());

  FactsDelta first;
  first.syscalls = {{kX86_64, 0, 3, 200}, {kX86_64, 1, 1, 100}};
  first.executables = {{"/bin/true", 1, 150}};
  first.new_processes = 1;
  REQUIRE(store->Flush(*run, first).has_value());
  FactsDelta second;
  second.syscalls = {{kX86_64, 0, 2, 50}, {kX86_64, 1, 4, 300}, {kI386, 1, 1, 400}};
  second.executables = {{"/bin/true", 2, 500}};
  second.new_processes = 2;
  REQUIRE(store->Flush(*run, second).has_value());
  REQUIRE(store->Flush(*run, FactsDelta{}).has_value());

  auto syscalls = store->Syscalls("app");
  REQUIRE(syscalls.has_value());
  CHECK(*syscalls ==
        std::vector<SyscallFact>{{kI386, 1, 1, 400}, {kX86_64, 0, 5, 50}, {kX86_64, 1, 5, 100}});
  auto exes = store->Executables("app", *run);
  REQUIRE(exes.has_value());
  CHECK(*exes == std::vector<ExecutableFact>{{"/bin/true", 3, 150}});
  auto runs = store->Runs("app");
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 1);
  CHECK((*runs)[0].processes == 3);
  CHECK((*runs)[0].distinct_syscalls == 3);
}

TEST_CASE("syscalls and executables are the union over an app's runs", "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  auto a = store->BeginRun(Info("web", {"nginx"}, 10));
  auto b = store->BeginRun(Info("web", {"nginx", "-t"}, 20));
  auto other = store->BeginRun(Info("db", {"postgres"}, 30));
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  REQUIRE(other.has_value());

  FactsDelta da;
  da.syscalls = {{kX86_64, 2, 10, 11}, {kX86_64, 0, 1, 12}};
  da.executables = {{"/usr/sbin/nginx", 1, 11}};
  REQUIRE(store->Flush(*a, da).has_value());
  FactsDelta db;
  db.syscalls = {{kX86_64, 2, 5, 21}, {kX86_64, 60, 1, 22}};
  db.executables = {{"/bin/sh", 1, 21}, {"/usr/sbin/nginx", 1, 20}};
  REQUIRE(store->Flush(*b, db).has_value());
  FactsDelta dother;
  dother.syscalls = {{kX86_64, 41, 7, 31}};
  REQUIRE(store->Flush(*other, dother).has_value());

  auto all = store->Syscalls("web");
  REQUIRE(all.has_value());
  CHECK(*all ==
        std::vector<SyscallFact>{{kX86_64, 0, 1, 12}, {kX86_64, 2, 15, 11}, {kX86_64, 60, 1, 22}});
  auto only_b = store->Syscalls("web", *b);
  REQUIRE(only_b.has_value());
  CHECK(*only_b == std::vector<SyscallFact>{{kX86_64, 2, 5, 21}, {kX86_64, 60, 1, 22}});
  auto exes = store->Executables("web");
  REQUIRE(exes.has_value());
  CHECK(*exes == std::vector<ExecutableFact>{{"/bin/sh", 1, 21}, {"/usr/sbin/nginx", 2, 11}});

  // Another app's run id selects nothing; an unknown app is empty (the CLI asks HasApp).
  auto wrong_app = store->Syscalls("web", *other);
  REQUIRE(wrong_app.has_value());
  CHECK(wrong_app->empty());
  auto unknown = store->Syscalls("nope");
  REQUIRE(unknown.has_value());
  CHECK(unknown->empty());
  CHECK(*store->HasApp("web"));
  CHECK_FALSE(*store->HasApp("nope"));
  CHECK(*store->Apps() == std::vector<std::string>{"db", "web"});
}

TEST_CASE("runs list argv, backend and exit status in order", "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  // Arguments are bytes: empty, with the unit separator, not UTF-8.
  const std::vector<std::string> argv = {"/bin/sh", "-c", "",
                                         "a\x1f"
                                         "b",
                                         "\xff\xfe"};
  auto first = store->BeginRun(Info("app", argv, 100));
  auto second = store->BeginRun(Info("app", {"/bin/false"}, 200));
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(*second > *first);
  FactsDelta delta;
  delta.syscalls = {{kX86_64, 59, 1, 150}};
  delta.new_processes = 1;
  REQUIRE(store->Flush(*second, delta).has_value());
  REQUIRE(store->EndRun(*first, 180, 0).has_value());

  auto runs = store->Runs("app");
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 2);
  const RunSummary& r1 = (*runs)[0];
  CHECK(r1.run_id == *first);
  CHECK(r1.app == "app");
  CHECK(r1.argv == argv);
  CHECK(r1.backend == BackendKind::kPtrace);
  CHECK(r1.kernel == "6.1.0-test");
  CHECK(r1.host == "testhost");
  CHECK(r1.start_ns == 100);
  CHECK(r1.end_ns == 180);
  CHECK(r1.exit_status == 0);
  CHECK(r1.processes == 0);
  CHECK(r1.distinct_syscalls == 0);
  // Begun and flushed, never ended: the learner died or is still running.
  const RunSummary& r2 = (*runs)[1];
  CHECK(r2.argv == std::vector<std::string>{"/bin/false"});
  CHECK_FALSE(r2.end_ns.has_value());
  CHECK_FALSE(r2.exit_status.has_value());
  CHECK(r2.processes == 1);
  CHECK(r2.distinct_syscalls == 1);

  REQUIRE(store->EndRun(*second, 300, 128 + SIGKILL).has_value());
  runs = store->Runs("app");
  REQUIRE(runs.has_value());
  CHECK((*runs)[1].exit_status == 128 + SIGKILL);
  CHECK(store->Runs("nope")->empty());
}

TEST_CASE("runs keep their source, a watch run its answer, an agent's run its container",
          "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  RunInfo watch = Info("web", {"/bin/sh"}, 100);
  watch.source = RunSource::kWatch;
  watch.on_violation = "deny";
  auto learned = store->BeginRun(Info("web", {"/bin/sh"}, 50));
  auto watched = store->BeginRun(watch);
  REQUIRE(learned.has_value());
  REQUIRE(watched.has_value());
  REQUIRE(store->AddContainer({*watched, "c1", RuntimeKind::kRunc, "/b", 42, std::nullopt})
              .has_value());
  auto runs = store->Runs("web");
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 2);
  CHECK((*runs)[0].source == RunSource::kLearn);
  CHECK((*runs)[0].on_violation.empty());
  CHECK((*runs)[0].container.empty());
  CHECK((*runs)[1].source == RunSource::kWatch);
  CHECK((*runs)[1].on_violation == "deny");
  CHECK((*runs)[1].container == "c1");
}

TEST_CASE("runs an older agent recorded (with a container) migrate as source agent",
          "[unit][store]") {
  TempDir dir;
  const std::string path = dir / "v8.db";
  {
    auto store = Store::Open(path);
    REQUIRE(store.has_value());
    auto learned = store->BeginRun(Info("web", {"/bin/sh"}, 50));
    auto agent = store->BeginRun(Info("web", {"/bin/sh"}, 60));
    REQUIRE(learned.has_value());
    REQUIRE(agent.has_value());
    REQUIRE(store->AddContainer({*agent, "c1", RuntimeKind::kRunc, "/b", 42, std::nullopt})
                .has_value());
  }
  {
    auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWrite);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("ALTER TABLE runs DROP COLUMN source; ALTER TABLE runs DROP COLUMN "
                     "on_violation; ALTER TABLE runs DROP COLUMN userns; DROP TABLE run_resources; "
                     "PRAGMA user_version = 8")
                .has_value());
  }
  auto store = Store::OpenExisting(path);
  REQUIRE(store.has_value());
  CHECK(QueryText(path, "PRAGMA user_version") == std::to_string(Store::SchemaVersion()));
  auto runs = store->Runs("web");
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 2);
  CHECK((*runs)[0].source == RunSource::kLearn);
  CHECK((*runs)[1].source == RunSource::kAgent);
}

TEST_CASE("writes to an unknown run are errors, not silent", "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  FactsDelta delta;
  delta.syscalls = {{kX86_64, 0, 1, 1}};
  auto flushed = store->Flush(42, delta);
  REQUIRE_FALSE(flushed.has_value());
  CHECK(flushed.error().Message() == "no run 42");
  auto ended = store->EndRun(42, 1, 0);
  REQUIRE_FALSE(ended.has_value());
  CHECK(ended.error().Message() == "no run 42");
  auto empty_app = store->BeginRun(Info("", {}));
  CHECK_FALSE(empty_app.has_value());
  // A failed flush left nothing behind and the store still works.
  auto run = store->BeginRun(Info("app", {}));
  REQUIRE(run.has_value());
  REQUIRE(store->Flush(*run, delta).has_value());
  CHECK(store->Syscalls("app")->size() == 1);
}

TEST_CASE("a transaction rolls back unless committed", "[unit][store]") {
  auto db = sqlite::Database::Open(":memory:", sqlite::OpenMode::kReadWriteCreate);
  REQUIRE(db.has_value());
  REQUIRE(db->Exec("CREATE TABLE t (x INTEGER)").has_value());
  {
    auto tx = sqlite::Transaction::Begin(*db);
    REQUIRE(tx.has_value());
    REQUIRE(db->Exec("INSERT INTO t VALUES (1)").has_value());
  }
  CHECK_FALSE(db->InTransaction());
  CHECK(*db->QueryInt64("SELECT count(*) FROM t") == 0);
  {
    auto tx = sqlite::Transaction::Begin(*db);
    REQUIRE(tx.has_value());
    REQUIRE(db->Exec("INSERT INTO t VALUES (2)").has_value());
    REQUIRE(tx->Commit().has_value());
  }
  CHECK(*db->QueryInt64("SELECT count(*) FROM t") == 1);
  auto bad = db->Prepare("SELECT nope FROM t");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().domain == ErrorDomain::kSqlite);
  CHECK(bad.error().Message() == ":memory:: no such column: nope");
}

TEST_CASE("a database from a newer seclearn is refused", "[unit][store]") {
  TempDir dir;
  const std::string path = dir / "new.db";
  REQUIRE(Store::Open(path).has_value());
  {
    auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWrite);
    REQUIRE(db.has_value());
    REQUIRE(db->Exec("PRAGMA user_version = 99").has_value());
  }
  const std::string expected = path + ": schema version 99 is newer than this seclearn (" +
                               std::to_string(Store::SchemaVersion()) + "); upgrade seclearn";
  auto store = Store::Open(path);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().domain == ErrorDomain::kSqlite);
  CHECK(store.error().Message() == expected);
  auto existing = Store::OpenExisting(path);
  REQUIRE_FALSE(existing.has_value());
  CHECK(existing.error().Message() == expected);
}

TEST_CASE("a file that is not a seclearn database is refused and left alone", "[unit][store]") {
  TempDir dir;
  SECTION("garbage bytes") {
    const std::string path = dir / "garbage.db";
    std::string garbage;
    for (int i = 0; i < 400; ++i) garbage += "this is not a database\n";
    std::ofstream(path, std::ios::binary) << garbage;
    auto store = Store::Open(path);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().Message() == path + ": database is corrupt (file is not a database)");
    CHECK_FALSE(Store::OpenExisting(path).has_value());
    CHECK(ReadFile(path) == garbage);
  }
  SECTION("another program's SQLite database") {
    const std::string path = dir / "other.db";
    {
      auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWriteCreate);
      REQUIRE(db.has_value());
      REQUIRE(db->Exec("CREATE TABLE notes (body TEXT)").has_value());
    }
    auto store = Store::Open(path);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().Message() == path + ": not a seclearn database (it has other tables)");
    CHECK(QueryText(path, "PRAGMA user_version") == "0");
  }
}

// Opening checks the header, the schema and every table's root page, not the whole file (a
// full PRAGMA quick_check grew with the database, on every command); a page damaged deeper in
// a table is reported by the statement that reads it.
TEST_CASE("a damaged page is reported as corrupt: a table's root at open, a deeper one when read",
          "[unit][store]") {
  TempDir dir;
  const std::string path = dir / "damaged.db";
  std::vector<SyscallFact> many;
  for (int32_t nr = 0; nr < 4000; ++nr) many.push_back({kX86_64, nr, 1, 100 + nr});
  SeedRun(path, many);
  auto page_of = [&](const std::string& sql) {
    return std::stoll(QueryText(path, sql));
  };
  const int64_t page_size = page_of("PRAGMA page_size");
  auto damage = [&](int64_t page) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    REQUIRE(fd.valid());
    const std::string junk(static_cast<size_t>(page_size), '\xa5');
    REQUIRE(::pwrite(fd.get(), junk.data(), junk.size(), (page - 1) * page_size) ==
            static_cast<ssize_t>(junk.size()));
  };
  SECTION("the root page of a table") {
    damage(page_of("SELECT rootpage FROM sqlite_schema WHERE name = 'run_syscalls'"));
    auto store = Store::Open(path);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().Message() ==
          path + ": database is corrupt (database disk image is malformed)");
    CHECK_FALSE(Store::OpenReadOnly(path).has_value());
  }
  SECTION("a leaf page of a table") {
    const int64_t root = page_of("SELECT rootpage FROM sqlite_schema WHERE name = 'run_syscalls'");
    const int64_t leaf = page_of(
        "SELECT max(pageno) FROM dbstat WHERE name = 'run_syscalls' AND pagetype = 'leaf'");
    REQUIRE(leaf != root);
    damage(leaf);
    auto store = Store::OpenReadOnly(path);
    REQUIRE(store.has_value());
    auto syscalls = store->Syscalls("app");
    REQUIRE_FALSE(syscalls.has_value());
    CHECK(syscalls.error().domain == ErrorDomain::kSqlite);
    CHECK((syscalls.error().code & 0xff) == SQLITE_CORRUPT);
  }
}

TEST_CASE("missing directories and files are named", "[unit][store]") {
  TempDir dir;
  SECTION("Open does not create the directory") {
    const std::string missing_dir = dir / "no-such-dir";
    const std::string path = missing_dir + "/s.db";
    auto store = Store::Open(path);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().Message() ==
          path + ": directory " + missing_dir + " does not exist (create it first)");
    CHECK_FALSE(fs::exists(missing_dir));
  }
  SECTION("OpenExisting does not create the file") {
    const std::string path = dir / "absent.db";
    auto store = Store::OpenExisting(path);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().Message() == path + ": no such database (learn something first)");
    CHECK_FALSE(fs::exists(path));
  }
}

TEST_CASE("a learner killed between or during flushes leaves a sound database", "[unit][store]") {
  TempDir dir;
  const std::string path = dir / "killed.db";
  const bool from_outside = GENERATE(false, true);
  constexpr int kFlushes = 10;
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);

  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: no Catch2 here; report failure through the exit status.
    read_end.Reset();
    auto store = Store::Open(path);
    if (!store) ::_exit(2);
    auto run = store->BeginRun(Info("victim", {"victim", "--loop"}));
    if (!run) ::_exit(3);
    for (int i = 0;; ++i) {
      FactsDelta delta;
      delta.syscalls = {{kX86_64, 0, 1, 5000 - i}, {kX86_64, 1, 2, 5000 + i}};
      delta.executables = {{"/bin/victim", 1, 7000 - i}};
      delta.new_processes = 1;
      if (!store->Flush(*run, delta)) ::_exit(4);
      const char byte = 'f';
      if (::write(write_end.get(), &byte, 1) != 1) ::_exit(5);
      // Either die right after the 10th flush, or keep flushing until the parent kills us.
      if (!from_outside && i == kFlushes - 1) ::raise(SIGKILL);
    }
  }
  ChildProcess child(pid);
  write_end.Reset();
  int flushed = 0;
  char byte;
  while (flushed < kFlushes && ::read(read_end.get(), &byte, 1) == 1) ++flushed;
  REQUIRE(flushed == kFlushes);
  if (from_outside) REQUIRE(::kill(pid, SIGKILL) == 0);
  auto status = child.Wait();
  REQUIRE(status.has_value());
  REQUIRE(WIFSIGNALED(*status));
  REQUIRE(WTERMSIG(*status) == SIGKILL);

  CHECK(QueryText(path, "PRAGMA integrity_check") == "ok");
  auto store = Store::OpenExisting(path);
  REQUIRE(store.has_value());
  auto runs = store->Runs("victim");
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 1);
  const RunSummary& run = (*runs)[0];
  CHECK_FALSE(run.end_ns.has_value());
  // Each flush is all or nothing: k whole flushes, never part of one.
  const auto k = static_cast<int64_t>(run.processes);
  if (from_outside) {
    CHECK(k >= kFlushes);
  } else {
    CHECK(k == kFlushes);
  }
  auto syscalls = store->Syscalls("victim");
  REQUIRE(syscalls.has_value());
  CHECK(*syscalls == std::vector<SyscallFact>{{kX86_64, 0, static_cast<uint64_t>(k), 5000 - k + 1},
                                              {kX86_64, 1, static_cast<uint64_t>(2 * k), 5000}});
  auto exes = store->Executables("victim");
  REQUIRE(exes.has_value());
  CHECK(*exes ==
        std::vector<ExecutableFact>{{"/bin/victim", static_cast<uint64_t>(k), 7000 - k + 1}});
}

TEST_CASE("OpenReadOnly reads without writing: no side files, an older schema left as it is",
          "[unit][store]") {
  TempDir dir;
  const std::string path = dir / "r.db";
  SeedRun(path, {{kX86_64, 0, 3, 200}});
  SECTION("a current schema") {
    const std::string before = ReadFile(path);
    {
      auto store = Store::OpenReadOnly(path);
      REQUIRE(store.has_value());
      CHECK(*store->Apps() == std::vector<std::string>{"app"});
      CHECK(store->Syscalls("app")->size() == 1);
      auto write = store->BeginRun(Info("app", {"/bin/false"}));
      CHECK_FALSE(write.has_value());
    }
    CHECK(ReadFile(path) == before);
    CHECK_FALSE(fs::exists(path + "-wal"));
    CHECK_FALSE(fs::exists(path + "-shm"));
  }
  SECTION("an older schema, read through a migrated copy") {
    {
      // Schema version 5: the file, network and capability tables came with 6,
      // run_containers.exec with 7; 8 dropped the stack indexes by path and by syscall; 9
      // added runs.source and runs.on_violation; 10 run_resources and runs.userns.
      auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWrite);
      REQUIRE(db.has_value());
      REQUIRE(db->Exec("DROP TABLE run_files; DROP TABLE run_network; DROP TABLE "
                       "run_capabilities; ALTER TABLE run_containers DROP COLUMN exec; "
                       "ALTER TABLE runs DROP COLUMN source; "
                       "ALTER TABLE runs DROP COLUMN on_violation; DROP TABLE run_resources; "
                       "ALTER TABLE runs DROP COLUMN userns; "
                       "CREATE INDEX run_syscall_stacks_by_nr ON run_syscall_stacks(arch, nr); "
                       "CREATE INDEX run_path_stacks_by_path ON run_path_stacks(path); "
                       "PRAGMA user_version = 5")
                  .has_value());
    }
    auto store = Store::OpenReadOnly(path);
    REQUIRE(store.has_value());
    CHECK(store->Syscalls("app")->size() == 1);
    CHECK(store->Files("app")->empty());
    REQUIRE(store->Runs("app").has_value());
    CHECK(store->Runs("app")->front().source == RunSource::kLearn);
    CHECK(QueryText(path, "PRAGMA user_version") == "5");
  }
  SECTION("a missing file") {
    auto store = Store::OpenReadOnly(dir / "absent.db");
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().Message() == dir / "absent.db" + ": no such database (learn something first)");
    CHECK_FALSE(fs::exists(dir / "absent.db"));
  }
}

}  // namespace seclearn
