// The part of a tracing filter that lets known calls run unseen (TraceOptions::let_through):
// a block per architecture, ahead of the backend's own filter. A call listed returns
// SECCOMP_RET_ALLOW before the backend's filter runs; every other call falls through to it
// unchanged. The block reads only the arch and the number, so the kernel's seccomp action
// cache (Linux 5.11+) allows those calls without running the filter at all.
//
//   std::vector<sock_filter> f = LetThroughBlock(opts.let_through);
//   f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE));   // the backend's own part
#pragma once

#include <linux/filter.h>

#include <span>
#include <vector>

#include "seclearn/core/arch.h"

namespace seclearn::tracer_internal {

// At most this many calls are let through (2 instructions each, BPF_MAXINSNS is 4096).
inline constexpr size_t kMaxLetThrough = 1024;

// The block for `calls` (x32 calls as (kAuditArchX32, nr | __X32_SYSCALL_BIT), as stored);
// empty when there are none. Calls past kMaxLetThrough are left to the backend's filter.
std::vector<sock_filter> LetThroughBlock(std::span<const ArchNr> calls);

}  // namespace seclearn::tracer_internal
