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
};

}  // namespace seclearn
