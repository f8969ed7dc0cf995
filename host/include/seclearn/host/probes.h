// What this host says about the facts an export turns into a profile: the kernel's own name
// for a path (symlinks resolved), who may use a file by its mode, which binaries are
// privileged, whether AppArmor is enforced. The emitter takes these as inputs (a PathResolver,
// DockerFlagsInput::needs_root, privileged_executables) and probes nothing itself; the cli
// passes this host's answers, and tests may pass their own.
//
//   auto files = CollectFileAccesses(facts, exes, ResolvePathOnHost);
//   in.needs_root = NeedsRootOnHost;
//   in.privileged_executables = PrivilegedExecutablesOnHost(exes);
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/path.h"
#include "seclearn/core/result.h"

namespace seclearn {

// The probes below answer for the host's file system, or, once SetProbeRoot(DIR) was called,
// for the file system rooted at DIR (a container's rootfs) as the container sees it: paths
// are resolved inside it (openat2 RESOLVE_IN_ROOT: "/bin/sh" -> "/bin/busybox" in a busybox
// rootfs, absolute symlinks and ".." kept inside) and named as the container names them.
// One root for the process (an export probes one file system); "" is the host again.
Result<void> SetProbeRoot(const std::string& dir);

// The name the kernel hands AppArmor, as far as this host can tell: realpath() of the longest
// existing prefix (symlinks such as /lib -> usr/lib resolved) and the kind from stat(). Paths
// under /proc and /dev/fd, and /dev/std{in,out,err}, are only normalised: resolving them here
// would name seclearn's own process.
ResolvedPath ResolvePathOnHost(std::string_view path);

// For each executable that is setuid, setgid or carries security.capability on this host: a
// line "PATH is setuid (owner uid N)" / "... has file capabilities".
std::vector<std::string> PrivilegedExecutablesOnHost(const std::vector<ExecutableFact>& exes);

// Whether uid 65534 (not root, no capabilities) could have made this access on this host: the
// "other" permission bits of the file (r, w, x as the access needs), of every directory on
// the way (x), and of the parent for a create or delete (w, x). Paths under /proc, /sys and
// /dev/pts are not judged (their owners follow the process).
std::optional<std::string> NeedsRootOnHost(const FileAccessRecord& record);

// What running a binary grants by its own bits on this host: setuid (its owner's uid),
// setgid (its group's gid, with group execute), or file capabilities (security.capability).
enum class Privilege { kNone, kSetuid, kSetgid, kFileCapabilities };
struct PrivilegeOf {
  Privilege kind = Privilege::kNone;
  uint32_t id = 0;  // the uid (setuid) or gid (setgid) it runs as
};
// stat and getxattr of `path` (following symlinks: /proc/PID/exe names the image itself).
PrivilegeOf BinaryPrivilege(const std::string& path);

// Entries of `dir` on this host (without . and ..), or nullopt.
std::optional<size_t> CountDirEntriesOnHost(std::string_view dir);
// The entries of `dir` that are directories (not following symlinks), or nullopt.
std::optional<size_t> CountSubdirsOnHost(std::string_view dir);

// st_mode of `path` here (stat, following symlinks), nullopt if it is not there.
std::optional<uint32_t> FileModeOnHost(std::string_view path);

// The files the kernel opens to execute `path` here, besides the file itself: an ELF's
// PT_INTERP (the dynamic loader), a script's #! interpreter (and that one's PT_INTERP), each
// resolved as ResolvePathOnHost does. Empty for a static ELF or an unreadable file.
std::vector<std::string> ExecInterpretersOnHost(std::string_view path);
// The same, as the files name them (PT_INTERP, the #! line), symlinks not resolved.
std::vector<std::string> ExecInterpreterNamesOnHost(std::string_view path);

// AppArmor confines processes here: the module is loaded and enabled.
bool AppArmorEnabledHere();

// How this host mounts cgroups, which is what Docker enforces resource limits with: "v2"
// (unified), "hybrid (v1 controllers; v2 at /sys/fs/cgroup/unified has none)", or "v1".
std::string CgroupSetupHere();

}  // namespace seclearn
