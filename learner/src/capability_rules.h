// Which capability a syscall exercised, from its arguments, the caller's credentials and the
// files it named: one rule per (syscall, capability), each implementing a sentence of
// capabilities(7) and the kernel check behind it. The table (capability_rules.cc) is sorted by
// (syscall, capability) and checked at compile time.
//
//   for (const CapabilityRule& rule : RulesFor("bind")) {
//     std::string evidence;
//     if (rule.check(ctx, &evidence) == Verdict::kNeeded) ...  // CAP_NET_BIND_SERVICE
//   }
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "seclearn/core/capability.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/core/syscall_table.h"
#include "seclearn/learner/access_learner.h"

namespace seclearn {

enum class Verdict {
  kNotNeeded,  // an unprivileged task may make this call
  kNeeded,     // only a task holding the capability may make it
  kUnknown,    // cannot tell (no stat of the file, a check we do not model): only a failure
               // with the rule's errno counts, as a capability wanted
};

struct RuleContext {
  const SyscallEvent& ev;
  const SyscallInfo& si;
  uint32_t access1 = 0;  // FileAccess of ev.abs_path
  uint32_t access2 = 0;  // FileAccess of ev.abs_path2
  const AccessOptions& options;
};

struct CapabilityRule {
  std::string_view syscall;
  int capability;  // CAP_* of linux/capability.h
  // Writes a one-line description of the call into *evidence when it is not null.
  Verdict (*check)(const RuleContext& ctx, std::string* evidence);
  bool uses_stat;        // looks at stat1/parent1/stat2/parent2 (asked for only when the caller
                         // holds capabilities: without, a failure says enough)
  int8_t target_arg;     // argument holding the pid whose credentials it compares, -1 if none
  int failure_errno;     // what the call fails with when the capability is missing
  std::string_view man;  // the capabilities(7) text the rule implements
};

// The rules of one syscall (by libseccomp name), possibly none.
std::span<const CapabilityRule> RulesFor(std::string_view syscall);
// Every rule, sorted by (syscall, capability).
std::span<const CapabilityRule> AllCapabilityRules();

bool HoldsCapability(const TaskCreds& creds, int capability);

}  // namespace seclearn
