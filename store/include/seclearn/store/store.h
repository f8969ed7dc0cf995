// The SQLite store: apps, runs, and what each run learned. WAL, foreign keys on, schema
// versioned with PRAGMA user_version and migrated forward on open.
//
//   auto store = Store::Open("seclearn.db");        // creates the file, not its directory
//   auto run = store->BeginRun(info);              // app created on first use
//   store->Flush(*run, aggregator.TakeDelta());    // one transaction; safe to call often
//   store->EndRun(*run, RealtimeNs(), exit_status);      // end_ns stays unset if we die
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/result.h"

namespace seclearn {

// One stored export: what `seclearn export` emitted, numbered per (app, format).
struct ProfileVersion {
  int64_t version = 0;
  std::string app;
  std::string format;   // "seccomp", "apparmor", ...
  std::string content;  // the exact bytes written
  std::string sha256;
  int64_t created_ns = 0;
  std::string seclearn_version;
  std::string options;  // the export options that shaped it, e.g. "--runtime runc"
  std::vector<int64_t> runs;  // the runs it was learned from
};

class Store {
 public:
  // Opens or creates the database at `path` (":memory:" for tests). A missing directory,
  // a file that is not a SQLite database or fails integrity checks, or a schema newer than
  // this build are errors with a message that names the path.
  static Result<Store> Open(const std::string& path);
  // Opens an existing database only (for export/show): a missing file is an error.
  static Result<Store> OpenExisting(const std::string& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  static int SchemaVersion();

  Result<int64_t> BeginRun(const RunInfo& info);
  // Adds the delta to the run's facts in one transaction.
  Result<void> Flush(int64_t run_id, const FactsDelta& delta);
  Result<void> EndRun(int64_t run_id, int64_t end_ns, int exit_status);

  // Apps by name, sorted.
  Result<std::vector<std::string>> Apps();
  Result<bool> HasApp(std::string_view app);
  Result<std::vector<RunSummary>> Runs(std::string_view app);
  // Union over all runs of the app (or one run): counts summed, first_seen the minimum,
  // sorted by (arch, nr).
  Result<std::vector<SyscallFact>> Syscalls(std::string_view app,
                                            std::optional<int64_t> run_id = std::nullopt);
  Result<std::vector<ExecutableFact>> Executables(std::string_view app,
                                                  std::optional<int64_t> run_id = std::nullopt);
  // Stores `version` (app, format, content, options, runs) as the next version of (app, format)
  // and returns its number; content identical to a stored version of the same (app, format)
  // makes no new version and returns that one's number.
  Result<int64_t> SaveProfileVersion(const ProfileVersion& version);
  // Versions of the app (every format, or one), oldest first; content left empty unless
  // with_content.
  Result<std::vector<ProfileVersion>> ProfileVersions(std::string_view app,
                                                      std::string_view format = {},
                                                      bool with_content = false);
  Result<std::optional<ProfileVersion>> GetProfileVersion(std::string_view app,
                                                          std::string_view format,
                                                          int64_t version);

  // Learned argument values (core/arg_filters.h), summed over runs, sorted by
  // (arch, nr, index, value).
  Result<std::vector<ArgFact>> SyscallArgs(std::string_view app,
                                           std::optional<int64_t> run_id = std::nullopt);

 public:
  struct Impl;  // store/src/store_impl.h; public only so the per-feature files can reach it

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  static Result<Store> OpenImpl(const std::string& path, bool create);
  std::unique_ptr<Impl> impl_;
};

}  // namespace seclearn
