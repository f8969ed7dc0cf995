// Reading the file rules of an AppArmor profile back, to tell which recorded accesses it would
// deny (seclearn check) and which accesses an included abstraction already grants.
//
//   AaParseOptions o;                       // includes from /etc/apparmor.d
//   auto policy = ParseAppArmorFile("out/web.apparmor", o);
//   if (!policy) return policy.error();     // "out/web.apparmor:12: unbalanced '{' in a path"
//   policy->model().files;                  // the rules read (apparmor_profile.h)
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
// skipped; every other rule kind (network, capability, signal, dbus, unix, mount, ...) becomes
// an AaRule (kind, body, deny) that matching ignores. `owner` rules count as matching (the owner of a recorded file is unknown).
// Globs follow AppArmor's semantics (path_glob.h).
// For a diff (follow_includes = false) includes inside the profile are listed, not read;
// those before it (tunables) are read if this host has them; the variables start from
// BuiltinAaVariables().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"
#include "seclearn/emitter/apparmor_profile.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {

class AaPolicy {
 public:
  // The profile as rules: name, flags, the includes not followed, every other rule and the
  // file rules (with those of the includes followed, in the order read).
  const AaProfile& model() const { return model_; }
  // The compiled glob of model().files[i].
  const AaGlob& glob(size_t i) const { return globs_[i]; }
  const AaVariables& variables() const { return variables_; }

  // Permissions granted on `path` (allow rules minus deny rules).
  uint32_t Allowed(std::string_view path) const;
  // The subset of `required` not granted.
  uint32_t Missing(std::string_view path, uint32_t required) const;

 private:
  friend class AaProfileReader;
  AaProfile model_;
  std::vector<AaGlob> globs_;
  AaVariables variables_;
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
