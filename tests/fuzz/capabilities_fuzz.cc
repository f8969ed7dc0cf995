// Fuzz target: capability lists (docker flags, OCI JSON, names). What parses, written back as
// names, parses to the same set.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "seclearn/emitter/capabilities.h"
#include "seclearn/emitter/diff.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seclearn;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto names = ParseCapabilityList(text, "fuzz.caps");
  if (names) {
    std::string joined;
    for (const auto& n : *names) joined += n + "\n";
    auto again = ParseCapabilityList(joined, "joined.caps");
    if (!again || *again != *names) std::abort();
  }
  if (auto set = seclearn::ParseCapabilityList(text)) {
    auto again = seclearn::ParseCapabilityList([&] {
      std::string s;
      for (const auto& n : CapabilityNames(*set)) s += n + ",";
      if (!s.empty()) s.pop_back();
      return s;
    }());
    if (!again || *again != *set) std::abort();
  }
  return 0;
}
