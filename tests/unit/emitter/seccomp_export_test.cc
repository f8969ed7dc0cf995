// Golden-file tests for the minimal seccomp export. SECLEARN_UPDATE_GOLDEN=1 rewrites them.
#include "seclearn/emitter/seccomp_export.h"

#include <linux/audit.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "seclearn/core/arch.h"
#include "seclearn/core/arg_filters.h"
#include "seclearn/core/kernel_syscalls.h"
#include "seclearn/emitter/runtime_base.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void CheckGolden(const std::string& name, const std::string& got) {
  const std::string path = std::string(SECLEARN_GOLDEN_DIR) + "/" + name;
  if (std::getenv("SECLEARN_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << got;
  }
  const std::string want = ReadFile(path);
  REQUIRE_FALSE(want.empty());
  CHECK(got == want);
}

SyscallFact Fact(uint32_t arch, const char* name, uint64_t count = 1) {
  return SyscallFact{arch, *SyscallNumber(arch, name), count, 1};
}

std::vector<SyscallFact> ShellFacts() {
  return {Fact(AUDIT_ARCH_X86_64, "read", 10), Fact(AUDIT_ARCH_X86_64, "write"),
          Fact(AUDIT_ARCH_X86_64, "execve"),   Fact(AUDIT_ARCH_X86_64, "exit_group"),
          Fact(AUDIT_ARCH_X86_64, "openat"),   Fact(AUDIT_ARCH_X86_64, "close"),
          Fact(AUDIT_ARCH_X86_64, "futex"),    Fact(AUDIT_ARCH_I386, "getppid", 3)};
}

// The rules that allow, in order: every rule but the newer-calls ENOSYS rule (last).
std::vector<SeccompRule> Allowing(const SeccompProfile& p) {
  std::vector<SeccompRule> out;
  for (const auto& r : p.syscalls)
    if (!IsNewerCallsRule(r)) out.push_back(r);
  REQUIRE(out.size() + 1 == p.syscalls.size());  // exactly one, and last
  CHECK(IsNewerCallsRule(p.syscalls.back()));
  return out;
}

}  // namespace

TEST_CASE("minimal seccomp export matches the golden file", "[unit][emitter]") {
  SeccompExportOptions o;
  o.app = "shell";
  o.runs = 2;
  o.native_arch = AUDIT_ARCH_X86_64;
  SeccompExport e = BuildMinimalSeccomp(ShellFacts(), o);
  CHECK(e.workload_names == 8);
  CHECK(e.runtime_names == 0);
  const std::string json = WriteSeccompProfile(e.profile);
  CheckGolden("seccomp_minimal.json", json);

  // Reads back to the same profile, and writing is deterministic.
  auto back = ParseSeccompProfile(json, "golden");
  REQUIRE(back.has_value());
  CHECK(*back == e.profile);
  CHECK(WriteSeccompProfile(BuildMinimalSeccomp(ShellFacts(), o).profile) == json);
}

TEST_CASE("the runtime rule holds only names the workload did not need", "[unit][emitter]") {
  auto base = LoadRuntimeBase("runc", /*no_new_privileges=*/true);
  REQUIRE(base.has_value());
  SeccompExportOptions o;
  o.app = "shell";
  o.runs = 1;
  o.native_arch = AUDIT_ARCH_X86_64;
  o.runtime = *base;
  SeccompExport e = BuildMinimalSeccomp(ShellFacts(), o);
  const auto rules = Allowing(e.profile);
  // The workload's names, restart_syscall implied by futex, the runtime's.
  REQUIRE(rules.size() == 3);
  CHECK(rules[1].names == std::vector<std::string>{"restart_syscall"});
  const auto& workload = rules[0].names;
  const auto& runtime = rules[2].names;
  for (const auto& n : runtime)
    CHECK(std::find(workload.begin(), workload.end(), n) == workload.end());
  // Union is the workload's names plus the runtime's.
  std::set<std::string> all(workload.begin(), workload.end());
  all.insert(runtime.begin(), runtime.end());
  all.insert("restart_syscall");
  for (const auto& n : base->names) CHECK(all.count(n) == 1);
  CHECK(rules[2].comment.find("runc") != std::string::npos);
  CheckGolden("seccomp_runc_nnp.json", WriteSeccompProfile(e.profile));
}

TEST_CASE("runtime base sets: privileged path is a superset of the late install",
          "[unit][emitter]") {
  auto late = LoadRuntimeBase("runc", true);
  auto early = LoadRuntimeBase("runc", false);
  auto docker = LoadRuntimeBase("docker", false);
  REQUIRE(late.has_value());
  REQUIRE(early.has_value());
  REQUIRE(docker.has_value());
  CHECK(docker->names == early->names);
  for (const auto& n : late->names)
    CHECK(std::find(early->names.begin(), early->names.end(), n) != early->names.end());
  for (const char* n : {"setuid", "setgid", "setgroups", "capset"})
    CHECK(std::find(early->names.begin(), early->names.end(), n) != early->names.end());
  for (const auto& n : early->names) CHECK(SyscallNumber(AUDIT_ARCH_X86_64, n).has_value());
  CHECK_FALSE(LoadRuntimeBase("nosuchruntime", false).has_value());
  CHECK(LoadRuntimeBase("crun", true).has_value());
}

TEST_CASE("architectures: native first, then the compat ones seen", "[unit][emitter]") {
  SeccompExportOptions o;
  o.app = "a";
  o.native_arch = AUDIT_ARCH_X86_64;
  auto only_native = BuildMinimalSeccomp({Fact(AUDIT_ARCH_X86_64, "read")}, o);
  CHECK(only_native.profile.architectures == std::vector<std::string>{"SCMP_ARCH_X86_64"});
  auto with_i386 = BuildMinimalSeccomp(ShellFacts(), o);
  CHECK(with_i386.profile.architectures ==
        std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
  auto unnamed = BuildMinimalSeccomp({SyscallFact{AUDIT_ARCH_X86_64, 4000, 1, 1}}, o);
  CHECK(unnamed.unnamed == std::vector<std::string>{"x86_64 4000"});
  CHECK(Allowing(unnamed.profile).empty());
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("learned argument values become one rule per value", "[unit][emitter]") {
  SeccompExportOptions o;
  o.app = "net";
  o.runs = 1;
  o.native_arch = AUDIT_ARCH_X86_64;
  const int32_t socket_nr = *SyscallNumber(AUDIT_ARCH_X86_64, "socket");
  const int32_t clone_nr = *SyscallNumber(AUDIT_ARCH_X86_64, "clone");
  o.args = {{AUDIT_ARCH_X86_64, socket_nr, 0, 1, 3, 1},
            {AUDIT_ARCH_X86_64, socket_nr, 0, 10, 1, 1},
            {AUDIT_ARCH_X86_64, clone_nr, 0, 0, 9, 1}};
  std::vector<SyscallFact> facts = {Fact(AUDIT_ARCH_X86_64, "socket"),
                                    Fact(AUDIT_ARCH_X86_64, "clone"),
                                    Fact(AUDIT_ARCH_X86_64, "prctl"),  // no values learned
                                    Fact(AUDIT_ARCH_X86_64, "read")};
  SeccompExport e = BuildMinimalSeccomp(facts, o);
  CHECK(e.workload_names == 4);
  CHECK(e.conditioned_names == 2);
  REQUIRE(Allowing(e.profile).size() == 4);
  CHECK(e.profile.syscalls[0].names == std::vector<std::string>{"prctl", "read"});
  // The kernel reads socket's family as an int: only its low 32 bits are compared.
  const SeccompRule& family = e.profile.syscalls[2];  // clone's, then socket's two
  REQUIRE(family.names == std::vector<std::string>{"socket"});
  CHECK(family.args == std::vector<SeccompArg>{{0, 0xffffffff, 1, SeccompOp::kMaskedEq}});
  CheckGolden("seccomp_args.json", WriteSeccompProfile(e.profile));

  // The runtime needs prctl outright (PR_CAPBSET_DROP): the workload's conditioned prctl
  // must not hide it.
  auto base = LoadRuntimeBase("runc", /*no_new_privileges=*/false);
  REQUIRE(base.has_value());
  SeccompExportOptions with_rt = o;
  with_rt.runtime = *base;
  const int32_t prctl_nr = *SyscallNumber(AUDIT_ARCH_X86_64, "prctl");
  with_rt.args.push_back({AUDIT_ARCH_X86_64, prctl_nr, 0, 15, 1, 1});  // PR_SET_NAME
  SeccompExport rt = BuildMinimalSeccomp(facts, with_rt);
  const auto rt_rules = Allowing(rt.profile);
  const auto& runtime_names = rt_rules.back().names;
  CHECK(std::find(runtime_names.begin(), runtime_names.end(), "prctl") != runtime_names.end());
  CHECK(std::find(runtime_names.begin(), runtime_names.end(), "read") == runtime_names.end());

  o.filter_args = false;
  SeccompExport plain = BuildMinimalSeccomp(facts, o);
  REQUIRE(Allowing(plain.profile).size() == 1);
  CHECK(plain.profile.syscalls[0].names.size() == 4);

  // More values than kMaxArgValues: the domain is not small, the name stays unconditioned.
  o.filter_args = true;
  o.args.clear();
  for (uint64_t v = 0; v <= kMaxArgValues; ++v) o.args.push_back({AUDIT_ARCH_X86_64, socket_nr, 0, v, 1, 1});
  SeccompExport wide = BuildMinimalSeccomp(facts, o);
  CHECK(wide.conditioned_names == 0);
}

TEST_CASE("implied calls: rt_sigreturn with a handler, restart_syscall with a sleep",
          "[unit][emitter]") {
  SeccompExportOptions o;
  o.app = "sig";
  o.native_arch = AUDIT_ARCH_X86_64;
  SeccompExport e = BuildMinimalSeccomp(
      {Fact(AUDIT_ARCH_X86_64, "rt_sigaction"), Fact(AUDIT_ARCH_X86_64, "clock_nanosleep"),
       Fact(AUDIT_ARCH_I386, "rt_sigaction")},
      o);
  const auto rules = Allowing(e.profile);
  REQUIRE(rules.size() == 2);
  // sigreturn only where it exists: i386, seen here; not x86_64.
  CHECK(rules[1].names == std::vector<std::string>{"restart_syscall", "rt_sigreturn", "sigreturn"});
  CHECK(rules[1].comment.find("rt_sigreturn with rt_sigaction") != std::string::npos);
  CHECK(e.implied_names == 3);
  // Learned outright: nothing implied twice.
  SeccompExport seen = BuildMinimalSeccomp(
      {Fact(AUDIT_ARCH_X86_64, "rt_sigaction"), Fact(AUDIT_ARCH_X86_64, "rt_sigreturn")}, o);
  CHECK(Allowing(seen.profile).size() == 1);
  CHECK(seen.implied_names == 0);
}

TEST_CASE("calls newer than libc's oldest kernel that nobody allowed answer ENOSYS",
          "[unit][emitter]") {
  SeccompExportOptions o;
  o.app = "new";
  o.native_arch = AUDIT_ARCH_X86_64;
  SeccompExport e = BuildMinimalSeccomp(
      {Fact(AUDIT_ARCH_X86_64, "read"), Fact(AUDIT_ARCH_X86_64, "statx"),
       SyscallFact{AUDIT_ARCH_X86_64, 458, 1, 1}},  // listmount: newer than libseccomp 2.5.4
      o);
  const SeccompRule& newer = e.profile.syscalls.back();
  REQUIRE(IsNewerCallsRule(newer));
  CHECK(newer.action == SeccompAction::kErrno);
  CHECK(newer.errno_ret == 38u);
  const std::set<std::string> names(newer.names.begin(), newer.names.end());
  CHECK(names.count("clone3") == 1);            // 5.3
  CHECK(names.count("faccessat2") == 1);        // 5.8
  CHECK(names.count("statmount") == 1);         // 6.8, unknown to libseccomp 2.5.4
  CHECK(names.count("statx") == 0);             // allowed
  CHECK(names.count("listmount") == 0);         // allowed
  CHECK(names.count("openat") == 0);            // 2.6.16: older than 3.2, EPERM by default
  CHECK(names.count("getrandom") == 1);         // 3.17
  CHECK(names.count("process_vm_readv") == 0);  // 3.2 itself
  CHECK(names.count("uretprobe") == 0);         // the kernel never asks seccomp about it
  CHECK(e.profile.syscalls[0].names == std::vector<std::string>{"listmount", "read", "statx"});
  // Only listmount is beyond the libseccomp here (Debian 12: 2.5.4).
  if (!LibseccompKnows(AUDIT_ARCH_X86_64, "listmount"))
    CHECK(e.beyond_libseccomp == std::vector<std::string>{"listmount"});
  // Made again, not duplicated.
  SeccompProfile again = e.profile;
  SetNewerCallsRule(again);
  CHECK(again == e.profile);
}

}  // namespace seclearn
