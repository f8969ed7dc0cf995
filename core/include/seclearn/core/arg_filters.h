// The syscall arguments worth learning, so a profile allows only the values the workload
// used (Docker's default profile does this by hand for personality and clone; seclearn learns
// it). Only arguments with a small, enumerable domain are listed: an address family, a
// personality, a prctl option, namespace bits of clone flags. Pointers and sizes never are.
//
//   if (const ArgFilter* f = FindArgFilter(AUDIT_ARCH_X86_64, nr))
//     record(f->index, args[f->index] & f->mask);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace seclearn {

enum class ArgFilterKind {
  kValues,  // the profile allows each learned value: one SCMP_CMP_EQ rule per value
  kMasked,  // only the bits in `mask` matter: one SCMP_CMP_MASKED_EQ rule per learned
            // combination (clone without namespace flags -> (flags & mask) == 0)
};

struct ArgFilter {
  std::string_view syscall;
  uint8_t index;
  ArgFilterKind kind;
  uint64_t mask;          // kValues: the bits compared (32-bit int arguments: 0xffffffff)
  std::string_view what;  // "address family", for people
};

// Above this many distinct values the argument is left unconditioned: the domain is not small
// after all, and a long rule list costs filter time for nothing.
inline constexpr size_t kMaxArgValues = 16;

const ArgFilter* FindArgFilter(std::string_view syscall);
const ArgFilter* FindArgFilter(uint32_t audit_arch, int32_t nr);

// "AF_UNIX" for socket's 1, "CLONE_NEWNET|CLONE_NEWNS" for clone's masked bits, else the
// number; for show and profile comments.
std::string DescribeArgValue(std::string_view syscall, uint64_t value);

}  // namespace seclearn
