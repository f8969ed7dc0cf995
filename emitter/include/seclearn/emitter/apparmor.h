// Learned file, network and capability facts -> an AppArmor profile (abi 3.0) for a container:
// `docker run --security-opt apparmor=NAME` once `apparmor_parser -r FILE` has loaded it.
//
//   CollectedAccesses acc = CollectFileAccesses(store.Files(app), store.Executables(app),
//                                               ResolvePathOnHost);
//   AppArmorOptions o;
//   o.app = "web";
//   o.count_entries = CountDirEntriesOnHost;                 // host/probes.h
//   auto profile = BuildAppArmorProfile(acc.records, store.Network(app),
//                                       store.Capabilities(app), o);
//   WriteOutputFile("out/web.apparmor", profile->text);   // same facts -> same bytes
//   profile->profile.files;                                // the rules (apparmor_profile.h)
//
// What the profile holds, and why:
//   abi <abi/3.0>, tunables/global, abstractions/base; abstractions/nameservice only when the
//     workload resolved names (read nsswitch.conf, hosts, resolv.conf, ...) AND used an inet
//     socket, since that abstraction also grants inet networking;
//   one file rule per generalised path (path_glob.h) with the least modes observed:
//     read, getdents, stat -> r; write, truncate, setattr, create, unlink -> w (a when the
//     file was only appended to); link -> l; lock -> k; mmap PROT_EXEC -> m; execve -> ix;
//   a directory read in full becomes DIR/{,*} or DIR/{,**} (r, m): see kDirRule below;
//   `network FAMILY TYPE` per socket family and type that succeeded;
//   `capability NAME` per capability exercised (granted), never one only wanted;
//   signal and ptrace (read) among this profile's own processes; signals from unconfined
//     processes (docker stop); ptrace (trace) only if the workload called ptrace;
//   docker-default's denials of /proc and /sys writes, minus any the workload needed.
// Failed accesses get no rule: the kernel refused them before or without AppArmor.
// Paths are untrusted bytes: they reach the profile only through AaPathExpr::Literal.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/path.h"
#include "seclearn/core/result.h"
#include "seclearn/emitter/apparmor_profile.h"

namespace seclearn {

using PathResolver = std::function<ResolvedPath(std::string_view path)>;

struct CollectedAccesses {
  std::vector<FileAccessRecord> records;  // sorted by path, one per path
  std::vector<std::string> refused;       // one-line reasons, path escaped
};

// Successful file accesses and executions -> records: paths resolved, accesses of the same
// path merged, a path of unknown kind with recorded accesses below it marked a directory.
// Paths AppArmor cannot name (not absolute, NUL bytes, longer than PATH_MAX) are refused.
CollectedAccesses CollectFileAccesses(const std::vector<FileFact>& files,
                                      const std::vector<ExecutableFact>& executables,
                                      const PathResolver& resolve);

// A directory is read in full, and gets one DIR/{,**} rule (DIR/{,*} when only its direct
// files were read) instead of one per file, when all of these hold:
//   - it was listed (a read of DIR/ itself: getdents);
//   - at least kDirRuleMinEntries of its entries were accessed, and they are at least half of
//     the entries it holds on this host (count_entries; unknown -> no collapse);
//   - everything below it was only read or mapped (r, m);
//   - it is at least 3 levels deep and not under /proc, /sys or /dev (never /** nor /etc/**).
inline constexpr size_t kDirRuleMinEntries = 3;
// A directory the workload fills (a database's, a cache, a spool) gets one DIR/{,**} rule with
// the modes used below it, and r (what it wrote it may read back), when at least kFilledDirMinEntries of its entries were created by
// the workload, they are at least half of what it holds on this host (when it is here), it is
// collapsible as above and neither under /etc, /usr, /bin, /sbin, /lib*, /boot nor /root.
// What was executed or mapped below it keeps its own rule. Each such rule is a note
// (AppArmorExport::notes). Fewer files keep a rule each: a reviewer can read them.
inline constexpr size_t kFilledDirMinEntries = 16;

struct AppArmorOptions {
  std::string app;      // the profile name: letters, digits, '.', '_', '-'
  size_t runs = 0;      // for the header comment
  bool traces = false;  // the workload called ptrace: allow (trace) on its own processes
  // Entries in a directory on this host (nullopt: cannot tell).
  std::function<std::optional<size_t>(std::string_view dir)> count_entries;
  // True when the abstractions the profile includes already grant this access (then it gets
  // no rule of its own). Null: every access gets a rule.
  std::function<bool(const FileAccessRecord&, const std::vector<std::string>& abstractions)>
      covered;
  // Include no abstraction but abstractions/base (the Security Profiles Operator's template
  // has no other): name-resolution files then get rules of their own.
  bool base_abstraction_only = false;
};

struct AppArmorExport {
  AaProfile profile;                   // the rules (apparmor_profile.h)
  std::string text;                    // WriteAppArmorProfile(profile)
  std::vector<std::string> warnings;   // facts left out, one line each
  std::vector<std::string> notes;      // generalisations beyond the facts, one line each
};

// The modes for FileAccess bits, in AppArmor's order; "" when AppArmor mediates none of them.
std::string AaModes(uint32_t file_access);

// kUsage error for an app name AppArmor cannot take as a profile name.
Result<AppArmorExport> BuildAppArmorProfile(const std::vector<FileAccessRecord>& files,
                                            const std::vector<NetworkFact>& network,
                                            const std::vector<CapabilityFact>& capabilities,
                                            const AppArmorOptions& options);

// AppArmor's name for an address family / socket type, or "" if it has none.
std::string_view AaNetworkFamily(int family);
std::string_view AaSocketType(int type);

}  // namespace seclearn
