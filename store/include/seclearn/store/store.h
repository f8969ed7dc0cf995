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
#include <utility>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/result.h"
#include "seclearn/store/sqlite.h"

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

// A run that learned one container through the OCI agent (store_containers.cc).
struct ContainerRecord {
  int64_t run_id = 0;
  std::string container_id;  // from the runtime: untrusted text
  std::optional<RuntimeKind> runtime;  // what the learning filter was made for, if known
  std::string bundle;
  int64_t pid = 0;                    // the container's first process, host pid
  std::optional<int64_t> boundary_ns;  // the workload's first execve; unset until seen
  bool exec = false;  // a process exec'd into the running container (docker exec), not its start
};

// A runtime base set measured by `seclearn base`: the calls the runtime itself makes after
// installing the container's filter, up to and including the workload's execve.
struct RuntimeBaseRecord {
  int64_t id = 0;
  RuntimeKind runtime = RuntimeKind::kRunc;
  std::string version;   // first line of `RUNTIME --version`
  bool no_new_privs = false;
  std::string kernel;
  int64_t measured_ns = 0;
  int64_t runs = 0;      // containers measured; the set is their union
  std::vector<SyscallFact> syscalls;  // (arch, nr), count = in how many runs it was seen
};

struct MergeReport {
  size_t runs_added = 0;
  // Unfinished here (merged while its learner was still writing, or copied so) and brought up
  // to date from the input: facts only grow, so each takes the larger count.
  size_t runs_updated = 0;
  size_t runs_skipped = 0;  // already here (same run uuid): merging is idempotent
  size_t runs_unfinished = 0;  // of those added or updated, still without an end
};

class Store {
 public:
  // Opens or creates the database at `path` (":memory:" for tests) for writing. A missing
  // directory, a file that is not a SQLite database or whose schema or table roots are damaged
  // (a page damaged deeper is reported by the statement that reads it), a schema newer
  // than this build, or a database this process cannot write (error code SQLITE_READONLY:
  // the file, its directory, a read-only mount; found by a write transaction begun and
  // rolled back) are errors with a message that names the path.
  static Result<Store> Open(const std::string& path);
  // Opens an existing database only, for writing (export stores versions): a missing file is
  // an error.
  static Result<Store> OpenExisting(const std::string& path);
  // Opens an existing database for reading only (show, versions, explain, diff, check): the
  // file, its directory and the mount may be read-only, and nothing is written (a database
  // at an older schema is read through a migrated copy in memory). Writes through it fail.
  // Where SQLite cannot create PATH-shm (a read-only directory or mount) and PATH-wal holds
  // nothing, the file is opened as immutable.
  static Result<Store> OpenReadOnly(const std::string& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  static int SchemaVersion();
  // Whether `e` is another writer holding the database (SQLITE_BUSY or SQLITE_LOCKED past the
  // busy timeout): worth trying again, nothing is wrong with the data.
  static bool IsBusy(const Error& e);
  // Whether `e` is a database this process cannot write (Open, OpenExisting).
  static bool IsReadOnly(const Error& e);
  // How long a write waits for another writer (default sqlite::kBusyTimeoutMs).
  Result<void> SetBusyTimeout(int ms);

  Result<int64_t> BeginRun(const RunInfo& info);
  // Adds the delta to the run's facts in one transaction.
  Result<void> Flush(int64_t run_id, const FactsDelta& delta);
  Result<void> EndRun(int64_t run_id, int64_t end_ns, int exit_status);
  // A run's peaks (store_containers.cc), replacing any saved before.
  Result<void> SaveRunResources(const RunResources& resources);
  // The measured runs of the app (or one run), oldest first.
  Result<std::vector<RunResources>> Resources(std::string_view app,
                                              std::optional<int64_t> run_id = std::nullopt);

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

  // Folds the database at `input` into this one: apps matched by name, runs kept distinct
  // (matched by uuid, so merging twice changes nothing), every per-run fact copied. A run
  // already here but unfinished (no end) is completed from the input: each fact takes the
  // larger count and earlier first sighting, the end and exit status are taken. The input is
  // only read (a read-only file or mount will do); one of a newer schema is refused. One
  // transaction; an error about the input names it.
  Result<MergeReport> MergeFrom(const std::string& input);

  // Learned argument values (core/arg_filters.h), summed over runs, sorted by
  // (arch, nr, index, value).
  Result<std::vector<ArgFact>> SyscallArgs(std::string_view app,
                                           std::optional<int64_t> run_id = std::nullopt);
  // File accesses, network use, capabilities (store_access.cc), summed over the app's runs (or
  // one run): counts added, first_seen the minimum, syscall/evidence those of the earliest.
  // Sorted: files by (path, access, err) with paths compared as bytes; network by (op, family,
  // type, protocol, address, port, err); capabilities by (capability, granted). Paths,
  // addresses and evidence come back byte for byte as the workload gave them.
  //   for (const FileFact& f : *store->Files("web")) ...  // "/etc/passwd", kAccessRead, 0
  Result<std::vector<FileFact>> Files(std::string_view app,
                                      std::optional<int64_t> run_id = std::nullopt);
  Result<std::vector<NetworkFact>> Network(std::string_view app,
                                           std::optional<int64_t> run_id = std::nullopt);
  Result<std::vector<CapabilityFact>> Capabilities(std::string_view app,
                                                   std::optional<int64_t> run_id = std::nullopt);

  // Containers (store_containers.cc). A container run is an ordinary run (BeginRun/Flush);
  // these add what only containers have. The runtime-phase calls are kept apart from the
  // workload's (SyscallFact::phase), so Syscalls() above returns the workload's only.
  Result<void> AddContainer(const ContainerRecord& container);
  Result<void> SetContainerBoundary(int64_t run_id, int64_t boundary_ns);
  // Adds kRuntime-phase facts (others are ignored) to the run, in one transaction.
  Result<void> FlushRuntimeSyscalls(int64_t run_id, const std::vector<SyscallFact>& syscalls);
  // Like EndRun, for a container whose exit status may be unknown (killed by a signal).
  Result<void> EndContainerRun(int64_t run_id, int64_t end_ns, std::optional<int> exit_status);
  // Union of the runtime-phase calls of the app's container runs (or one run), phase kRuntime.
  Result<std::vector<SyscallFact>> RuntimeSyscalls(std::string_view app,
                                                   std::optional<int64_t> run_id = std::nullopt);
  // The app's container runs, oldest first.
  Result<std::vector<ContainerRecord>> Containers(std::string_view app);
  // A run's command line, replacing the one BeginRun stored (an exec into a container is
  // known only once it has exec'd).
  Result<void> SetRunArgv(int64_t run_id, const std::vector<std::string>& argv);
  // From now on Runs and every fact query of this Store leave out the runs of processes
  // exec'd into running containers (export --without-exec).
  void LeaveOutExecRuns(bool leave_out);
  // Stores a measured base set and returns its id.
  Result<int64_t> AddRuntimeBase(const RuntimeBaseRecord& base);
  // The newest measured set of `runtime` for that no_new_privs setting, if any.
  Result<std::optional<RuntimeBaseRecord>> LatestRuntimeBase(RuntimeKind runtime,
                                                             bool no_new_privs);

  // Call stacks (store_stacks.cc), written by Flush from FactsDelta::stacks. Each stack is the
  // first of its key in one run, with run_id set and frames innermost first; sorted by
  // executable, then time.
  //   auto stacks = store->SyscallStacks("web", AUDIT_ARCH_X86_64, 250);  // keyctl
  Result<std::vector<StackFact>> SyscallStacks(std::string_view app, uint32_t arch, int32_t nr);
  // Every access asked for `path` (exactly as stored: absolute when the backend resolved it).
  Result<std::vector<StackFact>> PathStacks(std::string_view app, std::string_view path);
  // The app's (arch, nr) that have a stack in some run (or in `run_id`), sorted.
  Result<std::vector<std::pair<uint32_t, int32_t>>> SyscallsWithStacks(
      std::string_view app, std::optional<int64_t> run_id = std::nullopt);
  // The app's paths that have a stack for some access (in some run), sorted.
  Result<std::vector<std::string>> PathsWithStacks(std::string_view app);
  // What the app's recorded stacks are the first of, over all runs, without frames: kind and
  // executable, with (arch, nr) for a syscall, (path, access) for a path. Re-learning seeds
  // the tracer with them (TraceOptions::known_stacks).
  Result<std::vector<StackFact>> StackKeys(std::string_view app);
  // How many first-seen stacks (syscall and path) each of the app's runs recorded; runs
  // without any are absent (learned with --stacks=none or by the notify backend).
  Result<std::vector<std::pair<int64_t, uint64_t>>> StackCounts(std::string_view app);

 public:
  struct Impl;  // store/src/store_impl.h; public only so the per-feature files can reach it

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  static Result<Store> OpenImpl(Result<sqlite::Database> db);
  std::unique_ptr<Impl> impl_;
};

}  // namespace seclearn
