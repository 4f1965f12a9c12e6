#!/bin/sh
# An LPI the ITS moves to another vCPU while it is presented, pending, in
# an LR of its old target (issue 18: linux-affinity's MOVI). KVM leaves it
# in that LR until the old target's exit; the fold finds it still pending
# and the prune (vgic_prune_ap_list()) moves it to the new target's AP
# list, whose next flush presents it. The trace is written here as ftrace
# text in the probes' own format (Debian 7.2, GICv3, 2 vCPUs): with the
# lpi_target probe (return of update_affinity.isra.0) check follows the
# move and the model predicts every flush after the first of each vCPU;
# without it the LPI is not judged after the GITS_CWRITER write, and
# neither run makes a finding (before, check called it lost on vCPU 0).
. "$(dirname "$0")/lib.sh"

# synth MOVE: the trace, with (1) or without (0) the lpi_target line
synth() {
	awk -v move="$1" '
	function ln(pid, cpu, flags, body) {
		t += 0.00005
		printf " qemu-system-aar-%d     [%03d] %s    %.6f: %s\n", pid, cpu, flags, t, body
	}
	function regs(v, used, l0) {
		return sprintf("vcpu=%d used=%d hcr=0x4191 vmcr=0xf04c000a ap0r0=0x0 ap1r0=0x0 lr0=%s lr1=0x0 lr2=0x0 lr3=0x0", v, used, l0)
	}
	function flush(v, used, l0) {
		ln(243 + v, v, "d..2.", "flush: (kvm_arch_vcpu_ioctl_run+0xd0/0xb80 <- kvm_vgic_flush_hwstate) " regs(v, used, l0))
		ln(243 + v, v, "d..1.", "kvm_entry: PC: 0xffffa1d70f52fb14")
	}
	function sync(v, used, l0, why) {
		ln(243 + v, v, "d..1.", "sync: (vgic_v3_fold_lr_state+0x0/0x1f8) " regs(v, used, l0))
		ln(243 + v, v, "d..2.", "post: (kvm_arch_vcpu_ioctl_run+0x284/0xb80 <- kvm_vgic_sync_hwstate) " regs(v, 0, l0))
		ln(243 + v, v, "...1.", "kvm_exit: " why)
	}
	function cycle(v) { flush(v, 0, "0x0"); sync(v, 0, "0x0", irq) }
	BEGIN {
		t = 100; irq = "IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0xffffa1d70e9c3918"
		print "# tracer: nop\n#"
		for (i = 0; i < 3; i++) { cycle(0); cycle(1) }
		ln(133, 2, "d..1.", "queue_lpi: (vgic_queue_irq_unlock+0x0/0x60) vcpu=0 intid=8193 pending_latch=1 enabled=1 priority=192 target=0xfff0000007b04680")
		ln(243, 0, "d..3.", "populate: (vgic_v3_populate_lr+0x0/0x168) vcpu=0 intid=8193 lr=0")
		flush(0, 1, "0x50c0000000002001")
		# vCPU 1 writes GITS_CWRITER: the ITS runs a MOVI of 8193 to vCPU 1
		flush(1, 0, "0x0")
		sync(1, 0, "0x0", "TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0xffffa1d70f046d54")
		ln(244, 1, ".....", "kvm_mmio: mmio write len 4 gpa 0x8080088 val 0x20")
		if (move)
			ln(244, 1, "...1.", "lpi_target: (vgic_its_process_commands+0x2f4/0x8c0 <- update_affinity.isra.0) vcpu=1 intid=8193 target=0xfff0000007b08000")
		ln(244, 1, ".....", "kvm_userspace_exit: reason KVM_EXIT_MMIO (6)")
		# vCPU 0 exits with 8193 still pending in its LR; its prune moves it
		sync(0, 1, "0x50c0000000002001", irq)
		cycle(0)
		ln(244, 1, "d..3.", "populate: (vgic_v3_populate_lr+0x0/0x168) vcpu=1 intid=8193 lr=0")
		flush(1, 1, "0x50c0000000002001")
		sync(1, 1, "0x10c0000000002001", irq) # acknowledged and EOIed in that run
		for (i = 0; i < 3; i++) { cycle(0); cycle(1) }
	}'
}

for m in 1 0; do
	synth $m > "$TMP/move$m.txt"
	expect_ok "import the synthetic trace (lpi_target $m)" \
		$VR import -q --kernel 7.2.13+deb14-arm64 "$TMP/move$m.txt" -o "$TMP/move$m.db"
done
n=$($VR sql --csv --no-header "$TMP/move1.db" "SELECT count(*) || ' ' || min(vcpu) || ' ' || min(intid)
	FROM events WHERE kind = (SELECT kind FROM event_kinds WHERE name = 'vgic_lpi_target')")
expect_eq "the importer knows lpi_target (update_affinity.isra.0): vCPU 1, LPI 8193" "$n" "1 1 8193"
unp=$($VR sql --csv --no-header "$TMP/move1.db" "SELECT events_unparsed + events_unknown FROM trace_info")
expect_eq "every line understood" "$unp" 0

expect_ok "check: the move recorded, no finding" $VR check --no-store "$TMP/move1.db"
grep -q ' 0 findings' "$TMP/out"; expect_eq "move recorded: 0 findings" $? 0
grep -q '^model: 14 of 16 flushes as linux-7.0 predicts (87.50%), 2 not compared' "$TMP/out"
expect_eq "move recorded: every flush but the first of each vCPU predicted" $? 0
grep -q '^1 *8193 *0 *1 *0 *0 *0 *1$' "$TMP/out"
expect_eq "move recorded: acknowledged and deactivated on vCPU 1, nothing pending" $? 0

expect_ok "check: the move not recorded, still no finding" $VR check --no-store "$TMP/move0.db"
grep -q ' 0 findings' "$TMP/out"; expect_eq "move not recorded: 0 findings" $? 0
grep -q '^model: 12 of 16 flushes as linux-7.0 predicts (75.00%), 4 not compared' "$TMP/out"
expect_eq "move not recorded: the LPI's flushes not compared" $? 0

expect_ok "predict follows the move" $VR predict "$TMP/move1.db"

# The lab: linux-affinity on Debian's 7.2 (GICv3, VHE, 2 vCPUs), recorded with
# both captures' lpi_target probes (the ftrace capture's return probe on
# update_affinity.isra.0, the collector's kprobe pair). The guest moved its
# virtio-pci MSI-X vectors 8 times: 8 MOVIs, each a GITS_CWRITER write by
# the vCPU that then ran the command (MOVI + SYNC), each followed by its
# update_affinity() return before the next write. LPI 8193 (virtio-net's
# RX queue) went to vCPU 0 and back to vCPU 1: the guest handled 52 of it
# on vCPU 0, all between the two moves, as check counts them.
run="$DATA/lab/linux-7.2-gicv3-vhe-linux-affinity-2vcpu-movi"
xz -dc "$run/trace.txt.xz" > "$TMP/aff.txt"
$VR import -q --kernel "$(sed -n 's/^kernel_release=//p' "$run/manifest.txt")" "$TMP/aff.txt" \
	-o "$TMP/aff-ftrace.db"
xz -dc "$run/record.db.xz" > "$TMP/aff-record.db"
truth0=$(awk -F, '$1 == 0 && $2 == 8193 { print $3 }' "$run/truth.csv")
expect_eq "the guest handled LPI 8193 on vCPU 0 52 times" "$truth0" 52
for cap in ftrace record; do
	db="$TMP/aff-$cap.db"
	moves=$($VR sql --csv --no-header "$db" "WITH k(m, t) AS (
		SELECT (SELECT kind FROM event_kinds WHERE name = 'kvm_mmio'),
		       (SELECT kind FROM event_kinds WHERE name = 'vgic_lpi_target'))
		SELECT count(*) || ' ' || (SELECT count(*) FROM events w WHERE w.kind = k.m AND
			w.arg0 = 2 AND w.arg2 = 134742152) || ' ' || sum((SELECT count(*) FROM events w
			WHERE w.kind = k.m AND w.arg0 = 2 AND w.arg2 = 134742152 AND w.ts_ns < x.ts_ns) =
			(SELECT count(*) FROM events y WHERE y.kind = k.t AND y.ts_ns <= x.ts_ns))
		FROM events x, k WHERE x.kind = k.t")
	expect_eq "$cap: 8 LPI moves, 8 GITS_CWRITER writes, each move after its own write" \
		"$moves" "8 8 8"
	m=$($VR sql --csv --no-header "$db" "SELECT group_concat(vcpu || ':' || ts_ns, ' ') FROM
		(SELECT vcpu, ts_ns FROM events WHERE intid = 8193 AND kind =
		(SELECT kind FROM event_kinds WHERE name = 'vgic_lpi_target') ORDER BY ts_ns)")
	set -- $m
	expect_eq "$cap: LPI 8193 moved to vCPU 0, then back to vCPU 1" "${1%%:*} ${2%%:*}" "0 1"
	t1=${1#*:} t2=${2#*:}
	expect_ok "$cap: check finds nothing" $VR check --no-store "$db"
	grep -q ' 0 findings' "$TMP/out"; expect_eq "$cap: 0 findings" $? 0
	acks() { # acks FROM TO: "vCPU0 vCPU1" acknowledgements of 8193 check counts in [FROM, TO]
		$VR check --no-store --intid 8193 --from "$1" --to "$2" "$db" |
			awk '$2 == 8193 { a[$1] = $4 } END { print a[0] + 0, a[1] + 0 }'
	}
	expect_eq "$cap: before the first move, 8193 acknowledged on vCPU 1 only" \
		"$(acks 0 "$t1" | cut -d' ' -f1)" 0
	expect_eq "$cap: between the moves, on vCPU 0 only, as often as the guest counted" \
		"$(acks "$t1" "$t2")" "$truth0 0"
	expect_eq "$cap: after the move back, on vCPU 1 only" \
		"$(acks "$t2" 999999999999999 | cut -d' ' -f1)" 0
done

finish
