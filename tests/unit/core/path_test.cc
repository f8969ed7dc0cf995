#include <string>

#include <catch2/catch.hpp>

#include "seclearn/core/capability.h"
#include "seclearn/core/path.h"

namespace seclearn {

TEST_CASE("PathIsBeneath compares whole components", "[unit][core]") {
  CHECK(PathIsBeneath("/srv/a", "/srv/a"));
  CHECK(PathIsBeneath("/srv/a/b/c", "/srv/a"));
  CHECK_FALSE(PathIsBeneath("/srv/ab", "/srv/a"));
  CHECK_FALSE(PathIsBeneath("/srv", "/srv/a"));
  CHECK_FALSE(PathIsBeneath("/srvx/a", "/srv"));
  CHECK(PathIsBeneath("/", "/"));
  CHECK(PathIsBeneath("/etc/passwd", "/"));
  CHECK_FALSE(PathIsBeneath("etc/passwd", "/"));
}

TEST_CASE("Capability names and the policy words AppArmor and SELinux write", "[unit][core]") {
  for (int cap = 0; cap <= LastKnownCapability(); ++cap) {
    const std::string name = CapabilityName(cap);
    const std::string word = CapabilityPolicyWord(name);
    INFO(name << " -> " << word);
    CHECK(word.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
    CHECK(CapabilityFromPolicyWord(word) == name);
    CHECK(CapabilityByName(CapabilityFromPolicyWord(name)) == cap);
  }
  CHECK(CapabilityPolicyWord("CAP_NET_BIND_SERVICE") == "net_bind_service");
  CHECK(CapabilityFromPolicyWord("cap_sys_admin") == "CAP_SYS_ADMIN");
}

}  // namespace seclearn
