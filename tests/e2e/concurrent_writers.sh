#!/usr/bin/env bash
# Several writers on one database at once: 12 `seclearn learn` runs and an agent learning
# runc containers, while another connection also holds the write lock for longer than the busy
# timeout. Every run is saved whole (its exact getppid count), every learner exits with its
# workload's status, and "database is locked" is never an error.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

DB=$TMP/shared.db
readonly kLearners=12 kLoop=20000

# hold_lock SECONDS: another connection holds the write lock that long (BEGIN IMMEDIATE); the
# file $TMP/locked exists while it does.
hold_lock() {
  "$PY" - "$DB" "$1" "$TMP/locked" <<'PY' &
import os, sqlite3, sys, time
db, seconds, flag = sys.argv[1], float(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db, isolation_level=None, timeout=30)
con.execute("BEGIN IMMEDIATE")
open(flag, "w").close()
time.sleep(seconds)
os.unlink(flag)
con.execute("ROLLBACK")
PY
  LOCK_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do [[ -e $TMP/locked ]] && return 0; sleep 0.05; done
  fail "the lock holder did not start"
}

with_agent=false
if ((EUID == 0)) && command -v runc >/dev/null &&
  grep -qw user_notif /proc/sys/kernel/seccomp/actions_avail 2>/dev/null && [[ -x /bin/busybox ]]; then
  with_agent=true
else
  note "no agent in this run (needs root, runc, busybox-static and seccomp user notification)"
fi

step "a database, an agent on it"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app warmup -- "$TESTEE" noop
if $with_agent; then
  make_bundle "$TMP/bundle" /bin/sh -c "i=0; while [ \$i -lt 200 ]; do i=\$((i+1)); done; echo box"
  start_agent "$TMP/agent.sock" "$DB"
fi

step "the write lock held for 7 s (beyond the 5 s busy timeout) while $kLearners learners run"
hold_lock 7
pids=()
for ((i = 0; i < kLearners; i++)); do
  "$SECLEARN" learn --quiet --db "$DB" --app "c$i" -- "$TESTEE" getppid-loop "$kLoop" \
    >"$TMP/learn$i.out" 2>"$TMP/learn$i.err" &
  pids+=($!)
done
if $with_agent; then
  for j in 1 2; do
    timeout -k 10 90 "$SECLEARN" runtime --runtime-path runc --agent-socket "$TMP/agent.sock" \
      --app box -- run --bundle "$TMP/bundle" "seclearn-e2e-$$-cw$j" \
      </dev/null >"$TMP/box$j.out" 2>"$TMP/box$j.err" &
    pids+=($!)
    on_exit runc delete -f "seclearn-e2e-$$-cw$j"
  done
fi
status=0
for p in "${pids[@]}"; do wait "$p" || status=$?; done
wait "$LOCK_PID" || true
for f in "$TMP"/learn*.err "$TMP"/box*.err; do
  [[ -e $f ]] || continue
  if grep -q 'database is locked' "$f"; then cat "$f" >&2; fail "$(basename "$f"): database is locked"; fi
done
if ((status != 0)); then
  for f in "$TMP"/learn*.err "$TMP"/box*.err "$TMP"/agent.log; do
    [[ -s $f ]] && { echo "--- $(basename "$f"):"; cat "$f"; } >&2
  done
  fail "a learner or container exited $status"
fi
# The premise: the lock outlasted the busy timeout, so the learners did wait and try again.
grep -q "another writer holds the database: saving again later" "$TMP"/learn*.err ||
  fail "no learner met the held lock (the test proves nothing)"

step "then all at once, no outside lock"
pids=()
for ((i = kLearners; i < 2 * kLearners; i++)); do
  "$SECLEARN" learn --quiet --db "$DB" --app "c$i" -- "$TESTEE" getppid-loop "$kLoop" \
    >/dev/null 2>"$TMP/learn$i.err" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a learner failed: $(cat "$TMP"/learn*.err)"; done
! grep -l 'database is locked' "$TMP"/learn*.err || fail "database is locked"

step "every run is there, ended, with its exact count"
if $with_agent; then
  for j in 1 2; do [[ $(cat "$TMP/box$j.out") == box ]] || fail "container $j: $(cat "$TMP/box$j.err")"; done
  for ((k = 0; k < 100; k++)); do
    (($(grep -c ': ended: ' "$TMP/agent.log" || true) >= 2)) && break
    sleep 0.1
  done
  stop_agent
fi
"$PY" - "$DB" "$((2 * kLearners))" "$kLoop" "$with_agent" <<'PY' || fail "runs were lost or cut short"
import sqlite3, sys
db, learners, loop, agent = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "true"
con = sqlite3.connect(db)
for i in range(learners):
    rows = con.execute("""SELECT r.id, r.end_ns, r.exit_status FROM runs r JOIN apps a ON a.id = r.app_id
                          WHERE a.name = ?""", (f"c{i}",)).fetchall()
    assert len(rows) == 1, (i, rows)
    run, end, status = rows[0]
    assert end is not None and status == 0, (i, rows)
    n = con.execute("""SELECT s.count FROM run_syscalls s WHERE s.run_id = ? AND s.arch = ? AND s.nr = 110""",
                    (run, 0xC000003E)).fetchone()
    assert n == (loop,), (i, n)  # getppid, exactly
if agent:
    rows = con.execute("""SELECT r.end_ns FROM runs r JOIN apps a ON a.id = r.app_id
                          WHERE a.name = 'box'""").fetchall()
    assert len(rows) == 2 and all(e is not None for (e,) in rows), rows
print(f"   {learners} learned runs{' and 2 containers' if agent else ''}, all whole")
PY
