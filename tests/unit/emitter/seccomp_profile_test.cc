#include <cerrno>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "seclearn/emitter/seccomp_apply.h"
#include "seclearn/emitter/seccomp_profile.h"

namespace seclearn {
namespace {

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

SeccompRule Rule(std::vector<std::string> names, std::string action,
                 std::optional<uint32_t> errno_ret = std::nullopt,
                 std::vector<SeccompArg> args = {}, std::string comment = "") {
  SeccompRule r;
  r.names = std::move(names);
  r.action = std::move(action);
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

TEST_CASE("seccomp profile parses Docker's format", "[unit][emitter]") {
  auto p = ParseSeccompProfile(kDockerLike, "p.json");
  REQUIRE(p);
  CHECK(p->default_action == "SCMP_ACT_ERRNO");
  CHECK(p->default_errno_ret == 1u);
  CHECK(p->architectures.empty());
  REQUIRE(p->arch_map.size() == 2);
  CHECK(p->arch_map[0].architecture == "SCMP_ARCH_X86_64");
  CHECK(p->arch_map[0].sub_architectures ==
        std::vector<std::string>{"SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  REQUIRE(p->syscalls.size() == 6);
  CHECK(p->syscalls[0].names.size() == 12);
  CHECK(p->syscalls[0].action == "SCMP_ACT_ALLOW");
  CHECK_FALSE(p->syscalls[0].errno_ret);
  REQUIRE(p->syscalls[2].args.size() == 1);
  CHECK(p->syscalls[2].args[0] == SeccompArg{0, 4294967295u, 0, "SCMP_CMP_EQ"});
  CHECK(p->syscalls[3].args[0].op == "SCMP_CMP_MASKED_EQ");
  CHECK(p->syscalls[5].names == std::vector<std::string>{"ptrace"});  // legacy "name"
  CHECK(p->syscalls[5].errno_ret == 38u);
  CHECK(p->syscalls[5].comment == "legacy single name");
}

TEST_CASE("seccomp profile accepts the OCI runtime-spec form and nulls", "[unit][emitter]") {
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
  CHECK(p->default_action == "SCMP_ACT_KILL_PROCESS");
  CHECK(p->architectures == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
  CHECK(p->flags == std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
  CHECK(p->listener_path == "/run/seccomp.sock");
  CHECK(p->listener_metadata == "meta");
  CHECK(p->arch_map.empty());
  CHECK(p->syscalls[0].args.empty());
  CHECK(p->syscalls[1].args[0] == SeccompArg{5, 18446744073709551615u, 1, "SCMP_CMP_GE"});
  // A minimal profile.
  auto minimal = ParseSeccompProfile(R"({"defaultAction":"SCMP_ACT_ALLOW"})", "m.json");
  REQUIRE(minimal);
  CHECK(minimal->syscalls.empty());
}

TEST_CASE("seccomp profile errors name line:col and the key", "[unit][emitter]") {
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

TEST_CASE("seccomp profile validates args", "[unit][emitter]") {
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

TEST_CASE("seccomp profile JSON syntax errors keep their position", "[unit][emitter]") {
  CHECK(ErrorOf("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n  \"syscalls\": []\n}") ==
        "p.json:3:3: expected ',' or '}' after object member");
}

TEST_CASE("seccomp profile writes Docker's key order and round trips", "[unit][emitter]") {
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
  q.default_action = "SCMP_ACT_ERRNO";
  q.default_errno_ret = 38;
  q.architectures = {"SCMP_ARCH_X86_64"};
  q.listener_path = "/run/l.sock";
  q.flags = {"SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
  q.syscalls.push_back(Rule({"getppid", "read"}, "SCMP_ACT_ALLOW"));
  q.syscalls.push_back(Rule({"personality"}, "SCMP_ACT_ERRNO", 1,
                            {{0, 0xffffffff, 0, "SCMP_CMP_EQ"}}, "why \"x\"\n"));
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

TEST_CASE("seccomp filter builds from a Docker-like profile", "[unit][emitter]") {
  auto p = ParseSeccompProfile(kDockerLike, "p.json");
  REQUIRE(p);
  std::vector<std::string> warnings;
  auto filter = BuildSeccompFilter(*p, /*strict=*/false, &warnings);
  REQUIRE(filter);
  CHECK(filter->get() != nullptr);
#if defined(__x86_64__)
  // sync_file_range2 exists on ppc/arm only: the one name unknown on x86_64, x86 and x32.
  CHECK(warnings == std::vector<std::string>{"unknown syscall name 'sync_file_range2' skipped"});
#endif
  // A null warnings pointer is fine.
  CHECK(BuildSeccompFilter(*p, false, nullptr).has_value());
}

TEST_CASE("seccomp filter warns on unknown names, or fails with strict", "[unit][emitter]") {
  SeccompProfile p;
  p.default_action = "SCMP_ACT_ALLOW";
  p.architectures = {"SCMP_ARCH_NOSUCH"};
  p.flags = {"SECCOMP_FILTER_FLAG_NOSUCH"};
  p.syscalls.push_back(Rule({"getppid", "no_such_call", "no_such_call"}, "SCMP_ACT_ERRNO", 1));
  p.syscalls.push_back(Rule({"no_such_call"}, "SCMP_ACT_KILL"));
  p.syscalls.push_back(Rule({"read"}, "SCMP_ACT_ALLOW"));  // same as default: skipped
  std::vector<std::string> warnings;
  auto filter = BuildSeccompFilter(p, false, &warnings);
  REQUIRE(filter);
  CHECK(warnings == std::vector<std::string>{
                        "unknown architecture 'SCMP_ARCH_NOSUCH' skipped",
                        "seccomp flag 'SECCOMP_FILTER_FLAG_NOSUCH' is not supported and was "
                        "ignored",
                        "unknown syscall name 'no_such_call' skipped"});

  warnings.clear();
  auto strict = BuildSeccompFilter(p, true, &warnings);
  REQUIRE_FALSE(strict);
  CHECK(strict.error().domain == ErrorDomain::kUsage);
  CHECK(strict.error().context.find("unknown syscall name 'no_such_call'") != std::string::npos);
}

TEST_CASE("seccomp filter maps actions and rejects bad ones", "[unit][emitter]") {
  CHECK(ScmpActionValue("SCMP_ACT_ALLOW", std::nullopt).has_value());
  CHECK(*ScmpActionValue("SCMP_ACT_ERRNO", std::nullopt) ==
        *ScmpActionValue("SCMP_ACT_ERRNO", static_cast<uint32_t>(EPERM)));
  CHECK(*ScmpActionValue("SCMP_ACT_ERRNO", 1u) != *ScmpActionValue("SCMP_ACT_ERRNO", 2u));
  CHECK_FALSE(ScmpActionValue("SCMP_ACT_ERRNO", 70000u));
  CHECK_FALSE(ScmpActionValue("SCMP_ACT_FOO", std::nullopt));
  for (auto action : KnownSeccompActions()) {
    CHECK(ScmpActionValue(action, std::nullopt).has_value());
  }

  SeccompProfile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno_ret = 1;
  // Same action and errno as the default: skipped (libseccomp would reject it).
  p.syscalls.push_back(Rule({"getppid"}, "SCMP_ACT_ERRNO", 1));
  // Two conditions on one argument become two rules, as in runc.
  p.syscalls.push_back(Rule({"personality"}, "SCMP_ACT_ALLOW", std::nullopt,
                            {{0, 0, 0, "SCMP_CMP_EQ"}, {0, 8, 0, "SCMP_CMP_EQ"}}));
  p.syscalls.push_back(
      Rule({"clone"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 0x7E020000, 0, "SCMP_CMP_MASKED_EQ"}}));
  std::vector<std::string> warnings;
  auto filter = BuildSeccompFilter(p, true, &warnings);
  REQUIRE(filter);
  CHECK(warnings.empty());

  // No listener is ever attached: say so.
  p.syscalls.push_back(Rule({"getppid"}, "SCMP_ACT_NOTIFY"));
  REQUIRE(BuildSeccompFilter(p, true, &warnings));
  CHECK(warnings == std::vector<std::string>{
                        "SCMP_ACT_NOTIFY has no listener here: matching syscalls will fail with "
                        "ENOSYS"});
}

}  // namespace seclearn
