// One function per subcommand. Each takes the arguments after the subcommand name and
// returns the process exit status. Only cli/ turns an Error into a message and an exit code.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "seclearn/core/result.h"

namespace seclearn::cli {

int CmdLearn(std::span<char*> args);
int CmdExport(std::span<char*> args);
int CmdRun(std::span<char*> args);
int CmdShow(std::span<char*> args);

// Prints "seclearn: <message>" on stderr (one line).
void PrintError(std::string_view message);
void PrintError(const Error& error);
void PrintWarning(std::string_view message);
// Control characters escaped (\n, \xNN), so a message is always one line.
std::string OneLine(std::string_view message);
// For a command FindExecutable or execve refused: prints "CMD: command not found" or
// "CMD: <strerror>" and returns 127 or 126.
int ReportExecFailure(const std::string& cmd, const Error& error);

// The database path: --db, else $SECLEARN_DB, else ./seclearn.db.
std::string DefaultDbPath();

// Writes `content` to `path` atomically (temp file in the same directory + rename), so a
// failure never leaves a partial output file. "-" writes to stdout.
Result<void> WriteOutputFile(const std::string& path, std::string_view content);

}  // namespace seclearn::cli

namespace seclearn::cli {
// App names become file names and profile names: letters, digits, '.', '_', '-', 1-128 long,
// not starting with '.' or '-'.
bool ValidAppName(std::string_view name);
}  // namespace seclearn::cli
