#!/bin/sh
# make demo (scripts/demo.sh) on the bundled recordings: it exits 0 and
# shows what it promises (issue 24): a real LOST_INTERRUPT with its proving
# events, decoded; the seed bug diagnosed on the buggy kernel's recording,
# with its MIS_DEACTIVATIONs; the fixed kernel's run and a Linux guest
# clean. Each promise is a line the real check printed, so a demo that
# stops finding them fails here.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

(cd "$ROOT" && DEMO_DIR="$TMP/demo" sh scripts/demo.sh "$VR") > "$TMP/demo.out" 2> "$TMP/demo.err"
expect_eq "demo exits 0" "$?" 0
sed 's/^/#   /' "$TMP/demo.err" | head -5
out=$TMP/demo.out

has() { grep -qE -- "$1" "$out" && echo yes || echo no; }
expect_eq "a LOST_INTERRUPT with the events that prove it" \
	"$(has '^LOST_INTERRUPT .* intid 8 +events [0-9]+ \(GICD_CTLR write[^)]*\), [0-9]+ \(injection')" yes
expect_eq "its accounting row shows the loss (vCPU 3, INTID 8: lost 1)" \
	"$(has '^3 +8 +1 +0 +0 +1 +0 +0$')" yes
expect_eq "the proving events decoded by sql (the SGI and the GICD_CTLR write)" \
	"$(grep -cE '^[0-9]+ +[0-9.]+ +[0-9] +(vgic_sgi|kvm_mmio) ' "$out")" 2
expect_eq "the collector's recording of the run gives the same finding" \
	"$(grep -cE '^LOST_INTERRUPT .* vcpu 3 intid 8 ' "$out")" 2
expect_eq "the buggy kernel's MIS_DEACTIVATIONs with their exit and flush" \
	"$(grep -cE '^MIS_DEACTIVATION .* intid 47 +events [0-9]+ \(exit with EOIcount\), [0-9]+ \(flush with LRENPIE\)' "$out")" 5
expect_eq "a plain check names linux-6.19 as the kernel's behaviour" \
	"$(has '^diagnosis: kernel behaviour matches linux-6.19 \(180 of 180 flushes.*6da5e537f5af is missing')" yes
expect_eq "the fixed kernel's run of the trigger: no findings" \
	"$(grep -cE '^1456 events replayed, 0 findings$' "$out")" 1
expect_eq "the Linux guest's recording: no findings" \
	"$(grep -cE '^51049 events replayed, 0 findings$' "$out")" 1
expect_eq "the Linux guest's LPIs are in the accounting" \
	"$(has '^[01] +819[0-9] ')" yes
expect_eq "every step says what it shows before it" \
	"$(grep -c "^== " "$out")" 8
finish
