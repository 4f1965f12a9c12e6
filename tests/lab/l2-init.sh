#!/bin/busybox sh
# /init of the lab's Linux guest (L2): Debian's 6.12 arm64 kernel booted by
# Debian's qemu-system-aarch64 under KVM inside the emulated host (L1, see
# tests/lab/linux.sh). It loads the virtio modules, prints ===L2-READY on
# its console, waits for L1 to write "go" on that console (L1 starts
# tracing first), snapshots its interrupt counts, prints ===L2-GO, runs the
# scenario's workload for l2.secs seconds, snapshots again, prints
# ===L2-STOP, then dumps the snapshots between ===L2-BEGIN NAME /
# ===L2-END NAME lines and powers off.
#
# Kernel command line: l2.scenario=idle|blk|net|ipi|affinity|bench l2.secs=10
#
# l2.scenario=bench (make bench-lab, tests/lab/linux-bench.sh): after
# ===L2-READY, each line "run NAME" L1 writes runs the bench workload for
# l2.secs seconds and prints "===L2-BENCH NAME blk_mbs=.. net_kbs=..
# net_rx_pps=.. net_tx_pps=.."; "quit" powers off.
#
# Snapshots (irqs-before.txt, irqs-after.txt): one line per
# /sys/kernel/irq/N: "N|hwirq|chip_name|per_cpu_count|actions" (the counts
# are Linux's kstat_irqs per CPU, comma-separated; /proc/interrupts is
# dumped beside them for people). hwirq.txt maps
# each Linux IRQ allocated after boot (the MSIs of the virtio-pci devices)
# to its GIC INTID: a kprobe on irq_domain_set_hwirq_and_chip records
# (virq, hwirq, chip) at every level of the IRQ domain hierarchy while the
# modules load; the level whose chip is the GIC (GICv3, GIC), the ITS or
# GICv2m holds the INTID (LPI or SPI).
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmp /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

scenario=idle secs=10
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	l2.scenario=*) scenario=${arg#l2.scenario=} ;;
	l2.secs=*) secs=${arg#l2.secs=} ;;
	esac
done
ncpu=$(grep -c '^processor' /proc/cpuinfo)
note() { echo "===L2-NOTE $*"; }

T=/sys/kernel/tracing
if [ -d $T ] && echo 'p:l2/hwirq irq_domain_set_hwirq_and_chip virq=$arg2:u32 hwirq=$arg3:u64 chip=+0(+0($arg4)):string' \
	>> $T/kprobe_events 2>/dev/null; then
	echo 1 > $T/events/l2/hwirq/enable
	echo 1 > $T/tracing_on
else
	note "no kprobe on irq_domain_set_hwirq_and_chip: MSI INTIDs unknown"
fi
for m in failover net_failover virtio_net virtio_mmio virtio_blk; do
	[ -f /lib/modules/$m.ko ] && { insmod /lib/modules/$m.ko || note "insmod $m failed"; }
done
sleep 1 # the devices probe
if [ -d $T/events/l2 ]; then
	echo 0 > $T/tracing_on
	# "virq hwirq chip" per domain level
	sed -n 's/.* hwirq: .*virq=\([0-9]*\) hwirq=\([0-9x]*\) chip="\([^"]*\)".*/\1 \2 \3/p' $T/trace > /tmp/hwirq.txt
	echo 0 > $T/events/l2/hwirq/enable
	echo '-:l2/hwirq' >> $T/kprobe_events
fi

counts() { # counts NAME: per-CPU counts of every Linux IRQ, as fast as it goes
	# (shell builtins only: a fork per file took 10 s here), between
	# ===L2-COUNT and a line of dots: one before each IRQ's reading and one
	# after the last, each a kvm_mmio event in the host's trace, so that
	# tests/lab/linux-accounting.sh knows when each count was read. The
	# console drains first: PL011's driver writes a character from write()
	# only when nothing is queued before it (else from its TX interrupt,
	# later), and a dot must reach the PL011 before the reading after it.
	echo "===L2-COUNT"
	sleep 1
	exec 3> /tmp/counts-$1
	echo -n .
	for d in /sys/kernel/irq/*; do
		read -r cnt < $d/per_cpu_count
		echo "${d##*/}|$cnt" >&3
		echo -n .
	done
	exec 3>&-
	echo
}
snap() { # snap NAME: the counts with each IRQ's hwirq, chip and actions; /proc/interrupts
	while IFS='|' read -r n cnt; do
		d=/sys/kernel/irq/$n
		read -r hw < $d/hwirq
		read -r chip < $d/chip_name
		act=
		read -r act < $d/actions 2>/dev/null
		echo "$n|$hw|$chip|$cnt|$act"
	done < /tmp/counts-$1 > /tmp/irqs-$1.txt
	cat /proc/interrupts > /tmp/interrupts-$1.txt
}

disks() { # the virtio disks: "vda vdb ..."
	for b in /sys/block/vd*; do [ -e "$b" ] && echo "${b##*/}"; done
}
net_up() {
	ip link set lo up
	ip link set eth0 up || { note "no eth0"; return 1; }
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
	mkdir -p /www && dd if=/dev/urandom of=/www/blob bs=64k count=32 2>/dev/null
	httpd -p 80 -h /www # L1 fetches it through QEMU's hostfwd (guest TX)
}
deadline() { echo $(($(cut -d. -f1 /proc/uptime) + secs)); }
until_end() { [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; }

# Workloads: each runs until $end, in the background; $pids collects them.
wl_blk() { # dd on every virtio disk in turn, direct I/O, reads and writes
	while until_end; do
		for d in $(disks); do
			dd if=/dev/$d of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null ||
				{ echo 1 > /proc/sys/vm/drop_caches; dd if=/dev/$d of=/dev/null bs=64k count=64 2>/dev/null; }
			dd if=/dev/zero of=/dev/$d bs=64k count=16 seek=128 oflag=direct 2>/dev/null ||
				dd if=/dev/zero of=/dev/$d bs=64k count=16 seek=128 conv=fsync 2>/dev/null
		done
	done
}
wl_net() { # fetch L1's blob through QEMU's user network (guest RX)
	while until_end; do
		wget -q -O /dev/null http://10.0.2.2:8080/blob 2>/dev/null || sleep 0.2
	done
}
wl_ipi() { # CPU hogs (niced) and sleepers that wake each other across CPUs
	i=0
	while [ $i -lt $ncpu ]; do
		taskset $(printf %x $((1 << i))) nice -n 10 sh -c 'while :; do :; done' &
		pids="$pids $!"
		taskset $(printf %x $((1 << i))) sh -c "while [ \$(cut -d. -f1 /proc/uptime) -lt $end ]; do sleep 0.01; done" &
		pids="$pids $!"
		i=$((i + 1))
	done
	# a pipe between CPU 0 and the last CPU: every read and write wakes the other side
	taskset 1 sh -c "while [ \$(cut -d. -f1 /proc/uptime) -lt $end ]; do echo x; sleep 0.002; done" |
		taskset $(printf %x $((1 << (ncpu - 1)))) sh -c 'while read -r l; do :; done' &
	pids="$pids $!"
	while until_end; do sleep 1; done
	kill $pids 2>/dev/null
}
hexmask() { # hexmask CPU: $mask, CPU's bit in hex as smp_affinity takes it, with no fork
	mask=$((1 << ($1 % 4)))
	z=$(($1 / 4))
	while [ $z -gt 0 ]; do mask=${mask}0; z=$((z - 1)); done
}
wl_affinity() { # device interrupts keep firing while their affinity moves between vCPUs
	wl_blk &
	pids="$pids $!"
	wl_net &
	pids="$pids $!"
	# Each round aims IRQ i of $virtio_irqs (listed before the window) at vCPU
	# (round + i) mod ncpu, so every IRQ moves every round. At least two rounds
	# however slow the guest is: under nested TCG starting the two workloads
	# above took longer than the window once, and no IRQ moved.
	moved=0 refused=0 round=0
	while [ $round -lt 2 ] || until_end; do
		i=0
		for n in $virtio_irqs; do
			hexmask $(((round + i) % ncpu))
			if echo $mask > /proc/irq/$n/smp_affinity 2>/dev/null; then
				moved=$((moved + 1))
			else
				refused=$((refused + 1))
			fi
			i=$((i + 1))
		done
		round=$((round + 1))
		sleep 0.2
	done
	echo "moved=$moved refused=$refused rounds=$round" > /tmp/affinity.txt
}

# The bench workload: dd on the virtio-blk-pci disk (vda) and fetches of
# L1's blob over virtio-net, side by side until $end; prints their rates.
now_cs() { # uptime in centiseconds
	read -r up _ < /proc/uptime
	echo "${up%.*}${up#*.}"
}
wl_bench() {
	st=/sys/class/net/eth0/statistics
	read -r rxb0 < $st/rx_bytes; read -r rxp0 < $st/rx_packets; read -r txp0 < $st/tx_packets
	t0=$(now_cs)
	end=$(deadline)
	(n=0
	while until_end; do
		dd if=/dev/vda of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null &&
			dd if=/dev/zero of=/dev/vda bs=64k count=16 seek=128 oflag=direct 2>/dev/null &&
			n=$((n + 1))
	done
	echo $n > /tmp/blk-n) &
	wl_net
	wait
	t1=$(now_cs)
	read -r rxb1 < $st/rx_bytes; read -r rxp1 < $st/rx_packets; read -r txp1 < $st/tx_packets
	read -r n < /tmp/blk-n
	# each round of dd moves 4 MiB in and 1 MiB out
	awk -v n="$n" -v cs=$((t1 - t0)) -v rxb=$((rxb1 - rxb0)) -v rxp=$((rxp1 - rxp0)) \
		-v txp=$((txp1 - txp0)) 'BEGIN { s = cs / 100; printf "blk_mbs=%.2f net_kbs=%.1f net_rx_pps=%.0f net_tx_pps=%.0f secs=%.2f\n",
		n * 5 / s, rxb / 1024 / s, rxp / s, txp / s, s }'
}

case $scenario in
blk | affinity | bench)
	[ -n "$(disks)" ] || note "no virtio disks" ;;
esac
case $scenario in
net | affinity | bench) net_up ;;
esac
# the virtio IRQs linux-affinity moves (blk, net and mmio), read before the window
virtio_irqs=$(awk '/virtio/ { sub(":", "", $1); print $1 }' /proc/interrupts)
if [ "$scenario" = bench ]; then
	echo "===L2-READY $(uname -r) cpus=$ncpu scenario=$scenario secs=$secs disks=$(disks | tr '\n' ,) uptime=$(cut -d' ' -f1 /proc/uptime)"
	while read -r cmd name; do
		case $cmd in
		run) echo "===L2-BENCH $name $(wl_bench)" ;;
		quit) break ;;
		esac
	done
	echo "===L2-DONE"
	poweroff -f
fi

echo "===L2-READY $(uname -r) cpus=$ncpu scenario=$scenario secs=$secs disks=$(disks | tr '\n' ,) uptime=$(cut -d' ' -f1 /proc/uptime)"
read -r go
counts before
echo "===L2-GO"
snap before
end=$(deadline)
pids=
case $scenario in
idle) sleep "$secs" ;;
blk) wl_blk ;;
net) wl_net ;;
ipi) wl_ipi ;;
affinity) wl_affinity ;;
*) note "unknown scenario $scenario"; sleep "$secs" ;;
esac
wait
counts after
echo "===L2-STOP"
snap after
for f in irqs-before.txt irqs-after.txt interrupts-before.txt interrupts-after.txt hwirq.txt affinity.txt; do
	[ -f /tmp/$f ] || continue
	echo "===L2-BEGIN $f"
	cat /tmp/$f
	echo "===L2-END $f"
done
echo "===L2-DONE"
poweroff -f
