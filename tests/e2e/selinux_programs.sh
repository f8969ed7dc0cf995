#!/usr/bin/env bash
# SELinux modules from real programs, proven by compilation: each program is learned, its
# module exported (export --format selinux) and all of them, with the template, built into a
# copy of this host's policy root (semodule -p ROOT -n: selinux-policy-default, SELinux need not
# be enabled). sesearch then reads the built policy: each program's type holds the rules its
# accesses need (execute on bin_t, name_bind on the port's portcon type). A workload whose
# files have hostile names (newlines, parentheses, CIL text) gets exactly the rules its twin
# with plain names gets. Enforcement is not proven here: SELinux is off in this kernel.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

for cmd in semodule sesearch sqlite3 tar; do
  command -v $cmd >/dev/null || skip "$cmd is not installed (semodule-utils, setools)"
done
[[ -d /var/lib/selinux/default/active ]] ||
  skip "no SELinux policy store at /var/lib/selinux/default (selinux-policy-default)"

DB=$TMP/se.db
# semodule builds into a private policy root (-p): its store and its /etc/selinux are copies,
# so the host's policy, which export reads, is never rewritten (with -S alone it would be).
ROOT=$TMP/root
mkdir -p "$ROOT/etc" "$ROOT/var/lib"
cp -a /etc/selinux "$ROOT/etc/"
cp -a /var/lib/selinux "$ROOT/var/lib/"
host_policy() {
  cat /etc/selinux/default/policy/policy.* /var/lib/selinux/default/active/policy.kern | cksum
}
HOST_POLICY=$(host_policy)
# Work beneath a directory of a stable name, outside $TMP's random one.
L=/tmp/seclearn-selinux-e2e-$$
rm -rf "$L"
mkdir -p "$L/work" "$L/h"
on_exit rm -rf "'$L'"

learn() {
  local app=$1
  shift
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app "$app" -- "$@"
}

step "learn: ls, sqlite3, tar, a python TCP server and client"
learn ls ls -la /usr/share/doc/
learn sqlite sqlite3 "$L/work/t.db" 'create table t(x); insert into t values (1); select * from t;'
mkdir -p "$L/work/src" && echo data >"$L/work/src/a.txt"
learn tar tar -czf "$L/work/out.tgz" -C "$L/work" src
learn py "$PY" -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 8080)); s.listen()
c = socket.create_connection(("127.0.0.1", 8080)); a, _ = s.accept()
c.sendall(b"hi"); print(a.recv(2).decode())'
expect_stdout_is hi

step "learn: hostile file names, and the same workload with plain names"
cat >"$L/names.py" <<'PYEOF'
import os, sys
d = sys.argv[1].encode()
hostile = [b'x\n(allow process shadow_t (file (read)))', b')(block evil', b'\r;;', b'"q"',
           b'\xff\xfe', b'<img src=x onerror=alert(1)>', b'<script>', b'a\\b']
names = hostile if sys.argv[2] == "hostile" else [b'n%d' % i for i in range(len(hostile))]
for n in names:
    p = d + b'/' + n
    with open(p, 'wb') as f: f.write(b'1')
    with open(p, 'rb') as f: f.read()
    os.unlink(p)
PYEOF
learn hostile "$PY" "$L/names.py" "$L/h" hostile
learn plain "$PY" "$L/names.py" "$L/h" plain

step "export each module, and the template"
apps=(ls sqlite tar py hostile plain)
for app in "${apps[@]}"; do
  expect_status 0 "$SECLEARN" export --db "$DB" --app "$app" --format selinux -o "$TMP/$app.cil"
  expect_stderr_matches "^seclearn: wrote .*: module $app: [0-9]+ allow rules"
done
expect_status 0 "$SECLEARN" export --db "$DB" --app ls --format selinux --no-store \
  --template "$TMP/seclearn_container.cil" -o "$TMP/ls2.cil"
cmp -s "$TMP/ls.cil" "$TMP/ls2.cil" || fail "the same facts gave another module"
# A container's view: the image is one type, a volume keeps the host's.
expect_status 0 "$SECLEARN" export --db "$DB" --app ls --format selinux --no-store \
  --volume /usr/share/doc:/usr/share/doc -o "$TMP/lsvol.cil"
grep -F '(allow process seclearn_container_file_t (file ' "$TMP/lsvol.cil" >/dev/null ||
  fail "ls in a container: no rule on the image's type"
grep -F '(allow process usr_t (dir ' "$TMP/lsvol.cil" >/dev/null ||
  fail "ls in a container: the volume /usr/share/doc lost the host's type"
sed -i 's/^(block ls$/(block lsvol/' "$TMP/lsvol.cil"
grep -F '(block lsvol' "$TMP/lsvol.cil" >/dev/null || fail "could not rename the volume module"

step "the compile check can fail: a module naming a type the policy lacks is refused"
printf '(block broken\n  (blockinherit seclearn_container)\n  (allow process no_such_t (file (read))))\n' \
  >"$TMP/broken.cil"
expect_status 1 semodule -p "$ROOT" -n -i "$TMP/seclearn_container.cil" -i "$TMP/broken.cil"

step "build every module into a copy of the policy root (semodule -p -n)"
args=(-i "$TMP/seclearn_container.cil" -i "$TMP/lsvol.cil")
for app in "${apps[@]}"; do args+=(-i "$TMP/$app.cil"); done
expect_status 0 semodule -p "$ROOT" -n "${args[@]}"
[[ $(host_policy) == "$HOST_POLICY" ]] || fail "semodule rewrote the host's policy"
POLICY=$ROOT/var/lib/selinux/default/active/policy.kern
[[ -s $POLICY ]] || fail "no built policy at $POLICY"

# rules APP: the allow rules whose source is APP.process, with the type renamed to APP.
rules() { sesearch -A -s "$1.process" "$POLICY" | grep "^allow $1\.process " | sed "s/$1\.process/APP/g" | sort; }

step "the built policy grants each program what it did"
rules ls >"$TMP/ls.rules"
grep -E '^allow APP bin_t:file \{[^}]*\bexecute\b' "$TMP/ls.rules" >/dev/null ||
  fail "ls: no execute on bin_t"
grep -E '^allow APP usr_t:dir \{[^}]*\bread\b' "$TMP/ls.rules" >/dev/null ||
  fail "ls: no read of /usr/share/doc (usr_t)"
rules py >"$TMP/py.rules"
grep -E '^allow APP http_cache_port_t:tcp_socket \{?[^}]*name_bind' "$TMP/py.rules" >/dev/null ||
  fail "py: no name_bind on 8080's type (http_cache_port_t)"
grep -E '^allow APP http_cache_port_t:tcp_socket \{?[^}]*name_connect' "$TMP/py.rules" >/dev/null ||
  fail "py: no name_connect on 8080's type"
rules sqlite >"$TMP/sqlite.rules"
grep -E '^allow APP tmp_t:file \{[^}]*\bcreate\b' "$TMP/sqlite.rules" >/dev/null ||
  fail "sqlite: no create of its database in /tmp (tmp_t)"
rules tar >"$TMP/tar.rules"
grep -E '^allow APP tmp_t:dir \{[^}]*\badd_name\b' "$TMP/tar.rules" >/dev/null ||
  fail "tar: no add_name where it wrote the archive"
for app in ls py sqlite tar; do
  if grep -E 'shadow_t|:capability ' "$TMP/$app.rules"; then
    fail "$app: rules beyond what it did"
  fi
  note "$app: $(wc -l <"$TMP/$app.rules") allow rules in the built policy"
done

step "hostile names: the same rules as plain names, and nothing they spell"
rules hostile >"$TMP/hostile.rules"
rules plain >"$TMP/plain.rules"
diff "$TMP/plain.rules" "$TMP/hostile.rules" || fail "hostile names changed the rules"
if grep -E 'shadow_t|evil' "$TMP/hostile.rules"; then fail "a file name became a rule"; fi
if grep -vE '^ *;|^ *\((allow process|blockinherit|block hostile)|^\)$' "$TMP/hostile.cil"; then
  fail "a line of the hostile module is neither a comment nor one of ours"
fi

step "diff: a new build that lists /var/log newly needs var_log_t"
learn ls ls -la /var/log/
expect_status 0 "$SECLEARN" export --db "$DB" --app ls --format selinux -o "$TMP/ls3.cil"
expect_status 1 "$SECLEARN" diff --db "$DB" --app ls --format selinux
expect_stdout_matches '^\+ allow ls\.process var_log_t:dir .*\bread\b'
