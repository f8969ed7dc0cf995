#!/usr/bin/env bash
# Inputs seclearn reads whole (seccomp and AppArmor profiles, capability lists) are read only
# when they are regular files of at most 16 MiB: /dev/zero never ends, a FIFO blocks, a
# directory or an oversized file is not a profile. Each is one error line naming the file,
# exit 125 (run, check) or 2 (diff's trouble), at once: a CI gate runs untrusted profiles.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
cat >good.json <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}
JSON
mkfifo fifo
mkdir dir
# Sparse: 17 MiB on paper, nothing on disk, a regular file all the same.
truncate -s 17M big.json

# bounded STATUS CMD...: expect_status under a 20 s timeout, so a read that blocks or never
# ends fails the test instead of hanging it (timeout exits 124, or 137 after its KILL).
bounded() {
  local want=$1
  shift
  expect_status "$want" timeout -k 5 20 "$@"
}

for input in /dev/zero fifo dir big.json; do
  case $input in
    /dev/zero) why='not a regular file \(a character device\)' ;;
    fifo) why='not a regular file \(a FIFO\)' ;;
    dir) why='not a regular file \(a directory\)' ;;
    big.json) why='larger than 16 MiB' ;;
  esac
  step "run --seccomp $input: exit 125, one line"
  bounded 125 "$SECLEARN" run --seccomp "$input" -- true
  expect_one_error_line "seccomp profile $input: $why"

  step "diff $input good.json and good.json $input: trouble (2), one line"
  bounded 2 "$SECLEARN" diff "$input" good.json
  expect_one_error_line "$input: $why"
  bounded 2 "$SECLEARN" diff good.json "$input"
  expect_one_error_line "$input: $why"

  step "check --apparmor $input: exit 125, one line"
  bounded 125 "$SECLEARN" check --db "$TMP/none.db" --app web --apparmor "$input"
  expect_one_error_line "$input: $why"
done

step "a profile just under the limit is read as any other"
{ printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [], "pad": "'
  head -c $((16 * 1024 * 1024 - 80)) /dev/zero | tr '\0' x
  printf '"}\n'; } >large.json
(($(stat -c %s large.json) < 16 * 1024 * 1024)) || fail "large.json is not under 16 MiB"
bounded 0 "$SECLEARN" run --seccomp large.json -- true
bounded 0 "$SECLEARN" diff large.json good.json
expect_stdout_is $'--- large.json\n+++ good.json\nno difference'
