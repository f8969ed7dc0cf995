// Reading the file rules of an AppArmor profile back, to tell which recorded accesses it would
// deny (seclearn check) and which accesses an included abstraction already grants.
//
//   AaParseOptions o;                       // includes from /etc/apparmor.d
//   auto policy = ParseAppArmorFile("out/web.apparmor", o);
//   if (!policy) return policy.error();     // "out/web.apparmor:12: unbalanced '{' in a path"
//   uint32_t missing = policy->Missing("/etc/shadow", RequiredAaPerms(kAccessRead));
//   if (missing) fmt::print("{} /etc/shadow\n", AaPermString(missing));    // "r /etc/shadow"
//
// Understood: abi; include / #include <...> / "..." / if exists (files and directories),
// read as apparmor_parser reads them: regular files only, each once per profile block; a
// device, FIFO or socket, a file over 16 MiB (64 MiB for all), nesting deeper than 32 and a
// file that includes itself are errors naming the include. Quoted strings end where
// apparmor_parser's lexer ends them ("a\\" before another quote runs on to that quote).
// Variable definitions (@{X}=..., @{X}+=...) in order; the first top-level profile (or the
// one named), its file rules in both orders (PATH MODES, MODES PATH) with audit, deny, allow,
// owner and file prefixes and "-> target", and a bare `file,`. Nested profiles and hats are
// skipped; every other rule kind (network, capability, signal, dbus, unix, mount, ...) is read
// over and ignored. `owner` rules count as matching (the owner of a recorded file is unknown).
// Globs follow AppArmor's semantics (path_glob.h).
// For a diff (follow_includes = false) includes inside the profile are listed, not read;
// those before it (tunables) are read if this host has them; the variables start from
// BuiltinAaVariables(); the other rules are kept as written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {

// AppArmor file permissions, as seclearn checks them (w implies a, as in the kernel).
enum AaPerm : uint32_t {
  kAaRead = 1u << 0,
  kAaWrite = 1u << 1,
  kAaAppend = 1u << 2,
  kAaLink = 1u << 3,
  kAaLock = 1u << 4,
  kAaMmap = 1u << 5,
  kAaExec = 1u << 6,
};

// What FileAccess bits (facts.h) need: read/stat -> r; write/delete -> w; create/append -> a
// (w or a grants it); link -> l; lock -> k; mmap PROT_EXEC -> m; exec -> x.
uint32_t RequiredAaPerms(uint32_t file_access);
// "r", "w", "rw", "mr", "x", ... (a shown only without w).
std::string AaPermString(uint32_t perms);
// kAaPerm bits of a mode string such as "rw", "mrix", "Px"; kParse error for other letters.
Result<uint32_t> ParseAaModes(std::string_view modes);

struct AaFileRuleRef {
  AaGlob glob;
  uint32_t perms = 0;
  bool deny = false;
  bool owner = false;
  std::string where;  // "file:line"
  std::string text;   // the path as written
  std::string modes;  // as written: "rw", "Px", ...
};

// A rule of the target profile that is not a file rule: "capability sys_admin",
// "deny network raw", "ptrace (read) peer=@{profile_name}", ... (qualifiers kept, no ',').
struct AaOtherRule {
  std::string text;
  std::string where;
};

class AaPolicy {
 public:
  const std::string& profile() const { return profile_; }
  const std::vector<AaFileRuleRef>& rules() const { return rules_; }
  const AaVariables& variables() const { return variables_; }
  const std::vector<AaOtherRule>& other_rules() const { return other_rules_; }
  // Includes inside the profile ("abstractions/base"), when they were not followed.
  const std::vector<std::string>& includes() const { return includes_; }
  // The profile's flags=(...) list as written ("attach_disconnected,mediate_deleted").
  const std::string& flags() const { return flags_; }
  // Permissions a bare `file,` (or `deny file,`) rule grants (denies) on every path.
  uint32_t all_files_allow() const { return all_files_allow_; }
  uint32_t all_files_deny() const { return all_files_deny_; }

  // Permissions granted on `path` (allow rules minus deny rules).
  uint32_t Allowed(std::string_view path) const;
  // The subset of `required` not granted.
  uint32_t Missing(std::string_view path, uint32_t required) const;

 private:
  friend class AaProfileReader;
  std::string profile_;
  std::vector<AaFileRuleRef> rules_;
  AaVariables variables_;
  std::vector<AaOtherRule> other_rules_;
  std::vector<std::string> includes_;
  std::string flags_;
  uint32_t all_files_allow_ = 0;  // a bare `file,`
  uint32_t all_files_deny_ = 0;
};

struct AaParseOptions {
  std::vector<std::string> include_dirs = {"/etc/apparmor.d"};
  std::string profile;  // which top-level profile; empty: the first
  bool follow_includes = true;
};

// kParse errors carry "file:line: message"; a missing file or include is a kErrno error
// naming it.
Result<AaPolicy> ParseAppArmorFile(const std::string& path, const AaParseOptions& options);
Result<AaPolicy> ParseAppArmorText(std::string_view text, const std::string& source,
                                   const AaParseOptions& options);

}  // namespace seclearn
