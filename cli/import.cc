// seclearn import --audit: the syscalls an auditd log recorded, as a run of an app.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>

#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/file.h"
#include "seclearn/learner/audit_log.h"
#include "seclearn/store/store.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr const char* kImportHelp = R"(usage: seclearn import --audit FILE|- --app NAME (--exe PATH[,PATH...] | --pid N[,N...]) [--db PATH]

Reads an auditd log (FILE, or - for standard input; auditd's is /var/log/audit/audit.log)
with libauparse and records the calls of the matching records as a run of app NAME (source
audit in `seclearn show`): SECCOMP records, one per call a `--mode complain` profile let
run (SCMP_ACT_LOG), and SYSCALL records from auditctl rules such as
  auditctl -a always,exit -F arch=b64 -S execve,mkdir,mkdirat -F exe=/usr/bin/mkdir -k seclearn
A record matches when its exe= is one of --exe's and its pid= one of --pid's (each list that
is given). Each executable the matching records name is recorded too. The next
`seclearn export` includes what was imported; `seclearn diff --app` says it was first needed
in production. Importing the same log twice adds a second run (counts add up).

options:
  --audit FILE|-    the log
  --app NAME        the app the run belongs to (created if new)
  --exe LIST        executables (absolute paths, comma-separated) whose records are taken
  --pid LIST        process ids (comma-separated) whose records are taken
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db)

A line that is not an audit record (truncated, foreign, corrupt) is skipped; the good
records are imported and the first bad line is named in one line, exit 125.

exit status: 0 imported; 125 a bad line (the good records were imported), nothing matched,
an unreadable log, bad options or database.
)";

constexpr size_t kMaxAuditLogBytes = size_t{1} << 30;

Result<std::string> ReadInput(const std::string& path) {
  if (path != "-") return ReadWholeFile(path, "audit log", kMaxAuditLogBytes);
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read the audit log from standard input");
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxAuditLogBytes) return UsageError("audit log on standard input: over 1 GiB");
  }
  return out;
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = std::min(s.find(',', pos), s.size());
    if (comma > pos) out.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int CmdImport(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--audit", "--app", "--exe", "--pid", "--db"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "import", kImportHelp, &args_status);
  if (!parsed) return args_status;
  const auto file = parsed->Get("--audit");
  const auto app = parsed->Get("--app");
  if (!file || !app) {
    PrintError("import: needs --audit FILE|- and --app NAME (see seclearn import --help)");
    return kExitSeclearnFailure;
  }
  if (!ValidAppName(*app)) {
    PrintError(fmt::format("import: invalid app name '{}': use 1-128 letters, digits, '.', '_' "
                           "or '-'",
                           OneLine(*app)));
    return kExitSeclearnFailure;
  }
  AuditMatch match;
  if (auto exe = parsed->Get("--exe")) {
    match.exes = SplitCommas(*exe);
    for (const auto& e : match.exes) {
      if (!e.starts_with("/")) {
        PrintError(fmt::format("import: --exe {}: not an absolute path", OneLine(e)));
        return kExitSeclearnFailure;
      }
    }
  }
  if (auto pids = parsed->Get("--pid")) {
    for (const auto& p : SplitCommas(*pids)) {
      pid_t pid = 0;
      const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), pid);
      if (ec != std::errc() || end != p.data() + p.size() || pid <= 0) {
        PrintError(fmt::format("import: --pid {}: not a process id", OneLine(p)));
        return kExitSeclearnFailure;
      }
      match.pids.push_back(pid);
    }
  }
  if (match.exes.empty() && match.pids.empty()) {
    PrintError("import: say whose records to take: --exe PATH[,PATH...] or --pid N[,N...]");
    return kExitSeclearnFailure;
  }

  auto text = ReadInput(*file);
  if (!text) {
    PrintError(text.error());
    return kExitSeclearnFailure;
  }
  const std::string source = *file == "-" ? "standard input" : *file;
  auto log = ReadAuditLog(*text, match);
  if (!log) {
    PrintError(log.error());
    return kExitSeclearnFailure;
  }
  const std::string bad =
      log->bad_lines == 0
          ? std::string()
          : fmt::format("{}:{}: {}{}", OneLine(source), log->first_bad_line, log->first_bad_why,
                        log->bad_lines > 1 ? fmt::format(" ({} more bad lines)", log->bad_lines - 1)
                                           : "");
  if (log->calls.empty()) {
    PrintError(fmt::format("import: {}no SECCOMP or SYSCALL record of {} records matched{}",
                           bad.empty() ? "" : bad + "; ", log->records,
                           log->records == 0 ? " (is auditd running, and the profile in "
                                               "complain mode?)"
                                             : ""));
    return kExitSeclearnFailure;
  }

  // One run: the calls summed per (arch, nr), the executables per path.
  FactsDelta delta;
  std::map<std::pair<uint32_t, int32_t>, SyscallFact> sys;
  std::map<std::string, ExecutableFact> exes;
  std::set<pid_t> pids;
  int64_t first = log->calls.front().time_ns, last = first;
  for (const AuditCall& c : log->calls) {
    first = std::min(first, c.time_ns);
    last = std::max(last, c.time_ns);
    auto [it, fresh] = sys.try_emplace({c.arch, c.nr}, SyscallFact{c.arch, c.nr, 0, c.time_ns});
    ++it->second.count;
    it->second.first_seen_ns = std::min(it->second.first_seen_ns, c.time_ns);
    if (!c.exe.empty()) {
      auto [e, new_exe] = exes.try_emplace(c.exe, ExecutableFact{c.exe, 0, c.time_ns});
      if (pids.insert(c.pid).second) ++e->second.count;
      e->second.first_seen_ns = std::min(e->second.first_seen_ns, c.time_ns);
    }
  }
  for (auto& [k, f] : sys) delta.syscalls.push_back(f);
  for (auto& [k, e] : exes) delta.executables.push_back(e);
  delta.new_processes = pids.size();

  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  auto store = Store::Open(db_path);
  if (!store) {
    PrintError(store.error());
    return kExitSeclearnFailure;
  }
  RunInfo info;
  info.app = *app;
  info.argv = {"import", "--audit", source};
  info.backend = BackendKind::kAudit;
  info.source = RunSource::kAudit;
  SetHostInfo(info);
  info.start_ns = first;
  auto run = store->BeginRun(info);
  if (!run) {
    PrintError(run.error());
    return kExitSeclearnFailure;
  }
  if (auto r = store->Flush(*run, delta); !r) {
    PrintError(r.error());
    return kExitSeclearnFailure;
  }
  if (auto r = store->EndContainerRun(*run, last, std::nullopt); !r) {
    PrintError(r.error());
    return kExitSeclearnFailure;
  }
  std::vector<std::string> names;
  for (const auto& [k, f] : sys) names.push_back(SyscallName(f.arch, f.nr));
  PrintStderrLine(fmt::format("seclearn: imported {} calls ({} distinct: {}) of {} records into "
                              "{} run {}",
                              log->calls.size(), sys.size(), fmt::join(names, " "), log->records,
                              *app, *run));
  if (!bad.empty()) {
    PrintError(fmt::format("import: {}; the good records were imported", bad));
    return kExitSeclearnFailure;
  }
  return 0;
}

}  // namespace seclearn::cli
