// What the backends, the resolver and the stack capture read of a task through /proc and its
// memory, one reader each. Every reader answers "unknown" (empty, -1, false) for a task that
// is gone: tracing races with exits, and the caller decides what unknown means.
//
//   const std::string cwd = ProcLink(tid, "cwd");            // readlink /proc/TID/cwd
//   const ProcStatus st = ReadProcStatus(tid);                // Tgid, PPid, ids, CapEff
//   std::string path;
//   ReadTaskString(tid, ev.args[0], &path, kMaxPath);         // process_vm_readv
//   ReadTaskString(MemFd(mem), ev.args[0], &path, kMaxPath);  // a /proc/TID/mem descriptor
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "seclearn/core/fd.h"
#include "seclearn/core/syscall_event.h"

namespace seclearn {

// readlink(2) of `path`; empty if it cannot be read.
std::string ReadLinkPath(const char* path);
// readlink of /proc/TID/WHAT ("cwd", "root", "exe", "ns/mnt", "fd/3").
std::string ProcLink(pid_t tid, const char* what);
// The whole of /proc/TID/WHAT (such files report size 0: read to EOF); false if unreadable or
// empty.
bool ReadProcFile(pid_t tid, const char* what, std::string* out);

// One line of /proc/TID/maps.
struct ProcMapping {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t pgoff = 0;
  uint64_t inode = 0;
  bool exec = false;
  std::string path;  // as the kernel prints it: "/usr/lib/x.so", "[vdso]", "" when anonymous
};
// The mappings of `tid` in the kernel's order (by address); only the executable ones if
// `exec_only`. Empty if the task is gone.
std::vector<ProcMapping> ReadProcMaps(pid_t tid, bool exec_only);
// The mapping holding `addr` in a ReadProcMaps result, or null.
const ProcMapping* FindProcMapping(const std::vector<ProcMapping>& maps, uint64_t addr);

// /proc/TID/status: the thread group, the parent and the credentials (Uid, Gid, Groups,
// CapEff). tgid and ppid are -1 and creds.known is false if the task is gone.
struct ProcStatus {
  pid_t tgid = -1;
  pid_t ppid = -1;
  TaskCreds creds;
};
ProcStatus ReadProcStatus(pid_t tid);
inline TaskCreds ReadTaskCreds(pid_t tid) { return ReadProcStatus(tid).creds; }

// /proc/PID/stat: the state (field 3; 0 if the process is gone) and the start time (field 22,
// in clock ticks: tells a process from a later one given the same pid).
struct ProcStat {
  char state = 0;
  uint64_t start_time = 0;
};
ProcStat ReadProcStat(pid_t pid);

// PATH_MAX: the longest path argument the kernel takes, and the most ReadTaskString reads of one.
inline constexpr size_t kMaxPathArg = 4096;

// Task memory through process_vm_readv (tid) or through an open /proc/TID/mem descriptor
// (MemFd: the notify backend's, which needs no ptrace relationship kept per call).
struct MemFd {
  int fd = -1;
};
// Exactly `len` bytes at `addr`; false if any byte could not be read.
bool ReadTaskMemory(pid_t tid, uint64_t addr, void* buf, size_t len);
bool ReadTaskMemory(MemFd mem, uint64_t addr, void* buf, size_t len);
// The NUL-terminated string at `addr`, at most `max_len` bytes, read page by page so that an
// unmapped tail does not lose what precedes it; false if nothing could be read.
bool ReadTaskString(pid_t tid, uint64_t addr, std::string* out, size_t max_len);
bool ReadTaskString(MemFd mem, uint64_t addr, std::string* out, size_t max_len);
// /proc/TID/mem opened for reading; invalid if the task is gone.
Fd OpenTaskMem(pid_t tid);
// Writes `len` bytes at `addr` of a task we trace (through /proc/TID/mem, which writes
// read-only private mappings too, as a debugger's breakpoints do); false if it could not.
bool WriteTaskMemory(pid_t tid, uint64_t addr, const void* buf, size_t len);

}  // namespace seclearn
