#!/usr/bin/env bash
# A process exec'd into a running container (runc exec, as docker exec does) is recorded as
# what it is: a run of its own, named by its own command, marked an exec into that container;
# export includes it with a note and --without-exec leaves it out.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
require_containers

DB=$TMP/db
ID=seclearn-e2e-$$-exec
make_bundle "$TMP/bundle" /bin/sh -c 'while [ ! -e /tmp/stop ]; do sleep 0.1; done; echo done'
configure_bundle "$TMP/bundle" readonly=false
start_agent "$TMP/agent.sock" "$DB"

step "a container learned as app svc; runc exec a debugging command into it"
on_exit runc delete -f "$ID"
timeout -k 5 60 "$SECLEARN" runtime --runtime-path runc --agent-socket "$TMP/agent.sock" \
  --app svc -- run --bundle "$TMP/bundle" "$ID" </dev/null >"$TMP/svc.out" 2>"$TMP/svc.err" &
svc=$!
for ((i = 0; i < 100; i++)); do
  [[ $(runc state "$ID" 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null) == running ]] && break
  sleep 0.1
done
expect_status 0 timeout -k 5 60 runc exec "$ID" /bin/mkdir /tmp/debug-dir
touch "$TMP/bundle/rootfs/tmp/stop"
wait "$svc" || fail "the container exited $?: $(cat "$TMP/svc.err")"
[[ $(cat "$TMP/svc.out") == done ]] || fail "the container printed $(cat "$TMP/svc.out")"
for ((i = 0; i < 100; i++)); do
  (($(grep -c ': ended: ' "$TMP/agent.log" || true) >= 2)) && break
  sleep 0.05
done
stop_agent
agent_log_matches "exec into container $ID \\(app svc, run [0-9]+\\): ended: "

step "show: the exec is a run of its own command, marked"
expect_status 0 "$SECLEARN" show --db "$DB" --app svc --json
"$PY" - "$TMP/out" "$ID" <<'PY' || fail "the runs are not the container's and the exec's"
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert len(runs) == 2, runs
start, execd = runs if runs[0]["exec_into"] is None else runs[::-1]
assert start["exec_into"] is None and start["argv"][0] == "/bin/sh", start
assert execd["exec_into"] == sys.argv[2] and execd["argv"] == ["/bin/mkdir", "/tmp/debug-dir"], execd
PY
expect_status 0 "$SECLEARN" show --db "$DB" --app svc
grep -E "exec into $ID: /bin/mkdir /tmp/debug-dir$" "$TMP/out" >/dev/null || fail "show does not mark the exec"

step "export includes the exec with a note; --without-exec leaves it out"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --no-store -o "$TMP/all.json"
expect_stderr_matches "includes processes exec'd into running containers \\(docker exec\\), runs [0-9]+ \\(into $ID\\); --without-exec leaves them out"
profile_names "$TMP/all.json" | grep -E '^mkdir(at)?$' >/dev/null || fail "the exec's mkdir is not in the default export"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --without-exec --no-store -o "$TMP/svc.json"
if grep "exec'd into" "$TMP/err" >/dev/null; then fail "--without-exec still notes the exec"; fi
profile_lacks "$TMP/svc.json" mkdir mkdirat
