#!/usr/bin/env bash
# What AppArmor text seclearn writes: file names ending in a backslash, learned from a real
# process, exported next to other quoted rules, compiled by apparmor_parser and checked.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

PARSER=/usr/sbin/apparmor_parser
[[ -x $PARSER ]] || skip "apparmor_parser (package apparmor) is not installed"

DB=$TMP/reader.db
D=$TMP/d
mkdir "$D"
step "learn: touch names ending in a backslash, and one with a space"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app bs -- \
  /usr/bin/touch "$D/a\\" "$D/b c" "$D/\\\\" "$D/q\"\\"
step "export: apparmor_parser -Q -K compiles the profile"
expect_status 0 "$SECLEARN" export --db "$DB" --app bs --format apparmor -o "$TMP/bs.apparmor"
"$PARSER" -Q -K "$TMP/bs.apparmor" >"$TMP/parser.out" 2>&1 ||
  { cat "$TMP/parser.out" "$TMP/bs.apparmor"; fail "apparmor_parser rejects the profile"; }
step "check: the run's accesses are all granted, by the rules for those very names"
expect_status 0 "$SECLEARN" check --db "$DB" --app bs --apparmor "$TMP/bs.apparmor"
expect_stderr_matches ': [0-9]+ accesses of all runs checked, 0 would be denied'
# A neighbour of each name is not granted: another process touches them.
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app near -- \
  /usr/bin/touch "$D/a" "$D/b" "$D/\\" "$D/q\""
expect_status 1 "$SECLEARN" check --db "$DB" --app near --apparmor "$TMP/bs.apparmor" --profile bs
for n in a b; do
  grep -q "/d/$n  " "$TMP/out" || fail "$D/$n is granted by the profile of other names"
done
