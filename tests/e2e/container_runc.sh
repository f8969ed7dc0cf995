#!/usr/bin/env bash
# runc through `seclearn runtime` and `seclearn agent`: a busybox container is learned in the
# container itself (seccomp notify, listenerPath), the runtime's own calls apart from the
# workload's; the exported profile then runs the same container under plain runc and it does
# its job, while a command outside what was learned is refused. Both noNewPrivileges settings.
# `seclearn base --runtime runc` measures the runtime set into the database and export uses it.
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
BUNDLE=$TMP/bundle
SCRIPT='echo hello; busybox ls / >/dev/null'
VIOLATION='echo hello; mkdir /tmp/seclearn-denied'

CONTAINER_SEQ=0
# run_container WANT [RUNTIME-PREFIX...]: runs the bundle under a fresh id, deleted at exit.
run_container() {
  local want=$1 id
  shift
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-e2e-$$-$CONTAINER_SEQ
  on_exit runc delete -f "$id"
  expect_status "$want" timeout -k 10 60 "$@" run --bundle "$BUNDLE" "$id"
  runc delete -f "$id" >/dev/null 2>&1 || true
}

# wait_ended N: until the agent has ended N container runs.
# rule_with_comment FILE TEXT: the names of the rule whose comment contains TEXT.
rule_with_comment() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
for rule in json.load(open(sys.argv[1]))["syscalls"]:
    if sys.argv[2] in rule.get("comment", ""):
        print("\n".join(rule["names"]))
EOF
}

step "make a busybox bundle"
make_bundle "$BUNDLE" /bin/sh -c "$SCRIPT"
start_agent "$SOCK" "$DB"

ended=0
for nnp in false true; do
  step "learn the container through the shim, noNewPrivileges=$nnp"
  configure_bundle "$BUNDLE" nnp=$nnp seccomp= "args=[\"/bin/sh\", \"-c\", \"$SCRIPT\"]"
  run_container 0 "$SECLEARN" runtime --runtime-path runc --agent-socket "$SOCK" \
    --app "bb-nnp-$nnp" --
  expect_stdout_is hello
  ended=$((ended + 1))
  wait_ended $ended
  "$PY" -c 'import json,sys; s=json.load(open(sys.argv[1]))["linux"]["seccomp"]
assert s["listenerPath"] == sys.argv[2], s["listenerPath"]
assert "write" not in s["syscalls"][0]["names"] and "openat" in s["syscalls"][0]["names"]' \
    "$BUNDLE/config.json" "$SOCK" || fail "the shim did not install the learning filter"
done
agent_log_matches 'app bb-nnp-false, run 1\): ended: .* exit 0'
stop_agent

step "each container is one notify run, with the runtime/workload boundary recorded"
[[ $(sql "$DB" "SELECT count(*) FROM runs WHERE backend = 'notify' AND exit_status = 0") == 2 ]] ||
  fail "expected 2 finished notify runs"
[[ $(sql "$DB" "SELECT count(*) FROM run_containers WHERE runtime = 'runc' AND boundary_ns IS NOT NULL") == 2 ]] ||
  fail "expected 2 runc containers with a boundary"
[[ $(sql "$DB" "SELECT count(*) FROM run_runtime_syscalls") -gt 5 ]] ||
  fail "no runtime-phase syscalls recorded"
expect_status 0 "$SECLEARN" show --db "$DB" --app bb-nnp-false
grep -q 'notify' "$TMP/out" || fail "show does not list the notify run"

for nnp in false true; do
  export_flags=()
  [[ $nnp == true ]] && export_flags=(--no-new-privileges)
  step "export with the runtime rule (noNewPrivileges=$nnp) and run it under plain runc"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "bb-nnp-$nnp" --runtime runc \
    "${export_flags[@]}" -o "$TMP/bb-$nnp.json"
  profile_lacks "$TMP/bb-$nnp.json" mkdir mkdirat
  # runc's own calls are in the runtime rule, not in the workload's.
  runtime_rule=$(rule_with_comment "$TMP/bb-$nnp.json" "made by the runtime")
  workload_rule=$(rule_with_comment "$TMP/bb-$nnp.json" "syscalls observed")
  grep -qx epoll_ctl <<<"$runtime_rule" || fail "the runtime rule lacks runc's epoll_ctl"
  grep -qx epoll_ctl <<<"$workload_rule" && fail "epoll_ctl (runc's) is in the workload rule"
  grep -qx write <<<"$workload_rule" ||
    fail "write (never notified under runc) is not in the workload rule"
  configure_bundle "$BUNDLE" nnp=$nnp seccomp="$TMP/bb-$nnp.json" \
    "args=[\"/bin/sh\", \"-c\", \"$SCRIPT\"]"
  run_container 0 runc
  expect_stdout_is hello

  step "a command outside what was learned is refused (noNewPrivileges=$nnp)"
  configure_bundle "$BUNDLE" "args=[\"/bin/sh\", \"-c\", \"$VIOLATION\"]"
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-e2e-$$-$CONTAINER_SEQ
  on_exit runc delete -f "$id"
  got=0
  timeout -k 10 60 runc run --bundle "$BUNDLE" "$id" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  show_output
  runc delete -f "$id" >/dev/null 2>&1 || true
  ((got != 0)) || fail "the violating command succeeded under the profile"
  expect_stdout_is hello
  expect_stderr_matches 'Operation not permitted'
done

step "seclearn base measures runc's set into the database; export uses it"
expect_status 0 "$SECLEARN" base --runtime runc --runs 3 --db "$DB"
expect_stderr_matches 'runc .* base measured over 3 containers'
[[ $(sql "$DB" "SELECT count(*) FROM runtime_bases WHERE runtime = 'runc'") == 2 ]] ||
  fail "expected 2 measured runc sets (no_new_privs true and false)"
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-nnp-true --runtime runc \
  --no-new-privileges -o "$TMP/measured.json"
grep -q 'measured by seclearn base' "$TMP/measured.json" || fail "export did not use the measured set"
configure_bundle "$BUNDLE" nnp=true seccomp="$TMP/measured.json" \
  "args=[\"/bin/sh\", \"-c\", \"$SCRIPT\"]"
for i in 1 2 3; do
  run_container 0 runc
  expect_stdout_is hello
done

step "export --format resources: the container's cgroup peaks as an OCI fragment, applied by runc"
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-nnp-false --format resources \
  -o "$TMP/res.json"
"$PY" - "$BUNDLE/config.json" "$TMP/res.json" <<'PYEOF'
import json, sys
config, frag = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
config["linux"]["resources"] = frag["linux"]["resources"]
if "process" in frag:
    config["process"]["rlimits"] = frag["process"]["rlimits"]
json.dump(config, open(sys.argv[1], "w"))
PYEOF
want_mem=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["linux"]["resources"]["memory"]["limit"])' "$TMP/res.json")
# The notify backend sees no results: a container's runs have no descriptor peak.
grep '"rlimits"' "$TMP/res.json" >/dev/null && fail "an agent run has a descriptor peak"
configure_bundle "$BUNDLE" seccomp= "args=[\"/bin/sh\", \"-c\", \"cat /proc/self/limits; sleep 3\"]"
CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
id=seclearn-e2e-$$-$CONTAINER_SEQ
on_exit runc delete -f "$id"
timeout -k 10 60 runc run --bundle "$BUNDLE" "$id" </dev/null >"$TMP/out" 2>"$TMP/err" &
RUNC_PID=$!
for ((i = 0; i < 100; i++)); do
  pid=$(runc state "$id" 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null || true)
  [[ -n $pid && $pid != 0 ]] && break
  sleep 0.05
done
[[ -n $pid ]] || fail "the container did not start"
mem_path=$(sed -n 's/^[0-9]*:memory://p' "/proc/$pid/cgroup")
[[ -n $mem_path ]] || skip "no cgroup v1 memory controller for the container (cgroup v2 only)"
got_mem=$(cat "/sys/fs/cgroup/memory$mem_path/memory.limit_in_bytes")
wait "$RUNC_PID" || fail "the container under its limits exited $?"
show_output
[[ $got_mem == "$want_mem" ]] || fail "memory.limit_in_bytes is $got_mem, not $want_mem"
expect_stdout_matches '^Max open files'
note "runc applied memory.limit_in_bytes $got_mem from the container's learned cgroup peaks"
