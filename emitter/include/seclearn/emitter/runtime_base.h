// Runtime base sets: the syscalls an OCI runtime itself makes after it installs the
// container's seccomp filter and before the workload's execve. A profile that lacks them
// stops the container from starting, whatever the workload needs. The sets are data files
// (data/runtime/<runtime>.json, embedded at build time), each with how it was measured.
//
//   auto base = LoadRuntimeBase("runc", /*no_new_privileges=*/false);
//   for (const auto& name : base->names) ...
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/result.h"

namespace seclearn {

struct RuntimeBase {
  std::string requested;   // as the user named it: "runc", "crun", "docker", "containerd"
  RuntimeKind installer = RuntimeKind::kRunc;  // the runtime whose calls these are
  std::string versions;    // "1.1.x"
  std::string provenance;  // how the set was measured
  std::string source;      // the data file it came from
  bool no_new_privileges = false;
  std::vector<std::string> names;  // sorted, unique, x86_64 names

  // "runc", or "docker (with runc)" where the name asked for runs another runtime.
  std::string Label() const;
};

// runtime: "runc", "crun", "docker" or "containerd" (these two run runc). With
// no_new_privileges the runtime installs the filter later and needs fewer syscalls; without
// it (docker run's default) the earlier install also needs setuid/setgid/capset and friends.
Result<RuntimeBase> LoadRuntimeBase(std::string_view runtime, bool no_new_privileges);
// The runtimes LoadRuntimeBase knows, for --help and errors.
std::vector<std::string> KnownRuntimes();
// The OCI runtime that installs the filter for `runtime`: Docker (apt docker.io) and
// containerd (its runc shim, apt containerd) run containers with runc; runc and crun are their
// own; nullopt for any other name.
std::optional<RuntimeKind> FilterInstaller(std::string_view runtime);

}  // namespace seclearn
