#!/usr/bin/env bash
# ctest runs every test case the Catch2 binaries hold, each exactly once, and nothing else:
# a case whose name CMake would split (';'), that Catch2 would read as a pattern (a leading or
# trailing '*', a leading '~', '\', '"') or that carries neither [unit] nor [oracle] in
# unit_tests is an error.
# Environment (set by tests/CMakeLists.txt): SECLEARN_BUILD, UNIT_TESTS, LIVE_TESTS.
set -euo pipefail
fail() { printf 'FAIL: test_inventory: %s\n' "$*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Catch2 v2 exits with the number of cases it listed: not an error.
list() { "$@" --list-test-names-only || true; }
list "$UNIT_TESTS" >"$tmp/unit.all"
list "$UNIT_TESTS" '[unit]' >"$tmp/unit.unit"
list "$UNIT_TESTS" '[oracle]' >"$tmp/unit.oracle"
list "$LIVE_TESTS" >"$tmp/live.all"
[[ -s $tmp/unit.unit && -s $tmp/live.all ]] || fail "the test binaries listed no test cases"
for f in "$tmp"/*.all "$tmp"/unit.unit "$tmp"/unit.oracle; do sed -i '/^$/d' "$f"; done

bad=$(cat "$tmp/unit.all" "$tmp/live.all" | grep -E '[;\\"]|^[~*]|[*]$' || true)
[[ -z $bad ]] || fail "test names ctest or Catch2 cannot run as written: $bad"

both=$(sort "$tmp/unit.unit" "$tmp/unit.oracle" | uniq -d)
[[ -z $both ]] || fail "unit_tests cases tagged both [unit] and [oracle]: $both"
neither=$(sort "$tmp/unit.unit" "$tmp/unit.oracle" | sort - "$tmp/unit.all" | uniq -u)
[[ -z $neither ]] || fail "unit_tests cases tagged neither [unit] nor [oracle]: $neither"

{
  sed 's/^/unit:/' "$tmp/unit.unit"
  sed 's/^/oracle:/' "$tmp/unit.oracle"
  sed 's/^/live:/' "$tmp/live.all"
} | sort >"$tmp/want"
ctest --test-dir "$SECLEARN_BUILD" -N | sed -nE 's/^ *Test +#[0-9]+: //p' |
  grep -E '^(unit|oracle|live):' | sort >"$tmp/got"
if ! diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
  cat "$tmp/diff" >&2
  fail "ctest's entries differ from the Catch2 test cases (- only in the binaries, + only in ctest)"
fi
dups=$(uniq -d "$tmp/got")
[[ -z $dups ]] || fail "ctest runs these more than once: $dups"
printf 'PASS: test_inventory: %s unit, %s oracle, %s live test cases, each one ctest entry\n' \
  "$(wc -l <"$tmp/unit.unit")" "$(wc -l <"$tmp/unit.oracle")" "$(wc -l <"$tmp/live.all")"
