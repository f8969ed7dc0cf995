#!/usr/bin/env bash
# crun through the agent, both ways a filter can notify: the shim's filter for crun
# (defaultAction SCMP_ACT_NOTIFY, which crun accepts and runc refuses) and the enumerated one
# of `seclearn agent --print-profile` put straight into config.json. Each learned container is
# then run by crun under its exported profile and does its job; a command outside what was
# learned is refused. On hosts with hybrid cgroups crun runs as
# `unshare -m sh -c 'umount /sys/fs/cgroup/unified && crun run ID'`, as it needs.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_root
require_notify
command -v crun >/dev/null || skip "crun is not installed"
require_busybox
command -v sqlite3 >/dev/null || skip "sqlite3 (the shell) is not installed"
CRUN=$(command -v crun)

DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
SCRIPT='echo hello; busybox ls / >/dev/null'
VIOLATION='echo hello; mkdir /tmp/seclearn-denied'

# crun 1.8 cannot set up cgroups with cgroup2 mounted at /sys/fs/cgroup/unified beside v1.
HYBRID=false
if [[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) != cgroup2fs &&
      $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
  HYBRID=true
fi

CONTAINER_SEQ=0
# crun_run WANT [PREFIX...]: `PREFIX... run --bundle BUNDLE ID` where PREFIX is crun or the
# shim; the id is deleted at exit.
crun_run() {
  local want=$1 id
  shift
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-e2e-$$-$CONTAINER_SEQ
  on_exit "$CRUN" delete -f "$id"
  if [[ $HYBRID == true ]]; then
    expect_status "$want" timeout -k 10 60 unshare -m sh -c \
      'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@" run --bundle "$BUNDLE" "$id"
  else
    expect_status "$want" timeout -k 10 60 "$@" run --bundle "$BUNDLE" "$id"
  fi
  "$CRUN" delete -f "$id" >/dev/null 2>&1 || true
}

step "make a busybox bundle (hybrid cgroups: $HYBRID)"
make_bundle "$BUNDLE" /bin/sh -c "$SCRIPT"
start_agent "$SOCK" "$DB"

step "learn through the shim: defaultAction SCMP_ACT_NOTIFY"
configure_bundle "$BUNDLE" nnp=true seccomp=
crun_run 0 "$SECLEARN" runtime --runtime-path "$CRUN" --agent-socket "$SOCK" --app cb-default --
expect_stdout_is hello
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1]))["linux"]["seccomp"]
assert s["defaultAction"] == "SCMP_ACT_NOTIFY" and not s.get("syscalls"), s' \
  "$BUNDLE/config.json" || fail "the shim did not give crun a notify-by-default filter"
wait_ended 1

step "learn with the enumerated profile of seclearn agent --print-profile, no shim"
expect_status 0 "$SECLEARN" agent --socket "$SOCK" --print-profile --runtime runc -o "$TMP/learn.json"
configure_bundle "$BUNDLE" nnp=false seccomp="$TMP/learn.json" app=cb-listed
crun_run 0 "$CRUN"
expect_stdout_is hello
wait_ended 2
stop_agent

step "both were learned as crun containers with their boundary"
[[ $(sql "$DB" "SELECT count(*) FROM run_containers WHERE boundary_ns IS NOT NULL") == 2 ]] ||
  fail "expected 2 containers with a boundary"
# The shim says which runtime it ran; a hand-installed profile only what it was printed for.
[[ $(sql "$DB" "SELECT runtime FROM run_containers ORDER BY run_id LIMIT 1") == crun ]] ||
  fail "the shim's container is not recorded as crun's"
[[ $(sql "$DB" "SELECT count(*) FROM runs WHERE exit_status = 0") == 2 ]] ||
  fail "expected 2 runs that exited 0"

for app in cb-default cb-listed; do
  if [[ $app == cb-default ]]; then nnp=true; flags=(--no-new-privileges); else nnp=false; flags=(); fi
  step "$app: the exported profile runs the container under crun"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --runtime crun "${flags[@]}" \
    -o "$TMP/$app.json"
  profile_lacks "$TMP/$app.json" mkdir mkdirat
  configure_bundle "$BUNDLE" nnp=$nnp seccomp="$TMP/$app.json" "args=[\"/bin/sh\", \"-c\", \"$SCRIPT\"]"
  crun_run 0 "$CRUN"
  expect_stdout_is hello

  step "$app: a command outside what was learned is refused"
  configure_bundle "$BUNDLE" "args=[\"/bin/sh\", \"-c\", \"$VIOLATION\"]"
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-e2e-$$-$CONTAINER_SEQ
  on_exit "$CRUN" delete -f "$id"
  got=0
  if [[ $HYBRID == true ]]; then
    timeout -k 10 60 unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh \
      "$CRUN" run --bundle "$BUNDLE" "$id" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  else
    timeout -k 10 60 "$CRUN" run --bundle "$BUNDLE" "$id" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  fi
  show_output
  ((got != 0)) || fail "the violating command succeeded under the profile"
  expect_stdout_is hello
  expect_stderr_matches 'Operation not permitted'
done

step "seclearn base --runtime crun measures crun's set"
expect_status 0 "$SECLEARN" base --runtime crun --runs 2 --db "$DB"
expect_stderr_matches 'crun .* base measured over 2 containers'
