#!/usr/bin/env bash
# Export is deterministic: the same database gives the same bytes, the same workload learned
# into two databases gives the same bytes, relearning keeps the names (only the run count in
# the comment changes), and --runtime adds a second rule disjoint from the workload's that
# holds the runtime's measured set (data/runtime/*.json).
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
# A single-process workload whose syscalls do not depend on timing (no signals, no threads).
WORKLOAD=(/usr/bin/python3 -c 'import json; print(json.dumps({"k": [1, 2]}))')

export_to() {  # export_to DB OUT [EXTRA...]
  local db=$1 out=$2
  shift 2
  expect_status 0 "$SECLEARN" export --db "$db" --app det --format seccomp "$@" -o "$out"
}

step "learn once; export twice: byte-identical"
expect_status 0 "$SECLEARN" learn --quiet --db a.db --app det -- "${WORKLOAD[@]}"
export_to a.db a1.json
export_to a.db a2.json
cmp a1.json a2.json || fail "two exports of one database differ"
step "export to stdout gives the same bytes as -o"
"$SECLEARN" export --db a.db --app det --format seccomp >stdout.json 2>/dev/null
cmp a1.json stdout.json || fail "stdout export differs from -o export"

step "the same workload learned into another database: byte-identical export"
expect_status 0 "$SECLEARN" learn --quiet --db b.db --app det -- "${WORKLOAD[@]}"
export_to b.db b1.json
cmp a1.json b1.json || { diff a1.json b1.json || true; fail "exports of two databases differ"; }

# comment_free FILE: the profile with every rule's comment removed, canonical JSON.
comment_free() {
  "$PY" -c 'import json, sys
p = json.load(open(sys.argv[1]))
for r in p["syscalls"]:
    r.pop("comment", None)
print(json.dumps(p, sort_keys=True))' "$1"
}

step "a second learned run keeps the names; only the comment's run count changes"
expect_status 0 "$SECLEARN" learn --quiet --db a.db --app det -- "${WORKLOAD[@]}"
export_to a.db a3.json
[[ $(comment_free a1.json) == "$(comment_free a3.json)" ]] ||
  { diff a1.json a3.json || true; fail "relearning changed more than the comment"; }
grep -q '"comment": "det: syscalls observed in 1 learned run"' a1.json || fail "a1.json comment"
grep -q '"comment": "det: syscalls observed in 2 learned runs"' a3.json || fail "a3.json comment"
if { diff a1.json a3.json || true; } | grep '^[<>]' | grep -v '"comment"' >/dev/null; then
  fail "lines other than the comment differ"
fi

step "a different run adds to the set (union of runs, still sorted)"
expect_status 0 "$SECLEARN" learn --quiet --db a.db --app det -- /bin/busybox sh -c 'busybox ls / | busybox wc -l'
export_to a.db a4.json
"$PY" - a3.json a4.json <<'EOF' || fail "the union grew wrongly"
import json, sys
old, new = (json.load(open(f))["syscalls"][0]["names"] for f in sys.argv[1:])
assert set(old) < set(new), "not a strict superset"
assert new == sorted(set(new)), "not sorted and unique"
print(f"   {len(old)} -> {len(new)} names: + {' '.join(sorted(set(new) - set(old)))}")
EOF

# check_runtime RUNTIME DATAFILE [--no-new-privileges]: the second rule is the runtime's
# measured set minus the workload's names, disjoint from the first; the first is unchanged.
check_runtime() {
  local runtime=$1 data=$2
  shift 2
  step "--runtime $runtime${*:+ $*}: a second rule, disjoint from the first, from $data"
  export_to a.db "rt-$runtime$*.json" --runtime "$runtime" "$@"
  export_to a.db "rt-$runtime$*-again.json" --runtime "$runtime" "$@"
  cmp "rt-$runtime$*.json" "rt-$runtime$*-again.json" || fail "runtime export not deterministic"
  "$PY" - a4.json "rt-$runtime$*.json" "$SECLEARN_DATA/runtime/$data" "$runtime" "$*" <<'EOF' ||
import json, sys
plain, withrt, data = (json.load(open(f)) for f in sys.argv[1:4])
runtime, nnp = sys.argv[4], sys.argv[5] == "--no-new-privileges"
# The allowing rules (the last rule, ENOSYS for calls newer than libc's oldest kernel, loses
# the names the runtime rule now allows).
def allowing(p): return [r for r in p["syscalls"] if r["action"] == "SCMP_ACT_ALLOW"]
nplain = len(allowing(plain))
assert allowing(withrt)[:nplain] == allowing(plain), "the workload rules changed"
assert withrt["syscalls"][-1]["errnoRet"] == 38, "the newer-calls rule is not last"
assert {k: v for k, v in withrt.items() if k != "syscalls"} == \
       {k: v for k, v in plain.items() if k != "syscalls"}, "the header changed"
sets = [data["no_new_privileges"]] + ([] if nnp else [data["privileged_path"]])
expected = {n for s in sets for v in s.values() if isinstance(v, list) for n in v}
# Names the workload allows outright; a name it allows only with learned argument values is
# still the runtime's to need unconditionally.
workload = {n for r in allowing(plain) if "args" not in r for n in r["names"]}
rules = allowing(withrt)
if expected - workload:
    assert len(rules) == nplain + 1, f"expected {nplain + 1} rules, got {len(rules)}"
    second = rules[-1]
    assert second["action"] == "SCMP_ACT_ALLOW"
    assert runtime in second.get("comment", ""), second.get("comment")
    names = second["names"]
    assert names == sorted(set(names)), "runtime names not sorted and unique"
    assert not set(names) & workload, f"overlap: {set(names) & workload}"
    assert set(names) == expected - workload, \
        f"missing {expected - workload - set(names)}, extra {set(names) - (expected - workload)}"
    print(f"   {len(workload)} workload + {len(names)} runtime names")
else:
    assert len(rules) == nplain, "a runtime rule with nothing in it"
    print(f"   the workload already covers {runtime}'s set: no second rule")
EOF
    fail "--runtime $runtime $* export is wrong"
}

check_runtime runc runc-1.1.json
check_runtime runc runc-1.1.json --no-new-privileges
check_runtime crun crun.json
check_runtime crun crun.json --no-new-privileges
step "--runtime docker allows the same names as --runtime runc (docker runs runc)"
export_to a.db docker.json --runtime docker
[[ $(profile_names docker.json | sort) == "$(profile_names rt-runc.json | sort)" ]] ||
  fail "docker and runc sets differ"
