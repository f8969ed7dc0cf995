#!/usr/bin/env bash
# `seclearn agent` as a long-running service: bad peers (garbage, early disconnect, a
# descriptor that is not a seccomp listener) are logged and skipped while real containers keep
# being learned; several containers are learned at once; a hostile seclearn.app annotation
# cannot name an app; SIGKILL loses at most the last second; a second agent on the same
# socket is refused.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_root
require_notify
command -v runc >/dev/null || skip "runc is not installed"
require_busybox
command -v sqlite3 >/dev/null || skip "sqlite3 (the shell) is not installed"

DB=$TMP/db
SOCK=$TMP/agent.sock
SEQ=0

# container APP SCRIPT [BUNDLE]: one runc container through the shim, learned as APP
# (no --app when APP is empty), with the id seclearn-e2e-PID-SEQ: bump SEQ before each call
# (a call in the background cannot bump it for the next one).
container() {
  local app=$1 script=$2 bundle=${3:-$TMP/bundle} id app_flag=()
  id=seclearn-e2e-$$-$SEQ
  [[ -n $app ]] && app_flag=(--app "$app")
  configure_bundle "$bundle" "args=[\"/bin/sh\", \"-c\", \"$script\"]"
  timeout -k 10 60 "$SECLEARN" runtime --runtime-path runc --agent-socket "$SOCK" "${app_flag[@]}" -- \
    run --bundle "$bundle" "$id" </dev/null
}

# send MODE: a misbehaving peer, in Python (socket.send_fds).
send() {
  "$PY" - "$SOCK" "$1" <<'EOF'
import json, os, socket, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
state = {"ociVersion": "1.0.2", "fds": ["seccompFd"], "pid": os.getpid(),
         "state": {"ociVersion": "1.0.2", "id": "fake", "status": "creating",
                   "pid": os.getpid(), "bundle": "/nonexistent"}}
if mode == "garbage":
    s.sendall(b"\x00\x01not json at all\n\xff")
elif mode == "nothing":
    pass
elif mode == "pipe-fd":
    r, w = os.pipe()
    socket.send_fds(s, [json.dumps(state).encode()], [r])
s.close()
EOF
}

step "a busybox bundle and an agent"
make_bundle "$TMP/bundle" /bin/true
start_agent "$SOCK" "$DB"

step "a second agent on the same socket is refused"
expect_status 125 "$SECLEARN" agent --socket "$SOCK" --db "$TMP/other.db"
expect_one_error_line "another agent is listening on $SOCK"

step "bad peers are logged and skipped; the agent keeps learning"
send garbage
send nothing
send pipe-fd
SEQ=$((SEQ + 1)); on_exit runc delete -f "seclearn-e2e-$$-$SEQ"
container good 'echo ok' >"$TMP/out" || fail "the container after bad peers failed"
[[ $(cat "$TMP/out") == ok ]] || fail "container output: $(cat "$TMP/out")"
wait_ended 1
agent_log_matches 'peer disconnected before sending a seccomp listener \(19 bytes\); skipped'
agent_log_matches 'peer disconnected before sending a seccomp listener \(0 bytes\); skipped'
agent_log_matches 'container fake\): .*not a seccomp listener.*; skipped'
agent_log_matches 'app good, run 1\): ended: .* exit 0'

step "three containers at once"
pids=()
for app in c1 c2 c3; do
  cp -a "$TMP/bundle" "$TMP/bundle-$app"
  SEQ=$((SEQ + 1)); on_exit runc delete -f "seclearn-e2e-$$-$SEQ"
  container "$app" 'while [ ! -e /tmp/go ]; do sleep 0.05; done; echo done' "$TMP/bundle-$app" \
    >"$TMP/out-$app" &
  pids+=($!)
done
# None ends before all three are being learned, however slow the machine: each waits for
# /tmp/go, made once the agent has said "learning" for the three.
for ((i = 0; i < 600; i++)); do
  (($(grep -cE 'app c[123], run [0-9]+\): learning$' "$TMP/agent.log" || true) == 3)) && break
  sleep 0.05
done
for app in c1 c2 c3; do touch "$TMP/bundle-$app/rootfs/tmp/go"; done
for pid in "${pids[@]}"; do wait "$pid" || fail "a concurrent container failed"; done
wait_ended 4
for app in c1 c2 c3; do
  [[ $(cat "$TMP/out-$app") == done ]] || fail "$app printed '$(cat "$TMP/out-$app")'"
  agent_log_matches "app $app, run [0-9]+\\): ended: .* exit 0"
done
# They overlapped in time: each started before any of them ended.
overlap=$(sql "$DB" "SELECT (SELECT max(start_ns) FROM runs r JOIN apps a ON a.id = r.app_id
  WHERE a.name IN ('c1','c2','c3')) < (SELECT min(end_ns) FROM runs r JOIN apps a ON
  a.id = r.app_id WHERE a.name IN ('c1','c2','c3'))")
[[ $overlap == 1 ]] || fail "the three containers were not learned at the same time"

step "a hostile seclearn.app annotation does not name an app"
configure_bundle "$TMP/bundle" "app=../../evil
name"
SEQ=$((SEQ + 1)); on_exit runc delete -f "seclearn-e2e-$$-$SEQ"
container "" 'echo hostile' >/dev/null || fail "the container with a hostile annotation failed"
wait_ended 5
agent_log_matches "annotation seclearn.app '\.\./\.\./evil\\\\nname' is not a valid app name; using the container id"
[[ $(sql "$DB" "SELECT count(*) FROM apps WHERE name LIKE '%evil%'") == 0 ]] ||
  fail "an app was named after the hostile annotation"
[[ $(sql "$DB" "SELECT count(*) FROM apps WHERE name = 'seclearn-e2e-$$-$SEQ'") == 1 ]] ||
  fail "the container was not learned under its id"

step "SIGKILL of the agent loses at most the last second"
configure_bundle "$TMP/bundle" "app=slow"
SEQ=$((SEQ + 1)); on_exit runc delete -f "seclearn-e2e-$$-$SEQ"
container slow 'echo start; sleep 2; echo end' >"$TMP/out" 2>&1 &
slow=$!
for ((i = 0; i < 100; i++)); do
  grep -q 'app slow): learning' "$TMP/agent.log" && break
  sleep 0.05
done
sleep 1.6
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" || true
wait "$slow" || true  # without its agent the container's next calls fail (ENOSYS)
flushed=$(sql "$DB" "SELECT count(*) FROM run_syscalls s JOIN runs r ON r.id = s.run_id
  JOIN apps a ON a.id = r.app_id WHERE a.name = 'slow'")
note "slow: $flushed syscalls saved before SIGKILL"
((flushed >= 10)) || fail "only $flushed syscalls of the killed agent's container were saved"
[[ $(sql "$DB" "SELECT end_ns IS NULL FROM runs r JOIN apps a ON a.id = r.app_id
  WHERE a.name = 'slow'") == 1 ]] || fail "the interrupted run claims to have ended"
expect_status 0 "$SECLEARN" show --db "$DB" --app slow
