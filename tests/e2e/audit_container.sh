#!/usr/bin/env bash
# import --audit --container: a runc container (busybox, running as uid 65534) works while an
# audit rule records its calls; imported by its id, the run holds the files the container
# touched (paths as the container sees them) and its command line, and nothing of a process
# outside the container that made the same calls at the same time as the same user. An id
# with no cgroup: one line, exit 125.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
source "$(dirname "$0")/lib/auditd.sh"

require_containers
cd "$TMP"
DB=$TMP/db
BUNDLE=$TMP/bundle
ID=seclearn-audit-$$
JOB='cd /tmp && echo x >f && mkdir d && rm f && rmdir d && touch ready && while [ ! -e stop ]; do sleep 0.1; done'
make_bundle "$BUNDLE" /bin/sh -c "$JOB"
"$PY" - "$BUNDLE/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["user"] = {"uid": 65534, "gid": 65534}
c["root"]["readonly"] = False
json.dump(c, open(sys.argv[1], "w"))
PY
chmod 1777 "$BUNDLE/rootfs/tmp"
OUTSIDE=$(mktemp -d /tmp/seclearn-outside.XXXXXX)
on_exit rm -rf "'$OUTSIDE'"
chmod 0777 "$OUTSIDE"

step "start auditd, a rule for uid 65534, the container"
start_auditd
audit_rule -F arch=b64 -S openat,execve,mkdir,mkdirat,unlink,unlinkat,rmdir,chdir -F uid=65534 -k seclearn-ct
on_exit runc delete -f "$ID"
runc run -d --bundle "$BUNDLE" "$ID" </dev/null >"$TMP/ct.out" 2>&1 || { cat "$TMP/ct.out" >&2; fail "runc run failed"; }
for ((i = 0; i < 200; i++)); do [[ -e $BUNDLE/rootfs/tmp/ready ]] && break; sleep 0.05; done
[[ -e $BUNDLE/rootfs/tmp/ready ]] || fail "the container did not get ready"
# The same user outside the container, meanwhile.
setpriv --reuid 65534 --regid 65534 --clear-groups /bin/sh -c "cd $OUTSIDE && mkdir outside && rmdir outside"
for ((i = 0; i < 100; i++)); do
  grep -q "type=PATH .*name=\"outside\"" aud/audit.log 2>/dev/null && break
  sleep 0.05
done
cp aud/audit.log audit.log

step "import --container ID: the container's calls and files, nothing from outside it"
expect_status 0 "$SECLEARN" import --db "$DB" --app ct --audit audit.log --container "$ID"
expect_stderr_matches 'into ct run 1, [0-9]+ file and 0 network facts'
"$SECLEARN" show --db "$DB" --app ct --json >ct.json
"$PY" - ct.json "$OUTSIDE" <<'PY' || fail "the imported container run is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
files = {(f["path"], f["access"], f["result"]) for f in d["files"]}
paths = {p for p, _, _ in files}
for want in ("/tmp/f", "/tmp/d", "/tmp/ready"):
    assert want in paths, (want, sorted(files))
assert not any(p.startswith(sys.argv[2]) for p in paths), sorted(paths)
names = {s["name"] for s in d["syscalls"]}
assert {"mkdir", "rmdir", "unlink"} <= names, sorted(names)  # busybox rm: unlink
exes = {e["path"] for e in d["executables"]}
assert exes == {"/bin/busybox"}, exes  # the container's own files, by its own root
argv = d["runs"][0]["argv"]
assert argv[3:5] == ["--", "/bin/sh"], argv
PY
touch "$BUNDLE/rootfs/tmp/stop"

step "an id with no cgroup: one line, exit 125"
expect_status 125 "$SECLEARN" import --db "$DB" --app ct --audit audit.log --container no-such-ct
expect_one_error_line 'no cgroup under /sys/fs/cgroup is container no-such-ct'
expect_status 125 "$SECLEARN" import --db "$DB" --app ct --audit audit.log --container '../x'
expect_one_error_line 'not a container id'
