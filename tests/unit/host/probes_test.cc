// The host probes the exports take as inputs (host/probes.h), against this Debian host's files.
#include <cstdio>

#include <catch2/catch.hpp>

#include "seclearn/host/probes.h"

namespace seclearn {

TEST_CASE("docker flags: host checks of modes and privileged binaries", "[unit][host]") {
  // Debian 12 ships /etc/shadow 0640 root:shadow and /usr/bin/passwd setuid root.
  CHECK(NeedsRootOnHost({"/etc/shadow", kAccessRead, 1, "openat"}).has_value());
  CHECK_FALSE(NeedsRootOnHost({"/etc/passwd", kAccessRead, 1, "openat"}).has_value());
  CHECK(NeedsRootOnHost({"/etc/passwd", kAccessWrite, 1, "openat"}).has_value());
  CHECK_FALSE(NeedsRootOnHost({"/tmp/seclearn-new-file", kAccessCreate, 1, "openat"}).has_value());
  CHECK(NeedsRootOnHost({"/etc/seclearn-new-file", kAccessCreate, 1, "openat"}).has_value());
  CHECK(NeedsRootOnHost({"/root/.bashrc", kAccessRead, 1, "openat"}).has_value());
  CHECK_FALSE(NeedsRootOnHost({"/dev/null", kAccessWrite, 1, "openat"}).has_value());
  CHECK_FALSE(NeedsRootOnHost({"/proc/self/status", kAccessRead, 1, "openat"}).has_value());
  const auto priv = PrivilegedExecutablesOnHost({{"/usr/bin/passwd", 1, 1}, {"/bin/sh", 1, 1}});
  REQUIRE(priv.size() == 1);
  CHECK(priv[0].find("/usr/bin/passwd is setuid") != std::string::npos);
}

TEST_CASE("host: AppArmor enabled as the kernel says", "[unit][host]") {
  FILE* f = std::fopen("/sys/module/apparmor/parameters/enabled", "re");
  char c = 0;
  const bool enabled = f != nullptr && std::fread(&c, 1, 1, f) == 1 && c == 'Y';
  if (f != nullptr) std::fclose(f);
  CHECK(AppArmorEnabledHere() == enabled);
}

}  // namespace seclearn
