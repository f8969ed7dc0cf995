// ReadAuditLog through the real libauparse, on records as auditd writes them.
#include "seclearn/learner/audit_log.h"

#include <linux/audit.h>

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

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

TEST_CASE("audit log: a SYSCALL event's CWD, PATH, SOCKADDR and EXECVE records, and the "
          "processes a matched one started", "[unit][learner]") {
  auto syscall = [](int serial, int nr, int ppid, int pid, const std::string& rest) {
    return "type=SYSCALL msg=audit(1796302160.000:" + std::to_string(serial) +
           "): arch=c000003e syscall=" + std::to_string(nr) + " success=yes exit=" + rest +
           " items=2 ppid=" + std::to_string(ppid) + " pid=" + std::to_string(pid) +
           " auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 "
           "comm=\"sh\" exe=\"/usr/bin/dash\" subj=unconfined key=\"k\"\n";
  };
  auto stamp = [](int serial) {
    return "msg=audit(1796302160.000:" + std::to_string(serial) + "): ";
  };
  std::string log;
  // 20 execs the workload (argv with a hex-encoded argument), its child 21 creates a file
  // whose name holds a newline, 22 (an unrelated process) connects, 21's child 23 too.
  log += syscall(1, 59, 1, 20, "0 a0=55d a1=55e a2=55f a3=0");
  log += "type=EXECVE " + stamp(1) + "argc=3 a0=\"/bin/sh\" a1=\"-c\" a2=6563686F0A6869\n";
  log += "type=CWD " + stamp(1) + "cwd=\"/srv\"\n";
  log += "type=PATH " + stamp(1) + "item=0 name=\"/bin/sh\" inode=1 dev=00:01 mode=0100755 "
         "ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
         "cap_frootid=0\n";
  log += "type=PATH " + stamp(1) + "item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=2 "
         "dev=00:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 "
         "cap_fe=0 cap_fver=0 cap_frootid=0\n";
  log += syscall(2, 257, 20, 21, "3 a0=ffffff9c a1=7ffc a2=241 a3=1b6");
  log += "type=CWD " + stamp(2) + "cwd=2F7372762F612062\n";  // "/srv/a b"
  log += "type=PATH " + stamp(2) + "item=0 name=\"d/\" inode=3 dev=00:01 mode=040755 ouid=0 "
         "ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n";
  log += "type=PATH " + stamp(2) + "item=1 name=642F6F64640A6E616D65 inode=4 dev=00:01 "
         "mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 "
         "cap_fver=0 cap_frootid=0\n";
  log += syscall(3, 42, 1, 22, "0 a0=3 a1=7ffd a2=10 a3=0");
  log += "type=SOCKADDR " + stamp(3) + "saddr=020000357F0000010000000000000000\n";
  log += syscall(4, 42, 21, 23, "-111 a0=3 a1=7ffd a2=10 a3=0");
  log += "type=SOCKADDR " + stamp(4) + "saddr=0200005000000000\n";

  AuditMatch m;
  m.pids = {20};
  auto r = ReadAuditLog(log, m);
  REQUIRE(r.has_value());
  CHECK(r->bad_lines == 0);
  REQUIRE(r->calls.size() == 3);  // 20, its child 21, 21's child 23; not 22
  const AuditCall& exec = r->calls[0];
  CHECK(exec.argv == std::vector<std::string>{"/bin/sh", "-c", "echo\nhi"});
  CHECK(exec.cwd == "/srv");
  REQUIRE(exec.paths.size() == 2);
  CHECK(exec.paths[0].name == "/bin/sh");
  CHECK(exec.paths[1].nametype == "NORMAL");
  const AuditCall& open = r->calls[1];
  CHECK(open.pid == 21);
  CHECK(open.ppid == 20);
  CHECK(open.args == std::array<uint64_t, 4>{0xffffff9c, 0x7ffc, 0x241, 0x1b6});
  CHECK(open.has_exit);
  CHECK(open.exit == 3);
  CHECK(open.cwd == "/srv/a b");
  REQUIRE(open.paths.size() == 2);
  CHECK(open.paths[0].nametype == "PARENT");
  CHECK(open.paths[1].name == "d/odd\nname");
  CHECK(open.paths[1].nametype == "CREATE");
  const AuditCall& connect = r->calls[2];
  CHECK(connect.pid == 23);
  CHECK(connect.exit == -111);
  CHECK(connect.sockaddr == std::string("\x02\x00\x00\x50\x00\x00\x00\x00", 8));
  CHECK(connect.argv.empty());
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
