#!/usr/bin/env bash
# AppArmor profiles from real programs: each is learned twice, the profile exported from run 1
# only is compiled by the real apparmor_parser, and `seclearn check` finds nothing of run 2
# (other pids, other temporary names) that it would deny. Then check's own failures: a profile
# that lacks what a run did, and a malformed profile.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

PARSER=/usr/sbin/apparmor_parser
[[ -x $PARSER ]] || skip "apparmor_parser (package apparmor) is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
[[ -x /bin/busybox ]] || skip "/bin/busybox (busybox-static) is not installed"
[[ $(id -u) == 0 ]] || skip "needs root (the web server binds a port below 1024)"

DB=$TMP/aa.db
# A privileged port nothing listens on (tests run in parallel; access_caps binds one too).
PORT=$("$PY" -c '
import socket
for p in range(81, 1000):
    try:
        socket.socket().bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass')
[[ -n $PORT ]] || fail "no free port below 1024 on 127.0.0.1"
on_exit 'jobs -p | xargs -r kill -KILL'

# run_ids APP: the app's run ids, oldest first, one per line.
run_ids() {
  "$SECLEARN" show --db "$DB" --app "$1" --json |
    "$PY" -c 'import json, sys; [print(r["run"]) for r in json.load(sys.stdin)["runs"]]'
}

# parse_profile FILE: apparmor_parser compiles it (no kernel needed with -Q -K).
parse_profile() {
  "$PARSER" -Q -K "$1" >"$TMP/parser.out" 2>&1 ||
    { cat "$TMP/parser.out" >&2; fail "apparmor_parser rejects $1"; }
}

# prove APP: export from the first run, compile, check the second run against it.
prove() {
  local app=$1 runs first second profile=$TMP/$1.apparmor
  mapfile -t runs < <(run_ids "$app")
  ((${#runs[@]} == 2)) || fail "$app: expected 2 runs, got ${#runs[@]}"
  first=${runs[0]} second=${runs[1]}
  step "$app: export --format apparmor --run $first; apparmor_parser -Q -K accepts it"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --format apparmor --run "$first" -o "$profile"
  parse_profile "$profile"
  grep -q "^profile $app flags=" "$profile" || fail "$app: profile not named after the app"
  grep -q '^abi <abi/3.0>,$' "$profile" || fail "$app: no abi line"
  if grep -Eq '^ *(/\*\*|/etc/\*\*|/\*|/[^/ ]*\*[^/ ]*/\*\*) ' "$profile"; then
    fail "$app: a rule wider than needed: $(grep -E '^ *(/\*\*|/etc/\*\*|/\*) ' "$profile")"
  fi
  note "$app: $(grep -cE '^  ("?/|"?@\{)' "$profile") file rules"
  step "$app: check run $second against the profile of run $first: nothing denied"
  expect_status 0 "$SECLEARN" check --db "$DB" --app "$app" --apparmor "$profile" --run "$second"
  expect_stderr_matches "^seclearn: check: profile $app .*: [0-9]+ accesses of run $second checked, 0 would be denied"
  [[ ! -s $TMP/out ]] || fail "$app: check listed denials"
}

# (a) python3 -m http.server on a port below 1024 of 127.0.0.1, fetched once by busybox wget.
mkdir -p "$TMP/www"
echo "hello from seclearn" >"$TMP/www/index.html"
serve_once() {
  "$SECLEARN" learn --quiet --db "$DB" --app web -- \
    "$PY" -m http.server "$PORT" --bind 127.0.0.1 --directory "$TMP/www" </dev/null >/dev/null 2>&1 &
  local pid=$! deadline=$((SECONDS + 20)) body=""
  # (no -T: busybox-static 1.35 wget crashes with it)
  until body=$(timeout 5 /bin/busybox wget -q -O - "http://127.0.0.1:$PORT/index.html" 2>/dev/null); do
    ((SECONDS < deadline)) || fail "web: the server did not answer within 20 s"
    kill -0 "$pid" 2>/dev/null || fail "web: seclearn learn exited before serving"
    sleep 0.2
  done
  [[ $body == "hello from seclearn" ]] || fail "web: fetched '$body'"
  kill -TERM "$pid"
  wait_gone "$pid" 10 || fail "web: still running 10 s after SIGTERM"
  wait "$pid" || true
}
for i in 1 2; do
  step "web: learn run $i: serve one GET on 127.0.0.1:$PORT"
  serve_once
done
prove web
grep -q '^  capability net_bind_service,$' "$TMP/web.apparmor" || fail "web: no net_bind_service"
grep -q '^  network inet stream,$' "$TMP/web.apparmor" || fail "web: no inet stream rule"

# (b) sqlite3 creating a database under /tmp (journal created and removed).
fresh_db() { rm -rf "$TMP/sq"; mkdir "$TMP/sq"; }
for i in 1 2; do
  step "sqlite3: learn run $i"
  fresh_db
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app sqlite3 -- \
    sqlite3 "$TMP/sq/data.db" 'create table t(x); insert into t values(1),(2),(3); select sum(x) from t;'
  expect_stdout_is 6
done
prove sqlite3

# (c) a shell script creating and removing temporary files and directories with mktemp.
SCRIPT='d=$(mktemp -d); f=$(mktemp); echo data >"$f"; cp "$f" "$d/copy"; cat "$d/copy"; rm -r "$d" "$f"'
for i in 1 2; do
  step "mktemp-script: learn run $i"
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app mktemp-script -- /bin/sh -c "$SCRIPT"
  expect_stdout_is data
done
prove mktemp-script
grep -Eq '^  /tmp/tmp\.\?{10}/ ' "$TMP/mktemp-script.apparmor" ||
  fail "mktemp-script: the temporary directory was not generalised"

step "check fails where the profile falls short: sqlite3's run against the script's profile"
mapfile -t sq_runs < <(run_ids sqlite3)
expect_status 1 "$SECLEARN" check --db "$DB" --app sqlite3 --apparmor "$TMP/mktemp-script.apparmor" --run "${sq_runs[1]}"
grep -q 'data\.db' "$TMP/out" || fail "check did not list the database file"
expect_stderr_matches '[1-9][0-9]* would be denied'

step "check: a malformed profile is exit 125 naming FILE:LINE"
sed 's/^\(  \/.*\),$/\1/' "$TMP/sqlite3.apparmor" >"$TMP/broken.apparmor"  # drop the commas
line=$(grep -n '^  /' "$TMP/broken.apparmor" | head -1 | cut -d: -f1)
expect_status 125 "$SECLEARN" check --db "$DB" --app sqlite3 --apparmor "$TMP/broken.apparmor"
expect_one_error_line "broken\.apparmor:$line: "
expect_status 125 "$SECLEARN" check --db "$DB" --app nosuchapp --apparmor "$TMP/sqlite3.apparmor"
expect_status 125 "$SECLEARN" check --db "$DB" --app sqlite3 --apparmor "$TMP/sqlite3.apparmor" --run 999
expect_one_error_line "--run takes one of the app's runs"
