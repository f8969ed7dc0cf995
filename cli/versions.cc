// seclearn versions: the profiles `export` stored for an app.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>

#include "args.h"
#include "commands.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/json.h"
#include "seclearn/store/store.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr const char* kVersionsHelp =
    R"(usage: seclearn versions [--db PATH] --app NAME [--format FORMAT] [--json]

Lists the profile versions `seclearn export` stored for app NAME, oldest first: format,
version number, time, sha256, the runs it was learned from and the options that shaped it.
`seclearn export --app NAME --format FORMAT --version N` re-emits one byte for byte;
`seclearn diff --app NAME` compares two.

exit status: 0; 125 error (unknown app, unreadable database).
)";

std::string RunList(const std::vector<int64_t>& runs) {
  std::string out;
  for (int64_t r : runs) out += (out.empty() ? "" : ",") + std::to_string(r);
  return out;
}

}  // namespace

int CmdVersions(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--format"};
  spec.flags = {"--json"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "versions", kVersionsHelp, &args_status);
  if (!parsed) return args_status;
  const auto app = parsed->Get("--app");
  if (!app || app->empty()) {
    PrintError("versions: --app NAME is required (see seclearn versions --help)");
    return kExitSeclearnFailure;
  }
  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = OpenAppStore(db_path, *app, "versions");
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto versions = store->ProfileVersions(*app, parsed->Get("--format").value_or(""));
  if (!versions) {
    PrintError(versions.error());
    return kExitSeclearnFailure;
  }
  if (parsed->Has("--json")) {
    Json list = Json::Array();
    for (const auto& v : *versions) {
      Json runs = Json::Array();
      for (int64_t r : v.runs) runs.Push(Json::Int(r));
      list.Push(Json::Object()
                    .Set("format", Json::String(v.format))
                    .Set("version", Json::Int(v.version))
                    .Set("created", Json::String(FormatUtc(v.created_ns, "%Y-%m-%dT%H:%M:%SZ")))
                    .Set("sha256", Json::String(v.sha256))
                    .Set("runs", std::move(runs))
                    .Set("options", Json::String(v.options))
                    .Set("seclearn_version", Json::String(v.seclearn_version)));
    }
    std::fputs(
        WriteJson(Json::Object().Set("app", Json::String(*app)).Set("versions", std::move(list)))
            .c_str(),
        stdout);
    return 0;
  }
  if (versions->empty()) {
    std::printf("app %s: no exported versions yet (seclearn export --app %s)\n", app->c_str(),
                app->c_str());
    return 0;
  }
  std::printf("%-12s %4s  %-20s  %-12s  %-12s  %s\n", "format", "ver", "created", "sha256", "runs",
              "options");
  for (const auto& v : *versions) {
    std::printf("%-12s %4lld  %-20s  %-12s  %-12s  %s\n", v.format.c_str(),
                static_cast<long long>(v.version),
                FormatUtc(v.created_ns, "%Y-%m-%dT%H:%M:%SZ").c_str(),
                v.sha256.substr(0, 12).c_str(), RunList(v.runs).c_str(), v.options.c_str());
  }
  return 0;
}

}  // namespace seclearn::cli
