// Store::MergeFrom: fold another seclearn database into this one (several hosts learn, one
// exports).
//
// Runs are matched by uuid, so merging the same input twice adds nothing. Every table with a
// run_id column is copied with run ids mapped to the new runs; a table without one (other
// than apps, runs and profile versions) is content-addressed (e.g. stacks keyed by a hash) and
// copied with INSERT OR IGNORE. A table added by a later migration is merged by these rules
// without code here. Profile versions are not merged: they belong to the database that
// exported them.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "migrations.h"
#include "seclearn/store/store.h"
#include "store_impl.h"

namespace seclearn {
namespace {

using sqlite::Database;
using sqlite::OpenMode;
using sqlite::Transaction;

const std::set<std::string> kNotCopied = {"apps", "runs", "profile_versions",
                                          "profile_version_runs", "sqlite_sequence"};

// A private, migrated copy of the input: the input itself is never written (not even its
// WAL; a read-only file or mount will do), and a copy at an older schema is brought up to
// ours before its tables are read.
Result<std::string> SnapshotInput(const std::string& input) {
  auto db = OpenDatabaseReadOnly(input, /*as_input=*/true);
  if (!db) return db.error();
  char tmpl[] = "/tmp/seclearn-merge-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd < 0) return ErrnoError("mkstemp");
  ::close(fd);
  ::unlink(tmpl);  // VACUUM INTO wants to create the file itself
  const std::string copy = tmpl;
  if (auto r = db->Exec(fmt::format("VACUUM INTO '{}'", copy)); !r) return r.error();
  return copy;
}

Result<std::vector<std::string>> Columns(Database& db, const std::string& schema,
                                         const std::string& table) {
  auto stmt = db.Prepare(fmt::format("SELECT name FROM pragma_table_info(?1, ?2)"));
  if (!stmt) return stmt.error();
  stmt->BindText(1, table).BindText(2, schema);
  std::vector<std::string> cols;
  auto rows = stmt->ForEachRow([&](sqlite::Statement& row) {
    cols.push_back(row.ColumnText(0));
  });
  if (!rows) return rows.error();
  return cols;
}

std::string Quoted(const std::string& ident) { return "\"" + ident + "\""; }

}  // namespace

Result<MergeReport> Store::MergeFrom(const std::string& input) {
  auto copy_path = SnapshotInput(input);
  if (!copy_path) return copy_path.error();
  struct Cleanup {
    std::string path;
    ~Cleanup() { ::unlink(path.c_str()); }
  } cleanup{*copy_path};
  {
    // Brings the copy to our schema (and checks it is a seclearn database).
    auto migrated = Store::OpenExisting(*copy_path);
    if (!migrated) {
      Error e = migrated.error();
      e.context = fmt::format("{}: {}", input, e.context);
      return e;
    }
  }

  Database& db = impl_->db;
  if (auto r = db.Exec(fmt::format("ATTACH DATABASE '{}' AS src", *copy_path)); !r) return r.error();
  struct Detach {
    Database& db;
    ~Detach() { (void)db.Exec("DETACH DATABASE src"); }
  } detach{db};

  MergeReport report;
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  // Tables are copied in name order, not in the order of their references (a per-run table
  // may point into a content-addressed one): check foreign keys at commit.
  if (auto r = db.Exec("PRAGMA defer_foreign_keys = ON"); !r) return r.error();
  if (auto r = db.Exec("INSERT OR IGNORE INTO main.apps (name, created_ns) "
                       "SELECT name, created_ns FROM src.apps");
      !r)
    return r.error();
  if (auto r = db.Exec("CREATE TEMP TABLE IF NOT EXISTS merge_runs "
                       "(src_id INTEGER PRIMARY KEY, dst_id INTEGER NOT NULL); "
                       "DELETE FROM temp.merge_runs");
      !r)
    return r.error();

  // Runs: new ones get new ids here, known uuids are skipped.
  auto runs = db.Prepare("SELECT r.id, r.uuid, a.name FROM src.runs r JOIN src.apps a ON a.id = "
                         "r.app_id ORDER BY r.id");
  if (!runs) return runs.error();
  auto known = db.Prepare("SELECT 1 FROM main.runs WHERE uuid = ?1");
  if (!known) return known.error();
  auto run_cols = Columns(db, "src", "runs");
  if (!run_cols) return run_cols.error();
  std::string copy_cols, select_cols;
  for (const auto& c : *run_cols) {
    if (c == "id") continue;
    copy_cols += (copy_cols.empty() ? "" : ", ") + Quoted(c);
    select_cols += (select_cols.empty() ? "" : ", ") +
                   (c == "app_id" ? "(SELECT id FROM main.apps WHERE name = ?2)" : "r." + Quoted(c));
  }
  auto insert_run = db.Prepare(fmt::format("INSERT INTO main.runs ({}) SELECT {} FROM src.runs r "
                                           "WHERE r.id = ?1",
                                           copy_cols, select_cols));
  if (!insert_run) return insert_run.error();
  auto map_run = db.Prepare("INSERT INTO temp.merge_runs (src_id, dst_id) VALUES (?1, ?2)");
  if (!map_run) return map_run.error();
  while (true) {
    auto row = runs->Step();
    if (!row) return row.error();
    if (!*row) break;
    const int64_t src_id = runs->ColumnInt64(0);
    const std::string uuid = runs->ColumnText(1);
    const std::string app = runs->ColumnText(2);
    known->Reset();
    known->BindText(1, uuid);
    auto seen = known->Step();
    if (!seen) return seen.error();
    if (*seen) {
      ++report.runs_skipped;
      continue;
    }
    insert_run->Reset();
    insert_run->BindInt64(1, src_id).BindText(2, app);
    if (auto r = insert_run->Run(); !r) return r.error();
    map_run->Reset();
    map_run->BindInt64(1, src_id).BindInt64(2, db.LastInsertRowid());
    if (auto r = map_run->Run(); !r) return r.error();
    ++report.runs_added;
  }

  // Every other table, by the rules above.
  auto tables = db.Prepare("SELECT name FROM src.sqlite_schema WHERE type = 'table' ORDER BY name");
  if (!tables) return tables.error();
  std::vector<std::string> names;
  while (true) {
    auto row = tables->Step();
    if (!row) return row.error();
    if (!*row) break;
    names.push_back(tables->ColumnText(0));
  }
  for (const auto& table : names) {
    if (kNotCopied.count(table)) continue;
    auto cols = Columns(db, "src", table);
    if (!cols) return cols.error();
    bool per_run = false;
    std::string list, select;
    for (const auto& c : *cols) {
      list += (list.empty() ? "" : ", ") + Quoted(c);
      if (c == "run_id") {
        per_run = true;
        select += std::string(select.empty() ? "" : ", ") + "m.dst_id";
      } else {
        select += (select.empty() ? "" : ", ") + ("t." + Quoted(c));
      }
    }
    const std::string sql =
        per_run ? fmt::format("INSERT INTO main.{0} ({1}) SELECT {2} FROM src.{0} t "
                              "JOIN temp.merge_runs m ON m.src_id = t.run_id",
                              Quoted(table), list, select)
                : fmt::format("INSERT OR IGNORE INTO main.{0} ({1}) SELECT {2} FROM src.{0} t",
                              Quoted(table), list, select);
    if (auto r = db.Exec(sql); !r) return r.error();
  }
  if (auto r = tx->Commit(); !r) return r.error();
  return report;
}

}  // namespace seclearn
