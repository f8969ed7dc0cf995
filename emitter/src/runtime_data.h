#pragma once

#include <string_view>
#include <vector>

namespace seclearn {

struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};

const std::vector<EmbeddedFile>& EmbeddedRuntimeData();

}  // namespace seclearn
