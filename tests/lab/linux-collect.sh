#!/bin/sh
# The results of a Linux-guest run (tests/lab/run.sh with a linux-*
# scenario, tests/lab/linux.sh in the emulated host): extract the data
# blocks from console.log, compute truth.csv from the guest's own counts
# (tests/lab/linux-truth.sh) and write manifest.txt.
#
# Usage: tests/lab/linux-collect.sh OUTDIR GIC MODE VCPUS SCENARIO T0 T1
#   (T0, T1: the wall clock at the start and end of the outer QEMU)
set -eu
out=$1 gic=$2 mode=$3 vcpus=$4 scenario=$5 t0=$6 t1=$7
here=$(cd "$(dirname "$0")" && pwd)

fail() {
	echo "lab: $*; console log kept in $out/console.log" >&2
	exit 1
}
con() { tr -d '\r' < "$out/console.log"; }
# extract NAME: the gzip+base64 block between its markers (the first one:
# linux.sh sends l2-console.log first, and again in its console fallback)
extract() {
	con | awk -v n="$1" '$0 == "===VR-BEGIN " n { on = 1; next } $0 == "===VR-END " n { exit } on' |
		base64 -d | gunzip > "$out/$1"
}
if [ ! -f "$out/results.tar" ] && [ -s "$out/trace.txt" ] && [ -s "$out/l2-console.log" ]; then
	: # extracted before (the manifest and truth are made again)
elif grep -q '^===VR-RESULTS tar' "$out/console.log"; then
	# the tar stream from the virtio-serial port (tests/lab/linux.sh)
	tar -x -f "$out/results.tar" -C "$out" || fail "results.tar is incomplete"
	rm -f "$out/results.tar"
else
	# the console fallback: no virtio-serial port in the emulated host (6.1's
	# virtio_pci and virtio_console are modules); an empty file had no block
	# before linux.sh sent empty ones too
	rm -f "$out/results.tar"
	for n in l2-console.log dmesg.txt trace.txt record.log; do
		extract $n || fail "no $n"
	done
	for n in qemu.log overruns.txt its.txt; do
		if con | grep -qx "===VR-BEGIN $n"; then
			extract $n || fail "no $n"
		else
			: > "$out/$n"
		fi
	done
	extract record.db || true
	grep -q '^===VR-BEGIN trace.dat' "$out/console.log" && extract trace.dat
fi
[ -s "$out/record.db" ] || fail "the collector wrote no trace: $(cat "$out/record.log" 2>/dev/null)"
[ -s "$out/trace.dat" ] || echo "lab: no trace.dat: $(con | sed -n 's/^===VR-NOTE //p')" >&2
grep -qE 'WARNING|BUG' "$out/dmesg.txt" 2>/dev/null &&
	echo "lab: the kernel warned, see $out/dmesg.txt: $(grep -m1 -E 'WARNING|BUG' "$out/dmesg.txt")" >&2
"$here/linux-truth.sh" "$out/l2-console.log" > "$out/truth.csv" || fail "no ground truth from the guest"

run=$(con | sed -n 's/^===VR-RUN //p')
kernel=$(con | sed -n 's/^===VR-KERNEL //p')
l2=$(tr -d '\r' < "$out/l2-console.log" | sed -n 's/^===L2-READY //p' | head -1)
l2qemu=$(con | sed -n 's/^===VR-QEMU \(.*\) pid=.*/\1/p')
num() { echo " $run" | sed -n "s/.* $1=\\([0-9.]*\\).*/\\1/p"; }
qrc=$(num rc)
start_s=$(num start)
end_s=$(num end)
ready_s=$(num qemu_start)
count() { # count FILE EVENT
	grep -c ": $2: " "$1" || true
}
# handled CLASS: the guest's handled interrupts of one INTID class (truth.csv)
handled() {
	awk -F, -v c="$1" 'NR > 1 {
		k = $2 == "" ? "unknown" : $2 < 16 ? "sgi" : $2 < 32 ? "ppi" : $2 < 1020 ? "spi" : $2 >= 8192 ? "lpi" : "unknown"
		if (k == c) s += $3
	} END { print s + 0 }' "$out/truth.csv"
}
{
	echo "kernel_release=$kernel"
	echo "gic_version=$gic"
	echo "mode=$mode"
	echo "vcpus=$vcpus"
	echo "scenario=$scenario"
	echo "window_seconds_asked=$(echo "$l2" | sed -n 's/.*secs=\([0-9]*\).*/\1/p')"
	echo "l2_kernel_release=$(echo "$l2" | cut -d' ' -f1)"
	echo "l2_ready=$l2"
	echo "qemu_version=$(qemu-system-aarch64 --version | head -1)"
	echo "l2_qemu_version=$l2qemu"
	echo "qemu_start_seconds=$ready_s"
	echo "boot_seconds=$start_s"
	echo "run_seconds=$(echo "$end_s $start_s" | awk '{ printf "%.2f", $1 - $2 }')"
	echo "wall_seconds=$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }')"
	echo "timeline=$(con | sed -n 's/^===VR-TIME //p' | tr '\n' ' ')"
	echo "qemu_exit=$qrc"
	echo "trace_lines=$(grep -vc '^#' "$out/trace.txt")"
	# the guest's counting window in the trace's clock (linux-window.awk)
	echo "guest_window=$(awk -f "$here/linux-window.awk" "$out/trace.txt")"
	echo "guest_counting=$(awk -v counting=1 -f "$here/linux-window.awk" "$out/trace.txt")"
	echo "lost_events=$(grep -c 'LOST' "$out/trace.txt" || true)"
	echo "overruns=$(awk '{ for (i = 1; i < NF; i++) if ($i == "overrun:") s += $(i + 1) } END { print s + 0 }' "$out/overruns.txt")"
	for e in vgic_update_irq_pending kvm_irq_line kvm_set_irq kvm_ack_irq kvm_entry kvm_exit \
		kvm_vcpu_wakeup kvm_wfx_arm64 kvm_timer_update_irq kvm_userspace_exit kvm_mmio flush sync \
		post populate deactivate sgi; do
		echo "events_$e=$(count "$out/trace.txt" $e)"
	done
	# ITS and irqfd injections (its.txt, kprobes): KVM_SIGNAL_MSI and irqfd's
	# worker (vgic_its_inject_msi), irqfd's fast path (kvm_arch_set_irq_inatomic,
	# vgic_its_inject_cached_translation), irqfd's worker (irqfd_inject, kvm_set_msi)
	for e in inject_msi inject_cached set_irq_inatomic irqfd_inject set_msi; do
		echo "events_its_$e=$(count "$out/its.txt" $e)"
	done
	# the guest's writes that move interrupts (kvm_mmio, QEMU virt's map):
	# GITS_CWRITER (ITS commands, MOVI among them), GICD_IROUTER (GICv3 SPI
	# routing), GICD_ITARGETSR (GICv2 SPI targets), GICD_SGIR (GICv2 SGIs)
	awk '/ kvm_mmio: mmio write / { for (i = 1; i < NF; i++) if ($i == "gpa") print $(i + 1) }' "$out/trace.txt" |
		awk '{ a = 0; h = tolower($1); sub(/^0x/, "", h)
			for (i = 1; i <= length(h); i++) a = a * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			if (a == 134742152) c++                          # 0x8080088
			else if (a >= 134242560 && a < 134250496) r++    # 0x8006100-0x8008000
			else if (a >= 134219808 && a < 134220800) t++    # 0x8000820-0x8000c00
			else if (a == 134221568) g++                     # 0x8000f00
		} END { printf "events_mmio_gits_cwriter=%d\nevents_mmio_gicd_irouter=%d\n", c, r
			printf "events_mmio_gicd_itargetsr=%d\nevents_mmio_gicd_sgir=%d\n", t, g }'
	# populate snapshots of LPIs (INTID >= 8192) in trace.txt
	echo "events_populate_lpi=$(awk '/: populate: / { for (i = 1; i <= NF; i++) if ($i ~ /^intid=/ && substr($i, 7) + 0 >= 8192) n++ } END { print n + 0 }' "$out/trace.txt")"
	for c in sgi ppi spi lpi unknown; do
		echo "l2_handled_$c=$(handled $c)"
	done
	echo "l2_affinity=$(sed -n '/^===L2-BEGIN affinity.txt/{n;p}' "$out/l2-console.log" | tr -d '\r')"
	echo "record_log=$(grep -E 'events|records|dropped|lost' "$out/record.log" | tail -1)"
} > "$out/manifest.txt"
[ "$qrc" = 0 ] || echo "lab: the guest's QEMU exited with $qrc: $(tail -3 "$out/qemu.log")" >&2
echo "lab: $scenario on $kernel (GICv$gic, $mode, $vcpus vCPU): $(grep -vc '^#' "$out/trace.txt") trace lines," \
	"guest handled sgi/ppi/spi/lpi $(handled sgi)/$(handled ppi)/$(handled spi)/$(handled lpi)," \
	"$(sed -n 's/wall_seconds=//p' "$out/manifest.txt") s"
