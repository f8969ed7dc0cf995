// The eBPF backend: the ptrace backend for the calls whose facts need userspace, and eBPF
// tracepoint programs counting every other call in the kernel, so the hot calls of a server
// (read, write, epoll_wait, futex, sendmsg, ...) never stop the workload.
//
// Which call goes where is decided once, from the tables the learner learns from:
//   - stopped (ptrace, as PtraceBackend): the calls of core/syscall_table.h (paths,
//     descriptors, sockets, credentials, results) and those every backend must see
//     (BackendMustSee: execve, clone, exit, close, dup2, ...). Their events, stacks
//     (TraceOptions::stacks) and facts are the ptrace backend's own;
//   - counted in the kernel: every other call the kernel's tables name (kernel_syscalls.h).
//     The seccomp filter allows them (let_through.h); tracer/bpf/seclearn.bpf.c counts them
//     per (arch, nr) and, for a call of core/arg_filters.h, per learned argument value
//     (personality, prctl option, ...). i386 calls (TS_COMPAT) and x32 calls (the x32 bit)
//     are counted under their own arch. The programs follow the workload's tasks: its first
//     task from its first stop, every task it creates from sched_process_fork, until
//     sched_process_exit.
// The counts reach the sink as EventSink::OnSyscalls once a second (OnTick) and at the end,
// with the first time each was seen. What differs from the ptrace backend, and is tested
// (tests/live, e2e/ebpf.sh): counted calls carry no stack, no ip/sp and no tid (the first
// task's), and their count arrives up to a second late. Calls the kernel's tables do not
// name stay stopped.
//
//   EbpfBackend backend;                                // root (CAP_BPF, CAP_PERFMON) and BTF
//   Result<TraceResult> r = backend.Run(opts, sink);    // same facts as PtraceBackend
//
// Kernel needs: BTF (/sys/kernel/btf/vmlinux) and tp_btf programs (Linux 5.5+); fentry and
// BPF-LSM are not used. The programs are built with clang -target bpf against libbpf's CO-RE
// headers, loaded through a bpftool skeleton.
#pragma once

#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/tracer/backend.h"

namespace seclearn {

class EbpfBackend final : public Backend {
 public:
  BackendKind kind() const override { return BackendKind::kEbpf; }
  // Loads and attaches the programs, then runs opts.exe as PtraceBackend does, with every
  // counted call let through. Errors: as PtraceBackend, and kErrno when the programs cannot be
  // loaded (not root, no BTF, a build without the backend).
  Result<TraceResult> Run(const TraceOptions& opts, EventSink& sink) override;
};

// Empty if this build has the eBPF backend and this kernel loads and attaches its programs;
// else why not, in one line ("loading tracepoint programs: Operation not permitted (root?)").
std::string EbpfUnavailable();

// The calls the backend counts in the kernel (x32 with its bit, under kAuditArchX32), sorted.
std::vector<ArchNr> KernelCountedCalls();

}  // namespace seclearn
