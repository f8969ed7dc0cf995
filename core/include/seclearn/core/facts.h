// What a run taught us, as plain values shared by learner (produces), store (persists) and
// emitter (consumes). Later issues add paths, network and capabilities here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace seclearn {

struct SyscallFact {
  uint32_t arch = 0;  // AUDIT_ARCH_* (x32 as kAuditArchX32)
  int32_t nr = 0;
  uint64_t count = 0;
  int64_t first_seen_ns = 0;  // CLOCK_REALTIME
  bool operator==(const SyscallFact&) const = default;
};

struct ExecutableFact {
  std::string path;
  uint64_t count = 0;  // successful execs of it
  int64_t first_seen_ns = 0;
  bool operator==(const ExecutableFact&) const = default;
};

// Everything learned since the previous flush. Counts are increments; first_seen_ns is the
// first time in this run (the store keeps the minimum).
struct FactsDelta {
  std::vector<SyscallFact> syscalls;
  std::vector<ExecutableFact> executables;
  uint64_t new_processes = 0;
  bool empty() const { return syscalls.empty() && executables.empty() && new_processes == 0; }
};

struct RunInfo {
  std::string app;
  std::vector<std::string> argv;
  std::string backend;  // "ptrace", "notify"
  std::string kernel;   // uname -r
  std::string host;     // uname -n
  int64_t start_ns = 0;
};

struct RunSummary {
  int64_t run_id = 0;
  std::string app;
  std::vector<std::string> argv;
  std::string backend;
  std::string kernel;
  std::string host;
  int64_t start_ns = 0;
  std::optional<int64_t> end_ns;       // unset while running or if the learner died
  std::optional<int> exit_status;      // docker-style: code, or 128+signal
  uint64_t processes = 0;
  uint64_t distinct_syscalls = 0;
};

}  // namespace seclearn
