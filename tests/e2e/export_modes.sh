#!/usr/bin/env bash
# Export modes, enforced by the real kernel through `seclearn run --seccomp`: a workload learned
# without mkdir(2) then makes it. enforce: EPERM. complain: the call runs (the kernel logs it).
# watch with no agent listening: ENOSYS, as the README says. Exports are stored versions whose
# listenerMetadata names the version they are stored as; --mode is refused for other formats.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
DB=$TMP/modes.db
step "learn a workload that never makes mkdir"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app lister -- /bin/ls /
for mode in enforce complain watch; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app lister --format seccomp --mode $mode \
    -o $mode.json
done
profile_lacks enforce.json mkdir mkdirat

"$PY" - <<'EOF' || fail "the modes' profiles are not what they should be"
import json
e, c, w = (json.load(open(f"{m}.json")) for m in ("enforce", "complain", "watch"))
assert e["defaultAction"] == "SCMP_ACT_ERRNO", e["defaultAction"]
assert c["defaultAction"] == "SCMP_ACT_LOG", c["defaultAction"]
assert w["defaultAction"] == "SCMP_ACT_NOTIFY", w["defaultAction"]
for p in (c, w):
    assert p["syscalls"] == e["syscalls"], "a mode changed the rules"
assert w["listenerPath"].startswith("/"), w["listenerPath"]
assert w["listenerMetadata"] == "seclearn watch app=lister version=3 on-violation=allow", \
    w["listenerMetadata"]
assert "listenerPath" not in c and "listenerPath" not in e
EOF

step "enforce refuses the unlearned call, complain lets it run, watch without an agent: ENOSYS"
expect_status 1 "$SECLEARN" run --seccomp enforce.json -- /bin/mkdir d-enforce
expect_stderr_matches 'Operation not permitted'
[[ ! -e d-enforce ]] || fail "mkdir ran under the enforce profile"
expect_status 0 "$SECLEARN" run --seccomp complain.json -- /bin/mkdir d-complain
[[ -d d-complain ]] || fail "mkdir did not run under the complain profile"
expect_status 1 "$SECLEARN" run --seccomp watch.json -- /bin/mkdir d-watch
expect_stderr_matches 'Function not implemented'
# The learned calls still run: ls under each profile lists the same as without one.
ls / >want
for mode in enforce complain watch; do
  expect_status 0 "$SECLEARN" run --seccomp $mode.json -- /bin/ls /
  diff want "$TMP/out" >/dev/null || fail "ls / under the $mode profile printed otherwise"
done

step "exporting the same watch profile again gives the same bytes and version"
expect_status 0 "$SECLEARN" export --db "$DB" --app lister --format seccomp --mode watch \
  -o watch2.json
expect_stderr_matches 'version 3'
cmp watch.json watch2.json || fail "a second watch export differs"

step "deny is carried in the metadata; k8s-seccomp carries the listener too"
expect_status 0 "$SECLEARN" export --db "$DB" --app lister --format k8s-seccomp --mode watch \
  --on-violation deny --listener /run/x/agent.sock -o watch.yaml
grep -Fx '  listenerPath: "/run/x/agent.sock"' watch.yaml >/dev/null ||
  fail "k8s-seccomp watch export has no listenerPath"
grep -E '^  listenerMetadata: ".*on-violation=deny"$' watch.yaml >/dev/null ||
  fail "k8s-seccomp watch export has no deny metadata"

step "runc: no NOTIFY default, what runc cannot notify is never notified, libseccomp takes it"
for ov in allow deny; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app lister --format seccomp --mode watch \
    --runtime runc --on-violation $ov -o runc-$ov.json
  expect_stderr_matches 'watch for runc: runc refuses SCMP_ACT_NOTIFY as the default action'
  "$PY" - runc-$ov.json $ov <<'EOF' || fail "runc watch profile ($ov) is wrong"
import json, sys
p, ov = json.load(open(sys.argv[1])), sys.argv[2]
assert p["defaultAction"] == ("SCMP_ACT_LOG" if ov == "allow" else "SCMP_ACT_ERRNO"), p
notified = {n for r in p["syscalls"] if r["action"] == "SCMP_ACT_NOTIFY" for n in r["names"]}
allowed = {n for r in p["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args")
           for n in r["names"]}
assert "mkdir" in notified and "mkdirat" in notified, "mkdir is not notified"
for n in ("write", "futex", "getpid", "nanosleep", "rt_sigreturn", "sched_yield", "tgkill"):
    assert n not in notified, n
assert not notified & allowed, sorted(notified & allowed)[:5]
EOF
  # The profile as runc's libseccomp loads it (no listener here: mkdir gets ENOSYS).
  expect_status 1 "$SECLEARN" run --seccomp runc-$ov.json -- /bin/mkdir d-runc
  expect_stderr_matches 'Function not implemented'
done

step "--mode is for seccomp formats; bad values are one-line errors"
expect_status 125 "$SECLEARN" export --db "$DB" --app lister --format apparmor --mode watch
expect_one_error_line '--mode is for the seccomp formats'
expect_status 125 "$SECLEARN" export --db "$DB" --app lister --format seccomp --mode loud
expect_one_error_line 'mode'
expect_status 125 "$SECLEARN" export --db "$DB" --app lister --format seccomp --mode watch \
  --on-violation maybe
expect_one_error_line 'on-violation'
expect_status 125 "$SECLEARN" export --db "$DB" --app lister --format seccomp --mode watch \
  --listener relative.sock
expect_one_error_line 'absolute'
