#!/usr/bin/env bash
# The README's first command, scripts/demo.sh, as it runs on a fresh machine but with the built
# binary (SECLEARN) and no set-up: it learns a runc container through the shim and the agent,
# exports seccomp, AppArmor and docker-flags, and proves the profile. It must exit 0 and say so.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
require_containers
[[ -x /usr/sbin/apparmor_parser ]] || skip "apparmor_parser (package apparmor) is not installed"

step "scripts/demo.sh"
mkdir "$TMP/demo"
cd "$TMP/demo"
expect_status 0 env SECLEARN="$SECLEARN" bash "$E2E_REPO/scripts/demo.sh"
expect_stdout_matches '^   50 requests answered$'
expect_stdout_matches '^   20 requests answered$'
expect_stdout_matches '^   the container ended: served$'
expect_stdout_matches '^   refused: ln: /tmp/seclearn-denied: Operation not permitted$'
for f in seclearn.db out/demo-web.seccomp.json out/demo-web.apparmor out/demo-web.docker-flags; do
  [[ -s $f ]] || fail "the demo did not write $f"
done
