// Semantic diff of two profiles: what the new one allows that the old one did not (widened)
// and what it no longer allows (narrowed), graded by risk. Not a text diff: rule order,
// comments and formatting do not matter; a syscall allowed by name in one and only for
// learned argument values in the other is a widening or narrowing of that syscall.
//
//   auto old_p = ParseSeccompProfile(old_text, "v3.json");
//   auto new_p = ParseSeccompProfile(new_text, "v4.json");
//   ProfileDiff d = DiffSeccomp(*old_p, *new_p);
//   if (d.widened() > 0) ...;  std::string text = FormatDiff(d, {.color = isatty(1)});
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/json.h"
#include "seclearn/core/result.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {

enum class ChangeKind { kAdded, kRemoved, kWidened, kNarrowed };

// What a change is to. Seccomp: kSyscall, kArchitecture, kDefault; capability sets:
// kCapability; AppArmor: kFile, kDeny, kNetwork, kCapability, kAbstraction, kProfile, and kRule
// for every other rule keyword (Change::rule: "ptrace", "signal", "mount", "rlimit", ...).
enum class ChangeCategory : uint8_t {
  kSyscall, kArchitecture, kDefault, kCapability, kFile, kDeny, kNetwork, kAbstraction,
  kProfile, kRule,
};

struct Change {
  ChangeCategory category = ChangeCategory::kSyscall;
  std::string rule;     // kRule: the AppArmor rule keyword
  std::string subject;  // the syscall, architecture, capability, path, ...
  ChangeKind kind = ChangeKind::kAdded;
  std::string detail;              // "AF_INET added (was AF_UNIX)", "arches: x86_64"
  bool from_runtime = false;       // allowed for the OCI runtime, not the workload
  bool high_risk = false;
  std::string reason;              // why it is high risk (data/risk/high.json)
  std::string provenance;          // where it was first needed, when the caller knows

  bool widens() const { return kind == ChangeKind::kAdded || kind == ChangeKind::kWidened; }
  // As the text and JSON name it: "syscall", "file", ..., or the rule keyword. Changes are
  // sorted by it.
  std::string_view CategoryName() const;
};

struct ProfileDiff {
  std::string old_name;
  std::string new_name;
  std::vector<Change> changes;  // sorted: category, then subject

  size_t widened() const;
  size_t narrowed() const;
  size_t high_risk() const;
};

ProfileDiff DiffSeccomp(const SeccompProfile& old_profile, const SeccompProfile& new_profile);

// Sorts changes as ProfileDiff keeps them: by category name, then subject (stable).
void SortChanges(std::vector<Change>& changes);

// Capability sets: "CAP_X" names (the caller parses whatever file form it had).
ProfileDiff DiffCapabilities(const std::vector<std::string>& old_caps,
                             const std::vector<std::string>& new_caps);

// A capability list from text: docker flags (--cap-add=X ...), OCI process.capabilities JSON,
// or names separated by commas, spaces or newlines, with or without CAP_. Unknown names are
// a kParse error naming the source, line and word.
Result<std::vector<std::string>> ParseCapabilityList(std::string_view text,
                                                     std::string_view source);

// AppArmor profiles, as text (a file or a stored version); `name` is how errors and the
// output name each. File rules compare per path with AppArmor glob semantics (a literal path
// replaced by a glob that matches it is one widening, "widened: /etc/app/conf.json ->
// /etc/app/** (r)"), modes widened or narrowed; network, capability, ptrace, signal, mount,
// ... rules compare as rules; a removed `deny` widens; includes compare by name, unread.
// Categories: file, deny, network, capability, abstraction, profile, and kRule with the
// keyword for the others ("ptrace", "signal", "mount", ...). A kParse error names
// "name:line: problem".
Result<ProfileDiff> DiffAppArmor(std::string_view old_text, const std::string& old_name,
                                 std::string_view new_text, const std::string& new_name);

// Landlock rulesets (core/landlock.h): per path, the rights each grants there (its own rule
// and its ancestors'), so a right added on a hierarchy is a widening, and one moved from a
// path to its parent directory is "widened: /srv/w/log -> /srv/w (write_file)"; handled
// rights and scopes dropped widen everything; TCP ports compare per port. Paths are graded
// with the AppArmor file entries of the risk table (read_file as r, execute as x, every
// other right as w, on the path and everything beneath it). Categories: file, network, and
// kRule "handledAccessFs", "handledAccessNet", "scoped".
Result<ProfileDiff> DiffLandlock(std::string_view old_text, const std::string& old_name,
                                 std::string_view new_text, const std::string& new_name);

// SELinux CIL modules (export --format selinux, or any module of blocks and allow statements):
// allow rules compared per (source, target, class): a new triple is added, new permissions on
// one widen it ("+read write"), capability permissions on self are capability changes
// (CAP_NET_ADMIN, graded by the risk table). Category kRule, rule "allow". A kParse error
// names "name:line: problem".
Result<ProfileDiff> DiffSelinux(std::string_view old_text, const std::string& old_name,
                                std::string_view new_text, const std::string& new_name);
// True if the first statement (after comments) is a block, allow or type.
bool LooksLikeSelinuxModule(std::string_view text);

// True if the text looks like an AppArmor profile: an abi line, an include of
// tunables/global, or a `profile NAME ... {` block.
bool LooksLikeAppArmor(std::string_view text);

struct DiffFormat {
  bool color = false;
};
std::string FormatDiff(const ProfileDiff& diff, const DiffFormat& format);
Json DiffToJson(const ProfileDiff& diff);

// The risk table (data/risk/high.json): the reason a syscall or capability, or a widening
// of a syscall's arguments, is high risk; empty if it is not listed.
std::string HighRiskReason(std::string_view category, std::string_view subject);

}  // namespace seclearn
