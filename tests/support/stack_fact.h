// A StackFact for store tests: the call `nr` on x86_64 by pid 100, tid 101.
//
//   StackFact s = MakeStack("/bin/app", 0, 100, {frame_libc, frame_main});
#pragma once

#include <linux/audit.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "seclearn/core/facts.h"

namespace seclearn {

inline StackFact MakeStack(const std::string& exe, int32_t nr, int64_t time_ns,
                           std::vector<StackFrame> frames) {
  StackFact s;
  s.executable = exe;
  s.arch = AUDIT_ARCH_X86_64;
  s.nr = nr;
  s.pid = 100;
  s.tid = 101;
  s.time_ns = time_ns;
  s.frames = std::move(frames);
  return s;
}

}  // namespace seclearn
