#!/usr/bin/env bash
# Overhead of `seclearn learn` against native and `strace -f -o /dev/null`, in one run, as
# ratios (no hardware counters here: wall time, median of REPEAT interleaved runs), and the
# learner's peak memory on a long run.
#
#   scripts/bench.sh                 # REPEAT=5 LOOP=1000000 LONG=10000000
#   REPEAT=3 LONG=0 scripts/bench.sh # quicker, without the memory run
#   CONTAINERS=0 scripts/bench.sh    # without the container rows (they need root and runc)
#   SERVER=0 scripts/bench.sh        # without the server rows (apt install redis-server apache2-utils)
#   REPORT=0 scripts/bench.sh        # without the report row (headless chromium)
#   BENCH_BUILD=build-x scripts/bench.sh  # an existing build directory, used as it is
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-5}
LOOP=${LOOP:-1000000}
LONG=${LONG:-10000000}

CONTAINERS=${CONTAINERS:-1}
if [[ -n ${BENCH_BUILD:-} ]]; then
  build=$(cd "$BENCH_BUILD" && pwd)
else
  bash scripts/build.sh >/dev/null
  build=$PWD/build
fi
seclearn=$build/cli/seclearn
testee=$build/tests/testee
command -v strace >/dev/null || { echo "bench: strace not installed (scripts/install-deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$work/bench.db
# The eBPF backend's columns and rows need root and a kernel with BTF: "-" without.
EBPF=0
"$seclearn" learn --quiet --backend ebpf --db "$db" --app bench-probe -- /bin/true >/dev/null 2>&1 && EBPF=1
mkdir -p "$work/tree"
cp -r /usr/share/doc "$work/tree/" 2>/dev/null || true

# A git repository of that tree (kept beside it: tar reads the tree alone), and a small C
# project (17 files) for make -j2.
git_tree=(git --git-dir="$work/tree.git" --work-tree="$work/tree")
if command -v git >/dev/null; then
  "${git_tree[@]}" init -q && "${git_tree[@]}" add -A &&
    "${git_tree[@]}" -c user.name=bench -c user.email=bench@localhost commit -qm tree
fi
mkdir -p "$work/proj"
for ((i = 0; i < 16; i++)); do
  printf '#include <stdio.h>\nint f%d(int x) { return x * %d + printf(""); }\n' "$i" "$i" \
    >"$work/proj/f$i.c"
done
printf 'int main(void) { return 0; }\n' >"$work/proj/main.c"
printf 'OBJS := $(patsubst %%.c,%%.o,$(wildcard *.c))\nprog: $(OBJS)\n\t$(CC) -o $@ $^\n' \
  >"$work/proj/Makefile"

# name|command (run by sh -c)
workloads=(
  "getppid x${LOOP}|$testee getppid-loop $LOOP"
  "tar of /usr/share/doc|tar cf - -C $work/tree . | cat >/dev/null"
  "python3 startup + imports|/usr/bin/python3 -c 'import json, sqlite3, hashlib, email.parser'"
  "make -j2 of 17 C files|make -s -B -j2 -C $work/proj"
)
[[ -d $work/tree.git ]] && workloads+=("git status of that tree|${git_tree[*]} status --porcelain")

# Wall seconds of one run of "$@" (GNU time would add a process of its own to the trace).
seconds() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))"  # microseconds
}
# hold_latency_request: holds the CPU wake-up latency request seclearn learn holds as root
# (PM QoS 0 us, /dev/cpu_dma_latency) in the background; release_latency_request ends it.
# strace -f measured while it is held gets what seclearn gets from it: a tracer against a
# tracer. Without the device (or root) there is no such column.
QOS=0
[[ -w /dev/cpu_dma_latency ]] && QOS=1
hold_latency_request() {
  # Until released, or until the bench is gone (it is reparented then).
  /usr/bin/python3 -c 'import os, struct, time
parent = os.getppid()
fd = os.open("/dev/cpu_dma_latency", os.O_WRONLY)
os.write(fd, struct.pack("i", 0))
while os.getppid() == parent:
    time.sleep(0.2)' &
  qos_pid=$!
  sleep 0.2
}
release_latency_request() { kill "$qos_pid"; wait "$qos_pid" 2>/dev/null || true; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

echo "seclearn bench: $(nproc) cores, kernel $(uname -r), median of $REPEAT interleaved runs"
echo "$(strace -V | head -n 1)"
printf '\n%-28s %10s %10s %10s %9s %10s %10s %10s %8s %10s %9s %10s %8s %9s %12s %10s\n' workload native_ms seclearn_ms strace_ms syscalls "x native" "vs strace" notify_ms "vs strace" relearn_ms "x native" ebpf_ms "vs strace" "x native" strace_qos_ms "vs s+qos"
for w in "${workloads[@]}"; do
  name=${w%%|*}
  cmd=${w#*|}
  : >"$work/n"; : >"$work/s"; : >"$work/t"; : >"$work/q"; : >"$work/r"; : >"$work/e"; : >"$work/tq"
  # Re-learning: the app's first run, then every measured run lets its known calls through.
  re_app="bench-re-${#name}-${name//[^a-z0-9]/}"
  "$seclearn" learn --quiet --db "$db" --app "$re_app" -- sh -c "$cmd" >/dev/null 2>&1 || true
  for ((i = 0; i < REPEAT; i++)); do
    seconds sh -c "$cmd" >>"$work/n"
    # --full: a first learn (every call traced), however many runs the app already has.
    seconds "$seclearn" learn --quiet --full --db "$db" --app bench -- sh -c "$cmd" >>"$work/s"
    seconds strace -f -o /dev/null sh -c "$cmd" >>"$work/t"
    seconds "$seclearn" learn --quiet --full --backend notify --db "$db" --app bench-notify -- \
      sh -c "$cmd" >>"$work/q"
    seconds "$seclearn" learn --quiet --db "$db" --app "$re_app" -- sh -c "$cmd" >>"$work/r"
    if ((EBPF)); then
      seconds "$seclearn" learn --quiet --backend ebpf --db "$db" --app bench-ebpf -- sh -c "$cmd" >>"$work/e"
    fi
    if ((QOS)); then
      hold_latency_request
      seconds strace -f -o /dev/null sh -c "$cmd" >>"$work/tq"
      release_latency_request
    fi
  done
  n=$(median <"$work/n"); s=$(median <"$work/s"); t=$(median <"$work/t"); q=$(median <"$work/q")
  r=$(median <"$work/r"); e=$( ((EBPF)) && median <"$work/e" || echo 0)
  tq=$( ((QOS)) && median <"$work/tq" || echo 0)
  # seclearn's own count of the syscalls it stopped on (every syscall of the workload)
  calls=$("$seclearn" learn --full --db "$db" --app bench -- sh -c "$cmd" 2>&1 >/dev/null |
    sed -n 's/.* \([0-9][0-9]*\) calls in .*/\1/p' | tail -n 1)
  awk -v name="$name" -v n="$n" -v s="$s" -v t="$t" -v c="$calls" -v q="$q" -v r="$r" -v e="$e" -v tq="$tq" 'BEGIN {
    printf "%-28s %10.1f %10.1f %10.1f %9d %10.2f %10.2f %10.1f %8.2f %10.1f %9.2f", name,
           n/1000, s/1000, t/1000, c, s/n, (t > n) ? (s-n)/(t-n) : 0, q/1000,
           (t > n) ? (q-n)/(t-n) : 0, r/1000, r/n
    if (e > 0) printf " %10.1f %8.2f %9.2f", e/1000, (t > n) ? (e-n)/(t-n) : 0, e/n
    else printf " %10s %8s %9s", "-", "-", "-"
    if (tq > 0) printf " %12.1f %10.2f\n", tq/1000, (tq > n) ? (s-n)/(tq-n) : 0
    else printf " %12s %10s\n", "-", "-" }'
  awk -v n="$n" -v s="$s" -v t="$t" -v c="$calls" 'BEGIN { if (c > 0)
    printf "%-28s added per syscall: seclearn %.2f us, strace %.2f us\n", "", (s-n)/c, (t-n)/c }'
done
echo "(vs strace = seclearn's added time / strace's added time, ptrace (the default) and notify, a"
echo " first learn (--full); target <= 0.4. relearn = learn's default once the app has a run: the"
echo " known calls with nothing left to learn run unseen; x native target on getppid <= 1.2."
echo " ebpf = --backend ebpf, a first learn: the calls with nothing to learn but the call counted"
echo " in the kernel, the others stopped as under ptrace; x native target on getppid <= 1.3."
echo " strace_qos = strace -f while a process holds the wake-up latency request seclearn holds as"
echo " root (learn --help); vs s+qos = seclearn's (ptrace) added time / that strace's)"

if ((LONG > 0)); then
  echo
  backends=(ptrace notify)
  ((EBPF)) && backends+=(ebpf)
  for backend in "${backends[@]}"; do
    /usr/bin/time -f '%M' -o "$work/rss" "$seclearn" learn --quiet --full --backend "$backend" \
      --db "$db" --app "bench-long-$backend" -- "$testee" getppid-loop "$LONG" >/dev/null
    awk -v n="$LONG" -v b="$backend" '{ printf "peak memory, learn (%s) of %d getppid calls: %.1f MB (max RSS of seclearn and its children; target < 30 MB)\n", b, n, $1/1024 }' "$work/rss"
  done
fi

# --- The notify backend beside ptrace -------------------------------------------------------
echo
echo "backends on getppid x${LOOP}, median of $REPEAT interleaved runs"
printf '%-34s %10s %18s %10s %9s\n' backend ms "added per syscall" "vs ptrace" "x native"
: >"$work/n"; : >"$work/p"; : >"$work/q"; : >"$work/r"; : >"$work/d"; : >"$work/e"; : >"$work/f"
# The re-learned app's first run; the reference: the loop under Docker's default profile (any
# seccomp filter sends every call through the kernel's slower syscall entry).
"$seclearn" learn --quiet --db "$db" --app bench-relearn -- "$testee" getppid-loop 1000 >/dev/null 2>&1
default_profile=/usr/share/containers/seccomp.json  # Docker's default profile, as packaged
for ((i = 0; i < REPEAT; i++)); do
  seconds "$testee" getppid-loop "$LOOP" >>"$work/n"
  seconds "$seclearn" learn --quiet --full --db "$db" --app bench-ptrace -- "$testee" getppid-loop "$LOOP" >>"$work/p"
  seconds "$seclearn" learn --quiet --full --db "$db" --app bench-notify --backend notify -- \
    "$testee" getppid-loop "$LOOP" >>"$work/q"
  seconds "$seclearn" learn --quiet --db "$db" --app bench-relearn -- "$testee" getppid-loop "$LOOP" >>"$work/r"
  if [[ -f $default_profile ]]; then
    seconds "$seclearn" run --seccomp "$default_profile" -- "$testee" getppid-loop "$LOOP" >>"$work/d"
  fi
  if ((EBPF)); then
    seconds "$seclearn" learn --quiet --backend ebpf --db "$db" --app bench-ebpf -- "$testee" getppid-loop "$LOOP" >>"$work/e"
    # The floor of any sys_enter tracepoint program: the loop outside the workload, while an
    # ebpf learn of another command has its programs attached (every task then takes the
    # kernel's slow syscall path).
    "$seclearn" learn --quiet --backend ebpf --db "$db" --app bench-idle -- sleep 30 >/dev/null 2>&1 &
    idle=$!
    sleep 0.5
    seconds "$testee" getppid-loop "$LOOP" >>"$work/f"
    kill -INT "$idle"; kill -INT "$idle" 2>/dev/null || true; wait "$idle" 2>/dev/null || true
  fi
done
n=$(median <"$work/n"); p=$(median <"$work/p"); q=$(median <"$work/q"); r=$(median <"$work/r")
d=$( [[ -s $work/d ]] && median <"$work/d" || echo 0)
e=$( [[ -s $work/e ]] && median <"$work/e" || echo 0)
f=$( [[ -s $work/f ]] && median <"$work/f" || echo 0)
awk -v n="$n" -v p="$p" -v q="$q" -v r="$r" -v d="$d" -v e="$e" -v f="$f" -v c="$LOOP" 'BEGIN {
  printf "%-34s %10.1f %18s %10s %9.2f\n", "native", n/1000, "-", "-", 1
  printf "%-34s %10.1f %15.2f us %10s %9.2f\n", "ptrace (--full)", p/1000, (p-n)/c, "1.00", p/n
  printf "%-34s %10.1f %15.2f us %10.2f %9.2f\n", "notify (--full)", q/1000, (q-n)/c, (p > n) ? (q-n)/(p-n) : 0, q/n
  printf "%-34s %10.1f %15.3f us %10.3f %9.2f\n", "ptrace, re-learned", r/1000, (r-n)/c, (p > n) ? (r-n)/(p-n) : 0, r/n
  if (d > 0) printf "%-34s %10.1f %15.3f us %10s %9.2f\n", "no seclearn, Docker default profile", d/1000, (d-n)/c, "-", d/n
  if (e > 0) printf "%-34s %10.1f %15.3f us %10.3f %9.2f\n", "ebpf (counted in the kernel)", e/1000, (e-n)/c, (p > n) ? (e-n)/(p-n) : 0, e/n
  if (f > 0) printf "%-34s %10.1f %15.3f us %10s %9.2f\n", "not learned, an ebpf learn elsewhere", f/1000, (f-n)/c, "-", f/n }'
echo "(vs ptrace = added time per syscall / ptrace's; notify target <= 1; re-learned target <= 1.2x native;"
echo " ebpf target <= 1.3x native; 'an ebpf learn elsewhere' = the cost any sys_enter tracepoint program"
echo " puts on every task of the machine, the floor of a tracepoint backend)"

# --- Export modes: a workload whose calls are all in the profile ------------------------------
# The loop under its app's enforce, complain and watch profiles (seclearn run; watch with no
# agent: only calls outside the profile would reach one, and none is made).
echo
echo "export modes on getppid x${LOOP} (every call in the profile), median of $REPEAT interleaved runs"
printf '%-34s %10s %12s %9s
' mode ms "x enforce" "x native"
for mode in enforce complain watch; do
  "$seclearn" export --db "$db" --app bench-relearn --no-store --mode "$mode" \
    -o "$work/mode-$mode.json" >/dev/null 2>&1
  : >"$work/m-$mode"
done
: >"$work/mn"
for ((i = 0; i < REPEAT; i++)); do
  seconds "$testee" getppid-loop "$LOOP" >>"$work/mn"
  for mode in enforce complain watch; do
    seconds "$seclearn" run --seccomp "$work/mode-$mode.json" -- "$testee" getppid-loop "$LOOP" \
      >>"$work/m-$mode" 2>/dev/null
  done
done
mn=$(median <"$work/mn")
me=$(median <"$work/m-enforce")
for mode in enforce complain watch; do
  m=$(median <"$work/m-$mode")
  awk -v m="$m" -v e="$me" -v n="$mn" -v mode="$mode" \
    'BEGIN { printf "%-34s %10.1f %12.2f %9.2f\n", mode, m/1000, m/e, m/n }'
done
echo "(target: watch at the speed of enforce, x enforce ~ 1.00)"

# --- Landlock: the learned ruleset enforced by seclearn run --landlock ---------------------------
# Workloads that open many files (every open walks the ruleset's hierarchy checks), on paths of
# stable names (a mktemp directory would be granted through /tmp): native against the same
# command under its own exported ruleset.
landlock_workloads=(
  "tar of /usr/share/doc|tar cf - -C /usr/share/doc . | cat >/dev/null"
  "python3 startup + imports|/usr/bin/python3 -c 'import json, sqlite3, hashlib, email.parser'"
)
echo
echo "landlock (seclearn run --landlock, the workload's own ruleset), median of $REPEAT interleaved runs"
printf '%-28s %8s %10s %10s %9s\n' workload paths native_ms landlock_ms x_native
n=0
for w in "${landlock_workloads[@]}"; do
  name=${w%%|*} cmd=${w#*|}
  n=$((n + 1))
  "$seclearn" learn --quiet --db "$db" --app "bench-ll-$n" -- sh -c "$cmd" >/dev/null 2>&1 || true
  "$seclearn" export --db "$db" --app "bench-ll-$n" --no-store --format landlock \
    -o "$work/ll-$n.json" >/dev/null 2>&1
  paths=$(python3 -c 'import json, sys
print(sum(len(r["parent"]) for r in json.load(open(sys.argv[1])).get("pathBeneath", [])))' \
    "$work/ll-$n.json")
  : >"$work/lln"
  : >"$work/lll"
  for ((i = 0; i < REPEAT; i++)); do
    seconds sh -c "$cmd" >>"$work/lln"
    seconds "$seclearn" run --landlock "$work/ll-$n.json" -- sh -c "$cmd" >>"$work/lll"
  done
  awk -v a="$(median <"$work/lln")" -v b="$(median <"$work/lll")" -v w="$name" -v p="$paths" \
    'BEGIN { printf "%-28s %8d %10.1f %10.1f %9.2f\n", w, p, a/1000, b/1000, b/a }'
done

# --- The report: an app of 100k paths and 50 runs, opened in headless Chromium -------------------
# `seclearn report` of it, and Chromium loading the page (--dump-dom: parsed, DOM serialised)
# and painting it (--screenshot), against the same browser on about:blank: the difference is
# the page's own cost. REPORT=0 leaves it out.
REPORT=${REPORT:-1}
if ((REPORT != 0)) && command -v chromium >/dev/null; then
  mkdir -p "$work/big"
  "$seclearn" learn --quiet --db "$db" --app bench-report -- /usr/bin/python3 -c '
import os, sys
for i in range(100):
    sub = os.path.join(sys.argv[1], "d%03d" % i)
    os.mkdir(sub)
    for j in range(1000):
        open(os.path.join(sub, "f%04d" % j), "w").close()
' "$work/big" >/dev/null
  for i in $(seq 2 50); do
    "$seclearn" learn --quiet --db "$db" --app bench-report -- /bin/true >/dev/null
  done
  chrome() {
    chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --no-first-run --user-data-dir="$work/chromium" "$@" >/dev/null 2>&1
  }
  : >"$work/rg" && : >"$work/rb" && : >"$work/rd" && : >"$work/rs"
  for ((i = 0; i < REPEAT; i++)); do
    seconds "$seclearn" report --db "$db" --app bench-report -o "$work/big.html" >>"$work/rg"
    seconds chrome --dump-dom about:blank >>"$work/rb"
    seconds chrome --dump-dom "file://$work/big.html" >>"$work/rd"
    seconds chrome --window-size=1280,1600 --screenshot="$work/big.png" "file://$work/big.html" \
      >>"$work/rs"
  done
  echo
  echo "report of 100k paths and 50 runs, median of $REPEAT interleaved runs"
  awk -v size="$(stat -c %s "$work/big.html")" -v g="$(median <"$work/rg")" \
    -v b="$(median <"$work/rb")" -v d="$(median <"$work/rd")" -v s="$(median <"$work/rs")" \
    'BEGIN { printf "page %.2f MB; seclearn report %.0f ms; chromium: about:blank %.0f ms, " \
      "load (--dump-dom) %.0f ms, load and paint (--screenshot) %.0f ms; the page itself: " \
      "%.0f ms to load, %.0f ms to paint (target < 2000 ms)\n", size / 1048576, g / 1000,
      b / 1000, d / 1000, s / 1000, (d - b) / 1000, (s - b) / 1000 }'
else
  echo "report: skipped (REPORT=0, or chromium not installed: scripts/install-deps.sh)"
fi

# --- Call stacks: learn --stacks=first (the default) against --stacks=none ---------------------
# Wall and CPU time (user + sys of seclearn and the workload), best of REPEAT interleaved runs:
# the difference is a few tens of milliseconds once per run, and other load on the machine only
# ever adds time, so the minimum estimates the cost where a median would show the noise.
stack_run() {  # MODE CMD: appends wall and CPU microseconds to $work/s-MODE-{wall,cpu}
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S' -o "$work/cpu" "$seclearn" learn --quiet --full --stacks="$1" --db "$db" \
    --app bench-stacks -- sh -c "$2" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))" >>"$work/s-$1-wall"
  awk '{ printf "%d\n", ($1 + $2) * 1e6 }' "$work/cpu" >>"$work/s-$1-cpu"
}
echo
echo "call stacks (learn --stacks=first vs --stacks=none), best of $REPEAT interleaved runs"
printf '%-28s %10s %10s %8s %10s %10s %8s\n' workload none_ms first_ms added none_cpu first_cpu added
for w in "getppid x${LOOP}|$testee getppid-loop $LOOP" \
  "python3 startup + imports|/usr/bin/python3 -c 'import json, sqlite3, hashlib, email.parser'"; do
  name=${w%%|*}
  cmd=${w#*|}
  rm -f "$work"/s-*
  for ((i = 0; i < REPEAT; i++)); do
    stack_run none "$cmd"
    stack_run first "$cmd"
  done
  nw=$(sort -n "$work/s-none-wall" | head -n 1); fw=$(sort -n "$work/s-first-wall" | head -n 1)
  nc=$(sort -n "$work/s-none-cpu" | head -n 1); fc=$(sort -n "$work/s-first-cpu" | head -n 1)
  awk -v name="$name" -v nw="$nw" -v fw="$fw" -v nc="$nc" -v fc="$fc" 'BEGIN {
    printf "%-28s %10.1f %10.1f %7.1f%% %10.1f %10.1f %7.1f%%\n", name, nw/1000, fw/1000,
           (fw-nw)*100/nw, nc/1000, fc/1000, (nc > 0) ? (fc-nc)*100/nc : 0 }'
done
echo "(added = --stacks=first over --stacks=none; target on getppid < 2%)"

# --- A server under load: redis-server driven by redis-benchmark ------------------------------
# Requests per second of redis-benchmark (GET and SET, 20 clients, untraced) against a
# redis-server started natively, under strace -f, and learned: a first learn (--full) and a
# re-learn of the same app (its hot calls, read/write/epoll_wait, then run unseen).
SERVER=${SERVER:-1}
REQUESTS=${REQUESTS:-100000}
if ((SERVER != 0)) && command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null &&
  command -v redis-cli >/dev/null; then
  port=16379
  # rps REQUESTS CMD...: starts CMD (a redis-server on $port) in the background, drives it
  # with redis-benchmark (REQUESTS GET and SET, 20 clients) and shuts it down; prints the
  # mean requests per second.
  rps() {
    local requests=$1
    shift
    "$@" </dev/null >/dev/null 2>&1 &
    local pid=$! i
    for ((i = 0; i < 200; i++)); do
      redis-cli -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.05
    done
    redis-benchmark -p "$port" -q -n "$requests" -c 20 -t get,set --csv 2>/dev/null |
      awk -F'"' '/^"(GET|SET)"/ { s += $4; n++ } END { printf "%d\n", n ? s / n : 0 }'
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    wait "$pid" 2>/dev/null || true
  }
  # server_rps WRAPPER...: one server under WRAPPER.
  server_rps() { rps "$REQUESTS" "$@" redis-server --port "$port" --save '' --appendonly no --daemonize no; }
  # The re-learned app's first run.
  rps 1000 "$seclearn" learn --quiet --db "$db" --app bench-redis-re -- redis-server --port "$port" \
    --save '' --appendonly no >/dev/null
  echo
  echo "redis-server under redis-benchmark ($REQUESTS GET and SET, 20 clients), median of $REPEAT"
  : >"$work/rn"; : >"$work/rt"; : >"$work/rp"; : >"$work/rq"; : >"$work/rr"; : >"$work/rs"; : >"$work/re"
  for ((i = 0; i < REPEAT; i++)); do
    server_rps >>"$work/rn"
    server_rps strace -f -o /dev/null >>"$work/rt"
    server_rps "$seclearn" learn --quiet --full --db "$db" --app bench-redis -- >>"$work/rp"
    server_rps "$seclearn" learn --quiet --full --backend notify --db "$db" --app bench-redis-n -- >>"$work/rq"
    server_rps "$seclearn" learn --quiet --db "$db" --app bench-redis-re -- >>"$work/rr"
    server_rps "$seclearn" learn --quiet --backend notify --db "$db" --app bench-redis-re -- >>"$work/rs"
    if ((EBPF)); then
      server_rps "$seclearn" learn --quiet --backend ebpf --db "$db" --app bench-redis-e -- >>"$work/re"
    fi
  done
  printf '%-34s %12s %10s\n' "" "requests/s" "x native"
  n=$(median <"$work/rn")
  for row in "native:rn" "strace -f:rt" "learn --full (ptrace):rp" "learn --full --backend notify:rq" \
    "re-learn (ptrace):rr" "re-learn --backend notify:rs" "learn --backend ebpf:re"; do
    [[ -s $work/${row##*:} ]] || continue
    v=$(median <"$work/${row##*:}")
    awk -v name="${row%:*}" -v v="$v" -v n="$n" 'BEGIN { printf "%-34s %12d %10.2f\n", name, v, n ? v / n : 0 }'
  done
  echo "(x native = throughput while learned / native; target >= 0.9 for a re-learned server and"
  echo " under ebpf, a first learn)"
else
  echo
  echo "server: skipped (SERVER=0, or redis-server, redis-benchmark and redis-cli not installed: apt install redis-server)"
fi

# --- Containers: runc without and with learning (seclearn runtime + agent) --------------------
((CONTAINERS != 0)) || exit 0
if ((EUID != 0)) || ! command -v runc >/dev/null || [[ ! -x /bin/busybox ]] ||
  ! grep -qw user_notif /proc/sys/kernel/seccomp/actions_avail 2>/dev/null; then
  echo
  echo "containers: skipped (needs root, runc, busybox-static and seccomp user notification)"
  exit 0
fi
CREPEAT=${CREPEAT:-$((REPEAT * 2 + 1))}
READS=${READS:-100000}
"$seclearn" agent --socket "$work/agent.sock" --db "$work/containers.db" \
  </dev/null >/dev/null 2>"$work/agent.log" &
agent=$!
trap 'kill "$agent" 2>/dev/null; wait "$agent" 2>/dev/null; rm -rf "$work"' EXIT
for ((i = 0; i < 100; i++)); do
  [[ -S $work/agent.sock ]] && break
  sleep 0.05
done
# bundle NAME ARGS...: a busybox bundle; NAME c-default runs under the default profile.
bundle() {
  local name=$1
  shift
  bash scripts/make-busybox-bundle.sh "$work/$name" "$@" >/dev/null
  if [[ $name == c-default* && -f $default_profile ]]; then
    # As Docker and Podman do: archMap becomes the architectures of this machine.
    /usr/bin/python3 -c 'import json, platform, sys
c = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
native = {"x86_64": "SCMP_ARCH_X86_64", "aarch64": "SCMP_ARCH_AARCH64"}.get(platform.machine())
for m in p.pop("archMap", None) or []:
    if m["architecture"] == native:
        p["architectures"] = [native] + (m.get("subArchitectures") or [])
c["linux"]["seccomp"] = p
json.dump(c, open(sys.argv[1], "w"))' "$work/$name/config.json" "$default_profile"
  fi
}
seq_id=0
# Container ids: unique also for runs started in the background (a subshell: $BASHPID).
run_plain() {
  seq_id=$((seq_id + 1))
  runc run --bundle "$work/$1" "bench-$$-$BASHPID-$seq_id" </dev/null
}
# run_learn BUNDLE APP [SHIM-ARGS...]: through the shim and the agent, learned as APP.
run_learn() {
  seq_id=$((seq_id + 1))
  local b=$1 app=$2
  shift 2
  "$seclearn" runtime --runtime-path runc --agent-socket "$work/agent.sock" --app "$app" "$@" -- \
    run --bundle "$work/$b" "bench-$$-$BASHPID-$seq_id" </dev/null
}
echo
echo "containers (runc $(runc --version | sed -n 's/^runc version //p'), busybox), median of $CREPEAT interleaved runs"
printf '%-28s %12s %12s %12s %10s %10s %12s %10s\n' workload "no seccomp" "default prof" learning "x default" "x none" "re-learning" "x default"
k=0
for w in "start: /bin/true|/bin/true" "$READS reads: dd bs=1|/bin/dd if=/dev/zero of=/dev/null bs=1 count=$READS"; do
  name=${w%%|*}
  read -r -a cmd <<<"${w#*|}"
  k=$((k + 1))
  bundle c-none "${cmd[@]}"
  bundle c-default "${cmd[@]}"
  bundle c-learn "${cmd[@]}"
  # The re-learned app's first run: later ones let its known calls through unseen.
  run_learn c-learn "bench-re-$k" >/dev/null 2>&1 || true
  : >"$work/a"; : >"$work/b"; : >"$work/c"; : >"$work/r"
  for ((i = 0; i < CREPEAT; i++)); do
    seconds run_plain c-none >>"$work/a"
    seconds run_plain c-default >>"$work/b"
    seconds run_learn c-learn bench-c-learn --full >>"$work/c"
    seconds run_learn c-learn "bench-re-$k" >>"$work/r"
  done
  a=$(median <"$work/a"); b=$(median <"$work/b"); c=$(median <"$work/c"); r=$(median <"$work/r")
  awk -v name="$name" -v a="$a" -v b="$b" -v c="$c" -v r="$r" 'BEGIN {
    printf "%-28s %9.1f ms %9.1f ms %9.1f ms %10.2f %10.2f %9.1f ms %10.2f\n", name, a/1000, b/1000,
           c/1000, c/b, c/a, r/1000, r/b }'
  if [[ $name == *reads* ]]; then
    calls=$(sed -n 's/.*app bench-c-learn.*ended: .* \([0-9][0-9]*\) calls, exit .*/\1/p' "$work/agent.log" | tail -n 1)
    awk -v b="$b" -v c="$c" -v n="${calls:-0}" 'BEGIN { if (n > 0)
      printf "%-28s added per notified syscall: %.2f us (%d notifications a run)\n", "", (c-b)/n, n }'
  fi
done
echo "(x default = learning (--full) or re-learning / the same container under the default profile;"
echo " target <= 1.5)"

# container_server_table TITLE KEY MEASURE PLAIN LEARN APP: REPEAT interleaved runs of a server
# container, each measured by `MEASURE BUNDLE RUN-FUNCTION ARGS...` (prints requests/s): the
# bundle PLAIN under the default profile, and its copy LEARN (the shim rewrites its bundle in
# place) learned (--full, as APP) and re-learned (as APP-re, which has had a first run)
# through the shim and the agent.
container_server_table() {
  local title=$1 key=$2 measure=$3 plain=$4 learn=$5 app=$6 i a v row
  : >"$work/${key}a"; : >"$work/${key}b"; : >"$work/${key}c"
  for ((i = 0; i < REPEAT; i++)); do
    "$measure" "$plain" run_plain "$plain" >>"$work/${key}a"
    "$measure" "$learn" run_learn "$learn" "$app" --full >>"$work/${key}b"
    "$measure" "$learn" run_learn "$learn" "$app-re" >>"$work/${key}c"
  done
  echo
  echo "$title, median of $REPEAT"
  printf '%-34s %12s %10s\n' "" "requests/s" "x plain"
  a=$(median <"$work/${key}a")
  for row in "plain (default profile):a" "learning (--full):b" "re-learning:c"; do
    v=$(median <"$work/${key}${row##*:}")
    awk -v name="${row%:*}" -v v="$v" -v a="$a" 'BEGIN { printf "%-34s %12d %10.2f\n", name, v, a ? v / a : 0 }'
  done
  echo "(x plain = throughput while learned through the agent / the container under the default profile; target >= 0.8)"
}

# host_network_bundles NAME: the bundle c-default-NAME keeps the host's network and a writable
# rootfs; c-learn-NAME is its copy for the learned runs (the shim rewrites its bundle's
# config.json for learning, in place, so that the plain runs keep the default profile).
host_network_bundles() {
  /usr/bin/python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["root"]["readonly"] = False
json.dump(c, open(sys.argv[1], "w"))' "$work/c-default-$1/config.json"
  cp -a "$work/c-default-$1" "$work/c-learn-$1"
}

# A server in a container: redis-server from the host's package in a busybox bundle that keeps
# the host's network (redis-benchmark, untraced, connects to 127.0.0.1), under the default
# profile, learned (--full) and re-learned through the shim and the agent.
if ((SERVER != 0)) && command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
  port=${port:-16379}
  bundle c-default-redis /usr/bin/redis-server --port "$port" --save '' --appendonly no --protected-mode no
  for lib in $(ldd /usr/bin/redis-server | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
    mkdir -p "$work/c-default-redis/rootfs$(dirname "$lib")"
    cp -L "$lib" "$work/c-default-redis/rootfs$lib"
  done
  mkdir -p "$work/c-default-redis/rootfs/usr/bin"
  cp /usr/bin/redis-server "$work/c-default-redis/rootfs/usr/bin/"
  host_network_bundles redis
  # container_rps BUNDLE RUN-FUNCTION ARGS...: requests per second of one container run.
  container_rps() { shift; rps "$REQUESTS" "$@"; }
  rps 1000 run_learn c-learn-redis bench-redis-c-re >/dev/null  # the re-learned app's first run
  container_server_table "redis-server in a runc container (default profile), $REQUESTS GET and SET" \
    c container_rps c-default-redis c-learn-redis bench-redis-c
  for app in bench-redis-c bench-redis-c-re; do
    sed -n "s/.*app $app, run [0-9]*): ended: .* \([0-9][0-9]*\) calls, exit .*/\1/p" "$work/agent.log" |
      tail -n 1 | awk -v app="$app" '{ printf "%-34s %12d notifications in its last run\n", app, $1 }'
  done
fi

# An HTTP server in a container: busybox httpd (a process per connection) serving a 4 KB
# file, driven by ab (apache2-utils, untraced: $HTTP_REQUESTS requests, 10 at a time) over
# the host's network, under the default profile, learned (--full) and re-learned through the
# shim and the agent. The container's shell ends when rootfs/tmp/stop appears; the pid
# namespace takes httpd with it.
HTTP_REQUESTS=${HTTP_REQUESTS:-5000}
if ((SERVER != 0)) && command -v ab >/dev/null; then
  hport=${hport:-18080}
  bundle c-default-httpd /bin/sh -c "httpd -p $hport -h /www; while [ ! -e /tmp/stop ]; do sleep 0.1; done"
  mkdir -p "$work/c-default-httpd/rootfs/www"
  head -c 4096 /dev/zero | tr '\0' x >"$work/c-default-httpd/rootfs/www/index.html"
  host_network_bundles httpd
  # http_rps BUNDLE RUN-FUNCTION ARGS...: requests per second of one container run of BUNDLE.
  http_rps() {
    local b=$1 pid i
    shift
    rm -f "$work/$b/rootfs/tmp/stop"
    "$@" >/dev/null 2>&1 &
    pid=$!
    for ((i = 0; i < 200; i++)); do
      ab -q -n 1 "http://127.0.0.1:$hport/index.html" >/dev/null 2>&1 && break
      sleep 0.05
    done
    ab -q -n "$HTTP_REQUESTS" -c 10 "http://127.0.0.1:$hport/index.html" 2>/dev/null |
      awk '/^Requests per second/ { printf "%d\n", $4 }'
    touch "$work/$b/rootfs/tmp/stop"
    wait "$pid" || true
  }
  http_rps c-learn-httpd run_learn c-learn-httpd bench-httpd-c-re >/dev/null  # the first run
  container_server_table \
    "busybox httpd in a runc container (default profile), ab: $HTTP_REQUESTS requests, 10 at a time" \
    h http_rps c-default-httpd c-learn-httpd bench-httpd-c
else
  echo
  echo "http server in a container: skipped (SERVER=0, or ab not installed: apt install apache2-utils)"
fi
