// Store methods for file accesses, network use and capabilities (schema_access.cc).
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <tuple>

#include "seclearn/core/capability.h"
#include "seclearn/core/escape.h"
#include "seclearn/store/store.h"
#include "store_impl.h"

namespace seclearn {
namespace {

// Workload bytes go in as BLOBs: CAST keeps every byte of the bound text (no UTF-8 check).
constexpr std::string_view kUpsertFileSql = R"sql(
INSERT INTO run_files (run_id, path, access, err, count, first_seen_ns, syscall)
VALUES (?1, CAST(?2 AS BLOB), ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (run_id, path, access, err) DO UPDATE SET
  count = count + excluded.count,
  syscall = iif(excluded.first_seen_ns < first_seen_ns, excluded.syscall, syscall),
  first_seen_ns = min(first_seen_ns, excluded.first_seen_ns)
)sql";

constexpr std::string_view kUpsertNetworkSql = R"sql(
INSERT INTO run_network (run_id, op, family, type, protocol, address, port, err, count,
                         first_seen_ns)
VALUES (?1, ?2, ?3, ?4, ?5, CAST(?6 AS BLOB), ?7, ?8, ?9, ?10)
ON CONFLICT (run_id, op, family, type, protocol, address, port, err) DO UPDATE SET
  count = count + excluded.count,
  first_seen_ns = min(first_seen_ns, excluded.first_seen_ns)
)sql";

constexpr std::string_view kUpsertCapabilitySql = R"sql(
INSERT INTO run_capabilities (run_id, capability, granted, syscall, evidence, count,
                              first_seen_ns)
VALUES (?1, ?2, ?3, ?4, CAST(?5 AS BLOB), ?6, ?7)
ON CONFLICT (run_id, capability, granted) DO UPDATE SET
  count = count + excluded.count,
  syscall = iif(excluded.first_seen_ns < first_seen_ns, excluded.syscall, syscall),
  evidence = iif(excluded.first_seen_ns < first_seen_ns, excluded.evidence, evidence),
  first_seen_ns = min(first_seen_ns, excluded.first_seen_ns)
)sql";

Result<void> PrepareOnce(sqlite::Database& db, sqlite::Statement& stmt, std::string_view sql) {
  if (stmt.valid()) return {};
  auto prepared = db.Prepare(sql);
  if (!prepared) return prepared.error();
  stmt = std::move(*prepared);
  return {};
}

template <typename Fact, typename Read>
Result<std::vector<Fact>> Query(Store::Impl& s, std::string_view sql, std::string_view app,
                                std::optional<int64_t> run_id, Read read) {
  auto stmt = s.db.Prepare(sql);
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindOptionalInt64(2, run_id).BindInt64(3, s.leave_out_execs);
  std::vector<Fact> facts;
  auto rows = stmt->ForEachRow([&](sqlite::Statement& row) { read(row, facts.emplace_back()); });
  if (!rows) return rows.error();
  return facts;
}

}  // namespace

Result<void> FlushAccess(Store::Impl& s, int64_t run_id, const FactsDelta& delta) {
  if (!delta.files.empty()) {
    if (auto r = PrepareOnce(s.db, s.upsert_file, kUpsertFileSql); !r) return r;
  }
  for (const FileFact& f : delta.files) {
    s.upsert_file.Reset();
    s.upsert_file.BindInt64(1, run_id)
        .BindText(2, f.path)
        .BindInt64(3, f.access)
        .BindInt64(4, f.err)
        .BindInt64(5, static_cast<int64_t>(f.count))
        .BindInt64(6, f.first_seen_ns)
        .BindText(7, f.syscall);
    if (auto r = s.upsert_file.Run(); !r) return r;
  }
  if (!delta.network.empty()) {
    if (auto r = PrepareOnce(s.db, s.upsert_network, kUpsertNetworkSql); !r) return r;
  }
  for (const NetworkFact& f : delta.network) {
    s.upsert_network.Reset();
    s.upsert_network.BindInt64(1, run_id)
        .BindText(2, NetOpName(f.op))
        .BindInt64(3, f.family)
        .BindInt64(4, f.type)
        .BindInt64(5, f.protocol)
        .BindText(6, f.address)
        .BindInt64(7, f.port)
        .BindInt64(8, f.err)
        .BindInt64(9, static_cast<int64_t>(f.count))
        .BindInt64(10, f.first_seen_ns);
    if (auto r = s.upsert_network.Run(); !r) return r;
  }
  if (!delta.capabilities.empty()) {
    if (auto r = PrepareOnce(s.db, s.upsert_capability, kUpsertCapabilitySql); !r) return r;
  }
  for (const CapabilityFact& f : delta.capabilities) {
    s.upsert_capability.Reset();
    s.upsert_capability.BindInt64(1, run_id)
        .BindText(2, CapabilityName(f.capability))
        .BindInt64(3, f.granted ? 1 : 0)
        .BindText(4, f.syscall)
        .BindText(5, f.evidence)
        .BindInt64(6, static_cast<int64_t>(f.count))
        .BindInt64(7, f.first_seen_ns);
    if (auto r = s.upsert_capability.Run(); !r) return r;
  }
  return {};
}

// The bare syscall/evidence columns come from the row holding min(first_seen_ns) (SQLite's
// rule for a query with a single min() aggregate): the earliest run's evidence.
Result<std::vector<FileFact>> Store::Files(std::string_view app, std::optional<int64_t> run_id) {
  auto facts = Query<FileFact>(*impl_, R"sql(
SELECT f.path, f.access, f.err, sum(f.count), min(f.first_seen_ns), f.syscall
FROM run_files f JOIN runs r ON r.id = f.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR f.run_id = ?2) AND NOT (?3 AND f.run_id IN (SELECT run_id FROM run_containers WHERE exec))
GROUP BY f.path, f.access, f.err
ORDER BY f.path, f.access, f.err
)sql",
                               app, run_id, [](const sqlite::Statement& st, FileFact& f) {
                                 f.path = st.ColumnText(0);
                                 f.access = static_cast<uint32_t>(st.ColumnInt64(1));
                                 f.err = static_cast<int32_t>(st.ColumnInt64(2));
                                 f.count = static_cast<uint64_t>(st.ColumnInt64(3));
                                 f.first_seen_ns = st.ColumnInt64(4);
                                 f.syscall = st.ColumnText(5);
                               });
  if (facts) {
    std::stable_sort(facts->begin(), facts->end(), [](const FileFact& a, const FileFact& b) {
      return std::tie(a.path, a.access, a.err) < std::tie(b.path, b.access, b.err);
    });
  }
  return facts;
}

Result<std::vector<NetworkFact>> Store::Network(std::string_view app,
                                                std::optional<int64_t> run_id) {
  std::string bad_op;  // a row no seclearn wrote: the database is not what it should be
  auto facts =
      Query<NetworkFact>(*impl_, R"sql(
SELECT n.op, n.family, n.type, n.protocol, n.address, n.port, n.err, sum(n.count),
       min(n.first_seen_ns)
FROM run_network n JOIN runs r ON r.id = n.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR n.run_id = ?2) AND NOT (?3 AND n.run_id IN (SELECT run_id FROM run_containers WHERE exec))
GROUP BY n.op, n.family, n.type, n.protocol, n.address, n.port, n.err
)sql",
                         app, run_id, [&bad_op](const sqlite::Statement& st, NetworkFact& f) {
                           const std::string op = st.ColumnText(0);
                           if (auto known = NetOpFromName(op))
                             f.op = *known;
                           else if (bad_op.empty())
                             bad_op = op.empty() ? "(empty)" : op;
                           f.family = static_cast<int32_t>(st.ColumnInt64(1));
                           f.type = static_cast<int32_t>(st.ColumnInt64(2));
                           f.protocol = static_cast<int32_t>(st.ColumnInt64(3));
                           f.address = st.ColumnText(4);
                           f.port = static_cast<int32_t>(st.ColumnInt64(5));
                           f.err = static_cast<int32_t>(st.ColumnInt64(6));
                           f.count = static_cast<uint64_t>(st.ColumnInt64(7));
                           f.first_seen_ns = st.ColumnInt64(8);
                         });
  if (facts && !bad_op.empty()) {
    return CorruptDatabase(
        impl_->db,
        fmt::format("network operation '{}' in run_network", EscapeControl(bad_op)));
  }
  if (facts) {
    // In the operations' names' order, as before they were a closed set.
    std::stable_sort(facts->begin(), facts->end(), [](const NetworkFact& a, const NetworkFact& b) {
      return std::tuple(NetOpName(a.op), a.family, a.type, a.protocol, std::string_view(a.address),
                        a.port, a.err) < std::tuple(NetOpName(b.op), b.family, b.type, b.protocol,
                                                    std::string_view(b.address), b.port, b.err);
    });
  }
  return facts;
}

Result<std::vector<CapabilityFact>> Store::Capabilities(std::string_view app,
                                                        std::optional<int64_t> run_id) {
  std::optional<std::string> bad;  // a name no seclearn wrote
  auto facts = Query<CapabilityFact>(*impl_, R"sql(
SELECT c.capability, c.granted, sum(c.count), min(c.first_seen_ns), c.syscall, c.evidence
FROM run_capabilities c JOIN runs r ON r.id = c.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR c.run_id = ?2) AND NOT (?3 AND c.run_id IN (SELECT run_id FROM run_containers WHERE exec))
GROUP BY c.capability, c.granted
ORDER BY c.capability, c.granted
)sql",
                               app, run_id, [&bad](const sqlite::Statement& st, CapabilityFact& f) {
                                 const std::string name = st.ColumnText(0);
                                 if (auto cap = CapabilityFromName(name))
                                   f.capability = *cap;
                                 else if (!bad)
                                   bad = name;
                                 f.granted = st.ColumnInt64(1) != 0;
                                 f.count = static_cast<uint64_t>(st.ColumnInt64(2));
                                 f.first_seen_ns = st.ColumnInt64(3);
                                 f.syscall = st.ColumnText(4);
                                 f.evidence = st.ColumnText(5);
                               });
  if (facts && bad) {
    return CorruptDatabase(
        impl_->db, fmt::format("capability '{}' in run_capabilities", EscapeControl(*bad)));
  }
  return facts;
}

}  // namespace seclearn
