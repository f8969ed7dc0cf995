// Store methods for exported profile versions (schema_versions.cc).
#include <fmt/format.h>

#include "seclearn/store/store.h"
#include "store_impl.h"

namespace seclearn {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

Result<std::vector<int64_t>> VersionRuns(sqlite::Database& db, int64_t version_id) {
  auto stmt =
      db.Prepare("SELECT run_id FROM profile_version_runs WHERE version_id = ?1 ORDER BY run_id");
  if (!stmt) return stmt.error();
  stmt->BindInt64(1, version_id);
  std::vector<int64_t> runs;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    runs.push_back(row.ColumnInt64(0));
  });
  if (!rows) return rows.error();
  return runs;
}

constexpr std::string_view kSelectVersion = R"sql(
SELECT v.id, v.version, v.format, v.sha256, v.created_ns, v.seclearn_version, v.options,
       CASE WHEN ?4 THEN v.content ELSE '' END
FROM profile_versions v JOIN apps a ON a.id = v.app_id
WHERE a.name = ?1 AND (coalesce(?2, '') = '' OR v.format = ?2) AND (?3 IS NULL OR v.version = ?3)
ORDER BY v.format, v.version
)sql";

Result<std::vector<ProfileVersion>> SelectVersions(sqlite::Database& db, std::string_view app,
                                                   std::string_view format,
                                                   std::optional<int64_t> version,
                                                   bool with_content) {
  auto stmt = db.Prepare(kSelectVersion);
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindText(2, format).BindOptionalInt64(3, version).BindInt64(
      4, with_content ? 1 : 0);
  std::vector<std::pair<int64_t, ProfileVersion>> rows;
  auto read = stmt->ForEachRow([&](Statement& row) {
    ProfileVersion v;
    v.app = std::string(app);
    v.version = row.ColumnInt64(1);
    v.format = row.ColumnText(2);
    v.sha256 = row.ColumnText(3);
    v.created_ns = row.ColumnInt64(4);
    v.seclearn_version = row.ColumnText(5);
    v.options = row.ColumnText(6);
    v.content = row.ColumnText(7);
    rows.emplace_back(row.ColumnInt64(0), std::move(v));
  });
  if (!read) return read.error();
  std::vector<ProfileVersion> out;
  for (auto& [id, v] : rows) {
    auto runs = VersionRuns(db, id);
    if (!runs) return runs.error();
    v.runs = std::move(*runs);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

Result<int64_t> Store::SaveProfileVersion(const ProfileVersion& v) {
  sqlite::Database& db = impl_->db;
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  auto existing = db.Prepare(R"sql(
SELECT v.version FROM profile_versions v JOIN apps a ON a.id = v.app_id
WHERE a.name = ?1 AND v.format = ?2 AND v.sha256 = ?3
)sql");
  if (!existing) return existing.error();
  existing->BindText(1, v.app).BindText(2, v.format).BindText(3, v.sha256);
  auto found = existing->Step();
  if (!found) return found.error();
  if (*found) return existing->ColumnInt64(0);

  auto insert = db.Prepare(R"sql(
INSERT INTO profile_versions
  (app_id, format, version, content, sha256, created_ns, seclearn_version, options)
SELECT a.id, ?2,
       1 + coalesce((SELECT max(version) FROM profile_versions
                     WHERE app_id = a.id AND format = ?2), 0),
       ?3, ?4, ?5, ?6, ?7
FROM apps a WHERE a.name = ?1
RETURNING id, version
)sql");
  if (!insert) return insert.error();
  insert->BindText(1, v.app)
      .BindText(2, v.format)
      .BindText(3, v.content)
      .BindText(4, v.sha256)
      .BindInt64(5, v.created_ns)
      .BindText(6, v.seclearn_version)
      .BindText(7, v.options);
  auto row = insert->Step();
  if (!row) return row.error();
  if (!*row) return UsageError(fmt::format("no app '{}'", v.app));
  const int64_t id = insert->ColumnInt64(0);
  const int64_t number = insert->ColumnInt64(1);
  // RETURNING yields its row before the statement finishes: step it to completion.
  while (true) {
    auto more = insert->Step();
    if (!more) return more.error();
    if (!*more) break;
  }
  auto add_run =
      db.Prepare("INSERT OR IGNORE INTO profile_version_runs (version_id, run_id) VALUES (?1, ?2)");
  if (!add_run) return add_run.error();
  for (int64_t run : v.runs) {
    add_run->Reset();
    add_run->BindInt64(1, id).BindInt64(2, run);
    if (auto r = add_run->Run(); !r) return r.error();
  }
  if (auto r = tx->Commit(); !r) return r.error();
  return number;
}

Result<std::vector<ProfileVersion>> Store::ProfileVersions(std::string_view app,
                                                           std::string_view format,
                                                           bool with_content) {
  return SelectVersions(impl_->db, app, format, std::nullopt, with_content);
}

Result<std::optional<ProfileVersion>> Store::GetProfileVersion(std::string_view app,
                                                               std::string_view format,
                                                               int64_t version) {
  auto found = SelectVersions(impl_->db, app, format, version, true);
  if (!found) return found.error();
  if (found->empty()) return std::optional<ProfileVersion>();
  return std::optional<ProfileVersion>(std::move(found->front()));
}

}  // namespace seclearn
