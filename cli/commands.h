// One function per subcommand. Each takes the arguments after the subcommand name and
// returns the process exit status. Only cli/ turns an Error into a message and an exit code.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "seclearn/core/facts.h"
#include "seclearn/core/result.h"

namespace seclearn::cli {

int CmdLearn(std::span<char*> args);
int CmdExport(std::span<char*> args);
int CmdRun(std::span<char*> args);
int CmdShow(std::span<char*> args);
int CmdVersions(std::span<char*> args);
int CmdDiff(std::span<char*> args);
int CmdMerge(std::span<char*> args);
int CmdImport(std::span<char*> args);   // import.cc
int CmdAgent(std::span<char*> args);    // agent.cc
int CmdRuntime(std::span<char*> args);  // runtime.cc
int CmdBase(std::span<char*> args);     // base.cc
// The runtime shim started as `seclearn-runtime` (a symlink to seclearn): every argument is
// the runtime's; settings come from $SECLEARN_* or seclearn-runtime.json next to argv0.
int CmdRuntimeShim(std::string_view argv0, std::span<char*> args);  // runtime.cc
// The agent's socket: $SECLEARN_AGENT_SOCKET, else /run/seclearn/agent.sock.
std::string DefaultAgentSocket();  // agent.cc
int CmdExplain(std::span<char*> args);  // explain.cc
int CmdCheck(std::span<char*> args);    // check.cc
int CmdReport(std::span<char*> args);   // report.cc

// Prints "seclearn: <message>" on stderr (one line); a failed write is ignored.
void PrintError(std::string_view message);
void PrintError(const Error& error);
void PrintWarning(std::string_view message);
// `line` and a newline on stderr, as is; a failed write is ignored, never thrown.
void PrintStderrLine(std::string_view line);
// Control characters escaped (\n, \xNN; C1 controls and non-UTF-8 bytes too), so a message
// is always one line.
std::string OneLine(std::string_view message);
// For a command FindExecutable or execve refused: prints "CMD: command not found" or
// "CMD: <strerror>" and returns 127 or 126.
int ReportExecFailure(const std::string& cmd, const Error& error);

// The database path: --db, else $SECLEARN_DB, else ./seclearn.db.
std::string DefaultDbPath();
// This host's uname -r and -n, into info.kernel and info.host (left as they are on failure).
void SetHostInfo(RunInfo& info);

// Writes `content` to `path` atomically (temp file in the same directory + rename), so a
// failure never leaves a partial output file. "-" writes to stdout.
Result<void> WriteOutputFile(const std::string& path, std::string_view content);

}  // namespace seclearn::cli

namespace seclearn::cli {
// App names become file names and profile names: letters, digits, '.', '_', '-', 1-128 long,
// not starting with '.' or '-'.
bool ValidAppName(std::string_view name);
}  // namespace seclearn::cli

#include <vector>

#include "seclearn/emitter/diff.h"
#include "seclearn/emitter/runtime_base.h"
#include "seclearn/store/store.h"

namespace seclearn::cli {
// The runtime rule of `export --runtime R`: the newest set `seclearn base` measured for R (and
// no_new_privs) in the database, else the data file shipped with seclearn; plus the calls the
// runtime made while the app's containers were learned (base.cc).
Result<RuntimeBase> RuntimeBaseForExport(Store& store, std::string_view runtime, bool nnp,
                                         std::string_view app);

// The database at `db_path`, which must exist and have recorded `app`. Otherwise the error
// (kUsage) is "VERB: no app 'APP' in DB (known: a, b)". Read-only (Store::OpenReadOnly)
// unless `writable`.
Result<Store> OpenAppStore(const std::string& db_path, std::string_view app,
                           std::string_view verb, bool writable = false);
Error UnknownApp(std::string_view verb, std::string_view app, std::string_view db_path,
                 const std::vector<std::string>& known);
}  // namespace seclearn::cli

namespace seclearn::cli {
// The semantic diff of two profile texts of the same kind (seccomp, AppArmor, Landlock,
// SELinux, capabilities), found from the texts; a kParse error names the input at fault.
Result<ProfileDiff> DiffProfileTexts(const std::string& old_text, const std::string& old_name,
                                     const std::string& new_text, const std::string& new_name);
// For each syscall the diff adds or widens: the first run of `app` that made it, and its
// stack when one was recorded (Change::provenance). diff.cc
Result<void> AddDiffProvenance(Store& store, const std::string& app, ProfileDiff& diff);
}  // namespace seclearn::cli
