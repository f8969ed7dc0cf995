#!/usr/bin/env bash
# The main job on a real workload: set up, build, learn sqlite3 writing a database into
# ./seclearn.db, export out/sqlite3.seccomp.json, and prove the profile by running the same
# workload under it (and a workload that needs more, which the profile stops).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
seclearn=$PWD/build/cli/seclearn
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sql="create table t(k integer primary key, v text);
insert into t(v) select hex(randomblob(16)) from (with recursive c(x) as (select 1 union all select x+1 from c where x<1000) select x from c);
select count(*), length(group_concat(v)) from t;"

echo "== learn: sqlite3 creating a 1000-row table (twice: each run adds to what is learned)"
for i in 1 2; do
  rm -f "$work/demo.db"
  "$seclearn" learn --db ./seclearn.db --app sqlite3 -- sqlite3 "$work/demo.db" "$sql"
done

mkdir -p out
echo "== export: out/sqlite3.seccomp.json"
"$seclearn" export --db ./seclearn.db --app sqlite3 --format seccomp -o out/sqlite3.seccomp.json
allowed=$(/usr/bin/python3 -c 'import json,sys; print(sum(len(r["names"]) for r in json.load(open(sys.argv[1]))["syscalls"]))' out/sqlite3.seccomp.json)
echo "   $allowed syscalls allowed (Docker's default profile allows about 360)"

echo "== prove: the same workload under the profile"
rm -f "$work/demo.db"
"$seclearn" run --seccomp out/sqlite3.seccomp.json -- sqlite3 "$work/demo.db" "$sql"
echo "== prove: a workload that needs more (mkdir) is stopped by it"
if "$seclearn" run --seccomp out/sqlite3.seccomp.json -- busybox mkdir "$work/newdir" 2>"$work/err"; then
  echo "unexpected: mkdir succeeded under the sqlite3 profile" >&2
  exit 1
fi
echo "   refused: $(tail -n 1 "$work/err")"
echo "== done: ./seclearn.db ($("$seclearn" show --db ./seclearn.db --app sqlite3 | head -n 1))"
