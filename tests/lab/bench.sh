#!/bin/sh
# make bench-lab: boot one kernel once (tests/lab/run.sh with LAB_BENCH=1) and
# measure the VMM's interrupt injection rate (spi-burst, vmm --report-rate)
# untraced, with the collector (streaming; --flight 16; --flight 16 --watch,
# the cost of the watcher next to the flight recorder alone), with the
# collector --no-snapshots, with its
# tracefs backend and with trace-cmd record of the same kvm tracepoints;
# LAB_BENCH_ROUNDS (3) interleaved rounds; print each tracer's median rate as
# a ratio to the untraced one, with the CPU time the tracer itself took while
# the workload ran (in that median round).
# LAB_BENCH_REF=FILE adds a mode bpf-ref: FILE (a static aarch64 vgic-replay,
# say an earlier commit's `make cross`) records the same rounds, so that a
# change to the collector is measured against its reference in one boot.
# Usage: tests/lab/bench.sh KERNEL_IMAGE OUTDIR [gic [mode]]
set -eu
image=$1
out=$2
gic=${3:-3}
mode=${4:-vhe}
modes="none bpf bpf-flight bpf-watch bpf-nosnap tracefs trace-cmd"
mkdir -p "$out"
if [ -n "${LAB_BENCH_REF:-}" ]; then
	# The reference binary travels in a second initramfs archive appended to the lab's.
	rm -rf "$out/ref" && mkdir -p "$out/ref/bin"
	cp "$LAB_BENCH_REF" "$out/ref/bin/vgic-replay-ref"
	(cd "$out/ref" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > ../ref.cpio.gz)
	cat "${LAB_INITRD:-build/lab/initrd.gz}" "$out/ref.cpio.gz" > "$out/initrd-ref.gz"
	export LAB_INITRD="$out/initrd-ref.gz"
	modes="none bpf bpf-ref bpf-flight bpf-watch bpf-nosnap tracefs trace-cmd"
fi
export LAB_BENCH_MODES=${LAB_BENCH_MODES:-$(echo $modes | tr ' ' ,)}
modes=$(echo "$LAB_BENCH_MODES" | tr , ' ')
# 5 modes x rounds runs in one boot: more than run.sh's default time limit under load.
LAB_BENCH=1 LAB_COUNT=${LAB_COUNT:-20000} LAB_TIMEOUT=${LAB_TIMEOUT:-900} tests/lab/run.sh "$image" "$out" spi-burst 1 "$gic" "$mode" \
	> /dev/null || echo "bench-lab: the boot did not finish; the rounds it completed follow" >&2
# Each run's line, also from a boot cut short.
tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-BENCH //p' > "$out/bench.txt"
release=$(tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-KERNEL //p')
echo "bench-lab: $release, GICv$gic $mode, spi-burst x ${LAB_COUNT:-20000}, ${LAB_BENCH_ROUNDS:-3} rounds (injections/s; median):"
for m in $modes; do
	sed -n "s/^mode=$m round=[0-9]* rate=\([0-9.]*\) tracer_ticks=\([0-9]*\).*/\1 \2/p" "$out/bench.txt" |
		sort -n | awk -v m="$m" '{ r[NR] = $1; t[NR] = $2 }
		END { if (NR) print m, r[int((NR + 1) / 2)], r[1], r[NR], t[int((NR + 1) / 2)] }'
done | awk '$1 == "none" { base = $2 }
	{ printf "  %-11s %10.1f /s  (%.1f .. %.1f)  ratio %.3f  tracer CPU %.2f s\n", $1, $2, $3, $4,
		base ? $2 / base : 0, $5 / 100 }'
echo "bench-lab: each BPF program's cost in one more collector run (--prog-stats; TCG-emulated ns):"
tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-PROGSTATS //p' | sed 's/^/  /'
