#!/usr/bin/env bash
# Profile versions, semantic diff as a CI gate, Kubernetes output, and merging databases from
# several hosts: the "export for production, diff against the previous profile" workflow.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

DB=$TMP/v.db
cd "$TMP"

step "learn v1 of the app, export: version 1"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app svc -- "$TESTEE" syscalls-by-name getpid
expect_status 0 "$SECLEARN" export --db "$DB" --app svc -o v1.json
expect_stderr_matches "seccomp version 1:"
step "export again with nothing new learned: same bytes, no new version"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc -o v1-again.json
expect_stderr_matches "seccomp version 1:"
cmp v1.json v1-again.json || fail "a second export differs"

step "the new build needs sched_yield: export is version 2"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app svc -- "$TESTEE" syscalls-by-name getpid sched_yield
expect_status 0 "$SECLEARN" export --db "$DB" --app svc -o v2.json
expect_stderr_matches "seccomp version 2:"
expect_status 0 "$SECLEARN" versions --db "$DB" --app svc
grep -Eq '^seccomp +1 ' "$TMP/out" && grep -Eq '^seccomp +2 ' "$TMP/out" || fail "versions does not list 1 and 2"

step "export --version 1 re-emits version 1 byte for byte"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --version 1 -o v1-stored.json
cmp v1.json v1-stored.json || fail "stored version 1 differs from what was exported"
expect_status 125 "$SECLEARN" export --db "$DB" --app svc --version 7
expect_one_error_line "no seccomp version 7"

step "diff --app (latest two): sched_yield added, with the run that first needed it; exit 1"
expect_status 1 "$SECLEARN" diff --db "$DB" --app svc
grep -Eq '^\+ sched_yield .*first needed in run 2' "$TMP/out" || fail "diff does not show + sched_yield with provenance"
grep -q '1 widened (0 high risk), 0 narrowed' "$TMP/out" || fail "wrong summary"
step "diff as a CI gate: --fail-on widen fails on the new permission, passes on pure narrowing"
expect_status 1 "$SECLEARN" diff --fail-on widen v1.json v2.json
expect_status 0 "$SECLEARN" diff --fail-on widen v2.json v1.json
expect_status 1 "$SECLEARN" diff v2.json v1.json
expect_status 0 "$SECLEARN" diff v1.json v1-stored.json
grep -qx 'no difference' "$TMP/out" || fail "identical profiles are not 'no difference'"
step "diff --json"
expect_status 1 "$SECLEARN" diff --json --db "$DB" --app svc --from 1 --to 2
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["widened"] == 1 and d["narrowed"] == 0, d
c = d["changes"][0]
assert (c["subject"], c["change"], c["risk"]) == ("sched_yield", "added", "normal"), c' "$TMP/out" ||
  fail "diff --json is wrong"
step "diff: malformed input is trouble (exit 2), named with line and column"
printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [ {"names": "read"} ]\n}\n' >bad.json
expect_status 2 "$SECLEARN" diff v1.json bad.json
expect_one_error_line 'bad\.json:3:[0-9]+: .*names'
expect_status 2 "$SECLEARN" diff v1.json missing.json
expect_one_error_line 'missing\.json'
step "diff: capability lists"
printf -- '--cap-drop=ALL --cap-add=CHOWN\n' >old.caps
printf 'CHOWN\nSYS_ADMIN\n' >new.caps
expect_status 1 "$SECLEARN" diff old.caps new.caps
grep -q 'CAP_SYS_ADMIN .*HIGH RISK' "$TMP/out" || fail "CAP_SYS_ADMIN not graded high"

step "k8s-seccomp: a Security Profiles Operator SeccompProfile that YAML parsers read"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --format k8s-seccomp -o svc.yaml
"$PY" - svc.yaml v2.json <<'PYEOF' || fail "k8s-seccomp is wrong"
import json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
plain = json.load(open(sys.argv[2]))
assert doc["apiVersion"] == "security-profiles-operator.x-k8s.io/v1beta1", doc["apiVersion"]
assert doc["kind"] == "SeccompProfile" and doc["metadata"]["name"] == "svc"
spec = doc["spec"]
assert spec["defaultAction"] == plain["defaultAction"]
assert spec["architectures"] == plain["architectures"]
strip = lambda rules: [{k: v for k, v in r.items() if k != "comment"} for r in rules]
assert strip(spec["syscalls"]) == strip(plain["syscalls"]), "syscalls differ from the seccomp JSON"
PYEOF

step "merge: three hosts' databases export exactly what one database of all runs does"
for host in a b c; do
  expect_status 0 "$SECLEARN" learn --quiet --db "$host.db" --app svc -- "$TESTEE" syscalls-by-name getpid "$([[ $host == c ]] && echo gettid || echo getuid)"
  expect_status 0 "$SECLEARN" learn --quiet --db all.db --app svc -- "$TESTEE" syscalls-by-name getpid "$([[ $host == c ]] && echo gettid || echo getuid)"
done
expect_status 0 "$SECLEARN" merge --db fleet.db a.db b.db c.db
expect_stderr_matches 'merged a\.db, b\.db, c\.db into fleet\.db: 3 runs added, 0 already there'
expect_status 0 "$SECLEARN" export --db fleet.db --app svc -o fleet.json
expect_status 0 "$SECLEARN" export --db all.db --app svc -o all.json
cmp fleet.json all.json || fail "merged export differs from learning all runs in one database"
step "merge is idempotent"
expect_status 0 "$SECLEARN" merge --db fleet.db b.db
expect_stderr_matches '0 runs added, 1 already there'
expect_status 0 "$SECLEARN" show --db fleet.db --app svc --json
"$PY" -c 'import json, sys; assert len(json.load(open(sys.argv[1]))["runs"]) == 3' "$TMP/out" ||
  fail "merging twice added runs"
step "merge refuses a newer schema"
cp a.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 999'
expect_status 125 "$SECLEARN" merge --db fleet.db newer.db
expect_one_error_line 'newer\.db: schema version 999 is newer'
