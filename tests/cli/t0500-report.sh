#!/bin/sh
# `report`: latency histograms whose sample counts agree with check's accounting,
# exact percentiles as the trace gives them, per-vCPU rows, and no accounting
# where check declines to judge.
. "$(dirname "$0")/lib.sh"

$VR import -q "$DATA/samples/linux-7.2-gicv3-1vcpu-spi-burst.trace" -o "$TMP/t.db"
expect_ok "report" $VR report "$TMP/t.db"
cp "$TMP/out" "$TMP/report"
acked=$($VR check --no-store "$TMP/t.db" | awk '$1 ~ /^[0-9]+$/ && NF >= 8 { s += $4 } END { print s }')
samples=$(sed -n 's/^vCPU 0: injection -> acknowledge (\([0-9]*\) samples.*/\1/p' "$TMP/report")
expect_eq "one injection->ack sample per acknowledgement" "$samples" "$acked"
grep -q 'usecs *: count *distribution' "$TMP/report"; expect_eq "runqlat-style histogram" $? 0
expect_ok "report --json" $VR report --json "$TMP/t.db"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["vcpus"][0]["inject_to_ack"]["count"] > 0' "$TMP/out"
expect_eq "report --json is valid JSON" $? 0
expect_ok "report --help" $VR report --help

# The latencies computed again from the trace alone (events and snapshot_lrs,
# not the tool): an injection starts an instance, the sync whose LR went
# from Pending (at the vCPU's flush) to not Pending acknowledges it (an SGI
# is injected by vgic_sgi, into each vCPU of its target mask), one
# whose LR left Active (or was acknowledged and left in one run; from
# Pending+Active the active instance goes before the pending one), or a
# trapped DIR (vgic_deactivate) of it, deactivates it. Prints per vCPU the
# count, nearest-rank p50/p90/p99 and max of both, the DIR samples, and
# per vCPU and INTID the max of each, as JSON.
cat > "$TMP/lat.py" << 'EOF'
import sqlite3, sys, math, json
db = sqlite3.connect(sys.argv[1])
gv = db.execute("SELECT gic_version FROM snapshots LIMIT 1").fetchone()[0]
def dec(v):
    if gv == 2: return v & 1023, (v >> 28) & 1, (v >> 29) & 1
    return v & 0xffffffff, (v >> 62) & 1, (v >> 63) & 1
lrs = {}
for eid, lr, val in db.execute("SELECT event_id, lr, value FROM snapshot_lrs ORDER BY event_id, lr"):
    lrs.setdefault(eid, []).append(val)
snap = {e: (ph, u) for e, ph, u in db.execute("SELECT event_id, phase, used_lrs FROM snapshots")}
flush, inj, act, lat = {}, {}, {}, {}
def add(kind, vcpu, intid, ns, dir=0):
    lat.setdefault((kind, vcpu), []).append((ns, intid, dir))
nvcpus = db.execute("SELECT max(vcpu) + 1 FROM events").fetchone()[0]
for eid, ts, vcpu, name, intid, a1 in db.execute(
        "SELECT e.id, e.ts_ns, e.vcpu, k.name, e.intid, e.arg1 FROM events e JOIN event_kinds k "
        "ON k.kind = e.kind WHERE k.name IN ('vgic_update_irq_pending', 'vgic_flush', "
        "'vgic_sync', 'vgic_deactivate', 'vgic_sgi') ORDER BY e.id"):
    if name == 'vgic_sgi':  # arg1: the target vCPUs as a mask, -1 all but the sender
        for t in range(nvcpus):
            if (t != vcpu if a1 == -1 else (a1 >> t) & 1) and (t, intid) not in inj:
                inj[(t, intid)] = ts
    elif name == 'vgic_update_irq_pending':
        key = (vcpu if intid < 32 else None, intid)
        if a1 and key not in inj:
            inj[key] = ts
    elif name == 'vgic_deactivate':
        owner = [k for k in act if k[1] == intid and (intid >= 32 or k[0] == vcpu)]
        if owner:
            add("ack_to_deactivate", owner[0][0], intid, ts - act.pop(owner[0]), 1)
    elif snap[eid][0] == 'flush':
        flush[vcpu] = lrs.get(eid, [])[:snap[eid][1]]
    elif snap[eid][0] == 'sync':
        for i, before in enumerate(flush.pop(vcpu, [])):
            bi, bp, ba = dec(before)
            ai, ap, aa = dec(lrs[eid][i])
            key = (vcpu if bi < 32 else None, bi)
            if ba and bp and not ap and (vcpu, bi) in act:  # P+A: the active one went first
                add("ack_to_deactivate", vcpu, bi, ts - act.pop((vcpu, bi)))
            if bp and not ap:
                if key in inj:
                    add("inject_to_ack", vcpu, bi, ts - inj.pop(key))
                act[(vcpu, bi)] = ts
            if ((ba and not aa) or (bp and not ap and not aa)) and (vcpu, bi) in act:
                add("ack_to_deactivate", vcpu, bi, ts - act.pop((vcpu, bi)))
def pct(xs, p):
    return xs[max(math.ceil(p * len(xs) / 100), 1) - 1]
out = {}
for (kind, vcpu), xs in sorted(lat.items()):
    ns = sorted(x[0] for x in xs)
    out.setdefault(str(vcpu), {})[kind] = [len(ns), pct(ns, 50), pct(ns, 90), pct(ns, 99), ns[-1],
                                          sum(x[2] for x in xs)]
    for n, intid, _ in xs:
        k = "%s %d %d" % (kind, vcpu, intid)
        out[k] = max(out.get(k, 0), n)
print(json.dumps(out, sort_keys=True))
EOF
# The same figures from report --json.
cat > "$TMP/rep.py" << 'EOF'
import json, sys
d = json.load(sys.stdin)
out = {}
for v in d["vcpus"]:
    for k in ("inject_to_ack", "ack_to_deactivate"):
        h = v[k]
        if h["count"]:
            out.setdefault(str(v["vcpu"]), {})[k] = [h["count"], h["p50_ns"], h["p90_ns"],
                                                    h["p99_ns"], h["max_ns"], h.get("trapped_dirs", 0)]
for r in d["intids"]:
    for k in ("inject_to_ack", "ack_to_deactivate"):
        if r[k]["count"]:
            out["%s %d %d" % (k, r["vcpu"], r["intid"])] = r[k]["max_ns"]
print(json.dumps(out, sort_keys=True))
EOF
# lab runs: 1 vCPU paced, the arch timer (HW, level), GICv2, 2 vCPUs, SGIs
# on 2 vCPUs, SPIs retargeted while active (Pending+Active LRs), and
# EOImode 1 with remote trapped DIRs (vgic_deactivate).
for run in linux-7.2-gicv3-vhe-spi-paced linux-7.2-gicv3-vhe-timer linux-7.2-gicv2-vhe-spi-paced \
	linux-6.12-gicv3-vhe-spi-paced-2vcpu linux-7.2-gicv3-vhe-sgi-2vcpu linux-7.2-gicv3-vhe-retarget-2vcpu \
	linux-7.2-gicv3-nvhe-eoimode1-remote-race-2vcpu; do
	xz -dc "$DATA/lab/$run/record.db.xz" > "$TMP/$run.db"
	want=$(python3 "$TMP/lat.py" "$TMP/$run.db")
	got=$($VR report --json "$TMP/$run.db" | python3 "$TMP/rep.py")
	expect_eq "$run: samples, p50/p90/p99/max per vCPU and max per vCPU and INTID as the trace gives them" "$got" "$want"
done

# The text shows the same exact percentiles: the per-vCPU table's p50 of
# the paced run is the trace's, to the 0.1 us.
run=linux-7.2-gicv3-vhe-spi-paced
$VR report "$TMP/$run.db" > "$TMP/r.txt"
p50=$(python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["0"]["inject_to_ack"][1] / 1e3))' << EOF
$(python3 "$TMP/lat.py" "$TMP/$run.db")
EOF
)
expect_eq "$run: the text table's p50 is the trace's" \
	"$(awk '$1 == 0 && $2 == "injection" { print $6 }' "$TMP/r.txt")" "$p50"
grep -q "^vCPU 0: injection -> acknowledge (100 samples; p50 $p50, " "$TMP/r.txt"
expect_eq "$run: the histogram's title gives it too" $? 0

# EOImode 1 with trapped DIRs: every deactivation is one (the race run's
# guest DIRs on vCPU 1 what vCPU 0 acknowledged), and they are its samples.
run=linux-7.2-gicv3-nvhe-eoimode1-remote-race-2vcpu
dirs=$($VR sql --csv --no-header "$TMP/$run.db" "SELECT count(*) FROM events_v WHERE event = 'vgic_deactivate'")
$VR report "$TMP/$run.db" > "$TMP/r.txt"
grep -q "^vCPU 0: acknowledge -> deactivate ($dirs samples, $dirs of them trapped DIRs; p50 " "$TMP/r.txt"
expect_eq "$run: the $dirs trapped DIRs are the deactivation samples" $? 0
# An EOImode 1 run recorded without the vgic_deactivate event: its trapped
# DIRs are not timed, and report says how many, as predict counts them.
run=linux-7.2-gicv3-vhe-eoimode1
xz -dc "$DATA/lab/$run/record.db.xz" > "$TMP/$run.db"
n=$($VR predict "$TMP/$run.db" | sed -n 's/^trapped DIRs the trace does not name: \([0-9]*\) .*/\1/p')
$VR report "$TMP/$run.db" > "$TMP/r.txt"
grep -q "^$n trapped DIRs are not named by the trace" "$TMP/r.txt"
expect_eq "$run: the $n trapped DIRs the trace does not name are said to be missing" $? 0

# Per vCPU: a 2-vCPU run has a histogram pair and two table rows per vCPU,
# and its INTID rows are check's accounting, vCPU by vCPU.
run=linux-7.2-gicv3-vhe-sgi-2vcpu
$VR report "$TMP/$run.db" > "$TMP/r.txt"
expect_eq "$run: a histogram pair per vCPU" "$(grep -c '^vCPU [01]: ' "$TMP/r.txt")" 4
expect_eq "$run: two percentile rows per vCPU" \
	"$(awk '($1 == 0 || $1 == 1) && ($2 == "injection" || $2 == "acknowledge")' "$TMP/r.txt" | wc -l)" 4
$VR check --no-store "$TMP/$run.db" | awk '$1 ~ /^[0-9]+$/ && NF >= 8 { print $1, $2, $3, $4, $5, $6, $7, $8 }' > "$TMP/check.rows"
awk '$1 ~ /^[0-9]+$/ && NF == 12 { print $1, $2, $3, $4, $5, $6, $7, $8 }' "$TMP/r.txt" > "$TMP/report.rows"
expect_eq "$run: the INTID rows are check's accounting per vCPU ($(wc -l < "$TMP/check.rows") rows)" \
	"$(cat "$TMP/report.rows")" "$(cat "$TMP/check.rows")"
expect_eq "$run: both vCPUs have rows" "$(cut -d' ' -f1 "$TMP/report.rows" | sort -u | tr '\n' ' ')" "0 1 "

# A trace check calls inconclusive (no LR snapshots: exit 3) gets no
# accounting from report either, and is told why.
xz -dc "$DATA/lab/linux-7.2-gicv3-vhe-spi-burst/trace.txt.xz" | grep -vE ': (flush|sync|post|populate|deactivate|sgi|queue_lpi): ' > "$TMP/kvm-only.txt"
$VR import -q "$TMP/kvm-only.txt" -o "$TMP/kvm-only.db"
$VR check --no-store "$TMP/kvm-only.db" > /dev/null 2>&1
expect_eq "tracepoints-only capture: check is inconclusive" $? 3
expect_ok "tracepoints-only capture: report" $VR report "$TMP/kvm-only.db"
grep -q '^no LR snapshots in this trace: .* no per-INTID accounting (check declines to judge it: inconclusive, exit 3)' "$TMP/out"
expect_eq "tracepoints-only capture: report says why there is no accounting" $? 0
expect_eq "tracepoints-only capture: no accounting rows, no latency table" \
	"$(grep -cE '^(vcpu|-|[0-9]+) ' "$TMP/out")" 0
$VR report --json "$TMP/kvm-only.db" > "$TMP/k.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["intids"] == [] and d["vcpus"] == [] and d["inconclusive"].startswith("no LR snapshots")' "$TMP/k.json"
expect_eq "tracepoints-only capture: --json has no rows and says why" $? 0
finish
