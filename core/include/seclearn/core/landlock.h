// Landlock rulesets in the landlockconfig format (the Landlock maintainers' JSON schema,
// schema/landlockconfig.json of landlock-lsm/landlockconfig; systemd reads the same): the
// access rights as the kernel numbers them (uapi/linux/landlock.h) and as the format names
// them, which rights each ABI version handles, and one writer and one reader, so that what
// `seclearn export --format landlock` writes is what `seclearn run --landlock` enforces.
//
//   LandlockRuleset r;
//   r.abi = 6;
//   r.handled_fs = LandlockFsRights(6);
//   r.paths.push_back({kLlReadFile | kLlExecute, {"/usr/bin/true"}});
//   std::string json = WriteLandlockRuleset(r);
//   auto back = ParseLandlockRuleset(json, "r.json");   // *back == r
//
// Paths are untrusted bytes from the workload: the writer keeps them as JSON strings (never
// structure) and doubles every '$', which the format reads as the start of a variable
// (${name}; "$$" is a literal '$'). A path that is not UTF-8 has no JSON string: the writer
// refuses it, and the emitter names an ancestor instead. The reader takes what the writer
// writes and the rest of the schema's ruleset fields (abi.* groups, several rulesets, which
// the kernel stacks as one: their handled rights are merged); "variable" is refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

// LANDLOCK_ACCESS_FS_* (ABI 1, but refer 2, truncate 3, ioctl_dev 5).
enum LandlockFs : uint64_t {
  kLlExecute = 1ull << 0,
  kLlWriteFile = 1ull << 1,
  kLlReadFile = 1ull << 2,
  kLlReadDir = 1ull << 3,
  kLlRemoveDir = 1ull << 4,
  kLlRemoveFile = 1ull << 5,
  kLlMakeChar = 1ull << 6,
  kLlMakeDir = 1ull << 7,
  kLlMakeReg = 1ull << 8,
  kLlMakeSock = 1ull << 9,
  kLlMakeFifo = 1ull << 10,
  kLlMakeBlock = 1ull << 11,
  kLlMakeSym = 1ull << 12,
  kLlRefer = 1ull << 13,
  kLlTruncate = 1ull << 14,
  kLlIoctlDev = 1ull << 15,
};
// LANDLOCK_ACCESS_NET_* (ABI 4).
enum LandlockNet : uint64_t { kLlBindTcp = 1ull << 0, kLlConnectTcp = 1ull << 1 };
// LANDLOCK_SCOPE_* (ABI 6).
enum LandlockScope : uint64_t { kLlScopeAbstractUnix = 1ull << 0, kLlScopeSignal = 1ull << 1 };

// The rights a rule on a file (not a directory) may hold: the kernel refuses others (EINVAL).
inline constexpr uint64_t kLlFileRights =
    kLlExecute | kLlWriteFile | kLlReadFile | kLlTruncate | kLlIoctlDev;

// The newest ABI this code knows the rights of (7 adds audit flags, no right).
inline constexpr int kLandlockKnownAbi = 7;

// What ABI `abi` handles (0 for abi < 1); past kLandlockKnownAbi, what that one handles.
uint64_t LandlockFsRights(int abi);
uint64_t LandlockNetRights(int abi);
uint64_t LandlockScopes(int abi);

// "read_file, make_reg", in the kernel's bit order, as the format names them.
std::string LandlockFsNames(uint64_t fs);
std::string LandlockNetNames(uint64_t net);
std::string LandlockScopeNames(uint64_t scopes);

struct LandlockPathRule {
  uint64_t access = 0;  // LandlockFs bits, on each parent and everything beneath it
  std::vector<std::string> parents;
  bool operator==(const LandlockPathRule&) const = default;
};
struct LandlockPortRule {
  uint64_t access = 0;  // LandlockNet bits
  std::vector<uint64_t> ports;
  bool operator==(const LandlockPortRule&) const = default;
};
struct LandlockRuleset {
  int abi = 0;  // the ABI the ruleset was written for (abi.* groups resolve against it)
  uint64_t handled_fs = 0;
  uint64_t handled_net = 0;
  uint64_t scoped = 0;
  std::vector<LandlockPathRule> paths;
  std::vector<LandlockPortRule> ports;
  bool operator==(const LandlockRuleset&) const = default;
};

// The JSON text (2-space indent, newline at the end). kUsage error for a path that is not
// valid UTF-8 or holds a NUL byte (no JSON string names it byte for byte).
Result<std::string> WriteLandlockRuleset(const LandlockRuleset& ruleset);

// kParse errors name the place: "r.json:4:7: unknown access right \"read\"".
Result<LandlockRuleset> ParseLandlockRuleset(std::string_view text, std::string_view source);

}  // namespace seclearn
