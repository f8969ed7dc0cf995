#include "migrations.h"

namespace seclearn {

// Containers learned through the OCI agent: which container a run was, where the runtime
// handed over to the workload, the runtime's own calls before that, and the runtime base sets
// measured by `seclearn base`.
const std::string_view kSchemaContainers = R"sql(
CREATE TABLE run_containers (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  container_id TEXT NOT NULL,
  runtime TEXT NOT NULL,
  bundle TEXT NOT NULL,
  pid INTEGER NOT NULL,
  boundary_ns INTEGER
);
CREATE TABLE run_runtime_syscalls (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  arch INTEGER NOT NULL,
  nr INTEGER NOT NULL,
  count INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, arch, nr)
) WITHOUT ROWID;
CREATE TABLE runtime_bases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  runtime TEXT NOT NULL,
  version TEXT NOT NULL,
  no_new_privs INTEGER NOT NULL,
  kernel TEXT NOT NULL,
  measured_ns INTEGER NOT NULL,
  runs INTEGER NOT NULL
);
CREATE INDEX runtime_bases_by_runtime ON runtime_bases(runtime, no_new_privs);
CREATE TABLE runtime_base_syscalls (
  base_id INTEGER NOT NULL REFERENCES runtime_bases(id) ON DELETE CASCADE,
  arch INTEGER NOT NULL,
  nr INTEGER NOT NULL,
  runs INTEGER NOT NULL,
  PRIMARY KEY (base_id, arch, nr)
) WITHOUT ROWID;
)sql";

// v7: a run of a process exec'd into a running container (runc exec, docker exec) rather
// than the container's start; `export --without-exec` leaves such runs out.
const std::string_view kSchemaContainerExecs = R"sql(
ALTER TABLE run_containers ADD COLUMN exec INTEGER NOT NULL DEFAULT 0;
)sql";

}  // namespace seclearn
