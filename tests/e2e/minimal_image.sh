#!/usr/bin/env bash
# Minimal images (export --format rootfs), proven by replay under Docker: an image with
# python3, busybox (a shell), dpkg and apt-get is imported, a python3 job and a busybox job are
# learned in it (docker run --runtime=seclearn), each one's minimal image is exported from the
# image's rootfs and imported, and the job runs from it with the same output as from the
# original, also under its exported seccomp profile. The python3 image holds no shell and no
# package manager; what the busybox job read from a volume is left out and listed.
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
F=$TMP/fat
mkdir -p "$D"

step "an image with python3, busybox, dpkg and apt-get (merged /usr, as Debian's)"
make_python_rootfs "$F"
printf 'alpha\nbeta\n' >"$F/app/data.txt"
# Names a listing shows: kept (pax records), and the manifest escapes them.
: >"$F/app/"$'evil\nname'
: >"$F/app/<img src=x onerror=alert(1)>"
cat >"$F/app/job.py" <<'PYEOF'
import json, os, zlib
d = open("/app/data.txt").read()
os.makedirs("/tmp/work", exist_ok=True)
with open("/tmp/work/out.json", "w") as f:
    json.dump({"lines": d.split()}, f)
print(json.dumps({"files": sorted(os.listdir("/app")), "crc": zlib.crc32(d.encode()),
                  "out": open("/tmp/work/out.json").read()}))
PYEOF
mkdir -p "$TMP/vol"
echo secret-volume-data >"$TMP/vol/v.txt"
BB_JOB='ls /app; wc -l </app/data.txt; cat /data/v.txt; mkdir /tmp/x && echo made'

step "a private dockerd with the seclearn runtime; the image imported"
make_bundle "$BUNDLE" /bin/true
install_shim "$D" img
start_agent "$SOCK" "$DB"
docker_daemon "$D" "seclearn=$D/seclearn-runtime"
tar -C "$F" -c . | "$DOCKER" import - seclearn-e2e-fat:latest >/dev/null

step "unconfined in the original image: the outputs to reproduce"
expect_status 0 timeout 120 "$DOCKER" run --rm --network=none seclearn-e2e-fat \
  /usr/bin/python3 /app/job.py
cp "$TMP/out" "$TMP/py.want"
expect_status 0 timeout 120 "$DOCKER" run --rm --network=none -v "$TMP/vol:/data:ro" \
  seclearn-e2e-fat /bin/sh -c "$BB_JOB"
cp "$TMP/out" "$TMP/bb.want"
grep -x made "$TMP/bb.want" >/dev/null || fail "the busybox job did not run"

step "learn both jobs in the image (docker run --runtime=seclearn)"
expect_status 0 timeout 120 "$DOCKER" run --rm --runtime=seclearn --network=none \
  -e SECLEARN_APP=py-img seclearn-e2e-fat /usr/bin/python3 /app/job.py
cmp -s "$TMP/out" "$TMP/py.want" || fail "python3 job: other output while learned"
wait_ended 1
expect_status 0 timeout 120 "$DOCKER" run --rm --runtime=seclearn --network=none \
  -v "$TMP/vol:/data:ro" -e SECLEARN_APP=bb-img seclearn-e2e-fat /bin/sh -c "$BB_JOB"
cmp -s "$TMP/out" "$TMP/bb.want" || fail "busybox job: other output while learned"
wait_ended 2
stop_agent

step "export the minimal images and the seccomp profiles"
expect_status 0 "$SECLEARN" export --db "$DB" --app py-img --format rootfs --rootfs "$F" \
  -o "$TMP/py.tar"
expect_stderr_matches '^seclearn: wrote .*py.tar: rootfs version 1: [0-9]+ entries'
expect_status 0 "$SECLEARN" export --db "$DB" --app bb-img --format rootfs --rootfs "$F" \
  --volume "$TMP/vol:/data" -o "$TMP/bb.tar"
expect_stderr_matches '^seclearn: rootfs: /data/v.txt is on a volume: left out$'
for app in py-img bb-img; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --runtime docker -o "$TMP/$app.json"
done
tar -tf "$TMP/py.tar" >"$TMP/py.list"
tar -tf "$TMP/bb.tar" >"$TMP/bb.list"
for f in usr/bin/busybox usr/bin/sh usr/bin/dpkg usr/bin/apt-get var/lib/dpkg/status; do
  if grep -x "$f" "$TMP/py.list"; then fail "the python3 image holds $f, never used"; fi
done
for f in usr/bin/dpkg usr/bin/apt-get usr/bin/python3.11 data/v.txt; do
  if grep -x "$f" "$TMP/bb.list"; then fail "the busybox image holds $f, never used"; fi
done
for f in usr/bin/python3 usr/bin/python3.11 usr/lib64/ld-linux-x86-64.so.2 lib64 app/job.py \
  app/data.txt; do
  grep -x "$f" "$TMP/py.list" >/dev/null || fail "the python3 image lacks $f"
done
# Stored: the manifest, one line per entry, as a version.
expect_status 0 "$SECLEARN" export --db "$DB" --app py-img --format rootfs --version 1
expect_stdout_matches '^l 0777 0:0 0 -> python3\.11 /usr/bin/python3$'
expect_stdout_matches '^f 0644 0:0 0 [0-9a-f]{64} /app/evil\\x0aname$'
fat_kb=$(du -sk "$F" | cut -f1)
py_mib=$(($(stat -c %s "$TMP/py.tar") / 1048576))
bb_kib=$(($(stat -c %s "$TMP/bb.tar") / 1024))
note "original image $((fat_kb / 1024)) MiB; python3 minimal $py_mib MiB" \
  "($(wc -l <"$TMP/py.list") entries), busybox minimal $bb_kib KiB ($(wc -l <"$TMP/bb.list") entries)"

step "replay from the minimal images: the same output, also under the seccomp profile"
"$DOCKER" import "$TMP/py.tar" seclearn-e2e-py-min:latest >/dev/null
"$DOCKER" import "$TMP/bb.tar" seclearn-e2e-bb-min:latest >/dev/null
for opt in "" "--security-opt seccomp=$TMP/py-img.json"; do
  # shellcheck disable=SC2086
  expect_status 0 timeout 120 "$DOCKER" run --rm --network=none $opt seclearn-e2e-py-min \
    /usr/bin/python3 /app/job.py
  cmp -s "$TMP/out" "$TMP/py.want" || fail "python3 job from its minimal image ($opt): other output"
done
for opt in "" "--security-opt seccomp=$TMP/bb-img.json"; do
  # shellcheck disable=SC2086
  expect_status 0 timeout 120 "$DOCKER" run --rm --network=none -v "$TMP/vol:/data:ro" $opt \
    seclearn-e2e-bb-min /bin/sh -c "$BB_JOB"
  cmp -s "$TMP/out" "$TMP/bb.want" || fail "busybox job from its minimal image ($opt): other output"
done

step "the minimal image lacks what the job never used"
expect_status 127 timeout 120 "$DOCKER" run --rm --network=none seclearn-e2e-py-min /bin/sh -c true
