#!/usr/bin/env bash
# Every README block marked `<!-- readme-test: NAME -->` is run by an e2e test
# (`readme_snippet NAME` in tests/e2e/*.sh), and every such call names a marked block, so a
# README command no test runs, or a test of a block that is gone, fails here.
# Environment: SECLEARN_SOURCE (the repository).
set -euo pipefail
cd "${SECLEARN_SOURCE:?}"
status=0
marked=$(sed -n 's/^ *<!-- readme-test: \([a-z0-9_-]*\) -->$/\1/p' README.md | sort)
used=$(grep -ho 'readme_snippet [a-z0-9_-]*' tests/e2e/*.sh | awk '{print $2}' | sort -u)
[[ -n $marked ]] || { echo "FAIL: readme_blocks: README.md marks no block" >&2; exit 1; }
for name in $marked; do
  grep -qx -- "$name" <<<"$used" ||
    { echo "FAIL: readme_blocks: README block '$name' is run by no test" >&2; status=1; }
done
for name in $used; do
  grep -qx -- "$name" <<<"$marked" ||
    { echo "FAIL: readme_blocks: a test runs README block '$name', which README.md does not mark" >&2; status=1; }
done
exit "$status"
