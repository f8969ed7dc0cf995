#include <string>

#include <catch2/catch.hpp>

#include "seclearn/core/escape.h"

namespace seclearn {

TEST_CASE("EscapeNonPrintable keeps printable ASCII but the backslash and `also`",
          "[unit][core]") {
  CHECK(EscapeNonPrintable("a b\n", " ") == "a\\x20b\\x0a");
  CHECK(EscapeNonPrintable("a b\\c") == "a b\\x5cc");
  for (int c = 0; c < 256; ++c) {
    const std::string in(1, static_cast<char>(c));
    const std::string out = EscapeNonPrintable(in, " ");
    const bool kept = c > 0x20 && c < 0x7f && c != '\\';
    CHECK(out == (kept ? in : "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) +
                                   "0123456789abcdef"[c & 15]));
  }
}

}  // namespace seclearn
