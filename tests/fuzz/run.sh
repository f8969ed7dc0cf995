#!/usr/bin/env bash
# One fuzz target under ctest: its committed corpus (tests/fuzz/corpus/TARGET, which also holds
# the inputs of crashes found, as regression tests), seeds made here, then FUZZ_CASES mutants
# (default 2000; the ASan+UBSan job of .ci/run runs more). A crash or an abort of a property
# leaves the input as $SECLEARN_BUILD/fuzz-crash-TARGET: rerun it with `FUZZER FILE`.
# Usage: run.sh TARGET FUZZER   (environment: SECLEARN, TESTEE, SECLEARN_BUILD)
set -euo pipefail
target=$1 fuzzer=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/seclearn-fuzz-$target.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
corpus=("$here/corpus/$target")
[[ -d $here/corpus/$target ]] || corpus=()
dict=()
case $target in
  seccomp)
    dict=(--dict "$here/seccomp.dict")
    corpus+=("$repo/tests/golden/seccomp_minimal.json" "$repo/tests/golden/seccomp_args.json"
             "$repo/tests/golden/seccomp_runc_nnp.json")
    [[ -f /usr/share/containers/seccomp.json ]] && corpus+=(/usr/share/containers/seccomp.json)
    ;;
  apparmor)
    dict=(--dict "$here/apparmor.dict")
    corpus+=("$repo/tests/golden/apparmor_web.profile")
    ;;
  merge)
    # A real database with every kind of fact, learned here.
    "$SECLEARN" learn --quiet --db "$tmp/seed.db" --app seed -- \
      /bin/sh -c "$TESTEE net-unix $tmp >/dev/null; $TESTEE openat /etc/hostname" >/dev/null
    "$SECLEARN" export --db "$tmp/seed.db" --app seed --format seccomp -o /dev/null 2>/dev/null
    sqlite3 "$tmp/seed.db" 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;' >/dev/null
    mkdir "$tmp/merge"
    cp "$tmp/seed.db" "$tmp/merge/"
    corpus+=("$tmp/merge")
    ;;
esac
# merge opens a database per case: a tenth of the cases.
cases=${FUZZ_CASES:-2000}
[[ $target == merge ]] && cases=$((cases / 10))
((${#corpus[@]})) || corpus=("$tmp")
if ! "$fuzzer" --cases "$cases" --seed "${FUZZ_SEED:-1}" --last "$tmp/last" "${dict[@]}" \
  "${corpus[@]}"; then
  cp "$tmp/last" "${SECLEARN_BUILD:-.}/fuzz-crash-$target" || true
  echo "FAIL: fuzz $target: the input is ${SECLEARN_BUILD:-.}/fuzz-crash-$target" >&2
  exit 1
fi
