#!/usr/bin/env bash
# Docker (docker.io) with seclearn as a runtime: the test starts its own dockerd (data-root,
# exec-root and socket under a temp dir, no bridge, no iptables, the vfs driver, runtime
# seclearn = a seclearn-runtime symlink with its config file beside it), imports the busybox
# rootfs, learns a container with `docker run --runtime=seclearn` (and one more under the app
# its SECLEARN_APP environment variable names), exports with --runtime
# docker, and proves it: `docker run --security-opt seccomp=PROFILE` does the job and a
# command outside what was learned is refused. The daemon is stopped by pid at the end.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_root
require_notify
require_busybox
DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
D=$TMP/docker
SCRIPT='echo hello; busybox ls / >/dev/null'
VIOLATION='echo hello; mkdir /tmp/seclearn-denied'
mkdir -p "$D"

step "make the busybox rootfs and the shim (symlink + seclearn-runtime.json)"
make_bundle "$BUNDLE" /bin/true
install_shim "$D" bb-docker
start_agent "$SOCK" "$DB"

step "start a private dockerd"
docker_daemon "$D" "seclearn=$D/seclearn-runtime"

step "learn: docker run --runtime=seclearn"
expect_status 0 timeout 120 "$DOCKER" run --rm --runtime=seclearn --network=none \
  seclearn-e2e-bb /bin/sh -c "$SCRIPT"
expect_stdout_is hello
for ((i = 0; i < 100; i++)); do
  grep -q 'app bb-docker, run 1): ended: ' "$TMP/agent.log" && break
  sleep 0.05
done
agent_log_matches 'app bb-docker, run 1\): ended: .* exit 0'

step "one container names its own app: docker run -e SECLEARN_APP (Docker 20.10 has no --annotation)"
expect_status 0 timeout 120 "$DOCKER" run --rm --runtime=seclearn --network=none \
  -e SECLEARN_APP=bb-env seclearn-e2e-bb /bin/sh -c 'echo env'
expect_stdout_is env
for ((i = 0; i < 100; i++)); do
  grep 'app bb-env, run 2): ended: ' "$TMP/agent.log" >/dev/null && break
  sleep 0.05
done
agent_log_matches 'app bb-env, run 2\): ended: .* exit 0'

step "a container's peaks come from its cgroup, sampled while it runs"
expect_status 0 timeout 120 "$DOCKER" run --rm --runtime=seclearn --network=none \
  -e SECLEARN_APP=bb-peaks seclearn-e2e-bb /bin/sh -c 'busybox sleep 1.5; echo peaks'
expect_stdout_is peaks
for ((i = 0; i < 100; i++)); do
  grep 'app bb-peaks, run 3): ended: ' "$TMP/agent.log" >/dev/null && break
  sleep 0.05
done
[[ $(sql "$DB" "SELECT source LIKE 'cgroup v_' AND peak_memory_bytes > 0 AND peak_tasks > 0
  AND cpu_ns > 0 AND wall_ns >= 1000000000 FROM run_resources WHERE run_id = 3") == 1 ]] ||
  fail "no cgroup peaks for run 3: $(sql "$DB" "SELECT * FROM run_resources")"

step "docker exec into a running container is an exec run, not the container's command"
expect_status 0 timeout 120 "$DOCKER" run -d --runtime=seclearn --network=none --name "seclearn-e2e-$$-svc" \
  -e SECLEARN_APP=bb-svc seclearn-e2e-bb /bin/sh -c 'while [ ! -e /tmp/stop ]; do sleep 0.1; done'
on_exit "$DOCKER" rm -f "seclearn-e2e-$$-svc"
expect_status 0 timeout 60 "$DOCKER" exec "seclearn-e2e-$$-svc" /bin/touch /tmp/stop
expect_status 0 timeout 60 "$DOCKER" wait "seclearn-e2e-$$-svc"
for ((i = 0; i < 100; i++)); do
  (($(grep -c 'app bb-svc, run [0-9]*): ended: ' "$TMP/agent.log" || true) >= 2)) && break
  sleep 0.05
done
agent_log_matches '^seclearn: agent: exec into container [0-9a-f]{64} \(app bb-svc, run [0-9]+\): ended: '
expect_status 0 "$SECLEARN" show --db "$DB" --app bb-svc
grep -E 'exec into [0-9a-f]{64}: /bin/touch /tmp/stop$' "$TMP/out" >/dev/null ||
  fail "show does not name the docker exec by its command"
stop_agent

step "export for docker (runc's set, privileged path) and run under --security-opt seccomp"
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-docker --runtime docker -o "$TMP/bb.json"
profile_lacks "$TMP/bb.json" mkdir mkdirat
# The container's files are the image's: this host cannot judge their modes for --user.
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-docker --format docker-flags --no-store
if grep -- '--user' "$TMP/out" >/dev/null; then fail "--user judged by the host's files"; fi
expect_stderr_matches '^seclearn: no --user: run 1 was learned in container [0-9a-f]{12}, whose files'
# SELinux is off here: the label is named only when asked for (Docker then ignores it).
expect_stderr_matches '^seclearn: no --security-opt label=type:bb_docker.process: SELinux is not'
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-docker --format docker-flags --no-store \
  --selinux-type bb_docker.process
expect_stdout_matches '^--security-opt label=type:bb_docker.process$'
expect_status 0 timeout 120 "$DOCKER" run --rm --network=none --security-opt "seccomp=$TMP/bb.json" \
  --security-opt label=type:bb_docker.process seclearn-e2e-bb /bin/sh -c "$SCRIPT"
expect_stdout_is hello
step "the limits docker-flags proposes from the cgroup's peaks: the container still runs"
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-peaks --format docker-flags --no-store
expect_stderr_matches '^seclearn: limits: memory [0-9]+m .* from 1 measured run'
mapfile -t LIMITS < <(grep -E '^--(memory|pids-limit|cpus) ' "$TMP/out" | tr ' ' '\n')
((${#LIMITS[@]} == 6)) || fail "docker-flags proposed ${#LIMITS[@]} limit words, not 6"
expect_status 0 timeout 120 "$DOCKER" run --rm --network=none "${LIMITS[@]}" \
  seclearn-e2e-bb /bin/sh -c 'busybox sleep 1.5; echo peaks'
expect_stdout_is peaks

step "a command outside what was learned is refused"
got=0
timeout 120 "$DOCKER" run --rm --network=none --security-opt "seccomp=$TMP/bb.json" \
  seclearn-e2e-bb /bin/sh -c "$VIOLATION" </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
show_output
((got != 0)) || fail "the violating command succeeded under the profile"
expect_stdout_is hello
expect_stderr_matches 'Operation not permitted'

step "stop dockerd"
kill -TERM "$DOCKERD_PID"
wait "$DOCKERD_PID" || true
kill -0 "$DOCKERD_PID" 2>/dev/null && fail "dockerd still running"
true
