#include "stand_in_parent.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "run_signals.h"
#include "seclearn/core/exec.h"

namespace seclearn::tracer_internal {
namespace {

bool WriteInt(int fd, int value) {
  ssize_t n;
  do {
    n = ::write(fd, &value, sizeof value);
  } while (n < 0 && errno == EINTR);
  return n == sizeof value;
}

bool ReadInt(int fd, int* value) {
  ssize_t n;
  do {
    n = ::read(fd, value, sizeof *value);
  } while (n < 0 && errno == EINTR);
  return n == sizeof *value;
}

}  // namespace

Result<StandInParent> StandInParent::Start(void (*workload)(void*), void* arg) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd report_r(report[0]), report_w(report[1]);
  const pid_t seclearn = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    // The stand-in: nothing but fork, wait and report.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != seclearn) ::_exit(kExitSeclearnFailure);
    ::close(report[0]);
    RunSignals::InstallInStandIn();
    // Nothing blocked here (the notify backend blocks some in seclearn); the workload gets the
    // mask it would have had.
    sigset_t none, inherited;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, &inherited);
    const pid_t child = ::fork();
    if (child == 0) {
      ::sigprocmask(SIG_SETMASK, &inherited, nullptr);
      ::close(report[1]);
      workload(arg);
      ::_exit(kExitSeclearnFailure);
    }
    if (!WriteInt(report[1], child) || child < 0) ::_exit(kExitSeclearnFailure);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) ::_exit(kExitSeclearnFailure);
    }
    // Then the signals sent to it and ignored (the workload's kill -USR1 $PPID).
    const uint64_t ignored = RunSignals::ignored_mask();
    WriteInt(report[1], status);
    WriteInt(report[1], static_cast<int>(ignored & 0xffffffffu));
    WriteInt(report[1], static_cast<int>(ignored >> 32));
    WriteInt(report[1], RunSignals::ignored_from());
    ::_exit(0);
  }
  report_w.Reset();
  int child = -1;
  if (!ReadInt(report_r.get(), &child) || child <= 0) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return ErrnoError(EAGAIN, "fork of the workload");
  }
  return StandInParent(pid, child, std::move(report_r));
}

StandInParent::StandInParent(StandInParent&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      workload_(std::exchange(o.workload_, -1)),
      report_(std::move(o.report_)),
      exited_(o.exited_),
      finished_(std::exchange(o.finished_, true)),
      stops_undone_(o.stops_undone_),
      ignored_mask_(o.ignored_mask_),
      ignored_from_(o.ignored_from_) {}

StandInParent::~StandInParent() {
  if (finished_ || pid_ <= 0) return;
  if (!exited_) {
    // The stand-in has not reaped the workload, or is doing so: its pid cannot be reused yet.
    ::kill(workload_, SIGKILL);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, __WALL) < 0 && errno == EINTR) {
    }
  }
}

bool StandInParent::OnStatus(int status) {
  if (WIFSTOPPED(status)) {
    ::kill(pid_, SIGCONT);
    ++stops_undone_;
    return false;
  }
  if (WIFEXITED(status) || WIFSIGNALED(status)) exited_ = true;
  return exited_;
}

std::optional<int> StandInParent::ReadReport() {
  int status = 0;
  if (!ReadInt(report_.get(), &status)) return std::nullopt;
  int lo = 0, hi = 0, from = 0;
  if (ReadInt(report_.get(), &lo) && ReadInt(report_.get(), &hi) && ReadInt(report_.get(), &from)) {
    ignored_mask_ = (uint64_t{static_cast<uint32_t>(hi)} << 32) | static_cast<uint32_t>(lo);
    ignored_from_ = from;
  }
  return status;
}

void StandInParent::RecordSignals(TraceResult* result) const {
  result->parent_stops_undone = stops_undone_;
  result->parent_ignored_signals = ignored_mask_;
  result->parent_ignored_from = ignored_from_;
  result->ignored_signals = RunSignals::ignored_mask();
  result->ignored_signal_from = RunSignals::ignored_from();
}

std::optional<int> StandInParent::Finish() {
  while (!exited_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, __WALL | WUNTRACED);
    if (r < 0) {
      if (errno == EINTR) continue;
      exited_ = true;  // ECHILD: reaped elsewhere
      break;
    }
    OnStatus(status);
  }
  finished_ = true;
  return ReadReport();
}

}  // namespace seclearn::tracer_internal
