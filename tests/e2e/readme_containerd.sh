#!/usr/bin/env bash
# The README's containerd block (`<!-- readme-test: containerd -->`), run exactly as written
# with ROOTFS a busybox root holding the job /srv/job: the agent, the shim, containerd with its
# default configuration, a container learned through `ctr run --runc-binary`, the export for
# containerd and `ctr run --seccomp-profile` doing the job under it. Then a command outside
# the profile is refused. In private mount, network and pid namespaces (in_private_host).
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
require_containers containerd ctr unshare ip

step "ROOTFS: busybox and a job that lists / and writes to /tmp"
make_bundle "$TMP/bundle" /bin/true
ROOTFS=$TMP/bundle/rootfs
mkdir -p "$ROOTFS/srv"
printf '#!/bin/sh\necho job >/tmp/out && cat /tmp/out && ls / >/dev/null\n' >"$ROOTFS/srv/job"
chmod 0755 "$ROOTFS/srv/job"
readme_snippet containerd >"$TMP/snippet.sh"

cat >"$TMP/inner.sh" <<INNER
ROOTFS=$ROOTFS
echo "== the README's block"
set -x
source $TMP/snippet.sh >$TMP/block.out
set +x
echo "== after it"
cp job.json $TMP/
ctr run --seccomp --seccomp-profile job.json --rootfs "\$ROOTFS" job3 /bin/mkdir /tmp/seclearn-denied \
  >$TMP/denied.out 2>&1 && echo "denied: 0" || echo "denied: \$?"
INNER

step "run the block as written"
status=0
in_private_host "$TMP/inner.sh" || status=$?
sed 's/^/   | /' "$TMP/inner.out"
((status == 0)) || { tail -40 "$TMP/inner.err" >&2; fail "the README's containerd block exited $status"; }

step "learned and proven: the job ran twice, its profile is containerd's"
[[ $(cat "$TMP/block.out") == $'job\njob' ]] || fail "the job's output: '$(cat "$TMP/block.out")'"
grep -F 'containerd (with runc)' "$TMP/job.json" >/dev/null || fail "the runtime rule is not runc's set for containerd"
profile_lacks "$TMP/job.json" mkdir mkdirat

step "a command outside the profile is refused"
grep -x 'denied: 0' "$TMP/inner.out" >/dev/null && fail "mkdir succeeded under the profile"
grep 'Operation not permitted' "$TMP/denied.out" >/dev/null || { cat "$TMP/denied.out" >&2; fail "mkdir failed, but not by EPERM"; }
