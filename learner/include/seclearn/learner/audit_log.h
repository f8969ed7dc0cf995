// Reading the syscalls of an auditd log (libauparse): SECCOMP records, which the kernel writes
// for every call a SCMP_ACT_LOG action lets run (a `--mode complain` profile's default), and
// SYSCALL records from `auditctl -a always,exit -S ...` rules, with the CWD, PATH, SOCKADDR and
// EXECVE records of their events (the files, addresses and command lines of the calls).
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

#include <array>
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
  // pid=; a SYSCALL record whose ppid= is a matched pid matches too, and its pid from then on
  // (the processes the workload started, as far as the log's records show their parents).
  std::vector<pid_t> pids;
};

// A PATH record of a SYSCALL event: a name the call resolved (item= order).
struct AuditPath {
  std::string name;      // name=, decoded: as the call passed it (relative to cwd or a dirfd)
  std::string nametype;  // NORMAL, PARENT, CREATE, DELETE, UNKNOWN
};

struct AuditCall {
  uint32_t arch = 0;  // AUDIT_ARCH_*, as NormalizeArch stores it
  int32_t nr = 0;
  pid_t pid = 0;
  pid_t ppid = 0;  // SYSCALL records only
  std::string exe;
  int64_t time_ns = 0;
  bool seccomp = false;  // a SECCOMP record (else SYSCALL)
  size_t line = 0;       // 1-based, in the input
  // SYSCALL records: the first four arguments, the result, and the event's other records.
  std::array<uint64_t, 4> args{};
  bool has_exit = false;
  int64_t exit = 0;               // exit=: the return value, -errno on failure
  std::string cwd;                // CWD record, decoded
  std::vector<AuditPath> paths;   // PATH records
  std::string sockaddr;           // SOCKADDR record's saddr=, as bytes
  std::vector<std::string> argv;  // EXECVE record's a0..a(argc-1), decoded
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
