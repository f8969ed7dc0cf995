#!/usr/bin/env bash
# Re-learning containers through the shim and the agent: once an app has a run, the shim asks
# the agent which calls have nothing left to learn and the learning filter lets them run
# unseen (listenerMetadata's unnotified list), so a later run of the container is notified
# only for what it still learns. The property, on runc: a re-learned run records the facts
# of a full run (--full) of the same container, and the container does its job.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_root
require_notify
command -v runc >/dev/null || skip "runc is not installed"
require_busybox

DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
SEQ=0
SCRIPT='echo hello; busybox ls / >/dev/null; cat /bin/sh >/dev/null; busybox wc -c /bin/busybox >/dev/null'

# container [SHIM-ARGS...]: the container through the shim as app "re"; its stdout in
# $TMP/out, the rewritten config's listenerMetadata in $TMP/meta.
container() {
  SEQ=$((SEQ + 1))
  local id=seclearn-e2e-$$-$SEQ
  on_exit runc delete -f "$id"
  configure_bundle "$BUNDLE" "args=[\"/bin/sh\", \"-c\", \"$SCRIPT\"]"
  expect_status 0 timeout -k 10 60 "$SECLEARN" runtime --runtime-path runc --agent-socket "$SOCK" \
    --app re "$@" -- run --bundle "$BUNDLE" "$id"
  expect_stdout_is hello
  "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["linux"]["seccomp"]["listenerMetadata"])' \
    "$BUNDLE/config.json" >"$TMP/meta"
}

# unnotified: how many names the last container's filter let through unseen.
unnotified() { sed -n 's/.*unnotified=\([^ ]*\).*/\1/p' "$TMP/meta" | tr ',' '\n' | grep -c .; }

step "a busybox bundle and an agent"
make_bundle "$BUNDLE" /bin/true
start_agent "$SOCK" "$DB"

step "run 1: every call but runc's own is notified"
container
wait_ended 1
runc_own=$(unnotified)
((runc_own == 7)) || fail "run 1 let $runc_own names through, expected runc's 7: $(cat "$TMP/meta")"

step "run 2: the agent names the known calls; the filter lets them through"
container
wait_ended 2
agent_log_matches 're: [0-9]+ known calls may run unseen \(re-learning\)'
relearned=$(unnotified)
((relearned > runc_own)) || fail "run 2 let only $relearned names through: $(cat "$TMP/meta")"
note "$relearned names unseen ($runc_own of them runc's)"
for must in execve openat close exit_group clone; do
  if sed -n 's/.*unnotified=\([^ ]*\).*/\1/p' "$TMP/meta" | tr ',' '\n' | grep -x "$must" >/dev/null; then
    fail "$must was let through"
  fi
done

step "run 3 (--full): runc's 7 again"
container --full
wait_ended 3
(($(unnotified) == runc_own)) || fail "--full let $(unnotified) names through"

step "the re-learned run's facts are the full run's"
run_facts "$DB" re 1 >"$TMP/run1.json"
run_facts "$DB" re 2 >"$TMP/run2.json"
run_facts "$DB" re 3 >"$TMP/run3.json"
"$PY" - "$TMP/run1.json" "$TMP/run2.json" "$TMP/run3.json" <<'EOF' || fail "the re-learned run differs from a full run"
import json, sys
one, re, full = (json.load(open(f)) for f in sys.argv[1:])
names = lambda d: [(a, n) for a, n, _ in d["syscalls"]]
unseen = lambda d: [n for _, n, seen in d["syscalls"] if not seen]
for d in (one, re, full):
    d["names"] = names(d)
for k in ("executables", "files", "network", "capabilities", "names"):
    only = lambda x, y: [v for v in x[k] if v not in y[k]][:5]
    # Premise: two full runs of the container agree.
    assert one[k] == full[k], f"premise: {k}: only run 1 {only(one, full)}; only run 3 {only(full, one)}"
    assert re[k] == full[k], f"{k}: only re-learned {only(re, full)}; only full {only(full, re)}"
assert len(unseen(re)) > len(unseen(full)), (unseen(re), unseen(full))
print(f"   {len(full['names'])} names; unseen in run 2: {len(unseen(re))}, in run 3: {len(unseen(full))}")
EOF

step "an app with no runs gets no known calls"
"$PY" - "$SOCK" <<'EOF' || fail "the agent's answer for an unknown app"
import json, socket, sys
for app in ("nobody", "../evil\nname"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall(json.dumps({"seclearn": "known-calls", "app": app}).encode())
    s.shutdown(socket.SHUT_WR)
    reply = b"".join(iter(lambda: s.recv(4096), b""))
    assert json.loads(reply) == {"known": []}, reply
EOF
