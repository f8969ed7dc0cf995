// Reading AppArmor profiles back (seclearn check): Debian's own abstractions and tunables,
// rule forms, deny and owner, errors with file:line. Where it matters, compared with the DFA
// the real apparmor_parser builds from the same text.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "aa_parser.h"
#include "seclearn/core/facts.h"
#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/diff.h"
#include "support/skip.h"
#include "support/temp_dir.h"

namespace seclearn {
namespace {

using testing::AaDfa;

Result<AaPolicy> Parse(const std::string& text, const std::string& profile = "") {
  AaParseOptions o;
  o.profile = profile;
  return ParseAppArmorText(text, "t.profile", o);
}

}  // namespace

TEST_CASE("check: Debian's abstractions/base and tunables parse and match like the kernel",
          "[oracle][emitter]") {
  const std::string text =
      "abi <abi/3.0>,\n"
      "#include <tunables/global>\n"
      "profile base-only flags=(attach_disconnected) {\n"
      "  #include <abstractions/base>\n"
      "  include <abstractions/nameservice>\n"
      "}\n";
  auto policy = Parse(text);
  INFO((policy ? "" : policy.error().Message()));
  REQUIRE(policy.has_value());
  CHECK(policy->model().name == "base-only");
  CHECK(policy->model().files.size() > 50);
  auto run = testing::RunAppArmorParser(text, {"-D", "dfa-states"});
  REQUIRE(run.status == 0);
  const AaDfa dfa = AaDfa::Parse(run.output);
  const std::vector<std::string> probes = {
      "/etc/ld.so.cache",
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
      "/lib/x86_64-linux-gnu/libm.so.6",
      "/etc/passwd",
      "/etc/shadow",
      "/proc/1/maps",
      "/proc/12345/status",
      "/proc/12345/environ",
      "/dev/null",
      "/dev/sda",
      "/usr/share/zoneinfo/UTC",
      "/usr/share/doc/x",
      "/etc/nsswitch.conf",
      "/run/systemd/resolve/stub-resolv.conf",
      "/sys/devices/system/cpu/online",
      "/sys/devices/system/cpu/",
      "/tmp/x",
      "/usr/lib/python3.11/os.py",
  };
  for (const auto& p : probes) {
    INFO(p);
    for (uint32_t perm : {kAaRead, kAaWrite, kAaMmap}) {
      const uint32_t bit = perm == kAaRead    ? AaDfa::kRead
                           : perm == kAaWrite ? AaDfa::kWrite
                                              : AaDfa::kMmap;
      CHECK(policy->Missing(p, perm) == ((dfa.Perms(p) & bit) ? 0u : perm));
    }
  }
}

TEST_CASE("check: rule forms, qualifiers and variables", "[unit][emitter]") {
  auto policy = Parse(R"(
# a comment, then a variable and an addition to it
@{DATA}=/srv/data /srv/more
@{DATA}+=/srv/extra  # trailing comment
profile "quoted name" /usr/bin/app {
  @{DATA}/** r,
  r /opt/reverse,
  audit owner /home/*/.app/** rw,
  deny /srv/data/secret rw,
  file /opt/filekw mr,
  "/opt/with space" w,
  /usr/bin/helper Px -> helper,
  network inet stream,
  capability chown,
  dbus send
       bus=system
       member="{Hello,AddMatch}"
       peer=(name="org.freedesktop.DBus"),
  signal (send, receive) peer=@{profile_name},
  profile helper {
    /nested/only r,
  }
  ^hat {
    /hat/only r,
  }
}
profile other {
  /other/only r,
}
)");
  INFO((policy ? "" : policy.error().Message()));
  REQUIRE(policy.has_value());
  CHECK(policy->model().name == "quoted name");
  CHECK(policy->Missing("/srv/data/a/b", kAaRead) == 0);
  CHECK(policy->Missing("/srv/extra/x", kAaRead) == 0);
  CHECK(policy->Missing("/srv/data/a", kAaWrite) == kAaWrite);
  CHECK(policy->Missing("/srv/data/secret", kAaRead | kAaWrite) == (kAaRead | kAaWrite));
  CHECK(policy->Missing("/opt/reverse", kAaRead) == 0);
  CHECK(policy->Missing("/home/u/.app/db", kAaWrite | kAaAppend) == 0);
  CHECK(policy->Missing("/opt/filekw", kAaMmap) == 0);
  CHECK(policy->Missing("/opt/with space", kAaAppend) == 0);  // w grants a
  CHECK(policy->Missing("/usr/bin/helper", kAaExec) == 0);
  CHECK(policy->Missing("/nested/only", kAaRead) == kAaRead);
  CHECK(policy->Missing("/hat/only", kAaRead) == kAaRead);
  CHECK(policy->Missing("/other/only", kAaRead) == kAaRead);

  auto other = Parse("profile a { /a r, }\nprofile b { /b r, }\n", "b");
  REQUIRE(other.has_value());
  CHECK(other->Missing("/b", kAaRead) == 0);
  CHECK(other->Missing("/a", kAaRead) == kAaRead);

  auto all = Parse("profile a { file, deny /etc/shadow r, }\n");
  REQUIRE(all.has_value());
  CHECK(all->Missing("/anything/at/all", kAaRead | kAaWrite | kAaExec) == 0);
  CHECK(all->Missing("/etc/shadow", kAaRead) == kAaRead);
}

TEST_CASE("check: malformed profiles are errors naming file:line", "[unit][emitter]") {
  struct Bad {
    std::string text;
    std::string where;
  };
  const std::vector<Bad> bad = {
      {"profile a {\n  /a r\n}\n", "t.profile:2:"},  // missing comma
      {"profile a {\n  /a r,\n", "t.profile:1:"},    // missing }
      {"profile a {\n  /a/{b r,\n}\n", "t.profile:2:"},
      {"profile a {\n\n  /a zz,\n}\n", "t.profile:3:"},
      {"profile a {\n  @{nosuch}/x r,\n}\n", "t.profile:2:"},
      {"#include <no/such/file>\nprofile a {\n}\n", "t.profile:1:"},
      {"}\n", "t.profile:1:"},
      {"profile a {\n  \"/unterminated r,\n}\n", "t.profile:2:"},
      {"/a r,\n", "no profile"},
      {"profile a {\n  /a r\n  /b w,\n}\n", "t.profile:2:"},  // two rules, one comma
  };
  for (const auto& b : bad) {
    auto r = Parse(b.text);
    INFO(b.text);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().Message());
    CHECK(r.error().Message().find(b.where) != std::string::npos);
  }
  auto missing = ParseAppArmorFile("/nonexistent/profile", AaParseOptions{});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().Message().find("/nonexistent/profile") != std::string::npos);
}

TEST_CASE("check: required permissions per access", "[unit][emitter]") {
  CHECK(RequiredAaPerms(kAccessRead) == kAaRead);
  CHECK(RequiredAaPerms(kAccessStat) == kAaRead);
  CHECK(RequiredAaPerms(kAccessChdir) == 0);
  CHECK(RequiredAaPerms(kAccessCreate) == kAaAppend);
  CHECK(RequiredAaPerms(kAccessDelete) == kAaWrite);
  CHECK(RequiredAaPerms(kAccessExec | kAccessMmapExec) == (kAaExec | kAaMmap));
  CHECK(AaPermString(kAaRead | kAaWrite | kAaAppend) == "rw");
  CHECK(AaPermString(kAaAppend | kAaMmap) == "ma");
  CHECK(ParseAaModes("Pix").value() == kAaExec);
  CHECK_FALSE(ParseAaModes("rq").has_value());
}

}  // namespace seclearn

namespace seclearn {
namespace {

bool Grants(const AaPolicy& p, const std::string& path, uint32_t perm = kAaRead) {
  return p.Missing(path, perm) == 0;
}

}  // namespace

TEST_CASE("check: quoted paths end where apparmor_parser's lexer ends them", "[oracle][emitter]") {
  if (!testing::HaveAppArmorParser()) SkipTest("apparmor_parser (package apparmor)");
  struct Case {
    std::string rules;                 // inside `profile t { ... }`
    std::vector<std::string> granted;  // read access, when both accept
    std::vector<std::string> refused;
  };
  const std::vector<Case> cases = {
      // \\ right before the closing quote reads as an escaped quote when a quote follows.
      {"  \"/d/a\\\\\" r,\n  \"/d/b c\" r,\n", {}, {}},
      {"  \"/d/a\\\\\" r,\n", {"/d/a\\"}, {"/d/a", "/d/a\\\\"}},
      {"  \"/d/a\\134\" r,\n  \"/d/b c\" r,\n", {"/d/a\\", "/d/b c"}, {"/d/a", "/d/b"}},
      {"  \"/d/q\\\"\" r,\n  \"/d/b c\" r,\n", {"/d/q\"", "/d/b c"}, {"/d/q"}},
      {"  \"/d/a\\\\\\\"b\" r,\n  \"/d/c d\" r,\n", {"/d/a\\\"b", "/d/c d"}, {"/d/a\\"}},
      // Escapes decoded before the glob is read: \052 is a literal *, \x41 an A; \477 is
      // \47 then 7 (octal stops at 255); an unknown escape is the character itself.
      {"  \"/d/\\052\" r,\n  \"/d/\\x41\\477\" r,\n  /d/\\q r,\n",
       {"/d/*", "/d/A'7", "/d/q"},
       {"/d/x", "/d/A7"}},
      {"  \"/d/\\a\\e\\f\\t\\d065\" r,\n", {"/d/\a\033\f\tA"}, {"/d/"}},
      // @{ spelt with an escape is a variable reference all the same; @\{ is not one.
      {"  \"/d/\\100{pid}\" r,\n  \"/d/@\\{pid\\}\" r,\n", {"/d/42", "/d/@{pid}"}, {"/d/x"}},
  };
  for (const auto& c : cases) {
    const std::string text =
        "abi <abi/3.0>,\ninclude <tunables/global>\nprofile t {\n" + c.rules + "}\n";
    INFO(text);
    auto run = testing::RunAppArmorParser(text, {"-D", "dfa-states"});
    INFO(run.output.substr(0, 500));
    auto policy = Parse(text);
    INFO((policy ? "" : policy.error().Message()));
    REQUIRE(policy.has_value() == (run.status == 0));
    if (!policy) continue;
    const AaDfa dfa = AaDfa::Parse(run.output);
    for (const auto& p : c.granted) {
      INFO(p);
      CHECK(Grants(*policy, p));
      CHECK((dfa.Perms(p) & AaDfa::kRead) != 0);
    }
    for (const auto& p : c.refused) {
      INFO(p);
      CHECK_FALSE(Grants(*policy, p));
      CHECK((dfa.Perms(p) & AaDfa::kRead) == 0);
    }
  }
}

TEST_CASE("check: every file the apparmor package ships reads as apparmor_parser reads it",
          "[oracle][emitter]") {
  namespace fs = std::filesystem;
  const fs::path root = "/etc/apparmor.d";
  if (!testing::HaveAppArmorParser() || !fs::is_directory(root / "abstractions") ||
      !fs::is_regular_file(root / "tunables/global"))
    SkipTest("the apparmor package (apparmor_parser, /etc/apparmor.d)");
  // Abstractions and tunables are parts of a profile: each is read the way a profile takes it.
  struct Input {
    std::string file, text;
    bool wrapped;  // text includes `file`; else text is the file's own
  };
  std::vector<Input> inputs;
  for (const char* dir : {"abstractions", "tunables"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file()) continue;
      const std::string rel = fs::relative(e.path(), root).string();
      const std::string wrapped =
          std::string(dir) == "abstractions"
              ? "abi <abi/3.0>,\ninclude <tunables/global>\nprofile stock {\n  include <" + rel +
                    ">\n}\n"
              : "abi <abi/3.0>,\ninclude <tunables/global>\ninclude <" + rel +
                    ">\nprofile stock {\n}\n";
      inputs.push_back({e.path().string(), wrapped, true});
    }
  }
  for (const auto& e : fs::directory_iterator(root)) {
    if (!e.is_regular_file()) continue;  // the profiles themselves
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    inputs.push_back({e.path().string(), ss.str(), false});
  }
  REQUIRE(inputs.size() > 50);
  size_t accepted = 0;
  for (const auto& in : inputs) {
    INFO(in.file);
    const auto run = testing::RunAppArmorParser(in.text);
    auto policy = in.wrapped ? ParseAppArmorText(in.text, "stock.profile", AaParseOptions{})
                             : ParseAppArmorFile(in.file, AaParseOptions{});
    INFO(run.output.substr(0, 500));
    INFO((policy ? "" : policy.error().Message()));
    CHECK(policy.has_value() == (run.status == 0));
    accepted += policy.has_value() ? 1 : 0;
  }
  CHECK(accepted == inputs.size());  // Debian's own files are all valid
}

TEST_CASE("check: includes read regular files only, each once, without cycles or bound",
          "[unit][emitter]") {
  TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
  };
  REQUIRE(::symlink("/dev/zero", (dir / "zero").c_str()) == 0);
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  write("rules", "/srv/included r,\n");
  write("self", "include <self>\n");
  write("loop1", "/srv/loop1 r,\ninclude <loop2>\n");
  write("loop2", "include <loop1>\n");
  write("twice", "include <rules>\ninclude <rules>\ninclude <loop-free>\n");
  write("loop-free", "include <rules>\n");
  for (int i = 0; i < 40; ++i)
    write("chain" + std::to_string(i), "include <chain" + std::to_string(i + 1) + ">\n");
  write("chain40", "/srv/deep r,\n");
  write("big", "");
  std::filesystem::resize_file(dir / "big", (16u << 20) + 1);  // sparse: nothing is written
  AaParseOptions o;
  o.include_dirs = {dir.path};
  const auto parse = [&](const std::string& body) {
    write("p.apparmor", "profile p {\n" + body + "}\n");
    return ParseAppArmorFile(dir / "p.apparmor", o);
  };
  // One line: the file and line of the include at fault, then what is wrong.
  const auto error_of = [&](const std::string& body, const std::string& where) {
    auto r = parse(body);
    REQUIRE_FALSE(r.has_value());
    const std::string m = r.error().Message();
    CHECK(m.find('\n') == std::string::npos);
    CHECK(m.rfind(dir / where, 0) == 0);
    return m;
  };
  CHECK_THAT(error_of("  include <zero>\n", "p.apparmor:2: include <zero>: "),
             Catch::Contains("/zero is not a regular file"));
  CHECK_THAT(error_of("  include <fifo>\n", "p.apparmor:2: include <fifo>: "),
             Catch::Contains("/fifo is not a regular file"));
  CHECK_THAT(error_of("  include \"/dev/zero\"\n", "p.apparmor:2: include \"/dev/zero\": "),
             Catch::Contains("/dev/zero is not a regular file"));
  CHECK_THAT(error_of("  include if exists <fifo>\n", "p.apparmor:2: "),
             Catch::Contains("not a regular file"));
  CHECK_THAT(error_of("  include <self>\n", "self:1: include <self>: "),
             Catch::Contains("/self includes itself (an include cycle)"));
  CHECK_THAT(error_of("  include <loop1>\n", "loop2:1: include <loop1>: "),
             Catch::Contains("/loop1 includes itself"));
  CHECK_THAT(error_of("  include \"p.apparmor\"\n", "p.apparmor:2: "),
             Catch::Contains("p.apparmor includes itself"));
  CHECK_THAT(error_of("  include <chain0>\n", "chain31:1: include <chain32>: "),
             Catch::Contains("nest more than 32 deep"));
  CHECK_THAT(error_of("  include <big>\n", "p.apparmor:2: include <big>: "),
             Catch::Contains("/big is larger than 16 MiB"));

  // The same file twice in one block, as apparmor_parser: read once.
  auto twice = parse("  include <twice>\n  include <rules> # and a comment\n");
  INFO((twice ? "" : twice.error().Message()));
  REQUIRE(twice.has_value());
  CHECK(twice->model().files.size() == 1);
  CHECK(Grants(*twice, "/srv/included"));
  auto shallow = parse("  include <chain20>\n");
  REQUIRE(shallow.has_value());
  CHECK(Grants(*shallow, "/srv/deep"));

  // diff reads the includes before the profile (tunables) the same way.
  for (const std::string inc : {"\"zero\"", "\"fifo\"", "\"d.apparmor\"", "\"/dev/zero\""}) {
    const std::string text = "include " + inc + "\nprofile p {\n}\n";
    write("d.apparmor", text);
    auto d = DiffAppArmor(text, dir / "d.apparmor", "profile p {\n}\n", "new");
    INFO(inc);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().Message().find(dir / "d.apparmor:1: include " + inc) == 0);
  }
}

}  // namespace seclearn
