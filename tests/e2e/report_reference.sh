#!/usr/bin/env bash
# The reference data the report's size chart counts against (data/report, embedded) is what
# the real tools give on this machine: systemd's groups as `systemd-analyze syscall-filter`
# prints them, and Docker's default as moby's default.json (Debian's
# golang-github-docker-docker-dev, fetched with apt-get download) allows it, both regenerated
# here by scripts/gen-report-data.sh. And seclearn's own reading of that default.json
# (`report --docker-default`, its seccomp reader choosing the rules for this architecture,
# kernel and Docker's default capabilities) counts the same names as the embedded list.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze (package systemd) is not installed"
moby=/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
if [[ ! -f $moby ]]; then
  step "fetch moby's default.json (golang-github-docker-docker-dev, unpacked, not installed)"
  (cd "$TMP" && timeout 120 apt-get download -qq golang-github-docker-docker-dev) >/dev/null 2>&1 ||
    skip "apt-get download golang-github-docker-docker-dev failed: no apt archive here"
  dpkg-deb --fsys-tarfile "$TMP"/golang-github-docker-docker-dev_*.deb |
    tar -x -C "$TMP" --wildcards '*/profiles/seccomp/default.json'
  moby=$TMP$moby
fi

step "regenerate data/report from systemd-analyze and $moby"
OUT_DIR=$TMP/ref bash "$E2E_REPO/scripts/gen-report-data.sh" "$moby" >/dev/null
"$PY" - "$TMP/ref" "$SECLEARN_DATA/report" <<'PYEOF'
import json, sys
new, old = sys.argv[1:3]
for f, key in (("systemd-groups.json", "groups"), ("docker-default.json", "names")):
    a = json.load(open(f"{new}/{f}"))[key]
    b = json.load(open(f"{old}/{f}"))[key]
    if a != b:
        sys.exit(f"FAIL: report_reference: data/report/{f} differs from what "
                 f"scripts/gen-report-data.sh gives here: rerun it")
    print(f"{f}: {len(a)} {key}, as committed")
PYEOF

step "report --docker-default $moby counts what the embedded list counts"
expect_status 0 "$SECLEARN" learn --quiet --db "$TMP/r.db" --app ref -- /bin/true
expect_status 0 "$SECLEARN" report --db "$TMP/r.db" --app ref -o "$TMP/embedded.html"
expect_status 0 "$SECLEARN" report --db "$TMP/r.db" --app ref --docker-default "$moby" \
  -o "$TMP/moby.html"
embedded=$(grep -o 'data-docker="[0-9]*"' "$TMP/embedded.html")
read_here=$(grep -o 'data-docker="[0-9]*"' "$TMP/moby.html")
note "embedded: $embedded, read from default.json: $read_here"
[[ -n $embedded && $embedded == "$read_here" ]] || fail "embedded $embedded, read $read_here"
expect_status 125 "$SECLEARN" report --db "$TMP/r.db" --app ref --docker-default /dev/null \
  -o "$TMP/x.html"
expect_one_error_line "docker-default"
