#!/usr/bin/env bash
# diff's text output carries names from the profiles (syscall and architecture names,
# AppArmor paths and include names) and the files' own names: none may reach the terminal
# raw, where an escape sequence rewrites the screen and a newline forges a line of a CI log.
# Each change stays one line, escaped as `show` escapes names; --json keeps the names as
# they are (JSON escapes them).
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"

# check_text N [FILE]: FILE ($TMP/out) is exactly N lines, valid UTF-8, with no control
# character (C0 but the newlines, DEL, C1) left.
check_text() {
  "$PY" - "$1" "${2:-$TMP/out}" <<'PYEOF'
import sys
want, path = int(sys.argv[1]), sys.argv[2]
data = open(path, "rb").read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit(f"output is not UTF-8: {e}")
bad = [hex(ord(c)) for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
if bad:
    sys.exit(f"control characters in the output: {bad}")
lines = text.split("\n")
if lines[-1] != "" or len(lines) - 1 != want:
    sys.exit(f"expected {want} lines, got {len(lines) - 1}: {lines!r}")
PYEOF
}

step "seccomp: hostile syscall and architecture names, and a file name with a newline"
cat >old.json <<'JSON'
{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}
JSON
new=$'new\n+++ forged.json'
cat >"$new" <<'JSON'
{"defaultAction": "SCMP_ACT_ERRNO",
 "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_\u001b[31mX86"],
 "syscalls": [{"names": ["read", "evil\u001b[2J\u001b[Hforged", "x\n+ mount    HIGH RISK",
                         "c1\u009b31m", "sp ace", "back\\slash\"quote", "del\u007f"],
               "action": "SCMP_ACT_ALLOW"}]}
JSON
expect_status 1 "$SECLEARN" diff --color never old.json "$new"
# Header (2), 6 syscalls and 1 architecture added, summary.
check_text 10
grep -qF -- '+++ new\x0a+++ forged.json' out || fail "the file name's newline is not escaped"
grep -qF -- '+ evil\x1b[2J\x1b[Hforged' out || fail "the escape sequence is not escaped"
grep -qF -- '+ "x\n+ mount    HIGH RISK"' out || fail "the newline in a name is not escaped"
grep -qF -- '+ c1\xc2\x9b31m' out || fail "the C1 control is not escaped"
grep -qF -- '+ "sp ace"' out || fail "a name with a space is not quoted"
grep -qF -- '+ back\\slash\"quote' out || fail "backslash and quote are not escaped"
grep -qF -- '+ architecture SCMP_ARCH_\x1b[31mX86' out || fail "the architecture is not escaped"
step "seccomp: colour on, still one line per change"
expect_status 1 "$SECLEARN" diff --color always old.json "$new"
"$PY" -c 'import sys; t = open(sys.argv[1], "rb").read().replace(b"\x1b[0m", b"")
import re; t = re.sub(rb"\x1b\[[0-9;]*m(?=[-+~])", b"", t)
sys.exit(b"\x1b" in t and "a name reached the terminal raw")' out
step "seccomp: --json keeps the names as they are"
expect_status 1 "$SECLEARN" diff --json old.json "$new"
"$PY" - "$TMP/out" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
subjects = {c["subject"] for c in d["changes"]}
want = {"evil\x1b[2J\x1b[Hforged", "x\n+ mount    HIGH RISK", "c1\x9b31m", "SCMP_ARCH_\x1b[31mX86"}
sys.exit(None if want <= subjects else f"missing {want - subjects} in {subjects}")
PYEOF

step "AppArmor: an include name with ESC, paths with C1 and non-UTF-8 bytes"
cat >old.aa <<'AA'
abi <abi/3.0>,
#include <tunables/global>
profile web {
  #include <abstractions/base>
  /etc/web/conf r,
}
AA
{
  printf 'abi <abi/3.0>,\n#include <tunables/global>\nprofile web {\n'
  printf '  #include <abstractions/base>\n'
  printf '  #include <abstractions/\033[2Jred>\n'
  printf '  /etc/web/conf r,\n'
  printf '  "/srv/\302\23331m x" r,\n'
  printf '  /srv/\377bad w,\n'
  printf '}\n'
} >new.aa
expect_status 1 "$SECLEARN" diff --color never old.aa new.aa
# Header (2), 1 abstraction and 2 files added, summary.
check_text 6
grep -qF -- '+ abstraction abstractions/\x1b[2Jred' out || fail "the include name is not escaped"
grep -qF -- '+ file "/srv/\xc2\x9b31m x"' out || fail "the C1 path is not escaped as written"
grep -qF -- '+ file /srv/\xffbad' out || fail "the non-UTF-8 byte is not escaped"

step "an error quoting a hostile word of a capability list stays one plain line"
printf 'CAP_CHOWN\n' >ok.caps
printf 'CAP_CHOWN\n\302\233[2J\033[Hx\377\n' >evil.caps
expect_status 2 "$SECLEARN" diff ok.caps evil.caps
expect_one_error_line "evil\.caps:2: "
check_text 1 "$TMP/err"
grep -qF -- '\xc2\x9b[2J\x1b[Hx\xff' err || fail "the word is not escaped in the error"
