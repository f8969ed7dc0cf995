#include "migrations.h"

namespace seclearn {

// Call stacks of first-seen syscalls and path accesses (tracer/stacks.h), deduplicated: a
// frame is stored once (stack_frames), a stack once per distinct frame sequence (stacks, keyed
// by a hash of its frames), and each first occurrence refers to its stack. A run of a million
// syscalls stores a few hundred stacks; the same code path in later runs adds no stack.
const std::string_view kSchemaStacks = R"sql(
CREATE TABLE stack_frames (
  id INTEGER PRIMARY KEY,
  module TEXT NOT NULL,    -- '' when the pc was in no mapping
  build_id TEXT NOT NULL,  -- hex, '' when the module has none
  offset INTEGER NOT NULL, -- ELF address in the module
  function TEXT NOT NULL,  -- '' when unknown
  file TEXT NOT NULL,      -- '' without debug info
  line INTEGER NOT NULL,
  UNIQUE (module, build_id, offset, function, file, line)
);
CREATE TABLE stacks (
  hash INTEGER PRIMARY KEY,  -- 64-bit FNV-1a of the frames (as int64)
  depth INTEGER NOT NULL,
  truncated INTEGER NOT NULL
);
CREATE TABLE stack_entries (
  stack_hash INTEGER NOT NULL REFERENCES stacks(hash) ON DELETE CASCADE,
  idx INTEGER NOT NULL,  -- 0: innermost (the syscall instruction)
  frame_id INTEGER NOT NULL REFERENCES stack_frames(id),
  PRIMARY KEY (stack_hash, idx)
) WITHOUT ROWID;
-- The first call of (executable, arch, nr) in a run: refers to run_syscalls (run_id, arch, nr).
CREATE TABLE run_syscall_stacks (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  executable TEXT NOT NULL,
  arch INTEGER NOT NULL,
  nr INTEGER NOT NULL,
  stack_hash INTEGER NOT NULL REFERENCES stacks(hash),
  pid INTEGER NOT NULL,
  tid INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, executable, arch, nr)
) WITHOUT ROWID;
CREATE INDEX run_syscall_stacks_by_nr ON run_syscall_stacks(arch, nr);
-- The first call asking for (executable, path, access) in a run.
CREATE TABLE run_path_stacks (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  executable TEXT NOT NULL,
  path TEXT NOT NULL,
  access INTEGER NOT NULL,  -- FileAccess bits
  arch INTEGER NOT NULL,    -- the call that asked
  nr INTEGER NOT NULL,
  stack_hash INTEGER NOT NULL REFERENCES stacks(hash),
  pid INTEGER NOT NULL,
  tid INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, executable, path, access)
) WITHOUT ROWID;
CREATE INDEX run_path_stacks_by_path ON run_path_stacks(path);
)sql";

// v8: the two indexes by path and by syscall go. Every learn added one entry per first-seen
// path to an index ordered by path, a page written at a random place for each (128 pages, half
// a python start-up's writes, each written twice: the WAL and the checkpoint). The lookups
// they served (explain, diff) search each of the app's runs by its run_id instead: the
// primary keys begin with it, and a run holds at most kMaxPathStacksPerAccess paths per
// (executable, access).
const std::string_view kSchemaStacksUnindexed = R"sql(
DROP INDEX IF EXISTS run_path_stacks_by_path;
DROP INDEX IF EXISTS run_syscall_stacks_by_nr;
)sql";

}  // namespace seclearn
