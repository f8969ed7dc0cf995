// A closed enum spelled by a table of names indexed by its values (0, 1, ...): the one way
// seclearn names its value types at the edges (the store's text, JSON, flags).
//
//   enum class NetOp : uint8_t { kSocket, kBind };
//   inline constexpr std::string_view kNetOpNames[] = {"socket", "bind"};
//   EnumName(kNetOpNames, NetOp::kBind) == "bind";
//   EnumFromName<NetOp>(kNetOpNames, "bind") == NetOp::kBind;  // nullopt for any other text
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace seclearn {

template <typename E, size_t N>
constexpr std::string_view EnumName(const std::string_view (&names)[N], E value) {
  return names[static_cast<size_t>(value)];
}

template <typename E, size_t N>
constexpr std::optional<E> EnumFromName(const std::string_view (&names)[N],
                                        std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace seclearn
