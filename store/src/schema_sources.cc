#include "migrations.h"

namespace seclearn {

// v9: where a run came from (RunSource: learn, agent, watch, audit), and for a watch run how
// the agent answered the calls outside the profile (allow, deny). Runs an older agent
// recorded are those with a container.
const std::string_view kSchemaRunSources = R"sql(
ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'learn';
ALTER TABLE runs ADD COLUMN on_violation TEXT;
UPDATE runs SET source = 'agent' WHERE id IN (SELECT run_id FROM run_containers);
)sql";

}  // namespace seclearn
