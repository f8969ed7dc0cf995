#!/usr/bin/env bash
# Re-learning (learn's default once an app has runs): the calls earlier runs made whose only
# fact is the call run unseen, allowed by the kernel's filter. The property: a re-learned run
# records the same facts as a full trace of the same workload (--full), on real programs and
# on both backends: the same syscall names (those let through with count 0), and the same
# files, network, capabilities and executables with the same counts.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
deterministic_workload

for backend in ptrace notify; do
  DB=$TMP/$backend.db
  if [[ $backend == notify ]] && ! "$SECLEARN" learn --quiet --db "$TMP/probe.db" --app probe \
      --backend notify -- /bin/true 2>/dev/null; then
    note "notify backend unavailable here: ptrace only"
    continue
  fi
  step "$backend: run 1 traces every call; run 2 lets the known ones through"
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app re --backend $backend -- "${WORKLOAD[@]}"
  expect_status 0 "$SECLEARN" learn --db "$DB" --app re --backend $backend -- "${WORKLOAD[@]}"
  expect_stderr_matches '[0-9]+ syscalls known from earlier runs ran unseen \(re-learning; --full traces them\)'
  expect_status 0 "$SECLEARN" learn --db "$DB" --app re --backend $backend --full -- "${WORKLOAD[@]}"
  if grep -q 'ran unseen' "$TMP/err"; then fail "--full let calls through"; fi

  step "$backend: the re-learned run's facts are the full trace's"
  run_facts "$DB" re 1 >full1.json
  run_facts "$DB" re 2 >re2.json
  run_facts "$DB" re 3 >full3.json
  # Premise: the workload is deterministic (two full traces agree, seen flags aside: run 1
  # saw every call).
  "$PY" - full1.json full3.json <<'EOF' || fail "premise: two full traces of the workload differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for k in a:
    only = lambda x, y: [v for v in x[k] if v not in y[k]][:5]
    assert a[k] == b[k], f"{k}: only in run 1 {only(a, b)}; only in run 3 {only(b, a)}"
EOF
  "$PY" - re2.json full3.json <<'EOF' || fail "the re-learned run differs from a full trace"
import json, sys
re, full = (json.load(open(f)) for f in sys.argv[1:])
for k in ("executables", "files", "network", "capabilities"):
    only = lambda x, y: [v for v in x[k] if v not in y[k]][:5]
    assert re[k] == full[k], f"{k}: only re-learned {only(re, full)}; only full {only(full, re)}"
names = lambda d: {(a, n) for a, n, _ in d["syscalls"]}
assert names(re) == names(full), f"names: {names(re) ^ names(full)}"
unseen = {(a, n) for a, n, seen in re["syscalls"] if not seen}
assert unseen, "nothing was let through"
# What must stay seen: calls with files, descriptors the resolver follows, lifecycle.
for must in ("openat", "execve", "close", "exit_group", "clone", "newfstatat"):
    assert ("x86_64", must) not in unseen, f"{must} was let through"
print(f"   {len(names(full))} names, {len(unseen)} let through: {' '.join(sorted(n for _, n in unseen))}")
EOF

  step "$backend: the exported seccomp profile of the re-learned run is the full trace's"
  expect_status 0 "$SECLEARN" export --db "$DB" --app re --format seccomp --run 2 --no-store -o re2.profile
  expect_status 0 "$SECLEARN" export --db "$DB" --app re --format seccomp --run 3 --no-store -o full3.profile
  cmp <(profile_names re2.profile) <(profile_names full3.profile) ||
    fail "run 2's profile allows other names than run 3's"
  step "$backend: the workload runs under the re-learned run's profile"
  expect_status 0 "$SECLEARN" run --seccomp re2.profile -- "${WORKLOAD[@]}"
done

step "a call let through is never seen: testee's getppid loop"
DB=$TMP/loop.db
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app loop -- "$TESTEE" getppid-loop 1000
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app loop -- "$TESTEE" getppid-loop 1000
"$SECLEARN" show --db "$DB" --app loop --run 2 --json | "$PY" -c '
import json, sys
c = {s["name"]: s["count"] for s in json.load(sys.stdin)["syscalls"]}
assert c["getppid"] == 0, c
assert c["execve"] >= 1 and c["exit_group"] >= 1, c' || fail "getppid was seen in run 2"
"$SECLEARN" show --db "$DB" --app loop --json | "$PY" -c '
import json, sys
c = {s["name"]: s["count"] for s in json.load(sys.stdin)["syscalls"]}
assert c["getppid"] == 1000, c' || fail "getppid count over both runs is not run 1's"
