#!/usr/bin/env bash
# Containers started in bursts through the shim and the agent never hang: runc installs the
# learning filter in `runc init` (Go) before it hands the listener over, so any call of its own
# that the filter notified in between would wait forever (seen: a futex wake-up under load).
# 25 bursts of 6 containers at once; each must end within 30 s and be saved as a run.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
require_containers

readonly kBursts=25 kWidth=6
DB=$TMP/db
make_bundle "$TMP/bundle" /bin/sh -c "echo box"
start_agent "$TMP/agent.sock" "$DB" --quiet

step "$kBursts bursts of $kWidth containers"
for ((b = 1; b <= kBursts; b++)); do
  pids=()
  for ((j = 1; j <= kWidth; j++)); do
    id="seclearn-e2e-$$-b$b-$j"
    on_exit runc delete -f "$id"
    timeout -k 5 30 "$SECLEARN" runtime --runtime-path runc --agent-socket "$TMP/agent.sock" \
      --app burst -- run --bundle "$TMP/bundle" "$id" </dev/null >"$TMP/o$j" 2>"$TMP/e$j" &
    pids+=($!)
  done
  for ((j = 1; j <= kWidth; j++)); do
    status=0
    wait "${pids[j - 1]}" || status=$?
    ((status == 0)) || fail "burst $b, container $j exited $status (124/137: it hung): $(cat "$TMP/e$j")"
    [[ $(cat "$TMP/o$j") == box ]] || fail "burst $b, container $j printed: $(cat "$TMP/o$j")"
  done
done
stop_agent
runs=$(sql "$DB" "SELECT count(*) FROM runs r JOIN apps a ON a.id = r.app_id
  WHERE a.name = 'burst' AND r.end_ns IS NOT NULL")
((runs == kBursts * kWidth)) || fail "$runs of $((kBursts * kWidth)) containers saved as ended runs"
note "$runs containers, none hung, all saved"
