#include "seclearn/enforce/landlock_apply.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "seclearn/core/fd.h"
#include "seclearn/core/json.h"

namespace seclearn {
namespace {

// The uapi structures as of ABI 6 (Debian 12's headers stop at ABI 2).
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};
constexpr unsigned kCreateRulesetVersion = 1u << 0;
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;

std::string Shown(const std::string& path) { return WriteJson(Json::String(path), 0); }

}  // namespace

int LandlockAbiHere() {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

Result<int> ApplyLandlock(const LandlockRuleset& r, bool strict,
                          std::vector<std::string>* notes) {
  const int abi = LandlockAbiHere();
  if (abi == 0) {
    const std::string why = "Landlock is not enabled in this kernel (CONFIG_SECURITY_LANDLOCK, "
                            "lsm= at boot): nothing of the ruleset is enforced";
    if (strict) return UsageError(why);
    notes->push_back(why);
    return 0;
  }
  RulesetAttr attr{r.handled_fs & LandlockFsRights(abi), r.handled_net & LandlockNetRights(abi),
                   r.scoped & LandlockScopes(abi)};
  const uint64_t lost_fs = r.handled_fs & ~attr.handled_access_fs;
  const uint64_t lost_net = r.handled_net & ~attr.handled_access_net;
  const uint64_t lost_scope = r.scoped & ~attr.scoped;
  if (lost_fs | lost_net | lost_scope) {
    std::string what;
    for (const std::string& part :
         {LandlockFsNames(lost_fs), LandlockNetNames(lost_net), LandlockScopeNames(lost_scope)})
      if (!part.empty()) what += (what.empty() ? "" : ", ") + part;
    const std::string why =
        fmt::format("this kernel's Landlock ABI is {}: not enforced: {}", abi, what);
    if (strict) return UsageError(why);
    notes->push_back(why);
  }
  // The attribute grew with the ABI: an older kernel refuses the fields it does not know.
  const size_t size = abi >= 6 ? sizeof(RulesetAttr) : abi >= 4 ? 16 : 8;
  Fd ruleset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
  if (!ruleset.valid()) return ErrnoError("landlock_create_ruleset");
  for (const LandlockPathRule& rule : r.paths) {
    for (const std::string& parent : rule.parents) {
      Fd fd(::open(parent.c_str(), O_PATH | O_CLOEXEC));
      if (!fd.valid()) {
        const std::string why = fmt::format("landlock: {}: {}: its rule ({}) is left out",
                                            Shown(parent), std::strerror(errno),
                                            LandlockFsNames(rule.access));
        if (strict) return UsageError(why);
        notes->push_back(why);
        continue;
      }
      struct stat st {};
      if (::fstat(fd.get(), &st) != 0) return ErrnoError(fmt::format("fstat {}", parent));
      uint64_t allowed = rule.access & attr.handled_access_fs;
      // A file holds only the rights that act on a file (the kernel refuses the others).
      if (!S_ISDIR(st.st_mode)) allowed &= kLlFileRights;
      if (allowed == 0) continue;
      PathBeneathAttr pb{allowed, fd.get()};
      if (::syscall(SYS_landlock_add_rule, ruleset.get(), kRulePathBeneath, &pb, 0) != 0)
        return ErrnoError(fmt::format("landlock_add_rule {}", Shown(parent)));
    }
  }
  if (attr.handled_access_net != 0) {
    for (const LandlockPortRule& rule : r.ports) {
      const uint64_t allowed = rule.access & attr.handled_access_net;
      if (allowed == 0) continue;
      for (uint64_t port : rule.ports) {
        NetPortAttr np{allowed, port};
        if (::syscall(SYS_landlock_add_rule, ruleset.get(), kRuleNetPort, &np, 0) != 0)
          return ErrnoError(fmt::format("landlock_add_rule port {}", port));
      }
    }
  }
  if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0) {
    if (errno == EPERM)
      return ErrnoError("landlock_restrict_self (needs no_new_privs or CAP_SYS_ADMIN: "
                        "--no-new-privs)");
    return ErrnoError("landlock_restrict_self");
  }
  return abi;
}

}  // namespace seclearn
