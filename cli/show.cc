// seclearn show: what the database knows about an app.
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/json.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {
namespace {

constexpr const char* kShowHelp = R"(usage: seclearn show [--db PATH] [--app NAME] [--json]

Without --app: the apps in the database. With --app: its runs (command, start, duration,
exit status), its syscalls per architecture with counts and the time each was first seen,
and the executables it ran.

exit status: 0; 125 error (unknown app, unreadable database).
)";

std::string FormatTime(int64_t ns) {
  const time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>((ns / 1'000'000) % 1000));
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty();
    for (unsigned char c : a)
      if (!(std::isalnum(c) || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos))
        plain = false;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'') out += "'\\''";
      else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
      else out += c;
    }
    out += '\'';
  }
  return out;
}

std::string ArchName(uint32_t arch) {
  auto a = ArchByAudit(arch);
  return a ? std::string(a->short_name) : fmt::format("{:#x}", arch);
}

}  // namespace

int CmdShow(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app"};
  spec.flags = {"--json"};
  auto parsed = ParseArgs(args, spec);
  if (!parsed) {
    PrintError(parsed.error());
    return kExitSeclearnFailure;
  }
  if (parsed->help) {
    std::fputs(kShowHelp, stdout);
    return 0;
  }
  const bool json = parsed->Has("--json");
  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = Store::OpenExisting(db_path);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  auto apps = store->Apps();
  if (!apps) {
    PrintError(apps.error());
    return kExitSeclearnFailure;
  }
  const auto app = parsed->Get("--app");
  if (!app) {
    if (json) {
      Json list = Json::Array();
      for (const auto& a : *apps) list.Push(Json::String(a));
      std::fputs(WriteJson(Json::Object().Set("apps", std::move(list))).c_str(), stdout);
    } else {
      for (const auto& a : *apps) std::printf("%s\n", a.c_str());
    }
    return 0;
  }
  if (std::find(apps->begin(), apps->end(), *app) == apps->end()) {
    std::string known;
    for (const auto& a : *apps) known += (known.empty() ? "" : ", ") + a;
    PrintError(fmt::format("show: no app '{}' in {} (known: {})", *app, db_path,
                           known.empty() ? "none" : known));
    return kExitSeclearnFailure;
  }
  auto runs = store->Runs(*app);
  auto sys = store->Syscalls(*app);
  auto exes = store->Executables(*app);
  if (!runs || !sys || !exes) {
    PrintError(!runs ? runs.error() : !sys ? sys.error() : exes.error());
    return kExitSeclearnFailure;
  }

  if (json) {
    Json jruns = Json::Array();
    for (const auto& r : *runs) {
      Json argv = Json::Array();
      for (const auto& a : r.argv) argv.Push(Json::String(a));
      Json jr = Json::Object();
      jr.Set("run", Json::Int(r.run_id)).Set("argv", std::move(argv));
      jr.Set("backend", Json::String(r.backend)).Set("kernel", Json::String(r.kernel));
      jr.Set("host", Json::String(r.host)).Set("start", Json::String(FormatTime(r.start_ns)));
      jr.Set("end", r.end_ns ? Json::String(FormatTime(*r.end_ns)) : Json::Null());
      jr.Set("exit_status", r.exit_status ? Json::Int(*r.exit_status) : Json::Null());
      jr.Set("processes", Json::Uint(r.processes));
      jr.Set("distinct_syscalls", Json::Uint(r.distinct_syscalls));
      jruns.Push(std::move(jr));
    }
    Json jsys = Json::Array();
    for (const auto& s : *sys) {
      Json js = Json::Object();
      js.Set("arch", Json::String(ArchName(s.arch))).Set("nr", Json::Int(s.nr));
      js.Set("name", Json::String(SyscallName(s.arch, s.nr))).Set("count", Json::Uint(s.count));
      js.Set("first_seen", Json::String(FormatTime(s.first_seen_ns)));
      jsys.Push(std::move(js));
    }
    Json jexe = Json::Array();
    for (const auto& e : *exes) {
      jexe.Push(Json::Object()
                    .Set("path", Json::String(e.path))
                    .Set("count", Json::Uint(e.count))
                    .Set("first_seen", Json::String(FormatTime(e.first_seen_ns))));
    }
    Json doc = Json::Object();
    doc.Set("app", Json::String(*app)).Set("runs", std::move(jruns));
    doc.Set("syscalls", std::move(jsys)).Set("executables", std::move(jexe));
    std::fputs(WriteJson(doc).c_str(), stdout);
    return 0;
  }

  std::printf("app %s: %zu run%s, %zu distinct syscalls, %zu executables\n\n", app->c_str(),
              runs->size(), runs->size() == 1 ? "" : "s", sys->size(), exes->size());
  std::printf("runs:\n");
  for (const auto& r : *runs) {
    const std::string status = r.exit_status ? fmt::format("exit {}", *r.exit_status)
                                             : std::string(r.end_ns ? "?" : "unfinished");
    const std::string dur =
        r.end_ns ? fmt::format("{:.2f}s", static_cast<double>(*r.end_ns - r.start_ns) / 1e9) : "-";
    std::printf("  #%-4lld %s  %-10s %8s  %s  %3llu proc  %3llu syscalls  %s\n",
                static_cast<long long>(r.run_id), FormatTime(r.start_ns).c_str(), status.c_str(),
                dur.c_str(), r.backend.c_str(), static_cast<unsigned long long>(r.processes),
                static_cast<unsigned long long>(r.distinct_syscalls), ShellQuote(r.argv).c_str());
  }
  std::printf("\nsyscalls:\n");
  for (const auto& s : *sys) {
    std::printf("  %-7s %-24s %12llu  first %s\n", ArchName(s.arch).c_str(),
                SyscallName(s.arch, s.nr).c_str(), static_cast<unsigned long long>(s.count),
                FormatTime(s.first_seen_ns).c_str());
  }
  std::printf("\nexecutables:\n");
  for (const auto& e : *exes) {
    std::printf("  %-40s %8llu  first %s\n", ShellQuote({e.path}).c_str(),
                static_cast<unsigned long long>(e.count), FormatTime(e.first_seen_ns).c_str());
  }
  return 0;
}

}  // namespace seclearn::cli
