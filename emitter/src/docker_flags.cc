#include "seclearn/emitter/docker_flags.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "seclearn/core/path.h"
#include "seclearn/emitter/path_glob.h"

namespace seclearn {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Escaped(std::string_view path) { return AaPathExpr().Literal(path).Token(); }

// "memory: 114Mi, cpu: 1000m", for the reason line.
std::string K8sInline(const ResourceLimits& lim) {
  std::vector<std::string> items;
  for (const auto& [name, value] : K8sLimits(lim)) items.push_back(name + ": " + value);
  return fmt::format("{}", fmt::join(items, ", "));
}

// Directories docker can give a container as tmpfs, in the order the flags list them.
constexpr std::array<std::string_view, 3> kScratchDirs = {"/tmp", "/var/tmp", "/run"};

// Mounted by docker itself in every container (and writable under --read-only).
bool DockerMounted(std::string_view path) {
  return path == "/dev" || StartsWith(path, "/dev/") || path == "/proc" ||
         StartsWith(path, "/proc/") || path == "/sys" || StartsWith(path, "/sys/");
}

std::optional<std::string_view> ScratchDirOf(std::string_view path) {
  for (auto d : kScratchDirs)
    if (path == d || StartsWith(path, std::string(d) + "/")) return d;
  if (StartsWith(path, "/var/run/")) return "/run";
  return std::nullopt;
}

std::string ShellWord(std::string_view s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(s);
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

ResourceLimits LimitsOf(const std::vector<RunResources>& resources) {
  ResourceLimits out;
  RunResources peak;
  double busiest = 0;  // the largest cpu/wall ratio of a run
  bool cpu_seen = false;
  for (const auto& r : resources) {
    peak.peak_memory_bytes = std::max(peak.peak_memory_bytes, r.peak_memory_bytes);
    peak.peak_tasks = std::max(peak.peak_tasks, r.peak_tasks);
    peak.max_fd = std::max(peak.max_fd, r.max_fd);
    if (r.wall_ns != 0 && r.cpu_ns != 0) {
      cpu_seen = true;
      busiest = std::max(busiest, static_cast<double>(r.cpu_ns) / static_cast<double>(r.wall_ns));
    }
  }
  if (peak.peak_memory_bytes != 0) {
    out.memory_mib = std::max<uint64_t>(
        kMemoryFloorBytes >> 20,
        static_cast<uint64_t>(static_cast<double>(peak.peak_memory_bytes) * kLimitHeadroom /
                              1048576.0) + 1);
    out.parts.push_back(fmt::format("memory {}m (peak {:.1f} MiB)", *out.memory_mib,
                                    static_cast<double>(peak.peak_memory_bytes) / 1048576.0));
  }
  if (peak.peak_tasks != 0) {
    out.pids = std::max<uint64_t>(
        kPidsFloor, static_cast<uint64_t>(static_cast<double>(peak.peak_tasks) * kLimitHeadroom));
    out.parts.push_back(fmt::format("pids {} (peak {} tasks)", *out.pids, peak.peak_tasks));
  }
  if (peak.max_fd >= 0) {
    out.nofile = std::max<uint64_t>(
        kNofileFloor, static_cast<uint64_t>(static_cast<double>(peak.max_fd + 1) * kLimitHeadroom));
    out.parts.push_back(fmt::format("nofile {} (highest descriptor {})", *out.nofile,
                                    peak.max_fd));
  }
  if (cpu_seen) {
    out.cpus = std::max(kCpusFloor, std::ceil(busiest * kLimitHeadroom * 10.0) / 10.0);
    out.parts.push_back(
        fmt::format("cpus {:.1f} (busiest run {:.2f} CPUs on average)", *out.cpus, busiest));
  }
  return out;
}

Json OciResources(const ResourceLimits& lim) {
  constexpr uint64_t kPeriodUs = 100000;
  Json resources = Json::Object();
  if (lim.memory_mib)
    resources.Set("memory", Json::Object().Set("limit", Json::Uint(*lim.memory_mib << 20)));
  if (lim.pids) resources.Set("pids", Json::Object().Set("limit", Json::Uint(*lim.pids)));
  if (lim.cpus) {
    resources.Set("cpu", Json::Object()
                             .Set("quota", Json::Uint(static_cast<uint64_t>(
                                               std::lround(*lim.cpus * kPeriodUs))))
                             .Set("period", Json::Uint(kPeriodUs)));
  }
  Json out = Json::Object();
  out.Set("linux", Json::Object().Set("resources", std::move(resources)));
  if (lim.nofile) {
    Json rlimits = Json::Array();
    rlimits.Push(Json::Object()
                     .Set("type", Json::String("RLIMIT_NOFILE"))
                     .Set("hard", Json::Uint(*lim.nofile))
                     .Set("soft", Json::Uint(*lim.nofile)));
    out.Set("process", Json::Object().Set("rlimits", std::move(rlimits)));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> K8sLimits(const ResourceLimits& lim) {
  std::vector<std::pair<std::string, std::string>> out;
  if (lim.memory_mib) out.emplace_back("memory", fmt::format("{}Mi", *lim.memory_mib));
  if (lim.cpus)
    out.emplace_back("cpu", fmt::format("{}m", static_cast<int>(std::lround(*lim.cpus * 1000))));
  return out;
}

DockerFlags BuildDockerFlags(const DockerFlagsInput& in) {
  DockerFlags f;
  f.options.push_back("--security-opt seccomp=" + ShellWord(in.seccomp_path));
  f.reasons.push_back(
      fmt::format("seccomp: the learned profile, expected at {}", Escaped(in.seccomp_path)));
  if (in.apparmor) {
    f.options.push_back("--security-opt apparmor=" + ShellWord(in.apparmor_profile));
    f.reasons.push_back(fmt::format(
        "apparmor: profile {} (load it first: apparmor_parser -r FILE)", in.apparmor_profile));
  } else {
    f.reasons.push_back(fmt::format(
        "no --security-opt apparmor={}: {} (where AppArmor runs, load the profile with "
        "apparmor_parser -r FILE and add it, or pass --apparmor-profile)",
        ShellWord(in.apparmor_profile), in.apparmor_absent));
  }
  if (in.selinux) {
    f.options.push_back("--security-opt label=type:" + ShellWord(in.selinux_type));
    f.reasons.push_back(fmt::format(
        "selinux: type {} (install its module first: semodule -i seclearn_container.cil "
        "MODULE.cil, from export --format selinux)", Escaped(in.selinux_type)));
  } else if (!in.selinux_type.empty()) {
    f.reasons.push_back(fmt::format(
        "no --security-opt label=type:{}: {} (where SELinux runs, install the module of "
        "export --format selinux and add it, or pass --selinux-type)",
        ShellWord(in.selinux_type), in.selinux_absent));
  }

  for (const auto& c : DockerCapabilityFlags(in.capabilities)) f.options.push_back(c);
  const auto caps = CapabilityNames(in.capabilities);
  f.reasons.push_back(
      caps.empty() ? "capabilities: none exercised, all dropped"
                   : fmt::format("capabilities: only the {} exercised", fmt::join(caps, ", ")));

  if (in.privileged_executables.empty()) {
    f.options.push_back("--security-opt no-new-privileges");
    f.reasons.push_back(fmt::format(
        "no-new-privileges: none of the {} executed binaries is setuid, setgid or has file "
        "capabilities on this host (checked at export; the image's copies may differ); with "
        "it the seccomp profile may be exported with --runtime docker --no-new-privileges "
        "(runc then needs fewer calls)",
        in.executables));
  } else {
    f.reasons.push_back(
        fmt::format("no no-new-privileges: {}{}", in.privileged_executables[0],
                    in.privileged_executables.size() > 1
                        ? fmt::format(" (and {} more)", in.privileged_executables.size() - 1)
                        : ""));
  }

  // Writes.
  std::set<std::string_view> scratch_written;
  std::vector<std::string> elsewhere;
  std::vector<std::string> preexisting_reads;
  for (const auto& r : in.files) {
    if (DockerMounted(r.path)) continue;
    const auto scratch = ScratchDirOf(r.path);
    if (r.access & kWritingAccess) {
      if (scratch)
        scratch_written.insert(*scratch);
      else
        elsewhere.push_back(r.path);
    } else if (scratch && !(r.access & kAccessExec) && r.path.back() != '/') {
      preexisting_reads.push_back(r.path);
    }
  }
  const bool read_only = elsewhere.empty();
  if (read_only) {
    f.options.push_back("--read-only");
    for (auto d : kScratchDirs)
      if (scratch_written.count(d)) f.options.push_back(fmt::format("--tmpfs {}", d));
    std::string reason = scratch_written.empty()
                             ? "read-only: the workload wrote no file"
                             : fmt::format("read-only: every write went to {} (tmpfs)",
                                           fmt::join(scratch_written, ", "));
    if (!preexisting_reads.empty() && !scratch_written.empty()) {
      reason += fmt::format("; note it also read {} there, which a fresh tmpfs will not hold",
                            Escaped(preexisting_reads[0]));
    }
    f.reasons.push_back(reason);
  } else {
    f.reasons.push_back(fmt::format(
        "no --read-only: the workload wrote {}{} outside /tmp, /var/tmp and /run (mount a "
        "volume there to use --read-only)",
        Escaped(elsewhere[0]),
        elsewhere.size() > 1 ? fmt::format(" and {} more", elsewhere.size() - 1) : ""));
  }

  // User.
  std::optional<std::string> root_reason;
  std::optional<std::string> write_only;  // the blocker is a write there, its reads are open
  if (in.capabilities != 0) {
    root_reason = fmt::format("it exercised {}", caps[0]);
  } else if (in.needs_root) {
    for (const auto& r : in.files) {
      // Beneath a --tmpfs the files are the workload's own, in a fresh tmpfs every user may
      // write (mode 1777): what the image holds there is hidden.
      const auto scratch = ScratchDirOf(r.path);
      if (read_only && scratch && scratch_written.count(*scratch)) continue;
      if ((root_reason = in.needs_root(r))) {
        FileAccessRecord reads = r;
        reads.access &= ~kWritingAccess;
        if (reads.access == 0 || !in.needs_root(reads)) {
          std::string at = r.path;
          if (at.size() > 1 && at.back() == '/') at.pop_back();
          if (r.access & (kAccessCreate | kAccessDelete | kAccessLink)) at = ParentPath(at);
          write_only = at;
        }
        break;
      }
    }
  }
  if (!root_reason) {
    f.options.push_back("--user 65534:65534");
    f.reasons.push_back(fmt::format(
        "user: nobody (65534): no capability exercised and every access is open to other "
        "users by its mode on this host{}",
        read_only && !scratch_written.empty()
            ? fmt::format(" (the writes to {} go to a fresh tmpfs, mode 1777, whatever the "
                          "image's files there are)",
                          fmt::join(scratch_written, ", "))
            : ""));
  } else {
    std::string why = "no --user: " + *root_reason;
    if (write_only)
      why += fmt::format("; as nobody it needs only to write there: give it {} (chown -R "
                         "65534:65534 in the image, or a volume owned by 65534:65534 at it) "
                         "and add --user 65534:65534",
                         Escaped(*write_only));
    f.reasons.push_back(why);
  }

  // User namespaces: advised only when a run proved the workload does as well in one.
  if (in.userns_runs.empty()) {
    f.reasons.push_back(
        "userns: not proven: no run was learned in a user namespace (seclearn learn --userns)");
  } else {
    const int want = in.plain_exit.value_or(0);
    const DockerFlagsInput::UsernsRun* bad = nullptr;
    for (const auto& r : in.userns_runs)
      if (!r.exit_status || *r.exit_status != want) bad = bad ? bad : &r;
    if (bad == nullptr) {
      f.reasons.push_back(fmt::format(
          "userns: run{} {} ran as root of a user namespace (map {}) and exited {} as {}: "
          "dockerd --userns-remap or rootless Podman (--userns=auto) fit",
          in.userns_runs.size() == 1 ? "" : "s", in.userns_runs.front().run_id,
          in.userns_runs.front().map, want,
          in.plain_exit ? "the other runs did" : "expected"));
    } else {
      f.reasons.push_back(fmt::format(
          "userns: run {} {} in a user namespace (map {}), not {} as {}: keep the host's ids "
          "(no --userns-remap)",
          bad->run_id,
          bad->exit_status ? fmt::format("exited {}", *bad->exit_status) : "did not finish",
          bad->map, want, in.plain_exit ? "the other runs" : "expected"));
    }
  }

  // Resource limits.
  if (in.resources.empty()) {
    f.reasons.push_back(
        "no resource limits: no recorded run measured its peaks (seclearn learn and the agent "
        "record them; imported and older runs have none)");
  } else {
    const ResourceLimits lim = LimitsOf(in.resources);
    if (lim.memory_mib) f.options.push_back(fmt::format("--memory {}m", *lim.memory_mib));
    if (lim.pids) f.options.push_back(fmt::format("--pids-limit {}", *lim.pids));
    if (lim.nofile) f.options.push_back(fmt::format("--ulimit nofile={0}:{0}", *lim.nofile));
    if (lim.cpus) f.options.push_back(fmt::format("--cpus {:.1f}", *lim.cpus));
    if (lim.parts.empty()) {
      f.reasons.push_back("no resource limits: the recorded runs measured no peak");
    } else {
      f.reasons.push_back(fmt::format(
          "limits: {} from {} measured run{} ({}x the peak, floors {} MiB, {} pids, {} files, "
          "{:.1f} CPUs){}; Kubernetes: resources.limits {{{}}}",
          fmt::join(lim.parts, ", "), in.resources.size(), in.resources.size() == 1 ? "" : "s",
          kLimitHeadroom, kMemoryFloorBytes >> 20, kPidsFloor, kNofileFloor, kCpusFloor,
          in.cgroups.empty() ? "" : "; cgroups here: " + in.cgroups, K8sInline(lim)));
    }
  }

  // Network.
  const NetworkFact* inet = nullptr;
  for (const auto& n : in.network) {
    if (n.family == AF_INET || n.family == AF_INET6) {
      inet = &n;
      break;
    }
  }
  if (inet == nullptr) {
    f.options.push_back("--network none");
    f.reasons.push_back("network: none: the workload made no inet or inet6 socket");
  } else {
    std::string what(NetOpName(inet->op));
    if (!inet->address.empty())
      what += fmt::format(" {}{}", Escaped(inet->address),
                          inet->port >= 0 ? fmt::format(":{}", inet->port) : "");
    f.reasons.push_back("keeps the network: the workload used inet sockets (" + what + ")");
  }
  return f;
}

}  // namespace seclearn
