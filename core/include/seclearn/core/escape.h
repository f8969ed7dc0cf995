// Untrusted text (names from the workload, from a profile, from the command line) shown on
// one line: control bytes and DEL as \xNN, everything else byte for byte.
//
//   EscapeControl("a\nb")  // "a\\x0ab"
#pragma once

#include <string>
#include <string_view>

namespace seclearn {

std::string EscapeControl(std::string_view s);

}  // namespace seclearn
