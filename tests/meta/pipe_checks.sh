#!/usr/bin/env bash
# The shell tests run under `set -o pipefail`, where `producer | grep -q PATTERN` is a check
# that can pass or fail by accident: grep -q exits at the first match, the producer dies of
# SIGPIPE, and the pipeline's status is the producer's. Such a check must read all its input
# (grep PATTERN >/dev/null). A violation names file and line.
# Environment: SECLEARN_SOURCE (the repository).
set -euo pipefail
cd "${SECLEARN_SOURCE:?}"
status=0
while IFS= read -r hit; do
  code=${hit#*:*:}
  [[ $code =~ ^[[:space:]]*# ]] && continue
  printf 'FAIL: pipe_checks: %s: a pipeline ending in grep -q (read all: grep ... >/dev/null)\n' \
    "$hit" >&2
  status=1
done < <(grep -rnE '\|[[:space:]]*grep[[:space:]]+-[a-zA-Z]*q' --include='*.sh' tests scripts .ci || true)
exit "$status"
