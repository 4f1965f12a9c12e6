#!/bin/sh
# GICv5 end to end on synthetic traces (no GICv5 host or emulator exists):
# scn2trace turns the engine scenarios tests/engine/synth-v5-*.scn into
# trace databases (format 3, PPI snapshots, trace_info.synthetic), and
# info, check, report and the TUI's model read them: a clean one is clean,
# a planted lost PPI and a PPI left active are found, and every output
# says the trace is synthetic.
. "$(dirname "$0")/lib.sh"
SCN2TRACE=${SCN2TRACE:-$(dirname "$VR")/tests/scn2trace}
SCN=$(cd "$(dirname "$0")/../engine" && pwd)

for s in clean lost active; do
	expect_ok "scn2trace synth-v5-$s" "$SCN2TRACE" "$SCN/synth-v5-$s.scn" "$TMP/$s.db"
done

expect_ok "info on a synthetic GICv5 trace" $VR info "$TMP/clean.db"
grep -q '^  gic        GICv5' "$TMP/out"; expect_eq "info: GICv5" $? 0
grep -q '^  SYNTHETIC  engine scenario synth-v5-clean.scn' "$TMP/out"
expect_eq "info says SYNTHETIC" $? 0
grep -q 'trace format 3' "$TMP/out"; expect_eq "info: format 3" $? 0

expect_ok "check: the clean trace has no finding" $VR check --no-store "$TMP/clean.db"
grep -q '^profile gicv5 (a GICv5 VM' "$TMP/out"; expect_eq "check picks gicv5 for a GICv5 VM" $? 0
grep -q '^SYNTHETIC trace: engine scenario synth-v5-clean.scn' "$TMP/out"
expect_eq "check says SYNTHETIC" $? 0
grep -q ' 0 findings' "$TMP/out"; expect_eq "clean: 0 findings" $? 0
# vcpu intid injected acked coalesced lost pending deactivated: injected = acked + ... + pending
rows=$(awk '$1 == "0" && NF >= 8 && $3 != $4 + $5 + $6 + $7 { bad++ } $1 == "0" && NF >= 8 { n++ }
	END { print n + 0, bad + 0 }' "$TMP/out")
expect_eq "clean: two PPIs accounted, injected = acked + coalesced + lost + pending" "$rows" "2 0"
grep -q '^0 *536870915 *2 *2 *0 *0 *0 *2$' "$TMP/out"
expect_eq "clean: SW_PPI injected twice, acked and deactivated twice" $? 0

# check_finds NAME KIND: check fails on NAME's trace with one finding, of KIND
check_finds() {
	$VR check --no-store "$TMP/$1.db" >"$TMP/$1.out" 2>&1
	expect_eq "check: $1 fails the check" $? 1
	expect_eq "$1: one $2" "$(grep -c "^$2" "$TMP/$1.out")" 1
	expect_eq "$1: nothing else" "$(grep -c '^[A-Z_]* *error' "$TMP/$1.out")" 1
}

check_finds lost LOST_INTERRUPT
grep -q 'GICv5 PPI 3 of vCPU 0 was injected (event 14) and is enabled, but the entries at events 15 and 19' "$TMP/lost.out"
expect_eq "lost: names the injection and both entries" $? 0
grep -q '^0 *536870915 *2 *1 *0 *1 *0 *1$' "$TMP/lost.out"
expect_eq "lost: accounted as lost" $? 0

check_finds active STUCK_ACTIVE

$VR check --no-store --json "$TMP/lost.db" >"$TMP/out" 2>&1
expect_eq "check --json on a synthetic trace with a finding exits 1" $? 1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["synthetic"].startswith("engine scenario"); assert d["profile"] == "gicv5"; assert len(d["findings"]) == 1' "$TMP/out"
expect_eq "check --json: synthetic, gicv5, one finding" $? 0

# a stored run: the TUI's findings and report read it
$VR check -q --store "$TMP/lost.db" >/dev/null 2>&1
expect_ok "report on a synthetic GICv5 trace" $VR report "$TMP/lost.db"
grep -q '^SYNTHETIC trace: engine scenario synth-v5-lost.scn' "$TMP/out"
expect_eq "report says SYNTHETIC" $? 0
grep -q '^vCPU 0: injection -> acknowledge (1 samples' "$TMP/out"
expect_eq "report: one acknowledgement latency" $? 0
grep -q 'LOST_INTERRUPT' "$TMP/out"; expect_eq "report lists the finding" $? 0
expect_ok "report --json" $VR report --json "$TMP/lost.db"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["synthetic"] is True' "$TMP/out"
expect_eq "report --json says synthetic" $? 0

if [ -n "${TL_DUMP:-}" ]; then
	expect_ok "the TUI's model reads the active trace" "$TL_DUMP" "$TMP/active.db"
	line=$(sed -n 4p "$TMP/out")
	expect_eq "TUI model: SW_PPI pending 4 us, then active to the end" "$line" \
		" irq vcpu 0 intid 536870915 pending 4000 active 8001 inj 1"
	expect_ok "the TUI's model reads the clean trace" "$TL_DUMP" "$TMP/clean.db"
	expect_eq "TUI model: both PPIs have a row in the whole-trace window" \
		"$(sed -n '2,/finding-cols/p' "$TMP/out" | grep -c '^ irq vcpu 0 intid 5368709\(15\|39\) ')" 2
	grep -q '^ irq vcpu 0 intid 536870939 pending 4000 active 5000 inj 1$' "$TMP/out"
	expect_eq "TUI model: the timer PPI pending then active" $? 0
fi

# the schema's own view decodes the PPI registers
n=$($VR sql "$TMP/active.db" "SELECT count(*) FROM ppis_v WHERE ppi = 3 AND active = 1" | tail -1)
expect_eq "ppis_v: SW_PPI active in 5 snapshots" "$n" 5
finish
