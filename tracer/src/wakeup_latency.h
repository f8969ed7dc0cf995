// A CPU wake-up latency request (PM QoS, /dev/cpu_dma_latency) held while a backend traces.
//
// Every call a backend stops is a hand-off: the tracee stops and wakes the tracer, the tracer
// answers and wakes the tracee. The scheduler places the woken task on an idle CPU when one
// is free, so each hand-off wakes a CPU out of its idle state: a few microseconds on bare
// metal in a shallow state, far more from a deep C-state or on a virtual machine, where a
// halted vCPU is woken through the hypervisor (a stop of a getppid loop took 28-42 us
// measured here, against 3 us with tracer and tracee on one CPU). Pinning the workload to
// the tracer's CPU would remove it too, but changes what the workload sees
// (sched_getaffinity, nproc, thread pool sizes) and so what it does: the profile must be
// learned from the workload as it runs in production. A latency request of 0 us instead
// keeps idle CPUs polling (cpuidle's POLL state) while it is held, and changes nothing the
// workload can see.
//
// The request is the kernel's documented interface (Documentation/power/pm_qos_interface.rst):
// write a 32-bit value to the open device; it holds until the descriptor is closed, so a
// crashed seclearn releases it with its last descriptor. Opening the device needs root;
// without it (or without the device) nothing is requested and tracing is as before.
//
//   WakeupLatencyRequest latency;
//   latency.Hold(opts.low_wakeup_latency);   // before the workload starts
//   ...                                      // released at destruction or Hold(false)
#pragma once

#include "seclearn/core/fd.h"

namespace seclearn::tracer_internal {

class WakeupLatencyRequest {
 public:
  // Requests 0 us (on) or drops the request (off). Idempotent; never fails: a request the
  // kernel does not take is no request.
  void Hold(bool on);

 private:
  Fd fd_;  // O_CLOEXEC: the workload never inherits it
};

}  // namespace seclearn::tracer_internal
