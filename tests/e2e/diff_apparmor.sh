#!/usr/bin/env bash
# AppArmor profiles learned from real processes, stored as versions, diffed semantically
# (modes widened, a file widened to a glob, narrowing only as a CI gate, hostile file names
# that must stay one change each), and exported as a Security Profiles Operator
# AppArmorProfile whose paths SPO accepts and whose generated profile compiles.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

PARSER=/usr/sbin/apparmor_parser
[[ -x $PARSER ]] || skip "apparmor_parser (package apparmor) is not installed"
"$PY" -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"

DB=$TMP/aa.db
APP=$TMP/app
mkdir -p "$APP"
echo '{}' >"$APP/conf.json"
echo '{}' >"$APP/other.json"
cd "$TMP"

step "v1 reads conf.json, v2 also writes it: two stored apparmor versions"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app svc -- /bin/cat "$APP/conf.json"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --format apparmor -o v1.apparmor
expect_stderr_matches "apparmor version 1:"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app svc -- /bin/sh -c "cat '$APP/conf.json' >/dev/null; echo '{\"a\":1}' >'$APP/conf.json'"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --format apparmor -o v2.apparmor
expect_stderr_matches "apparmor version 2:"
for v in v1 v2; do
  "$PARSER" -Q -K "$v.apparmor" >parser.out 2>&1 || { cat parser.out; fail "$v does not compile"; }
done

# The profiles name $TMP with its random part generalised (/tmp/seclearn-e2e-...??????).
CONF=$(grep -Eo '^  /[^ ]*/app/conf\.json' v1.apparmor | sed 's/^  //')
[[ -n $CONF ]] || fail "v1.apparmor has no rule for conf.json"
DIR=${CONF%/conf.json}
# edit FILE OLD NEW: FILE with the first line that is exactly OLD replaced by NEW.
edit() {
  "$PY" -c 'import sys; f, o, n = sys.argv[1:]; t = open(f).read().split("\n")
t[t.index(o)] = n; sys.stdout.write("\n".join(t))' "$@"
}

step "diff --app --format apparmor: conf.json widened r -> rw; exit 1"
expect_status 1 "$SECLEARN" diff --db "$DB" --app svc --format apparmor
grep -Eq "^~ file [^ ]*/app/conf\.json +widened: r -> rw\$" "$TMP/out" || fail "no 'widened: r -> rw' for conf.json"
step "--fail-on widen: 1 for the widening, 0 for the same diff reversed (narrowing only)"
expect_status 1 "$SECLEARN" diff --fail-on widen v1.apparmor v2.apparmor
expect_status 0 "$SECLEARN" diff --fail-on widen v2.apparmor v1.apparmor
grep -q '^0 widened (0 high risk), [1-9][0-9]* narrowed$' "$TMP/out" || fail "reverse diff is not narrowing only"
expect_status 1 "$SECLEARN" diff v2.apparmor v1.apparmor
expect_status 0 "$SECLEARN" diff v1.apparmor v1.apparmor
expect_stdout_is $'--- v1.apparmor\n+++ v1.apparmor\nno difference'

step "a hand-widened profile: conf.json replaced by DIR/** is one widening"
edit v1.apparmor "  $CONF r," "  $DIR/** r," >glob.apparmor
"$PARSER" -Q -K glob.apparmor >parser.out 2>&1 || { cat parser.out; fail "glob.apparmor does not compile"; }
expect_status 1 "$SECLEARN" diff --json v1.apparmor glob.apparmor
"$PY" - "$TMP/out" "$DIR" <<'PYEOF' || fail "diff --json of the glob widening is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
app = sys.argv[2]
assert (d["widened"], d["narrowed"]) == (1, 0), d
c = d["changes"][0]
assert (c["category"], c["change"], c["subject"]) == ("file", "widened", app + "/**"), c
assert c["detail"] == f"{app}/conf.json -> {app}/** (r)", c
PYEOF

step "a high-risk widening: capability sys_admin and writes under /etc"
edit v1.apparmor "  $CONF r," $'  capability sys_admin,\n  /etc/** w,\n  '"$CONF r," >risky.apparmor
expect_status 1 "$SECLEARN" diff --fail-on widen v1.apparmor risky.apparmor
grep -q '^+ capability sys_admin .*HIGH RISK: ' "$TMP/out" || fail "sys_admin not graded high"
grep -q '^+ file /etc/\*\* .*HIGH RISK: writes system configuration' "$TMP/out" || fail "/etc/** w not graded high"
grep -q '^2 widened (2 high risk), 0 narrowed$' "$TMP/out" || fail "wrong summary"

step "malformed AppArmor input and mixed kinds are trouble (exit 2), one line naming file and line"
edit v1.apparmor "  $CONF r," $'  '"$CONF r"$'\n  /etc/hosts r,' >bad.apparmor
expect_status 2 "$SECLEARN" diff v1.apparmor bad.apparmor
expect_one_error_line "bad\.apparmor:[0-9]+: unexpected '/etc/hosts' after file rule"
edit v1.apparmor "  $CONF r," "  frobnicate $CONF," >bad2.apparmor
expect_status 2 "$SECLEARN" diff v1.apparmor bad2.apparmor
expect_one_error_line "bad2\.apparmor:[0-9]+: unknown rule 'frobnicate'"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc -o v2.json
expect_status 2 "$SECLEARN" diff v1.apparmor v2.json
expect_one_error_line 'v1\.apparmor is an AppArmor profile but v2\.json is a seccomp profile'

step "hostile names learned from a real process: each is one escaped change, none a rule"
HOSTILE='
import os, sys
d = os.fsencode(sys.argv[1])
names = [b"q\"uote", b"new\nline r,\n  /** rwix,", b"{x,y}", b"} r,\n}\nprofile evil {\n  /** rw,",
         b"sp ace,", b"\x1b[31mred"]
os.makedirs(d, exist_ok=True)
for n in names:
    p = os.path.join(d, n)
    os.makedirs(os.path.dirname(p), exist_ok=True)  # a "/" in a name makes a directory
    with open(p, "wb") as f:
        f.write(b"x")
print(len(names))
'
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app svc -- "$PY" -c "$HOSTILE" "$TMP/h"
expect_stdout_is 6
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --format apparmor -o v3.apparmor
expect_stderr_matches "apparmor version 3:"
"$PARSER" -Q -K v3.apparmor >parser.out 2>&1 || { cat parser.out; fail "v3 does not compile"; }
expect_status 1 "$SECLEARN" diff --db "$DB" --app svc --format apparmor --from 2 --to 3 --color always
cp "$TMP/out" hostile.txt
expect_status 1 "$SECLEARN" diff --json --db "$DB" --app svc --format apparmor --from 2 --to 3
"$PY" - "$TMP/out" hostile.txt <<'PYEOF' || fail "hostile names broke the diff"
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2], "rb").read().decode("utf-8", "replace")
lines = text.split("\n")
assert lines[-1] == "", "output does not end in a newline"
lines = lines[:-1]
# --- old, +++ new, one line per change, the summary: nothing else.
assert len(lines) == len(d["changes"]) + 3, (len(lines), len(d["changes"]))
ansi = re.compile("\x1b\\[[0-9;]*m")
for line in lines[2:-1]:
    assert ansi.sub("", line)[0] in "+-~", repr(line)
    assert "\x1b[31mred" not in line, "a name's escape sequence reached the terminal"
for c in d["changes"]:
    assert "\n" not in c["subject"] and "\n" not in c["detail"], c
    assert c["category"] in ("file", "abstraction", "network", "capability", "signal", "ptrace",
                             "deny"), c
    assert c["subject"] not in ("/**", '"/**"'), c
    assert "evil" not in c["subject"] or "/h/" in c["subject"], c
hostile = [c for c in d["changes"] if "/h/" in c["subject"] and not c["subject"].endswith("/h/")]
# 6 files, 2 directories a "/" in a name made
assert len(hostile) == 8, [c["subject"] for c in hostile]
assert all(c["change"] == "added" for c in hostile), hostile
assert any(c["subject"].startswith('"/') and
           c["subject"].endswith('/h/new\\012line r,\\012  /\\*\\* rwix,"') for c in hostile), hostile
PYEOF
expect_status 0 "$SECLEARN" diff --fail-on widen --db "$DB" --app svc --format apparmor --from 3 --to 2

step "k8s-apparmor: an SPO AppArmorProfile, stored as a version"
expect_status 0 "$SECLEARN" export --db "$DB" --app svc --format k8s-apparmor -o svc.yaml
expect_stderr_matches "k8s-apparmor version 1:"
expect_stderr_matches 'written as .*/h/new\?line\?r'
expect_status 0 "$SECLEARN" versions --db "$DB" --app svc
grep -Eq '^k8s-apparmor +1 ' "$TMP/out" || fail "versions does not list k8s-apparmor 1"
expect_status 2 "$SECLEARN" diff svc.yaml svc.yaml
expect_one_error_line 'svc\.yaml is a Kubernetes resource'
"$PY" - svc.yaml >spo.apparmor <<'PYEOF' || fail "k8s-apparmor is wrong"
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
assert doc["apiVersion"] == "security-profiles-operator.x-k8s.io/v1alpha1", doc["apiVersion"]
assert doc["kind"] == "AppArmorProfile" and doc["metadata"]["name"] == "svc", doc["metadata"]
assert set(doc["spec"]) == {"abstract"}, doc["spec"]
a = doc["spec"]["abstract"]
fs, ex = a.get("filesystem", {}), a.get("executable", {})
lists = {k: fs.get(k, []) for k in ("readOnlyPaths", "writeOnlyPaths", "readWritePaths")}
lists.update({k: ex.get(k, []) for k in ("allowedExecutables", "allowedLibraries")})
# SPO's own check on every path (crd2armor strictPathRegex), without the space its template
# would write unquoted.
safe = re.compile(r"^/[a-zA-Z0-9_./*?+@{}-]*$")
for k, paths in lists.items():
    assert len(paths) == len(set(paths)), f"{k} repeats a path"
    for p in paths:
        assert safe.match(p), f"{k}: {p!r} is not a path SPO accepts"
under = [p for ps in lists.values() for p in ps if "/h/" in p and not p.endswith("/h/")]
assert len(under) == 8, under
assert lists["readWritePaths"] or lists["writeOnlyPaths"], lists
# The profile SPO's daemon writes from this abstract, per its template's documented rules.
rules = []
rules += [f"  {p} ixr," for p in lists["allowedExecutables"]]
rules += [f"  {p} mr," for p in lists["allowedLibraries"]]
rules += [f"  {p} r,\n  deny {p} wlk," for p in lists["readOnlyPaths"]]
rules += [f"  {p} wlk,\n  deny {p} r," for p in lists["writeOnlyPaths"]]
rules += [f"  {p} rwlk," for p in lists["readWritePaths"]]
net = a["network"]
if net["allowRaw"]: rules.append("  network raw,")
else: rules.append("  deny network raw,")
if net["allowedProtocols"]["allowTcp"]: rules.append("  network tcp,")
if net["allowedProtocols"]["allowUdp"]: rules.append("  network udp,")
rules += [f"  capability {c}," for c in a.get("capability", {}).get("allowedCapabilities", [])]
# and the template's fixed denials (known information leak and escape paths)
rules += ["  deny @{PROC}/* w,",
          "  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9]*}/** w,",
          "  deny @{PROC}/sys/[^k]** w,", "  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,",
          "  deny @{PROC}/sysrq-trigger rwklx,", "  deny @{PROC}/mem rwklx,",
          "  deny @{PROC}/kmem rwklx,", "  deny @{PROC}/kcore rwklx,",
          "  deny /sys/firmware/efi/efivars/** rwklx,"]
print("#include <tunables/global>\nprofile svc flags=(enforce,attach_disconnected,mediate_deleted) {\n"
      "  #include <abstractions/base>\n" + "\n".join(rules) + "\n}")
PYEOF
"$PARSER" -Q -K spo.apparmor >parser.out 2>&1 || { cat parser.out; cat spo.apparmor; fail "the profile SPO would write does not compile"; }
[[ $("$PARSER" -N spo.apparmor 2>/dev/null) == svc ]] || fail "the SPO profile holds more than one profile"
step "the profile SPO would write still grants what the hostile run did"
hostile_run=$("$SECLEARN" show --db "$DB" --app svc --json |
  "$PY" -c 'import json, sys; print(json.load(sys.stdin)["runs"][-1]["run"])')
expect_status 0 "$SECLEARN" check --db "$DB" --app svc --apparmor spo.apparmor --run "$hostile_run"
expect_stderr_matches ', 0 would be denied'
