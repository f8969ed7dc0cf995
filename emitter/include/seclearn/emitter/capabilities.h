// The learned capability set as `docker run` flags or OCI process.capabilities, and the
// evidence behind each one. (Names, numbers and lists: core/capability.h; restricting a
// process to a set: enforce/capabilities.h.)
//
//   auto set = ParseCapabilityList("NET_BIND_SERVICE,cap_chown");  // "", "none": empty set
//   DockerCapabilityFlags(*set);   // {"--cap-drop=ALL", "--cap-add=CAP_CHOWN",
//                                  //  "--cap-add=CAP_NET_BIND_SERVICE"}
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

}  // namespace seclearn
