// Store's private state, shared by the store/src/*.cc files that each implement one group of
// Store methods (runs and syscalls here; later groups add their own files).
#pragma once

#include "seclearn/store/sqlite.h"
#include "seclearn/store/store.h"

namespace seclearn {

struct Store::Impl {
  using Database = sqlite::Database;
  using Statement = sqlite::Statement;
  Database db;  // first: destroyed after the statements below
  // Flush runs every second: its statements are prepared once.
  Statement upsert_syscall;
  Statement upsert_executable;
  Statement add_processes;
  Statement upsert_arg;  // prepared on first use
  // store_stacks.cc, prepared on first use:
  Statement insert_stack, upsert_stack_frame, insert_stack_entry;
  Statement insert_syscall_stack, insert_path_stack;
  // store_access.cc, prepared on first use:
  Statement upsert_file, upsert_network, upsert_capability;
  // Store::LeaveOutExecRuns: the fact queries and Runs skip runs exec'd into a running
  // container (?3 of their run condition).
  bool leave_out_execs = false;
};

// The database at `path` opened for reading only (Store::OpenReadOnly): refused unless it is
// a seclearn database of this schema or an older one, which comes back as a migrated copy in
// memory. `as_input` (merge): always a read-only connection (SQLite then never rolls back a
// journal or checkpoints a WAL into the file), and an older schema as it is.
Result<sqlite::Database> OpenDatabaseReadOnly(const std::string& path, bool as_input);

// An SQL identifier (a table or column name) in double quotes, its own quotes doubled.
std::string Quoted(std::string_view ident);

// "PATH: database is corrupt (WHAT)": a value no seclearn wrote (an unknown backend, runtime
// or network operation), reported as SQLite reports a damaged file.
Error CorruptDatabase(const sqlite::Database& db, std::string_view what);

// The rows of run_args for `argv`, inside the caller's transaction.
Result<void> InsertRunArgs(sqlite::Database& db, int64_t run_id,
                           const std::vector<std::string>& argv);

// Every fact query chooses its runs with "(?2 IS NULL OR X.run_id = ?2) AND NOT (?3 AND
// X.run_id IN (SELECT run_id FROM run_containers WHERE exec))": ?2 the run (or NULL for all),
// ?3 Impl::leave_out_execs.
// Syscall facts summed over the app's runs (or one run) from `table`: run_syscalls or
// run_runtime_syscalls (same columns), tagged with `phase`.
Result<std::vector<SyscallFact>> QuerySyscallFacts(Store::Impl& s, std::string_view table,
                                                   std::string_view app,
                                                   std::optional<int64_t> run_id,
                                                   SyscallPhase phase);

// Per-feature parts of Store::Flush, each in its own file, called inside Flush's transaction.
Result<void> FlushArgs(Store::Impl& s, int64_t run_id, const std::vector<ArgFact>& args);
Result<void> FlushStacks(Store::Impl& s, int64_t run_id, const std::vector<StackFact>& stacks);
Result<void> FlushAccess(Store::Impl& s, int64_t run_id, const FactsDelta& delta);

}  // namespace seclearn
