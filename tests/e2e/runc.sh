#!/usr/bin/env bash
# A profile learned on the host, exported with --runtime runc, starts a real runc container
# (busybox rootfs) and the container's output is right; without the runtime rule runc cannot
# start it; a command outside what was learned is refused inside the container. Done twice:
# the privileged path (process.noNewPrivileges=false, export without --no-new-privileges) and
# process.noNewPrivileges=true with export --no-new-privileges.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

((EUID == 0)) || skip "runc containers need root"
command -v runc >/dev/null || skip "runc is not installed"
[[ -x /bin/busybox ]] || skip "/bin/busybox (busybox-static) is not installed"
MAKE_BUNDLE=$(dirname "$0")/../../scripts/make-busybox-bundle.sh
[[ -f $MAKE_BUNDLE ]] || fail "missing $MAKE_BUNDLE"

DB=$TMP/runc.db
BUNDLE=$TMP/bundle
# The workload: inside the rootfs /bin/sh is a busybox applet link; on the host the same
# static busybox is run directly.
SCRIPT='echo hello; busybox ls / >/dev/null'

step "make a busybox bundle with scripts/make-busybox-bundle.sh"
bash "$MAKE_BUNDLE" "$BUNDLE" /bin/sh -c "$SCRIPT" >/dev/null
[[ -f $BUNDLE/config.json && -x $BUNDLE/rootfs/bin/sh ]] || fail "bundle not created"

step "learn the workload on the host with the same static busybox"
expect_status 0 "$SECLEARN" learn --db "$DB" --app bb -- /bin/busybox sh -c "$SCRIPT"
expect_stdout_is hello

# configure SECCOMP_JSON_OR_EMPTY NO_NEW_PRIVILEGES ARGS...: rewrites config.json; an empty
# profile path removes linux.seccomp.
configure() {
  "$PY" - "$BUNDLE/config.json" "$@" <<'EOF'
import json, sys
path, profile, nnp, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with open(path) as f:
    config = json.load(f)
config["process"]["args"] = args
config["process"]["noNewPrivileges"] = nnp == "true"
if profile:
    with open(profile) as f:
        config["linux"]["seccomp"] = json.load(f)
else:
    config["linux"].pop("seccomp", None)
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
}

CONTAINER_SEQ=0
# run_container: `runc run` the bundle under a fresh id; the id is deleted at exit whatever
# happens. Output and status as expect_status.
run_container() {
  local want=$1 id
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-e2e-$$-$CONTAINER_SEQ
  on_exit runc delete -f "$id"
  expect_status "$want" timeout -k 10 60 runc run --bundle "$BUNDLE" "$id"
  runc delete -f "$id" >/dev/null 2>&1 || true
}

# run_container_fails: as run_container, for any non-zero status.
run_container_fails() {
  local id got=0
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-e2e-$$-$CONTAINER_SEQ
  on_exit runc delete -f "$id"
  timeout -k 10 60 runc run --bundle "$BUNDLE" "$id" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  show_output
  runc delete -f "$id" >/dev/null 2>&1 || true
  ((got != 0)) || fail "container started and exited 0; expected a failure"
  ((got != 124)) || fail "runc run timed out"
  note "exit $got"
}

# Run directly: a shell would need fork (not learned) before it got to mkdir.
PROBE=(/bin/busybox mkdir /dev/probe)

check_mode() {
  local mode=$1 nnp=$2
  shift 2
  local profile=$TMP/$mode.json bare=$TMP/$mode-bare.json

  step "$mode: export --runtime runc $*"
  expect_status 0 "$SECLEARN" export --db "$DB" --app bb --format seccomp --runtime runc "$@" \
    -o "$profile"
  # Workload rules first (plain names, then one rule per learned argument value), the
  # runtime's rule last.
  "$PY" - "$profile" "$bare" <<'EOF'
import json, sys
profile = json.load(open(sys.argv[1]))
rules = profile["syscalls"]
runtime = [r for r in rules if "made by the runtime" in r.get("comment", "")]
# The runtime's rule is the last that allows; after it only the ENOSYS rule for newer calls.
assert rules[-1]["action"] == "SCMP_ACT_ERRNO" and rules[-1]["errnoRet"] == 38, rules[-1]
assert len(runtime) == 1 and rules[-2] is runtime[0], "the runtime rule is not the last allowing rule"
assert "runc" in runtime[0]["comment"], "the runtime rule has no runc comment"
workload = {n for r in rules[:-2] for n in r["names"]}
# The runtime rule repeats only names the workload may call with learned arguments alone.
outright = {n for r in rules[:-2] if "args" not in r for n in r["names"]}
assert not outright & set(runtime[0]["names"]), "rules overlap"
profile["syscalls"] = rules[:-2] + rules[-1:]
json.dump(profile, open(sys.argv[2], "w"), indent=2)
print(f"   {len(workload)} workload names + {len(runtime[0]['names'])} runtime names")
EOF

  step "$mode: the container starts under the profile and prints hello (noNewPrivileges=$nnp)"
  configure "$profile" "$nnp" /bin/sh -c "$SCRIPT"
  run_container 0
  expect_stdout_is hello

  step "$mode: without the runtime rule runc cannot start the container"
  configure "$bare" "$nnp" /bin/sh -c "$SCRIPT"
  run_container_fails
  [[ ! -s $TMP/out ]] || fail "the workload ran although runc should have failed before it"

  step "$mode: without seccomp the probe (mkdir) works in the container"
  configure "" "$nnp" "${PROBE[@]}"
  run_container 0

  step "$mode: under the profile the probe is refused with EPERM"
  profile_lacks "$profile" mkdir mkdirat
  configure "$profile" "$nnp" "${PROBE[@]}"
  run_container_fails
  expect_stderr_matches 'mkdir: can.t create directory .*Operation not permitted'
}

check_mode privileged false
check_mode no-new-privileges true --no-new-privileges

step "the --no-new-privileges profile is not enough when noNewPrivileges=false (earlier install)"
configure "$TMP/no-new-privileges.json" false /bin/sh -c "$SCRIPT"
run_container_fails
[[ ! -s $TMP/out ]] || fail "the workload ran although runc should have failed before it"
