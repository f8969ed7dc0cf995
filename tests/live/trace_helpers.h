// Shared by the live tests: run a command under a tracer backend and keep what it reported.
// Every live test runs once per backend (GENERATE over AllBackends()), as sandbox2 runs its
// policy tests once per monitor.
#pragma once

#include <fcntl.h>
#include <linux/audit.h>
#include <stdio.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/learner/aggregator.h"
#include "seclearn/tracer/ebpf_backend.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"

namespace seclearn {

using NameSet = std::set<std::string>;

struct Recording : EventSink {
  Aggregator agg;
  std::vector<ExecEvent> execs;
  std::vector<TaskEvent> tasks;
  std::set<pid_t> syscall_tids;
  std::vector<SyscallEvent> with_paths;
  void OnSyscall(const SyscallEvent& e) override {
    agg.OnSyscall(e);
    syscall_tids.insert(e.tid);
    if (!e.path.empty()) with_paths.push_back(e);
  }
  void OnTask(const TaskEvent& e) override {
    agg.OnTask(e);
    tasks.push_back(e);
  }
  void OnExec(const ExecEvent& e) override {
    agg.OnExec(e);
    execs.push_back(e);
  }
  NameSet Names(uint32_t arch = AUDIT_ARCH_X86_64) const {
    NameSet out;
    for (const auto& f : agg.Syscalls())
      if (f.arch == arch) out.insert(SyscallName(f.arch, f.nr));
    return out;
  }
  uint64_t Count(const std::string& name, uint32_t arch = AUDIT_ARCH_X86_64) const {
    for (const auto& f : agg.Syscalls())
      if (f.arch == arch && SyscallName(f.arch, f.nr) == name) return f.count;
    return 0;
  }
};

// The backends every live test runs under (sandbox2 runs its policy tests once per monitor).
// Use as: const BackendKind backend = GENERATE(from_range(AllBackends()));
// Why the eBPF backend cannot run here (EbpfUnavailable), asked once per process: empty if
// this build has it and the kernel loads its programs (root, BTF, tp_btf).
inline const std::string& EbpfWhyNot() {
  static const std::string why = EbpfUnavailable();
  return why;
}

// kNotify only where the kernel has seccomp user notification with CONTINUE (5.5+), kEbpf
// only where EbpfWhyNot() is empty.
inline std::vector<BackendKind> AllBackends() {
  std::vector<BackendKind> out{BackendKind::kPtrace};
  if (NotifyAvailable()) out.push_back(BackendKind::kNotify);
  if (EbpfWhyNot().empty()) out.push_back(BackendKind::kEbpf);
  return out;
}
// The notify backend stops before the call runs: it never sees results (has_result).
inline bool SeesResults(BackendKind b) { return b != BackendKind::kNotify; }
// The eBPF backend counts the calls without a fact beyond the call in the kernel: they reach
// the sink as counts (EventSink::OnSyscalls) with the first task's tid, no ip, sp or stack.
inline bool SeesEveryCall(BackendKind b) { return b != BackendKind::kEbpf; }

struct Traced {
  Result<TraceResult> result;
  std::unique_ptr<Recording> rec;
};

// Runs argv under `backend` with `opts` (argv, exe and no_new_privs are set here).
inline Traced Trace(std::vector<std::string> argv, BackendKind backend, TraceOptions opts) {
  auto rec = std::make_unique<Recording>();
  opts.exe = argv[0];
  opts.argv = std::move(argv);
  opts.no_new_privs = true;
  auto r = MakeBackend(backend)->Run(opts, *rec);
  return {std::move(r), std::move(rec)};
}

inline Traced Trace(std::vector<std::string> argv, BackendKind backend = BackendKind::kPtrace) {
  TraceOptions opts;
  opts.want_path_results = true;
  return Trace(std::move(argv), backend, opts);
}

// Trace() with the workload's stdout written to the file `out`.
inline Traced TraceToFile(std::vector<std::string> argv, BackendKind backend, const std::string& out) {
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(saved >= 0);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDOUT_FILENO);
  ::close(fd);
  auto t = Trace(std::move(argv), backend);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  return t;
}

inline std::string ReadFirstLine(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "re");
  REQUIRE(f != nullptr);
  char line[256] = {};
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  REQUIRE(got);
  std::string s(line);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

inline std::vector<std::string> Testee(std::vector<std::string> args) {
  args.insert(args.begin(), SECLEARN_TESTEE);
  return args;
}

inline NameSet RunForSet(const std::string& flag, const std::vector<std::string>& sub) {
  std::string cmd = std::string(SECLEARN_TESTEE) + " " + flag;
  for (const auto& a : sub) cmd += " '" + a + "'";
  NameSet out;
  FILE* f = ::popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) out.insert(s);
  }
  REQUIRE(::pclose(f) == 0);
  return out;
}

inline std::string Join(const NameSet& s) {
  std::string out;
  for (const auto& n : s) out += (out.empty() ? "" : " ") + n;
  return out;
}

inline int ExitCode(const Traced& t) { return ExitCodeForWaitStatus(t.result->wait_status); }


}  // namespace seclearn
