#include "migrations.h"

namespace seclearn {

// Learned values of the syscall arguments listed in core/arg_filters.h, per run.
const std::string_view kSchemaArgs = R"sql(
CREATE TABLE run_syscall_args (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  arch INTEGER NOT NULL,
  nr INTEGER NOT NULL,
  arg_index INTEGER NOT NULL,
  value INTEGER NOT NULL,  -- the uint64 value, stored as its two's complement int64
  count INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, arch, nr, arg_index, value)
) WITHOUT ROWID;
)sql";

}  // namespace seclearn
