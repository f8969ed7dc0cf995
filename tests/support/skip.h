// A test that cannot run on this machine ends with exit status 77, which ctest reports as
// skipped (catch_discover_tests ... SKIP_RETURN_CODE 77): never as a pass. Name what is missing.
//
//   if (!NotifyAvailable()) SkipTest("seccomp user notification (Linux 5.5+)");
//
// ctest runs every test case in a process of its own, so the exit ends this case only.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace seclearn {

[[noreturn]] inline void SkipTest(const std::string& missing) {
  std::printf("SKIP: this machine lacks %s\n", missing.c_str());
  std::fflush(stdout);
  std::_Exit(77);
}

}  // namespace seclearn
