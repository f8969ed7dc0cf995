// seclearn run: enforce a seccomp profile on a command, in this process, then exec it.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>

#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "text.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/file.h"
#include "seclearn/core/fd.h"
#include "seclearn/core/seccomp_profile.h"
#include "seclearn/core/landlock.h"
#include "seclearn/enforce/capabilities.h"
#include "seclearn/enforce/landlock_apply.h"
#include "seclearn/enforce/seccomp_apply.h"

namespace seclearn::cli {
namespace {

constexpr const char* kRunUsage = R"(Usage: seclearn run [--seccomp FILE] [--landlock FILE] [--caps LIST] [OPTIONS] [--] CMD [ARGS...]

Runs CMD under the seccomp profile FILE (Docker / OCI format), the Landlock ruleset FILE
and/or with only the capabilities in LIST, the way a container runtime would: the ruleset is
enforced, the capabilities dropped and the filter loaded in this process and CMD is exec'd in
its place, so the exit status is CMD's own.

Options:
  --landlock FILE   the Landlock ruleset to enforce (landlockconfig's JSON format, as
                    `seclearn export --format landlock` writes it): rights the kernel's ABI
                    does not know are not enforced and a path that is not here is left out,
                    each said in one line (--strict: an error, nothing runs)
  --seccomp FILE    the seccomp profile to enforce. Rules with "includes"/"excludes"
                    (moby's, containers-common's) are chosen as those runtimes choose them:
                    for this architecture, this kernel and the capabilities CMD keeps
                    (--caps, else this process's bounding set)
  --caps LIST       keep only these capabilities: comma separated names with or without CAP_
                    (NET_BIND_SERVICE,CHOWN), or "" / none for no capability. They are left
                    in the bounding, permitted, effective, inheritable and ambient sets, so
                    CMD has exactly LIST whether it runs as root or not. As root without
                    no_new_privs the filter goes in first and then the capabilities are
                    dropped, as runc does: the profile must then allow capget, capset and
                    prctl (export it with --runtime runc), or pass --no-new-privs
  --strict          an unknown syscall name in the seccomp profile is an error instead of a
                    warning, and so is all that the Landlock ruleset cannot enforce here
  --quiet           do not print warnings
  --no-new-privs    set no_new_privs even when running as root
  -h, --help        show this help

Not as root, seclearn always sets no_new_privs (the kernel requires it to load a filter
without CAP_SYS_ADMIN): setuid/setgid binaries and file capabilities then no longer raise
privileges in CMD. As root, no_new_privs is set only with --no-new-privs.

Exit status: CMD's, or 125 if seclearn fails, 126 if CMD cannot be executed (a profile
that denies or kills execve included: checked before CMD is started), 127 if CMD is not
found.
)";

// What execve of `path` does under `filter`, tried in a child before this process commits to
// the filter: the profile may deny write and exit_group too, and a process that can neither
// report nor exit dies of a fault with nothing said. The child's execve has an unmapped argv,
// so an allowed call fails with EFAULT before the point of no return and runs nothing; the
// outcome comes back through shared memory, which needs no syscall.
struct ExecProbe {
  bool returned = false;  // execve returned (else the child was killed: `signal`)
  int err = 0;            // its errno: EFAULT means the filter let it through
  int signal = 0;
};

Result<ExecProbe> ProbeExec(ScmpFilter* filter, const std::string& path) {
  struct Shared {
    int returned;
    int err;
  };
  void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
  if (mem == MAP_FAILED) return ErrnoError("mmap");
  auto* shared = new (mem) Shared{0, 0};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::munmap(mem, sizeof(Shared));
    return ErrnoError("fork");
  }
  if (pid == 0) {
    if (filter != nullptr && !LoadSeccompFilter(*filter)) ::_exit(kExitSeclearnFailure);
    const long r = ::syscall(SYS_execve, path.c_str(), reinterpret_cast<char**>(8), environ);
    shared->err = r < 0 ? errno : 0;
    __atomic_store_n(&shared->returned, 1, __ATOMIC_SEQ_CST);
    ::syscall(SYS_exit_group, 0);
    __builtin_trap();  // exit_group denied too
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      ::munmap(mem, sizeof(Shared));
      return ErrnoError("waitpid");
    }
  }
  ExecProbe probe;
  probe.returned = __atomic_load_n(&shared->returned, __ATOMIC_SEQ_CST) != 0;
  probe.err = shared->err;
  if (!probe.returned && WIFSIGNALED(status)) probe.signal = WTERMSIG(status);
  ::munmap(mem, sizeof(Shared));
  if (!probe.returned && probe.signal == 0)
    return ErrnoError(EPROTO, "checking the profile's execve: the check failed to load it");
  return probe;
}

// Refuses a profile under which CMD cannot even start, with the reason; nullopt if it can.
std::optional<std::string> ExecBlockedBy(ScmpFilter& filter, const std::string& path,
                                         const std::string& cmd) {
  auto under = ProbeExec(&filter, path);
  if (!under) return std::nullopt;  // no verdict: the real execve will tell
  if (under->returned && under->err == EFAULT) return std::nullopt;
  if (!under->returned) {
    return fmt::format("{}: the seccomp profile does not let it start: execve is killed with "
                       "{} under it (allow execve)",
                       cmd, SignalName(under->signal));
  }
  // An errno the exec itself would give (not the profile's) is left to the real execve.
  if (auto without = ProbeExec(nullptr, path); without && without->returned &&
                                               without->err == under->err) {
    return std::nullopt;
  }
  return fmt::format("{}: the seccomp profile does not let it start: execve fails with {} "
                     "under it (allow execve)",
                     cmd, ::strerrorname_np(under->err) != nullptr
                              ? ::strerrorname_np(under->err)
                              : std::strerror(under->err));
}

}  // namespace

int CmdRun(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--seccomp", "--caps", "--landlock"};
  spec.flags = {"--strict", "--quiet", "--no-new-privs"};
  spec.command_tail = true;
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "run", kRunUsage, &args_status);
  if (!parsed) return args_status;
  const auto profile_path = parsed->Get("--seccomp");
  const auto caps_list = parsed->Get("--caps");
  const auto landlock_path = parsed->Get("--landlock");
  if ((!profile_path || profile_path->empty()) && !caps_list && !landlock_path) {
    PrintError("run needs --seccomp FILE, --landlock FILE or --caps LIST (see seclearn run "
               "--help)");
    return kExitSeclearnFailure;
  }
  std::optional<LandlockRuleset> landlock;
  if (landlock_path) {
    auto text = ReadWholeFile(*landlock_path, "Landlock ruleset");
    if (!text) {
      PrintError(text.error());
      return kExitSeclearnFailure;
    }
    auto ruleset = ParseLandlockRuleset(*text, *landlock_path);
    if (!ruleset) {
      PrintError(ruleset.error());
      return kExitSeclearnFailure;
    }
    landlock = std::move(*ruleset);
  }
  if (profile_path && profile_path->empty()) {
    PrintError("run: --seccomp needs a file name");
    return kExitSeclearnFailure;
  }
  std::optional<CapabilitySet> keep;
  if (caps_list) {
    auto set = ParseCapabilityList(*caps_list);
    if (!set) {
      PrintError(fmt::format("run: --caps: {}", set.error().Message()));
      return kExitSeclearnFailure;
    }
    keep = *set;
  }
  if (parsed->command.empty()) {
    PrintError("run needs a command to run (see seclearn run --help)");
    return kExitSeclearnFailure;
  }
  const bool quiet = parsed->Has("--quiet");

  std::optional<ScmpFilter> filter;
  std::string cmd = parsed->command.front();
  if (profile_path) {
    auto text = ReadWholeFile(*profile_path, "seccomp profile");
    if (!text) {
      PrintError(text.error());
      return kExitSeclearnFailure;
    }
    auto profile = ParseSeccompProfile(*text, *profile_path);
    if (!profile) {
      PrintError(profile.error());
      return kExitSeclearnFailure;
    }
    // Rules with "includes"/"excludes" are chosen as moby and podman choose them for a
    // container, against the capabilities CMD will have: --caps, else this process's
    // bounding set (what CMD may still hold).
    SeccompTarget target;
    target.arch = NativeAuditArch();
    if (keep) {
      target.capabilities = *keep;
    } else {
      auto now = CurrentCapabilities();
      if (!now) {
        PrintError(now.error());
        return kExitSeclearnFailure;
      }
      target.capabilities = now->bounding;
    }
    struct utsname uts {};
    const auto kernel = ::uname(&uts) == 0 ? ParseKernelRelease(uts.release) : std::nullopt;
    if (!kernel) {
      PrintError(fmt::format("run: cannot tell the kernel's version (uname: '{}')", uts.release));
      return kExitSeclearnFailure;
    }
    target.kernel = *kernel;
    std::vector<std::string> warnings;
    auto built = BuildSeccompFilter(*profile, target, parsed->Has("--strict"), &warnings);
    if (!quiet) {
      for (const auto& w : warnings) PrintWarning(w);
    }
    if (!built) {
      PrintError(built.error());
      return kExitSeclearnFailure;
    }
    filter = std::move(*built);
  }

  auto path = FindExecutable(cmd);
  if (!path) {
    return ReportExecFailure(cmd, path.error());
  }

  const bool nnp = ::geteuid() != 0 || parsed->Has("--no-new-privs");
  if (nnp) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      PrintError(ErrnoError("prctl(PR_SET_NO_NEW_PRIVS)"));
      return kExitSeclearnFailure;
    }
  }

  // Everything the exec needs is prepared before the filter goes in: from then on the only
  // syscall we rely on is execve (and write for a failure message, if the profile allows it).
  CArgv argv(parsed->command);
  std::fflush(stdout);
  std::fflush(stderr);
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we still have
  // it, then drop capabilities (runc's order). With no_new_privs, drop first.
  const auto restrict_caps = [&]() -> bool {
    if (!keep) return true;
    if (auto r = RestrictCapabilities(*keep, nnp); !r) {
      if (filter && !nnp && (r.error().code == EPERM || r.error().code == EACCES)) {
        PrintError(fmt::format("run: {}: the seccomp profile must allow capget, capset and "
                               "prctl to drop capabilities after it is loaded (export with "
                               "--runtime runc), or pass --no-new-privs",
                               r.error().Message()));
      } else {
        PrintError(fmt::format("run: {}", r.error().Message()));
      }
      return false;
    }
    return true;
  };
  if (landlock) {
    std::vector<std::string> notes;
    auto applied = ApplyLandlock(*landlock, parsed->Has("--strict"), &notes);
    if (!quiet) {
      for (const auto& n : notes) PrintWarning(n);
    }
    if (!applied) {
      PrintError(fmt::format("run: {}", applied.error().Message()));
      return kExitSeclearnFailure;
    }
  }
  if (nnp && !restrict_caps()) return kExitSeclearnFailure;
  if (filter) {
    if (auto blocked = ExecBlockedBy(*filter, *path, cmd)) {
      PrintError(*blocked);
      return kExitNotExecutable;
    }
    if (auto loaded = LoadSeccompFilter(*filter); !loaded) {
      PrintError(loaded.error());
      return kExitSeclearnFailure;
    }
  }
  if (!nnp && !restrict_caps()) return kExitSeclearnFailure;
  ::execv(path->c_str(), argv.data());
  const int err = errno;
  PrintError(fmt::format("{}: {}{}", cmd, std::strerror(err),
                         landlock && err == EACCES
                             ? fmt::format(" (the Landlock ruleset may not grant execute on "
                                           "{} or its interpreter)",
                                           *path)
                             : ""));
  return ExitCodeForExecErrno(err);
}

}  // namespace seclearn::cli
