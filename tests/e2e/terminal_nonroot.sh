#!/usr/bin/env bash
# learn as a non-root user (no_new_privs set, the tracer works without privileges) and on a
# terminal (a live status line on stderr; none with --quiet or without a terminal).
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
command -v script >/dev/null || skip "script (bsdutils) not installed"

step "as uid 65534: learn works and the workload runs with no_new_privs"
chmod 0777 "$TMP"
expect_status 0 setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$SECLEARN" learn --db "$TMP/nobody.db" --app nobody -- /bin/sh -c 'grep NoNewPrivs /proc/self/status; id -u'
grep -q 'NoNewPrivs:[[:space:]]*1' "$TMP/out" || fail "no_new_privs not set for a non-root learner"
grep -qx 65534 "$TMP/out" || fail "workload did not run as 65534"
expect_status 0 "$SECLEARN" show --db "$TMP/nobody.db" --app nobody
grep -q 'execve' "$TMP/out" || fail "the non-root run recorded no execve"

step "as root: no_new_privs is not forced (setuid binaries keep working), --no-new-privs forces it"
if [[ $(id -u) -eq 0 ]]; then
  expect_status 0 "$SECLEARN" learn --quiet --db "$TMP/root.db" --app root -- /bin/grep NoNewPrivs /proc/self/status
  grep -q 'NoNewPrivs:[[:space:]]*0' "$TMP/out" || fail "root learner set no_new_privs"
  expect_status 0 "$SECLEARN" learn --quiet --no-new-privs --db "$TMP/root.db" --app root -- /bin/grep NoNewPrivs /proc/self/status
  grep -q 'NoNewPrivs:[[:space:]]*1' "$TMP/out" || fail "--no-new-privs did not set no_new_privs"
fi

step "on a terminal: a live status line while it runs, cleared before the summary"
script -qfec "$SECLEARN learn --db $TMP/tty.db --app tty -- $TESTEE sleep 2500" "$TMP/typescript" >/dev/null </dev/null
grep -aq 'syscalls, [0-9]* distinct, [0-9]* processes, [0-9]*s' "$TMP/typescript" ||
  fail "no live status line on the terminal"
grep -aq 'seclearn: tty run 1: ' "$TMP/typescript" || fail "no summary line"

step "--quiet on a terminal: no status line, no summary"
script -qfec "$SECLEARN learn --quiet --db $TMP/tty.db --app tty -- $TESTEE sleep 1500" "$TMP/typescript2" >/dev/null </dev/null
if grep -aqE 'distinct|run [0-9]+:' "$TMP/typescript2"; then fail "--quiet printed: $(cat -v "$TMP/typescript2")"; fi
