#include "migrations.h"

namespace seclearn {

// v1: apps, runs and their argv, syscalls and executables per run.
const std::string_view kSchemaV1Runs = R"sql(
CREATE TABLE apps (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ns INTEGER NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  backend TEXT NOT NULL,
  kernel TEXT NOT NULL,
  host TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER,
  exit_status INTEGER,
  processes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_app ON runs(app_id);
CREATE TABLE run_args (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  arg TEXT NOT NULL,
  PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
CREATE TABLE run_syscalls (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  arch INTEGER NOT NULL,
  nr INTEGER NOT NULL,
  name TEXT,
  count INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, arch, nr)
) WITHOUT ROWID;
CREATE TABLE run_executables (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
)sql";

}  // namespace seclearn
