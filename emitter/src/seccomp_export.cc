#include "seclearn/emitter/seccomp_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "seclearn/core/arch.h"
#include "seclearn/core/arg_filters.h"
#include "seclearn/core/kernel_syscalls.h"

namespace seclearn {
namespace {

// Calls that follow from another call, so a run that missed them does not make the profile
// break the next one: a signal handler returns through rt_sigreturn (sigreturn for i386 and
// arm handlers without SA_SIGINFO), and a sleep interrupted by a stop or a handled signal is
// resumed through restart_syscall (the kernel's ERESTART_RESTARTBLOCK: nanosleep,
// clock_nanosleep, poll, futex waits). Docker's default profile allows all three outright.
struct Implication {
  std::string_view name;
  std::vector<std::string_view> by;
  std::string_view why;
};
const std::vector<Implication>& Implications() {
  static const std::vector<Implication> kImplied = {
      {"restart_syscall",
       {"clock_nanosleep", "clock_nanosleep_time64", "futex", "futex_time64", "nanosleep", "poll"},
       "an interrupted sleep resumes through it"},
      {"rt_sigreturn", {"rt_sigaction"}, "a signal handler returns through it"},
      {"sigreturn",
       {"rt_sigaction", "sigaction", "signal"},
       "a handler without SA_SIGINFO returns through it"},
  };
  return kImplied;
}

SeccompRule ImpliedRule(const std::set<std::pair<uint32_t, std::string>>& learned,
                        const std::set<std::string>& names) {
  SeccompRule r;
  std::string why;
  for (const Implication& imp : Implications()) {
    if (names.count(std::string(imp.name))) continue;
    for (const auto& [arch, name] : learned) {
      const bool triggers = std::find(imp.by.begin(), imp.by.end(), name) != imp.by.end();
      // Only where the implied call exists (sigreturn is not on x86_64 or aarch64).
      if (!triggers || !SyscallNumber(arch, imp.name)) continue;
      r.names.emplace_back(imp.name);
      why += fmt::format("{}{} with {}: {}", why.empty() ? "" : "; ", imp.name, name, imp.why);
      break;
    }
  }
  r.action = SeccompAction::kAllow;
  r.comment = "implied, not seen: " + why;
  return r;
}

// Calls the kernel runs without consulting seccomp (they only work from a uprobe trampoline):
// no rule can allow or refuse them (kernel/seccomp.c, uretprobe since 6.13, uprobe since 6.18).
bool PassesSeccomp(std::string_view name) { return name == "uprobe" || name == "uretprobe"; }

}  // namespace

SeccompExport BuildMinimalSeccomp(const std::vector<SyscallFact>& facts,
                                  const SeccompExportOptions& options) {
  SeccompExport out;
  SeccompProfile& p = out.profile;
  p.default_action = SeccompAction::kErrno;
  p.default_errno_ret = 1;  // EPERM, as Docker's default profile

  const uint32_t native = options.native_arch ? options.native_arch : NativeAuditArch();
  std::set<uint32_t> compat;
  std::set<std::string> names;
  std::set<std::string> unnamed;
  std::set<std::pair<uint32_t, std::string>> learned;  // (arch, name)
  for (const auto& f : facts) {
    if (f.arch != native) compat.insert(f.arch);
    std::string name = SyscallName(f.arch, f.nr);
    if (name.rfind("syscall_", 0) == 0) {
      const auto arch = ArchByAudit(f.arch);
      unnamed.insert(fmt::format("{} {}", arch ? arch->short_name : "?", f.nr));
      continue;
    }
    learned.emplace(f.arch, name);
    names.insert(std::move(name));
  }
  if (auto a = ArchByAudit(native)) p.architectures.emplace_back(a->scmp_name);
  std::vector<std::string> others;
  for (uint32_t arch : compat)
    if (auto a = ArchByAudit(arch)) others.emplace_back(a->scmp_name);
  std::sort(others.begin(), others.end());
  p.architectures.insert(p.architectures.end(), others.begin(), others.end());

  // Learned values per filtered name, merged across architectures (a rule's name applies to
  // every architecture of the profile).
  std::map<std::string, std::set<uint64_t>> values;
  if (options.filter_args) {
    for (const ArgFact& a : options.args) {
      const std::string name = SyscallName(a.arch, a.nr);
      const ArgFilter* f = FindArgFilter(name);
      if (f == nullptr || f->index != a.index || !names.count(name)) continue;
      values[name].insert(a.value);
    }
  }
  std::vector<SeccompRule> conditioned;
  SeccompRule workload;
  for (const auto& name : names) {
    auto it = values.find(name);
    if (it == values.end() || it->second.size() > kMaxArgValues) {
      workload.names.push_back(name);
      continue;
    }
    const ArgFilter& f = *FindArgFilter(name);
    for (uint64_t v : it->second) {
      SeccompRule r;
      r.names = {name};
      r.action = SeccompAction::kAllow;
      // Both kinds compare only the bits the kernel reads: an int argument's upper 32 bits
      // are ignored by the call (prctl(0xbadc0ded00000025) is PR_SET_NAME), so an EQ on all
      // 64 would refuse what the kernel accepts.
      r.args.push_back(SeccompArg{f.index, f.mask, v, SeccompOp::kMaskedEq});
      r.comment = fmt::format("{}: {} = {} (learned)", name, f.what, DescribeArgValue(name, v));
      conditioned.push_back(std::move(r));
    }
    ++out.conditioned_names;
  }
  workload.action = SeccompAction::kAllow;
  workload.comment = fmt::format("{}: syscalls observed in {} learned run{}", options.app,
                                 options.runs, options.runs == 1 ? "" : "s");
  out.workload_names = names.size();
  std::vector<std::string> workload_plain = workload.names;
  if (!workload.names.empty()) p.syscalls.push_back(std::move(workload));
  for (auto& r : conditioned) p.syscalls.push_back(std::move(r));
  if (SeccompRule implied = ImpliedRule(learned, names); !implied.names.empty()) {
    out.implied_names = implied.names.size();
    workload_plain.insert(workload_plain.end(), implied.names.begin(), implied.names.end());
    p.syscalls.push_back(std::move(implied));
  }

  if (options.runtime) {
    const RuntimeBase& rt = *options.runtime;
    SeccompRule runtime;
    // A name the workload may call only with learned argument values is still needed
    // unconditionally by the runtime (runc's prctl(PR_CAPBSET_DROP) is not the workload's
    // prctl): only names the workload allows outright are left out.
    const std::set<std::string> outright(workload_plain.begin(), workload_plain.end());
    for (const auto& n : rt.names)
      if (!outright.count(n)) runtime.names.push_back(n);
    runtime.action = SeccompAction::kAllow;
    runtime.runtime = true;
    runtime.comment = fmt::format(
        "{} {}: {} after it installs this filter, before the workload starts ({}{}); not "
        "needed by {} itself",
        rt.Label(), rt.versions, kRuntimeRuleMarker, rt.source,
        rt.no_new_privileges ? ", no_new_privileges" : "", options.app);
    out.runtime_names = runtime.names.size();
    if (!runtime.names.empty()) p.syscalls.push_back(std::move(runtime));
  }
  out.unnamed.assign(unnamed.begin(), unnamed.end());
  SetNewerCallsRule(p);
  out.beyond_libseccomp = NamesBeyondLibseccomp(p);
  return out;
}

std::vector<uint32_t> ProfileArches(const SeccompProfile& p) {
  std::vector<uint32_t> out;
  auto add = [&](const std::string& name) {
    if (auto a = ArchByScmpName(name))
      if (std::find(out.begin(), out.end(), a->audit_arch) == out.end())
        out.push_back(a->audit_arch);
  };
  for (const auto& a : p.architectures) add(a);
  for (const auto& m : p.arch_map) {
    add(m.architecture);
    for (const auto& sub : m.sub_architectures) add(sub);
  }
  return out;
}

void SetNewerCallsRule(SeccompProfile& profile) {
  std::erase_if(profile.syscalls, IsNewerCallsRule);
  std::set<std::string> named;
  for (const auto& r : profile.syscalls) named.insert(r.names.begin(), r.names.end());
  std::set<std::string> newer;
  std::string minimums;
  for (uint32_t arch : ProfileArches(profile)) {
    const std::string_view minimum = LibcMinimumKernel(arch);
    bool any = false;
    for (const KernelSyscall& k : KernelSyscalls(arch)) {
      if (!KernelVersionAfter(k.since, minimum) || named.count(std::string(k.name)) ||
          PassesSeccomp(k.name))
        continue;
      newer.emplace(k.name);
      any = true;
    }
    if (!any) continue;
    const auto info = ArchByAudit(arch);
    minimums += fmt::format("{}{} on {}", minimums.empty() ? "" : ", ", minimum,
                            info ? info->short_name : "?");
  }
  if (newer.empty()) return;
  SeccompRule r;
  r.names.assign(newer.begin(), newer.end());
  r.action = SeccompAction::kErrno;
  r.errno_ret = ENOSYS;
  r.comment = fmt::format(
      "{} the C library supports ({}) that no rule allows: ENOSYS, as a "
      "kernel without them answers, so libc and programs fall back (clone3 to clone, "
      "faccessat2 to faccessat, statx to newfstatat); Docker's default profile does this for "
      "clone3",
      kNewerCallsMarker, minimums);
  profile.syscalls.push_back(std::move(r));
}

bool IsNewerCallsRule(const SeccompRule& rule) {
  return rule.action == SeccompAction::kErrno && rule.comment.starts_with(kNewerCallsMarker);
}

std::vector<std::string> NamesBeyondLibseccomp(const SeccompProfile& profile) {
  std::set<std::string> out;
  const std::vector<uint32_t> arches = ProfileArches(profile);
  for (const auto& r : profile.syscalls) {
    if (IsNewerCallsRule(r)) continue;
    for (const auto& name : r.names) {
      for (uint32_t arch : arches)
        if (SyscallNumber(arch, name) && !LibseccompKnows(arch, name)) out.insert(name);
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace seclearn
