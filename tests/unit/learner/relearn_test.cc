// Re-learning's rule (learner/aggregator.h NothingLeftToLearn), against the tables it comes
// from: a call is let through only if its only fact is the call itself.
#include <linux/audit.h>

#include <catch2/catch.hpp>

#include "seclearn/core/arch.h"
#include "seclearn/learner/aggregator.h"

namespace seclearn {
namespace {

int32_t Nr(const char* name) {
  auto nr = SyscallNumber(AUDIT_ARCH_X86_64, name);
  REQUIRE(nr.has_value());
  return *nr;
}

}  // namespace

TEST_CASE("re-learning lets through only calls whose only fact is the call", "[unit][relearn]") {
  CHECK(NothingLeftToLearn(AUDIT_ARCH_X86_64, Nr("getppid")));
  CHECK(NothingLeftToLearn(AUDIT_ARCH_X86_64, Nr("read")));
  for (const char* name : {"openat", "execve", "socket", "connect", "ioctl", "prctl", "clone",
                           "setuid", "kill", "mmap", "fcntl", "bind", "unshare"}) {
    CAPTURE(name);
    CHECK_FALSE(NothingLeftToLearn(AUDIT_ARCH_X86_64, Nr(name)));
  }
  // Per architecture: i386 has its own numbers.
  CHECK(NothingLeftToLearn(AUDIT_ARCH_I386, *SyscallNumber(AUDIT_ARCH_I386, "getppid")));
  CHECK_FALSE(NothingLeftToLearn(AUDIT_ARCH_I386, *SyscallNumber(AUDIT_ARCH_I386, "openat")));
}

}  // namespace seclearn
