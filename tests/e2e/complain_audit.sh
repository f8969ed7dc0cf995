#!/usr/bin/env bash
# Complain mode read back from the real auditd: a workload runs under its app's
# `--mode complain` profile (default SCMP_ACT_LOG) while an auditd started here writes the
# kernel's SECCOMP records; `seclearn import --audit` learns exactly the calls outside the
# profile (what strace -f sees the workload make, less what the profile allows), and the next
# export runs the workload under enforcement. A log with a foreign line and a truncated last
# record: one line naming the line, exit 125, the good records kept.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

((EUID == 0)) || skip "auditd needs root"
command -v auditd >/dev/null || skip "auditd is not installed"
command -v auditctl >/dev/null || skip "auditctl (auditd) is not installed"
command -v strace >/dev/null || skip "strace is not installed"
grep -qw log /proc/sys/kernel/seccomp/actions_logged 2>/dev/null ||
  skip "this kernel does not log SECCOMP_RET_LOG (kernel.seccomp.actions_logged lacks log)"
status=$(auditctl -s 2>/dev/null) || skip "the kernel's audit subsystem does not answer (CONFIG_AUDIT)"
owner=$(awk '$1 == "pid" { print $2 }' <<<"$status")
[[ $owner == 0 ]] || skip "an audit daemon (pid $owner) already owns the kernel's audit log"
enabled=$(awk '$1 == "enabled" { print $2 }' <<<"$status")
backlog=$(awk '$1 == "backlog_limit" { print $2 }' <<<"$status")

cd "$TMP"
DB=$TMP/audit.db
mkdir aud aud/plugins
cat >aud/auditd.conf <<EOF
log_file = $TMP/aud/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 1
write_logs = yes
space_left = 2
admin_space_left = 1
max_log_file_action = ignore
space_left_action = ignore
admin_space_left_action = ignore
disk_full_action = ignore
disk_error_action = ignore
plugin_dir = $TMP/aud/plugins
EOF
chmod 0640 aud/auditd.conf

step "start auditd (private config and log)"
auditd -c "$TMP/aud" -n </dev/null >aud/out 2>&1 &
AUDITD=$!
on_exit auditctl -e "$enabled" -b "$backlog" ">/dev/null"
on_exit kill "$AUDITD" ";" wait "$AUDITD"
for ((i = 0; i < 100; i++)); do
  [[ $(auditctl -s | awk '$1 == "pid" { print $2 }') == "$AUDITD" ]] && break
  kill -0 "$AUDITD" 2>/dev/null || { cat aud/out >&2; fail "auditd exited"; }
  sleep 0.05
done
[[ $(auditctl -s | awk '$1 == "pid" { print $2 }') == "$AUDITD" ]] || fail "auditd did not register"
# Room for a burst of records while auditd writes (the kernel drops them past the backlog).
auditctl -b 8192 >/dev/null

step "learn ls, export complain and enforce profiles"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app files -- /bin/ls /
expect_status 0 "$SECLEARN" export --db "$DB" --app files --mode complain -o complain.json
WORKLOAD=(/bin/sh -c "mkdir $TMP/w1 && rmdir $TMP/w1 && ln -s a $TMP/l1 && rm $TMP/l1")
EXES=/usr/bin/dash,/usr/bin/mkdir,/usr/bin/rmdir,/usr/bin/ln,/usr/bin/rm
expect_status 0 "$SECLEARN" export --db "$DB" --app files -o enforce.json
got=0
"$SECLEARN" run --seccomp enforce.json -- "${WORKLOAD[@]}" >/dev/null 2>&1 || got=$?
((got != 0)) || fail "premise: the workload ran under the enforce profile of ls"

step "the workload runs under the complain profile; the kernel logs what is outside it"
strace -f -qq -o strace.out "${WORKLOAD[@]}"
expect_status 0 "$SECLEARN" run --seccomp complain.json -- "${WORKLOAD[@]}"
for ((i = 0; i < 100; i++)); do
  grep -q "type=SECCOMP .*exe=\"/usr/bin/rm\"" aud/audit.log 2>/dev/null && break
  sleep 0.05
done
grep -q 'type=SECCOMP .*code=0x7ffc0000' aud/audit.log || fail "auditd wrote no SECCOMP record"
cp aud/audit.log audit.log

step "import --audit learns exactly the calls outside the profile"
expect_status 0 "$SECLEARN" import --db "$DB" --app files --audit audit.log --exe "$EXES"
expect_stderr_matches '^seclearn: imported [0-9]+ calls .* into files run 2$'
[[ $(last_run files source) == audit ]] || fail "the imported run is not marked source audit"
"$SECLEARN" show --db "$DB" --app files --run 2 --json >run2.json
"$PY" - strace.out complain.json run2.json <<'EOF' || fail "imported calls differ from strace's"
import json, re, sys
made = set()
for line in open(sys.argv[1]):
    m = re.match(r"\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]", line)
    if m and not line.split(None, 1)[1].startswith(("+++", "---")):
        made.add(m.group(1))
profile = json.load(open(sys.argv[2]))
outright = {n for r in profile["syscalls"] if not r.get("args") for n in r["names"]}
conditioned = {n for r in profile["syscalls"] if r.get("args") for n in r["names"]} - outright
# The exec into the workload happens before the filter's owner is the workload: seclearn run
# execs under the filter, so execve is allowed (the learned run made it).
want = made - outright - conditioned
got = {s["name"] for s in json.load(open(sys.argv[3]))["syscalls"]} - conditioned
assert got == want, f"only imported: {sorted(got - want)}; only strace: {sorted(want - got)}"
assert got, "nothing outside the profile: the premise failed"
EOF

step "the next export runs the workload under enforcement"
expect_status 0 "$SECLEARN" export --db "$DB" --app files -o next.json
expect_status 1 "$SECLEARN" diff --db "$DB" --app files --from 2 --to 3
expect_stdout_matches '^\+ mkdir +\(first needed in production: audit run 2 at [0-9T:.-]+Z \(from audit\.log\)\)$'
rm -rf "$TMP/w1" "$TMP/l1"
expect_status 0 "$SECLEARN" run --seccomp next.json -- "${WORKLOAD[@]}"

step "a foreign line and a truncated record: one line naming the first, the good records kept"
{
  echo "this is not an audit record"
  cat audit.log
  printf 'type=SECCOMP msg=audit(1796302153.1'
} >bad.log
# expect_status gives the command /dev/null as stdin: the log goes in through a shell.
expect_status 125 bash -c '"$0" import --db "$1" --app files2 --audit - --exe "$2" <bad.log' \
  "$SECLEARN" "$DB" "$EXES"
lines=$(grep -c '^seclearn: import:' "$TMP/err")
((lines == 1)) || fail "expected one error line"
expect_stderr_matches '^seclearn: import: standard input:1: not an audit record \(no type=\) \(1 more bad lines\); the good records were imported$'
"$SECLEARN" show --db "$DB" --app files2 --json | "$PY" -c '
import json, sys
a = {s["name"] for s in json.load(sys.stdin)["syscalls"]}
b = {s["name"] for s in json.load(open(sys.argv[1]))["syscalls"]}
assert a == b, (a, b)' run2.json || fail "the good records of the bad log were not all imported"

step "bad options: one line, exit 125"
expect_status 125 "$SECLEARN" import --db "$DB" --app files --audit audit.log
expect_one_error_line 'say whose records to take'
expect_status 125 "$SECLEARN" import --db "$DB" --app files --audit audit.log --exe /no/such
expect_one_error_line 'no SECCOMP or SYSCALL record of [0-9]+ records matched'
expect_status 125 "$SECLEARN" import --db "$DB" --app files --audit "$TMP/absent.log" --exe /x
expect_one_error_line 'cannot read audit log'
