#include "seclearn/core/capability.h"

#include <cctype>

#include <fmt/format.h>

#include "seclearn/core/escape.h"

namespace seclearn {
namespace {

std::string Upper(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += static_cast<char>(std::toupper(c));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<int> CapabilityNumber(std::string_view name) {
  std::string n = Upper(Trim(name));
  if (n.rfind("CAP_", 0) != 0) n = "CAP_" + n;
  return CapabilityByName(n);
}

Result<CapabilitySet> ParseCapabilityList(std::string_view list) {
  list = Trim(list);
  if (list.empty() || Upper(list) == "NONE") return CapabilitySet{0};
  CapabilitySet set = 0;
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view item = Trim(list.substr(0, comma));
    if (item.empty()) return UsageError("empty capability name in the list");
    const auto cap = CapabilityNumber(item);
    if (!cap) {
      return UsageError(
          fmt::format("unknown capability '{}' (names as in capabilities(7), e.g. "
                      "NET_BIND_SERVICE or CAP_CHOWN)",
                      EscapeControl(item)));
    }
    set |= CapabilityBit(*cap);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return set;
}

std::vector<std::string> CapabilityNames(CapabilitySet set) {
  std::vector<std::string> out;
  for (int c = 0; c < 64; ++c)
    if (set & CapabilityBit(c)) out.push_back(CapabilityName(c));
  return out;
}

std::string CapabilityPolicyWord(std::string_view cap_name) {
  if (cap_name.starts_with("CAP_")) cap_name.remove_prefix(4);
  std::string out;
  for (unsigned char c : cap_name) out += static_cast<char>(std::tolower(c));
  return out;
}

std::string CapabilityFromPolicyWord(std::string_view word) {
  std::string out;
  for (unsigned char c : word) out += static_cast<char>(std::toupper(c));
  return out.starts_with("CAP_") ? out : "CAP_" + out;
}

}  // namespace seclearn
