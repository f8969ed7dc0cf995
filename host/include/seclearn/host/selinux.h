// What this host's SELinux policy says, for the SELinux export (emitter/selinux.h): the types,
// classes and permissions the binary policy defines, the type of a port (portcon), of a
// pseudo file system's path (genfscon) and of a file (its security.selinux label, else the
// policy's file_contexts). Read with libsepol and libselinux from the installed policy
// (/etc/selinux/config's SELINUXTYPE, e.g. selinux-policy-default), so it works with SELinux
// off: nothing is asked of the kernel.
//
//   auto policy = SelinuxPolicy::Open();            // or Open("/etc/selinux/default")
//   policy->PortType(IPPROTO_TCP, 80);              // "http_port_t"
//   policy->FileType("/usr/bin/ls", S_IFREG);       // "bin_t"
//   policy->HasPermission("capability2", "bpf");
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

// SELinux confines processes here (selinuxfs mounted, a policy loaded).
bool SelinuxEnabledHere();

class SelinuxPolicy {
 public:
  // DIR is a policy root such as /etc/selinux/default: DIR/policy/policy.NN (the highest NN)
  // and DIR/contexts/files/file_contexts. Empty: the root /etc/selinux/config names.
  static Result<SelinuxPolicy> Open(const std::string& dir = "");
  SelinuxPolicy(SelinuxPolicy&&) noexcept;
  SelinuxPolicy& operator=(SelinuxPolicy&&) noexcept;
  ~SelinuxPolicy();

  const std::string& path() const { return policy_path_; }

  // A type, attribute or alias of the policy.
  bool HasType(std::string_view name) const;
  bool HasPermission(std::string_view cls, std::string_view perm) const;

  // The portcon type of (IPPROTO_TCP/UDP/SCTP, port): the narrowest range holding it, as the
  // kernel's sorted list gives it; nullopt if no portcon covers it.
  std::optional<std::string> PortType(int protocol, int port) const;

  // The type a file at PATH would carry: for proc, sysfs, cgroup and the like, the genfscon
  // of the longest prefix (st_mode's class); /proc/PID/... is the process's own (nullopt:
  // the caller grants on self). Elsewhere the label on the file (security.selinux, when the
  // policy knows its type), else file_contexts for PATH and MODE (0: any kind).
  // nullopt: <<none>> or no match.
  std::optional<std::string> FileType(const std::string& path, uint32_t mode) const;
  // /proc/PID/..., /proc/self/...: labelled with the type of the process it shows.
  static bool IsProcessProc(std::string_view path);

 private:
  SelinuxPolicy() = default;
  struct Data;
  std::unique_ptr<Data> d_;
  std::string policy_path_;
};

}  // namespace seclearn
