// One run's events -> facts -> the store: the one recording path of `seclearn learn` (a
// command), `seclearn agent` (each container) and `seclearn base` (a runtime's own calls).
// A new kind of fact is added in the learner and the store; nothing here changes.
//
//   RunRecorder rec(&store, /*run_id=*/0, info, {});   // the run begins at the first exec
//   PtraceBackend().Run(opts, rec);                    // flushed at least once a second
//   if (auto r = rec.Flush(RealtimeNs()); !r) ...      // what failed is kept and sent again
//
// A failed flush (SQLITE_BUSY past the busy timeout: another writer holds the lock; a full
// disk) loses nothing: every kind of fact not yet saved is kept and goes with the next flush.
// The periodic flush (OnTick) waits for the write lock only kTickBusyMs: the tracer answers
// the workload's stops and notifications between flushes, so a database held by other
// writers slows the workload by at most that each second, never by the busy timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/facts.h"
#include "seclearn/core/result.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {

// Runs `op` until it succeeds, fails otherwise than busy (Store::IsBusy), or `patience_ns` has
// passed: each busy try has already waited out the store's busy timeout.
Result<void> RetryWhileBusy(const std::function<Result<void>()>& op, int64_t patience_ns);
// Runs `op` with `store` waiting at most `busy_ms` for another writer's lock, then restores
// the busy timeout (sqlite::kBusyTimeoutMs).
Result<void> WithBusyTimeout(Store& store, int busy_ms, const std::function<Result<void>()>& op);

struct RecorderOptions {
  AccessOptions access;
  // The calls before the workload's first exec are the OCI runtime's (it installed the filter
  // and then execs the container's process): kept apart (SyscallPhase::kRuntime), and the
  // boundary time is saved with the container.
  bool runtime_phase = false;
  // Names the learning filter let through unseen (runc cannot notify write): recorded once,
  // as needed by both phases.
  std::vector<std::string> unnotified;
  // Calls the filter let run unseen because earlier runs made them (re-learning,
  // TraceOptions::let_through): recorded once, count 0, as the workload's.
  std::vector<ArchNr> let_through;
  // Called with the first error of a failed flush (later ones until a success are quiet).
  std::function<void(const Error&)> on_save_failure;
  // Begin the run at the first flush even before the workload's first exec (a container's
  // run exists from its start; the runtime's calls come first).
  bool begin_at_once = false;
  // Written once after the run is begun, before its facts (a container's record); a failure
  // is retried with the next flush, as facts are.
  std::function<Result<void>(Store&, int64_t run_id)> on_run_begun;
  // The run's argv is the workload's at its first exec (/proc/PID/cmdline), not the one
  // given: a process exec'd into a container is known only then.
  bool argv_at_first_exec = false;
};

class RunRecorder : public EventSink {
 public:
  // Records into run `run_id` of `store`; with run_id 0 the run `info` is begun once the
  // workload has exec'd (or at the first flush, begin_at_once), so a command that never
  // starts leaves nothing. store null: in memory only (the aggregators are read afterwards).
  RunRecorder(Store* store, int64_t run_id, RunInfo info, RecorderOptions options);

  SyscallNeeds Needs(const SyscallEvent& e) override;
  Prediction Predict(const SyscallEvent& e) override;
  void OnSyscall(const SyscallEvent& e) override;
  void OnSyscalls(const SyscallEvent& e, uint64_t count) override;
  void OnTask(const TaskEvent& e) override { workload_.OnTask(e); }
  void OnExit(const ExitEvent& e) override { workload_.OnExit(e); }
  void OnExec(const ExecEvent& e) override;
  void OnStack(const StackFact& s) override { stacks_.push_back(s); }
  void OnTick(int64_t now_ns) override;

  // Saves everything learned and not yet saved. On failure it is all kept for the next call.
  Result<void> Flush(int64_t now_ns);
  // Flush, waiting for another writer's lock at most `busy_ms` (not the busy timeout).
  Result<void> FlushWaiting(int64_t now_ns, int busy_ms);
  static constexpr int kTickBusyMs = 25;
  // The run's last flush: while other writers keep the database busy it tries again (each try
  // waits out the busy timeout) for up to `patience_ns`; other errors end it at once.
  Result<void> FlushLast(int64_t patience_ns = kLastFlushPatienceNs);
  static constexpr int64_t kLastFlushPatienceNs = 60'000'000'000;

  int64_t run_id() const { return run_id_; }
  bool started() const { return boundary_ns_ != 0; }  // the workload's first exec was seen
  const Aggregator& workload() const { return workload_; }
  // The runtime phase's calls with the unnotified names (count 0), runtime_phase only.
  std::vector<SyscallFact> RuntimeSyscalls() const;
  const Aggregator& runtime() const { return runtime_; }
  const RunInfo& info() const { return info_; }

 private:
  Result<void> Failed(const Error& e);

  Store* store_;
  int64_t run_id_;
  RunInfo info_;
  RecorderOptions options_;
  Aggregator workload_;
  Aggregator runtime_;             // runtime_phase only
  std::vector<StackFact> stacks_;  // since the last TakeDelta
  FactsDelta pending_;             // taken from the aggregators, not saved yet
  std::vector<SyscallFact> pending_runtime_;
  int64_t boundary_ns_ = 0;
  bool boundary_saved_ = false;
  bool unseen_added_ = false;  // unnotified and let_through recorded
  bool begun_hook_done_ = false;
  bool argv_unsaved_ = false;  // argv_at_first_exec: read after the run was begun
  bool failing_ = false;
  int64_t last_flush_ns_ = 0;
};

}  // namespace seclearn::cli
