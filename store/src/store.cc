#include "seclearn/store/store.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "migrations.h"
#include "seclearn/store/sqlite.h"
#include "store_impl.h"
#include "seclearn/core/escape.h"

namespace seclearn {
namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

// "SLRN": marks the file as seclearn's so that another program's database is not migrated.
constexpr int64_t kApplicationId = 0x534c524e;

constexpr std::string_view kUpsertSyscallSql = R"sql(
INSERT INTO run_syscalls (run_id, arch, nr, count, first_seen_ns) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (run_id, arch, nr) DO UPDATE SET
  count = count + excluded.count,
  first_seen_ns = min(first_seen_ns, excluded.first_seen_ns)
)sql";

constexpr std::string_view kUpsertExecutableSql = R"sql(
INSERT INTO run_executables (run_id, path, count, first_seen_ns) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (run_id, path) DO UPDATE SET
  count = count + excluded.count,
  first_seen_ns = min(first_seen_ns, excluded.first_seen_ns)
)sql";

constexpr std::string_view kAddProcessesSql =
    "UPDATE runs SET processes = processes + ?2 WHERE id = ?1";

bool IsInMemory(const std::string& path) { return path.empty() || path == ":memory:"; }

Error StoreError(int rc, std::string context) {
  return Error{ErrorDomain::kSqlite, rc, std::move(context)};
}

// SQLite would report a missing directory as "unable to open database file"; say which
// directory instead, and leave creating it to the user (a typo should not grow a tree).
Result<void> CheckParentDirectory(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) return {};
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) {
      return StoreError(
          SQLITE_CANTOPEN,
          fmt::format("{}: directory {} does not exist (create it first)", path, dir.string()));
    }
    return ErrnoError(err, fmt::format("{}: directory {}", path, dir.string()));
  }
  if (!S_ISDIR(st.st_mode)) {
    return StoreError(SQLITE_CANTOPEN,
                      fmt::format("{}: {} is not a directory", path, dir.string()));
  }
  return {};
}

// SQLite opens garbage lazily: preparing the first statement (which reads the schema) or
// stepping it reports SQLITE_NOTADB or SQLITE_CORRUPT. Checked at open: the header, the
// schema, and the root page of every table (one page each, whatever the database's size:
// PRAGMA quick_check reads the whole file, 0.2 s at 58 MB, on every command). A page damaged
// deeper in a table is reported as corrupt by the statement that reads it.
Result<void> CheckStructure(Database& db) {
  auto corrupt = [&](int rc, std::string_view what) {
    return StoreError(rc, fmt::format("{}: database is corrupt ({})", db.path(), what));
  };
  auto as_corrupt = [&](const Error& error) {
    const int primary = error.code & 0xff;
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
      return corrupt(primary, sqlite3_errstr(primary));
    }
    return error;
  };
  auto stmt = db.Prepare("SELECT name FROM sqlite_schema WHERE type = 'table'");
  if (!stmt) return as_corrupt(stmt.error());
  std::vector<std::string> tables;
  auto rows =
      stmt->ForEachRow([&](sqlite::Statement& row) { tables.push_back(row.ColumnText(0)); });
  if (!rows) return as_corrupt(rows.error());
  for (const std::string& table : tables) {
    auto probe = db.Prepare(fmt::format("SELECT 1 FROM {} LIMIT 1", Quoted(table)));
    if (!probe) return as_corrupt(probe.error());
    if (auto row = probe->Step(); !row) return as_corrupt(row.error());
  }
  return {};
}

// Before anything writes to the file (journal_mode = WAL changes the header): a database of
// another program is refused untouched.
Result<void> CheckIdentity(Database& db) {
  auto app_id = db.QueryInt64("PRAGMA application_id");
  if (!app_id) return app_id.error();
  if (*app_id != 0 && *app_id != kApplicationId) {
    return StoreError(
        SQLITE_ERROR,
        fmt::format("{}: not a seclearn database (application_id {:#x})", db.path(), *app_id));
  }
  if (*app_id == 0) {
    auto tables = db.QueryInt64("SELECT count(*) FROM sqlite_schema");
    if (!tables) return tables.error();
    if (*tables != 0) {
      return StoreError(
          SQLITE_ERROR,
          fmt::format("{}: not a seclearn database (it has other tables)", db.path()));
    }
  }
  return {};
}

Result<void> Migrate(Database& db) {
  const int64_t known = static_cast<int64_t>(Migrations().size());
  auto newer = [&](int64_t version) {
    return StoreError(SQLITE_ERROR,
                      fmt::format("{}: schema version {} is newer than this seclearn ({}); "
                                  "upgrade seclearn",
                                  db.path(), version, known));
  };
  auto version = db.QueryInt64("PRAGMA user_version");
  if (!version) return version.error();
  if (*version > known) return newer(*version);
  if (*version == known) return {};

  // Re-read under the write lock: another process may have migrated meanwhile.
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  version = db.QueryInt64("PRAGMA user_version");
  if (!version) return version.error();
  if (*version > known) return newer(*version);
  if (*version == 0) {
    auto tables = db.QueryInt64("SELECT count(*) FROM sqlite_schema");
    if (!tables) return tables.error();
    if (*tables != 0) {
      return StoreError(
          SQLITE_ERROR,
          fmt::format("{}: not a seclearn database (it has other tables)", db.path()));
    }
    if (auto r = db.Exec(fmt::format("PRAGMA application_id = {}", kApplicationId)); !r) {
      return r.error();
    }
  }
  for (int64_t v = *version; v < known; ++v) {
    if (auto r = db.Exec(std::string(Migrations()[static_cast<size_t>(v)])); !r) {
      return StoreError(r.error().code, fmt::format("{} (migrating to schema version {})",
                                                    r.error().context, v + 1));
    }
  }
  if (auto r = db.Exec(fmt::format("PRAGMA user_version = {}", known)); !r) return r.error();
  return tx->Commit();
}

std::string DirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool MayWrite(const std::string& path, int mode = W_OK) {
  return ::faccessat(AT_FDCWD, path.c_str(), mode, AT_EACCESS) == 0;
}

// A missing file (unless `create`) or an empty one is refused before SQLite sees it.
Result<bool> CheckFile(const std::string& path, bool create) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (st.st_size == 0 && !create) {
      return StoreError(SQLITE_NOTADB,
                        fmt::format("{}: empty file, not a seclearn database", path));
    }
    return st.st_size > 0;
  }
  if (!create && errno == ENOENT) {
    return StoreError(SQLITE_CANTOPEN,
                      fmt::format("{}: no such database (learn something first)", path));
  }
  if (create) {
    if (auto r = CheckParentDirectory(path); !r) return r.error();
  }
  return false;
}

// A writer needs the file and, for PATH-wal and PATH-shm, its directory (unless both exist
// and are writable). Without them SQLite quietly opens read-only and the first write fails
// (after a learner ran its workload), or says "unable to open database file".
Result<void> CheckWritable(const std::string& path) {
  const bool exists = Exists(path);
  if (exists && !MayWrite(path)) {
    const int err = errno;
    return StoreError(SQLITE_READONLY, fmt::format("{}: cannot write the database: {}", path,
                                                   std::strerror(err)));
  }
  const std::string dir = DirectoryOf(path);
  if (!MayWrite(dir, W_OK | X_OK)) {
    const int err = errno;
    if (exists && MayWrite(path + "-wal") && MayWrite(path + "-shm")) return {};
    return StoreError(
        SQLITE_READONLY,
        fmt::format("{}: cannot {} the database: directory {}: {} (SQLite keeps {}-wal and "
                    "{}-shm beside it)",
                    path, exists ? "write" : "create", dir, std::strerror(err),
                    std::filesystem::path(path).filename().string(),
                    std::filesystem::path(path).filename().string()));
  }
  return {};
}

// A write transaction, begun and rolled back: what a check of the file's mode cannot see
// (an -shm or -wal someone else owns, a security module) fails here, before a learner starts
// its workload. Another writer holding the lock is no failure: a writer waits its turn.
Result<void> ProbeWrite(Database& db) {
  auto readonly = [&](std::string_view why) {
    return StoreError(SQLITE_READONLY,
                      fmt::format("{}: cannot write the database ({})", db.path(), why));
  };
  if (db.ReadOnly()) return readonly("SQLite could open it only read-only");
  if (auto r = db.SetBusyTimeout(0); !r) return r.error();
  auto begun = db.Exec("BEGIN IMMEDIATE");
  if (auto r = db.SetBusyTimeout(sqlite::kBusyTimeoutMs); !r) return r.error();
  if (!begun) {
    const int primary = begun.error().code & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return {};
    if (primary == SQLITE_READONLY) return readonly(sqlite3_errstr(begun.error().code));
    return begun.error();
  }
  return db.Exec("ROLLBACK");
}

Result<Database> OpenDatabase(const std::string& path, bool create) {
  bool existed = false;
  if (!IsInMemory(path)) {
    auto nonempty = CheckFile(path, create);
    if (!nonempty) return nonempty.error();
    existed = *nonempty;
    if (auto r = CheckWritable(path); !r) return r.error();
  }
  auto db = Database::Open(
      path, create ? sqlite::OpenMode::kReadWriteCreate : sqlite::OpenMode::kReadWrite);
  if (!db) return db.error();
  if (db->ReadOnly()) {
    return StoreError(SQLITE_READONLY,
                      fmt::format("{}: cannot write the database (SQLite could open it only "
                                  "read-only)",
                                  path));
  }
  if (existed) {
    if (auto r = CheckStructure(*db); !r) return r.error();
    if (auto r = CheckIdentity(*db); !r) return r.error();
  }
  // WAL: readers (export, show) do not block the learner's flushes, and a learner killed
  // mid-flush loses at most that flush. NORMAL is durable enough with WAL: a power cut may
  // lose the last commits, never corrupt the file.
  if (!IsInMemory(path)) {
    if (auto r = db->Exec("PRAGMA journal_mode = WAL"); !r) return r.error();
  }
  if (auto r = db->Exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON"); !r) {
    return r.error();
  }
  if (auto r = Migrate(*db); !r) return r.error();
  if (auto r = ProbeWrite(*db); !r) return r.error();
  return db;
}

// The only constraint a flush can break is the foreign key to runs.
Error NoSuchRunIfConstraint(Error error, int64_t run_id) {
  if (error.code == SQLITE_CONSTRAINT) return UsageError(fmt::format("no run {}", run_id));
  return error;
}

}  // namespace

Result<Database> OpenDatabaseReadOnly(const std::string& path, bool as_input) {
  if (IsInMemory(path)) return OpenDatabase(path, true);
  auto nonempty = CheckFile(path, false);
  if (!nonempty) return nonempty.error();
  const std::string dir = DirectoryOf(path);
  Result<Database> db = Error{};
  auto may_write_if_there = [](const std::string& p) { return !Exists(p) || MayWrite(p); };
  if (!as_input && MayWrite(path) && MayWrite(dir, W_OK | X_OK) &&
      may_write_if_there(path + "-wal") && may_write_if_there(path + "-shm")) {
    // Where this process could write, a read-write connection that writes nothing: as the
    // last one to close it removes PATH-wal and PATH-shm, which a read-only connection
    // creates but never removes.
    db = Database::Open(path, sqlite::OpenMode::kReadWrite);
    if (db) {
      if (auto r = db->Exec("PRAGMA query_only = ON"); !r) return r.error();
    }
  } else {
    // A WAL database is read through its index, PATH-shm, which SQLite creates beside the
    // file if missing. Where it cannot (a read-only mount, another user's directory) and no
    // writer left changes in PATH-wal, the file is read as immutable: no locks, no index.
    bool immutable = false;
    if (!MayWrite(dir, W_OK | X_OK) && !Exists(path + "-shm")) {
      struct stat wal {};
      if (::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0) {
        return StoreError(SQLITE_CANTOPEN,
                          fmt::format("{0}: {0}-wal holds changes not yet in the database and "
                                      "{0}-shm cannot be created in {1} to read them: open it "
                                      "once where {1} is writable",
                                      path, dir));
      }
      immutable = true;
    }
    db = Database::OpenReadOnly(path, immutable);
  }
  if (!db) return db.error();
  if (auto r = CheckStructure(*db); !r) return r.error();
  if (auto r = CheckIdentity(*db); !r) return r.error();
  const int64_t known = static_cast<int64_t>(Migrations().size());
  auto version = db->QueryInt64("PRAGMA user_version");
  if (!version) return version.error();
  if (*version > known) {
    return StoreError(SQLITE_ERROR,
                      fmt::format("{}: schema version {} is newer than this seclearn ({}); "
                                  "upgrade seclearn",
                                  path, *version, known));
  }
  if (*version == known || as_input) return db;
  // An older schema is read through a migrated copy in memory: the file stays as it is.
  auto copy = db->CopyToMemory();
  if (!copy) return copy.error();
  if (auto r = Migrate(*copy); !r) return r.error();
  return copy;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

int Store::SchemaVersion() { return static_cast<int>(Migrations().size()); }

Result<Store> Store::Open(const std::string& path) { return OpenImpl(OpenDatabase(path, true)); }

Result<Store> Store::OpenExisting(const std::string& path) {
  return OpenImpl(OpenDatabase(path, false));
}

Result<Store> Store::OpenReadOnly(const std::string& path) {
  return OpenImpl(OpenDatabaseReadOnly(path, /*as_input=*/false));
}

Result<Store> Store::OpenImpl(Result<sqlite::Database> db) {
  if (!db) return db.error();
  auto upsert_syscall = db->Prepare(kUpsertSyscallSql);
  if (!upsert_syscall) return upsert_syscall.error();
  auto upsert_executable = db->Prepare(kUpsertExecutableSql);
  if (!upsert_executable) return upsert_executable.error();
  auto add_processes = db->Prepare(kAddProcessesSql);
  if (!add_processes) return add_processes.error();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  impl->upsert_syscall = std::move(*upsert_syscall);
  impl->upsert_executable = std::move(*upsert_executable);
  impl->add_processes = std::move(*add_processes);
  return Store(std::move(impl));
}

Result<int64_t> Store::BeginRun(const RunInfo& info) {
  if (info.app.empty()) return UsageError("the app name must not be empty");
  Database& db = impl_->db;
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();

  auto add_app = db.Prepare(
      "INSERT INTO apps (name, created_ns) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING");
  if (!add_app) return add_app.error();
  add_app->BindText(1, info.app).BindInt64(2, info.start_ns);
  if (auto r = add_app->Run(); !r) return r.error();

  auto add_run = db.Prepare(R"sql(
INSERT INTO runs (app_id, backend, kernel, host, start_ns, uuid, source, on_violation, userns)
SELECT id, ?2, ?3, ?4, ?5, lower(hex(randomblob(16))), ?6, nullif(?7, ''), nullif(?8, '')
FROM apps WHERE name = ?1
)sql");
  if (!add_run) return add_run.error();
  add_run->BindText(1, info.app)
      .BindText(2, BackendName(info.backend))
      .BindText(3, info.kernel)
      .BindText(4, info.host)
      .BindInt64(5, info.start_ns)
      .BindText(6, RunSourceName(info.source))
      .BindText(7, info.on_violation)
      .BindText(8, info.userns);
  if (auto r = add_run->Run(); !r) return r.error();
  const int64_t run_id = db.LastInsertRowid();

  if (auto r = InsertRunArgs(db, run_id, info.argv); !r) return r.error();
  if (auto r = tx->Commit(); !r) return r.error();
  return run_id;
}

bool Store::IsBusy(const Error& e) {
  const int primary = e.code & 0xff;  // extended codes keep the primary in the low byte
  return e.domain == ErrorDomain::kSqlite && (primary == SQLITE_BUSY || primary == SQLITE_LOCKED);
}

bool Store::IsReadOnly(const Error& e) {
  return e.domain == ErrorDomain::kSqlite && (e.code & 0xff) == SQLITE_READONLY;
}

Result<void> Store::SetBusyTimeout(int ms) { return impl_->db.SetBusyTimeout(ms); }

Result<void> Store::Flush(int64_t run_id, const FactsDelta& delta) {
  if (delta.empty()) return {};
  Impl& s = *impl_;
  auto tx = Transaction::Begin(s.db);
  if (!tx) return tx.error();
  for (const SyscallFact& f : delta.syscalls) {
    s.upsert_syscall.Reset();
    s.upsert_syscall.BindInt64(1, run_id)
        .BindInt64(2, f.arch)
        .BindInt64(3, f.nr)
        .BindInt64(4, static_cast<int64_t>(f.count))
        .BindInt64(5, f.first_seen_ns);
    if (auto r = s.upsert_syscall.Run(); !r) return NoSuchRunIfConstraint(r.error(), run_id);
  }
  for (const ExecutableFact& f : delta.executables) {
    s.upsert_executable.Reset();
    s.upsert_executable.BindInt64(1, run_id)
        .BindText(2, f.path)
        .BindInt64(3, static_cast<int64_t>(f.count))
        .BindInt64(4, f.first_seen_ns);
    if (auto r = s.upsert_executable.Run(); !r) return NoSuchRunIfConstraint(r.error(), run_id);
  }
  if (auto r = FlushArgs(s, run_id, delta.args); !r) return NoSuchRunIfConstraint(r.error(), run_id);
  if (auto r = FlushStacks(s, run_id, delta.stacks); !r) return NoSuchRunIfConstraint(r.error(), run_id);
  if (auto r = FlushAccess(s, run_id, delta); !r) return NoSuchRunIfConstraint(r.error(), run_id);
  if (delta.new_processes != 0) {
    s.add_processes.Reset();
    s.add_processes.BindInt64(1, run_id).BindInt64(2, static_cast<int64_t>(delta.new_processes));
    if (auto r = s.add_processes.Run(); !r) return r.error();
    if (s.db.Changes() == 0) return UsageError(fmt::format("no run {}", run_id));
  }
  return tx->Commit();
}

Result<void> Store::EndRun(int64_t run_id, int64_t end_ns, int exit_status) {
  Database& db = impl_->db;
  auto stmt = db.Prepare("UPDATE runs SET end_ns = ?2, exit_status = ?3 WHERE id = ?1");
  if (!stmt) return stmt.error();
  stmt->BindInt64(1, run_id).BindInt64(2, end_ns).BindInt64(3, exit_status);
  if (auto r = stmt->Run(); !r) return r.error();
  if (db.Changes() == 0) return UsageError(fmt::format("no run {}", run_id));
  return {};
}

Result<std::vector<std::string>> Store::Apps() {
  auto stmt = impl_->db.Prepare("SELECT name FROM apps ORDER BY name");
  if (!stmt) return stmt.error();
  std::vector<std::string> apps;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    apps.push_back(row.ColumnText(0));
  });
  if (!rows) return rows.error();
  return apps;
}

Result<bool> Store::HasApp(std::string_view app) {
  auto stmt = impl_->db.Prepare("SELECT 1 FROM apps WHERE name = ?1");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app);
  return stmt->Step();
}

Result<std::vector<RunSummary>> Store::Runs(std::string_view app) {
  Database& db = impl_->db;
  // One snapshot for both queries, while a learner may be adding runs.
  auto tx = Transaction::Begin(db, Transaction::Mode::kDeferred);
  if (!tx) return tx.error();
  auto runs = db.Prepare(R"sql(
SELECT r.id, r.backend, r.kernel, r.host, r.start_ns, r.end_ns, r.exit_status, r.processes,
       (SELECT count(*) FROM run_syscalls s WHERE s.run_id = r.id),
       (SELECT c.container_id FROM run_containers c WHERE c.run_id = r.id AND c.exec),
       r.source, r.on_violation,
       (SELECT c.container_id FROM run_containers c WHERE c.run_id = r.id), r.userns
FROM runs r JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND NOT (?3 AND r.id IN (SELECT run_id FROM run_containers WHERE exec))
ORDER BY r.id
)sql");
  if (!runs) return runs.error();
  runs->BindText(1, app).BindInt64(3, impl_->leave_out_execs);
  std::vector<RunSummary> result;
  std::map<int64_t, size_t> index_of;
  while (true) {
    auto row = runs->Step();
    if (!row) return row.error();
    if (!*row) break;
    RunSummary& run = result.emplace_back();
    run.run_id = runs->ColumnInt64(0);
    run.app = std::string(app);
    const std::string backend = runs->ColumnText(1);
    const auto kind = BackendFromName(backend);
    if (!kind) {
      return CorruptDatabase(
          db, fmt::format("backend '{}' of run {}", EscapeControl(backend), run.run_id));
    }
    run.backend = *kind;
    run.kernel = runs->ColumnText(2);
    run.host = runs->ColumnText(3);
    run.start_ns = runs->ColumnInt64(4);
    run.end_ns = runs->ColumnOptionalInt64(5);
    if (auto status = runs->ColumnOptionalInt64(6)) run.exit_status = static_cast<int>(*status);
    run.processes = static_cast<uint64_t>(runs->ColumnInt64(7));
    run.distinct_syscalls = static_cast<uint64_t>(runs->ColumnInt64(8));
    run.exec_into = runs->ColumnText(9);
    const std::string source = runs->ColumnText(10);
    const auto from = RunSourceFromName(source);
    if (!from) {
      return CorruptDatabase(
          db, fmt::format("source '{}' of run {}", EscapeControl(source), run.run_id));
    }
    run.source = *from;
    run.on_violation = runs->ColumnText(11);
    run.container = runs->ColumnText(12);
    run.userns = runs->ColumnText(13);
    index_of[run.run_id] = result.size() - 1;
  }

  auto args = db.Prepare(R"sql(
SELECT ra.run_id, ra.arg
FROM run_args ra JOIN runs r ON r.id = ra.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1
ORDER BY ra.run_id, ra.idx
)sql");
  if (!args) return args.error();
  args->BindText(1, app);
  while (true) {
    auto row = args->Step();
    if (!row) return row.error();
    if (!*row) break;
    if (auto it = index_of.find(args->ColumnInt64(0)); it != index_of.end()) {
      result[it->second].argv.push_back(args->ColumnText(1));
    }
  }
  if (auto r = tx->Commit(); !r) return r.error();
  return result;
}

Error CorruptDatabase(const sqlite::Database& db, std::string_view what) {
  return Error{ErrorDomain::kSqlite, SQLITE_CORRUPT,
               fmt::format("{}: database is corrupt ({})", db.path(), what)};
}

Result<void> InsertRunArgs(sqlite::Database& db, int64_t run_id,
                           const std::vector<std::string>& argv) {
  auto add = db.Prepare("INSERT INTO run_args (run_id, idx, arg) VALUES (?1, ?2, ?3)");
  if (!add) return add.error();
  for (size_t i = 0; i < argv.size(); ++i) {
    add->Reset();
    add->BindInt64(1, run_id).BindInt64(2, static_cast<int64_t>(i)).BindText(3, argv[i]);
    if (auto r = add->Run(); !r) return r.error();
  }
  return {};
}

Result<std::vector<SyscallFact>> QuerySyscallFacts(Store::Impl& s, std::string_view table,
                                                   std::string_view app,
                                                   std::optional<int64_t> run_id,
                                                   SyscallPhase phase) {
  auto stmt = s.db.Prepare(fmt::format(R"sql(
SELECT s.arch, s.nr, sum(s.count), min(s.first_seen_ns)
FROM {} s JOIN runs r ON r.id = s.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR s.run_id = ?2) AND NOT (?3 AND s.run_id IN (SELECT run_id FROM run_containers WHERE exec))
GROUP BY s.arch, s.nr
ORDER BY s.arch, s.nr
)sql",
                                     table));
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindOptionalInt64(2, run_id).BindInt64(3, s.leave_out_execs);
  std::vector<SyscallFact> facts;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    SyscallFact& f = facts.emplace_back();
    f.arch = static_cast<uint32_t>(row.ColumnInt64(0));
    f.nr = static_cast<int32_t>(row.ColumnInt64(1));
    f.count = static_cast<uint64_t>(row.ColumnInt64(2));
    f.first_seen_ns = row.ColumnInt64(3);
    f.phase = phase;
  });
  if (!rows) return rows.error();
  return facts;
}

Result<std::vector<SyscallFact>> Store::Syscalls(std::string_view app,
                                                 std::optional<int64_t> run_id) {
  return QuerySyscallFacts(*impl_, "run_syscalls", app, run_id, SyscallPhase::kWorkload);
}

Result<std::vector<ExecutableFact>> Store::Executables(std::string_view app,
                                                       std::optional<int64_t> run_id) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT e.path, sum(e.count), min(e.first_seen_ns)
FROM run_executables e JOIN runs r ON r.id = e.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR e.run_id = ?2) AND NOT (?3 AND e.run_id IN (SELECT run_id FROM run_containers WHERE exec))
GROUP BY e.path
ORDER BY e.path
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindOptionalInt64(2, run_id).BindInt64(3, impl_->leave_out_execs);
  std::vector<ExecutableFact> facts;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    ExecutableFact& f = facts.emplace_back();
    f.path = row.ColumnText(0);
    f.count = static_cast<uint64_t>(row.ColumnInt64(1));
    f.first_seen_ns = row.ColumnInt64(2);
  });
  if (!rows) return rows.error();
  return facts;
}

}  // namespace seclearn
