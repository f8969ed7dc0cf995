#!/usr/bin/env bash
# containerd (apt containerd, 1.6) with seclearn as the runc shim's binary: the test starts its
# own containerd (root, state and sockets under a temp dir, no CRI plugin), learns a busybox
# container with `ctr run --runc-binary` (the shim as a seclearn-runtime symlink with its config
# file beside it), exports with --runtime containerd, and proves it: `ctr run --seccomp
# --seccomp-profile PROFILE` does the job and a command outside what was learned is refused.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_containers containerd ctr

DB=$TMP/db
SOCK=$TMP/agent.sock
D=$TMP/containerd
SCRIPT='echo hello; busybox ls / >/dev/null'
VIOLATION='echo hello; mkdir /tmp/seclearn-denied'
mkdir -p "$D"

step "the busybox rootfs, the shim (symlink + seclearn-runtime.json) and the agent"
make_bundle "$TMP/bundle" /bin/true
ROOTFS=$TMP/bundle/rootfs
install_shim "$D" bb-ctr
start_agent "$SOCK" "$DB"

step "start a private containerd"
cat >"$D/config.toml" <<TOML
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.ttrpc.sock"
TOML
containerd -c "$D/config.toml" </dev/null >"$D/containerd.log" 2>&1 &
CONTAINERD_PID=$!
CTR=(ctr --address "$D/containerd.sock" --namespace seclearn-e2e)
await_daemon containerd "$CONTAINERD_PID" "$D/containerd.log" 100 "${CTR[@]}" version

# ctr_run ID [FLAGS...] -- CMD...: a container of the busybox rootfs (no image needed).
ctr_run() {
  local id=$1 flags=()
  shift
  while [[ $1 != -- ]]; do flags+=("$1"); shift; done
  shift
  timeout -k 5 120 "${CTR[@]}" run --rm "${flags[@]}" --rootfs "$ROOTFS" "seclearn-e2e-$$-$id" "$@"
}

step "learn: ctr run --runc-binary seclearn-runtime"
expect_status 0 ctr_run learn --runc-binary "$D/seclearn-runtime" -- /bin/sh -c "$SCRIPT"
expect_stdout_is hello
for ((i = 0; i < 100; i++)); do
  grep 'app bb-ctr, run 1): ended: ' "$TMP/agent.log" >/dev/null && break
  sleep 0.05
done
agent_log_matches 'app bb-ctr, run 1\): ended: .* exit 0'
stop_agent

step "export for containerd (runc's set) and run under ctr --seccomp-profile"
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-ctr --runtime containerd -o "$TMP/bb.json"
expect_stderr_matches '\+ [0-9]+ for containerd$'
grep -F 'containerd (with runc)' "$TMP/bb.json" >/dev/null || fail "the runtime rule does not say it is runc's set"
profile_lacks "$TMP/bb.json" mkdir mkdirat
expect_status 0 ctr_run replay --seccomp --seccomp-profile "$TMP/bb.json" -- /bin/sh -c "$SCRIPT"
expect_stdout_is hello

step "a command outside what was learned is refused"
got=0
ctr_run violation --seccomp --seccomp-profile "$TMP/bb.json" -- /bin/sh -c "$VIOLATION" \
  </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
show_output
((got != 0)) || fail "the violating command succeeded under the profile"
expect_stdout_is hello
expect_stderr_matches 'Operation not permitted'
