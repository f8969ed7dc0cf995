#!/usr/bin/env bash
# Watch mode under Podman (with runc, no shim): `--security-opt seccomp=FILE` with a
# `--mode watch --runtime runc` profile; Podman passes its listenerPath and
# listenerMetadata to runc, runc hands the listener to the agent. A container learned without
# mkdir then makes it: with allow it succeeds, with deny it fails with EPERM, and both times
# the agent records it in a production run of the app; the next export lets it run.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_containers podman sqlite3

cd "$TMP"
DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
SCRIPT=$WATCH_SCRIPT
step "import the busybox rootfs into a private Podman"
podman_busybox "$BUNDLE"

start_agent "$SOCK" "$DB"
step "learn through the agent (the learning profile's listenerPath)"
expect_status 0 "$SECLEARN" agent --socket "$SOCK" --print-profile --runtime runc -o learn.json
expect_status 0 timeout 120 "${P[@]}" "${RUN[@]}" --annotation seclearn.app=bbw \
  --security-opt seccomp=learn.json seclearn-e2e-bb /bin/sh -c "$SCRIPT"
expect_stdout_is hello
wait_ended 1
# Podman runs runc without no-new-privileges.
for ov in allow deny; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app bbw --runtime runc --mode watch \
    --on-violation $ov --listener "$SOCK" -o watch-$ov.json
  profile_lacks watch-$ov.json mkdir mkdirat
done

for ov in allow deny; do
  step "watch, on-violation $ov"
  got=0
  timeout 120 "${P[@]}" "${RUN[@]}" --security-opt seccomp=watch-$ov.json seclearn-e2e-bb \
    /bin/sh -c "$WITH_MKDIR" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  show_output
  if [[ $ov == allow ]]; then
    ((got == 0)) || fail "mkdir under the allow watch profile failed ($got)"
    expect_stdout_is $'hello\nmade'
  else
    ((got == 1)) || fail "expected exit 1 under the deny watch profile, got $got"
    expect_stderr_matches "mkdir: can't create directory '/tmp/made': Operation not permitted"
  fi
  ended=$((${ended:-1} + 1))
  wait_ended $ended
  run=$(sql "$DB" "SELECT max(id) FROM runs")
  [[ $(sql "$DB" "SELECT source || ' ' || on_violation FROM runs WHERE id = $run") == "watch $ov" ]] ||
    fail "run $run is not a watch run answered $ov"
  "$SECLEARN" show --db "$DB" --app bbw --run "$run" --json | "$PY" -c '
import json, sys
names = {s["name"] for s in json.load(sys.stdin)["syscalls"]}
assert names & {"mkdir", "mkdirat"}, sorted(names)' || fail "mkdir is not recorded in watch run $run"
  [[ -n $(sql "$DB" "SELECT container_id FROM run_containers WHERE run_id = $run") ]] ||
    fail "watch run $run has no container"
done
stop_agent

step "the next export lets the container make it"
expect_status 0 "$SECLEARN" export --db "$DB" --app bbw --runtime runc -o next.json
expect_status 0 timeout 120 "${P[@]}" "${RUN[@]}" --security-opt seccomp=next.json \
  seclearn-e2e-bb /bin/sh -c "$WITH_MKDIR"
expect_stdout_is $'hello\nmade'
