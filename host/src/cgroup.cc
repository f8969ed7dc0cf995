// CgroupSampler: /proc/PID/cgroup names the container's cgroup per hierarchy ("4:memory:/x"
// for v1, "0::/x" for v2); the counters are the files of those directories.
#include "seclearn/host/cgroup.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "seclearn/core/file.h"

namespace seclearn {
namespace {

std::optional<uint64_t> ReadNumber(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text->c_str(), &end, 10);
  if (end == text->c_str()) return std::nullopt;
  return v;
}

// "usage_usec N" of cpu.stat, in ns.
std::optional<uint64_t> CpuStatUsage(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) return std::nullopt;
  const size_t at = text->find("usage_usec ");
  if (at == std::string::npos) return std::nullopt;
  return std::strtoull(text->c_str() + at + 11, nullptr, 10) * 1000;
}

}  // namespace

CgroupSampler::CgroupSampler(pid_t pid, std::string root) : pid_(pid), root_(std::move(root)) {}

bool CgroupSampler::Locate() {
  auto text = ReadWholeFile(fmt::format("/proc/{}/cgroup", pid_));
  if (!text) return false;
  std::string unified;
  size_t pos = 0;
  while (pos < text->size()) {
    const size_t nl = std::min(text->find('\n', pos), text->size());
    const std::string line = text->substr(pos, nl - pos);
    pos = nl + 1;
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (path.find("..") != std::string::npos) continue;
    auto has = [&](std::string_view c) {
      size_t p = 0;
      while (p <= controllers.size()) {
        const size_t e = std::min(controllers.find(',', p), controllers.size());
        if (std::string_view(controllers).substr(p, e - p) == c) return true;
        p = e + 1;
      }
      return false;
    };
    if (controllers.empty()) unified = path;
    if (has("memory")) memory_ = fmt::format("{}/memory{}", root_, path);
    if (has("pids")) pids_ = fmt::format("{}/pids{}", root_, path);
    if (has("cpuacct")) cpu_ = fmt::format("{}/{}{}", root_, controllers, path);
  }
  if (memory_.empty() && pids_.empty() && cpu_.empty() && !unified.empty()) {
    // cgroup v2 mounted at root_ (a hybrid host's unified hierarchy has no controllers).
    const std::string dir = root_ + unified;
    if (ReadWholeFile(dir + "/memory.current")) {
      v2_ = true;
      memory_ = pids_ = cpu_ = dir;
    }
  }
  located_ = !memory_.empty() || !pids_.empty() || !cpu_.empty();
  return located_;
}

bool CgroupSampler::Sample() {
  if (!located_ && !Locate()) return false;
  bool any = false;
  auto keep = [&](uint64_t* field, std::optional<uint64_t> v) {
    if (!v) return;
    any = true;
    *field = std::max(*field, *v);
  };
  if (v2_) {
    auto peak = ReadNumber(memory_ + "/memory.peak");
    keep(&peaks_.peak_memory_bytes, peak ? peak : ReadNumber(memory_ + "/memory.current"));
    auto pids = ReadNumber(pids_ + "/pids.peak");
    keep(&peaks_.peak_tasks, pids ? pids : ReadNumber(pids_ + "/pids.current"));
    keep(&peaks_.cpu_ns, CpuStatUsage(cpu_ + "/cpu.stat"));
  } else {
    if (!memory_.empty()) keep(&peaks_.peak_memory_bytes,
                               ReadNumber(memory_ + "/memory.max_usage_in_bytes"));
    if (!pids_.empty()) keep(&peaks_.peak_tasks, ReadNumber(pids_ + "/pids.current"));
    if (!cpu_.empty()) keep(&peaks_.cpu_ns, ReadNumber(cpu_ + "/cpuacct.usage"));
  }
  if (any) peaks_.source = v2_ ? "cgroup v2" : "cgroup v1";
  return any;
}

}  // namespace seclearn
