// Live tests of file, network and capability learning: the real tracer with
// TraceOptions::learn_access on the test workload's access subcommands, checked through the
// facts the learner makes of them (and, for hostile names, through the store).
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "seclearn/core/capability.h"
#include "seclearn/core/facts.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "support/skip.h"
#include "support/temp_dir.h"
#include "trace_helpers.h"

namespace Catch {
template <>
struct StringMaker<seclearn::FileFact> {
  static std::string convert(const seclearn::FileFact& f) {
    return "{" + f.path + ", access " + std::to_string(f.access) + ", err " +
           std::to_string(f.err) + ", count " + std::to_string(f.count) + ", " + f.syscall + "}";
  }
};
template <>
struct StringMaker<seclearn::NetworkFact> {
  static std::string convert(const seclearn::NetworkFact& n) {
    return "{" + std::string(NetOpName(n.op)) + " fam " + std::to_string(n.family) + " type " + std::to_string(n.type) +
           " proto " + std::to_string(n.protocol) + " " + n.address + ":" + std::to_string(n.port) +
           " err " + std::to_string(n.err) + "}";
  }
};
template <>
struct StringMaker<seclearn::CapabilityFact> {
  static std::string convert(const seclearn::CapabilityFact& c) {
    return "{" + seclearn::CapabilityName(c.capability) + (c.granted ? " exercised" : " wanted") + " by " + c.syscall + ": " +
           c.evidence + "}";
  }
};
}  // namespace Catch

namespace seclearn {
namespace {

namespace fs = std::filesystem;


int UnprivilegedPortStart() {
  std::ifstream in("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  int port = 1024;
  in >> port;
  return port;
}

struct Learned {
  Result<TraceResult> result = Error{};
  std::unique_ptr<Aggregator> agg;
  std::vector<FileFact> files;
  std::vector<NetworkFact> network;
  std::vector<CapabilityFact> caps;
};

// Runs argv under `backend` with file/network/capability learning, as `seclearn learn` does.
Learned Learn(std::vector<std::string> argv, BackendKind backend) {
  Learned l;
  l.agg = std::make_unique<Aggregator>(
      AccessOptions{.unprivileged_port_start = UnprivilegedPortStart()});
  TraceOptions opts;
  opts.learn_access = true;
  opts.exe = argv[0];
  opts.argv = std::move(argv);
  opts.no_new_privs = true;
  l.result = MakeBackend(backend)->Run(opts, *l.agg);
  l.files = l.agg->access().Files();
  l.network = l.agg->access().Network();
  l.caps = l.agg->access().Capabilities();
  return l;
}

// The facts about paths under `dir` (the workload's own startup reads libraries and such).
std::vector<FileFact> Under(const std::vector<FileFact>& files, const std::string& dir) {
  std::vector<FileFact> out;
  for (const auto& f : files)
    if (f.path == dir || f.path.starts_with(dir + "/")) out.push_back(f);
  return out;
}

const FileFact* FindFile(const std::vector<FileFact>& files, const std::string& path,
                         uint32_t access, int32_t err = 0) {
  for (const auto& f : files)
    if (f.path == path && f.access == access && f.err == err) return &f;
  return nullptr;
}

const NetworkFact* FindNet(const std::vector<NetworkFact>& net, const std::string& op, int family,
                           const std::string& address, int port = -1) {
  for (const auto& n : net)
    if (NetOpName(n.op) == op && n.family == family && n.address == address && n.port == port) return &n;
  return nullptr;
}

const CapabilityFact* FindCap(const std::vector<CapabilityFact>& caps, int cap, bool granted) {
  for (const auto& c : caps)
    if (c.capability == cap && c.granted == granted) return &c;
  return nullptr;
}

// The errno a backend reports: the notify backend never sees results, so every call counts
// as a success there.
int32_t Err(BackendKind backend, int32_t err) { return SeesResults(backend) ? err : 0; }

bool IsRoot() { return ::geteuid() == 0; }

// A free TCP port on both loopbacks, for a workload to bind (racy only against other programs
// grabbing it within milliseconds).
int FreePort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(s);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("access subcommands make exactly their declared syscalls", "[live][access]") {
  TempDir dir;
  ::close(::open((dir / "x").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  const std::vector<std::vector<std::string>> subs = {
      {"open-relative", dir.path},  {"exec", "/bin/true"},
      {"mmap-exec", SECLEARN_TESTEE}, {"net-netlink"},
      {"chown-nobody", dir / "x"},    {"open-loop", "3", "/etc/hostname"},
  };
  auto names = [](const Learned& l) {
    NameSet out;
    for (const auto& f : l.agg->Syscalls())
      if (f.arch == AUDIT_ARCH_X86_64) out.insert(SyscallName(f.arch, f.nr));
    return out;
  };
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  const NameSet noop = names(Learn(Testee({"noop"}), backend));
  for (const auto& sub : subs) {
    CAPTURE(sub);
    const NameSet declared = RunForSet("--declare", sub);
    auto l = Learn(Testee(sub), backend);
    REQUIRE(l.result.has_value());
    const NameSet got = names(l);
    NameSet missing, extra;
    for (const auto& n : declared)
      if (!got.count(n)) missing.insert(n);
    for (const auto& n : got)
      if (!declared.count(n) && !noop.count(n)) extra.insert(n);
    INFO("missing: " << Join(missing));
    INFO("unexpected: " << Join(extra));
    CHECK(missing.empty());
    CHECK(extra.empty());
  }
}

TEST_CASE("paths are made absolute through the dirfd and the cwd", "[live][access]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  auto l = Learn(Testee({"open-relative", dir.path}), backend);
  REQUIRE(l.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
  const auto files = Under(l.files, dir.path);
  CAPTURE(files);
  // openat(dirfd, "by-dirfd", O_WRONLY|O_CREAT)
  const FileFact* by_dirfd = FindFile(files, dir / "by-dirfd", kAccessWrite | kAccessCreate);
  REQUIRE(by_dirfd != nullptr);
  CHECK(by_dirfd->syscall == "openat");
  // newfstatat(dirfd, "missing"): a stat's outcome is known on both backends (predicted by
  // the same stat at the stop, SyscallNeeds::kStatOutcome)
  CHECK(FindFile(files, dir / "missing", kAccessStat, ENOENT) != nullptr);
  CHECK(FindFile(files, dir.path, kAccessChdir) != nullptr);
  // after chdir: "by-cwd" and "./by-dirfd"
  CHECK(FindFile(files, dir / "by-cwd", kAccessWrite | kAccessCreate) != nullptr);
  CHECK(FindFile(files, dir / "by-dirfd", kAccessRead) != nullptr);
  // the directory itself, opened for the descriptor
  CHECK(FindFile(files, dir.path, kAccessRead) != nullptr);
  CHECK(files.size() == 6);
  for (const auto& f : l.files) CHECK(f.path.starts_with("/"));
}

TEST_CASE("mkdir of a path that exists is a failed create on every backend", "[live][access]") {
  // busybox mkdir -p makes every prefix, "/" and the existing ones included: each fails with
  // EEXIST. The notify backend sees no result; the stat at the stop says the name exists.
  if (::access("/bin/busybox", X_OK) != 0) SkipTest("/bin/busybox (busybox-static)");
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  auto l = Learn({"/bin/busybox", "mkdir", "-p", dir / "new/deeper"}, backend);
  REQUIRE(l.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
  CAPTURE(l.files);
  CHECK(FindFile(l.files, "/", kAccessCreate, EEXIST) != nullptr);
  CHECK(FindFile(l.files, "/", kAccessCreate) == nullptr);
  CHECK(FindFile(l.files, dir.path, kAccessCreate, EEXIST) != nullptr);
  CHECK(FindFile(l.files, dir.path, kAccessCreate) == nullptr);
  CHECK(FindFile(l.files, dir / "new", kAccessCreate) != nullptr);
  CHECK(FindFile(l.files, dir / "new/deeper", kAccessCreate) != nullptr);
}

TEST_CASE("file operations ask for the right access and get the right result", "[live][access]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  auto l = Learn(Testee({"file-ops", dir.path}), backend);
  REQUIRE(l.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
  const auto files = Under(l.files, dir.path);
  CAPTURE(files);
  struct Want {
    std::string name;
    uint32_t access;
    int32_t err;
    std::string syscall;
    uint64_t count;
  };
  const std::vector<Want> want = {
      {"d", kAccessCreate, 0, "mkdir", 1},
      {"d", kAccessDelete, 0, "rmdir", 1},
      {"d/link", kAccessCreate | kAccessLink, 0, "symlink", 1},
      {"d/link", kAccessDelete, 0, "unlink", 1},
      {"f", kAccessRead, 0, "link", 1},                     // the link's source
      {"f", kAccessWrite, 0, "chmod", 2},                   // chmod, truncate
      {"f", kAccessAppend, 0, "openat", 1},                 // O_WRONLY|O_APPEND
      {"f", kAccessWrite | kAccessCreate, 0, "openat", 1},  // O_CREAT|O_TRUNC
      {"hard", kAccessCreate | kAccessLink, 0, "link", 1},
      {"hard", kAccessDelete, 0, "rename", 1},
      {"missing", kAccessDelete, Err(backend, ENOENT), "unlink", 1},
      {"renamed", kAccessCreate, 0, "rename", 1},
      {"renamed", kAccessDelete, 0, "unlink", 1},
  };
  for (const auto& w : want) {
    CAPTURE(w.name, w.access);
    const FileFact* f = FindFile(files, dir / w.name, w.access, w.err);
    REQUIRE(f != nullptr);
    CHECK(f->syscall == w.syscall);
    CHECK(f->count == w.count);
  }
  CHECK(files.size() == want.size());
}

TEST_CASE("exec and mmap PROT_EXEC and locks of a file are learned", "[live][access]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  auto ok = Learn(Testee({"exec", "/bin/true"}), backend);
  REQUIRE(ok.result.has_value());
  CHECK(FindFile(ok.files, "/bin/true", kAccessExec) != nullptr);
  auto missing = Learn(Testee({"exec", dir / "missing"}), backend);
  REQUIRE(missing.result.has_value());
  CHECK(FindFile(missing.files, dir / "missing", kAccessExec, Err(backend, ENOENT)) != nullptr);

  const std::string testee = fs::canonical(SECLEARN_TESTEE).string();
  auto m = Learn(Testee({"mmap-exec", SECLEARN_TESTEE}), backend);
  REQUIRE(m.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(m.result->wait_status) == 0);
  // mmap(PROT_EXEC) and mprotect(PROT_EXEC): the mapped file, as its descriptor names it.
  const FileFact* mapped = FindFile(m.files, testee, kAccessMmapExec);
  REQUIRE(mapped != nullptr);
  CHECK(mapped->count == 2);  // mmap, then mprotect (the kernel mapped the program itself)
  CHECK(FindFile(m.files, testee, kAccessLock) != nullptr);
}

TEST_CASE("network: inet and inet6 sockets with their addresses and ports", "[live][access]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  const int port = FreePort();
  auto l = Learn(Testee({"net-inet", std::to_string(port)}), backend);
  REQUIRE(l.result.has_value());
  if (ExitCodeForWaitStatus(l.result->wait_status) != 0) {
    SkipTest("an IPv6 loopback ([::1]) with port " + std::to_string(port) + " free");
  }
  CAPTURE(l.network);
  for (int family : {AF_INET, AF_INET6}) {
    CAPTURE(family);
    const std::string addr = family == AF_INET ? "127.0.0.1" : "::1";
    const NetworkFact* sock = FindNet(l.network, "socket", family, "");
    REQUIRE(sock != nullptr);
    CHECK(sock->type == SOCK_STREAM);
    CHECK(sock->count == 2);
    for (const char* op : {"bind", "listen", "connect", "accept"}) {
      CAPTURE(op);
      const NetworkFact* n = FindNet(l.network, op, family, addr, port);
      REQUIRE(n != nullptr);
      CHECK(n->type == SOCK_STREAM);
      CHECK(n->protocol == IPPROTO_TCP);
      CHECK(n->err == 0);
    }
  }
  const NetworkFact* udp = FindNet(l.network, "sendto", AF_INET, "127.0.0.1", port);
  REQUIRE(udp != nullptr);
  CHECK(udp->type == SOCK_DGRAM);
  CHECK(udp->protocol == IPPROTO_UDP);
  if (UnprivilegedPortStart() <= port) CHECK(l.caps.empty());
}

TEST_CASE("network: unix path and abstract and relative sockets and netlink", "[live][access]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  auto l = Learn(Testee({"net-unix", dir.path}), backend);
  REQUIRE(l.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
  CAPTURE(l.network);
  for (const char* op : {"bind", "listen", "connect", "accept"}) {
    CAPTURE(op);
    const NetworkFact* n = FindNet(l.network, op, AF_UNIX, dir / "sock");
    REQUIRE(n != nullptr);
    CHECK(n->type == SOCK_STREAM);
  }
  const std::string base = fs::path(dir.path).filename().string();
  const NetworkFact* abstract = FindNet(l.network, "bind", AF_UNIX, "@seclearn-" + base);
  REQUIRE(abstract != nullptr);
  CHECK(abstract->type == SOCK_DGRAM);
  CHECK(FindNet(l.network, "bind", AF_UNIX, dir / "rel.sock") != nullptr);
  // A path socket is also a file: bind creates it, connect writes to it.
  const auto files = Under(l.files, dir.path);
  CAPTURE(files);
  CHECK(FindFile(files, dir / "sock", kAccessCreate) != nullptr);
  CHECK(FindFile(files, dir / "sock", kAccessWrite) != nullptr);
  CHECK(FindFile(files, dir / "rel.sock", kAccessCreate) != nullptr);

  auto nl = Learn(Testee({"net-netlink"}), backend);
  REQUIRE(nl.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(nl.result->wait_status) == 0);
  const NetworkFact* s = FindNet(nl.network, "socket", AF_NETLINK, "");
  REQUIRE(s != nullptr);
  CHECK(s->type == SOCK_RAW);
  CHECK(s->protocol == NETLINK_ROUTE);
  const NetworkFact* b = FindNet(nl.network, "bind", AF_NETLINK, "groups 0x1");
  REQUIRE(b != nullptr);
  CHECK(b->protocol == NETLINK_ROUTE);
  // A raw netlink socket is not a raw IP socket: no CAP_NET_RAW.
  CHECK(nl.caps.empty());
}

TEST_CASE("capabilities exercised as root each with its evidence", "[live][access]") {
  if (!IsRoot()) {
    SkipTest("root (exercising capabilities needs it)");
  }
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;

  SECTION("chown to another uid: CAP_CHOWN") {
    const std::string file = dir / "mine";
    ::close(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    auto l = Learn(Testee({"chown-nobody", file}), backend);
    REQUIRE(l.result.has_value());
    REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
    CAPTURE(l.caps);
    REQUIRE(l.caps.size() == 1);
    CHECK(l.caps[0].capability == CAP_CHOWN);
    CHECK(l.caps[0].granted);
    CHECK(l.caps[0].syscall == "chown");
    CHECK(l.caps[0].evidence == "chown " + file + " to 65534:65534");
  }
  SECTION("bind to port 80: CAP_NET_BIND_SERVICE below ip_unprivileged_port_start") {
    auto l = Learn(Testee({"bind-port-80"}), backend);
    REQUIRE(l.result.has_value());
    if (ExitCodeForWaitStatus(l.result->wait_status) != 0) {
      SkipTest("a free port 80 on 127.0.0.1");
    }
    CAPTURE(l.caps);
    if (UnprivilegedPortStart() > 80) {
      REQUIRE(l.caps.size() == 1);
      CHECK(l.caps[0].capability == CAP_NET_BIND_SERVICE);
      CHECK(l.caps[0].granted);
      CHECK(l.caps[0].evidence == "bind 127.0.0.1:80");
    } else {
      CHECK(l.caps.empty());
    }
  }
  SECTION("a 0600 file of another uid: DAC_OVERRIDE to write, DAC_READ_SEARCH to read") {
    const std::string file = dir / "secret";
    ::close(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    REQUIRE(::chown(file.c_str(), 65534, 65534) == 0);
    auto rw = Learn(Testee({"open-rdwr", file}), backend);
    REQUIRE(rw.result.has_value());
    REQUIRE(ExitCodeForWaitStatus(rw.result->wait_status) == 0);
    CAPTURE(rw.caps);
    REQUIRE(rw.caps.size() == 1);
    CHECK(rw.caps[0].capability == CAP_DAC_OVERRIDE);
    CHECK(rw.caps[0].granted);
    CHECK(rw.caps[0].syscall == "openat");
    CHECK(rw.caps[0].evidence == "open " + file + " for read-write (mode 0600 owner 65534:65534)");
    auto ro = Learn(Testee({"openat", file}), backend);
    REQUIRE(ro.result.has_value());
    CAPTURE(ro.caps);
    REQUIRE(ro.caps.size() == 1);
    CHECK(ro.caps[0].capability == CAP_DAC_READ_SEARCH);
    CHECK(ro.caps[0].granted);
  }
  SECTION("setuid to another uid in a child: CAP_SETUID") {
    auto l = Learn(Testee({"setuid", "65534"}), backend);
    REQUIRE(l.result.has_value());
    CAPTURE(l.caps);
    REQUIRE(l.caps.size() == 1);
    CHECK(l.caps[0].capability == CAP_SETUID);
    CHECK(l.caps[0].granted);
    CHECK(l.caps[0].evidence == "setuid(65534) with uids 0/0/0");
  }
  SECTION("a workload that needs none learns none") {
    for (std::vector<std::string> sub : {std::vector<std::string>{"noop"},
                                         {"openat", "/etc/hostname"},
                                         {"fork-exec"},
                                         {"create-file", dir / "plain"},
                                         {"net-netlink"}}) {
      CAPTURE(sub);
      auto l = Learn(Testee(sub), backend);
      REQUIRE(l.result.has_value());
      CAPTURE(l.caps);
      CHECK(l.caps.empty());
    }
  }
}

TEST_CASE("a call refused for lack of a capability is recorded as wanted", "[live][access]") {
  if (!IsRoot()) {
    SkipTest("root (dropping to another uid needs it)");
  }
  // Only the ptrace backend sees a call fail: the notify backend answers before it runs.
  const BackendKind backend = BackendKind::kPtrace;
  CAPTURE(BackendName(backend));
  if (::access("/usr/bin/setpriv", X_OK) != 0) {
    FAIL("setpriv (util-linux) is missing: scripts/install-deps.sh installs it");
  }
  // setpriv drops to nobody (exercising CAP_SETUID/CAP_SETGID itself), then the testee's
  // child asks for uid 0 back.
  auto l = Learn({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  SECLEARN_TESTEE, "setuid", "0"},
                 backend);
  REQUIRE(l.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
  CAPTURE(l.caps);
  const CapabilityFact* wanted = FindCap(l.caps, CAP_SETUID, false);
  REQUIRE(wanted != nullptr);
  CHECK(wanted->syscall == "setuid");
  CHECK(wanted->evidence == "setuid(0) with uids 65534/65534/65534");
  CHECK(FindCap(l.caps, CAP_SETUID, true) != nullptr);  // setpriv's own setresuid
}

TEST_CASE("hostile file names round-trip exactly through the store", "[live][access]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  TempDir dir;
  const std::vector<std::string> names = {
      "new\nline",     "quo\"te's",    std::string("bad\xff\xfe utf8"),
      "{a,b}*?[x] ^$", "deny ** rwx,", "tab\there\x01\x7f",
      "ok\xc3\xa9"};
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  RunInfo info{.app = "hostile",
               .argv = {"testee"},
               .backend = backend,
               .kernel = "k",
               .host = "h",
               .start_ns = 1};
  auto run = store->BeginRun(info);
  REQUIRE(run.has_value());
  for (const auto& name : names) {
    auto l = Learn(Testee({"create-file", dir / name}), backend);
    REQUIRE(l.result.has_value());
    REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
    REQUIRE(store->Flush(*run, l.agg->TakeDelta()).has_value());
  }
  auto files = store->Files("hostile");
  REQUIRE(files.has_value());
  for (const auto& name : names) {
    CAPTURE(name);
    CHECK(FindFile(*files, dir / name, kAccessWrite | kAccessCreate) != nullptr);
  }
  CHECK(Under(*files, dir.path).size() == names.size());
}

TEST_CASE("many accesses to a few paths are a few facts and few result stops", "[live][access]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  constexpr int kLoops = 20000;
  auto l = Learn(Testee({"open-loop", std::to_string(kLoops), "/etc/hostname"}), backend);
  REQUIRE(l.result.has_value());
  REQUIRE(ExitCodeForWaitStatus(l.result->wait_status) == 0);
  const FileFact* opened = FindFile(l.files, "/etc/hostname", kAccessRead);
  const FileFact* stated = FindFile(l.files, "/etc/hostname", kAccessStat);
  REQUIRE(opened != nullptr);
  REQUIRE(stated != nullptr);
  CHECK(opened->count == kLoops);
  CHECK(stated->count == kLoops);
  // Everything else is the workload's startup: a few dozen facts, not tens of thousands.
  CHECK(l.files.size() < 64);
  CHECK(l.agg->access().cached_outcomes() < 64);
  // ptrace waited for the first outcome of each only.
  if (SeesResults(backend)) CHECK(l.agg->access().results_skipped() >= 2 * kLoops - 2);
}

}  // namespace seclearn
