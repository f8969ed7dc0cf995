#include "procfs.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace seclearn {
namespace {

std::string ProcPath(pid_t tid, const char* what) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/%s", static_cast<int>(tid), what);
  return path;
}

std::string_view NextField(std::string_view& line) {
  const size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(start);
  const size_t end = line.find_first_of(" \t\n");
  std::string_view field = line.substr(0, end);
  line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  return field;
}

template <typename T>
bool ParseNumber(std::string_view text, T* out, int base = 10) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

// The value of "Key:" in /proc/PID/status, up to the end of its line.
std::string_view StatusLine(std::string_view status, std::string_view key) {
  size_t pos = 0;
  while (pos < status.size()) {
    const size_t eol = std::min(status.find('\n', pos), status.size());
    std::string_view line = status.substr(pos, eol - pos);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':')
      return line.substr(key.size() + 1);
    pos = eol + 1;
  }
  return {};
}

bool ParseIds(std::string_view line, uint32_t ids[4]) {
  for (int i = 0; i < 4; ++i) {
    if (!ParseNumber(NextField(line), &ids[i])) return false;
  }
  return true;
}

// Hex or decimal digits at `p`, advancing it.
uint64_t ParseDigits(const char*& p, const char* end, int base) {
  uint64_t v = 0;
  for (; p < end; ++p) {
    const char c = *p;
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      break;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return v;
}

ssize_t ReadChunk(pid_t tid, uint64_t addr, void* buf, size_t len) {
  struct iovec local = {buf, len};
  struct iovec remote = {reinterpret_cast<void*>(addr), len};
  return ::process_vm_readv(tid, &local, 1, &remote, 1, 0);
}

ssize_t ReadChunk(MemFd mem, uint64_t addr, void* buf, size_t len) {
  return ::pread(mem.fd, buf, len, static_cast<off_t>(addr));
}

template <typename Source>
bool ReadString(Source src, uint64_t addr, std::string* out, size_t max_len) {
  out->clear();
  if (addr == 0) return false;
  constexpr size_t kPage = 4096;
  char buf[kPage];
  while (out->size() < max_len) {
    // Never cross a page boundary in one read: the next page may be unmapped.
    const size_t chunk = std::min(kPage - (addr % kPage), max_len - out->size());
    const ssize_t n = ReadChunk(src, addr, buf, chunk);
    if (n <= 0) return !out->empty();
    const void* nul = std::memchr(buf, '\0', static_cast<size_t>(n));
    if (nul != nullptr) {
      out->append(buf, static_cast<size_t>(static_cast<const char*>(nul) - buf));
      return true;
    }
    out->append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

std::string ReadLinkPath(const char* path) {
  char buf[4096];
  const ssize_t n = ::readlink(path, buf, sizeof buf);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

std::string ProcLink(pid_t tid, const char* what) {
  return ReadLinkPath(ProcPath(tid, what).c_str());
}

bool ReadProcFile(pid_t tid, const char* what, std::string* out) {
  out->clear();
  Fd fd(::open(ProcPath(tid, what).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  // 64 KiB at a time: a Python process's maps is tens of KiB, read at every stack capture.
  static thread_local char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  return !out->empty();
}

// Parsed by hand: the stack capture reads it at every capture, and a Python process has
// hundreds of lines.
std::vector<ProcMapping> ReadProcMaps(pid_t tid, bool exec_only) {
  std::vector<ProcMapping> maps;
  std::string text;
  if (!ReadProcFile(tid, "maps", &text)) return maps;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (eol == nullptr) eol = end;
    // start-end perms offset dev inode [path]
    ProcMapping m;
    m.start = ParseDigits(p, eol, 16);
    if (p < eol && *p == '-') ++p;
    m.end = ParseDigits(p, eol, 16);
    m.exec = eol - p > 4 && p[3] == 'x';
    p += std::min<ptrdiff_t>(6, eol - p);  // " rwxp "
    m.pgoff = ParseDigits(p, eol, 16);
    while (p < eol && *p == ' ') ++p;
    while (p < eol && *p != ' ') ++p;  // dev
    while (p < eol && *p == ' ') ++p;
    m.inode = ParseDigits(p, eol, 10);
    while (p < eol && *p == ' ') ++p;
    if (m.exec || !exec_only) {
      m.path.assign(p, eol);
      maps.push_back(std::move(m));
    }
    p = eol + 1;
  }
  return maps;
}

const ProcMapping* FindProcMapping(const std::vector<ProcMapping>& maps, uint64_t addr) {
  auto it = std::upper_bound(maps.begin(), maps.end(), addr,
                             [](uint64_t a, const ProcMapping& m) { return a < m.start; });
  if (it == maps.begin()) return nullptr;
  --it;
  return addr < it->end ? &*it : nullptr;
}

ProcStatus ReadProcStatus(pid_t tid) {
  ProcStatus st;
  std::string status;
  if (!ReadProcFile(tid, "status", &status)) return st;
  std::string_view tgid = StatusLine(status, "Tgid"), ppid = StatusLine(status, "PPid");
  if (!ParseNumber(NextField(tgid), &st.tgid)) st.tgid = -1;
  if (!ParseNumber(NextField(ppid), &st.ppid)) st.ppid = -1;
  TaskCreds& creds = st.creds;
  uint32_t uids[4], gids[4];
  if (!ParseIds(StatusLine(status, "Uid"), uids) || !ParseIds(StatusLine(status, "Gid"), gids))
    return st;
  creds.ruid = uids[0];
  creds.euid = uids[1];
  creds.suid = uids[2];
  creds.fsuid = uids[3];
  creds.rgid = gids[0];
  creds.egid = gids[1];
  creds.sgid = gids[2];
  creds.fsgid = gids[3];
  std::string_view cap = StatusLine(status, "CapEff");
  if (!ParseNumber(NextField(cap), &creds.cap_eff, 16)) return st;
  std::string_view groups = StatusLine(status, "Groups");
  for (std::string_view g = NextField(groups); !g.empty(); g = NextField(groups)) {
    uint32_t gid = 0;
    if (ParseNumber(g, &gid)) creds.groups.push_back(gid);
  }
  creds.known = true;
  return st;
}

ProcStat ReadProcStat(pid_t pid) {
  std::string text;
  if (!ReadProcFile(pid, "stat", &text)) return {};
  const size_t paren = text.rfind(')');  // comm may hold spaces and parentheses
  if (paren == std::string::npos || paren + 2 >= text.size() || text[paren + 1] != ' ') return {};
  ProcStat out;
  out.state = text[paren + 2];
  const char* p = text.c_str() + paren + 1;  // the space before field 3
  for (int field = 3; field < 22 && p != nullptr; ++field) p = std::strchr(p + 1, ' ');
  if (p != nullptr) out.start_time = std::strtoull(p + 1, nullptr, 10);
  return out;
}

bool ReadTaskMemory(pid_t tid, uint64_t addr, void* buf, size_t len) {
  return addr != 0 && ReadChunk(tid, addr, buf, len) == static_cast<ssize_t>(len);
}

// An invalid descriptor fails like an unreadable address (pread: EBADF).
bool ReadTaskMemory(MemFd mem, uint64_t addr, void* buf, size_t len) {
  return addr != 0 && ReadChunk(mem, addr, buf, len) == static_cast<ssize_t>(len);
}

bool ReadTaskString(pid_t tid, uint64_t addr, std::string* out, size_t max_len) {
  return ReadString(tid, addr, out, max_len);
}

bool ReadTaskString(MemFd mem, uint64_t addr, std::string* out, size_t max_len) {
  return ReadString(mem, addr, out, max_len);
}

Fd OpenTaskMem(pid_t tid) { return Fd(::open(ProcPath(tid, "mem").c_str(), O_RDONLY | O_CLOEXEC)); }

bool WriteTaskMemory(pid_t tid, uint64_t addr, const void* buf, size_t len) {
  if (addr == 0) return false;
  Fd mem(::open(ProcPath(tid, "mem").c_str(), O_WRONLY | O_CLOEXEC));
  if (!mem.valid()) return false;
  return ::pwrite(mem.get(), buf, len, static_cast<off_t>(addr)) == static_cast<ssize_t>(len);
}

}  // namespace seclearn
