#include "seclearn/emitter/seccomp_export.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "seclearn/core/arch.h"

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

  SeccompRule workload;
  workload.names.assign(names.begin(), names.end());
  workload.action = "SCMP_ACT_ALLOW";
  workload.comment = fmt::format("{}: syscalls observed in {} learned run{}", options.app,
                                 options.runs, options.runs == 1 ? "" : "s");
  out.workload_names = workload.names.size();
  if (!workload.names.empty()) p.syscalls.push_back(std::move(workload));

  if (options.runtime) {
    const RuntimeBase& rt = *options.runtime;
    SeccompRule runtime;
    for (const auto& n : rt.names)
      if (!names.count(n)) runtime.names.push_back(n);
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
