// k8s-apparmor: paths rewritten to what the Security Profiles Operator accepts, and the
// AppArmorProfile built from an AppArmor export.
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <vector>

#include "seclearn/emitter/k8s.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {

TEST_CASE("k8s-apparmor: paths SPO accepts, never wider than a character per byte",
          "[unit][emitter]") {
  using V = std::vector<std::string>;
  CHECK(SpoPaths("/etc/hosts") == V{"/etc/hosts"});
  CHECK(SpoPaths("@{PROC}/@{pid}/fd/[0-9]*") == V{"@{PROC}/@{pid}/fd/?*"});
  CHECK(SpoPaths("/usr/lib/python3/{,**}") == V{"/usr/lib/python3/", "/usr/lib/python3/**"});
  // Hostile names, as AaPathExpr writes them: each escape or unsafe byte is one '?'.
  const std::string hostile = "/tmp/h/new\nline r,\n  /** rwix,{x,y}\"'\xff";
  const std::string token = AaPathExpr().Literal(hostile).Token();
  const V paths = SpoPaths(token);
  REQUIRE(paths.size() == 1);
  CHECK(paths[0] == R"(/tmp/h/new?line?r????/???rwix??x?y????)");
  CHECK(paths[0].size() == hostile.size());
  const std::regex spo(R"(^/[a-zA-Z0-9_./*?+@{}-]*$)");
  CHECK(std::regex_match(paths[0], spo));
  // The rewritten path still matches the name it came from.
  auto glob = AaGlob::Compile(paths[0], BuiltinAaVariables());
  REQUIRE(glob.has_value());
  CHECK(glob->Matches(hostile));
}

TEST_CASE("k8s-apparmor: modes to SPO's lists, clashing denials made read-write",
          "[unit][emitter]") {
  AaProfile exp;
  for (const auto& [path, modes] :
       std::vector<std::pair<std::string, std::string>>{{"/usr/bin/app", "ix"},
                                                        {"/usr/lib/libx.so", "mr"},
                                                        {"/etc/app/conf", "r"},
                                                        {"/var/log/app.log", "a"},
                                                        {"/srv/{,**}", "r"},
                                                        {"/srv/db", "rw"}})
    exp.files.push_back(AaFileRule::Allow(AaPathExpr().Glob(path), modes));
  // Neither a denial nor one left disabled is a path SPO lists.
  AaFileRule deny = AaFileRule::Allow(AaPathExpr().Glob("/etc/shadow"), "r");
  deny.deny = true;
  exp.files.push_back(deny);
  deny.disabled = "the workload needed it";
  exp.files.push_back(deny);
  exp.rules = {{"network", "inet stream", false, "", ""},
               {"network", "unix stream", false, "", ""},
               {"capability", "net_bind_service", false, "", ""},
               {"capability", "sys_admin", true, "", ""}};
  std::vector<std::string> notes;
  const std::string y = WriteK8sAppArmorProfile(exp, "My_App", &notes);
  CHECK(y.find("/etc/shadow") == std::string::npos);
  CHECK(y.find("sys_admin") == std::string::npos);
  CHECK(y.find("apiVersion: security-profiles-operator.x-k8s.io/v1alpha1\n") != std::string::npos);
  CHECK(y.find("  name: \"my-app\"\n") != std::string::npos);
  CHECK(y.find("      allowedExecutables:\n      - \"/usr/bin/app\"\n") != std::string::npos);
  CHECK(y.find("      allowedLibraries:\n      - \"/usr/lib/libx.so\"\n") != std::string::npos);
  CHECK(y.find("      readOnlyPaths:\n      - \"/etc/app/conf\"\n      - \"/srv/\"\n") !=
        std::string::npos);
  CHECK(y.find("      writeOnlyPaths:\n      - \"/var/log/app.log\"\n") != std::string::npos);
  // /srv/** is read only, but SPO's `deny /srv/** wlk` would stop the writes to /srv/db.
  CHECK(y.find("      readWritePaths:\n      - \"/srv/**\"\n      - \"/srv/db\"\n") !=
        std::string::npos);
  CHECK(y.find("        allowTcp: true\n        allowUdp: false\n") != std::string::npos);
  CHECK(y.find("      allowedCapabilities:\n      - \"net_bind_service\"\n") != std::string::npos);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].find("/srv/** made read-write") != std::string::npos);
  CHECK(notes[1].find("network unix stream left out") != std::string::npos);
}

}  // namespace seclearn
