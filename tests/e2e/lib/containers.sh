# Helpers of the container tests (tests/e2e/container_*.sh): the seclearn agent, busybox
# bundles, config.json edits. Sourced after lib.sh.
#
#   source "$(dirname "$0")/lib/containers.sh"
#   require_notify                       # skips without seccomp user notification
#   require_containers ctr               # root, notify, busybox, runc (and ctr), or skips
#   make_bundle "$TMP/bundle" /bin/sh -c 'echo hi'
#   start_agent "$TMP/agent.sock" "$DB"  # AGENT_PID, log in $TMP/agent.log; killed at exit
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
# addcap (a capability added to the bounding, effective and permitted sets).
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
