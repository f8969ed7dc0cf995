// A container's resource peaks read from its cgroup while it runs, for the runs the agent
// learns (a container is not seclearn's child: no rusage reaches it). Sample() at each tick
// and once more at the end; the cgroup's own high-water marks make the memory and CPU exact
// up to the last sample, tasks are the most seen at once (pids.peak where cgroup v2 has it).
//
//   CgroupSampler s(container_pid);            // reads /proc/PID/cgroup
//   s.Sample();  ...  s.Sample();
//   RunResources r = s.Peaks();                // source "cgroup v1" / "cgroup v2"
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "seclearn/core/facts.h"

namespace seclearn {

class CgroupSampler {
 public:
  // `root` is where the hierarchies are mounted (tests may pass their own).
  explicit CgroupSampler(pid_t pid, std::string root = "/sys/fs/cgroup");
  // Reads the cgroup's counters (the paths are found at the first call that can); false once
  // nothing could be read (the cgroup is gone).
  bool Sample();
  // What was seen; source empty if nothing ever was.
  RunResources Peaks() const { return peaks_; }

 private:
  bool Locate();
  pid_t pid_;
  std::string root_;
  bool located_ = false;
  bool v2_ = false;
  std::string memory_, pids_, cpu_;  // directories (v1: per controller; v2: one)
  RunResources peaks_;
};

}  // namespace seclearn
