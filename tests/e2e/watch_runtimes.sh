#!/usr/bin/env bash
# Watch mode under the real runc and crun: a busybox container learned without mkdir runs
# under its `export --mode watch --runtime RT` profile with plain RT (no shim). The agent
# receives the listener, records mkdir as a fact of a production run (source watch) of the
# app, with the container and the executable, and answers by the profile's policy: allow
# (mkdir works) or deny (EPERM, still recorded). The next export allows mkdir, diff names it as
# first needed in production, and the container runs under it. The calls the profile allows
# never reach the agent. On hosts with hybrid cgroups crun runs as
# `unshare -m sh -c 'umount /sys/fs/cgroup/unified && crun run ID'`, as it needs.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_containers sqlite3

cd "$TMP"
DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
SCRIPT=$WATCH_SCRIPT
RUNTIMES=(runc)
if command -v crun >/dev/null; then RUNTIMES+=("$(command -v crun)"); else note "crun is not installed: runc only"; fi
HYBRID=false
if [[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) != cgroup2fs &&
      $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
  HYBRID=true
fi

CONTAINER_SEQ=0
# rt_run WANT RT PREFIX...: `PREFIX... run --bundle BUNDLE ID` under a fresh id, deleted at
# exit; crun on hybrid cgroups in a mount namespace without cgroup2 at unified.
rt_run() {
  local want=$1 rt=$2 id
  shift 2
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-watch-$$-$CONTAINER_SEQ
  LAST_ID=$id
  rm -rf "$BUNDLE/rootfs/tmp/made"
  on_exit "$rt" delete -f "$id"
  if [[ $rt == */crun && $HYBRID == true ]]; then
    expect_status "$want" timeout -k 10 60 unshare -m sh -c \
      'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@" run --bundle "$BUNDLE" "$id"
  else
    expect_status "$want" timeout -k 10 60 "$@" run --bundle "$BUNDLE" "$id"
  fi
  "$rt" delete -f "$id" >/dev/null 2>&1 || true
}

make_bundle "$BUNDLE" /bin/sh -c "$SCRIPT"
start_agent "$SOCK" "$DB"
ended=0
for rt in "${RUNTIMES[@]}"; do
  name=$(basename "$rt")
  app=bbw-$name
  export_flags=(--db "$DB" --app "$app" --runtime "$name" --no-new-privileges)
  step "$name: learn the container through the shim (it never makes mkdir)"
  configure_bundle "$BUNDLE" nnp=true seccomp= readonly=false "args=[\"/bin/sh\", \"-c\", \"$SCRIPT\"]"
  rt_run 0 "$rt" "$SECLEARN" runtime --runtime-path "$rt" --agent-socket "$SOCK" --app "$app" --
  expect_stdout_is hello
  ended=$((ended + 1))
  wait_ended $ended
  learned=$(sql "$DB" "SELECT max(r.id) FROM runs r JOIN apps a ON a.id = r.app_id WHERE a.name = '$app'")
  [[ $(sql "$DB" "SELECT source FROM runs WHERE id = $learned") == agent ]] ||
    fail "the learned container's run is not marked source agent"
  expect_status 0 "$SECLEARN" export "${export_flags[@]}" -o enforce-$name.json
  profile_lacks enforce-$name.json mkdir mkdirat

  step "$name: enforce: mkdir is refused"
  configure_bundle "$BUNDLE" seccomp="$TMP/enforce-$name.json" "args=[\"/bin/sh\", \"-c\", \"$WITH_MKDIR\"]"
  rt_run 1 "$rt" "$rt"
  expect_stderr_matches "mkdir: can't create directory '/tmp/made': Operation not permitted"

  # Both exported from the learned run alone (a watch run's facts go into the next export).
  for ov in allow deny; do
    expect_status 0 "$SECLEARN" export "${export_flags[@]}" --mode watch --on-violation $ov \
      --listener "$SOCK" -o watch-$name-$ov.json
    profile_lacks watch-$name-$ov.json mkdir mkdirat
  done
  for ov in allow deny; do
    step "$name: watch, on-violation $ov: the agent records mkdir and answers $ov"
    configure_bundle "$BUNDLE" seccomp="$TMP/watch-$name-$ov.json"
    if [[ $ov == allow ]]; then
      rt_run 0 "$rt" "$rt"
      expect_stdout_is $'hello\nmade'
      allow_id=$LAST_ID
    else
      rt_run 1 "$rt" "$rt"
      expect_stderr_matches "mkdir: can't create directory '/tmp/made': Operation not permitted"
    fi
    ended=$((ended + 1))
    wait_ended $ended
    answer=continued
    [[ $ov == deny ]] && answer=refused
    agent_log_matches "container $LAST_ID \\(app $app, watch, profile version [0-9]+\\): watching: .* $answer"
    run=$(sql "$DB" "SELECT run_id FROM run_containers WHERE container_id = '$LAST_ID'")
    [[ -n $run ]] || fail "no run for container $LAST_ID"
    [[ $ov == allow ]] && allow_run=$run
    [[ $(sql "$DB" "SELECT source FROM runs WHERE id = $run") == watch ]] ||
      fail "run $run is not marked source watch"
    check_watch_run "$app" "$run" $ov "$LAST_ID"
  done
  expect_status 0 "$SECLEARN" show --db "$DB" --app "$app"
  expect_stdout_matches 'notify watch'
  expect_stdout_matches 'notify agent'

  step "$name: the next export allows mkdir, diff says production needed it, the container runs"
  expect_status 0 "$SECLEARN" export "${export_flags[@]}" -o next-$name.json
  profile_names next-$name.json | grep -Ex 'mkdir|mkdirat' >/dev/null || fail "next export lacks mkdir"
  expect_status 1 "$SECLEARN" diff --db "$DB" --app "$app" --from 1 --to 4
  expect_stdout_matches "^\\+ mkdir +\\(first needed in production: watch run $allow_run at [0-9T:.-]+Z \\(container $allow_id, /bin/sh, allowed\\)\\)\$"
  configure_bundle "$BUNDLE" seccomp="$TMP/next-$name.json"
  rt_run 0 "$rt" "$rt"
  expect_stdout_is $'hello\nmade'
done
stop_agent
