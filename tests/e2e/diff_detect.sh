#!/usr/bin/env bash
# diff tells a seccomp profile, an AppArmor profile and a capability list apart only from
# signs that cannot be mistaken: a text starting with '{' or '[' is JSON and must parse (a
# malformed one is reported as malformed JSON at FILE:LINE:COL, never as "a capability
# list"); JSON that is neither a seccomp profile nor OCI capabilities says so.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

cd "$TMP"
cat >good.json <<'JSON'
{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}
JSON

step "a lone '{' against a seccomp profile: malformed JSON at its line and column"
printf '{\n' >brace.json
expect_status 2 "$SECLEARN" diff brace.json good.json
expect_one_error_line '^seclearn: diff: brace\.json:2:1: unexpected end of input'
grep -q 'capability list' err && fail "a lone '{' was taken for a capability list"
expect_status 2 "$SECLEARN" diff good.json brace.json
expect_one_error_line '^seclearn: diff: brace\.json:2:1: '

step "a seccomp profile cut short, without its defaultAction yet: malformed JSON"
printf '{\n  "syscalls": [\n    {"names": ["read"],\n' >cut.json
expect_status 2 "$SECLEARN" diff cut.json good.json
expect_one_error_line '^seclearn: diff: cut\.json:4:1: '

step "a stray character in a seccomp profile: its line and column"
printf '{"defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [}\n' >stray.json
expect_status 2 "$SECLEARN" diff good.json stray.json
expect_one_error_line '^seclearn: diff: stray\.json:2:15: '

step "JSON that is neither a seccomp profile nor capabilities: says so"
printf '{"name": "web"}\n' >other.json
expect_status 2 "$SECLEARN" diff other.json good.json
expect_one_error_line 'other\.json:1:1: JSON object, but neither a seccomp profile'
printf '[1, 2]\n' >array.json
expect_status 2 "$SECLEARN" diff array.json good.json
expect_one_error_line 'array\.json:1:1: JSON array, but neither'

step "what each kind is still diffs as before"
printf '{"effective": ["CAP_CHOWN"]}\n' >caps.json
printf '{"process": {"capabilities": {"effective": ["CAP_CHOWN", "CAP_NET_RAW"]}}}\n' >caps2.json
expect_status 1 "$SECLEARN" diff caps.json caps2.json
grep -q '^+ capability CAP_NET_RAW' out || fail "the OCI capability lists were not compared"
printf 'CAP_CHOWN\n' >caps.txt
expect_status 0 "$SECLEARN" diff caps.txt caps.json
expect_status 2 "$SECLEARN" diff caps.txt good.json
expect_one_error_line 'caps\.txt is a capability list but good\.json is a seccomp profile'
