#!/usr/bin/env bash
# Overhead of `seclearn learn` against native and `strace -f -o /dev/null`, in one run, as
# ratios (no hardware counters here: wall time, median of REPEAT interleaved runs), and the
# learner's peak memory on a long run.
#
#   scripts/bench.sh                 # REPEAT=5 LOOP=1000000 LONG=10000000
#   REPEAT=3 LONG=0 scripts/bench.sh # quicker, without the memory run
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-5}
LOOP=${LOOP:-1000000}
LONG=${LONG:-10000000}

bash scripts/build.sh >/dev/null
seclearn=$PWD/build/cli/seclearn
testee=$PWD/build/tests/testee
command -v strace >/dev/null || { echo "bench: strace not installed (scripts/install-deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$work/bench.db
mkdir -p "$work/tree"
cp -r /usr/share/doc "$work/tree/" 2>/dev/null || true

# name|command (run by sh -c)
workloads=(
  "getppid x${LOOP}|$testee getppid-loop $LOOP"
  "tar of /usr/share/doc|tar cf - -C $work/tree . | cat >/dev/null"
  "python3 startup + imports|/usr/bin/python3 -c 'import json, sqlite3, hashlib, email.parser'"
)

# Wall seconds of one run of "$@" (GNU time would add a process of its own to the trace).
seconds() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))"  # microseconds
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

echo "seclearn bench: $(nproc) cores, kernel $(uname -r), median of $REPEAT interleaved runs"
echo "$(strace -V | head -n 1)"
printf '\n%-28s %10s %10s %10s %9s %10s %10s\n' workload native_ms seclearn_ms strace_ms syscalls "x native" "vs strace"
for w in "${workloads[@]}"; do
  name=${w%%|*}
  cmd=${w#*|}
  : >"$work/n"; : >"$work/s"; : >"$work/t"
  for ((i = 0; i < REPEAT; i++)); do
    seconds sh -c "$cmd" >>"$work/n"
    seconds "$seclearn" learn --quiet --db "$db" --app bench -- sh -c "$cmd" >>"$work/s"
    seconds strace -f -o /dev/null sh -c "$cmd" >>"$work/t"
  done
  n=$(median <"$work/n"); s=$(median <"$work/s"); t=$(median <"$work/t")
  # seclearn's own count of the syscalls it stopped on (every syscall of the workload)
  calls=$("$seclearn" learn --db "$db" --app bench -- sh -c "$cmd" 2>&1 >/dev/null |
    sed -n 's/.* \([0-9][0-9]*\) calls in .*/\1/p' | tail -n 1)
  awk -v name="$name" -v n="$n" -v s="$s" -v t="$t" -v c="$calls" 'BEGIN {
    printf "%-28s %10.1f %10.1f %10.1f %9d %10.2f %10.2f\n", name, n/1000, s/1000, t/1000, c,
           s/n, (t > n) ? (s-n)/(t-n) : 0 }'
  awk -v n="$n" -v s="$s" -v t="$t" -v c="$calls" 'BEGIN { if (c > 0)
    printf "%-28s added per syscall: seclearn %.2f us, strace %.2f us\n", "", (s-n)/c, (t-n)/c }'
done
echo "(vs strace = seclearn's added time / strace's added time; target <= 0.5)"

if ((LONG > 0)); then
  echo
  /usr/bin/time -f '%M' -o "$work/rss" "$seclearn" learn --quiet --db "$db" --app bench-long \
    -- "$testee" getppid-loop "$LONG" >/dev/null
  awk -v n="$LONG" '{ printf "peak memory, learn of %d getppid calls: %.1f MB (max RSS of seclearn and its children; target < 30 MB)\n", n, $1/1024 }' "$work/rss"
fi
