#!/usr/bin/env bash
# Watch mode under the real runc: a busybox container learned without mkdir runs under its
# `export --mode watch --runtime runc` profile with plain runc (no shim). The agent receives
# the listener, records mkdir as a fact of a production run (source watch) of the app, with
# the container and the executable, and answers by the profile's policy: allow (mkdir works)
# or deny (EPERM, still recorded). The next export allows mkdir and diff names it. The calls
# the profile allows never reach the agent.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_containers sqlite3

cd "$TMP"
DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
SCRIPT='echo hello; busybox ls / >/dev/null; true'
WITH_MKDIR='echo hello; busybox mkdir /tmp/made && echo made'

CONTAINER_SEQ=0
run_container() {
  local want=$1 id
  shift
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-watch-$$-$CONTAINER_SEQ
  rm -rf "$BUNDLE/rootfs/tmp/made"
  on_exit runc delete -f "$id"
  expect_status "$want" timeout -k 10 60 "$@" run --bundle "$BUNDLE" "$id"
  runc delete -f "$id" >/dev/null 2>&1 || true
}

# watch_runs: "id|source|exit" of the app's runs, one per line.
watch_runs() { sql "$DB" "SELECT r.id || '|' || r.source FROM runs r ORDER BY r.id"; }

step "learn the container through the shim (it never makes mkdir)"
make_bundle "$BUNDLE" /bin/sh -c "$SCRIPT"
configure_bundle "$BUNDLE" nnp=false seccomp= readonly=false
start_agent "$SOCK" "$DB"
run_container 0 "$SECLEARN" runtime --runtime-path runc --agent-socket "$SOCK" --app bbw --
expect_stdout_is hello
wait_ended 1
[[ $(sql "$DB" "SELECT source FROM runs WHERE id = 1") == agent ]] ||
  fail "the learned container's run is not marked source agent"
expect_status 0 "$SECLEARN" export --db "$DB" --app bbw --runtime runc -o enforce.json
profile_lacks enforce.json mkdir mkdirat

step "enforce: mkdir is refused under plain runc"
configure_bundle "$BUNDLE" seccomp="$TMP/enforce.json" "args=[\"/bin/sh\", \"-c\", \"$WITH_MKDIR\"]"
run_container 1 runc
expect_stderr_matches "mkdir: can't create directory '/tmp/made': Operation not permitted"

# Both exported from the learned run alone (a watch run's facts go into the next export).
for ov in allow deny; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app bbw --runtime runc --mode watch \
    --on-violation $ov --listener "$SOCK" -o watch-$ov.json
  profile_lacks watch-$ov.json mkdir mkdirat
done
ended=1
for ov in allow deny; do
  step "watch, on-violation $ov: the agent records mkdir and answers $ov"
  configure_bundle "$BUNDLE" seccomp="$TMP/watch-$ov.json"
  if [[ $ov == allow ]]; then
    run_container 0 runc
    expect_stdout_is $'hello\nmade'
  else
    run_container 1 runc
    expect_stderr_matches "mkdir: can't create directory '/tmp/made': Operation not permitted"
  fi
  ended=$((ended + 1))
  wait_ended $ended
  answer=continued
  [[ $ov == deny ]] && answer=refused
  agent_log_matches "app bbw, watch, profile version [0-9]+\\): watching: .* $answer"
  run=$ended
  [[ $(sql "$DB" "SELECT source FROM runs WHERE id = $run") == watch ]] ||
    fail "run $run is not marked source watch: $(watch_runs)"
  expect_status 0 "$SECLEARN" show --db "$DB" --app bbw --run $run --json
  "$PY" - "$TMP/out" $ov <<'EOF' || fail "the watch run's facts are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
names = {s["name"] for s in d["syscalls"]}
assert "mkdir" in names or "mkdirat" in names, sorted(names)
# Only calls outside the profile reach the agent: none of what the learned run made.
assert "execve" not in names and "read" not in names, sorted(names)
exes = [e["path"] for e in d["executables"]]
assert any(p.endswith("busybox") for p in exes), exes
assert d["runs"][-1]["source"] == "watch", d["runs"][-1]
assert d["runs"][-1]["on_violation"] == sys.argv[2], d["runs"][-1]
assert d["runs"][-1]["container"].startswith("seclearn-watch-"), d["runs"][-1]
EOF
  [[ $(sql "$DB" "SELECT count(*) FROM run_containers WHERE run_id = $run") == 1 ]] ||
    fail "the watch run has no container record"
done
expect_status 0 "$SECLEARN" show --db "$DB" --app bbw
expect_stdout_matches 'notify watch'
expect_stdout_matches 'notify agent'
stop_agent

step "the next export allows mkdir, and the container runs under it with plain runc"
expect_status 0 "$SECLEARN" export --db "$DB" --app bbw --runtime runc -o next.json
profile_names next.json | grep -Ex 'mkdir|mkdirat' >/dev/null || fail "next export lacks mkdir"
expect_status 1 "$SECLEARN" diff --db "$DB" --app bbw --from 1 --to 4
expect_stdout_matches '^\+ mkdir +\(first needed in production: watch run 2 at [0-9T:.-]+Z \(container seclearn-watch-[0-9]+-3, /bin/sh, allowed\)\)$'
configure_bundle "$BUNDLE" seccomp="$TMP/next.json"
run_container 0 runc
expect_stdout_is $'hello\nmade'
