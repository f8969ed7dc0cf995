// seclearn export: what was learned -> a profile file.
#include <cstdio>

#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "seclearn/core/exec.h"
#include "seclearn/emitter/seccomp_export.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {
namespace {

constexpr const char* kExportHelp = R"(usage: seclearn export [--db PATH] --app NAME --format seccomp [--runtime RUNTIME]
                       [--no-new-privileges] [-o FILE]

Emits the union of all recorded runs of app NAME as a minimal profile.

formats:
  seccomp           Docker/OCI seccomp JSON: defaultAction SCMP_ACT_ERRNO (EPERM), the native
                    architecture plus the compat ones actually used, and one SCMP_ACT_ALLOW rule
                    with the observed syscall names, sorted. Same database -> same bytes.

options:
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db)
  --app NAME        the application to export (required)
  --runtime NAME    none (default), runc, crun or docker: also allow what that OCI runtime
                    does after installing the filter, as a second, commented rule, so the
                    container can start (docker uses runc's set)
  --args MODE       learned (default): socket, socketpair, clone, unshare, personality and
                    prctl are allowed only with the argument values observed (address
                    families, namespace flags, ...), one rule per value; none: by name only
  --no-new-privileges
                    the container runs with no_new_privileges (docker run --security-opt
                    no-new-privileges, or process.noNewPrivileges): runc then installs the
                    filter later and needs fewer syscalls
  -o, --output FILE write there (atomically) instead of stdout

exit status: 0 written; 125 error (unknown app, nothing learned, unreadable database).
)";

}  // namespace

int CmdExport(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--format", "--runtime", "-o", "--output", "--args"};
  spec.flags = {"--no-new-privileges"};
  auto parsed = ParseArgs(args, spec);
  if (!parsed) {
    PrintError(parsed.error());
    return kExitSeclearnFailure;
  }
  if (parsed->help) {
    std::fputs(kExportHelp, stdout);
    return 0;
  }
  const auto app = parsed->Get("--app");
  if (!app || app->empty()) {
    PrintError("export: --app NAME is required (see seclearn export --help)");
    return kExitSeclearnFailure;
  }
  const std::string format = parsed->Get("--format").value_or("seccomp");
  if (format != "seccomp") {
    PrintError(fmt::format("export: unknown format '{}' (available: seccomp)", format));
    return kExitSeclearnFailure;
  }
  const std::string runtime = parsed->Get("--runtime").value_or("none");
  SeccompExportOptions options;
  options.app = *app;
  if (runtime != "none") {
    auto base = LoadRuntimeBase(runtime, parsed->Has("--no-new-privileges"));
    if (!base) {
      PrintError(fmt::format("export: {}", base.error().Message()));
      return kExitSeclearnFailure;
    }
    options.runtime = std::move(*base);
  }
  const std::string out_path =
      parsed->Get("-o").value_or(parsed->Get("--output").value_or("-"));

  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = Store::OpenExisting(db_path);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto has = store->HasApp(*app);
  if (!has) {
    PrintError(has.error());
    return kExitSeclearnFailure;
  }
  if (!*has) {
    auto apps = store->Apps();
    std::string known;
    if (apps)
      for (const auto& a : *apps) known += (known.empty() ? "" : ", ") + a;
    PrintError(fmt::format("export: no app '{}' in {} (known: {})", *app, db_path,
                           known.empty() ? "none" : known));
    return kExitSeclearnFailure;
  }
  auto runs = store->Runs(*app);
  auto facts = store->Syscalls(*app);
  if (!runs || !facts) {
    PrintError(!runs ? runs.error() : facts.error());
    return kExitSeclearnFailure;
  }
  if (facts->empty()) {
    PrintError(fmt::format("export: app '{}' has no recorded syscalls in {}", *app, db_path));
    return kExitSeclearnFailure;
  }
  options.runs = runs->size();
  const std::string args_mode = parsed->Get("--args").value_or("learned");
  if (args_mode != "learned" && args_mode != "none") {
    PrintError(fmt::format("export: --args takes 'learned' or 'none', not '{}'", args_mode));
    return kExitSeclearnFailure;
  }
  options.filter_args = args_mode == "learned";
  if (options.filter_args) {
    auto learned = store->SyscallArgs(*app);
    if (!learned) {
      PrintError(learned.error());
      return kExitSeclearnFailure;
    }
    options.args = std::move(*learned);
  }
  SeccompExport exp = BuildMinimalSeccomp(*facts, options);
  for (const auto& u : exp.unnamed)
    PrintWarning(fmt::format("syscall {} has no name in libseccomp; left out of the profile", u));
  if (auto r = WriteOutputFile(out_path, WriteSeccompProfile(exp.profile)); !r) {
    PrintError(r.error());
    return kExitSeclearnFailure;
  }
  if (out_path != "-") {
    std::fprintf(stderr, "seclearn: wrote %s: %zu syscalls (%zu by argument) for %s%s\n",
                 out_path.c_str(), exp.workload_names, exp.conditioned_names, app->c_str(),
                 options.runtime ? fmt::format(" + {} for {}", exp.runtime_names, runtime).c_str()
                                 : "");
  }
  return 0;
}

}  // namespace seclearn::cli
