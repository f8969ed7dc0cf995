#!/usr/bin/env bash
# What AppArmor text seclearn writes and reads: file names ending in a backslash, learned from a
# real process, exported next to other quoted rules, compiled by apparmor_parser and checked;
# then profiles whose includes name /dev/zero, a FIFO or the profile itself: `check` and `diff`
# each end at once with one error line naming the include, never reading forever or blocking.
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

# Includes that must not be read: a device that never ends, a FIFO nobody writes, a cycle.
mkfifo "$TMP/fifo"
printf 'include "/dev/zero"\nprofile z {\n}\n' >"$TMP/zero.apparmor"
printf 'include "%s"\nprofile f {\n}\n' "$TMP/fifo" >"$TMP/fifo.apparmor"
printf 'include "self.apparmor"\nprofile s {\n}\n' >"$TMP/self.apparmor"
printf 'profile p {\n  include "/dev/zero"\n}\n' >"$TMP/inner-zero.apparmor"
printf 'profile ok {\n}\n' >"$TMP/ok.apparmor"
for f in zero fifo self inner-zero; do
  case $f in
    zero | inner-zero) why='/dev/zero is not a regular file' ;;
    fifo) why="$TMP/fifo is not a regular file" ;;
    self) why='self\.apparmor includes itself \(an include cycle\)' ;;
  esac
  line=1
  [[ $f == inner-zero ]] && line=2
  step "check: $f.apparmor is one error line, exit 125"
  expect_status 125 timeout 20 "$SECLEARN" check --db "$DB" --app bs --apparmor "$TMP/$f.apparmor"
  expect_one_error_line "^seclearn: check: .*$f\.apparmor:$line: include .*$why"
  [[ $f == inner-zero ]] && continue  # diff lists includes inside a profile, reads none
  step "diff: $f.apparmor against a profile is one error line, exit 2"
  expect_status 2 timeout 20 "$SECLEARN" diff "$TMP/$f.apparmor" "$TMP/ok.apparmor"
  expect_one_error_line "^seclearn: diff: .*$f\.apparmor:1: include .*$why"
done
