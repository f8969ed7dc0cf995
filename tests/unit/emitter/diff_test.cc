// Golden-file tests of `seclearn diff` output (human and JSON). SECLEARN_UPDATE_GOLDEN=1
// rewrites them.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "seclearn/emitter/diff.h"

namespace seclearn {
namespace {

std::string ReadGolden(const std::string& name) {
  std::ifstream in(std::string(SECLEARN_GOLDEN_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void CheckDiffGolden(const std::string& stem, const ProfileDiff& d) {
  const std::string text = FormatDiff(d, {});
  const std::string json = WriteJson(DiffToJson(d));
  if (std::getenv("SECLEARN_UPDATE_GOLDEN")) {
    std::ofstream(std::string(SECLEARN_GOLDEN_DIR) + "/" + stem + ".txt", std::ios::binary) << text;
    std::ofstream(std::string(SECLEARN_GOLDEN_DIR) + "/" + stem + ".json", std::ios::binary)
        << json;
  }
  CHECK(text == ReadGolden(stem + ".txt"));
  CHECK(json == ReadGolden(stem + ".json"));
}

SeccompProfile Profile(std::vector<std::string> names) {
  SeccompProfile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno_ret = 1;
  p.architectures = {"SCMP_ARCH_X86_64"};
  SeccompRule r;
  r.names = std::move(names);
  r.action = "SCMP_ACT_ALLOW";
  r.comment = "web: syscalls observed in 2 learned runs";
  p.syscalls.push_back(r);
  return p;
}

SeccompRule SocketOnly(uint64_t family) {
  SeccompRule r;
  r.names = {"socket"};
  r.action = "SCMP_ACT_ALLOW";
  r.args = {SeccompArg{0, family, 0, "SCMP_CMP_EQ"}};
  return r;
}

ProfileDiff Named(ProfileDiff d) {
  d.old_name = "old.json";
  d.new_name = "new.json";
  return d;
}

}  // namespace

TEST_CASE("diff: identical profiles, rules reordered, is no difference", "[unit][emitter]") {
  SeccompProfile a = Profile({"read", "write", "close"});
  a.syscalls.push_back(SocketOnly(1));
  SeccompProfile b = Profile({"close", "read", "write"});
  b.syscalls.insert(b.syscalls.begin(), SocketOnly(1));
  b.syscalls[1].comment = "another comment";
  ProfileDiff d = Named(DiffSeccomp(a, b));
  CHECK(d.changes.empty());
  CheckDiffGolden("diff_identical", d);
}

TEST_CASE("diff: pure narrowing", "[unit][emitter]") {
  SeccompProfile old_p = Profile({"read", "write", "ioctl", "socket"});
  SeccompProfile new_p = Profile({"read", "write"});
  new_p.syscalls.push_back(SocketOnly(1));  // socket now only for AF_UNIX
  ProfileDiff d = Named(DiffSeccomp(old_p, new_p));
  CHECK(d.widened() == 0);
  CHECK(d.narrowed() == 2);
  CheckDiffGolden("diff_narrowing", d);
}

TEST_CASE("diff: a new harmless syscall, and a widened argument", "[unit][emitter]") {
  SeccompProfile old_p = Profile({"read", "write"});
  old_p.syscalls.push_back(SocketOnly(1));
  SeccompProfile new_p = Profile({"read", "write", "getrandom"});
  new_p.syscalls.push_back(SocketOnly(1));
  new_p.syscalls.push_back(SocketOnly(2));
  ProfileDiff d = Named(DiffSeccomp(old_p, new_p));
  REQUIRE(d.changes.size() == 2);
  CHECK(d.changes[0].subject == "getrandom");
  CHECK_FALSE(d.changes[0].high_risk);
  CHECK(d.changes[1].subject == "socket");
  CHECK(d.changes[1].kind == ChangeKind::kWidened);
  CHECK_FALSE(d.changes[1].high_risk);  // AF_INET: what every networked program uses
  CheckDiffGolden("diff_harmless", d);

  new_p.syscalls.push_back(SocketOnly(17));  // AF_PACKET: sniffs the host's traffic
  ProfileDiff packet = DiffSeccomp(old_p, new_p);
  REQUIRE(packet.changes.size() == 2);
  CHECK(packet.changes[1].high_risk);
}

TEST_CASE("diff: a new high-risk syscall, and the runtime's names apart", "[unit][emitter]") {
  SeccompProfile old_p = Profile({"read", "write"});
  SeccompProfile new_p = Profile({"read", "write", "keyctl", "ptrace"});
  SeccompRule runtime;
  runtime.names = {"capset", "setuid"};
  runtime.action = "SCMP_ACT_ALLOW";
  runtime.comment = "runc 1.1.x: made by the runtime after it installs this filter";
  new_p.syscalls.push_back(runtime);
  new_p.architectures.push_back("SCMP_ARCH_X86");
  ProfileDiff d = Named(DiffSeccomp(old_p, new_p));
  CHECK(d.widened() == 5);
  CHECK(d.high_risk() == 2);
  for (const Change& c : d.changes) {
    if (c.subject == "keyctl" || c.subject == "ptrace") CHECK(c.high_risk);
    if (c.subject == "capset" || c.subject == "setuid") CHECK(c.from_runtime);
  }
  CheckDiffGolden("diff_high_risk", d);
}

TEST_CASE("diff: a default action that allows everything is a high-risk widening",
          "[unit][emitter]") {
  SeccompProfile old_p = Profile({"read"});
  SeccompProfile new_p = Profile({"read"});
  new_p.default_action = "SCMP_ACT_ALLOW";
  new_p.syscalls[0].action = "SCMP_ACT_ERRNO";
  ProfileDiff d = DiffSeccomp(old_p, new_p);
  REQUIRE(d.changes.size() == 1);
  CHECK(d.changes[0].category == "default");
  CHECK(d.changes[0].widens());
  CHECK(d.changes[0].high_risk);
}

TEST_CASE("diff: a new capability", "[unit][emitter]") {
  auto old_caps = ParseCapabilityList("--cap-drop=ALL --cap-add=CHOWN", "old.flags");
  auto new_caps = ParseCapabilityList("chown, net_bind_service\nCAP_SYS_ADMIN # for mount\n",
                                      "new.txt");
  REQUIRE(old_caps.has_value());
  REQUIRE(new_caps.has_value());
  ProfileDiff d = Named(DiffCapabilities(*old_caps, *new_caps));
  CHECK(d.widened() == 2);
  CHECK(d.high_risk() == 1);  // CAP_SYS_ADMIN
  CheckDiffGolden("diff_capability", d);

  auto oci = ParseCapabilityList(R"({"effective": ["CAP_CHOWN", "CAP_KILL"]})", "caps.json");
  REQUIRE(oci.has_value());
  CHECK(*oci == std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"});
  auto bad = ParseCapabilityList("CHOWN\nCAP_FLY\n", "bad.txt");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().context == "bad.txt:2: 'CAP_FLY' is not a capability name");
}

}  // namespace seclearn
