# Sourced by tests/lab/init.sh (the emulated host's /init, L1) when the
# kernel command line has vr.linux=SCENARIO: instead of our VMM, Debian's
# qemu-system-aarch64 (tests/lab/fetch-qemu.sh) boots a Linux guest (L2:
# Debian's 6.12 Image with tests/lab/l2-init.sh as its /init) under KVM with
# the scenario's devices. Tracing covers the guest's workload window only:
# L1 waits for ===L2-READY on the guest's console, starts the ftrace capture
# (the kvm events and the vGIC probes init.sh set up, plus the ITS/irqfd
# kprobes in an instance of their own) and `vgic-replay record --pid` of
# QEMU, then writes "go" to the guest's console; at ===L2-STOP it stops
# them. Results go out as init.sh's ===VR-BEGIN/END blocks.
#
# Uses from init.sh: T, emit, fail, gic, vcpus; vr.secs= (10) is the
# length of the workload window.
/bin/busybox --install -s /bin 2>/dev/null # the applets init.sh's initramfs lacks
secs=10 other=0 progstats=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vr.secs=*) secs=${arg#vr.secs=} ;;
	vr.other=*) other=${arg#vr.other=} ;;
	vr.progstats=*) progstats=${arg#vr.progstats=} ;;
	esac
done
ip link set lo up
stamp() { echo "===VR-TIME $1 $(cut -d' ' -f1 /proc/uptime)"; }
stamp l1-init
echo 0 > $T/tracing_on
# The events init.sh enabled stay off until the window: an armed kprobe costs
# a trap per hit even with tracing off, which slowed the guest's boot.
# (one grep: a cat per event file took 40 s under TCG)
grep -l '^1' $T/events/*/*/enable > /tmp/enabled
while read -r f; do echo 0 > "$f"; done < /tmp/enabled
# 64 MB per CPU held a 10 s window of a Linux guest without overruns
echo "${LAB_LINUX_BUFFER_KB:-65536}" > $T/buffer_size_kb

# ITS and irqfd injections, which bypass kvm_vgic_inject_irq and have no
# tracepoint: kprobes, in a tracefs instance of their own (its.txt), so that
# trace.txt holds what the importer knows. struct kvm_msi: data at +8,
# flags +12, devid +16; struct kvm_kernel_irq_routing_entry (irqfd's routes):
# gsi +0, type +4, msi.data +24, msi.devid +32. Each probe is optional.
I=$T/instances/its
mkdir -p $I
its_probes='p:vrits/inject_msi vgic_its_inject_msi data=+8($arg2):u32 flags=+12($arg2):u32 devid=+16($arg2):u32
p:vrits/inject_cached vgic_its_inject_cached_translation data=+8($arg2):u32 devid=+16($arg2):u32
p:vrits/set_msi kvm_set_msi gsi=+0($arg1):u32 data=+24($arg1):u32 devid=+32($arg1):u32
p:vrits/irqfd_inject irqfd_inject
p:vrits/set_irq_inatomic kvm_arch_set_irq_inatomic gsi=+0($arg1):u32 type=+4($arg1):u32 data=+24($arg1):u32 devid=+32($arg1):u32'
echo "$its_probes" | while read -r line; do
	echo "$line" >> $T/kprobe_events 2>/dev/null || echo "===VR-NOTE kprobe rejected: $line"
done
echo "${LAB_LINUX_ITS_KB:-8192}" > $I/buffer_size_kb
echo 0 > $I/tracing_on

export LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu
Q=/usr/bin/qemu-system-aarch64
[ -x $Q ] || fail "no $Q in the initramfs"
[ -s /l2/Image ] && [ -s /l2/initrd.gz ] || fail "no L2 kernel or initramfs"

# The scenario's devices. Disk images are files in L1's tmpfs.
disk() { # disk NAME MB
	dd if=/dev/zero of=/tmp/$1.img bs=1M count=$2 2>/dev/null
}
blkdev="-object iothread,id=io0
-drive if=none,id=d0,file=/tmp/d0.img,format=raw
-device virtio-blk-pci,drive=d0,iothread=io0
-drive if=none,id=d1,file=/tmp/d1.img,format=raw
-device virtio-blk-device,drive=d1"
netdev="-netdev user,id=n0,hostfwd=tcp:127.0.0.1:8081-:80
-device virtio-net-pci,netdev=n0,romfile="
case $linux in
idle | ipi) devs="-nic none" ;;
blk) devs="$blkdev -nic none"; disk d0 16; disk d1 16 ;;
net) devs="$netdev" ;;
affinity | bench) devs="$blkdev $netdev"; disk d0 16; disk d1 16 ;;
*) fail "unknown Linux scenario $linux" ;;
esac
case $linux in
net | affinity | bench) # L1's side of the traffic: a blob the guest fetches (guest RX)
	mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/blob bs=64k count=32 2>/dev/null
	httpd -p 127.0.0.1:8080 -h /tmp/www ;;
esac

mkfifo /tmp/l2con.in /tmp/l2con.out
cat /tmp/l2con.out > /tmp/l2-console.log &
cat_pid=$!
append="console=ttyAMA0 panic=-1 quiet loglevel=3 l2.scenario=$linux l2.secs=$secs"
# shellcheck disable=SC2086
$Q -enable-kvm -M "virt,gic-version=$gic" -cpu host -smp "$vcpus" -m 256M \
	-display none -monitor none -no-reboot -chardev pipe,id=con,path=/tmp/l2con -serial chardev:con \
	-kernel /l2/Image -initrd /l2/initrd.gz -append "$append" $devs > /tmp/qemu.log 2>&1 &
qpid=$!
echo "===VR-QEMU $($Q --version | head -1) pid=$qpid"

l2wait() { # l2wait MARKER SECONDS: until the guest printed MARKER; 1 if not
	i=0
	while ! grep -q "^$1" /tmp/l2-console.log; do
		kill -0 $qpid 2>/dev/null || return 1
		[ $i -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
l2fail() {
	kill $qpid 2>/dev/null
	sleep 1
	emit l2-console.log /tmp/l2-console.log
	emit qemu.log /tmp/qemu.log
	dmesg > /tmp/dmesg.txt 2>/dev/null
	emit dmesg.txt /tmp/dmesg.txt
	fail "$*"
}
t0=$(cut -d' ' -f1 /proc/uptime)
l2wait '===L2-READY' 240 || l2fail "the Linux guest never got ready: $(tail -c 300 /tmp/qemu.log /tmp/l2-console.log | tr '\n' ' ')"
sleep 0.5 # the rest of the marker's line
echo "===VR-L2 $(grep -m1 '^===L2-READY' /tmp/l2-console.log | tr -d '\r')"

stamp l2-ready
# make bench-lab: the guest's throughput under each tracer (never returns)
[ "$linux" = bench ] && . /bin/lab-linux-bench.sh

# vr.other=1: a second VM beside QEMU's, our VMM's (tests/lab/vmm), making
# SPIs and timer interrupts all through the window: record --pid QEMU must
# keep none of its events (its pid is printed for the check).
if [ "$other" = 1 ]; then
	/bin/vmm spi-paced --vcpus 1 --count 1000000 --seed 1 --gic "$gic" > /tmp/other.log 2>&1 &
	other_pid=$!
	echo "===VR-OTHER-VMM pid=$other_pid"
fi

# The window: the collector on QEMU's process (it takes a while to load
# its programs), then the ftrace events and tracing on, then "go".
# vr.progstats=1 (LAB_PROG_STATS=1): each BPF program's runs and recursion misses in record.log
stats=
[ "$progstats" = 1 ] && stats=--prog-stats
/bin/vgic-replay record --gic "$gic" --pid "$qpid" $stats -o /tmp/record.db > /tmp/record.log 2>&1 &
rec_pid=$!
i=0
while ! grep -qE 'record: writing' /tmp/record.log && [ $i -lt 600 ]; do
	kill -0 $rec_pid 2>/dev/null || break
	sleep 0.1; i=$((i + 1))
done
stamp record-ready
echo > $T/trace
echo > $I/trace
while read -r f; do echo 1 > "$f"; done < /tmp/enabled
[ -d $T/events/vrits ] && echo 1 > $I/events/vrits/enable
start=$(cat /proc/uptime)
echo 1 > $T/tracing_on
echo 1 > $I/tracing_on
echo go > /tmp/l2con.in
l2wait '===L2-GO' 60 || l2fail "the guest did not start its workload"
# L1's own side of the net traffic while the window lasts: fetch the guest's blob (guest TX)
case $linux in
net | affinity)
	(while ! grep -q '^===L2-STOP' /tmp/l2-console.log; do
		wget -q -O /dev/null http://127.0.0.1:8081/blob 2>/dev/null || sleep 0.2
	done) &
	;;
esac
stamp l2-go
l2wait '===L2-STOP' $((secs + 120)) || l2fail "the guest's workload did not end"
echo 0 > $T/tracing_on
echo 0 > $I/tracing_on
end=$(cat /proc/uptime)
stamp l2-stop
while read -r f; do echo 0 > "$f"; done < /tmp/enabled
kill -INT $rec_pid 2>/dev/null
wait $rec_pid
echo "===VR-RECORD rc=$?"
[ "$other" = 1 ] && kill "$other_pid" 2>/dev/null
stamp record-stopped
l2wait '===L2-DONE' 60 || echo "===VR-NOTE no ===L2-DONE from the guest"
i=0
while kill -0 $qpid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill $qpid 2>/dev/null
wait $qpid
qrc=$?
sleep 0.2
kill $cat_pid 2>/dev/null
killall httpd 2>/dev/null

cat $T/trace > /tmp/trace.txt
cat $I/trace > /tmp/its.txt
LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu \
	/usr/bin/trace-cmd extract -o /tmp/trace.dat > /tmp/trace-cmd.log 2>&1 ||
	echo "===VR-NOTE trace-cmd extract failed: $(tail -1 /tmp/trace-cmd.log)"
for c in /sys/kernel/tracing/per_cpu/cpu*; do
	echo "${c##*/} $(grep -E 'overrun|dropped' $c/stats | tr '\n' ' ')"
done > /tmp/overruns.txt
echo "===VR-RUN rc=$qrc start=${start%% *} end=${end%% *} qemu_start=$t0 lines=$(wc -l < /tmp/trace.txt)"
dmesg > /tmp/dmesg.txt 2>/dev/null
grep -qE 'WARNING|BUG|Call trace' /tmp/dmesg.txt && echo "===VR-NOTE kernel warnings in dmesg"
stamp extracted
# The results: a tar stream on the virtio-serial port run.sh gives the
# emulated host (vr.results, a file on the outer host: much faster than the
# serial console), else gzip+base64 blocks on the console.
files="l2-console.log qemu.log dmesg.txt overruns.txt its.txt trace.txt trace.dat record.log record.db"
port=
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = vr.results ] && port=/dev/${p##*/}
done
emit l2-console.log /tmp/l2-console.log
if [ -n "$port" ] && [ -c "$port" ]; then
	have=
	for f in $files; do [ -f /tmp/$f ] && have="$have $f"; done
	# shellcheck disable=SC2086
	tar -c -C /tmp $have > "$port" && echo "===VR-RESULTS tar $have"
	sleep 1
else
	for f in $files; do # l2-console.log went first; empty files too (qemu.log)
		[ $f != l2-console.log ] && [ -f /tmp/$f ] && emit $f /tmp/$f
	done
fi
stamp emitted
echo "===VR-DONE"
sleep 1 # the console drains first (a run lost its last 20 bytes, ===VR-DONE among them)
poweroff -f
