// An AppArmor profile as rules, apart from its text. The export builds one from facts
// (BuildAppArmorProfile, apparmor.h), WriteAppArmorProfile prints it, the reader
// (ParseAppArmorText, apparmor_check.h) gives one back, and `check`, `diff` and the k8s
// rendering work on the rules, never on the text.
//
//   AaProfile p;
//   p.name = "web";
//   p.flags = {"attach_disconnected", "mediate_deleted"};
//   p.includes = {{"abstractions/base", ""}};
//   p.rules.push_back({"capability", "net_bind_service", false, "capabilities it used", ""});
//   p.files.push_back(AaFileRule::Allow(AaPathExpr().Literal("/srv/a b"), "r"));
//   WriteAppArmorProfile(p);   // ... profile web flags=(...) { ... "/srv/a b" r, }
//
// A path is held as the expression the glob compiles (AaPathExpr::text()) and whether it is
// written quoted; workload bytes reach it only through AaPathExpr::Literal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

class AaPathExpr;

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

struct AaFileRule {
  std::string path;     // the expression, unquoted: "/etc/hosts", "@{PROC}/@{pid}/stat"
  bool quoted = false;  // written in double quotes (a space, ',' or '#' in it)
  std::string modes;    // as written: "r", "rw", "mrix", "Px"
  uint32_t perms = 0;   // AaPerm bits of modes
  bool deny = false;
  bool owner = false;
  std::string target;  // an exec transition's "-> target", or ""
  // Not in force: the writer prints it as "# not denied: PATH MODES (WHY)" (a docker-default
  // denial the workload needed). Empty for every rule in force.
  std::string disabled;
  std::string group;  // the comment of the block the writer puts it in
  size_t paths = 0;   // exported: how many recorded paths it stands for
  std::string where;  // read: "file:line"

  static AaFileRule Allow(const AaPathExpr& path, std::string modes);
  // The path as the profile writes it: quoted if it must be.
  std::string Token() const { return quoted ? "\"" + path + "\"" : path; }
  bool operator==(const AaFileRule&) const = default;
};

// Every rule but a file rule: kind "capability", "network", "signal", "ptrace", "unix",
// "mount", ...; body as written after the kind without the ',' ("net_bind_service",
// "inet stream", "(send,receive) peer=@{profile_name}"). Qualifiers but deny are not kept.
struct AaRule {
  std::string kind;
  std::string body;
  bool deny = false;
  std::string group;  // as AaFileRule::group
  std::string where;  // read: "file:line"
  bool operator==(const AaRule&) const = default;
};

struct AaInclude {
  std::string name;  // "abstractions/base"
  std::string why;   // a comment the writer puts above it, or ""
  bool operator==(const AaInclude&) const = default;
};

struct AaProfile {
  std::vector<std::string> comments;  // lines above the profile, without "# "
  std::string abi;                    // "abi/3.0", or "" for none
  std::vector<std::string> preamble;  // includes before the profile: "tunables/global"
  std::string name;
  std::vector<std::string> flags;   // "attach_disconnected", "mediate_deleted"
  std::vector<AaInclude> includes;  // inside the profile
  std::vector<AaRule> rules;
  std::vector<AaFileRule> files;
  // A bare `file,` (`deny file,`): AaPerm bits it grants (denies) on every path.
  uint32_t all_files_allow = 0;
  uint32_t all_files_deny = 0;

  // The bodies of the allow rules of one kind, in order: "net_bind_service", ...
  std::vector<std::string> Bodies(std::string_view kind) const;
  // The file rules in force that allow.
  std::vector<const AaFileRule*> AllowRules() const;
  bool operator==(const AaProfile&) const = default;
};

// The profile's text: comments, abi, preamble includes, then the profile block with its
// includes, rules and file rules, a comment line above each change of group. The same
// profile gives the same bytes.
std::string WriteAppArmorProfile(const AaProfile& profile);

}  // namespace seclearn
