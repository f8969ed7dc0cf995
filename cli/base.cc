// seclearn base: measure what an OCI runtime does after it installs a container's filter.
#include <elf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <variant>

#include "args.h"
#include "commands.h"
#include "recorder.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/child_process.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/file.h"
#include "seclearn/core/json.h"
#include "seclearn/emitter/runtime_base.h"
#include "seclearn/store/store.h"
#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/oci_agent.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr const char* kBaseHelp =
    R"(usage: seclearn base --runtime runc|crun [--runtime-path PATH] [--runs N] [--db PATH]
                    [--quiet]

Measures the runtime's base set: every syscall the OCI runtime itself makes after it installs
the container's seccomp filter, up to and including the execve of the container's entrypoint.
It runs N containers whose entrypoint is a static no-op (one exit_group) with a learning
filter whose listener is this command, once with process.noNewPrivileges=true and once with
false (the runtime installs the filter later with it), and stores the union per setting with
the runtime's version. `seclearn export --runtime NAME` then uses the newest measured set from
the database instead of the data file shipped with seclearn (docker and containerd use
runc's).

options:
  --runtime NAME       runc or crun (required)
  --runtime-path PATH  the runtime binary (default: NAME on $PATH)
  --runs N             containers per setting (default 10); the union is stored. For runc,
                       export adds the calls the Go runtime may make at any moment (futex,
                       tgkill, rt_sigreturn, ...), which a few runs see only sometimes
  --db PATH            database (default: $SECLEARN_DB, else ./seclearn.db)
  --quiet              no summary

Needs root (it runs containers). On hosts with hybrid cgroups (cgroup v1 with cgroup2 at
/sys/fs/cgroup/unified) crun runs in a private mount namespace without that mount, as it
needs.

exit status: 0 measured and stored; 125 failure (runtime missing or failing, not root).
)";

constexpr int64_t kContainerTimeoutNs = 60'000'000'000;

// runc is a Go program: on the filtered thread (and threads it starts) the Go runtime may at
// any moment preempt (tgkill, rt_sigreturn), park and wake (futex, nanosleep, sched_yield,
// epoll_pwait) or manage memory (mmap, madvise). A finite number of measured containers sees
// some of these only sometimes, so they join every measured runc set (the go_runtime list of
// data/runtime/runc-1.1.json, plus what it observed only in some of its 74 runs).
constexpr std::array kGoRuntimeAnytime = {
    "clock_gettime",  "epoll_pwait",  "epoll_wait",  "exit",        "exit_group", "futex",
    "gettid",         "madvise",      "mmap",        "munmap",      "nanosleep",  "restart_syscall",
    "rt_sigprocmask", "rt_sigreturn", "sched_yield", "sigaltstack", "tgkill",
};

// A static ELF that only calls exit_group(0): the runtime's execve is then the last call
// that is not the workload's, and the workload adds exactly one.
Result<std::string> NoopElf() {
  std::string code;
  uint16_t machine = 0;
  const uint32_t arch = NativeAuditArch();
  if (arch == AUDIT_ARCH_X86_64) {
    machine = EM_X86_64;
    code = std::string("\x31\xff\xb8\xe7\x00\x00\x00\x0f\x05", 9);  // xor edi; mov eax,231; syscall
  } else if (arch == AUDIT_ARCH_AARCH64) {
    machine = EM_AARCH64;
    // mov x0, #0; mov x8, #94; svc #0
    code = std::string("\x00\x00\x80\xd2\xc8\x0b\x80\xd2\x01\x00\x00\xd4", 12);
  } else {
    return UsageError("base: no built-in no-op entrypoint for this architecture");
  }
  constexpr uint64_t kBase = 0x400000;
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = machine;
  eh.e_version = EV_CURRENT;
  eh.e_entry = kBase + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  Elf64_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_flags = PF_R | PF_X;
  ph.p_vaddr = ph.p_paddr = kBase;
  ph.p_filesz = ph.p_memsz = sizeof eh + sizeof ph + code.size();
  ph.p_align = 0x1000;
  std::string out(reinterpret_cast<const char*>(&eh), sizeof eh);
  out.append(reinterpret_cast<const char*>(&ph), sizeof ph);
  out += code;
  return out;
}

Result<void> WriteFile(const std::string& path, std::string_view content, mode_t mode) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoError(fmt::format("cannot create {}", path));
  if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
    return ErrnoError(fmt::format("cannot write {}", path));
  if (::fchmod(fd.get(), mode) != 0) return ErrnoError(fmt::format("chmod {}", path));
  return {};
}

// crun (1.8) wants the cgroup2 hierarchy out of its way on hybrid hosts.
bool HybridCgroups() {
  struct statfs root {
  }, unified{};
  return ::statfs("/sys/fs/cgroup", &root) == 0 && root.f_type != CGROUP2_SUPER_MAGIC &&
         ::statfs("/sys/fs/cgroup/unified", &unified) == 0 && unified.f_type == CGROUP2_SUPER_MAGIC;
}

// Runs argv with stdin/stdout on /dev/null and stderr into err_path, in `cwd`.
Result<ChildProcess> Spawn(const std::vector<std::string>& argv, const std::string& cwd,
                           const std::string& err_path, bool private_cgroup2) {
  CArgv cargv(argv);
  const std::string exe = argv[0];
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  Fd err_fd(::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!null_fd.valid() || !err_fd.valid()) return ErrnoError("open /dev/null or error log");
  const pid_t pid = ::fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    ::dup2(null_fd.get(), 0);
    ::dup2(null_fd.get(), 1);
    ::dup2(err_fd.get(), 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(kExitSeclearnFailure);
    if (private_cgroup2) {
      if (::unshare(CLONE_NEWNS) != 0 ||
          ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          ::umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0) {
        ::_exit(kExitSeclearnFailure);
      }
    }
    ::execv(exe.c_str(), cargv.data());
    ::_exit(ExitCodeForExecErrno(errno));
  }
  return ChildProcess(pid);
}

// Output of a short command (runtime --version, runtime spec).
Result<std::string> Capture(const std::vector<std::string>& argv, const std::string& cwd) {
  const std::string out_path = cwd + "/.capture";
  CArgv cargv(argv);
  Fd out(::open(out_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out.valid()) return ErrnoError(fmt::format("cannot create {}", out_path));
  const pid_t pid = ::fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    ::dup2(out.get(), 1);
    ::dup2(out.get(), 2);
    if (::chdir(cwd.c_str()) != 0) ::_exit(kExitSeclearnFailure);
    ::execv(argv[0].c_str(), cargv.data());
    ::_exit(ExitCodeForExecErrno(errno));
  }
  ChildProcess child(pid);
  auto status = child.Wait();
  if (!status) return status.error();
  auto text = ReadWholeFile(out_path);
  ::unlink(out_path.c_str());
  if (!text) return text.error();
  if (ExitCodeForWaitStatus(*status) != 0) {
    return UsageError(fmt::format("{} exited {}: {}", fmt::join(argv, " "),
                                  ExitCodeForWaitStatus(*status), OneLine(*text)));
  }
  return *text;
}

// One container: its runtime-phase calls, those before its first exec, recorded in memory
// through the same recorder as learn and agent (recorder.h).
class BaseObserver : public ContainerObserver {
 public:
  EventSink* OnContainerStart(const ContainerStart& start) override {
    ++started;
    RecorderOptions o;
    o.runtime_phase = true;
    o.unnotified = start.learning.unnotified;
    recorder = std::make_unique<RunRecorder>(nullptr, 0, RunInfo{}, std::move(o));
    return recorder.get();
  }
  void OnContainerEnd(EventSink*, const ContainerStart&, const ContainerEnd& end) override {
    ++ended;
    exit_request = end.exit_request;
  }
  void Log(std::string_view line) override { PrintWarning(fmt::format("base: {}", line)); }

  bool crossed() const { return recorder && recorder->started(); }
  std::vector<SyscallFact> calls() const {
    return recorder ? recorder->RuntimeSyscalls() : std::vector<SyscallFact>{};
  }

  int started = 0;
  int ended = 0;
  int exit_request = -1;
  std::unique_ptr<RunRecorder> recorder;
};

// "runc version 1.1.5+ds1" -> "1.1.5+ds1".
std::string VersionOf(const std::string& version_line) {
  const size_t at = version_line.find(" version ");
  return at == std::string::npos ? version_line : version_line.substr(at + 9);
}

}  // namespace

Result<RuntimeBase> RuntimeBaseForExport(Store& store, std::string_view runtime, bool nnp,
                                         std::string_view app) {
  const std::optional<RuntimeKind> installer = FilterInstaller(runtime);
  if (!installer) return LoadRuntimeBase(runtime, nnp).error();  // names the known ones
  auto measured = store.LatestRuntimeBase(*installer, nnp);
  if (!measured) return measured.error();
  RuntimeBase base;
  if (*measured) {
    const RuntimeBaseRecord& m = **measured;
    base.requested = std::string(runtime);
    base.installer = *installer;
    base.versions = VersionOf(m.version);
    base.provenance = fmt::format("measured by seclearn base on {}, {} containers, kernel {}",
                                  FormatUtc(m.measured_ns, "%Y-%m-%d"), m.runs, m.kernel);
    base.source = fmt::format("measured by seclearn base {}, {} containers",
                              FormatUtc(m.measured_ns, "%Y-%m-%d"), m.runs);
    base.no_new_privileges = nnp;
    for (const auto& f : m.syscalls) {
      std::string name = SyscallName(f.arch, f.nr);
      if (!name.starts_with("syscall_")) base.names.push_back(std::move(name));
    }
    if (*installer == RuntimeKind::kRunc)
      base.names.insert(base.names.end(), kGoRuntimeAnytime.begin(), kGoRuntimeAnytime.end());
  } else {
    auto data = LoadRuntimeBase(runtime, nnp);
    if (!data) return data.error();
    base = std::move(*data);
  }
  // What the runtime did while this app's containers were learned belongs to the runtime too.
  auto learned = store.RuntimeSyscalls(app);
  if (!learned) return learned.error();
  for (const auto& f : *learned) {
    std::string name = SyscallName(f.arch, f.nr);
    if (!name.starts_with("syscall_")) base.names.push_back(std::move(name));
  }
  std::sort(base.names.begin(), base.names.end());
  base.names.erase(std::unique(base.names.begin(), base.names.end()), base.names.end());
  return base;
}

namespace {

struct BaseRequest {
  std::string runtime;  // as given: "runc", "crun"
  RuntimeKind kind = RuntimeKind::kRunc;
  int runs = 10;
  std::string exe;  // the runtime binary
  std::string db_path;
  bool quiet = false;
};

// The request, or the exit status of a one-line error.
std::variant<BaseRequest, int> ReadBaseRequest(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--runtime", "--runtime-path", "--runs", "--db"};
  spec.flags = {"--quiet"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "base", kBaseHelp, &args_status);
  if (!parsed) return args_status;
  BaseRequest req;
  const auto runtime = parsed->Get("--runtime");
  if (!runtime) {
    PrintError("base: --runtime runc|crun is required (see seclearn base --help)");
    return kExitSeclearnFailure;
  }
  const std::optional<RuntimeKind> kind = RuntimeFromName(*runtime);
  if (!kind) {
    PrintError(fmt::format("base: unknown runtime '{}' (known: runc, crun)", *runtime));
    return kExitSeclearnFailure;
  }
  req.runtime = *runtime;
  req.kind = *kind;
  if (auto r = parsed->Get("--runs")) {
    char* end = nullptr;
    const long v = std::strtol(r->c_str(), &end, 10);
    if (r->empty() || *end != '\0' || v < 1 || v > 1000) {
      PrintError(fmt::format("base: --runs takes a number from 1 to 1000, not '{}'", *r));
      return kExitSeclearnFailure;
    }
    req.runs = static_cast<int>(v);
  }
  if (::geteuid() != 0) {
    PrintError("base: must run as root (it runs containers)");
    return kExitSeclearnFailure;
  }
  if (!NotifyAvailable()) {
    PrintError("base: this kernel has no seccomp user notification (Linux 5.5+ needed)");
    return kExitSeclearnFailure;
  }
  const std::string path_arg = parsed->Get("--runtime-path").value_or(*runtime);
  auto exe = FindExecutable(path_arg);
  if (!exe) return ReportExecFailure(path_arg, exe.error());
  req.exe = *exe;
  req.db_path = parsed->Get("--db").value_or(DefaultDbPath());
  req.quiet = parsed->Has("--quiet");
  return req;
}

// A bundle in `dir` whose rootfs holds only /noop; the runtime's default spec comes back.
Result<Json> PrepareBundle(const std::string& exe, const std::string& dir) {
  for (const char* sub : {"rootfs", "rootfs/proc", "rootfs/dev", "rootfs/sys"}) {
    if (::mkdir((dir + "/" + sub).c_str(), 0755) != 0) return ErrnoError(sub);
  }
  auto elf = NoopElf();
  if (!elf) return elf.error();
  if (auto r = WriteFile(dir + "/rootfs/noop", *elf, 0755); !r) return r.error();
  if (auto r = Capture({exe, "spec"}, dir); !r) return r.error();
  auto spec_text = ReadWholeFile(dir + "/config.json");
  if (!spec_text) return spec_text.error();
  auto config = ParseJson(*spec_text, dir + "/config.json");
  if (!config) return config.error();
  if (!config->is_object()) return ParseError("runtime spec: config.json is not an object");
  return config;
}

// The bundle's config.json: /noop under the learning filter, with or without no_new_privs.
Result<void> WriteBundleConfig(Json cfg, const std::string& dir, const std::string& listener,
                               RuntimeKind kind, bool nnp) {
  Json* process = cfg.Find("process");
  if (process == nullptr || !process->is_object()) return ParseError("spec has no process");
  process->Set("args", Json::Array().Push(Json::String("/noop")));
  process->Set("terminal", Json::Bool(false));
  process->Set("noNewPrivileges", Json::Bool(nnp));
  cfg.Set("root",
          Json::Object().Set("path", Json::String("rootfs")).Set("readonly", Json::Bool(true)));
  Json* linux_obj = cfg.Find("linux");
  if (linux_obj == nullptr || !linux_obj->is_object()) return ParseError("spec has no linux");
  LearningOptions lo;
  lo.listener_path = listener;
  lo.runtime = kind;
  linux_obj->Set("seccomp", LearningSeccomp(lo));
  return WriteFile(dir + "/config.json", WriteJson(cfg, 2), 0644);
}

// One container of the bundle run to its end: the runtime's calls after it installed the
// filter, each once.
Result<std::set<std::pair<uint32_t, int32_t>>> MeasureContainer(const std::string& exe,
                                                                 const std::string& dir,
                                                                 const std::string& id,
                                                                 OciAgent& agent,
                                                                 bool private_cgroup2) {
  const std::string err_path = dir + "/runtime.err";
  auto child = Spawn({exe, "run", "--bundle", dir, id}, dir, err_path, private_cgroup2);
  if (!child) return child.error();
  BaseObserver observer;
  bool exited = false;
  bool timed_out = false;
  int status = 0;
  const int64_t deadline = MonotonicNs() + kContainerTimeoutNs;
  ServeOptions so;
  so.tick_ms = 20;
  so.handle_signals = false;
  so.keep_going = [&] {
    if (!exited && ::waitpid(child->pid(), &status, WNOHANG) == child->pid()) {
      exited = true;
      child->Release();
    }
    if (!exited && !timed_out && MonotonicNs() > deadline) {
      timed_out = true;
      ::kill(child->pid(), SIGKILL);
    }
    return observer.ended == 0 && !exited;
  };
  if (auto r = agent.Serve(observer, so); !r) return r.error();
  if (!exited) {
    auto st = child->Wait();
    status = st ? *st : W_EXITCODE(kExitSeclearnFailure, 0);
  }
  const int code = ExitCodeForWaitStatus(status);
  // `run` deletes the container when it ends; after a failure it may not have.
  (void)Capture({exe, "delete", "--force", id}, dir);
  if (timed_out) {
    return UsageError(fmt::format("{} run {}: no result after {}s; killed", exe, id,
                                  kContainerTimeoutNs / 1'000'000'000));
  }
  if (observer.started == 0 || code != 0 || !observer.crossed()) {
    auto err = ReadWholeFile(err_path);
    std::string why = err ? OneLine(*err) : "";
    if (why.size() > 400) why = why.substr(0, 400) + "...";
    return UsageError(
        fmt::format("{} run {} {} (exit {}){}{}", exe, id,
                    observer.started == 0
                        ? "never reached the agent"
                        : (observer.crossed() ? "failed" : "never started the entrypoint"),
                    code, why.empty() ? "" : ": ", why));
  }
  std::set<std::pair<uint32_t, int32_t>> calls;
  for (const auto& f : observer.calls()) calls.insert({f.arch, f.nr});
  return calls;
}

}  // namespace

int CmdBase(std::span<char*> args) {
  auto request = ReadBaseRequest(args);
  if (const int* status = std::get_if<int>(&request)) return *status;
  const BaseRequest& req = std::get<BaseRequest>(request);
  auto store = Store::Open(req.db_path);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }

  std::string dir = (std::filesystem::temp_directory_path() / "seclearn-base.XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    PrintError(ErrnoError("base: mkdtemp"));
    return kExitSeclearnFailure;
  }
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_dir{dir};
  auto fail = [&](const Error& e) {
    PrintError(fmt::format("base: {}", e.Message()));
    return kExitSeclearnFailure;
  };

  auto version_text = Capture({req.exe, "--version"}, dir);
  if (!version_text) return fail(version_text.error());
  const std::string version = version_text->substr(0, version_text->find('\n'));
  auto config = PrepareBundle(req.exe, dir);
  if (!config) return fail(config.error());
  auto agent = OciAgent::Listen(dir + "/agent.sock");
  if (!agent) return fail(agent.error());

  const bool private_cgroup2 = req.kind == RuntimeKind::kCrun && HybridCgroups();
  struct utsname u {};
  ::uname(&u);
  std::string summary;
  int serial = 0;
  for (const bool nnp : {true, false}) {
    if (auto r = WriteBundleConfig(*config, dir, agent->path(), req.kind, nnp); !r)
      return fail(r.error());
    std::map<std::pair<uint32_t, int32_t>, int64_t> union_calls;
    for (int i = 0; i < req.runs; ++i) {
      const std::string id = fmt::format("seclearn-base-{}-{}", ::getpid(), ++serial);
      auto calls = MeasureContainer(req.exe, dir, id, *agent, private_cgroup2);
      if (!calls) return fail(calls.error());
      for (const auto& c : *calls) ++union_calls[c];
    }
    RuntimeBaseRecord rec;
    rec.runtime = req.kind;
    rec.version = version;
    rec.no_new_privs = nnp;
    rec.kernel = u.release;
    rec.measured_ns = RealtimeNs();
    rec.runs = req.runs;
    for (const auto& [c, n] : union_calls) {
      SyscallFact f;
      f.arch = c.first;
      f.nr = c.second;
      f.count = static_cast<uint64_t>(n);
      f.phase = SyscallPhase::kRuntime;
      rec.syscalls.push_back(f);
    }
    auto id = store->AddRuntimeBase(rec);
    if (!id) return fail(id.error());
    summary += fmt::format("{}{}: {} syscalls", summary.empty() ? "" : ", ",
                           nnp ? "no_new_privs" : "privileged", rec.syscalls.size());
  }
  if (!req.quiet) {
    PrintStderrLine(fmt::format(
        "seclearn: {} ({}) base measured over {} containers each: {} ({})", req.runtime,
        OneLine(version), req.runs, summary, req.db_path));
  }
  return 0;
}

}  // namespace seclearn::cli
