// AppArmor export: golden profile from hand-built facts, every emitted profile compiled by the
// real apparmor_parser, and what its DFA grants compared with what the facts needed.
// SECLEARN_UPDATE_GOLDEN=1 rewrites the golden files.
#include <linux/capability.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "aa_parser.h"
#include "seclearn/emitter/apparmor.h"
#include "seclearn/host/probes.h"
#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {
namespace {

using testing::AaDfa;
using testing::RunAppArmorParser;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void CheckGolden(const std::string& name, const std::string& got) {
  const std::string path = std::string(SECLEARN_GOLDEN_DIR) + "/" + name;
  if (std::getenv("SECLEARN_UPDATE_GOLDEN")) std::ofstream(path, std::ios::binary) << got;
  const std::string want = ReadFile(path);
  REQUIRE_FALSE(want.empty());
  CHECK(got == want);
}

FileFact File(std::string path, uint32_t access, std::string syscall = "openat", int err = 0) {
  return FileFact{std::move(path), access, err, 1, 1, std::move(syscall)};
}

NetworkFact Net(std::string_view op, int family, int type, int err = 0) {
  NetworkFact n;
  n.op = *NetOpFromName(op);
  n.family = family;
  n.type = type;
  n.err = err;
  n.count = 1;
  return n;
}

ResolvedPath Lexical(std::string_view p) { return NormalizePathLexically(p); }

// The kernel's view of the profile: compiled by apparmor_parser, its file DFA.
AaDfa Compile(const std::string& profile) {
  auto run = RunAppArmorParser(profile, {"-D", "dfa-states"});
  INFO(profile << "\n---\n" << run.output.substr(0, 2000));
  REQUIRE(testing::HaveAppArmorParser());
  REQUIRE(run.status == 0);
  AaDfa dfa = AaDfa::Parse(run.output);
  REQUIRE_FALSE(dfa.empty());
  return dfa;
}

uint32_t DfaBits(uint32_t aa_perms) {
  uint32_t b = 0;
  if (aa_perms & kAaRead) b |= AaDfa::kRead;
  if (aa_perms & kAaWrite) b |= AaDfa::kWrite;
  if (aa_perms & kAaAppend) b |= AaDfa::kAppend;
  if (aa_perms & kAaLink) b |= AaDfa::kLink;
  if (aa_perms & kAaLock) b |= AaDfa::kLock;
  if (aa_perms & kAaMmap) b |= AaDfa::kMmap;
  if (aa_perms & kAaExec) b |= AaDfa::kExec;
  return b;
}

// A python http.server-like workload, run A.
struct Learned {
  std::vector<FileFact> files;
  std::vector<ExecutableFact> exes;
  std::vector<NetworkFact> net;
  std::vector<CapabilityFact> caps;
};

Learned WebRun(const std::string& pid, const std::string& tid, const std::string& tmp) {
  Learned l;
  l.files = {
      File("/etc/ld.so.cache", kAccessRead),
      File("/usr/lib/x86_64-linux-gnu/libc.so.6", kAccessRead | kAccessMmapExec),
      File("/etc/nsswitch.conf", kAccessRead),
      File("/etc/passwd", kAccessRead),
      File("/etc/hosts", kAccessRead),
      File("/usr/lib/python3.11/http/", kAccessRead, "getdents64"),
      File("/usr/lib/python3.11/http/__init__.py", kAccessRead),
      File("/usr/lib/python3.11/http/server.py", kAccessRead),
      File("/usr/lib/python3.11/http/client.py", kAccessRead),
      File("/usr/lib/python3.11/http/__pycache__/server.cpython-311.pyc", kAccessRead),
      File("/usr/lib/python3.11/", kAccessRead, "getdents64"),
      File("/usr/lib/python3.11/os.py", kAccessRead),
      File("/usr/lib/python3.11/socket.py", kAccessStat, "newfstatat"),
      File("/proc/" + pid + "/status", kAccessRead),
      File("/proc/self/fd/", kAccessRead, "getdents64"),
      File("/proc/" + pid + "/task/" + tid + "/comm", kAccessRead | kAccessWrite),
      File("/proc/" + pid + "/fd/3", kAccessRead, "readlink"),
      File("/tmp/" + tmp + "/", kAccessCreate, "mkdir"),
      File("/tmp/" + tmp + "/out.log", kAccessCreate | kAccessWrite | kAccessDelete),
      File("/var/log/web.log", kAccessCreate | kAccessAppend),
      File("/srv/data/db.sqlite", kAccessRead | kAccessWrite | kAccessLock),
      File("/srv/data/db.sqlite-journal", kAccessCreate | kAccessWrite | kAccessDelete),
      File("/dev/null", kAccessRead | kAccessWrite),
      File("/proc/sys/vm/overcommit_memory", kAccessWrite),
      File("/srv/./data/../data/link", kAccessCreate | kAccessLink, "symlink"),
      File("/home/u/work/", kAccessChdir, "chdir"),  // AppArmor does not mediate chdir
      File("/etc/shadow", kAccessRead, "openat", EACCES),
      File("/srv/missing", kAccessRead, "openat", ENOENT),
      File("pipe:[1234]", kAccessRead),
  };
  l.exes = {{"/usr/bin/python3.11", 1, 1}, {"/bin/sh", 2, 1}};
  l.net = {Net("socket", AF_INET, SOCK_STREAM),
           Net("bind", AF_INET, SOCK_STREAM),
           Net("socket", AF_INET6, SOCK_DGRAM, EAFNOSUPPORT),
           Net("connect", AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC),
           Net("socket", AF_NETLINK, SOCK_RAW),
           Net("socket", 999, SOCK_STREAM)};
  l.caps = {{CAP_NET_BIND_SERVICE, true, "bind", "bind 0.0.0.0:80", 1, 1},
            {CAP_SYS_ADMIN, false, "mount", "mount /mnt", 1, 1}};
  return l;
}

AppArmorOptions WebOptions() {
  AppArmorOptions o;
  o.app = "web";
  o.runs = 1;
  o.count_entries = [](std::string_view dir) -> std::optional<size_t> {
    if (dir == "/usr/lib/python3.11/http/") return 6;
    if (dir == "/usr/lib/python3.11/") return 200;
    return std::nullopt;
  };
  return o;
}

AaPolicy ParseBack(const std::string& text) {
  auto policy = ParseAppArmorText(text, "exported", AaParseOptions{});
  INFO((policy ? "" : policy.error().Message()));
  REQUIRE(policy.has_value());
  return std::move(*policy);
}

}  // namespace

TEST_CASE("apparmor export matches the golden file and compiles", "[oracle][emitter]") {
  const Learned l = WebRun("4242", "4243", "tmp.AbC123xyZ9");
  CollectedAccesses acc = CollectFileAccesses(l.files, l.exes, Lexical);
  REQUIRE(acc.refused.size() == 1);
  CHECK(acc.refused[0].find("pipe:") != std::string::npos);
  auto exp = BuildAppArmorProfile(acc.records, l.net, l.caps, WebOptions());
  REQUIRE(exp.has_value());
  CheckGolden("apparmor_web.profile", exp->text);
  REQUIRE(exp->warnings.size() == 1);  // family 999
  REQUIRE(exp->profile.includes.size() == 2);
  CHECK(exp->profile.includes[0].name == "abstractions/base");
  CHECK(exp->profile.includes[1].name == "abstractions/nameservice");
  // The writer prints the model: the text read back is the same model, rule for rule.
  CHECK(WriteAppArmorProfile(exp->profile) == exp->text);
  AaParseOptions as_written;
  as_written.follow_includes = false;
  auto parsed = ParseAppArmorText(exp->text, "exported", as_written);
  REQUIRE(parsed.has_value());
  const AaPolicy& read = *parsed;
  CHECK(read.model().name == exp->profile.name);
  REQUIRE(read.model().includes.size() == 2);
  CHECK(read.model().includes[1].name == "abstractions/nameservice");
  CHECK(read.model().flags == exp->profile.flags);
  REQUIRE(read.model().rules.size() == exp->profile.rules.size());
  for (size_t i = 0; i < read.model().rules.size(); ++i) {
    CHECK(read.model().rules[i].kind == exp->profile.rules[i].kind);
    CHECK(read.model().rules[i].body == exp->profile.rules[i].body);
  }
  std::vector<const AaFileRule*> in_force;
  for (const auto& r : exp->profile.files)
    if (r.disabled.empty()) in_force.push_back(&r);
  REQUIRE(read.model().files.size() == in_force.size());
  for (size_t i = 0; i < in_force.size(); ++i) {
    CHECK(read.model().files[i].Token() == in_force[i]->Token());
    CHECK(read.model().files[i].perms == in_force[i]->perms);
    CHECK(read.model().files[i].deny == in_force[i]->deny);
  }
  // Same facts, same bytes.
  CHECK(BuildAppArmorProfile(acc.records, l.net, l.caps, WebOptions())->text == exp->text);

  const AaDfa dfa = Compile(exp->text);
  const AaPolicy policy = ParseBack(exp->text);
  for (const auto& r : acc.records) {
    const uint32_t need = RequiredAaPerms(r.access);
    INFO(r.path << " needs " << AaPermString(need));
    const std::string seen = ProcSelfAsPid(r.path);
    CHECK(policy.Missing(seen, need) == 0);
    CHECK((dfa.Perms(seen) & DfaBits(need)) == DfaBits(need));
  }
  // Failed and unmediated accesses got no rule, nor anything wider.
  for (const char* p : {"/etc/shadow", "/srv/missing", "/home/u/work/", "/srv/data/other",
                        "/usr/lib/python3.11/http.py", "/tmp/x", "/var/log/other.log"}) {
    INFO(p);
    CHECK((dfa.Perms(p) & (AaDfa::kWrite | AaDfa::kAppend)) == 0);
    CHECK(policy.Missing(p, kAaWrite) == kAaWrite);
  }
  CHECK((dfa.Perms("/etc/shadow") & AaDfa::kRead) == 0);
  CHECK((dfa.Perms("/var/log/web.log") & AaDfa::kWrite) == 0);  // append only
  CHECK(dfa.Perms("/var/log/web.log") & AaDfa::kAppend);
  // The directory read in full is one rule; its sibling files are not covered.
  CHECK(dfa.Perms("/usr/lib/python3.11/http/cookies.py") & AaDfa::kRead);
  CHECK((dfa.Perms("/usr/lib/python3.11/ast.py") & AaDfa::kRead) != 0);  // abstractions/base
  // docker's /proc/sys denial was dropped for the write the workload made, others kept.
  CHECK(exp->text.find("# not denied: @{PROC}/sys/[^k]** w") != std::string::npos);
  CHECK(exp->text.find("deny /sys/firmware/** rwklx,") != std::string::npos);
  CHECK((dfa.Perms("/proc/sysrq-trigger") & AaDfa::kWrite) == 0);
}

TEST_CASE("a profile learned on run A covers run B with other pids and temp names",
          "[oracle][emitter]") {
  const Learned a = WebRun("4242", "4243", "tmp.AbC123xyZ9");
  const Learned b = WebRun("97", "131", "tmp.q7Rz0KpLm3");
  const auto acc_a = CollectFileAccesses(a.files, a.exes, Lexical);
  const auto acc_b = CollectFileAccesses(b.files, b.exes, Lexical);
  auto exp = BuildAppArmorProfile(acc_a.records, a.net, a.caps, WebOptions());
  REQUIRE(exp.has_value());
  const AaPolicy policy = ParseBack(exp->text);
  const AaDfa dfa = Compile(exp->text);
  for (const auto& r : acc_b.records) {
    const uint32_t need = RequiredAaPerms(r.access);
    INFO(r.path << " needs " << AaPermString(need));
    const std::string seen = ProcSelfAsPid(r.path);
    CHECK(policy.Missing(seen, need) == 0);
    CHECK((dfa.Perms(seen) & DfaBits(need)) == DfaBits(need));
  }
}

TEST_CASE("hostile file names never change the profile's structure", "[oracle][emitter]") {
  const std::vector<std::string> names = {
      "/tmp/x,\n  /** rwix,\n  /etc/shadow rw",
      "/tmp/\"quoted\" and \"more\"",
      "/tmp/sp ace",
      "/tmp/{a,b}",
      "/tmp/**",
      "/tmp/*",
      "/tmp/@{HOME}",
      "/tmp/@{pid}x",
      "/tmp/back\\slash",
      "/tmp/} r,\n}\nprofile evil {\n  /** rw,\n",
      "/tmp/# not a comment",
      "/tmp/\xff\xfe\x80raw",
      "/tmp/^caret[x]?",
      "/tmp/deny /etc/x",
  };
  std::vector<FileFact> files;
  for (const auto& n : names) files.push_back(File(n, kAccessCreate | kAccessWrite));
  const auto acc = CollectFileAccesses(files, {}, Lexical);
  REQUIRE(acc.records.size() == names.size());
  AppArmorOptions o;
  o.app = "hostile";
  o.runs = 1;
  auto exp = BuildAppArmorProfile(acc.records, {}, {}, o);
  REQUIRE(exp.has_value());
  CHECK(exp->profile.AllowRules().size() == names.size());
  const AaDfa dfa = Compile(exp->text);
  const AaPolicy policy = ParseBack(exp->text);
  CHECK(policy.model().name == "hostile");
  for (const auto& n : names) {
    INFO(n);
    CHECK((dfa.Perms(n) & (AaDfa::kRead | AaDfa::kWrite)) == AaDfa::kWrite);
    CHECK(policy.Missing(n, kAaWrite) == 0);
    CHECK(policy.Missing(n, kAaRead) == kAaRead);
  }
  // Nothing else under /tmp, nor elsewhere, became writable.
  for (const char* p :
       {"/tmp/x", "/tmp/a", "/tmp/b", "/tmp/", "/tmp/zzz", "/tmp/sp", "/etc/shadow", "/etc/passwd",
        "/", "/root/.bashrc", "/tmp/1x", "/tmp/backXslash", "/tmp/caret", "/tmp/deny"}) {
    INFO(p);
    CHECK((dfa.Perms(p) & (AaDfa::kWrite | AaDfa::kAppend)) == 0);
    CHECK(policy.Missing(p, kAaWrite) == kAaWrite);
  }
  // One profile, no second one smuggled in.
  auto names_run = RunAppArmorParser(exp->text, {"-N"});
  CHECK(names_run.output.find("evil") == std::string::npos);
}

TEST_CASE("any name, exported, is that one name to apparmor_parser and to check",
          "[oracle][emitter]") {
  // Names of one path component: every byte 1-255 but '/' alone, after and before a backslash
  // and next to a quote; backslashes, quotes, glob characters and @{ at every position of a
  // short name; then random names over an alphabet heavy in those.
  std::vector<std::string> names;
  for (int b = 1; b < 256; ++b) {
    if (b == '/') continue;
    const std::string c(1, static_cast<char>(b));
    for (const std::string& n : {c, c + "\\", "\\" + c, "\"" + c, c + "\"", "x" + c + "\\\\"})
      names.push_back(n);
  }
  for (const char* piece :
       {"\\", "\\\\", "\"", "\\\"", "@{", "@{pid}", "@\\{", "*",     "**",    "?", "[",
        "]",  "{",    "}",  ",",    "^",  "#",      " ",    "\\134", "\\x5c", "\n"})
    for (size_t pos = 0; pos <= 4; ++pos) names.push_back(std::string("name").insert(pos, piece));
  std::mt19937 rng(20261201);
  const std::string alphabet = "\\\\\\\"\"\"@{}*?[]^,# \t\nab01\x7f\x80\xff";
  for (int i = 0; i < 400; ++i) {
    std::string n(1 + rng() % 10, ' ');
    for (char& c : n) c = alphabet[rng() % alphabet.size()];
    names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  constexpr size_t kBatch = 150;  // names per profile: one apparmor_parser run each
  for (size_t first = 0; first < names.size(); first += kBatch) {
    std::vector<FileAccessRecord> records;
    std::set<std::string> paths;
    for (size_t i = first; i < std::min(names.size(), first + kBatch); ++i) {
      // Through a temporary directory too, where generalisation does the most.
      const std::string dir = i % 2 ? "/srv/names/" : "/tmp/names/";
      records.push_back({dir + names[i], kAccessRead, 1, "openat"});
      paths.insert(dir + names[i]);
    }
    std::sort(records.begin(), records.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    AppArmorOptions o;
    o.app = "names";
    o.runs = 1;
    auto exp = BuildAppArmorProfile(records, {}, {}, o);
    REQUIRE(exp.has_value());
    const AaDfa dfa = Compile(exp->text);  // apparmor_parser -Q -K accepts it
    const AaPolicy policy = ParseBack(exp->text);
    for (const auto& r : records) {
      // Look-alikes: one byte more or less, a backslash or quote more.
      const std::string& p = r.path;
      for (const std::string& probe :
           {p, p + "x", p + "\\", p + "\"", p.substr(0, p.size() - 1), p + "/", "\\" + p}) {
        const bool kernel = (dfa.Perms(probe) & AaDfa::kRead) != 0;
        INFO(p << " -> " << GeneralizePath(p).Token() << ", probe " << probe);
        CHECK((policy.Missing(probe, kAaRead) == 0) == kernel);
        // A name no generalisation applies to grants only itself.
        if (GeneralizePath(p) == AaPathExpr().Literal(p)) CHECK(kernel == (paths.count(probe) > 0));
      }
      CHECK((dfa.Perms(p) & AaDfa::kRead) != 0);
    }
  }
}

TEST_CASE("refused and unusable facts are named, escaped, and left out", "[unit][emitter]") {
  std::string nul("/tmp/a\0b", 8);
  const auto acc = CollectFileAccesses(
      {File("relative/path", kAccessRead), File("", kAccessRead), File(nul, kAccessRead),
       File("/ok", kAccessRead), File("not\nabsolute", kAccessRead)},
      {}, Lexical);
  CHECK(acc.records.size() == 1);
  REQUIRE(acc.refused.size() == 4);
  for (const auto& r : acc.refused) CHECK(r.find('\n') == std::string::npos);
  AppArmorOptions o;
  o.app = "bad name";
  CHECK_FALSE(BuildAppArmorProfile(acc.records, {}, {}, o).has_value());
  o.app = "../x";
  CHECK_FALSE(BuildAppArmorProfile(acc.records, {}, {}, o).has_value());
}

TEST_CASE("modes are the least observed", "[unit][emitter]") {
  CHECK(AaModes(kAccessRead) == "r");
  CHECK(AaModes(kAccessStat) == "r");
  CHECK(AaModes(kAccessRead | kAccessMmapExec) == "mr");
  CHECK(AaModes(kAccessCreate | kAccessAppend) == "a");
  CHECK(AaModes(kAccessAppend) == "a");
  CHECK(AaModes(kAccessCreate) == "w");
  CHECK(AaModes(kAccessDelete) == "w");
  CHECK(AaModes(kAccessCreate | kAccessLink) == "wl");
  CHECK(AaModes(kAccessLock | kAccessRead) == "rk");
  CHECK(AaModes(kAccessExec) == "ix");
  CHECK(AaModes(kAccessExec | kAccessRead) == "rix");
  CHECK(AaModes(kAccessChdir) == "");
}

TEST_CASE("directories: symlinks kept for calls that act on the link", "[unit][emitter]") {
  // With the host resolver, /bin -> usr/bin on Debian 12 (merged /usr).
  const auto acc =
      CollectFileAccesses({File("/bin/sh", kAccessRead), File("/bin/sh", kAccessRead, "readlink")},
                          {}, ResolvePathOnHost);
  std::vector<std::string> paths;
  for (const auto& r : acc.records) paths.push_back(r.path);
  char buf[4096];
  const std::string real = ::realpath("/bin/sh", buf) ? buf : "/bin/sh";
  CHECK(std::find(paths.begin(), paths.end(), real) != paths.end());
  CHECK(ResolvePathOnHost("/etc").path == "/etc/");
  CHECK(ResolvePathOnHost("/proc/self/fd").path == "/proc/self/fd/");
  CHECK(ResolvePathOnHost("/proc/123456/fd").path == "/proc/123456/fd/");
  CHECK(ResolvePathOnHost("/tmp/seclearn-no-such-dir/x").path == "/tmp/seclearn-no-such-dir/x");
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("a directory the workload fills: one rule that covers the next run's new files",
          "[oracle][emitter]") {
  // A database's data directory: run A creates its tables, run B others; a cache under /etc
  // (never generalised) and an executable the workload wrote and ran (keeps its own rule).
  auto run = [](int first, int count) {
    std::vector<FileFact> files = {File("/var/lib/db/data/", kAccessCreate, "mkdir"),
                                   File("/var/lib/db/data/base/", kAccessCreate, "mkdir"),
                                   File("/var/lib/db/data/plugin.so",
                                        kAccessCreate | kAccessWrite | kAccessMmapExec)};
    for (int i = first; i < first + count; ++i) {
      files.push_back(File("/var/lib/db/data/base/" + std::to_string(16384 + i),
                           kAccessCreate | kAccessWrite | kAccessRead | kAccessLock));
      files.push_back(File("/var/lib/db/data/t" + std::to_string(i), kAccessCreate | kAccessWrite));
      files.push_back(File("/etc/db/cache/e" + std::to_string(i), kAccessCreate | kAccessWrite));
    }
    return CollectFileAccesses(files, {}, Lexical);
  };
  AppArmorOptions o;
  o.app = "db";
  o.runs = 1;
  const auto a = run(0, kFilledDirMinEntries);
  auto exp = BuildAppArmorProfile(a.records, {}, {}, o);
  REQUIRE(exp.has_value());
  INFO(exp->text);
  const AaDfa dfa = Compile(exp->text);
  REQUIRE(exp->notes.size() == 1);
  CHECK(exp->notes[0].starts_with("/var/lib/db/data/{,**} rwk: a directory the workload fills"));
  size_t data_rules = 0, etc_rules = 0;
  for (const AaFileRule* r : exp->profile.AllowRules()) {
    if (r->path.starts_with("/var/lib/db/data/")) ++data_rules;
    if (r->path.starts_with("/etc/db/")) ++etc_rules;
  }
  CHECK(data_rules == 2);  // the directory's rule, and plugin.so's own
  CHECK(etc_rules == kFilledDirMinEntries);
  const auto b = run(1000, 5);
  for (const auto& r : b.records) {
    INFO(r.path);
    const uint32_t bits = DfaBits(RequiredAaPerms(r.access));
    const bool etc = r.path.starts_with("/etc/");
    CHECK(((dfa.Perms(r.path) & bits) == bits) == !etc);
  }
  // Created and written, not executable: only plugin.so, by its own rule, may be mapped.
  CHECK((dfa.Perms("/var/lib/db/data/base/evil.so") & AaDfa::kMmap) == 0);
  CHECK((dfa.Perms("/var/lib/db/data/plugin.so") & AaDfa::kMmap) != 0);

  // One entry created fewer than kFilledDirMinEntries (base/ and t0..t13): a rule each.
  exp = BuildAppArmorProfile(run(0, kFilledDirMinEntries - 2).records, {}, {}, o);
  REQUIRE(exp.has_value());
  CHECK(exp->notes.empty());
  // Where this host has the directory with more than twice as many entries: not the
  // workload's own.
  o.count_entries = [](std::string_view dir) -> std::optional<size_t> {
    return dir == "/var/lib/db/data/" ? std::optional<size_t>(100) : std::nullopt;
  };
  exp = BuildAppArmorProfile(a.records, {}, {}, o);
  REQUIRE(exp.has_value());
  CHECK(exp->notes.size() == 1);  // base/ (all its entries created) instead
  CHECK(exp->notes[0].starts_with("/var/lib/db/data/base/{,**}"));
}

}  // namespace seclearn
