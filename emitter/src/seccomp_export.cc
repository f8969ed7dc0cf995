#include "seclearn/emitter/seccomp_export.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "seclearn/core/arch.h"
#include "seclearn/core/arg_filters.h"

namespace seclearn {

SeccompExport BuildMinimalSeccomp(const std::vector<SyscallFact>& facts,
                                  const SeccompExportOptions& options) {
  SeccompExport out;
  SeccompProfile& p = out.profile;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno_ret = 1;  // EPERM, as Docker's default profile

  const uint32_t native = options.native_arch ? options.native_arch : NativeAuditArch();
  std::set<uint32_t> compat;
  std::set<std::string> names;
  std::set<std::string> unnamed;
  for (const auto& f : facts) {
    if (f.arch != native) compat.insert(f.arch);
    std::string name = SyscallName(f.arch, f.nr);
    if (name.rfind("syscall_", 0) == 0) {
      const auto arch = ArchByAudit(f.arch);
      unnamed.insert(fmt::format("{} {}", arch ? arch->short_name : "?", f.nr));
      continue;
    }
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
      r.action = "SCMP_ACT_ALLOW";
      if (f.kind == ArgFilterKind::kMasked) {
        r.args.push_back(SeccompArg{f.index, f.mask, v, "SCMP_CMP_MASKED_EQ"});
      } else {
        r.args.push_back(SeccompArg{f.index, v, 0, "SCMP_CMP_EQ"});
      }
      r.comment = fmt::format("{}: {} = {} (learned)", name, f.what, DescribeArgValue(name, v));
      conditioned.push_back(std::move(r));
    }
    ++out.conditioned_names;
  }
  workload.action = "SCMP_ACT_ALLOW";
  workload.comment = fmt::format("{}: syscalls observed in {} learned run{}", options.app,
                                 options.runs, options.runs == 1 ? "" : "s");
  out.workload_names = names.size();
  const std::vector<std::string> workload_plain = workload.names;
  if (!workload.names.empty()) p.syscalls.push_back(std::move(workload));
  for (auto& r : conditioned) p.syscalls.push_back(std::move(r));

  if (options.runtime) {
    const RuntimeBase& rt = *options.runtime;
    SeccompRule runtime;
    // A name the workload may call only with learned argument values is still needed
    // unconditionally by the runtime (runc's prctl(PR_CAPBSET_DROP) is not the workload's
    // prctl): only names the workload allows outright are left out.
    const std::set<std::string> outright(workload_plain.begin(), workload_plain.end());
    for (const auto& n : rt.names)
      if (!outright.count(n)) runtime.names.push_back(n);
    runtime.action = "SCMP_ACT_ALLOW";
    runtime.comment = fmt::format(
        "{} {}: made by the runtime after it installs this filter, before the workload "
        "starts ({}{}); not needed by {} itself",
        rt.runtime, rt.versions, rt.source, rt.no_new_privileges ? ", no_new_privileges" : "",
        options.app);
    out.runtime_names = runtime.names.size();
    if (!runtime.names.empty()) p.syscalls.push_back(std::move(runtime));
  }
  out.unnamed.assign(unnamed.begin(), unnamed.end());
  return out;
}

}  // namespace seclearn
