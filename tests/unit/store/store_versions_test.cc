#include <catch2/catch.hpp>

#include "seclearn/core/sha256.h"
#include "seclearn/store/store.h"

namespace seclearn {
namespace {

ProfileVersion Version(const std::string& content, std::vector<int64_t> runs) {
  ProfileVersion v;
  v.app = "web";
  v.format = "seccomp";
  v.content = content;
  v.sha256 = Sha256Hex(content);
  v.created_ns = 5;
  v.seclearn_version = "test";
  v.options = "--runtime runc";
  v.runs = std::move(runs);
  return v;
}

}  // namespace

TEST_CASE("profile versions are numbered per app and format, deduplicated by content",
          "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  RunInfo info;
  info.app = "web";
  info.backend = BackendKind::kPtrace;
  auto run = store->BeginRun(info);
  REQUIRE(run.has_value());

  CHECK(*store->SaveProfileVersion(Version("{\"a\":1}\n", {*run})) == 1);
  CHECK(*store->SaveProfileVersion(Version("{\"a\":1}\n", {*run})) == 1);  // same content
  CHECK(*store->SaveProfileVersion(Version("{\"a\":2}\n", {*run})) == 2);
  ProfileVersion other = Version("profile web {}\n", {*run});
  other.format = "apparmor";
  CHECK(*store->SaveProfileVersion(other) == 1);  // numbered per format
  // Back to the first content: no new version.
  CHECK(*store->SaveProfileVersion(Version("{\"a\":1}\n", {*run})) == 1);

  auto all = store->ProfileVersions("web");
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].format == "apparmor");
  CHECK((*all)[1].version == 1);
  CHECK((*all)[1].content.empty());  // without content unless asked
  CHECK((*all)[1].runs == std::vector<int64_t>{*run});
  CHECK((*all)[2].version == 2);

  auto v2 = store->GetProfileVersion("web", "seccomp", 2);
  REQUIRE(v2.has_value());
  REQUIRE(v2->has_value());
  CHECK((*v2)->content == "{\"a\":2}\n");
  CHECK((*v2)->sha256 == Sha256Hex("{\"a\":2}\n"));
  CHECK((*v2)->options == "--runtime runc");
  CHECK_FALSE(store->GetProfileVersion("web", "seccomp", 9)->has_value());
  CHECK_FALSE(store->SaveProfileVersion([] {
    ProfileVersion v = Version("x", {});
    v.app = "ghost";
    return v;
  }()).has_value());
}

}  // namespace seclearn
