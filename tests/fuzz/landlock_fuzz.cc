// Fuzz target: the Landlock ruleset reader (core/landlock.h). Whatever it accepts, the writer
// writes back to text that reads as the same ruleset (or refuses it in one error: a path
// that is not UTF-8 cannot be written), and the diff of a ruleset with itself is empty.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "seclearn/core/landlock.h"
#include "seclearn/emitter/diff.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seclearn;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ruleset = ParseLandlockRuleset(text, "fuzz.json");
  if (!ruleset) return 0;
  auto written = WriteLandlockRuleset(*ruleset);
  if (!written) return 0;
  auto again = ParseLandlockRuleset(*written, "written.json");
  // abi.* groups are written as the rights they stand for: compare what is granted.
  if (!again || again->handled_fs != ruleset->handled_fs ||
      again->handled_net != ruleset->handled_net || again->scoped != ruleset->scoped ||
      again->paths != ruleset->paths || again->ports != ruleset->ports)
    std::abort();
  auto same = DiffLandlock(*written, "a", *written, "b");
  if (!same || !same->changes.empty()) std::abort();
  return 0;
}
