// What an app's database holds, as one self-contained HTML page a reviewer reads in a browser
// (`seclearn report`): runs, the seccomp profile's size against Docker's default by systemd
// syscall group (an inline SVG chart), syscalls with counts, first run and risk, the file tree
// with modes and the AppArmor and Landlock rules that grant each path, network endpoints,
// capabilities with evidence, the stored versions with their graded diffs, and call stacks.
//
//   ReportData d;
//   d.app = "web";
//   d.syscalls.push_back({.name = "openat", .arch = "x86_64", .count = 12, .first_run = 1});
//   std::string html = RenderReport(d);   // same data -> same bytes
//
// The page has no script and no reference outside itself: a Content-Security-Policy of
// default-src 'none' (inline styles only), collapsible parts as <details>. Every string in
// ReportData but the reference data's (groups, sources) comes from the workload or a profile
// and is untrusted: it reaches the page only through HtmlText (core/escape.h), as text.
// Bounded so that a large app stays a page a browser opens at once (ReportLimits): a
// directory lists its first entries and counts the rest, so do the long tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace seclearn {

struct ReportRun {
  int64_t id = 0;
  std::string source;   // learn, agent, watch, audit
  std::string backend;  // ptrace, notify, ...
  std::vector<std::string> argv;
  std::string container;
  std::string on_violation;
  int64_t start_ns = 0;
  std::optional<int64_t> end_ns;
  std::optional<int> exit_status;
  uint64_t processes = 0;
  uint64_t syscalls = 0;
};

struct ReportStack {
  std::string executable;
  int64_t run_id = 0;
  std::vector<std::string> frames;  // innermost first, one line each
  bool truncated = false;
};

struct ReportSyscall {
  std::string name;
  std::string arch;
  uint64_t count = 0;
  int64_t first_run = 0;  // 0: unknown
  std::string risk;       // the risk table's reason, or ""
  std::vector<ReportStack> stacks;
};

// One systemd syscall group: how many of its names this architecture has, how many of them
// Docker's default allows and how many the profile does.
struct ReportGroup {
  std::string name;  // "@file-system"
  bool composite = false;
  size_t total = 0;
  size_t docker = 0;
  size_t profile = 0;
};

struct ReportFile {
  std::string path;    // absolute; a directory ends in '/'
  std::string modes;   // AppArmor modes ("rw", "mr", "ix") or, failed, the access letters
  std::string result;  // "" success, else the errno name
  uint64_t count = 0;
  std::string syscall;   // the first call that made it
  std::string apparmor;  // the AppArmor export's rule granting it, as written ("" none)
  std::string landlock;  // the Landlock rule that grants it: "/usr (read_file, execute)"
  std::vector<ReportStack> stacks;
};

struct ReportEndpoint {
  std::string op, family, type, protocol, address;
  int port = -1;
  std::string result;  // "ok" or the errno name
  uint64_t count = 0;
};

struct ReportCapability {
  std::string name;  // CAP_NET_BIND_SERVICE
  bool granted = true;
  std::string syscall, evidence;
  uint64_t count = 0;
  std::string risk;
  std::vector<ReportStack> stacks;  // those of the first call's syscall
};

struct ReportChange {
  std::string kind;      // added, removed, widened, narrowed
  std::string category;  // syscall, file, capability, ...
  std::string subject;
  std::string detail;
  bool high_risk = false;
  std::string reason;
  std::string provenance;
};

struct ReportVersion {
  std::string format;
  int64_t version = 0;
  int64_t created_ns = 0;
  std::string options;
  std::string sha256;
  std::vector<int64_t> runs;
  int64_t previous = 0;  // the version it is compared with, 0: none (the first)
  std::vector<ReportChange> changes;
  std::string note;  // why there is no diff, when there is none
};

struct ReportData {
  std::string app;
  std::string database;
  std::string seclearn_version;
  std::string profile_source;  // which seccomp profile the size chart counts
  std::string docker_source;   // reference data sources, for the chart's caption
  std::string groups_source;
  size_t profile_names = 0;
  size_t docker_names = 0;
  std::vector<std::string> profile_only;  // allowed by the profile, not by Docker's default
  std::vector<ReportGroup> groups;
  std::vector<ReportRun> runs;
  std::vector<ReportSyscall> syscalls;
  std::vector<ReportFile> files;   // sorted by path (bytes)
  std::vector<ReportFile> failed;  // accesses that failed, sorted by path
  std::vector<ReportEndpoint> network;
  std::vector<ReportCapability> capabilities;
  std::vector<ReportVersion> versions;  // oldest first
  std::vector<std::string> notes;       // one line each: what the report left out and why
};

struct ReportLimits {
  size_t dir_entries = 200;   // entries listed per directory, the rest counted
  size_t file_nodes = 10000;  // tree nodes listed in all, the rest counted
  size_t rows = 2000;         // rows of any other table
  size_t stacks = 3;          // stacks per syscall or path (one per run it was first in)
  size_t frames = 24;         // frames per stack
  size_t changes = 500;       // changes listed per version
};

std::string RenderReport(const ReportData& data, const ReportLimits& limits = {});

// The reference the size chart counts against, embedded from data/report (regenerated by
// scripts/gen-report-data.sh): the names Docker's default seccomp profile allows a container
// with Docker's default capabilities on x86_64, and systemd's syscall groups.
struct SyscallGroup {
  std::string name;
  bool composite = false;          // includes other groups (@system-service, @privileged)
  std::vector<std::string> names;  // nested groups expanded
};
struct ReportReference {
  std::string docker_source;
  std::vector<std::string> docker_names;
  std::string groups_source;
  std::vector<SyscallGroup> groups;
};
const ReportReference& EmbeddedReportReference();

// Sets data.profile_names, docker_names, profile_only and groups: of each list, the names
// `audit_arch` has a number for (a name twice counts once).
void CountProfileSize(const std::vector<std::string>& profile,
                      const std::vector<std::string>& docker, const ReportReference& reference,
                      uint32_t audit_arch, ReportData& data);

}  // namespace seclearn
