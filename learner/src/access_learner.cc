#include "seclearn/learner/access_learner.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <tuple>
#include <type_traits>

#include "capability_rules.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/capability.h"
#include "seclearn/core/syscall_table.h"

namespace seclearn {
namespace {

void AppendU32(std::string& key, uint32_t v) { key.append(reinterpret_cast<const char*>(&v), 4); }
void AppendU64(std::string& key, uint64_t v) { key.append(reinterpret_cast<const char*>(&v), 8); }

// Address and port of a sockaddr, for people and profiles.
void DescribeSockaddr(const SyscallEvent& ev, int32_t family, NetworkFact* fact) {
  const std::string& sa = ev.sockaddr;
  if (family == AF_INET && sa.size() >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, sa.data(), sizeof in);
    char buf[INET_ADDRSTRLEN];
    if (::inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf)) fact->address = buf;
    fact->port = ntohs(in.sin_port);
  } else if (family == AF_INET6 && sa.size() >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa.data(), sizeof in6);
    char buf[INET6_ADDRSTRLEN];
    if (::inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf)) fact->address = buf;
    fact->port = ntohs(in6.sin6_port);
  } else if (family == AF_UNIX && sa.size() > offsetof(sockaddr_un, sun_path)) {
    const char* path = sa.data() + offsetof(sockaddr_un, sun_path);
    const size_t len = sa.size() - offsetof(sockaddr_un, sun_path);
    if (path[0] == '\0') {
      // Abstract: the name is every byte after the NUL, up to addrlen (NULs included).
      fact->address = "@" + std::string(path + 1, len - 1);
    } else {
      fact->address = ev.abs_path.empty() ? std::string(path, strnlen(path, len)) : ev.abs_path;
    }
  } else if (family == AF_NETLINK && sa.size() >= sizeof(sockaddr_nl)) {
    sockaddr_nl nl{};
    std::memcpy(&nl, sa.data(), sizeof nl);
    // nl_pid differs on every run: only the multicast groups say what the workload listens to.
    if (nl.nl_groups != 0) fact->address = fmt::format("groups {:#x}", nl.nl_groups);
  }
}

bool MutatesPath(uint32_t access, uint32_t classes) {
  if (access & (kAccessCreate | kAccessDelete | kAccessLink | kAccessMount)) return true;
  // chmod, chown, truncate, utimes: a changed mode or owner changes later outcomes.
  return (access & kAccessWrite) && !(classes & kOpen);
}

// Appends to `key` (cleared by the caller, its capacity reused from call to call).
void OutcomeKey(const SyscallEvent& ev, const SyscallInfo& si, const std::string_view path[2],
                const uint32_t access[2], std::string& key) {
  key.append(path[0]);
  key += '\0';
  AppendU32(key, access[0]);
  AppendU32(key, ev.creds.fsuid);
  AppendU32(key, ev.creds.fsgid);
  AppendU64(key, ev.creds.cap_eff);
  AppendU32(key, ev.arch);
  AppendU32(key, static_cast<uint32_t>(ev.nr));
  if (!path[1].empty()) {
    key.append(path[1]);
    key += '\0';
    AppendU32(key, access[1]);
  }
  for (int i = 0; i < kMaxSyscallArgs; ++i)
    if (si.key_args & (1u << i)) AppendU64(key, ev.args[i]);
  if (ev.socket.known) {
    AppendU32(key, static_cast<uint32_t>(ev.socket.family));
    AppendU32(key, static_cast<uint32_t>(ev.socket.type));
    AppendU32(key, static_cast<uint32_t>(ev.socket.protocol));
  }
  key.append(ev.sockaddr);
  // Credentials decide set*id and kill: every id matters there.
  if (ev.creds.known && (si.classes & (kSetId | kSignal))) {
    for (uint32_t id :
         {ev.creds.ruid, ev.creds.euid, ev.creds.suid, ev.creds.rgid, ev.creds.egid, ev.creds.sgid})
      AppendU32(key, id);
  }
}

}  // namespace

const AccessLearner::CallInfo& AccessLearner::InfoFor(uint32_t arch, int32_t nr) {
  const uint64_t id = (uint64_t{arch} << 32) | static_cast<uint32_t>(nr);
  auto [it, inserted] = calls_.try_emplace(id);
  if (inserted) {
    CallInfo& c = it->second;
    c.si = LookupSyscall(arch, nr);
    if (c.si != nullptr) {
      const auto rules = RulesFor(c.si->name);
      c.rules = rules.data();
      c.nrules = static_cast<uint8_t>(rules.size());
      c.stat_family = c.si->kind == SyscallKind::kStat || c.si->kind == SyscallKind::kStatNoFollow;
      c.create_only = CreatesOnly(*c.si);
    }
  }
  return it->second;
}

void AccessLearner::Analyze(const SyscallEvent& ev, Analysis& a) {
  a.call = nullptr;
  a.path[0] = a.path[1] = {};
  a.access[0] = a.access[1] = 0;
  a.network = false;
  a.nrules = 0;
  a.key.clear();
  a.keyed_by_path = false;
  if (!ev.resolved) return;
  const CallInfo& call = InfoFor(ev.arch, ev.nr);
  const SyscallInfo* si = call.si;
  if (si == nullptr) return;
  a.call = &call;
  const PathAccess requested = RequestedAccess(*si, ev.args.data(), ev.openat2_flags, true);
  uint32_t access[2] = {requested.first, requested.second};

  if (si->classes & kNetwork) {
    NetworkFact& n = a.net;
    n = NetworkFact{};
    n.op = si->net_op.value_or(NetOp::kSocket);
    if (si->kind == SyscallKind::kSocket) {
      n.family = static_cast<int32_t>(ev.args[0]);
      n.type = static_cast<int32_t>(ev.args[1]) & 0xf;  // SOCK_TYPE_MASK
      n.protocol = static_cast<int32_t>(ev.args[2]);
      a.network = true;
    } else if (ev.socket.known || !ev.sockaddr.empty()) {
      n.family = ev.socket.family;
      if (ev.sockaddr.size() >= sizeof(sa_family_t)) {
        sa_family_t family = 0;
        std::memcpy(&family, ev.sockaddr.data(), sizeof family);
        // connect(AF_UNSPEC) dissolves an association: keep the socket's family.
        if (family != AF_UNSPEC || !ev.socket.known) n.family = family;
      }
      n.type = ev.socket.type;
      n.protocol = ev.socket.protocol;
      DescribeSockaddr(ev, n.family, &n);
      a.network = true;
      if (n.family == AF_UNIX && !ev.abs_path.empty() && (n.op == NetOp::kBind || n.op == NetOp::kConnect)) {
        // A path socket is a file: bind creates it, connect writes to it.
        a.path[0] = ev.abs_path;
        a.access[0] = n.op == NetOp::kBind ? kAccessCreate : kAccessWrite;
      }
    }
  } else if (si->path_args.first >= 0 || si->path_args.second >= 0) {
    a.path[0] = ev.abs_path;
    a.path[1] = ev.abs_path2;
    a.access[0] = access[0];
    a.access[1] = access[1];
  } else if (!ev.abs_path.empty()) {
    // A call on a descriptor (mmap PROT_EXEC, locks, fchdir) or an address (mprotect).
    a.path[0] = ev.abs_path;
    a.access[0] = access[0];
  }
  for (int i = 0; i < 2; ++i) {
    if (a.access[i] == 0) a.path[i] = {};
  }

  const RuleContext ctx{ev, *si, a.access[0], a.access[1], options_};
  for (uint8_t i = 0; i < call.nrules && a.nrules < a.rules.size(); ++i) {
    const CapabilityRule& rule = call.rules[i];
    if (rule.check(ctx, nullptr) != Verdict::kNotNeeded) a.rules[a.nrules++] = &rule;
  }
  if (!a.empty()) {
    OutcomeKey(ev, *si, a.path, a.access, a.key);
    a.keyed_by_path = !a.path[0].empty() && a.path[1].empty();
  }
}

const AccessLearner::Outcome* AccessLearner::CachedOutcome(const Analysis& a) const {
  if (a.keyed_by_path) {
    auto it = file_outcomes_.find(a.key);
    return it == file_outcomes_.end() ? nullptr : &it->second;
  }
  auto it = other_outcomes_.find(a.key);
  return it == other_outcomes_.end() ? nullptr : &it->second;
}

void AccessLearner::Remember(const Analysis& a, Outcome outcome) {
  // Only a cache: when full, start over (a few more result stops, never a wrong fact).
  if (cached_outcomes() >= kMaxCachedOutcomes) {
    file_outcomes_.clear();
    other_outcomes_.clear();
  }
  if (a.keyed_by_path) {
    file_outcomes_.insert_or_assign(a.key, std::move(outcome));
  } else {
    other_outcomes_.insert_or_assign(a.key, std::move(outcome));
  }
}

void AccessLearner::Forget(const std::string& path) {
  // The path itself: keys "path\0..."; below it: "path/...". '\1' and '0' are the next bytes.
  auto erase_prefix = [&](const std::string& lo, const std::string& hi) {
    file_outcomes_.erase(file_outcomes_.lower_bound(lo), file_outcomes_.lower_bound(hi));
  };
  erase_prefix(path + '\0', path + '\1');
  const std::string dir = path == "/" ? std::string() : path;
  erase_prefix(dir + '/', dir + '0');
}

SyscallNeeds AccessLearner::Needs(const SyscallEvent& event) {
  Analysis& a = last_;
  Analyze(event, a);
  last_event_ = &event;
  last_tid_ = event.tid;
  last_nr_ = event.nr;
  last_time_ns_ = event.time_ns;
  if (a.empty()) return {};
  if (CachedOutcome(a) != nullptr) {
    ++results_skipped_;
    return {};
  }
  SyscallNeeds needs;
  needs.result = true;
  // A stat's outcome is what stat'ing the same path says: the backend can tell without a
  // second stop (unless ".." after a symlink would make our lexical path another file).
  // So is a read-only open's, in the cases the backend can model (remote.cc).
  const bool read_only_open =
      (a.call->si->classes & kOpen) && (a.access[0] == kAccessRead || a.access[0] == kAccessStat);
  // A mkdir or mknod of a path that exists fails with EEXIST: without a result (the notify
  // backend) that stat is all that tells a failed create from a made one.
  if ((a.call->stat_family || a.call->create_only || read_only_open) && !a.path[0].empty() &&
      event.path.find("..") == std::string::npos)
    needs.stat |= SyscallNeeds::kStatOutcome;
  // Without any capability a failure says all there is to say: no stat, no target.
  if (a.nrules == 0 || !event.creds.known || event.creds.cap_eff == 0) return needs;
  for (uint8_t r = 0; r < a.nrules; ++r) {
    const CapabilityRule* rule = a.rules[r];
    if (rule->uses_stat) {
      for (int i = 0; i < 2; ++i) {
        if (a.path[i].empty()) continue;
        const uint8_t file = i == 0 ? SyscallNeeds::kStatPath : SyscallNeeds::kStatPath2;
        const uint8_t dir = i == 0 ? SyscallNeeds::kStatParent : SyscallNeeds::kStatParent2;
        needs.stat |= file;
        if (a.access[i] & (kAccessCreate | kAccessDelete)) needs.stat |= dir;
      }
    }
    if (rule->target_arg >= 0) {
      const int32_t pid = static_cast<int32_t>(event.args[rule->target_arg]);
      if (pid > 0) needs.target_pid = pid;
    }
  }
  return needs;
}

namespace {

// Whether a read-only open's outcome is what the same stat said (the caller checks that
// seclearn sees files as the task does). The path walk fails the same way for both; past it,
// only a plain read of a regular file or directory the mode bits (or the task's DAC
// capabilities) allow is taken as a success. Not modelled, so never predicted: creation,
// truncation, writes, O_NOATIME, O_DIRECTORY or O_NOFOLLOW mismatches, /proc, /sys and /dev
// (their own permission rules), 32-bit tasks (EOVERFLOW without O_LARGEFILE). Left as
// successes: descriptor exhaustion (EMFILE), LSM or fanotify denials, leases.
bool OpenPredictable(const SyscallEvent& ev, uint64_t flags, const FileStat& st) {
  if (ev.arch != NativeAuditArch() || !ev.creds.known) return false;
  if (flags & (O_CREAT | O_TRUNC | O_NOATIME | 020000000 /* __O_TMPFILE */)) return false;
  const bool path_only = flags & O_PATH;
  if (!path_only && (flags & O_ACCMODE) != O_RDONLY) return false;
  for (std::string_view special : {"/proc", "/sys", "/dev"}) {
    if (ev.abs_path == special ||
        (ev.abs_path.starts_with(special) && ev.abs_path[special.size()] == '/'))
      return false;
  }
  if (!st.known)
    return st.err == ENOENT || st.err == ENOTDIR || st.err == EACCES || st.err == ELOOP;
  if (path_only) return !(flags & O_DIRECTORY) || S_ISDIR(st.mode);
  if (!S_ISREG(st.mode) && !S_ISDIR(st.mode)) return false;  // symlink under O_NOFOLLOW too
  if ((flags & O_DIRECTORY) && !S_ISDIR(st.mode)) return false;
  if (ev.creds.cap_eff & kDacCapabilities) return true;
  return ModeAllows(st, ev.creds, 4);
}

}  // namespace

Prediction AccessLearner::Predict(const SyscallEvent& event) const {
  const SyscallInfo* si = LookupSyscall(event.arch, event.nr);
  if (si == nullptr) return Prediction::kNone;
  const FileStat& st = event.stat1;
  // The name exists where the task looks (the backend stats in its root and mounts): the call
  // fails, with EEXIST (or EACCES if the task may not search the way there, which is then
  // recorded as EEXIST). ptrace still stops at the exit for the real result.
  if (CreatesOnly(*si)) return st.known ? Prediction::kOutcome : Prediction::kNone;
  if (!st.same_view) return Prediction::kNone;
  if ((si->classes & kOpen) &&
      !OpenPredictable(event, CallFlags(*si, event.args.data(), event.openat2_flags), st))
    return Prediction::kNone;
  return Prediction::kOutcomeNoResult;
}

void AccessLearner::OnSyscall(const SyscallEvent& event) {
  const bool same = last_event_ == &event && last_tid_ == event.tid && last_nr_ == event.nr &&
                    last_time_ns_ == event.time_ns;
  last_event_ = nullptr;
  if (!same) Analyze(event, scratch_);
  const Analysis& a = same ? last_ : scratch_;
  if (a.empty()) return;
  bool has_result = event.has_result;
  int64_t r = event.result;
  if (!has_result && event.stat1.predicts) {
    has_result = true;
    if (a.call->create_only)
      r = event.stat1.known ? -EEXIST : 0;
    else
      r = event.stat1.known ? 0 : -event.stat1.err;
  }
  if (!has_result) {
    // Asked for no result: the same call was seen before, count it where that one went.
    if (const Outcome* o = CachedOutcome(a)) {
      for (Counter* c : o->counters) ++c->count;
      return;
    }
    // Unknown results (a backend that never sees them, a task killed in the call) count as
    // success: the call was made and a profile must allow it.
    r = 0;
  }
  const int32_t err = r < 0 && r > -4096 ? static_cast<int32_t>(-r) : 0;
  const SyscallInfo& si = *a.call->si;
  const std::string_view name = si.name;
  Outcome outcome;
  auto count = [&](Counter& c) {
    if (c.count == 0) c.first_seen_ns = event.time_ns;
    ++c.count;
    outcome.counters.push_back(&c);
  };

  for (int i = 0; i < 2; ++i) {
    if (a.path[i].empty()) continue;
    std::string& key = key_buffer_;
    key.assign(a.path[i]);
    key += '\0';
    AppendU32(key, a.access[i]);
    AppendU32(key, static_cast<uint32_t>(err));
    auto [it, inserted] = files_.try_emplace(key);
    if (inserted) {
      it->second.fact = FileFact{std::string(a.path[i]), a.access[i], err, 0, 0, std::string(name)};
    }
    count(it->second.c);
  }

  if (a.network) {
    NetworkFact f = a.net;
    f.err = err;
    std::string key(1, static_cast<char>(f.op));
    for (int32_t v : {f.family, f.type, f.protocol, f.port, f.err})
      AppendU32(key, static_cast<uint32_t>(v));
    key += f.address;
    auto [it, inserted] = network_.try_emplace(std::move(key));
    if (inserted) it->second.fact = std::move(f);
    count(it->second.c);
  }

  const bool failed_perm = has_result && (err == EPERM || err == EACCES);
  const bool succeeded = err == 0;
  const RuleContext ctx{event, si, a.access[0], a.access[1], options_};
  for (uint8_t i = 0; i < a.nrules; ++i) {
    const CapabilityRule* rule = a.rules[i];
    const Verdict v = rule->check(ctx, nullptr);
    if (v == Verdict::kNotNeeded) continue;
    const bool holds = !event.creds.known || HoldsCapability(event.creds, rule->capability);
    bool granted;
    if (succeeded && v == Verdict::kNeeded && holds) {
      granted = true;
    } else if (failed_perm && !(event.creds.known && holds) &&
               (v == Verdict::kNeeded || err == rule->failure_errno)) {
      granted = false;
    } else {
      continue;
    }
    std::string key(1, static_cast<char>(rule->capability));
    key += granted ? '+' : '-';
    auto [it, inserted] = capabilities_.try_emplace(std::move(key));
    if (inserted) {
      // Described only for the first call: formatting costs more than the check.
      std::string evidence;
      rule->check(ctx, &evidence);
      it->second.fact = CapabilityFact{rule->capability, granted, std::string(name),
                                      std::move(evidence), 0, 0};
    }
    count(it->second.c);
  }

  if (has_result) {
    if (succeeded) {
      for (int i = 0; i < 2; ++i) {
        if (!a.path[i].empty() && MutatesPath(a.access[i], si.classes))
          Forget(std::string(a.path[i]));
      }
    }
    Remember(a, std::move(outcome));
  }
}

namespace {

bool FileLess(const FileFact& a, const FileFact& b) {
  return std::tie(a.path, a.access, a.err) < std::tie(b.path, b.access, b.err);
}
bool NetworkLess(const NetworkFact& a, const NetworkFact& b) {
  return std::tuple(NetOpName(a.op), a.family, a.type, a.protocol, std::string_view(a.address),
                    a.port, a.err) < std::tuple(NetOpName(b.op), b.family, b.type, b.protocol,
                                                std::string_view(b.address), b.port, b.err);
}
bool CapabilityLess(const CapabilityFact& a, const CapabilityFact& b) {
  // By name, as the store lists them ("CAP_45" for a number past the known ones); named once.
  static const std::array<std::string, 64> kNames = [] {
    std::array<std::string, 64> names;
    for (int i = 0; i < 64; ++i) names[i] = CapabilityName(i);
    return names;
  }();
  auto name = [](int cap) -> std::string_view {
    return cap >= 0 && cap < 64 ? std::string_view(kNames[cap]) : std::string_view();
  };
  return std::pair(name(a.capability), a.granted) < std::pair(name(b.capability), b.granted);
}

// Totals of a const map; increments since the last call (and marks them taken) otherwise.
template <typename Map, typename Fact>
void Collect(Map& map, std::vector<Fact>& out) {
  constexpr bool kTake = !std::is_const_v<Map>;
  for (auto& [key, entry] : map) {
    auto& c = entry.c;
    const uint64_t n = kTake ? c.count - c.flushed : c.count;
    if (n == 0) continue;
    Fact f = entry.fact;
    f.count = n;
    f.first_seen_ns = c.first_seen_ns;
    out.push_back(std::move(f));
    if constexpr (kTake) c.flushed = c.count;
  }
}

}  // namespace

void AccessLearner::TakeDelta(FactsDelta& delta) {
  const size_t files = delta.files.size(), net = delta.network.size(),
               caps = delta.capabilities.size();
  Collect(files_, delta.files);
  Collect(network_, delta.network);
  Collect(capabilities_, delta.capabilities);
  std::sort(delta.files.begin() + files, delta.files.end(), FileLess);
  std::sort(delta.network.begin() + net, delta.network.end(), NetworkLess);
  std::sort(delta.capabilities.begin() + caps, delta.capabilities.end(), CapabilityLess);
}

std::vector<FileFact> AccessLearner::Files() const {
  std::vector<FileFact> out;
  Collect(files_, out);
  std::sort(out.begin(), out.end(), FileLess);
  return out;
}

std::vector<NetworkFact> AccessLearner::Network() const {
  std::vector<NetworkFact> out;
  Collect(network_, out);
  std::sort(out.begin(), out.end(), NetworkLess);
  return out;
}

std::vector<CapabilityFact> AccessLearner::Capabilities() const {
  std::vector<CapabilityFact> out;
  Collect(capabilities_, out);
  std::sort(out.begin(), out.end(), CapabilityLess);
  return out;
}

}  // namespace seclearn
