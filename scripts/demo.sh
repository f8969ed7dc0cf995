#!/usr/bin/env bash
# The main job on a real container: set up, build, learn a busybox web server run by runc
# (a bundle made from the host's busybox-static, no registry) through the runtime shim and the
# agent into ./seclearn.db while a client drives it, export its seccomp, AppArmor and
# docker-flags profiles into out/, and prove the seccomp profile by running the same container
# under it with plain runc (it serves), and a container that needs more (ln -s), which it stops.
# Where Docker is installed (dockerd, docker) the same server is learned again as an image run
# by a private dockerd through `--add-runtime` and proven under every docker-flags option
# (DEMO_DOCKER=0 leaves it out).
#
# Writes ./seclearn.db and out/ in the current directory. With SECLEARN=BINARY set (the test
# e2e: demo does) it uses that binary and skips the set-up.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n ${SECLEARN:-} ]]; then
  seclearn=$SECLEARN
else
  bash "$repo/scripts/install-deps.sh"
  (cd "$repo" && bash scripts/build.sh >/dev/null)
  seclearn=$repo/build/cli/seclearn
fi
PY=/usr/bin/python3
work=$(mktemp -d)
agent=
dockerd_pid=
# stop_dockerd: the private dockerd and its containerd, then the mounts they leave behind
# (exec-root/netns/default).
stop_dockerd() {
  docker rm -f "seclearn-demo-$$" "seclearn-demo-$$-proof" >/dev/null 2>&1 || true
  kill "$dockerd_pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$dockerd_pid" 2>/dev/null || true
  wait "$dockerd_pid" 2>/dev/null || true
  dockerd_pid=
  awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" || true; done
}
cleanup() {
  [[ -n $dockerd_pid ]] && stop_dockerd
  runc delete -f "seclearn-demo-$$" >/dev/null 2>&1 || true
  runc delete -f "seclearn-demo-$$-proof" >/dev/null 2>&1 || true
  runc delete -f "seclearn-demo-$$-denied" >/dev/null 2>&1 || true
  [[ -n $agent ]] && kill "$agent" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

echo "== a runc bundle: busybox httpd on 127.0.0.1:$port, serving until /tmp/stop appears"
bundle=$work/bundle
bash "$repo/scripts/make-busybox-bundle.sh" "$bundle" /bin/sh -c \
  "mkdir -p /tmp/www && echo 'hello from a learned container' >/tmp/www/index.html &&
   httpd -f -p 127.0.0.1:$port -h /tmp/www & pid=\$!;
   while [ ! -e /tmp/stop ]; do sleep 0.1; done; kill \$pid; echo served" >/dev/null
"$PY" - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["root"]["readonly"] = False   # the server writes its page into /tmp
json.dump(c, open(path, "w"), indent=2)
PY
cp "$bundle/config.json" "$work/config.orig.json"

# drive N: N requests from the host; each must return the page.
drive() {
  "$PY" - "$port" "$1" <<'PY'
import sys, time, urllib.request
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read(); break
    except OSError:
        time.sleep(0.1)
for i in range(n):
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
    assert body == b"hello from a learned container\n", body
print(f"   {n} requests answered")
PY
}

# start_agent: seclearn agent on $work/agent.sock into ./seclearn.db, in the background.
start_agent() {
  "$seclearn" agent --socket "$work/agent.sock" --db ./seclearn.db --quiet &
  agent=$!
  for _ in $(seq 100); do [[ -S $work/agent.sock ]] && break; sleep 0.05; done
}
stop_agent() {
  kill -TERM "$agent"
  wait "$agent" || true
  agent=
}

echo "== learn: the container through seclearn runtime (the shim) and seclearn agent"
start_agent
rm -f "$bundle/rootfs/tmp/stop"
"$seclearn" runtime --runtime-path runc --agent-socket "$work/agent.sock" --app demo-web -- \
  run --bundle "$bundle" "seclearn-demo-$$" </dev/null >"$work/learn.out" 2>"$work/learn.err" &
server=$!
drive 50
touch "$bundle/rootfs/tmp/stop"
wait "$server"
stop_agent
echo "   $("$seclearn" show --db ./seclearn.db --app demo-web | head -n 1)"

echo "== export into out/: seccomp (with runc's own calls), AppArmor, docker-flags"
mkdir -p out
"$seclearn" export --db ./seclearn.db --app demo-web --format seccomp --runtime runc \
  -o out/demo-web.seccomp.json
"$seclearn" export --db ./seclearn.db --app demo-web --format apparmor -o out/demo-web.apparmor
apparmor_parser -Q -K out/demo-web.apparmor 2>/dev/null && echo "   apparmor_parser compiles out/demo-web.apparmor"
"$seclearn" export --db ./seclearn.db --app demo-web --format docker-flags \
  --seccomp-profile out/demo-web.seccomp.json -o out/demo-web.docker-flags 2>/dev/null
echo "   docker run $(tr '\n' ' ' <out/demo-web.docker-flags)IMAGE"
names=$("$PY" -c 'import json,sys; print(len({n for r in json.load(open(sys.argv[1]))["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}))' out/demo-web.seccomp.json)
echo "   $names syscall names allowed, runc's own included (Docker's default profile allows about 360)"

# with_profile: the bundle's original config with linux.seccomp = the exported profile.
with_profile() {
  "$PY" - "$work/config.orig.json" out/demo-web.seccomp.json "$bundle/config.json" "$@" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = json.load(open(sys.argv[2]))
if len(sys.argv) > 4:
    c["process"]["args"] = sys.argv[4:]
json.dump(c, open(sys.argv[3], "w"), indent=2)
PY
}

echo "== prove: the same container under the profile with plain runc, driven again"
with_profile
rm -f "$bundle/rootfs/tmp/stop"
runc run --bundle "$bundle" "seclearn-demo-$$-proof" </dev/null >"$work/proof.out" 2>"$work/proof.err" &
server=$!
drive 20
touch "$bundle/rootfs/tmp/stop"
wait "$server"
echo "   the container ended: $(cat "$work/proof.out")"

echo "== prove: a container that needs more (a symlink) is stopped by the profile"
with_profile /bin/ln -s /tmp /tmp/seclearn-denied
if runc run --bundle "$bundle" "seclearn-demo-$$-denied" </dev/null 2>"$work/err"; then
  echo "unexpected: ln -s succeeded under the demo-web profile" >&2
  exit 1
fi
echo "   refused: $(tail -n 1 "$work/err")"
echo "== report: out/demo-web.report.html, one page for a reviewer (open it in a browser)"
"$seclearn" report --db ./seclearn.db --app demo-web -o out/demo-web.report.html 2>&1 |
  sed 's/^seclearn: report: /   /'

if [[ ${DEMO_DOCKER:-1} != 0 ]] && command -v dockerd >/dev/null && [[ -x /usr/bin/docker ]]; then
  echo "== Docker: the same server as an image, learned through a private dockerd --add-runtime"
  d=$work/docker
  mkdir -p "$d"
  ln -s "$seclearn" "$d/seclearn-runtime"
  printf '{"runtime_path": "%s", "agent_socket": "%s"}\n' "$(command -v runc)" "$work/agent.sock" \
    >"$d/seclearn-runtime.json"
  dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
    --host "unix://$d/docker.sock" --bridge=none --iptables=false --ip-masq=false \
    --storage-driver vfs --add-runtime "seclearn=$d/seclearn-runtime" </dev/null >"$d/log" 2>&1 &
  dockerd_pid=$!
  docker() { /usr/bin/docker --host "unix://$d/docker.sock" "$@"; }
  for _ in $(seq 200); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
  tar -C "$bundle/rootfs" --exclude ./tmp/stop -c . | docker import - seclearn-demo-web >/dev/null
  serve="mkdir -p /tmp/www && echo 'hello from a learned container' >/tmp/www/index.html &&
    exec httpd -f -p 127.0.0.1:$port -h /tmp/www"
  start_agent
  docker run -d --name "seclearn-demo-$$" --runtime=seclearn -e SECLEARN_APP=demo-web-docker \
    --network host seclearn-demo-web /bin/sh -c "$serve" >/dev/null
  drive 50
  docker rm -f "seclearn-demo-$$" >/dev/null
  stop_agent
  "$seclearn" export --db ./seclearn.db --app demo-web-docker --runtime docker \
    -o out/demo-web-docker.seccomp.json
  "$seclearn" export --db ./seclearn.db --app demo-web-docker --format docker-flags \
    --seccomp-profile out/demo-web-docker.seccomp.json -o out/demo-web-docker.docker-flags 2>/dev/null
  flags=$(tr '\n' ' ' <out/demo-web-docker.docker-flags)
  echo "== prove: docker run ${flags}--network host (every option docker-flags proposed)"
  eval "docker run -d --name seclearn-demo-$$-proof $flags --network host seclearn-demo-web \
    /bin/sh -c \"\$serve\"" >/dev/null
  drive 20
  docker rm -f "seclearn-demo-$$-proof" >/dev/null
  if docker run --rm --security-opt "seccomp=$PWD/out/demo-web-docker.seccomp.json" \
    seclearn-demo-web /bin/ln -s /tmp /tmp/seclearn-denied 2>"$work/err"; then
    echo "unexpected: ln -s succeeded under the demo-web-docker profile" >&2
    exit 1
  fi
  echo "   refused: $(tail -n 1 "$work/err")"
  stop_dockerd
  echo "== done: ./seclearn.db, out/demo-web{,-docker}.{seccomp.json,docker-flags}, out/demo-web.{apparmor,report.html}"
else
  echo "== done: ./seclearn.db, out/demo-web.{seccomp.json,apparmor,docker-flags,report.html}"
fi
