#!/bin/sh
# check --from/--to count only their window: on real recordings with
# shared interrupts (SPIs, LPIs) and SGIs, the accounting of the trace cut
# in two at any moment adds up, row by row, to the accounting of the whole,
# and no count is negative. (Before 'replay: subtract a row's own counts
# at the window's start', every unused own row of a shared IRQ, which
# reads vCPU 0 INTID 0, had SGI 0's counts subtracted: rows of -1, and a
# lab-smoke failure when the guest's counts were held to check's.)
. "$(dirname "$0")/lib.sh"

cat > "$TMP/split.py" << 'PY'
import json, subprocess, sys
vr, db = sys.argv[1], sys.argv[2]
def acct(*args):
    d = json.loads(subprocess.run([vr, "check", "--json", *args, db], capture_output=True, text=True).stdout)
    rows = {}
    for a in d["accounting"]:
        k = (a["vcpu"], a["intid"])
        if k in rows: print("row %r twice" % (k,))
        rows[k] = a
    return rows
ts = [int(l) for l in subprocess.run([vr, "sql", "--csv", "--no-header", db,
      "SELECT ts_ns FROM events ORDER BY ts_ns"], capture_output=True, text=True).stdout.split()]
whole = acct()
bad = []
for q in (0.3, 0.5, 0.8):
    t = ts[int(len(ts) * q)]
    a, b = acct("--to", str(t)), acct("--from", str(t + 1))
    for part in (a, b):
        for k, r in part.items():
            for f in ("injected", "acked", "deactivated", "coalesced", "lost"):
                if r[f] < 0: bad.append("%s %r %s=%d" % (q, k, f, r[f]))
    for k, r in whole.items():
        for f in ("acked", "deactivated"):
            s = a.get(k, {}).get(f, 0) + b.get(k, {}).get(f, 0)
            if s != r[f]: bad.append("split at %s: %r %s %d + %d != %d" % (q, k, f, a.get(k, {}).get(f, 0), b.get(k, {}).get(f, 0), r[f]))
print("\n".join(bad[:5]))
PY
for run in lab/linux-7.2-gicv3-vhe-linux-blk-2vcpu lab/linux-6.12-gicv3-vhe-linux-affinity-2vcpu \
	lab/linux-7.2-gicv3-vhe-linux-ipi-4vcpu lab-findings/linux-6.12-gicv3-vhe-sgi-4vcpu; do
	xz -dc "$DATA/$run/record.db.xz" > "$TMP/t.db"
	expect_eq "$run: the accounting cut in two adds up row by row, nothing negative" \
		"$(python3 "$TMP/split.py" "$VR" "$TMP/t.db")" ""
done
finish
