// The Landlock ruleset writer and reader (core/landlock.h): what one writes the other reads
// back exactly, for random rulesets with hostile paths; the format's own spellings (abi.*
// groups, "$$", several rulesets) read as the format means them; bad files name the place.
#include "seclearn/core/landlock.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace seclearn {
namespace {

// A random UTF-8 path: ASCII of every kind ('$', '{', quotes, newlines, '*'), and multi-byte
// characters, never NUL.
std::string RandomPath(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {
      "a", "Z", "0", "$", "${", "}", "$$", "\"", "\\", "\n", "\t", " ", "*", "?", "[", "]",
      ",", "é", "日本", "\x7f", "\x01", "${HOME}", "..", ".", "-"};
  std::string p = "/";
  const int n = std::uniform_int_distribution<>(1, 12)(rng);
  for (int i = 0; i < n; ++i) {
    p += kPieces[std::uniform_int_distribution<size_t>(0, kPieces.size() - 1)(rng)];
    if (std::uniform_int_distribution<>(0, 3)(rng) == 0) p += "/";
  }
  return p;
}

}  // namespace

TEST_CASE("landlock rulesets: the reader reads back what the writer writes", "[unit][core]") {
  std::mt19937 rng(20261203);
  for (int round = 0; round < 300; ++round) {
    LandlockRuleset r;
    r.abi = std::uniform_int_distribution<>(1, 7)(rng);
    r.handled_fs = std::uniform_int_distribution<uint64_t>(1, 0xffff)(rng);
    r.handled_net = std::uniform_int_distribution<uint64_t>(0, 3)(rng);
    r.scoped = std::uniform_int_distribution<uint64_t>(0, 3)(rng);
    const int rules = std::uniform_int_distribution<>(0, 5)(rng);
    for (int i = 0; i < rules; ++i) {
      LandlockPathRule p;
      p.access = std::uniform_int_distribution<uint64_t>(1, 0xffff)(rng);
      const int parents = std::uniform_int_distribution<>(1, 4)(rng);
      for (int k = 0; k < parents; ++k) p.parents.push_back(RandomPath(rng));
      r.paths.push_back(std::move(p));
    }
    if (r.handled_net != 0) {
      LandlockPortRule p;
      p.access = r.handled_net;
      p.ports = {0, 80, 65535, std::uniform_int_distribution<uint64_t>(1, 65535)(rng)};
      r.ports.push_back(std::move(p));
    }
    auto text = WriteLandlockRuleset(r);
    REQUIRE(text.has_value());
    auto back = ParseLandlockRuleset(*text, "r.json");
    REQUIRE(back.has_value());
    CHECK(*back == r);
  }
}

TEST_CASE("landlock rulesets: '$' is doubled, so no path reads as a variable", "[unit][core]") {
  LandlockRuleset r;
  r.abi = 6;
  r.handled_fs = kLlReadFile;
  r.paths.push_back({kLlReadFile, {"/home/${HOME}/$x", "/a$"}});
  auto text = WriteLandlockRuleset(r);
  REQUIRE(text.has_value());
  CHECK(text->find(R"("/home/$${HOME}/$$x")") != std::string::npos);
  CHECK(text->find(R"("/a$$")") != std::string::npos);
  // Not UTF-8, or NUL: no JSON string names it byte for byte.
  r.paths[0].parents = {std::string("/tmp/\xff")};
  CHECK_FALSE(WriteLandlockRuleset(r).has_value());
  r.paths[0].parents = {std::string("/tmp/a\0b", 8)};
  CHECK_FALSE(WriteLandlockRuleset(r).has_value());
}

TEST_CASE("landlock rulesets: the format's groups, escapes and several rulesets",
          "[unit][core]") {
  auto r = ParseLandlockRuleset(R"({"abi": 2,
    "ruleset": [{"handledAccessFs": ["abi.all"]}, {"handledAccessNet": ["bind_tcp"]}],
    "pathBeneath": [{"allowedAccess": ["abi.read_execute"], "parent": ["/usr", "/a$$b", "/c$d"]},
                    {"allowedAccess": ["abi.read_write"], "parent": ["/tmp"]}],
    "netPort": [{"allowedAccess": ["bind_tcp"], "port": [8080]}]})",
                                "f.json");
  REQUIRE(r.has_value());
  CHECK(r->handled_fs == LandlockFsRights(2));
  CHECK(r->handled_net == kLlBindTcp);
  CHECK(r->paths[0].access == (kLlExecute | kLlReadFile | kLlReadDir | kLlRefer));
  CHECK(r->paths[0].parents == std::vector<std::string>{"/usr", "/a$b", "/c$d"});
  CHECK(r->paths[1].access == (LandlockFsRights(2) & ~uint64_t{kLlExecute}));
  CHECK(r->ports[0].ports == std::vector<uint64_t>{8080});
  // ABI 1 has no refer.
  auto v1 = ParseLandlockRuleset(
      R"({"abi": 1, "pathBeneath": [{"allowedAccess": ["abi.read_execute"], "parent": ["/"]}]})",
      "f.json");
  REQUIRE(v1.has_value());
  CHECK(v1->paths[0].access == (kLlExecute | kLlReadFile | kLlReadDir));
}

TEST_CASE("landlock rulesets: a bad file is one error naming the place", "[unit][core]") {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"pathBeneath": [{"allowedAccess": ["read"], "parent": ["/"]}]})", "f.json:1:37: unknown access right \"read\""},
      {R"({"pathBeneath": [{"allowedAccess": ["abi.all"], "parent": ["/"]}]})", "needs \"abi\""},
      {R"({"abi": 1, "variable": [{"name": "x"}]})", "variables"},
      {R"({"pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/${x}"]}]})", "variables"},
      {R"({"pathBeneath": [{"allowedAccess": ["read_file"], "parent": []}]})", "non-empty"},
      {R"({"pathBeneath": [{"allowedAccess": ["read_file"]}]})", "needs \"allowedAccess\" and \"parent\""},
      {R"({"abi": 0, "ruleset": [{"scoped": ["signal"]}]})", "\"abi\" must be an integer"},
      {R"({"ruleset": [{}]})", "must handle something"},
      {R"({"abi": 6})", "no \"ruleset\""},
      {R"({"netPort": [{"allowedAccess": ["bind_tcp"], "port": [-1]}]})", "a port must be"},
      {R"({"extra": 1, "abi": 1})", "unknown key \"extra\""},
      {R"([1])", "must be an object"},
      {R"({"abi": )", "f.json:1:"},
  };
  for (const auto& [text, want] : cases) {
    auto r = ParseLandlockRuleset(text, "f.json");
    REQUIRE_FALSE(r.has_value());
    INFO(text);
    CHECK_THAT(r.error().Message(), Catch::Contains(want));
  }
}

TEST_CASE("landlock ABI versions handle what the kernel added in each", "[unit][core]") {
  CHECK(LandlockFsRights(0) == 0);
  CHECK(LandlockFsRights(1) == 0x1fff);
  CHECK(LandlockFsRights(2) == 0x3fff);
  CHECK(LandlockFsRights(3) == 0x7fff);
  CHECK(LandlockFsRights(4) == 0x7fff);
  CHECK(LandlockFsRights(5) == 0xffff);
  CHECK(LandlockFsRights(7) == 0xffff);
  CHECK(LandlockNetRights(3) == 0);
  CHECK(LandlockNetRights(4) == 3);
  CHECK(LandlockScopes(5) == 0);
  CHECK(LandlockScopes(6) == 3);
  CHECK(LandlockFsNames(kLlReadFile | kLlExecute) == "execute, read_file");
}

}  // namespace seclearn
