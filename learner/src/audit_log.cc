#include "seclearn/learner/audit_log.h"

#include <auparse.h>
#include <linux/audit.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <set>

#include "seclearn/core/arch.h"

namespace seclearn {
namespace {

struct AuparseDeleter {
  void operator()(auparse_state_t* au) const { auparse_destroy(au); }
};

bool Digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "" if `line` is an audit record line as auditd writes it, else why not.
std::string WhyBad(std::string_view line) {
  if (line.starts_with("node=")) {
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return "a node= prefix and nothing else";
    line.remove_prefix(sp + 1);
  }
  if (!line.starts_with("type=")) return "not an audit record (no type=)";
  const size_t msg = line.find(" msg=audit(");
  if (msg == std::string_view::npos) return "no msg=audit(...) stamp";
  std::string_view stamp = line.substr(msg + 11);
  const size_t close = stamp.find("):");
  if (close == std::string_view::npos) return "truncated msg=audit(...) stamp";
  stamp = stamp.substr(0, close);
  const size_t dot = stamp.find('.');
  const size_t colon = stamp.find(':');
  if (dot == std::string_view::npos || colon == std::string_view::npos || colon < dot ||
      !Digits(stamp.substr(0, dot)) || !Digits(stamp.substr(dot + 1, colon - dot - 1)) ||
      !Digits(stamp.substr(colon + 1))) {
    return "malformed msg=audit(SECONDS.MILLIS:SERIAL) stamp";
  }
  return "";
}

template <typename T>
bool Number(std::string_view s, T* out, int base = 10) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<AuditLog> ReadAuditLog(std::string_view text, const AuditMatch& match) {
  AuditLog out;
  // The good lines, and each one's line number in the input.
  std::string good;
  std::vector<size_t> line_of;
  std::set<size_t> wanted;  // lines of SECCOMP and SYSCALL records: libauparse must return each
  size_t number = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    const bool complete = end != std::string_view::npos;
    if (!complete) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (line.empty()) continue;
    std::string why = line.find('\0') != std::string_view::npos ? "a NUL byte" : WhyBad(line);
    if (why.empty() && !complete) why = "truncated (no newline at the end of the log)";
    if (!why.empty()) {
      if (out.bad_lines++ == 0) {
        out.first_bad_line = number;
        out.first_bad_why = std::move(why);
      }
      continue;
    }
    good.append(line);
    good.push_back('\n');
    line_of.push_back(number);
    if (line.find("type=SECCOMP ") != std::string_view::npos ||
        line.find("type=SYSCALL ") != std::string_view::npos)
      wanted.insert(number);
  }
  if (good.empty()) return out;

  std::unique_ptr<auparse_state_t, AuparseDeleter> au(auparse_init(AUSOURCE_BUFFER, good.c_str()));
  if (!au) return UsageError("libauparse: auparse_init failed");
  auparse_set_escape_mode(au.get(), AUPARSE_ESC_RAW);
  while (auparse_next_event(au.get()) > 0) {
    if (auparse_first_record(au.get()) <= 0) continue;
    do {
      const int type = auparse_get_type(au.get());
      if (type != AUDIT_SECCOMP && type != AUDIT_SYSCALL) continue;
      ++out.records;
      std::map<std::string, std::string, std::less<>> f;
      std::string exe;
      if (auparse_first_field(au.get()) > 0) {
        do {
          const char* name = auparse_get_field_name(au.get());
          const char* value = auparse_get_field_str(au.get());
          if (name == nullptr || value == nullptr) continue;
          if (std::string_view(name) == "exe") {
            const char* decoded = auparse_interpret_field(au.get());
            exe = decoded != nullptr ? decoded : value;
          }
          f.emplace(name, value);
        } while (auparse_next_field(au.get()) > 0);
      }
      AuditCall c;
      c.seccomp = type == AUDIT_SECCOMP;
      const unsigned int in_buffer = auparse_get_line_number(au.get());
      c.line = in_buffer >= 1 && in_buffer <= line_of.size() ? line_of[in_buffer - 1] : 0;
      wanted.erase(c.line);
      uint32_t arch = 0;
      int64_t nr = -1;
      pid_t pid = 0;
      auto field = [&](std::string_view k) {
        auto it = f.find(k);
        return it == f.end() ? std::string_view() : std::string_view(it->second);
      };
      if (!Number(field("arch"), &arch, 16) || !Number(field("syscall"), &nr) || nr < 0 ||
          !Number(field("pid"), &pid) || !ArchByAudit(arch)) {
        if (out.bad_lines++ == 0) {
          out.first_bad_line = c.line;
          out.first_bad_why = "a record without a known arch=, syscall= or pid=";
        }
        continue;
      }
      if (exe == "(null)") exe.clear();
      if (!match.exes.empty() &&
          std::find(match.exes.begin(), match.exes.end(), exe) == match.exes.end())
        continue;
      if (!match.pids.empty() &&
          std::find(match.pids.begin(), match.pids.end(), pid) == match.pids.end())
        continue;
      const ArchNr an = NormalizeArch(arch, nr);
      c.arch = an.arch;
      c.nr = an.nr;
      c.pid = pid;
      c.exe = std::move(exe);
      c.time_ns = static_cast<int64_t>(auparse_get_time(au.get())) * 1'000'000'000 +
                  static_cast<int64_t>(auparse_get_milli(au.get())) * 1'000'000;
      out.calls.push_back(std::move(c));
    } while (auparse_next_record(au.get()) > 0);
  }
  // A record libauparse did not return (it drops some it cannot place, e.g. a time stamp it
  // cannot use) is a bad line too, never silently lost.
  if (!wanted.empty()) {
    if (out.bad_lines == 0 || *wanted.begin() < out.first_bad_line) {
      out.first_bad_line = *wanted.begin();
      out.first_bad_why = "a record libauparse could not read";
    }
    out.bad_lines += wanted.size();
  }
  return out;
}

}  // namespace seclearn
