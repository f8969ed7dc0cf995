#include "wakeup_latency.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

namespace seclearn::tracer_internal {

void WakeupLatencyRequest::Hold(bool on) {
  if (!on) {
    fd_.Reset();
    return;
  }
  if (fd_.valid()) return;
  Fd fd(::open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return;
  const int32_t us = 0;
  if (::write(fd.get(), &us, sizeof us) == static_cast<ssize_t>(sizeof us)) fd_ = std::move(fd);
}

}  // namespace seclearn::tracer_internal
