#include "seclearn/tracer/ebpf_backend.h"

#include <linux/audit.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "seclearn/core/arg_filters.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/kernel_syscalls.h"
#include "seclearn/core/syscall_table.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "let_through.h"

#ifdef SECLEARN_HAVE_EBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "seclearn.skel.h"  // bpftool gen skeleton tracer/bpf/seclearn.bpf.c (tracer/CMakeLists.txt)
#endif

namespace seclearn {
namespace {

// The architecture slots of tracer/bpf/seclearn.bpf.c, in its order.
constexpr uint32_t kSlotArch[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, kAuditArchX32};
constexpr uint32_t kNrSlots = 1024;

struct Counted {
  ArchNr call;
  uint32_t slot;
  const ArgFilter* filter;
};

// Every call the kernel's tables name on the three x86 ABIs, that the learner learns nothing
// from but the call itself or a bounded argument (not in syscall_table.h), and that the ptrace
// half need not see (BackendMustSee). At most kMaxLetThrough: the filter lets no more through.
std::vector<Counted> CountedCalls() {
  std::vector<Counted> out;
  for (uint32_t slot = 0; slot < std::size(kSlotArch); ++slot) {
    const uint32_t arch = kSlotArch[slot];
    for (const KernelSyscall& k : KernelSyscalls(arch)) {
      if ((static_cast<uint32_t>(k.nr) & ~kX32SyscallBit) >= kNrSlots) continue;
      if (LookupSyscall(arch, k.nr) != nullptr || BackendMustSee(arch, k.nr)) continue;
      out.push_back({{arch, k.nr}, slot, FindArgFilter(arch, k.nr)});
    }
  }
  std::sort(out.begin(), out.end(), [](const Counted& a, const Counted& b) {
    return std::tie(a.call.arch, a.call.nr) < std::tie(b.call.arch, b.call.nr);
  });
  if (out.size() > tracer_internal::kMaxLetThrough) out.resize(tracer_internal::kMaxLetThrough);
  return out;
}

// The call's entry in the programs' `calls` and `counts` arrays.
uint32_t CallIndex(const Counted& c) {
  return c.slot * kNrSlots + (static_cast<uint32_t>(c.call.nr) & ~kX32SyscallBit);
}

}  // namespace

std::vector<ArchNr> KernelCountedCalls() {
  std::vector<ArchNr> out;
  for (const Counted& c : CountedCalls()) out.push_back(c.call);
  return out;
}

#ifdef SECLEARN_HAVE_EBPF
namespace {

// tracer/bpf/seclearn.bpf.c's map layouts.
struct BpfCall {
  uint32_t counted, arg_index, has_arg, pad;
  uint64_t arg_mask;
};
struct BpfArgKey {
  uint32_t slot;
  uint32_t nr;  // without the x32 bit
  uint64_t value;
  auto operator<=>(const BpfArgKey&) const = default;
};
struct BpfCount {
  uint64_t calls, first_ns;
};

struct SkeletonDeleter {
  void operator()(seclearn_bpf* s) const { seclearn_bpf__destroy(s); }
};
using Skeleton = std::unique_ptr<seclearn_bpf, SkeletonDeleter>;

Result<Skeleton> LoadPrograms() {
  libbpf_set_print(nullptr);  // its messages are for developers; the error below is for users
  // The step that failed, with its errno (Error::Message appends it).
  auto failed = [](std::string_view what) {
    return ErrnoError(fmt::format("eBPF backend: {} (else use --backend ptrace)", what));
  };
  Skeleton skel(seclearn_bpf__open());
  if (!skel) return failed("opening its programs");
  if (seclearn_bpf__load(skel.get()) != 0)
    return failed("loading its tracepoint programs: needs root and a kernel with BTF, "
                  "/sys/kernel/btf/vmlinux");
  if (seclearn_bpf__attach(skel.get()) != 0)
    return failed("attaching to tp_btf/sys_enter and sched_process_fork");
  return skel;
}

// Between the ptrace half and the sink: adds the first task to the programs' followed tasks
// at its first stop (the filter is installed, no counted call has run yet), and hands the
// kernel's counts on as OnSyscalls at each tick and at the end.
class KernelCounts final : public EventSink {
 public:
  KernelCounts(EventSink& sink, seclearn_bpf* skel, const std::vector<Counted>& counted)
      : sink_(sink), skel_(skel) {
    cpus_ = std::max(1, libbpf_num_possible_cpus());
    per_cpu_.resize(static_cast<size_t>(cpus_));
    for (const Counted& c : counted)
      if (c.filter == nullptr) by_index_.emplace_back(CallIndex(c), c.call, 0);
  }

  void OnSyscall(const SyscallEvent& e) override {
    if (root_ == 0) Follow(e.tid);
    sink_.OnSyscall(e);
  }
  SyscallNeeds Needs(const SyscallEvent& e) override { return sink_.Needs(e); }
  Prediction Predict(const SyscallEvent& e) override { return sink_.Predict(e); }
  void OnTask(const TaskEvent& e) override { sink_.OnTask(e); }
  void OnExec(const ExecEvent& e) override { sink_.OnExec(e); }
  void OnExit(const ExitEvent& e) override { sink_.OnExit(e); }
  void OnStack(const StackFact& s) override { sink_.OnStack(s); }
  void OnTick(int64_t now_ns) override {
    (void)Drain();
    sink_.OnTick(now_ns);
  }

  // Hands on what the kernel counted since the last call. Error: a map could not be read, or
  // the programs lost a call or a task.
  Result<void> Drain() {
    // CLOCK_MONOTONIC (bpf_ktime_get_ns) to CLOCK_REALTIME, as events are timed.
    const int64_t offset = RealtimeNs() - MonotonicNs();
    const int counts_fd = bpf_map__fd(skel_->maps.counts);
    for (auto& [index, call, delivered] : by_index_) {
      if (bpf_map_lookup_elem(counts_fd, &index, per_cpu_.data()) != 0)
        return ErrnoError("eBPF backend: reading its counts");
      SyscallEvent ev;
      ev.arch = call.arch;
      ev.nr = call.nr;
      Hand(ev, &delivered, offset);
    }
    const int args_fd = bpf_map__fd(skel_->maps.arg_counts);
    BpfArgKey key{};
    BpfArgKey next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(args_fd, prev, &next) == 0) {
      key = next;
      prev = &key;
      if (bpf_map_lookup_elem(args_fd, &key, per_cpu_.data()) != 0) continue;
      SyscallEvent ev;
      ev.arch = kSlotArch[key.slot < std::size(kSlotArch) ? key.slot : 0];
      ev.nr = static_cast<int32_t>(key.nr | (ev.arch == kAuditArchX32 ? kX32SyscallBit : 0));
      if (const ArgFilter* f = FindArgFilter(ev.arch, ev.nr)) ev.args[f->index] = key.value;
      Hand(ev, &arg_delivered_[key], offset);
    }
    const int lost_fd = bpf_map__fd(skel_->maps.lost);
    std::vector<uint64_t> lost(static_cast<size_t>(cpus_));
    for (uint32_t which = 0; which < 2; ++which) {
      if (bpf_map_lookup_elem(lost_fd, &which, lost.data()) != 0) continue;
      uint64_t n = 0;
      for (uint64_t v : lost) n += v;
      if (n != 0) {
        return Error{ErrorDomain::kErrno, ENOSPC,
                     fmt::format("eBPF backend: {} {} not recorded (no room in the kernel's "
                                 "maps); learn it with --backend ptrace",
                                 n, which == 0 ? "calls" : "new tasks")};
      }
    }
    return {};
  }

  uint64_t total() const { return total_; }
  int follow_error() const { return follow_error_; }

 private:
  // per_cpu_ holds one key's counts: hands on what is new since *delivered.
  void Hand(SyscallEvent& ev, uint64_t* delivered, int64_t offset) {
    uint64_t calls = 0;
    uint64_t first = 0;
    for (const BpfCount& c : per_cpu_) {
      calls += c.calls;
      if (c.first_ns != 0 && (first == 0 || c.first_ns < first)) first = c.first_ns;
    }
    if (calls <= *delivered) return;
    const uint64_t delta = calls - *delivered;
    *delivered = calls;
    total_ += delta;
    ev.pid = ev.tid = root_;
    ev.time_ns = static_cast<int64_t>(first) + offset;
    sink_.OnSyscalls(ev, delta);
  }

  // Task storage is keyed by a pidfd from userspace.
  void Follow(pid_t tid) {
    root_ = tid;
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, tid, 0)));
    const uint8_t one = 1;
    const int key = pidfd.get();
    if (key < 0 ||
        bpf_map_update_elem(bpf_map__fd(skel_->maps.followed), &key, &one, BPF_NOEXIST) != 0)
      follow_error_ = errno;
  }

  EventSink& sink_;
  seclearn_bpf* skel_;
  int cpus_ = 1;
  std::vector<BpfCount> per_cpu_;
  std::vector<std::tuple<uint32_t, ArchNr, uint64_t>> by_index_;  // index, call, delivered
  std::map<BpfArgKey, uint64_t> arg_delivered_;
  pid_t root_ = 0;
  int follow_error_ = 0;
  uint64_t total_ = 0;
};

}  // namespace

std::string EbpfUnavailable() {
  auto skel = LoadPrograms();
  return skel ? std::string() : skel.error().Message();
}

Result<TraceResult> EbpfBackend::Run(const TraceOptions& opts, EventSink& sink) {
  auto skel = LoadPrograms();
  if (!skel) return skel.error();
  const std::vector<Counted> counted = CountedCalls();
  const int calls_fd = bpf_map__fd((*skel)->maps.calls);
  for (const Counted& c : counted) {
    const uint32_t index = CallIndex(c);
    BpfCall v{};
    v.counted = 1;
    if (c.filter != nullptr) {
      v.has_arg = 1;
      v.arg_index = c.filter->index;
      v.arg_mask = c.filter->mask;
    }
    if (bpf_map_update_elem(calls_fd, &index, &v, BPF_ANY) != 0)
      return ErrnoError("eBPF backend: filling its call map");
  }
  TraceOptions ptrace_opts = opts;
  ptrace_opts.let_through.clear();
  for (const Counted& c : counted) ptrace_opts.let_through.push_back(c.call);

  KernelCounts counts(sink, skel->get(), counted);
  PtraceBackend ptrace;
  Result<TraceResult> r = ptrace.Run(ptrace_opts, counts);
  auto drained = counts.Drain();
  if (!r) return r;
  if (counts.follow_error() != 0)
    return Error{ErrorDomain::kErrno, counts.follow_error(),
                 "eBPF backend: following the workload's first task"};
  if (!drained) return drained.error();
  r->kernel_counted = counts.total();
  return r;
}

#else  // !SECLEARN_HAVE_EBPF

std::string EbpfUnavailable() {
  return "eBPF backend: not in this build (clang, bpftool or libbpf-dev was missing when it "
         "was built; else use --backend ptrace)";
}

Result<TraceResult> EbpfBackend::Run(const TraceOptions&, EventSink&) {
  return Error{ErrorDomain::kUsage, 0, EbpfUnavailable()};
}

#endif

}  // namespace seclearn
