// seclearn: learn minimal seccomp profiles by tracing real workloads.
#include <cstdio>
#include <cstring>
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
  agent     receive containers from OCI runtimes (seccomp listener) and learn each one
  runtime   OCI runtime shim (Docker, Podman, containerd): learn containers through the agent
  base      measure what an OCI runtime does after installing a container's filter
  explain   why an app needs a syscall or a path: the call stack that first made it
  check     list the recorded file accesses an AppArmor profile would deny

  seclearn COMMAND --help   options of one command
  seclearn --version

database: --db PATH, else $SECLEARN_DB, else ./seclearn.db (SQLite)
exit status: learn and run pass the workload's status through (128+N for signal N);
125 seclearn failed, 126 command not executable, 127 command not found.
)";

}  // namespace

int main(int argc, char** argv) {
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
  if (cmd == "agent") return cli::CmdAgent(rest);
  if (cmd == "runtime") return cli::CmdRuntime(rest);
  if (cmd == "base") return cli::CmdBase(rest);
  if (cmd == "explain") return cli::CmdExplain(rest);
  if (cmd == "check") return cli::CmdCheck(rest);
  cli::PrintError(std::string("unknown command '") + std::string(cmd) + "' (see seclearn --help)");
  return kExitSeclearnFailure;
}
