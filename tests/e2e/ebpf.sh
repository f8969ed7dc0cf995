#!/usr/bin/env bash
# The eBPF backend (--backend ebpf) on real programs: it records the ptrace backend's facts
# (the same syscall names per arch, files, network, capabilities and executables), counts the
# calls it keeps in the kernel exactly, and the profile exported from its run runs the
# workload. Without root or BTF it fails with one line and 125.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
if ! "$SECLEARN" learn --quiet --db "$TMP/probe.db" --app probe --backend ebpf -- /bin/true 2>err0; then
  skip "the eBPF backend here: $(cat err0)"
fi
# The workload of e2e/relearn.sh.
deterministic_workload

step "the same workload learned by ptrace, twice (the premise), and by ebpf"
# One database each: run ids are the database's.
expect_status 0 "$SECLEARN" learn --quiet --db p1.db --app w --full -- "${WORKLOAD[@]}"
expect_status 0 "$SECLEARN" learn --quiet --db p2.db --app w --full -- "${WORKLOAD[@]}"
expect_status 0 "$SECLEARN" learn --db e.db --app w --backend ebpf -- "${WORKLOAD[@]}"
expect_stderr_matches '[0-9]+ of those calls were counted in the kernel without a stop \(ebpf\), [0-9]+ stopped'
run_facts p1.db w 1 >p1.json
run_facts p2.db w 1 >p2.json
run_facts e.db w 1 >e.json
"$PY" - p1.json p2.json e.json <<'PYEOF' || fail "the ebpf run's facts differ from ptrace's"
import json, sys
p1, p2, e = (json.load(open(f)) for f in sys.argv[1:])
for k in p1:
    only = lambda x, y: [v for v in x[k] if v not in y[k]][:5]
    assert p1[k] == p2[k], f"premise: {k} differs between two ptrace runs: {only(p1, p2)} / {only(p2, p1)}"
    assert e[k] == p1[k], f"{k}: only ebpf {only(e, p1)}; only ptrace {only(p1, e)}"
print(f"   {len(e['syscalls'])} syscall names, {len(e['files'])} files: the same")
PYEOF

step "the profile exported from the ebpf run runs the workload"
expect_status 0 "$SECLEARN" export --db e.db --app w --format seccomp --no-store -o e.profile
expect_status 0 "$SECLEARN" export --db p1.db --app w --format seccomp --no-store -o p1.profile
cmp <(profile_names e.profile) <(profile_names p1.profile) ||
  fail "the ebpf run's profile allows other names than ptrace's"
expect_status 0 "$SECLEARN" run --seccomp e.profile -- "${WORKLOAD[@]}"

step "calls counted in the kernel are exact: 300000 getppid, in three processes"
DB=$TMP/loop.db
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app loop --backend ebpf -- \
  /bin/sh -c "$TESTEE getppid-loop 100000 & $TESTEE getppid-loop 100000; $TESTEE getppid-loop 100000; wait"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app ref --full -- \
  /bin/sh -c "$TESTEE getppid-loop 100000 & $TESTEE getppid-loop 100000; $TESTEE getppid-loop 100000; wait"
got=$(syscall_count loop getppid)
want=$(syscall_count ref getppid)
[[ $got == "$want" && $got -ge 300000 ]] || fail "ebpf counted $got getppid, ptrace $want"
note "getppid: $got under ebpf, $want under ptrace"

step "the workload's status passes through"
expect_status 3 "$SECLEARN" learn --quiet --db "$DB" --app st --backend ebpf -- /bin/sh -c 'exit 3'
expect_status 137 "$SECLEARN" learn --quiet --db "$DB" --app st --backend ebpf -- /bin/sh -c 'kill -9 $$'

step "without root: one line, exit 125"
chmod 0777 "$TMP"
mkdir -p nobody && chown 65534 nobody
expect_status 125 setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$SECLEARN" learn --db nobody/n.db --app n --backend ebpf -- /bin/true
expect_one_error_line 'eBPF backend: loading its tracepoint programs: needs root .*\(else use --backend ptrace\): Operation not permitted$'
