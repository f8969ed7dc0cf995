// The access learner on hand-built resolved events: file access bits, network facts, the
// capability rules (capability_rules.cc), the outcome cache and its bounds.
#include "seclearn/learner/access_learner.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../../../learner/src/capability_rules.h"
#include "seclearn/core/arch.h"
#include "seclearn/learner/aggregator.h"

namespace Catch {
template <>
struct StringMaker<seclearn::CapabilityFact> {
  static std::string convert(const seclearn::CapabilityFact& c) {
    return "{" + seclearn::CapabilityName(c.capability) + (c.granted ? " exercised" : " wanted") + " by " + c.syscall + ": " +
           c.evidence + " x" + std::to_string(c.count) + "}";
  }
};
template <>
struct StringMaker<seclearn::FileFact> {
  static std::string convert(const seclearn::FileFact& f) {
    return "{" + f.path + " access " + std::to_string(f.access) + " err " + std::to_string(f.err) +
           " x" + std::to_string(f.count) + " " + f.syscall + "}";
  }
};
}  // namespace Catch

namespace seclearn {
namespace {

constexpr uint64_t kAllCaps = (uint64_t{1} << (CAP_LAST_CAP + 1)) - 1;
// Docker's default set: no CAP_DAC_READ_SEARCH among others.
constexpr uint64_t kDockerCaps =
    (1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_FOWNER) | (1ull << CAP_FSETID) |
    (1ull << CAP_KILL) | (1ull << CAP_SETGID) | (1ull << CAP_SETUID) | (1ull << CAP_SETPCAP) |
    (1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_NET_RAW) | (1ull << CAP_SYS_CHROOT) |
    (1ull << CAP_MKNOD) | (1ull << CAP_AUDIT_WRITE) | (1ull << CAP_SETFCAP);

TaskCreds Creds(uint32_t uid, uint64_t caps) {
  TaskCreds c;
  c.known = true;
  c.ruid = c.euid = c.suid = c.fsuid = uid;
  c.rgid = c.egid = c.sgid = c.fsgid = uid;
  c.cap_eff = caps;
  return c;
}
TaskCreds Root() { return Creds(0, kAllCaps); }
TaskCreds User(uint32_t uid) { return Creds(uid, 0); }

FileStat File(uint32_t mode, uint32_t uid, uint32_t gid) {
  FileStat st;
  st.known = true;
  st.mode = mode;
  st.uid = uid;
  st.gid = gid;
  return st;
}

int64_t g_time = 1000;

// A resolved x86_64 event of `name`, as a backend hands it over.
SyscallEvent Call(const char* name, std::vector<uint64_t> args, TaskCreds creds = Root()) {
  SyscallEvent e;
  e.arch = AUDIT_ARCH_X86_64;
  e.nr = *SyscallNumber(e.arch, name);
  for (size_t i = 0; i < args.size(); ++i) e.args[i] = args[i];
  e.pid = e.tid = 4242;
  e.time_ns = ++g_time;
  e.resolved = true;
  e.creds = std::move(creds);
  return e;
}

SyscallEvent PathCall(const char* name, std::vector<uint64_t> args, std::string path,
                      TaskCreds creds = Root()) {
  SyscallEvent e = Call(name, std::move(args), std::move(creds));
  e.path = path;
  e.abs_path = std::move(path);
  return e;
}

SyscallEvent Done(SyscallEvent e, int64_t result) {
  e.has_result = true;
  e.result = result;
  return e;
}

std::string Inet4(const char* addr, uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  ::inet_pton(AF_INET, addr, &in.sin_addr);
  return std::string(reinterpret_cast<const char*>(&in), sizeof in);
}

SyscallEvent Bind(const char* addr, uint16_t port, TaskCreds creds = Root()) {
  SyscallEvent e = Call("bind", {3, 0x1000, sizeof(sockaddr_in)}, std::move(creds));
  e.sockaddr = Inet4(addr, port);
  e.socket = SocketInfo{true, AF_INET, SOCK_STREAM, IPPROTO_TCP};
  return e;
}

// Needs, then OnSyscall with `result`: what a ptrace backend does for a call not seen before.
std::vector<CapabilityFact> Learn(AccessLearner& l, SyscallEvent e, int64_t result) {
  (void)l.Needs(e);
  l.OnSyscall(Done(std::move(e), result));
  return l.Capabilities();
}

std::vector<CapabilityFact> LearnOne(SyscallEvent e, int64_t result, AccessOptions o = {}) {
  AccessLearner l(o);
  return Learn(l, std::move(e), result);
}

}  // namespace

TEST_CASE("capability rules: sorted table, each citing its capabilities(7) entry",
          "[unit][learner]") {
  const auto rules = AllCapabilityRules();
  REQUIRE(rules.size() > 50);
  for (const auto& r : rules) {
    CAPTURE(r.syscall, r.capability);
    CHECK(r.man.starts_with(CapabilityName(r.capability) + ": "));
    // Every syscall a rule names is one the backends resolve (core/syscall_table.h).
    CHECK(LookupSyscall(r.syscall) != nullptr);
  }
  CHECK(RulesFor("bind").size() == 1);
  CHECK(RulesFor("openat").size() == 2);
  // The rules read ids, modes and signals at the positions the syscall table gives as key
  // arguments: each syscall they read has them.
  for (const auto& r : rules) {
    CAPTURE(r.syscall);
    const SyscallInfo& si = *LookupSyscall(r.syscall);
    const std::string_view n = r.syscall;
    if (n.find("chown") != std::string_view::npos) CHECK(KeyArgCount(si) == 2);
    if (n.find("chmod") != std::string_view::npos || n.starts_with("mknod"))
      CHECK(KeyArgCount(si) == 1);
    if (n.starts_with("set") && n.find("id") != std::string_view::npos &&
        n != "setgroups" && n != "setgroups32")
      CHECK(KeyArgCount(si) >= 1);
    if (r.target_arg >= 0) CHECK(r.target_arg == KeyArg(si, KeyArgCount(si) - 2));
  }
  CHECK(RulesFor("getpid").empty());
  CHECK(CapabilityName(CAP_NET_BIND_SERVICE) == "CAP_NET_BIND_SERVICE");
}

TEST_CASE("bind below ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE", "[unit][learner]") {
  auto caps = LearnOne(Bind("127.0.0.1", 80), 0);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0] == CapabilityFact{CAP_NET_BIND_SERVICE, true, "bind", "bind 127.0.0.1:80", 1,
                                  caps[0].first_seen_ns});
  CHECK(LearnOne(Bind("127.0.0.1", 8080), 0).empty());
  CHECK(LearnOne(Bind("127.0.0.1", 0), 0).empty());  // an ephemeral port
  CHECK(LearnOne(Bind("127.0.0.1", 80), 0, {.unprivileged_port_start = 0}).empty());
  CHECK(LearnOne(Bind("127.0.0.1", 80), -EADDRINUSE).empty());
  // Without it: EACCES, recorded as wanted.
  caps = LearnOne(Bind("0.0.0.0", 443, User(1000)), -EACCES);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_NET_BIND_SERVICE);
  CHECK_FALSE(caps[0].granted);
  CHECK(caps[0].evidence == "bind 0.0.0.0:443");

  AccessLearner l;
  Learn(l, Bind("127.0.0.1", 80), 0);
  const auto net = l.Network();
  REQUIRE(net.size() == 1);
  CHECK(net[0].op == NetOp::kBind);
  CHECK(net[0].family == AF_INET);
  CHECK(net[0].type == SOCK_STREAM);
  CHECK(net[0].protocol == IPPROTO_TCP);
  CHECK(net[0].address == "127.0.0.1");
  CHECK(net[0].port == 80);
}

TEST_CASE("raw and packet sockets need CAP_NET_RAW, a raw netlink socket does not",
          "[unit][learner]") {
  auto caps = LearnOne(Call("socket", {AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP}), 3);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_NET_RAW);
  CHECK(caps[0].evidence == "socket(AF_INET, SOCK_RAW, 1)");
  CHECK(LearnOne(Call("socket", {AF_PACKET, SOCK_DGRAM, 0}), 3).size() == 1);
  CHECK(LearnOne(Call("socket", {AF_NETLINK, SOCK_RAW, 0}), 3).empty());
  CHECK(LearnOne(Call("socket", {AF_INET, SOCK_STREAM, 0}), 3).empty());
  caps = LearnOne(Call("socket", {AF_INET6, SOCK_RAW, 58}, User(1000)), -EPERM);
  REQUIRE(caps.size() == 1);
  CHECK_FALSE(caps[0].granted);
}

TEST_CASE("chown to another id needs CAP_CHOWN, an owner's chgrp to its own group does not",
          "[unit][learner]") {
  SyscallEvent e = PathCall("chown", {0x1000, 65534, 65534}, "/srv/f");
  e.stat1 = File(S_IFREG | 0644, 0, 0);
  auto caps = LearnOne(e, 0);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_CHOWN);
  CHECK(caps[0].evidence == "chown /srv/f to 65534:65534");

  TaskCreds user = User(1000);
  user.groups = {1000, 27};
  SyscallEvent chgrp =
      PathCall("chown", {0x1000, static_cast<uint64_t>(-1), 27}, "/home/u/f", user);
  chgrp.stat1 = File(S_IFREG | 0644, 1000, 1000);
  CHECK(LearnOne(chgrp, 0).empty());
  // Giving it away fails without the capability: wanted, even with no stat of the file.
  caps = LearnOne(PathCall("chown", {0x1000, 0, 0}, "/home/u/f", user), -EPERM);
  REQUIRE(caps.size() == 1);
  CHECK_FALSE(caps[0].granted);
  // Root chowning its own file to itself needs nothing.
  SyscallEvent same = PathCall("chown", {0x1000, 0, 0}, "/srv/f");
  same.stat1 = File(S_IFREG | 0644, 0, 0);
  CHECK(LearnOne(same, 0).empty());
}

TEST_CASE("open of a file the mode bits refuse: DAC_READ_SEARCH to read, DAC_OVERRIDE to write",
          "[unit][learner]") {
  auto open = [](uint64_t flags, TaskCreds creds) {
    SyscallEvent e = PathCall("openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, flags},
                              "/srv/secret", std::move(creds));
    e.stat1 = File(S_IFREG | 0600, 65534, 65534);
    return e;
  };
  auto caps = LearnOne(open(O_RDONLY, Root()), 3);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_DAC_READ_SEARCH);
  CHECK(caps[0].evidence == "open /srv/secret for read (mode 0600 owner 65534:65534)");
  caps = LearnOne(open(O_RDWR, Root()), 3);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_DAC_OVERRIDE);
  // Docker's set has no CAP_DAC_READ_SEARCH: the kernel then uses CAP_DAC_OVERRIDE to read.
  caps = LearnOne(open(O_RDONLY, Creds(0, kDockerCaps)), 3);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_DAC_OVERRIDE);
  // The owner needs nothing; others readable need nothing.
  CHECK(LearnOne(open(O_RDWR, Creds(65534, kAllCaps)), 3).empty());
  SyscallEvent readable = open(O_RDONLY, Root());
  readable.stat1.mode = S_IFREG | 0644;
  CHECK(LearnOne(readable, 3).empty());
  // A user refused: either capability would have done (no stat without capabilities).
  SyscallEvent refused = PathCall("openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, O_RDONLY},
                                  "/srv/secret", User(1000));
  caps = LearnOne(refused, -EACCES);
  REQUIRE(caps.size() == 2);
  CHECK(caps[0].capability == CAP_DAC_OVERRIDE);
  CHECK(caps[1].capability == CAP_DAC_READ_SEARCH);
  CHECK_FALSE(caps[0].granted);
  CHECK_FALSE(caps[1].granted);
  // ENOENT is no capability's business.
  CHECK(LearnOne(refused, -ENOENT).empty());
}

TEST_CASE("set*id: only ids outside the real, effective and saved ones need CAP_SETUID",
          "[unit][learner]") {
  auto caps = LearnOne(Call("setuid", {1000}), 0);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0] == CapabilityFact{CAP_SETUID, true, "setuid", "setuid(1000) with uids 0/0/0", 1,
                                  caps[0].first_seen_ns});
  CHECK(LearnOne(Call("setuid", {1000}, User(1000)), 0).empty());
  caps = LearnOne(Call("setuid", {0}, User(1000)), -EPERM);
  REQUIRE(caps.size() == 1);
  CHECK_FALSE(caps[0].granted);
  TaskCreds dropped = User(1000);
  dropped.suid = 0;  // a set-user-ID program that dropped its euid can go back
  CHECK(
      LearnOne(
          Call("setresuid", {static_cast<uint64_t>(-1), 0, static_cast<uint64_t>(-1)}, dropped), 0)
          .empty());
  caps = LearnOne(Call("setgroups", {0, 0}), 0);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_SETGID);
  CHECK(LearnOne(Call("setgid", {5}), 0)[0].capability == CAP_SETGID);
}

TEST_CASE("kill of another user's process needs CAP_KILL", "[unit][learner]") {
  AccessLearner l;
  SyscallEvent k = Call("kill", {777, SIGTERM});
  const SyscallNeeds needs = l.Needs(k);
  CHECK(needs.result);
  CHECK(needs.target_pid == 777);  // the backend reads its credentials
  k.target_creds = User(1000);
  l.OnSyscall(Done(k, 0));
  auto caps = l.Capabilities();
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_KILL);
  CHECK(caps[0].evidence == "kill 777 (uid 1000) with signal 15");
  SyscallEvent own = Call("kill", {778, SIGTERM});
  own.target_creds = Root();
  CHECK(LearnOne(own, 0).empty());
}

TEST_CASE("namespaces, chroot, mount, mknod, chmod of another's file", "[unit][learner]") {
  CHECK(LearnOne(Call("unshare", {CLONE_NEWNS}), 0)[0].capability == CAP_SYS_ADMIN);
  CHECK(LearnOne(Call("unshare", {CLONE_NEWUSER | CLONE_NEWNS}), 0).empty());
  CHECK(LearnOne(Call("clone", {SIGCHLD}), 4243).empty());
  CHECK(LearnOne(PathCall("chroot", {0x1000}, "/srv/jail"), 0)[0].capability == CAP_SYS_CHROOT);
  CHECK(LearnOne(PathCall("mount", {0, 0x1000}, "/mnt"), 0)[0].capability == CAP_SYS_ADMIN);
  CHECK(LearnOne(PathCall("mknod", {0x1000, S_IFCHR | 0600, 0x103}, "/dev/x"), 0)[0].capability ==
        CAP_MKNOD);
  CHECK(LearnOne(PathCall("mknod", {0x1000, S_IFIFO | 0600, 0}, "/tmp/fifo"), 0).empty());
  SyscallEvent chmod = PathCall("chmod", {0x1000, 0644}, "/home/u/f");
  chmod.stat1 = File(S_IFREG | 0600, 1000, 1000);
  auto caps = LearnOne(chmod, 0);
  REQUIRE(caps.size() == 1);
  CHECK(caps[0].capability == CAP_FOWNER);
}

TEST_CASE("file access bits come from the call and its open flags", "[unit][learner]") {
  struct Case {
    uint64_t flags;
    uint32_t access;
  };
  for (const Case& c :
       {Case{O_RDONLY, kAccessRead}, Case{O_WRONLY | O_APPEND, kAccessAppend},
        Case{O_RDWR | O_CREAT, kAccessRead | kAccessWrite | kAccessCreate},
        Case{O_WRONLY | O_TRUNC | O_APPEND, kAccessWrite}, Case{O_PATH | O_RDWR, kAccessStat},
        Case{O_TMPFILE | O_RDWR, kAccessRead | kAccessWrite | kAccessCreate}}) {
    CAPTURE(c.flags);
    AccessLearner l;
    SyscallEvent e =
        PathCall("openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, c.flags}, "/a/b", User(1));
    l.OnSyscall(Done(e, 3));
    const auto files = l.Files();
    REQUIRE(files.size() == 1);
    CHECK(files[0] == FileFact{"/a/b", c.access, 0, 1, e.time_ns, "openat"});
  }
  AccessLearner l;
  SyscallEvent rename = PathCall("rename", {0x1000, 0x2000}, "/a/old", User(1));
  rename.path2 = rename.abs_path2 = "/a/new";
  l.OnSyscall(Done(rename, 0));
  SyscallEvent gone = PathCall("unlink", {0x1000}, "/a/missing", User(1));
  l.OnSyscall(Done(gone, -ENOENT));
  const auto files = l.Files();
  REQUIRE(files.size() == 3);
  CHECK(files[0].path == "/a/missing");
  CHECK(files[0].access == kAccessDelete);
  CHECK(files[0].err == ENOENT);
  CHECK((files[1].path == "/a/new" && files[1].access == kAccessCreate));
  CHECK((files[2].path == "/a/old" && files[2].access == kAccessDelete));
}

TEST_CASE("an outcome already known is not waited for, and a change to the path asks again",
          "[unit][learner]") {
  AccessLearner l;
  auto open = [] {
    return PathCall("openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, O_RDONLY}, "/d/f",
                    User(1000));
  };
  SyscallEvent first = open();
  CHECK(l.Needs(first).result);
  l.OnSyscall(Done(first, 3));
  for (int i = 0; i < 5; ++i) {
    SyscallEvent again = open();
    CHECK_FALSE(l.Needs(again).result);
    l.OnSyscall(again);  // no result: counted where the first one went
  }
  CHECK(l.results_skipped() == 5);
  REQUIRE(l.Files().size() == 1);
  CHECK(l.Files()[0].count == 6);
  // Deleting the directory drops what was known below it.
  SyscallEvent rmdir = PathCall("rmdir", {0x1000}, "/d", User(1000));
  CHECK(l.Needs(rmdir).result);
  l.OnSyscall(Done(rmdir, 0));
  SyscallEvent after = open();
  CHECK(l.Needs(after).result);
  l.OnSyscall(Done(after, -ENOENT));
  const auto files = l.Files();
  REQUIRE(files.size() == 3);
  CHECK(files[1] == FileFact{"/d/f", kAccessRead, 0, 6, first.time_ns, "openat"});
  CHECK(files[2] == FileFact{"/d/f", kAccessRead, ENOENT, 1, after.time_ns, "openat"});
}

TEST_CASE("a stat's outcome may come from the backend's own stat", "[unit][learner]") {
  AccessLearner l;
  SyscallEvent st = PathCall("newfstatat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, 0x2000, 0},
                             "/nope", User(1000));
  const SyscallNeeds needs = l.Needs(st);
  CHECK(needs.result);
  CHECK((needs.stat & SyscallNeeds::kStatOutcome));
  st.stat1.err = ENOENT;
  st.stat1.predicts = true;  // the backend cleared needs.result: no second stop
  l.OnSyscall(st);
  REQUIRE(l.Files().size() == 1);
  CHECK(l.Files()[0].err == ENOENT);
  CHECK(l.cached_outcomes() == 1);
  // Not for ".." (our lexical path may not be the kernel's file), nor for writes.
  SyscallEvent dots = PathCall("newfstatat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, 0x2000, 0},
                               "/a/b", User(1000));
  dots.path = "link/../b";
  CHECK_FALSE((l.Needs(dots).stat & SyscallNeeds::kStatOutcome));
  SyscallEvent write =
      PathCall("openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, O_WRONLY}, "/a/w", User(1000));
  CHECK_FALSE((l.Needs(write).stat & SyscallNeeds::kStatOutcome));
}

TEST_CASE("what the stat at the stop predicts is the learner's decision", "[unit][learner]") {
  AccessLearner l;
  const uint64_t cwd = static_cast<uint64_t>(AT_FDCWD);
  FileStat readable{true, S_IFREG | 0644, 0, 0, 0, /*same_view=*/true, false};
  FileStat missing{false, 0, 0, 0, ENOENT, /*same_view=*/true, false};
  auto with = [](SyscallEvent e, FileStat st) {
    e.stat1 = st;
    return e;
  };
  const SyscallEvent stat = PathCall("newfstatat", {cwd, 0x1000, 0x2000, 0}, "/a", User(1000));
  CHECK(l.Predict(with(stat, missing)) == Prediction::kOutcomeNoResult);
  FileStat elsewhere = missing;
  elsewhere.same_view = false;  // another mount namespace or other fs ids: not the same stat
  CHECK(l.Predict(with(stat, elsewhere)) == Prediction::kNone);
  const SyscallEvent open = PathCall("openat", {cwd, 0x1000, O_RDONLY}, "/a", User(1000));
  CHECK(l.Predict(with(open, readable)) == Prediction::kOutcomeNoResult);
  CHECK(l.Predict(with(open, missing)) == Prediction::kOutcomeNoResult);
  FileStat secret = readable;
  secret.mode = S_IFREG | 0600;  // root's 0600: only successes are modelled, the result decides
  CHECK(l.Predict(with(open, secret)) == Prediction::kNone);
  const SyscallEvent proc = PathCall("openat", {cwd, 0x1000, O_RDONLY}, "/proc/1/environ",
                                     User(1000));
  CHECK(l.Predict(with(proc, readable)) == Prediction::kNone);  // /proc has its own rules
  // mkdir of a name that exists: EEXIST, told to a backend without results; ptrace still
  // waits for the real one.
  const SyscallEvent mkdir = PathCall("mkdir", {0x1000, 0755}, "/a", User(1000));
  CHECK(l.Predict(with(mkdir, readable)) == Prediction::kOutcome);
  CHECK(l.Predict(with(mkdir, missing)) == Prediction::kNone);
}

TEST_CASE("without capabilities no stat is asked for, and with them only what a rule uses",
          "[unit][learner]") {
  AccessLearner l;
  SyscallEvent user =
      PathCall("openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, O_WRONLY}, "/x", User(1000));
  CHECK(l.Needs(user).stat == 0);
  SyscallEvent root = PathCall(
      "openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, O_WRONLY | O_CREAT}, "/x", Root());
  CHECK(l.Needs(root).stat == (SyscallNeeds::kStatPath | SyscallNeeds::kStatParent));
  CHECK(l.Needs(Call("getpid", {})).result == false);  // nothing to learn
  CHECK(l.Needs(Call("clone", {SIGCHLD, 0x7ffd0000})).result == false);
}

TEST_CASE("memory is bounded by distinct facts, not by events", "[unit][learner]") {
  Aggregator agg;
  for (int i = 0; i < 100000; ++i) {
    SyscallEvent e = PathCall("openat", {static_cast<uint64_t>(AT_FDCWD), 0x1000, O_RDONLY},
                              i % 3 == 0 ? "/a" : (i % 3 == 1 ? "/b" : "/c"), User(1));
    const SyscallNeeds n = agg.Needs(e);
    agg.OnSyscall(n.result ? Done(e, 3) : e);
  }
  const auto files = agg.access().Files();
  REQUIRE(files.size() == 3);
  uint64_t total = 0;
  for (const auto& f : files) total += f.count;
  CHECK(total == 100000);
  CHECK(agg.access().cached_outcomes() == 3);
  CHECK(agg.access().results_skipped() == 100000 - 3);
  FactsDelta d = agg.TakeDelta();
  CHECK(d.files.size() == 3);
  CHECK(agg.TakeDelta().files.empty());  // increments only
}

}  // namespace seclearn
