// Thin RAII wrappers over the SQLite C API: Database (sqlite3_close_v2), Statement (finalized
// in the destructor), Transaction (rolled back in the destructor unless committed). Every
// failure is Error{ErrorDomain::kSqlite, rc, "<path>: <sqlite3_errmsg>"}. Store uses them;
// tests and tools may too, for SQL the Store API does not offer (PRAGMA integrity_check).
//
//   auto db = sqlite::Database::Open("seclearn.db", sqlite::OpenMode::kReadWrite);
//   if (!db) return db.error();
//   auto tx = sqlite::Transaction::Begin(*db);        // BEGIN IMMEDIATE
//   auto stmt = db->Prepare("INSERT INTO t(a, b) VALUES(?1, ?2)");
//   stmt->BindInt64(1, 42).BindText(2, "x");
//   if (auto r = stmt->Run(); !r) return r.error();  // tx rolls back on return
//   return tx->Commit();
//
// Not thread-safe: one Database and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "seclearn/core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace seclearn::sqlite {

inline constexpr int kBusyTimeoutMs = 5000;

enum class OpenMode {
  kReadWriteCreate,  // SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
  kReadWrite,        // SQLITE_OPEN_READWRITE: the file must exist
  kReadOnly,         // SQLITE_OPEN_READONLY
};

class Statement;

class Database {
 public:
  // Opens `path` (no URI parsing) and sets busy_timeout to kBusyTimeoutMs.
  static Result<Database> Open(const std::string& path, OpenMode mode);
  // Opens `path` read-only through a URI (`file:PATH?mode=ro`, the path percent-encoded);
  // with `immutable`, also `&immutable=1`: no locks, no PATH-wal or PATH-shm, for a file
  // nothing can change (on a read-only mount). Messages name `path`.
  static Result<Database> OpenReadOnly(const std::string& path, bool immutable);

  Database() = default;
  Database(Database&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // Error{kSqlite, rc, "<path>: <sqlite3_errmsg>"}.
  Error LastError(int rc) const;
  // Runs one or more statements that return no rows of interest.
  Result<void> Exec(const std::string& sql);
  Result<Statement> Prepare(std::string_view sql);
  // First column of the first row (e.g. "PRAGMA user_version"); an error if there is no row.
  Result<int64_t> QueryInt64(std::string_view sql);
  int64_t LastInsertRowid() const;
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  bool InTransaction() const;
  // The connection cannot write (SQLite fell back to read-only, or it was opened so).
  bool ReadOnly() const;
  // A private in-memory copy of the whole database (sqlite3_backup), whose messages still
  // name path().
  Result<Database> CopyToMemory() const;
  // How long a statement waits for another writer's lock before SQLITE_BUSY.
  Result<void> SetBusyTimeout(int ms);

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static Result<Database> OpenTarget(const std::string& target, const std::string& path,
                                     int flags);
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement. Bind* record the first failure and Step()/Run() report it, so binds
// chain. Indexes are 1-based for binds, 0-based for columns (as in SQLite).
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)),
        path_(std::move(other.path_)),
        bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // False for a default-constructed (not yet prepared) statement.
  bool valid() const { return stmt_ != nullptr; }

  Statement& BindInt64(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindNull(int index);
  Statement& BindOptionalInt64(int index, std::optional<int64_t> value);

  // true: a row is ready to read; false: done. Done or failed statements are reset (their
  // bindings kept), so a cached statement never holds a read snapshot open.
  Result<bool> Step();
  // Steps once and expects no row (INSERT, UPDATE, ...).
  Result<void> Run();
  // Steps through every row, calling fn(*this) for each:
  //   auto r = stmt->ForEachRow([&](Statement& s) { out.push_back(s.ColumnText(0)); });
  template <typename Fn>
  Result<void> ForEachRow(Fn&& fn) {
    while (true) {
      auto row = Step();
      if (!row) return row.error();
      if (!*row) return {};
      fn(*this);
    }
  }
  // Resets and clears the bindings; call before reusing a cached statement.
  void Reset();

  bool ColumnIsNull(int col) const;
  int64_t ColumnInt64(int col) const;
  std::optional<int64_t> ColumnOptionalInt64(int col) const;
  std::string ColumnText(int col) const;  // "" for NULL

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, std::string path) : stmt_(stmt), path_(std::move(path)) {}
  Error StmtError(int rc) const;

  sqlite3_stmt* stmt_ = nullptr;
  std::string path_;  // for messages; the Database may have moved since
  int bind_rc_ = 0;   // SQLITE_OK
};

// BEGIN IMMEDIATE (or DEFERRED for a read snapshot); ROLLBACK in the destructor unless
// Commit() succeeded. The Database must outlive it and stay where it is.
class Transaction {
 public:
  enum class Mode { kImmediate, kDeferred };
  static Result<Transaction> Begin(Database& db, Mode mode = Mode::kImmediate);

  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() { Rollback(); }

  Result<void> Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  void Rollback();
  Database* db_ = nullptr;  // null once committed or rolled back
};

}  // namespace seclearn::sqlite
