#!/usr/bin/env bash
# Bad input: every error is one line on stderr, "seclearn: ...", naming the thing at fault,
# with the documented exit status (125 seclearn, 126 not executable, 127 not found), and no
# partial output file is left behind. A hostile file name cannot break the exported JSON.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
DB=$TMP/good.db

step "setup: learn one app (testee write-stdout) and export a good profile"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app known -- "$TESTEE" write-stdout ran
expect_status 0 "$SECLEARN" export --db "$DB" --app known --format seccomp -o good.json

# dest_is_empty: no output, partial output or temporary file was left in dest/.
mkdir dest
dest_is_empty() {
  local left
  left=$(find dest -mindepth 1)
  [[ -z $left ]] || fail "left behind: $left"
}

step "export of an unknown app: 125, names the app and what is known, writes nothing"
expect_status 125 "$SECLEARN" export --db "$DB" --app ghost --format seccomp -o dest/p.json
expect_one_error_line "'ghost'.*known"
dest_is_empty
step "export of an unknown app over an existing file: the file is left as it was"
printf 'previous\n' >dest/keep.json
expect_status 125 "$SECLEARN" export --db "$DB" --app ghost --format seccomp -o dest/keep.json
expect_one_error_line "'ghost'"
[[ $(cat dest/keep.json) == previous ]] || fail "dest/keep.json was modified"
rm dest/keep.json

step "a zero-byte database: export and show fail with 125 and leave the file as it was"
: >zero.db
expect_status 125 "$SECLEARN" export --db zero.db --app known --format seccomp -o dest/p.json
expect_one_error_line "zero\.db: empty file"
dest_is_empty
expect_status 125 "$SECLEARN" show --db zero.db
expect_one_error_line "zero\.db: empty file"
[[ ! -s zero.db ]] || fail "show wrote into the empty file"
step "a zero-byte database: learn makes it a seclearn database"
expect_status 0 "$SECLEARN" learn --quiet --db zero.db --app known -- "$TESTEE" noop
expect_status 0 "$SECLEARN" show --db zero.db
grep -q known "$TMP/out" || fail "show does not list the learned app"

step "a seclearn database where the app was never learned: 125, names the app"
expect_status 0 "$SECLEARN" learn --quiet --db other.db --app other -- "$TESTEE" noop
expect_status 125 "$SECLEARN" export --db other.db --app known --format seccomp
expect_one_error_line "'known'.*other"
[[ ! -s $TMP/out ]] || fail "export wrote to stdout"

step "a database that does not exist: show and export fail with 125 and do not create it"
expect_status 125 "$SECLEARN" show --db missing.db
expect_one_error_line "missing\.db"
expect_status 125 "$SECLEARN" export --db missing.db --app known --format seccomp
expect_one_error_line "missing\.db"
[[ ! -e missing.db ]] || fail "missing.db was created"

step "an SQLite database of another program: 125, its tables are left alone"
sqlite3 foreign.db 'create table other(y); insert into other values(42);'
expect_status 125 "$SECLEARN" export --db foreign.db --app known --format seccomp
expect_one_error_line "foreign\.db"
expect_status 125 "$SECLEARN" show --db foreign.db
expect_one_error_line "foreign\.db"
[[ $(sqlite3 foreign.db .tables) == other && $(sqlite3 foreign.db 'select y from other') == 42 ]] ||
  fail "foreign.db was modified"

step "learn into a missing directory: 125, names the directory, does not create it"
expect_status 125 "$SECLEARN" learn --db "$TMP/nodir/x.db" --app a -- "$TESTEE" noop
expect_one_error_line "$TMP/nodir"
[[ ! -e $TMP/nodir ]] || fail "learn created $TMP/nodir"

step "a corrupt database (random bytes): show, show --app, export, learn fail with 125"
head -c 16384 /dev/urandom >corrupt.db
cp corrupt.db corrupt.orig
expect_status 125 "$SECLEARN" show --db corrupt.db
expect_one_error_line "corrupt\.db"
expect_status 125 "$SECLEARN" show --db corrupt.db --app known
expect_one_error_line "corrupt\.db"
expect_status 125 "$SECLEARN" export --db corrupt.db --app known --format seccomp -o dest/p.json
expect_one_error_line "corrupt\.db"
dest_is_empty
expect_status 125 "$SECLEARN" learn --db corrupt.db --app known -- "$TESTEE" noop
expect_one_error_line "corrupt\.db"
cmp -s corrupt.db corrupt.orig || fail "corrupt.db was modified"

step "a database row no seclearn wrote (an unknown network operation): 125, one line, untouched"
expect_status 0 "$SECLEARN" learn --quiet --db netop.db --app net -- /bin/busybox sh -c \
  'busybox nc -l -p 0 127.0.0.1 </dev/null >/dev/null 2>&1 & sleep 0.1; kill $!'
sqlite3 netop.db "UPDATE run_network SET op = 'evil' || char(10) || 'op' WHERE op = 'bind'"
cp netop.db netop.orig
expect_status 125 "$SECLEARN" show --db netop.db --app net
expect_one_error_line 'netop\.db: database is corrupt \(network operation .evil\\x0aop. in run_network\)'
cmp -s netop.db netop.orig || fail "netop.db was modified"
expect_status 0 "$SECLEARN" learn --quiet --db backend.db --app b -- "$TESTEE" noop
sqlite3 backend.db "UPDATE runs SET backend = 'ebpf?'"
expect_status 125 "$SECLEARN" show --db backend.db --app b
expect_one_error_line "backend\.db: database is corrupt \(backend 'ebpf\?' of run 1\)"
# A capability no seclearn wrote (root's chown to another owner exercises CAP_CHOWN).
expect_status 0 "$SECLEARN" learn --quiet --db cap.db --app c -- /bin/sh -c ': >owned; chown 1 owned'
sqlite3 cap.db "UPDATE run_capabilities SET capability = 'CAP_FLY'"
expect_status 125 "$SECLEARN" show --db cap.db --app c
expect_one_error_line "cap\.db: database is corrupt \(capability 'CAP_FLY' in run_capabilities\)"
# A container's runtime no seclearn wrote (docker-flags reads the containers).
expect_status 0 "$SECLEARN" learn --quiet --db runtime.db --app r -- "$TESTEE" noop
sqlite3 runtime.db "INSERT INTO run_containers (run_id, container_id, runtime, bundle, pid)
                    VALUES (1, 'c1', 'youki', '/bundle', 1)"
expect_status 125 "$SECLEARN" export --db runtime.db --app r --format docker-flags
expect_one_error_line "runtime\.db: database is corrupt \(runtime 'youki' of run 1\)"

step "run with malformed profile JSON: 125, file:line:col of the fault"
printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [ {"names": ["read",], } ]\n}\n' \
  >malformed.json
expect_status 125 "$SECLEARN" run --seccomp malformed.json -- "$TESTEE" noop
expect_one_error_line '^seclearn: malformed\.json:3:35: '

step "run with a profile that is not JSON at all (empty file): 125, names the file"
: >empty.json
expect_status 125 "$SECLEARN" run --seccomp empty.json -- "$TESTEE" noop
expect_one_error_line 'empty\.json'

step "run with a missing profile: 125, names the file"
expect_status 125 "$SECLEARN" run --seccomp nosuch.json -- "$TESTEE" noop
expect_one_error_line 'nosuch\.json'

# edit_profile IN OUT PYTHON: OUT is IN's JSON after PYTHON ran on it as `p`.
edit_profile() {
  "$PY" -c "import json, sys
p = json.load(open(sys.argv[1]))
$3
json.dump(p, open(sys.argv[2], 'w'), indent=2)" "$1" "$2"
}

step "run with an unknown action: 125, names the action"
edit_profile good.json action.json 'p["syscalls"][0]["action"] = "SCMP_ACT_FROBNICATE"'
expect_status 125 "$SECLEARN" run --seccomp action.json -- "$TESTEE" noop
expect_one_error_line 'action\.json:[0-9]+:[0-9]+: .*SCMP_ACT_FROBNICATE'

step "run with an unknown syscall name: one warning naming it, the command still runs"
edit_profile good.json unknown.json 'p["syscalls"][0]["names"].append("frobnicate_syscall")'
expect_status 0 "$SECLEARN" run --seccomp unknown.json -- "$TESTEE" write-stdout ran
expect_stdout_is ran
expect_one_error_line 'warning: .*frobnicate_syscall'
step "the same with --strict: 125, names it, the command does not run"
expect_status 125 "$SECLEARN" run --strict --seccomp unknown.json -- "$TESTEE" write-stdout ran
expect_one_error_line 'frobnicate_syscall'
[[ ! -s $TMP/out ]] || fail "the command ran under --strict"

step "a command that does not exist: 127 for learn and run (PATH lookup and absolute path)"
for cmd in no-such-command-e2e "$TMP/no/such/command"; do
  expect_status 127 "$SECLEARN" learn --db "$DB" --app known -- "$cmd"
  expect_one_error_line "$cmd"
  expect_status 127 "$SECLEARN" run --seccomp good.json -- "$cmd"
  expect_one_error_line "$cmd"
done

step "a file that is not executable: 126 for learn and run"
printf '#!/bin/sh\necho should not run\n' >noexec.sh
chmod 644 noexec.sh
expect_status 126 "$SECLEARN" learn --db "$DB" --app known -- ./noexec.sh
expect_one_error_line 'noexec\.sh'
expect_status 126 "$SECLEARN" run --seccomp good.json -- ./noexec.sh
expect_one_error_line 'noexec\.sh'
step "a directory as the command: 126"
expect_status 126 "$SECLEARN" run --seccomp good.json -- "$TMP/dest"
expect_one_error_line "$TMP/dest"

step "export -o into a missing directory: 125, names it, leaves nothing behind"
expect_status 125 "$SECLEARN" export --db "$DB" --app known --format seccomp -o dest/missing/p.json
expect_one_error_line 'dest/missing'
dest_is_empty
[[ ! -e dest/missing ]] || fail "export created dest/missing"

step "unknown subcommand and unknown options: 125"
expect_status 125 "$SECLEARN" frobnicate
expect_one_error_line "'frobnicate'"
for sub in learn export run show; do
  expect_status 125 "$SECLEARN" "$sub" --frobnicate
  expect_one_error_line "'--frobnicate'"
done
expect_status 125 "$SECLEARN" export --db "$DB" --app known --format yaml
expect_one_error_line "'yaml'"
expect_status 125 "$SECLEARN" export --db "$DB" --app known --format seccomp --runtime podman
expect_one_error_line "'podman'"
for sub in show export; do
  extra=()
  [[ $sub == export ]] && extra=(--format seccomp --no-store)
  for bad in 99 x ''; do
    expect_status 125 "$SECLEARN" "$sub" --db "$DB" --app known "${extra[@]}" --run "$bad"
    expect_one_error_line "^seclearn: $sub: --run takes one of the app's runs \\([0-9, ]+\\), not '$bad'\$"
  done
done
expect_status 125 "$SECLEARN" learn --db "$DB" --app 'bad/name' -- "$TESTEE" noop
expect_one_error_line 'bad/name'
expect_status 125 "$SECLEARN" learn --db "$DB" --app known
expect_one_error_line 'command'

step "a hostile file name (newline, quote, JSON punctuation) does not leak into the profile"
hostile=$'evil\nname"},{"names":["mount"],"action":"SCMP_ACT_ALLOW"},{\\'
mkdir hostile
# shellcheck disable=SC2016  # expanded by the traced shell
expect_status 0 "$SECLEARN" learn --quiet --db hostile.db --app hostile -- \
  /bin/busybox sh -c 'cd "$1" && echo data >"$2" && busybox cat "$2"' sh "$TMP/hostile" "$hostile"
expect_stdout_is data
[[ -f hostile/$hostile ]] || fail "the workload did not create the file"
expect_status 0 "$SECLEARN" export --db hostile.db --app hostile --format seccomp -o hostile.json
"$PY" -m json.tool hostile.json >/dev/null || fail "hostile.json is not valid JSON"
"$PY" - hostile.json <<'EOF' || fail "hostile.json does not have the expected structure"
import json, re, sys
p = json.load(open(sys.argv[1]))
assert list(p) == ["defaultAction", "defaultErrnoRet", "architectures", "syscalls"], list(p)
assert p["defaultAction"] == "SCMP_ACT_ERRNO" and p["defaultErrnoRet"] == 1
assert p["architectures"] == ["SCMP_ARCH_X86_64"], p["architectures"]
rule = p["syscalls"][0]
assert list(rule) == ["names", "action", "comment"], list(rule)
# Any further rule conditions one learned name on one argument value, allows calls implied by
# learned ones, or (last) answers ENOSYS for calls newer than libc's oldest kernel.
newer = p["syscalls"][-1]
assert list(newer) == ["names", "action", "errnoRet", "comment"], list(newer)
assert newer["action"] == "SCMP_ACT_ERRNO" and newer["errnoRet"] == 38, newer
assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in newer["names"]), newer["names"]
for r in p["syscalls"][1:-1]:
    if r["comment"].startswith("implied, not seen: "):
        assert list(r) == ["names", "action", "comment"], list(r)
        assert set(r["names"]) <= {"restart_syscall", "rt_sigreturn", "sigreturn"}, r["names"]
        continue
    assert list(r) == ["names", "action", "args", "comment"], list(r)
    assert len(r["names"]) == 1 and re.fullmatch(r"[a-z0-9_]+", r["names"][0]), r["names"]
    assert "\n" not in r["comment"] and "evil" not in r["comment"], r["comment"]
assert rule["action"] == "SCMP_ACT_ALLOW"
assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in rule["names"]), rule["names"]
assert rule["names"] == sorted(set(rule["names"])), "names not sorted and unique"
assert "mount" not in rule["names"]
assert "\n" not in rule["comment"] and "evil" not in rule["comment"], rule["comment"]
EOF
step "show --json round-trips the hostile argument exactly; show (text) keeps one line per run"
expect_status 0 "$SECLEARN" show --db hostile.db --app hostile --json
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["runs"][0]["argv"][-1] == sys.argv[2], d["runs"][0]["argv"]' "$TMP/out" "$hostile" ||
  fail "show --json does not give back the argument"
expect_status 0 "$SECLEARN" show --db hostile.db --app hostile
if grep -q '^evil' "$TMP/out"; then fail "show printed the argument's newline raw"; fi
grep -Eq '^ +#1 .*sh -c' "$TMP/out" || fail "show lists no run #1"
