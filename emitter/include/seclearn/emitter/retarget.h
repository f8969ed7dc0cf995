// A profile learned on one architecture, emitted for another: each name the target has is
// kept; a name it lacks is replaced by its counterpart there (aarch64 has no open, stat or
// fork: openat, newfstatat and clone do their work), and a name with no counterpart is left
// out with a warning. Argument conditions are kept (address families and clone flags have
// the same values on every Linux architecture).
//
//   std::vector<std::string> warnings;
//   SeccompProfile arm = RetargetSeccomp(x86_profile, AUDIT_ARCH_AARCH64, false, &warnings);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/seccomp_profile.h"

namespace seclearn {

// The names that do `name`'s work on `target_arch` (itself if the target has it).
std::vector<std::string> CounterpartNames(std::string_view name, uint32_t target_arch);

// architectures becomes the target alone, or with use_arch_map an archMap entry for the
// target (and its 32-bit sub-architecture where one exists: aarch64 -> arm, x86_64 -> x86,
// x32).
SeccompProfile RetargetSeccomp(const SeccompProfile& profile, uint32_t target_arch,
                               bool use_arch_map, std::vector<std::string>* warnings);

}  // namespace seclearn
