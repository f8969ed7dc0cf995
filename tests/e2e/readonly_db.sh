#!/usr/bin/env bash
# A database seclearn may only read: on a read-only mount, and as another user than its
# owner. The reading commands give what they give on a writable copy, export stores no
# version (it says so once, or --no-store), merge reads it as an input, and learn refuses it
# before the workload runs.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

[[ $(id -u) -eq 0 ]] || skip "needs root (a read-only bind mount, a database owned by root)"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"

# Learned and exported where it is writable; the reference outputs come from there.
chmod 0755 "$TMP"
mkdir "$TMP/db" "$TMP/ro" "$TMP/nobody" "$TMP/root"
chown 65534:65534 "$TMP/nobody"
db=$TMP/db/s.db
expect_status 0 "$SECLEARN" learn --quiet --db "$db" --app w -- /bin/sh -c 'cat /etc/hostname; mkdir -p /tmp'
expect_status 0 "$SECLEARN" export --db "$db" --app w -o "$TMP/ref.json"
expect_status 0 "$SECLEARN" export --db "$db" --app w --format apparmor -o "$TMP/ref.apparmor"
[[ ! -e $db-wal && ! -e $db-shm ]] || fail "premise: the database at rest has -wal/-shm"
chmod 0644 "$db"
chmod 0644 "$TMP"/ref.*

# The commands that only read, each with its reference output from the writable database.
readers=(
  "show --app w"
  "show --app w --json"
  "show"
  "versions --app w"
  "versions --app w --json"
  "explain --app w openat"
  "explain --app w --path /etc/hostname --json"
  "export --app w --version 1"
  "export --app w --no-store"
  "export --app w --format apparmor --no-store"
)
if [[ -e /etc/apparmor.d/tunables/global ]]; then
  readers+=("check --app w --apparmor $TMP/ref.apparmor")
fi

# run_reader CMD DB [PREFIX...]: seclearn's subcommand CMD (words) on DB, run by PREFIX.
run_reader() {
  local words db=$2
  read -ra words <<<"$1"
  shift 2
  expect_status_any "$@" "$SECLEARN" "${words[0]}" --db "$db" "${words[@]:1}"
}
# expect_status_any CMD...: like expect_status, keeping the status in $got.
expect_status_any() {
  got=0
  "$@" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
}

declare -A want_out want_status
for cmd in "${readers[@]}"; do
  run_reader "$cmd" "$db"
  ((got <= 1)) || fail "premise: '$cmd' on the writable database exited $got: $(cat "$TMP/err")"
  want_out[$cmd]=$(cat "$TMP/out")
  want_status[$cmd]=$got
done

# check_readers DB [PREFIX...]: every reader on DB, run by PREFIX, answers as on the original.
check_readers() {
  local path=$1 cmd
  shift
  for cmd in "${readers[@]}"; do
    run_reader "$cmd" "$path" "$@"
    show_output
    [[ $got == "${want_status[$cmd]}" ]] || fail "'$cmd' on $path exited $got, not ${want_status[$cmd]}"
    [[ $(cat "$TMP/out") == "${want_out[$cmd]}" ]] || fail "'$cmd' on $path answers otherwise"
    if grep -Eq 'unable to open|readonly database|not a seclearn' "$TMP/err"; then
      fail "'$cmd' on $path: $(cat "$TMP/err")"
    fi
  done
}

# check_writers AS DB SCRATCH: export without --no-store, merge and learn on DB run AS.
check_writers() {
  local as=$1 path=$2 scratch=$3
  # shellcheck disable=SC2086
  expect_status 125 $as "$SECLEARN" export --db "$path" --app w -o "$scratch/out.json"
  expect_one_error_line "export: .*s\.db: cannot write the database.*needs write access.*--no-store"
  [[ ! -e $scratch/out.json ]] || fail "export wrote a profile it could not store"
  # shellcheck disable=SC2086
  expect_status 0 $as "$SECLEARN" merge --db "$scratch/fleet.db" "$path"
  expect_stderr_matches 'merged .*s\.db into .*fleet\.db: 1 runs added'
  # shellcheck disable=SC2086
  expect_status 0 $as "$SECLEARN" export --db "$scratch/fleet.db" --app w -o "$scratch/fleet.json"
  cmp "$scratch/fleet.json" "$TMP/ref.json" || fail "the merged database exports otherwise"
  # shellcheck disable=SC2086
  expect_status 125 $as "$SECLEARN" learn --db "$path" --app w -- /bin/touch "$scratch/ran"
  expect_one_error_line 's\.db: cannot write the database'
  [[ ! -e $scratch/ran ]] || fail "learn ran the workload on a database it cannot write"
  rm -f "$scratch"/fleet.db* "$scratch"/*.json
}

step "on a read-only bind mount"
mount --bind -o ro "$TMP/db" "$TMP/ro" || skip "mount --bind -o ro failed"
on_exit umount "'$TMP/ro'"
if touch "$TMP/ro/probe" 2>/dev/null; then fail "premise: $TMP/ro is writable"; fi
check_readers "$TMP/ro/s.db"
check_writers "" "$TMP/ro/s.db" "$TMP/root"
[[ ! -e $TMP/db/s.db-wal && ! -e $TMP/db/s.db-shm ]] || fail "a reader left -wal/-shm"

step "as uid 65534, a root-owned database in a root-owned directory"
as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
check_readers "$db" $as_nobody
check_writers "$as_nobody" "$db" "$TMP/nobody"

step "as uid 65534, a root-owned database in a world-writable directory"
mkdir -m 1777 "$TMP/shared"
cp -p "$db" "$TMP/shared/s.db"
check_readers "$TMP/shared/s.db" $as_nobody
cmp "$db" "$TMP/shared/s.db" || fail "a reader changed the database"
# SQLite would open it read-only here without a word (its -wal and -shm can be made): learn
# must still refuse it before the workload runs, not lose the run at its end.
expect_status 125 $as_nobody "$SECLEARN" learn --db "$TMP/shared/s.db" --app w -- /bin/touch "$TMP/nobody/ran"
expect_one_error_line 'shared/s\.db: cannot write the database'
[[ ! -e $TMP/nobody/ran ]] || fail "learn ran the workload on a database it cannot write"

step "learn as uid 65534 on a database of its own works as before"
expect_status 0 $as_nobody "$SECLEARN" learn --quiet --db "$TMP/nobody/own.db" --app w -- /bin/true
