# Helpers of the container tests (tests/e2e/container_*.sh): the seclearn agent, busybox
# bundles, config.json edits. Sourced after lib.sh.
#
#   source "$(dirname "$0")/lib/containers.sh"
#   require_notify                       # skips without seccomp user notification
#   require_containers ctr               # root, notify, busybox, runc (and ctr), or skips
#   make_bundle "$TMP/bundle" /bin/sh -c 'echo hi'
#   start_agent "$TMP/agent.sock" "$DB"  # AGENT_PID, log in $TMP/agent.log; killed at exit
#   docker_daemon "$TMP/docker" seclearn=PATH  # a private dockerd with that runtime
#   stop_agent                           # SIGTERM, waits for it

MAKE_BUNDLE=$E2E_REPO/scripts/make-busybox-bundle.sh

require_root() { ((EUID == 0)) || skip "containers need root"; }

require_notify() {
  grep -qw user_notif /proc/sys/kernel/seccomp/actions_avail 2>/dev/null ||
    skip "this kernel has no seccomp user notification (SECCOMP_RET_USER_NOTIF, Linux 5.5+)"
}

require_busybox() {
  [[ -x /bin/busybox ]] || skip "/bin/busybox (busybox-static) is not installed"
  [[ -f $MAKE_BUNDLE ]] || fail "missing $MAKE_BUNDLE"
}

# require_containers [CMD...]: what learning a runc container through the agent needs (root,
# seccomp user notification, busybox-static, runc) and each CMD on PATH; skips otherwise.
require_containers() {
  require_root
  require_notify
  require_busybox
  local cmd
  for cmd in runc "$@"; do command -v "$cmd" >/dev/null || skip "$cmd is not installed"; done
}

# make_bundle DIR ARGS...: a busybox rootfs bundle from scripts/make-busybox-bundle.sh.
make_bundle() {
  local dir=$1
  shift
  bash "$MAKE_BUNDLE" "$dir" "$@" >/dev/null
  [[ -f $dir/config.json && -x $dir/rootfs/bin/sh ]] || fail "bundle $dir not created"
}

# configure_bundle DIR KEY=VALUE...: edits DIR/config.json. Keys: args (a JSON array),
# nnp (true|false), seccomp (a profile file, or empty to remove linux.seccomp),
# app (the seclearn.app annotation), readonly (true|false: root.readonly),
# addcap (a capability added to the bounding, effective and permitted sets),
# mount (SRC:DST, a read-only bind mount of the host's SRC at DST).
configure_bundle() {
  "$PY" - "$@" <<'EOF'
import json, sys
path = sys.argv[1] + "/config.json"
with open(path) as f:
    config = json.load(f)
for kv in sys.argv[2:]:
    key, _, value = kv.partition("=")
    if key == "args":
        config["process"]["args"] = json.loads(value)
    elif key == "nnp":
        config["process"]["noNewPrivileges"] = value == "true"
    elif key == "seccomp":
        if value:
            with open(value) as p:
                config["linux"]["seccomp"] = json.load(p)
        else:
            config["linux"].pop("seccomp", None)
    elif key == "app":
        config.setdefault("annotations", {})["seclearn.app"] = value
    elif key == "readonly":
        config["root"]["readonly"] = value == "true"
    elif key == "mount":
        src, _, dst = value.partition(":")
        config["mounts"].append({"destination": dst, "type": "bind", "source": src,
                                 "options": ["rbind", "ro"]})
    elif key == "addcap":
        for kind in ("bounding", "effective", "permitted"):
            config["process"]["capabilities"].setdefault(kind, []).append(value)
    else:
        raise SystemExit("configure_bundle: unknown key " + key)
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
}

# install_shim DIR APP: DIR/seclearn-runtime, a symlink to seclearn (the runtime shim), with its
# DIR/seclearn-runtime.json naming runc, the agent at $SOCK and APP.
install_shim() {
  ln -s "$SECLEARN" "$1/seclearn-runtime"
  printf '{"runtime_path": "%s", "agent_socket": "%s", "app": "%s"}\n' \
    "$(command -v runc)" "$SOCK" "$2" >"$1/seclearn-runtime.json"
}

# await_daemon NAME PID LOG TENTHS CMD...: stops daemon PID at exit; waits up to TENTHS
# tenths of a second until CMD succeeds (fails with LOG's tail if the daemon exits first).
await_daemon() {
  local name=$1 pid=$2 log=$3 tenths=$4 i
  shift 4
  on_exit "kill -TERM $pid; for i in \$(seq 100); do kill -0 $pid || break; sleep 0.1; done"
  for ((i = 0; i < tenths; i++)); do
    "$@" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { tail -20 "$log" >&2; fail "$name exited"; }
    sleep 0.1
  done
  "$@" >/dev/null 2>&1 || { tail -20 "$log" >&2; fail "$name did not answer in $((tenths / 10))s"; }
  note "$name up after $((i / 10)).$((i % 10))s"
}

# The watch-mode tests' workload (watch_*.sh): learned without mkdir, later run with it.
# `true` last: sh forks for ls (as it will for mkdir) rather than exec'ing it.
WATCH_SCRIPT='echo hello; busybox ls / >/dev/null; true'
WITH_MKDIR='echo hello; busybox mkdir /tmp/made && echo made'

# docker_daemon DIR RUNTIME=PATH...: a private dockerd (data-root, exec-root and socket under
# DIR, no bridge, no iptables, the vfs driver, each --add-runtime given), stopped by pid at
# exit, with BUNDLE's busybox rootfs imported as the image seclearn-e2e-bb. Sets DOCKER (Debian's
# client, matching its daemon), DOCKER_HOST and DOCKERD_PID; skips without docker.io.
docker_daemon() {
  local d=$1 rt i
  shift
  command -v dockerd >/dev/null || skip "dockerd is not installed (apt docker.io)"
  DOCKER=/usr/bin/docker
  [[ -x $DOCKER ]] || DOCKER=$(command -v docker) || skip "no docker client"
  local runtimes=()
  for rt in "$@"; do runtimes+=(--add-runtime "$rt"); done
  mkdir -p "$d"
  dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
    --host "unix://$d/docker.sock" --bridge=none --iptables=false --ip-masq=false \
    --storage-driver vfs "${runtimes[@]}" </dev/null >"$d/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  export DOCKER_HOST=unix://$d/docker.sock
  await_daemon dockerd "$DOCKERD_PID" "$d/dockerd.log" 200 "$DOCKER" version
  tar -C "$BUNDLE/rootfs" -c . | "$DOCKER" import - seclearn-e2e-bb:latest >/dev/null
}

# podman_busybox BUNDLE: a private Podman (storage under $TMP, runc, cgroupfs; reset at exit)
# in P=(podman ...) and RUN=(run --rm ...), with BUNDLE's busybox rootfs imported as the
# image seclearn-e2e-bb.
podman_busybox() {
  # Podman refuses a runroot longer than 50 characters: a short one beside $TMP.
  RUNROOT=$(mktemp -d /tmp/slp.XXXXXX)
  on_exit rm -rf "'$RUNROOT'"
  P=(podman --root "$TMP/podman/root" --runroot "$RUNROOT" --runtime runc
     --cgroup-manager cgroupfs --events-backend file)
  RUN=(run --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
  # Podman's overlay or vfs layers are mounted under --root: unmount before the temp dir goes.
  on_exit "${P[*]} system reset --force"
  make_bundle "$1" /bin/true
  tar -C "$1/rootfs" -c . | "${P[@]}" import - seclearn-e2e-bb:latest >/dev/null 2>"$TMP/err" ||
    { cat "$TMP/err" >&2; fail "podman import failed"; }
}

# start_agent SOCKET DB [ARGS...]: runs `seclearn agent` in the background until stop_agent or
# the end of the test; waits until it listens.
start_agent() {
  local socket=$1 db=$2 i
  shift 2
  "$SECLEARN" agent --socket "$socket" --db "$db" "$@" </dev/null >>"$TMP/agent.log" 2>&1 &
  AGENT_PID=$!
  on_exit kill -KILL "$AGENT_PID"
  for ((i = 0; i < 100; i++)); do
    [[ -S $socket ]] && return 0
    kill -0 "$AGENT_PID" 2>/dev/null || { cat "$TMP/agent.log" >&2; fail "the agent exited"; }
    sleep 0.05
  done
  fail "the agent did not listen on $socket within 5s"
}

stop_agent() {
  kill -TERM "$AGENT_PID"
  local status=0
  wait "$AGENT_PID" || status=$?
  ((status == 0)) || { cat "$TMP/agent.log" >&2; fail "the agent exited $status on SIGTERM"; }
}

# wait_ended N: waits (up to 10 s) until the agent's log has N ended container runs.
wait_ended() {
  local i
  for ((i = 0; i < 200; i++)); do
    (($(grep -c ': ended: ' "$TMP/agent.log" || true) >= $1)) && return 0
    sleep 0.05
  done
  cat "$TMP/agent.log" >&2
  fail "the agent did not end $1 container runs"
}

agent_log_matches() {
  grep -Eq -- "$1" "$TMP/agent.log" || { cat "$TMP/agent.log" >&2; fail "agent log lacks /$1/"; }
}

# sql DB QUERY: one value from the database (the sqlite3 shell).
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# check_watch_run APP RUN OV CONTAINER: RUN of APP (in $DB) is a watch run of CONTAINER
# answered OV that recorded mkdir and busybox as its executable, and only calls outside the
# profile (none of the learned run's execve and read).
check_watch_run() {
  expect_status 0 "$SECLEARN" show --db "$DB" --app "$1" --run "$2" --json
  "$PY" - "$TMP/out" "$3" "$4" <<'EOF' || fail "watch run $2's facts are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
names = {s["name"] for s in d["syscalls"]}
assert "mkdir" in names or "mkdirat" in names, sorted(names)
assert "execve" not in names and "read" not in names, sorted(names)
exes = [e["path"] for e in d["executables"]]
assert any(p.endswith("busybox") for p in exes), exes
run = d["runs"][-1]
assert run["source"] == "watch", run
assert run["on_violation"] == sys.argv[2], run
assert run["container"] == sys.argv[3], run
EOF
}

# profile_has FILE NAME: true if FILE allows NAME in some rule.
profile_has() { profile_names "$1" | grep -x -- "$2" >/dev/null; }

# in_private_host SCRIPT: runs bash SCRIPT as root in new mount, network and pid namespaces
# where /run, /var/lib, /usr/local and /etc/docker are fresh tmpfs and lo is up, so the fixed
# paths a README block names (/run/seclearn, /var/lib/seclearn, /usr/local/bin, the daemons'
# state) are the test's alone; every process it started dies with the pid namespace. PATH
# starts with $SECLEARN's directory. Output goes to $TMP/inner.out and $TMP/inner.err; the
# status is the script's (killed after 300 s).
in_private_host() {
  cat >"$TMP/private-host.sh" <<SETUP
set -euo pipefail
export PATH=$(dirname "$SECLEARN"):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ip link set lo up
for d in /run /var/lib /usr/local /etc/docker; do
  [[ -d \$d ]] || continue
  mount -t tmpfs -o mode=0755 tmpfs "\$d"
done
mkdir -p /usr/local/bin
source "$1"
SETUP
  timeout -k 5 300 unshare --mount --net --pid --fork --mount-proc bash "$TMP/private-host.sh" \
    </dev/null >"$TMP/inner.out" 2>"$TMP/inner.err"
}

# make_python_rootfs DIR: an image's root file system with Debian's python3.11 (its standard
# library and shared libraries), busybox as the shell (sh ls cat wc echo mkdir wget httpd),
# dpkg and apt-get, laid out with merged /usr (/bin -> usr/bin, /lib64 -> usr/lib64) as
# Debian's images are. /app is empty, /tmp 1777.
make_python_rootfs() {
  local f=$1 a lib
  [[ -x /usr/bin/python3.11 && -d /usr/lib/python3.11 ]] ||
    skip "Debian's python3.11 is not installed"
  for a in /usr/bin/dpkg /usr/bin/apt-get /bin/busybox; do
    [[ -x $a ]] || skip "$a is not installed"
  done
  mkdir -p "$f"/usr/bin "$f"/usr/lib/x86_64-linux-gnu "$f"/usr/lib64 "$f"/etc "$f"/tmp "$f"/app \
    "$f"/var/lib/dpkg
  ln -s usr/bin "$f/bin"
  ln -s usr/lib "$f/lib"
  ln -s usr/lib64 "$f/lib64"
  cp /bin/busybox "$f/usr/bin/busybox"
  for a in sh ls cat wc echo mkdir wget httpd; do ln -s busybox "$f/usr/bin/$a"; done
  cp /usr/bin/python3.11 "$f/usr/bin/"
  ln -s python3.11 "$f/usr/bin/python3"
  cp -a /usr/lib/python3.11 "$f/usr/lib/"
  for lib in $(ldd /usr/bin/python3.11 /usr/bin/dpkg /usr/bin/apt-get |
      awk "/=> \\// {print \$3}"); do
    cp -L "$lib" "$f/usr/lib/x86_64-linux-gnu/"
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$f/usr/lib/x86_64-linux-gnu/"
  ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$f/usr/lib64/ld-linux-x86-64.so.2"
  cp /usr/bin/dpkg /usr/bin/apt-get "$f/usr/bin/"
  : >"$f/var/lib/dpkg/status"
  chmod 1777 "$f/tmp"
}
