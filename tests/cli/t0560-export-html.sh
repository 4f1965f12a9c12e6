#!/bin/sh
# export --format html on real recordings: one self-contained page (no
# script, nothing fetched) that shows every finding check makes with its
# explanation, an SVG timeline and its proving events, the latency
# histograms and the accounting, with everything the trace supplies
# escaped; rendered by headless Chromium, its screenshot is not blank and
# shows the findings' red marks on the buggy kernel's recording and none
# on a clean Linux guest's.
. "$(dirname "$0")/lib.sh"

buggy=$TMP/buggy.db
xz -dc "$DATA/lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger-repend/record.db.xz" > "$buggy"
guest=$TMP/guest.db
xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-linux-blk-2vcpu/record.db.xz" > "$guest"

expect_ok "export --format html of the buggy kernel's recording" \
	$VR export --format html -o "$TMP/buggy.html" "$buggy"
expect_eq "the summary line counts the findings drawn" \
	"$(cat "$TMP/err")" "$TMP/buggy.html: 10 findings drawn, profile linux-6.19"
$VR check --json "$buggy" > "$TMP/buggy.check.json"
expect_ok "export --format html of a Linux guest's recording" \
	$VR export -f html -o "$TMP/guest.html" "$guest"
$VR check --json "$guest" > "$TMP/guest.check.json"

cat > "$TMP/page.py" << 'PY'
import html, html.parser, json, sys
page = open(sys.argv[1]).read()
check = json.load(open(sys.argv[2]))
bad = []
class Walk(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.sections = []; self.tags = []; self.text = []; self.cur = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); self.tags.append((tag, a))
        if tag == "section": self.cur = {"svg": 0, "text": []}; self.sections.append(self.cur)
        if tag == "svg" and self.cur is not None and a.get("class") == "timeline": self.cur["svg"] += 1
    def handle_endtag(self, tag):
        if tag == "section": self.cur = None
    def handle_data(self, d):
        self.text.append(d)
        if self.cur is not None: self.cur["text"].append(d)
w = Walk(); w.feed(page)
text = "".join(w.text)
for tag, a in w.tags:
    if tag in ("script", "link", "iframe", "img", "object", "embed"): bad.append("tag <%s>" % tag)
    for k, v in a.items():
        if k in ("src", "href") or (v and ("url(" in v or "javascript:" in v)): bad.append("%s=%r on <%s>" % (k, v, tag))
if "@import" in page or "url(" in page: bad.append("the style fetches something")
fs = check["findings"]
if len(w.sections) != len(fs): bad.append("%d sections, %d findings" % (len(w.sections), len(fs)))
for f, s in zip(fs, w.sections):
    t = "".join(s["text"])
    if f["explanation"] not in t: bad.append("finding %s %s: explanation missing" % (f["kind"], f["intid"]))
    if f["kind"] not in t: bad.append("kind %s missing" % f["kind"])
    for e in f["events"]:
        if str(e["id"]) not in t: bad.append("%s: proving event %s missing" % (f["kind"], e["id"]))
    if f.get("vcpu") is not None and s["svg"] != 1: bad.append("%s: %d timelines" % (f["kind"], s["svg"]))
rows = sum(1 for tag, a in w.tags if tag == "tr") - 0
acct = len(check["accounting"])
if "Accounting" not in text: bad.append("no accounting")
for a in check["accounting"]:
    if "%d%d%d%d" % (a["vcpu"], a["intid"], a["injected"], a["acked"]) not in text.replace("\n", ""): bad.append("accounting row %r" % a); break
if "Latencies" not in text or sum(1 for tag, a in w.tags if tag == "svg" and a.get("class") == "histogram") == 0: bad.append("no latency histogram")
print("\n".join(bad[:5]))
PY
expect_eq "buggy kernel: every finding with its explanation, timeline and proving events; accounting; histograms; nothing fetched" \
	"$(python3 "$TMP/page.py" "$TMP/buggy.html" "$TMP/buggy.check.json")" ""
expect_eq "Linux guest: no finding section; accounting and histograms" \
	"$(python3 "$TMP/page.py" "$TMP/guest.html" "$TMP/guest.check.json")" ""
expect_eq "the diagnosis is on the page" "$(grep -c 'kernel behaviour matches linux-6.19' "$TMP/buggy.html")" 1

# What the trace supplies is text, never markup.
cp "$buggy" "$TMP/hostile.db"
sqlite3 "$TMP/hostile.db" "UPDATE trace_info SET kernel_release = '7.2<script>alert(1)</script>&'"
expect_ok "a trace whose kernel release holds markup exports" $VR export -f html -o "$TMP/hostile.html" "$TMP/hostile.db"
expect_eq "... escaped: no <script> on the page, the text shown as it is" \
	"$(grep -c '<script' "$TMP/hostile.html") $(grep -c '7.2&lt;script&gt;alert(1)&lt;/script&gt;&amp;' "$TMP/hostile.html")" "0 1"

# The page as a browser draws it: Chromium's screenshot (a PNG read here
# with zlib alone): not blank, and the findings' red (#d32f2f) drawn only
# where there are findings.
cat > "$TMP/png.py" << 'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b"IHDR": w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT": idat += body
bpp = {2: 3, 6: 4}[ctype]; assert depth == 8 and not interlace
raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); px = []
for y in range(h):
    f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    px.append(line); prev = line
total = w * h; white = red = 0
for line in px:
    for i in range(0, stride, bpp):
        r, g, b = line[i], line[i + 1], line[i + 2]
        if r > 245 and g > 245 and b > 245: white += 1
        if abs(r - 211) < 12 and abs(g - 47) < 12 and abs(b - 47) < 12: red += 1
print(w, h, round(1 - white / total, 3), red)
PY
if command -v chromium > /dev/null; then
	shot() { # shot PAGE PNG: Chromium's screenshot of the top of the page
		timeout 120 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
			--user-data-dir="$TMP/chromium" --window-size=1100,1200 --screenshot="$2" \
			"file://$1" > "$TMP/chromium.log" 2>&1
	}
	shot "$TMP/buggy.html" "$TMP/buggy.png"
	set -- $(python3 "$TMP/png.py" "$TMP/buggy.png")
	expect_eq "Chromium draws the buggy kernel's page: not blank, the findings' red marks on it ($3 inked, $4 red pixels)" \
		"$([ "$1" = 1100 ] && awk -v i="$3" -v r="$4" 'BEGIN { exit !(i > 0.05 && r > 500) }' && echo drawn)" drawn
	shot "$TMP/guest.html" "$TMP/guest.png"
	set -- $(python3 "$TMP/png.py" "$TMP/guest.png")
	expect_eq "... and the clean Linux guest's: not blank, no finding's red ($3 inked, $4 red pixels)" \
		"$(awk -v i="$3" -v r="$4" 'BEGIN { exit !(i > 0.05 && r == 0) }' && echo clean)" clean
else
	echo "ok - # SKIP no chromium (make deps installs it)"
fi
finish
