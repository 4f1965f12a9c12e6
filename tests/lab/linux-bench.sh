# Sourced by tests/lab/linux.sh for vr.linux=bench (make bench-lab,
# tests/lab/bench-linux.sh): the Linux guest's own throughput under each
# tracer, in one boot. The guest (l2-init.sh, l2.scenario=bench) runs its
# workload, dd on virtio-blk-pci beside fetches over virtio-net-pci, for
# vr.secs seconds at each "run" we write on its console; around it we
# count the CPU time of QEMU, of the tracer and of the whole emulated host
# (/proc/stat). Modes (vr.modes, comma-separated), vr.rounds rounds (2),
# interleaved:
#   none       nothing traced;
#   trace-cmd  trace-cmd record of the kvm tracepoints alone;
#   ftrace     the top-level buffer with the kvm events and the vGIC
#              snapshot probes (what linux.sh captures); afterwards its text
#              is imported (vgic-replay import), timed: the import rate;
#   record     vgic-replay record --pid QEMU (BPF, snapshots, AP lists);
#              the time to store is what it prints ("stored in S s after
#              the stop"), the time from SIGINT to its exit beside it.
# One line per round: ===VR-BENCH mode=.. round=.. blk_mbs=.. net_kbs=..
# net_rx_pps=.. net_tx_pps=.. secs=.. qemu_ticks=.. tracer_ticks=..
# busy_ticks=.. events=.. store_s=.. (what record says the store took)
# stop_s=.. (SIGINT to exit) import_events=.. import_s=..; then one
# more record run with --prog-stats (===VR-PROGSTATS lines), bench.txt
# emitted, power off. Uses from linux.sh: T, qpid, gic, l2wait, l2fail, emit.
bench_modes=${modes:-none trace-cmd ftrace record}
tp=
for e in $kvm_events; do [ -d $T/events/kvm/$e ] && tp="$tp -e kvm:$e"; done
# CPU ticks (100 a second): a process and its children (pid $1), or the host's busy time
proc_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v t="$1" 't && ($1 == t || $4 == t) { s += $14 + $15 } END { print s + 0 }'
}
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
now() { cut -d' ' -f1 /proc/uptime; }
# Wait until the tracer's log says it runs (10 s at most).
tracer_ready() {
	i=0
	while ! grep -qE 'record: writing|Hit Ctrl' /tmp/b.log && [ $i -lt 100 ]; do
		kill -0 $tracer 2>/dev/null || break
		sleep 0.1; i=$((i + 1))
	done
}
# Have the guest run its workload once as NAME and wait for its line.
guest_run() {
	n=$(grep -c '^===L2-BENCH' /tmp/l2-console.log)
	echo "run $1" > /tmp/l2con.in
	i=0
	while [ "$(grep -c '^===L2-BENCH' /tmp/l2-console.log)" -le "$n" ]; do
		kill -0 $qpid 2>/dev/null || l2fail "the guest died in bench run $1"
		[ $i -ge $(((secs + 120) * 10)) ] && l2fail "bench run $1 did not end"
		sleep 0.1; i=$((i + 1))
	done
}
# One run of the guest's workload under mode $1, round $2.
bench_round() {
	m=$1 r=$2
	rm -f /tmp/b.db* /tmp/b.dat* /tmp/b.txt /tmp/b-imp.db* /tmp/b.log
	: > /tmp/b.log
	tracer=0
	case $m in
	trace-cmd) # shellcheck disable=SC2086
		/usr/bin/trace-cmd record $tp -o /tmp/b.dat > /tmp/b.log 2>&1 &
		tracer=$! ;;
	record) /bin/vgic-replay record --gic "$gic" --pid "$qpid" -o /tmp/b.db > /tmp/b.log 2>&1 &
		tracer=$! ;;
	ftrace)
		echo > $T/trace
		while read -r f; do echo 1 > "$f"; done < /tmp/enabled
		echo 1 > $T/tracing_on ;;
	esac
	[ $tracer != 0 ] && tracer_ready
	q0=$(proc_ticks $qpid) t0=$(proc_ticks $tracer) b0=$(busy_ticks)
	guest_run "$m-$r"
	q1=$(proc_ticks $qpid) t1=$(proc_ticks $tracer) b1=$(busy_ticks)
	rates=$(grep '^===L2-BENCH' /tmp/l2-console.log | tail -1 | tr -d '\r' | cut -d' ' -f3-)
	events= store= stop= ievents= import=
	case $m in
	trace-cmd | record)
		s0=$(now)
		kill -INT $tracer; wait $tracer
		stop=$(awk -v a="$s0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
		if [ $m = record ]; then
			events=$(sed -n 's/.*: \([0-9]*\) events (.*/\1/p' /tmp/b.log | tail -1)
			store=$(sed -n 's/.* stored in \([0-9.]*\) s after the stop.*/\1/p' /tmp/b.log | tail -1)
		fi ;;
	ftrace)
		echo 0 > $T/tracing_on
		while read -r f; do echo 0 > "$f"; done < /tmp/enabled
		cat $T/trace > /tmp/b.txt
		echo > $T/trace
		s0=$(now)
		/bin/vgic-replay import /tmp/b.txt -o /tmp/b-imp.db > /tmp/b-imp.log 2>&1
		import=$(awk -v a="$s0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
		ievents=$(sed -n 's/.*: \([0-9]*\) events (.*/\1/p' /tmp/b-imp.log | tail -1) ;;
	esac
	line="mode=$m round=$r $rates qemu_ticks=$((q1 - q0)) tracer_ticks=$((t1 - t0))"
	line="$line busy_ticks=$((b1 - b0)) events=${events:-0} store_s=${store:-0} stop_s=${stop:-0}"
	line="$line import_events=${ievents:-0} import_s=${import:-0}"
	echo "$line" >> /tmp/bench.txt
	echo "===VR-BENCH $line"
}
: > /tmp/bench.txt
# One untimed run first: the guest's first dd and fetches after its boot are slower.
guest_run warm-up
round=0
while [ $round -lt "${rounds:-2}" ]; do
	round=$((round + 1))
	for m in $bench_modes; do bench_round $m $round; done
done
# Each BPF program's cost (run_cnt, run_time_ns) in one more recording, apart:
# the statistics cost two clock reads a run.
rm -f /tmp/b.db*
/bin/vgic-replay record --prog-stats --gic "$gic" --pid "$qpid" -o /tmp/b.db > /tmp/b.log 2>&1 &
tracer=$!
tracer_ready
guest_run stats
kill -INT $tracer; wait $tracer
sed -n '/per-program cost/,$p' /tmp/b.log | sed 's/^/===VR-PROGSTATS /'
echo quit > /tmp/l2con.in
sleep 1
kill $qpid 2>/dev/null
emit bench.txt /tmp/bench.txt
echo "===VR-DONE"
sleep 1
poweroff -f
