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
#include "seclearn/emitter/seccomp_profile.h"

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
  // Syscall numbers libseccomp has no name for: they cannot be written in a profile.
  std::vector<std::string> unnamed;
};

SeccompExport BuildMinimalSeccomp(const std::vector<SyscallFact>& facts,
                                  const SeccompExportOptions& options);

}  // namespace seclearn
