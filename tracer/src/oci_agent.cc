#include "seclearn/tracer/oci_agent.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "seclearn/tracer/notify_backend.h"
#include "wakeup_latency.h"

namespace seclearn {
namespace {

constexpr size_t kMaxMessage = 1 << 20;
constexpr size_t kMaxConfig = 16 << 20;
constexpr int kMaxFdsPerMessage = 16;

enum Kind : uint64_t { kListen = 1, kConnection = 2, kContainer = 3 };
uint64_t Tag(Kind kind, int fd) {
  return (static_cast<uint64_t>(kind) << 32) | static_cast<uint32_t>(fd);
}

constexpr std::array<int, 3> kStopSignals = {SIGINT, SIGTERM, SIGHUP};
volatile sig_atomic_t g_stop_requests = 0;
void OnStop(int) { g_stop_requests = g_stop_requests + 1; }

class NullSink : public EventSink {
 public:
  void OnSyscall(const SyscallEvent&) override {}
};

// process.args of the bundle's config.json: for the run's record only, so any failure just
// leaves them empty. O_NONBLOCK and the regular-file check keep a FIFO from blocking the agent.
std::vector<std::string> BundleArgs(const std::string& bundle) {
  std::vector<std::string> args;
  if (bundle.empty()) return args;
  const std::string path = bundle + "/config.json";
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) > kMaxConfig) {
    return args;
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  auto doc = ParseJson(text, path);
  if (!doc) return args;
  const Json* process = doc->Find("process");
  const Json* a = process ? process->Find("args") : nullptr;
  if (a == nullptr || !a->is_array()) return args;
  for (const Json& v : a->AsArray())
    if (v.is_string()) args.push_back(v.AsString());
  return args;
}

}  // namespace

struct OciAgent::State {
  struct Connection {
    Fd sock;
    std::string buf;
    Fd listener;
    int64_t deadline_ns = 0;  // CLOCK_MONOTONIC
    uint64_t serial = 0;
  };
  struct Container {
    NotifySession session;
    EventSink* sink = nullptr;
    ContainerStart start;
  };

  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
  Fd listen;
  Fd epoll;
  bool accepting = true;
  uint64_t serial = 0;
  std::unordered_map<int, Connection> conns;
  std::unordered_map<int, std::unique_ptr<Container>> containers;
  NullSink null_sink;

  Result<void> Watch(Kind kind, int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = Tag(kind, fd);
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
      return ErrnoError(fmt::format("epoll_ctl(ADD, {})", fd));
    return {};
  }
  void Unwatch(int fd) { ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr); }

  void DropConnection(int fd) {
    Unwatch(fd);
    conns.erase(fd);
  }

  // mono_ns: CLOCK_MONOTONIC, for the connection's deadline.
  void Accept(ContainerObserver& observer, int64_t mono_ns, int timeout_ms) {
    while (true) {
      Fd c(::accept4(listen.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!c.valid()) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          observer.Log(fmt::format("accept on {}: {}", path, std::strerror(errno)));
        return;
      }
      const int fd = c.get();
      if (auto r = Watch(kConnection, fd); !r) {
        observer.Log(r.error().Message());
        continue;
      }
      Connection& conn = conns[fd];
      conn.sock = std::move(c);
      conn.deadline_ns = mono_ns + int64_t{timeout_ms} * 1'000'000;
      conn.serial = ++serial;
    }
  }

  // Reads what the peer sent; once the message parses and a listener came with it, the
  // container is served.
  void Read(ContainerObserver& observer, int fd, int64_t now) {
    Connection& conn = conns[fd];
    bool eof = false;
    while (true) {
      char data[16384];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
      struct iovec iov = {data, sizeof data};
      struct msghdr msg {};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        observer.Log(fmt::format("connection {}: {}; dropped", conn.serial, std::strerror(errno)));
        DropConnection(fd);
        return;
      }
      for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
        const size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
          int received = -1;
          std::memcpy(&received, CMSG_DATA(cm) + i * sizeof(int), sizeof received);
          // The listener is the first descriptor ("fds": ["seccompFd"]); others are closed.
          if (!conn.listener.valid())
            conn.listener.Reset(received);
          else
            ::close(received);
        }
      }
      if (n == 0) {
        eof = true;
        break;
      }
      conn.buf.append(data, static_cast<size_t>(n));
      if (conn.buf.size() > kMaxMessage) {
        observer.Log(fmt::format("connection {}: message larger than {} bytes; dropped",
                                 conn.serial, kMaxMessage));
        DropConnection(fd);
        return;
      }
    }
    Finish(observer, fd, now, eof, /*deadline=*/false);
  }

  // A shim's question (QueryKnownCalls) rather than a runtime's hand-over: answered in one
  // write (the answer is small; the peer waits for it), true if it was one.
  bool AnswerQuery(ContainerObserver& observer, Connection& conn) {
    auto doc = ParseJson(conn.buf, "query");
    if (!doc || !doc->is_object()) return false;
    const Json* kind = doc->Find("seclearn");
    const Json* app = doc->Find("app");
    if (kind == nullptr || !kind->is_string() || kind->AsString() != "known-calls" ||
        app == nullptr || !app->is_string())
      return false;
    Json names = Json::Array();
    for (const std::string& n : observer.KnownCalls(app->AsString())) names.Push(Json::String(n));
    const std::string reply = WriteJson(Json::Object().Set("known", std::move(names)));
    if (::send(conn.sock.get(), reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
        static_cast<ssize_t>(reply.size()))
      observer.Log(fmt::format("connection {}: the answer to a known-calls query was not sent: {}",
                               conn.serial, std::strerror(errno)));
    return true;
  }

  void Finish(ContainerObserver& observer, int fd, int64_t now, bool eof, bool deadline) {
    Connection& conn = conns[fd];
    const std::string who = fmt::format("connection {}", conn.serial);
    if (!conn.listener.valid()) {
      if (eof && AnswerQuery(observer, conn)) {
        DropConnection(fd);
        return;
      }
      if (eof || deadline) {
        observer.Log(fmt::format("{}: {} before sending a seccomp listener ({} bytes); skipped",
                                 who, eof ? "peer disconnected" : "timed out", conn.buf.size()));
        DropConnection(fd);
      }
      return;
    }
    auto state = ParseContainerProcessState(conn.buf, who);
    if (!state && !eof && !deadline) return;  // more may come
    Fd listener = std::move(conn.listener);
    std::string buf = std::move(conn.buf);
    DropConnection(fd);
    const pid_t root = state ? state->pid : 0;
    auto session = NotifySession::Adopt(std::move(listener), root);
    if (!session) {
      observer.Log(fmt::format("{}{}: {}; skipped", who,
                               state ? fmt::format(" (container {})", state->id) : "",
                               session.error().Message()));
      return;
    }
    auto c = std::make_unique<Container>(Container{std::move(*session), nullptr, {}});
    if (!state) {
      // The listener is real: keep answering it so that the container runs, unrecorded.
      observer.Log(fmt::format("{}: malformed message ({}); its container runs unrecorded", who,
                               state.error().Message()));
      c->sink = &null_sink;
    } else {
      c->start.state = std::move(*state);
      c->start.learning = ParseLearningMetadata(c->start.state.metadata);
      // Watch mode: every notified call is outside the profile; each process's executable
      // is reported when it is first seen (its exec was allowed in the kernel, unseen).
      if (c->start.learning.watch) {
        if (!c->start.learning.profile.empty())
          observer.ResolveWatchProfile(c->start.state, &c->start.learning);
        c->session.set_report_first_exe(true);
        if (c->start.learning.deny) c->session.set_deny_errno(EPERM);
      }
      c->start.args = BundleArgs(c->start.state.bundle);
      c->start.time_ns = now;
      EventSink* sink = observer.OnContainerStart(c->start);
      c->sink = sink != nullptr ? sink : &null_sink;
      if (sink == nullptr) c->start.state.id.clear();  // not reported at its end either
    }
    // Containers are learned as `seclearn learn` runs are: files, network, credentials too.
    c->session.set_learn_access(true);
    const int cfd = c->session.fd();
    if (auto r = Watch(kContainer, cfd); !r) {
      observer.Log(r.error().Message());
      return;
    }
    containers[cfd] = std::move(c);
  }

  void EndContainer(ContainerObserver& observer, int fd, int64_t now) {
    auto it = containers.find(fd);
    if (it == containers.end()) return;
    Container& c = *it->second;
    c.session.Finish(*c.sink);
    ContainerEnd end;
    end.notifications = c.session.notifications();
    end.processes = c.session.processes();
    end.exit_request = c.session.root_exit_request();
    end.time_ns = now;
    if (c.sink != &null_sink) observer.OnContainerEnd(c.sink, c.start, end);
    Unwatch(fd);
    containers.erase(it);
  }
};

Result<OciAgent> OciAgent::Listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return UsageError(
        fmt::format("socket path '{}' must be 1-{} bytes", path, sizeof addr.sun_path - 1));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return UsageError(
          fmt::format("{} exists and is not a socket; remove it or pick another "
                      "path",
                      path));
    }
    Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe.valid() &&
        ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return UsageError(fmt::format("another agent is listening on {}", path));
    }
    ::unlink(path.c_str());  // stale: its agent is gone
  }
  auto s = std::make_unique<State>();
  s->path = path;
  s->listen.Reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s->listen.valid()) return ErrnoError("socket(AF_UNIX)");
  if (::bind(s->listen.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == ENOENT) {
      const std::string dir = path.substr(0, path.rfind('/'));
      return UsageError(
          fmt::format("cannot listen on {}: directory {} does not exist (create "
                      "it first)",
                      path, dir.empty() ? "/" : dir));
    }
    return ErrnoError(fmt::format("bind {}", path));
  }
  // Whoever can connect can hand the agent descriptors and names: root only.
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0) {
    const Error e = ErrnoError(fmt::format("chmod {}", path));
    ::unlink(path.c_str());
    return e;
  }
  s->dev = st.st_dev;
  s->ino = st.st_ino;
  if (::listen(s->listen.get(), 128) != 0) {
    const Error e = ErrnoError(fmt::format("listen {}", path));
    ::unlink(path.c_str());
    return e;
  }
  s->epoll.Reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!s->epoll.valid()) return ErrnoError("epoll_create1");
  if (auto r = s->Watch(kListen, s->listen.get()); !r) return r.error();
  return OciAgent(std::move(s));
}

OciAgent::OciAgent(std::unique_ptr<State> state) : s_(std::move(state)) {}
OciAgent::OciAgent(OciAgent&&) noexcept = default;
OciAgent& OciAgent::operator=(OciAgent&&) noexcept = default;
OciAgent::~OciAgent() {
  if (!s_) return;
  struct stat st {};
  // Only our own socket: another agent may have replaced a file we left.
  if (::lstat(s_->path.c_str(), &st) == 0 && st.st_dev == s_->dev && st.st_ino == s_->ino)
    ::unlink(s_->path.c_str());
}

const std::string& OciAgent::path() const { return s_->path; }
size_t OciAgent::active_containers() const { return s_->containers.size(); }

Result<std::vector<std::string>> QueryKnownCalls(const std::string& socket_path,
                                                 std::string_view app, int timeout_ms) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof addr.sun_path)
    return UsageError(fmt::format("socket path '{}' is too long", socket_path));
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return ErrnoError("socket(AF_UNIX)");
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return ErrnoError(fmt::format("connect to the agent at {}", socket_path));
  const std::string query = WriteJson(Json::Object()
                                          .Set("seclearn", Json::String("known-calls"))
                                          .Set("app", Json::String(std::string(app))));
  if (::send(sock.get(), query.data(), query.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(query.size()) ||
      ::shutdown(sock.get(), SHUT_WR) != 0)
    return ErrnoError(fmt::format("send to the agent at {}", socket_path));
  std::string reply;
  char buf[4096];
  while (true) {
    const ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(fmt::format("the agent at {} did not answer", socket_path));
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > kMaxMessage) return ParseError("the agent's answer is too long");
  }
  auto doc = ParseJson(reply, "the agent's answer");
  if (!doc) return doc.error();
  const Json* known = doc->is_object() ? doc->Find("known") : nullptr;
  if (known == nullptr || !known->is_array())
    return ParseError("the agent's answer has no \"known\" list (an agent older than this shim?)");
  std::vector<std::string> out;
  for (const Json& n : known->AsArray())
    if (n.is_string()) out.push_back(n.AsString());
  return out;
}

Result<void> OciAgent::Serve(ContainerObserver& observer, const ServeOptions& options) {
  State& s = *s_;
  if (!s.accepting) {  // a previous Serve stopped accepting
    if (auto r = s.Watch(kListen, s.listen.get()); !r) return r.error();
    s.accepting = true;
  }
  sigset_t wait_mask;
  sigset_t old_mask;
  std::array<struct sigaction, 3> old_actions{};
  ::sigprocmask(SIG_SETMASK, nullptr, &old_mask);
  wait_mask = old_mask;
  if (options.handle_signals) {
    g_stop_requests = 0;
    struct sigaction sa {};
    sa.sa_handler = OnStop;
    sigemptyset(&sa.sa_mask);
    sigset_t block;
    sigemptyset(&block);
    for (size_t i = 0; i < kStopSignals.size(); ++i) {
      ::sigaction(kStopSignals[i], &sa, &old_actions[i]);
      sigaddset(&block, kStopSignals[i]);
      sigdelset(&wait_mask, kStopSignals[i]);
    }
    // Delivered only inside epoll_pwait: no request is lost between two waits.
    ::sigprocmask(SIG_BLOCK, &block, nullptr);
  }
  struct Restore {
    const ServeOptions& o;
    const sigset_t& mask;
    const std::array<struct sigaction, 3>& actions;
    ~Restore() {
      if (!o.handle_signals) return;
      ::sigprocmask(SIG_SETMASK, &mask, nullptr);
      for (size_t i = 0; i < kStopSignals.size(); ++i)
        ::sigaction(kStopSignals[i], &actions[i], nullptr);
    }
  } restore{options, old_mask, old_actions};

  const int64_t tick_ns = int64_t{std::max(options.tick_ms, 1)} * 1'000'000;
  int64_t next_tick = MonotonicNs() + tick_ns;
  std::array<epoll_event, 64> events{};
  tracer_internal::WakeupLatencyRequest latency;
  while (true) {
    latency.Hold(options.low_wakeup_latency && !s.containers.empty());
    const bool stop_now = g_stop_requests >= 2;
    const bool stop_asked = g_stop_requests >= 1 || (options.keep_going && !options.keep_going());
    if (stop_now) break;
    if (stop_asked && s.accepting) {
      s.accepting = false;
      s.Unwatch(s.listen.get());
      if (g_stop_requests >= 1 && !s.containers.empty()) {
        observer.Log(
            fmt::format("stopping: waiting for {} container(s) to end (signal again "
                        "to stop now)",
                        s.containers.size()));
      }
    }
    if (stop_asked && s.containers.empty() && s.conns.empty()) break;

    int64_t now = RealtimeNs();
    int64_t mono = MonotonicNs();
    if (mono >= next_tick) {
      for (auto& [fd, c] : s.containers) c->sink->OnTick(now);
      observer.OnTick(now);
      std::vector<int> expired;
      for (auto& [fd, conn] : s.conns)
        if (mono >= conn.deadline_ns) expired.push_back(fd);
      for (int fd : expired) s.Finish(observer, fd, now, /*eof=*/false, /*deadline=*/true);
      next_tick = mono + tick_ns;
    }
    const int timeout_ms = static_cast<int>((next_tick - mono) / 1'000'000) + 1;
    const int n = ::epoll_pwait(s.epoll.get(), events.data(), static_cast<int>(events.size()),
                                timeout_ms, &wait_mask);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("epoll_pwait");
    }
    now = RealtimeNs();
    mono = MonotonicNs();
    for (int i = 0; i < n; ++i) {
      const auto kind = static_cast<Kind>(events[i].data.u64 >> 32);
      const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      const uint32_t what = events[i].events;
      switch (kind) {
        case kListen:
          if (s.accepting) s.Accept(observer, mono, options.connection_timeout_ms);
          break;
        case kConnection:
          if (s.conns.count(fd)) s.Read(observer, fd, now);
          break;
        case kContainer: {
          auto it = s.containers.find(fd);
          if (it == s.containers.end()) break;
          if (what & EPOLLIN) {
            auto r = it->second->session.HandleOne(*it->second->sink);
            if (!r) {
              observer.Log(fmt::format("container {}: {}; no longer served",
                                       it->second->start.state.id, r.error().Message()));
              s.EndContainer(observer, fd, now);
            }
          } else if (what & (EPOLLHUP | EPOLLERR)) {
            s.EndContainer(observer, fd, now);
          }
          break;
        }
      }
    }
  }
  // Stopped with containers still running: their runs stay open-ended; closing the
  // listeners makes their further calls fail with ENOSYS, as the kernel documents.
  for (auto& [fd, c] : s.containers) c->sink->OnTick(RealtimeNs());
  return {};
}

}  // namespace seclearn
