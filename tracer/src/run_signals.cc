#include "run_signals.h"

#include <unistd.h>

#include <array>
#include <atomic>

namespace seclearn::tracer_internal {
namespace {

constexpr int kMaxSignal = 64;

std::atomic<int> g_term_sig{0};
std::atomic<int> g_term_count{0};
std::atomic<bool> g_term_terminal{false};
std::atomic<uint64_t> g_ignored{0};
std::atomic<pid_t> g_ignored_from{0};
// The actions in place before the run, by signal number: put back for a real fault, so the
// fault is taken as it would have been (a core dump, or a sanitizer's report).
std::array<struct sigaction, kMaxSignal + 1> g_old{};
std::array<bool, kMaxSignal + 1> g_installed{};

static_assert(std::atomic<uint64_t>::is_always_lock_free, "used in a signal handler");

void OnTerminate(int sig, siginfo_t* info, void*) {
  g_term_terminal.store(info != nullptr && info->si_code == SI_KERNEL);
  g_term_sig.store(sig);
  g_term_count.fetch_add(1);
}

bool IsFault(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP ||
         sig == SIGSYS;
}

bool IsTerminate(int sig) {
  for (int t : kTerminateSignals)
    if (t == sig) return true;
  return false;
}

void OnOther(int sig, siginfo_t* info, void*) {
  const int code = info != nullptr ? info->si_code : SI_USER;
  // abort() in seclearn itself (a SIGPIPE of its own write is recorded: the write fails EPIPE).
  const bool own_abort = sig == SIGABRT && info != nullptr && info->si_pid == ::getpid();
  if ((IsFault(sig) && code > 0) || own_abort) {
    // A fault re-executes the instruction and takes the old action; abort() raises again.
    ::sigaction(sig, &g_old[sig], nullptr);
    return;
  }
  if ((sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) && code == SI_KERNEL) {
    // Job control from the terminal: stop with the foreground group, as the shell expects.
    ::raise(SIGSTOP);
    return;
  }
  if (code == SI_KERNEL && IsTerminate(sig)) return;  // the terminal's, in the stand-in
  g_ignored.fetch_or(uint64_t{1} << (sig - 1));
  pid_t none = 0;
  g_ignored_from.compare_exchange_strong(none, info != nullptr ? info->si_pid : 0);
}

bool LeftAlone(int sig, bool alarm_is_mine) {
  return sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGCONT ||
         sig == SIGWINCH || sig == SIGURG || (alarm_is_mine && sig == SIGALRM);
}

}  // namespace

RunSignals::RunSignals(bool alarm_is_mine) {
  g_term_sig = 0;
  g_term_count = 0;
  g_term_terminal = false;
  g_ignored = 0;
  g_ignored_from = 0;
  auto install = [](int sig, void (*handler)(int, siginfo_t*, void*), int flags) {
    struct sigaction sa {};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    g_installed[sig] = ::sigaction(sig, &sa, &g_old[sig]) == 0;
  };
  for (int sig = 1; sig <= kMaxSignal && sig <= SIGRTMAX; ++sig) {
    // glibc keeps the first real-time signals for itself (SIGRTMIN is above them).
    if (sig > SIGSYS && sig < SIGRTMIN) continue;
    if (LeftAlone(sig, alarm_is_mine)) continue;
    // No SA_RESTART for the termination signals: the tracer's wait returns at once.
    if (IsTerminate(sig)) install(sig, OnTerminate, 0);
    else install(sig, OnOther, SA_RESTART);
  }
}

RunSignals::~RunSignals() {
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    if (g_installed[sig]) ::sigaction(sig, &g_old[sig], nullptr);
    g_installed[sig] = false;
  }
}

void RunSignals::InstallInStandIn() {
  g_ignored = 0;
  g_ignored_from = 0;
  for (int sig = 1; sig <= kMaxSignal && sig <= SIGRTMAX; ++sig) {
    if (sig > SIGSYS && sig < SIGRTMIN) continue;
    if (LeftAlone(sig, /*alarm_is_mine=*/false)) continue;
    struct sigaction sa {};
    sa.sa_sigaction = OnOther;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);  // g_old keeps seclearn's: RestoreInChild still works
  }
}

void RunSignals::RestoreInChild() {
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    if (g_installed[sig]) ::sigaction(sig, &g_old[sig], nullptr);
  }
}

RunSignals::Terminate RunSignals::TakeTerminate() {
  Terminate t;
  t.sig = g_term_sig.exchange(0);
  if (t.sig == 0) return t;
  t.from_terminal = g_term_terminal.load();
  t.count = g_term_count.load();
  return t;
}

uint64_t RunSignals::ignored_mask() { return g_ignored.load(); }
pid_t RunSignals::ignored_from() { return g_ignored_from.load(); }

}  // namespace seclearn::tracer_internal
