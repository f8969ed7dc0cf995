#!/usr/bin/env bash
# The CPU wake-up latency request (tracer/src/wakeup_latency.h): while a workload is learned
# as root, the kernel's PM QoS limit (/dev/cpu_dma_latency, read back as the effective value)
# is 0 us, for every backend and for the agent while it serves a container; the workload
# never holds the descriptor; --keep-idle-states requests nothing; the request ends with the
# learn, and with the agent's last container (the agent keeps running).
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_root
[[ -c /dev/cpu_dma_latency ]] || skip "this kernel has no /dev/cpu_dma_latency (CONFIG_CPU_IDLE PM QoS)"
# The effective limit: the smallest request held by anyone, S32 2000000000 with none.
limit() { od -An -t d4 -N4 /dev/cpu_dma_latency | tr -d ' '; }
BASE=$(limit)
((BASE > 0)) || skip "another process holds a 0 us request already ($BASE): nothing to observe"
cd "$TMP"
# What the workload sees: the limit, and whether any descriptor of its shell is the device.
probe='od -An -t d4 -N4 /dev/cpu_dma_latency | tr -d " "; ls -l /proc/$$/fd/ | grep -c cpu_dma_latency || true'

backends=(ptrace notify)
"$SECLEARN" learn --quiet --db probe.db --app probe --backend ebpf -- /bin/true >/dev/null 2>&1 &&
  backends+=(ebpf)
for backend in "${backends[@]}"; do
  step "$backend: 0 us while the workload runs, not inherited, released at the end"
  expect_status 0 "$SECLEARN" learn --quiet --db db --app w --backend "$backend" -- sh -c "$probe"
  expect_stdout_is "0
0"
  [[ $(limit) == "$BASE" ]] || fail "$backend: the limit is $(limit) after learn, was $BASE"

  step "$backend: --keep-idle-states requests nothing"
  expect_status 0 "$SECLEARN" learn --quiet --keep-idle-states --db db --app w --backend "$backend" -- \
    sh -c "$probe"
  expect_stdout_is "$BASE
0"
done

step "as uid 65534 (no access to the device): learn runs as before"
mkdir "$TMP/nobody" && chmod 755 "$TMP" && chmod 777 "$TMP/nobody"
expect_status 0 setpriv --reuid 65534 --regid 65534 --clear-groups -- \
  "$SECLEARN" learn --quiet --db "$TMP/nobody/db" --app w -- sh -c 'echo ran'
expect_stdout_is ran

command -v runc >/dev/null || skip "runc is not installed (the commands above passed)"
require_notify
require_busybox
step "the agent: 0 us while it serves a container, released when none is left"
make_bundle "$TMP/bundle" /bin/true
SOCK=$TMP/agent.sock
start_agent "$SOCK" "$TMP/agent.db"
[[ $(limit) == "$BASE" ]] || fail "the idle agent holds a request: $(limit)"
configure_bundle "$TMP/bundle" 'args=["/bin/sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done"]'
id=seclearn-e2e-$$-lat
on_exit runc delete -f "$id"
timeout -k 10 60 "$SECLEARN" runtime --runtime-path runc --agent-socket "$SOCK" --app lat -- \
  run --bundle "$TMP/bundle" "$id" </dev/null &
ctr=$!
for ((i = 0; i < 200; i++)); do
  grep -q 'app lat, run [0-9]*): learning' "$TMP/agent.log" && break
  sleep 0.05
done
during=$(limit)
touch "$TMP/bundle/rootfs/tmp/go"
wait "$ctr" || fail "the container failed"
wait_ended 1
((during == 0)) || fail "the limit was $during while the agent served a container"
# The agent drops the request at its next pass through its loop (at most a tick later).
for ((i = 0; i < 60; i++)); do
  [[ $(limit) == "$BASE" ]] && break
  sleep 0.05
done
[[ $(limit) == "$BASE" ]] || fail "the agent still holds a request with no container: $(limit)"
kill -0 "$AGENT_PID" || fail "the agent exited"
stop_agent
