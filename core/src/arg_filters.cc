#include "seclearn/core/arg_filters.h"

#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "by_number.h"
#include "seclearn/core/arch.h"

namespace seclearn {
namespace {

// Namespace-creating clone flags: what Docker's default profile forbids to unprivileged
// containers. CLONE_NEWTIME (0x80) shares its bit with CSIGNAL, so it cannot be told apart in
// clone's flags and is left out, as Docker does.
constexpr uint64_t kCloneNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                          CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                          CLONE_NEWCGROUP;

constexpr std::array kFamilies = {
    ArgValueName{AF_UNIX, "AF_UNIX"},     ArgValueName{AF_INET, "AF_INET"},
    ArgValueName{AF_INET6, "AF_INET6"},   ArgValueName{AF_NETLINK, "AF_NETLINK"},
    ArgValueName{AF_PACKET, "AF_PACKET"}, ArgValueName{AF_ALG, "AF_ALG"},
    ArgValueName{AF_VSOCK, "AF_VSOCK"},   ArgValueName{AF_BLUETOOTH, "AF_BLUETOOTH"},
    ArgValueName{AF_KEY, "AF_KEY"},       ArgValueName{AF_XDP, "AF_XDP"},
};

constexpr std::array kNamespaceFlags = {
    ArgValueName{CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, ArgValueName{CLONE_NEWIPC, "CLONE_NEWIPC"},
    ArgValueName{CLONE_NEWNET, "CLONE_NEWNET"},       ArgValueName{CLONE_NEWNS, "CLONE_NEWNS"},
    ArgValueName{CLONE_NEWPID, "CLONE_NEWPID"},       ArgValueName{CLONE_NEWUSER, "CLONE_NEWUSER"},
    ArgValueName{CLONE_NEWUTS, "CLONE_NEWUTS"},
};

constexpr std::array kPersonas = {
    ArgValueName{PER_LINUX, "PER_LINUX"},
    ArgValueName{0xffffffff, "query"},  // personality(0xffffffff) reads the persona
};

// The requests programs make most: terminal and file-descriptor ioctls (asm-generic, the
// numbers of every architecture seclearn traces) and the interface queries of sockios.h.
constexpr std::array kIoctlRequests = {
    ArgValueName{TCGETS, "TCGETS"},
    ArgValueName{TCSETS, "TCSETS"},
    ArgValueName{TCSETSW, "TCSETSW"},
    ArgValueName{TCSETSF, "TCSETSF"},
    ArgValueName{TIOCSCTTY, "TIOCSCTTY"},
    ArgValueName{TIOCGPGRP, "TIOCGPGRP"},
    ArgValueName{TIOCSPGRP, "TIOCSPGRP"},
    ArgValueName{TIOCGWINSZ, "TIOCGWINSZ"},
    ArgValueName{TIOCSWINSZ, "TIOCSWINSZ"},
    ArgValueName{FIONREAD, "FIONREAD"},
    ArgValueName{FIONBIO, "FIONBIO"},
    ArgValueName{TIOCNOTTY, "TIOCNOTTY"},
    ArgValueName{TIOCGPTN, "TIOCGPTN"},
    ArgValueName{TIOCSPTLCK, "TIOCSPTLCK"},
    ArgValueName{FIONCLEX, "FIONCLEX"},
    ArgValueName{FIOCLEX, "FIOCLEX"},
    ArgValueName{FIOASYNC, "FIOASYNC"},
    ArgValueName{SIOCGIFNAME, "SIOCGIFNAME"},
    ArgValueName{SIOCGIFCONF, "SIOCGIFCONF"},
    ArgValueName{SIOCGIFFLAGS, "SIOCGIFFLAGS"},
    ArgValueName{SIOCGIFADDR, "SIOCGIFADDR"},
    ArgValueName{SIOCGIFMTU, "SIOCGIFMTU"},
    ArgValueName{SIOCGIFHWADDR, "SIOCGIFHWADDR"},
    ArgValueName{SIOCGIFINDEX, "SIOCGIFINDEX"},
};

constexpr std::array kArgFilters = {
    ArgFilter{"clone", 0, ArgFilterKind::kMasked, kCloneNamespaceFlags, "namespace flags",
              kNamespaceFlags},
    // The request is an unsigned int to the kernel (do_vfs_ioctl): only 32 bits are compared.
    ArgFilter{"ioctl", 1, ArgFilterKind::kValues, 0xffffffff, "request", kIoctlRequests},
    ArgFilter{"personality", 0, ArgFilterKind::kValues, 0xffffffff, "persona", kPersonas},
    ArgFilter{"prctl", 0, ArgFilterKind::kValues, 0xffffffff, "option", {}},
    ArgFilter{"socket", 0, ArgFilterKind::kValues, 0xffffffff, "address family", kFamilies},
    ArgFilter{"socketpair", 0, ArgFilterKind::kValues, 0xffffffff, "address family", kFamilies},
    ArgFilter{"unshare", 0, ArgFilterKind::kMasked, kCloneNamespaceFlags, "namespace flags",
              kNamespaceFlags},
};

constexpr bool IsSortedByName(const auto& table) {
  for (size_t i = 1; i < table.size(); ++i)
    if (!(table[i - 1].syscall < table[i].syscall)) return false;
  return true;
}
static_assert(IsSortedByName(kArgFilters), "kArgFilters must be sorted by syscall name");

}  // namespace

const ArgFilter* FindArgFilter(std::string_view syscall) {
  auto it = std::lower_bound(kArgFilters.begin(), kArgFilters.end(), syscall,
                             [](const ArgFilter& f, std::string_view n) { return f.syscall < n; });
  if (it == kArgFilters.end() || it->syscall != syscall) return nullptr;
  return &*it;
}

const ArgFilter* FindArgFilter(uint32_t audit_arch, int32_t nr) {
  return FindByNumber<&ArgFilter::syscall>(kArgFilters, audit_arch, nr);
}

std::string DescribeArgValue(std::string_view syscall, uint64_t value) {
  const ArgFilter* f = FindArgFilter(syscall);
  if (f != nullptr && f->kind == ArgFilterKind::kMasked && !f->names.empty()) {
    if (value == 0) return "none";
    std::string out;
    for (const auto& n : f->names)
      if (value & n.value) out += (out.empty() ? "" : "|") + std::string(n.name);
    return out;
  }
  if (f != nullptr)
    for (const auto& n : f->names)
      if (n.value == value) return std::string(n.name);
  return fmt::format("{}", value);
}

}  // namespace seclearn
