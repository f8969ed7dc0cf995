// Linux capabilities: names, the learned set as `docker run` flags or OCI process.capabilities,
// the evidence behind each one, and restricting the calling process to a set before execve
// (seclearn run --caps).
//
//   auto set = ParseCapabilityList("NET_BIND_SERVICE,cap_chown");  // "", "none": empty set
//   DockerCapabilityFlags(*set);   // {"--cap-drop=ALL", "--cap-add=CAP_CHOWN",
//                                  //  "--cap-add=CAP_NET_BIND_SERVICE"}
//   if (auto r = RestrictCapabilities(*set); !r) return r.error();
//   ::execv(path, argv);           // CMD runs with exactly `set`, as root or not
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/json.h"
#include "seclearn/core/capability.h"
#include "seclearn/core/result.h"

namespace seclearn {

using CapabilitySet = uint64_t;  // bit N: capability N

inline constexpr CapabilitySet CapabilityBit(int cap) { return CapabilitySet{1} << cap; }

// "CAP_CHOWN", "cap_chown", "CHOWN" and "chown" all name capability 0. (Names, numbers and
// LastKnownCapability: core/capability.h.)
std::optional<int> CapabilityNumber(std::string_view name);

// A comma separated list of names, with or without CAP_, any case; "", "none": empty. kUsage
// error naming the first unknown name.
Result<CapabilitySet> ParseCapabilityList(std::string_view list);

// Names in number order.
std::vector<std::string> CapabilityNames(CapabilitySet set);

// The capabilities exercised (granted) in `facts`. Names this build does not know are appended
// to `unknown` (may be null) and left out.
CapabilitySet ExercisedCapabilities(const std::vector<CapabilityFact>& facts,
                                    std::vector<std::string>* unknown);

// --cap-drop=ALL then one --cap-add=CAP_X per capability, in number order.
std::vector<std::string> DockerCapabilityFlags(CapabilitySet set);

// OCI runtime-spec process.capabilities as runc applies it: bounding, effective and permitted
// hold the set. inheritable and ambient are empty (docker's choice since CVE-2022-24769),
// unless `ambient`: a non-root process.user keeps capabilities across execve only through the
// ambient set, which needs them inheritable too.
Json OciCapabilities(CapabilitySet set, bool ambient);

// One line for `seclearn show`: "CAP_NET_BIND_SERVICE  bind 0.0.0.0:80 (bind, 3x)", with
// "wanted, refused" for a capability the workload asked for without having it. Control
// characters in the evidence are escaped.
std::string FormatCapabilityEvidence(const CapabilityFact& fact);

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
