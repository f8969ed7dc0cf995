// Store methods for learned argument values (schema_args.cc).
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "seclearn/store/store.h"
#include "store_impl.h"

namespace seclearn {

Result<void> FlushArgs(Store::Impl& s, int64_t run_id, const std::vector<ArgFact>& args) {
  if (args.empty()) return {};
  if (!s.upsert_arg.valid()) {
    auto stmt = s.db.Prepare(R"sql(
INSERT INTO run_syscall_args (run_id, arch, nr, arg_index, value, count, first_seen_ns)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (run_id, arch, nr, arg_index, value) DO UPDATE SET
  count = count + excluded.count,
  first_seen_ns = min(first_seen_ns, excluded.first_seen_ns)
)sql");
    if (!stmt) return stmt.error();
    s.upsert_arg = std::move(*stmt);
  }
  for (const ArgFact& f : args) {
    s.upsert_arg.Reset();
    s.upsert_arg.BindInt64(1, run_id)
        .BindInt64(2, f.arch)
        .BindInt64(3, f.nr)
        .BindInt64(4, f.index)
        .BindInt64(5, static_cast<int64_t>(f.value))
        .BindInt64(6, static_cast<int64_t>(f.count))
        .BindInt64(7, f.first_seen_ns);
    if (auto r = s.upsert_arg.Run(); !r) return r.error();
  }
  return {};
}

Result<std::vector<ArgFact>> Store::SyscallArgs(std::string_view app,
                                                std::optional<int64_t> run_id) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT g.arch, g.nr, g.arg_index, g.value, sum(g.count), min(g.first_seen_ns)
FROM run_syscall_args g JOIN runs r ON r.id = g.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR g.run_id = ?2) AND NOT (?3 AND g.run_id IN (SELECT run_id FROM run_containers WHERE exec))
GROUP BY g.arch, g.nr, g.arg_index, g.value
ORDER BY g.arch, g.nr, g.arg_index, g.value
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindOptionalInt64(2, run_id).BindInt64(3, impl_->leave_out_execs);
  std::vector<ArgFact> facts;
  auto rows = stmt->ForEachRow([&](sqlite::Statement& row) {
    ArgFact& f = facts.emplace_back();
    f.arch = static_cast<uint32_t>(row.ColumnInt64(0));
    f.nr = static_cast<int32_t>(row.ColumnInt64(1));
    f.index = static_cast<uint32_t>(row.ColumnInt64(2));
    f.value = static_cast<uint64_t>(row.ColumnInt64(3));
    f.count = static_cast<uint64_t>(row.ColumnInt64(4));
    f.first_seen_ns = row.ColumnInt64(5);
  });
  if (!rows) return rows.error();
  // The SQL ordering is by the signed value; callers want the unsigned order.
  std::stable_sort(facts.begin(), facts.end(), [](const ArgFact& a, const ArgFact& b) {
    return std::tie(a.arch, a.nr, a.index, a.value) < std::tie(b.arch, b.nr, b.index, b.value);
  });
  return facts;
}

}  // namespace seclearn
