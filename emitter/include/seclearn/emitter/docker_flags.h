// One hardened `docker run` option set for a learned app, each option with the reason it is
// there (or the reason a hardening option is not).
//
//   DockerFlagsInput in;
//   in.seccomp_path = "out/web.seccomp.json";
//   in.apparmor_profile = "web";
//   in.capabilities = ExercisedCapabilities(store.Capabilities("web").value(), nullptr);
//   in.files = CollectFileAccesses(...).records;
//   in.network = store.Network("web").value();
//   in.privileged_executables = PrivilegedExecutablesOnHost(executables);  // host/probes.h
//   in.needs_root = NeedsRootOnHost;                                         // host/probes.h
//   DockerFlags f = BuildDockerFlags(in);
//   // f.options: --security-opt seccomp=out/web.seccomp.json, --security-opt apparmor=web,
//   //   --cap-drop=ALL, --cap-add=..., --security-opt no-new-privileges, --read-only,
//   //   --tmpfs /tmp, --user 65534:65534, --network none
//
// Rules:
//   no-new-privileges   unless an executed binary is setuid, setgid or has file capabilities
//                       (checked on this host at export time: the image may differ);
//   --read-only         when every write went to /tmp, /var/tmp or /run (plus /dev, /proc,
//                       which docker mounts itself); each of those written gets a --tmpfs;
//   --user 65534:65534  when no capability was exercised and no access needed uid 0 (a file
//                       or directory that "other" may not use, by its mode on this host;
//                       the caller withholds it for runs learned in a container, whose
//                       files this host does not hold);
//   --network none      when the workload made no inet or inet6 socket at all.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/json.h"
#include "seclearn/emitter/apparmor.h"
#include "seclearn/emitter/capabilities.h"

namespace seclearn {

struct DockerFlagsInput {
  std::string seccomp_path;
  std::string apparmor_profile;
  // Whether to name the AppArmor profile (--security-opt apparmor=NAME): Podman refuses the
  // option where AppArmor is not enabled, Docker ignores it.
  bool apparmor = true;
  std::string apparmor_absent;  // when !apparmor: why, for the reason line
  // The SELinux type of export --format selinux (--security-opt label=type:NAME.process):
  // named where SELinux is enabled or when asked for; Docker and Podman ignore it elsewhere.
  std::string selinux_type;
  bool selinux = false;
  std::string selinux_absent;  // when !selinux: why
  CapabilitySet capabilities = 0;
  std::vector<FileAccessRecord> files;  // CollectFileAccesses: successful accesses only
  std::vector<NetworkFact> network;
  size_t executables = 0;  // how many were checked for privilege
  // "PATH is setuid root", ... (host/probes.h PrivilegedExecutablesOnHost)
  std::vector<std::string> privileged_executables;
  // The measured runs' peaks (Store::Resources), for --memory, --pids-limit, --ulimit nofile
  // and --cpus: each the largest over the runs times kLimitHeadroom, at least its floor.
  std::vector<RunResources> resources;
  std::string cgroups;  // this host's cgroup setup, for the reason line ("v2", "hybrid", ...)
  // Runs learned as root of a user namespace (learn --userns), and the exit status the app's
  // other runs agree on (nullopt: none, or they differ): whether userns-remap is proven.
  struct UsernsRun {
    int64_t run_id = 0;
    std::string map;  // "0 100000 65536"
    std::optional<int> exit_status;
  };
  std::vector<UsernsRun> userns_runs;
  std::optional<int> plain_exit;
  // Why an access needs uid 0, or nullopt. Null: assume none does.
  std::function<std::optional<std::string>(const FileAccessRecord&)> needs_root;
};

// Limits are the observed peak times this, so that a run a little heavier than the learned
// ones still fits; floors keep tiny workloads startable.
inline constexpr double kLimitHeadroom = 2.0;
inline constexpr uint64_t kMemoryFloorBytes = 16ull << 20;
inline constexpr uint64_t kPidsFloor = 16;
inline constexpr uint64_t kNofileFloor = 64;
inline constexpr double kCpusFloor = 0.5;

// The limits of the runs' peaks (headroom and floors above); unset where nothing was measured.
struct ResourceLimits {
  std::optional<uint64_t> memory_mib;
  std::optional<uint64_t> pids;
  std::optional<uint64_t> nofile;
  std::optional<double> cpus;  // tenths
  std::vector<std::string> parts;  // "memory 114m (peak 56.9 MiB)", ... for the reason line
};
ResourceLimits LimitsOf(const std::vector<RunResources>& resources);
// As an OCI runtime config fragment: linux.resources (memory.limit, pids.limit, cpu quota
// over a 100 ms period) and process.rlimits (RLIMIT_NOFILE), to merge into config.json.
Json OciResources(const ResourceLimits& limits);
// As Kubernetes container resources.limits, (name, quantity) pairs: memory ("114Mi") and cpu
// ("1000m"); pids and files have no field there.
std::vector<std::pair<std::string, std::string>> K8sLimits(const ResourceLimits& limits);

struct DockerFlags {
  std::vector<std::string> options;  // one option (with its value) per entry
  std::vector<std::string> reasons;  // one line per decision
};

DockerFlags BuildDockerFlags(const DockerFlagsInput& in);

}  // namespace seclearn
