// Store::MergeFrom: fold another seclearn database into this one (several hosts learn, one
// exports).
//
// Runs are matched by uuid, so merging the same input twice adds nothing. Every table with a
// run_id column is copied with run ids mapped to the new runs; a table keyed by a surrogate
// `id` (stack frames, runtime base sets) is matched on its other columns, and references to
// it are mapped; any other table (but apps, runs and profile versions) is content-addressed
// (e.g. stacks keyed by a hash) and copied with INSERT OR IGNORE. A table added by a later
// migration is merged by these rules without code here. Profile versions are not merged:
// they belong to the database that exported them.
//
// A run can be copied while its learner is still writing it (no end yet). Facts only grow
// while a run is learned (counts add up, first sightings move earlier, rows are added), so a
// later copy of the same run holds all an earlier one did: a run unfinished here is brought
// up to date row by row, on its primary key, count the larger, first_seen_ns the earlier,
// any other column kept unless unset here. An older copy merged after a newer one changes
// nothing.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "migrations.h"
#include "seclearn/store/store.h"
#include "store_impl.h"

namespace seclearn {
namespace {

using sqlite::Database;
using sqlite::Transaction;

const std::set<std::string> kNotCopied = {"apps", "runs", "profile_versions",
                                          "profile_version_runs", "sqlite_sequence"};

// A directory of our own for the input's copy and its -wal/-shm/-journal, removed with
// everything in it whatever happens.
class ScratchDir {
 public:
  static Result<ScratchDir> Make() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "seclearn-merge-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return ErrnoError(fmt::format("cannot create a scratch directory like {}", tmpl));
    }
    return ScratchDir(std::move(tmpl));
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// A private, migrated copy of the input at `copy`: the input itself is never written (not
// even its WAL; a read-only file or mount will do), and a copy at an older schema is brought
// up to ours before its tables are read. Errors name the input, never the copy.
Result<void> SnapshotInput(const std::string& input, const std::string& copy) {
  {
    auto db = OpenDatabaseReadOnly(input, /*as_input=*/true);
    if (!db) return db.error();
    auto vacuum = db->Prepare("VACUUM INTO ?1");
    if (!vacuum) return vacuum.error();
    vacuum->BindText(1, copy);
    if (auto r = vacuum->Run(); !r) {
      Error e = r.error();
      e.context = ReplaceAll(e.context, copy, "a scratch copy");
      if (e.context.rfind(input, 0) != 0) e.context = fmt::format("{}: {}", input, e.context);
      return Error{e.domain, e.code, e.context + " (copying it to merge it)"};
    }
  }
  // Brings the copy to our schema (and checks it is a seclearn database).
  auto migrated = Store::OpenExisting(copy);
  if (!migrated) {
    Error e = migrated.error();
    e.context = ReplaceAll(e.context, copy, input);
    if (e.context.rfind(input, 0) != 0) e.context = fmt::format("{}: {}", input, e.context);
    return e;
  }
  return {};
}

struct Column {
  std::string name;
  bool key = false;  // part of the primary key
};

Result<std::vector<Column>> Columns(Database& db, const std::string& schema,
                                    const std::string& table) {
  auto stmt = db.Prepare("SELECT name, pk FROM pragma_table_info(?1, ?2) ORDER BY cid");
  if (!stmt) return stmt.error();
  stmt->BindText(1, table).BindText(2, schema);
  std::vector<Column> cols;
  auto rows = stmt->ForEachRow([&](sqlite::Statement& row) {
    cols.push_back({row.ColumnText(0), row.ColumnInt64(1) > 0});
  });
  if (!rows) return rows.error();
  return cols;
}

// How a per-run table brings an unfinished run's row up to date from a later copy of it.
struct Upsert {
  std::string conflict;  // "(run_id, arch, nr)", empty without a primary key
  std::string set;       // "count = max(count, excluded.count), ..."
  std::string changed;   // when the row gains anything
};

Upsert UpsertFor(const std::vector<Column>& cols) {
  Upsert u;
  std::string keys;
  for (const Column& c : cols) {
    const std::string q = Quoted(c.name);
    if (c.key) {
      keys += (keys.empty() ? "" : ", ") + q;
      continue;
    }
    std::string value, gains;
    if (c.name == "count" || c.name == "processes") {
      value = fmt::format("max({0}, excluded.{0})", q);
      gains = fmt::format("excluded.{0} > {0}", q);
    } else if (c.name == "first_seen_ns") {
      value = fmt::format("min({0}, excluded.{0})", q);
      gains = fmt::format("excluded.{0} < {0}", q);
    } else {
      value = fmt::format("coalesce({0}, excluded.{0})", q);
      gains = fmt::format("({0} IS NULL AND excluded.{0} IS NOT NULL)", q);
    }
    u.set += (u.set.empty() ? "" : ", ") + q + " = " + value;
    u.changed += (u.changed.empty() ? "" : " OR ") + gains;
  }
  if (!keys.empty()) u.conflict = "(" + keys + ")";
  return u;
}

// A run known here by its uuid and unfinished here: brought up to date from the input.
struct RunUpdate {
  int64_t src_id = 0;
  int64_t dst_id = 0;
  bool unfinished_there = false;
};

// How a per-run table is copied: its columns, and the select that maps run and surrogate ids
// ("m.dst_id" for the run).
struct PerRunTable {
  std::string table, list, select;
  Upsert upsert;
};

// One merge, inside the caller's transaction, with the input attached as `src`.
class Merger {
 public:
  explicit Merger(Database& db) : db_(db) {}

  Result<MergeReport> Run() {
    // Tables are copied in name order, not in the order of their references (a per-run
    // table may point into a content-addressed one): check foreign keys at commit.
    if (auto r = db_.Exec("PRAGMA defer_foreign_keys = ON"); !r) return r.error();
    if (auto r = db_.Exec("INSERT OR IGNORE INTO main.apps (name, created_ns) "
                          "SELECT name, created_ns FROM src.apps");
        !r)
      return r.error();
    if (auto r = db_.Exec("CREATE TEMP TABLE IF NOT EXISTS merge_runs "
                          "(src_id INTEGER PRIMARY KEY, dst_id INTEGER NOT NULL); "
                          "DELETE FROM temp.merge_runs");
        !r)
      return r.error();
    if (auto r = CopyRuns(); !r) return r.error();
    if (auto r = ReadTables(); !r) return r.error();
    if (auto r = MapSurrogateIds(); !r) return r.error();
    if (auto r = CopyTables(); !r) return r.error();
    if (auto r = UpdateUnfinishedRuns(); !r) return r.error();
    return report_;
  }

 private:
  // Runs: new ones get new ids here; known uuids are skipped, unless unfinished here.
  Result<void> CopyRuns() {
    auto runs = db_.Prepare(
        "SELECT r.id, r.uuid, a.name, r.end_ns IS NULL FROM src.runs r JOIN src.apps a ON a.id "
        "= r.app_id ORDER BY r.id");
    if (!runs) return runs.error();
    auto known = db_.Prepare("SELECT id, end_ns IS NULL FROM main.runs WHERE uuid = ?1");
    if (!known) return known.error();
    auto run_cols = Columns(db_, "src", "runs");
    if (!run_cols) return run_cols.error();
    std::string copy_cols, select_cols;
    for (const auto& c : *run_cols) {
      if (c.name == "id") continue;
      copy_cols += (copy_cols.empty() ? "" : ", ") + Quoted(c.name);
      select_cols += (select_cols.empty() ? "" : ", ") +
                     (c.name == "app_id" ? "(SELECT id FROM main.apps WHERE name = ?2)"
                                         : "r." + Quoted(c.name));
    }
    auto insert_run = db_.Prepare(fmt::format(
        "INSERT INTO main.runs ({}) SELECT {} FROM src.runs r WHERE r.id = ?1", copy_cols,
        select_cols));
    if (!insert_run) return insert_run.error();
    auto map_run = db_.Prepare("INSERT INTO temp.merge_runs (src_id, dst_id) VALUES (?1, ?2)");
    if (!map_run) return map_run.error();
    while (true) {
      auto row = runs->Step();
      if (!row) return row.error();
      if (!*row) break;
      const int64_t src_id = runs->ColumnInt64(0);
      const std::string uuid = runs->ColumnText(1);
      const std::string app = runs->ColumnText(2);
      const bool unfinished = runs->ColumnInt64(3) != 0;
      known->Reset();
      known->BindText(1, uuid);
      auto seen = known->Step();
      if (!seen) return seen.error();
      if (*seen) {
        const int64_t dst_id = known->ColumnInt64(0);
        const bool unfinished_here = known->ColumnInt64(1) != 0;
        known->Reset();
        if (unfinished_here)
          updates_.push_back({src_id, dst_id, unfinished});
        else
          ++report_.runs_skipped;
        continue;
      }
      insert_run->Reset();
      insert_run->BindInt64(1, src_id).BindText(2, app);
      if (auto r = insert_run->Run(); !r) return r.error();
      map_run->Reset();
      map_run->BindInt64(1, src_id).BindInt64(2, db_.LastInsertRowid());
      if (auto r = map_run->Run(); !r) return r.error();
      ++report_.runs_added;
      if (unfinished) ++report_.runs_unfinished;
    }
    return {};
  }

  // Every other table of the input, with its columns.
  Result<void> ReadTables() {
    auto tables =
        db_.Prepare("SELECT name FROM src.sqlite_schema WHERE type = 'table' ORDER BY name");
    if (!tables) return tables.error();
    std::vector<std::string> names;
    auto listed = tables->ForEachRow([&](sqlite::Statement& row) {
      names.push_back(row.ColumnText(0));
    });
    if (!listed) return listed.error();
    for (const auto& table : names) {
      if (kNotCopied.count(table)) continue;
      auto cols = Columns(db_, "src", table);
      if (!cols) return cols.error();
      columns_[table] = std::move(*cols);
    }
    return {};
  }

  // A table keyed by a surrogate `id` (stack_frames, runtime_bases) numbers its rows in each
  // database on its own: a row is matched here on its other columns, or added with a new id,
  // and every column that refers to the id (a foreign key) is mapped to ours.
  Result<void> MapSurrogateIds() {
    for (const auto& [table, cols] : columns_) {
      const bool surrogate = std::any_of(cols.begin(), cols.end(), [](const Column& c) {
        return c.name == "id" && c.key;
      }) && std::none_of(cols.begin(), cols.end(), [](const Column& c) {
        return c.name == "run_id" || (c.key && c.name != "id");
      });
      if (!surrogate) continue;
      const std::string map = Quoted("merge_ids_" + table);
      std::string other, match;
      for (const Column& c : cols) {
        if (c.name == "id") continue;
        other += (other.empty() ? "" : ", ") + Quoted(c.name);
        match += fmt::format("{}d.{} IS s.{}", match.empty() ? "" : " AND ", Quoted(c.name),
                             Quoted(c.name));
      }
      if (match.empty()) match = "1";
      const std::string sql = fmt::format(
          "CREATE TEMP TABLE IF NOT EXISTS {0} (src_id INTEGER PRIMARY KEY, dst_id INTEGER); "
          "DELETE FROM temp.{0}; "
          "INSERT OR IGNORE INTO main.{1} ({2}) SELECT {2} FROM src.{1} s "
          "WHERE NOT EXISTS (SELECT 1 FROM main.{1} d WHERE {3}); "
          "INSERT INTO temp.{0} (src_id, dst_id) SELECT s.id, "
          "(SELECT d.id FROM main.{1} d WHERE {3} ORDER BY d.id LIMIT 1) FROM src.{1} s",
          map, Quoted(table), other, match);
      if (auto r = db_.Exec(sql); !r) return r.error();
      for (const auto& entry : columns_) {
        const std::string& from = entry.first;
        auto fks = db_.Prepare("SELECT \"from\", coalesce(\"to\", 'id') FROM "
                               "pragma_foreign_key_list(?1, 'src') WHERE \"table\" = ?2");
        if (!fks) return fks.error();
        fks->BindText(1, from).BindText(2, table);
        auto read_fks = fks->ForEachRow([&](sqlite::Statement& row) {
          if (row.ColumnText(1) == "id") id_maps_[{from, row.ColumnText(0)}] = map;
        });
        if (!read_fks) return read_fks.error();
      }
      id_maps_[{table, ""}] = map;  // copied above
    }
    return {};
  }

  // The per-run tables for the new runs, and the content-addressed ones, with ids mapped.
  Result<void> CopyTables() {
    for (const auto& [table, cols] : columns_) {
      if (id_maps_.count({table, ""})) continue;
      bool per_run = false;
      std::string list, select;
      for (const auto& c : cols) {
        list += (list.empty() ? "" : ", ") + Quoted(c.name);
        if (c.name == "run_id") {
          per_run = true;
          select += std::string(select.empty() ? "" : ", ") + "m.dst_id";
        } else if (auto it = id_maps_.find({table, c.name}); it != id_maps_.end()) {
          select += fmt::format("{}(SELECT dst_id FROM temp.{} WHERE src_id = t.{})",
                                select.empty() ? "" : ", ", it->second, Quoted(c.name));
        } else {
          select += (select.empty() ? "" : ", ") + ("t." + Quoted(c.name));
        }
      }
      const std::string sql =
          per_run ? fmt::format("INSERT INTO main.{0} ({1}) SELECT {2} FROM src.{0} t "
                                "JOIN temp.merge_runs m ON m.src_id = t.run_id",
                                Quoted(table), list, select)
                  : fmt::format("INSERT OR IGNORE INTO main.{0} ({1}) SELECT {2} FROM src.{0} t",
                                Quoted(table), list, select);
      if (auto r = db_.Exec(sql); !r) return r.error();
      if (per_run) per_run_tables_.push_back({table, list, select, UpsertFor(cols)});
    }
    return {};
  }

  // Runs unfinished here: each row of the later copy added or brought up to date.
  Result<void> UpdateUnfinishedRuns() {
    // The end and exit status come together; the process count only grows.
    auto complete_run = db_.Prepare(R"sql(
UPDATE main.runs SET
  processes = max(processes, (SELECT processes FROM src.runs WHERE id = ?1)),
  exit_status = CASE WHEN end_ns IS NULL THEN (SELECT exit_status FROM src.runs WHERE id = ?1)
                     ELSE exit_status END,
  end_ns = coalesce(end_ns, (SELECT end_ns FROM src.runs WHERE id = ?1))
WHERE id = ?2 AND ((SELECT processes FROM src.runs WHERE id = ?1) > processes OR
                   (end_ns IS NULL AND (SELECT end_ns FROM src.runs WHERE id = ?1) IS NOT NULL))
)sql");
    if (!complete_run) return complete_run.error();
    for (const RunUpdate& u : updates_) {
      int64_t changed = 0;
      complete_run->Reset();
      complete_run->BindInt64(1, u.src_id).BindInt64(2, u.dst_id);
      if (auto r = complete_run->Run(); !r) return r.error();
      changed += db_.Changes();
      for (const PerRunTable& t : per_run_tables_) {
        if (auto r = db_.Exec(UpdateSql(t, u)); !r) return r.error();
        changed += db_.Changes();
      }
      if (changed > 0) {
        ++report_.runs_updated;
        if (u.unfinished_there) ++report_.runs_unfinished;
      } else {
        ++report_.runs_skipped;
      }
    }
    return {};
  }

  static std::string UpdateSql(const PerRunTable& t, const RunUpdate& u) {
    const std::string select = ReplaceAll(t.select, "m.dst_id", std::to_string(u.dst_id));
    if (t.upsert.conflict.empty()) {
      // No key to match rows on: the later copy replaces the run's rows.
      return fmt::format(
          "DELETE FROM main.{0} WHERE run_id = {3}; "
          "INSERT INTO main.{0} ({1}) SELECT {2} FROM src.{0} t WHERE t.run_id = {4}",
          Quoted(t.table), t.list, select, u.dst_id, u.src_id);
    }
    if (t.upsert.set.empty()) {
      return fmt::format(
          "INSERT INTO main.{0} ({1}) SELECT {2} FROM src.{0} t WHERE t.run_id = {3} "
          "ON CONFLICT {4} DO NOTHING",
          Quoted(t.table), t.list, select, u.src_id, t.upsert.conflict);
    }
    return fmt::format(
        "INSERT INTO main.{0} ({1}) SELECT {2} FROM src.{0} t WHERE t.run_id = {3} "
        "ON CONFLICT {4} DO UPDATE SET {5} WHERE {6}",
        Quoted(t.table), t.list, select, u.src_id, t.upsert.conflict, t.upsert.set,
        t.upsert.changed);
  }

  Database& db_;
  MergeReport report_;
  std::vector<RunUpdate> updates_;
  std::map<std::string, std::vector<Column>> columns_;
  std::map<std::pair<std::string, std::string>, std::string> id_maps_;  // (table, column) ->
  std::vector<PerRunTable> per_run_tables_;
};

}  // namespace

std::string Quoted(std::string_view ident) {
  return "\"" + ReplaceAll(std::string(ident), "\"", "\"\"") + "\"";
}

Result<MergeReport> Store::MergeFrom(const std::string& input) {
  auto scratch = ScratchDir::Make();
  if (!scratch) return scratch.error();
  const std::string copy = scratch->path() + "/input.db";
  if (auto r = SnapshotInput(input, copy); !r) return r.error();

  Database& db = impl_->db;
  {
    auto attach = db.Prepare("ATTACH DATABASE ?1 AS src");
    if (!attach) return attach.error();
    attach->BindText(1, copy);
    if (auto r = attach->Run(); !r) return r.error();
  }
  struct Detach {
    Database& db;
    ~Detach() { (void)db.Exec("DETACH DATABASE src"); }
  } detach{db};

  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  auto report = Merger(db).Run();
  if (!report) return report.error();
  if (auto r = tx->Commit(); !r) return r.error();
  return report;
}

}  // namespace seclearn
