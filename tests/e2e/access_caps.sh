#!/usr/bin/env bash
# Capabilities, learned and enforced: `seclearn run --caps` leaves a command exactly the listed
# capabilities (root and non-root, with and without --seccomp); three workloads that each need
# one capability (bind a port below 1024, chown to another uid, open another user's 0600 file) are
# learned, exported with --format capabilities, and each succeeds with its learned set and
# fails with that capability removed. Then the capability and docker-flags exports.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root (to hold the capabilities it drops)"
[[ -x /bin/busybox ]] || skip "/bin/busybox (busybox-static) is not installed"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
grep -q 'CapAmb' /proc/self/status || skip "the kernel has no ambient capabilities (4.3+)"

DB=$TMP/caps.db
# A privileged port nothing listens on (port 80 unless taken: tests run in parallel).
PORT=$("$PY" -c '
import socket
for p in [80] + list(range(900, 1000)):
    try:
        socket.socket().bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass')
[[ -n $PORT ]] || fail "no free port below 1024 on 127.0.0.1"
port_start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
((port_start > PORT)) ||
  skip "net.ipv4.ip_unprivileged_port_start is $port_start: binding port $PORT needs no capability"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# status_caps: the Cap* lines of /proc/self/status in the last stdout, as "Name:hex " words.
status_caps() { awk '/^Cap/ { printf "%s%s ", $1, $2 }' "$TMP/out"; }

step "run --caps: exactly the listed set, in every set, as root"
expect_status 0 "$SECLEARN" run --caps NET_BIND_SERVICE,cap_chown -- /bin/busybox grep ^Cap /proc/self/status
want="CapInh:0000000000000401 CapPrm:0000000000000401 CapEff:0000000000000401 CapBnd:0000000000000401 CapAmb:0000000000000401 "
[[ $(status_caps) == "$want" ]] || fail "caps seen: $(status_caps)"
expect_status 0 "$SECLEARN" run --caps none -- /bin/busybox grep ^Cap /proc/self/status
[[ $(status_caps) == "CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000 " ]] ||
  fail "--caps none left: $(status_caps)"
expect_status 0 "$SECLEARN" run --caps '' -- /bin/busybox true

step "run --caps: a non-root caller keeps them across execve (ambient), no more"
expect_status 0 "${NOBODY[@]}" --inh-caps=+net_bind_service,+chown --ambient-caps=+net_bind_service,+chown \
  "$SECLEARN" run --caps NET_BIND_SERVICE -- /bin/busybox grep ^Cap /proc/self/status
[[ $(status_caps) == *"CapEff:0000000000000400 "*"CapAmb:0000000000000400 "* ]] ||
  fail "non-root caps seen: $(status_caps)"

step "run --caps: refuses what it cannot give, names it; bad names are usage errors"
expect_status 125 "$SECLEARN" run --caps SYS_RESOURCE -- /bin/busybox true
expect_one_error_line 'cannot keep CAP_SYS_RESOURCE'
expect_status 125 "${NOBODY[@]}" "$SECLEARN" run --caps CHOWN -- /bin/busybox true
expect_one_error_line 'cannot keep CAP_CHOWN'
expect_status 125 "$SECLEARN" run --caps 'CHOWN,bogus' -- /bin/busybox true
expect_one_error_line "unknown capability 'bogus'"
expect_status 125 "$SECLEARN" run -- /bin/busybox true
expect_one_error_line 'needs --seccomp FILE, --landlock FILE or --caps LIST'

# The workloads. Each prints one line on success and fails with EPERM/EACCES without its
# capability.
BIND=(/usr/bin/python3 -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); print("bound")' "$PORT")
prepare_chown() { rm -f "$TMP/owned"; touch "$TMP/owned"; }
CHOWN=(/bin/busybox chown 4321:4321 "$TMP/owned")
prepare_secret() { rm -f "$TMP/secret"; echo secret >"$TMP/secret"; chown 4321:4321 "$TMP/secret"; chmod 600 "$TMP/secret"; }
READ=(/bin/busybox cat "$TMP/secret")
WRITE=(/bin/busybox sh -c "echo more >>'$TMP/secret'")

# check_learned APP PREPARE WANT OTHER -- CMD...: learn CMD; its exported set must be WANT;
# it runs with WANT, and fails with none or with OTHER (a capability that is no substitute).
check_learned() {
  local app=$1 prepare=$2 want=$3 other=$4
  shift 5
  step "$app: learn, export --format capabilities: $want"
  "$prepare"
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app "$app" -- "$@"
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --format capabilities
  expect_stdout_is "--cap-drop=ALL --cap-add=$want"
  expect_stderr_matches "^seclearn: $want +[^ ]"  # the evidence line
  step "$app: runs with its learned set, fails without $want (none, or $other)"
  "$prepare"
  expect_status 0 "$SECLEARN" run --caps "$want" -- "$@"
  local set
  for set in none "$other"; do
    "$prepare"
    expect_status 1 "$SECLEARN" run --caps "$set" -- "$@"
    expect_stderr_matches '(Permission denied|Operation not permitted)'
  done
}

check_learned bind80 : CAP_NET_BIND_SERVICE CAP_CHOWN -- "${BIND[@]}"
check_learned chown prepare_chown CAP_CHOWN CAP_FOWNER -- "${CHOWN[@]}"
check_learned read-secret prepare_secret CAP_DAC_READ_SEARCH CAP_FOWNER -- "${READ[@]}"
check_learned write-secret prepare_secret CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH -- "${WRITE[@]}"

step "the kernel's other ways in: reading also works with DAC_OVERRIDE, writing not with DAC_READ_SEARCH"
prepare_secret
expect_status 0 "$SECLEARN" run --caps DAC_OVERRIDE -- "${READ[@]}"
prepare_secret
expect_status 1 "$SECLEARN" run --caps DAC_READ_SEARCH -- "${WRITE[@]}"

step "bind80 as nobody: the learned set survives execve through the ambient set"
expect_status 0 "${NOBODY[@]}" --inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
  "$SECLEARN" run --caps NET_BIND_SERVICE -- "${BIND[@]}"
expect_stdout_is bound
expect_status 1 "${NOBODY[@]}" --inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
  "$SECLEARN" run --caps none -- "${BIND[@]}"

step "--caps with --seccomp: runc's order as root (filter, then capset), and with --no-new-privs"
expect_status 0 "$SECLEARN" export --db "$DB" --app bind80 --format seccomp --runtime runc -o "$TMP/bind80-runc.json"
expect_status 0 "$SECLEARN" run --seccomp "$TMP/bind80-runc.json" --caps NET_BIND_SERVICE -- "${BIND[@]}"
expect_stdout_is bound
expect_status 0 "$SECLEARN" export --db "$DB" --app bind80 --format seccomp -o "$TMP/bind80.json"
expect_status 125 "$SECLEARN" run --seccomp "$TMP/bind80.json" --caps NET_BIND_SERVICE -- "${BIND[@]}"
expect_one_error_line 'must allow capget, capset and prctl'
expect_status 0 "$SECLEARN" run --no-new-privs --seccomp "$TMP/bind80.json" --caps NET_BIND_SERVICE -- "${BIND[@]}"
expect_stdout_is bound
expect_status 1 "$SECLEARN" run --no-new-privs --seccomp "$TMP/bind80.json" --caps none -- "${BIND[@]}"

step "export --format capabilities --json: OCI process.capabilities"
expect_status 0 "$SECLEARN" export --db "$DB" --app bind80 --format capabilities --json
"$PY" - "$TMP/out" <<'EOF' || fail "unexpected OCI capabilities JSON"
import json, sys
c = json.load(open(sys.argv[1]))
want = ["CAP_NET_BIND_SERVICE"]
assert c["bounding"] == c["effective"] == c["permitted"] == want, c
assert c["inheritable"] == [] and c["ambient"] == [], c
EOF
expect_status 0 "$SECLEARN" export --db "$DB" --app bind80 --format capabilities --json --ambient
"$PY" -c 'import json, sys; c = json.load(open(sys.argv[1])); assert c["ambient"] == ["CAP_NET_BIND_SERVICE"]' "$TMP/out" ||
  fail "--ambient did not fill the ambient set"

step "export --format docker-flags: bind80 keeps the network and its capability, drops the rest"
expect_status 0 "$SECLEARN" export --db "$DB" --app bind80 --format docker-flags
grep -qx -- '--cap-add=CAP_NET_BIND_SERVICE' "$TMP/out" || fail "no --cap-add for bind80"
grep -qx -- "--security-opt seccomp=$PWD/bind80.seccomp.json" "$TMP/out" || fail "no seccomp option (absolute, in the working directory)"
# The AppArmor profile is named only where this kernel enforces AppArmor (Podman refuses it
# elsewhere), or when --apparmor-profile asks for it (below).
if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]]; then
  grep -qx -- '--security-opt apparmor=bind80' "$TMP/out" || fail "no apparmor option"
else
  if grep -q -- 'apparmor=' "$TMP/out"; then fail "an apparmor option without AppArmor"; fi
  expect_stderr_matches '^seclearn: no --security-opt apparmor=bind80: AppArmor is not enabled in this kernel'
fi
grep -qx -- '--security-opt no-new-privileges' "$TMP/out" || fail "no no-new-privileges"
if grep -q -- '--network none' "$TMP/out"; then fail "bind80 used inet but got --network none"; fi
if grep -q -- '--user' "$TMP/out"; then fail "bind80 exercised a capability but got --user"; fi
expect_stderr_matches 'keeps the network: the workload used inet sockets \((socket|bind)'

step "export --format docker-flags: a busybox pipeline gets every hardening option"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app pipeline -- /bin/busybox sh -c 'busybox seq 1 50 | busybox wc -l'
expect_status 0 "$SECLEARN" export --db "$DB" --app pipeline --format docker-flags \
  --seccomp-profile /etc/seclearn/p.json --apparmor-profile p
for opt in '--security-opt seccomp=/etc/seclearn/p.json' '--security-opt apparmor=p' \
  '--cap-drop=ALL' '--security-opt no-new-privileges' '--read-only' '--user 65534:65534' \
  '--network none'; do
  grep -qx -- "$opt" "$TMP/out" || fail "pipeline: missing '$opt'"
done

step "export --format docker-flags: a setuid binary keeps privileges possible"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app passwd -- /usr/bin/passwd --help
expect_status 0 "$SECLEARN" export --db "$DB" --app passwd --format docker-flags
if grep -q -- 'no-new-privileges' "$TMP/out"; then fail "passwd is setuid but got no-new-privileges"; fi
expect_stderr_matches 'no no-new-privileges: /usr/bin/passwd is setuid'
