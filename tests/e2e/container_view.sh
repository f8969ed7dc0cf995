#!/usr/bin/env bash
# Facts of a container are those of its own files: the agent resolves what a container's
# process names in that process's root and mount namespace, not on the host. The image holds a
# log that exists only there (0640, owner 33, appended to by root: CAP_DAC_OVERRIDE) and a file
# the host also has at the same path with other modes (on the host 0666 root, needing nothing;
# in the image 0600 owner 33). Learned through the shim and the agent, the container's
# capability export must name CAP_DAC_OVERRIDE with both files as evidence, as `seclearn learn`
# of the same workload on a host holding the image's files does.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
require_containers

DB=$TMP/db
ID=seclearn-e2e-$$-view
LOG=/seclearn-view-$$/app.log  # only in the image
BOTH=/tmp/seclearn-view-$$     # on the host too, with other modes
SCRIPT="echo more >>$LOG && echo more >>$BOTH && echo ok"

make_bundle "$TMP/bundle" /bin/sh -c "$SCRIPT"
ROOTFS=$TMP/bundle/rootfs
mkdir -p "$ROOTFS${LOG%/*}"
echo log >"$ROOTFS$LOG"
chown 33:33 "$ROOTFS$LOG" "$ROOTFS${LOG%/*}"
chmod 0640 "$ROOTFS$LOG"
echo image >"$ROOTFS$BOTH"
chown 33:33 "$ROOTFS$BOTH"
chmod 0600 "$ROOTFS$BOTH"
echo host >"$BOTH"
chmod 0666 "$BOTH"
on_exit rm -f "'$BOTH'"
[[ ! -e $LOG ]] || fail "premise: the host has $LOG"
# The container may override file permissions (Docker's default set has CAP_DAC_OVERRIDE; runc
# spec's has not).
configure_bundle "$TMP/bundle" addcap=CAP_DAC_OVERRIDE readonly=false

step "learn the container through the shim and the agent"
start_agent "$TMP/agent.sock" "$DB"
on_exit runc delete -f "$ID"
expect_status 0 timeout -k 5 60 "$SECLEARN" runtime --runtime-path runc --agent-socket "$TMP/agent.sock" \
  --app view -- run --bundle "$TMP/bundle" "$ID"
expect_stdout_is ok
stop_agent

step "the capability is learned from the image's files, not the host's"
expect_status 0 "$SECLEARN" export --db "$DB" --app view --format capabilities
expect_stdout_is "--cap-drop=ALL --cap-add=CAP_DAC_OVERRIDE"
expect_stderr_matches "^seclearn: CAP_DAC_OVERRIDE +[^ ]"
grep -F -- "$LOG for write (mode 0640 owner 33:33)" "$TMP/err" >/dev/null ||
  fail "the image-only log is not the evidence of CAP_DAC_OVERRIDE"
# Both opens for write needed it: the host's 0666 file at the same path would not have.
# dac_opens DB: fails unless the two opens for write are counted as needing CAP_DAC_OVERRIDE.
dac_opens() {
  expect_status 0 "$SECLEARN" show --db "$1" --app view --json
  "$PY" - "$TMP/out" <<'PY' || fail "$1: the opens that needed CAP_DAC_OVERRIDE are not both counted"
import json, sys
caps = json.load(open(sys.argv[1]))["capabilities"]
rows = [c for c in caps if c["capability"] == "CAP_DAC_OVERRIDE" and c["syscall"] == "openat"]
assert len(rows) == 1 and rows[0]["count"] == 2 and rows[0]["granted"], caps
PY
}
dac_opens "$DB"

step "the same workload learned on a host holding the image's files: the same capability"
expect_status 0 "$SECLEARN" learn --quiet --db "$TMP/host.db" --app view -- chroot "$ROOTFS" /bin/sh -c "$SCRIPT"
expect_status 0 "$SECLEARN" export --db "$TMP/host.db" --app view --format capabilities
expect_stdout_is "--cap-drop=ALL --cap-add=CAP_DAC_OVERRIDE --cap-add=CAP_SYS_CHROOT"  # + chroot's own
dac_opens "$TMP/host.db"
