"""Helper of tests/e2e/strace_diff.sh: strace's syscall set against seclearn's, per program.

    strace_diff.py check --name NAME --strace FILE --learned BACKEND=SHOW_JSON ...
                         [--profile BACKEND=PROFILE_JSON ...] [--may SPEC=REASON ...]
                         [--except BACKEND:SIGN SPEC=REASON ...] [--problem TEXT ...]

prints one row (name, |strace set|, |ptrace set|, |notify set|, verdict) and, indented under
it, every difference; exits 0 when the program passes, 1 when it fails.
    strace_diff.py add-names PROFILE OUT NAME...   PROFILE with NAMEs also allowed, as OUT
    strace_diff.py strace-set FILE     prints strace's set, one "arch name" a line (debugging)

The strace log comes from `strace -f -n --quiet=attach,exit -o FILE`. Each call's architecture
has two witnesses, which must agree (a disagreement is a parse error):
  - strace's "[ Process PID=N runs in 32 bit mode. ]" notes, written into the log where a
    process's personality changes (-q and -qq would silence them: hence --quiet=attach,exit);
    a process starts in its parent's personality, the first one in x86_64's;
  - the number that -n prints before each name, in the current personality ("[  64]
    getppid()" is i386, "[ 110] getppid()" x86_64, "[1073741863] getpid()" x32):
    libseccomp's tables (through ctypes: the library seclearn links), and after them the
    kernel's (data/syscalls/*.tsv, $SECLEARN_DATA), say which architecture has that name at
    that number.
Where both tables agree (syslog, and every number from 424 up: clone3, io_uring_*, ...) or the
name is a bare number, the personality decides. Names are then spelled as libseccomp spells
them, or as the kernel's table does for calls newer than libseccomp (what seclearn stores
and the profile holds); a number neither knows is "syscall_NNN" in decimal, the way seclearn
shows it, whatever strace called it (strace 6.1 writes syscall_0x1cd for lsm_list_modules).

A call is counted at its entry: a complete line or an "<unfinished ...>" one; "<... X
resumed>" lines only finish a call already counted. Signals ("--- SIG... ---"), exits
("+++ ... +++") and strace's own notes are not calls. Any other line is an error: the parser
must not silently drop what it does not understand.

SPEC is NAME (x86_64) or ARCH/NAME (arch as seclearn shows it: x86_64, x86, x32). --may names a
syscall whose presence depends on timing, left out of the comparison on both sides.
--except BACKEND:-SPEC says BACKEND's learned set lacks SPEC, BACKEND:+SPEC that it has SPEC
and strace does not: a documented, deterministic difference. An exception that does not occur
is reported (as a note), not failed.
"""

import argparse
import ctypes
import ctypes.util
import json
import os
import re
import sys

# libseccomp's tokens: AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, and x32 (x86_64 calls whose number
# has __X32_SYSCALL_BIT; seclearn shows them as arch "x32" with that bit in the number).
ARCHES = {"x86_64": 0xC000003E, "x86": 0x40000003, "x32": 0x4000003E}
X32_BIT = 0x40000000
NATIVE = "x86_64"
FORK_LIKE = {"clone", "clone3", "fork", "vfork"}
# strace 6.1's spelling -> libseccomp's, where they differ for the same number. Empty so far:
# a name found in neither table stops the parse with an error naming it, to be added here.
STRACE_ALIASES: dict = {}

# With -n, strace prefixes signal and exit lines with the number of the call they came in.
_LINE = re.compile(
    r"^(?P<pid>\d+) +(?:\[ *\d+\] )?(?:(?P<note>---|\+\+\+) .*"
    r"|\[ *(?P<nr>\d+)\] (?:<\.\.\. (?P<resumed>\w+) resumed>(?P<rest_r>.*)"
    r"|(?P<name>\w+)\((?P<rest>.*)))$"
)
_UNKNOWN = re.compile(r"^syscall_(0x[0-9a-f]+|\d+)$")
# "[ Process PID=N runs in 32 bit mode. ]", written where the personality changes (not for a
# child, which starts in its parent's), prefixed like a signal line.
_PERSONALITY = re.compile(
    r"^(?P<pid>\d+) +(?:\[ *\d+\] )?\[ Process PID=(?P<who>\d+) runs in (?P<mode>.+) mode\. \]$"
)
MODES = {"64 bit": "x86_64", "32 bit": "x86", "x32": "x32"}


class ParseError(Exception):
    pass


# data/syscalls/<file>.tsv of each architecture.
KERNEL_TABLES = {"x86_64": "x86_64", "x86": "i386", "x32": "x32"}


def kernel_table(arch):
    """number -> name from the kernel's table for arch (core/kernel_syscalls.h's data)."""
    data = os.environ.get("SECLEARN_DATA") or os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "data")
    out = {}
    with open(os.path.join(data, "syscalls", KERNEL_TABLES[arch] + ".tsv")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            nr, name, _since = line.rstrip("\n").split("\t")
            out[int(nr)] = name
    return out


class Tables:
    """libseccomp's number -> name, per architecture, then the kernel's for newer calls."""

    def __init__(self):
        self.kernel = {arch: kernel_table(arch) for arch in ARCHES}
        path = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
        self.lib = ctypes.CDLL(path)
        self.lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
        self.lib.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
        self.libc = ctypes.CDLL(None)
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.cache = {}

    def name(self, arch, nr):
        key = (arch, nr)
        if key not in self.cache:
            p = self.lib.seccomp_syscall_resolve_num_arch(ARCHES[arch], nr)
            if p:
                self.cache[key] = ctypes.string_at(p).decode()
                self.libc.free(p)
            else:
                self.cache[key] = self.kernel[arch].get(nr)
        return self.cache[key]

    def canonical(self, arch, nr):
        return self.name(arch, nr) or f"syscall_{nr}"


def parse_strace(path, tables):
    """The set of (arch, name) the strace log shows entered.

    Two witnesses of each call's architecture, which must agree: strace's personality notes
    (a process starts in its parent's personality, the first one in x86_64's) and the number
    -n prints before the name."""
    mode = {}  # pid -> personality (architecture) per strace's notes, inheritance and numbers
    parent_of = {}  # child pid -> parent pid (from fork-like return values)
    pending = []  # (pid, nr): ambiguous entries of a process whose personality is not known yet
    calls = set()

    def note_child(pid, name, text):
        if name not in FORK_LIKE:
            return
        m = re.search(r"= (\d+)(?: <[^>]*>)?\s*$", text)
        if m:
            child = int(m.group(1))
            parent_of.setdefault(child, pid)
            if pid in mode:
                mode.setdefault(child, mode[pid])

    with open(path, errors="replace") as log:
        for lineno, line in enumerate(log, 1):
            line = line.rstrip("\n")
            m = _PERSONALITY.match(line)
            if m:
                mode[int(m.group("who"))] = MODES[m.group("mode")]
                continue
            m = _LINE.match(line)
            if not m:
                raise ParseError(f"{path}:{lineno}: unparsable strace line: {line!r}")
            if m.group("note"):
                continue
            pid, nr = int(m.group("pid")), int(m.group("nr"))
            if not mode and not parent_of:
                mode[pid] = NATIVE  # the first process: strace starts it in x86_64
            if m.group("resumed"):
                note_child(pid, m.group("resumed"), m.group("rest_r"))
                continue
            name = m.group("name")
            name = STRACE_ALIASES.get(name, name)
            if nr & X32_BIT:
                candidates = ["x32"]  # only x86_64 processes have that bit: unambiguous
            elif _UNKNOWN.match(name):
                candidates = []
            else:
                candidates = [a for a in ("x86_64", "x86") if tables.name(a, nr) == name]
                if not candidates:
                    raise ParseError(
                        f"{path}:{lineno}: strace's {name} (nr {nr}) is in neither libseccomp "
                        f"table: add it to STRACE_ALIASES in {__file__}"
                    )
            known = mode.get(pid)
            if len(candidates) == 1:
                arch = candidates[0]
                if known is not None and known != arch:
                    raise ParseError(
                        f"{path}:{lineno}: process {pid} runs in {known} mode (strace's notes) "
                        f"but {name} is {nr} only on {arch}: {line!r}"
                    )
                if known is None:
                    mode[pid] = arch  # a child whose fork has not returned in the log yet
                calls.add((arch, tables.canonical(arch, nr)))
            elif known is not None:
                calls.add((known, tables.canonical(known, nr)))
            else:
                pending.append((pid, nr))
            if not m.group("rest").endswith("<unfinished ...>"):
                note_child(pid, name, line)

    for pid, nr in pending:
        seen = set()
        while pid not in mode and pid in parent_of and pid not in seen:
            seen.add(pid)
            pid = parent_of[pid]
        arch = mode.get(pid, NATIVE)
        calls.add((arch, tables.canonical(arch, nr)))
    return calls


def learned_set(path):
    with open(path) as f:
        show = json.load(f)
    return {(s["arch"], s["name"]) for s in show["syscalls"]}


def profile_names(path):
    with open(path) as f:
        profile = json.load(f)
    return {name for rule in profile.get("syscalls", []) for name in rule["names"]}


def parse_spec(spec):
    arch, _, name = spec.rpartition("/")
    return (arch or NATIVE, name)


def fmt(call):
    return f"{call[0]}/{call[1]}"


def check(args):
    problems = list(args.problem)
    try:
        want = parse_strace(args.strace, Tables())
    except ParseError as e:
        problems.append(f"strace log: {e}")
        want = set()
    learned = {}
    for item in args.learned:
        backend, _, path = item.partition("=")
        learned[backend] = learned_set(path)
    may = {}
    for item in args.may:
        spec, _, reason = item.partition("=")
        may[parse_spec(spec)] = reason
    exceptions = {}
    for item in args.exceptions:
        spec, _, reason = item.partition("=")
        backend, _, signed = spec.partition(":")
        exceptions[(backend, signed[0], parse_spec(signed[1:]))] = reason

    notes = []
    used = set()
    for backend, got in learned.items():
        for sign, diff in (("-", want - got), ("+", got - want)):
            for call in sorted(diff):
                key = (backend, sign, call)
                if call in may:
                    notes.append(f"{backend}: {sign}{fmt(call)} (may differ: {may[call]})")
                elif key in exceptions:
                    used.add(key)
                    notes.append(f"{backend}: {sign}{fmt(call)} (exception: {exceptions[key]})")
                else:
                    what = "lacks" if sign == "-" else "has, strace does not show,"
                    problems.append(f"{backend} {what} {fmt(call)}")
    for key in sorted(set(exceptions) - used):
        if key[0] in learned:
            notes.append(f"{key[0]}: {key[1]}{fmt(key[2])}: documented exception did not occur")

    # Every learned name must be in the profile exported from it (names are per architecture
    # in the learned set, one list for all architectures in the profile).
    for item in args.profile:
        backend, _, path = item.partition("=")
        allowed = profile_names(path)
        for call in sorted(learned.get(backend, set())):
            if call[1] not in allowed:
                problems.append(f"{backend}: learned {fmt(call)} is missing from the exported profile")

    sizes = "  ".join(f"{b} {len(learned[b]):3d}" for b in ("ptrace", "notify", "ebpf") if b in learned)
    verdict = "FAIL" if problems else ("ok*" if notes else "ok")
    print(f"   {args.name:<22} strace {len(want):3d}  {sizes}  {verdict}")
    for text in problems:
        print(f"   {'':<22}   FAIL: {text}")
    for text in notes:
        print(f"   {'':<22}   note: {text}")
    return 1 if problems else 0


def add_names(path, out, names):
    """PROFILE with NAMEs added to its first (unconditional allow) rule, written to OUT."""
    with open(path) as f:
        profile = json.load(f)
    rule = profile["syscalls"][0]
    assert rule["action"] == "SCMP_ACT_ALLOW" and "args" not in rule, rule
    rule["names"] = sorted(set(rule["names"]) | set(names))
    with open(out, "w") as f:
        json.dump(profile, f, indent=2)
    return 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("--name", required=True)
    c.add_argument("--strace", required=True)
    c.add_argument("--learned", action="append", default=[])
    c.add_argument("--profile", action="append", default=[])
    c.add_argument("--may", action="append", default=[])
    c.add_argument("--except", dest="exceptions", action="append", default=[])
    c.add_argument("--problem", action="append", default=[])
    a = sub.add_parser("add-names")
    a.add_argument("profile")
    a.add_argument("out")
    a.add_argument("names", nargs="*")
    s = sub.add_parser("strace-set")
    s.add_argument("file")
    args = parser.parse_args()
    if args.command == "add-names":
        return add_names(args.profile, args.out, args.names)
    if args.command == "strace-set":
        for call in sorted(parse_strace(args.file, Tables())):
            print(*call)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
