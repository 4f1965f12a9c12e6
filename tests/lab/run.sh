#!/bin/sh
# Boot a Debian arm64 kernel under qemu-system-aarch64 (TCG, EL2, KVM inside),
# run one scenario of the lab's VMM there with the kvm events and the vGIC
# snapshot probes traced, and collect the results into OUTDIR:
#   trace.txt (ftrace text), truth.csv (the VMM's ground truth), vmm.log,
#   console.log (everything the emulated host printed), manifest.txt.
# A panic, a hang (time limit) or a missing result fails loudly, keeping the
# console log.
#
# Usage: tests/lab/run.sh KERNEL_IMAGE OUTDIR [scenario [vcpus [gic [mode]]]]
#   gic: 3 or 2; mode: vhe or nvhe. Needs build/lab/initrd.gz (tests/lab/lab.mk).
#
# A scenario named linux-* (linux-idle, linux-blk, linux-net, linux-ipi,
# linux-affinity) runs a Linux guest under Debian's QEMU inside the emulated
# host instead (tests/lab/linux.sh; build/lab/initrd-linux.gz): vcpus are
# the guest's, LAB_SECS (10) the length of its workload window; the results
# are trace.txt, trace.dat, record.db (the collector, always on), its.txt
# (ITS/irqfd kprobes), l2-console.log, qemu.log, dmesg.txt and truth.csv
# from the guest's own counts (tests/lab/linux-truth.sh).
#
# LAB_LOCK=FILE: QEMU runs under flock FILE, so that boots of several
# checkouts sharing a machine take turns instead of slowing each other.
set -eu
image=$1
out=$2
scenario=${3:-spi-paced}
vcpus=${4:-1}
gic=${5:-3}
mode=${6:-vhe}
record=${LAB_RECORD:-0}
count=${LAB_COUNT:-100}
seed=${LAB_SEED:-1}
timeout=${LAB_TIMEOUT:-300}
initrd=${LAB_INITRD:-build/lab/initrd.gz}
here=$(cd "$(dirname "$0")" && pwd)
case $scenario in
linux-*) linux=${scenario#linux-} ;;
*) linux= ;;
esac

mkdir -p "$out"
append="console=ttyAMA0 panic=-1 quiet loglevel=3 vr.scenario=$scenario vr.vcpus=$vcpus"
append="$append vr.count=$count vr.seed=$seed vr.gic=$gic vr.record=$record"
[ -n "${LAB_FLIGHT_MB:-}" ] && append="$append vr.flightmb=$LAB_FLIGHT_MB"
[ "${LAB_BENCH:-0}" = 1 ] && append="$append vr.bench=1 vr.rounds=${LAB_BENCH_ROUNDS:-3}"
[ -n "${LAB_BENCH_MODES:-}" ] && append="$append vr.modes=$LAB_BENCH_MODES"
[ "${LAB_GUIDE:-0}" = 1 ] && append="$append vr.guide=1"
[ "$mode" = nvhe ] && append="$append kvm-arm.mode=nvhe"
mem=1G
if [ -n "$linux" ]; then
	# QEMU, its libraries, the guest's kernel and initramfs live in L1's RAM,
	# beside 64 MB of ftrace buffer per CPU and the disk images
	append="$append vr.linux=$linux vr.secs=${LAB_SECS:-10}"
	# LAB_LINUX_OTHER=1: a second VM (our VMM) runs beside QEMU's (linux.sh)
	[ "${LAB_LINUX_OTHER:-0}" = 1 ] && append="$append vr.other=1"
	[ "${LAB_PROG_STATS:-0}" = 1 ] && append="$append vr.progstats=1"
	initrd=${LAB_INITRD:-build/lab/initrd-linux.gz}
	timeout=${LAB_TIMEOUT:-600}
	mem=3G
	record=1
	# the results come back as a tar stream on a virtio-serial port
	rm -f "$out/results.tar"
	devs="-device virtio-serial-pci -chardev file,id=vrres,path=$out/results.tar
		-device virtserialport,chardev=vrres,name=vr.results"
fi

if [ -n "${LAB_LOCK:-}" ]; then set -- flock "$LAB_LOCK"; else set --; fi
t0=$(date +%s.%N)
set +e
"$@" timeout "$timeout" qemu-system-aarch64 -M "virt,virtualization=on,gic-version=$gic" \
	-cpu max,pauth-impdef=on -accel tcg,thread=multi -smp $((vcpus + 1)) -m $mem \
	-nographic -no-reboot -nic none ${devs:-} -kernel "$image" -initrd "$initrd" -append "$append" \
	> "$out/console.log" 2>&1
qemu_rc=$?
set -e
t1=$(date +%s.%N)

fail() {
	if [ -n "$linux" ]; then # what the Linux guest and its QEMU said, if L1 sent it
		for n in l2-console.log qemu.log dmesg.txt; do
			tr -d '\r' < "$out/console.log" |
				awk -v n="$n" '$0 == "===VR-BEGIN " n { on = 1; next } $0 == "===VR-END " n { on = 0 } on' |
				base64 -d 2>/dev/null | gunzip > "$out/$n" 2>/dev/null || rm -f "$out/$n"
		done
	fi
	echo "lab: $*; console log kept in $out/console.log" >&2
	tail -n 20 "$out/console.log" >&2
	exit 1
}
[ "$qemu_rc" -eq 124 ] && fail "time limit of ${timeout}s reached (hang?)"
grep -q 'Kernel panic' "$out/console.log" && fail "kernel panic"
grep -q '^===VR-FAIL' "$out/console.log" && fail "$(grep '^===VR-FAIL' "$out/console.log" | tr -d '\r')"
grep -q '^===VR-DONE' "$out/console.log" || fail "no results (qemu exit $qemu_rc)"

# extract NAME: the gzip+base64 block between its markers
extract() {
	tr -d '\r' < "$out/console.log" |
		awk -v n="$1" '$0 == "===VR-BEGIN " n { on = 1; next } $0 == "===VR-END " n { on = 0 } on' |
		base64 -d | gunzip > "$out/$1"
}
if [ "${LAB_BENCH:-0}" = 1 ]; then # make bench-lab: one result file (tests/lab/bench.sh)
	extract bench.txt
	exit 0
fi
if [ "${LAB_GUIDE:-0}" = 1 ]; then # make lab-guide: the transcript of the guide's commands
	extract guide.txt
	grep -q '^===VR-BEGIN vgic-report.tar.gz' "$out/console.log" && extract vgic-report.tar.gz
	exit 0
fi
if [ -n "$linux" ]; then
	exec "$here/linux-collect.sh" "$out" "$gic" "$mode" "$vcpus" "$scenario" "$t0" "$t1"
fi
extract trace.txt
extract vmm.log
extract dmesg.txt 2>/dev/null || true
grep -qE 'WARNING|BUG' "$out/dmesg.txt" 2>/dev/null &&
	echo "lab: the kernel warned, see $out/dmesg.txt: $(grep -m1 -E 'WARNING|BUG' "$out/dmesg.txt")" >&2
extract truth.csv || true
if [ "$record" = top ]; then
	extract top.log || true
	extract top.txt || fail "top printed nothing: $(cat "$out/top.log" 2>/dev/null)"
elif [ "$record" != 0 ]; then
	extract record.log || true
	extract record.db || fail "the collector wrote no trace: $(cat "$out/record.log" 2>/dev/null)"
	grep -q '^===VR-BEGIN record-1.db' "$out/console.log" && extract record-1.db
	grep -q '^===VR-BEGIN watch.tar' "$out/console.log" && extract watch.tar
fi
if grep -q '^===VR-BEGIN trace.dat' "$out/console.log"; then
	extract trace.dat
else
	echo "lab: no trace.dat: $(tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-NOTE //p')" >&2
fi
run=$(tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-RUN //p')
kernel=$(tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-KERNEL //p')
vmm_rc=$(echo "$run" | sed -n 's/.*rc=\([0-9]*\).*/\1/p')
boot_s=$(echo "$run" | sed -n 's/.*start=\([0-9.]*\).*/\1/p')
end_s=$(echo "$run" | sed -n 's/.*end=\([0-9.]*\).*/\1/p')

{
	echo "kernel_release=$kernel"
	echo "gic_version=$gic"
	echo "mode=$mode"
	echo "vcpus=$vcpus"
	echo "scenario=$scenario"
	echo "count=$count"
	echo "seed=$seed"
	echo "qemu_version=$(qemu-system-aarch64 --version | head -1)"
	echo "boot_seconds=$boot_s"
	echo "run_seconds=$(echo "$end_s $boot_s" | awk '{ printf "%.2f", $1 - $2 }')"
	echo "wall_seconds=$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }')"
	echo "vmm_exit=$vmm_rc"
	echo "trace_lines=$(grep -vc '^#' "$out/trace.txt")"
	echo "lost_events=$(grep -c 'LOST' "$out/trace.txt" || true)"
	for e in vgic_update_irq_pending kvm_irq_line kvm_entry kvm_exit kvm_vcpu_wakeup \
		kvm_wfx_arm64 kvm_timer_update_irq kvm_userspace_exit kvm_mmio flush sync post populate \
		deactivate sgi; do
		echo "events_$e=$(grep -c ": $e: " "$out/trace.txt" || true)"
	done
} > "$out/manifest.txt"
[ "$vmm_rc" = 0 ] || fail "the VMM failed (exit $vmm_rc): $(cat "$out/vmm.log")"
echo "lab: $scenario on $kernel (GICv$gic, $mode, $vcpus vCPU): $(grep -vc '^#' "$out/trace.txt") trace lines in $(sed -n 's/wall_seconds=//p' "$out/manifest.txt") s"
