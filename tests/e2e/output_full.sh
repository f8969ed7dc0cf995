#!/usr/bin/env bash
# Output that cannot be written (/dev/full: every write fails with ENOSPC). Lost stdout is the
# command's own failure (125; diff's trouble, 2), said in one line on stderr; a stderr that
# cannot be written never aborts seclearn, and the exit status still says what happened.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
cd "$TMP"

[[ -c /dev/full ]] || skip "/dev/full is missing"

expect_status 0 "$SECLEARN" learn --quiet --db s.db --app w -- /bin/sh -c 'cat /etc/hostname >/dev/null'
expect_status 0 "$SECLEARN" export --db s.db --app w -o old.json
expect_status 0 "$SECLEARN" learn --quiet --db s.db --app w -- /bin/ls /
expect_status 0 "$SECLEARN" export --db s.db --app w -o new.json
expect_status 0 "$SECLEARN" export --db s.db --app w --format apparmor --run 1 -o w.apparmor

# full_stdout STATUS ARGS...: seclearn ARGS with stdout on /dev/full exits STATUS and says so.
full_stdout() {
  local want=$1 got=0
  shift
  "$SECLEARN" "$@" </dev/null >/dev/full 2>"$TMP/err" || got=$?
  ((got == want)) || fail "seclearn $* >/dev/full exited $got, not $want: $(cat "$TMP/err")"
  grep -q '^seclearn: .*cannot write to stdout' "$TMP/err" ||
    fail "seclearn $* >/dev/full did not say its output was lost: $(cat "$TMP/err")"
}

# full_stderr STATUS ARGS...: seclearn ARGS with stderr on /dev/full exits STATUS (no abort).
full_stderr() {
  local want=$1 got=0
  shift
  "$SECLEARN" "$@" </dev/null >"$TMP/out" 2>/dev/full || got=$?
  ((got == want)) || fail "seclearn $* 2>/dev/full exited $got, not $want"
}

step "every command that prints: stdout on /dev/full is a failure"
full_stdout 125 show --db s.db
full_stdout 125 show --db s.db --app w
full_stdout 125 show --db s.db --app w --json
full_stdout 125 versions --db s.db --app w
full_stdout 125 versions --db s.db --app w --json
full_stdout 125 explain --db s.db --app w --json execve
full_stdout 125 export --db s.db --app w -o -
full_stdout 125 export --db s.db --app w --version 1
full_stdout 125 export --db s.db --app w --no-store
# run 1's profile denies what run 2 (ls) needed: check lists it on stdout.
full_stdout 125 check --db s.db --app w --apparmor w.apparmor --run 2
full_stdout 2 diff old.json new.json
full_stdout 2 diff --json old.json new.json
full_stdout 2 diff --db s.db --app w
full_stdout 125 --help
full_stdout 125 --version
full_stdout 125 show --help
full_stdout 125 merge --help
full_stdout 125 learn --help

step "stderr on /dev/full: errors keep their status, never an abort"
full_stderr 125 show --db s.db --app nope
full_stderr 125 show --db missing.db
full_stderr 125 export --db s.db --app nope
full_stderr 125 versions --db s.db --app nope
full_stderr 125 explain --db s.db --app w no_such_call
full_stderr 2 diff old.json missing.json
full_stderr 125 merge --db fleet.db missing.db
full_stderr 125 learn --db s.db --app 'bad name' -- /bin/true
full_stderr 125 nosuchcommand
full_stderr 125 show --no-such-option

step "stderr on /dev/full: notes and summaries are lost, the command does its job"
full_stderr 0 export --db s.db --app w -o w.json
cmp w.json new.json || fail "export with stderr full wrote another profile"
full_stderr 0 export --db s.db --app w --format docker-flags
full_stderr 0 merge --db fleet.db s.db
expect_status 0 "$SECLEARN" show --db fleet.db --app w --json
"$PY" -c 'import json, sys; assert len(json.load(open(sys.argv[1]))["runs"]) == 2' "$TMP/out" ||
  fail "merge with stderr full merged nothing"
# learn's summary goes to stderr: the workload's status passes through, the run is saved.
full_stderr 0 learn --db s.db --app w -- /bin/true
full_stderr 3 learn --db s.db --app w -- /bin/sh -c 'exit 3'
expect_status 0 "$SECLEARN" show --db s.db --app w --json
"$PY" -c 'import json, sys; r = json.load(open(sys.argv[1]))["runs"]; assert len(r) == 4 and r[3]["exit_status"] == 3, r' "$TMP/out" ||
  fail "learn with stderr full did not save its runs"
step "learn with stdout on /dev/full: the workload's output is its own affair"
got=0
"$SECLEARN" learn --quiet --db s.db --app w -- /bin/true </dev/null >/dev/full 2>"$TMP/err" || got=$?
((got == 0)) || fail "learn >/dev/full of a silent workload exited $got: $(cat "$TMP/err")"
