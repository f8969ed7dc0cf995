#!/usr/bin/env bash
# Hostile file names from a real workload: a Python program creates and reads back files whose
# names hold quotes, spaces, newlines, commas, braces, **, @{...}, a would-be second profile
# and bytes that are not UTF-8. The exported AppArmor profile must still compile, hold exactly
# one profile with one rule per name, grant those names and nothing the names spell out, and
# cover a second run.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

PARSER=/usr/sbin/apparmor_parser
[[ -x $PARSER ]] || skip "apparmor_parser (package apparmor) is not installed"

DB=$TMP/hostile.db
DIR=$TMP/h
WORKLOAD='
import os, sys
d = os.fsencode(sys.argv[1])
names = [b"a\"b", b"sp ace", b"new\nline r,\n  /** rwix,", b"{x,y}", b"**", b"@{HOME}",
         b"c,d", b"\xff\xfe\x80", b"} r,\n}\nprofile evil {\n  /** rw,", b"#hash", b"back\\slash",
         b"q?[ab]^"]
os.makedirs(d, exist_ok=True)
for n in names:
    p = os.path.join(d, n)
    os.makedirs(os.path.dirname(p), exist_ok=True)  # a "/" in a name makes a directory
    with open(p, "wb") as f:
        f.write(b"x")
    with open(p, "rb") as f:
        assert f.read() == b"x"
    os.unlink(p)
print(len(names))
'

for i in 1 2; do
  step "learn run $i: create, read and remove 12 hostile names"
  rm -rf "$DIR"
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app hostile -- "$PY" -c "$WORKLOAD" "$DIR"
  expect_stdout_is 12
done
runs=$("$SECLEARN" show --db "$DB" --app hostile --json |
  "$PY" -c 'import json, sys; print(" ".join(str(r["run"]) for r in json.load(sys.stdin)["runs"]))')
read -r first second <<<"$runs"

step "export from run $first: apparmor_parser -Q -K compiles it; one profile"
expect_status 0 "$SECLEARN" export --db "$DB" --app hostile --format apparmor --run "$first" -o "$TMP/hostile.apparmor"
"$PARSER" -Q -K "$TMP/hostile.apparmor" >"$TMP/parser.out" 2>&1 ||
  { cat "$TMP/parser.out"; fail "apparmor_parser rejects the profile"; }
[[ $("$PARSER" -N "$TMP/hostile.apparmor" 2>/dev/null) == hostile ]] ||
  fail "profiles in the file: $("$PARSER" -N "$TMP/hostile.apparmor" 2>&1 | tr '\n' ' ')"
if grep -Eq '^ *(/\*\*|"/\*\*"|profile evil)' "$TMP/hostile.apparmor"; then
  fail "a name became structure: $(grep -En '^ *(/\*\*|profile evil)' "$TMP/hostile.apparmor")"
fi
n=$(grep -c "/h/" "$TMP/hostile.apparmor" || true)
note "rules naming $DIR/: $n"
# 12 files, their directory, and the 2 directories the names with a "/" made.
((n == 15)) || fail "expected 15 rules under $DIR, got $n"

step "check run $second against it: nothing denied"
expect_status 0 "$SECLEARN" check --db "$DB" --app hostile --apparmor "$TMP/hostile.apparmor" --run "$second"
expect_stderr_matches ': [0-9]+ accesses of run [0-9]+ checked, 0 would be denied'

step "the names grant only themselves: look-alike paths are denied"
# Paths the names would match if they were read as globs or as several rules: another
# workload reads them, and check must deny every one under the exported profile.
for probe in "x" "y" "zz" "anything" "a" "sp" "c" "new" "q" "Hq" "hash"; do
  p="$DIR/$probe"
  "$PY" -c 'import sys; open(sys.argv[1], "w").write("x")' "$p"
done
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app lookalike -- /bin/busybox sh -c \
  "for f in x y zz anything a sp c new q Hq hash; do busybox cat \"$DIR/\$f\" >/dev/null; done"
expect_status 1 "$SECLEARN" check --db "$DB" --app lookalike --apparmor "$TMP/hostile.apparmor" --profile hostile
for probe in x y zz anything a sp c new q Hq hash; do
  grep -q "/h/$probe  " "$TMP/out" || fail "$DIR/$probe is not denied by the hostile profile"
done
