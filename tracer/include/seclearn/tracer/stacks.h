// Provenance: the user call stack of the first call of each (executable, arch, syscall) and of
// each (executable, path, access), so that a reviewer can ask *why* a profile allows keyctl or
// a write to /etc and get the code path that made the call.
//
// At the seccomp stop (the tracee is in a ptrace-stop, its registers are those of the call)
// the recorder copies what the unwinder needs, as perf record --call-graph dwarf does: the
// registers (one PTRACE_GETREGS), the top kStackCopy bytes of the stack (one
// process_vm_readv), the process's executable mappings (/proc/PID/maps, cached per process
// until a call may replace one: munmap, mremap, mmap MAP_FIXED, exec) and a descriptor of each
// mapped file not seen before, opened while the process exists. The task then runs on; a
// worker thread unwinds the copy with libunwind (at most kMaxFrames; each file's
// .eh_frame_hdr table, FDEs and code read from a read-only mapping of the file, once per
// run) and symbolises each pc: a file offset in a mapped file, then elfutils libdw gives the
// function, source file:line and build-id. Each file is opened once per run (keyed by inode
// and name, one Dwfl each) and each (file, address) symbolised once. The stacks reach the sink
// on the tracer's thread (Drain at each capture and tick, Finish at the end). Later
// occurrences of a key cost one bit test or hash lookup; StackMode::kNone costs nothing (no
// recorder, no thread).
//
// A stack deeper than the copy ends where the copy does (truncated), and one on an alternate
// signal stack ends at the signal frame: the copy holds the stack the call was made on.
//
//   StackRecorder stacks;                        // one per traced workload (PtraceBackend)
//   stacks.OnSeccompStop(ev);                    // at each seccomp stop: a copy if new
//   stacks.OnExec(tgid, former_tid);             // after PTRACE_EVENT_EXEC
//   stacks.OnExit(tid, tgid);                    // when a task is gone
//   stacks.Drain(sink);                          // sink.OnStack for the stacks unwound so far
//   stacks.Finish(sink);                         // at the end: the rest, the thread joined
//
// What is recorded:
//   - Nothing before the workload's first exec: those calls are seclearn's own child code.
//   - Native calls (the build's architecture): the unwound stack. Compat calls (i386 on
//     x86_64, int 0x80): the calling
//     instruction only (the unwinder follows the tracer's ABI, not the tracee's).
//   - A frame without symbols keeps its module, build-id and ELF address, so it can be
//     symbolised later against a debug file (eu-addr2line -e FILE ADDR).
//   - Path keys use SyscallEvent::abs_path when the backend resolved it (TraceOptions::
//     learn_access), else the path as the call named it; the access is the one asked for at
//     the stop (RequestedAccess), whatever the outcome.
//   - At most kMaxPathStacksPerAccess paths per (executable, access) in a run: a workload that
//     walks a tree (tar, find, a package manager) touches thousands of paths from one call
//     site, and each stack costs a copy at the stop and an unwind (about 0.1 ms of the
//     worker's). Syscalls have no budget.
//   - Each process's executable mappings are read once and again only when the call's pc
//     falls outside them or a call may have replaced one (munmap, mremap, mmap MAP_FIXED,
//     exec).
//
// The seccomp-notify backend records no stacks: its supervisor is not a tracer (no ptrace
// stop, no access to the caller's registers, and the task may run on once the notification is
// answered), so there is nothing consistent to unwind.
#pragma once

#include <sys/types.h>

#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/syscall_event.h"

namespace seclearn {

enum class StackMode {
  kNone,   // no unwinding at all
  kFirst,  // the first call of each (executable, arch, syscall) and (executable, path, access)
};

// "first" or "none".
std::optional<StackMode> ParseStackMode(std::string_view text);

// For the tests: the function names StackRecorder gives the ELF addresses of `path`'s
// executable segments (every `step` bytes) that no sized function holds, held to libdw's own
// answer (dwfl_module_addrinfo, a scan of the symbol table per address, which the recorder
// avoids). Up to 10 mismatches are listed.
struct SymbolCheck {
  bool opened = false;           // the file is an ELF libdw reads
  size_t addresses = 0;          // looked at
  size_t outside_functions = 0;  // of those, in no sized function: compared
  size_t named_by_libdw = 0;     // of those, given a name by libdw
  std::vector<std::string> mismatches;
};
SymbolCheck CheckSymbolsAgainstLibdw(const std::string& path, uint64_t step);

// Test hook: the stopped task `tid` of process `tgid` (in a ptrace-stop of the caller's)
// unwound twice: as the recorder does (a snapshot: registers, stack copy, maps; unwound from
// the copy with the per-file tables) and live by libunwind-ptrace alone (_UPT_accessors, which
// read the task word by word and map each file again per stack); up to 10 frames where the
// pcs differ are listed.
struct UnwindCheck {
  size_t frames = 0;
  size_t upt_frames = 0;
  std::vector<std::string> mismatches;
};
UnwindCheck CheckUnwindAgainstLibunwindPtrace(pid_t tgid, pid_t tid);

inline constexpr size_t kMaxFrames = 32;
inline constexpr size_t kMaxPathStacksPerAccess = 64;

// The FileAccess bits (facts.h) a call asks for on its path argument `which` (0 or 1), from
// core/syscall_table.h and, for opens, its O_* flags, computed as the access learner does so
// that a path stack carries the (path, access) of the FileFact it explains. 0 if the call
// takes no such path.
uint32_t RequestedAccess(const SyscallEvent& ev, int which);

class StackRecorder {
 public:
  StackRecorder();
  ~StackRecorder();
  StackRecorder(const StackRecorder&) = delete;
  StackRecorder& operator=(const StackRecorder&) = delete;

  // `ev` must describe the call `ev.tid` is stopped in (seccomp stop or syscall-exit stop).
  // For each key the call makes new, the stack read from that task reaches sink.OnStack
  // through a later Drain or Finish.
  void OnSeccompStop(const SyscallEvent& ev) {
    // Inline, touching two cache lines: the common case (a native call without a path, already
    // seen in the same process as the previous stop) runs at every stop of the workload.
    if (!started_) return;
    if (ev.pid == last_pid_ && last_seen_ != nullptr && ev.path.empty() && ev.arch == native_ &&
        ev.nr >= 0 && ev.nr < kDenseNr && last_seen_->test(static_cast<size_t>(ev.nr)) &&
        !ReplacesMappings(ev))
      return;
    Record(ev);
  }
  void OnExec(pid_t tgid, pid_t former_tid);
  void OnExit(pid_t tid, pid_t tgid);
  // The stacks unwound since the last call, to sink.OnStack (the tracer's thread).
  void Drain(EventSink& sink);
  // Waits for every stack copied so far, delivers them and ends the worker thread. Once, at
  // the end of the run.
  void Finish(EventSink& sink);
  // Keys already recorded (earlier runs: TraceOptions::known_stacks): never captured again;
  // path keys count toward kMaxPathStacksPerAccess. Before the run.
  void Known(const std::vector<StackFact>& keys);

 private:
  static constexpr int32_t kDenseNr = 1024;
  // munmap, mremap, or mmap with MAP_FIXED (native numbers): a mapping may be replaced.
  bool ReplacesMappings(const SyscallEvent& ev) const {
    constexpr uint64_t kMapFixed = 0x10;  // the same on every Linux architecture
    return ev.nr == munmap_ || ev.nr == mremap_ || (ev.nr == mmap_ && (ev.args[3] & kMapFixed));
  }
  void Record(const SyscallEvent& ev);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  // The build's own architecture (the dense fast path) and its mapping calls' numbers.
  uint32_t native_ = 0;
  int32_t mmap_ = -1, munmap_ = -1, mremap_ = -1;
  bool started_ = false;                              // the workload's first exec was seen
  pid_t last_pid_ = 0;                                // the process of the previous Record
  const std::bitset<kDenseNr>* last_seen_ = nullptr;  // its executable's native calls seen
};

}  // namespace seclearn
