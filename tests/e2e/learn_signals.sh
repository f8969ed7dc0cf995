#!/usr/bin/env bash
# Signals around `seclearn learn`, both backends: learn waits for every traced process, a
# daemon that left the session too, and passes a signal it gets to each of them; a second one
# ends the learn and keeps the run; no catchable signal the workload sends its parent (kill
# -USR1 $PPID, -STOP, -SEGV, ...) ends or stops the learn or loses the run; and a signal
# seclearn was started with ignored (nohup) stays ignored in the workload.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

DB=$TMP/signals.db
on_exit 'jobs -p | xargs -r kill -KILL'
on_exit 'pkill -KILL -f "sleep $UNIQUE"'
UNIQUE=$((200000000 + $$ % 100000))

for backend in ptrace notify; do
  app=daemon-$backend
  step "$backend: a daemon (setsid sleep) outlives its shell: learn waits for it"
  "$SECLEARN" learn --quiet --db "$DB" --app "$app" --backend "$backend" -- \
    sh -c "setsid sleep $UNIQUE & exit 0" </dev/null &
  pid=$!
  wait_for_workload "sleep $UNIQUE" 10
  sleep 0.5
  kill -0 "$pid" 2>/dev/null || fail "learn ended while the daemon was still running"
  step "$backend: SIGTERM to seclearn reaches the daemon, the learn ends and keeps the run"
  kill -TERM "$pid"
  wait_gone "$pid" 5 || fail "learn still running 5 s after SIGTERM (waiting for the daemon)"
  status=0
  wait "$pid" || status=$?
  ((status == 0)) || fail "learn exited $status, expected the shell's 0"
  if pgrep -f -- "sleep $UNIQUE" >/dev/null; then fail "the daemon outlived SIGTERM"; fi
  [[ $(last_run "$app" exit_status) == 0 ]] || fail "the run was not ended with exit 0"
  (($(syscall_count "$app" setsid) > 0)) || fail "setsid (the daemon's) is not in the run"

  app=stubborn-$backend
  step "$backend: a daemon that ignores SIGINT: the second SIGINT ends the learn, run saved"
  "$SECLEARN" learn --db "$DB" --app "$app" --backend "$backend" -- \
    sh -c "setsid sh -c 'trap \"\" INT; exec sleep $UNIQUE' & trap '' INT; wait" \
    </dev/null >"$TMP/out" 2>"$TMP/err" &
  pid=$!
  wait_for_workload "sleep $UNIQUE" 10
  sleep 0.5
  kill -INT "$pid"
  sleep 1
  kill -0 "$pid" 2>/dev/null || fail "one SIGINT ended the learn: the daemon ignores it"
  kill -INT "$pid"
  wait_gone "$pid" 5 || fail "learn still running 5 s after a second SIGINT"
  status=0
  wait "$pid" || status=$?
  show_output
  grep -q "a second SIGINT ended the learn: 2 processes still running killed" "$TMP/err" ||
    fail "no word that the second SIGINT ended the learn"
  if pgrep -f -- "sleep $UNIQUE" >/dev/null; then fail "the daemon outlived the learn"; fi
  [[ $(last_run "$app" exit_status) != None ]] || fail "the run was not ended"
  (($(syscall_count "$app" setsid) > 0)) || fail "the daemon's calls are not in the run"

  step "$backend: every catchable signal the workload sends its parent: the learn goes on"
  for sig in HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 PIPE ALRM TERM STKFLT TSTP TTIN \
    TTOU XCPU XFSZ VTALRM PROF IO PWR SYS RTMIN RTMIN+5 RTMAX STOP; do
    app=parent-$sig-$backend
    num=$(kill -l "$sig")  # dash's kill knows fewer names than bash's
    expect_status 7 timeout 20 "$SECLEARN" learn --db "$DB" --app "${app//+/-}" --backend "$backend" -- \
      sh -c "kill -$num \$PPID; sleep 0.1; echo carried-on; exit 7"
    [[ $(cat "$TMP/out") == carried-on ]] || fail "SIG$sig to the parent: the workload did not carry on"
    grep -q "signalled its parent" "$TMP/err" || fail "SIG$sig to the parent is not reported"
    [[ $(last_run "${app//+/-}" exit_status) == 7 ]] || fail "SIG$sig: the run did not end with 7"
  done

  step "$backend: signals sent to seclearn itself (not the terminal's four) are ignored"
  "$SECLEARN" learn --db "$DB" --app self-$backend --backend "$backend" -- \
    sh -c "sleep 1.5; echo carried-on; exit 4" </dev/null >"$TMP/out" 2>"$TMP/err" &
  pid=$!
  sleep 0.5
  for sig in USR1 USR2 PIPE SEGV TSTP TTOU ALRM; do kill -"$sig" "$pid"; done
  status=0
  wait "$pid" || status=$?
  show_output
  ((status == 4)) || fail "learn exited $status after signals to it, expected the workload's 4"
  [[ $(cat "$TMP/out") == carried-on ]] || fail "the workload did not carry on"
  for sig in USR1 USR2 PIPE SEGV TSTP TTOU; do
    grep -Eq "ignored .*SIG$sig.* sent to seclearn" "$TMP/err" || fail "SIG$sig is not named"
  done

  step "$backend: a signal seclearn was started with ignored (nohup) is ignored in the workload"
  expect_status 0 sh -c "trap '' HUP; exec '$SECLEARN' learn --quiet --db '$DB' --app nohup-$backend \
    --backend $backend -- sh -c 'kill -HUP \$\$; echo survived'"
  [[ $(cat "$TMP/out") == survived ]] || fail "SIGHUP was not ignored in the workload"
done
