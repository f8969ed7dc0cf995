#include "seclearn/core/escape.h"

#include <fmt/format.h>

namespace seclearn {

std::string EscapeControl(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace seclearn
