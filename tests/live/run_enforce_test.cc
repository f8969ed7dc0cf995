// Loads filters built from profiles into real processes and checks what the kernel does.
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/enforce/seccomp_apply.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {
namespace {

// Child exit codes: 0 means every check held; each failed check has its own code.
enum ChildResult {
  kChildOk = 0,
  kLoadFailed = 10,
  kNnpFailed,
  kDeniedCallSucceeded,
  kWrongErrno,
  kAllowedCallFailed,
  kConditionMissed,
  kConditionOverreached,
};

// Forks; the child sets no_new_privs, loads the filter and runs `checks` (raw syscalls only),
// exiting with its result. Returns the child's exit code.
template <typename Checks>
int RunInChild(ScmpFilter& filter, Checks checks) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(kNnpFailed);
    if (!LoadSeccompFilter(filter)) ::_exit(kLoadFailed);
    // A raw exit_group: _exit may run sanitizer hooks (sigaltstack) the filter refuses.
    ::syscall(SYS_exit_group, checks());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

ScmpFilter FilterFrom(std::string_view json) {
  auto profile = ParseSeccompProfile(json, "live.json");
  INFO((profile ? "" : profile.error().context));
  REQUIRE(profile);
  std::vector<std::string> warnings;
  const SeccompTarget target{NativeAuditArch(), ~uint64_t{0}, {255, 255}};
  auto filter = BuildSeccompFilter(*profile, target, /*strict=*/true, &warnings);
  INFO((filter ? "" : filter.error().Message()));
  REQUIRE(filter);
  CHECK(warnings.empty());
  return std::move(*filter);
}

// Runs a shell command line and returns its exit status (or 128+signal).
int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  REQUIRE(status != -1);
  return ExitCodeForWaitStatus(status);
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = "/tmp/seclearn_run_enforce_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << content;
  return path;
}

}  // namespace

TEST_CASE("an ERRNO rule denies getppid and nothing else", "[live]") {
  ScmpFilter filter = FilterFrom(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
  })");
  const int result = RunInChild(filter, [] {
    errno = 0;
    if (::syscall(SYS_getppid) != -1) return kDeniedCallSucceeded;
    if (errno != EPERM) return kWrongErrno;
    if (::syscall(SYS_getpid) <= 0) return kAllowedCallFailed;
    if (::syscall(SYS_gettid) <= 0) return kAllowedCallFailed;
    return kChildOk;
  });
  CHECK(result == kChildOk);
}

TEST_CASE("an argument condition denies personality(0xffffffff) only", "[live]") {
  ScmpFilter filter = FilterFrom(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                  "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]}]
  })");
  const int result = RunInChild(filter, [] {
    errno = 0;
    // 0xffffffff only queries the persona, so it would succeed without the filter.
    if (::syscall(SYS_personality, 0xffffffffUL) != -1) return kConditionMissed;
    if (errno != EPERM) return kWrongErrno;
    if (::syscall(SYS_personality, 0UL) < 0) return kConditionOverreached;  // PER_LINUX
    if (::syscall(SYS_getppid) <= 0) return kAllowedCallFailed;
    return kChildOk;
  });
  CHECK(result == kChildOk);
}

TEST_CASE("a default ERRNO profile allows only what it lists", "[live]") {
  // Enough for the child to run raw syscalls and exit; getppid is not listed.
  ScmpFilter filter = FilterFrom(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "syscalls": [{"names": ["getpid", "exit", "exit_group"], "action": "SCMP_ACT_ALLOW"}]
  })");
  const int result = RunInChild(filter, [] {
    errno = 0;
    if (::syscall(SYS_getppid) != -1) return kDeniedCallSucceeded;
    if (errno != ENOSYS) return kWrongErrno;
    if (::syscall(SYS_getpid) <= 0) return kAllowedCallFailed;
    return kChildOk;
  });
  CHECK(result == kChildOk);
}

TEST_CASE("seclearn run enforces a profile and passes the exit status through", "[live]") {
  const std::string bin = SECLEARN_BIN;
  const std::string allow_all = WriteTemp("allow.json", R"({"defaultAction":"SCMP_ACT_ALLOW"})");
  const std::string deny_uname = WriteTemp("uname.json", R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["uname", "no_such_call"], "action": "SCMP_ACT_ERRNO"}]
  })");
  const std::string broken = WriteTemp("broken.json", "{\n  \"defaultAction\": 1\n}\n");
  const std::string q = " 2>/dev/null";

  CHECK(Shell(bin + " run --seccomp " + allow_all + " -- sh -c 'exit 3'" + q) == 3);
  CHECK(Shell(bin + " run --seccomp=" + allow_all + " sh -c 'exit 4'" + q) == 4);
  CHECK(Shell(bin + " run --seccomp " + allow_all + " -- uname >/dev/null" + q) == 0);
  CHECK(Shell(bin + " run --quiet --seccomp " + deny_uname + " -- uname >/dev/null" + q) == 1);
  CHECK(Shell(bin + " run --strict --seccomp " + deny_uname + " -- uname" + q) == 125);
  CHECK(Shell(bin + " run --seccomp " + broken + " -- true" + q) == 125);
  CHECK(Shell(bin + " run --seccomp /nonexistent/p.json -- true" + q) == 125);
  CHECK(Shell(bin + " run --seccomp " + allow_all + " -- no-such-command-xyz" + q) == 127);
  CHECK(Shell(bin + " run --seccomp " + allow_all + " -- /etc/passwd" + q) == 126);
  CHECK(Shell(bin + " run --help >/dev/null" + q) == 0);

  // The message names file:line:col, on one line.
  const std::string err = WriteTemp("err.txt", "");
  CHECK(Shell(bin + " run --seccomp " + broken + " -- true 2>" + err) == 125);
  std::ifstream in(err);
  std::string line;
  std::getline(in, line);
  CHECK(line == "seclearn: " + broken + ":2:20: \"defaultAction\" must be a string");

  for (const auto& path : {allow_all, deny_uname, broken, err}) std::remove(path.c_str());
}

}  // namespace seclearn
