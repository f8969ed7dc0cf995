// The Docker / OCI runtime-spec seccomp profile (the object Docker's --security-opt seccomp=
// takes, and linux.seccomp of an OCI config.json), as a value type with a strict parser and a
// deterministic writer.
//
//   auto profile = ParseSeccompProfile(text, "profile.json");
//   if (!profile) return profile.error();   // "profile.json:12:5: \"names\" must be an array
//                                           //  of strings"
//   SeccompRule rule;
//   rule.names = {"getppid"};
//   rule.action = "SCMP_ACT_ALLOW";
//   profile->syscalls.push_back(rule);
//   std::string json = WriteSeccompProfile(*profile);   // parses back to an equal profile
//
// Parsing accepts Docker's format: the legacy single "name" of a rule becomes `names`;
// "includes"/"excludes" are accepted and ignored; null means absent (Go writes nil slices as
// null); unknown top-level keys are ignored, unknown keys inside rules and args are errors
// (they are almost always typos that would silently change the policy). Actions, ops and arg
// indexes are validated; architecture names are only checked to be strings, since newer
// libseccomp versions add architectures (BuildSeccompFilter warns about the ones it cannot use).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

// One argument comparison: arg[index] <op> value, or for SCMP_CMP_MASKED_EQ
// (arg[index] & value) == value_two.
struct SeccompArg {
  uint32_t index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // "SCMP_CMP_EQ", ...

  bool operator==(const SeccompArg&) const = default;
};

struct SeccompRule {
  std::vector<std::string> names;
  std::string action;                 // "SCMP_ACT_ALLOW", ...
  std::optional<uint32_t> errno_ret;  // only with SCMP_ACT_ERRNO / SCMP_ACT_TRACE
  std::vector<SeccompArg> args;       // all must match (AND)
  std::string comment;

  bool operator==(const SeccompRule&) const = default;
};

struct SeccompArchMap {
  std::string architecture;  // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures;

  bool operator==(const SeccompArchMap&) const = default;
};

struct SeccompProfile {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;
  std::vector<SeccompArchMap> arch_map;
  std::string listener_path;
  std::string listener_metadata;
  std::vector<std::string> flags;  // "SECCOMP_FILTER_FLAG_LOG", ...
  std::vector<SeccompRule> syscalls;

  bool operator==(const SeccompProfile&) const = default;
};

// The actions and comparison operators of the OCI runtime-spec, as spelled in profiles.
const std::vector<std::string_view>& KnownSeccompActions();
const std::vector<std::string_view>& KnownSeccompOps();

// Parses and validates a profile. Errors are kParse with context
// "source:line:col: message" naming the key at fault.
Result<SeccompProfile> ParseSeccompProfile(std::string_view text, std::string_view source);

// Pretty JSON (2 spaces, final newline) in Docker's key order: defaultAction, defaultErrnoRet,
// architectures, archMap, listenerPath, listenerMetadata, flags, syscalls; optional members
// only when set. Each rule: names, action, errnoRet, args, comment.
std::string WriteSeccompProfile(const SeccompProfile& profile);

}  // namespace seclearn
