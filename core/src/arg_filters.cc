#include "seclearn/core/arg_filters.h"

#include <sched.h>
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

constexpr std::array kArgFilters = {
    ArgFilter{"clone", 0, ArgFilterKind::kMasked, kCloneNamespaceFlags, "namespace flags"},
    ArgFilter{"personality", 0, ArgFilterKind::kValues, 0xffffffff, "persona"},
    ArgFilter{"prctl", 0, ArgFilterKind::kValues, 0xffffffff, "option"},
    ArgFilter{"socket", 0, ArgFilterKind::kValues, 0xffffffff, "address family"},
    ArgFilter{"socketpair", 0, ArgFilterKind::kValues, 0xffffffff, "address family"},
    ArgFilter{"unshare", 0, ArgFilterKind::kMasked, kCloneNamespaceFlags, "namespace flags"},
};

constexpr bool IsSortedByName(const auto& table) {
  for (size_t i = 1; i < table.size(); ++i)
    if (!(table[i - 1].syscall < table[i].syscall)) return false;
  return true;
}
static_assert(IsSortedByName(kArgFilters), "kArgFilters must be sorted by syscall name");

struct Named {
  uint64_t value;
  std::string_view name;
};

constexpr std::array kFamilies = {
    Named{AF_UNIX, "AF_UNIX"},       Named{AF_INET, "AF_INET"},
    Named{AF_INET6, "AF_INET6"},     Named{AF_NETLINK, "AF_NETLINK"},
    Named{AF_PACKET, "AF_PACKET"},   Named{AF_ALG, "AF_ALG"},
    Named{AF_VSOCK, "AF_VSOCK"},     Named{AF_BLUETOOTH, "AF_BLUETOOTH"},
    Named{AF_KEY, "AF_KEY"},         Named{AF_XDP, "AF_XDP"},
};

constexpr std::array kNamespaceFlags = {
    Named{CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, Named{CLONE_NEWIPC, "CLONE_NEWIPC"},
    Named{CLONE_NEWNET, "CLONE_NEWNET"},       Named{CLONE_NEWNS, "CLONE_NEWNS"},
    Named{CLONE_NEWPID, "CLONE_NEWPID"},       Named{CLONE_NEWUSER, "CLONE_NEWUSER"},
    Named{CLONE_NEWUTS, "CLONE_NEWUTS"},
};

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
  if (syscall == "socket" || syscall == "socketpair") {
    for (const auto& f : kFamilies)
      if (f.value == value) return std::string(f.name);
  }
  if (syscall == "clone" || syscall == "unshare") {
    if (value == 0) return "none";
    std::string out;
    for (const auto& f : kNamespaceFlags)
      if (value & f.value) out += (out.empty() ? "" : "|") + std::string(f.name);
    return out;
  }
  if (syscall == "personality") {
    if (value == 0xffffffff) return "query";
    if (value == PER_LINUX) return "PER_LINUX";
  }
  return fmt::format("{}", value);
}

}  // namespace seclearn
