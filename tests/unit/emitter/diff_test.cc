// Golden-file tests of `seclearn diff` output (human and JSON). SECLEARN_UPDATE_GOLDEN=1
// rewrites them.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "aa_parser.h"
#include "seclearn/emitter/diff.h"
#include "seclearn/emitter/path_glob.h"

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
  p.default_action = SeccompAction::kErrno;
  p.default_errno_ret = 1;
  p.architectures = {"SCMP_ARCH_X86_64"};
  SeccompRule r;
  r.names = std::move(names);
  r.action = SeccompAction::kAllow;
  r.comment = "web: syscalls observed in 2 learned runs";
  p.syscalls.push_back(r);
  return p;
}

SeccompRule SocketOnly(uint64_t family) {
  SeccompRule r;
  r.names = {"socket"};
  r.action = SeccompAction::kAllow;
  r.args = {SeccompArg{0, family, 0, SeccompOp::kEq}};
  return r;
}

// An AppArmor profile around `rules`, checked by the real apparmor_parser (these cases are
// [oracle]: the fixtures are profiles AppArmor itself accepts).
std::string AaProfile(const std::string& rules) {
  const std::string text = "abi <abi/3.0>,\n#include <tunables/global>\n"
                           "profile app flags=(attach_disconnected) {\n"
                           "  #include <abstractions/base>\n" + rules + "}\n";
  REQUIRE(testing::HaveAppArmorParser());
  const auto run = testing::RunAppArmorParser(text);
  INFO(run.output);
  CHECK(run.status == 0);
  return text;
}

ProfileDiff AaDiff(const std::string& old_rules, const std::string& new_rules) {
  auto d = DiffAppArmor(AaProfile(old_rules), "old.apparmor", AaProfile(new_rules),
                        "new.apparmor");
  REQUIRE(d.has_value());
  return *d;
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
  runtime.action = SeccompAction::kAllow;
  runtime.comment = "runc 1.1.x: the runtime's own calls";
  runtime.runtime = true;  // export --runtime marks it; its comment carries the mark in JSON
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
  new_p.default_action = SeccompAction::kAllow;
  new_p.syscalls[0].action = SeccompAction::kErrno;
  ProfileDiff d = DiffSeccomp(old_p, new_p);
  REQUIRE(d.changes.size() == 1);
  CHECK(d.changes[0].category == ChangeCategory::kDefault);
  CHECK(d.changes[0].widens());
  CHECK(d.changes[0].high_risk);
}

TEST_CASE("diff: includes and excludes are conditions of their own", "[unit][emitter]") {
  // containers-common's shape: bpf allowed only with CAP_SYS_ADMIN, arch_prctl on amd64.
  SeccompProfile old_p = Profile({"read"});
  SeccompRule bpf;
  bpf.names = {"bpf"};
  bpf.action = SeccompAction::kAllow;
  bpf.includes.caps = {"CAP_SYS_ADMIN"};
  old_p.syscalls.push_back(bpf);
  SeccompRule arch = bpf;
  arch.names = {"arch_prctl"};
  arch.includes = {};
  arch.includes.arches = {"amd64", "x32"};
  old_p.syscalls.push_back(arch);
  CHECK(DiffSeccomp(old_p, old_p).changes.empty());

  // bpf allowed outright widens it; chroot, allowed outright before, now needs
  // CAP_SYS_CHROOT: narrowed. arch_prctl's rule is the same.
  old_p.syscalls[0].names.push_back("chroot");
  SeccompProfile new_p = Profile({"read", "bpf"});
  new_p.syscalls.push_back(arch);
  SeccompRule chroot = bpf;
  chroot.names = {"chroot"};
  chroot.includes.caps = {"CAP_SYS_CHROOT"};
  new_p.syscalls.push_back(chroot);
  ProfileDiff d = DiffSeccomp(old_p, new_p);
  REQUIRE(d.changes.size() == 2);
  CHECK(d.changes[0].subject == "bpf");
  CHECK(d.changes[0].kind == ChangeKind::kWidened);
  CHECK(d.changes[0].detail == "any arguments (was only with CAP_SYS_ADMIN)");
  CHECK(d.changes[1].subject == "chroot");
  CHECK(d.changes[1].kind == ChangeKind::kNarrowed);
  CHECK(d.changes[1].detail == "only with CAP_SYS_CHROOT (was any arguments)");
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

TEST_CASE("diff apparmor: a file widened to a ** glob is one change", "[oracle][emitter]") {
  ProfileDiff d = AaDiff("  /etc/app/conf.json r,\n  /usr/bin/app ix,\n",
                         "  /usr/bin/app ix,\n  /etc/app/** r,\n");
  REQUIRE(d.changes.size() == 1);
  const Change& c = d.changes[0];
  CHECK(c.category == ChangeCategory::kFile);
  CHECK(c.kind == ChangeKind::kWidened);
  CHECK(c.detail == "/etc/app/conf.json -> /etc/app/** (r)");
  CHECK_FALSE(c.high_risk);
  CheckDiffGolden("diff_aa_glob", d);
}

TEST_CASE("diff apparmor: modes widened, writing under /etc is high risk", "[oracle][emitter]") {
  ProfileDiff d = AaDiff("  /srv/data/db r,\n  /etc/app/conf.json r,\n  /var/log/app.log a,\n",
                         "  /var/log/app.log a,\n  /srv/data/db rwk,\n  /etc/app/conf.json rw,\n");
  REQUIRE(d.changes.size() == 2);
  CHECK(d.widened() == 2);
  CHECK(d.high_risk() == 1);
  CHECK(d.changes[0].subject == "/etc/app/conf.json");
  CHECK(d.changes[0].high_risk);
  CHECK(d.changes[1].detail == "r -> rwk");
  CheckDiffGolden("diff_aa_modes", d);
}

TEST_CASE("diff apparmor: narrowing only", "[oracle][emitter]") {
  ProfileDiff d = AaDiff(
      "  capability chown,\n  network inet stream,\n  network inet dgram,\n"
      "  /srv/data/** rw,\n  /var/log/app.log rw,\n  /tmp/x r,\n",
      "  network inet stream,\n  /srv/data/db rw,\n  /var/log/app.log w,\n"
      "  deny /sys/** w,\n");
  CHECK(d.widened() == 0);
  CHECK(d.narrowed() == 6);
  CheckDiffGolden("diff_aa_narrowing", d);
}

TEST_CASE("diff apparmor: high-risk capability, network, mount, ptrace and a lifted deny",
          "[oracle][emitter]") {
  ProfileDiff d = AaDiff(
      "  network inet stream,\n  ptrace (read) peer=@{profile_name},\n"
      "  deny @{PROC}/sys/** w,\n",
      "  network inet stream,\n  network packet raw,\n  capability sys_admin,\n"
      "  capability net_bind_service,\n  mount fstype=tmpfs,\n"
      "  ptrace (read,trace) peer=@{profile_name},\n  ptrace (trace),\n"
      "  #include <abstractions/nameservice>\n");
  CHECK(d.widened() == 8);
  CHECK(d.high_risk() == 5);
  for (const Change& c : d.changes) {
    INFO(c.CategoryName() << " " << c.subject);
    const bool risky = c.subject == "sys_admin" || c.subject == "packet raw" ||
                       c.CategoryName() == "mount" || c.subject == "(trace)" ||
                       c.subject == "@{PROC}/sys/**";
    CHECK(c.high_risk == risky);
  }
  CheckDiffGolden("diff_aa_high_risk", d);
}

TEST_CASE("diff apparmor: a glob narrowed to a path that gains write is a widening",
          "[oracle][emitter]") {
  ProfileDiff d = AaDiff("  /etc/app/** r,\n", "  /etc/app/conf.json rw,\n");
  REQUIRE(d.changes.size() == 1);
  CHECK(d.changes[0].kind == ChangeKind::kWidened);
  CHECK(d.changes[0].detail == "/etc/app/** -> /etc/app/conf.json (r -> rw)");
  CHECK(d.changes[0].high_risk);  // write under /etc
}

TEST_CASE("diff apparmor: redundant rules and reordering are no difference", "[oracle][emitter]") {
  ProfileDiff d = AaDiff("  /etc/** r,\n  network inet stream,\n  capability chown,\n",
                         "  capability chown,\n  /etc/** r,\n  /etc/hosts r,\n"
                         "  network inet stream,\n");
  CHECK(d.changes.empty());
}

TEST_CASE("diff apparmor: owner dropped, exec made unconfined, complain mode",
          "[oracle][emitter]") {
  ProfileDiff d = AaDiff("  owner /tmp/x rw,\n  /usr/bin/tool ix,\n",
                         "  /tmp/x rw,\n  /usr/bin/tool ux,\n");
  REQUIRE(d.changes.size() == 2);
  CHECK(d.changes[0].detail == "owner /tmp/x -> /tmp/x (rw)");
  CHECK(d.changes[0].kind == ChangeKind::kWidened);
  CHECK(d.changes[1].subject == "/usr/bin/tool");
  CHECK(d.changes[1].high_risk);  // ux: no profile at all

  const std::string enforce = AaProfile("  /etc/a r,\n");
  std::string complain = enforce;
  complain.replace(complain.find("flags=("), 7, "flags=(complain,");
  auto m = DiffAppArmor(enforce, "old", complain, "new");
  REQUIRE(m.has_value());
  REQUIRE(m->changes.size() == 1);
  CHECK(m->changes[0].category == ChangeCategory::kProfile);
  CHECK(m->changes[0].high_risk);
}

TEST_CASE("diff apparmor: every file entry of the risk table grades its own rule high",
          "[oracle][emitter]") {
  const std::string table = ReadGolden("../../data/risk/high.json");
  auto doc = ParseJson(table, "high.json");
  REQUIRE(doc.has_value());
  const Json* files = doc->Find("apparmor_files");
  REQUIRE(files != nullptr);
  REQUIRE(files->AsObject().size() >= 10);
  for (const auto& [key, reason] : files->AsObject()) {
    INFO(key);
    ProfileDiff d = AaDiff("", "  " + key + ",\n");
    REQUIRE(d.changes.size() == 1);
    CHECK(d.changes[0].high_risk);
    CHECK(d.changes[0].reason == reason.AsString());
  }
}

TEST_CASE("diff apparmor: each kind of rule the risk table names is graded high",
          "[oracle][emitter]") {
  // userns needs AppArmor 4's parser; complain mode and ux are tested above.
  for (const char* rule : {"mount", "remount", "umount", "pivot_root", "ptrace (trace)",
                           "network", "network raw", "network inet6 raw", "network packet",
                           "capability", "capability sys_ptrace", "change_profile"}) {
    INFO(rule);
    ProfileDiff d = AaDiff("", std::string("  ") + rule + ",\n");
    REQUIRE(d.changes.size() == 1);
    CHECK(d.changes[0].high_risk);
  }
  ProfileDiff own = AaDiff("", "  ptrace (read,trace) peer=@{profile_name},\n  signal,\n");
  CHECK(own.high_risk() == 0);
}

TEST_CASE("diff apparmor: malformed input names file, line and problem", "[oracle][emitter]") {
  const std::string good = AaProfile("  /etc/a r,\n");
  auto check = [&](const std::string& bad, const std::string& message) {
    auto d = DiffAppArmor(good, "old.apparmor", bad, "new.apparmor");
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().context == message);
  };
  check("profile app {\n  /etc/a r,\n  frobnicate all,\n}\n",
        "new.apparmor:3: unknown rule 'frobnicate' (a file rule needs a path starting with / "
        "or @{ and modes)");
  check("profile app {\n  capability fly,\n}\n", "new.apparmor:2: unknown capability 'fly'");
  check("profile app {\n  /etc/a r\n  /etc/b r,\n}\n",
        "new.apparmor:2: unexpected '/etc/b' after file rule '/etc/a r' (a missing ','?)");
  check("profile app {\n  /etc/a zz,\n}\n", "new.apparmor:2: unknown file mode 'z' in 'zz'");
  CHECK(LooksLikeAppArmor(good));
  CHECK_FALSE(LooksLikeAppArmor("CHOWN\nSYS_ADMIN\n"));
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("diff apparmor: the work for a variable grows linearly with its values",
          "[unit][emitter]") {
  // A new rule through a variable of n values, compared with the old rules and graded against
  // the risk table. The glob walks' own count of what they examined, not a clock.
  const auto work = [](int n) {
    std::string values;
    for (int i = 0; i < n; ++i) values += " /srv/v" + std::to_string(i);
    const std::string old_text = "profile app {\n  /srv/a r,\n  /srv/** r,\n}\n";
    const std::string new_text =
        "@{X}=" + values + "\nprofile app {\n  /srv/a r,\n  @{X}/data rw,\n}\n";
    const uint64_t before = AaGlob::WorkDone();
    auto d = DiffAppArmor(old_text, "old.apparmor", new_text, "new.apparmor");
    REQUIRE(d.has_value());
    REQUIRE_FALSE(d->changes.empty());
    return AaGlob::WorkDone() - before;
  };
  const uint64_t small = work(2000), large = work(8000);
  INFO("work for 2000 values: " << small << ", for 8000: " << large);
  CHECK(large < 6 * small);  // 4x the values: 4x the work, not 16x
}

}  // namespace seclearn
