// AccessLearner: file accesses, network use and exercised capabilities, from the resolved
// syscall events of a backend running with TraceOptions::learn_access (SyscallEvent::resolved:
// absolute paths, sockaddrs, sockets, credentials). Pure: it reads nothing but its events.
//
//   AccessLearner learner({.unprivileged_port_start = 1024});
//   SyscallNeeds needs = learner.Needs(ev);  // at the stop: what to fetch, whether to wait
//   learner.OnSyscall(ev);                   // once the call is done (result if asked for)
//   FactsDelta d;
//   learner.TakeDelta(d);                    // files, network, capabilities since last time
//
// Facts:
//   - FileFact per (absolute path, access bits, errno): what the call asked for (open flags,
//     create, delete, exec, mmap PROT_EXEC, lock, ...), as the kernel resolved the path.
//   - NetworkFact per (op, family, type, protocol, address, port, errno).
//   - CapabilityFact per (capability, granted): a call that succeeded only because the task
//     held a capability (granted), or failed with EPERM/EACCES for the lack of one (wanted), by
//     the rules of capability_rules.cc, each citing capabilities(7).
//
// Results cost an extra stop, so Needs asks for one only for an outcome not known yet: the
// outcome of each (path, access, caller's credentials) and each network or privileged call is
// cached, and a repeat is counted on the facts the first one produced. A call that may change
// what a path gives (create, delete, rename, chmod, mount...) drops the cached outcomes of
// that path and of everything below it. The cache is bounded (kMaxCachedOutcomes, then
// cleared), and so are the facts: memory grows with distinct facts, never with events.
// Stat-family calls and plain read-only opens ask for SyscallNeeds::kStatOutcome too: the
// backend's own stat of the path at the stop may stand for the result (FileStat::predicts).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/syscall_event.h"

namespace seclearn {

struct SyscallInfo;
struct CapabilityRule;

struct AccessOptions {
  // Ports below it need CAP_NET_BIND_SERVICE (/proc/sys/net/ipv4/ip_unprivileged_port_start
  // of the workload's network namespace, read by the caller).
  int unprivileged_port_start = 1024;
};

class AccessLearner {
 public:
  static constexpr size_t kMaxCachedOutcomes = 1 << 16;

  explicit AccessLearner(AccessOptions options = {}) : options_(options) {}

  SyscallNeeds Needs(const SyscallEvent& event);
  // After kStatOutcome: what the stat at the stop (stat1) says of the call's outcome. A
  // stat-family call's outcome is that stat's, where seclearn sees files as the task does; a
  // read-only open's too, in the cases modelled (OpenPredictable); a mkdir or mknod of a
  // name that exists fails (EEXIST), which only a backend without results needs to know.
  Prediction Predict(const SyscallEvent& event) const;
  void OnSyscall(const SyscallEvent& event);
  // Appends the increments since the previous call, sorted: files by (path, access, err),
  // network by (op, family, type, protocol, address, port, err), capabilities by
  // (capability, granted).
  void TakeDelta(FactsDelta& delta);

  // Totals for this run so far, sorted as above.
  std::vector<FileFact> Files() const;
  std::vector<NetworkFact> Network() const;
  std::vector<CapabilityFact> Capabilities() const;

  size_t cached_outcomes() const { return file_outcomes_.size() + other_outcomes_.size(); }
  uint64_t results_skipped() const { return results_skipped_; }  // outcomes taken from cache

 private:
  struct Counter {
    uint64_t count = 0;
    uint64_t flushed = 0;
    int64_t first_seen_ns = 0;
  };
  // Each fact keeps its own counter; `fact.count` and `fact.first_seen_ns` are unused.
  struct FileEntry {
    Counter c;
    FileFact fact;
  };
  struct NetEntry {
    Counter c;
    NetworkFact fact;
  };
  struct CapEntry {
    Counter c;
    CapabilityFact fact;
  };
  // What one call produced, to count again on a repeat. Pointers into the fact maps below:
  // their nodes never move and are never erased.
  struct Outcome {
    std::vector<Counter*> counters;
  };
  // What the tables say about one (arch, nr), looked up once.
  struct CallInfo {
    const SyscallInfo* si = nullptr;
    const CapabilityRule* rules = nullptr;  // its capability rules, `nrules` of them
    uint8_t nrules = 0;
    bool stat_family = false;  // stat, lstat, newfstatat, statx, ...: kStatOutcome applies
    bool create_only = false;  // mkdir, mknod (and *at): an existing path means EEXIST
  };
  // What one event asks for; path views point into the event.
  struct Analysis {
    const CallInfo* call = nullptr;
    std::string_view path[2];
    uint32_t access[2] = {0, 0};
    bool network = false;
    NetworkFact net;
    std::array<const CapabilityRule*, 4> rules{};  // those that may apply to this call
    uint8_t nrules = 0;
    std::string key;             // of the outcome cache
    bool keyed_by_path = false;  // key starts with path[0]: in file_outcomes_
    bool empty() const { return path[0].empty() && path[1].empty() && !network && nrules == 0; }
  };

  const CallInfo& InfoFor(uint32_t arch, int32_t nr);
  void Analyze(const SyscallEvent& event, Analysis& a);
  const Outcome* CachedOutcome(const Analysis& a) const;
  void Remember(const Analysis& a, Outcome outcome);
  void Forget(const std::string& path);

  AccessOptions options_;
  std::unordered_map<std::string, FileEntry> files_;
  std::unordered_map<std::string, NetEntry> network_;
  std::unordered_map<std::string, CapEntry> capabilities_;
  // Outcomes of calls on one path, keyed "path \0 access creds": ordered, so that a path and
  // everything below it are one range to drop. Other calls: keyed by their arguments.
  std::map<std::string, Outcome> file_outcomes_;
  std::unordered_map<std::string, Outcome> other_outcomes_;
  uint64_t results_skipped_ = 0;
  std::unordered_map<uint64_t, CallInfo> calls_;
  // The analysis Needs made, reused by OnSyscall when it is for the same event (backends call
  // both for each call; other calls may come between while a result is awaited).
  Analysis last_;
  const SyscallEvent* last_event_ = nullptr;
  pid_t last_tid_ = 0;
  int32_t last_nr_ = 0;
  int64_t last_time_ns_ = 0;
  Analysis scratch_;
  std::string key_buffer_;  // fact keys are built here, copied only when new
};

}  // namespace seclearn
