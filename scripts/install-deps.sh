#!/usr/bin/env bash
# Installs every build, test and runtime dependency of seclearn with apt.
# Idempotent: quiet and fast when everything is already there.
set -euo pipefail

PKGS=(
  # build
  cmake g++ make pkg-config
  libseccomp-dev libdw-dev libunwind-dev libsqlite3-dev libfmt-dev catch2 libauparse-dev
  libsepol-dev libselinux1-dev
  # programs the tests and benchmarks run (auditd: complain mode's log, import --audit)
  sqlite3 python3 python3-yaml python3-jsonschema tar gzip busybox-static strace runc apparmor libcap2-bin
  auditd curl iproute2 iptables git
  # seclearn report is proven in a real browser (headless: --dump-dom, --screenshot)
  chromium fonts-dejavu-core
  # the SELinux export is proven by compiling its modules into this policy (not enforced)
  secilc semodule-utils selinux-policy-default setools
  # the eBPF backend (tracer/bpf): clang -target bpf, libbpf and a bpftool skeleton
  clang libbpf-dev bpftool
  # container runtimes the notify agent and runtime shim are proven with (tests/e2e/container_*)
  containerd crun docker.io podman uidmap
)
if [[ "$(uname -m)" == x86_64 ]]; then
  PKGS+=(gcc-multilib)  # 32-bit static helper for the i386 (int 0x80) test
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null; then
    missing+=("$p")
  fi
done
((${#missing[@]})) || exit 0

SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
