# A private auditd for the tests that read the kernel's audit records back (complain mode's
# SECCOMP records, auditctl rules' SYSCALL/PATH/EXECVE records). Sourced after lib.sh; skips
# without root, auditd or the kernel's audit subsystem, or when another audit daemon owns it.
#
#   source "$(dirname "$0")/lib/auditd.sh"
#   cd "$TMP" && start_auditd    # auditd -c $TMP/aud, log $TMP/aud/audit.log; stopped at exit
#   audit_rule -F arch=b64 -S openat -F uid=65534 -k k   # added now, deleted at exit

((EUID == 0)) || skip "auditd needs root"
command -v auditd >/dev/null || skip "auditd is not installed"
command -v auditctl >/dev/null || skip "auditctl (auditd) is not installed"

start_auditd() {
  local status owner enabled backlog i
  status=$(auditctl -s 2>/dev/null) || skip "the kernel's audit subsystem does not answer (CONFIG_AUDIT)"
  owner=$(awk '$1 == "pid" { print $2 }' <<<"$status")
  [[ $owner == 0 ]] || skip "an audit daemon (pid $owner) already owns the kernel's audit log"
  enabled=$(awk '$1 == "enabled" { print $2 }' <<<"$status")
  backlog=$(awk '$1 == "backlog_limit" { print $2 }' <<<"$status")
  mkdir aud aud/plugins
  # auditd refuses a space_left not above admin_space_left.
  cat >aud/auditd.conf <<CONF
log_file = $TMP/aud/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 1
write_logs = yes
space_left = 2
admin_space_left = 1
max_log_file_action = ignore
space_left_action = ignore
admin_space_left_action = ignore
disk_full_action = ignore
disk_error_action = ignore
plugin_dir = $TMP/aud/plugins
CONF
  chmod 0640 aud/auditd.conf
  auditd -c "$TMP/aud" -n </dev/null >aud/out 2>&1 &
  AUDITD=$!
  on_exit auditctl -e "$enabled" -b "$backlog" ">/dev/null"
  on_exit kill "$AUDITD" ";" wait "$AUDITD"
  for ((i = 0; i < 100; i++)); do
    [[ $(auditctl -s | awk '$1 == "pid" { print $2 }') == "$AUDITD" ]] && break
    kill -0 "$AUDITD" 2>/dev/null || { cat aud/out >&2; fail "auditd exited"; }
    sleep 0.05
  done
  [[ $(auditctl -s | awk '$1 == "pid" { print $2 }') == "$AUDITD" ]] || fail "auditd did not register"
  # Room for a burst of records while auditd writes (the kernel drops them past the backlog).
  auditctl -b 8192 >/dev/null
}

# audit_rule ARGS...: `auditctl -a always,exit ARGS...`, deleted at exit.
audit_rule() {
  auditctl -a always,exit "$@" >/dev/null
  on_exit auditctl -d always,exit "$@" ">/dev/null"
}
