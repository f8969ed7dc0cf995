#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, live (real tracer, real kernel) and end to end
# (real Debian programs, runc). Usage: scripts/test.sh [extra ctest args, e.g. -R live]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
