// Capability names, indexed by number (linux/capability.h, kernel 5.9+): one table for the
// learner's rules, the exporters and the diff.
//
//   CapabilityName(CAP_SYS_ADMIN) == "CAP_SYS_ADMIN";  CapabilityByName("CAP_BPF") == 39
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

// clang-format off
inline constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
// clang-format on

constexpr int LastKnownCapability() { return static_cast<int>(kCapabilityNames.size()) - 1; }

// "CAP_SYS_ADMIN"; "CAP_<n>" for a number this build does not know.
inline std::string CapabilityName(int capability) {
  if (capability >= 0 && capability <= LastKnownCapability())
    return std::string(kCapabilityNames[static_cast<size_t>(capability)]);
  return "CAP_" + std::to_string(capability);
}

// The number of a "CAP_X" name (exact spelling), or nullopt.
constexpr std::optional<int> CapabilityByName(std::string_view name) {
  for (size_t i = 0; i < kCapabilityNames.size(); ++i)
    if (kCapabilityNames[i] == name) return static_cast<int>(i);
  return std::nullopt;
}

// What CapabilityName wrote back to its number: "CAP_SYS_ADMIN" -> 21, "CAP_45" -> 45 (0..63);
// nullopt for anything else.
inline std::optional<int> CapabilityFromName(std::string_view name) {
  if (auto known = CapabilityByName(name)) return known;
  if (!name.starts_with("CAP_") || name.size() < 5 || name.size() > 6) return std::nullopt;
  int n = 0;
  for (char c : name.substr(4)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > 63 || CapabilityName(n) != name) return std::nullopt;  // no "CAP_07", no "CAP_0"
  return n;
}

using CapabilitySet = uint64_t;  // bit N: capability N

inline constexpr CapabilitySet CapabilityBit(int cap) { return CapabilitySet{1} << cap; }

// The capabilities that bypass file permission checks (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
// a task with either may open what its mode bits refuse.
inline constexpr CapabilitySet kDacCapabilities =
    CapabilityBit(*CapabilityByName("CAP_DAC_OVERRIDE")) |
    CapabilityBit(*CapabilityByName("CAP_DAC_READ_SEARCH"));

// "CAP_CHOWN", "cap_chown", "CHOWN" and "chown" all name capability 0.
std::optional<int> CapabilityNumber(std::string_view name);

// A comma separated list of names, with or without CAP_, any case; "", "none": empty. kUsage
// error naming the first unknown name.
Result<CapabilitySet> ParseCapabilityList(std::string_view list);

// Names in number order.
std::vector<std::string> CapabilityNames(CapabilitySet set);

// The word AppArmor and SELinux policies write for a capability: "CAP_NET_BIND_SERVICE" ->
// "net_bind_service" (what follows CAP_, lower case).
std::string CapabilityPolicyWord(std::string_view cap_name);
// Back to a "CAP_X" name: "net_bind_service", "NET_BIND_SERVICE" or "cap_net_bind_service" ->
// "CAP_NET_BIND_SERVICE" (upper case, CAP_ added when missing); not checked against the known
// names (CapabilityByName does that).
std::string CapabilityFromPolicyWord(std::string_view word);

}  // namespace seclearn
