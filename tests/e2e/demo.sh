#!/usr/bin/env bash
# The README's first command, scripts/demo.sh, as it runs on a fresh machine but with the built
# binary (SECLEARN) and no set-up: it learns a runc container through the shim and the agent,
# exports seccomp, AppArmor and docker-flags, and proves the profile. It must exit 0 and say so.
# Where Docker is installed the demo also learns the server as an image through a private
# dockerd and proves it under every docker-flags option; the test checks that part too.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
require_containers
[[ -x /usr/sbin/apparmor_parser ]] || skip "apparmor_parser (package apparmor) is not installed"

step "scripts/demo.sh"
mkdir "$TMP/demo"
cd "$TMP/demo"
mkdir "$TMP/tmpdir"  # the demo's work directory, so that its mounts can be checked
expect_status 0 env SECLEARN="$SECLEARN" TMPDIR="$TMP/tmpdir" bash "$E2E_REPO/scripts/demo.sh"
expect_stdout_matches '^   50 requests answered$'
expect_stdout_matches '^   20 requests answered$'
expect_stdout_matches '^   the container ended: served$'
expect_stdout_matches '^   refused: ln: /tmp/seclearn-denied: Operation not permitted$'
expect_stdout_matches '^   wrote out/demo-web.report.html \([0-9]+ KiB\): 1 run, [0-9]+ syscalls, '
for f in seclearn.db out/demo-web.seccomp.json out/demo-web.apparmor out/demo-web.docker-flags \
  out/demo-web.report.html; do
  [[ -s $f ]] || fail "the demo did not write $f"
done
if command -v dockerd >/dev/null && [[ -x /usr/bin/docker ]]; then
  step "the Docker part: learned through dockerd --add-runtime, proven under the proposed flags"
  expect_stdout_matches '^== prove: docker run --security-opt seccomp=[^ ]*/out/demo-web-docker.seccomp.json --cap-drop=ALL .*--read-only --tmpfs /tmp (--[a-z-]+ [0-9.]+m? )*--network host '
  (($(grep -c '^   20 requests answered$' "$TMP/out") == 2)) || fail "the Docker proof did not answer 20 requests"
  (($(grep -c '^   refused: ln: /tmp/seclearn-denied: Operation not permitted$' "$TMP/out") == 2)) ||
    fail "the Docker profile did not refuse ln -s"
  for f in out/demo-web-docker.seccomp.json out/demo-web-docker.docker-flags; do
    [[ -s $f ]] || fail "the demo did not write $f"
  done
  if grep -F "$TMP/tmpdir/" /proc/self/mounts >/dev/null; then fail "the demo left mounts behind"; fi
  [[ -z $(ls -A "$TMP/tmpdir") ]] || fail "the demo left its work directory behind"
else
  note "no Docker here: the demo's Docker part was not run"
fi
