#include "migrations.h"

#include <array>

namespace seclearn {

std::span<const std::string_view> Migrations() {
  static const std::array kMigrations = {
      kSchemaV1Runs,  // v1
      kSchemaArgs,    // v2
      kSchemaVersions,  // v3
      kSchemaContainers,  // v4
      kSchemaStacks,      // v5
      kSchemaAccess,      // v6
      kSchemaContainerExecs,  // v7
      kSchemaStacksUnindexed,  // v8
      kSchemaRunSources,  // v9
      kSchemaRunResources,  // v10
  };
  return kMigrations;
}

}  // namespace seclearn
