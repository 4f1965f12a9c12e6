#!/bin/sh
# make bench-lab, its Linux-guest half: boot one kernel once with a Linux
# guest under QEMU (tests/lab/linux.sh, vr.linux=bench; the rounds are
# tests/lab/linux-bench.sh) and print, per mode, the guest's own
# throughput (dd MB/s on virtio-blk-pci, KB/s and packets/s received over
# virtio-net-pci) and the host's CPU time (the emulated host's busy time,
# QEMU's, the tracer's) as the median of LAB_BENCH_ROUNDS (3) rounds (the
# mean of the middle two for an even number) and
# as ratios to the untraced run; then the recording's time to store
# after stop against the import rate of an ftrace capture of the same
# workload, and each BPF program's cost (--prog-stats).
# Usage: tests/lab/bench-linux.sh KERNEL_IMAGE OUTDIR [gic [mode]]
set -eu
image=$1
out=$2
gic=${3:-3}
mode=${4:-vhe}
mkdir -p "$out"
export LAB_BENCH_MODES=${LAB_BENCH_MODES:-none,trace-cmd,ftrace,record}
# LAB_BENCH_REPORT=1: only print the report of an earlier boot's console.log
[ "${LAB_BENCH_REPORT:-0}" = 1 ] ||
	LAB_BENCH=1 LAB_BENCH_ROUNDS=${LAB_BENCH_ROUNDS:-3} LAB_SECS=${LAB_SECS:-8} \
		LAB_TIMEOUT=${LAB_TIMEOUT:-1500} tests/lab/run.sh "$image" "$out" linux-bench 2 "$gic" "$mode" \
		> /dev/null || echo "bench-lab: the boot did not finish; the rounds it completed follow" >&2
tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-BENCH //p' > "$out/bench.txt"
release=$(tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-KERNEL //p')
echo "bench-lab: $release, GICv$gic $mode, Linux guest (2 vCPUs, virtio-blk-pci + virtio-net-pci)," \
	"${LAB_SECS:-8} s a round, ${LAB_BENCH_ROUNDS:-3} rounds (median; ratio to none):"
# field VALUE of a line "k=v k=v ..."
awk '
function val(k,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] + 0 } return 0 }
function median(list, n,   a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	if (!n) return 0
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	m = val("mode") ; sub(/^mode=/, "", $1); m = $1
	if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
	blk[m] = blk[m] " " val("blk_mbs"); net[m] = net[m] " " val("net_kbs")
	pps[m] = pps[m] " " val("net_rx_pps"); busy[m] = busy[m] " " val("busy_ticks") / val("secs")
	qemu[m] = qemu[m] " " val("qemu_ticks") / val("secs"); tr[m] = tr[m] " " val("tracer_ticks") / val("secs")
	if (val("events")) { ev[m] = ev[m] " " val("events"); st[m] = st[m] " " val("store_s"); sp[m] = sp[m] " " val("stop_s") }
	if (val("import_events")) { iev = iev " " val("import_events"); ims = ims " " val("import_s") }
}
END {
	b0 = median(blk["none"]); n0 = median(net["none"]); p0 = median(pps["none"])
	c0 = median(busy["none"]); q0 = median(qemu["none"])
	printf "  %-10s %9s %6s %9s %6s %8s %6s %9s %6s %9s %6s %8s\n", "mode", "blk MB/s", "ratio",
		"net KB/s", "ratio", "rx pkt/s", "ratio", "host CPU", "ratio", "QEMU CPU", "ratio", "tracer"
	for (i = 1; i <= nm; i++) {
		m = order[i]; b = median(blk[m]); n = median(net[m]); p = median(pps[m])
		c = median(busy[m]); q = median(qemu[m]); t = median(tr[m])
		printf "  %-10s %9.2f %6.3f %9.1f %6.3f %8.0f %6.3f %8.2f%% %6.3f %8.2f%% %6.3f %7.2f%%\n", m,
			b, b0 ? b / b0 : 0, n, n0 ? n / n0 : 0, p, p0 ? p / p0 : 0,
			c, c0 ? c / c0 : 0, q, q0 ? q / q0 : 0, t
	}
	printf "  (CPU: ticks a second of the run: 100%% is one CPU busy; host = the emulated host, all CPUs)\n"
	if (ev["record"] != "" && iev != "") {
		e = median(ev["record"]); s = median(st["record"]); ie = median(iev); is = median(ims)
		printf "  record, stored after the stop: %d events in %.2f s (%.0f events/s; SIGINT to exit %.2f s)\n",
			e, s, s ? e / s : 0, median(sp["record"])
		printf "  import of the ftrace capture:  %d events in %.2f s (%.0f events/s); store rate / import rate %.3f\n",
			ie, is, is ? ie / is : 0, (s && ie) ? (e / s) / (ie / is) : 0
	}
}' "$out/bench.txt"
echo "bench-lab: each BPF program's cost in one more recording (--prog-stats; TCG-emulated ns):"
tr -d '\r' < "$out/console.log" | sed -n 's/^===VR-PROGSTATS //p' | sed 's/^/  /'
