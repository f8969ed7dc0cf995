#!/usr/bin/env bash
# Creates an OCI bundle in DIR: a busybox-static rootfs and a config.json from `runc spec` with
# process.terminal=false and process.args=ARGS (default: /bin/true).
#
#   scripts/make-busybox-bundle.sh /tmp/bundle /bin/sh -c 'echo hi'
#   runc run --bundle /tmp/bundle demo
#
# Idempotent: a rerun refreshes busybox, its applet links and config.json (edits to config.json
# are lost). Needs runc, busybox-static and python3 (for the JSON edit), as root.
set -euo pipefail

if (($# < 1)); then
  echo "usage: $0 DIR [ARGS...]" >&2
  exit 2
fi
dir=$1
shift
(($#)) || set -- /bin/true

busybox=/bin/busybox  # Debian's busybox-static; a dynamic busybox would not run in the rootfs
for tool in runc /usr/bin/python3 "$busybox"; do
  if ! command -v "$tool" >/dev/null; then
    echo "$0: $tool not found: run scripts/install-deps.sh" >&2
    exit 1
  fi
done

mkdir -p "$dir"
rootfs=$dir/rootfs
# runc resolves rootfs itself and refuses some symlinked layouts: keep it a plain directory.
if [[ -L $rootfs ]]; then
  echo "$0: $rootfs is a symlink; remove it" >&2
  exit 1
fi
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" "$rootfs/etc"
cp -f "$busybox" "$rootfs/bin/busybox"
chroot "$rootfs" /bin/busybox --install -s /bin

rm -f "$dir/config.json"
runc spec --bundle "$dir"
/usr/bin/python3 - "$dir/config.json" "$@" <<'EOF'
import json
import sys

path, args = sys.argv[1], sys.argv[2:]
with open(path) as f:
    config = json.load(f)
config["process"]["terminal"] = False
config["process"]["args"] = args
with open(path, "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
EOF
