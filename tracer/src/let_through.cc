#include "let_through.h"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>
#include <map>

namespace seclearn::tracer_internal {

std::vector<sock_filter> LetThroughBlock(std::span<const ArchNr> calls) {
  // The kernel reports x32 calls under AUDIT_ARCH_X86_64, with the x32 bit in the number.
  std::map<uint32_t, std::vector<uint32_t>> by_arch;
  for (const ArchNr& c : calls.first(std::min(calls.size(), kMaxLetThrough))) {
    const uint32_t arch = c.arch == kAuditArchX32 ? AUDIT_ARCH_X86_64 : c.arch;
    by_arch[arch].push_back(static_cast<uint32_t>(c.nr));
  }
  std::vector<sock_filter> f;
  for (auto& [arch, nrs] : by_arch) {
    std::sort(nrs.begin(), nrs.end());
    nrs.erase(std::unique(nrs.begin(), nrs.end()), nrs.end());
    // ld arch; jeq arch ? skip the ja : ja past the block; ld nr; (jeq nr ? ret allow)...
    // The arch test jumps with BPF_JA, whose offset is 32 bits: a block may be longer than
    // the 255 instructions a conditional jump reaches.
    f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0));
    f.push_back(BPF_STMT(BPF_JMP | BPF_JA, static_cast<uint32_t>(1 + 2 * nrs.size())));
    f.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
    for (uint32_t nr : nrs) {
      f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
      f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    }
  }
  return f;
}

}  // namespace seclearn::tracer_internal
