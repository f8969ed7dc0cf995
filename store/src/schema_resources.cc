#include "migrations.h"

namespace seclearn {

// v10: what a run used at its peak (RunResources), for resource limits, and the user
// namespace map a run of learn --userns ran under.
const std::string_view kSchemaRunResources = R"sql(
ALTER TABLE runs ADD COLUMN userns TEXT;
CREATE TABLE run_resources (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  peak_memory_bytes INTEGER NOT NULL,
  peak_tasks INTEGER NOT NULL,
  max_fd INTEGER NOT NULL,
  cpu_ns INTEGER NOT NULL,
  wall_ns INTEGER NOT NULL
);
)sql";

}  // namespace seclearn
