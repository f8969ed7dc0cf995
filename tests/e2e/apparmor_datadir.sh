#!/usr/bin/env bash
# A directory the workload fills (a database's data directory) is one AppArmor rule, said on
# stderr, so the next run's new files are granted (the unit test "a directory the workload
# fills" covers /etc and executables). Learned from a real process, compiled by
# apparmor_parser, the next run checked.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

PARSER=/usr/sbin/apparmor_parser
[[ -x $PARSER ]] || skip "apparmor_parser (package apparmor) is not installed"

DB=$TMP/db
DATA=$TMP/srv/db/data
# fill FIRST LAST: the workload creates tables FIRST..LAST in its data directory.
fill() {
  "$SECLEARN" learn --quiet --db "$DB" --app "$3" -- /bin/sh -c \
    'mkdir -p "$0/base" && i=$1 && while [ "$i" -le "$2" ]; do echo row >"$0/base/$i"; i=$((i + 1)); done' \
    "$DATA" "$1" "$2" </dev/null >"$TMP/out" 2>"$TMP/err" || fail "learn failed: $(cat "$TMP/err")"
}

step "learn: 40 tables created in the data directory"
fill 16384 16423 db
expect_status 0 "$SECLEARN" export --db "$DB" --app db --format apparmor --no-store -o "$TMP/db.apparmor"
expect_stderr_matches 'apparmor: generalised /tmp/seclearn-e2e-apparmor_datadir\.\?{6}/srv/db/data/base/\{,\*\*\} [a-z]+: a directory the workload fills \([0-9]+ entries created'
"$PARSER" -Q -K "$TMP/db.apparmor" >"$TMP/parser.out" 2>&1 ||
  { cat "$TMP/parser.out" "$TMP/db.apparmor"; fail "apparmor_parser rejects the profile"; }
rules=$(grep -c -- "/srv/db/data/base/" "$TMP/db.apparmor" || true)
((rules == 1)) || fail "$rules rules for the tables, not one: $(grep -- /srv/db/data/ "$TMP/db.apparmor" | head -5)"

step "the next run's new tables are granted by it"
fill 20000 20005 next
expect_status 0 "$SECLEARN" check --db "$DB" --app next --apparmor "$TMP/db.apparmor" --profile db
expect_stderr_matches ', 0 would be denied'
