// Turning a SeccompProfile into a libseccomp filter and loading it, the way runc and crun do.
//
//   std::vector<std::string> warnings;
//   SeccompTarget target{NativeAuditArch(), capabilities, kernel};  // for includes/excludes
//   auto filter = BuildSeccompFilter(profile, target, /*strict=*/false, &warnings);
//   if (!filter) return filter.error();
//   for (const auto& w : warnings) PrintWarning(w);
//   ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);     // unless the caller has CAP_SYS_ADMIN
//   if (auto r = LoadSeccompFilter(*filter); !r) return r.error();
//   ::execv(path, argv);                          // only execve is needed from here on
//
// The filter covers the native architecture, `architectures`, and the archMap entry of the
// native architecture with its sub-architectures (Docker's rule: other archMap entries
// describe other machines). Argument conditions of one rule are ANDed; when several conditions
// of a rule name the same argument, libseccomp cannot AND them, so, like runc, each condition
// becomes its own rule (ORed). Rules with "includes"/"excludes" are kept or left out for the
// target as moby and containers-common do (SelectSeccompRules). Each (name, action, argument
// conditions) is added to libseccomp once, however many rules repeat it. SCMP_FLTATR_CTL_NNP
// is off: the caller sets no_new_privs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {

struct ScmpFilterDeleter {
  void operator()(void* ctx) const;  // seccomp_release
};
// Owns a libseccomp scmp_filter_ctx (a void*), so this header does not need <seccomp.h>.
using ScmpFilter = std::unique_ptr<void, ScmpFilterDeleter>;

// The libseccomp action value of a profile action (SCMP_ACT_ERRNO + errno_ret). ERRNO and
// TRACE without errno_ret use EPERM, as runc does; kUsage error for a return value above
// 65535.
Result<uint32_t> ScmpActionValue(SeccompAction action, std::optional<uint32_t> errno_ret);

struct SeccompBuildStats {
  size_t rules_added = 0;  // seccomp_rule_add calls, over every architecture's filter
};

// Builds the filter for `target`. Unknown syscall names (on every architecture of the filter),
// unusable architectures and unsupported flags are appended to `warnings` (may be null) as
// one-line messages; with `strict`, an unknown syscall name is a kUsage error instead.
// libseccomp failures are kSeccomp errors naming the call. `stats` (may be null) counts what
// went to libseccomp.
Result<ScmpFilter> BuildSeccompFilter(const SeccompProfile& profile, const SeccompTarget& target,
                                      bool strict, std::vector<std::string>* warnings,
                                      SeccompBuildStats* stats = nullptr);

// seccomp_load. Needs no_new_privs or CAP_SYS_ADMIN; applies to the calling thread only.
Result<void> LoadSeccompFilter(ScmpFilter& filter);

}  // namespace seclearn
