// seclearn export: what was learned -> a profile file, stored as a numbered version.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>

#include <unistd.h>

#include "access.h"
#include "args.h"
#include "commands.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/escape.h"
#include "seclearn/core/exec.h"
#include "seclearn/core/file.h"
#include "seclearn/core/json.h"
#include "seclearn/core/kernel_syscalls.h"
#include "seclearn/core/sha256.h"
#include "seclearn/core/syscall_event.h"
#include "seclearn/emitter/apparmor.h"
#include "seclearn/emitter/landlock.h"
#include "seclearn/emitter/capabilities.h"
#include "seclearn/emitter/docker_flags.h"
#include "seclearn/emitter/k8s.h"
#include "seclearn/emitter/retarget.h"
#include "seclearn/emitter/runtime_base.h"
#include "seclearn/emitter/seccomp_export.h"
#include "seclearn/emitter/seccomp_mode.h"
#include "seclearn/emitter/selinux.h"
#include "seclearn/host/image.h"
#include "seclearn/host/probes.h"
#include "seclearn/host/selinux.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {
namespace {

constexpr const char* kExportHelp = R"(usage: seclearn export [--db PATH] --app NAME [--format FORMAT] [options] [-o FILE]
       seclearn export [--db PATH] --app NAME [--format FORMAT] --version N [-o FILE]

Emits the union of all recorded runs of app NAME as a minimal profile, and stores what it
emitted as the next numbered version of (app, format) (`seclearn versions` lists them);
exporting again with nothing new learned gives the same bytes and the same version.

formats:
  seccomp           Docker/OCI seccomp JSON (default): defaultAction SCMP_ACT_ERRNO (EPERM),
                    the native architecture plus the compat ones actually used, one
                    SCMP_ACT_ALLOW rule with the observed names, one rule per learned argument
                    value for socket, clone, ... Same database -> same bytes.
  k8s-seccomp       the same as a Security Profiles Operator SeccompProfile (YAML)

  The seccomp formats take --mode: enforce (default) refuses what was not learned; complain
  lets it run with SCMP_ACT_LOG (one audit record per call: `seclearn import --audit`);
  watch notifies `seclearn agent` of it (listenerPath, listenerMetadata naming the app, this
  version and --on-violation), which records it as a production fact and continues it
  (allow) or fails it with EPERM (deny). If no agent listens, the kernel fails such calls
  with ENOSYS. runc (--runtime runc, docker, containerd) refuses NOTIFY as the default
  action and on write: the watch profile then lists every other name, said on stderr.
  apparmor          an AppArmor profile named NAME (abi 3.0): file rules with the least modes
                    used, pids and temporary names generalised, directories read in full as
                    DIR/{,**}, network and capability rules, signal and ptrace only among its
                    own processes, docker-default's /proc and /sys denials. Check it with
                    `apparmor_parser -Q -K FILE`, load it with `apparmor_parser -r FILE`
  k8s-apparmor      the AppArmor profile as a Security Profiles Operator AppArmorProfile
                    (YAML, v1alpha1, spec.abstract: SPO serves no full-text policy since
                    v0.9): paths SPO cannot hold are widened ('?' per byte), other facts
                    left out; each such change is noted on stderr
  capabilities      the capabilities exercised, as docker run flags (--cap-drop=ALL
                    --cap-add=...), or with --json as OCI process.capabilities; the evidence
                    for each goes to stderr
  landlock          a Landlock ruleset (landlockconfig's JSON format, ABI 6): each learned
                    file access as the least rights on that file or, where the name changes
                    from run to run or the file is made by the workload, on its directory;
                    TCP bind/connect ports; abstract-socket and signal scopes. Enforce it
                    with `seclearn run --landlock FILE`; each right granted beyond the
                    facts is noted on stderr
  selinux           an SELinux CIL policy module in udica's style: block NAME (NAME.process,
                    for docker run --security-opt label=type:NAME.process) inheriting the
                    template seclearn_container (--template FILE writes it), allowed each
                    learned access on the type this host's policy gives the object
                    (file_contexts, genfscon, portcon: selinux-policy-default), capabilities
                    on self; a container's image files are seclearn_container_file_t.
                    Install with `semodule -i seclearn_container.cil NAME.cil`
  rootfs            a minimal image, as a tar for `docker import`: from the image's root
                    file system (--rootfs DIR, required), only the files the workload
                    opened, executed, mapped or looked at, every symlink and directory on
                    the way, the ELF loader and #! interpreters, and the entries of the
                    directories it listed. /proc, /sys, /dev (kept empty), Docker's
                    /etc/hosts, hostname, resolv.conf and --volume mounts are left out. The
                    stored version is the manifest (one line per entry, with its sha256);
                    -o FILE gets the tar
  resources         the learned runs' peaks as limits (2x, with floors: see docker-flags): an
                    OCI config fragment (linux.resources memory, pids and cpu quota,
                    process.rlimits RLIMIT_NOFILE) to merge into config.json, or with --k8s
                    a container's resources.limits (memory, cpu)
  docker-flags      one hardened docker run option set, one option per line: seccomp,
                    AppArmor and SELinux profiles, capabilities, no-new-privileges, --read-only and
                    --tmpfs, --user, --network none where the recorded runs allow them; the
                    reason for each decision goes to stderr

options:
  --db PATH         database (default: $SECLEARN_DB, else ./seclearn.db)
  --app NAME        the application to export (required)
  --version N       re-emit stored version N of this format, byte for byte
  --runtime NAME    none (default), runc, crun, docker or containerd: also allow what that
                    OCI runtime does after installing the filter, as a last, commented rule,
                    so the container can start (docker and containerd use runc's set)
  --no-new-privileges
                    the container runs with no_new_privileges (docker run --security-opt
                    no-new-privileges, or process.noNewPrivileges): runc then installs the
                    filter later and needs fewer syscalls
  --mode MODE       seccomp formats: enforce (default), complain or watch (above)
  --on-violation A  watch: allow (default: the call runs) or deny (EPERM)
  --listener PATH   watch: the agent's socket (default: $SECLEARN_AGENT_SOCKET, else
                    /run/seclearn/agent.sock), absolute
  --arch NAME       seccomp formats: emit for another architecture (e.g. aarch64): names the
                    target lacks become their counterparts there (open -> openat, stat ->
                    newfstatat, fork -> clone); a name with none is left out with a warning
  --arch-map        with --arch: an archMap entry (target and its 32-bit sub-architecture)
                    instead of an architectures list
  --args MODE       learned (default): socket, socketpair, clone, unshare, personality,
                    prctl and ioctl are allowed only with the argument values observed
                    (address families, namespace flags, ioctl requests, ...), one rule per
                    value; none: by name only
  --run N           export what run N learned, not the union of all runs
  --rootfs DIR      a container's root file system: the paths of the file formats
                    (apparmor, landlock, docker-flags) are resolved and looked at in DIR as
                    the container sees them (/bin/sh -> /bin/busybox), not on this host;
                    rootfs: the image's files
  --without-exec    leave out the runs of processes exec'd into running containers
  --json            capabilities: OCI process.capabilities JSON instead of docker flags
  --k8s             resources: Kubernetes YAML instead of the OCI fragment
  --ambient         capabilities --json: also inheritable and ambient, for a non-root
                    process.user (capabilities survive its execve only as ambient ones)
  --seccomp-profile PATH
                    docker-flags: where the seccomp profile is (default NAME.seccomp.json),
                    written as an absolute path
  --apparmor-profile NAME
                    docker-flags: the loaded AppArmor profile's name (default NAME)
  --selinux-type TYPE
                    docker-flags: --security-opt label=type:TYPE (default NAME.process, as
                    export --format selinux names it; named by default only where SELinux
                    is enabled)
  --template FILE   selinux: also write the template module seclearn_container.cil there
  --volume SRC:DST[,SRC:DST...]
                    selinux: the container's bind mounts: files beneath DST are typed as
                    the host's SRC; rootfs: what is beneath DST is left out (listed)
  --policy DIR      selinux: the policy root (default: /etc/selinux/config's SELINUXTYPE,
                    e.g. /etc/selinux/default)
  -o, --output FILE write there (atomically) instead of stdout
  --no-store        do not store the profile as a version: the database is only read (a
                    read-only file, directory or mount will do; --version N needs no write
                    either)

A run that has not finished (still being learned, or its learner died) is included with a
warning: the profile lacks what the rest of that run needs. Runs of processes exec'd into a
running container (docker exec, runc exec: a debugging shell) are included with a note;
--without-exec leaves them out.

exit status: 0 written; 125 error (unknown app or version, nothing learned, unreadable
database, a database it cannot write without --no-store, bad option, output that cannot be
written).
)";

// What one format produced: the bytes, the options that shaped them (stored with the
// version), and a note for the summary line.
struct Emitted {
  std::string content;
  std::string options;
  std::string summary;
  std::optional<std::string> output;  // what -o gets, when it is not the stored content
};

struct ExportContext {
  Store& store;
  const std::string& app;
  std::string_view format;
  const ParsedArgs& args;
  const std::vector<RunSummary>& runs;
  std::optional<int64_t> run;  // --run N: that run only
};

void PrintNote(std::string_view line) { PrintStderrLine("seclearn: " + OneLine(line)); }

// --mode, --on-violation and --listener.
Result<SeccompModeOptions> ModeOptions(ExportContext& ctx, std::string* options) {
  SeccompModeOptions m;
  const std::string name = ctx.args.Get("--mode").value_or("enforce");
  const auto mode = SeccompModeFromName(name);
  if (!mode)
    return UsageError(fmt::format("--mode takes enforce, complain or watch, not '{}'", name));
  m.mode = *mode;
  const auto violation = ctx.args.Get("--on-violation");
  const auto listener = ctx.args.Get("--listener");
  if (m.mode != SeccompMode::kWatch && (violation || listener))
    return UsageError("--on-violation and --listener are for --mode watch");
  if (m.mode == SeccompMode::kEnforce) return m;
  *options += " --mode " + name;
  if (m.mode != SeccompMode::kWatch) return m;
  const auto v = OnViolationFromName(violation.value_or("allow"));
  if (!v)
    return UsageError(
        fmt::format("--on-violation takes allow or deny, not '{}'", violation.value_or("")));
  m.on_violation = *v;
  m.listener_path = listener.value_or(DefaultAgentSocket());
  if (m.listener_path.empty() || m.listener_path[0] != '/')
    return UsageError(fmt::format("--listener '{}' must be an absolute path (runtimes connect "
                                  "from their own working directory)",
                                  m.listener_path));
  m.app = ctx.app;
  m.runtime = FilterInstaller(ctx.args.Get("--runtime").value_or("none"));
  if (!m.runtime)
    PrintNote("watch: for runc (Docker, containerd, Podman with runc) export with --runtime "
              "runc: runc refuses SCMP_ACT_NOTIFY as the default action");
  *options += fmt::format(" --on-violation {} --listener {}", OnViolationName(m.on_violation),
                          m.listener_path);
  return m;
}

// `mode_out` gets the mode the profile was written for.
Result<SeccompExport> BuildSeccomp(ExportContext& ctx, std::string* options,
                                   SeccompModeOptions* mode_out) {
  SeccompExportOptions o;
  o.app = ctx.app;
  o.runs = ctx.run ? 1 : ctx.runs.size();
  const std::string runtime = ctx.args.Get("--runtime").value_or("none");
  const bool nnp = ctx.args.Has("--no-new-privileges");
  if (runtime != "none") {
    auto base = RuntimeBaseForExport(ctx.store, runtime, nnp, ctx.app);  // base.cc
    if (!base) return base.error();
    o.runtime = std::move(*base);
    *options += fmt::format(" --runtime {}{}", runtime, nnp ? " --no-new-privileges" : "");
  }
  const std::string args_mode = ctx.args.Get("--args").value_or("learned");
  if (args_mode != "learned" && args_mode != "none")
    return UsageError(fmt::format("--args takes 'learned' or 'none', not '{}'", args_mode));
  o.filter_args = args_mode == "learned";
  *options += " --args " + args_mode;
  if (o.filter_args) {
    auto learned = ctx.store.SyscallArgs(ctx.app, ctx.run);
    if (!learned) return learned.error();
    o.args = std::move(*learned);
  }
  auto facts = ctx.store.Syscalls(ctx.app, ctx.run);
  if (!facts) return facts.error();
  if (facts->empty()) return UsageError(fmt::format("app '{}' has no recorded syscalls", ctx.app));
  SeccompExport exp = BuildMinimalSeccomp(*facts, o);
  for (const auto& u : exp.unnamed)
    PrintWarning(
        fmt::format("syscall {} is in no kernel syscall table seclearn knows; left out "
                    "of the profile",
                    u));
  if (!exp.beyond_libseccomp.empty()) {
    std::string names;
    for (const auto& n : exp.beyond_libseccomp) names += (names.empty() ? "" : ", ") + n;
    PrintNote(fmt::format(
        "note: {} newer than libseccomp {} here: a runtime linked against it (runc, crun) skips "
        "the name{}, so the call gets the default action; seclearn run places it by number",
        names, LibseccompVersion(), exp.beyond_libseccomp.size() == 1 ? "" : "s"));
  }
  if (auto arch_name = ctx.args.Get("--arch")) {
    const auto arch = ArchByName(*arch_name);
    if (!arch) return UsageError(fmt::format("unknown architecture '{}' (e.g. aarch64)", *arch_name));
    std::vector<std::string> warnings;
    exp.profile = RetargetSeccomp(exp.profile, arch->audit_arch, ctx.args.Has("--arch-map"),
                                  &warnings);
    for (const auto& w : warnings) PrintWarning(w);
    *options += fmt::format(" --arch {}{}", arch->short_name,
                            ctx.args.Has("--arch-map") ? " --arch-map" : "");
  }
  auto mode = ModeOptions(ctx, options);
  if (!mode) return mode.error();
  std::vector<std::string> notes;
  ApplySeccompMode(exp.profile, *mode, &notes);
  for (const auto& n : notes) PrintNote(n);
  *mode_out = std::move(*mode);
  if (!options->empty() && (*options)[0] == ' ') options->erase(0, 1);
  return exp;
}

// Writes the profile; a watch profile's metadata names the version it is stored as: that of
// a stored version with the same bytes, else the next one.
Result<std::string> WriteVersioned(ExportContext& ctx, const SeccompModeOptions& mode,
                                   SeccompProfile& p,
                                   const std::function<std::string(const SeccompProfile&)>& write) {
  if (mode.mode != SeccompMode::kWatch) return write(p);
  auto stored = ctx.store.ProfileVersions(ctx.app, ctx.format);
  if (!stored) return stored.error();
  int64_t next = 1;
  for (auto it = stored->rbegin(); it != stored->rend(); ++it) {
    next = std::max(next, it->version + 1);
    p.listener_metadata = WatchMetadata(mode.app, it->version, mode.on_violation);
    std::string text = write(p);
    if (Sha256Hex(text) == it->sha256) return text;
  }
  p.listener_metadata = WatchMetadata(mode.app, next, mode.on_violation);
  return write(p);
}

std::string SeccompSummary(const SeccompExport& exp, const ParsedArgs& args) {
  std::string s = fmt::format("{} syscalls ({} by argument)", exp.workload_names,
                              exp.conditioned_names);
  if (exp.implied_names) s += fmt::format(" + {} implied", exp.implied_names);
  if (auto rt = args.Get("--runtime"); rt && *rt != "none")
    s += fmt::format(" + {} for {}", exp.runtime_names, *rt);
  return s;
}

Result<Emitted> EmitSeccomp(ExportContext& ctx) {
  Emitted out;
  SeccompModeOptions mode;
  auto exp = BuildSeccomp(ctx, &out.options, &mode);
  if (!exp) return exp.error();
  auto text = WriteVersioned(ctx, mode, exp->profile,
                             [](const SeccompProfile& p) { return WriteSeccompProfile(p); });
  if (!text) return text.error();
  out.content = std::move(*text);
  out.summary = SeccompSummary(*exp, ctx.args);
  return out;
}

Result<Emitted> EmitK8sSeccomp(ExportContext& ctx) {
  Emitted out;
  SeccompModeOptions mode;
  auto exp = BuildSeccomp(ctx, &out.options, &mode);
  if (!exp) return exp.error();
  auto text = WriteVersioned(ctx, mode, exp->profile, [&](const SeccompProfile& p) {
    return WriteK8sSeccompProfile(p, ctx.app);
  });
  if (!text) return text.error();
  out.content = std::move(*text);
  out.summary = SeccompSummary(*exp, ctx.args);
  return out;
}

std::string RunOption(const ExportContext& ctx) {
  std::string out = ctx.run ? fmt::format("--run {}", *ctx.run) : "";
  if (ctx.args.Has("--without-exec")) out += out.empty() ? "--without-exec" : " --without-exec";
  return out;
}

Result<AccessFacts> LoadFacts(ExportContext& ctx) {
  auto facts = LoadAccessFacts(ctx.store, ctx.app, ctx.run);
  if (!facts) return facts.error();
  for (const auto& why : facts->files.refused) PrintWarning(why);
  if (facts->files.records.empty() && facts->network.empty() && facts->capabilities.empty())
    PrintWarning(fmt::format("app '{}' has no recorded file, network or capability use", ctx.app));
  return facts;
}

Result<AppArmorExport> BuildAppArmor(ExportContext& ctx, const AccessFacts& facts,
                                     bool base_only) {
  AppArmorOptions o;
  o.app = ctx.app;
  o.runs = ctx.run ? 1 : ctx.runs.size();
  o.traces = facts.traces;
  o.count_entries = CountDirEntriesOnHost;
  o.covered = AbstractionCoverage();
  o.base_abstraction_only = base_only;
  auto exp = BuildAppArmorProfile(facts.files.records, facts.network, facts.capabilities, o);
  if (!exp) return exp.error();
  for (const auto& w : exp->warnings) PrintWarning(w);
  for (const auto& n : exp->notes) PrintNote("apparmor: generalised " + n);
  return exp;
}

Result<Emitted> EmitAppArmor(ExportContext& ctx) {
  auto facts = LoadFacts(ctx);
  if (!facts) return facts.error();
  auto exp = BuildAppArmor(ctx, *facts, false);
  if (!exp) return exp.error();
  Emitted out;
  out.content = std::move(exp->text);
  out.options = RunOption(ctx);
  out.summary = fmt::format("profile {}: {} file rules for {} accessed paths", ctx.app,
                            exp->profile.AllowRules().size(), facts->files.records.size());
  return out;
}

Result<Emitted> EmitK8sAppArmor(ExportContext& ctx) {
  auto facts = LoadFacts(ctx);
  if (!facts) return facts.error();
  auto exp = BuildAppArmor(ctx, *facts, true);
  if (!exp) return exp.error();
  std::vector<std::string> notes;
  Emitted out;
  out.content = WriteK8sAppArmorProfile(exp->profile, ctx.app, &notes);
  notes.push_back(fmt::format("k8s-apparmor: SPO's template has no signal or ptrace rules{}",
                              facts->traces ? " (the workload used ptrace)" : ""));
  for (const auto& n : notes) PrintNote(n);
  out.options = RunOption(ctx);
  out.summary = fmt::format("AppArmorProfile {}: {} file rules for {} accessed paths",
                            K8sName(ctx.app), exp->profile.AllowRules().size(),
                            facts->files.records.size());
  return out;
}

Result<Emitted> EmitCapabilities(ExportContext& ctx) {
  auto facts = LoadFacts(ctx);
  if (!facts) return facts.error();
  std::vector<std::string> unknown;
  const CapabilitySet caps = ExercisedCapabilities(facts->capabilities, &unknown);
  for (const auto& u : unknown) PrintWarning(fmt::format("unknown capability {}; left out", u));
  for (const auto& f : facts->capabilities) PrintNote(FormatCapabilityEvidence(f));
  Emitted out;
  out.options = RunOption(ctx);
  if (ctx.args.Has("--json")) {
    out.content = WriteJson(OciCapabilities(caps, ctx.args.Has("--ambient")));
    out.options += std::string(out.options.empty() ? "" : " ") + "--json" +
                   (ctx.args.Has("--ambient") ? " --ambient" : "");
  } else {
    const auto flags = DockerCapabilityFlags(caps);
    out.content = fmt::format("{}\n", fmt::join(flags, " "));
  }
  const auto names = CapabilityNames(caps);
  out.summary = names.empty() ? "no capability exercised"
                              : fmt::format("{}", fmt::join(names, ", "));
  return out;
}

Result<Emitted> EmitDockerFlags(ExportContext& ctx) {
  auto facts = LoadFacts(ctx);
  if (!facts) return facts.error();
  DockerFlagsInput in;
  // Absolute: docker reads the file from its own working directory.
  std::error_code ec;
  const std::filesystem::path given =
      ctx.args.Get("--seccomp-profile").value_or(fmt::format("{}.seccomp.json", ctx.app));
  const std::filesystem::path absolute = std::filesystem::absolute(given, ec);
  in.seccomp_path = (ec ? given : absolute.lexically_normal()).string();
  in.apparmor_profile = ctx.args.Get("--apparmor-profile").value_or(ctx.app);
  // Named when asked for, or when this host's kernel enforces AppArmor (Podman refuses the
  // option elsewhere).
  if (!ctx.args.Get("--apparmor-profile") && !AppArmorEnabledHere()) {
    in.apparmor = false;
    in.apparmor_absent = "AppArmor is not enabled in this kernel";
  }
  in.selinux_type = ctx.args.Get("--selinux-type").value_or(SelinuxBlockName(ctx.app) +
                                                             ".process");
  in.selinux = ctx.args.Get("--selinux-type").has_value() || SelinuxEnabledHere();
  if (!in.selinux) in.selinux_absent = "SELinux is not enabled in this kernel";
  in.capabilities = ExercisedCapabilities(facts->capabilities, nullptr);
  std::set<int> plain;
  for (const auto& r : ctx.runs) {
    if (ctx.run && r.run_id != *ctx.run) continue;
    if (!r.userns.empty())
      in.userns_runs.push_back({r.run_id, r.userns, r.exit_status});
    else if (r.exit_status)
      plain.insert(*r.exit_status);
  }
  if (plain.size() == 1) in.plain_exit = *plain.begin();
  auto resources = ctx.store.Resources(ctx.app, ctx.run);
  if (!resources) return resources.error();
  in.resources = std::move(*resources);
  in.cgroups = CgroupSetupHere();
  in.files = facts->files.records;
  in.network = facts->network;
  in.executables = facts->executables.size();
  in.privileged_executables = PrivilegedExecutablesOnHost(facts->executables);
  in.needs_root = NeedsRootOnHost;
  // A container's files are its image's, not this host's: their modes cannot be judged here.
  auto containers = ctx.store.Containers(ctx.app);
  if (!containers) return containers.error();
  for (const auto& c : *containers) {
    if (ctx.run && c.run_id != *ctx.run) continue;
    const std::string why = fmt::format(
        "run {} was learned in container {}, whose files' modes this host does not hold",
        c.run_id, c.container_id.substr(0, 12));
    in.needs_root = [why](const FileAccessRecord&) { return std::optional<std::string>(why); };
    break;
  }
  const DockerFlags flags = BuildDockerFlags(in);
  for (const auto& r : flags.reasons) PrintNote(r);
  Emitted out;
  for (const auto& o : flags.options) out.content += o + "\n";
  out.options = RunOption(ctx);
  for (const char* opt : {"--seccomp-profile", "--apparmor-profile", "--selinux-type"})
    if (auto v = ctx.args.Get(opt))
      out.options += fmt::format("{}{} {}", out.options.empty() ? "" : " ", opt, *v);
  out.summary = fmt::format("{} options", flags.options.size());
  return out;
}

Result<Emitted> EmitLandlock(ExportContext& ctx) {
  auto facts = LoadFacts(ctx);
  if (!facts) return facts.error();
  LandlockExportOptions o;
  o.mode = FileModeOnHost;
  o.count_entries = CountDirEntriesOnHost;
  o.count_subdirs = CountSubdirsOnHost;
  o.interpreters = ExecInterpretersOnHost;
  auto exp = BuildLandlockRuleset(facts->files.records, facts->network, facts->syscalls, o);
  if (exp.text.empty()) return UsageError("landlock: a path could not be written");
  for (const auto& n : exp.notes) PrintNote("landlock: " + n);
  Emitted out;
  out.content = std::move(exp.text);
  out.options = RunOption(ctx);
  size_t parents = 0, ports = 0;
  for (const auto& p : exp.ruleset.paths) parents += p.parents.size();
  for (const auto& p : exp.ruleset.ports) ports += p.ports.size();
  out.summary = fmt::format("Landlock ABI {}: {} paths in {} rules, {} TCP ports, for {} "
                            "accessed paths",
                            exp.ruleset.abi, parents, exp.ruleset.paths.size(), ports,
                            facts->files.records.size());
  return out;
}

Result<std::vector<SelinuxVolume>> ParseVolumes(std::string_view list) {
  std::vector<SelinuxVolume> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos || item.substr(0, 1) != "/" ||
        item.substr(colon + 1, 1) != "/")
      return UsageError(fmt::format("--volume takes SRC:DST with absolute paths, not '{}'",
                                    item));
    out.push_back({NormalizePathLexically(item.substr(colon + 1)).path,
                   NormalizePathLexically(item.substr(0, colon)).path});
  }
  return out;
}

Result<Emitted> EmitSelinux(ExportContext& ctx) {
  auto facts = LoadFacts(ctx);
  if (!facts) return facts.error();
  auto policy = SelinuxPolicy::Open(ctx.args.Get("--policy").value_or(""));
  if (!policy) return policy.error();
  SelinuxExportOptions o;
  o.app = ctx.app;
  o.mode = FileModeOnHost;
  const SelinuxPolicy& pol = *policy;
  o.file_type = [&pol](const std::string& path, uint32_t mode) -> std::optional<std::string> {
    if (SelinuxPolicy::IsProcessProc(path)) return "self";
    return pol.FileType(path, mode);
  };
  o.port_type = [&pol](int proto, int port) { return pol.PortType(proto, port); };
  o.has_type = [&pol](std::string_view t) { return pol.HasType(t); };
  o.has_permission = [&pol](std::string_view c, std::string_view p) {
    return pol.HasPermission(c, p);
  };
  auto containers = ctx.store.Containers(ctx.app);
  if (!containers) return containers.error();
  for (const auto& c : *containers)
    if (!ctx.run || c.run_id == *ctx.run) o.image_type = std::string(kSelinuxImageType);
  if (auto v = ctx.args.Get("--volume")) {
    auto volumes = ParseVolumes(*v);
    if (!volumes) return volumes.error();
    o.volumes = std::move(*volumes);
    o.image_type = std::string(kSelinuxImageType);
  }
  const ExecutableFact* first = nullptr;
  for (const auto& e : facts->executables)
    if (first == nullptr || e.first_seen_ns < first->first_seen_ns) first = &e;
  if (first != nullptr) o.entrypoint = ResolvePathOnHost(first->path).path;
  auto exp = BuildSelinuxModule(facts->files.records, facts->network, facts->capabilities, o);
  for (const auto& n : exp.notes) PrintNote("selinux: " + n);
  if (auto t = ctx.args.Get("--template")) {
    if (auto r = WriteOutputFile(*t, std::string(SelinuxTemplate())); !r) return r.error();
  }
  PrintNote(fmt::format("selinux: run the container with --security-opt label=type:{}.process "
                        "(Kubernetes: securityContext.seLinuxOptions.type: {}.process)",
                        exp.block, exp.block));
  Emitted out;
  out.content = std::move(exp.text);
  out.options = RunOption(ctx);
  for (const char* opt : {"--volume", "--policy"})
    if (auto v = ctx.args.Get(opt))
      out.options += fmt::format("{}{} {}", out.options.empty() ? "" : " ", opt, *v);
  out.summary = fmt::format("module {}: {} allow rules for {} accessed paths on {}", exp.block,
                            exp.rules, facts->files.records.size(), pol.path());
  return out;
}

Result<Emitted> EmitRootfs(ExportContext& ctx) {
  const auto rootfs = ctx.args.Get("--rootfs");
  if (!rootfs)
    return UsageError("rootfs: --rootfs DIR is required: the root file system of the image the "
                      "workload was learned in (docker export of a container of it, unpacked)");
  const std::string out = ctx.args.Get("-o").value_or(ctx.args.Get("--output").value_or("-"));
  if (out == "-" && ::isatty(STDOUT_FILENO))
    return UsageError("rootfs: the image is a tar: write it with -o FILE");
  auto files = ctx.store.Files(ctx.app, ctx.run);
  if (!files) return files.error();
  auto exes = ctx.store.Executables(ctx.app, ctx.run);
  if (!exes) return exes.error();
  ImageRequest req;
  req.rootfs = *rootfs;
  for (const auto& f : *files) {
    if (f.err != 0 || f.path.empty() || f.path[0] != '/') continue;
    req.paths.push_back(f.path);
    if (f.access & kAccessRead) req.listed.push_back(f.path);  // listed if a directory
  }
  for (const auto& e : *exes) {
    req.paths.push_back(e.path);
    for (auto& name : ExecInterpreterNamesOnHost(e.path)) req.paths.push_back(std::move(name));
  }
  for (const auto& r : ctx.runs)
    if ((!ctx.run || r.run_id == *ctx.run) && !r.argv.empty() && !r.argv[0].empty())
      req.commands.push_back(r.argv[0]);
  if (req.paths.empty()) return UsageError(fmt::format("app '{}' has no recorded file use",
                                                       ctx.app));
  if (auto v = ctx.args.Get("--volume")) {
    auto volumes = ParseVolumes(*v);
    if (!volumes) return volumes.error();
    for (const auto& vol : *volumes) req.excluded.push_back(vol.destination);
  }
  auto img = BuildMinimalImage(req);
  if (!img) return img.error();
  for (const auto& p : img->left_out)
    PrintNote(fmt::format("rootfs: {} is on a volume: left out", EscapeControl(p)));
  size_t files_n = 0;
  for (const auto& e : img->entries) files_n += e.kind == 'f';
  Emitted o;
  o.content = std::move(img->manifest);
  o.output = std::move(img->tar);
  o.options = RunOption(ctx);
  if (auto v = ctx.args.Get("--volume")) o.options += (o.options.empty() ? "" : " ") +
                                                      std::string("--volume ") + *v;
  o.summary = fmt::format("{} entries ({} files, {:.1f} MiB) of {:.1f} MiB in {}; the stored "
                          "version is the manifest",
                          img->entries.size(), files_n, img->bytes / 1048576.0,
                          img->rootfs_bytes / 1048576.0, EscapeControl(*rootfs));
  return o;
}

Result<Emitted> EmitResources(ExportContext& ctx) {
  auto resources = ctx.store.Resources(ctx.app, ctx.run);
  if (!resources) return resources.error();
  if (resources->empty())
    return UsageError(fmt::format("app '{}' has no run with measured peaks (seclearn learn and "
                                  "the agent record them)",
                                  ctx.app));
  const ResourceLimits lim = LimitsOf(*resources);
  if (lim.parts.empty()) return UsageError(fmt::format("app '{}': no peak measured", ctx.app));
  Emitted out;
  out.options = RunOption(ctx);
  if (ctx.args.Has("--k8s")) {
    out.content = "resources:\n  limits:\n";
    for (const auto& [name, value] : K8sLimits(lim))
      out.content += fmt::format("    {}: {}\n", name, value);
    out.options += std::string(out.options.empty() ? "" : " ") + "--k8s";
  } else {
    out.content = WriteJson(OciResources(lim));
  }
  out.summary = fmt::format("{} from {} measured run{}", fmt::join(lim.parts, ", "),
                            resources->size(), resources->size() == 1 ? "" : "s");
  return out;
}

// Adding a format: a function from the context to Emitted, and a row here.
struct Format {
  std::string_view name;
  Result<Emitted> (*emit)(ExportContext&);
};
constexpr Format kFormats[] = {
    {"seccomp", EmitSeccomp},
    {"k8s-seccomp", EmitK8sSeccomp},
    {"apparmor", EmitAppArmor},
    {"k8s-apparmor", EmitK8sAppArmor},
    {"capabilities", EmitCapabilities},
    {"docker-flags", EmitDockerFlags},
    {"landlock", EmitLandlock},
    {"selinux", EmitSelinux},
    {"rootfs", EmitRootfs},
    {"resources", EmitResources},
};

std::string FormatNames() {
  std::string out;
  for (const auto& f : kFormats) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

}  // namespace

int CmdExport(std::span<char*> args) {
  ArgSpec spec;
  spec.with_value = {"--db", "--app", "--format", "--runtime", "-o", "--output", "--args",
                     "--version", "--run", "--seccomp-profile", "--apparmor-profile", "--arch",
                     "--mode", "--on-violation", "--listener", "--rootfs",
                     "--template", "--volume", "--policy", "--selinux-type"};
  spec.flags = {"--no-new-privileges", "--json", "--ambient", "--arch-map", "--no-store",
                "--without-exec", "--k8s"};
  int args_status = 0;
  auto parsed = ParseCommandArgs(args, spec, "export", kExportHelp, &args_status);
  if (!parsed) return args_status;
  const auto app = parsed->Get("--app");
  if (!app || app->empty()) {
    PrintError("export: --app NAME is required (see seclearn export --help)");
    return kExitSeclearnFailure;
  }
  const std::string format_name = parsed->Get("--format").value_or("seccomp");
  const Format* format = nullptr;
  for (const auto& f : kFormats)
    if (f.name == format_name) format = &f;
  if (format == nullptr) {
    PrintError(fmt::format("export: unknown format '{}' (available: {})", format_name,
                           FormatNames()));
    return kExitSeclearnFailure;
  }
  if (auto root = parsed->Get("--rootfs")) {
    if (auto r = SetProbeRoot(*root); !r) {
      PrintError(fmt::format("export: --rootfs: {}", r.error().Message()));
      return kExitSeclearnFailure;
    }
  }
  if (format->name != "seccomp" && format->name != "k8s-seccomp") {
    for (const char* opt : {"--mode", "--on-violation", "--listener"}) {
      if (parsed->Get(opt)) {
        PrintError(fmt::format("export: {} is for the seccomp formats, not {}", opt,
                               format->name));
        return kExitSeclearnFailure;
      }
    }
  }
  std::optional<int64_t> version;
  if (auto v = parsed->Get("--version")) {
    char* end = nullptr;
    const long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1) {
      PrintError(fmt::format("export: --version takes a version number (1, 2, ...), not '{}'", *v));
      return kExitSeclearnFailure;
    }
    version = n;
  }
  const std::string out_path =
      parsed->Get("-o").value_or(parsed->Get("--output").value_or("-"));

  const std::string db_path = parsed->Get("--db").value_or(DefaultDbPath());
  // Only storing the version writes: re-emitting one and --no-store read.
  const bool no_store = parsed->Has("--no-store");
  auto store = OpenAppStore(db_path, *app, "export", !no_store && !version);
  if (!store) {
    if (Store::IsReadOnly(store.error())) {
      PrintError(fmt::format(
          "export: {}; export stores each profile as a numbered version (seclearn versions) and "
          "needs write access: give it that, or use --no-store",
          store.error().Message()));
    } else {
      PrintError(store.error());
    }
    return kExitSeclearnFailure;
  }

  if (version) {
    auto stored = store->GetProfileVersion(*app, format->name, *version);
    if (!stored) {
      PrintError(stored.error());
      return kExitSeclearnFailure;
    }
    if (!stored->has_value()) {
      PrintError(fmt::format("export: app '{}' has no {} version {} (see seclearn versions --app {})",
                             *app, format->name, *version, *app));
      return kExitSeclearnFailure;
    }
    if (auto r = WriteOutputFile(out_path, (*stored)->content); !r) {
      PrintError(r.error());
      return kExitSeclearnFailure;
    }
    if (out_path != "-")
      std::fprintf(stderr, "seclearn: wrote %s: %s version %lld of %s, as stored\n",
                   out_path.c_str(), std::string(format->name).c_str(),
                   static_cast<long long>(*version), app->c_str());
    return 0;
  }

  store->LeaveOutExecRuns(parsed->Has("--without-exec"));
  auto choice = ChooseRun(*store, *app, *parsed);
  if (!choice) {
    PrintError(fmt::format("export: {}", choice.error().Message()));
    return kExitSeclearnFailure;
  }
  const std::vector<RunSummary>& runs = choice->runs;
  const std::optional<int64_t> run = choice->run;
  std::string unfinished;
  size_t unfinished_count = 0;
  for (const auto& r : runs) {
    if (r.end_ns || (run && r.run_id != *run)) continue;
    unfinished += (unfinished.empty() ? "" : ", ") + std::to_string(r.run_id);
    ++unfinished_count;
  }
  if (unfinished_count != 0) {
    PrintWarning(fmt::format(
        "the profile includes run{} {} of app '{}', which {} not finished (still being learned, "
        "or its learner died): it lacks whatever the rest of {} needs; export again once {} "
        "ended",
        unfinished_count == 1 ? "" : "s", unfinished, *app, unfinished_count == 1 ? "has" : "have",
        unfinished_count == 1 ? "that run" : "those runs",
        unfinished_count == 1 ? "it has" : "they have"));
  }
  std::string execs;
  for (const auto& r : runs) {
    if (r.exec_into.empty() || (run && r.run_id != *run)) continue;
    execs += fmt::format("{}{} (into {})", execs.empty() ? "" : ", ", r.run_id, r.exec_into);
  }
  if (!execs.empty()) {
    PrintNote(fmt::format(
        "the profile includes processes exec'd into running containers (docker exec), runs "
        "{}; --without-exec leaves them out",
        execs));
  }
  ExportContext ctx{*store, *app, format->name, *parsed, runs, run};
  auto emitted = format->emit(ctx);
  if (!emitted) {
    PrintError(fmt::format("export: {}", emitted.error().Message()));
    return kExitSeclearnFailure;
  }
  if (auto r = WriteOutputFile(out_path, emitted->output.value_or(emitted->content)); !r) {
    PrintError(r.error());
    return kExitSeclearnFailure;
  }
  if (no_store) {
    std::fprintf(stderr, "seclearn: %s %s (not stored as a version): %s\n",
                 out_path == "-" ? "exported" : ("wrote " + out_path + ":").c_str(),
                 std::string(format->name).c_str(), emitted->summary.c_str());
    return 0;
  }
  ProfileVersion v;
  v.app = *app;
  v.format = std::string(format->name);
  v.content = emitted->content;
  v.sha256 = Sha256Hex(emitted->content);
  v.created_ns = RealtimeNs();
  v.seclearn_version = SECLEARN_VERSION;
  v.options = emitted->options;
  for (const auto& r : runs)
    if (!ctx.run || r.run_id == *ctx.run) v.runs.push_back(r.run_id);
  auto number = store->SaveProfileVersion(v);
  if (!number) {
    PrintError(fmt::format("export: wrote the profile but could not store it as a version: {}",
                           number.error().Message()));
    return kExitSeclearnFailure;
  }
  std::fprintf(stderr, "seclearn: %s %s version %lld: %s\n",
               out_path == "-" ? "exported" : ("wrote " + out_path + ":").c_str(),
               std::string(format->name).c_str(), static_cast<long long>(*number),
               emitted->summary.c_str());
  return 0;
}

}  // namespace seclearn::cli
