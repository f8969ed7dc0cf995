// Enforcing a Landlock ruleset (core/landlock.h) on this process, as `seclearn run --landlock`
// does before it execs the workload: the ruleset is created with the rights it handles that
// this kernel's ABI knows, each parent is opened O_PATH and added as a path-beneath rule,
// each port as a net-port rule, and the process restricts itself (its children and what it
// execs inherit the domain; nothing undoes it).
//
//   std::vector<std::string> notes;
//   auto abi = ApplyLandlock(ruleset, /*strict=*/false, &notes);
//   for (auto& n : notes) PrintNote(n);   // what this kernel does not enforce, paths absent
//
// Best effort by default, as landlockconfig's compatibility levels have it: handled rights an
// older ABI does not know are not enforced (one note names them), a parent that is not here
// is left out (one note each), and a kernel without Landlock enforces nothing (one note).
// With `strict` each of these is an error and nothing is restricted.
#pragma once

#include <string>
#include <vector>

#include "seclearn/core/landlock.h"
#include "seclearn/core/result.h"

namespace seclearn {

// This kernel's Landlock ABI version; 0 when Landlock is not built in or not enabled.
int LandlockAbiHere();

// Returns the ABI enforced with (0: nothing was, best effort). EPERM from the kernel's
// restrict_self (no no_new_privs and no CAP_SYS_ADMIN) is an error.
Result<int> ApplyLandlock(const LandlockRuleset& ruleset, bool strict,
                          std::vector<std::string>* notes);

}  // namespace seclearn
