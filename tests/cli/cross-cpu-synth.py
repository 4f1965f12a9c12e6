#!/usr/bin/env python3
"""Synthetic 2-vCPU GICv3 ftrace text: an SPI from the VMM's thread
(not a vCPU thread) fires its tracepoint before vCPU 0's flush, which does
not hold it; two SGIs queued from two CPUs 20 us apart are in that flush in
the other order than their tracepoints. Variant 'late': the SPI is in the
next flush (it joined the AP list after the flush: no finding). Variant
'lost': the VMM's thread moves on and the SPI is in no later flush (a real
loss: LR_DIVERGENCE)."""
import sys

variant = sys.argv[1]
t = [1.0]
out = ["# tracer: nop", "#"]
CPU = {176: 0, 178: 1, 160: 2}
P = {1: 0x50c0000000000001, 2: 0x50c0000000000002, 79: 0x50c000000000004f}
A = {i: (v & ~(3 << 62)) | (2 << 62) for i, v in P.items()}  # active


def ev(pid, text, dt=10):
    t[0] += dt / 1e6
    out.append(" qemu-system-aar-%d     [%03d] d....  %10.6f: %s" % (pid, CPU[pid], t[0], text))


def regs(vcpu, lrs):
    v = lrs + [0] * (4 - len(lrs))
    return "vcpu=%d used=%d hcr=0x1 vmcr=0xf04c000a ap0r0=0x0 ap1r0=0x0 %s" % (
        vcpu, len(lrs), " ".join("lr%d=0x%x" % (i, x) for i, x in enumerate(v)))


def run(vcpu, ids, back=None, lrs=None):
    """One entry of vcpu with INTIDs ids pending in its LRs (or the LR
    values lrs); back: what the hardware hands back (default: unchanged)."""
    pid = 176 + 2 * vcpu
    lrs = [P[x] for x in ids] if lrs is None else lrs
    for i, x in enumerate(lrs):
        ev(pid, "populate: (vgic_v3_populate_lr+0x0/0x268) vcpu=%d intid=%d lr=%d" % (vcpu, x & 0xffffffff, i))
    ev(pid, "flush: (kvm_arch_vcpu_ioctl_run+0x108/0x858 <- kvm_vgic_flush_hwstate) " + regs(vcpu, lrs))
    ev(pid, "kvm_entry: PC: 0xffff800080001000")
    back = lrs if back is None else back
    if lrs:
        ev(pid, "sync: (vgic_v3_fold_lr_state+0x0/0x250) " + regs(vcpu, back), 50)
    ev(pid, "post: (kvm_arch_vcpu_ioctl_run+0x180/0x858 <- kvm_vgic_sync_hwstate) " + regs(vcpu, []))
    ev(pid, "kvm_exit: IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0xffff800080001004")


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
print("\n".join(out))
