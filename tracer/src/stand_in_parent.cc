#include "stand_in_parent.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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

// "/proc/PID/NAME" into buf, async-signal-safe.
void ProcPath(char* buf, pid_t pid, const char* name) {
  char digits[16];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  char* p = buf;
  for (const char* c = "/proc/"; *c; ++c) *p++ = *c;
  while (n > 0) *p++ = digits[--n];
  *p++ = '/';
  for (const char* c = name; *c; ++c) *p++ = *c;
  *p = '\0';
}

bool WriteFile(const char* path, const char* text, size_t len) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text, len) == static_cast<ssize_t>(len);
  ::close(fd);
  return ok;
}

}  // namespace

Result<StandInParent> StandInParent::Start(void (*workload)(void*), void* arg,
                                           const UserNamespaceMap* userns) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd report_r(report[0]), report_w(report[1]);
  // The user namespace hand-over: the workload says it has unshared, the stand-in answers
  // once the maps are written. The map text is made here: after fork only writes happen.
  int up[2] = {-1, -1}, down[2] = {-1, -1};
  char map[64] = {};
  size_t map_len = 0;
  if (userns != nullptr) {
    if (::pipe2(up, O_CLOEXEC) != 0 || ::pipe2(down, O_CLOEXEC) != 0) return ErrnoError("pipe2");
    map_len = static_cast<size_t>(
        std::snprintf(map, sizeof map, "0 %u %u\n", userns->outside, userns->count));
  }
  Fd up_r(up[0]), up_w(up[1]), down_r(down[0]), down_w(down[1]);
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
      if (userns != nullptr) {
        char byte = 0;
        ::close(up[0]);
        ::close(down[1]);
        if (::unshare(CLONE_NEWUSER) != 0) ::_exit(kExitSeclearnFailure);
        if (::write(up[1], "u", 1) != 1 || ::read(down[0], &byte, 1) != 1 || byte != 'm')
          ::_exit(kExitSeclearnFailure);
        if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0) ::_exit(kExitSeclearnFailure);
      }
      workload(arg);
      ::_exit(kExitSeclearnFailure);
    }
    if (child > 0 && userns != nullptr) {
      char byte = 0, path[64];
      ::close(up[1]);  // a workload that dies before unsharing is an EOF
      ::close(down[0]);
      bool ok = ::read(up[0], &byte, 1) == 1;
      ProcPath(path, child, "uid_map");
      ok = ok && WriteFile(path, map, map_len);
      ProcPath(path, child, "gid_map");
      ok = ok && WriteFile(path, map, map_len);
      if (::write(down[1], ok ? "m" : "x", 1) != 1) ok = false;
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
  up_r.Reset();
  up_w.Reset();
  down_r.Reset();
  down_w.Reset();
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
