#include "migrations.h"

namespace seclearn {

// File accesses, network use and capabilities per run, aggregated (one row per distinct fact,
// counts summed on conflict). Paths, addresses and evidence come from the workload: BLOBs,
// stored and returned byte for byte (non-UTF-8, newlines, quotes), never interpreted.
const std::string_view kSchemaAccess = R"sql(
CREATE TABLE run_files (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path BLOB NOT NULL,
  access INTEGER NOT NULL,  -- FileAccess bits (core/facts.h)
  err INTEGER NOT NULL,     -- 0 success, else the errno
  count INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  syscall TEXT NOT NULL,    -- the first call that made this access
  PRIMARY KEY (run_id, path, access, err)
) WITHOUT ROWID;
CREATE TABLE run_network (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  op TEXT NOT NULL,
  family INTEGER NOT NULL,
  type INTEGER NOT NULL,
  protocol INTEGER NOT NULL,
  address BLOB NOT NULL,
  port INTEGER NOT NULL,
  err INTEGER NOT NULL,
  count INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, op, family, type, protocol, address, port, err)
) WITHOUT ROWID;
CREATE TABLE run_capabilities (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  capability TEXT NOT NULL,
  granted INTEGER NOT NULL,  -- 1 exercised, 0 wanted (EPERM/EACCES without it)
  syscall TEXT NOT NULL,     -- the first call that needed it
  evidence BLOB NOT NULL,    -- and its argument
  count INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, capability, granted)
) WITHOUT ROWID;
)sql";

}  // namespace seclearn
