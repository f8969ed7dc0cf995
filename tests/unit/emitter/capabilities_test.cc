// Capability names and sets, docker flags, OCI JSON, evidence lines; and docker-flags.
#include <linux/capability.h>
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "seclearn/core/json.h"
#include "seclearn/emitter/capabilities.h"
#include "seclearn/emitter/docker_flags.h"

namespace seclearn {

TEST_CASE("capability names: with or without CAP_, any case, the kernel numbers",
          "[unit][emitter]") {
  CHECK(CapabilityNumber("CAP_CHOWN") == CAP_CHOWN);
  CHECK(CapabilityNumber("chown") == CAP_CHOWN);
  CHECK(CapabilityNumber(" Net_Bind_Service ") == CAP_NET_BIND_SERVICE);
  CHECK(CapabilityNumber("cap_checkpoint_restore") == CAP_CHECKPOINT_RESTORE);
  CHECK(CapabilityNumber("CAP_SYS_RESOURCE") == CAP_SYS_RESOURCE);
  CHECK_FALSE(CapabilityNumber("CAP_").has_value());
  CHECK_FALSE(CapabilityNumber("root").has_value());
  CHECK(CapabilityName(CAP_DAC_OVERRIDE) == "CAP_DAC_OVERRIDE");
  CHECK(CapabilityName(63) == "CAP_63");
  CHECK(LastKnownCapability() == CAP_LAST_CAP);
  for (int c = 0; c <= LastKnownCapability(); ++c)
    CHECK(CapabilityNumber(CapabilityName(c)) == c);
}

TEST_CASE("a capability's stored name reads back as its number, nothing else does",
          "[unit][emitter]") {
  for (int n = 0; n <= 63; ++n) {
    INFO(n);
    CHECK(CapabilityFromName(CapabilityName(n)) == n);
  }
  for (const char* bad : {"CAP_FLY", "CAP_64", "CAP_07", "CAP_", "cap_chown", "CHOWN", ""})
    CHECK_FALSE(CapabilityFromName(bad));
}

TEST_CASE("capability lists", "[unit][emitter]") {
  CHECK(ParseCapabilityList("").value() == 0);
  CHECK(ParseCapabilityList("none").value() == 0);
  CHECK(ParseCapabilityList("NONE").value() == 0);
  CHECK(ParseCapabilityList("NET_BIND_SERVICE,CHOWN").value() ==
        (CapabilityBit(CAP_NET_BIND_SERVICE) | CapabilityBit(CAP_CHOWN)));
  CHECK(ParseCapabilityList("cap_chown, dac_override").value() ==
        (CapabilityBit(CAP_CHOWN) | CapabilityBit(CAP_DAC_OVERRIDE)));
  auto bad = ParseCapabilityList("CHOWN,bogus\n");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().Message().find("'bogus'") != std::string::npos);
  CHECK_FALSE(ParseCapabilityList("CHOWN,,KILL").has_value());
}

TEST_CASE("learned set as docker flags, OCI JSON and evidence", "[unit][emitter]") {
  const std::vector<CapabilityFact> facts = {
      {CAP_NET_BIND_SERVICE, true, "bind", "bind 0.0.0.0:80", 3, 1},
      {CAP_CHOWN, true, "fchownat", "chown /tmp/f to 1000:1000", 1, 1},
      {CAP_SYS_ADMIN, false, "mount", "mount /mnt", 1, 1},
      {45, true, "x", "", 1, 1},
  };
  std::vector<std::string> unknown;
  const CapabilitySet set = ExercisedCapabilities(facts, &unknown);
  CHECK(set == (CapabilityBit(CAP_NET_BIND_SERVICE) | CapabilityBit(CAP_CHOWN)));
  CHECK(unknown == std::vector<std::string>{"CAP_45"});  // a newer kernel's
  CHECK(DockerCapabilityFlags(set) == std::vector<std::string>{"--cap-drop=ALL",
                                                               "--cap-add=CAP_CHOWN",
                                                               "--cap-add=CAP_NET_BIND_SERVICE"});
  CHECK(DockerCapabilityFlags(0) == std::vector<std::string>{"--cap-drop=ALL"});
  CHECK(WriteJson(OciCapabilities(set, false), 0) ==
        R"({"bounding":["CAP_CHOWN","CAP_NET_BIND_SERVICE"],)"
        R"("effective":["CAP_CHOWN","CAP_NET_BIND_SERVICE"],)"
        R"("permitted":["CAP_CHOWN","CAP_NET_BIND_SERVICE"],"inheritable":[],"ambient":[]})");
  const Json ambient = OciCapabilities(set, true);
  CHECK(ambient.Find("ambient")->AsArray().size() == 2);
  CHECK(ambient.Find("inheritable")->AsArray().size() == 2);
  CHECK(FormatCapabilityEvidence(facts[0]) == "CAP_NET_BIND_SERVICE   bind 0.0.0.0:80 (bind, 3x)");
  CHECK(FormatCapabilityEvidence(facts[2]).find("wanted, refused") != std::string::npos);
  CapabilityFact hostile{CAP_CHOWN, true, "chown", "chown /tmp/a\nb", 1, 1};
  CHECK(FormatCapabilityEvidence(hostile).find('\n') == std::string::npos);
}

TEST_CASE("docker flags: limits are the runs' peaks with headroom, and their floors",
          "[unit][emitter]") {
  DockerFlagsInput in;
  in.seccomp_path = "p.json";
  in.resources = {{1, "rusage", 100ull << 20, 9, 300, 2'000'000'000, 4'000'000'000},
                  {2, "rusage", 10ull << 20, 2, 3, 1'000'000'000, 1'000'000'000}};
  DockerFlags f = BuildDockerFlags(in);
  auto has = [&](const std::string& o) {
    return std::find(f.options.begin(), f.options.end(), o) != f.options.end();
  };
  CHECK(has("--memory 201m"));           // 2 x 100 MiB, rounded up
  CHECK(has("--pids-limit 18"));         // 2 x 9 tasks
  CHECK(has("--ulimit nofile=602:602"));  // 2 x (fd 300 + 1)
  CHECK(has("--cpus 2.0"));              // run 2: 1 CPU busy on average, x 2
  in.resources = {{1, "rusage", 1 << 20, 1, 2, 1'000'000, 1'000'000'000}};
  f = BuildDockerFlags(in);
  CHECK(has("--memory 16m"));
  CHECK(has("--pids-limit 16"));
  CHECK(has("--ulimit nofile=64:64"));
  CHECK(has("--cpus 0.5"));
  in.resources = {{1, "rusage", 0, 0, -1, 0, 0}};  // nothing measured: no limit
  f = BuildDockerFlags(in);
  for (const auto& o : f.options) CHECK(o.find("--memory") == std::string::npos);
  in.resources.clear();
  f = BuildDockerFlags(in);
  CHECK(std::find_if(f.reasons.begin(), f.reasons.end(), [](const std::string& r) {
          return r.starts_with("no resource limits");
        }) != f.reasons.end());
}

TEST_CASE("docker flags: a root-owned file only written keeps root, and says what would do",
          "[unit][emitter]") {
  DockerFlagsInput in;
  in.seccomp_path = "p.json";
  in.files = {{"/usr/lib/app.so", kAccessRead, 1, "openat"},
              {"/var/lib/web/state", kAccessRead | kAccessWrite, 1, "openat"},
              {"/tmp/scratch", kAccessCreate | kAccessWrite, 1, "openat"}};
  in.needs_root = [](const FileAccessRecord& r) -> std::optional<std::string> {
    if (r.path == "/var/lib/web/state" && (r.access & kAccessWrite))
      return std::string("write /var/lib/web/state (mode 644, owner uid 0) is not open");
    if (r.path == "/tmp/scratch") return std::string("root-owned /tmp/scratch");
    return std::nullopt;
  };
  DockerFlags f = BuildDockerFlags(in);
  CHECK(std::find(f.options.begin(), f.options.end(), "--user 65534:65534") == f.options.end());
  CHECK(std::find_if(f.reasons.begin(), f.reasons.end(), [](const std::string& r) {
          return r.starts_with("no --user: write /var/lib/web/state") &&
                 r.find("give it /var/lib/web/state (chown -R 65534:65534") != std::string::npos;
        }) != f.reasons.end());
  // Written only beneath a --tmpfs: the tmpfs is fresh, the user is proposed.
  in.files.erase(in.files.begin() + 1);
  f = BuildDockerFlags(in);
  CHECK(std::find(f.options.begin(), f.options.end(), "--user 65534:65534") != f.options.end());
  CHECK(std::find(f.options.begin(), f.options.end(), "--tmpfs /tmp") != f.options.end());
}

TEST_CASE("docker flags: each hardening option where the facts allow it", "[unit][emitter]") {
  DockerFlagsInput in;
  in.seccomp_path = "out/web.seccomp.json";
  in.apparmor_profile = "web";
  in.executables = 2;
  in.files = {{"/etc/hosts", kAccessRead, 1, "openat"},
              {"/tmp/tmp.AbC123xyZ9", kAccessCreate | kAccessWrite, 1, "openat"},
              {"/run/web.pid", kAccessCreate | kAccessWrite, 1, "openat"},
              {"/dev/null", kAccessWrite, 1, "openat"},
              {"/proc/self/oom_score_adj", kAccessWrite, 1, "openat"}};
  DockerFlags f = BuildDockerFlags(in);
  CHECK(f.options == std::vector<std::string>{"--security-opt seccomp=out/web.seccomp.json",
                                              "--security-opt apparmor=web", "--cap-drop=ALL",
                                              "--security-opt no-new-privileges", "--read-only",
                                              "--tmpfs /tmp", "--tmpfs /run", "--user 65534:65534",
                                              "--network none"});
  CHECK(f.reasons.size() == 9);

  // A write elsewhere, a capability, a setuid binary, an inet socket: none of those options.
  in.files.push_back({"/var/lib/web/state", kAccessWrite, 1, "openat"});
  in.capabilities = CapabilityBit(CAP_NET_BIND_SERVICE);
  in.privileged_executables = {"/usr/bin/ping has file capabilities on this host"};
  NetworkFact n;
  n.op = NetOp::kBind;
  n.family = AF_INET;
  n.type = SOCK_STREAM;
  n.address = "0.0.0.0";
  n.port = 80;
  in.network = {n};
  f = BuildDockerFlags(in);
  CHECK(f.options == std::vector<std::string>{"--security-opt seccomp=out/web.seccomp.json",
                                              "--security-opt apparmor=web", "--cap-drop=ALL",
                                              "--cap-add=CAP_NET_BIND_SERVICE"});
  std::string all;
  for (const auto& r : f.reasons) all += r + "\n";
  CHECK(all.find("/var/lib/web/state") != std::string::npos);
  CHECK(all.find("/usr/bin/ping") != std::string::npos);
  CHECK(all.find("CAP_NET_BIND_SERVICE") != std::string::npos);
  CHECK(all.find("bind 0.0.0.0:80") != std::string::npos);

  // Root needed by a file's mode (host check injected).
  DockerFlagsInput root;
  root.seccomp_path = "p";
  root.apparmor_profile = "a";
  root.files = {{"/etc/shadow", kAccessRead, 1, "openat"}};
  root.needs_root = [](const FileAccessRecord& r) -> std::optional<std::string> {
    if (r.path == "/etc/shadow") return "r /etc/shadow is not open to other users";
    return std::nullopt;
  };
  f = BuildDockerFlags(root);
  CHECK(std::find(f.options.begin(), f.options.end(), "--user 65534:65534") == f.options.end());
  CHECK(std::find(f.options.begin(), f.options.end(), "--read-only") != f.options.end());

  // Where AppArmor is not enabled the profile is not named (Podman refuses it); the reason says
  // why and how to add it.
  root.apparmor = false;
  root.apparmor_absent = "AppArmor is not enabled in this kernel";
  f = BuildDockerFlags(root);
  for (const auto& o : f.options) CHECK(o.find("apparmor") == std::string::npos);
  CHECK(f.reasons[1] ==
        "no --security-opt apparmor=a: AppArmor is not enabled in this kernel (where AppArmor "
        "runs, load the profile with apparmor_parser -r FILE and add it, or pass "
        "--apparmor-profile)");
}

}  // namespace seclearn
