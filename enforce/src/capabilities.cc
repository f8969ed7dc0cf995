#include "seclearn/enforce/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace seclearn {
namespace {

// The kernel's highest capability (it may know fewer or more than this build).
int KernelLastCap() {
  static const int last = [] {
    int v = LastKnownCapability();
    if (FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re")) {
      int n = 0;
      if (std::fscanf(f, "%d", &n) == 1 && n > 0 && n < 64) v = n;
      std::fclose(f);
    }
    return v;
  }();
  return last;
}

}  // namespace

Result<CapabilityState> CurrentCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return ErrnoError("capget");
  CapabilityState s;
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
    s.effective |= CapabilitySet{data[i].effective} << (32 * i);
    s.permitted |= CapabilitySet{data[i].permitted} << (32 * i);
    s.inheritable |= CapabilitySet{data[i].inheritable} << (32 * i);
  }
  for (int c = 0; c <= KernelLastCap(); ++c) {
    const int in_bounding = ::prctl(PR_CAPBSET_READ, c, 0, 0, 0);
    if (in_bounding < 0) return ErrnoError(fmt::format("prctl(PR_CAPBSET_READ, {})", c));
    if (in_bounding) s.bounding |= CapabilityBit(c);
    const int in_ambient = ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
    if (in_ambient > 0) s.ambient |= CapabilityBit(c);
  }
  return s;
}

Result<void> RestrictCapabilities(CapabilitySet keep, bool no_new_privs) {
  auto now = CurrentCapabilities();
  if (!now) return now.error();
  if (const CapabilitySet missing = keep & ~now->permitted; missing != 0) {
    std::string names;
    for (const auto& n : CapabilityNames(missing)) names += (names.empty() ? "" : ",") + n;
    const bool bounded_out = (missing & ~now->bounding) != 0;
    return UsageError(fmt::format(
        "cannot keep {}: seclearn does not hold {} (permitted set {:#x}{})", names,
        missing == CapabilityBit(__builtin_ctzll(missing)) ? "it" : "them", now->permitted,
        bounded_out ? "; not in the bounding set either, so nothing started here can have it"
                    : ""));
  }
  // The bounding set first, while CAP_SETPCAP may still be effective.
  const CapabilitySet extra_bounding = now->bounding & ~keep;
  if (extra_bounding != 0) {
    if (now->effective & CapabilityBit(CAP_SETPCAP)) {
      for (int c = 0; c <= KernelLastCap(); ++c) {
        if (!(extra_bounding & CapabilityBit(c))) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0)
          return ErrnoError(fmt::format("prctl(PR_CAPBSET_DROP, {})", CapabilityName(c)));
      }
    } else if (!no_new_privs) {
      return UsageError(
          "cannot shrink the bounding set without CAP_SETPCAP: setuid and file-capability "
          "binaries could regain capabilities; use --no-new-privs");
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    return ErrnoError("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");

  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
    const auto word = static_cast<uint32_t>(keep >> (32 * i));
    data[i].effective = data[i].permitted = data[i].inheritable = word;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return ErrnoError("capset");
  // Ambient capabilities survive execve of an ordinary binary for a non-root process; for
  // root they change nothing (root's permitted set after execve is the bounding set).
  for (int c = 0; c < 64; ++c) {
    if (!(keep & CapabilityBit(c))) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
      return ErrnoError(fmt::format("prctl(PR_CAP_AMBIENT_RAISE, {})", CapabilityName(c)));
  }
  return {};
}

}  // namespace seclearn
