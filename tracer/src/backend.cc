#include "seclearn/tracer/backend.h"

#include "seclearn/tracer/ebpf_backend.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"
#include "remote.h"
#include "special_nrs.h"

namespace seclearn {

bool BackendMustSee(uint32_t arch, int32_t nr) {
  SpecialNrsCache cache;
  const SpecialNrs& s = cache.For(arch);
  for (int32_t special : {s.execve, s.execveat, s.exit, s.exit_group, s.clone, s.clone3, s.ptrace})
    if (nr == special) return true;
  for (std::string_view name : {"fork", "vfork"})
    if (SyscallNumber(arch, name) == nr) return true;
  return Resolver::Observes(arch, nr);
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
      break;
  }
  return std::make_unique<PtraceBackend>();
}

}  // namespace seclearn
