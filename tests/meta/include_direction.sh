#!/usr/bin/env bash
# The layering of ../shared/STYLE.md, checked on the sources: components include their own
# headers and core's only (the tracer never the store, the learner never SQLite), tests and
# cli may include several; core includes no other component. A violation names file and line.
# Environment: SECLEARN_SOURCE (the repository).
set -euo pipefail
cd "${SECLEARN_SOURCE:?}"
status=0
for component in core tracer learner store emitter enforce host; do
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    inc=$(sed -nE 's/.*#include "seclearn\/([a-z]+)\/.*/\1/p' <<<"$rest")
    [[ -z $inc || $inc == "$component" || $inc == core ]] && continue
    printf 'FAIL: include_direction: %s:%s: %s includes seclearn/%s (components depend on core only)\n' \
      "$file" "$line" "$component" "$inc" >&2
    status=1
  done < <(grep -rn --include='*.h' --include='*.cc' '#include "seclearn/' "$component")
done
# SQLite belongs to the store, libseccomp's loader to enforce, ptrace to the tracer.
check_absent() {
  local pattern=$1 why=$2
  shift 2
  local hits
  hits=$(grep -rnE --include='*.h' --include='*.cc' "$pattern" "$@" || true)
  if [[ -n $hits ]]; then
    printf 'FAIL: include_direction: %s:\n%s\n' "$why" "$hits" >&2
    status=1
  fi
}
check_absent '#include <sqlite3.h>' "only store/ talks to SQLite" core tracer learner emitter cli
check_absent '#include <sys/ptrace.h>' "only tracer/ uses ptrace" core learner store emitter enforce
check_absent 'seccomp_(init|load|rule_add)' "only enforce/ builds and loads filters" core tracer learner store emitter host cli
# The emitter builds profiles from facts; what this host says comes from host/ (apparmor_check
# reads the include files a profile names: its input).
check_absent '::(stat|lstat|realpath|getxattr|opendir)\(' "the emitter probes no host file (host/ does)" \
  $(ls emitter/src/*.cc | grep -v apparmor_check.cc)
# Each component's CMake target links core and its own libraries, never a sibling component.
for component in core tracer learner store emitter enforce host; do
  for other in tracer learner store emitter enforce host; do
    [[ $other == "$component" ]] && continue
    if grep -qE "seclearn::$other\b" "$component/CMakeLists.txt"; then
      printf 'FAIL: include_direction: %s/CMakeLists.txt links seclearn::%s\n' "$component" "$other" >&2
      status=1
    fi
  done
done
((status == 0)) && echo "PASS: include_direction: core <- tracer, learner, store, emitter, enforce, host <- cli"
exit "$status"
