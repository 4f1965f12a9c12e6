#!/bin/sh
# The lab matrix: one line per run, "NAME KERNEL GIC MODE SCENARIO VCPUS COUNT".
# NAME is linux-KERNEL-gicvGIC-MODE-SCENARIO[-Nvcpu], the corpus directory.
# With LAB_LINUX_GUESTS=1 it also lists the Linux-guest runs
# (tests/lab/linux.sh; SCENARIO linux-*, COUNT the window in seconds), e.g.
# linux-6.12-gicv3-vhe-linux-blk-2vcpu.
#
# Usage: tests/lab/matrix.sh [PATTERN...]   (shell case patterns on NAME; default all)
#
# KERNEL is a series of LAB_KERNELS: 6.1, 6.12 and 7.2 are Debian's, 7.2-buggy and
# 7.2-fixed the lab's own build (make lab-kernel-buggy, tests/data/lab-buggy).
#
# Left out on purpose (see docs/lab.md): seed-trigger(-repend) and eoimode1-remote on
# 6.1 and 6.12, where the guest's EOI or remote DIR of an interrupt outside its
# vCPU's LRs is lost (before 6.19 KVM neither reads EOIcount nor traps DIR),
# so the interrupt stays active for ever and the run cannot complete.
set -eu
kernels=${LAB_KERNELS:-6.1 6.12 7.2}
patterns="$*"
set -f # the patterns are for case, not for the file system

emit() { # emit KERNEL GIC MODE SCENARIO VCPUS COUNT
	name=linux-$1-gicv$2-$3-$4
	[ "$5" -gt 1 ] && name=$name-$5vcpu
	for p in ${patterns:-*}; do
		case $name in
		$p) echo "$name $1 $2 $3 $4 $5 $6"; return ;;
		esac
	done
}

for k in $kernels; do
	for g in 3 2; do
		for m in vhe nvhe; do
			for s in spi-paced spi-burst eoimode1 spi-level timer nested wfi-wake; do
				emit "$k" "$g" "$m" "$s" 1 100
			done
		done
		for s in spi-paced spi-burst sgi retarget; do
			emit "$k" "$g" vhe "$s" 2 100
		done
		case $k in
		6.1 | 6.12) ;;
		*)	for m in vhe nvhe; do
				emit "$k" "$g" "$m" eoimode1-remote 2 100
			done ;;
		esac
	done
	case $k in
	6.1 | 6.12) ;;
	*)	for m in vhe nvhe; do
			emit "$k" 3 "$m" seed-trigger 1 50
			emit "$k" 3 "$m" seed-trigger-repend 1 50
			emit "$k" 3 "$m" eoimode1-remote-race 2 30
			# SPIs from the VMM's thread against vCPU 1's flushes:
			# active_spis and TDIR (6.19+), issue 19 item 4
			emit "$k" 3 "$m" tdir-race 2 100
			# vCPU 0's distributor writes against vCPU 1's flushes
			emit "$k" 3 "$m" dist-race 2 160
		done ;;
	esac
	# The guest EOIs out of order (EOImode 0): two SPIs stay active for
	# good, the guest's fault on any kernel (tests/data/lab-findings)
	for m in vhe nvhe; do
		emit "$k" 3 "$m" eoi-ooo 1 20
	done
	emit "$k" 3 vhe spi-paced 4 100
	emit "$k" 3 vhe sgi 4 100
	[ "${LAB_LINUX_GUESTS:-0}" = 1 ] || continue
	# Linux guests under QEMU: GICv3 (LPIs through the ITS) on VHE and nVHE,
	# GICv2 (GICv2m MSIs, trapped GICD_SGIR) for the device and IPI scenarios
	for m in vhe nvhe; do
		emit "$k" 3 "$m" linux-idle 1 10
		for s in linux-idle linux-blk linux-net linux-ipi linux-affinity; do
			emit "$k" 3 "$m" "$s" 2 10
		done
		emit "$k" 3 "$m" linux-ipi 4 10
		for s in linux-blk linux-ipi; do
			emit "$k" 2 "$m" "$s" 2 10
		done
	done
	emit "$k" 3 vhe linux-blk 4 10
	emit "$k" 2 vhe linux-net 2 10
	emit "$k" 2 vhe linux-affinity 2 10
done
