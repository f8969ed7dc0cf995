// What a seccomp profile does with a call it does not allow: its mode.
//
//   enforce   the default action refuses it (EPERM), as BuildMinimalSeccomp writes it.
//   complain  SCMP_ACT_LOG: the call runs, and the kernel writes one audit record for it
//             (type=SECCOMP, code 0x7ffc0000), which `seclearn import --audit` reads back.
//   watch     SCMP_ACT_NOTIFY to the agent's socket (listenerPath), with listenerMetadata
//             "seclearn watch app=NAME version=N on-violation=allow|deny": the agent records
//             the call as a production fact and continues it or fails it with EPERM. The
//             calls the profile allows never leave the kernel.
//
// runc refuses SCMP_ACT_NOTIFY as the default action and on write (it writes the listener's
// number to its parent), and a notified Go-runtime call of runc init before it hands the
// listener over would wait forever (kRuncUnnotified). For runc the watch profile therefore
// lists every name libseccomp knows on the profile's architectures and no rule names with
// SCMP_ACT_NOTIFY, except those; its default action (names libseccomp does not know) is
// SCMP_ACT_LOG for allow and the profile's errno for deny; each such choice is a note.
//
//   SeccompModeOptions m;
//   m.mode = SeccompMode::kWatch;
//   m.listener_path = "/run/seclearn/agent.sock";
//   m.app = "web";
//   m.version = 4;
//   std::vector<std::string> notes;
//   ApplySeccompMode(exp.profile, m, &notes);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/enum_names.h"
#include "seclearn/core/facts.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {

enum class SeccompMode : uint8_t { kEnforce, kWatch, kComplain };
inline constexpr std::string_view kSeccompModeNames[] = {"enforce", "watch", "complain"};
constexpr std::string_view SeccompModeName(SeccompMode m) { return EnumName(kSeccompModeNames, m); }
constexpr std::optional<SeccompMode> SeccompModeFromName(std::string_view name) {
  return EnumFromName<SeccompMode>(kSeccompModeNames, name);
}

enum class OnViolation : uint8_t { kAllow, kDeny };
inline constexpr std::string_view kOnViolationNames[] = {"allow", "deny"};
constexpr std::string_view OnViolationName(OnViolation v) { return EnumName(kOnViolationNames, v); }
constexpr std::optional<OnViolation> OnViolationFromName(std::string_view name) {
  return EnumFromName<OnViolation>(kOnViolationNames, name);
}

struct SeccompModeOptions {
  SeccompMode mode = SeccompMode::kEnforce;
  // watch only:
  OnViolation on_violation = OnViolation::kAllow;
  std::string listener_path;  // absolute: runtimes connect from their own directory
  std::string app;
  int64_t version = 0;  // the profile version the export is stored as
  // The runtime that installs the filter: runc's restrictions (above) apply to it; unset:
  // none are assumed (crun, seclearn run).
  std::optional<RuntimeKind> runtime;
};

// "seclearn watch app=web version=4 on-violation=deny" (app names hold no space).
std::string WatchMetadata(std::string_view app, int64_t version, OnViolation on_violation);

// Rewrites `profile` (an enforce profile) for the mode; enforce leaves it as it is. `notes`
// gets one line per choice the runtime forced.
void ApplySeccompMode(SeccompProfile& profile, const SeccompModeOptions& options,
                      std::vector<std::string>* notes);

}  // namespace seclearn
