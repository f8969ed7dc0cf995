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
};

// Per-feature parts of Store::Flush, each in its own file, called inside Flush's transaction.
Result<void> FlushArgs(Store::Impl& s, int64_t run_id, const std::vector<ArgFact>& args);

}  // namespace seclearn
