// The schema, as an append-only list of migrations: entry i takes a database from
// user_version i to i + 1. Each feature keeps its migration in its own schema_vN_*.cc file;
// a released entry is never edited, a change is a new entry.
#pragma once

#include <span>
#include <string_view>

namespace seclearn {

extern const std::string_view kSchemaV1Runs;  // schema_v1_runs.cc
extern const std::string_view kSchemaArgs;    // schema_args.cc
extern const std::string_view kSchemaVersions;  // schema_versions.cc
extern const std::string_view kSchemaContainers;  // schema_containers.cc
extern const std::string_view kSchemaStacks;      // schema_stacks.cc
extern const std::string_view kSchemaAccess;      // schema_access.cc
extern const std::string_view kSchemaContainerExecs;  // schema_containers.cc
extern const std::string_view kSchemaStacksUnindexed;  // schema_stacks.cc
extern const std::string_view kSchemaRunSources;  // schema_sources.cc
extern const std::string_view kSchemaRunResources;  // schema_resources.cc

std::span<const std::string_view> Migrations();

}  // namespace seclearn
