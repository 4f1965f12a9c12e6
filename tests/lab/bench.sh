#!/bin/sh
# make bench-lab: boot one kernel once (tests/lab/run.sh with LAB_BENCH=1) and
# measure the VMM's interrupt injection rate (spi-burst, vmm --report-rate)
# untraced, with the collector, with the collector --no-snapshots, with its
# tracefs backend and with trace-cmd record of the same kvm tracepoints;
# LAB_BENCH_ROUNDS (3) interleaved rounds; print each tracer's median rate as
# a ratio to the untraced one.
# Usage: tests/lab/bench.sh KERNEL_IMAGE OUTDIR [gic [mode]]
set -eu
image=$1
out=$2
gic=${3:-3}
mode=${4:-vhe}
# 5 modes x rounds runs in one boot: more than run.sh's default time limit under load.
LAB_BENCH=1 LAB_COUNT=${LAB_COUNT:-2000} LAB_TIMEOUT=${LAB_TIMEOUT:-900} tests/lab/run.sh "$image" "$out" spi-burst 1 "$gic" "$mode" \
	> /dev/null || echo "bench-lab: the boot did not finish; the rounds it completed follow" >&2
# Each run's line, also from a boot cut short.
tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-BENCH //p' > "$out/bench.txt"
release=$(tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-KERNEL //p')
echo "bench-lab: $release, GICv$gic $mode, spi-burst x ${LAB_COUNT:-2000}, ${LAB_BENCH_ROUNDS:-3} rounds (injections/s; median):"
for m in none bpf bpf-nosnap tracefs trace-cmd; do
	sed -n "s/^mode=$m round=[0-9]* rate=\([0-9.]*\).*/\1/p" "$out/bench.txt" | sort -n |
		awk -v m="$m" '{ r[NR] = $1 } END { print m, r[int((NR + 1) / 2)], r[1], r[NR] }'
done | awk '$1 == "none" { base = $2 }
	{ printf "  %-11s %10.1f /s  (%.1f .. %.1f)  ratio %.3f\n", $1, $2, $3, $4, base ? $2 / base : 0 }'
