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

// A record's fields: the raw value, and the decoded one (hex-encoded names, with
// AUPARSE_ESC_RAW: the bytes as they were) for fields libauparse interprets.
struct Fields {
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> values;
  bool Has(std::string_view k) const { return values.find(k) != values.end(); }
  std::string_view Raw(std::string_view k) const {
    auto it = values.find(k);
    return it == values.end() ? std::string_view() : std::string_view(it->second.first);
  }
  std::string Decoded(std::string_view k) const {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second.second;
  }
};

Fields ReadFields(auparse_state_t* au, bool execve) {
  static const std::set<std::string, std::less<>> kDecoded = {"exe", "cwd", "name"};
  Fields f;
  if (auparse_first_field(au) <= 0) return f;
  do {
    const char* name = auparse_get_field_name(au);
    const char* value = auparse_get_field_str(au);
    if (name == nullptr || value == nullptr) continue;
    const std::string_view n(name);
    std::string decoded = value;
    // EXECVE's aN are encoded as names are (quoted, or hex when they hold other bytes).
    if (kDecoded.count(n) || (execve && n.size() > 1 && n[0] == 'a' && Digits(n.substr(1)))) {
      if (const char* d = auparse_interpret_field(au); d != nullptr) decoded = d;
    }
    f.values.emplace(std::string(n), std::pair(std::string(value), std::move(decoded)));
  } while (auparse_next_field(au) > 0);
  return f;
}

// "0A00" -> the bytes 0x0a 0x00; stops at the first non-hex pair.
std::string HexBytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    unsigned int b = 0;
    if (!Number(hex.substr(i, 2), &b, 16)) break;
    out.push_back(static_cast<char>(b));
  }
  return out;
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
  std::set<pid_t> pids(match.pids.begin(), match.pids.end());
  auto bad = [&](size_t line, const char* why) {
    if (out.bad_lines++ == 0) {
      out.first_bad_line = line;
      out.first_bad_why = why;
    }
  };
  while (auparse_next_event(au.get()) > 0) {
    if (auparse_first_record(au.get()) <= 0) continue;
    // The event's SECCOMP/SYSCALL records, and what its other records say of the call.
    std::vector<AuditCall> calls;
    std::string cwd, sockaddr;
    std::vector<std::pair<int64_t, AuditPath>> paths;
    std::vector<std::string> argv;
    do {
      const int type = auparse_get_type(au.get());
      if (type != AUDIT_SECCOMP && type != AUDIT_SYSCALL && type != AUDIT_CWD &&
          type != AUDIT_PATH && type != AUDIT_EXECVE && type != AUDIT_SOCKADDR)
        continue;
      const Fields f = ReadFields(au.get(), type == AUDIT_EXECVE);
      const unsigned int in_buffer = auparse_get_line_number(au.get());
      const size_t line =
          in_buffer >= 1 && in_buffer <= line_of.size() ? line_of[in_buffer - 1] : 0;
      if (type == AUDIT_CWD) {
        cwd = f.Decoded("cwd");
        continue;
      }
      if (type == AUDIT_PATH) {
        int64_t item = 0;
        if (!Number(f.Raw("item"), &item)) item = static_cast<int64_t>(paths.size());
        std::string name = f.Raw("name") == "(null)" ? std::string() : f.Decoded("name");
        paths.push_back({item, AuditPath{std::move(name), std::string(f.Raw("nametype"))}});
        continue;
      }
      if (type == AUDIT_SOCKADDR) {
        sockaddr = HexBytes(f.Raw("saddr"));
        continue;
      }
      if (type == AUDIT_EXECVE) {
        size_t argc = 0;
        if (!Number(f.Raw("argc"), &argc)) argc = 0;
        for (size_t i = 0; i < std::min<size_t>(argc, 4096); ++i) {
          const std::string key = fmt::format("a{}", i);
          if (!f.Has(key)) break;  // a long argument split as aN_len/aN[k]: the rest untold
          argv.push_back(f.Decoded(key));
        }
        continue;
      }
      ++out.records;
      AuditCall c;
      c.seccomp = type == AUDIT_SECCOMP;
      c.line = line;
      wanted.erase(c.line);
      uint32_t arch = 0;
      int64_t nr = -1;
      pid_t pid = 0;
      if (!Number(f.Raw("arch"), &arch, 16) || !Number(f.Raw("syscall"), &nr) || nr < 0 ||
          !Number(f.Raw("pid"), &pid) || !ArchByAudit(arch)) {
        bad(c.line, "a record without a known arch=, syscall= or pid=");
        continue;
      }
      c.exe = f.Decoded("exe");
      if (c.exe == "(null)") c.exe.clear();
      if (!Number(f.Raw("ppid"), &c.ppid)) c.ppid = 0;
      for (size_t i = 0; i < c.args.size(); ++i)
        if (!Number(f.Raw(fmt::format("a{}", i)), &c.args[i], 16)) c.args[i] = 0;
      c.has_exit = Number(f.Raw("exit"), &c.exit);
      const ArchNr an = NormalizeArch(arch, nr);
      c.arch = an.arch;
      c.nr = an.nr;
      c.pid = pid;
      c.time_ns = static_cast<int64_t>(auparse_get_time(au.get())) * 1'000'000'000 +
                  static_cast<int64_t>(auparse_get_milli(au.get())) * 1'000'000;
      calls.push_back(std::move(c));
    } while (auparse_next_record(au.get()) > 0);
    std::stable_sort(paths.begin(), paths.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (AuditCall& c : calls) {
      if (!c.seccomp) {
        c.cwd = cwd;
        c.sockaddr = sockaddr;
        c.argv = argv;
        for (const auto& [item, p] : paths) c.paths.push_back(p);
      }
      if (!match.exes.empty() &&
          std::find(match.exes.begin(), match.exes.end(), c.exe) == match.exes.end())
        continue;
      if (!match.pids.empty() && !pids.count(c.pid)) {
        if (c.ppid <= 0 || !pids.count(c.ppid)) continue;
        pids.insert(c.pid);  // started by a matched process
      }
      out.calls.push_back(std::move(c));
    }
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
