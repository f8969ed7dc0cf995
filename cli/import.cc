// seclearn import --audit: the syscalls an auditd log recorded, as a run of an app.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/file.h"
#include "seclearn/core/path.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/core/syscall_table.h"
#include "seclearn/learner/access_learner.h"
#include "seclearn/learner/audit_log.h"
#include "seclearn/store/store.h"
#include "text.h"

namespace seclearn::cli {
namespace {

constexpr const char* kImportHelp = R"(usage: seclearn import --audit FILE|- --app NAME (--exe PATH[,PATH...] | --pid N[,N...] | --container ID) [--db PATH]

Reads an auditd log (FILE, or - for standard input; auditd's is /var/log/audit/audit.log)
with libauparse and records the calls of the matching records as a run of app NAME (source
audit in `seclearn show`): SECCOMP records, one per call a `--mode complain` profile let
run (SCMP_ACT_LOG), and SYSCALL records from auditctl rules such as
  auditctl -a always,exit -F arch=b64 -S execve,mkdir,mkdirat -F exe=/usr/bin/mkdir -k seclearn
A record matches when its exe= is one of --exe's and its pid= one of --pid's (each list that
is given); a SYSCALL record whose ppid= is a matched process matches too (what the workload
started). --container ID takes the processes now in the container's cgroups (it must be
running: audit records name no container). A SYSCALL event's CWD and PATH records give the
files the call touched (learned as `learn` learns them: path, access, result; a name relative
to a directory descriptor cannot be placed and is counted), SOCKADDR records its addresses,
the first EXECVE record the command line the run is shown with. Rules that record them:
  auditctl -a always,exit -F arch=b64 -S openat,execve,mkdir,unlinkat,renameat2,connect,bind \
    -F uid=33 -k seclearn
Each executable the matching records name is recorded too. The next
`seclearn export` includes what was imported; `seclearn diff --app` says it was first needed
in production. Importing the same log twice adds a second run (counts add up).

options:
  --audit FILE|-    the log
  --app NAME        the app the run belongs to (created if new)
  --exe LIST        executables (absolute paths, comma-separated) whose records are taken
  --pid LIST        process ids (comma-separated) whose records are taken, and their children's
  --container ID    the processes in container ID's cgroups (a runc/crun id, a Docker or
                    Podman id, 12+ hex digits as a prefix) under /sys/fs/cgroup, and their
                    children
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

// Whether a cgroup directory's name is container `id`'s: the id itself, or as Docker, Podman,
// CRI-O and containerd name theirs (docker-ID.scope, libpod-ID.scope, ...); an id of 12 or
// more hex digits also matches as a prefix (Docker's short ids).
bool CgroupOfContainer(std::string_view dir, std::string_view id) {
  for (std::string_view prefix : {"docker-", "libpod-", "crio-", "cri-containerd-"})
    if (dir.starts_with(prefix)) dir.remove_prefix(prefix.size());
  if (dir.ends_with(".scope")) dir.remove_suffix(6);
  if (dir == id) return true;
  const bool hex = id.size() >= 12 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  return hex && dir.size() == 64 && dir.starts_with(id);
}

// The processes now in the cgroups of container `id` (and their child cgroups), in every
// hierarchy under `root`. Audit records name processes, not containers (no cgroup, no
// namespace): the container must be running, and what its processes started is matched
// through the records' ppid=.
Result<std::vector<pid_t>> ContainerPids(const std::string& root, std::string_view id) {
  namespace fs = std::filesystem;
  std::set<pid_t> pids;
  size_t cgroups = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return UsageError(fmt::format("cannot read {}: {}", root, ec.message()));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it.depth() > 8) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    if (!CgroupOfContainer(it->path().filename().native(), id)) continue;
    ++cgroups;
    auto add = [&](const fs::path& d) {
      auto procs = ReadWholeFile((d / "cgroup.procs").native(), "cgroup.procs", 1 << 20);
      if (!procs) return;
      size_t pos = 0;
      while (pos < procs->size()) {
        const size_t nl = std::min(procs->find('\n', pos), procs->size());
        pid_t pid = 0;
        const auto [end, err] = std::from_chars(procs->data() + pos, procs->data() + nl, pid);
        if (err == std::errc() && pid > 0) pids.insert(pid);
        pos = nl + 1;
      }
    };
    add(it->path());
    constexpr auto kSkip = fs::directory_options::skip_permission_denied;
    for (fs::recursive_directory_iterator sub(it->path(), kSkip, ec);
         !ec && sub != fs::recursive_directory_iterator(); sub.increment(ec))
      if (sub->is_directory(ec)) add(sub->path());
    it.disable_recursion_pending();
  }
  if (cgroups == 0)
    return UsageError(fmt::format("no cgroup under {} is container {}'s (is it running?)", root,
                                  id));
  if (pids.empty())
    return UsageError(fmt::format("container {}'s cgroups hold no process (is it running?)", id));
  return std::vector<pid_t>(pids.begin(), pids.end());
}

struct AuditAccess {
  std::vector<std::string> command;  // the first EXECVE record's command line
  size_t unresolved = 0;             // relative names of a dirfd call: the directory is untold
};

// A name from a PATH record, absolute: relative ones against the event's CWD when the call
// resolves them from the cwd (no dirfd argument, or AT_FDCWD); empty when the record does not
// say which directory (a real dirfd, or no CWD record).
std::string AbsoluteName(const AuditCall& c, const std::string& name, int dirfd_arg) {
  if (name.starts_with("/")) return NormalizePath(name);
  const bool from_cwd = dirfd_arg < 0 ||
                        (dirfd_arg < static_cast<int>(c.args.size()) &&
                         static_cast<int32_t>(c.args[static_cast<size_t>(dirfd_arg)]) == AT_FDCWD);
  if (!from_cwd || !c.cwd.starts_with("/")) return "";
  return NormalizePath(c.cwd + "/" + name);
}

AuditAccess LearnAccess(const std::vector<AuditCall>& calls, FactsDelta* delta) {
  AuditAccess out;
  AccessLearner learner;
  for (const AuditCall& c : calls) {
    if (out.command.empty() && !c.argv.empty()) out.command = c.argv;
    if (c.seccomp || (c.paths.empty() && c.sockaddr.empty())) continue;
    const SyscallInfo* si = LookupSyscall(c.arch, c.nr);
    if (si == nullptr) continue;
    SyscallEvent ev;
    ev.arch = c.arch;
    ev.nr = c.nr;
    for (size_t i = 0; i < c.args.size(); ++i) ev.args[i] = c.args[i];
    ev.pid = ev.tid = c.pid;
    ev.time_ns = c.time_ns;
    ev.has_result = c.has_exit;
    ev.result = c.exit;
    ev.resolved = true;
    ev.sockaddr = c.sockaddr;
    // The names the call passed are its PATH records that are not the directories looked up
    // on the way (PARENT), in item order: one per path argument. symlink's target is no
    // name the kernel resolves (its record, first, has no inode): only the new link counts.
    std::vector<const AuditPath*> named;
    for (const AuditPath& p : c.paths)
      if (p.nametype != "PARENT" && !p.name.empty()) named.push_back(&p);
    const std::string_view sys = si->name;
    const bool symlink = sys == "symlink" || sys == "symlinkat";
    if (symlink && named.size() > 1) named.erase(named.begin());
    const int8_t args[2] = {si->path_args.first, si->path_args.second};
    const int8_t dirfds[2] = {si->dirfd_args.first, si->dirfd_args.second};
    bool complete = true;
    size_t next = 0;
    for (int i = symlink ? 1 : 0; i < 2 && next < named.size(); ++i) {
      if (args[i] < 0) continue;
      const std::string& name = named[next++]->name;
      std::string abs = AbsoluteName(c, name, dirfds[i]);
      if (abs.empty()) complete = false;
      (i == 0 ? ev.path : ev.path2) = name;
      (i == 0 ? ev.abs_path : ev.abs_path2) = std::move(abs);
    }
    if (!complete) {
      ++out.unresolved;
      continue;
    }
    learner.OnSyscall(ev);
  }
  learner.TakeDelta(*delta);
  // Audit records carry no capability sets: what a call exercised is not known here.
  delta->capabilities.clear();
  return out;
}

}  // namespace

int CmdImport(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--audit", "--app", "--exe", "--pid", "--container", "--db"};
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
  if (auto id = parsed->Get("--container")) {
    if (id->empty() || id->size() > 128 || !ValidAppName(*id)) {
      PrintError(fmt::format("import: --container {}: not a container id", OneLine(*id)));
      return kExitSeclearnFailure;
    }
    const char* root = std::getenv("SECLEARN_CGROUP_ROOT");
    auto pids = ContainerPids(root != nullptr && *root != '\0' ? root : "/sys/fs/cgroup", *id);
    if (!pids) {
      PrintError(fmt::format("import: --container {}: {}", *id, pids.error().Message()));
      return kExitSeclearnFailure;
    }
    match.pids.insert(match.pids.end(), pids->begin(), pids->end());
  }
  if (match.exes.empty() && match.pids.empty()) {
    PrintError("import: say whose records to take: --exe PATH[,PATH...], --pid N[,N...] or "
               "--container ID");
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
    // runc init runs from a copy of runc outside the container's root: its exe= is "/".
    if (!c.exe.empty() && !c.exe.ends_with('/')) {
      auto [e, new_exe] = exes.try_emplace(c.exe, ExecutableFact{c.exe, 0, c.time_ns});
      if (pids.insert(c.pid).second) ++e->second.count;
      e->second.first_seen_ns = std::min(e->second.first_seen_ns, c.time_ns);
    }
  }
  // Files and addresses: each SYSCALL event with PATH or SOCKADDR records becomes the event
  // a tracer would have made of the call, learned as `learn` learns it.
  const AuditAccess access = LearnAccess(log->calls, &delta);
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
  if (!access.command.empty()) {
    info.argv.push_back("--");
    info.argv.insert(info.argv.end(), access.command.begin(), access.command.end());
  }
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
                              "{} run {}{}{}",
                              log->calls.size(), sys.size(), fmt::join(names, " "), log->records,
                              *app, *run,
                              delta.files.empty() && delta.network.empty()
                                  ? ""
                                  : fmt::format(", {} file and {} network facts",
                                                delta.files.size(), delta.network.size()),
                              access.unresolved == 0
                                  ? ""
                                  : fmt::format(" ({} paths relative to a directory descriptor "
                                                "not resolved)",
                                                access.unresolved)));
  if (!bad.empty()) {
    PrintError(fmt::format("import: {}; the good records were imported", bad));
    return kExitSeclearnFailure;
  }
  return 0;
}

}  // namespace seclearn::cli
