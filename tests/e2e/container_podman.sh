#!/usr/bin/env bash
# Podman without the shim: `--security-opt seccomp=FILE` with the learning profile that
# `seclearn agent --print-profile` writes (it carries listenerPath) makes runc hand the
# container to the agent; the container is learned under the app of its seclearn.app
# annotation, then runs under its exported profile, and a command outside it is refused.
# Podman keeps its storage under the test's temp dir (--root/--runroot).
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_root
require_notify
command -v podman >/dev/null || skip "podman is not installed"
command -v runc >/dev/null || skip "runc is not installed"
require_busybox

DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
SCRIPT='echo hello; busybox ls / >/dev/null'
VIOLATION='echo hello; mkdir /tmp/seclearn-denied'
step "import the busybox rootfs into a private Podman"
podman_busybox "$BUNDLE"

start_agent "$SOCK" "$DB"
step "learn: podman run --security-opt seccomp=<learning profile with listenerPath>"
expect_status 0 "$SECLEARN" agent --socket "$SOCK" --print-profile --runtime runc -o "$TMP/learn.json"
grep -q "\"listenerPath\": \"$SOCK\"" "$TMP/learn.json" || fail "no listenerPath in the profile"
expect_status 0 timeout 120 "${P[@]}" "${RUN[@]}" --annotation seclearn.app=bb-podman \
  --security-opt "seccomp=$TMP/learn.json" seclearn-e2e-bb /bin/sh -c "$SCRIPT"
expect_stdout_is hello
for ((i = 0; i < 100; i++)); do
  grep -q 'app bb-podman, run 1): ended: ' "$TMP/agent.log" && break
  sleep 0.05
done
agent_log_matches 'app bb-podman, run 1\): ended: .* exit 0'
stop_agent

step "export (podman runs runc without no-new-privileges) and run under it"
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-podman --runtime runc -o "$TMP/bb.json"
profile_lacks "$TMP/bb.json" mkdir mkdirat
expect_status 0 timeout 120 "${P[@]}" "${RUN[@]}" --security-opt "seccomp=$TMP/bb.json" \
  seclearn-e2e-bb /bin/sh -c "$SCRIPT"
expect_stdout_is hello

step "a command outside what was learned is refused"
got=0
timeout 120 "${P[@]}" "${RUN[@]}" --security-opt "seccomp=$TMP/bb.json" \
  seclearn-e2e-bb /bin/sh -c "$VIOLATION" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
show_output
((got != 0)) || fail "the violating command succeeded under the profile"
expect_stdout_is hello
expect_stderr_matches 'Operation not permitted'
