#include "access.h"

#include <cstdlib>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "seclearn/core/arch.h"
#include "seclearn/emitter/apparmor_check.h"
#include "seclearn/emitter/path_glob.h"
#include "seclearn/host/probes.h"

namespace seclearn::cli {

Result<AccessFacts> LoadAccessFacts(Store& store, std::string_view app,
                                    std::optional<int64_t> run) {
  AccessFacts out;
  auto files = store.Files(app, run);
  if (!files) return files.error();
  auto exes = store.Executables(app, run);
  if (!exes) return exes.error();
  auto net = store.Network(app, run);
  if (!net) return net.error();
  auto caps = store.Capabilities(app, run);
  if (!caps) return caps.error();
  auto sys = store.Syscalls(app, run);
  if (!sys) return sys.error();
  out.files = CollectFileAccesses(*files, *exes, ResolvePathOnHost);
  out.executables = std::move(*exes);
  out.network = std::move(*net);
  out.capabilities = std::move(*caps);
  for (const auto& s : *sys)
    if (SyscallName(s.arch, s.nr) == "ptrace") out.traces = true;
  out.syscalls = std::move(*sys);
  return out;
}

Result<std::optional<int64_t>> ParseRunOption(const ParsedArgs& args,
                                              const std::vector<RunSummary>& runs) {
  const auto v = args.Get("--run");
  if (!v) return std::optional<int64_t>();
  char* end = nullptr;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  const bool known =
      std::any_of(runs.begin(), runs.end(), [&](const RunSummary& r) { return r.run_id == n; });
  if (v->empty() || *end != '\0' || !known) {
    std::string ids;
    for (const auto& r : runs) ids += fmt::format("{}{}", ids.empty() ? "" : ", ", r.run_id);
    return UsageError(fmt::format("--run takes one of the app's runs ({}), not '{}'",
                                  ids.empty() ? "none" : ids, *v));
  }
  return std::optional<int64_t>(n);
}

Result<RunChoice> ChooseRun(Store& store, std::string_view app, const ParsedArgs& args) {
  RunChoice c;
  auto runs = store.Runs(app);
  if (!runs) return runs.error();
  c.runs = std::move(*runs);
  auto run = ParseRunOption(args, c.runs);
  if (!run) return run.error();
  c.run = *run;
  return c;
}

std::function<bool(const FileAccessRecord&, const std::vector<std::string>&)>
AbstractionCoverage() {
  // One policy per set of abstractions, parsed once.
  auto cache = std::make_shared<std::map<std::vector<std::string>, std::shared_ptr<AaPolicy>>>();
  AaParseOptions options;
  {
    auto probe = ParseAppArmorText(
        "#include <tunables/global>\nprofile probe {\n  #include <abstractions/base>\n}\n",
        "abstractions", options);
    if (!probe) return nullptr;
  }
  return [cache, options](const FileAccessRecord& r, const std::vector<std::string>& includes) {
    auto& policy = (*cache)[includes];
    if (!policy) {
      std::string text = "#include <tunables/global>\nprofile probe {\n";
      for (const auto& i : includes) text += "  #include <" + i + ">\n";
      text += "}\n";
      auto parsed = ParseAppArmorText(text, "abstractions", options);
      policy = std::make_shared<AaPolicy>(parsed ? std::move(*parsed) : AaPolicy());
    }
    return policy->Missing(ProcSelfAsPid(r.path), RequiredAaPerms(r.access)) == 0;
  };
}

}  // namespace seclearn::cli
