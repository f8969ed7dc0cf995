#!/usr/bin/env bash
# Regenerates the report's reference data (data/report/*.json, embedded in seclearn):
#   docker-default.json  the names Docker's default seccomp profile allows a container with
#                        Docker's default capabilities on x86_64 (moby's
#                        profiles/seccomp/default.json, Apache-2.0, from Debian's
#                        golang-github-docker-docker-dev: the docker.io it builds enforces it)
#   systemd-groups.json  systemd's syscall groups (@file-system, @network-io, ...) as
#                        `systemd-analyze syscall-filter` prints them, nested groups expanded
# Usage: [OUT_DIR=DIR] scripts/gen-report-data.sh [moby-default.json]  (fetched with apt-get
# download if not given; OUT_DIR defaults to data/report). Needs /usr/bin/python3 and
# systemd-analyze. tests/e2e/report_reference.sh checks the committed files against it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT_DIR:-data/report}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
moby=${1:-}
if [[ -z $moby ]]; then
  (cd "$tmp" && apt-get download -qq golang-github-docker-docker-dev 2>/dev/null)
  deb=$(ls "$tmp"/golang-github-docker-docker-dev_*.deb)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/profiles/seccomp/default.json'
  moby=$(find "$tmp" -name default.json)
  version=$(dpkg-deb -f "$deb" Version)
else
  version="from $moby"
fi
systemd-analyze syscall-filter 2>/dev/null >"$tmp/groups.txt"
systemd_version=$(systemd-analyze --version | head -1)
/usr/bin/python3 - "$moby" "$version" "$tmp/groups.txt" "$systemd_version" "$out" <<'PYEOF'
import json, sys
moby, version, groups_txt, systemd_version, out_dir = sys.argv[1:6]
# Docker's default bounding set (moby oci/caps/defaults.go).
caps = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
doc = json.load(open(moby))
def applies(rule):
    inc, exc = rule.get("includes", {}), rule.get("excludes", {})
    if "amd64" in exc.get("arches", []) or caps & set(exc.get("caps", [])):
        return False
    if exc.get("minKernel"):
        return False  # every kernel seclearn supports is newer than moby's minKernel
    if inc.get("arches") and "amd64" not in inc["arches"]:
        return False
    return set(inc.get("caps", [])) <= caps
names = sorted({n for r in doc["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and applies(r)
                for n in r["names"]})
out = {"source": "moby profiles/seccomp/default.json, golang-github-docker-docker-dev " +
                 version + ", x86_64, Docker's default capabilities",
       "names": names}
with open(out_dir + "/docker-default.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
groups, order, cur = {}, [], None
for line in open(groups_txt):
    s = line.strip()
    if not s or s.startswith("#"):
        if s.startswith("# Ungrouped"):
            break
        continue
    if not line.startswith(" "):
        cur = s
        order.append(cur)
        groups[cur] = []
    else:
        groups[cur].append(s)
def expand(g, seen=()):
    out = set()
    for n in groups[g]:
        out |= expand(n, seen + (g,)) if n.startswith("@") and n not in seen else {n}
    return out
doc = {"source": systemd_version + ", systemd-analyze syscall-filter",
       "groups": [{"name": g, "composite": any(n.startswith("@") for n in groups[g]),
                   "names": sorted(expand(g))} for g in order if g != "@known"]}
with open(out_dir + "/systemd-groups.json", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
PYEOF
echo "wrote $out/docker-default.json $out/systemd-groups.json"
