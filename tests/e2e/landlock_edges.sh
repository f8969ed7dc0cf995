#!/usr/bin/env bash
# Landlock rulesets at their edges, enforced by the kernel:
#   - hostile file names (newline, quotes, '$', '${x}', '*', every byte 1..255): the ruleset
#     is valid landlockconfig JSON naming exactly those files, the workload reads them under
#     it, and a file beside them it never read is refused with EACCES; names that are not
#     UTF-8 (no JSON string holds them) are granted through their directory, said on stderr;
#   - TCP: a server learned binding port P binds it under its ruleset, binding another port
#     is refused; a client learned connecting to P connects, another port is refused;
#   - bad input: a malformed ruleset is one line, exit 125; a path that is not here is a
#     warning, an error with --strict.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

abi=$("$PY" -c '
import ctypes
print(ctypes.CDLL(None).syscall(444, None, 0, 1))')
((abi >= 1)) || skip "Landlock is not enabled in this kernel (landlock_create_ruleset: $abi)"
[[ -x /bin/busybox ]] || skip "/bin/busybox (busybox-static) is not installed"
"$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed"
SCHEMA=$E2E_REPO/tests/support/landlockconfig.schema.json
DB=$TMP/edges.db
L=/tmp/seclearn-landlock-edges-$$
rm -rf "$L"
mkdir -p "$L/h" "$L/raw"
on_exit rm -rf "'$L'"

step "hostile names: make them, learn busybox cat reading each"
"$PY" - "$L" <<'PY'
import os, sys
root = sys.argv[1]
names = ["new\nline", 'q"uote', "sp ace", "*", "$HOME", "${x}", "$$", "back\\slash"]
names += [bytes([b]).decode("latin-1") for b in range(1, 128) if b != ord("/") and b != ord(".")]
for n in names:
    with open(os.path.join(root, "h", n), "w") as f:
        f.write("x")
for b in range(128, 256):
    with open(os.path.join(root.encode(), b"raw", bytes([b])), "w") as f:
        f.write("y")
PY
mapfile -d '' files < <(find "$L/h" "$L/raw" -type f -print0)
# 8 names, 125 one-byte UTF-8 names ("*" among them), 128 one-byte others
((${#files[@]} == 8 + 125 + 128 - 1)) || fail "expected 260 files, made ${#files[@]}"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app names -- /bin/busybox cat -- "${files[@]}"
expect_status 0 "$SECLEARN" export --db "$DB" --app names --format landlock -o "$TMP/names.json"
expect_stderr_matches 'are not UTF-8: read_file beneath "[^"]*/raw"'
"$PY" - "$SCHEMA" "$TMP/names.json" "$L" <<'PY' || fail "the ruleset does not name exactly the files read"
import json, os, sys, jsonschema
schema, ruleset, root = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
jsonschema.validate(ruleset, schema)
granted = {}
for rule in ruleset["pathBeneath"]:
    for p in rule["parent"]:
        granted.setdefault(p.replace("$$", "$"), set()).update(rule["allowedAccess"])
want = {os.path.join(root, "h", n) for n in os.listdir(os.path.join(root, "h"))}
under_h = {p for p in granted if p.startswith(root + "/h")}
assert under_h == want, (sorted(under_h - want), sorted(want - under_h))
assert all(granted[p] == {"read_file"} for p in want)
assert granted[root + "/raw"] == {"read_file"}, granted.get(root + "/raw")
PY
echo secret >"$L/h/untouched"
step "hostile names: read again under the ruleset; the file beside them is refused"
expect_status 0 "$SECLEARN" run --landlock "$TMP/names.json" -- /bin/busybox cat -- "${files[@]}"
expect_status 1 "$SECLEARN" run --landlock "$TMP/names.json" -- /bin/busybox cat "$L/h/untouched"
expect_stderr_matches "can't open '.*/h/untouched': Permission denied"

if ((abi >= 4)); then
  step "TCP: learn a server binding P and a client connecting to P"
  read -r P Q < <("$PY" -c '
import socket
ports = []
for p in range(20000, 30000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        ports.append(p)
    except OSError:
        pass
    s.close()
    if len(ports) == 2:
        break
print(*ports)')
  SERVER='import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("bound")'
  CLIENT='import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
print("connected")'
  # listen_on P Q: an unconfined listener on both ports (LISTENER), once clients connect.
  listen_on() {
    "$PY" -c 'import socket, sys, time
socks = [socket.socket() for _ in sys.argv[1:]]
for s, p in zip(socks, sys.argv[1:]):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(p))); s.listen()
time.sleep(60)' "$@" &
    LISTENER=$!
    on_exit kill "$LISTENER"
    for ((i = 0; i < 100; i++)); do
      "$PY" -c "$CLIENT" "$2" >/dev/null 2>&1 && break
      sleep 0.05
    done
  }
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app server -- "$PY" -c "$SERVER" "$P"
  listen_on "$P" "$Q"
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app client -- "$PY" -c "$CLIENT" "$P"
  kill "$LISTENER"
  wait "$LISTENER" 2>/dev/null || true
  for app in server client; do
    expect_status 0 "$SECLEARN" export --db "$DB" --app $app --format landlock -o "$TMP/$app.json"
  done
  grep -q "\"bind_tcp\"" "$TMP/server.json" || fail "the server's ruleset has no bind_tcp port"
  step "TCP: the server binds P under its ruleset, not Q"
  expect_status 0 "$SECLEARN" run --landlock "$TMP/server.json" -- "$PY" -c "$SERVER" "$P"
  expect_stdout_is bound
  expect_status 1 "$SECLEARN" run --landlock "$TMP/server.json" -- "$PY" -c "$SERVER" "$Q"
  expect_stderr_matches 'PermissionError: \[Errno 13\] Permission denied'
  step "TCP: the client connects to P under its ruleset, not to Q"
  listen_on "$P" "$Q"
  expect_status 0 "$SECLEARN" run --landlock "$TMP/client.json" -- "$PY" -c "$CLIENT" "$P"
  expect_stdout_is connected
  expect_status 1 "$SECLEARN" run --landlock "$TMP/client.json" -- "$PY" -c "$CLIENT" "$Q"
  expect_stderr_matches 'PermissionError: \[Errno 13\] Permission denied'
else
  note "Landlock ABI $abi has no TCP rights (ABI 4): the TCP part is not run"
fi

step "bad input: a malformed ruleset, a path that is not here (--strict)"
printf '{"pathBeneath": [{"allowedAccess": ["read"], "parent": ["/"]}]}\n' >"$TMP/bad.json"
expect_status 125 "$SECLEARN" run --landlock "$TMP/bad.json" -- /bin/true
expect_one_error_line 'bad\.json:1:37: unknown access right "read"'
printf '{"abi": 1, "ruleset": [{"handledAccessFs": ["make_reg"]}], "pathBeneath": [{"allowedAccess": ["make_reg"], "parent": ["/no/such/dir"]}]}\n' >"$TMP/absent.json"
expect_status 0 "$SECLEARN" run --landlock "$TMP/absent.json" -- /bin/busybox true
expect_stderr_matches 'landlock: "/no/such/dir": No such file or directory: its rule \(make_reg\) is left out'
expect_status 125 "$SECLEARN" run --strict --landlock "$TMP/absent.json" -- /bin/busybox true
expect_one_error_line 'left out'
