// ReadAuditLog through the real libauparse, on records as auditd writes them.
#include "seclearn/learner/audit_log.h"

#include <linux/audit.h>

#include <catch2/catch.hpp>
#include <string>

#include "seclearn/core/arch.h"

namespace seclearn {
namespace {

std::string Seccomp(int serial, int pid, const std::string& exe_field, const char* arch,
                    int nr) {
  return "type=SECCOMP msg=audit(1796302153." + std::to_string(100 + serial) + ":" +
         std::to_string(serial) + "): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=" +
         std::to_string(pid) + " comm=\"x\" exe=" + exe_field + " sig=0 arch=" + arch +
         " syscall=" + std::to_string(nr) + " compat=0 ip=0x7f5c0faf0f37 code=0x7ffc0000\n";
}

}  // namespace

TEST_CASE("audit log: SECCOMP and SYSCALL records, matched by exe and pid", "[unit][learner]") {
  std::string log;
  log += Seccomp(1, 10, "\"/usr/bin/mkdir\"", "c000003e", 83);  // mkdir
  log += Seccomp(2, 11, "\"/usr/bin/other\"", "c000003e", 84);
  log += Seccomp(3, 10, "\"/usr/bin/mkdir\"", "40000003", 20);  // i386 getpid
  // An exe with a space and a quote is hex-encoded by the kernel: "/tmp/a b\"c".
  log += Seccomp(4, 12, "2F746D702F612062226320", "c000003e", 39);
  log += "node=h1 type=SYSCALL msg=audit(1796302154.000:5): arch=c000003e syscall=59 "
         "success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=1 pid=10 auid=0 uid=0 gid=0 "
         "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"mkdir\" "
         "exe=\"/usr/bin/mkdir\" subj=unconfined key=\"seclearn\"\n";
  log += "type=PROCTITLE msg=audit(1796302154.000:5): proctitle=6D6B646972\n";

  AuditMatch m;
  m.exes = {"/usr/bin/mkdir", "/tmp/a b\"c "};
  auto r = ReadAuditLog(log, m);
  REQUIRE(r.has_value());
  CHECK(r->bad_lines == 0);
  CHECK(r->records == 5);
  REQUIRE(r->calls.size() == 4);
  CHECK(r->calls[0].nr == 83);
  CHECK(r->calls[0].arch == AUDIT_ARCH_X86_64);
  CHECK(r->calls[0].seccomp);
  CHECK(r->calls[0].line == 1);
  CHECK(r->calls[0].time_ns == 1796302153101'000'000);
  CHECK(r->calls[1].arch == AUDIT_ARCH_I386);
  CHECK(r->calls[1].nr == 20);
  CHECK(r->calls[2].exe == "/tmp/a b\"c ");
  CHECK(r->calls[2].nr == 39);
  CHECK_FALSE(r->calls[3].seccomp);
  CHECK(r->calls[3].nr == 59);
  CHECK(r->calls[3].line == 5);

  AuditMatch by_pid;
  by_pid.pids = {11};
  auto p = ReadAuditLog(log, by_pid);
  REQUIRE(p.has_value());
  REQUIRE(p->calls.size() == 1);
  CHECK(p->calls[0].exe == "/usr/bin/other");
}

TEST_CASE("audit log: bad lines are counted and named, the good records kept",
          "[unit][learner]") {
  const std::string good = Seccomp(1, 10, "\"/bin/x\"", "c000003e", 83);
  AuditMatch m;
  m.exes = {"/bin/x"};
  struct Case {
    std::string log;
    size_t line;
    const char* why;
  };
  const Case cases[] = {
      {"garbage\n" + good, 1, "no type="},
      {good + "type=SECCOMP msg=audit(17963", 2, "truncated"},
      {good + "type=SECCOMP msg=audit(12.x:1): pid=1\n", 2, "malformed"},
      {good + "type=SECCOMP msg=audit(1.2:3): pid=1" + std::string(1, '\0') + "x\n", 2, "NUL"},
      {good + Seccomp(2, 10, "\"/bin/x\"", "ffff", 1), 2, "arch="},
      // Well-formed, but a time stamp libauparse drops the record for.
      {good + "type=SECCOMP msg=audit(1.2:3): pid=10 exe=\"/bin/x\" arch=c000003e syscall=1\n",
       2, "libauparse"},
      {good + Seccomp(2, 10, "\"/bin/x\"", "c000003e", 83).substr(0, 100), 2, "truncated"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.log);
    auto r = ReadAuditLog(c.log, m);
    REQUIRE(r.has_value());
    CHECK(r->bad_lines == 1);
    CHECK(r->first_bad_line == c.line);
    CHECK(r->first_bad_why.find(c.why) != std::string::npos);
    REQUIRE(r->calls.size() == 1);
    CHECK(r->calls[0].nr == 83);
  }
  auto empty = ReadAuditLog("", m);
  REQUIRE(empty.has_value());
  CHECK(empty->calls.empty());
  CHECK(empty->records == 0);
}

}  // namespace seclearn
