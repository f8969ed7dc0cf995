#!/usr/bin/env bash
# Complain mode read back from the real auditd: a workload runs under its app's
# `--mode complain` profile (default SCMP_ACT_LOG) while an auditd started here writes the
# kernel's SECCOMP records; `seclearn import --audit` learns exactly the calls outside the
# profile (what strace -f sees the workload make, less what the profile allows), and the next
# export runs the workload under enforcement. Then audit rules: a workload's SYSCALL events
# with their CWD, PATH and EXECVE records, imported by the pid of its first process (its
# children through ppid=), give the same file facts `seclearn learn` records for it, a name
# with a newline and quotes included. A log with a foreign line and a truncated last record:
# one line naming the line, exit 125, the good records kept.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/auditd.sh"
command -v strace >/dev/null || skip "strace is not installed"
grep -qw log /proc/sys/kernel/seccomp/actions_logged 2>/dev/null ||
  skip "this kernel does not log SECCOMP_RET_LOG (kernel.seccomp.actions_logged lacks log)"

cd "$TMP"
DB=$TMP/audit.db
step "start auditd (private config and log)"
start_auditd

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

step "audit rules: SYSCALL with CWD, PATH and EXECVE records give the files learn records"
# The workload runs as nobody, so that one rule (-F uid=) takes its calls and no one else's;
# its directory is outside $TMP (which nobody cannot enter). A name with a newline, quotes and
# a space is written hex-encoded by auditd and must come back as the same bytes.
AW=$(mktemp -d /tmp/seclearn-aw.XXXXXX)
on_exit rm -rf "'$AW'"
chmod 0755 "$AW"
mkdir "$AW/w" && chmod 0777 "$AW/w"
cat >"$AW/work.sh" <<'EOF'
cd "$(dirname "$0")/w"
cat /etc/hostname >copy
mkdir sub
mv copy sub/moved
ln -s moved sub/link
rm sub/link sub/moved
rmdir sub
odd=$(printf 'odd\nname "q"')
: >"$odd"
rm -- "$odd"
EOF
RULE=(-F arch=b64 -S openat,execve,mkdir,mkdirat,renameat2,symlinkat,unlinkat,rmdir,chdir
      -F uid=65534 -k seclearn-e2e)
audit_rule "${RULE[@]}"
AS_NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups /bin/sh "$AW/work.sh")
"${AS_NOBODY[@]}" &
P=$!
wait $P || fail "the workload failed"
for ((i = 0; i < 100; i++)); do
  grep -q 'type=PATH .*nametype=DELETE' aud/audit.log 2>/dev/null &&
    grep -q "type=SYSCALL .*syscall=263 .*pid=$P " aud/audit.log && break
  sleep 0.05
done
cp aud/audit.log rules.log
expect_status 0 "$SECLEARN" import --db "$DB" --app rules --audit rules.log --pid $P
expect_stderr_matches '^seclearn: imported [0-9]+ calls .* into rules run [0-9]+, [0-9]+ file and 0 network facts$'
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app rules-learned -- "${AS_NOBODY[@]}"
"$SECLEARN" show --db "$DB" --app rules --json >rules.json
"$SECLEARN" show --db "$DB" --app rules-learned --json >learned.json
"$PY" - rules.json learned.json "$AW" <<'EOF' || fail "imported files differ from learn's"
import json, sys
ruled = {"openat", "execve", "mkdir", "mkdirat", "renameat2", "symlinkat", "unlinkat", "rmdir",
         "chdir"}
def files(path, only_ruled):
    out = set()
    for f in json.load(open(path))["files"]:
        p = f["path"]
        if not (p.startswith(sys.argv[3]) or p == "/etc/hostname"):
            continue
        if only_ruled and f["syscall"] not in ruled:
            continue
        out.add((p, f["access"], f["result"]))
    return out
got, want = files(sys.argv[1], False), files(sys.argv[2], True)
assert got == want, f"only imported: {sorted(got - want)}; only learned: {sorted(want - got)}"
odd = sys.argv[3] + '/w/odd\nname "q"'
assert any(p == odd for p, _, _ in got), sorted(got)
run = json.load(open(sys.argv[1]))["runs"][-1]
assert run["argv"][3:] == ["--", "/bin/sh", sys.argv[3] + "/work.sh"], run["argv"]
EOF

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
