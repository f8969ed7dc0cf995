#!/usr/bin/env bash
# `seclearn run` under a profile that does not let the command start (execve denied, killed,
# or failing with the profile's errno, write and exit_group denied as well): one line naming
# the command and the reason, exit 126, never a silent crash. A profile that allows execve
# still runs the command with its own status.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
profile() { printf '%s\n' "$2" >"$1.json"; }
profile deny-all '{"defaultAction":"SCMP_ACT_ERRNO"}'
profile kill-all '{"defaultAction":"SCMP_ACT_KILL_PROCESS"}'
profile kill-thread '{"defaultAction":"SCMP_ACT_KILL"}'
profile trap-all '{"defaultAction":"SCMP_ACT_TRAP"}'
profile trace-all '{"defaultAction":"SCMP_ACT_TRACE"}'
profile deny-exec '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["execve"],"action":"SCMP_ACT_ERRNO"}]}'
profile enoent-exec '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["execve"],"action":"SCMP_ACT_ERRNO","errnoRet":2}]}'
profile write-exit '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["write","exit_group"],"action":"SCMP_ACT_ALLOW"}]}'

for p in deny-all kill-all kill-thread trap-all trace-all deny-exec enoent-exec write-exit; do
  for nnp in "" --no-new-privs; do
    step "run --seccomp $p.json $nnp -- true: 126, one line"
    expect_status 126 "$SECLEARN" run $nnp --seccomp "$p.json" -- true
    expect_one_error_line "true: the seccomp profile does not let it start: execve"
  done
done

step "the reason is named: the errno, or the signal that kills"
expect_status 126 "$SECLEARN" run --seccomp deny-all.json -- true
expect_stderr_matches "fails with EPERM"
expect_status 126 "$SECLEARN" run --seccomp enoent-exec.json -- true
expect_stderr_matches "fails with ENOENT"
expect_status 126 "$SECLEARN" run --seccomp kill-all.json -- true
expect_stderr_matches "killed with SIGSYS"

step "a profile that allows execve runs the command: its own status and output"
profile allow '{"defaultAction":"SCMP_ACT_ALLOW"}'
expect_status 3 "$SECLEARN" run --seccomp allow.json -- sh -c 'echo ran; exit 3'
[[ $(cat "$TMP/out") == ran ]] || fail "the command's output is missing"
step "a command that is not executable under an allowing profile: 126 from execve itself"
printf 'not a program\n' >data.txt
chmod -x data.txt
expect_status 126 "$SECLEARN" run --seccomp allow.json -- ./data.txt
expect_one_error_line "\./data\.txt: Permission denied"
