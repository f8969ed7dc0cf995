#include "seclearn/tracer/backend.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string_view>

#include "seclearn/core/kernel_syscalls.h"
#include "seclearn/tracer/ebpf_backend.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "remote.h"
#include "special_nrs.h"

namespace seclearn {

namespace {

// The numbers BackendMustSee names on `arch`, sorted.
std::vector<int32_t> MustSeeNrs(uint32_t arch) {
  std::vector<int32_t> out;
  SpecialNrsCache cache;
  const SpecialNrs& s = cache.For(arch);
  for (int32_t special : {s.execve, s.execveat, s.exit, s.exit_group, s.clone, s.clone3, s.ptrace})
    if (special >= 0) out.push_back(special);
  for (std::string_view name : {"fork", "vfork"})
    if (auto nr = SyscallNumber(arch, name)) out.push_back(*nr);
  for (const KernelSyscall& k : KernelSyscalls(arch))
    if (Resolver::Observes(arch, k.nr)) out.push_back(k.nr);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool BackendMustSee(uint32_t arch, int32_t nr) {
  // Built once per architecture: the eBPF backend asks for each of ~1300 calls at start.
  static std::mutex mu;
  static std::map<uint32_t, std::vector<int32_t>> by_arch;
  std::lock_guard lock(mu);
  auto it = by_arch.find(arch);
  if (it == by_arch.end()) it = by_arch.emplace(arch, MustSeeNrs(arch)).first;
  if (std::binary_search(it->second.begin(), it->second.end(), nr)) return true;
  // A number the kernel table lacks (a newer kernel's call): as the resolver says.
  return FindKernelSyscall(arch, nr) == nullptr && Resolver::Observes(arch, nr);
}

std::vector<ArchNr> LetThrough(const TraceOptions& opts) {
  std::vector<ArchNr> out;
  for (const ArchNr& c : opts.let_through)
    if (!BackendMustSee(c.arch, c.nr)) out.push_back(c);
  return out;
}

std::unique_ptr<Backend> MakeBackend(BackendKind kind) {
  switch (kind) {
    case BackendKind::kNotify:
      return std::make_unique<NotifyBackend>();
    case BackendKind::kEbpf:
      return std::make_unique<EbpfBackend>();
    case BackendKind::kPtrace:
    case BackendKind::kAudit:  // not a tracer: learn refuses it
      break;
  }
  return std::make_unique<PtraceBackend>();
}

}  // namespace seclearn
