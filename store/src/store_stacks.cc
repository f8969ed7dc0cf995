// Store methods for call stacks (schema_stacks.cc).
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <unordered_map>

#include "seclearn/store/store.h"
#include "store_impl.h"

namespace seclearn {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

// FNV-1a, 64 bits, over length-prefixed fields: the same frames give the same key in every run
// and on every host (std::hash promises neither).
class Fnv1a {
 public:
  void Bytes(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 0x100000001b3ULL;
  }
  void U64(uint64_t v) { Bytes(&v, sizeof v); }
  void Str(std::string_view s) {
    U64(s.size());
    Bytes(s.data(), s.size());
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

int64_t StackHash(const StackFact& st) {
  Fnv1a h;
  h.U64(st.frames.size());
  h.U64(st.truncated ? 1 : 0);
  for (const StackFrame& f : st.frames) {
    h.Str(f.module);
    h.Str(f.build_id);
    h.U64(f.offset);
    h.Str(f.function);
    h.Str(f.file);
    h.U64(static_cast<uint32_t>(f.line));
  }
  return static_cast<int64_t>(h.value());
}

Result<void> Prepare(Store::Impl& s, Statement& stmt, std::string_view sql) {
  if (stmt.valid()) return {};
  auto p = s.db.Prepare(sql);
  if (!p) return p.error();
  stmt = std::move(*p);
  return {};
}

Result<void> PrepareAll(Store::Impl& s) {
  if (auto r = Prepare(s, s.insert_stack, R"sql(
INSERT INTO stacks (hash, depth, truncated) VALUES (?1, ?2, ?3) ON CONFLICT (hash) DO NOTHING
)sql");
      !r)
    return r;
  if (auto r = Prepare(s, s.upsert_stack_frame, R"sql(
INSERT INTO stack_frames (module, build_id, offset, function, file, line)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (module, build_id, offset, function, file, line) DO UPDATE SET line = excluded.line
RETURNING id
)sql");
      !r)
    return r;
  if (auto r = Prepare(s, s.insert_stack_entry, R"sql(
INSERT INTO stack_entries (stack_hash, idx, frame_id) VALUES (?1, ?2, ?3)
)sql");
      !r)
    return r;
  // The first occurrence wins: a delta sent again after a failed flush changes nothing.
  if (auto r = Prepare(s, s.insert_syscall_stack, R"sql(
INSERT INTO run_syscall_stacks (run_id, executable, arch, nr, stack_hash, pid, tid, time_ns)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (run_id, executable, arch, nr) DO UPDATE SET
  stack_hash = excluded.stack_hash, pid = excluded.pid, tid = excluded.tid,
  time_ns = excluded.time_ns
WHERE excluded.time_ns < run_syscall_stacks.time_ns
)sql");
      !r)
    return r;
  return Prepare(s, s.insert_path_stack, R"sql(
INSERT INTO run_path_stacks
  (run_id, executable, path, access, arch, nr, stack_hash, pid, tid, time_ns)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT (run_id, executable, path, access) DO UPDATE SET
  arch = excluded.arch, nr = excluded.nr, stack_hash = excluded.stack_hash,
  pid = excluded.pid, tid = excluded.tid, time_ns = excluded.time_ns
WHERE excluded.time_ns < run_path_stacks.time_ns
)sql");
}

// Frame ids already looked up in this flush: stacks share most of their frames, and each
// lookup is an upsert.
using FrameIds = std::unordered_map<std::string, int64_t>;

std::string FrameKey(const StackFrame& f) {
  std::string key;
  for (const std::string* part : {&f.module, &f.build_id, &f.function, &f.file}) {
    key += *part;
    key += '\0';
  }
  return key + fmt::format("{}:{}", f.offset, f.line);
}

// Stores the stack's frames unless a stack with the same hash is already there.
Result<int64_t> PutStack(Store::Impl& s, const StackFact& st, FrameIds& ids) {
  const int64_t hash = StackHash(st);
  s.insert_stack.Reset();
  s.insert_stack.BindInt64(1, hash)
      .BindInt64(2, static_cast<int64_t>(st.frames.size()))
      .BindInt64(3, st.truncated ? 1 : 0);
  if (auto r = s.insert_stack.Run(); !r) return r.error();
  if (s.db.Changes() == 0) return hash;
  for (size_t i = 0; i < st.frames.size(); ++i) {
    const StackFrame& f = st.frames[i];
    auto [known, inserted] = ids.try_emplace(FrameKey(f), 0);
    if (!inserted) {
      s.insert_stack_entry.Reset();
      s.insert_stack_entry.BindInt64(1, hash)
          .BindInt64(2, static_cast<int64_t>(i))
          .BindInt64(3, known->second);
      if (auto r = s.insert_stack_entry.Run(); !r) return r.error();
      continue;
    }
    s.upsert_stack_frame.Reset();
    s.upsert_stack_frame.BindText(1, f.module)
        .BindText(2, f.build_id)
        .BindInt64(3, static_cast<int64_t>(f.offset))
        .BindText(4, f.function)
        .BindText(5, f.file)
        .BindInt64(6, f.line);
    auto row = s.upsert_stack_frame.Step();
    if (!row) return row.error();
    if (!*row) return Error{ErrorDomain::kSqlite, 1, "stack_frames: upsert returned no id"};
    const int64_t frame_id = s.upsert_stack_frame.ColumnInt64(0);
    known->second = frame_id;
    s.upsert_stack_frame.Reset();
    s.insert_stack_entry.Reset();
    s.insert_stack_entry.BindInt64(1, hash)
        .BindInt64(2, static_cast<int64_t>(i))
        .BindInt64(3, frame_id);
    if (auto r = s.insert_stack_entry.Run(); !r) return r.error();
  }
  return hash;
}

Result<std::vector<StackFrame>> ReadFrames(Store::Impl& s, int64_t hash) {
  auto stmt = s.db.Prepare(R"sql(
SELECT f.module, f.build_id, f.offset, f.function, f.file, f.line
FROM stack_entries e JOIN stack_frames f ON f.id = e.frame_id
WHERE e.stack_hash = ?1
ORDER BY e.idx
)sql");
  if (!stmt) return stmt.error();
  stmt->BindInt64(1, hash);
  std::vector<StackFrame> frames;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    StackFrame& f = frames.emplace_back();
    f.module = row.ColumnText(0);
    f.build_id = row.ColumnText(1);
    f.offset = static_cast<uint64_t>(row.ColumnInt64(2));
    f.function = row.ColumnText(3);
    f.file = row.ColumnText(4);
    f.line = static_cast<int32_t>(row.ColumnInt64(5));
  });
  if (!rows) return rows.error();
  return frames;
}

// Columns 0-9: run_id, executable, arch, nr, pid, tid, time_ns, stack_hash, truncated, and
// for paths path and access (10, 11).
Result<std::vector<StackFact>> ReadStacks(Store::Impl& s, Statement& stmt, StackKind kind) {
  std::vector<StackFact> out;
  std::vector<int64_t> hashes;
  while (true) {
    auto row = stmt.Step();
    if (!row) return row.error();
    if (!*row) break;
    StackFact& st = out.emplace_back();
    st.kind = kind;
    st.run_id = stmt.ColumnInt64(0);
    st.executable = stmt.ColumnText(1);
    st.arch = static_cast<uint32_t>(stmt.ColumnInt64(2));
    st.nr = static_cast<int32_t>(stmt.ColumnInt64(3));
    st.pid = static_cast<pid_t>(stmt.ColumnInt64(4));
    st.tid = static_cast<pid_t>(stmt.ColumnInt64(5));
    st.time_ns = stmt.ColumnInt64(6);
    hashes.push_back(stmt.ColumnInt64(7));
    st.truncated = stmt.ColumnInt64(8) != 0;
    if (kind == StackKind::kPath) {
      st.path = stmt.ColumnText(9);
      st.access = static_cast<uint32_t>(stmt.ColumnInt64(10));
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    auto frames = ReadFrames(s, hashes[i]);
    if (!frames) return frames.error();
    out[i].frames = std::move(*frames);
  }
  return out;
}

}  // namespace

Result<void> FlushStacks(Store::Impl& s, int64_t run_id, const std::vector<StackFact>& stacks) {
  if (stacks.empty()) return {};
  if (auto r = PrepareAll(s); !r) return r;
  FrameIds ids;
  for (const StackFact& st : stacks) {
    auto hash = PutStack(s, st, ids);
    if (!hash) return hash.error();
    Statement& stmt = st.kind == StackKind::kPath ? s.insert_path_stack : s.insert_syscall_stack;
    stmt.Reset();
    stmt.BindInt64(1, run_id).BindText(2, st.executable);
    int next = 3;
    if (st.kind == StackKind::kPath) {
      stmt.BindText(3, st.path).BindInt64(4, st.access);
      next = 5;
    }
    stmt.BindInt64(next, st.arch)
        .BindInt64(next + 1, st.nr)
        .BindInt64(next + 2, *hash)
        .BindInt64(next + 3, st.pid)
        .BindInt64(next + 4, st.tid)
        .BindInt64(next + 5, st.time_ns);
    if (auto r = stmt.Run(); !r) return r.error();
  }
  return {};
}

Result<std::vector<StackFact>> Store::SyscallStacks(std::string_view app, uint32_t arch,
                                                    int32_t nr) {
  auto tx = Transaction::Begin(impl_->db, Transaction::Mode::kDeferred);
  if (!tx) return tx.error();
  auto stmt = impl_->db.Prepare(R"sql(
SELECT s.run_id, s.executable, s.arch, s.nr, s.pid, s.tid, s.time_ns, s.stack_hash, k.truncated
FROM run_syscall_stacks s JOIN stacks k ON k.hash = s.stack_hash
  JOIN runs r ON r.id = s.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND s.arch = ?2 AND s.nr = ?3
ORDER BY s.executable, s.time_ns, s.run_id
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindInt64(2, arch).BindInt64(3, nr);
  auto out = ReadStacks(*impl_, *stmt, StackKind::kSyscall);
  if (!out) return out.error();
  if (auto r = tx->Commit(); !r) return r.error();
  return out;
}

Result<std::vector<StackFact>> Store::PathStacks(std::string_view app, std::string_view path) {
  auto tx = Transaction::Begin(impl_->db, Transaction::Mode::kDeferred);
  if (!tx) return tx.error();
  auto stmt = impl_->db.Prepare(R"sql(
SELECT s.run_id, s.executable, s.arch, s.nr, s.pid, s.tid, s.time_ns, s.stack_hash, k.truncated,
       s.path, s.access
FROM run_path_stacks s JOIN stacks k ON k.hash = s.stack_hash
  JOIN runs r ON r.id = s.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND s.path = ?2
ORDER BY s.executable, s.access, s.time_ns, s.run_id
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindText(2, path);
  auto out = ReadStacks(*impl_, *stmt, StackKind::kPath);
  if (!out) return out.error();
  if (auto r = tx->Commit(); !r) return r.error();
  return out;
}

Result<std::vector<std::pair<uint32_t, int32_t>>> Store::SyscallsWithStacks(
    std::string_view app, std::optional<int64_t> run_id) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT DISTINCT s.arch, s.nr
FROM run_syscall_stacks s JOIN runs r ON r.id = s.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1 AND (?2 IS NULL OR s.run_id = ?2) AND NOT (?3 AND s.run_id IN (SELECT run_id FROM run_containers WHERE exec))
ORDER BY s.arch, s.nr
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app).BindOptionalInt64(2, run_id).BindInt64(3, impl_->leave_out_execs);
  std::vector<std::pair<uint32_t, int32_t>> out;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    out.emplace_back(static_cast<uint32_t>(row.ColumnInt64(0)),
                     static_cast<int32_t>(row.ColumnInt64(1)));
  });
  if (!rows) return rows.error();
  return out;
}

Result<std::vector<std::string>> Store::PathsWithStacks(std::string_view app) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT DISTINCT s.path
FROM run_path_stacks s JOIN runs r ON r.id = s.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1
ORDER BY s.path
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app);
  std::vector<std::string> out;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    out.push_back(row.ColumnText(0));
  });
  if (!rows) return rows.error();
  return out;
}

Result<std::vector<StackFact>> Store::StackKeys(std::string_view app) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT 0, s.executable, s.arch, s.nr, '', 0
FROM run_syscall_stacks s JOIN runs r ON r.id = s.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1
UNION
SELECT 1, p.executable, 0, 0, p.path, p.access
FROM run_path_stacks p JOIN runs r ON r.id = p.run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1
ORDER BY 1, 2, 3, 4, 5, 6
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app);
  std::vector<StackFact> out;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    StackFact& k = out.emplace_back();
    k.kind = row.ColumnInt64(0) == 0 ? StackKind::kSyscall : StackKind::kPath;
    k.executable = row.ColumnText(1);
    k.arch = static_cast<uint32_t>(row.ColumnInt64(2));
    k.nr = static_cast<int32_t>(row.ColumnInt64(3));
    k.path = row.ColumnText(4);
    k.access = static_cast<uint32_t>(row.ColumnInt64(5));
  });
  if (!rows) return rows.error();
  return out;
}

Result<std::vector<std::pair<int64_t, uint64_t>>> Store::StackCounts(std::string_view app) {
  auto stmt = impl_->db.Prepare(R"sql(
SELECT run_id, sum(n) FROM (
  SELECT s.run_id, count(*) AS n FROM run_syscall_stacks s GROUP BY s.run_id
  UNION ALL
  SELECT p.run_id, count(*) AS n FROM run_path_stacks p GROUP BY p.run_id
) JOIN runs r ON r.id = run_id JOIN apps a ON a.id = r.app_id
WHERE a.name = ?1
GROUP BY run_id
ORDER BY run_id
)sql");
  if (!stmt) return stmt.error();
  stmt->BindText(1, app);
  std::vector<std::pair<int64_t, uint64_t>> out;
  auto rows = stmt->ForEachRow([&](Statement& row) {
    out.emplace_back(row.ColumnInt64(0), static_cast<uint64_t>(row.ColumnInt64(1)));
  });
  if (!rows) return rows.error();
  return out;
}

}  // namespace seclearn
