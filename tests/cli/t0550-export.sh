#!/bin/sh
# export --format perfetto on real recordings: the document is JSON in
# Chrome's trace-event format, and what it draws is what the trace and
# check say: every finding check reports (with the diagnosed profile on the
# buggy kernel's recording), an arrow from each proving event at that
# event's time, vCPU lanes that tile time without overlap, interrupt
# slices that begin where the LRs show that state, the LRs-in-use counter
# equal to each flush's used_lrs. Usage errors are one line; a failed
# export leaves an earlier file whole.
. "$(dirname "$0")/lib.sh"

buggy=$TMP/buggy.db
xz -dc "$DATA/lab-buggy/linux-7.2-buggy-gicv3-vhe-seed-trigger-repend/record.db.xz" > "$buggy"
guest=$TMP/guest.db
xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-linux-blk-2vcpu/record.db.xz" > "$guest"

expect_ok "export the buggy kernel's recording" $VR export --format perfetto -o "$TMP/buggy.json" "$buggy"
expect_eq "the summary line names the file and the diagnosed profile" \
	"$(grep -c "^$TMP/buggy.json: [0-9]* records (.* 10 findings, 20 proof arrows), profile linux-6.19$" "$TMP/err")" 1
$VR check --json "$buggy" > "$TMP/buggy.check.json"

# python3 reads the export, the trace (sqlite3) and check's JSON, and prints
# one line per problem it finds, nothing when all holds.
cat > "$TMP/verify.py" << 'PY'
import json, sqlite3, sys, collections
doc = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
check = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None
ev = doc["traceEvents"]
bad = []
for e in ev:
    for k in ("name", "ph", "pid", "tid"):
        if k not in e: bad.append("missing %s: %r" % (k, e))
    if e["ph"] not in "XiCMsf": bad.append("phase %r" % e["ph"])
    if e["ph"] != "M" and not isinstance(e.get("ts"), (int, float)): bad.append("no ts: %r" % e)
    if e["ph"] == "X" and e["dur"] < 0: bad.append("negative dur: %r" % e)
md = doc["metadata"]
kernel = db.execute("SELECT kernel_release FROM trace_info").fetchone()[0]
if md["kernel"] != kernel: bad.append("metadata kernel %r, trace %r" % (md["kernel"], kernel))
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
ts_of = dict(db.execute("SELECT id, ts_ns FROM events"))
us = lambda ns: ns / 1000.0
# lanes: per vCPU, guest/host/WFI slices tile time (each begins where the last ended)
lanes = collections.defaultdict(list)
for e in ev:
    if e["ph"] == "X" and e["name"] in ("guest", "host", "WFI"):
        lanes[e["tid"]].append((e["ts"], e["ts"] + e["dur"]))
if not lanes: bad.append("no vCPU lane slices")
for tid, sl in lanes.items():
    sl.sort()
    for a, b in zip(sl, sl[1:]):
        if abs(a[1] - b[0]) > 0.0015: bad.append("lane %s: %r then %r" % (names.get(tid), a, b)); break
# a lane's first guest slice starts at its vCPU's first kvm_entry
for tid, sl in lanes.items():
    v = int(names[tid][4:])
    first = db.execute("SELECT min(ts_ns) FROM events e JOIN event_kinds k USING (kind) WHERE k.name = 'kvm_entry' AND vcpu = ?", (v,)).fetchone()[0]
    starts = [e["ts"] for e in ev if e["ph"] == "X" and e["tid"] == tid and e["name"] == "guest"]
    if abs(min(starts) - us(first)) > 0.0015: bad.append("vcpu%d: first guest slice at %s, first kvm_entry at %s" % (v, min(starts), us(first)))
# interrupt slices begin at a flush or sync whose LRs show that state
state_at = {}
for eid, intid, state in db.execute("SELECT event_id, vintid, state FROM lrs_v WHERE in_use AND phase IN ('flush', 'sync')"):
    state_at.setdefault((eid, intid), state)
snap_ts = collections.defaultdict(set)
for eid, ts, vcpu in db.execute("SELECT e.id, e.ts_ns, e.vcpu FROM events e JOIN event_kinds k USING (kind) WHERE k.name IN ('vgic_flush', 'vgic_sync')"):
    snap_ts[(vcpu, ts)].add(eid)
checked = 0
for e in ev:
    if e["ph"] != "X" or e["name"] not in ("pending", "active", "pending+active"): continue
    v, intid = names[e["tid"]].split(" INTID ")
    v, intid = int(v[4:]), int(intid)
    ts = round(e["ts"] * 1000)
    ids = snap_ts.get((v, ts), set())
    if not any(state_at.get((i, intid)) == e["name"] for i in ids):
        bad.append("%s %s at %s: no LR shows it there" % (names[e["tid"]], e["name"], e["ts"])); break
    checked += 1
if not checked: bad.append("no interrupt slices")
# the LRs-in-use counter equals used_lrs at each flush
used = dict(((v, ts), n) for v, ts, n in db.execute("SELECT e.vcpu, e.ts_ns, s.used_lrs FROM snapshots s JOIN events e ON e.id = s.event_id JOIN event_kinds k ON k.kind = e.kind WHERE k.name = 'vgic_flush'"))
counters = [e for e in ev if e["ph"] == "C"]
if len(counters) != len(used): bad.append("%d counters, %d flushes" % (len(counters), len(used)))
for e in counters:
    v = int(e["name"].split()[0][4:])
    if used.get((v, round(e["ts"] * 1000))) != e["args"]["LRs"]: bad.append("counter %r" % e); break
# findings: check's, with an arrow from each proving event, at its time
fi = [e for e in ev if e["ph"] == "i" and e.get("cat") == "vgic-replay" and "explanation" in e["args"]]
if check is not None:
    want = sorted((f["kind"], f["intid"], tuple(p["id"] for p in f["events"])) for f in check["findings"])
    got = sorted((e["name"], e["args"].get("intid"), tuple(e["args"]["events"])) for e in fi)
    if want != got: bad.append("findings differ from check's: %r vs %r" % (got[:2], want[:2]))
    if md.get("profile") != check["profile"]: bad.append("profile %r, check's %r" % (md.get("profile"), check["profile"]))
starts = {e["id"]: e for e in ev if e["ph"] == "s"}
ends = {e["id"]: e for e in ev if e["ph"] == "f"}
if set(starts) != set(ends): bad.append("flow starts and ends differ")
proofs = [e for e in ev if e["ph"] == "i" and "proves" in e.get("args", {})]
for p in proofs:
    if abs(p["ts"] - us(ts_of[p["args"]["event"]])) > 0.0015: bad.append("proof %r not at its event" % p); break
if check is not None and len(proofs) != sum(len(f["events"]) for f in check["findings"]):
    bad.append("%d proving events drawn, check names %d" % (len(proofs), sum(len(f["events"]) for f in check["findings"])))
print("\n".join(bad[:5]))
PY
expect_eq "buggy kernel: the export holds check's findings, arrows, lanes, LR slices and counters" \
	"$(python3 "$TMP/verify.py" "$TMP/buggy.json" "$buggy" "$TMP/buggy.check.json")" ""
expect_eq "buggy kernel: the metadata carries check's diagnosis" \
	"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metadata"]; print(m["profile"], m["diagnosis"].split(" (")[0])' "$TMP/buggy.json")" \
	"linux-6.19 kernel behaviour matches linux-6.19"

expect_ok "export a Linux guest's recording (timer, IPIs, virtio over LPIs)" \
	$VR export --format perfetto -o "$TMP/guest.json" "$guest"
$VR check --json "$guest" > "$TMP/guest.check.json"
expect_eq "Linux guest: lanes, LR slices and counters as the trace shows them, no finding" \
	"$(python3 "$TMP/verify.py" "$TMP/guest.json" "$guest" "$TMP/guest.check.json")" ""
expect_eq "Linux guest: an LPI's track is drawn" \
	"$(python3 -c 'import json,sys; print(any(e["ph"] == "M" and " INTID 819" in e["args"].get("name", "") for e in json.load(open(sys.argv[1]))["traceEvents"]))' "$TMP/guest.json")" True
expect_ok "--vcpu 1 --intid 27 --to +2s narrows the export" \
	$VR export -f perfetto --vcpu 1 --intid 27 --to +2s -o "$TMP/narrow.json" "$guest"
expect_eq "narrowed: only vcpu1's lane and its INTID 27 track" \
	"$(python3 -c 'import json,sys; print(sorted(e["args"]["name"] for e in json.load(open(sys.argv[1]))["traceEvents"] if e["name"] == "thread_name"))' "$TMP/narrow.json")" \
	"['injections and findings of no one vCPU', 'vcpu1', 'vcpu1 INTID 27']"
$VR export -f perfetto -q -o - "$guest" > "$TMP/stdout.json"
expect_eq "-o - writes the same document to standard output" "$(cmp -s "$TMP/stdout.json" "$TMP/guest.json" && echo same)" same

expect_fail "no --format: one line and a hint" 2 "export: --format is required.*see 'vgic-replay export --help'" \
	$VR export -o "$TMP/x.json" "$guest"
expect_fail "an unknown format" 2 "export: unknown format 'svg'" $VR export -f svg -o "$TMP/x.json" "$guest"
expect_fail "no -o" 2 "export: -o OUT is required" $VR export -f perfetto "$guest"
expect_fail "a file that is neither a trace nor a capture: one line naming it" 2 "guest.json" $VR export -f perfetto -o "$TMP/y.json" "$TMP/guest.json"
mkdir "$TMP/ro" && cp "$TMP/guest.json" "$TMP/ro/keep.json" && chmod 555 "$TMP/ro"
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$TMP"
else
	as_nobody=""
fi
expect_fail "an output directory that cannot be written: one line" 2 "ro/keep.json" \
	$as_nobody $VR export -f perfetto -o "$TMP/ro/keep.json" "$guest"
expect_eq "... and the earlier file is whole" "$(cmp -s "$TMP/ro/keep.json" "$TMP/guest.json" && echo whole)" whole
finish
