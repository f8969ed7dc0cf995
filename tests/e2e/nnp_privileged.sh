#!/usr/bin/env bash
# A setuid, setgid or file-capability binary run under no_new_privs (learn as non-root, or
# --no-new-privs) does not gain its privileges, so it may take another path than in
# production: learn names each such binary once, and says nothing of them without
# no_new_privs or of ordinary binaries.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

((EUID == 0)) || skip "needs root to make setuid and file-capability binaries"
command -v setcap >/dev/null || skip "setcap (libcap2-bin) is not installed"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
cd "$TMP"
chmod 755 "$TMP"
mkdir -m 1777 "$TMP/shared"
cp /usr/bin/id suid-id && chmod 4755 suid-id
cp /usr/bin/id sgid-id && chgrp 0 sgid-id && chmod 2755 sgid-id
cp /usr/bin/id caps-id && setcap cap_net_raw+ep caps-id
cp /usr/bin/id plain-id
if findmnt -n -o OPTIONS -T "$TMP" | grep -w nosuid >/dev/null; then skip "$TMP is mounted nosuid"; fi
DB=$TMP/nnp.db

for backend in ptrace notify; do
  step "$backend: --no-new-privs as root: each privileged binary is named, once, with its kind"
  expect_status 0 "$SECLEARN" learn --db "$DB" --app nnp --backend "$backend" --no-new-privs -- \
    sh -c './suid-id -u; ./suid-id -u; ./sgid-id -g; ./caps-id; ./plain-id'
  expect_stderr_matches "no_new_privs \(--no-new-privs\)"
  expect_stderr_matches "$TMP/suid-id \(setuid root\)"
  expect_stderr_matches "$TMP/sgid-id \(setgid\)"
  expect_stderr_matches "$TMP/caps-id \(file capabilities\)"
  (($(grep -o "suid-id (setuid" "$TMP/err" | wc -l) == 1)) || fail "suid-id named more than once"
  if grep -q "plain-id" "$TMP/err"; then fail "an ordinary binary was named"; fi
  # Under no_new_privs the setuid binary really ran without its privileges.
  [[ $(head -1 "$TMP/out") == 0 ]] || fail "root's id -u is not 0"

  step "$backend: as root without no_new_privs: nothing to say"
  expect_status 0 "$SECLEARN" learn --db "$DB" --app nnp --backend "$backend" -- \
    sh -c './suid-id -u; ./caps-id'
  if grep -q "no_new_privs" "$TMP/err"; then fail "warned without no_new_privs"; fi

  step "$backend: as nobody: the setuid binary runs as nobody, and is named"
  expect_status 0 setpriv --reuid=65534 --regid=65534 --clear-groups -- \
    "$SECLEARN" learn --db "$TMP/shared/nobody-$backend.db" --app nnp --backend "$backend" -- ./suid-id -u
  [[ $(cat "$TMP/out") == 65534 ]] || fail "the setuid binary gained root under no_new_privs"
  expect_stderr_matches "seclearn is not root"
  expect_stderr_matches "$TMP/suid-id \(setuid root\)"
done
