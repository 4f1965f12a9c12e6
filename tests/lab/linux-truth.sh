#!/bin/sh
# The ground truth of a Linux-guest run (tests/lab/linux.sh): from the
# guest's own snapshots of its interrupt counts before and after the
# workload window (tests/lab/l2-init.sh, between ===L2-BEGIN/END lines on
# its console), how many interrupts each vCPU handled per GIC INTID.
#
# Usage: tests/lab/linux-truth.sh L2_CONSOLE_LOG > truth.csv
#
# truth.csv: vcpu,intid,handled,linux_irq,chip,name
#   vcpu       the guest CPU (= the vCPU index: QEMU's virt machine numbers
#              the CPUs in MPIDR order and Linux boots on vCPU 0)
#   intid      the GIC INTID: SGIs 0-15 (Linux's IPIs: IPI n is SGI n),
#              PPIs 16-31 (27 the virtual timer), SPIs 32-1019 (virtio-mmio,
#              the PL011, GICv2m's MSIs), LPIs 8192+ (ITS MSIs); empty when
#              the guest's data do not say (then see linux_irq and chip)
#   handled    after minus before of Linux's per-CPU count of the IRQ
#              (/sys/kernel/irq/N/per_cpu_count, kstat_irqs): the
#              interrupts that CPU acknowledged and handled in the window
#   linux_irq  the guest's Linux IRQ number N
#   chip       /sys/kernel/irq/N/chip_name (GICv3, ITS-PCI-MSIX-...,
#              GICv2m-PCI-MSIX-...); GIC where it is empty: GICv2's driver
#              (irq-gic.c) names itself through irq_print_chip only, which
#              /proc/interrupts shows as GIC-0
#   name       /sys/kernel/irq/N/actions (the handler's name)
# Only rows with handled > 0; sorted by vcpu, intid.
#
# The INTID of an IRQ whose chip is the GIC is its hwirq; for MSIs (chip
# ITS-PCI-MSI* / GICv2m-PCI-MSI*) it is the hwirq of the ITS or GICv2m
# level, which l2-init.sh recorded in hwirq.txt ("virq hwirq chip" per
# domain level) while the virtio modules loaded.
set -eu
log=$1
# block NAME: the lines between its markers. The guest's kernel may print
# into them under nested TCG (a run on 6.1 had "[  179.37] watchdog: ..."
# appended to the END marker's line): the END marker is matched as a
# prefix, and kernel messages on lines of their own are dropped.
block() {
	tr -d '\r' < "$log" | awk -v n="$1" '$0 == "===L2-BEGIN " n { on = 1; next }
		index($0, "===L2-END " n) == 1 { on = 0 } on && !/^\[ *[0-9]+\.[0-9]+\] /'
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
block irqs-before.txt > "$tmp/before"
block irqs-after.txt > "$tmp/after"
block hwirq.txt > "$tmp/hwirq"
[ -s "$tmp/before" ] && [ -s "$tmp/after" ] || { echo "linux-truth: no snapshots in $log" >&2; exit 1; }
echo "vcpu,intid,handled,linux_irq,chip,name"
awk -F'|' '
FILENAME == ARGV[1] {   # hwirq.txt: virq hwirq chip
	split($0, f, " ")
	if (f[3] == "ITS" || (f[3] ~ /^GIC/ && f[3] !~ /MSI/)) gicirq[f[1]] = f[2]
	next
}
FILENAME == ARGV[2] { n = split($4, c, ","); for (i = 1; i <= n; i++) before[$1, i - 1] = c[i]; next }
{
	irq = $1; hw = $2; chip = $3; name = $5
	if (chip == "") chip = "GIC" # irq-gic.c (GICv2) names itself through irq_print_chip only
	if (irq in gicirq) intid = gicirq[irq]
	else if (chip ~ /^GIC/ && chip !~ /MSI/) intid = hw
	else intid = ""
	gsub(/,/, ";", name)
	n = split($4, c, ",")
	for (i = 1; i <= n; i++) {
		h = c[i] - before[irq, i - 1]
		if (h > 0) printf "%d,%s,%d,%d,%s,%s\n", i - 1, intid, h, irq, chip, name
	}
}' "$tmp/hwirq" "$tmp/before" "$tmp/after" | sort -t, -k1,1n -k2,2n
