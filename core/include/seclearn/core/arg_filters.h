// The syscall arguments worth learning, so a profile allows only the values the workload
// used (Docker's default profile does this by hand for personality and clone; seclearn learns
// it). Only arguments with a small, enumerable domain are listed: an address family, a
// personality, a prctl option, an ioctl request, namespace bits of clone flags. Pointers and
// sizes never are. Each row names its values for people (DescribeArgValue), so a new argument
// to learn is one row here: the tracers, the learner, the store, the export and the diff take
// it from this table.
//
//   if (const ArgFilter* f = FindArgFilter(AUDIT_ARCH_X86_64, nr))
//     record(f->index, args[f->index] & f->mask);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace seclearn {

enum class ArgFilterKind {
  kValues,  // the profile allows each learned value: one SCMP_CMP_EQ rule per value
  kMasked,  // only the bits in `mask` matter: one SCMP_CMP_MASKED_EQ rule per learned
            // combination (clone without namespace flags -> (flags & mask) == 0)
};

// A value's name for people: AF_UNIX, TCGETS, CLONE_NEWNET.
struct ArgValueName {
  uint64_t value;
  std::string_view name;
};

struct ArgFilter {
  std::string_view syscall;
  uint8_t index;
  ArgFilterKind kind;
  uint64_t mask;          // kValues: the bits compared (32-bit int arguments: 0xffffffff)
  std::string_view what;  // "address family", for people
  // kValues: a value's name; kMasked: each bit's name (0 is "none"). Unnamed: the number.
  std::span<const ArgValueName> names;
};

// Above this many distinct values the argument is left unconditioned: the domain is not small
// after all, and a long rule list costs filter time for nothing.
inline constexpr size_t kMaxArgValues = 16;

const ArgFilter* FindArgFilter(std::string_view syscall);
const ArgFilter* FindArgFilter(uint32_t audit_arch, int32_t nr);

// "AF_UNIX" for socket's 1, "TIOCGWINSZ" for ioctl's 0x5413, "CLONE_NEWNET|CLONE_NEWNS" for
// clone's masked bits, else the number; for show, diff and profile comments.
std::string DescribeArgValue(std::string_view syscall, uint64_t value);

}  // namespace seclearn
