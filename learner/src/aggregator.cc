#include "seclearn/learner/aggregator.h"

#include <algorithm>
#include <tuple>

#include "seclearn/core/arch.h"
#include "seclearn/core/arg_filters.h"
#include "seclearn/core/syscall_table.h"

namespace seclearn {

bool NothingLeftToLearn(uint32_t arch, int32_t nr) {
  return LookupSyscall(arch, nr) == nullptr && FindArgFilter(arch, nr) == nullptr;
}

Aggregator::ArchCounters& Aggregator::CountersFor(uint32_t arch) {
  if (last_ != nullptr && last_->arch == arch) return *last_;
  for (auto& a : arches_) {
    if (a.arch == arch) return *(last_ = &a);
  }
  arches_.emplace_back();
  arches_.back().arch = arch;
  last_ = nullptr;  // emplace_back may have moved the others
  return *(last_ = &arches_.back());
}

namespace {

// Calls whose result is a new descriptor: what RLIMIT_NOFILE bounds.
bool MakesDescriptor(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "open", "openat", "openat2", "creat", "socket", "accept", "accept4", "dup", "dup2",
      "dup3", "epoll_create", "epoll_create1", "eventfd", "eventfd2", "signalfd", "signalfd4",
      "timerfd_create", "inotify_init", "inotify_init1", "memfd_create", "pidfd_open",
      "pidfd_getfd", "fanotify_init", "userfaultfd", "perf_event_open", "io_uring_setup",
      "open_tree", "fsopen", "fsmount", "fspick", "mq_open", "open_by_handle_at", "memfd_secret"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace

bool Aggregator::MakesFd(const SyscallEvent& event) {
  const uint64_t key = (uint64_t{event.arch} << 32) | static_cast<uint32_t>(event.nr);
  auto it = makes_fd_.find(key);
  if (it == makes_fd_.end())
    it = makes_fd_.emplace(key, MakesDescriptor(SyscallName(event.arch, event.nr))).first;
  return it->second;
}

SyscallNeeds Aggregator::Needs(const SyscallEvent& event) {
  SyscallNeeds n = access_.Needs(event);
  if (!n.result && MakesFd(event)) n.result = true;
  return n;
}

Prediction Aggregator::Predict(const SyscallEvent& event) {
  const Prediction p = access_.Predict(event);
  return p == Prediction::kOutcomeNoResult && MakesFd(event) ? Prediction::kOutcome : p;
}

void Aggregator::OnSyscall(const SyscallEvent& event) {
  Count(event, 1);
  if (event.has_result && event.result > max_fd_ && MakesFd(event)) max_fd_ = event.result;
  if (event.resolved) access_.OnSyscall(event);
}

void Aggregator::OnSyscalls(const SyscallEvent& event, uint64_t count) {
  if (count != 0) Count(event, count);
}

void Aggregator::Count(const SyscallEvent& event, uint64_t count) {
  ArchCounters& ac = CountersFor(event.arch);
  Counter& c = (event.nr >= 0 && event.nr < kDense) ? ac.dense[event.nr] : ac.sparse[event.nr];
  const bool first = c.count == 0;
  if (first) {
    c.first_seen_ns = event.time_ns;
    ++distinct_syscalls_;
  }
  c.count += count;
  total_syscalls_ += count;
  if (first || c.has_arg_filter) RecordArg(event, c, count);
}

void Aggregator::RecordArg(const SyscallEvent& event, Counter& c, uint64_t count) {
  const ArgFilter* f = FindArgFilter(event.arch, event.nr);
  c.has_arg_filter = f != nullptr;
  if (f == nullptr) return;
  auto& values = args_[ArgKey{event.arch, event.nr}];
  const uint64_t v = event.args[f->index] & f->mask;
  auto it = values.find(v);
  if (it == values.end()) {
    if (values.size() > kMaxArgValues) return;
    it = values.emplace(v, Counter{}).first;
    it->second.first_seen_ns = event.time_ns;
  }
  it->second.count += count;
}

void Aggregator::OnTask(const TaskEvent& event) {
  if (!event.is_thread) ++processes_;
  peak_tasks_ = std::max(peak_tasks_, ++live_tasks_);
}

void Aggregator::OnExit(const ExitEvent&) {
  if (live_tasks_ > 0) --live_tasks_;
}

void Aggregator::OnExec(const ExecEvent& event) {
  if (event.exe.empty()) return;
  Counter& c = executables_[event.exe];
  if (c.count == 0) c.first_seen_ns = event.time_ns;
  ++c.count;
}

FactsDelta Aggregator::TakeDelta() {
  FactsDelta d;
  for (auto& ac : arches_) {
    auto take = [&](int32_t nr, Counter& c) {
      if (c.count == c.flushed) return;
      d.syscalls.push_back({ac.arch, nr, c.count - c.flushed, c.first_seen_ns});
      c.flushed = c.count;
    };
    for (int32_t nr = 0; nr < kDense; ++nr) take(nr, ac.dense[nr]);
    for (auto& [nr, c] : ac.sparse) take(nr, c);
  }
  std::sort(d.syscalls.begin(), d.syscalls.end(), [](const auto& a, const auto& b) {
    return a.arch != b.arch ? a.arch < b.arch : a.nr < b.nr;
  });
  for (auto& [key, values] : args_) {
    for (auto& [value, c] : values) {
      if (c.count == c.flushed) continue;
      d.args.push_back({key.arch, key.nr, FindArgFilter(key.arch, key.nr)->index, value,
                        c.count - c.flushed, c.first_seen_ns});
      c.flushed = c.count;
    }
  }
  std::sort(d.args.begin(), d.args.end(), [](const auto& a, const auto& b) {
    return std::tie(a.arch, a.nr, a.index, a.value) < std::tie(b.arch, b.nr, b.index, b.value);
  });
  for (auto& [path, c] : executables_) {
    if (c.count == c.flushed) continue;
    d.executables.push_back({path, c.count - c.flushed, c.first_seen_ns});
    c.flushed = c.count;
  }
  std::sort(d.executables.begin(), d.executables.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  access_.TakeDelta(d);
  d.new_processes = processes_ - processes_flushed_;
  processes_flushed_ = processes_;
  return d;
}

std::vector<SyscallFact> Aggregator::Syscalls() const {
  std::vector<SyscallFact> out;
  for (const auto& ac : arches_) {
    for (int32_t nr = 0; nr < kDense; ++nr)
      if (ac.dense[nr].count)
        out.push_back({ac.arch, nr, ac.dense[nr].count, ac.dense[nr].first_seen_ns});
    for (const auto& [nr, c] : ac.sparse)
      if (c.count) out.push_back({ac.arch, nr, c.count, c.first_seen_ns});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.arch != b.arch ? a.arch < b.arch : a.nr < b.nr;
  });
  return out;
}

}  // namespace seclearn
