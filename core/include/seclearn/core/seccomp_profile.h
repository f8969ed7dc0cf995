// The Docker / OCI runtime-spec seccomp profile (the object Docker's --security-opt seccomp=
// takes, and linux.seccomp of an OCI config.json), as a value type with a strict parser and a
// deterministic writer.
//
//   auto profile = ParseSeccompProfile(text, "profile.json");
//   if (!profile) return profile.error();   // "profile.json:12:5: \"names\" must be an array
//                                           //  of strings"
//   SeccompRule rule;
//   rule.names = {"getppid"};
//   rule.action = SeccompAction::kAllow;
//   profile->syscalls.push_back(rule);
//   std::string json = WriteSeccompProfile(*profile);   // parses back to an equal profile
//
// Parsing accepts the runtime-spec's linux.seccomp and the profiles of moby
// (profiles/seccomp/default.json) and containers-common (/usr/share/containers/seccomp.json):
// the legacy single "name" of a rule becomes `names`; "errno"/"defaultErrno" (an errno name,
// "EPERM") set the return value when "errnoRet"/"defaultErrnoRet" is absent and must agree
// with it when both are given; "includes"/"excludes" ("caps", "arches", "minKernel") are kept
// on the rule, for SelectSeccompRules; null means absent (Go writes nil slices as null);
// unknown top-level keys are ignored, unknown keys inside rules, args and includes/excludes
// are errors (they are almost always typos that would silently change the policy). Actions,
// ops and arg indexes are validated; architecture names are only checked to be strings, since
// newer libseccomp versions add architectures (BuildSeccompFilter warns about the ones it
// cannot use).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/enum_names.h"
#include "seclearn/core/json.h"
#include "seclearn/core/result.h"

namespace seclearn {

// The actions and comparison operators of the OCI runtime-spec: closed sets, spelled
// ("SCMP_ACT_ALLOW", "SCMP_CMP_MASKED_EQ") only by the parser, the writers and messages.
enum class SeccompAction : uint8_t {
  kKill, kKillProcess, kKillThread, kTrap, kErrno, kTrace, kAllow, kLog, kNotify,
};
inline constexpr std::string_view kSeccompActionNames[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
constexpr std::string_view SeccompActionName(SeccompAction a) { return EnumName(kSeccompActionNames, a); }
constexpr std::optional<SeccompAction> SeccompActionFromName(std::string_view name) {
  return EnumFromName<SeccompAction>(kSeccompActionNames, name);
}
// runc and crun give a return value a meaning only with these two.
constexpr bool TakesErrnoRet(SeccompAction a) {
  return a == SeccompAction::kErrno || a == SeccompAction::kTrace;
}

enum class SeccompOp : uint8_t { kNe, kLt, kLe, kEq, kGe, kGt, kMaskedEq };
inline constexpr std::string_view kSeccompOpNames[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
constexpr std::string_view SeccompOpName(SeccompOp op) { return EnumName(kSeccompOpNames, op); }
constexpr std::optional<SeccompOp> SeccompOpFromName(std::string_view name) {
  return EnumFromName<SeccompOp>(kSeccompOpNames, name);
}

// One argument comparison: arg[index] <op> value, or for SCMP_CMP_MASKED_EQ
// (arg[index] & value) == value_two.
struct SeccompArg {
  uint32_t index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  SeccompOp op = SeccompOp::kEq;

  bool operator==(const SeccompArg&) const = default;
};

// A kernel version as moby's "minKernel" writes it: "4.8".
struct KernelVersion {
  uint32_t major = 0;
  uint32_t minor = 0;

  auto operator<=>(const KernelVersion&) const = default;
};

// Where a rule applies (moby's and containers-common's "includes") or does not ("excludes"):
// on these architectures (Go's names: "amd64", "arm64", "x86", "x32", "s390x", ...), with these
// capabilities ("CAP_SYS_ADMIN"), from this kernel on. Empty: no condition.
struct SeccompRuleFilter {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::optional<KernelVersion> min_kernel;

  bool empty() const { return caps.empty() && arches.empty() && !min_kernel; }
  bool operator==(const SeccompRuleFilter&) const = default;
};

// What marks a rule in its comment as the container runtime's own calls (made after the
// runtime installs the filter, before the workload starts): JSON has no other place for it.
inline constexpr std::string_view kRuntimeRuleMarker = "made by the runtime";

struct SeccompRule {
  std::vector<std::string> names;
  SeccompAction action = SeccompAction::kAllow;
  std::optional<uint32_t> errno_ret;  // only with SCMP_ACT_ERRNO / SCMP_ACT_TRACE
  std::vector<SeccompArg> args;       // all must match (AND)
  std::string comment;
  SeccompRuleFilter includes;  // the rule applies only where all of these hold
  SeccompRuleFilter excludes;  // and not where any of these holds
  // The runtime's rule, not the workload's (export --runtime): written into the comment
  // (kRuntimeRuleMarker) when the comment lacks it, read back from it.
  bool runtime = false;

  bool conditional() const { return !includes.empty() || !excludes.empty(); }
  bool operator==(const SeccompRule&) const = default;
};

struct SeccompArchMap {
  std::string architecture;  // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures;

  bool operator==(const SeccompArchMap&) const = default;
};

struct SeccompProfile {
  SeccompAction default_action = SeccompAction::kErrno;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;
  std::vector<SeccompArchMap> arch_map;
  std::string listener_path;
  std::string listener_metadata;
  std::vector<std::string> flags;  // "SECCOMP_FILTER_FLAG_LOG", ...
  std::vector<SeccompRule> syscalls;

  bool operator==(const SeccompProfile&) const = default;
};

// Where a profile is applied, for the rules with "includes"/"excludes": the machine's
// architecture, the capabilities the workload will hold (runc, crun, moby and podman use the
// container's bounding set) and the running kernel.
struct SeccompTarget {
  uint32_t arch = 0;          // AUDIT_ARCH_* of the machine
  uint64_t capabilities = 0;  // bit N: capability N
  KernelVersion kernel;
};

// Whether `rule` applies on `target`, as moby and containers-common decide it before they
// hand the profile to the runtime: excluded if the machine's architecture is in
// excludes.arches, if any of excludes.caps is held or if the kernel is at least
// excludes.minKernel; then kept only if the architecture is in includes.arches, every one of
// includes.caps is held and the kernel is at least includes.minKernel. A capability name this
// build does not know is not held.
bool SeccompRuleApplies(const SeccompRule& rule, const SeccompTarget& target);

// The profile with only the rules that apply on `target`, their includes/excludes cleared.
SeccompProfile SelectSeccompRules(const SeccompProfile& profile, const SeccompTarget& target);

// "6.18.44-fc-v669" (uname -r) -> 6.18; nullopt if it does not start with two numbers.
std::optional<KernelVersion> ParseKernelRelease(std::string_view release);

// Parses and validates a profile. Errors are kParse with context
// "source:line:col: message" naming the key at fault.
Result<SeccompProfile> ParseSeccompProfile(std::string_view text, std::string_view source);

// Pretty JSON (2 spaces, final newline) in Docker's key order: defaultAction, defaultErrnoRet,
// architectures, archMap, listenerPath, listenerMetadata, flags, syscalls; optional members
// only when set. Each rule: names, action, errnoRet, args, comment, includes, excludes.
std::string WriteSeccompProfile(const SeccompProfile& profile);
// The same document as a value, to embed (an OCI config.json's linux.seccomp).
Json SeccompProfileJson(const SeccompProfile& profile);

}  // namespace seclearn
