#!/usr/bin/env bash
# learn --userns: the workload runs as root of a new user namespace mapped onto unprivileged
# host ids (Docker's userns-remap, rootless Podman), under the ptrace and the notify backend.
# Inside it is uid 0; what it creates belongs to the mapped host uid; a root-only file is
# refused to it. docker-flags then advises userns-remap only for the app whose userns run did
# as its plain run did, and says why not for the other.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root (learn --userns writes another uid range's map)"
unshare -U true 2>/dev/null || skip "this kernel refuses new user namespaces (unshare -U)"
command -v sqlite3 >/dev/null || skip "sqlite3 (the shell) is not installed"
DB=$TMP/u.db
L=/tmp/seclearn-userns-e2e-$$
mkdir -p "$L"
chmod 1777 "$L"
on_exit rm -rf "'$L'"
echo open >"$L/open.txt"
chmod 644 "$L/open.txt"
echo secret >"$L/root-only.txt"
chmod 600 "$L/root-only.txt"
outside=$(awk -F: '$1 == "root" {print $2; exit}' /etc/subuid 2>/dev/null || true)
[[ -n $outside ]] && grep -q "^root:$outside:" /etc/subgid 2>/dev/null || outside=100000

for backend in ptrace notify; do
  step "$backend: inside, the workload is root; outside, its files are uid $outside's"
  expect_status 0 "$SECLEARN" learn --quiet --userns --backend "$backend" --db "$DB" \
    --app "id-$backend" -- /bin/sh -c "id -u; id -g; echo made >$L/made-$backend"
  expect_stdout_is $'0\n0'
  [[ $(stat -c %u:%g "$L/made-$backend") == "$outside:$outside" ]] ||
    fail "$backend: the file it made is $(stat -c %u:%g "$L/made-$backend"), not $outside:$outside"
  [[ $(sqlite3 -batch -noheader "$DB" "SELECT userns FROM runs r JOIN apps a ON a.id = r.app_id
    WHERE a.name = 'id-$backend'") == 0\ $outside\ * ]] || fail "$backend: the map was not stored"
done

step "a root-only file is refused in the namespace: no userns-remap advised"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app secret -- cat "$L/root-only.txt"
expect_status 1 "$SECLEARN" learn --quiet --userns --db "$DB" --app secret -- \
  cat "$L/root-only.txt"
expect_stderr_matches 'Permission denied'
expect_status 0 "$SECLEARN" export --db "$DB" --app secret --format docker-flags --no-store
expect_stderr_matches '^seclearn: userns: run [0-9]+ exited 1 in a user namespace \(map 0 [0-9]+'
expect_stderr_matches ' [0-9]+\), not 0 as the other runs: keep the host.s ids'

step "an open file reads the same: userns-remap advised, proven by that run"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app open -- cat "$L/open.txt"
expect_status 0 "$SECLEARN" learn --quiet --userns --db "$DB" --app open -- cat "$L/open.txt"
expect_stdout_is open
expect_status 0 "$SECLEARN" export --db "$DB" --app open --format docker-flags --no-store
expect_stderr_matches '^seclearn: userns: run [0-9]+ ran as root of a user namespace \(map 0 '
expect_stderr_matches '[0-9]+ [0-9]+\) and exited 0 as the other runs did: dockerd --userns-remap'
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app plain -- cat "$L/open.txt"
expect_status 0 "$SECLEARN" export --db "$DB" --app plain --format docker-flags --no-store
expect_stderr_matches '^seclearn: userns: not proven'
