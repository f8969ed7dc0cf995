#!/usr/bin/env bash
# Signals and exit statuses through `seclearn learn`: SIGTERM is forwarded and the run is
# recorded; SIGKILL of seclearn takes the workload with it and leaves a sound database with
# what was flushed; the workload's own SIGSTOP/SIGCONT work; statuses pass through; stdin and
# stdout pass through.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

DB=$TMP/signals.db
# A failing step must not leave a background seclearn (and its workload) running.
on_exit 'jobs -p | xargs -r kill -KILL'
# A unique argument, so pgrep finds only this test's workload.
UNIQUE=$((100000000 + $$ % 100000))

step "(a) SIGTERM to seclearn during '$TESTEE sleep': forwarded, exit 143 within 5 s"
"$SECLEARN" learn --quiet --db "$DB" --app term -- "$TESTEE" sleep "$UNIQUE" </dev/null &
pid=$!
wait_for_workload "sleep $UNIQUE" 10
sleep 0.5  # let it reach clock_nanosleep
kill -TERM "$pid"
wait_gone "$pid" 5 || fail "seclearn still running 5 s after SIGTERM"
status=0
wait "$pid" || status=$?
((status == 143)) || fail "seclearn exited $status after SIGTERM, expected 143"
if pgrep -f -- "sleep $UNIQUE" >/dev/null; then fail "the workload outlived SIGTERM"; fi
step "(a) show --app lists the run with exit 143 and clock_nanosleep"
[[ $(last_run term exit_status) == 143 ]] || fail "recorded exit is $(last_run term exit_status)"
(($(syscall_count term clock_nanosleep) > 0)) || fail "clock_nanosleep not recorded"
expect_status 0 "$SECLEARN" show --db "$DB" --app term
grep -Eq '^ +#1 .*exit 143 .*sleep' "$TMP/out" || fail "show does not list run #1 with exit 143"

step "(b) SIGKILL to seclearn after 2.5 s of getppid-loop: the workload dies too"
"$SECLEARN" learn --quiet --db "$DB" --app killed -- "$TESTEE" getppid-loop "$UNIQUE" </dev/null &
pid=$!
wait_for_workload "getppid-loop $UNIQUE" 10
sleep 2.5
pgrep -f -- "getppid-loop $UNIQUE" >/dev/null || fail "the workload ended before the SIGKILL"
kill -KILL "$pid"
note "(bash reports this job as Killed: expected)"
status=0
wait "$pid" 2>/dev/null || status=$?
((status == 137)) || fail "seclearn exited $status, expected 137"
deadline=$((SECONDS + 5))
while pgrep -f -- "getppid-loop $UNIQUE" >/dev/null; do
  ((SECONDS < deadline)) || fail "the workload outlived seclearn by 5 s: $(pgrep -af -- "getppid-loop $UNIQUE")"
  sleep 0.1
done
step "(b) the database is sound and holds getppid up to the last flush"
[[ $(sqlite3 "$DB" 'pragma integrity_check') == ok ]] || fail "integrity_check is not ok"
count=$(syscall_count killed getppid)
note "getppid recorded $count times; run exit_status: $(last_run killed exit_status)"
((count > 0)) || fail "no getppid recorded for the killed run"
expect_status 0 "$SECLEARN" show --db "$DB" --app killed

step "(c) the workload stops and continues itself (SIGSTOP/SIGCONT): exit 0 under learn"
expect_status 0 timeout 60 "$SECLEARN" learn --quiet --db "$DB" --app stop -- "$TESTEE" stop-cont

step "(d) exit statuses pass through learn"
expect_status 3 "$SECLEARN" learn --quiet --db "$DB" --app status -- "$TESTEE" exit 3
expect_status 137 "$SECLEARN" learn --quiet --db "$DB" --app status -- "$TESTEE" kill-self KILL
expect_status 139 "$SECLEARN" learn --quiet --db "$DB" --app status -- "$TESTEE" segfault
expect_status 143 "$SECLEARN" learn --quiet --db "$DB" --app status -- "$TESTEE" kill-self TERM
[[ $(last_run status exit_status) == 143 ]] || fail "recorded exit is not 143"

step "(e) stdin and stdout pass through learn"
out=$(echo abc | "$SECLEARN" learn --quiet --db "$DB" --app pipe -- "$TESTEE" read-stdin)
[[ $out == abc ]] || fail "read-stdin printed '$out', expected abc"
step "(e) without --quiet the summary goes to stderr only"
out=$(printf 'x\ny\n' | "$SECLEARN" learn --db "$DB" --app pipe -- "$TESTEE" read-stdin 2>"$TMP/err")
[[ $out == $'x\ny' ]] || fail "read-stdin printed '$out'"
expect_stderr_matches '^seclearn: pipe run [0-9]+: .*exit 0'
