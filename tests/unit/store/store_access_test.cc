// File, network and capability facts through the store on :memory:: byte-exact round trips of
// hostile names, sums over runs, the earliest evidence, per-run filtering, sorting.
#include <linux/capability.h>
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/store/store.h"

namespace seclearn {
namespace {

Store Open() {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  return std::move(*store);
}

int64_t Run(Store& store, const std::string& app, int64_t start) {
  RunInfo info{.app = app,
               .argv = {"x"},
               .backend = BackendKind::kPtrace,
               .kernel = "k",
               .host = "h",
               .start_ns = start};
  auto run = store.BeginRun(info);
  REQUIRE(run.has_value());
  return *run;
}

// Names a workload may use: a newline, quotes, bytes that are not UTF-8, an embedded NUL (an
// abstract socket name may hold one), AppArmor and shell syntax.
const std::vector<std::string>& HostileNames() {
  static const std::vector<std::string> names = {"/tmp/new\nline",
                                                 "/tmp/quo\"te's",
                                                 std::string("/tmp/bad\xff\xfe"),
                                                 std::string("@abs\0tract", 9),
                                                 "/tmp/{a,b}*?[x] ^$",
                                                 "/tmp/deny /** rwx,",
                                                 "/tmp/ok\xc3\xa9"};
  return names;
}

}  // namespace

TEST_CASE("store: hostile names round-trip byte for byte", "[unit][store]") {
  Store store = Open();
  const int64_t run = Run(store, "web", 1);
  FactsDelta d;
  for (const auto& name : HostileNames()) {
    d.files.push_back(FileFact{name, kAccessRead | kAccessWrite, 0, 1, 10, "openat"});
    d.network.push_back(NetworkFact{NetOp::kBind, AF_UNIX, SOCK_STREAM, 0, name, -1, 0, 1, 10});
  }
  d.capabilities.push_back(
      CapabilityFact{CAP_CHOWN, true, "chown", "chown " + HostileNames()[2] + " to 0:0", 1, 10});
  REQUIRE(store.Flush(run, d).has_value());
  auto files = store.Files("web");
  auto net = store.Network("web");
  auto caps = store.Capabilities("web");
  REQUIRE(files.has_value());
  REQUIRE(net.has_value());
  REQUIRE(caps.has_value());
  REQUIRE(files->size() == HostileNames().size());
  REQUIRE(net->size() == HostileNames().size());
  for (const auto& name : HostileNames()) {
    CAPTURE(name);
    CHECK(std::count_if(files->begin(), files->end(),
                        [&](const FileFact& f) { return f.path == name; }) == 1);
    CHECK(std::count_if(net->begin(), net->end(),
                        [&](const NetworkFact& n) { return n.address == name; }) == 1);
  }
  REQUIRE(caps->size() == 1);
  CHECK(caps->at(0).evidence == "chown " + HostileNames()[2] + " to 0:0");
  // Sorted as bytes, as std::string compares them.
  for (size_t i = 1; i < files->size(); ++i) CHECK(files->at(i - 1).path < files->at(i).path);
}

TEST_CASE("store: facts are summed over runs and flushes, with the earliest evidence",
          "[unit][store]") {
  Store store = Open();
  const int64_t r1 = Run(store, "web", 1);
  const int64_t r2 = Run(store, "web", 2);
  const int64_t other = Run(store, "db", 3);
  FactsDelta a;
  a.files = {FileFact{"/etc/passwd", kAccessRead, 0, 3, 300, "openat"},
             FileFact{"/etc/shadow", kAccessRead, 13, 1, 310, "openat"}};
  a.network = {NetworkFact{NetOp::kConnect, 2, 1, 6, "127.0.0.1", 5432, 0, 2, 320}};
  a.capabilities = {CapabilityFact{CAP_SETUID, true, "setuid", "setuid(1000) late", 1, 330},
                    CapabilityFact{CAP_SETUID, false, "setresuid", "wanted", 1, 340}};
  REQUIRE(store.Flush(r1, a).has_value());
  REQUIRE(store.Flush(r1, a).has_value());  // a second flush of the same keys adds counts
  FactsDelta b;
  b.files = {FileFact{"/etc/passwd", kAccessRead, 0, 5, 100, "open"}};
  b.capabilities = {CapabilityFact{CAP_SETUID, true, "setresuid", "setresuid early", 2, 50}};
  REQUIRE(store.Flush(r2, b).has_value());
  FactsDelta c;
  c.files = {FileFact{"/var/lib/db", kAccessWrite, 0, 1, 1, "openat"}};
  REQUIRE(store.Flush(other, c).has_value());

  auto files = store.Files("web");
  REQUIRE(files.has_value());
  REQUIRE(files->size() == 2);
  CHECK(files->at(0) == FileFact{"/etc/passwd", kAccessRead, 0, 11, 100, "open"});
  CHECK(files->at(1) == FileFact{"/etc/shadow", kAccessRead, 13, 2, 310, "openat"});
  auto only_r1 = store.Files("web", r1);
  REQUIRE(only_r1.has_value());
  CHECK(only_r1->at(0) == FileFact{"/etc/passwd", kAccessRead, 0, 6, 300, "openat"});
  auto net = store.Network("web");
  REQUIRE(net.has_value());
  REQUIRE(net->size() == 1);
  CHECK(net->at(0) == NetworkFact{NetOp::kConnect, 2, 1, 6, "127.0.0.1", 5432, 0, 4, 320});
  auto caps = store.Capabilities("web");
  REQUIRE(caps.has_value());
  REQUIRE(caps->size() == 2);
  // (capability, granted): wanted (false) sorts first.
  CHECK(caps->at(0) == CapabilityFact{CAP_SETUID, false, "setresuid", "wanted", 2, 340});
  CHECK(caps->at(1) == CapabilityFact{CAP_SETUID, true, "setresuid", "setresuid early", 4, 50});
  auto db = store.Files("db");
  REQUIRE(db.has_value());
  CHECK(db->size() == 1);
  auto none = store.Capabilities("db");
  REQUIRE(none.has_value());
  CHECK(none->empty());
}

TEST_CASE("store: access facts for an unknown run are refused", "[unit][store]") {
  Store store = Open();
  FactsDelta d;
  d.files = {FileFact{"/x", kAccessRead, 0, 1, 1, "openat"}};
  auto r = store.Flush(999, d);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().domain == ErrorDomain::kUsage);
}

}  // namespace seclearn
