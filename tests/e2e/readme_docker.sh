#!/usr/bin/env bash
# The README's Docker block (`<!-- readme-test: docker -->`), run exactly as written: the agent,
# the shim installed as /usr/local/bin/seclearn-runtime, dockerd, a web server learned while
# curl drives it, the seccomp, AppArmor and docker-flags exports, and the same image run
# under every flag docker-flags proposed, answering. Then the same flags under Podman, and a
# command outside the profile refused.
#
# The image is nginx's situation without a registry: busybox httpd behind an entrypoint that
# appends, as root, to /var/log/web/error.log (0640, owner 33, only in the image). Root may
# write it only with CAP_DAC_OVERRIDE, so the flags must keep that capability (learned from
# the image's file, not the host's), or the container stops at start.
#
# The block runs as root in its own mount, network and pid namespaces (in_private_host): the
# paths the README names are the test's alone, dockerd's bridge, iptables rules and port 8080
# live in the private network, and every process (dockerd, containerd, the agent) dies with
# the namespace.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"
source "$(dirname "$0")/lib/containers.sh"
require_containers dockerd curl unshare ip iptables
[[ -x /usr/bin/docker ]] || skip "no docker client (apt docker.io)"
PODMAN=1
command -v podman >/dev/null || { PODMAN=0; note "podman is not installed: Docker only"; }

step "the image: busybox httpd on 8080 behind an entrypoint that appends to a 0640 log it does not own"
make_bundle "$TMP/bundle" /bin/true
ROOTFS=$TMP/bundle/rootfs
mkdir -p "$ROOTFS/srv/www" "$ROOTFS/var/log/web"
echo '<h1>learned by seclearn</h1>' >"$ROOTFS/srv/www/index.html"
printf '#!/bin/sh\necho "$(date) start" >>/var/log/web/error.log\nexec httpd -f -p 8080 -h /srv/www\n' \
  >"$ROOTFS/srv/web.sh"
chmod 0755 "$ROOTFS/srv/web.sh"
: >"$ROOTFS/var/log/web/error.log"
chown 33:33 "$ROOTFS/var/log/web/error.log"
chmod 0640 "$ROOTFS/var/log/web/error.log"
tar -C "$ROOTFS" -c . >"$TMP/web.tar"
[[ ! -e /var/log/web/error.log ]] || fail "premise: the host has /var/log/web/error.log"

readme_snippet docker >"$TMP/snippet.sh"
note "the README's block: $(wc -l <"$TMP/snippet.sh") lines"

cat >"$TMP/inner.sh" <<INNER
docker_up() { until docker info >/dev/null 2>&1; do sleep 0.2; done; }
# The README's precondition: an image web-image. dockerd must be up to import it; the block
# starts its own, so this one is stopped first.
dockerd >$TMP/dockerd-import.log 2>&1 & d=\$!
docker_up
docker import -c 'CMD ["/srv/web.sh"]' $TMP/web.tar web-image >/dev/null
kill \$d && wait \$d || true
while [[ -e /run/docker.pid ]]; do sleep 0.1; done

echo "== the README's block"
set -x
source $TMP/snippet.sh >$TMP/served.docker
set +x
echo "== after it"
cp web.flags web.seccomp.json web.apparmor $TMP/
docker logs web >$TMP/web.log 2>&1 || true
docker exec web mkdir /tmp/seclearn-denied >$TMP/exec.out 2>&1 && echo "exec: 0" || echo "exec: \$?"
docker rm -f web >/dev/null
if (($PODMAN)); then
  echo "== the same image and flags under Podman (runc)"
  P="podman --runtime runc --cgroup-manager cgroupfs --events-backend file"
  \$P import -c 'CMD ["/srv/web.sh"]' $TMP/web.tar web-image >/dev/null 2>&1
  eval "\$P run -d --name web --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \$(tr '\n' ' ' <web.flags) -p 8081:8080 web-image" >/dev/null
  curl -fsS --retry 30 --retry-delay 1 --retry-all-errors http://127.0.0.1:8081/ >$TMP/served.podman ||
    { \$P logs web >&2; exit 1; }
  \$P rm -f web >/dev/null 2>&1
  \$P system reset --force >/dev/null 2>&1
fi
INNER

step "run the block as written (private mount, network and pid namespaces)"
status=0
in_private_host "$TMP/inner.sh" || status=$?
sed 's/^/   | /' "$TMP/inner.out"
if ((status != 0)); then
  tail -40 "$TMP/inner.err" >&2
  [[ -f $TMP/web.log ]] && cat "$TMP/web.log" >&2
  fail "the README's Docker block (or the checks after it) exited $status"
fi

step "Docker served the page under every proposed flag"
# The block's output: container ids, names, then the page from its last command.
[[ $(tail -n 1 "$TMP/served.docker") == '<h1>learned by seclearn</h1>' ]] ||
  fail "docker under the flags served '$(tail -n 1 "$TMP/served.docker")'"
note "flags: $(tr '\n' ' ' <"$TMP/web.flags")"

step "the flags keep CAP_DAC_OVERRIDE (the image's 0640 log) and drop the rest"
grep -x -- '--cap-drop=ALL' "$TMP/web.flags" >/dev/null || fail "no --cap-drop=ALL"
grep -x -- '--cap-add=CAP_DAC_OVERRIDE' "$TMP/web.flags" >/dev/null ||
  fail "no --cap-add=CAP_DAC_OVERRIDE: the image-only log's mode was not learned"
(($(grep -c -- '--cap-add=' "$TMP/web.flags") == 1)) || fail "more capabilities than the log needs"
grep -x -- "--security-opt seccomp=/var/lib/seclearn/web.seccomp.json" "$TMP/web.flags" >/dev/null ||
  fail "the seccomp option does not name the exported profile, absolute"
if grep -- '--user' "$TMP/web.flags" >/dev/null; then fail "--user for a workload that needs a capability"; fi
grep -x -- '--security-opt no-new-privileges' "$TMP/web.flags" >/dev/null || fail "no no-new-privileges"
if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) != Y ]]; then
  if grep -- 'apparmor=' "$TMP/web.flags" >/dev/null; then
    fail "an AppArmor option on a host without AppArmor (Podman refuses it)"
  fi
fi
grep -E '^seclearn: no --user: it exercised CAP_DAC_OVERRIDE$' "$TMP/inner.err" >/dev/null ||
  fail "docker-flags did not say why no --user"
grep -F '/var/log/web/error.log' "$TMP/web.apparmor" >/dev/null || fail "the AppArmor profile lacks the log"
grep -E '^ *capability dac_override,' "$TMP/web.apparmor" >/dev/null || fail "the AppArmor profile lacks dac_override"

step "a command outside the profile is refused (docker exec mkdir)"
grep -x 'exec: 0' "$TMP/inner.out" >/dev/null && fail "mkdir succeeded under the profile"
grep 'Operation not permitted' "$TMP/exec.out" >/dev/null || { cat "$TMP/exec.out" >&2; fail "mkdir failed, but not by EPERM"; }

if ((PODMAN)); then
  step "Podman served the page under the same flags"
  [[ $(cat "$TMP/served.podman") == '<h1>learned by seclearn</h1>' ]] ||
    fail "podman under the flags served '$(cat "$TMP/served.podman")'"
fi
