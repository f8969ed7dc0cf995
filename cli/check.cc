// seclearn check: which recorded file accesses an AppArmor profile would deny.
#include <cstdio>

#include <fmt/format.h>

#include "access.h"
#include "args.h"
#include "commands.h"
#include "seclearn/core/exec.h"
#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/path_glob.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {
namespace {

constexpr const char* kCheckHelp =
    R"(usage: seclearn check [--db PATH] --app NAME --apparmor FILE [--run N] [--profile P]
                      [-I DIR]

Evaluates the file accesses recorded for app NAME (all runs, or run N) against the file rules
of the AppArmor profile FILE the way the kernel matches them: globs (* ** ? [...] {a,b}),
variables (@{PROC}, @{pid}, @{HOME}, ... from the profile and its includes), deny rules.
Lists each access it would deny, with the modes missing, on stdout.

Paths are resolved on this host as export resolves them (symlinks, /proc/self). Failed
accesses are not checked (the kernel refused them without AppArmor); `owner` rules count as
matching; rules other than file rules are not checked.

options:
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db)
  --app NAME        the application whose accesses to check (required)
  --apparmor FILE   the profile (required)
  --run N           only run N's accesses
  --profile P       which profile of FILE (default: the first)
  -I DIR            where includes are found (default /etc/apparmor.d)

exit status: 0 nothing would be denied; 1 something would be; 125 bad input (malformed
profile, named FILE:LINE; unknown app or run; unreadable database).
)";

}  // namespace

int CmdCheck(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--apparmor", "--run", "--profile", "-I"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "check", kCheckHelp, &args_status);
  if (!parsed) return args_status;
  const auto app = parsed->Get("--app");
  const auto profile_path = parsed->Get("--apparmor");
  if (!app || app->empty() || !profile_path || profile_path->empty()) {
    PrintError("check: --app NAME and --apparmor FILE are required (see seclearn check --help)");
    return kExitSeclearnFailure;
  }

  AaParseOptions options;
  if (auto dir = parsed->Get("-I")) options.include_dirs = {*dir};
  options.profile = parsed->Get("--profile").value_or("");
  auto policy = ParseAppArmorFile(*profile_path, options);
  if (!policy) {
    PrintError(fmt::format("check: {}", policy.error().Message()));
    return kExitSeclearnFailure;
  }

  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = OpenAppStore(db_path, *app, "check");
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto choice = ChooseRun(*store, *app, *parsed);
  if (!choice) {
    PrintError(fmt::format("check: {}", choice.error().Message()));
    return kExitSeclearnFailure;
  }
  const std::optional<int64_t> run = choice->run;
  auto facts = LoadAccessFacts(*store, *app, run);
  if (!facts) {
    PrintError(facts.error());
    return kExitSeclearnFailure;
  }
  for (const auto& why : facts->files.refused) PrintWarning(why);

  size_t checked = 0, denied = 0;
  for (const auto& r : facts->files.records) {
    const uint32_t need = RequiredAaPerms(r.access);
    if (need == 0) continue;
    ++checked;
    const uint32_t missing = policy->Missing(ProcSelfAsPid(r.path), need);
    if (missing == 0) continue;
    ++denied;
    std::printf("%-5s %s  (%s, %llux)\n", AaPermString(missing).c_str(),
                AaPathExpr().Literal(r.path).Token().c_str(), OneLine(r.syscall).c_str(),
                static_cast<unsigned long long>(r.count));
  }
  std::fflush(stdout);
  const std::string scope = run ? fmt::format("run {}", *run) : "all runs";
  std::fprintf(stderr,
               "seclearn: check: profile %s (%s): %zu accesses of %s checked, %zu would be "
               "denied\n",
               OneLine(policy->model().name).c_str(), OneLine(*profile_path).c_str(), checked,
               scope.c_str(), denied);
  return denied == 0 ? 0 : 1;
}

}  // namespace seclearn::cli
