// seclearn merge: fold databases learned on several hosts into one.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

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
merging the same input twice changes nothing), counts add up when exported. A run copied
while it was still being learned is completed by a later merge of a newer copy. Inputs are
read, never written (a read-only file or mount will do); an input of a newer schema is
refused. Profile versions are not merged: export from OUT.db.

The inputs are first combined in a scratch database, then OUT.db takes them in one
transaction: a failed merge leaves OUT.db as it was (absent if it was absent).

exit status: 0 merged; 125 error (the message names the input at fault).
)";

// Removes the destination this merge created, with SQLite's files beside it, unless kept.
struct CreatedDatabase {
  std::string path;
  bool keep = false;
  ~CreatedDatabase() {
    if (keep || path.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      ::unlink((path + suffix).c_str());
  }
};

// The scratch database the inputs are combined in, in a directory of its own.
struct ScratchDirectory {
  std::string path;
  ~ScratchDirectory() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

std::string Inputs(const std::vector<std::string>& inputs) {
  if (inputs.size() > 3) return fmt::format("{} databases", inputs.size());
  std::string out;
  for (const auto& i : inputs) out += (out.empty() ? "" : ", ") + OneLine(i);
  return out;
}

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

  // Every input is read before OUT.db is touched: one at fault is named, and OUT.db stays as
  // it was.
  ScratchDirectory scratch;
  {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "seclearn-merge-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      PrintError(ErrnoError(fmt::format("merge: cannot create a scratch directory like {}", tmpl)));
      return kExitSeclearnFailure;
    }
    scratch.path = tmpl;
  }
  const std::string combined_path = scratch.path + "/combined.db";
  {
    auto combined = Store::Open(combined_path);
    if (!combined) {
      PrintError(fmt::format("merge: scratch database: {}", combined.error().Message()));
      return kExitSeclearnFailure;
    }
    for (const auto& input : parsed->positionals) {
      auto report = combined->MergeFrom(input);
      if (!report) {
        PrintError(fmt::format("merge: {}", report.error().Message()));
        return kExitSeclearnFailure;
      }
    }
  }

  struct stat st {};
  CreatedDatabase created;
  if (::stat(out->c_str(), &st) != 0 && errno == ENOENT) created.path = *out;
  std::optional<Store> store;
  {
    auto opened = Store::Open(*out);
    if (!opened) {
      PrintError(fmt::format("merge: {}", opened.error().Message()));
      return kExitSeclearnFailure;
    }
    store.emplace(std::move(*opened));
  }
  auto report = store->MergeFrom(combined_path);
  if (!report) {
    // Whatever failed was OUT.db's (the inputs were read above).
    std::string message = report.error().Message();
    for (size_t at = message.find(combined_path); at != std::string::npos;
         at = message.find(combined_path, at))
      message.replace(at, combined_path.size(), "the inputs");
    PrintError(fmt::format("merge: into {}: {}", *out, message));
    store.reset();
    return kExitSeclearnFailure;
  }
  store.reset();
  created.keep = true;
  if (!parsed->Has("--quiet")) {
    std::string line = fmt::format("seclearn: merged {} into {}: {} runs added, ",
                                   Inputs(parsed->positionals), OneLine(*out), report->runs_added);
    if (report->runs_updated != 0)
      line += fmt::format("{} brought up to date (unfinished here), ", report->runs_updated);
    line += fmt::format("{} already there", report->runs_skipped);
    if (report->runs_unfinished != 0)
      line += fmt::format(" ({} unfinished: still being learned, or its learner died; merge a "
                          "newer copy later to complete {})",
                          report->runs_unfinished, report->runs_unfinished == 1 ? "it" : "them");
    PrintStderrLine(line);
  }
  return 0;
}

}  // namespace seclearn::cli
