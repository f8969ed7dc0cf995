// The syscall numbers a backend must recognise itself (process lifecycle, ptrace), per
// architecture, resolved once: a stop is matched with integer compares.
//
//   SpecialNrsCache special;
//   const SpecialNrs& s = special.For(ev.arch);
//   if (ev.nr == s.execve || ev.nr == s.execveat) ...
#pragma once

#include <cstdint>
#include <vector>

#include "seclearn/core/arch.h"

namespace seclearn {

struct SpecialNrs {
  uint32_t arch = 0;
  int32_t execve = -1;
  int32_t execveat = -1;
  int32_t exit = -1;
  int32_t exit_group = -1;
  int32_t clone = -1;
  int32_t clone3 = -1;
  int32_t ptrace = -1;
};

class SpecialNrsCache {
 public:
  const SpecialNrs& For(uint32_t arch) {
    if (last_ < all_.size() && all_[last_].arch == arch) return all_[last_];
    for (size_t i = 0; i < all_.size(); ++i) {
      if (all_[i].arch == arch) return all_[last_ = i];
    }
    auto nr = [arch](const char* name) { return SyscallNumber(arch, name).value_or(-1); };
    all_.push_back({arch, nr("execve"), nr("execveat"), nr("exit"), nr("exit_group"), nr("clone"),
                    nr("clone3"), nr("ptrace")});
    last_ = all_.size() - 1;
    return all_.back();
  }

 private:
  std::vector<SpecialNrs> all_;
  size_t last_ = 0;
};

}  // namespace seclearn
