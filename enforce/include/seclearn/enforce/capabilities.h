// Restricting the calling process to a capability set before execve (seclearn run --caps).
//
//   auto set = ParseCapabilityList("NET_BIND_SERVICE");   // core/capability.h
//   if (auto r = RestrictCapabilities(*set, false); !r) return r.error();
//   ::execv(path, argv);           // CMD runs with exactly `set`, as root or not
#pragma once

#include "seclearn/core/capability.h"
#include "seclearn/core/result.h"

namespace seclearn {

struct CapabilityState {
  CapabilitySet effective = 0, permitted = 0, inheritable = 0, bounding = 0, ambient = 0;
};
// This thread's sets (capget, PR_CAPBSET_READ, PR_CAP_AMBIENT_IS_SET).
Result<CapabilityState> CurrentCapabilities();

// Leaves the calling thread with exactly `keep` in its permitted, effective, inheritable and
// ambient sets and its bounding set, so that `keep` survives execve whether the process is root
// (bounding) or not (ambient), and nothing else comes back. Raw capget/capset and prctl.
//   - kUsage error if a capability in `keep` is not permitted now (it cannot be regained);
//   - without CAP_SETPCAP the bounding set cannot shrink: if `no_new_privs` is set (or will be,
//     before execve) that is fine, since setuid and file capabilities then grant nothing;
//     otherwise a kUsage error says so.
Result<void> RestrictCapabilities(CapabilitySet keep, bool no_new_privs);

}  // namespace seclearn
