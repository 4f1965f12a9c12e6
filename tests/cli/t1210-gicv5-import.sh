#!/bin/sh
# import of a GICv5 capture: ftrace text as the probes of `probes --gic 5`
# would print it (written here by hand: no GICv5 host exists), with the
# PPI registers a kprobe can read (DVIR, ACTIVER, ENABLER, PRIORITYR, VMCR,
# APR; not PENDR, which is per-CPU). The import makes GICv5 snapshots
# (gic_version 5, PENDR NULL), and check follows the PPIs through ACTIVER:
# one acknowledged and deactivated, one left active; no lost-PPI judgement
# without PENDR.
. "$(dirname "$0")/lib.sh"

t=0
# line FUNC-PART FIELDS: one probe line at the next time step
line() {
	t=$((t + 1))
	printf '             vmm-145     [000] d....     9.%06d: %s\n' "$t" "$*"
}
flush() { line "flush: (kvm_arch_vcpu_ioctl_run+0xbc/0x848 <- kvm_vgic_flush_hwstate) vcpu=0 dvir0=0x0 activer0=$1 enabler0=0x8 priorityr0=0x8000000 vmcr=0x3f apr=0x0"; }
sync() { line "sync: (vgic_v5_fold_ppi_state+0x0/0x1a0) vcpu=0 dvir0=0x0 activer0=$1 enabler0=0x8 priorityr0=0x8000000 vmcr=0x3f apr=0x0"; }
inject() { line "vgic_update_irq_pending: VCPU: 0, IRQ 536870915, level: 1"; }
{
	echo "# tracer: nop"
	echo "#"
	flush 0x0; sync 0x0
	inject; flush 0x0; sync 0x8; flush 0x8; sync 0x0
	inject; flush 0x0; sync 0x8; flush 0x8; sync 0x8; flush 0x8; sync 0x8
} > "$TMP/v5.trace"

expect_ok "import a GICv5 probe capture" $VR import -q "$TMP/v5.trace" -o "$TMP/v5.db"
expect_ok "info" $VR info "$TMP/v5.db"
grep -q '^  gic        GICv5  \[inferred: vgic_v5_\* probe' "$TMP/out"
expect_eq "the GIC is inferred as GICv5 from the probe" $? 0
grep -q 'SYNTHETIC' "$TMP/out"; expect_eq "an import is not marked synthetic" $? 1
grep -q '^  kernel     unknown  \[unknown: GICv5 snapshots' "$TMP/out"
expect_eq "no kernel range inferred from HCR bits a GICv5 snapshot lacks" $? 0
n=$($VR sql "$TMP/v5.db" "SELECT count(*) FROM ppi_snapshots WHERE pendr0 IS NULL AND enabler0 = 8" | tail -1)
expect_eq "12 PPI snapshots, ENABLER kept, PENDR not recorded (NULL)" "$n" 12
n=$($VR sql "$TMP/v5.db" "SELECT count(*) FROM snapshots WHERE gic_version = 5 AND nr_lrs = 0 AND vmcr = 63" | tail -1)
expect_eq "every snapshot GICv5, no LRs, VMCR kept" "$n" 12
n=$($VR sql "$TMP/v5.db" "SELECT hex(substr(priorityr, 4, 1)) FROM ppi_snapshots LIMIT 1" | tail -1)
expect_eq "PRIORITYR0 byte 3 is PPI 3's priority" "$n" 08

$VR check --no-store "$TMP/v5.db" >"$TMP/check" 2>&1
expect_eq "check fails: a PPI is left active" $? 1
expect_eq "one STUCK_ACTIVE" "$(grep -c '^STUCK_ACTIVE' "$TMP/check")" 1
expect_eq "no LOST_INTERRUPT without PENDR" "$(grep -c '^LOST_INTERRUPT' "$TMP/check")" 0
grep -q '^0 *536870915 *2 *2 *0 *0 *0 *1' "$TMP/check"
expect_eq "SW_PPI: 2 injected, 2 acknowledged (ACTIVER), 1 deactivated" $? 0
finish
