// Aggregator: turns the event stream into facts. Memory grows with distinct facts (syscalls
// per architecture, executables), never with the number of events: a run of 10M getppid
// calls is one counter.
//
//   Aggregator agg;
//   backend.Run(opts, agg);          // or wrap it in a sink that flushes agg.TakeDelta()
//   FactsDelta d = agg.TakeDelta();  // what changed since the previous TakeDelta
//
// Resolved events (TraceOptions::learn_access) also feed an AccessLearner: files, network,
// capabilities (access_learner.h); Needs() is its answer.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/learner/access_learner.h"

namespace seclearn {

// Whether a call's only fact is that it was made (on its architecture): it takes no path,
// descriptor, address, credential or key argument (syscall_table.h) and no argument value is
// learned from it (arg_filters.h). Once an app's earlier run made it, a later run has nothing
// to learn from it: re-learning lets the kernel allow it unseen (TraceOptions::let_through).
bool NothingLeftToLearn(uint32_t arch, int32_t nr);

class Aggregator : public EventSink {
 public:
  explicit Aggregator(AccessOptions access = {}) : access_(access) {}

  // The access learner's needs, and the result of every call that makes a descriptor (its
  // number is what RLIMIT_NOFILE bounds: max_fd()).
  SyscallNeeds Needs(const SyscallEvent& event) override;
  // The access learner's, except that a descriptor-making call's result is always waited for.
  Prediction Predict(const SyscallEvent& event) override;
  void OnSyscall(const SyscallEvent& event) override;
  void OnSyscalls(const SyscallEvent& event, uint64_t count) override;
  void OnTask(const TaskEvent& event) override;
  void OnExec(const ExecEvent& event) override;
  void OnExit(const ExitEvent& event) override;

  // Increments since the previous call, sorted by (arch, nr) and path.
  FactsDelta TakeDelta();

  // Totals for this run so far.
  uint64_t total_syscalls() const { return total_syscalls_; }
  uint64_t distinct_syscalls() const { return distinct_syscalls_; }
  uint64_t processes() const { return processes_; }
  // Tasks (processes and threads) alive at once, the first one included, at the most.
  uint64_t peak_tasks() const { return peak_tasks_; }
  // The highest descriptor a call that makes one returned (open, socket, dup, ...), of the
  // calls whose result the backend waited for; -1 if none.
  int64_t max_fd() const { return max_fd_; }
  // Every (arch, nr) seen in this run with its total count, sorted.
  std::vector<SyscallFact> Syscalls() const;
  // Files, network and capabilities (totals: access().Files() ...).
  const AccessLearner& access() const { return access_; }

 private:
  struct Counter {
    uint64_t count = 0;
    uint64_t flushed = 0;
    int64_t first_seen_ns = 0;
    bool has_arg_filter = false;  // for syscall counters: an argument of it is learned
  };
  // Syscall numbers are small: a dense table per architecture keeps the hot path to an index.
  static constexpr int32_t kDense = 1024;
  struct ArchCounters {
    uint32_t arch = 0;
    std::vector<Counter> dense = std::vector<Counter>(kDense);
    std::unordered_map<int32_t, Counter> sparse;  // x32 (bit 30 set) and anything unusual
  };
  ArchCounters& CountersFor(uint32_t arch);
  void Count(const SyscallEvent& event, uint64_t count);
  void RecordArg(const SyscallEvent& event, Counter& c, uint64_t count);

  // Learned argument values (arg_filters.h), at most kMaxArgValues + 1 per syscall: one more
  // than the limit is enough to know the limit was passed.
  struct ArgKey {
    uint32_t arch;
    int32_t nr;
    bool operator==(const ArgKey&) const = default;
  };
  struct ArgKeyHash {
    size_t operator()(const ArgKey& k) const {
      return std::hash<uint64_t>()((uint64_t{k.arch} << 32) | static_cast<uint32_t>(k.nr));
    }
  };
  std::unordered_map<ArgKey, std::unordered_map<uint64_t, Counter>, ArgKeyHash> args_;

  AccessLearner access_;
  std::vector<ArchCounters> arches_;
  ArchCounters* last_ = nullptr;
  std::unordered_map<std::string, Counter> executables_;
  uint64_t total_syscalls_ = 0;
  uint64_t distinct_syscalls_ = 0;
  uint64_t processes_ = 1;  // the workload's first process
  uint64_t processes_flushed_ = 0;
  uint64_t live_tasks_ = 1;
  uint64_t peak_tasks_ = 1;
  int64_t max_fd_ = -1;
  std::unordered_map<uint64_t, bool> makes_fd_;  // (arch << 32 | nr) -> returns a descriptor
  bool MakesFd(const SyscallEvent& event);
};

}  // namespace seclearn
