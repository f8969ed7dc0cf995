# AppArmor profile for app web, learned by seclearn from 1 run.
# Load: apparmor_parser -r FILE; use: docker run --security-opt apparmor=web ...
abi <abi/3.0>,

#include <tunables/global>

profile web flags=(attach_disconnected,mediate_deleted) {
  #include <abstractions/base>
  # name resolution: the workload read /etc/hosts and used inet sockets
  #include <abstractions/nameservice>

  # capabilities the workload exercised
  capability net_bind_service,

  # sockets the workload created
  network unix stream,
  network inet stream,
  network netlink raw,

  # signals and ptrace only among this profile's processes (and docker stop)
  signal (send,receive) peer=@{profile_name},
  signal (receive) peer=unconfined,
  ptrace (read) peer=@{profile_name},

  # files, with the modes the workload used (ix: executed under this profile)
  /bin/sh ix,
  /dev/null rw,
  /etc/hosts r,
  /etc/ld.so.cache r,
  /etc/nsswitch.conf r,
  /etc/passwd r,
  /srv/data/db.sqlite rwk,
  /srv/data/db.sqlite-journal w,
  /srv/data/link wl,
  /tmp/tmp.??????????/ w,
  /tmp/tmp.??????????/out.log w,
  /usr/bin/python3.11 ix,
  /usr/lib/python3.11/ r,
  /usr/lib/python3.11/http/{,**} r,
  /usr/lib/python3.11/os.py r,
  /usr/lib/python3.11/socket.py r,
  /usr/lib/x86_64-linux-gnu/libc.so.6 mr,
  /var/log/web.log a,
  @{PROC}/@{pid}/fd/ r,
  @{PROC}/@{pid}/fd/[0-9]* r,
  @{PROC}/@{pid}/status r,
  @{PROC}/@{pid}/task/@{tid}/comm rw,
  @{PROC}/sys/vm/overcommit_memory w,

  # docker-default's denials of /proc and /sys writes
  deny @{PROC}/* w,
  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}/** w,
  # not denied: @{PROC}/sys/[^k]** w (the workload needed it)
  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/kcore rwklx,
  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/devices/virtual/powercap/** rwklx,
  deny /sys/kernel/security/** rwklx,
}
