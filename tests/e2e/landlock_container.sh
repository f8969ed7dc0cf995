#!/usr/bin/env bash
# A Landlock ruleset for a container, proven under runc: a busybox container is learned
# through the runtime shim and the agent, its ruleset exported with --rootfs (paths as the
# container sees them: /bin/sh is busybox there, not the host's dash), and the container then
# runs with `seclearn run --landlock` as its entrypoint wrapper: seclearn and the host's
# libraries bind-mounted read-only at /.seclearn (runc cannot take a Landlock ruleset; the
# wrapper applies it and execs the job). The job does what it did; a file of the image it
# never read is refused with EACCES.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"

require_containers
abi=$("$PY" -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, 0, 1))')
((abi >= 1)) || skip "Landlock is not enabled in this kernel (landlock_create_ruleset: $abi)"
LIBDIR=$(dirname "$(readlink -f /lib64/ld-linux-x86-64.so.2)")
[[ -d $LIBDIR ]] || skip "no dynamic loader at /lib64/ld-linux-x86-64.so.2"

cd "$TMP"
DB=$TMP/db
SOCK=$TMP/agent.sock
BUNDLE=$TMP/bundle
APP=ll-ct
JOB='echo hello; cat /etc/greeting; echo made >/tmp/out; cat /tmp/out; ls /tmp >/dev/null'
make_bundle "$BUNDLE" /bin/sh -c "$JOB"
echo "greetings from the image" >"$BUNDLE/rootfs/etc/greeting"
echo "never read" >"$BUNDLE/rootfs/etc/secret"
start_agent "$SOCK" "$DB"

CONTAINER_SEQ=0
# ct_run WANT PREFIX...: PREFIX... run --bundle BUNDLE with a fresh id, deleted after.
ct_run() {
  local want=$1 id
  shift
  CONTAINER_SEQ=$((CONTAINER_SEQ + 1))
  id=seclearn-ll-$$-$CONTAINER_SEQ
  rm -f "$BUNDLE/rootfs/tmp/out"
  on_exit runc delete -f "$id"
  expect_status "$want" timeout -k 10 60 "$@" run --bundle "$BUNDLE" "$id"
  runc delete -f "$id" >/dev/null 2>&1 || true
}

step "learn the container through the shim"
configure_bundle "$BUNDLE" nnp=true seccomp= readonly=false
ct_run 0 "$SECLEARN" runtime --runtime-path runc --agent-socket "$SOCK" --app $APP --
expect_stdout_is $'hello\ngreetings from the image\nmade'
wait_ended 1
stop_agent

step "export the ruleset with the container's root (paths as the container sees them)"
expect_status 0 "$SECLEARN" export --db "$DB" --app $APP --format landlock \
  --rootfs "$BUNDLE/rootfs" -o "$TMP/ct.json"
"$PY" - "$TMP/ct.json" <<'PY' || fail "the ruleset does not name the container's own files"
import json, sys
granted = {p: r["allowedAccess"] for r in json.load(open(sys.argv[1]))["pathBeneath"]
           for p in r["parent"]}
assert "execute" in granted.get("/bin/busybox", []), sorted(granted)
assert "read_file" in granted.get("/etc/greeting", []), sorted(granted)
assert "/usr/bin/dash" not in granted and "/etc/secret" not in granted, sorted(granted)
PY

wrap() {
  configure_bundle "$BUNDLE" seccomp= \
    "mount=$SECLEARN:/.seclearn/seclearn" "mount=$LIBDIR:/.seclearn/lib" \
    "mount=$TMP/ct.json:/.seclearn/ruleset.json" \
    "args=[\"/.seclearn/lib/ld-linux-x86-64.so.2\", \"--library-path\", \"/.seclearn/lib\",
           \"/.seclearn/seclearn\", \"run\", \"--landlock\", \"/.seclearn/ruleset.json\",
           \"--\", \"/bin/sh\", \"-c\", $("$PY" -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1")]"
}
step "the container under its ruleset (seclearn run --landlock as the entrypoint): same output"
cp "$BUNDLE/config.json" "$TMP/config.learn.json"
wrap "$JOB"
ct_run 0 runc
expect_stdout_is $'hello\ngreetings from the image\nmade'

step "a file of the image the job never read is refused"
cp "$TMP/config.learn.json" "$BUNDLE/config.json"
wrap 'cat /etc/secret'
ct_run 1 runc
expect_stderr_matches "cat: can't open '/etc/secret': Permission denied"
