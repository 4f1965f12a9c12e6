#!/bin/sh
# No false alarms (issue 19, item 4): a distributor write by one vCPU
# against another vCPU's flush. io_mem_abort() fires kvm_mmio before
# kvm_io_bus_write() applies the write, and the other vCPU's
# vgic_flush_lr_state() reads the interrupt under its irq_lock at a moment
# only the flush's return bounds: a flush between the write's event and
# the writer's next event may have seen the SPI before or after the write
# (replay/model_dist.c).
#
# 1. Synthetic (tests/cli/dist-race-synth.py, 6.12): GICD_ISPENDR,
#    IPRIORITYR, ICENABLER, ISENABLER and IROUTER writes of vCPU 0 for an
#    SPI of vCPU 1, each with a flush of vCPU 1 in its window that shows
#    the state before the write: clean, every flush predicted. Its variant
#    where the ISPENDR write returned and vCPU 1 never gets the SPI is a
#    real loss: exactly one LR_DIVERGENCE of that SPI.
# 2. The lab's dist-race runs (tests/data/lab/*-dist-race-2vcpu, 7.2 VHE
#    and nVHE, tests/lab/vmm): the guest's vCPU 0 writes those registers
#    for SPIs that vCPU 1 takes while it exits and re-enters continuously.
#    Each run holds flushes of vCPU 1 inside a write's window; check is
#    clean on both captures, every flush predicted but those before a
#    vCPU's state is known (the first ones).
# 3. The accounting of the guest's own injections: each SPI a GICD_ISPENDR
#    write names is one injection (synthetic: three writes of SPI 40, three
#    acknowledgements); on the lab runs, per INTID, injected equals the
#    ISPENDR bits the trace's kvm_mmio events hold (counted here in SQL),
#    the counts balance (what the guest withdrew with ICPENDR counts as
#    coalesced) and nothing shows as pending at the start. tests/lab/verify.sh
#    (tests/cli/t0600-corpus.sh) holds the same counts to the VMM's truth.
. "$(dirname "$0")/lib.sh"

synth=$(dirname "$0")/dist-race-synth.py
python3 "$synth" racing > "$TMP/racing.txt"
$VR import -q --kernel 6.12.118+deb12-arm64 "$TMP/racing.txt" -o "$TMP/racing.db"
$VR check --no-store --json "$TMP/racing.db" > "$TMP/racing.json"
expect_eq "synthetic racing writes: check is clean (exit 0)" $? 0
expect_eq "synthetic racing writes: no finding, every flush predicted" \
	"$(jget "$TMP/racing.json" 'len(d["findings"]), d["model"]["agree"], d["model"]["flushes"]')" \
	"(0, 31, 31)"
# per INTID over its rows: (injected, acked, coalesced + lost + pending at the end, pending at start)
acct='sorted((i, tuple(sum(r[k] for r in d["accounting"] if r["intid"] == i) for k in ("injected", "acked", "coalesced", "pending_at_start"))) for i in {r["intid"] for r in d["accounting"]})'
expect_eq "synthetic racing writes: SPI 40's three GICD_ISPENDR writes are its injections, each acknowledged" \
	"$(jget "$TMP/racing.json" "$acct")" "[(40, (3, 3, 0, 0))]"
python3 "$synth" lost > "$TMP/lost.txt"
$VR import -q --kernel 6.12.118+deb12-arm64 "$TMP/lost.txt" -o "$TMP/lost.db"
$VR check --no-store --json "$TMP/lost.db" > "$TMP/lost.json"
expect_eq "synthetic, GICD_ISPENDR returned and the SPI never comes: check fails (exit 1)" $? 1
# The guest's ISPENDR write is an injection the tracker follows: the loss
# is a LOST_INTERRUPT (which the model's LR_DIVERGENCE of the same flush
# is not reported beside), at the same flush the model holds to.
expect_eq "synthetic lost: one LOST_INTERRUPT of SPI 40, at the first flush after the write returned before vCPU 1 moved on" \
	"$(jget "$TMP/lost.json" '[(f["kind"], f["intid"]) for f in d["findings"]], d["findings"][0]["events"][0]["id"]')" \
	"([('LOST_INTERRUPT', 40)], 47)"

# windows DB: flushes of vCPU 1 between a distributor write of vCPU 0 and
# vCPU 0's next event (other than the populate and flush probes)
windows() {
	$VR sql --csv --no-header "$1" "
		SELECT count(*) FROM events_v f WHERE f.event = 'vgic_flush' AND f.vcpu = 1
		AND EXISTS (SELECT 1 FROM events_v w WHERE w.event = 'kvm_mmio' AND w.vcpu = 0
			AND w.arg0 = 1 AND w.arg2 >= 134217728 AND w.arg2 < 134283264
			AND w.ts_ns < f.ts_ns
			AND NOT EXISTS (SELECT 1 FROM events_v n WHERE n.pid = w.pid AND n.id > w.id
				AND n.ts_ns < f.ts_ns
				AND n.event NOT IN ('vgic_populate_lr', 'vgic_flush')))"
}

n=0
for run in "$DATA"/lab/*-dist-race-*/; do
	[ -d "$run" ] || continue
	name=$(basename "$run")
	n=$((n + 1))
	$VR import -q --kernel "$(sed -n 's/kernel_release=//p' "$run/manifest.txt")" "$run/trace.txt.xz" \
		-o "$TMP/$name.db"
	w=$(windows "$TMP/$name.db")
	echo "# $name: flushes of vCPU 1 inside a distributor write's window: $w"
	expect_eq "$name: the trace holds flushes racing a write" "$([ "$w" -ge 1 ] && echo yes)" yes
	$VR check --no-store --json "$TMP/$name.db" > "$TMP/$name.json"
	expect_eq "$name (ftrace): check is clean (exit 0)" $? 0
	expect_eq "$name (ftrace): no finding, every flush compared predicted" \
		"$(jget "$TMP/$name.json" 'len(d["findings"]), d["model"]["agree"] + d["model"]["unknown"] == d["model"]["flushes"] > 1000')" \
		"(0, True)"
	# the GICD_ISPENDR1 bits (SPIs 32-63) of the guest's writes (arg0 2), per SPI
	spend=$($VR sql --csv --no-header "$TMP/$name.db" "
		WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i < 31)
		SELECT 32 + i, count(*) FROM events_v, b WHERE event = 'kvm_mmio' AND arg0 = 2
			AND arg2 = 134218244 AND (arg3 >> i) & 1 GROUP BY i ORDER BY i" | tr '\n' ' ')
	expect_eq "$name: per SPI, injected equals the GICD_ISPENDR bits in the trace" \
		"$(jget "$TMP/$name.json" "' '.join('%d,%d' % (i, sum(r['injected'] for r in d['accounting'] if r['intid'] == i)) for i in sorted({r['intid'] for r in d['accounting'] if r['intid'] >= 32}))") " \
		"$spend"
	expect_eq "$name: every row balances, none pending at the start" \
		"$(jget "$TMP/$name.json" '[(r["intid"], r["vcpu"]) for r in d["accounting"] if r["intid"] >= 32 and (r["pending_at_start"] or sum(x["injected"] - x["acked"] - x["coalesced"] - x["lost"] - x["pending_at_end"] for x in d["accounting"] if x["intid"] == r["intid"]))]')" \
		"[]"
	xz -dc "$run/record.db.xz" > "$TMP/$name-rec.db"
	$VR check --no-store --json "$TMP/$name-rec.db" > "$TMP/$name-rec.json"
	expect_eq "$name (collector): check is clean (exit 0)" $? 0
	expect_eq "$name (collector): no finding, every flush compared predicted" \
		"$(jget "$TMP/$name-rec.json" 'len(d["findings"]), d["model"]["agree"] + d["model"]["unknown"] == d["model"]["flushes"] > 1000')" \
		"(0, True)"
done
expect_eq "dist-race runs in the corpus (7.2, VHE and nVHE)" "$n" 2
finish
