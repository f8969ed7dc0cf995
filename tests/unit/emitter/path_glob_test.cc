// Path generalisation, literal escaping and AppArmor glob matching. The matcher is checked
// against the DFA the real apparmor_parser compiles from the same expressions.
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "aa_parser.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {
namespace {

using testing::AaDfa;
using testing::RunAppArmorParser;

bool Matches(const std::string& expr, const std::string& path) {
  auto g = AaGlob::Compile(expr, BuiltinAaVariables());
  REQUIRE(g.has_value());
  return g->Matches(path);
}

// The DFA apparmor_parser builds for one `EXPR r,` rule, with Debian's tunables.
AaDfa CompileOne(const std::string& token) {
  const std::string profile =
      "abi <abi/3.0>,\n#include <tunables/global>\nprofile t {\n  " + token + " r,\n}\n";
  auto run = RunAppArmorParser(profile, {"-D", "dfa-states"});
  INFO(profile << run.output);
  REQUIRE(run.status == 0);
  AaDfa dfa = AaDfa::Parse(run.output);
  REQUIRE_FALSE(dfa.empty());
  return dfa;
}

}  // namespace

TEST_CASE("generalisation: pids, tids, fds and ptys", "[unit][emitter]") {
  CHECK(GeneralizePath("/proc/4242/stat").Token() == "@{PROC}/@{pid}/stat");
  CHECK(GeneralizePath("/proc/self/maps").Token() == "@{PROC}/@{pid}/maps");
  CHECK(GeneralizePath("/proc/77/task/78/comm").Token() == "@{PROC}/@{pid}/task/@{tid}/comm");
  CHECK(GeneralizePath("/proc/thread-self/attr/current").Token() ==
        "@{PROC}/@{pid}/task/@{tid}/attr/current");
  CHECK(GeneralizePath("/proc/self/fd/3").Token() == "@{PROC}/@{pid}/fd/[0-9]*");
  CHECK(GeneralizePath("/proc/self/fd/").Token() == "@{PROC}/@{pid}/fd/");
  CHECK(GeneralizePath("/proc/sys/kernel/ngroups_max").Token() == "@{PROC}/sys/kernel/ngroups_max");
  CHECK(GeneralizePath("/proc/meminfo").Token() == "@{PROC}/meminfo");
  CHECK(GeneralizePath("/dev/pts/3").Token() == "/dev/pts/[0-9]*");
  CHECK(GeneralizePath("/dev/null").Token() == "/dev/null");
}

TEST_CASE("generalisation: temporary names keep their fixed parts", "[unit][emitter]") {
  // mktemp(1), mkstemp, Python's tempfile, SQLite's temp files, pids in names.
  CHECK(GeneralizePath("/tmp/tmp.AbC123xyZ9").Token() == R"(/tmp/tmp.??????????)");
  CHECK(GeneralizePath("/tmp/tmp.AbC123xyZ9/").Token() == R"(/tmp/tmp.??????????/)");
  CHECK(GeneralizePath("/tmp/report.Xa9kQ2").Token() == R"(/tmp/report.??????)");
  // mkdtemp's six with one change of kind (lower case, then digits): seen in a CI run.
  CHECK(GeneralizePath("/tmp/seclearn-e2e-apparmor_datadir.jtvv63/srv").Token() ==
        R"(/tmp/seclearn-e2e-apparmor_datadir.??????/srv)");
  CHECK(GeneralizePath("/tmp/out.42abcd").Token() == R"(/tmp/out.??????)");
  CHECK(GeneralizePath("/tmp/tmpk3j_x9ab").Token() == R"(/tmp/tmp????????)");
  CHECK(GeneralizePath("/tmp/tmpabcdefgh.json").Token() == R"(/tmp/tmp????????.json)");
  CHECK(GeneralizePath("/var/tmp/etilqs_3kT9aQ0xLm2Zp7Rw").Token() ==
        R"(/var/tmp/etilqs_????????????????)");
  CHECK(GeneralizePath("/tmp/tmpXq3Zz9").Token() == R"(/tmp/tmp??????)");
  CHECK(GeneralizePath("/run/user/1000/app.Zq8wK1/sock").Token() ==
        R"(/run/user/1000/app.??????/sock)");
  CHECK(GeneralizePath("/dev/shm/sem.mp-Ab12Cd").Token() == R"(/dev/shm/sem.mp-??????)");

  // Names that only look a little random stay literal.
  CHECK(GeneralizePath("/tmp/mydata.txt").Token() == "/tmp/mydata.txt");
  CHECK(GeneralizePath("/tmp/foo-bar.sqlite3").Token() == "/tmp/foo-bar.sqlite3");
  CHECK(GeneralizePath("/tmp/data.db-journal").Token() == "/tmp/data.db-journal");
  CHECK(GeneralizePath("/tmp/x86_64").Token() == "/tmp/x86_64");
  CHECK(GeneralizePath("/tmp/cache.backup").Token() == "/tmp/cache.backup");
  CHECK(GeneralizePath("/tmp/notes.python3").Token() == "/tmp/notes.python3");
  // Outside temporary directories, short digit runs and plain words are kept.
  CHECK(GeneralizePath("/srv/app/report.Xa9kQ2").Token() == "/srv/app/report.Xa9kQ2");
  CHECK(GeneralizePath("/usr/lib/x86_64-linux-gnu/libc.so.6").Token() ==
        "/usr/lib/x86_64-linux-gnu/libc.so.6");
  CHECK(GeneralizePath("/usr/lib/python3.11/__pycache__/abc.cpython-311.pyc").Token() ==
        "/usr/lib/python3.11/__pycache__/abc.cpython-311.pyc");
}

TEST_CASE("generalisation: a short number is a pid only under /proc", "[unit][emitter]") {
  // Names a workload chose: widening them would grant every number in their place.
  for (const char* path :
       {"/tmp/7", "/tmp/42", "/tmp/report-2024", "/tmp/sh-thd.12345", "/var/tmp/x.123",
        "/dev/shm/job-1", "/run/user/1000/app-42.sock", "/tmp/pytest-of-root/pytest-12/t0/data.db",
        "/srv/data/7", "/home/u/report-2024.pdf", "/tmp/9999999"}) {
    INFO(path);
    CHECK(GeneralizePath(path) == AaPathExpr().Literal(path));
  }
  CHECK(GeneralizePath("/proc/42/stat").Token() == "@{PROC}/@{pid}/stat");
  CHECK(GeneralizePath("/tmp/run-17000000.log").Token() ==
        "/tmp/run-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9].log");

  // A name seen once is never widened: names made of words and numbers of up to 7 digits
  // (no random-looking run), in temporary directories and elsewhere, stay literal.
  std::mt19937 rng(7);
  const std::vector<std::string> dirs = {"/tmp/",           "/var/tmp/", "/dev/shm/", "/run/lock/",
                                         "/run/user/1000/", "/srv/app/", "/home/u/",  "/var/log/"};
  const std::vector<std::string> words = {"a",  "x",    "v",    "log", "data", "report",
                                          "db", "sock", "part", "out", "job",  "cache"};
  const std::string separators = ".-_+~=@% ,";
  for (int i = 0; i < 5000; ++i) {
    std::string name;
    const int runs = 1 + static_cast<int>(rng() % 4);
    for (int r = 0; r < runs; ++r) {
      if (r > 0 || rng() % 4 == 0) name += separators[rng() % separators.size()];
      if (rng() % 2) {
        name += words[rng() % words.size()];
      } else {
        const int digits = 1 + static_cast<int>(rng() % 7);
        for (int d = 0; d < digits; ++d) name += static_cast<char>('0' + rng() % 10);
      }
    }
    const std::string path = dirs[rng() % dirs.size()] + name + (rng() % 3 ? "" : "/f");
    INFO(path << " -> " << GeneralizePath(path).Token());
    REQUIRE(GeneralizePath(path) == AaPathExpr().Literal(path));
  }
}

TEST_CASE("generalisation: uuids, hashes, timestamps, never the first segment or /etc",
          "[unit][emitter]") {
  CHECK(GeneralizePath("/var/lib/app/3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b.lock").Token() ==
        R"(/var/lib/app/????????-????-????-????-????????????.lock)");
  CHECK(GeneralizePath("/root/.cache/x/0123456789abcdef0123/blob").Token() ==
        R"(/root/.cache/x/????????????????????/blob)");
  CHECK(GeneralizePath("/var/log/app/run-1700000000.log").Token() ==
        "/var/log/app/run-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9].log");
  CHECK(GeneralizePath("/3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b/x").Token() ==
        "/3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b/x");
  CHECK(GeneralizePath("/etc/ssl/certs/0123456789abcdef0123.0").Token() ==
        "/etc/ssl/certs/0123456789abcdef0123.0");
}

TEST_CASE("generalised names cover the next run's names, and not their neighbours",
          "[oracle][emitter]") {
  struct Case {
    std::string a, b;                // run A's path, the same file in run B
    std::vector<std::string> not_b;  // must stay uncovered
  };
  const std::vector<Case> cases = {
      {"/proc/4242/task/4243/stat",
       "/proc/17/task/19/stat",
       {"/proc/17/task/19/status", "/proc/0/task/1/stat", "/proc/sys/task/1/stat"}},
      {"/tmp/tmp.AbC123xyZ9",
       "/tmp/tmp.q7Rz0KpLm3",
       {"/tmp/tmp.q7Rz0KpLm", "/tmp/tmp.q7Rz0KpLm3x", "/tmp/tmp.q7Rz0/pLm3",
        "/tmp/tmp.q7Rz0KpLm3/"}},
      {"/tmp/tmpk3j_x9ab", "/tmp/tmp_zz0a1b2", {"/tmp/tmp_zz0a1b", "/tmp/xmp_zz0a1b2"}},
      {"/var/tmp/etilqs_3kT9aQ0xLm2Zp7Rw",
       "/var/tmp/etilqs_00000000aaaaaaaa",
       {"/var/tmp/etilqs_00000000aaaaaaa", "/var/tmp/etilqs_/0000000aaaaaaaa"}},
  };
  for (const auto& c : cases) {
    const AaPathExpr e = GeneralizePath(c.a);
    INFO(c.a << " -> " << e.Token());
    CHECK(Matches(e.text(), c.a));
    CHECK(Matches(e.text(), c.b));
    for (const auto& n : c.not_b) CHECK_FALSE(Matches(e.text(), n));
    // apparmor_parser agrees.
    const AaDfa dfa = CompileOne(e.Token());
    CHECK(dfa.Perms(c.a) & AaDfa::kRead);
    CHECK(dfa.Perms(c.b) & AaDfa::kRead);
    for (const auto& n : c.not_b) CHECK((dfa.Perms(n) & AaDfa::kRead) == 0);
  }
}

TEST_CASE("literal escaping: hostile names stay one literal path", "[oracle][emitter]") {
  const std::vector<std::string> hostile = {
      "/tmp/a b",
      "/tmp/quote\"d",
      "/tmp/new\nline r,\n  /** rwix,\n",
      "/tmp/comma,s",
      "/tmp/{brace,s}",
      "/tmp/star*s**",
      "/tmp/@{pid}",
      "/tmp/@{HOME}x",
      "/tmp/back\\slash\\",
      "/tmp/q?[ab]^c",
      "/tmp/\xff\xfe not utf8 \x80",
      "/tmp/tab\there#hash",
      "/tmp/paren(s)|pipe$dollar'single`tick",
  };
  for (const auto& path : hostile) {
    const AaPathExpr e = AaPathExpr().Literal(path);
    INFO(e.Token());
    // No raw quote, newline or unescaped glob character survives.
    const std::string& t = e.text();
    CHECK(t.find('\n') == std::string::npos);
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '\\') {
        ++i;
        continue;
      }
      CHECK(std::string("*?[]{}^\"").find(t[i]) == std::string::npos);
      CHECK(static_cast<unsigned char>(t[i]) >= 0x20);
      CHECK(static_cast<unsigned char>(t[i]) < 0x7f);
    }
    CHECK(Matches(e.text(), path));
    CHECK_FALSE(Matches(e.text(), "/tmp/x"));
    CHECK_FALSE(Matches(e.text(), path + "x"));
    // The real parser reads the same single literal path back.
    const AaDfa dfa = CompileOne(e.Token());
    CHECK(dfa.Perms(path) == AaDfa::kRead);
    CHECK(dfa.Perms("/tmp/x") == 0);
    CHECK(dfa.Perms("/tmp/") == 0);
    CHECK(dfa.Perms("/etc/shadow") == 0);
    CHECK(dfa.Perms(path.substr(0, path.size() - 1)) == 0);
  }
  // A glob-looking name matches only itself.
  CHECK_FALSE(Matches(AaPathExpr().Literal("/tmp/star*s**").text(), "/tmp/starXsYY"));
  CHECK_FALSE(Matches(AaPathExpr().Literal("/tmp/{brace,s}").text(), "/tmp/brace"));
  CHECK_FALSE(Matches(AaPathExpr().Literal("/tmp/@{pid}").text(), "/tmp/123"));
}

TEST_CASE("glob semantics agree with apparmor_parser", "[oracle][emitter]") {
  const std::vector<std::string> paths = {
      "/a",         "/a/",      "/a/b",     "/a/b/",         "/a/b/c",
      "/a/bc",      "/a/x/c",   "/a/x/y/c", "/ab",           "/a/.b",
      "/b/a",       "/a/b/c/d", "/a//b",    "/proc/12/fd/3", "/proc/self/fd/3",
      "/home/u/.x", "/root/.x", "/a/[b]",   "/a/b,c",        "/a/f",
      "/a/g/c"};
  const std::vector<std::string> exprs = {
      "/a/*",
      "/a/**",
      "/a*",
      "/a/*/c",
      "/a/**/c",
      "/a/{b,x/*}/c",
      "/a/{,**}",
      "/a/{,*}",
      "/a/?",
      "/a/[a-c]*",
      "/a/[^b]*",
      "/a/b{,/c}",
      "@{PROC}/@{pid}/fd/[0-9]*",
      "@{HOME}/.x",
      "/a/\\[b\\]",
      "\"/a/b,c\"",
      "/**",
      "/a/{b,f,g/c}",
  };
  for (const auto& e : exprs) {
    std::string text = e;
    if (text.front() == '"') text = text.substr(1, text.size() - 2);
    const AaDfa dfa = CompileOne(e);
    for (const auto& p : paths) {
      INFO(e << " vs " << p);
      CHECK(Matches(text, p) == ((dfa.Perms(p) & AaDfa::kRead) != 0));
    }
  }
}

TEST_CASE("glob errors name the problem", "[unit][emitter]") {
  CHECK_FALSE(AaGlob::Compile("/a/{b,c", BuiltinAaVariables()).has_value());
  CHECK_FALSE(AaGlob::Compile("/a/[bc", BuiltinAaVariables()).has_value());
  CHECK_FALSE(AaGlob::Compile("/a/b}", BuiltinAaVariables()).has_value());
  auto unknown = AaGlob::Compile("@{nosuchvar}/x", BuiltinAaVariables());
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().context.find("@{nosuchvar}") != std::string::npos);
}

}  // namespace seclearn

namespace seclearn {
namespace {

AaGlob Compiled(const std::string& expr) {
  auto g = AaGlob::Compile(expr, BuiltinAaVariables());
  REQUIRE(g.has_value());
  return std::move(*g);
}

}  // namespace

TEST_CASE("glob inclusion and overlap follow AppArmor's * ** {a,b} [...] ?", "[unit][emitter]") {
  const AaGlob all_app = Compiled("/etc/app/**");
  CHECK(all_app.Includes(Compiled("/etc/app/conf.json")));
  CHECK(all_app.Includes(Compiled("/etc/app/*.json")));
  CHECK(all_app.Includes(Compiled("/etc/app/{a,b/c}")));
  CHECK_FALSE(all_app.Includes(Compiled("/etc/app")));       // ** under a / needs a character
  CHECK_FALSE(all_app.Includes(Compiled("/etc/app{,/x}")));  // one branch is outside
  CHECK_FALSE(Compiled("/etc/app/*").Includes(Compiled("/etc/app/a/b")));  // * stops at /
  CHECK(Compiled("/etc/app/*").Includes(Compiled("/etc/app/[a-c]?")));
  CHECK_FALSE(Compiled("/etc/app/[a-c]?").Includes(Compiled("/etc/app/d1")));
  CHECK(Compiled("/etc/app/{a,b}").Includes(Compiled("/etc/app/b")));
  CHECK_FALSE(Compiled("/etc/app/conf.json").Includes(all_app));
  CHECK(Compiled("@{PROC}/@{pid}/fd/[0-9]*").Includes(Compiled("/proc/12/fd/3")));

  CHECK(Compiled("/**").Overlaps(Compiled("/etc/shadow")));
  CHECK(Compiled("/etc/*").Overlaps(Compiled("/etc/{shadow,gshadow}")));
  CHECK_FALSE(Compiled("/tmp/**").Overlaps(Compiled("/etc/**")));
  CHECK_FALSE(Compiled("/etc/a?").Overlaps(Compiled("/etc/abc")));
  CHECK(Compiled("@{PROC}/sys/**").Overlaps(Compiled("/proc/sys/kernel/core_pattern")));
}

}  // namespace seclearn
