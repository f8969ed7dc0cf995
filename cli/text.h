// Text for the terminal from names the workload chose (paths, modules, symbols, evidence):
// never able to move the cursor, pose as another line or frame, or hide a byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/escape.h"
#include "seclearn/core/facts.h"

namespace seclearn::cli {

// Utf8Length (the length of a printable UTF-8 sequence) is core/escape.h's.
bool IsUtf8(std::string_view s);

// Control characters, backslashes, double quotes and bytes that are not UTF-8 escaped (\n,
// \\, \", \xNN); with `quote_spaces`, wrapped in double quotes when it has a space or is
// empty, so that a name is one unambiguous word.
std::string DisplayName(std::string_view s, bool quote_spaces = true);
// For text already in some syntax of its own (an AppArmor rule as the profile writes it,
// with its quotes and backslashes): printable UTF-8 is kept as is, anything a terminal would
// obey (control characters, C1 controls, bytes that are not UTF-8) becomes \xNN; a newline
// is \n instead with `newline_as_n` (messages: OneLine).
std::string TerminalSafe(std::string_view s, bool newline_as_n = false);

// A Unix time in nanoseconds, in UTC, by a strftime(3) format.
std::string FormatUtc(int64_t ns, const char* strftime_format);
// "2026-11-25T04:43:06.714Z" (UTC, milliseconds).
std::string FormatTime(int64_t ns);
// "x86_64", "i386", ... or the AUDIT_ARCH value in hex.
std::string ArchName(uint32_t arch);
std::string Basename(std::string_view path);
// "SIGUSR1", "SIGRTMIN+3", else "signal N".
std::string SignalName(int sig);

// One frame: "function (file:line)", "function (module)" or "module+0xADDR [build-id ID]".
std::string FrameText(const StackFrame& frame);
// "call ← frame ← frame ...", innermost first; "← ..." when the unwinder stopped early.
std::string StackChain(std::string_view call, const StackFact& stack);

// argv as a shell would read it back: plain words as they are, others in single quotes with
// control bytes as \xNN.
std::string ShellQuote(const std::vector<std::string>& argv);
// FileAccess bits as `show` prints them: "rw---------s" (r w a c d x m l k s C M, '-' unset).
std::string AccessLetters(uint32_t access);
// "ok" for 0, else the errno's name ("ENOENT").
std::string ResultName(int32_t err);
// AF_*, SOCK_* and IPPROTO_* / NETLINK_* names as `show` prints them.
std::string FamilyName(int32_t family);
std::string TypeName(int32_t type);
std::string ProtocolName(int32_t family, int32_t protocol);
}  // namespace seclearn::cli
