// Fuzz target: the Docker/OCI seccomp JSON reader. Whatever it accepts, it writes back to text
// that reads as the same profile, and libseccomp builds a filter from it (never loaded).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "seclearn/core/arch.h"
#include "seclearn/enforce/seccomp_apply.h"
#include "seclearn/core/seccomp_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seclearn;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto profile = ParseSeccompProfile(text, "fuzz.json");
  if (!profile) return 0;
  const std::string written = WriteSeccompProfile(*profile);
  auto again = ParseSeccompProfile(written, "written.json");
  if (!again || !(*again == *profile)) std::abort();  // the writer and reader disagree
  // Every rule of the profile in the filter: all capabilities held, a kernel newer than any
  // minKernel, this machine's architecture.
  const SeccompTarget target{NativeAuditArch(), ~uint64_t{0}, {255, 255}};
  (void)BuildSeccompFilter(*profile, target, /*strict=*/false, nullptr);
  return 0;
}
