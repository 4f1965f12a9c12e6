#!/usr/bin/env python3
"""Synthetic 2-vCPU GICv3 ftrace text (6.12): vCPU 0 writes the
distributor for SPI 40, which is routed to vCPU 1, and vCPU 1's flush
comes between the write's kvm_mmio event and vCPU 0's next event, so it
may have read the SPI before or after the write (io_mem_abort() fires the
tracepoint before kvm_io_bus_write() applies it). Variant 'racing': each
such flush shows the SPI as it was before the write (GICD_ISPENDR: not yet
pending; IPRIORITYR: the old priority; ICENABLER: still listed;
ISENABLER: not yet queued; IROUTER: still its own), the next one after
vCPU 0 moved on as it is after: no finding. Variant 'lost': the GICD_ISPENDR write returned (vCPU 0
moved on) and vCPU 1's flushes never hold SPI 40: a real loss."""
import sys

from synthtrace import Trace

variant = sys.argv[1]
tr = Trace({176: 0, 178: 1})
GICD = 0x08000000


def lr(intid, prio=0xc0, state=1):
    return (state << 62) | (1 << 60) | (prio << 48) | intid


def run(vcpu, lrs, back=None):
    """One entry of vcpu, left by a trapped MMIO access (the guest masked:
    what the hardware hands back is unchanged unless back says)."""
    tr.run(vcpu, lrs, back, "TRAP: HSR_EC: 0x0024 (DABT_LOW)")


def write(offset, length, val):
    """vCPU 0's distributor write: the tracepoint, the write not yet applied."""
    tr.ev(176, "kvm_mmio: mmio write len %d gpa 0x%x val 0x%x" % (length, GICD + offset, val))


for _ in range(2):
    run(0, [])
    run(1, [])
# SPI 40 once on vCPU 1, made pending by vCPU 0, taken and EOIed: its configuration is seen.
write(0x204, 4, 1 << 8)  # GICD_ISPENDR1
run(0, [])
run(1, [lr(40)], [lr(40, state=2)])
run(1, [lr(40, state=2)], [lr(40, state=0)])
# GICD_ISPENDR1 again: vCPU 1's flush before vCPU 0 moved on does not hold it yet.
write(0x204, 4, 1 << 8)
run(1, [])
if variant == "lost":
    run(0, [])  # the write has returned
    for _ in range(3):
        run(1, [])
    print(tr.text())
    sys.exit(0)
run(0, [])
run(1, [lr(40)])  # pending, the guest masked: handed back unchanged
# GICD_IPRIORITYR<40> = 0xa0: the racing flush still has 0xc0.
write(0x400 + 40, 1, 0xa0)
run(1, [lr(40)])
run(0, [])
run(1, [lr(40, 0xa0)])
# GICD_ICENABLER1: the racing flush still takes it; after, the oracle skips it.
write(0x184, 4, 1 << 8)
run(1, [lr(40, 0xa0)])
run(0, [])
run(1, [])
# GICD_ISENABLER1: queued again, but not yet in the racing flush.
write(0x104, 4, 1 << 8)
run(1, [])
run(0, [])
run(1, [lr(40, 0xa0)], [lr(40, 0xa0, 2)])
run(1, [lr(40, 0xa0, 2)], [lr(40, 0xa0, 0)])
# GICD_IROUTER<40> = vCPU 0 while it waits pending on vCPU 1's list: the
# racing flush still takes it; vCPU 1's prune moves it to vCPU 0.
write(0x204, 4, 1 << 8)
run(0, [])
run(1, [lr(40, 0xa0)])
write(0x6000 + 8 * 40, 8, 0)
run(1, [lr(40, 0xa0)])
run(0, [])
run(1, [])
run(0, [lr(40, 0xa0)], [lr(40, 0xa0, 2)])
run(0, [lr(40, 0xa0, 2)], [lr(40, 0xa0, 0)])
for _ in range(2):
    run(0, [])
    run(1, [])
print(tr.text())
