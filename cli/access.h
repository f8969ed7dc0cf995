// What the AppArmor, capability and docker-flags exports and `seclearn check` read from the
// store: an app's file accesses (resolved on this host), executables, sockets, capabilities.
//
//   auto run = ParseRunOption(args, *runs);            // --run N, or all runs
//   auto facts = LoadAccessFacts(store, "web", *run);
//   for (const auto& why : facts->files.refused) PrintWarning(why);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "seclearn/core/facts.h"
#include "seclearn/core/result.h"
#include "seclearn/emitter/apparmor.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {

struct AccessFacts {
  CollectedAccesses files;  // successful accesses and executions, resolved on this host
  std::vector<ExecutableFact> executables;
  std::vector<NetworkFact> network;
  std::vector<CapabilityFact> capabilities;
  std::vector<SyscallFact> syscalls;
  bool traces = false;  // the workload called ptrace
};

Result<AccessFacts> LoadAccessFacts(Store& store, std::string_view app, std::optional<int64_t> run);

// --run N: nullopt without it; a kUsage error naming the app's runs if N is not one of them.
Result<std::optional<int64_t>> ParseRunOption(const ParsedArgs& args,
                                              const std::vector<RunSummary>& runs);
// The app's runs, and the one --run N chose (ParseRunOption).
struct RunChoice {
  std::vector<RunSummary> runs;
  std::optional<int64_t> run;
};
Result<RunChoice> ChooseRun(Store& store, std::string_view app, const ParsedArgs& args);

// True when the AppArmor abstractions named (as in /etc/apparmor.d) already grant the access;
// null when /etc/apparmor.d cannot be read (then every access gets its own rule).
std::function<bool(const FileAccessRecord&, const std::vector<std::string>&)> AbstractionCoverage();

}  // namespace seclearn::cli
