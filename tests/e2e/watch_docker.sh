#!/usr/bin/env bash
# Watch mode under Docker (docker.io 20.10), through the runtime shim. Docker's seccomp loader
# drops listenerPath and listenerMetadata, so plain runc refuses a watch profile ("listenerPath
# is not set"); with `--runtime=seclearn` the shim sees a profile that notifies, puts the agent's
# socket back with the profile's fingerprint, and the agent finds the stored version (and its
# app and policy) by it. The watch containers name no app (no SECLEARN_APP, the shim has none):
# the profile alone says whose it is. A busybox container learned without mkdir then makes it:
# allow succeeds, deny fails with EPERM, both recorded as production runs; the next export
# lets it run under Docker's own runc, and diff names mkdir as first needed in production.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_containers sqlite3

cd "$TMP"
DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
D=$TMP/docker
APP=bbw-docker
SCRIPT=$WATCH_SCRIPT
mkdir -p "$D"
make_bundle "$BUNDLE" /bin/true
install_shim "$D" ""
start_agent "$SOCK" "$DB"
step "start a private dockerd with the shim as runtime seclearn"
docker_daemon "$D" "seclearn=$D/seclearn-runtime"

# docker_run WANT ARGS...: `docker run --rm --network=none ARGS... seclearn-e2e-bb /bin/sh -c
# SCRIPT` (the last argument is the script); its container id in CID.
docker_run() {
  local want=$1 got=0 script=${*: -1}
  set -- "${@:2:$#-2}"
  rm -f "$TMP/cid"
  timeout 120 "$DOCKER" run --rm --network=none --cidfile "$TMP/cid" "$@" seclearn-e2e-bb \
    /bin/sh -c "$script" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  show_output
  ((got == want)) || fail "docker run $* exited $got, expected $want"
  CID=$(cat "$TMP/cid")
}

step "learn through the shim (the container never makes mkdir)"
docker_run 0 --runtime=seclearn -e SECLEARN_APP=$APP "$SCRIPT"
expect_stdout_is hello
wait_ended 1
expect_status 0 "$SECLEARN" export --db "$DB" --app $APP --runtime docker -o enforce.json
profile_lacks enforce.json mkdir mkdirat
for ov in allow deny; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app $APP --runtime docker --mode watch \
    --on-violation $ov --listener "$SOCK" -o watch-$ov.json
  profile_lacks watch-$ov.json mkdir mkdirat
done

step "Docker's own runc: enforce refuses mkdir; a watch profile is refused (no listenerPath)"
docker_run 1 --security-opt seccomp=enforce.json "$WITH_MKDIR"
expect_stderr_matches "mkdir: can't create directory '/tmp/made': Operation not permitted"
docker_run 125 --security-opt seccomp=watch-allow.json "$WITH_MKDIR"
expect_stderr_matches 'listenerPath is not set'

ended=1
for ov in allow deny; do
  step "watch through the shim, on-violation $ov: the agent finds the version and answers $ov"
  if [[ $ov == allow ]]; then
    docker_run 0 --runtime=seclearn --security-opt seccomp=watch-$ov.json "$WITH_MKDIR"
    expect_stdout_is $'hello\nmade'
    allow_id=$CID
  else
    docker_run 1 --runtime=seclearn --security-opt seccomp=watch-$ov.json "$WITH_MKDIR"
    expect_stderr_matches "mkdir: can't create directory '/tmp/made': Operation not permitted"
  fi
  ended=$((ended + 1))
  wait_ended $ended
  version=$(sql "$DB" "SELECT max(v.version) FROM profile_versions v JOIN apps a ON a.id = v.app_id
    WHERE a.name = '$APP' AND v.format = 'seccomp' AND v.options LIKE '%--on-violation $ov%'")
  answer=continued
  [[ $ov == deny ]] && answer=refused
  agent_log_matches "container $CID \\(app $APP, watch, profile version $version\\): watching: .* $answer"
  run=$(sql "$DB" "SELECT run_id FROM run_containers WHERE container_id = '$CID'")
  [[ -n $run ]] || fail "no run for container $CID"
  [[ $ov == allow ]] && allow_run=$run
  check_watch_run $APP "$run" $ov "$CID"
done

step "a watch profile edited by hand is no stored version: served, recorded, version unknown"
"$PY" - watch-allow.json <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
rule = next(r for r in p["syscalls"] if r["action"] == "SCMP_ACT_NOTIFY")
rule["names"].remove("uname")  # now logged by the default action, not notified
json.dump(p, open("edited.json", "w"))
EOF
docker_run 0 --runtime=seclearn -e SECLEARN_APP=$APP --security-opt seccomp=edited.json \
  "$WITH_MKDIR"
expect_stdout_is $'hello\nmade'
ended=$((ended + 1))
wait_ended $ended
agent_log_matches "container $CID: its watch profile .* is no stored seccomp version"
agent_log_matches "container $CID \\(app $APP, watch, profile version unknown\\): watching"

step "the next export allows mkdir, diff names production, Docker's runc runs it"
expect_status 0 "$SECLEARN" export --db "$DB" --app $APP --runtime docker -o next.json
profile_names next.json | grep -Ex 'mkdir|mkdirat' >/dev/null || fail "next export lacks mkdir"
expect_status 1 "$SECLEARN" diff --db "$DB" --app $APP --from 1 --to 4
expect_stdout_matches "^\\+ mkdir +\\(first needed in production: watch run $allow_run at [0-9T:.-]+Z \\(container $allow_id, /bin/sh, allowed\\)\\)\$"
docker_run 0 --security-opt seccomp=next.json "$WITH_MKDIR"
expect_stdout_is $'hello\nmade'
stop_agent
