#!/usr/bin/env bash
# The seccomp profiles installed packages ship (containers-common's
# /usr/share/containers/seccomp.json, every seccomp.json dpkg knows, moby's default.json when
# present) are read, enforced and diffed: `run --seccomp P -- true` works and `diff P P` finds
# nothing. Their rules with "includes"/"excludes" are chosen as moby and podman choose them
# (architecture, the capabilities the command keeps, kernel version): this script works out
# independently, from the JSON, what each probed call must get for a set of capabilities,
# then makes the calls under `seclearn run --caps` and compares.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
profiles=()
add() {
  local p
  [[ -f $1 ]] || return 0
  for p in "${profiles[@]}"; do [[ $p -ef $1 ]] && return 0; done
  profiles+=("$1")
}
while IFS= read -r line; do add "${line#*: }"; done < <(dpkg -S seccomp.json 2>/dev/null || true)
add /usr/share/containers/seccomp.json
moby=/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
add "$moby"
# Without it installed, moby's default.json (what docker.io enforces) is taken from its -dev
# package, fetched from the apt archive and unpacked here, not installed (that package pulls
# in a Go source tree's worth of others).
if [[ ! -f $moby ]] && command -v apt-get >/dev/null; then
  if (cd "$TMP" && timeout 120 apt-get download -qq golang-github-docker-docker-dev) >/dev/null 2>&1; then
    dpkg-deb --fsys-tarfile "$TMP"/golang-github-docker-docker-dev_*.deb |
      tar -x -C "$TMP" --wildcards '*/profiles/seccomp/default.json'
    add "$TMP$moby"
  else
    note "moby's default.json: apt-get download golang-github-docker-docker-dev failed, not tested"
  fi
fi
# More, for a manual run: SECLEARN_EXTRA_SECCOMP=a.json:b.json (moby's default.json unpacked
# from golang-github-docker-docker-dev, say).
IFS=: read -ra extra <<<"${SECLEARN_EXTRA_SECCOMP:-}"
for p in "${extra[@]}"; do
  [[ -f $p ]] || fail "SECLEARN_EXTRA_SECCOMP: no file $p"
  add "$p"
done
((${#profiles[@]} > 0)) ||
  skip "no seccomp profile installed (containers-common ships /usr/share/containers/seccomp.json)"

for p in "${profiles[@]}"; do
  step "$p: run --seccomp P -- true"
  expect_status 0 "$SECLEARN" run --seccomp "$p" -- true
  step "$p: diff P P finds nothing"
  expect_status 0 "$SECLEARN" diff "$p" "$p"
  expect_stdout_is "--- $p"$'\n'"+++ $p"$'\n'"no difference"
done

[[ $(uname -m) == x86_64 ]] || { note "the probes below are for x86_64"; exit 0; }
((EUID == 0)) || { note "the capability probes below need root (run --caps keeps them)"; exit 0; }

# The calls probed, each with arguments that make it fail harmlessly. What the kernel itself
# answers (with the capabilities kept) is measured without a filter; under the profile each
# must give that when the profile allows it, else the errno of the rule or the default.
cat >probe.py <<'PYEOF'
import ctypes, json, os, sys
nr = {}
for line in open(sys.argv[1]):
    if not line.startswith("#"):
        f = line.split("\t")
        nr[f[1]] = int(f[0])
libc = ctypes.CDLL(None, use_errno=True)
S = lambda *a: [ctypes.c_long(x) if isinstance(x, int) else x for x in a]
probes = {
    "chroot": S(b"/nonexistent-seclearn-probe"),
    "clock_settime": S(0, 0),
    "kcmp": S(os.getpid(), os.getpid(), 99, 0, 0),
    "ioperm": S(0, 0, 0),
    "clone3": S(0, 0),
    "arch_prctl": S(0x9999, 0),
    "open_by_handle_at": S(-1, 0, 0),
    "bpf": S(0xffff, 0, 0),
    "acct": S(b"/nonexistent-seclearn-probe"),
}
out = {}
for name, args in probes.items():
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(nr[name]), *args)
    out[name] = 0 if rc >= 0 else ctypes.get_errno()
print(json.dumps(out, sort_keys=True))
PYEOF

# expect.py PROFILE CAPS KERNEL_ANSWERS: what each probe must give, from the profile alone:
# the rules that apply on amd64 with CAPS (a rule is dropped if excludes names amd64, a held
# capability or a kernel at most this one; kept only if includes names amd64, only held
# capabilities and a kernel at most this one), then the first applying argument-free rule
# naming the call, else the default action.
cat >expect.py <<'PYEOF'
import errno, json, os, sys
profile = json.load(open(sys.argv[1]))
caps = set(sys.argv[2].split(",")) - {""}
kernel = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
allowed = json.load(open(sys.argv[3]))
def ver(s): return tuple(int(x) for x in s.split("."))
def applies(rule):
    ex, inc = rule.get("excludes") or {}, rule.get("includes") or {}
    if "amd64" in (ex.get("arches") or []): return False
    if any(c in caps for c in ex.get("caps") or []): return False
    if ex.get("minKernel") and kernel >= ver(ex["minKernel"]): return False
    if inc.get("arches") and "amd64" not in inc["arches"]: return False
    if any(c not in caps for c in inc.get("caps") or []): return False
    if inc.get("minKernel") and kernel < ver(inc["minKernel"]): return False
    return True
def errno_of(obj, ret, name):
    if obj.get(ret) is not None: return obj[ret]
    if obj.get(name): return getattr(errno, obj[name])
    return errno.EPERM
out = {}
for call, ok in allowed.items():
    action = (profile["defaultAction"], errno_of(profile, "defaultErrnoRet", "defaultErrno"))
    for rule in profile.get("syscalls") or []:
        names = rule.get("names") or [rule.get("name")]
        if call in names and not rule.get("args") and applies(rule):
            action = (rule["action"], errno_of(rule, "errnoRet", "errno"))
            break
    if action[0] in ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG"):
        out[call] = ok
    elif action[0] == "SCMP_ACT_ERRNO":
        out[call] = action[1]
    else:
        sys.exit(f"{call}: the probe cannot tell {action[0]}")
print(json.dumps(out, sort_keys=True))
PYEOF

# The capability sets probed, each within what this root holds.
command -v capsh >/dev/null || { note "the capability probes below need capsh (libcap2-bin)"; exit 0; }
bounding=$(capsh --decode="0x$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)")
bounding=${bounding#*=}
bounding=${bounding^^}
# held CAPS: those of CAPS (comma separated) in this process's bounding set.
held() {
  local c out=()
  IFS=, read -ra want <<<"$1"
  for c in "${want[@]}"; do [[ ,$bounding, == *,$c,* ]] && out+=("$c"); done
  (IFS=,; printf '%s\n' "${out[*]}")
}
for p in "${profiles[@]}"; do
  for caps in "" CAP_SYS_CHROOT,CAP_SYS_ADMIN \
    CAP_SYS_TIME,CAP_SYS_PTRACE,CAP_SYS_RAWIO,CAP_DAC_READ_SEARCH,CAP_SYS_PACCT; do
    if [[ $(held "$caps") != "$caps" ]]; then
      note "skipped --caps '$caps': not all in this process's bounding set"
      continue
    fi
    step "$p: the filter for --caps '${caps:-none}' answers each probe as the profile means"
    expect_status 0 "$SECLEARN" run --quiet --no-new-privs --caps "${caps:-none}" \
      -- "$PY" probe.py "$SECLEARN_DATA/syscalls/x86_64.tsv"
    cp out kernel.json
    "$PY" expect.py "$p" "$caps" kernel.json >want.json
    expect_status 0 "$SECLEARN" run --quiet --no-new-privs --seccomp "$p" --caps "${caps:-none}" \
      -- "$PY" probe.py "$SECLEARN_DATA/syscalls/x86_64.tsv"
    [[ $(cat out) == $(cat want.json) ]] ||
      fail "probes gave $(cat out), the profile means $(cat want.json)"
  done
  step "$p: without --caps, the rules are chosen for this process's bounding set"
  "$PY" probe.py "$SECLEARN_DATA/syscalls/x86_64.tsv" >kernel.json
  "$PY" expect.py "$p" "$bounding" kernel.json >want.json
  expect_status 0 "$SECLEARN" run --quiet --no-new-privs --seccomp "$p" \
    -- "$PY" probe.py "$SECLEARN_DATA/syscalls/x86_64.tsv"
  [[ $(cat out) == $(cat want.json) ]] ||
    fail "probes gave $(cat out), the profile means $(cat want.json)"
done
