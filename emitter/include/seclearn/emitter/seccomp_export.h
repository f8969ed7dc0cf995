// Learned syscalls -> a minimal Docker/OCI seccomp profile: deny by default (EPERM), allow
// exactly the names observed, and list the native architecture plus the compat ones the
// workload actually used (a call from any other architecture kills the process). The runtime's
// own post-filter syscalls, when asked for, are a second rule with a comment, so a reader sees
// which names the workload needed and which the runtime did.
//
//   SeccompExportOptions o;
//   o.app = "web";
//   o.runtime = *LoadRuntimeBase("runc", false);
//   SeccompProfile p = BuildMinimalSeccomp(store.Syscalls("web").value(), o);
//   std::string json = WriteSeccompProfile(p);   // same facts -> same bytes
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/emitter/runtime_base.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {

struct SeccompExportOptions {
  std::string app;
  // Learned argument values (Store::SyscallArgs). A syscall listed in core/arg_filters.h with
  // at most kMaxArgValues learned values is allowed only with those values, one rule per
  // value (SCMP_CMP_EQ, or SCMP_CMP_MASKED_EQ for flag masks); without learned values, or
  // with filter_args false, it is allowed unconditionally.
  std::vector<ArgFact> args;
  bool filter_args = true;
  size_t runs = 0;  // how many runs the facts come from, for the comment
  std::optional<RuntimeBase> runtime;
  uint32_t native_arch = 0;  // 0: this machine's
};

struct SeccompExport {
  SeccompProfile profile;
  size_t workload_names = 0;  // names allowed for the workload, conditioned or not
  size_t conditioned_names = 0;  // of those, allowed only with learned argument values
  size_t runtime_names = 0;  // added for the runtime only
  size_t implied_names = 0;  // allowed because another learned call implies them
  // Allowed names the libseccomp here cannot resolve on some architecture of the profile
  // (newer than its table): a runtime linked against it skips them (runc, crun), so those calls
  // get the default action there; `seclearn run` places them by number on the native one.
  std::vector<std::string> beyond_libseccomp;
  // Syscall numbers libseccomp has no name for: they cannot be written in a profile.
  std::vector<std::string> unnamed;
};

SeccompExport BuildMinimalSeccomp(const std::vector<SyscallFact>& facts,
                                  const SeccompExportOptions& options);

// The comment every newer-calls rule starts with.
inline constexpr std::string_view kNewerCallsMarker = "calls newer than the oldest kernel";
// (Re)writes the last rule of `profile`: SCMP_ACT_ERRNO with ENOSYS for every call the kernel
// added after the C library's oldest supported kernel on the profile's architectures
// (core/kernel_syscalls.h) that no other rule names. A kernel without them answers ENOSYS, so
// libc falls back (clone3 -> clone, statx -> newfstatat); under the default EPERM it would
// fail instead. BuildMinimalSeccomp and RetargetSeccomp call it.
void SetNewerCallsRule(SeccompProfile& profile);
bool IsNewerCallsRule(const SeccompRule& rule);
// The architectures a profile applies to (AUDIT_ARCH_*): its list and its archMap entries.
std::vector<uint32_t> ProfileArches(const SeccompProfile& profile);
// Names of the profile's allowing rules that the libseccomp here cannot resolve.
std::vector<std::string> NamesBeyondLibseccomp(const SeccompProfile& profile);

}  // namespace seclearn
