#include "seclearn/store/sqlite.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cctype>

namespace seclearn::sqlite {
namespace {

Error SqliteError(int rc, const std::string& path, const char* message) {
  return Error{ErrorDomain::kSqlite, rc, fmt::format("{}: {}", path, message)};
}

int OpenFlags(OpenMode mode) {
  switch (mode) {
    case OpenMode::kReadWriteCreate:
      return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    case OpenMode::kReadWrite:
      return SQLITE_OPEN_READWRITE;
    case OpenMode::kReadOnly:
      return SQLITE_OPEN_READONLY;
  }
  return SQLITE_OPEN_READONLY;
}

}  // namespace

// sqlite3_open_v2 of `target` (a path, or a file: URI for `path`) with the busy timeout set.
Result<Database> Database::OpenTarget(const std::string& target, const std::string& path,
                                      int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(target.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    // The handle exists (and holds the message) unless allocation itself failed.
    Error error = SqliteError(rc, path, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return error;
  }
  Database database(db, path);
  if (const int brc = sqlite3_busy_timeout(db, kBusyTimeoutMs); brc != SQLITE_OK) {
    return database.LastError(brc);
  }
  return database;
}

Result<Database> Database::Open(const std::string& path, OpenMode mode) {
  return OpenTarget(path, path, OpenFlags(mode));
}

Result<Database> Database::OpenReadOnly(const std::string& path, bool immutable) {
  // RFC 3986 unreserved characters and '/' pass; every other byte is %XX, so '?', '#' and '%'
  // in a file name stay part of it.
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      uri += fmt::format("%{:02X}", c);
    }
  }
  uri += immutable ? "?mode=ro&immutable=1" : "?mode=ro";
  return OpenTarget(uri, path, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
}

Result<Database> Database::CopyToMemory() const {
  sqlite3* mem = nullptr;
  if (const int rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, nullptr);
      rc != SQLITE_OK) {
    sqlite3_close_v2(mem);
    return SqliteError(rc, path_, sqlite3_errstr(rc));
  }
  Database copy(mem, path_);
  sqlite3_backup* backup = sqlite3_backup_init(mem, "main", db_, "main");
  if (backup == nullptr) return copy.LastError(sqlite3_errcode(mem));
  sqlite3_backup_step(backup, -1);
  if (const int rc = sqlite3_backup_finish(backup); rc != SQLITE_OK) return copy.LastError(rc);
  return copy;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

// close_v2, not close: should a Statement outlive us, the connection becomes a zombie that
// SQLite frees with the last statement instead of failing with SQLITE_BUSY and leaking.
Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Error Database::LastError(int rc) const { return SqliteError(rc, path_, sqlite3_errmsg(db_)); }

Result<void> Database::Exec(const std::string& sql) {
  if (const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    return LastError(rc);
  }
  return {};
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return LastError(rc);
  return Statement(stmt, path_);
}

Result<int64_t> Database::QueryInt64(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) {
    return Error{ErrorDomain::kSqlite, SQLITE_ERROR,
                 fmt::format("{}: no result from \"{}\"", path_, sql)};
  }
  return stmt->ColumnInt64(0);
}

int64_t Database::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::Changes() const { return sqlite3_changes64(db_); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

bool Database::ReadOnly() const { return sqlite3_db_readonly(db_, "main") == 1; }

Result<void> Database::SetBusyTimeout(int ms) {
  if (const int rc = sqlite3_busy_timeout(db_, ms); rc != SQLITE_OK) return LastError(rc);
  return {};
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    path_ = std::move(other.path_);
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Error Statement::StmtError(int rc) const {
  return SqliteError(rc, path_, sqlite3_errmsg(sqlite3_db_handle(stmt_)));
}

Statement& Statement::BindInt64(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::BindOptionalInt64(int index, std::optional<int64_t> value) {
  return value.has_value() ? BindInt64(index, *value) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return StmtError(bind_rc_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(stmt_);
    return false;
  }
  Error error = StmtError(rc);  // before reset, which may replace the message
  sqlite3_reset(stmt_);
  return error;
}

Result<void> Statement::Run() {
  auto row = Step();
  if (!row) return row.error();
  if (*row) {
    sqlite3_reset(stmt_);
    return Error{ErrorDomain::kSqlite, SQLITE_MISUSE,
                 fmt::format("{}: statement returned a row: {}", path_, sqlite3_sql(stmt_))};
  }
  return {};
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Statement::ColumnOptionalInt64(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt64(col);
}

std::string Statement::ColumnText(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  // Byte length, after column_text: arguments and paths need not be valid UTF-8.
  const int size = sqlite3_column_bytes(stmt_, col);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

Result<Transaction> Transaction::Begin(Database& db, Mode mode) {
  const char* sql = mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
  if (auto r = db.Exec(sql); !r) return r.error();
  return Transaction(&db);
}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    Rollback();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Result<void> Transaction::Commit() {
  if (db_ == nullptr) {
    return Error{ErrorDomain::kSqlite, SQLITE_MISUSE, "commit of a finished transaction"};
  }
  // On failure (SQLITE_BUSY, I/O error) the transaction may still be open: keep db_ so
  // that the destructor rolls it back.
  if (auto r = db_->Exec("COMMIT"); !r) return r.error();
  db_ = nullptr;
  return {};
}

void Transaction::Rollback() {
  // Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...) already rolled back: a second
  // ROLLBACK would only fail with "no transaction is active".
  if (db_ != nullptr && db_->InTransaction())
    sqlite3_exec(db_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
  db_ = nullptr;
}

}  // namespace seclearn::sqlite
