// The eBPF backend's kernel half (tracer/src/ebpf_backend.cc is the other): follows the
// workload's tasks and counts, per (arch, nr, learned argument value), the calls the seccomp
// filter lets run without a stop. Those never leave the kernel; the calls whose facts need
// userspace (paths, sockets, credentials, results) stop in the ptrace backend as before and are
// not counted here.
//
// Tracepoints only (tp_btf): fentry and BPF-LSM programs are refused on kernels built without
// them, and a tracepoint is a stable interface. The kernel structures read are declared below
// with preserve_access_index, so libbpf relocates their offsets against the running kernel's
// BTF (CO-RE): the object does not depend on the headers of the kernel it was built on.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct thread_info {
  __u32 status;
} __attribute__((preserve_access_index));

struct task_struct {
  struct thread_info thread_info;
  int pid;
} __attribute__((preserve_access_index));

struct pt_regs {
  unsigned long bx, cx, dx, si, di, bp, r8, r9, r10;
} __attribute__((preserve_access_index));

// arch/x86/include/asm/thread_info.h: an int 0x80 or sysenter call from a 32-bit task.
#define TS_COMPAT 0x0002
#define X32_SYSCALL_BIT 0x40000000

// Architecture slots, as ebpf_backend.cc numbers them.
#define SLOT_X86_64 0
#define SLOT_I386 1
#define SLOT_X32 2
#define NR_SLOTS 1024  // syscall numbers per slot (x32 without its bit)

// What to count for a call: set by userspace for the calls the filter lets through.
struct call {
  __u32 counted;    // 0: not counted here (the ptrace half reports it)
  __u32 arg_index;  // with has_arg: the argument learned (arg_filters.h)
  __u32 has_arg;
  __u32 pad;
  __u64 arg_mask;
};

struct count {
  __u64 calls;
  __u64 first_ns;  // CLOCK_MONOTONIC (bpf_ktime_get_ns)
};

// A call with a learned argument, per value.
struct arg_key {
  __u32 slot;
  __u32 nr;     // without the x32 bit
  __u64 value;  // masked
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 3 * NR_SLOTS);
  __type(key, __u32);
  __type(value, struct call);
} calls SEC(".maps");

// The workload's tasks: its first task is added by userspace (through a pidfd) at its first
// stop, every task it creates by sched_process_fork; the kernel frees the entry with the task,
// so a reused tid is never followed. A task outside the workload costs one NULL test.
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u8);
} followed SEC(".maps");

// Per CPU, so a hot call on many CPUs shares no cache line; userspace sums the CPUs. Calls
// without a learned argument by index (slot * NR_SLOTS + nr), the others per value.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 3 * NR_SLOTS);
  __type(key, __u32);
  __type(value, struct count);
} counts SEC(".maps");

// Not preallocated: a preallocated per-CPU hash of this size costs 40 ms at every load, for
// the few values a workload uses.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, 16384);
  __type(key, struct arg_key);
  __type(value, struct count);
} arg_counts SEC(".maps");

// [0]: calls not counted because `arg_counts` was full, [1]: tasks not followed (no memory
// for their entry). Userspace fails the run if either is not 0: a lost call breaks a profile.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} lost SEC(".maps");

static __always_inline void add_lost(__u32 which) {
  __u64* n = bpf_map_lookup_elem(&lost, &which);
  if (n) *n += 1;
}

static __always_inline void add(struct count* n) {
  n->calls += 1;
  if (n->first_ns == 0) n->first_ns = bpf_ktime_get_ns();
}

static __always_inline __u64 arg(struct pt_regs* regs, __u32 index, int compat) {
  switch (index) {
    case 0: return compat ? regs->bx : regs->di;
    case 1: return compat ? regs->cx : regs->si;
    case 2: return regs->dx;
    case 3: return compat ? regs->si : regs->r10;
    case 4: return compat ? regs->di : regs->r8;
    case 5: return compat ? regs->bp : regs->r9;
  }
  return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs* regs, long id) {
  struct task_struct* task = bpf_get_current_task_btf();
  if (!bpf_task_storage_get(&followed, task, 0, 0)) return 0;

  __u32 slot = SLOT_X86_64;
  __u32 nr = (__u32)id;
  if (task->thread_info.status & TS_COMPAT) {
    slot = SLOT_I386;
  } else if (nr & X32_SYSCALL_BIT) {
    slot = SLOT_X32;
    nr &= ~X32_SYSCALL_BIT;
  }
  if (nr >= NR_SLOTS) return 0;  // the ptrace half sees what this cannot count
  __u32 index = slot * NR_SLOTS + nr;
  struct call* c = bpf_map_lookup_elem(&calls, &index);
  if (!c || !c->counted) return 0;

  if (!c->has_arg) {
    struct count* n = bpf_map_lookup_elem(&counts, &index);
    if (n) add(n);
    return 0;
  }
  const int compat = slot == SLOT_I386;
  __u64 v = arg(regs, c->arg_index, compat);
  if (compat) v &= 0xffffffffull;
  struct arg_key key = {.slot = slot, .nr = nr, .value = v & c->arg_mask};
  struct count* n = bpf_map_lookup_elem(&arg_counts, &key);
  if (n) {
    add(n);
    return 0;
  }
  struct count first = {.calls = 1, .first_ns = bpf_ktime_get_ns()};
  if (bpf_map_update_elem(&arg_counts, &key, &first, BPF_NOEXIST) == 0) return 0;
  n = bpf_map_lookup_elem(&arg_counts, &key);  // another CPU inserted it meanwhile, or full
  if (n) {
    add(n);
  } else {
    add_lost(0);
  }
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct* parent, struct task_struct* child) {
  struct task_struct* task = bpf_get_current_task_btf();
  if (!bpf_task_storage_get(&followed, task, 0, 0)) return 0;
  if (!bpf_task_storage_get(&followed, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE)) add_lost(1);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
