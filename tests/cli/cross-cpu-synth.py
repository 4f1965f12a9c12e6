#!/usr/bin/env python3
"""Synthetic 2-vCPU GICv3 ftrace text: an SPI from the VMM's thread
(not a vCPU thread) fires its tracepoint before vCPU 0's flush, which does
not hold it; two SGIs queued from two CPUs 20 us apart are in that flush in
the other order than their tracepoints. Variant 'late': the SPI is in the
next flush (it joined the AP list after the flush: no finding). Variant
'lost': the VMM's thread moves on and the SPI is in no later flush (a real
loss: LR_DIVERGENCE)."""
import sys

from synthtrace import Trace

variant = sys.argv[1]
tr = Trace({176: 0, 178: 1, 160: 2})
ev = tr.ev
P = {1: 0x50c0000000000001, 2: 0x50c0000000000002, 79: 0x50c000000000004f}
A = {i: (v & ~(3 << 62)) | (2 << 62) for i, v in P.items()}  # active


def run(vcpu, ids, back=None, lrs=None):
    """One entry of vcpu with INTIDs ids pending in its LRs (or the LR
    values lrs); back: what the hardware hands back (default: unchanged)."""
    tr.run(vcpu, [P[x] for x in ids] if lrs is None else lrs, back)


def spi(level, dt=10):
    ev(160, "kvm_irq_line: Inject VGIC SPI interrupt (1), vcpu->idx: 0, num: 79, level: %d" % level, dt)
    ev(160, "vgic_update_irq_pending: VCPU: 0, IRQ 79, level: %d" % level)


# Both vCPUs known: empty flushes.
for _ in range(2):
    run(0, [])
    run(1, [])
# SPI 79 once, cleanly: taken, EOIed (its configuration is seen).
spi(1)
spi(0)
run(0, [79], [A[79]])  # acknowledged
run(0, None, [A[79] & ~(3 << 62)], [A[79]])  # EOIed (EOImode 0)
run(1, [])
# vCPU 0 sends itself SGI 2; vCPU 1 sends SGI 1 to vCPU 0 20 us later
# and moves on. The kernel queued 1 first: its flush holds 1, 2.
ev(176, "sgi: (vgic_v3_dispatch_sgi+0x0/0x168) vcpu=0 val=0x2000001")
ev(178, "sgi: (vgic_v3_dispatch_sgi+0x0/0x168) vcpu=1 val=0x1000001", 20)
run(1, [])
# The VMM raises SPI 79 for vCPU 0, then stalls (no event of its thread).
spi(1, 30)
run(0, [1, 2])  # without 79: it joins the AP list after this flush took the lock
if variant == "late":
    run(0, [1, 2, 79])
else:
    ev(160, "kvm_irq_line: Inject VGIC SPI interrupt (1), vcpu->idx: 0, num: 80, level: 0", 100)
    run(0, [1, 2])  # 79's call returned before: it should be here
    run(0, [1, 2])
for _ in range(2):
    run(1, [])
print(tr.text())
