#!/usr/bin/env bash
# merge of a database while its learner is still writing: the run is merged unfinished, shown
# and exported as such, and a later merge of the finished database completes it. A failed
# merge leaves the destination as it was (absent if it was) and no scratch files, and names
# the input at fault.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
cd "$TMP"
export TMPDIR=$TMP/scratch
mkdir "$TMPDIR"

json() { "$PY" -c "import json, sys; d = json.load(open(sys.argv[1])); $1" "$TMP/out"; }

step "a run merged while it is being learned is merged unfinished"
# The workload reads a file, waits for the test, then does what the first merge cannot see.
"$SECLEARN" learn --quiet --db s2.db --app w -- \
  /bin/bash -c 'cat /etc/hostname >/dev/null; while [[ ! -e go ]]; do sleep 0.05; done; mkdir -p later.d' \
  >learn.out 2>learn.err &
learner=$!
on_exit "kill $learner"
for _ in $(seq 100); do
  if "$SECLEARN" show --db s2.db --app w --json >"$TMP/out" 2>/dev/null &&
    json 'sys.exit(0 if any(f["path"] == "/etc/hostname" for f in d["files"]) else 1)'; then
    break
  fi
  sleep 0.1
done
json 'sys.exit(0 if any(f["path"] == "/etc/hostname" for f in d["files"]) else 1)' ||
  fail "the learner saved nothing in 10 s"
expect_status 0 "$SECLEARN" merge --db f2.db s2.db
expect_stderr_matches 'merged s2\.db into f2\.db: 1 runs added, 0 already there \(1 unfinished'
expect_status 0 "$SECLEARN" show --db f2.db --app w --json
json 'assert d["runs"][0]["finished"] is False and d["runs"][0]["end"] is None, d["runs"]'
expect_status 0 "$SECLEARN" show --db f2.db --app w
grep -q '^1 run unfinished: still being learned, or its learner died' "$TMP/out" ||
  fail "show does not say the run is unfinished"
grep -qE '^  #1 .* unfinished ' "$TMP/out" || fail "the run's line does not say unfinished"
expect_status 0 "$SECLEARN" export --db f2.db --app w --no-store -o early.json
expect_stderr_matches "warning: the profile includes run 1 of app 'w', which has not finished"
profile_lacks early.json mkdir

step "the next merge of the finished database completes the run"
touch go
wait "$learner" || fail "learn exited $?: $(cat learn.err)"
[[ -d later.d ]] || fail "the workload did not finish"
expect_status 0 "$SECLEARN" merge --db f2.db s2.db
expect_stderr_matches 'merged s2\.db into f2\.db: 0 runs added, 1 brought up to date \(unfinished here\), 0 already there$'
expect_status 0 "$SECLEARN" show --db f2.db --app w --json
json 'r = d["runs"][0]; assert r["finished"] is True and r["exit_status"] == 0, r'
json 'assert any(f["path"].endswith("/later.d") and "c" in f["access"] for f in d["files"]), d["files"]'
json 'assert any(e["path"] == "/usr/bin/mkdir" for e in d["executables"]), d["executables"]'
cp "$TMP/out" fleet.show.json
expect_status 0 "$SECLEARN" show --db s2.db --app w --json
cmp fleet.show.json "$TMP/out" || fail "the merged run differs from the learned one: $(diff fleet.show.json "$TMP/out" | head -5)"
for format in seccomp apparmor capabilities; do
  expect_status 0 "$SECLEARN" export --db f2.db --app w --format "$format" --no-store -o "fleet.$format"
  if grep -q 'has not finished' "$TMP/err"; then fail "export still warns of an unfinished run"; fi
  expect_status 0 "$SECLEARN" export --db s2.db --app w --format "$format" --no-store -o "host.$format"
  cmp "fleet.$format" "host.$format" || fail "$format export of the merged run differs from the host's"
done
profile_names fleet.seccomp | grep -x mkdir >/dev/null || fail "the completed run's mkdir is not in the profile"
step "merging it again changes nothing"
expect_status 0 "$SECLEARN" merge --db f2.db s2.db
expect_stderr_matches '0 runs added, 1 already there$'

step "a failed merge into a new database leaves nothing"
head -c 8192 /dev/urandom >garbage.db
for inputs in "missing.db" "s2.db garbage.db" "garbage.db s2.db"; do
  # shellcheck disable=SC2086
  expect_status 125 "$SECLEARN" merge --db new.db $inputs
  bad=${inputs/s2.db/}
  bad=${bad// /}
  expect_one_error_line "^seclearn: merge: ${bad//./\\.}: "
  if grep -q 'seclearn-merge-' "$TMP/err"; then fail "the message names a scratch file"; fi
  if compgen -G 'new.db*' >/dev/null; then fail "a failed merge left $(echo new.db*)"; fi
  if [[ -n $(ls -A "$TMPDIR") ]]; then fail "a failed merge left $(ls -A "$TMPDIR") in TMPDIR"; fi
done

step "a failed merge into an existing database leaves it as it was"
expect_status 0 "$SECLEARN" learn --quiet --db other.db --app other -- /bin/true
sqlite3 f2.db .dump >before.sql
expect_status 125 "$SECLEARN" merge --db f2.db other.db garbage.db
expect_one_error_line '^seclearn: merge: garbage\.db: '
sqlite3 f2.db .dump >after.sql
cmp before.sql after.sql || fail "a failed merge changed f2.db: $(diff before.sql after.sql | head -5)"
if [[ -n $(ls -A "$TMPDIR") ]]; then fail "a failed merge left $(ls -A "$TMPDIR") in TMPDIR"; fi
