#include "seclearn/tracer/backend.h"

#include "seclearn/tracer/notify_backend.h"
#include "seclearn/tracer/ptrace_backend.h"

namespace seclearn {

std::unique_ptr<Backend> MakeBackend(BackendKind kind) {
  switch (kind) {
    case BackendKind::kNotify:
      return std::make_unique<NotifyBackend>();
    case BackendKind::kPtrace:
      break;
  }
  return std::make_unique<PtraceBackend>();
}

}  // namespace seclearn
