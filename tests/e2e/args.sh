#!/usr/bin/env bash
# Argument filtering: a workload learned with AF_UNIX sockets only gets a profile that allows
# socket(AF_UNIX) and refuses socket(AF_INET) (EPERM); --args none allows any family; clone
# is allowed only without namespace flags when none were used; ioctl only with the requests
# the workload made (FIONREAD on a pipe learned: FIOCLEX refused), named in show and the profile.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

DB=$TMP/args.db
PROG='import socket, sys; socket.socket(getattr(socket, sys.argv[1])).close(); print("ok", sys.argv[1])'

step "learn python3 making an AF_UNIX socket (and a shell that forks)"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app py -- "$PY" -c "$PROG" AF_UNIX
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app sh -- /bin/sh -c 'x=$(/bin/echo done); echo $x'

step "export: socket is allowed only for AF_UNIX, clone only without namespace flags"
expect_status 0 "$SECLEARN" export --db "$DB" --app py --format seccomp -o "$TMP/py.json"
"$PY" - "$TMP/py.json" <<'PYEOF' || fail "socket rule is not conditioned on AF_UNIX"
import json, sys
rules = json.load(open(sys.argv[1]))["syscalls"]
sock = [r for r in rules if "socket" in r["names"]]
assert len(sock) == 1, sock
# The family is an int: only its 32 bits are compared, as the kernel reads it.
assert sock[0]["args"] == [{"index": 0, "value": 0xffffffff, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}], sock
PYEOF
expect_status 0 "$SECLEARN" export --db "$DB" --app sh --format seccomp -o "$TMP/sh.json"
"$PY" - "$TMP/sh.json" <<'PYEOF' || fail "clone rule does not forbid namespace flags"
import json, sys
rules = json.load(open(sys.argv[1]))["syscalls"]
clone = [r for r in rules if "clone" in r["names"]]
assert len(clone) == 1, clone
assert clone[0]["args"] == [{"index": 0, "value": 0x7E020000, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}], clone
PYEOF

step "enforce: AF_UNIX works, AF_INET is refused with EPERM"
expect_status 0 "$SECLEARN" run --seccomp "$TMP/py.json" -- "$PY" -c "$PROG" AF_UNIX
grep -qx 'ok AF_UNIX' "$TMP/out" || fail "AF_UNIX socket failed under its own profile"
expect_status 1 "$SECLEARN" run --seccomp "$TMP/py.json" -- "$PY" -c "$PROG" AF_INET
expect_stderr_matches 'PermissionError: \[Errno 1\] Operation not permitted'

step "enforce: the shell still forks under its profile"
expect_status 0 "$SECLEARN" run --seccomp "$TMP/sh.json" -- /bin/sh -c 'x=$(/bin/echo done); echo $x'
grep -qx done "$TMP/out" || fail "the shell did not run under its profile"

step "--args none: by name only, AF_INET allowed"
expect_status 0 "$SECLEARN" export --db "$DB" --app py --format seccomp --args none -o "$TMP/py-names.json"
expect_status 0 "$SECLEARN" run --seccomp "$TMP/py-names.json" -- "$PY" -c "$PROG" AF_INET
expect_status 125 "$SECLEARN" export --db "$DB" --app py --format seccomp --args maybe
expect_stderr_matches "--args takes 'learned' or 'none'"

step "ioctl: learned requests only (FIONREAD on a pipe), FIOCLEX refused"
IOCTL='import os, sys, fcntl, termios, array
r, w = os.pipe()
fcntl.ioctl(r, getattr(termios, sys.argv[1]), array.array("i", [0]))
print("ok", sys.argv[1])'
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app io -- "$PY" -c "$IOCTL" FIONREAD </dev/null
expect_status 0 "$SECLEARN" export --db "$DB" --app io --format seccomp -o "$TMP/io.json"
"$PY" - "$TMP/io.json" <<'PYEOF' || fail "ioctl rule is not conditioned on the requests learned"
import json, sys, termios
rules = [r for r in json.load(open(sys.argv[1]))["syscalls"] if "ioctl" in r["names"]]
values = sorted(r["args"][0]["valueTwo"] for r in rules)
assert all(r["args"][0]["index"] == 1 and r["args"][0]["value"] == 0xffffffff for r in rules), rules
assert termios.FIONREAD in values and termios.FIOCLEX not in values, values
assert any("ioctl: request = FIONREAD (learned)" in r.get("comment", "") for r in rules), rules
PYEOF
expect_status 0 "$SECLEARN" show --db "$DB" --app io
grep -q 'FIONREAD' "$TMP/out" || fail "show does not name the ioctl request"
expect_status 0 "$SECLEARN" run --seccomp "$TMP/io.json" -- "$PY" -c "$IOCTL" FIONREAD </dev/null
grep -qx 'ok FIONREAD' "$TMP/out" || fail "FIONREAD failed under its own profile"
expect_status 1 "$SECLEARN" run --seccomp "$TMP/io.json" -- "$PY" -c "$IOCTL" FIOCLEX </dev/null
expect_stderr_matches 'PermissionError: \[Errno 1\] Operation not permitted'
