// One (arch, nr) index for core's tables keyed by syscall name (the syscall table, the
// argument filters): the numbers of an architecture are resolved on its first lookup, then
// each lookup is one hash hit (the tracer asks at every stop). Thread-safe.
//
//   return FindByNumber<&ArgFilter::syscall>(kArgFilters, audit_arch, nr);
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "seclearn/core/arch.h"

namespace seclearn {

template <auto kName, typename Table>
const typename Table::value_type* FindByNumber(const Table& table, uint32_t audit_arch,
                                               int32_t nr) {
  using T = typename Table::value_type;
  static std::mutex mu;
  static std::unordered_map<uint64_t, const T*> index;
  static std::unordered_set<uint32_t> built;
  const auto key = [](uint32_t arch, int32_t n) {
    return (uint64_t{arch} << 32) | static_cast<uint32_t>(n);
  };
  std::lock_guard lock(mu);
  if (built.insert(audit_arch).second) {
    for (const T& row : table)
      if (auto n = SyscallNumber(audit_arch, row.*kName)) index[key(audit_arch, *n)] = &row;
  }
  auto it = index.find(key(audit_arch, nr));
  return it == index.end() ? nullptr : it->second;
}

}  // namespace seclearn
