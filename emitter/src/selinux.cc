// The SELinux export: facts -> (type, class) -> permissions, written as one CIL block.
#include "seclearn/emitter/selinux.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

#include "runtime_data.h"
#include "seclearn/core/capability.h"
#include "seclearn/core/escape.h"
#include "seclearn/core/path.h"
#include "seclearn/core/selinux_class.h"

namespace seclearn {
namespace {

using PermSet = std::set<std::string>;

std::string_view ClassOfMode(std::optional<uint32_t> mode, bool is_dir) {
  if (is_dir) return "dir";
  return mode ? SelinuxFileClass(*mode) : "file";
}

// The permissions ACCESS needs on an object of class CLS.
PermSet ObjectPerms(uint32_t a, std::string_view cls) {
  const bool dir = cls == "dir";
  PermSet p;
  auto add = [&](std::initializer_list<const char*> l) { p.insert(l.begin(), l.end()); };
  if (a & kAccessRead) {
    if (cls == "lnk_file") add({"read", "getattr"});
    else add({"open", "read", "getattr", "ioctl", "lock"});
    if (dir) add({"search"});
  }
  if (a & kAccessWrite) {
    if (dir) add({"open", "write", "getattr", "setattr", "search", "add_name", "remove_name"});
    else add({"open", "write", "append", "setattr", "getattr", "ioctl", "lock"});
  }
  if (a & kAccessAppend) add({"open", "append", "getattr", "ioctl", "lock"});
  if (a & (kAccessCreate | kAccessLink)) add({"create", "getattr"});
  if (a & kAccessDelete) {
    if (dir) add({"rmdir", "getattr"});
    else add({"unlink", "getattr"});
  }
  if (a & kAccessExec) add({"execute", "execute_no_trans", "open", "read", "getattr", "map"});
  if (a & kAccessMmapExec) add({"map", "execute", "open", "read", "getattr"});
  if (a & kAccessLock) add({"lock", "getattr"});
  if (a & kAccessStat) add({"getattr"});
  if (a & kAccessChdir) add({"search", "getattr"});
  if (a & kAccessMount) add({"mounton", "getattr"});
  if (dir && (a & (kAccessChdir | kAccessRead))) add({"search"});
  return p;
}

// socket class of (family, type, protocol).
std::string_view SocketClass(int family, int type, int protocol) {
  switch (family) {
    case AF_UNIX:
      return type == SOCK_DGRAM ? "unix_dgram_socket" : "unix_stream_socket";
    case AF_INET:
    case AF_INET6:
      if (type == SOCK_STREAM) return protocol == IPPROTO_SCTP ? "sctp_socket" : "tcp_socket";
      if (type == SOCK_DGRAM)
        return protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6 ? "icmp_socket"
                                                                       : "udp_socket";
      if (type == SOCK_SEQPACKET && protocol == IPPROTO_SCTP) return "sctp_socket";
      return "rawip_socket";
    case AF_NETLINK:
      switch (protocol) {
        case 0: return "netlink_route_socket";
        case 4: return "netlink_tcpdiag_socket";
        case 6: return "netlink_xfrm_socket";
        case 7: return "netlink_selinux_socket";
        case 9: return "netlink_audit_socket";
        case 12: return "netlink_netfilter_socket";
        case 15: return "netlink_kobject_uevent_socket";
        case 16: return "netlink_generic_socket";
        default: return "netlink_socket";
      }
    case AF_PACKET: return "packet_socket";
    case AF_KEY: return "key_socket";
    case AF_ALG: return "alg_socket";
    case AF_VSOCK: return "vsock_socket";
    default: return "socket";
  }
}

int PortProtocol(std::string_view cls) {
  if (cls == "tcp_socket") return IPPROTO_TCP;
  if (cls == "udp_socket") return IPPROTO_UDP;
  if (cls == "sctp_socket") return IPPROTO_SCTP;
  return 0;
}

constexpr std::string_view kCilKeywords[] = {
    "all", "and", "or", "not", "xor", "eq", "neq", "dom", "domby", "incomp", "range", "self",
    "allow", "block", "in", "call", "macro", "type", "role", "user", "class", "object_r",
};

struct Rule {
  PermSet perms;
  std::vector<std::string> why;  // example paths or facts, as comment text
  size_t more = 0;
};

class Builder {
 public:
  explicit Builder(const SelinuxExportOptions& o) : o_(o) {}

  void Grant(const std::string& type, std::string_view cls, const PermSet& perms,
             std::string_view why) {
    if (perms.empty()) return;
    // The template's own type is installed with the module, whatever this host's policy holds.
    if (type != "self" && type != kSelinuxImageType && o_.has_type && !o_.has_type(type)) {
      Note(fmt::format("type {} is not in this policy: {} left out", type,
                       EscapeNonPrintable(why)));
      return;
    }
    Rule& r = rules_[{type, std::string(cls)}];
    for (const auto& p : perms) {
      if (o_.has_permission && !o_.has_permission(cls, p)) {
        Note(fmt::format("this policy has no {} permission {}: left out", cls, p));
        continue;
      }
      r.perms.insert(p);
    }
    if (why.empty()) return;
    std::string w = EscapeNonPrintable(why);
    if (std::find(r.why.begin(), r.why.end(), w) != r.why.end()) return;
    if (r.why.size() < 3) r.why.push_back(std::move(w));
    else ++r.more;
  }

  void Note(std::string n) {
    if (std::find(notes_.begin(), notes_.end(), n) == notes_.end()) notes_.push_back(std::move(n));
  }

  // The type of PATH (class CLS) as the workload saw it; nullopt noted.
  std::optional<std::string> TypeOf(const std::string& path, std::string_view cls) {
    const uint32_t mode = SelinuxClassMode(cls);
    if (o_.image_type) {
      for (const auto& v : o_.volumes) {
        if (!PathIsBeneath(path, v.destination)) continue;
        const std::string host = v.source + path.substr(v.destination.size());
        return Lookup(host, mode, path);
      }
      if (!PathIsBeneath(path, "/proc") && !PathIsBeneath(path, "/sys") &&
          !PathIsBeneath(path, "/dev"))
        return *o_.image_type;
    }
    return Lookup(path, mode, path);
  }

  // A path the file contexts leave to the kernel (<<none>>: /tmp/..., made at run time) has
  // its directory's type, as a new file without a type transition gets.
  std::optional<std::string> Lookup(const std::string& path, uint32_t mode,
                                    const std::string& shown) {
    if (!o_.file_type) return std::nullopt;
    std::string p = path;
    while (true) {
      if (auto t = o_.file_type(p, p == path ? mode : S_IFDIR)) return t;
      if (p == "/") break;
      const size_t slash = p.rfind('/');
      p = slash == 0 ? "/" : p.substr(0, slash);
    }
    Note(fmt::format("{}: no type in this policy's file contexts: left out",
                     EscapeNonPrintable(shown)));
    return std::nullopt;
  }

  void File(const FileAccessRecord& r) {
    const bool is_dir = r.path.size() > 1 && r.path.back() == '/';
    std::string path = is_dir ? r.path.substr(0, r.path.size() - 1) : r.path;
    if (path.empty() || path[0] != '/') return;
    std::optional<uint32_t> mode;
    if (o_.mode) mode = o_.mode(path);
    const std::string_view cls = ClassOfMode(mode, is_dir);
    uint32_t access = r.access;
    // O_CREAT of a device that is there (open("/dev/null", "w")) creates nothing.
    if (cls == "chr_file" || cls == "blk_file") access &= ~uint32_t{kAccessCreate};
    if (auto t = TypeOf(path, cls)) {
      Grant(*t, cls, ObjectPerms(access, cls), path);
      if (o_.entrypoint && *o_.entrypoint == path && (access & kAccessExec))
        Grant(*t, "file", {"entrypoint"}, path);
    }
    // The directories on the way, and the one a name is made in or removed from.
    std::string dir = path;
    bool parent = true;
    while (dir.size() > 1) {
      const size_t slash = dir.rfind('/');
      dir = slash == 0 ? "/" : dir.substr(0, slash);
      PermSet p = {"search", "getattr"};
      if (parent && (access & (kAccessCreate | kAccessLink)))
        p.insert({"add_name", "write"});
      if (parent && (access & kAccessDelete)) p.insert({"remove_name", "write"});
      if (auto t = TypeOf(dir, "dir")) Grant(*t, "dir", p, parent ? path : "");
      parent = false;
    }
  }

  void Network(const NetworkFact& f) {
    constexpr int kEinprogress = 115;
    if (f.err != 0 && !(f.op == NetOp::kConnect && f.err == kEinprogress)) return;
    const std::string_view cls = SocketClass(f.family, f.type, f.protocol);
    std::string why = fmt::format("{} {}", NetOpName(f.op), cls);
    if (!f.address.empty() || f.port >= 0)
      why += fmt::format(" {}{}", f.address, f.port >= 0 ? fmt::format(":{}", f.port) : "");
    PermSet use = {"create", "read", "write", "getattr", "setattr", "getopt", "setopt",
                   "shutdown", "ioctl", "lock", "append"};
    Grant("self", cls, use, why);
    const int proto = PortProtocol(cls);
    switch (f.op) {
      case NetOp::kSocket: break;
      case NetOp::kListen: Grant("self", cls, {"listen"}, why); break;
      case NetOp::kAccept: Grant("self", cls, {"accept"}, why); break;
      case NetOp::kSendTo:
        if (f.family == AF_UNIX) Grant("self", cls, {"sendto"}, why);
        break;
      case NetOp::kBind:
        Grant("self", cls, {"bind"}, why);
        if (proto != 0 && f.port > 0) {
          Grant("node_t", cls, {"node_bind"}, why);
          Grant(PortTypeOf(proto, f.port), cls, {"name_bind"}, why);
        }
        if (f.family == AF_UNIX && f.address.starts_with("/")) UnixName(f.address, true, why);
        break;
      case NetOp::kConnect:
        Grant("self", cls, {"connect"}, why);
        if (proto == IPPROTO_TCP && f.port > 0)
          Grant(PortTypeOf(proto, f.port), cls, {"name_connect"}, why);
        if (f.family == AF_UNIX) {
          // The peer's domain must allow connectto: granted when it is this container's.
          Grant("self", cls, {"connectto"}, why);
          Note("unix connect: connectto is granted only to peers of this type; another "
               "peer's domain is the host policy's to allow");
          if (f.address.starts_with("/")) UnixName(f.address, false, why);
        }
        break;
    }
  }

  void UnixName(const std::string& path, bool create, const std::string& why) {
    if (auto t = TypeOf(path, "sock_file"))
      Grant(*t, "sock_file", create ? PermSet{"create", "getattr", "setattr", "unlink"}
                                    : PermSet{"write", "getattr"},
            why);
    const size_t slash = path.rfind('/');
    const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
    if (auto t = TypeOf(dir, "dir"))
      Grant(*t, "dir", create ? PermSet{"search", "getattr", "add_name", "write", "remove_name"}
                              : PermSet{"search", "getattr"},
            why);
  }

  std::string PortTypeOf(int proto, int port) {
    if (o_.port_type) {
      if (auto t = o_.port_type(proto, port)) return *t;
    }
    return "port_t";  // the kernel's initial SID for a port no portcon names
  }

  void Capability(const CapabilityFact& c) {
    if (!c.granted || c.capability < 0 || c.capability > LastKnownCapability()) return;
    const std::string name = CapabilityPolicyWord(CapabilityName(c.capability));
    const std::string_view cls = c.capability >= 32 ? "capability2" : "capability";
    Grant("self", cls, {name}, fmt::format("{} {}", c.syscall, c.evidence));
  }

  SelinuxExport Finish() {
    SelinuxExport out;
    out.block = SelinuxBlockName(o_.app);
    std::string& t = out.text;
    t += fmt::format("; SELinux policy module for app '{}' (seclearn export --format selinux):\n",
                     EscapeNonPrintable(o_.app));
    t += "; the type " + out.block + ".process may do what the recorded runs did, on the types\n"
         "; this host's policy gives those objects. Install it beside the template:\n";
    t += fmt::format(";   semodule -i {}.cil {}.cil\n", kSelinuxTemplateBlock, out.block);
    t += fmt::format(";   docker run --security-opt label=type:{}.process ...\n", out.block);
    t += fmt::format("(block {}\n", out.block);
    t += fmt::format("  (blockinherit {})\n", kSelinuxTemplateBlock);
    for (const auto& [key, r] : rules_) {
      if (r.perms.empty()) continue;
      if (!r.why.empty()) {
        t += "  ; " + fmt::format("{}", fmt::join(r.why, ", "));
        if (r.more) t += fmt::format(" (+{} more)", r.more);
        t += "\n";
      }
      t += fmt::format("  (allow process {} ({} ({})))\n", key.first, key.second,
                       fmt::join(r.perms, " "));
      ++out.rules;
    }
    t += ")\n";
    out.notes = std::move(notes_);
    return out;
  }

 private:
  const SelinuxExportOptions& o_;
  std::map<std::pair<std::string, std::string>, Rule> rules_;
  std::vector<std::string> notes_;
};

}  // namespace

std::string SelinuxBlockName(std::string_view app) {
  std::string out;
  for (unsigned char c : app) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else out += '_';
  }
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "app_" + out;
  for (auto k : kCilKeywords)
    if (out == k || out == kSelinuxTemplateBlock) return out + "_app";
  return out;
}

SelinuxExport BuildSelinuxModule(const std::vector<FileAccessRecord>& files,
                                 const std::vector<NetworkFact>& network,
                                 const std::vector<CapabilityFact>& capabilities,
                                 const SelinuxExportOptions& options) {
  Builder b(options);
  for (const auto& c : capabilities) b.Capability(c);
  for (const auto& f : files) b.File(f);
  for (const auto& n : network) b.Network(n);
  return b.Finish();
}

std::string_view SelinuxTemplate() {
  const EmbeddedFile* f = FindEmbeddedData("selinux/seclearn_container.cil");
  return f == nullptr ? std::string_view() : f->content;
}

}  // namespace seclearn
