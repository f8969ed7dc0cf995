// seclearn merge: fold databases learned on several hosts into one.
#include <cstdio>

#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "seclearn/core/exec.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {
namespace {

constexpr const char* kMergeHelp = R"(usage: seclearn merge --db OUT.db IN.db [IN.db ...]

Folds the recordings of several databases (one per host or replica) into OUT.db, created if
missing: apps are matched by name, runs are kept distinct (and matched by their uuid, so
merging the same input twice changes nothing), counts add up when exported. Inputs are
read, never written; an input of a newer schema is refused. Profile versions are not merged:
export from OUT.db.

exit status: 0 merged; 125 error (the message names the input; OUT.db is unchanged by a
failed input, each input is one transaction).
)";

}  // namespace

int CmdMerge(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db"};
  spec.flags = {"--quiet"};
  spec.max_positionals = 1 << 16;
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "merge", kMergeHelp, &args_status);
  if (!parsed) return args_status;
  const auto out = parsed->Get("--db");
  if (!out || parsed->positionals.empty()) {
    PrintError("merge: needs --db OUT.db and at least one input (see seclearn merge --help)");
    return kExitSeclearnFailure;
  }
  auto store = Store::Open(*out);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  for (const auto& input : parsed->positionals) {
    auto report = store->MergeFrom(input);
    if (!report) {
      PrintError(fmt::format("merge: {}", report.error().Message()));
      return kExitSeclearnFailure;
    }
    if (!parsed->Has("--quiet")) {
      std::fprintf(stderr, "seclearn: merged %s into %s: %zu runs added, %zu already there\n",
                   OneLine(input).c_str(), OneLine(*out).c_str(), report->runs_added,
                   report->runs_skipped);
    }
  }
  return 0;
}

}  // namespace seclearn::cli
