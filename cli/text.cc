#include "text.h"

#include <fmt/format.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <cctype>
#include <csignal>
#include <cstring>
#include <ctime>

#include "seclearn/core/arch.h"
#include "seclearn/core/json.h"

namespace seclearn::cli {

bool IsUtf8(std::string_view s) { return IsValidUtf8(s); }

std::string DisplayName(std::string_view s, bool quote_spaces) {
  std::string out;
  out.reserve(s.size());
  bool quote = quote_spaces && s.empty();
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8Length(s, i);
    if (n == 0 || c < 0x20 || c == 0x7f || c == '\\' || c == '"') {
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\\' || c == '"') {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        out += fmt::format("\\x{:02x}", c);
      }
      ++i;
      continue;
    }
    if (c == ' ') quote = quote_spaces;
    out.append(s.substr(i, n));
    i += n;
  }
  return quote ? "\"" + out + "\"" : out;
}

std::string TerminalSafe(std::string_view s, bool newline_as_n) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8Length(s, i);
    if (n == 0 || c < 0x20 || c == 0x7f) {
      out += c == '\n' && newline_as_n ? std::string("\\n") : fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string FormatUtc(int64_t ns, const char* strftime_format) {
  const time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char buf[128];
  const size_t n = std::strftime(buf, sizeof buf, strftime_format, &tm);
  return std::string(buf, n);
}

std::string FormatTime(int64_t ns) {
  return fmt::format("{}.{:03d}Z", FormatUtc(ns, "%Y-%m-%dT%H:%M:%S"),
                     static_cast<int>((ns / 1'000'000) % 1000));
}

std::string ArchName(uint32_t arch) {
  auto a = ArchByAudit(arch);
  return a ? std::string(a->short_name) : fmt::format("{:#x}", arch);
}

std::string Basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string SignalName(int sig) {
  if (const char* abbrev = ::sigabbrev_np(sig)) return fmt::format("SIG{}", abbrev);
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return fmt::format("SIGRTMIN+{}", sig - SIGRTMIN);
  return fmt::format("signal {}", sig);
}

std::string FrameText(const StackFrame& f) {
  auto safe = [](std::string_view s) { return DisplayName(s, false); };
  if (!f.function.empty()) {
    if (!f.file.empty()) return fmt::format("{} ({}:{})", safe(f.function), safe(f.file), f.line);
    if (!f.module.empty())
      return fmt::format("{} ({})", safe(f.function), safe(Basename(f.module)));
    return safe(f.function);
  }
  if (f.module.empty()) return fmt::format("?? {:#x}", f.offset);
  std::string out = fmt::format("{}+{:#x}", safe(Basename(f.module)), f.offset);
  if (!f.build_id.empty()) out += fmt::format(" [build-id {}]", safe(f.build_id));
  return out;
}

std::string StackChain(std::string_view call, const StackFact& st) {
  std::string out(call);
  for (const StackFrame& f : st.frames) out += " \u2190 " + FrameText(f);
  if (st.truncated) out += " \u2190 ...";
  return out;
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty();
    for (unsigned char c : a)
      if (!(std::isalnum(c) || std::string_view("-_./=:,+@%").find(c) != std::string_view::npos))
        plain = false;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'')
        out += "'\\''";
      else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        out += fmt::format("\\x{:02x}", c);
      else
        out += c;
    }
    out += '\'';
  }
  return out;
}

std::string AccessLetters(uint32_t access) {
  static constexpr std::pair<uint32_t, char> kLetters[] = {
      {kAccessRead, 'r'},   {kAccessWrite, 'w'}, {kAccessAppend, 'a'},   {kAccessCreate, 'c'},
      {kAccessDelete, 'd'}, {kAccessExec, 'x'},  {kAccessMmapExec, 'm'}, {kAccessLink, 'l'},
      {kAccessLock, 'k'},   {kAccessStat, 's'},  {kAccessChdir, 'C'},    {kAccessMount, 'M'},
  };
  std::string out;
  for (const auto& [bit, letter] : kLetters) out += (access & bit) ? letter : '-';
  return out;
}

std::string ResultName(int32_t err) {
  if (err == 0) return "ok";
  const char* name = ::strerrorname_np(err);
  return name ? name : fmt::format("errno {}", err);
}

std::string FamilyName(int32_t family) {
  switch (family) {
    case AF_UNIX:
      return "AF_UNIX";
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_NETLINK:
      return "AF_NETLINK";
    case AF_PACKET:
      return "AF_PACKET";
    case AF_UNSPEC:
      return "AF_UNSPEC";
    default:
      return fmt::format("AF_{}", family);
  }
}

std::string TypeName(int32_t type) {
  switch (type) {
    case 0:
      return "-";
    case SOCK_STREAM:
      return "SOCK_STREAM";
    case SOCK_DGRAM:
      return "SOCK_DGRAM";
    case SOCK_RAW:
      return "SOCK_RAW";
    case SOCK_SEQPACKET:
      return "SOCK_SEQPACKET";
    default:
      return fmt::format("SOCK_{}", type);
  }
}

std::string ProtocolName(int32_t family, int32_t protocol) {
  if (family == AF_NETLINK) {
    switch (protocol) {
      case NETLINK_ROUTE:
        return "NETLINK_ROUTE";
      case NETLINK_AUDIT:
        return "NETLINK_AUDIT";
      case NETLINK_KOBJECT_UEVENT:
        return "NETLINK_KOBJECT_UEVENT";
      case NETLINK_GENERIC:
        return "NETLINK_GENERIC";
      case NETLINK_SOCK_DIAG:
        return "NETLINK_SOCK_DIAG";
      default:
        return fmt::format("NETLINK_{}", protocol);
    }
  }
  if (family == AF_INET || family == AF_INET6) {
    switch (protocol) {
      case 0:
        return "0";
      case IPPROTO_TCP:
        return "tcp";
      case IPPROTO_UDP:
        return "udp";
      case IPPROTO_ICMP:
        return "icmp";
      case IPPROTO_ICMPV6:
        return "icmpv6";
      default:
        break;
    }
  }
  return std::to_string(protocol);
}

}  // namespace seclearn::cli
