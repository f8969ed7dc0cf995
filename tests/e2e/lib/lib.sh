# Shared helpers for the end-to-end scripts in tests/e2e/*.sh. Sourced, never run: it lives
# in lib/ so that the tests/e2e/*.sh glob in tests/CMakeLists.txt does not register it.
#
#   source "$(dirname "$0")/lib/lib.sh"     # sets SECLEARN, TESTEE, SECLEARN_DATA, TMP
#   step "export is deterministic"
#   expect_status 125 "$SECLEARN" export --app ghost --format seccomp
#   expect_stderr_matches "no app 'ghost'"
#
# Environment (set by ctest; defaults fit a manual run from the repository):
#   SECLEARN        the seclearn binary         (default build/cli/seclearn)
#   TESTEE          the tests workload binary    (default build/tests/testee)
#   SECLEARN_DATA   the repository's data/ dir   (default data)
# Exit codes: 0 pass, 77 skip (a missing feature, named), anything else fail.

E2E_NAME=$(basename "$0" .sh)
E2E_REPO=$(cd "$(dirname "$0")/../.." && pwd)
SECLEARN=${SECLEARN:-$E2E_REPO/build/cli/seclearn}
TESTEE=${TESTEE:-$E2E_REPO/build/tests/testee}
SECLEARN_DATA=${SECLEARN_DATA:-$E2E_REPO/data}
# Debian's interpreter: the `python3` on PATH may be a wrapper script with its own syscalls.
PY=/usr/bin/python3
# Keep messages stable whatever the caller's locale.
export LC_ALL=C

step() { printf '== %s: %s\n' "$E2E_NAME" "$*"; }
note() { printf '   %s\n' "$*"; }

fail() {
  printf 'FAIL: %s: %s\n' "$E2E_NAME" "$*" >&2
  exit 1
}

skip() {
  printf 'SKIP: %s: %s\n' "$E2E_NAME" "$*"
  exit 77
}

# Commands run by the EXIT trap, last registered first (container deletes before rm -rf).
E2E_CLEANUPS=()
on_exit() { E2E_CLEANUPS=("$*" "${E2E_CLEANUPS[@]}"); }
e2e_cleanup() {
  local status=$? cmd
  for cmd in "${E2E_CLEANUPS[@]}"; do eval "$cmd" >/dev/null 2>&1 || true; done
  if ((status == 0)); then printf 'PASS: %s (%ss)\n' "$E2E_NAME" "$SECONDS"; fi
  exit "$status"
}
trap e2e_cleanup EXIT
# A failing command under set -e would otherwise exit silently: say where.
trap 'printf "FAIL: %s: line %s: command exited %s: %s\n" "$E2E_NAME" "$LINENO" "$?" "$BASH_COMMAND" >&2' ERR

[[ -x $SECLEARN ]] || fail "SECLEARN=$SECLEARN is not an executable"
[[ -x $TESTEE ]] || fail "TESTEE=$TESTEE is not an executable"
[[ -x $PY ]] || skip "$PY (Debian's python3) is not installed"

# Six lower-case letters or six digits are a name one run cannot tell from a word (the
# AppArmor export keeps them literal, path_glob.cc): tests that expect the suffix generalised
# get one that mixes letters and digits (about 1 draw in 180 is retried).
while :; do
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/seclearn-e2e-$E2E_NAME.XXXXXX")
  [[ ${TMP##*.} =~ ^([a-z]{6}|[0-9]{6})$ ]] || break
  rmdir "$TMP"
done
on_exit rm -rf "'$TMP'"
export SECLEARN_DB=$TMP/default-should-not-be-used.db  # every call below passes --db

# expect_status N CMD [ARGS...]: runs CMD with stdin from /dev/null, keeps its stdout in
# $TMP/out and stderr in $TMP/err (both also shown, indented), fails unless it exits N.
expect_status() {
  local want=$1 got=0
  shift
  "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
  show_output
  ((got == want)) || fail "expected exit $want, got $got: $(quote_cmd "$@")"
}

show_output() {
  local stream
  for stream in out err; do
    awk -v tag="std$stream" 'NR <= 20 { print "   " tag "| " $0 }
      END { if (NR > 20) print "   " tag "| ... (" NR - 20 " more lines)" }' "$TMP/$stream"
  done
}

quote_cmd() { printf '%q ' "$@"; }

# expect_stderr_matches REGEX: the last expect_status's stderr matches the extended REGEX.
expect_stderr_matches() {
  grep -Eq -- "$1" "$TMP/err" || fail "stderr does not match /$1/"
}

# expect_stdout_matches REGEX: the last expect_status's stdout has a line matching REGEX.
expect_stdout_matches() {
  grep -Eq -- "$1" "$TMP/out" || fail "stdout does not match /$1/"
}

# expect_stdout_is TEXT: the last expect_status's stdout is exactly TEXT plus a newline.
expect_stdout_is() {
  [[ $(cat "$TMP/out") == "$1" ]] || fail "stdout is '$(cat "$TMP/out")', expected '$1'"
}

# expect_one_error_line REGEX: stderr is exactly one line, "seclearn: ...", matching REGEX.
expect_one_error_line() {
  local lines
  lines=$(wc -l <"$TMP/err")
  ((lines == 1)) || fail "expected one line on stderr, got $lines"
  expect_stderr_matches '^seclearn: '
  expect_stderr_matches "$1"
}

# profile_names FILE [RULE]: the "names" of rule RULE (default: every rule that allows), one
# per line.
profile_names() {
  "$PY" - "$@" <<'EOF'
import json, sys
rules = json.load(open(sys.argv[1]))["syscalls"]
if len(sys.argv) > 2:
    rules = [rules[int(sys.argv[2])]]
else:
    rules = [r for r in rules if r["action"] in ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG")]
for rule in rules:
    for name in rule["names"]:
        print(name)
EOF
}

# profile_rule_count FILE: how many entries "syscalls" has.
profile_rule_count() {
  "$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["syscalls"]))' "$1"
}

# profile_lacks FILE NAME...: fails if FILE allows any of NAMEs (a test's premise).
profile_lacks() {
  local file=$1 name
  shift
  for name in "$@"; do
    if profile_names "$file" | grep -x -- "$name" >/dev/null; then
      fail "premise: $file unexpectedly allows $name"
    fi
  done
}

# last_run APP FIELD: the last run's FIELD from show --json of $DB (None prints as None).
last_run() {
  "$SECLEARN" show --db "$DB" --app "$1" --json |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["runs"][-1][sys.argv[1]])' "$2"
}

# syscall_count APP NAME: NAME's count in APP of $DB (0 if absent).
syscall_count() {
  "$SECLEARN" show --db "$DB" --app "$1" --json | "$PY" -c 'import json, sys
print(sum(s["count"] for s in json.load(sys.stdin)["syscalls"] if s["name"] == sys.argv[1]))' "$2"
}

# wait_for_workload PATTERN SECONDS: until a process whose command line matches PATTERN exists.
wait_for_workload() {
  local deadline=$((SECONDS + $2))
  until pgrep -f -- "$1" >/dev/null; do
    ((SECONDS < deadline)) || fail "workload '$1' did not start within $2 s"
    sleep 0.1
  done
}

# wait_gone PID SECONDS: true once PID has exited (it must be our child), false on timeout.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# readme_snippet NAME: the shell block of README.md that follows the line
# `<!-- readme-test: NAME -->`, its indentation removed, exactly as a reader copies it.
readme_snippet() {
  awk -v name="$1" '
    $0 ~ "^ *<!-- readme-test: " name " -->$" { marker = 1; next }
    marker && /^ *```sh$/ { inside = 1; marker = 0; match($0, /^ */); indent = RLENGTH; next }
    inside && /^ *```$/ { found = 1; exit }
    inside { print substr($0, indent + 1) }
    END { if (!found) exit 1 }
  ' "$E2E_REPO/README.md" || fail "README.md has no shell block marked readme-test: $1"
}

# run_facts DB APP RUN: run RUN's facts from show --json, as one canonical JSON line, without
# times and stack marks; syscalls as [arch, name, seen] (seen: count > 0). For comparing two
# runs of the same workload (re-learning against --full).
run_facts() {
  "$SECLEARN" show --db "$1" --app "$2" --run "$3" --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in ("first_seen", "stack")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
out = {k: strip(d[k]) for k in ("executables", "files", "network", "capabilities")}
out["syscalls"] = sorted((s["arch"], s["name"], s["count"] > 0) for s in d["syscalls"])
print(json.dumps(out, sort_keys=True))'
}

# deterministic_workload: makes tree/ and repo/ in the current directory and sets WORKLOAD to
# real programs whose calls do not depend on timing: a pipeline, python3 with imports,
# sqlite3, tar, find, git log (git status is not: whether it rewrites the index depends on the
# clock, racy git). Skips the test without sqlite3 or git. For comparing two learned runs.
deterministic_workload() {
  local tool
  for tool in sqlite3 git; do command -v $tool >/dev/null || skip "$tool is not installed"; done
  mkdir -p tree/sub && echo a >tree/a && echo b >tree/sub/b
  git init -q repo && echo x >repo/f && git -C repo add f
  git -C repo -c user.name=t -c user.email=t@example.com commit -qm m
  WORKLOAD=(/bin/sh -c "cat /etc/hostname | sort >/dev/null
$PY -c 'import json, email; print(json.dumps([1]))' >/dev/null
sqlite3 :memory: 'create table t(x); insert into t values (1); select * from t;' >/dev/null
tar cf - tree | wc -c >/dev/null
find tree -name b >/dev/null
git -C repo log --oneline >/dev/null; git -C repo ls-files >/dev/null")
}
