#include "migrations.h"

namespace seclearn {

// Exported profiles as numbered versions per (app, format), and a stable identity for runs so
// that merging databases from several hosts is idempotent.
const std::string_view kSchemaVersions = R"sql(
CREATE TABLE profile_versions (
  id INTEGER PRIMARY KEY,
  app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  format TEXT NOT NULL,
  version INTEGER NOT NULL,
  content BLOB NOT NULL,
  sha256 TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  seclearn_version TEXT NOT NULL,
  options TEXT NOT NULL,
  UNIQUE (app_id, format, version),
  UNIQUE (app_id, format, sha256)
);
CREATE TABLE profile_version_runs (
  version_id INTEGER NOT NULL REFERENCES profile_versions(id) ON DELETE CASCADE,
  run_id INTEGER NOT NULL,
  PRIMARY KEY (version_id, run_id)
) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN uuid TEXT;
UPDATE runs SET uuid = lower(hex(randomblob(16))) WHERE uuid IS NULL;
CREATE UNIQUE INDEX runs_by_uuid ON runs(uuid);
)sql";

}  // namespace seclearn
