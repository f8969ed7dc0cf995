// Store methods for containers learned through the OCI agent and measured runtime base sets.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>

#include "seclearn/core/escape.h"
#include "seclearn/store/sqlite.h"
#include "seclearn/store/store.h"
#include "store_impl.h"

namespace seclearn {
namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

// The only constraint these writes can break is the foreign key to runs.
Error NoSuchRun(Error error, int64_t run_id) {
  if (error.code == SQLITE_CONSTRAINT) return UsageError(fmt::format("no run {}", run_id));
  return error;
}

}  // namespace

Result<void> Store::AddContainer(const ContainerRecord& c) {
  auto stmt = impl_->db.Prepare(R"sql(
INSERT INTO run_containers (run_id, container_id, runtime, bundle, pid, boundary_ns, exec)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
)sql");
  if (!stmt) return stmt.error();
  stmt->BindInt64(1, c.run_id)
      .BindText(2, c.container_id)
      .BindText(3, c.runtime ? RuntimeName(*c.runtime) : "")
      .BindText(4, c.bundle)
      .BindInt64(5, c.pid)
      .BindOptionalInt64(6, c.boundary_ns)
      .BindInt64(7, c.exec ? 1 : 0);
  if (auto r = stmt->Run(); !r) return NoSuchRun(r.error(), c.run_id);
  return {};
}

Result<void> Store::SetContainerBoundary(int64_t run_id, int64_t boundary_ns) {
  auto stmt = impl_->db.Prepare(
      "UPDATE run_containers SET boundary_ns = ?2 WHERE run_id = ?1 AND boundary_ns IS NULL");
  if (!stmt) return stmt.error();
  stmt->BindInt64(1, run_id).BindInt64(2, boundary_ns);
  return stmt->Run();
}

Result<void> Store::FlushRuntimeSyscalls(int64_t run_id, const std::vector<SyscallFact>& syscalls) {
  if (syscalls.empty()) return {};
  Database& db = impl_->db;
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  auto stmt = db.Prepare(R"sql(
INSERT INTO run_runtime_syscalls (run_id, arch, nr, count, first_seen_ns)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (run_id, arch, nr) DO UPDATE SET
  count = count + excluded.count,
  first_seen_ns = min(first_seen_ns, excluded.first_seen_ns)
)sql");
  if (!stmt) return stmt.error();
  for (const SyscallFact& f : syscalls) {
    if (f.phase != SyscallPhase::kRuntime) continue;
    stmt->Reset();
    stmt->BindInt64(1, run_id)
        .BindInt64(2, f.arch)
        .BindInt64(3, f.nr)
        .BindInt64(4, static_cast<int64_t>(f.count))
        .BindInt64(5, f.first_seen_ns);
    if (auto r = stmt->Run(); !r) return NoSuchRun(r.error(), run_id);
  }
  return tx->Commit();
}

Result<void> Store::EndContainerRun(int64_t run_id, int64_t end_ns,
                                    std::optional<int> exit_status) {
  Database& db = impl_->db;
  auto stmt = db.Prepare("UPDATE runs SET end_ns = ?2, exit_status = ?3 WHERE id = ?1");
  if (!stmt) return stmt.error();
  std::optional<int64_t> status;
  if (exit_status) status = *exit_status;
  stmt->BindInt64(1, run_id).BindInt64(2, end_ns).BindOptionalInt64(3, status);
  if (auto r = stmt->Run(); !r) return r.error();
  if (db.Changes() == 0) return UsageError(fmt::format("no run {}", run_id));
  return {};
}

Result<std::vector<SyscallFact>> Store::RuntimeSyscalls(std::string_view app,
                                                        std::optional<int64_t> run_id) {
  return QuerySyscallFacts(*impl_, "run_runtime_syscalls", app, run_id,
                           SyscallPhase::kRuntime);
}

Result<std::vector<ContainerRecord>> Store::Containers(std::string_view app) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT c.run_id, c.container_id, c.runtime, c.bundle, c.pid, c.boundary_ns, c.exec
FROM run_containers c JOIN runs r ON r.id = c.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1
ORDER BY c.run_id
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app);
  std::vector<ContainerRecord> out;
  std::optional<std::pair<int64_t, std::string>> bad;  // a runtime no seclearn wrote
  auto r = stmt->ForEachRow([&](Statement& s) {
    ContainerRecord& c = out.emplace_back();
    c.run_id = s.ColumnInt64(0);
    c.container_id = s.ColumnText(1);
    const std::string runtime = s.ColumnText(2);
    c.runtime = RuntimeFromName(runtime);
    if (!c.runtime && !runtime.empty() && !bad) bad.emplace(c.run_id, runtime);
    c.bundle = s.ColumnText(3);
    c.pid = s.ColumnInt64(4);
    c.boundary_ns = s.ColumnOptionalInt64(5);
    c.exec = s.ColumnInt64(6) != 0;
  });
  if (!r) return r.error();
  if (bad) {
    return CorruptDatabase(impl_->db, fmt::format("runtime '{}' of run {}",
                                                  EscapeControl(bad->second), bad->first));
  }
  return out;
}

Result<void> Store::SetRunArgv(int64_t run_id, const std::vector<std::string>& argv) {
  Database& db = impl_->db;
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  auto clear = db.Prepare("DELETE FROM run_args WHERE run_id = ?1");
  if (!clear) return clear.error();
  clear->BindInt64(1, run_id);
  if (auto r = clear->Run(); !r) return r.error();
  if (auto r = InsertRunArgs(db, run_id, argv); !r) return NoSuchRun(r.error(), run_id);
  return tx->Commit();
}

void Store::LeaveOutExecRuns(bool leave_out) { impl_->leave_out_execs = leave_out; }

Result<int64_t> Store::AddRuntimeBase(const RuntimeBaseRecord& base) {
  Database& db = impl_->db;
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();
  auto add = db.Prepare(R"sql(
INSERT INTO runtime_bases (runtime, version, no_new_privs, kernel, measured_ns, runs)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
)sql");
  if (!add) return add.error();
  add->BindText(1, RuntimeName(base.runtime))
      .BindText(2, base.version)
      .BindInt64(3, base.no_new_privs ? 1 : 0)
      .BindText(4, base.kernel)
      .BindInt64(5, base.measured_ns)
      .BindInt64(6, base.runs);
  if (auto r = add->Run(); !r) return r.error();
  const int64_t id = db.LastInsertRowid();
  auto add_nr = db.Prepare(R"sql(
INSERT INTO runtime_base_syscalls (base_id, arch, nr, runs) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (base_id, arch, nr) DO UPDATE SET runs = runs + excluded.runs
)sql");
  if (!add_nr) return add_nr.error();
  for (const SyscallFact& f : base.syscalls) {
    add_nr->Reset();
    add_nr->BindInt64(1, id).BindInt64(2, f.arch).BindInt64(3, f.nr).BindInt64(
        4, static_cast<int64_t>(f.count));
    if (auto r = add_nr->Run(); !r) return r.error();
  }
  if (auto r = tx->Commit(); !r) return r.error();
  return id;
}

Result<std::optional<RuntimeBaseRecord>> Store::LatestRuntimeBase(RuntimeKind runtime,
                                                                  bool no_new_privs) {
  Database& db = impl_->db;
  auto tx = Transaction::Begin(db, Transaction::Mode::kDeferred);
  if (!tx) return tx.error();
  auto head = db.Prepare(R"sql(
SELECT id, runtime, version, no_new_privs, kernel, measured_ns, runs FROM runtime_bases
WHERE runtime = ?1 AND no_new_privs = ?2
ORDER BY measured_ns DESC, id DESC LIMIT 1
)sql");
  if (!head) return head.error();
  head->BindText(1, RuntimeName(runtime)).BindInt64(2, no_new_privs ? 1 : 0);
  auto row = head->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<RuntimeBaseRecord>();
  RuntimeBaseRecord base;
  base.id = head->ColumnInt64(0);
  base.runtime = runtime;  // the row was selected by it
  base.version = head->ColumnText(2);
  base.no_new_privs = head->ColumnInt64(3) != 0;
  base.kernel = head->ColumnText(4);
  base.measured_ns = head->ColumnInt64(5);
  base.runs = head->ColumnInt64(6);
  auto names = db.Prepare(
      "SELECT arch, nr, runs FROM runtime_base_syscalls WHERE base_id = ?1 ORDER BY arch, nr");
  if (!names) return names.error();
  names->BindInt64(1, base.id);
  auto r = names->ForEachRow([&](Statement& s) {
    SyscallFact& f = base.syscalls.emplace_back();
    f.arch = static_cast<uint32_t>(s.ColumnInt64(0));
    f.nr = static_cast<int32_t>(s.ColumnInt64(1));
    f.count = static_cast<uint64_t>(s.ColumnInt64(2));
    f.first_seen_ns = base.measured_ns;
    f.phase = SyscallPhase::kRuntime;
  });
  if (!r) return r.error();
  if (auto c = tx->Commit(); !c) return c.error();
  return std::optional<RuntimeBaseRecord>(std::move(base));
}

}  // namespace seclearn

namespace seclearn {

Result<void> Store::SaveRunResources(const RunResources& r) {
  auto stmt = impl_->db.Prepare(R"sql(
INSERT OR REPLACE INTO run_resources
  (run_id, source, peak_memory_bytes, peak_tasks, max_fd, cpu_ns, wall_ns)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
)sql");
  if (!stmt) return stmt.error();
  stmt->BindInt64(1, r.run_id)
      .BindText(2, r.source)
      .BindInt64(3, static_cast<int64_t>(r.peak_memory_bytes))
      .BindInt64(4, static_cast<int64_t>(r.peak_tasks))
      .BindInt64(5, r.max_fd)
      .BindInt64(6, static_cast<int64_t>(r.cpu_ns))
      .BindInt64(7, static_cast<int64_t>(r.wall_ns));
  if (auto res = stmt->Run(); !res) return NoSuchRun(res.error(), r.run_id);
  return {};
}

Result<std::vector<RunResources>> Store::Resources(std::string_view app,
                                                   std::optional<int64_t> run_id) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT x.run_id, x.source, x.peak_memory_bytes, x.peak_tasks, x.max_fd, x.cpu_ns, x.wall_ns
FROM run_resources x JOIN runs r ON r.id = x.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR x.run_id = ?2)
ORDER BY x.run_id
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindOptionalInt64(2, run_id);
  std::vector<RunResources> out;
  auto r = stmt->ForEachRow([&](Statement& s) {
    RunResources& x = out.emplace_back();
    x.run_id = s.ColumnInt64(0);
    x.source = s.ColumnText(1);
    x.peak_memory_bytes = static_cast<uint64_t>(std::max<int64_t>(0, s.ColumnInt64(2)));
    x.peak_tasks = static_cast<uint64_t>(std::max<int64_t>(0, s.ColumnInt64(3)));
    x.max_fd = s.ColumnInt64(4);
    x.cpu_ns = static_cast<uint64_t>(std::max<int64_t>(0, s.ColumnInt64(5)));
    x.wall_ns = static_cast<uint64_t>(std::max<int64_t>(0, s.ColumnInt64(6)));
  });
  if (!r) return r.error();
  return out;
}

}  // namespace seclearn
