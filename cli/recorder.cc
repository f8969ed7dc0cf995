#include "recorder.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "seclearn/core/arch.h"
#include "seclearn/core/file.h"

namespace seclearn::cli {

RunRecorder::RunRecorder(Store* store, int64_t run_id, RunInfo info, RecorderOptions options)
    : store_(store),
      run_id_(run_id),
      info_(std::move(info)),
      options_(std::move(options)),
      workload_(options_.access),
      runtime_(options_.access) {}

SyscallNeeds RunRecorder::Needs(const SyscallEvent& e) {
  // The runtime's calls are only counted: no file or capability learning for them.
  if (options_.runtime_phase && !started()) return {};
  return workload_.Needs(e);
}

Prediction RunRecorder::Predict(const SyscallEvent& e) {
  if (options_.runtime_phase && !started()) return Prediction::kNone;
  return workload_.Predict(e);
}

void RunRecorder::OnSyscall(const SyscallEvent& e) {
  (options_.runtime_phase && !started() ? runtime_ : workload_).OnSyscall(e);
}

void RunRecorder::OnSyscalls(const SyscallEvent& e, uint64_t count) {
  (options_.runtime_phase && !started() ? runtime_ : workload_).OnSyscalls(e, count);
}

namespace {

// A process's command line from /proc/PID/cmdline; empty if it is gone.
std::vector<std::string> ReadCmdline(pid_t pid) {
  std::vector<std::string> argv;
  auto text = ReadWholeFile(fmt::format("/proc/{}/cmdline", pid));
  if (!text) return argv;
  for (size_t start = 0; start < text->size();) {
    const size_t end = std::min(text->find('\0', start), text->size());
    argv.emplace_back(*text, start, end - start);
    start = end + 1;
  }
  return argv;
}

}  // namespace

void RunRecorder::OnExec(const ExecEvent& e) {
  if (boundary_ns_ == 0) {
    boundary_ns_ = e.time_ns != 0 ? e.time_ns : 1;
    if (options_.argv_at_first_exec) {
      if (auto argv = ReadCmdline(e.pid); !argv.empty()) {
        info_.argv = std::move(argv);
        argv_unsaved_ = run_id_ != 0;
      }
    }
  }
  workload_.OnExec(e);
}

void RunRecorder::OnTick(int64_t now_ns) {
  if (now_ns - last_flush_ns_ >= 1'000'000'000) (void)FlushWaiting(now_ns, kTickBusyMs);
}

Result<void> RunRecorder::FlushWaiting(int64_t now_ns, int busy_ms) {
  if (store_ == nullptr) return Flush(now_ns);
  return WithBusyTimeout(*store_, busy_ms, [&] { return Flush(now_ns); });
}

Result<void> WithBusyTimeout(Store& store, int busy_ms, const std::function<Result<void>()>& op) {
  if (auto r = store.SetBusyTimeout(busy_ms); !r) return r.error();
  auto r = op();
  (void)store.SetBusyTimeout(sqlite::kBusyTimeoutMs);
  return r;
}

Result<void> RetryWhileBusy(const std::function<Result<void>()>& op, int64_t patience_ns) {
  const int64_t deadline = RealtimeNs() + patience_ns;
  for (;;) {
    auto r = op();
    if (r || !Store::IsBusy(r.error()) || RealtimeNs() >= deadline) return r;
  }
}

Result<void> RunRecorder::FlushLast(int64_t patience_ns) {
  return RetryWhileBusy([&] { return Flush(RealtimeNs()); }, patience_ns);
}

std::vector<SyscallFact> RunRecorder::RuntimeSyscalls() const {
  std::vector<SyscallFact> out = runtime_.Syscalls();
  const uint32_t native = NativeAuditArch();
  for (const auto& name : options_.unnotified)
    if (auto nr = SyscallNumber(native, name)) out.push_back(SyscallFact{native, *nr, 0, 0});
  for (auto& f : out) f.phase = SyscallPhase::kRuntime;
  return out;
}

Result<void> RunRecorder::Failed(const Error& e) {
  if (!failing_ && options_.on_save_failure) options_.on_save_failure(e);
  failing_ = true;
  return e;
}

Result<void> RunRecorder::Flush(int64_t now_ns) {
  last_flush_ns_ = now_ns;
  // Taken from the aggregators even before the run exists, so nothing waits in two places.
  FactsDelta w = workload_.TakeDelta();
  w.stacks = std::exchange(stacks_, {});
  FactsDelta r = runtime_.TakeDelta();
  if (!unseen_added_) {
    const uint32_t native = NativeAuditArch();
    for (const auto& name : options_.unnotified) {
      if (auto nr = SyscallNumber(native, name)) {
        w.syscalls.push_back(SyscallFact{native, *nr, 0, now_ns});
        if (options_.runtime_phase) r.syscalls.push_back(SyscallFact{native, *nr, 0, now_ns});
      }
    }
    for (const ArchNr& c : options_.let_through)
      w.syscalls.push_back(SyscallFact{c.arch, c.nr, 0, now_ns});
    unseen_added_ = true;
  }
  pending_.Append(std::move(w));
  for (auto& f : r.syscalls) {
    f.phase = SyscallPhase::kRuntime;
    pending_runtime_.push_back(f);
  }
  if (store_ == nullptr) return {};
  if (run_id_ == 0) {
    // The command has not started (yet): nothing to record.
    if (!started() && !options_.begin_at_once) return {};
    auto id = store_->BeginRun(info_);
    if (!id) return Failed(id.error());
    run_id_ = *id;
  }
  if (!begun_hook_done_ && options_.on_run_begun) {
    if (auto res = options_.on_run_begun(*store_, run_id_); !res) return Failed(res.error());
    begun_hook_done_ = true;
  }
  if (argv_unsaved_) {
    if (auto res = store_->SetRunArgv(run_id_, info_.argv); !res) return Failed(res.error());
    argv_unsaved_ = false;
  }
  if (!pending_.empty()) {
    if (auto res = store_->Flush(run_id_, pending_); !res) return Failed(res.error());
    pending_ = {};
  }
  if (!pending_runtime_.empty()) {
    if (auto res = store_->FlushRuntimeSyscalls(run_id_, pending_runtime_); !res)
      return Failed(res.error());
    pending_runtime_.clear();
  }
  if (options_.runtime_phase && started() && !boundary_saved_) {
    if (auto res = store_->SetContainerBoundary(run_id_, boundary_ns_); !res)
      return Failed(res.error());
    boundary_saved_ = true;
  }
  failing_ = false;
  return {};
}

}  // namespace seclearn::cli
