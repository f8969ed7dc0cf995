// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex: content addresses for stored
// profile versions. Not for secrets: no constant-time guarantees are needed or given.
//
//   std::string id = Sha256Hex(profile_text);  // 64 hex digits
#pragma once

#include <string>
#include <string_view>

namespace seclearn {

std::string Sha256Hex(std::string_view data);

}  // namespace seclearn
