// seclearn: learn minimal seccomp profiles by tracing real workloads.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <span>
#include <string_view>

#include "commands.h"
#include "seclearn/core/exec.h"

namespace {

constexpr const char* kHelp = R"(usage: seclearn COMMAND [OPTIONS]

Learns what a workload needs by tracing it, and emits minimal security profiles.

commands:
  learn     run a command under the tracer and record its syscalls into the database
  export    emit a minimal profile (Docker/OCI seccomp JSON) from what was learned
  run       run a command under a Docker/OCI seccomp profile and/or only some capabilities
  show      list apps, or an app's runs, syscalls and executables
  versions  list the profile versions export stored for an app
  diff      what a new profile allows that the old one did not, graded by risk (a CI gate)
  merge     fold databases learned on several hosts into one
  import    record the syscalls of an auditd log (complain mode's SECCOMP records) as a run
  agent     receive containers from OCI runtimes (seccomp listener) and learn each one
  runtime   OCI runtime shim (Docker, Podman, containerd): learn containers through the agent
  base      measure what an OCI runtime does after installing a container's filter
  explain   why an app needs a syscall or a path: the call stack that first made it
  check     list the recorded file accesses an AppArmor profile would deny
  report    one self-contained HTML page of an app's runs, syscalls, files, versions, risks

  seclearn COMMAND --help   options of one command
  seclearn --version

database: --db PATH, else $SECLEARN_DB, else ./seclearn.db (SQLite)
exit status: learn and run pass the workload's status through (128+N for signal N);
125 seclearn failed, 126 command not executable, 127 command not found.
)";

}  // namespace

namespace {

int Dispatch(int argc, char** argv) {
  using namespace seclearn;
  // Installed as a runtime (dockerd --add-runtime NAME=/path/seclearn-runtime): every
  // argument belongs to the runtime.
  if (std::string_view self = argv[0]; self.substr(self.rfind('/') + 1) == "seclearn-runtime") {
    return cli::CmdRuntimeShim(self, std::span<char*>(argv + 1, static_cast<size_t>(argc - 1)));
  }
  if (argc < 2) {
    std::fputs(kHelp, stderr);
    return kExitSeclearnFailure;
  }
  const std::string_view cmd = argv[1];
  std::span<char*> rest(argv + 2, static_cast<size_t>(argc - 2));
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    std::printf("seclearn %s\n", SECLEARN_VERSION);
    return 0;
  }
  if (cmd == "learn") return cli::CmdLearn(rest);
  if (cmd == "export") return cli::CmdExport(rest);
  if (cmd == "run") return cli::CmdRun(rest);
  if (cmd == "show") return cli::CmdShow(rest);
  if (cmd == "versions") return cli::CmdVersions(rest);
  if (cmd == "diff") return cli::CmdDiff(rest);
  if (cmd == "merge") return cli::CmdMerge(rest);
  if (cmd == "import") return cli::CmdImport(rest);
  if (cmd == "agent") return cli::CmdAgent(rest);
  if (cmd == "runtime") return cli::CmdRuntime(rest);
  if (cmd == "base") return cli::CmdBase(rest);
  if (cmd == "explain") return cli::CmdExplain(rest);
  if (cmd == "check") return cli::CmdCheck(rest);
  if (cmd == "report") return cli::CmdReport(rest);
  cli::PrintError(std::string("unknown command '") + std::string(cmd) + "' (see seclearn --help)");
  return kExitSeclearnFailure;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace seclearn;
  // Off a terminal, output is kept until exit, so that a failed write is seen at the flush
  // below with its errno (a write that fails mid-way leaves only the error flag).
  static char stdout_buffer[1 << 20];
  if (::isatty(STDOUT_FILENO) == 0) {
    std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
  }
  int status = kExitSeclearnFailure;
  try {
    status = Dispatch(argc, argv);
  } catch (const std::exception& e) {
    // A library that throws (fmt on a failed write, an allocation): one line, never abort().
    cli::PrintError(e.what());
    status = kExitSeclearnFailure;
  }
  // Output lost to a full disk or a closed descriptor is a failure of the command, not a
  // success: stdout is buffered, so the last of it goes (or fails) here.
  const int flushed = std::fflush(stdout);
  const int err = errno;
  if (flushed != 0 || std::ferror(stdout)) {
    cli::PrintError(fmt::format("cannot write to stdout: {}",
                                flushed != 0 ? std::strerror(err) : "a write failed, output lost"));
    // diff's trouble is 2, as diff(1)'s.
    status = argc >= 2 && std::string_view(argv[1]) == "diff" ? 2 : kExitSeclearnFailure;
  }
  return status;
}
