#!/usr/bin/env bash
# Landlock rulesets from real programs, proven by the kernel: each program is learned twice
# (other pids, other temporary names), its Landlock ruleset and seccomp profile exported, and
# the program replayed under both (`seclearn run --landlock --seccomp`): the same stdout and
# exit status as unconfined. A command that reads what the program never read (/etc/shadow,
# as root) is refused with EACCES by the same ruleset. Each ruleset validates against a JSON
# schema of the landlockconfig format (python3-jsonschema).
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

abi=$("$PY" -c '
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print(libc.syscall(444, None, 0, 1))')
((abi >= 1)) || skip "Landlock is not enabled in this kernel (landlock_create_ruleset: $abi)"
((abi >= 6)) || note "Landlock ABI $abi: the rights of newer ABIs are not enforced here"
for cmd in sqlite3 tar gzip git make find; do
  command -v $cmd >/dev/null || skip "$cmd is not installed"
done
[[ -x /bin/busybox ]] || skip "/bin/busybox (busybox-static) is not installed"
"$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed"
[[ $(id -u) == 0 ]] || skip "needs root (reads /etc/shadow unconfined)"
SCHEMA=$E2E_REPO/tests/support/landlockconfig.schema.json

DB=$TMP/ll.db
# What the programs work on is under a directory of a stable name: below $TMP (a mktemp
# name, which changes from run to run) every right would be granted beneath /tmp.
L=/tmp/seclearn-landlock-e2e-$$
rm -rf "$L"
mkdir -p "$L"
on_exit rm -rf "'$L'"
W=$L/work

# validate FILE: the ruleset is valid landlockconfig JSON.
validate() {
  "$PY" - "$SCHEMA" "$1" <<'PY' || fail "$1 does not validate against the landlockconfig schema"
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
}

# check_program APP PREPARE -- CMD...: PREPARE (a function, or :) runs before each run.
check_program() {
  local app=$1 prepare=$2 i want
  shift 3
  step "$app: unconfined, then learned twice"
  "$prepare"
  want=0
  "$@" </dev/null >"$TMP/$app.want" 2>"$TMP/err" || want=$?
  for i in 1 2; do
    "$prepare"
    expect_status "$want" "$SECLEARN" learn --quiet --db "$DB" --app "$app" -- "$@"
    cmp -s "$TMP/out" "$TMP/$app.want" || fail "$app: stdout under learn differs"
  done
  step "$app: export landlock and seccomp"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --format landlock -o "$TMP/$app.ll.json"
  validate "$TMP/$app.ll.json"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" -o "$TMP/$app.sc.json"
  note "$app: $("$PY" -c 'import json, sys; print(sum(len(r["parent"]) for r in json.load(open(sys.argv[1]))["pathBeneath"]))' "$TMP/$app.ll.json") Landlock paths"
  step "$app: replay under both: same stdout and exit status"
  "$prepare"
  expect_status "$want" "$SECLEARN" run --landlock "$TMP/$app.ll.json" --seccomp "$TMP/$app.sc.json" -- "$@"
  cmp -s "$TMP/out" "$TMP/$app.want" || fail "$app: stdout under the ruleset differs"
  [[ ! -s $TMP/err ]] || ! grep -q 'landlock' "$TMP/err" || fail "$app: the ruleset left something out"
}

# refused APP CMD...: CMD under APP's ruleset alone fails, and says EACCES.
refused() {
  local app=$1 got=0
  shift
  "$SECLEARN" run --landlock "$TMP/$app.ll.json" -- "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  show_output
  ((got != 0)) || fail "$app: $* ran under the ruleset"
  expect_stderr_matches 'Permission denied'
}

# (a) a shell pipeline with forks, execs and a temporary file.
# shellcheck disable=SC2016  # expanded by the traced shell
check_program sh : -- /bin/sh -c \
  'f=$(mktemp); ls /usr/bin | grep -c "^s" >"$f"; cat "$f" /etc/hostname; rm "$f"'
step "sh: /etc/shadow is refused under the sh ruleset (cat is allowed, the file is not)"
refused sh /bin/sh -c 'cat /etc/shadow'
cat /etc/shadow >/dev/null || fail "premise: root reads /etc/shadow unconfined"

# (b) python3 with imports (C extensions, OpenSSL, sqlite) and a temporary directory.
check_program python : -- /usr/bin/python3 -c \
  'import json, hashlib, sqlite3, tempfile, os
with tempfile.TemporaryDirectory() as d:
    open(os.path.join(d, "x"), "w").write("1")
print(hashlib.sha256(json.dumps({"a": [1, 2]}).encode()).hexdigest())'
step "python: reading /etc/shadow is refused with EACCES"
refused python /usr/bin/python3 -c 'open("/etc/shadow").read()'
expect_stderr_matches 'PermissionError: \[Errno 13\] Permission denied'

# (c) sqlite3 on a fresh database each run.
fresh_sqlite() { rm -rf "$W"; mkdir -p "$W"; }
check_program sqlite3 fresh_sqlite -- \
  sqlite3 "$W/data.db" 'create table t(x); insert into t values(1),(2),(3); select sum(x) from t;'

# (d) tar czf (tar execs gzip).
mkdir -p "$L/tree/sub"
for f in a b c; do seq 1 300 | sed "s/^/$f /" >"$L/tree/$f.txt"; done
fresh_tar() { rm -rf "$W"; mkdir -p "$W"; }
check_program tar fresh_tar -- tar czf "$W/out.tgz" -C "$L/tree" .

# (e) git: a fresh repository, one commit (.git is made by git: granted beneath its parent).
fresh_repo() { rm -rf "$W"; mkdir -p "$W"; cp -r "$L/tree" "$W/repo"; }
export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
check_program git fresh_repo -- /bin/sh -c "cd '$W/repo' && git init -q && git add . &&
  git -c user.name=t -c user.email=t@e commit -qm one && git log --format=%s"

# (f) find over a tree.
check_program find : -- find "$L/tree" -name '*.txt' -newer "$L/tree/a.txt" -o -type d -print

# (g) make: a rule that runs a shell recipe.
fresh_make() {
  rm -rf "$W"; mkdir -p "$W"
  printf 'out.txt: in.txt\n\tcat in.txt in.txt >out.txt\n\twc -l out.txt\n' >"$W/Makefile"
  echo line >"$W/in.txt"
}
check_program make fresh_make -- make -s -C "$W"
