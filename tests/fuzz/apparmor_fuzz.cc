// Fuzz target: the AppArmor profile reader (seclearn check) and the AppArmor diff. A profile
// the reader accepts differs from itself in nothing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/diff.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace seclearn;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  AaParseOptions options;
  options.follow_includes = false;  // no file system: what is in the input only
  (void)ParseAppArmorText(text, "fuzz.apparmor", options);
  auto self = DiffAppArmor(text, "a", text, "b");
  if (self && !self->changes.empty()) std::abort();  // a profile changed against itself
  return 0;
}
