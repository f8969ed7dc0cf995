#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, live (real tracer, real kernel), end to end (real
# Debian programs, runc, Docker, Podman), fuzz and meta; then, for a full run, the same unit,
# live, fuzz and meta tests again under ASan+UBSan (scripts/sanitize.sh).
# Usage: scripts/test.sh [extra ctest args, e.g. -L unit: then only that, no sanitizer run]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
if (($# == 0)); then
  bash scripts/sanitize.sh
fi
