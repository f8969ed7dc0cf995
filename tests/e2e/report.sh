#!/usr/bin/env bash
# seclearn report, read by a real browser (headless Chromium). A Python workload creates,
# writes and reads files named like markup (<img src=x onerror=...>, </script>, "><svg ...>,
# a quote that would end an attribute, bytes that are not UTF-8), listens on TCP and, in its
# second run, calls keyctl (high risk) and chown (CAP_CHOWN); seccomp, AppArmor and
# Landlock versions are exported after each run. Then:
#   - the page and the DOM Chromium builds from it hold only the elements and attributes
#     the renderer writes: no script, no event handler, no src, no link out of the page;
#   - every hostile name is in the DOM's text, byte for byte as the workload chose it;
#   - the sections are there with the counts `seclearn show` and `versions` give, keyctl
#     is marked high risk in the syscalls and in the v1 -> v2 diff;
#   - a screenshot is a PNG with content (not one colour);
#   - an app with 100k files and 50 runs gives a page under 5 MB that Chromium loads.
# Skipped (77) only when chromium is missing or cannot start here.
set -euo pipefail
source "$(dirname "$0")/lib/lib.sh"

CHROMIUM=$(command -v chromium || true)
[[ -n $CHROMIUM ]] || skip "chromium (Debian package chromium) is not installed"
# Root needs --no-sandbox; a profile directory of its own keeps runs apart.
browser() {
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --user-data-dir="$TMP/chromium" "$@" 2>>"$TMP/chromium.log"
}
if ! browser --dump-dom about:blank >/dev/null; then
  skip "chromium cannot start headless here: $(grep -v dbus "$TMP/chromium.log" | tail -1)"
fi

DB=$TMP/report.db
DIR=$TMP/h
WORKLOAD='
import ctypes, os, socket, sys
d = os.fsencode(sys.argv[1])
names = [b"<img src=x onerror=alert(1)>", b"</script>", b"\"><svg onload=alert(2)>",
         b"x\x27 onmouseover=\x27alert(3)", b"&lt;b&gt;amp", b"\xff\xfe<i>"]
os.makedirs(d, exist_ok=True)
for n in names:
    p = os.path.join(d, n)
    os.makedirs(os.path.dirname(p), exist_ok=True)  # "</script>": a directory "<"
    with open(p, "wb") as f:
        f.write(b"x")
    with open(p, "rb") as f:
        assert f.read() == b"x"
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
c = socket.create_connection(s.getsockname())
c.close()
if sys.argv[2] == "2":
    ctypes.CDLL(None).syscall(250, 0, -1, 0)  # keyctl(KEYCTL_GET_KEYRING_ID, THREAD)
    os.chown(os.path.join(d, names[0]), 1000, 1000)
print(len(names))
'
for i in 1 2; do
  step "learn run $i of the hostile-names workload, export seccomp, apparmor, landlock"
  expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app web -- "$PY" -c "$WORKLOAD" "$DIR" "$i"
  expect_stdout_is 6
  for f in seccomp apparmor landlock; do
    expect_status 0 "$SECLEARN" export --db "$DB" --app web --format "$f" -o "$TMP/web.$f.$i"
  done
done

step "report: one page; bad input is one line and 125"
expect_status 125 "$SECLEARN" report --db "$DB" --app ghost -o "$TMP/x.html"
expect_one_error_line "no app 'ghost'"
expect_status 125 "$SECLEARN" report --db "$DB" --app web
expect_one_error_line "-o FILE is required"
expect_status 125 "$SECLEARN" report --db "$DB" --app web --from x -o "$TMP/x.html"
expect_one_error_line "--from takes a version number"
[[ ! -e $TMP/x.html ]] || fail "a failed report left $TMP/x.html"
expect_status 0 "$SECLEARN" report --db "$DB" --app web -o "$TMP/r.html"
expect_stderr_matches '^seclearn: report: wrote .*: 2 runs, [0-9]+ syscalls'

step "the DOM Chromium builds: sections and counts, hostile names as text only"
browser --dump-dom "file://$TMP/r.html" >"$TMP/dom.html"
"$SECLEARN" show --db "$DB" --app web --json >"$TMP/show.json"
"$SECLEARN" versions --db "$DB" --app web --json >"$TMP/versions.json"
"$PY" - "$TMP/r.html" "$TMP/dom.html" "$TMP/show.json" "$TMP/versions.json" \
  "$TMP/web.seccomp.2" "$DIR" <<'PYEOF'
import html.parser, json, sys

page, dom, show, versions, seccomp, tree_dir = sys.argv[1:7]
# What RenderReport writes, and nothing else.
ALLOWED = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "span",
           "nav", "a", "main", "section", "table", "thead", "tbody", "tr", "th", "td", "code",
           "details", "summary", "ul", "ol", "li", "div", "b", "br", "svg", "rect", "text",
           "footer"}
ATTRS = {"lang", "charset", "http-equiv", "content", "name", "href", "id", "class", "style",
         "role", "aria-label", "width", "height", "viewbox", "x", "y", "fill", "open", "colspan",
         "data-count", "data-failed", "data-high-risk", "data-profile", "data-docker",
         "data-group", "data-format", "data-version"}

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.elements, self.stack = [], [], []
    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
    def handle_data(self, data):
        self.text.append(data)

def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    return p

def fail(msg):
    sys.exit("FAIL: report: " + msg)

for path in (page, dom):
    p = parse(path)
    for tag, attrs in p.elements:
        if tag not in ALLOWED:
            fail(f"{path}: element <{tag}> {attrs}")
        for a, v in attrs.items():
            if a not in ATTRS:
                fail(f"{path}: <{tag}> has attribute {a}={v!r}")
            if a == "href" and not v.startswith("#"):
                fail(f"{path}: a link out of the page: {v!r}")
    text = "".join(p.text)
    for name in ["<img src=x onerror=alert(1)>", "</script>", "\"><svg onload=alert(2)>",
                 "x' onmouseover='alert(3)", "&lt;b&gt;amp", "\\xff\\xfe<i>"]:
        if name not in text:
            fail(f"{path}: the name {name!r} is not in the text")
csp = [a for t, a in parse(page).elements if t == "meta" and a.get("http-equiv") ==
       "Content-Security-Policy"]
if not csp or "default-src 'none'" not in csp[0]["content"]:
    fail("no Content-Security-Policy default-src 'none'")

d = parse(dom)
sections = {a["id"]: a for t, a in d.elements if t == "section"}
for s in ("runs", "size", "syscalls", "files", "network", "capabilities", "versions"):
    if s not in sections:
        fail(f"no section {s}: {sorted(sections)}")
sh = json.load(open(show))
want = {"runs": len(sh["runs"]), "syscalls": len(sh["syscalls"]), "network": len(sh["network"]),
        "capabilities": len(sh["capabilities"]),
        "versions": len(json.load(open(versions))["versions"])}
for s, n in want.items():
    if int(sections[s]["data-count"]) != n:
        fail(f"section {s} counts {sections[s]['data-count']}, show/versions give {n}")
if want["runs"] != 2 or want["versions"] != 6 or want["network"] == 0:
    fail(f"unexpected facts: {want}")
if not any(c["capability"] == "CAP_CHOWN" for c in sh["capabilities"]):
    fail("CAP_CHOWN was not learned")
# The size chart counts the names seccomp v2 allows.
prof = json.load(open(seccomp))
names = {n for r in prof["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
if int(sections["size"]["data-profile"]) != len(names):
    fail(f"size counts {sections['size']['data-profile']} names, v2 allows {len(names)}")
# keyctl: high risk in the table and in the seccomp v1 -> v2 change.
rows = [a for t, a in d.elements if t == "tr" and a.get("class") == "hirow"]
if int(sections["syscalls"]["data-high-risk"]) < 1 or not rows:
    fail("no high-risk syscall row")
page_text = "".join(d.text)
if "keyctl" not in page_text or int(sections["versions"]["data-high-risk"]) < 1:
    fail("the v1 -> v2 diff has no high-risk change")
# The hostile files are in the tree with their modes.
if int(sections["files"]["data-count"]) < 6:
    fail(f"files: {sections['files']['data-count']}")
print("report DOM:", {s: sections[s].get("data-count") for s in sections},
      "profile names", len(names))
PYEOF

step "a screenshot is a PNG with content"
browser --window-size=1280,1600 --screenshot="$TMP/shot.png" "file://$TMP/r.html" >/dev/null
"$PY" - "$TMP/shot.png" <<'PYEOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("FAIL: report: the screenshot is not a PNG")
pos, idat, size = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IHDR":
        size = struct.unpack(">II", data[pos + 8:pos + 16])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
# A page of one colour filters to a handful of byte values; text and bars give hundreds.
distinct = len(set(raw))
if distinct < 64:
    sys.exit(f"FAIL: report: the screenshot looks blank ({distinct} distinct bytes)")
print(f"screenshot {size[0]}x{size[1]}, {len(data)} bytes, {distinct} distinct filtered bytes")
PYEOF

step "100k files and 50 runs: a page under 5 MB that Chromium loads"
BIG=$TMP/big
mkdir -p "$BIG"
expect_status 0 "$SECLEARN" learn --quiet --db "$DB" --app big -- "$PY" -c '
import os, sys
for i in range(100):
    sub = os.path.join(sys.argv[1], "d%03d" % i)
    os.mkdir(sub)
    for j in range(1000):
        open(os.path.join(sub, "f%04d" % j), "w").close()
' "$BIG"
for i in $(seq 2 50); do
  "$SECLEARN" learn --quiet --db "$DB" --app big -- /bin/true || fail "learn run $i"
done
expect_status 0 "$SECLEARN" report --db "$DB" --app big -o "$TMP/big.html"
expect_stderr_matches ': 50 runs, [0-9]+ syscalls, 1001[0-9][0-9] paths'
bytes=$(stat -c %s "$TMP/big.html")
note "100k paths, 50 runs: $bytes bytes"
((bytes < 5 * 1024 * 1024)) || fail "the page is $bytes bytes, over 5 MB"
browser --dump-dom "file://$TMP/big.html" >"$TMP/big-dom.html"
"$PY" - "$TMP/big-dom.html" <<'PYEOF'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<section id="files" data-count="(\d+)"', dom)
if not m or int(m.group(1)) < 100000:
    sys.exit(f"FAIL: report: the big page's files section: {m and m.group(1)}")
if not re.search(r'<section id="runs" data-count="50"', dom):
    sys.exit("FAIL: report: the big page does not count 50 runs")
more = len(re.findall(r'class="more"', dom))
if more == 0:
    sys.exit("FAIL: report: 1000 entries per directory were all listed")
print(f"big DOM: {len(dom)} bytes, {more} bounded lists")
PYEOF
