#include "text.h"

#include <fmt/format.h>
#include <time.h>

#include <csignal>
#include <cstring>
#include <ctime>

#include "seclearn/core/arch.h"
#include "seclearn/core/json.h"

namespace seclearn::cli {

size_t Utf8Length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1fu;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0fu;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  // C1 controls (U+0080-U+009F) are terminal escapes too.
  if (cp >= 0x80 && cp <= 0x9f) return 0;
  return n;
}

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

}  // namespace seclearn::cli
