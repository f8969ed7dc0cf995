#!/usr/bin/env bash
# Resource limits from observed peaks, proven under Docker: a python3 worker (48 MiB touched,
# threads, open files, a CPU burst) and a busybox web server are learned with `seclearn
# learn` (peaks: rusage and the tracer's task and descriptor counts); docker-flags proposes
# --memory, --pids-limit, --ulimit nofile and --cpus with kLimitHeadroom beside the user,
# --read-only, --tmpfs, capability and seccomp options, and each runs in Docker with every
# option it proposed: the worker does its job, the server serves. The same worker under a
# quarter of the proposed memory is killed: the limit is real. Both run under the same options
# in Podman (runc, cgroupfs) too.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_root
require_busybox
command -v curl >/dev/null || skip "curl is not installed"
DB=$TMP/db
BUNDLE=$TMP/bundle
D=$TMP/docker
F=$TMP/fat
# The server's files are where other users may read them (below $TMP, mode 0700, they are
# not: docker-flags would keep root).
W=/tmp/seclearn-limits-www-$$
mkdir -p "$D" "$W"
chmod 755 "$W"
on_exit rm -rf "'$W'"
echo "<p>served</p>" >"$W/index.html"
make_python_rootfs "$F"
cp -a "$W" "$F/www"
cat >"$F/app/worker.py" <<'PYEOF'
import threading
buf = bytearray(48 << 20)
for i in range(0, len(buf), 4096):
    buf[i] = 1
files = [open("/usr/lib/python3.11/os.py") for _ in range(20)]
ev = threading.Event()
ts = [threading.Thread(target=ev.wait) for _ in range(3)]
[t.start() for t in ts]
n = sum(i * i for i in range(300000))
ev.set()
[t.join() for t in ts]
with open("/tmp/out.txt", "w") as f:
    f.write(str(n))
print("worker ok", len(files), open("/tmp/out.txt").read() == str(n))
PYEOF

step "learn the worker and the web server with seclearn learn"
mkdir -p /app
[[ ! -e /app/worker.py ]] || fail "/app/worker.py exists on this host"
on_exit rm -f /app/worker.py
cp "$F/app/worker.py" /app/worker.py
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app worker -- /usr/bin/python3 /app/worker.py
expect_stdout_is "worker ok 20 True"
PORT=$((20000 + $$ % 20000))
"$SECLEARN" learn --quiet --db "$DB" --app web -- /bin/busybox httpd -f -p "127.0.0.1:$PORT" \
  -h "$W" </dev/null >"$TMP/httpd.out" 2>&1 &
LEARN_PID=$!
on_exit kill "$LEARN_PID"
for ((i = 0; i < 100; i++)); do
  curl -fsS "http://127.0.0.1:$PORT/index.html" >"$TMP/page" 2>/dev/null && break
  sleep 0.05
done
grep -x '<p>served</p>' "$TMP/page" >/dev/null || fail "the learned server did not serve"
curl -fsS "http://127.0.0.1:$PORT/index.html" >/dev/null
kill -TERM "$LEARN_PID"
wait "$LEARN_PID" || true
for app in worker web; do
  [[ $(sql "$DB" "SELECT count(*) FROM run_resources x JOIN runs r ON r.id = x.run_id
    JOIN apps a ON a.id = r.app_id WHERE a.name = '$app' AND x.peak_tasks > 0") == 1 ]] ||
    fail "$app: no peaks recorded"
done
[[ $(sql "$DB" "SELECT peak_memory_bytes >= 48 * 1048576 AND peak_tasks >= 4 AND max_fd >= 22
  FROM run_resources WHERE run_id = 1") == 1 ]] || fail "worker: peaks below what it used"

step "docker-flags: limits with headroom, beside the other options"
for app in worker web; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --runtime docker -o "$TMP/$app.json"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --format docker-flags \
    --seccomp-profile "$TMP/$app.json" -o "$TMP/$app.flags"
  expect_stderr_matches '^seclearn: limits: memory [0-9]+m \(peak'
  for opt in '--memory [0-9]+m' '--pids-limit [0-9]+' '--ulimit nofile=[0-9]+:[0-9]+' \
    '--cpus [0-9.]+' '--cap-drop=ALL' '--read-only'; do
    grep -Ex -- "$opt" "$TMP/$app.flags" >/dev/null || fail "$app: docker-flags lacks $opt"
  done
done
grep -x -- '--user 65534:65534' "$TMP/worker.flags" >/dev/null || fail "worker: no --user"
grep -x -- '--tmpfs /tmp' "$TMP/worker.flags" >/dev/null || fail "worker: no --tmpfs /tmp"
grep -x -- '--user 65534:65534' "$TMP/web.flags" >/dev/null || fail "web: no --user"
mem=$(sed -n 's/^--memory \([0-9]*\)m$/\1/p' "$TMP/worker.flags")
((mem >= 96)) || fail "worker: --memory ${mem}m is below twice its 48 MiB"

step "export --format resources: the same limits as an OCI fragment and Kubernetes limits"
expect_status 0 "$SECLEARN" export --db "$DB" --app worker --format resources --no-store \
  -o "$TMP/worker.res.json"
nofile=$(sed -n 's/^--ulimit nofile=\([0-9]*\):.*/\1/p' "$TMP/worker.flags")
"$PY" - "$TMP/worker.res.json" "$mem" "$nofile" <<'PYEOF' || fail "the OCI fragment differs"
import json, sys
frag, mem, nofile = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert frag["linux"]["resources"]["memory"]["limit"] == mem << 20, frag
assert frag["process"]["rlimits"] == [
    {"type": "RLIMIT_NOFILE", "hard": nofile, "soft": nofile}], frag
PYEOF
expect_status 0 "$SECLEARN" export --db "$DB" --app worker --format resources --k8s --no-store
"$PY" -c 'import sys, yaml; d = yaml.safe_load(sys.stdin); assert d["resources"]["limits"]["memory"] == sys.argv[1] + "Mi", d' \
  "$mem" <"$TMP/out" || fail "the Kubernetes limits differ from docker-flags"

# flags_of FILE: the options, one word each ("--memory 98m" -> --memory 98m).
flags_of() { local line; while read -r line; do read -ra w <<<"$line"; printf '%s\n' "${w[@]}"; done <"$1"; }

step "a private dockerd; the image imported"
make_bundle "$BUNDLE" /bin/true
docker_daemon "$D"
tar -C "$F" -c . | "$DOCKER" import - seclearn-e2e-fat:latest >/dev/null

step "the worker under every option docker-flags proposed"
mapfile -t WF < <(flags_of "$TMP/worker.flags")
expect_status 0 timeout 120 "$DOCKER" run --rm "${WF[@]}" seclearn-e2e-fat \
  /usr/bin/python3 /app/worker.py
expect_stdout_is "worker ok 20 True"

step "under a quarter of the proposed memory it is killed (the limit is enforced here)"
mapfile -t SMALL < <(flags_of "$TMP/worker.flags" | sed "s/^${mem}m\$/$((mem / 4))m/")
got=0
timeout 120 "$DOCKER" run --rm "${SMALL[@]}" --memory-swap "$((mem / 4))m" seclearn-e2e-fat \
  /usr/bin/python3 /app/worker.py </dev/null >"$TMP/out" 2>"$TMP/err" || got=$?
show_output
((got == 137)) || fail "under --memory $((mem / 4))m the worker exited $got, not 137 (OOM kill)"

step "the web server under every option docker-flags proposed, on a bridge network"
"$DOCKER" network create --driver bridge seclearn-e2e-net >/dev/null ||
  skip "this dockerd cannot make a bridge network"
mapfile -t WEB < <(flags_of "$TMP/web.flags")
expect_status 0 timeout 120 "$DOCKER" run -d --name "seclearn-e2e-web-$$" --network seclearn-e2e-net \
  "${WEB[@]}" seclearn-e2e-fat /bin/busybox httpd -f -p "0.0.0.0:$PORT" -h /www
on_exit "$DOCKER" rm -f "seclearn-e2e-web-$$"
ip=$("$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' \
  "seclearn-e2e-web-$$")
[[ -n $ip ]] || fail "the server's container has no address"
for ((i = 0; i < 100; i++)); do
  curl -fsS "http://$ip:$PORT/index.html" >"$TMP/page" 2>/dev/null && break
  sleep 0.05
done
grep -x '<p>served</p>' "$TMP/page" >/dev/null || {
  "$DOCKER" logs "seclearn-e2e-web-$$" >&2 || true
  fail "the server did not serve under its options"
}

step "the worker under every option docker-flags proposed, in Podman (runc, cgroupfs)"
command -v podman >/dev/null || { note "podman is not installed: Docker only"; exit 0; }
podman_busybox "$TMP/pbundle"
tar -C "$F" -c . | "${P[@]}" import - seclearn-e2e-fat:latest >/dev/null 2>"$TMP/err" ||
  { cat "$TMP/err" >&2; fail "podman import failed"; }
# Root here cannot raise a hard limit (no CAP_SYS_RESOURCE): Podman's own nproc default is
# lowered as the other Podman tests do; nofile comes from the proposed options.
expect_status 0 timeout 120 "${P[@]}" run --rm --ulimit nproc=32768:32768 "${WF[@]}" \
  seclearn-e2e-fat /usr/bin/python3 /app/worker.py
expect_stdout_is "worker ok 20 True"

step "the web server under every option docker-flags proposed, in Podman, on a published port"
WPORT=$((PORT + 1))
expect_status 0 timeout 120 "${P[@]}" run -d --name "seclearn-e2e-pweb-$$" \
  --ulimit nproc=32768:32768 -p "127.0.0.1:$WPORT:$PORT" "${WEB[@]}" seclearn-e2e-fat \
  /bin/busybox httpd -f -p "0.0.0.0:$PORT" -h /www
on_exit "${P[*]}" rm -f "seclearn-e2e-pweb-$$"
for ((i = 0; i < 100; i++)); do
  curl -fsS "http://127.0.0.1:$WPORT/index.html" >"$TMP/page" 2>/dev/null && break
  sleep 0.05
done
grep -x '<p>served</p>' "$TMP/page" >/dev/null || {
  "${P[@]}" logs "seclearn-e2e-pweb-$$" >&2 || true
  fail "the server did not serve under its options in Podman"
}
