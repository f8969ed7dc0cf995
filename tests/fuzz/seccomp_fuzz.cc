// Fuzz target: the Docker/OCI seccomp JSON reader. Whatever it accepts, it writes back to text
// that reads as the same profile, and libseccomp builds a filter from it (never loaded).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "seclearn/emitter/seccomp_apply.h"
#include "seclearn/emitter/seccomp_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seclearn;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto profile = ParseSeccompProfile(text, "fuzz.json");
  if (!profile) return 0;
  const std::string written = WriteSeccompProfile(*profile);
  auto again = ParseSeccompProfile(written, "written.json");
  if (!again || !(*again == *profile)) std::abort();  // the writer and reader disagree
  (void)BuildSeccompFilter(*profile, /*strict=*/false, nullptr);
  return 0;
}
