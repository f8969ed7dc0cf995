// Learned file and TCP facts -> a Landlock ruleset (core/landlock.h, the landlockconfig
// format) that `seclearn run --landlock FILE` enforces and the kernel proves.
//
//   LandlockExportOptions o;
//   o.mode = FileModeOnHost;                       // host/probes.h
//   o.count_entries = CountDirEntriesOnHost;
//   o.interpreters = ExecInterpretersOnHost;
//   auto exp = BuildLandlockRuleset(acc.records, network, syscalls, o);
//   exp->text;                                     // same facts -> same bytes
//   exp->notes;                                    // each right granted beyond the facts
//
// Landlock grants rights on file hierarchies, not names, so each access becomes a right on a
// file or a directory that exists when the ruleset is made:
//   read -> read_file (read_dir for a directory listed); write -> write_file, truncate;
//   append -> write_file; execve -> execute, on the file and on the interpreter the kernel
//   opens for it (PT_INTERP, a #! line); read or write of a device -> ioctl_dev too;
//   create -> make_reg / make_dir / make_sym / make_sock on its directory (and what was done
//   to the new file, beneath that directory: it does not exist when the next run starts);
//   unlink -> remove_file, rmdir -> remove_dir on the directory; rename -> refer too.
// A path whose name changes from run to run (pids, temp names, hashes: the same table as the
// AppArmor export, path_glob.h) is granted on the directory above its first changing part; a
// path that is no longer there, or is not UTF-8 (a JSON string cannot name it), on its nearest
// existing (UTF-8) ancestor. Each such widening is a note, and so is a directory listed
// (read_dir) that has subdirectories: Landlock lets them be listed too. A rule that an
// ancestor's rule already covers is dropped. Failed accesses get no right.
// TCP: bind_tcp and connect_tcp per port that bind/connect used with success (EINPROGRESS
// of a non-blocking connect counts). Scopes:
// abstract_unix_socket unless the workload connected to an abstract socket; signal unless it
// made a kill-family call (its targets are not recorded, and may be outside the sandbox).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/facts.h"
#include "seclearn/core/landlock.h"
#include "seclearn/core/result.h"

namespace seclearn {

// The ABI the exported ruleset is written for: every right of it is handled.
inline constexpr int kLandlockExportAbi = 6;

struct LandlockExportOptions {
  // st_mode of a path on this host (following symlinks), nullopt if it is not there.
  std::function<std::optional<uint32_t>(std::string_view path)> mode;
  // Entries of a directory on this host, nullopt if unknown (for the notes).
  std::function<std::optional<size_t>(std::string_view dir)> count_entries;
  // Subdirectories of a directory on this host, nullopt if unknown (for the notes: a right
  // on a directory holds beneath it).
  std::function<std::optional<size_t>(std::string_view dir)> count_subdirs;
  // The files execve of `path` makes the kernel open too (ELF interpreter, #! interpreter).
  std::function<std::vector<std::string>(std::string_view path)> interpreters;
};

struct LandlockExport {
  LandlockRuleset ruleset;
  std::string text;                  // WriteLandlockRuleset
  std::vector<std::string> notes;    // rights beyond the facts, one line each (paths escaped)
};

LandlockExport BuildLandlockRuleset(const std::vector<FileAccessRecord>& files,
                                    const std::vector<NetworkFact>& network,
                                    const std::vector<SyscallFact>& syscalls,
                                    const LandlockExportOptions& options);

}  // namespace seclearn
