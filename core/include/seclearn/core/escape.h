// Untrusted text (names from the workload, from a profile, from the command line) shown on
// one line: control bytes and DEL as \xNN, everything else byte for byte.
//
//   EscapeControl("a\nb")  // "a\\x0ab"
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace seclearn {

std::string EscapeControl(std::string_view s);

// Only printable ASCII kept (0x20-0x7e, and not the backslash nor any byte of `also`); every
// other byte as \xNN: text for a policy comment or a manifest line that no byte can end.
//   EscapeNonPrintable("a b\n", " ")  // "a\x20b\x0a"
std::string EscapeNonPrintable(std::string_view s, std::string_view also = {});

// Length of the valid, printable UTF-8 sequence at s[i] (ASCII: 1, control characters too);
// 0 for a byte that starts none, an overlong form, a surrogate, > U+10FFFF or a C1 control.
size_t Utf8Length(std::string_view s, size_t i);

// Untrusted text as HTML character data or a quoted attribute value: & < > " ' as entities,
// control characters, C1 controls and bytes that are not UTF-8 as the visible text \xNN (a
// backslash as \\, so the escapes are unambiguous). The result is valid UTF-8 that no HTML
// parser reads as markup, in text or in an attribute.
//   HtmlText("<img src=x>")  // "&lt;img src=x&gt;"
std::string HtmlText(std::string_view s);
// The same for text already in a syntax of its own that escapes with backslashes (an AppArmor
// rule as the profile writes it, a shell word in single quotes): backslashes kept as they are.
std::string HtmlTextAsWritten(std::string_view s);

}  // namespace seclearn
