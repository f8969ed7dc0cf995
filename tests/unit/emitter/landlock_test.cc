// BuildLandlockRuleset on facts with a host of the test's own making: which right lands on
// which file or directory, what is widened (and noted), TCP ports and scopes.
#include "seclearn/emitter/landlock.h"
#include "seclearn/emitter/diff.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "seclearn/core/arch.h"

namespace seclearn {
namespace {

struct FakeHost {
  std::map<std::string, uint32_t> modes;  // path -> st_mode
  LandlockExportOptions Options() const {
    LandlockExportOptions o;
    o.mode = [this](std::string_view p) -> std::optional<uint32_t> {
      auto it = modes.find(std::string(p));
      if (it == modes.end()) return std::nullopt;
      return it->second;
    };
    o.count_entries = [](std::string_view) -> std::optional<size_t> { return 7; };
    o.count_subdirs = [](std::string_view d) -> std::optional<size_t> {
      return d == "/etc" ? 3 : 0;
    };
    o.interpreters = [](std::string_view p) -> std::vector<std::string> {
      if (p == "/usr/bin/dash") return {"/usr/lib/ld.so"};
      return {};
    };
    return o;
  }
};

FakeHost Host() {
  FakeHost h;
  for (const char* d : {"/", "/etc", "/usr", "/usr/bin", "/usr/lib", "/tmp", "/srv", "/srv/w",
                        "/proc", "/dev", "/srv/made", "/var", "/var/log"})
    h.modes[d] = S_IFDIR | 0755;
  for (const char* f : {"/etc/hostname", "/usr/bin/dash", "/usr/lib/ld.so", "/usr/lib/libc.so",
                        "/var/log/app.log", "/srv/made/x"})
    h.modes[f] = S_IFREG | 0644;
  h.modes["/dev/null"] = S_IFCHR | 0666;
  return h;
}

// The rights the ruleset gives `path` itself (0 if no rule names it).
uint64_t RightsOf(const LandlockRuleset& r, const std::string& path) {
  uint64_t out = 0;
  for (const auto& rule : r.paths)
    for (const auto& p : rule.parents)
      if (p == path) out |= rule.access;
  return out;
}

bool Noted(const LandlockExport& e, const std::string& part) {
  for (const auto& n : e.notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("landlock export: each access on the file or directory the next run will find",
          "[unit][emitter]") {
  const FakeHost host = Host();
  const std::vector<FileAccessRecord> files = {
      {"/etc/hostname", kAccessRead, 1, "openat"},
      {"/etc/", kAccessRead, 1, "openat"},
      {"/usr/bin/dash", kAccessExec | kAccessRead, 1, "execve"},
      {"/usr/lib/libc.so", kAccessRead | kAccessMmapExec, 1, "openat"},
      {"/var/log/app.log", kAccessAppend, 1, "openat"},
      {"/srv/w/new.txt", kAccessCreate | kAccessWrite, 1, "openat"},
      {"/srv/w/gone", kAccessDelete, 1, "unlinkat"},
      {"/srv/made/", kAccessCreate, 1, "mkdir"},
      {"/srv/made/x", kAccessCreate | kAccessWrite, 1, "openat"},
      {"/dev/null", kAccessCreate | kAccessWrite, 1, "openat"},
      {"/proc/4242/status", kAccessRead, 1, "openat"},
      {"/tmp/tmp.Xy3kQ9zLp2", kAccessCreate | kAccessWrite | kAccessDelete, 1, "openat"},
      {std::string("/srv/w/bad\xff"), kAccessRead, 1, "openat"},
  };
  const LandlockExport e = BuildLandlockRuleset(files, {}, {}, host.Options());
  const LandlockRuleset& r = e.ruleset;
  CHECK(r.abi == kLandlockExportAbi);
  CHECK(r.handled_fs == LandlockFsRights(kLandlockExportAbi));
  CHECK(RightsOf(r, "/etc/hostname") == kLlReadFile);
  CHECK(RightsOf(r, "/etc") == kLlReadDir);  // listed: the directory, not its files
  CHECK(Noted(e, "read_dir on \"/etc\" holds beneath it too: for 3 subdirectories it did not "
                 "list"));
  CHECK(RightsOf(r, "/usr/bin/dash") == (kLlExecute | kLlReadFile));
  CHECK(RightsOf(r, "/usr/lib/ld.so") == (kLlExecute | kLlReadFile));  // its PT_INTERP
  CHECK(RightsOf(r, "/usr/lib/libc.so") == kLlReadFile);
  CHECK(RightsOf(r, "/var/log/app.log") == kLlWriteFile);  // appended: no truncate
  // Made by the workload, or below what it made: rights on the directory that stays.
  const uint64_t w = RightsOf(r, "/srv/w");
  CHECK((w & (kLlMakeReg | kLlWriteFile | kLlTruncate | kLlRemoveFile)) ==
        (kLlMakeReg | kLlWriteFile | kLlTruncate | kLlRemoveFile));
  CHECK(RightsOf(r, "/srv") == (kLlMakeDir | kLlMakeReg | kLlWriteFile | kLlTruncate));
  CHECK(RightsOf(r, "/srv/made") == 0);
  CHECK(RightsOf(r, "/srv/made/x") == 0);
  CHECK(RightsOf(r, "/srv/w/new.txt") == 0);
  // O_CREAT of a device opens it: no make_reg on /dev.
  CHECK(RightsOf(r, "/dev/null") == (kLlWriteFile | kLlTruncate | kLlIoctlDev));
  CHECK(RightsOf(r, "/dev") == 0);
  // Pids and temporary names: beneath the directory above them, noted.
  CHECK(RightsOf(r, "/proc") == kLlReadFile);
  CHECK(Noted(e, "\"/proc/4242/status\" changes from run to run: read_file beneath \"/proc\""));
  CHECK((RightsOf(r, "/tmp") & (kLlMakeReg | kLlRemoveFile)) == (kLlMakeReg | kLlRemoveFile));
  CHECK(Noted(e, "\"/tmp/tmp.Xy3kQ9zLp2\" changes from run to run"));
  // Not UTF-8: its directory, noted (the name is shown escaped).
  CHECK(Noted(e, "is not UTF-8"));
  CHECK((RightsOf(r, "/srv/w") & kLlReadFile) != 0);
  // Same facts, same bytes.
  CHECK(BuildLandlockRuleset(files, {}, {}, host.Options()).text == e.text);
}

TEST_CASE("landlock export: a rule an ancestor's rule covers is dropped", "[unit][emitter]") {
  FakeHost host = Host();
  host.modes["/srv/w/a"] = S_IFREG | 0644;
  const std::vector<FileAccessRecord> files = {
      {"/srv/w/new", kAccessCreate | kAccessWrite | kAccessRead, 1, "openat"},
      {"/srv/w/a", kAccessRead, 1, "openat"},  // read_file beneath /srv/w already
  };
  const LandlockExport e = BuildLandlockRuleset(files, {}, {}, host.Options());
  CHECK(RightsOf(e.ruleset, "/srv/w/a") == 0);
  CHECK((RightsOf(e.ruleset, "/srv/w") & kLlReadFile) != 0);
}

TEST_CASE("landlock export: TCP ports and scopes", "[unit][emitter]") {
  const FakeHost host = Host();
  auto net = [](NetOp op, int family, int type, int port, int err) {
    NetworkFact n;
    n.op = op;
    n.family = family;
    n.type = type;
    n.port = port;
    n.err = err;
    return n;
  };
  const std::vector<NetworkFact> network = {
      net(NetOp::kBind, AF_INET, SOCK_STREAM, 8080, 0),
      net(NetOp::kConnect, AF_INET6, SOCK_STREAM, 443, 0),
      net(NetOp::kConnect, AF_INET, SOCK_STREAM, 5432, ECONNREFUSED),  // failed: no right
      net(NetOp::kBind, AF_INET, SOCK_DGRAM, 53, 0),                    // UDP: not Landlock's
  };
  LandlockExport e = BuildLandlockRuleset({}, network, {}, host.Options());
  REQUIRE(e.ruleset.ports.size() == 2);
  CHECK(e.ruleset.ports[0] == LandlockPortRule{kLlBindTcp, {8080}});
  CHECK(e.ruleset.ports[1] == LandlockPortRule{kLlConnectTcp, {443}});
  CHECK(e.ruleset.scoped == (kLlScopeAbstractUnix | kLlScopeSignal));

  const auto kill = SyscallNumber(NativeAuditArch(), "kill");
  REQUIRE(kill.has_value());
  NetworkFact abstract = net(NetOp::kConnect, AF_UNIX, SOCK_STREAM, -1, 0);
  abstract.address = "@/tmp/.X11-unix/X0";
  e = BuildLandlockRuleset({}, {abstract}, {SyscallFact{NativeAuditArch(), *kill, 1, 0}},
                           host.Options());
  CHECK(e.ruleset.scoped == 0);
  CHECK(Noted(e, "signals are not scoped: the workload called kill"));
  CHECK(Noted(e, "abstract unix sockets are not scoped"));
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("landlock diff: rights per path, a hierarchy widened to its parent, ports, scopes",
          "[unit][emitter]") {
  const char* old_text = R"({"abi": 6,
    "ruleset": [{"handledAccessFs": ["abi.all"], "handledAccessNet": ["abi.all"],
                 "scoped": ["signal"]}],
    "pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/etc/hostname", "/srv/w/a"]},
                    {"allowedAccess": ["write_file"], "parent": ["/srv/w/log"]}],
    "netPort": [{"allowedAccess": ["bind_tcp"], "port": [80]}]})";
  const char* new_text = R"({"abi": 6,
    "ruleset": [{"handledAccessFs": ["abi.all"], "handledAccessNet": ["abi.all"]}],
    "pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/etc/hostname", "/srv/w/a"]},
                    {"allowedAccess": ["write_file"], "parent": ["/srv/w", "/etc"]}],
    "netPort": [{"allowedAccess": ["bind_tcp", "connect_tcp"], "port": [80]},
                {"allowedAccess": ["connect_tcp"], "port": [443]}]})";
  auto d = DiffLandlock(old_text, "v1", new_text, "v2");
  REQUIRE(d.has_value());
  auto find = [&](std::string_view subject) -> const Change* {
    for (const Change& c : d->changes)
      if (c.subject == subject) return &c;
    return nullptr;
  };
  const Change* w = find("/srv/w");
  REQUIRE(w != nullptr);
  CHECK(w->kind == ChangeKind::kWidened);
  CHECK(w->detail == "/srv/w/log -> /srv/w (write_file)");
  const Change* etc = find("/etc");
  REQUIRE(etc != nullptr);
  CHECK(etc->kind == ChangeKind::kAdded);
  CHECK(etc->high_risk);  // writes under /etc: the risk table's entry
  CHECK(find("/etc/hostname") == nullptr);  // its own rule is unchanged
  CHECK(find("/srv/w/log") == nullptr);     // still granted, from its directory
  CHECK(find("tcp/443") != nullptr);
  CHECK(find("tcp/80")->detail == "connect_tcp");
  const Change* scope = find("signal");
  REQUIRE(scope != nullptr);
  CHECK(scope->kind == ChangeKind::kWidened);
  CHECK(d->narrowed() == 0);
  // Back again: each widening is a narrowing.
  auto back = DiffLandlock(new_text, "v2", old_text, "v1");
  REQUIRE(back.has_value());
  CHECK(back->widened() == 0);
  CHECK(back->narrowed() == d->widened());
  CHECK_FALSE(DiffLandlock("{", "bad", new_text, "v2").has_value());
}

}  // namespace seclearn
