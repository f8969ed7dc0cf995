#!/usr/bin/env bash
# A learned profile never breaks the workload it was learned from, under either backend:
# a clone with a namespace flag (recorded with its argument condition and CAP_SYS_ADMIN),
# CLONE_UNTRACED children, int arguments with junk in their upper 32 bits, a signal that
# arrives only in some runs, calls newer than libseccomp's table; and what cannot be learned
# under ptrace (the workload's own ptrace) is said. Then each kernel feature seclearn needs,
# taken away with a seccomp filter of its own, is a one-line error naming it, exit 125.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

command -v gcc >/dev/null || skip "gcc is not installed (the namespace reproduction is C)"
[[ $(id -u) == 0 ]] || skip "root (CLONE_NEWUTS without a user namespace needs CAP_SYS_ADMIN)"

cat >"$TMP/ns.c" <<'C'
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  long pid = syscall(SYS_clone, SIGCHLD | CLONE_NEWUTS, 0, 0, 0, 0);
  if (pid < 0) return 2;
  if (pid == 0) syscall(SYS_exit_group, 0);
  int st; waitpid(pid, &st, 0); return 0;
}
C
gcc -O1 -o "$TMP/ns" "$TMP/ns.c"

# learn_export_replay BACKEND APP WANT -- CMD...: learn CMD (exit WANT), export, replay (WANT).
learn_export_replay() {
  local backend=$1 app=$2 want=$3
  shift 4
  expect_status "$want" "$SECLEARN" learn --quiet --db "$TMP/$backend.db" --app "$app" \
    --backend "$backend" -- "$@"
  expect_status 0 "$SECLEARN" export --db "$TMP/$backend.db" --app "$app" --format seccomp \
    -o "$TMP/$app.$backend.json"
  expect_status "$want" "$SECLEARN" run --seccomp "$TMP/$app.$backend.json" -- "$@"
}

for backend in ptrace notify; do
  step "$backend: the clone with CLONE_NEWUTS is learned with its condition and CAP_SYS_ADMIN"
  learn_export_replay "$backend" ns 0 -- "$TMP/ns"
  expect_status 0 "$SECLEARN" show --db "$TMP/$backend.db" --app ns --json
  "$PY" - "$TMP/out" "$TMP/ns.$backend.json" <<'PY' || fail "$backend: ns learned wrongly"
import json, sys
show, profile = (json.load(open(f)) for f in sys.argv[1:])
counts = {s["name"]: s["count"] for s in show["syscalls"]}
assert counts.get("clone") == 1, counts
assert counts.get("exit_group") == 2, counts  # parent and child, once each
caps = {c["capability"] for c in show["capabilities"]}
assert "CAP_SYS_ADMIN" in caps, caps
clone = [r for r in profile["syscalls"] if r["names"] == ["clone"]]
assert len(clone) == 1 and clone[0]["args"][0]["valueTwo"] == 0x04000000, clone  # CLONE_NEWUTS
PY

  step "$backend: CLONE_UNTRACED children run, are learned and replay"
  learn_export_replay "$backend" untraced 0 -- "$TESTEE" clone-untraced
  learn_export_replay "$backend" untraced3 0 -- "$TESTEE" clone3-untraced

  step "$backend: int arguments with junk in the upper 32 bits replay (compared on 32 bits)"
  learn_export_replay "$backend" junk 0 -- "$TESTEE" int-args-junk

  step "$backend: learned from a run without the signal, replayed with it: rt_sigreturn implied"
  expect_status 0 "$SECLEARN" learn --quiet --db "$TMP/$backend.db" --app sig \
    --backend "$backend" -- "$TESTEE" signal-maybe skip
  expect_status 0 "$SECLEARN" export --db "$TMP/$backend.db" --app sig --format seccomp \
    -o "$TMP/sig.$backend.json"
  expect_stderr_matches '\+ 1 implied'
  expect_status 0 "$SECLEARN" run --seccomp "$TMP/sig.$backend.json" -- "$TESTEE" signal-maybe send

  step "$backend: calls newer than libseccomp answer as natively, learned and replayed"
  expect_status 0 "$TESTEE" newer-syscalls all
  cp "$TMP/out" "$TMP/newer.native"
  learn_export_replay "$backend" newer 0 -- "$TESTEE" newer-syscalls all
  cmp -s "$TMP/out" "$TMP/newer.native" || fail "$backend: newer calls answer otherwise under the profile"
  expect_status 0 "$SECLEARN" export --db "$TMP/$backend.db" --app newer --format seccomp -o /dev/null
  expect_stderr_matches 'note: .*listmount.* newer than libseccomp'

  step "$backend: newer calls a profile does not allow answer ENOSYS, as a kernel without them"
  learn_export_replay "$backend" newer-none 0 -- "$TESTEE" newer-syscalls none
  expect_status 0 "$SECLEARN" run --seccomp "$TMP/newer-none.$backend.json" -- "$TESTEE" newer-syscalls all
  # uprobe is not filtered at all: the kernel runs it without asking seccomp (6.18).
  ! grep -v '^uprobe ' "$TMP/out" | grep -v ' 38$' >/dev/null ||
    fail "$backend: a newer call not answered ENOSYS: $(grep -v ' 38$' "$TMP/out")"
done

step "ptrace: the workload's own ptrace fails there, and learn says to use notify"
expect_status 1 "$SECLEARN" learn --quiet --db "$TMP/p.db" --app traceme -- "$TESTEE" ptrace-traceme
expect_stderr_matches 'PTRACE_TRACEME in process [0-9]+ failed with EPERM.*--backend notify'
expect_status 0 "$SECLEARN" learn --quiet --db "$TMP/p.db" --app traceme --backend notify \
  -- "$TESTEE" ptrace-traceme
if command -v strace >/dev/null; then
  step "ptrace: strace -f inside learn: said once; under notify strace works"
  expect_status 1 "$SECLEARN" learn --quiet --db "$TMP/p.db" --app strace -- strace -f -o /dev/null true
  (($(grep -c 'use --backend notify\|learn it with --backend notify' "$TMP/err") == 1)) ||
    fail "the nested ptrace warning is not said exactly once"
  expect_status 0 "$SECLEARN" learn --quiet --db "$TMP/p.db" --app strace --backend notify \
    -- strace -f -o "$TMP/strace.out" "$TESTEE" write-stdout nested
  expect_stdout_is nested
  grep -q '^[0-9]* *write(1, "nested' "$TMP/strace.out" || fail "strace under notify saw no write"
fi

# without NAME JSON: a profile allowing everything but what JSON's rules take away.
without() {
  printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [%s]}\n' "$2" >"$TMP/$1.json"
}
# ptrace(PTRACE_GET_SYSCALL_INFO = 0x420e) -> EIO, as before Linux 5.3.
without no-syscall-info '{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
  "args": [{"index": 0, "value": 16910, "op": "SCMP_CMP_EQ"}]}'
# ptrace(PTRACE_SET_SYSCALL_INFO = 0x4212) -> EIO, as before Linux 6.16.
without no-set-syscall-info '{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
  "args": [{"index": 0, "value": 16914, "op": "SCMP_CMP_EQ"}]}'
# seccomp(SECCOMP_GET_ACTION_AVAIL) -> EOPNOTSUPP: no user notification.
without no-notify '{"names": ["seccomp"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95,
  "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}'
without no-pidfd-getfd '{"names": ["pidfd_getfd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}'

step "a kernel without PTRACE_GET_SYSCALL_INFO: one line naming it, exit 125, nothing learned"
expect_status 125 "$SECLEARN" run --seccomp "$TMP/no-syscall-info.json" -- \
  "$SECLEARN" learn --quiet --db "$TMP/k.db" --app k -- "$TESTEE" noop
expect_one_error_line 'PTRACE_GET_SYSCALL_INFO \(Linux 5\.3\+\)'
step "a kernel without seccomp user notification: the notify backend says so, exit 125"
expect_status 125 "$SECLEARN" run --seccomp "$TMP/no-notify.json" -- \
  "$SECLEARN" learn --quiet --db "$TMP/k.db" --app k --backend notify -- "$TESTEE" noop
expect_one_error_line 'seccomp user notification'
step "a kernel without pidfd_getfd: file and network learning says so, exit 125"
for backend in ptrace notify; do
  expect_status 125 "$SECLEARN" run --seccomp "$TMP/no-pidfd-getfd.json" -- \
    "$SECLEARN" learn --quiet --db "$TMP/k.db" --app k --backend "$backend" -- "$TESTEE" noop
  expect_one_error_line 'pidfd_getfd \(Linux 5\.6\+\)'
done
step "a kernel without PTRACE_SET_SYSCALL_INFO: CLONE_UNTRACED is cleared through the registers"
expect_status 0 "$SECLEARN" run --seccomp "$TMP/no-set-syscall-info.json" -- \
  "$SECLEARN" learn --quiet --db "$TMP/k.db" --app untraced -- "$TESTEE" clone-untraced
expect_status 0 "$SECLEARN" show --db "$TMP/k.db" --app untraced --json
"$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))
assert {x["name"] for x in s["syscalls"]} >= {"clone", "getppid"}, s["syscalls"]
assert s["runs"][-1]["processes"] == 2, s["runs"]' "$TMP/out" || fail "the untraced child was not learned"
