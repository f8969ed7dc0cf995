// The one recording path (cli/recorder.h) with the real tracers and the real store: while a
// second connection holds the database's write lock every flush fails, and once it lets go one
// flush saves every kind of fact, each exactly once, as the aggregator counted it.
#include "recorder.h"

#include <linux/audit.h>
#include <linux/capability.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "seclearn/core/arch.h"
#include "seclearn/store/sqlite.h"
#include "seclearn/store/store.h"
#include "support/temp_dir.h"
#include "trace_helpers.h"

namespace seclearn {
namespace {

using cli::RecorderOptions;
using cli::RunRecorder;

// Holds the write lock of `path` from a connection of its own until Release().
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) {
    auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWrite);
    REQUIRE(db.has_value());
    db_ = std::move(*db);
    REQUIRE(db_.Exec("BEGIN IMMEDIATE").has_value());
  }
  void Release() { REQUIRE(db_.Exec("ROLLBACK").has_value()); }

 private:
  sqlite::Database db_;
};

// (arch, nr) -> count, over the run's facts.
std::map<std::pair<uint32_t, int32_t>, uint64_t> Counts(const std::vector<SyscallFact>& facts) {
  std::map<std::pair<uint32_t, int32_t>, uint64_t> out;
  for (const auto& f : facts) out[{f.arch, f.nr}] += f.count;
  return out;
}

uint64_t Total(const auto& facts) {
  uint64_t n = 0;
  for (const auto& f : facts) n += f.count;
  return n;
}

}  // namespace

TEST_CASE("a flush that fails while another writer holds the lock loses no kind of fact",
          "[live][recorder]") {
  const BackendKind backend = GENERATE(from_range(AllBackends()));
  CAPTURE(BackendName(backend));
  const TempDir dir;
  const std::string db = dir / "seclearn.db";
  auto store = Store::Open(db);
  REQUIRE(store.has_value());
  REQUIRE(store->SetBusyTimeout(50).has_value());
  WriteLock lock(db);

  RunInfo info;
  info.app = "locked";
  info.argv = {"sh"};
  info.backend = backend;
  info.start_ns = RealtimeNs();
  int failures = 0;
  RecorderOptions options;
  options.on_save_failure = [&](const Error& e) {
    ++failures;
    CHECK(Store::IsBusy(e));
  };
  RunRecorder rec(&*store, 0, info, options);

  // First a second of sleep, so that the tracer's own tick flushes (and fails) with little
  // learned; then files, unix sockets with their argument values, more executables, a
  // capability when root (chown to nobody) and call stacks (ptrace): the kept delta and the
  // next one are appended, every kind of fact in the second.
  const std::string script = std::string(SECLEARN_TESTEE) + " sleep 1200 && " + SECLEARN_TESTEE +
                             " file-ops " + dir.path + " && " + SECLEARN_TESTEE + " net-unix " +
                             dir.path + " && touch " + dir.path + "/owned && " + SECLEARN_TESTEE +
                             " chown-nobody " + dir.path + "/owned";
  TraceOptions opts;
  opts.learn_access = true;
  opts.stacks = backend == BackendKind::kPtrace ? StackMode::kFirst : StackMode::kNone;
  opts.exe = "/bin/sh";
  opts.argv = {"sh", "-c", script};
  opts.no_new_privs = true;
  auto result =
      MakeBackend(backend)->Run(opts, rec);
  REQUIRE(result.has_value());
  REQUIRE(ExitCodeForWaitStatus(result->wait_status) == 0);
  CHECK(failures == 1);                                // said once, not at every tick
  REQUIRE_FALSE(rec.Flush(RealtimeNs()).has_value());  // still locked
  CHECK(rec.run_id() == 0);                            // not even begun

  lock.Release();
  REQUIRE(rec.Flush(RealtimeNs()).has_value());
  REQUIRE(rec.run_id() != 0);
  REQUIRE(rec.Flush(RealtimeNs()).has_value());  // nothing new: nothing added twice

  const Aggregator& agg = rec.workload();
  auto syscalls = store->Syscalls("locked");
  REQUIRE(syscalls.has_value());
  CHECK(Counts(*syscalls) == Counts(agg.Syscalls()));
  CHECK(Total(*syscalls) == agg.total_syscalls());
  auto execs = store->Executables("locked");
  REQUIRE(execs.has_value());
  CHECK(execs->size() >= 2);  // sh, testee
  auto args = store->SyscallArgs("locked");
  REQUIRE(args.has_value());
  CHECK_FALSE(args->empty());  // socket's family
  auto files = store->Files("locked");
  REQUIRE(files.has_value());
  CHECK(files->size() == agg.access().Files().size());
  CHECK(Total(*files) == Total(agg.access().Files()));
  auto network = store->Network("locked");
  REQUIRE(network.has_value());
  CHECK_FALSE(network->empty());
  CHECK(network->size() == agg.access().Network().size());
  auto caps = store->Capabilities("locked");
  REQUIRE(caps.has_value());
  CHECK(caps->size() == agg.access().Capabilities().size());
  if (::geteuid() == 0) {
    CHECK(std::any_of(caps->begin(), caps->end(),
                      [](const CapabilityFact& c) { return c.capability == CAP_CHOWN; }));
  }
  auto runs = store->Runs("locked");
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 1);
  CHECK((*runs)[0].processes == agg.processes());
  if (backend == BackendKind::kPtrace) {
    auto stacks = store->StackCounts("locked");
    REQUIRE(stacks.has_value());
    REQUIRE(stacks->size() == 1);
    CHECK((*stacks)[0].second > 0);
  }
}

TEST_CASE("a container's runtime phase, unnotified names and boundary survive a failed flush",
          "[live][recorder]") {
  const TempDir dir;
  const std::string db = dir / "seclearn.db";
  auto store = Store::Open(db);
  REQUIRE(store.has_value());
  RunInfo info;
  info.app = "box";
  info.backend = BackendKind::kNotify;
  auto run = store->BeginRun(info);
  REQUIRE(run.has_value());
  ContainerRecord container;
  container.run_id = *run;
  container.container_id = "box-1";
  REQUIRE(store->AddContainer(container).has_value());
  REQUIRE(store->SetBusyTimeout(50).has_value());

  RecorderOptions options;
  options.runtime_phase = true;
  options.unnotified = {"write"};
  RunRecorder rec(&*store, *run, info, options);
  const uint32_t native = NativeAuditArch();
  auto call = [&](const char* name) {
    SyscallEvent e;
    e.arch = native;
    e.nr = *SyscallNumber(native, name);
    e.pid = e.tid = 42;
    e.time_ns = RealtimeNs();
    rec.OnSyscall(e);
  };
  WriteLock lock(db);
  call("capset");  // the runtime's, before the workload's first exec
  call("execve");
  ExecEvent exec;
  exec.pid = 42;
  exec.exe = "/bin/app";
  exec.time_ns = 12345;
  rec.OnExec(exec);
  call("getppid");  // the workload's
  REQUIRE_FALSE(rec.Flush(RealtimeNs()).has_value());
  call("getppid");
  lock.Release();
  REQUIRE(rec.Flush(RealtimeNs()).has_value());

  auto name_counts = [](const std::vector<SyscallFact>& facts) {
    std::map<std::string, uint64_t> out;
    for (const auto& f : facts) out[SyscallName(f.arch, f.nr)] += f.count;
    return out;
  };
  auto workload = store->Syscalls("box");
  REQUIRE(workload.has_value());
  CHECK(name_counts(*workload) == std::map<std::string, uint64_t>{{"getppid", 2}, {"write", 0}});
  auto runtime = store->RuntimeSyscalls("box");
  REQUIRE(runtime.has_value());
  CHECK(name_counts(*runtime) ==
        std::map<std::string, uint64_t>{{"capset", 1}, {"execve", 1}, {"write", 0}});
  auto containers = store->Containers("box");
  REQUIRE(containers.has_value());
  REQUIRE(containers->size() == 1);
  CHECK((*containers)[0].boundary_ns == 12345);
}

}  // namespace seclearn
