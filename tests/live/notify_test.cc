// Live tests of the notify pieces the OCI agent is made of, with real listeners: a "runtime"
// child installs a SECCOMP_FILTER_FLAG_NEW_LISTENER filter, hands the fd to the agent's socket
// with a state message (as runc does) and execs the testee workload.
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/core/child_process.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/json.h"
#include "seclearn/emitter/seccomp_mode.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/oci_agent.h"
#include "support/skip.h"
#include "support/temp_dir.h"
#include "trace_helpers.h"

extern char** environ;

namespace seclearn {
namespace {


// A fake OCI runtime: connects to `socket`, installs a notify-everything filter (but sendmsg
// and close, which it needs to hand the fd over), sends `message` (with "%PID%" replaced by
// its pid) and the listener, then execs argv. fd_kind "pipe" sends a pipe instead.
// With `notify_only` (a syscall number), only that call is notified, as under a watch-mode
// profile that lacks it.
ChildProcess FakeRuntime(const std::string& socket, std::string message,
                         const std::vector<std::string>& argv, bool send_pipe = false,
                         int notify_only = -1) {
  CArgv cargv(argv);
  const uint32_t arch = NativeAuditArch();
  std::vector<sock_filter> f = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 1, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
  };
  if (notify_only >= 0) {
    f = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(notify_only), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
  }
  sock_fprog prog = {static_cast<unsigned short>(f.size()), f.data()};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Not the agent's listening socket: if this test died, a listener queued in it would keep
    // this child waiting for an answer forever.
    ::syscall(SYS_close_range, 3, ~0u, 0);
    const std::string me = std::to_string(::getpid());
    for (size_t at; (at = message.find("%PID%")) != std::string::npos;) message.replace(at, 5, me);
    const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(120);
    int fd = -1;
    if (send_pipe) {
      int p[2];
      if (::pipe(p) != 0) ::_exit(121);
      fd = p[0];
    }
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    const int listener = static_cast<int>(
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
    if (listener < 0) ::_exit(122);
    if (!send_pipe) fd = listener;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    iovec iov = {message.data(), message.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    if (::sendmsg(s, &msg, 0) < 0) ::_exit(123);
    ::close(listener);
    ::close(s);
    ::execve(cargv.data()[0], cargv.data(), environ);
    ::_exit(124);
  }
  return ChildProcess(pid);
}

std::string State(const std::string& id, const std::string& app) {
  return R"({"ociVersion":"1.0.2","fds":["seccompFd"],"pid":%PID%,"metadata":"seclearn runtime=runc unnotified=rt_sigreturn,write","state":{"ociVersion":"1.0.2","id":")" +
         id +
         R"(","status":"creating","pid":%PID%,"bundle":"/nonexistent","annotations":{"seclearn.app":")" +
         app + R"("}}})";
}

struct Observer : ContainerObserver {
  std::map<std::string, std::unique_ptr<Recording>> recs;
  std::map<std::string, ContainerStart> starts;
  std::map<std::string, ContainerEnd> ends;
  std::vector<std::string> log;
  size_t ended = 0;
  EventSink* OnContainerStart(const ContainerStart& start) override {
    starts[start.state.id] = start;
    auto& r = recs[start.state.id];
    r = std::make_unique<Recording>();
    return r.get();
  }
  void OnContainerEnd(EventSink*, const ContainerStart& start, const ContainerEnd& end) override {
    ends[start.state.id] = end;
    ++ended;
  }
  void Log(std::string_view line) override { log.emplace_back(line); }
  bool Logged(std::string_view part) const {
    for (const auto& l : log)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
};

// Serves until `containers` ended and every child exited (or 30 s).
void ServeUntil(OciAgent& agent, Observer& obs, size_t containers,
                std::vector<ChildProcess>& children, std::vector<int>* statuses) {
  statuses->assign(children.size(), -1);
  const int64_t deadline = RealtimeNs() + 30'000'000'000;
  ServeOptions o;
  o.tick_ms = 20;
  o.handle_signals = false;
  o.keep_going = [&] {
    bool all_exited = true;
    for (size_t i = 0; i < children.size(); ++i) {
      if ((*statuses)[i] >= 0) continue;
      int st = 0;
      if (::waitpid(children[i].pid(), &st, WNOHANG) == children[i].pid()) {
        children[i].Release();
        (*statuses)[i] = ExitCodeForWaitStatus(st);
      } else {
        all_exited = false;
      }
    }
    return RealtimeNs() < deadline && (obs.ended < containers || !all_exited);
  };
  REQUIRE(agent.Serve(obs, o).has_value());
}

}  // namespace

TEST_CASE("a descriptor that is not a seccomp listener is refused", "[live][notify]") {
  if (!NotifyAvailable()) {
    SkipTest("seccomp user notification (Linux 5.5+)");
  }
  int p[2];
  REQUIRE(::pipe(p) == 0);
  ::close(p[1]);
  auto s = NotifySession::Adopt(Fd(p[0]), 0);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().Message().find("not a seccomp listener") != std::string::npos);
}

TEST_CASE("the agent learns several containers at once, each apart", "[live][notify]") {
  if (!NotifyAvailable()) {
    SkipTest("seccomp user notification (Linux 5.5+)");
  }
  const TempDir dir;
  const std::string sock = dir / "agent.sock";
  auto agent = OciAgent::Listen(sock);
  REQUIRE(agent.has_value());
  Observer obs;
  std::vector<ChildProcess> children;
  children.push_back(FakeRuntime(sock, State("c-getppid", "a1"), Testee({"getppid-loop", "500"})));
  children.push_back(FakeRuntime(sock, State("c-threads", "a2"), Testee({"threads", "4"})));
  children.push_back(FakeRuntime(sock, State("c-exit", "a3"), Testee({"exit", "3"})));
  children.push_back(FakeRuntime(sock, State("c-forkexec", "a4"), Testee({"fork-exec"})));
  std::vector<int> statuses;
  ServeUntil(*agent, obs, 4, children, &statuses);
  CHECK(statuses == std::vector<int>{0, 0, 3, 0});
  REQUIRE(obs.ended == 4);
  CHECK(obs.recs["c-getppid"]->Count("getppid") == 500);
  CHECK(obs.recs["c-threads"]->Count("getppid") == 0);
  CHECK(obs.recs["c-threads"]->Count("gettid") == 4);
  CHECK(obs.recs["c-forkexec"]->Count("uname") == 1);
  CHECK(obs.recs["c-forkexec"]->agg.processes() == 2);
  // The first exec of each container is its workload's (the boundary).
  for (const auto& [id, rec] : obs.recs) {
    CAPTURE(id);
    REQUIRE_FALSE(rec->execs.empty());
    CHECK(rec->execs[0].exe == std::filesystem::canonical(SECLEARN_TESTEE).string());
  }
  CHECK(obs.ends["c-exit"].exit_request == 3);
  CHECK(obs.ends["c-getppid"].exit_request == 0);
  CHECK(obs.starts["c-getppid"].state.Annotation("seclearn.app") == "a1");
  CHECK(obs.starts["c-getppid"].learning.runtime == RuntimeKind::kRunc);
  CHECK(obs.starts["c-getppid"].learning.unnotified ==
        std::vector<std::string>{"rt_sigreturn", "write"});
}

TEST_CASE("watch metadata: the agent records the calls outside the profile and answers allow "
          "or deny", "[live][notify]") {
  if (!NotifyAvailable()) {
    SkipTest("seccomp user notification (Linux 5.5+)");
  }
  // What the export writes is what the agent reads.
  for (OnViolation ov : {OnViolation::kAllow, OnViolation::kDeny}) {
    const LearningMetadata m = ParseLearningMetadata(WatchMetadata("web_1", 12, ov));
    CHECK(m.watch);
    CHECK(m.app == "web_1");
    CHECK(m.version == 12);
    CHECK(m.deny == (ov == OnViolation::kDeny));
  }
  CHECK_FALSE(ParseLearningMetadata("seclearn runtime=runc").watch);
  CHECK(ParseLearningMetadata("seclearn watch app=a version=1x on-violation=deny").version == 0);

  const TempDir dir;
  const std::string sock = dir / "agent.sock";
  auto agent = OciAgent::Listen(sock);
  REQUIRE(agent.has_value());
  Observer obs;
  std::vector<ChildProcess> children;
  const std::string mkdir = std::filesystem::canonical("/bin/mkdir").string();
  for (const char* ov : {"allow", "deny"}) {
    std::string state = State(std::string("c-") + ov, "ignored");
    const std::string learning = "seclearn runtime=runc unnotified=rt_sigreturn,write";
    state.replace(state.find(learning), learning.size(),
                  std::string("seclearn watch app=web version=3 on-violation=") + ov);
    children.push_back(FakeRuntime(sock, state, {mkdir, dir / ov}, false, SYS_mkdir));
  }
  std::vector<int> statuses;
  ServeUntil(*agent, obs, 2, children, &statuses);
  REQUIRE(obs.ended == 2);
  // allow: the call ran; deny: it failed with EPERM (mkdir exits 1) and nothing was made.
  CHECK(statuses == std::vector<int>{0, 1});
  CHECK(std::filesystem::is_directory(dir / "allow"));
  CHECK_FALSE(std::filesystem::exists(dir / "deny"));
  for (const char* ov : {"allow", "deny"}) {
    const std::string id = std::string("c-") + ov;
    CAPTURE(id);
    CHECK(obs.starts[id].learning.watch);
    CHECK(obs.starts[id].learning.app == "web");
    CHECK(obs.recs[id]->Count("mkdir") == 1);
    // Only the call outside the profile reached the agent.
    CHECK(obs.recs[id]->Count("openat") == 0);
    CHECK(obs.recs[id]->Count("execve") == 0);
    // Its process's executable, though its exec was never seen.
    REQUIRE(obs.recs[id]->execs.size() == 1);
    CHECK(obs.recs[id]->execs[0].exe == mkdir);
  }
}

TEST_CASE("bad messages are skipped, their containers still run, the agent keeps serving",
          "[live][notify]") {
  if (!NotifyAvailable()) {
    SkipTest("seccomp user notification (Linux 5.5+)");
  }
  const TempDir dir;
  const std::string sock = dir / "agent.sock";
  auto agent = OciAgent::Listen(sock);
  REQUIRE(agent.has_value());
  Observer obs;
  std::vector<ChildProcess> children;
  // A real listener with a malformed message: served unrecorded, or every call of the
  // workload would fail with ENOSYS.
  children.push_back(
      FakeRuntime(sock, "{\"state\": {\"id\": 42}}", Testee({"getppid-loop", "50"})));
  // A pipe instead of a listener: refused and closed; the workload's calls then fail, which
  // is the runtime's problem, not the agent's.
  children.push_back(FakeRuntime(sock, State("c-pipe", "p"), Testee({"noop"}), /*send_pipe=*/true));
  children.push_back(FakeRuntime(sock, State("c-good", "g"), Testee({"getppid-loop", "7"})));
  std::vector<int> statuses;
  ServeUntil(*agent, obs, 1, children, &statuses);
  CHECK(statuses[0] == 0);
  CHECK(statuses[2] == 0);
  CHECK(obs.Logged("malformed message"));
  CHECK(obs.Logged("state.id must be a string"));
  CHECK(obs.Logged("not a seccomp listener"));
  CHECK(obs.starts.count("c-pipe") == 0);
  REQUIRE(obs.recs.count("c-good"));
  CHECK(obs.recs["c-good"]->Count("getppid") == 7);
}

TEST_CASE("container state messages parse as runc and crun send them", "[live][notify]") {
  // runc 1.1 (Go's encoding/json) and crun 1.8 (pretty-printed, annotations in state).
  const char* runc_msg =
      R"({"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":4242,"metadata":"seclearn runtime=runc unnotified=write","state":{"ociVersion":"1.0.2-dev","id":"web","status":"creating","pid":4242,"bundle":"/b","annotations":{"seclearn.app":"web-app"}}})";
  auto s = ParseContainerProcessState(runc_msg, "runc");
  REQUIRE(s.has_value());
  CHECK(s->pid == 4242);
  CHECK(s->id == "web");
  CHECK(s->bundle == "/b");
  CHECK(s->Annotation("seclearn.app") == "web-app");
  const LearningMetadata m = ParseLearningMetadata(s->metadata);
  CHECK(m.runtime == RuntimeKind::kRunc);
  CHECK(m.unnotified == std::vector<std::string>{"write"});
  CHECK(ParseLearningMetadata("not ours unnotified=write").unnotified.empty());
  CHECK(ParseLearningMetadata("seclearn unnotified=write,../x,read").unnotified ==
        std::vector<std::string>{"write", "read"});
  const char* crun_msg =
      "{\n  \"ociVersion\": \"1.0.0\",\n  \"fds\": [\n    \"seccompFd\"\n  ],\n"
      "  \"pid\": 17,\n  \"state\": {\n    \"ociVersion\": \"1.0.0\",\n"
      "    \"id\": \"c\",\n    \"status\": \"creating\",\n    \"pid\": 17,\n"
      "    \"bundle\": \"/x\"\n  }\n}";
  auto c = ParseContainerProcessState(crun_msg, "crun");
  REQUIRE(c.has_value());
  CHECK(c->pid == 17);
  CHECK(c->annotations.empty());
  CHECK_FALSE(ParseContainerProcessState("{\"state\":{}}", "x").has_value());
  CHECK_FALSE(ParseContainerProcessState("{\"pid\":-1,\"state\":{\"id\":\"a\"}}", "x").has_value());
}

TEST_CASE("a watch profile's fingerprint is what Docker's loader keeps of it", "[live][notify]") {
  // As `export --mode watch --runtime docker` writes it, and as docker.io 20.10 hands it to the
  // runtime: no listener fields, flags, defaultErrnoRet or comments, valueTwo 0 left out.
  const char* exported = R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "listenerPath": "/run/a.sock",
    "listenerMetadata": "seclearn watch app=web version=2 on-violation=deny",
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "c"},
      {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 1, "value": 21505, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
      {"names": ["mkdir", "uname"], "action": "SCMP_ACT_NOTIFY"}]})";
  const char* docker = R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["uname", "mkdir"], "action": "SCMP_ACT_NOTIFY"},
      {"names": ["write", "read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
      {"names": ["ioctl"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"}]}]})";
  auto parse = [](std::string_view text) {
    auto j = ParseJson(text, "test");
    REQUIRE(j.has_value());
    return std::move(*j);
  };
  const Json e = parse(exported);
  const std::string fp = SeccompFingerprint(e);
  CHECK(fp.size() == 64);
  CHECK(SeccompFingerprint(parse(docker)) == fp);
  CHECK(SeccompNotifies(e));
  // Each change of what is enforced is another profile.
  std::string s = docker;
  auto changed = [&](std::string_view from, std::string_view to) {
    std::string t = s;
    const size_t at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    return SeccompFingerprint(parse(t));
  };
  CHECK(changed(R"(["uname", "mkdir"])", R"(["mkdir"])") != fp);
  CHECK(changed(R"("value": 21505)", R"("value": 21506)") != fp);
  CHECK(changed(R"("errnoRet": 38)", R"("errnoRet": 1)") != fp);
  CHECK(changed(R"("defaultAction": "SCMP_ACT_ERRNO")", R"("defaultAction": "SCMP_ACT_LOG")") != fp);
  CHECK(changed(R"("SCMP_ARCH_X86", )", "") != fp);
  CHECK(changed(R"("names": ["write", "read"], "action": "SCMP_ACT_ALLOW")",
                R"("names": ["write", "read"], "action": "SCMP_ACT_NOTIFY")") != fp);
  if (NativeAuditArch() == AUDIT_ARCH_X86_64) {
    // An archMap is its native entry, as Docker applies it.
    CHECK(changed(R"("architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64"])",
                  R"("archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": []},
                     {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}])") == fp);
  }
  CHECK_FALSE(SeccompNotifies(parse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})")));
}

TEST_CASE("the shim puts back a watch profile's listener and names it by its fingerprint",
          "[live][notify]") {
  auto config = [](std::string_view seccomp, std::string_view env) {
    return fmt::format(R"({{"ociVersion": "1.0.2", "process": {{"env": [{}]}},
      "annotations": {{"seclearn.app": "from-annotation"}}, "linux": {{{}}}}})",
                       env, seccomp.empty() ? "" : fmt::format(R"("seccomp": {})", seccomp));
  };
  const char* watch = R"({"defaultAction": "SCMP_ACT_LOG", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                   {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]})";
  auto w = WatchBundleOf(config(watch, R"("SECLEARN_APP=web")"), "c", "/run/s.sock", "shim-app");
  REQUIRE(w.has_value());
  REQUIRE(w->kind == WatchBundle::Kind::kRestored);
  auto doc = ParseJson(w->config, "out");
  REQUIRE(doc.has_value());
  const Json* sc = doc->Find("linux")->Find("seccomp");
  CHECK(sc->Find("listenerPath")->AsString() == "/run/s.sock");
  const LearningMetadata m = ParseLearningMetadata(sc->Find("listenerMetadata")->AsString());
  CHECK(m.watch);
  CHECK(m.app == "web");  // the container's own choice first, as when learning
  CHECK(m.version == 0);
  CHECK_FALSE(m.deny);    // SCMP_ACT_LOG: a runc watch profile that allows
  auto watch_json = ParseJson(watch, "w");
  REQUIRE(watch_json.has_value());
  CHECK(m.profile == SeccompFingerprint(*watch_json));
  // The listener fields do not change the fingerprint: the agent computes the same one.
  CHECK(SeccompFingerprint(*sc) == m.profile);

  std::string deny = watch;
  deny.replace(deny.find("SCMP_ACT_LOG"), 12, "SCMP_ACT_ERRNO");
  auto d = WatchBundleOf(config(deny, ""), "c", "/s", "");
  REQUIRE(d.has_value());
  auto metadata_of = [](const std::string& config_json) {
    auto out = ParseJson(config_json, "out");
    REQUIRE(out.has_value());
    return ParseLearningMetadata(
        out->Find("linux")->Find("seccomp")->Find("listenerMetadata")->AsString());
  };
  const LearningMetadata dm = metadata_of(d->config);
  CHECK(dm.deny);
  CHECK(dm.app == "from-annotation");
  // A name that is not one word would split the metadata: left to the fingerprint.
  auto h = WatchBundleOf(config(watch, R"("SECLEARN_APP=a version=9 on-violation=allow")"), "c",
                         "/s", "");
  REQUIRE(h.has_value());
  const LearningMetadata hm = metadata_of(h->config);
  CHECK(hm.app.empty());
  CHECK(hm.version == 0);

  std::string served = watch;
  served.insert(1, R"("listenerPath": "/elsewhere", )");
  auto s = WatchBundleOf(config(served, ""), "c", "/s", "");
  REQUIRE(s.has_value());
  CHECK(s->kind == WatchBundle::Kind::kServed);
  // A bundle the shim rewrote for learning before is learned afresh.
  LearningOptions lo;
  lo.listener_path = "/s";
  const std::string learning = WriteJson(LearningSeccomp(lo));
  for (const std::string& none :
       {config("", ""), config(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []})", ""),
        config(learning, "")}) {
    auto n = WatchBundleOf(none, "c", "/s", "");
    REQUIRE(n.has_value());
    CHECK(n->kind == WatchBundle::Kind::kNone);
  }
  CHECK_FALSE(WatchBundleOf("[1]", "c", "/s", "").has_value());

  LearningMetadata round;
  round.watch = true;
  round.app = "web";
  round.version = 7;
  round.deny = true;
  round.profile = std::string(64, 'a');
  const LearningMetadata back = ParseLearningMetadata(FormatLearningMetadata(round));
  CHECK((back.watch && back.app == "web" && back.version == 7 && back.deny));
  CHECK(back.profile == round.profile);
  round.profile = std::string(63, 'a') + "G";
  CHECK(ParseLearningMetadata(FormatLearningMetadata(round)).profile.empty());
}

TEST_CASE("the learning filter for runc notifies all but write and the Go runtime's own, crun's all",
          "[live][notify]") {
  LearningOptions o;
  o.listener_path = "/run/a.sock";
  LearningMetadata meta;
  const Json runc = LearningSeccomp(o, &meta);
  CHECK(runc.Find("defaultAction")->AsString() == "SCMP_ACT_ALLOW");
  const auto& names = runc.Find("syscalls")->AsArray()[0].Find("names")->AsArray();
  std::set<std::string> set;
  for (const Json& n : names) set.insert(n.AsString());
  CHECK(set.count("openat"));
  CHECK(set.count("execve"));
  CHECK(set.count("socketcall"));  // i386-only names are there for the compat architecture
  CHECK(set.count("clone"));
  for (std::string_view name : {"write", "rt_sigreturn", "futex", "nanosleep", "sched_yield"}) {
    CAPTURE(name);
    CHECK_FALSE(set.count(std::string(name)));
  }
  // Every name the filter leaves out is one the agent is told of, and the other way round.
  CHECK(meta.unnotified == std::vector<std::string>(kRuncUnnotified.begin(), kRuncUnnotified.end()));
  for (const auto& n : meta.unnotified) CHECK_FALSE(set.count(n));
  CHECK(runc.Find("listenerPath")->AsString() == "/run/a.sock");
  o.runtime = RuntimeKind::kCrun;
  const Json crun = LearningSeccomp(o);
  CHECK(crun.Find("defaultAction")->AsString() == "SCMP_ACT_NOTIFY");
  // No rule: the default action notifies every call.
  const Json* crun_rules = crun.Find("syscalls");
  CHECK((crun_rules == nullptr || crun_rules->AsArray().empty()));

  // The shim's rewrite keeps the config, replaces linux.seccomp and sets the app annotation:
  // the container's SECLEARN_APP (its environment), else the shim's, else the bundle's.
  auto out = RewriteConfigForLearning(
      R"({"process":{"args":["sh"],"env":["SECLEARN_APP=env"]},"annotations":{"seclearn.app":"own"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"]}}})",
      "config.json", o, "shim");
  REQUIRE(out.has_value());
  auto doc = ParseJson(*out, "out");
  REQUIRE(doc.has_value());
  CHECK(doc->Find("annotations")->Find("seclearn.app")->AsString() == "env");
  auto app_of = [&](const std::string& config, std::string_view shim_app) {
    auto text = RewriteConfigForLearning(config, "config.json", o, shim_app);
    REQUIRE(text.has_value());
    auto d = ParseJson(*text, "out");
    REQUIRE(d.has_value());
    const Json* a = d->Find("annotations");
    return a != nullptr && a->Find("seclearn.app") ? a->Find("seclearn.app")->AsString()
                                                  : std::string("-");
  };
  CHECK(app_of(R"({"process":{"env":["PATH=/bin","SECLEARN_APP=web","SECLEARN_APP=x"]}})",
               "shim") == "web");
  CHECK(app_of(R"({"process":{"env":["SECLEARN_APPX=no"]}})", "shim") == "shim");
  CHECK(app_of(R"({"process":{"env":["PATH=/bin"]}})", "") == "-");
  CHECK(app_of(R"({"annotations":{"seclearn.app":"own"}})", "shim") == "shim");
  CHECK(app_of(R"({"annotations":{"seclearn.app":"own"}})", "") == "own");
  const Json* seccomp = doc->Find("linux")->Find("seccomp");
  CHECK(seccomp->Find("defaultAction")->AsString() == "SCMP_ACT_NOTIFY");
  CHECK(seccomp->Find("architectures")->AsArray().size() == 1);
  CHECK_FALSE(RewriteConfigForLearning("[1]", "config.json", o, "").has_value());
}

TEST_CASE("re-learning: known calls run unseen under either runtime's learning filter",
          "[live][notify][relearn]") {
  LearningOptions o;
  o.listener_path = "/run/a.sock";
  o.known = {"getuid", "read", "write"};
  LearningMetadata meta;
  const Json runc = LearningSeccomp(o, &meta);
  std::set<std::string> notified;
  for (const Json& n : runc.Find("syscalls")->AsArray()[0].Find("names")->AsArray())
    notified.insert(n.AsString());
  CHECK_FALSE(notified.count("getuid"));
  CHECK_FALSE(notified.count("read"));
  CHECK(notified.count("openat"));
  // runc's own, then the known ones it did not have; each named once.
  std::vector<std::string> want(kRuncUnnotified.begin(), kRuncUnnotified.end());
  want.push_back("getuid");
  want.push_back("read");
  CHECK(meta.unnotified == want);
  CHECK(ParseLearningMetadata(FormatLearningMetadata(meta)).unnotified == want);

  o.runtime = RuntimeKind::kCrun;
  const Json crun = LearningSeccomp(o, &meta);
  CHECK(crun.Find("defaultAction")->AsString() == "SCMP_ACT_NOTIFY");
  const auto& rules = crun.Find("syscalls")->AsArray();
  REQUIRE(rules.size() == 1);
  CHECK(rules[0].Find("action")->AsString() == "SCMP_ACT_ALLOW");
  CHECK(rules[0].Find("names")->AsArray().size() == 3);
  CHECK(meta.unnotified == o.known);

  // The shim asks the agent about the app the rewrite will name.
  for (const auto& [config, shim_app] : std::vector<std::pair<std::string, std::string>>{
           {R"({"process":{"env":["SECLEARN_APP=web"]}})", "shim"},
           {R"({"process":{"env":["PATH=/bin"]}})", "shim"},
           {R"({"annotations":{"seclearn.app":"own"}})", ""},
           {R"({"annotations":{"seclearn.app":"own"}})", "shim"},
           {R"({})", ""}}) {
    CAPTURE(config, shim_app);
    auto app = LearningApp(config, "config.json", shim_app);
    REQUIRE(app.has_value());
    auto text = RewriteConfigForLearning(config, "config.json", o, shim_app);
    REQUIRE(text.has_value());
    auto d = ParseJson(*text, "out");
    REQUIRE(d.has_value());
    const Json* a = d->Find("annotations");
    const std::string named =
        a != nullptr && a->Find("seclearn.app") ? a->Find("seclearn.app")->AsString() : "";
    CHECK(*app == named);
  }
}

}  // namespace seclearn
