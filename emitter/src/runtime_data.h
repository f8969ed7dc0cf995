#pragma once

#include <string_view>
#include <vector>

namespace seclearn {

struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};

// Every data/<kind>/*.json file, named relative to data/ ("runtime/runc-1.1.json").
const std::vector<EmbeddedFile>& EmbeddedData();
// The one named `name`, or nullptr.
const EmbeddedFile* FindEmbeddedData(std::string_view name);

}  // namespace seclearn
