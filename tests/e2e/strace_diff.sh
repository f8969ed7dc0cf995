#!/usr/bin/env bash
# seclearn against strace: for each program below, the set of (architecture, syscall name)
# that `strace -f` shows it making must be exactly the set `seclearn learn` records, under
# --backend ptrace, --backend notify and --backend ebpf (where it loads); learning must not change the program's stdout
# or exit status; and the seccomp profile exported from each learned run must let the program
# run again with the same stdout and exit status (`seclearn run --seccomp`).
#
# Every difference fails the test unless it is written next to its program:
#   --may NAME=REASON         NAME's presence depends on timing (futex in threaded programs):
#                             left out of the comparison for this program, both backends
#   --except B:-NAME=REASON   backend B does not record NAME, deterministically, for REASON
#   --except B:+NAME=REASON   backend B records NAME that strace does not show
# NAME is x86_64's unless written ARCH/NAME (x86 for i386). Keep both lists narrow: one name,
# one program, one backend, with the reason. A real seclearn bug gets no exception.
#
# Every run of a program (native, strace, learn x2, run x2) starts from the same state: a
# fresh copy of one scratch tree as the working directory, stdin from /dev/null.
# Environment: SECLEARN, TESTEE (lib.sh), TESTEE32 (default: testee32 beside TESTEE; the i386
# programs are skipped with a note when it is missing), STRACE_DIFF_KEEP (a directory: keep
# every program's logs, sets and profiles there). tests/e2e/lib/strace_diff.py parses strace's
# log (see there for how architectures are told apart) and compares the sets;
# tests/e2e/lib/strace_diff_probe.c is compiled here for the calls no Debian program makes.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

TESTEE32=${TESTEE32:-$(dirname "$TESTEE")/testee32}
STRACE=$(command -v strace) || skip "strace is not installed"
command -v gcc >/dev/null || skip "gcc is not installed (the clone probes are compiled here)"
HELPER=$(dirname "$0")/lib/strace_diff.py
"$PY" -c 'import ctypes, ctypes.util; ctypes.CDLL(ctypes.util.find_library("seccomp"))' ||
  skip "libseccomp (the library seclearn links) cannot be loaded from $PY"
readonly kMinChecked=30
readonly kRunLimit=30  # seconds per run: a hang fails the program (exit 137) instead of the test

ulimit -c 0  # segfault and friends: no core files in the scratch tree
umask 022

# ---------------------------------------------------------------------------------------------
# The prepared state: a template tree, copied afresh to $W before every run.

TEMPLATE=$TMP/template
W=$TMP/w
# net-unix binds the abstract name @seclearn-<dir name>: unique to this run of the test.
UNIX_DIR=unix-$$
mkdir -p "$TEMPLATE"/tree/sub "$TEMPLATE"/tree/empty "$TEMPLATE/$UNIX_DIR" "$TEMPLATE"/fileops \
  "$TEMPLATE"/rel "$TEMPLATE"/gone
seq 1 50 >"$TEMPLATE/tree/a.txt"
printf '%s\n' pear apple fig banana cherry apple >"$TEMPLATE/tree/b.txt"
printf 'one two three\nfour five six\n' >"$TEMPLATE/tree/sub/c.txt"
printf '{"a": [1, 2, 3], "b": {"c": "d"}}\n' >"$TEMPLATE/tree/j.json"
printf 'print("from a file")\n' >"$TEMPLATE/tree/p.py"
# shellcheck disable=SC2016  # expanded by the script
printf '#!/bin/sh\necho "script $0 $#"\n' >"$TEMPLATE/tree/s.sh"
chmod +x "$TEMPLATE/tree/s.sh"
find "$TEMPLATE/tree" -exec touch -h -d @1000000000 {} +
tar cf "$TEMPLATE/in.tar" --sort=name --owner=0 --group=0 --numeric-owner -C "$TEMPLATE" tree
gzip -n -c "$TEMPLATE/tree/a.txt" >"$TEMPLATE/in.gz"

fresh() {
  rm -rf "$W"
  cp -a "$TEMPLATE" "$W"
}

# A small C program for what no Debian program does on demand (clone flags, a syscall past
# libseccomp's table, its own filter, int 0x80 and x32 calls, ...): lib/strace_diff_probe.c.
PROBE=$TMP/probe
gcc -O1 -pthread -o "$PROBE" "$(dirname "$0")/lib/strace_diff_probe.c" ||
  fail "cannot compile lib/strace_diff_probe.c"

# A port free on 127.0.0.1 now (net-inet also binds it on [::1]).
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---------------------------------------------------------------------------------------------
# One program

CHECKED=0
FAILED=()
SKIPPED=()

# run_in_w OUT CMD...: a fresh $W as cwd, stdin /dev/null, stdout to OUT, stderr to OUT.err;
# the exit status in RUN_STATUS.
run_in_w() {
  local out=$1
  shift
  fresh
  RUN_STATUS=0
  # The outer 2>/dev/null: bash's own "Terminated" / "Segmentation fault" job reports.
  { (cd "$W" && exec timeout -s KILL "$kRunLimit" "$@") </dev/null >"$out" 2>"$out.err"; } \
    2>/dev/null || RUN_STATUS=$?
}

# same_stdout OUT WHAT: adds a problem unless OUT is the native run's stdout ($d/native.out).
same_stdout() {
  cmp -s "$1" "$d/native.out" && return 0
  problems+=("$2: stdout differs from native: '$(head -c 160 "$1" | tr '\n' '|')' instead of '$(head -c 160 "$d/native.out" | tr '\n' '|')'")
}

# prog NAME [--status N] [--need CMD] [--may ...] [--except ...] -- CMD...
# --status N: the native run must exit N (the premise of the program); --need CMD: skip the
# program with a note when CMD is not installed.
prog() {
  local name=$1
  shift
  local want_status='' opts=() may_names=() need
  while [[ $1 != -- ]]; do
    case $1 in
      --status) want_status=$2 ;;
      --need)
        need=$2
        if ! command -v "$need" >/dev/null; then
          SKIPPED+=("$name")
          note "$name: skipped, $need is not installed"
          return 0
        fi
        ;;
      --may)
        opts+=("$1" "$2")
        may_names+=("$(sed -e 's/=.*//' -e 's|.*/||' <<<"$2")")
        ;;
      --except) opts+=("$1" "$2") ;;
      *) fail "prog $name: unknown option $1" ;;
    esac
    shift 2
  done
  shift
  local d=$TMP/p/$name problems=()
  mkdir -p "$d"

  run_in_w "$d/native.out" "$@"
  local native=$RUN_STATUS
  if [[ -n $want_status ]] && ((native != want_status)); then
    fail "$name: premise: the native run exited $native, expected $want_status: $(quote_cmd "$@")"
  fi

  run_in_w "$d/strace.out" "$STRACE" -f -n --quiet=attach,exit -o "$d/strace.log" "$@"
  ((RUN_STATUS == native)) || problems+=("strace run exited $RUN_STATUS, native $native")
  same_stdout "$d/strace.out" "strace run"

  local backend learned=() profiles=()
  for backend in "${BACKENDS[@]}"; do
    run_in_w "$d/$backend.out" "$SECLEARN" learn --quiet --db "$d/$backend.db" --app "$name" \
      --backend "$backend" -- "$@"
    ((RUN_STATUS == native)) || problems+=("learn --backend $backend exited $RUN_STATUS, native $native")
    same_stdout "$d/$backend.out" "learn --backend $backend"
    if ! "$SECLEARN" show --db "$d/$backend.db" --app "$name" --json >"$d/$backend.json" 2>"$d/$backend.show.err"; then
      problems+=("$backend: show --json failed: $(head -1 "$d/$backend.show.err")")
      continue
    fi
    learned+=(--learned "$backend=$d/$backend.json")
    if ! "$SECLEARN" export --db "$d/$backend.db" --app "$name" --format seccomp \
      -o "$d/$backend.profile.json" 2>"$d/$backend.export.err"; then
      problems+=("$backend: export failed: $(head -1 "$d/$backend.export.err")")
      continue
    fi
    profiles+=(--profile "$backend=$d/$backend.profile.json")
    local replay=$d/$backend.profile.json
    if ((${#may_names[@]})); then
      # A run that happened not to make a timing-dependent name taught nothing about it: the
      # replay must not fail for that (each is listed with its reason at its program).
      replay=$d/$backend.replay-profile.json
      "$PY" "$HELPER" add-names "$d/$backend.profile.json" "$replay" "${may_names[@]}"
    fi
    run_in_w "$d/$backend.replay.out" "$SECLEARN" run --quiet --seccomp "$replay" -- "$@"
    ((RUN_STATUS == native)) ||
      problems+=("run --seccomp (profile learned by $backend) exited $RUN_STATUS, native $native")
    same_stdout "$d/$backend.replay.out" "run --seccomp (profile learned by $backend)"
  done

  local args=(check --name "$name" --strace "$d/strace.log" "${learned[@]}" "${profiles[@]}"
    "${opts[@]}") p
  for p in "${problems[@]}"; do args+=(--problem "$p"); done
  CHECKED=$((CHECKED + 1))
  "$PY" "$HELPER" "${args[@]}" || FAILED+=("$name")
}

# ---------------------------------------------------------------------------------------------
# The programs

if [[ -n ${STRACE_DIFF_KEEP:-} ]]; then  # a directory to keep every log, set and profile in
  on_exit "mkdir -p '$STRACE_DIFF_KEEP' && cp -a '$TMP/p/.' '$STRACE_DIFF_KEEP/'"
fi
BACKENDS=(ptrace notify)
if "$SECLEARN" learn --quiet --db "$TMP/ebpf-probe.db" --app probe --backend ebpf -- /bin/true 2>/dev/null; then
  BACKENDS+=(ebpf)
else
  note "the ebpf backend does not load here: ptrace and notify only"
fi
step "each program: |strace set|, |set| under ${BACKENDS[*]}, verdict (ok* = ok with notes)"

# The testee's subcommands (tests/workloads/testee.cc).
T=$TESTEE
prog t-noop -- "$T" noop
prog t-fork -- "$T" fork
prog t-vfork -- "$T" vfork
prog t-clone3 -- "$T" clone3
prog t-fork-exec -- "$T" fork-exec
prog t-exec-from-thread -- "$T" exec-from-thread
# pthread_join sleeps in futex only if its thread has not exited yet (testee --maybe threads).
prog t-threads-8 --may 'futex=pthread_join waits in futex only for a thread still running' \
  -- "$T" threads 8
prog t-signal-self -- "$T" signal-self
prog t-stop-cont -- "$T" stop-cont
prog t-kill-self-term --status 143 -- "$T" kill-self TERM
prog t-kill-self-kill --status 137 -- "$T" kill-self KILL
prog t-segfault --status 139 -- "$T" segfault
prog t-exit-3 --status 3 -- "$T" exit 3
prog t-sleep -- "$T" sleep 100
prog t-net-inet -- "$T" net-inet "$PORT"
prog t-net-unix -- "$T" net-unix "$W/$UNIX_DIR"
prog t-net-netlink -- "$T" net-netlink
prog t-file-ops -- "$T" file-ops "$W/fileops"
prog t-open-relative -- "$T" open-relative "$W/rel"
prog t-mmap-exec -- "$T" mmap-exec "$T"
prog t-setuid -- "$T" setuid 0
prog t-chown -- "$T" chown-nobody "$W/tree/a.txt"
prog t-write-stdout -- "$T" write-stdout hello
prog t-read-stdin -- "$T" read-stdin

# i386 and x32 calls, and a personality change that is not one.
if [[ -x $TESTEE32 ]]; then
  # int 0x80 calls of a static i386 program after a 64-bit execve, run directly, then exec'd
  # from the (vforked) child of a 64-bit shell.
  prog testee32 -- "$TESTEE32"
  # shellcheck disable=SC2016  # expanded by the traced shell
  prog sh-testee32 -- sh -c '"$0"; echo "status $?"' "$TESTEE32"
else
  SKIPPED+=(testee32 sh-testee32)
  note "testee32, sh-testee32: skipped, $TESTEE32 is missing (tests/CMakeLists.txt builds it with gcc -m32)"
fi
prog int80-from-64bit -- "$PROBE" int80
prog x32-getpid -- "$PROBE" x32
prog setarch-linux32 --need setarch -- setarch linux32 uname -m

# Namespaces, clone flags, seccomp stacking.
prog unshare-user --need unshare -- unshare -U -r id -u
prog unshare-uts --need unshare -- unshare -u sh -c 'hostname x && hostname'
# shellcheck disable=SC2016  # expanded by the traced shell
prog unshare-pid --need unshare -- unshare -p -f sh -c 'echo $$'
prog unshare-net-mount --need unshare -- \
  unshare -n -m sh -c 'mount -t tmpfs none /mnt && touch /mnt/x && ls /mnt && wc -l </proc/net/dev'
prog chroot --need chroot -- chroot / /bin/true
prog clone-newuts -- "$PROBE" clone-newuts
prog clone3-newuts -- "$PROBE" clone3-newuts
prog clone-untraced \
  --except 'notify:+getppid=the CLONE_UNTRACED child calls getppid: strace, a ptrace tracer, cannot follow such a child; the notify backend sees it through the filter the child inherits' \
  --except 'ptrace:+getppid=once the ptrace backend clears CLONE_UNTRACED so that the child is traced (ptrace_backend.h, untraced_cleared), it sees that getppid too' \
  --except 'ebpf:+getppid=the same (its stops are the ptrace backend'"'"'s), and the fork tracepoint follows the child' \
  -- "$PROBE" clone-untraced
prog lsm-list-modules -- "$PROBE" lsm
prog own-seccomp-filter \
  --except 'ptrace:-getppid=the probe'"'"'s own filter answers getppid with SECCOMP_RET_ERRNO, which takes precedence over the SECCOMP_RET_TRACE of seclearn'"'"'s filter: no stop; strace uses PTRACE_SYSCALL, no filter. The replay gets the same ENOSYS from the probe'"'"'s filter' \
  --except 'notify:-getppid=the same: SECCOMP_RET_ERRNO takes precedence over SECCOMP_RET_USER_NOTIF' \
  --except 'ebpf:-getppid=the same: a call seccomp refuses never reaches the sys_enter tracepoint' \
  -- "$PROBE" own-filter

# Signals, stops, restarts, threads, vfork users, exec chains.
prog timeout-term --status 124 --need timeout -- timeout -s TERM 0.2 sleep 5
# shellcheck disable=SC2016  # expanded by the traced shell
prog sh-trap-usr1 -- sh -c 'trap "echo got USR1" USR1; kill -USR1 $$; echo after'
# shellcheck disable=SC2016  # expanded by the traced shell
prog sh-kill-child \
  --may 'rt_sigsuspend=dash waits in sigsuspend only if the SIGKILLed child is not reaped yet at its first wait4(WNOHANG)' \
  -- sh -c 'sleep 5 & sleep 0.2; kill -KILL $!; wait $!; echo $?'
# shellcheck disable=SC2016  # perl's variables
prog perl-sigchld-sleep --need perl \
  --except 'notify:-restart_syscall=made only under a ptrace tracer: the ignored SIGCHLD of the exiting child still stops a traced parent (signal-delivery-stop), which interrupts its relative nanosleep, resumed by restart_syscall; untraced, an ignored signal does not interrupt it' \
  -- perl -MTime::HiRes=sleep -e 'if (my $p = fork) { sleep 0.4; waitpid $p, 0; print "done\n" } else { sleep 0.1; exit 0 }'
# shellcheck disable=SC2016  # expanded by the traced shell
prog stop-cont-threads -- sh -c '"$0" -c "$1" & p=$!; sleep 0.2; kill -STOP $p; sleep 0.1; kill -CONT $p; wait $p; echo "status $?"' \
  "$PY" 'import threading, time
ts = [threading.Thread(target=time.sleep, args=(0.5,)) for _ in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print("joined")'
prog fifo-signal -- "$PROBE" fifo-signal
prog exec-while-open -- "$PROBE" exec-while-open
prog py-subprocess -- "$PY" -c 'import subprocess; print(subprocess.run(["true"]).returncode)'
prog sh-pipeline -- sh -c 'seq 1 20 | xargs -n 5 echo | tr 1 X'
prog xargs-parallel -- sh -c 'seq 1 16 | xargs -P 4 -n 2 echo | sort'
prog script-shebang -- ./tree/s.sh
prog env-i --need env -- env -i FOO=1 /usr/bin/env

# Plain Debian programs with deterministic output.
prog ls -- ls -ln --time-style=+%s tree
prog cat -- cat tree/a.txt tree/b.txt
prog sort -- sort tree/b.txt
prog tar-cf -- tar cf - --sort=name --owner=0 --group=0 --numeric-owner tree
prog tar-xf -- tar xvf in.tar -C gone
prog gzip -- gzip -n -c tree/a.txt
prog gunzip -- gunzip -c in.gz
prog sqlite3-memory --need sqlite3 -- sqlite3 :memory: 'create table t(x); insert into t values (1), (2); select sum(x) from t;'
prog python3-json -- "$PY" -c 'import json; print(json.dumps({"k": [1, 2]}, sort_keys=True))'
prog python3-file -- "$PY" tree/p.py
prog find -- find tree -name '*.txt' -newer in.tar -o -type d -print
prog grep -- grep -rn 'a' tree/b.txt tree/sub
prog sed -- sed -e 's/1/one/g' -e '/5/d' tree/a.txt
# shellcheck disable=SC2016  # awk's fields
prog mawk --need mawk -- mawk '{ s += $1 } END { print s, NR }' tree/a.txt
prog date -- date -u -d @0
prog id -- id -u
prog uname -- uname -s
prog stat -- stat -c '%s %a %Y %n' tree/a.txt tree/sub
prog cp -- cp -a tree copy
prog mv -- mv tree/a.txt moved
prog ln-s -- ln -s tree/a.txt link
prog mkdir -- mkdir -p m/n/o
prog rmdir -- rmdir tree/empty
prog touch -- touch -d @0 tree/new tree/a.txt
prog dd -- dd if=tree/a.txt bs=16 count=2 status=none
prog od -- od -An -tx1 -N16 tree/a.txt
prog sha256sum -- sha256sum tree/a.txt tree/b.txt
prog base64 -- base64 tree/b.txt
prog head -- head -n 3 tree/a.txt
prog tail -- tail -n 3 tree/a.txt
prog wc -- wc tree/a.txt tree/b.txt
prog cut -- cut -d ' ' -f 2 tree/sub/c.txt
prog xz --need xz -- xz -c tree/a.txt
prog bzip2 --need bzip2 -- bzip2 -c tree/a.txt
prog jq --need jq -- jq -c .a tree/j.json
# shellcheck disable=SC2016  # perl's variables
prog perl --need perl -- perl -e 'print join(",", map { $_ * 2 } 1 .. 5), "\n"'
prog busybox-sh --need /bin/busybox -- /bin/busybox sh -c 'busybox ls tree | busybox wc -l'
prog busybox-sha1 --need /bin/busybox -- /bin/busybox sha1sum tree/a.txt

# ---------------------------------------------------------------------------------------------

step "summary"
note "$CHECKED programs checked, ${#FAILED[@]} failed, ${#SKIPPED[@]} skipped${SKIPPED:+ (${SKIPPED[*]})}, ${SECONDS}s"
printf '%s passed, %s failed\n' "$((CHECKED - ${#FAILED[@]}))" "${#FAILED[@]}"
((CHECKED >= kMinChecked)) || fail "only $CHECKED programs checked, at least $kMinChecked required"
((${#FAILED[@]} == 0)) || fail "${#FAILED[@]} programs differ: ${FAILED[*]}"
