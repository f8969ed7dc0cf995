#!/usr/bin/env bash
# Real Debian programs: learn each (twice), export a seccomp profile, rerun it under
# `seclearn run --seccomp` (same stdout, same exit status), and show that a program needing a
# syscall the profile lacks is refused with EPERM. Prints each profile's size against Docker's
# default profile.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

# moby profiles/seccomp/default.json: 349 names in its unconditional allow rule, plus on x86_64
# without added capabilities arch_prctl, modify_ldt, personality, socket, clone (argument
# filtered), ptrace, process_vm_readv and process_vm_writev.
readonly kDockerDefaultNames=357
readonly kMaxNames=150

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
command -v tar >/dev/null || skip "tar is not installed"
command -v gzip >/dev/null || skip "gzip is not installed (tar z)"
[[ -x /bin/busybox ]] || skip "/bin/busybox (busybox-static) is not installed"

DB=$TMP/programs.db

# check_program APP PREPARE -- CMD...: PREPARE (a function name, or :) runs before every
# invocation of CMD so each starts from the same state.
check_program() {
  local app=$1 prepare=$2
  shift 3
  local profile=$TMP/$app.json

  step "$app: unconfined run"
  "$prepare"
  expect_status_any "$@"
  local want_status=$LAST_STATUS
  cp "$TMP/out" "$TMP/$app.want"
  note "exit $want_status"

  local i
  for i in 1 2; do
    step "$app: learn, run $i: same stdout and exit status as unconfined"
    "$prepare"
    expect_status "$want_status" "$SECLEARN" learn --db "$DB" --app "$app" -- "$@"
    cmp -s "$TMP/out" "$TMP/$app.want" || fail "$app: stdout under learn differs"
    expect_stderr_matches "^seclearn: $app run [0-9]+: [0-9]+ distinct syscalls"
  done

  step "$app: export"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --format seccomp -o "$profile"
  # One rule of names, then only rules that condition a name on a learned argument value.
  "$PY" - "$profile" <<'EOF' || fail "$app: unexpected rules (no --runtime)"
import json, sys
rules = json.load(open(sys.argv[1]))["syscalls"]
assert "args" not in rules[0], rules[0]
# ... then the calls implied by learned ones, and last ENOSYS for calls newer than libc's
# oldest kernel that nothing allows.
assert rules[-1]["action"] == "SCMP_ACT_ERRNO" and rules[-1]["errnoRet"] == 38, rules[-1]
middle = [r for r in rules[1:-1] if not r["comment"].startswith("implied, not seen: ")]
assert all(r.get("args") and len(r["names"]) == 1 for r in middle), middle
EOF
  local n
  n=$(profile_names "$profile" | wc -l)
  note "$app: $n syscall names allowed; Docker's default profile allows ~$kDockerDefaultNames"
  PROFILE_SIZES+=("$app=$n")
  ((n < kMaxNames)) || fail "$app: $n names is not minimal (limit $kMaxNames)"

  step "$app: run under its own profile: same stdout and exit status"
  "$prepare"
  expect_status "$want_status" "$SECLEARN" run --seccomp "$profile" -- "$@"
  cmp -s "$TMP/out" "$TMP/$app.want" || fail "$app: stdout under the profile differs"

  step "$app: a listening nc (socket, bind, listen) is refused under the $app profile"
  profile_lacks "$profile" bind listen
  # Unconfined it would listen until killed, so a quick non-zero exit is the profile's doing.
  expect_status 1 timeout 10 "$SECLEARN" run --seccomp "$profile" -- /bin/busybox nc -l -p 0
  expect_stderr_matches '^nc: (socket|bind): Operation not permitted$'
}

# Like expect_status, for the unconfined reference run: any status, kept in LAST_STATUS.
expect_status_any() {
  LAST_STATUS=0
  "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || LAST_STATUS=$?
  show_output
}

PROFILE_SIZES=()

# (a) a busybox shell pipeline with command substitution, forks and a non-zero exit.
# shellcheck disable=SC2016  # expanded by the traced shell
check_program busybox-sh : -- /bin/busybox sh -c \
  'n=$(busybox seq 1 200 | busybox grep 7 | busybox wc -l); echo "sevens: $n"; exit $((n % 7))'
[[ $(cat "$TMP/busybox-sh.want") == "sevens: 38" ]] || fail "busybox-sh: unexpected output"

# (b) Python with C extensions (_json, _hashlib via OpenSSL, _sqlite3).
check_program python : -- /usr/bin/python3 -c \
  'import json, hashlib, sqlite3; print(hashlib.sha256(json.dumps({"a":[1,2,3]}).encode()).hexdigest())'
step "python: socket.socket() is refused under the python profile"
profile_lacks "$TMP/python.json" socket
expect_status 1 "$SECLEARN" run --seccomp "$TMP/python.json" -- \
  /usr/bin/python3 -c 'import socket; socket.socket()'
expect_stderr_matches 'PermissionError: \[Errno 1\] Operation not permitted'

# (c) sqlite3 on a fresh database each run (creating the file, journal, fsync).
fresh_sqlite_db() { rm -f "$TMP/data.db" "$TMP/data.db-journal"; }
check_program sqlite3 fresh_sqlite_db -- \
  sqlite3 "$TMP/data.db" 'create table t(x); insert into t values(1),(2),(3); select sum(x) from t;'
[[ $(cat "$TMP/sqlite3.want") == 6 ]] || fail "sqlite3: unexpected output"

# (d) tar czf: tar forks and execs gzip; the archive must be complete under the profile.
mkdir -p "$TMP/tree/sub"
for f in a b c; do seq 1 500 | sed "s/^/$f /" >"$TMP/tree/$f.txt"; done
printf 'x\n' >"$TMP/tree/sub/d.txt"
fresh_archive() { rm -f "$TMP/out.tgz"; }
check_program tar fresh_archive -- tar czf "$TMP/out.tgz" -C "$TMP/tree" .
step "tar: the archive written under the profile lists every file"
[[ $(tar tzf "$TMP/out.tgz" | sort | tr '\n' ' ') == "./ ./a.txt ./b.txt ./c.txt ./sub/ ./sub/d.txt " ]] ||
  fail "tar: archive written under the profile is incomplete"

step "profile sizes (names allowed; Docker's default: ~$kDockerDefaultNames)"
note "${PROFILE_SIZES[*]}"
