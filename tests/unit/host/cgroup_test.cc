// CgroupSampler on this process's own /proc/self/cgroup, with the hierarchies' files made by
// the test under a root of its own: which file each peak comes from, and high-water marks
// kept across samples.
#include "seclearn/host/cgroup.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "seclearn/core/file.h"

namespace seclearn {
namespace {

void Put(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST_CASE("cgroup sampler: v1 controllers of /proc/self/cgroup, peaks kept", "[unit]") {
  auto own = ReadWholeFile("/proc/self/cgroup");
  REQUIRE(own.has_value());
  // The paths this process is in, per hierarchy, as the kernel names them.
  std::string memory, pids, cpu, cpu_dir, unified;
  size_t pos = 0;
  while (pos < own->size()) {
    const size_t nl = own->find('\n', pos);
    const std::string line = own->substr(pos, nl - pos);
    pos = nl == std::string::npos ? own->size() : nl + 1;
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    const std::string ctl = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (ctl == "memory") memory = path;
    if (ctl == "pids") pids = path;
    if (ctl.find("cpuacct") != std::string::npos) cpu = path, cpu_dir = ctl;
    if (ctl.empty()) unified = path;
  }
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("seclearn-cgroup-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  if (!memory.empty() && !pids.empty() && !cpu.empty()) {
    Put(root / ("memory" + memory) / "memory.max_usage_in_bytes", "4096000\n");
    Put(root / ("pids" + pids) / "pids.current", "3\n");
    Put(root / (cpu_dir + cpu) / "cpuacct.usage", "123456789\n");
    CgroupSampler s(::getpid(), root.string());
    REQUIRE(s.Sample());
    Put(root / ("pids" + pids) / "pids.current", "1\n");  // fewer now: the peak stays
    Put(root / ("memory" + memory) / "memory.max_usage_in_bytes", "8192000\n");
    REQUIRE(s.Sample());
    const RunResources r = s.Peaks();
    CHECK(r.source == "cgroup v1");
    CHECK(r.peak_memory_bytes == 8192000);
    CHECK(r.peak_tasks == 3);
    CHECK(r.cpu_ns == 123456789);
  } else {
    // A v2-only host: one directory.
    REQUIRE(!unified.empty());
    Put(root / unified.substr(1) / "memory.current", "100\n");
    Put(root / unified.substr(1) / "memory.peak", "5000\n");
    Put(root / unified.substr(1) / "pids.peak", "7\n");
    Put(root / unified.substr(1) / "cpu.stat", "usage_usec 42\nuser_usec 40\n");
    CgroupSampler s(::getpid(), root.string());
    REQUIRE(s.Sample());
    const RunResources r = s.Peaks();
    CHECK(r.source == "cgroup v2");
    CHECK(r.peak_memory_bytes == 5000);
    CHECK(r.peak_tasks == 7);
    CHECK(r.cpu_ns == 42000);
  }
  std::filesystem::remove_all(root);
  // Nothing there: nothing read, no source.
  CgroupSampler gone(::getpid(), (root / "none").string());
  CHECK(!gone.Sample());
  CHECK(gone.Peaks().source.empty());
}

}  // namespace
}  // namespace seclearn
