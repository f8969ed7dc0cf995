// Text for the terminal from names the workload chose (paths, modules, symbols, evidence):
// never able to move the cursor, pose as another line or frame, or hide a byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "seclearn/core/facts.h"

namespace seclearn::cli {

// Length of the valid, printable UTF-8 sequence at s[i] (ASCII: 1, control characters too);
// 0 for a byte that starts none, an overlong form, a surrogate, > U+10FFFF or a C1 control.
size_t Utf8Length(std::string_view s, size_t i);
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

}  // namespace seclearn::cli
