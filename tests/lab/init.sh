#!/bin/sh
# /init of the lab's initramfs, run by the emulated arm64 host: set up
# tracefs (the kvm events and the vGIC snapshot kprobes, with offsets from
# this kernel's BTF), run one scenario of our VMM, then print the results
# between marker lines on the console for tests/lab/run.sh to collect.
# The scenario comes from the kernel command line: vr.scenario=, vr.vcpus=,
# vr.count=, vr.seed=, vr.gic=.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing
mkdir -p /tmp && mount -t tmpfs tmp /tmp

scenario=spi-paced vcpus=1 count=100 seed=1 gic=3 record=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vr.scenario=*) scenario=${arg#vr.scenario=} ;;
	vr.vcpus=*) vcpus=${arg#vr.vcpus=} ;;
	vr.count=*) count=${arg#vr.count=} ;;
	vr.seed=*) seed=${arg#vr.seed=} ;;
	vr.gic=*) gic=${arg#vr.gic=} ;;
	vr.record=*) record=${arg#vr.record=} ;;
	vr.flightmb=*) flightmb=${arg#vr.flightmb=} ;;
	vr.bench=*) bench=${arg#vr.bench=} ;;
	vr.rounds=*) rounds=${arg#vr.rounds=} ;;
	vr.modes=*) modes=$(echo "${arg#vr.modes=}" | tr , ' ') ;;
	vr.guide=*) guide=${arg#vr.guide=} ;;
	vr.linux=*) linux=${arg#vr.linux=} ;;
	esac
done

emit() { # emit NAME FILE: gzip+base64 between markers
	echo "===VR-BEGIN $1"
	gzip -c "$2" | base64
	echo "===VR-END $1"
}
fail() {
	echo "===VR-FAIL $*"
	poweroff -f
}

T=/sys/kernel/tracing
[ -e /dev/kvm ] || fail "no /dev/kvm"
echo 0 > $T/tracing_on
echo 16384 > $T/buffer_size_kb
kvm_events="vgic_update_irq_pending kvm_irq_line kvm_set_irq kvm_ack_irq kvm_entry kvm_exit
	kvm_vcpu_wakeup kvm_wfx_arm64 kvm_timer_update_irq kvm_userspace_exit kvm_mmio"
for e in $kvm_events; do
	[ -d $T/events/kvm/$e ] && echo 1 > $T/events/kvm/$e/enable
done
/bin/vgic-replay probes --gic "$gic" --lrs 4 > /tmp/probes || fail "probes: $(cat /tmp/probes)"
while read -r line; do
	echo "$line" >> $T/kprobe_events || fail "kprobe_events rejected: $line"
done < /tmp/probes
/bin/vgic-replay probes --gic "$gic" --filters | while read -r e f; do
	echo "$f" > $T/events/vgic/$e/filter || fail "filter rejected: $e $f"; done
echo 1 > $T/events/vgic/enable
echo > $T/trace
echo "===VR-KERNEL $(uname -r)"
# vr.linux=SCENARIO: a Linux guest under Debian's QEMU instead of our VMM
# (tests/lab/linux.sh; the initramfs of make lab-linux-initrd).
[ -n "${linux:-}" ] && . /bin/lab-linux.sh
if [ "${bench:-0}" = 1 ]; then
	# make bench-lab: the workload's injection rate (vmm --report-rate) with nothing
	# traced, with the collector, the collector without snapshots, its tracefs backend,
	# and trace-cmd recording the same kvm tracepoints; vr.rounds rounds (3), modes interleaved;
	# vr.modes (comma-separated) picks some of them, or adds bpf-ref (a reference build).
	echo 0 > $T/events/enable
	tp=
	for e in $kvm_events; do [ -d $T/events/kvm/$e ] && tp="$tp -e kvm:$e"; done
	: > /tmp/bench.txt
	# The CPU time the tracer takes while the workload runs: user+system ticks
	# (100 a second) of its process and its child processes.
	tracer_ticks() {
		cat /proc/[0-9]*/stat 2>/dev/null |
			awk -v t=$tracer 't && ($1 == t || $4 == t) { s += $14 + $15 } END { print s + 0 }'
	}
	round=0
	while [ $round -lt "${rounds:-3}" ]; do
		round=$((round + 1))
		for m in ${modes:-none bpf bpf-flight bpf-watch bpf-nosnap tracefs trace-cmd}; do
			rm -f /tmp/b.db* /tmp/b.dat* /tmp/b.log /tmp/vgic-watch-*
			case $m in
			none) : > /tmp/b.log ;;
			bpf) /bin/vgic-replay record --gic "$gic" -o /tmp/b.db > /tmp/b.log 2>&1 & ;;
			bpf-nosnap) /bin/vgic-replay record --no-snapshots --gic "$gic" -o /tmp/b.db \
				> /tmp/b.log 2>&1 & ;;
			bpf-flight) /bin/vgic-replay record --flight 16 --gic "$gic" -o /tmp/b.db \
				> /tmp/b.log 2>&1 & ;;
			bpf-watch) # the same with the watcher checking every record (issue 21)
				/bin/vgic-replay record --flight 16 --watch --watch-dir /tmp --gic "$gic" \
					-o /tmp/b.db > /tmp/b.log 2>&1 & ;;
			bpf-ref) # a reference build of the collector (bench.sh LAB_BENCH_REF)
				/bin/vgic-replay-ref record --gic "$gic" -o /tmp/b.db > /tmp/b.log 2>&1 & ;;
			tracefs) /bin/vgic-replay record --backend tracefs --gic "$gic" -o /tmp/b.db \
				> /tmp/b.log 2>&1 & ;;
			trace-cmd) LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu \
				/usr/bin/trace-cmd record $tp -o /tmp/b.dat > /tmp/b.log 2>&1 & ;;
			esac
			tracer=$!
			[ $m = none ] && tracer=0
			i=0
			while [ $m != none ] && ! grep -qE 'record: (writing|flight recorder)|Hit Ctrl' /tmp/b.log &&
				[ $i -lt 200 ]; do
				sleep 0.1; i=$((i + 1))
			done
			t0=$(tracer_ticks)
			/bin/vmm spi-burst --count "$count" --seed "$seed" --gic "$gic" --report-rate 1 \
				> /tmp/vmm.log 2>&1
			t1=$(tracer_ticks)
			rate=$(sed -n 's/.*: \([0-9.]*\) injections\/s$/\1/p' /tmp/vmm.log)
			if [ $m != none ]; then kill -INT $tracer; wait $tracer; fi
			ticks=$((t1 - t0))
			line="mode=$m round=$round rate=${rate:-0} tracer_ticks=$ticks $(grep -E 'events|dropped|lost|CPU' /tmp/b.log | tail -1)"
			echo "$line" >> /tmp/bench.txt
			echo "===VR-BENCH $line" # on the console as it comes, should the boot time out
		done
	done
	# The cost of each BPF program (run_cnt, run_time_ns with BPF statistics on),
	# from one more collector run, kept apart: the statistics cost two clock reads a run.
	/bin/vgic-replay record --prog-stats --gic "$gic" -o /tmp/b.db > /tmp/b.log 2>&1 &
	tracer=$!
	i=0
	while ! grep -q 'record: writing' /tmp/b.log && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	/bin/vmm spi-burst --count "$count" --seed "$seed" --gic "$gic" > /tmp/vmm.log 2>&1
	kill -INT $tracer; wait $tracer
	sed -n '/per-program cost/,$p' /tmp/b.log | sed 's/^/===VR-PROGSTATS /'
	rm -f /tmp/b.db*
	emit bench.txt /tmp/bench.txt
	echo "===VR-DONE"
	poweroff -f
fi
if [ "${guide:-0}" = 1 ]; then
	# make lab-guide: run docs/guide-operators.md's commands (/guide.sh, made by
	# tests/guide/extract.awk, in a second initramfs archive) as an operator
	# would, while the VMM, under the name operators look for, makes traffic.
	echo 0 > $T/events/enable
	[ -f /guide.sh ] || fail "no /guide.sh in the initramfs"
	cp /bin/vmm /bin/qemu-system-aarch64
	# The guide needs a VMM by that name for its whole length: one that ends
	# (its count done, or a kernel warning taking it down, seen once in
	# make test) is started again, and each end is logged.
	(while :; do
		/bin/qemu-system-aarch64 "$scenario" --vcpus "$vcpus" --count 1000000 --seed "$seed" \
			--gic "$gic" >> /tmp/vmm.log 2>&1
		echo "vmm exited with $?; started again" >> /tmp/vmm.log
	done) &
	vmm_pid=$!
	mkdir -p /root && cd /root
	sh /guide.sh > /tmp/guide.txt 2>&1
	cd /
	kill $vmm_pid 2>/dev/null
	killall qemu-system-aarch64 2>/dev/null || true
	emit guide.txt /tmp/guide.txt
	# the bug report the guide made, to look at when a step differs
	[ -f /root/vgic-report.tar.gz ] && emit vgic-report.tar.gz /root/vgic-report.tar.gz
	echo "===VR-DONE"
	poweroff -f
fi
start=$(cat /proc/uptime)
echo 1 > $T/tracing_on
# vr.record=1: the BPF collector records the same run, next to ftrace;
# stats: the same with per-program BPF statistics;
# flight: flight-recorder mode (SIGUSR1 after the run, then stop);
# tracefs: the collector's tracefs backend (its own instance buffer);
# kill9: the collector killed with SIGKILL half a second after the run (two
# spool flushes), then `record --finish` stores what its spool kept;
# watch: flight-recorder mode with --watch (issue 21): its dumps come back
# in watch.tar, its log (findings, --prog-stats) in record.log.
# top: `vgic-replay top -b` live over the run instead (make lab-top).
# plant: the BPF collector with 3 recursion misses planted by the test knob
# VR_TEST_PLANT_MISS (make lab-plant, tests/lab/verify-plant.sh).
case "$record" in
top) ;;
1 | kill9) ropts= ;;
plant) ropts=; export VR_TEST_PLANT_MISS=3 ;;
stats) ropts=--prog-stats ;;
flight) ropts="--flight ${flightmb:-1}" ;;
tracefs) ropts="--backend tracefs" ;;
watch) mkdir -p /tmp/watch
	ropts="--flight ${flightmb:-1} --watch --watch-dir /tmp/watch --watch-after 1 --prog-stats" ;;
*) record=0 ;;
esac
if [ "$record" = top ]; then
	/bin/vgic-replay top -b -c -d 0.5 --gic "$gic" > /tmp/top.txt 2> /tmp/top.log &
	rec_pid=$!
	i=0
	while ! grep -q '^vgic-replay top' /tmp/top.txt && [ $i -lt 300 ]; do
		kill -0 $rec_pid 2>/dev/null || break
		sleep 0.1; i=$((i + 1))
	done
elif [ "$record" != 0 ]; then
	/bin/vgic-replay record $ropts --gic "$gic" -o /tmp/record.db > /tmp/record.log 2>&1 &
	rec_pid=$!
	i=0
	while ! grep -qE 'record: (writing|flight recorder)' /tmp/record.log && [ $i -lt 100 ]; do
		kill -0 $rec_pid 2>/dev/null || break
		sleep 0.1; i=$((i + 1))
	done
fi
/bin/vmm "$scenario" --vcpus "$vcpus" --count "$count" --seed "$seed" --gic "$gic" --truth /tmp/truth.csv \
	> /tmp/vmm.log 2>&1
rc=$?
if [ "$record" = flight ]; then
	kill -USR1 $rec_pid 2>/dev/null
	i=0
	while ! grep -q 'flight window' /tmp/record.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
fi
if [ "$record" = top ]; then
	sleep 1.5 # the run's last records into an interval printed
	kill -INT $rec_pid 2>/dev/null
	wait $rec_pid
	echo "===VR-TOP rc=$?"
elif [ "$record" = kill9 ]; then
	sleep 0.5
	kill -KILL $rec_pid 2>/dev/null
	wait $rec_pid
	echo "===VR-RECORD killed rc=$?"
	/bin/vgic-replay record --finish /tmp/record.db >> /tmp/record.log 2>&1
	echo "===VR-RECORD rc=$?"
elif [ "$record" != 0 ]; then
	kill -INT $rec_pid 2>/dev/null
	wait $rec_pid
	echo "===VR-RECORD rc=$?"
fi
echo 0 > $T/tracing_on
end=$(cat /proc/uptime)
cat $T/trace > /tmp/trace.txt
# The same buffer as a trace-cmd trace.dat (extract consumes it, so it comes last).
LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu \
	/usr/bin/trace-cmd extract -o /tmp/trace.dat > /tmp/trace-cmd.log 2>&1 ||
	echo "===VR-NOTE trace-cmd extract failed: $(tail -1 /tmp/trace-cmd.log)"
echo "===VR-RUN rc=$rc start=${start%% *} end=${end%% *} lines=$(wc -l < /tmp/trace.txt)"
emit vmm.log /tmp/vmm.log
# Kernel warnings (a KVM_BUG_ON marks the VM dead: KVM_RUN then fails with EIO).
dmesg > /tmp/dmesg.txt 2>/dev/null
grep -qE 'WARNING|BUG|Call trace' /tmp/dmesg.txt && echo "===VR-NOTE kernel warnings in dmesg"
emit dmesg.txt /tmp/dmesg.txt
[ -f /tmp/truth.csv ] && emit truth.csv /tmp/truth.csv
emit trace.txt /tmp/trace.txt
[ -s /tmp/trace.dat ] && emit trace.dat /tmp/trace.dat
[ -f /tmp/record.log ] && emit record.log /tmp/record.log
[ -f /tmp/top.txt ] && emit top.txt /tmp/top.txt
[ -f /tmp/top.log ] && emit top.log /tmp/top.log
[ -s /tmp/record.db ] && emit record.db /tmp/record.db
[ -s /tmp/record-1.db ] && emit record-1.db /tmp/record-1.db
if [ "$record" = watch ]; then
	tar -C /tmp -cf /tmp/watch.tar watch
	emit watch.tar /tmp/watch.tar
fi
echo "===VR-DONE"
poweroff -f
