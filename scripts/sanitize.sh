#!/usr/bin/env bash
# seclearn and its unit, live and fuzz tests built with ASan+UBSan (the test workloads stay
# uninstrumented: they would make extra syscalls), into ./build-asan; any report fails the run.
# Usage: scripts/sanitize.sh [extra ctest args]   (FUZZ_CASES: mutants per fuzz target)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSECLEARN_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export FUZZ_CASES=${FUZZ_CASES:-20000}
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L 'unit|live|fuzz|meta' "$@"
