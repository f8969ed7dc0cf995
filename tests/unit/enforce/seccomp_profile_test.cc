// The seccomp profile model (core/seccomp_profile.h) and the filter enforce/ builds from it.
#include <linux/audit.h>

#include <cerrno>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "seclearn/core/arch.h"
#include "seclearn/enforce/seccomp_apply.h"
#include "seclearn/core/seccomp_profile.h"

namespace seclearn {
namespace {

// This machine, every capability held, a kernel newer than any minKernel: every rule without
// an architecture condition applies.
SeccompTarget Everything() { return {NativeAuditArch(), ~uint64_t{0}, {255, 255}}; }

// An excerpt in the shape of moby's profiles/seccomp/default.json.
constexpr const char* kDockerLike = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "archMap": [
    {
      "architecture": "SCMP_ARCH_X86_64",
      "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    },
    {
      "architecture": "SCMP_ARCH_AARCH64",
      "subArchitectures": ["SCMP_ARCH_ARM"]
    }
  ],
  "syscalls": [
    {
      "names": ["accept", "accept4", "access", "brk", "close", "execve", "exit_group",
                "getppid", "openat", "read", "socketcall", "write"],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "names": ["personality"],
      "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 0, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]
    },
    {
      "names": ["personality"],
      "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]
    },
    {
      "names": ["clone"],
      "action": "SCMP_ACT_ALLOW",
      "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
      "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}
    },
    {
      "names": ["sync_file_range2"],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["ppc64le"]}
    },
    {
      "name": "ptrace",
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 38,
      "comment": "legacy single name"
    }
  ],
  "someFutureKey": {"anything": [1, 2, 3]}
})";

SeccompRule Rule(std::vector<std::string> names, SeccompAction action,
                 std::optional<uint32_t> errno_ret = std::nullopt,
                 std::vector<SeccompArg> args = {}, std::string comment = "") {
  SeccompRule r;
  r.names = std::move(names);
  r.action = action;
  r.errno_ret = errno_ret;
  r.args = std::move(args);
  r.comment = std::move(comment);
  return r;
}

std::string ErrorOf(std::string_view text) {
  auto r = ParseSeccompProfile(text, "p.json");
  if (r) return "(parsed)";
  CHECK(r.error().domain == ErrorDomain::kParse);
  return r.error().context;
}

}  // namespace

TEST_CASE("seccomp profile parses Docker's format", "[unit][enforce]") {
  auto p = ParseSeccompProfile(kDockerLike, "p.json");
  REQUIRE(p);
  CHECK(p->default_action == SeccompAction::kErrno);
  CHECK(p->default_errno_ret == 1u);
  CHECK(p->architectures.empty());
  REQUIRE(p->arch_map.size() == 2);
  CHECK(p->arch_map[0].architecture == "SCMP_ARCH_X86_64");
  CHECK(p->arch_map[0].sub_architectures ==
        std::vector<std::string>{"SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  REQUIRE(p->syscalls.size() == 6);
  CHECK(p->syscalls[0].names.size() == 12);
  CHECK(p->syscalls[0].action == SeccompAction::kAllow);
  CHECK_FALSE(p->syscalls[0].errno_ret);
  REQUIRE(p->syscalls[2].args.size() == 1);
  CHECK(p->syscalls[2].args[0] == SeccompArg{0, 4294967295u, 0, SeccompOp::kEq});
  CHECK(p->syscalls[3].args[0].op == SeccompOp::kMaskedEq);
  CHECK(p->syscalls[5].names == std::vector<std::string>{"ptrace"});  // legacy "name"
  CHECK(p->syscalls[5].errno_ret == 38u);
  CHECK(p->syscalls[5].comment == "legacy single name");
}

TEST_CASE("seccomp profile accepts the OCI runtime-spec form and nulls", "[unit][enforce]") {
  auto p = ParseSeccompProfile(R"({
    "defaultAction": "SCMP_ACT_KILL_PROCESS",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "listenerPath": "/run/seccomp.sock",
    "listenerMetadata": "meta",
    "archMap": null,
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": null, "errnoRet": null,
       "comment": null},
      {"names": ["mkdir"], "action": "SCMP_ACT_TRACE", "errnoRet": 5,
       "args": [{"index": 5, "value": 18446744073709551615, "valueTwo": 1,
                 "op": "SCMP_CMP_GE"}]}
    ]
  })",
                               "oci.json");
  REQUIRE(p);
  CHECK(p->default_action == SeccompAction::kKillProcess);
  CHECK(p->architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
  CHECK(p->flags == std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
  CHECK(p->listener_path == "/run/seccomp.sock");
  CHECK(p->listener_metadata == "meta");
  CHECK(p->arch_map.empty());
  CHECK(p->syscalls[0].args.empty());
  CHECK(p->syscalls[1].args[0] == SeccompArg{5, 18446744073709551615u, 1, SeccompOp::kGe});
  // A minimal profile.
  auto minimal = ParseSeccompProfile(R"({"defaultAction":"SCMP_ACT_ALLOW"})", "m.json");
  REQUIRE(minimal);
  CHECK(minimal->syscalls.empty());
}

TEST_CASE("seccomp profile errors name line:col and the key", "[unit][enforce]") {
  CHECK(
      ErrorOf("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n    {\n"
              "      \"names\": \"read\",\n      \"action\": \"SCMP_ACT_ALLOW\"\n    }\n  ]\n}") ==
      "p.json:5:16: \"names\" must be an array of strings");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW",
   "syscalls": [{"names": ["read", 7], "action": "SCMP_ACT_ERRNO"}]})") ==
        "p.json:2:36: \"names\" must be an array of strings");
  CHECK(ErrorOf("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n"
                "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_FOO\"}]}") ==
        "p.json:4:35: unknown action \"SCMP_ACT_FOO\"");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_BAR"})") ==
        "p.json:1:19: unknown action \"SCMP_ACT_BAR\"");
  CHECK(ErrorOf(R"({"defaultAction": 1})") == "p.json:1:19: \"defaultAction\" must be a string");
  CHECK(ErrorOf(R"({"syscalls": []})") == "p.json:1:1: profile has no \"defaultAction\"");
  CHECK(ErrorOf(R"({"ociVersion": "1.0.2", "linux": {"seccomp": {}}})") ==
        "p.json:1:1: missing \"defaultAction\" (this looks like an OCI config.json; pass the "
        "linux.seccomp object)");
  CHECK(ErrorOf("[]") == "p.json:1:1: a seccomp profile must be an object, not array");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "defaultAction": "SCMP_ACT_KILL"})") ==
        "p.json:1:54: duplicate key \"defaultAction\"");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}})") ==
        "p.json:1:49: \"syscalls\" must be an array of objects");
  CHECK(
      ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_LOG"}]})") ==
      "p.json:1:50: syscall rule has no \"names\"");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": []}]})") ==
        "p.json:1:60: \"names\" must not be empty");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]}]})") ==
        "p.json:1:50: syscall rule has no \"action\"");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
    "name": "write", "action": "SCMP_ACT_LOG"}]})") ==
        "p.json:2:13: use either \"name\" or \"names\", not both");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
    "action": "SCMP_ACT_LOG", "errnoret": 1}]})") ==
        "p.json:2:43: unknown key \"errnoret\" in syscall rule");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
    "action": "SCMP_ACT_LOG", "errnoRet": 1}]})") ==
        "p.json:2:43: \"errnoRet\" is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})") ==
        "p.json:1:56: \"defaultErrnoRet\" must be an integer between 0 and 4294967295");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 4294967296})") ==
        "p.json:1:56: \"defaultErrnoRet\" must be an integer between 0 and 4294967295");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": "SCMP_ARCH_X86"})") ==
        "p.json:1:54: \"architectures\" must be an array of strings");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"subArchitectures": []}]})") ==
        "p.json:1:49: archMap entry has no \"architecture\"");
  CHECK(ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": [1]})") ==
        "p.json:1:47: \"flags\" must be an array of strings");
}

TEST_CASE("seccomp profile validates args", "[unit][enforce]") {
  const auto with_arg = [](std::string_view arg) {
    return ErrorOf(std::string(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [)") +
                   "\n{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\",\n\"args\": [" +
                   std::string(arg) + "]}]}");
  };
  CHECK(with_arg(R"({"index": 6, "value": 0, "op": "SCMP_CMP_EQ"})") ==
        "p.json:3:20: \"index\" must be an integer between 0 and 5");
  CHECK(with_arg(R"({"index": -1, "value": 0, "op": "SCMP_CMP_EQ"})") ==
        "p.json:3:20: \"index\" must be an integer between 0 and 5");
  CHECK(with_arg(R"({"value": 0, "op": "SCMP_CMP_EQ"})") ==
        "p.json:3:10: syscall argument has no \"index\"");
  CHECK(with_arg(R"({"index": 0, "value": 0, "op": "SCMP_CMP_FOO"})") ==
        "p.json:3:41: unknown op \"SCMP_CMP_FOO\"");
  CHECK(with_arg(R"({"index": 0, "value": 0})") == "p.json:3:10: syscall argument has no \"op\"");
  CHECK(with_arg(R"({"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"})") ==
        "p.json:3:32: \"value\" must be an unsigned 64-bit integer");
  CHECK(with_arg(R"({"index": 0, "valueTwo": "1", "op": "SCMP_CMP_EQ"})") ==
        "p.json:3:35: \"valueTwo\" must be an unsigned 64-bit integer");
  CHECK(with_arg(R"({"index": 0, "op": "SCMP_CMP_EQ", "mask": 1})") ==
        "p.json:3:52: unknown key \"mask\" in syscall argument");
  CHECK(with_arg("7") == "p.json:3:10: syscall argument must be an object, not number");
}

TEST_CASE("seccomp profile JSON syntax errors keep their position", "[unit][enforce]") {
  CHECK(ErrorOf("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n  \"syscalls\": []\n}") ==
        "p.json:3:3: expected ',' or '}' after object member");
}

TEST_CASE("seccomp profile writes Docker's key order and round trips", "[unit][enforce]") {
  auto p = ParseSeccompProfile(kDockerLike, "p.json");
  REQUIRE(p);
  const std::string out = WriteSeccompProfile(*p);
  auto back = ParseSeccompProfile(out, "out.json");
  REQUIRE(back);
  CHECK(*back == *p);
  CHECK(WriteSeccompProfile(*back) == out);
  CHECK(out.find("\"name\"") == std::string::npos);  // legacy form is written as names
  CHECK(out.find("someFutureKey") == std::string::npos);

  SeccompProfile q;
  q.default_action = SeccompAction::kErrno;
  q.default_errno_ret = 38;
  q.architectures = {"SCMP_ARCH_X86_64"};
  q.listener_path = "/run/l.sock";
  q.flags = {"SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
  q.syscalls.push_back(Rule({"getppid", "read"}, SeccompAction::kAllow));
  q.syscalls.push_back(Rule({"personality"}, SeccompAction::kErrno, 1,
                            {{0, 0xffffffff, 0, SeccompOp::kEq}}, "why \"x\"\n"));
  const std::string text = WriteSeccompProfile(q);
  CHECK(text ==
        R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "architectures": [
    "SCMP_ARCH_X86_64"
  ],
  "listenerPath": "/run/l.sock",
  "flags": [
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
  ],
  "syscalls": [
    {
      "names": [
        "getppid",
        "read"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "names": [
        "personality"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "args": [
        {
          "index": 0,
          "value": 4294967295,
          "valueTwo": 0,
          "op": "SCMP_CMP_EQ"
        }
      ],
      "comment": "why \"x\"\n"
    }
  ]
}
)");
  auto q2 = ParseSeccompProfile(text, "q.json");
  REQUIRE(q2);
  CHECK(*q2 == q);
}

TEST_CASE("seccomp filter builds from a Docker-like profile", "[unit][enforce]") {
  auto p = ParseSeccompProfile(kDockerLike, "p.json");
  REQUIRE(p);
  std::vector<std::string> warnings;
  auto filter = BuildSeccompFilter(*p, Everything(), /*strict=*/false, &warnings);
  REQUIRE(filter);
  CHECK(filter->get() != nullptr);
#if defined(__x86_64__)
  // sync_file_range2 (ppc/arm only) is in a rule for ppc64le alone: never looked up here.
  CHECK(warnings.empty());
#endif
  // A null warnings pointer is fine.
  CHECK(BuildSeccompFilter(*p, Everything(), false, nullptr).has_value());
}

TEST_CASE("seccomp filter warns on unknown names, or fails with strict", "[unit][enforce]") {
  SeccompProfile p;
  p.default_action = SeccompAction::kAllow;
  p.architectures = {"SCMP_ARCH_NOSUCH"};
  p.flags = {"SECCOMP_FILTER_FLAG_NOSUCH"};
  p.syscalls.push_back(Rule({"getppid", "no_such_call", "no_such_call"}, SeccompAction::kErrno, 1));
  p.syscalls.push_back(Rule({"no_such_call"}, SeccompAction::kKill));
  p.syscalls.push_back(Rule({"read"}, SeccompAction::kAllow));  // same as default: skipped
  std::vector<std::string> warnings;
  auto filter = BuildSeccompFilter(p, Everything(), false, &warnings);
  REQUIRE(filter);
  CHECK(warnings == std::vector<std::string>{
                        "unknown architecture 'SCMP_ARCH_NOSUCH' skipped",
                        "seccomp flag 'SECCOMP_FILTER_FLAG_NOSUCH' is not supported and was "
                        "ignored",
                        "unknown syscall name 'no_such_call' skipped"});

  warnings.clear();
  auto strict = BuildSeccompFilter(p, Everything(), true, &warnings);
  REQUIRE_FALSE(strict);
  CHECK(strict.error().domain == ErrorDomain::kUsage);
  CHECK(strict.error().context.find("unknown syscall name 'no_such_call'") != std::string::npos);
}

TEST_CASE("seccomp filter maps actions and rejects bad ones", "[unit][enforce]") {
  CHECK(ScmpActionValue(SeccompAction::kAllow, std::nullopt).has_value());
  CHECK(*ScmpActionValue(SeccompAction::kErrno, std::nullopt) ==
        *ScmpActionValue(SeccompAction::kErrno, static_cast<uint32_t>(EPERM)));
  CHECK(*ScmpActionValue(SeccompAction::kErrno, 1u) != *ScmpActionValue(SeccompAction::kErrno, 2u));
  CHECK_FALSE(ScmpActionValue(SeccompAction::kErrno, 70000u));
  CHECK_FALSE(SeccompActionFromName("SCMP_ACT_FOO"));
  for (std::string_view name : kSeccompActionNames) {
    INFO(name);
    REQUIRE(SeccompActionFromName(name));
    CHECK(SeccompActionName(*SeccompActionFromName(name)) == name);
    CHECK(ScmpActionValue(*SeccompActionFromName(name), std::nullopt).has_value());
  }
  for (std::string_view name : kSeccompOpNames) {
    REQUIRE(SeccompOpFromName(name));
    CHECK(SeccompOpName(*SeccompOpFromName(name)) == name);
  }

  SeccompProfile p;
  p.default_action = SeccompAction::kErrno;
  p.default_errno_ret = 1;
  // Same action and errno as the default: skipped (libseccomp would reject it).
  p.syscalls.push_back(Rule({"getppid"}, SeccompAction::kErrno, 1));
  // Two conditions on one argument become two rules, as in runc.
  p.syscalls.push_back(Rule({"personality"}, SeccompAction::kAllow, std::nullopt,
                            {{0, 0, 0, SeccompOp::kEq}, {0, 8, 0, SeccompOp::kEq}}));
  p.syscalls.push_back(
      Rule({"clone"}, SeccompAction::kAllow, std::nullopt, {{0, 0x7E020000, 0, SeccompOp::kMaskedEq}}));
  std::vector<std::string> warnings;
  auto filter = BuildSeccompFilter(p, Everything(), true, &warnings);
  REQUIRE(filter);
  CHECK(warnings.empty());

  // No listener is ever attached: say so.
  p.syscalls.push_back(Rule({"getppid"}, SeccompAction::kNotify));
  REQUIRE(BuildSeccompFilter(p, Everything(), true, &warnings));
  CHECK(warnings == std::vector<std::string>{
                        "SCMP_ACT_NOTIFY has no listener here: matching syscalls will fail with "
                        "ENOSYS"});
}

}  // namespace seclearn

namespace seclearn {
namespace {

// In the shape of containers-common's /usr/share/containers/seccomp.json and moby's
// default.json: errno names beside (or instead of) numbers, rules chosen by capability,
// architecture and kernel.
constexpr const char* kConditional = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrno": "ENOSYS",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "",
     "includes": {}, "excludes": {}},
    {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "EPERM",
     "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errno": "ENOSYS",
     "excludes": {"caps": ["CAP_SYS_ADMIN"], "minKernel": "5.3"}},
    {"names": ["landlock_create_ruleset"], "action": "SCMP_ACT_ALLOW",
     "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"], "minKernel": "5.13"}},
    {"names": ["kcmp"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_NO_SUCH_THING"]}}
  ]
})";

// The names each action covers after the rules for `target` are chosen.
std::map<std::string, std::set<std::string>> NamesByAction(const SeccompProfile& p,
                                                           const SeccompTarget& target) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& r : SelectSeccompRules(p, target).syscalls) {
    CHECK_FALSE(r.conditional());
    const std::string key = std::string(SeccompActionName(r.action)) + (r.errno_ret ? "/" + std::to_string(*r.errno_ret) : "");
    out[key].insert(r.names.begin(), r.names.end());
  }
  return out;
}

uint64_t Caps(std::initializer_list<int> caps) {
  uint64_t set = 0;
  for (int c : caps) set |= uint64_t{1} << c;
  return set;
}

}  // namespace

TEST_CASE("seccomp profile reads containers-common's and moby's fields", "[unit][enforce]") {
  auto p = ParseSeccompProfile(kConditional, "c.json");
  INFO((p ? "" : p.error().context));
  REQUIRE(p);
  CHECK(p->default_errno_ret == 38u);  // "defaultErrno": "ENOSYS"
  CHECK(p->syscalls[2].errno_ret == 1u);
  CHECK(p->syscalls[6].errno_ret == 38u);  // "errno" alone
  CHECK(p->syscalls[1].includes.caps == std::vector<std::string>{"CAP_SYS_ADMIN"});
  CHECK(p->syscalls[3].includes.arches == std::vector<std::string>{"amd64", "x32"});
  CHECK(p->syscalls[6].excludes.min_kernel == KernelVersion{5, 3});
  CHECK_FALSE(p->syscalls[0].conditional());
  CHECK(p->syscalls[5].conditional());

  // Written back, includes and excludes survive and read the same.
  const std::string out = WriteSeccompProfile(*p);
  CHECK(out.find("\"minKernel\": \"5.13\"") != std::string::npos);
  auto back = ParseSeccompProfile(out, "out.json");
  REQUIRE(back);
  CHECK(*back == *p);

  const auto rule = [](std::string_view members) {
    return ErrorOf(
        std::string(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["bpf"], )") +
        std::string(members) + "}]}");
  };
  CHECK(rule(R"("action": "SCMP_ACT_ERRNO", "errno": "ENOPE")") ==
        "p.json:1:106: \"errno\": unknown errno name \"ENOPE\"");
  CHECK(rule(R"("action": "SCMP_ACT_ERRNO", "errnoRet": 2, "errno": "EPERM")") ==
        "p.json:1:121: \"errno\" EPERM is 1, but \"errnoRet\" is 2");
  CHECK(rule(R"("action": "SCMP_ACT_ALLOW", "errno": "EPERM")") ==
        "p.json:1:106: \"errno\" is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  CHECK(rule(R"("action": "SCMP_ACT_ALLOW", "includes": {"cap": []})") ==
        "p.json:1:117: unknown key \"cap\" in \"includes\"");
  CHECK(rule(R"("action": "SCMP_ACT_ALLOW", "excludes": [])") ==
        "p.json:1:109: \"excludes\" must be an object, not array");
  CHECK(rule(R"("action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5"})") ==
        "p.json:1:123: \"minKernel\" must be a kernel version \"MAJOR.MINOR\", such as \"4.8\"");
  CHECK(rule(R"("action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "0.0"})") ==
        "p.json:1:123: \"minKernel\" must be a kernel version \"MAJOR.MINOR\", such as \"4.8\"");
  CHECK(rule(R"("action": "SCMP_ACT_ALLOW", "includes": {"minKernel": 5.4})") ==
        "p.json:1:123: \"minKernel\" must be a string");
  CHECK(rule(R"("action": "SCMP_ACT_ALLOW", "includes": {"caps": "CAP_SYS_ADMIN"})") ==
        "p.json:1:118: \"caps\" must be an array of strings");
  const std::string both =
      R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "defaultErrno": "ENOSYS"})";
  CHECK(ErrorOf(both) ==
        "p.json:1:75: \"defaultErrno\" ENOSYS is 38, but \"defaultErrnoRet\" is 1");
}

TEST_CASE("seccomp includes and excludes choose rules as moby and podman do", "[unit][enforce]") {
  auto p = ParseSeccompProfile(kConditional, "c.json");
  REQUIRE(p);
  const KernelVersion k6{6, 1};
  constexpr int kSysAdmin = 21, kNetAdmin = 12;
  using Names = std::set<std::string>;

  // x86_64 without CAP_SYS_ADMIN on 6.1: bpf is EPERM, clone allowed, clone3's ENOSYS rule
  // excluded (from kernel 5.3 on: either exclusion suffices).
  auto none = NamesByAction(*p, {AUDIT_ARCH_X86_64, 0, k6});
  CHECK(none["SCMP_ACT_ALLOW"] == Names{"arch_prctl", "clone", "read", "write"});
  CHECK(none["SCMP_ACT_ERRNO/1"] == Names{"bpf"});
  CHECK(none.count("SCMP_ACT_ERRNO/38") == 0);  // clone3's rule: excluded from kernel 5.3 on

  // An older kernel keeps clone3's ENOSYS rule.
  auto old_kernel = NamesByAction(*p, {AUDIT_ARCH_X86_64, 0, {5, 2}});
  CHECK(old_kernel["SCMP_ACT_ERRNO/38"] == Names{"clone3"});

  // With CAP_SYS_ADMIN: bpf allowed, clone's rule excluded (moby allows clone with flags then
  // elsewhere); landlock needs CAP_NET_ADMIN too and a 5.13 kernel.
  auto admin = NamesByAction(*p, {AUDIT_ARCH_X86_64, Caps({kSysAdmin}), k6});
  CHECK(admin["SCMP_ACT_ALLOW"] == Names{"arch_prctl", "bpf", "read", "write"});
  CHECK(admin.count("SCMP_ACT_ERRNO/1") == 0);
  auto both = NamesByAction(*p, {AUDIT_ARCH_X86_64, Caps({kSysAdmin, kNetAdmin}), k6});
  CHECK(both["SCMP_ACT_ALLOW"].count("landlock_create_ruleset") == 1);
  auto both_old = NamesByAction(*p, {AUDIT_ARCH_X86_64, Caps({kSysAdmin, kNetAdmin}), {5, 12}});
  CHECK(both_old["SCMP_ACT_ALLOW"].count("landlock_create_ruleset") == 0);
  // A capability this build does not know is never held.
  CHECK(both["SCMP_ACT_ALLOW"].count("kcmp") == 0);

  // Architectures by Go's names: arch_prctl on amd64 only, sync_file_range2 on ppc64le, clone
  // not on s390x.
  auto ppc = NamesByAction(*p, {AUDIT_ARCH_PPC64LE, 0, k6});
  CHECK(ppc["SCMP_ACT_ALLOW"] == Names{"clone", "read", "sync_file_range2", "write"});
  auto s390x = NamesByAction(*p, {AUDIT_ARCH_S390X, 0, k6});
  CHECK(s390x["SCMP_ACT_ALLOW"] == Names{"read", "write"});
  auto arm64 = NamesByAction(*p, {AUDIT_ARCH_AARCH64, 0, k6});
  CHECK(arm64["SCMP_ACT_ALLOW"] == Names{"clone", "read", "write"});

  // And the filter: on this machine without CAP_SYS_ADMIN, bpf's ALLOW and ERRNO rules never
  // meet (libseccomp would refuse two actions for one call).
  std::vector<std::string> warnings;
  CHECK(BuildSeccompFilter(*p, {NativeAuditArch(), 0, k6}, false, &warnings));

  CHECK(ParseKernelRelease("6.18.44-fc-v669") == KernelVersion{6, 18});
  CHECK(ParseKernelRelease("5.10") == KernelVersion{5, 10});
  CHECK_FALSE(ParseKernelRelease("6"));
  CHECK_FALSE(ParseKernelRelease("x.1"));
}

TEST_CASE("seccomp filter adds each name, action and condition once", "[unit][enforce]") {
  // A generated profile: 8,000 rules naming the same few calls, outright and with one
  // argument condition; before, each repetition was a libseccomp rule add (68 s in run).
  SeccompProfile p;
  p.default_action = SeccompAction::kErrno;
  const std::vector<std::string> names = {"read", "write", "close", "getppid"};
  for (int i = 0; i < 4000; ++i) {
    p.syscalls.push_back(
        Rule({names[i % names.size()], names[(i + 1) % names.size()]}, SeccompAction::kAllow));
    p.syscalls.push_back(Rule({"personality"}, SeccompAction::kAllow, std::nullopt,
                              {{0, static_cast<uint64_t>(i % 2), 0, SeccompOp::kEq}}));
  }
  SeccompBuildStats stats;
  auto filter = BuildSeccompFilter(p, Everything(), true, nullptr, &stats);
  REQUIRE(filter);
  // One rule per name (4), and personality's two distinct conditions: on the native
  // architecture only (the profile lists no other).
  CHECK(stats.rules_added == 6);

  // With a compat architecture the same again in its filter.
  p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
  SeccompBuildStats compat;
  REQUIRE(BuildSeccompFilter(p, Everything(), true, nullptr, &compat));
#if defined(__x86_64__)
  CHECK(compat.rules_added == 12);
#endif
}

}  // namespace seclearn

namespace seclearn {

TEST_CASE("seccomp profile carries the runtime's rule through JSON", "[unit][enforce]") {
  SeccompProfile p;
  p.default_action = SeccompAction::kErrno;
  SeccompRule workload, runtime;
  workload.names = {"read"};
  workload.action = SeccompAction::kAllow;
  workload.comment = "learned";
  runtime.names = {"capset"};
  runtime.action = SeccompAction::kAllow;
  runtime.comment = "runc 1.1";
  runtime.runtime = true;
  p.syscalls = {workload, runtime};
  auto back = ParseSeccompProfile(WriteSeccompProfile(p), "p.json");
  REQUIRE(back.has_value());
  REQUIRE(back->syscalls.size() == 2);
  CHECK_FALSE(back->syscalls[0].runtime);
  CHECK(back->syscalls[1].runtime);
  CHECK(back->syscalls[1].comment == "runc 1.1; made by the runtime");
  // Written again, the comment is kept as it is.
  CHECK(WriteSeccompProfile(*back) == WriteSeccompProfile(p));
}

}  // namespace seclearn
