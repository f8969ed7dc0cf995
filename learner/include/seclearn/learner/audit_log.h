// Reading the syscalls of an auditd log (libauparse): SECCOMP records, which the kernel writes
// for every call a SCMP_ACT_LOG action lets run (a `--mode complain` profile's default), and
// SYSCALL records from `auditctl -a always,exit -S ...` rules.
//
//   AuditMatch m;
//   m.exes = {"/usr/bin/mkdir"};
//   auto log = ReadAuditLog(text, m);     // text: the log's bytes
//   if (!log) return log.error();
//   for (const AuditCall& c : log->calls) ...;
//   if (log->bad_lines) say "FILE:" log->first_bad_line ": " log->first_bad_why;
//
// Lines are checked before libauparse sees them: a line that is not `[node=N ]type=T
// msg=audit(SECONDS.MILLIS:SERIAL): ...` (a truncated or foreign line) is counted and
// skipped, the good records around it are kept. Every value is from the log: untrusted.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

// Which records are the workload's: each non-empty list must contain the record's value.
struct AuditMatch {
  std::vector<std::string> exes;  // exe= (decoded)
  std::vector<pid_t> pids;        // pid=
};

struct AuditCall {
  uint32_t arch = 0;  // AUDIT_ARCH_*, as NormalizeArch stores it
  int32_t nr = 0;
  pid_t pid = 0;
  std::string exe;
  int64_t time_ns = 0;
  bool seccomp = false;  // a SECCOMP record (else SYSCALL)
  size_t line = 0;       // 1-based, in the input
};

struct AuditLog {
  std::vector<AuditCall> calls;  // the matching ones, in log order
  size_t records = 0;            // SECCOMP and SYSCALL records read
  size_t bad_lines = 0;
  size_t first_bad_line = 0;
  std::string first_bad_why;
};

// kUsage error only when libauparse cannot start; bad lines are counted (AuditLog).
Result<AuditLog> ReadAuditLog(std::string_view text, const AuditMatch& match);

}  // namespace seclearn
