"""Shared by the synthetic ftrace generators of tests/cli (cross-cpu-synth.py,
dist-race-synth.py): 2-vCPU GICv3 ftrace text, one event per line, with the
snapshot probes' flush, sync and post lines."""


class Trace:
    """Events appended in order, dt microseconds apart; cpu maps each pid
    to the CPU it runs on (vCPU v's thread is pid 176 + 2 v)."""

    def __init__(self, cpu):
        self.t = 1.0
        self.cpu = cpu
        self.out = ["# tracer: nop", "#"]

    def ev(self, pid, text, dt=10):
        self.t += dt / 1e6
        self.out.append(" qemu-system-aar-%d     [%03d] d....  %10.6f: %s" % (pid, self.cpu[pid], self.t, text))

    @staticmethod
    def regs(vcpu, lrs):
        v = lrs + [0] * (4 - len(lrs))
        return "vcpu=%d used=%d hcr=0x1 vmcr=0xf04c000a ap0r0=0x0 ap1r0=0x0 %s" % (
            vcpu, len(lrs), " ".join("lr%d=0x%x" % (i, x) for i, x in enumerate(v)))

    def run(self, vcpu, lrs, back=None, exit_text="IRQ: HSR_EC: 0x0000 (UNKNOWN)"):
        """One entry of vcpu with the LR values lrs; back: what the
        hardware hands back (default: unchanged)."""
        pid = 176 + 2 * vcpu
        for i, x in enumerate(lrs):
            self.ev(pid, "populate: (vgic_v3_populate_lr+0x0/0x268) vcpu=%d intid=%d lr=%d" % (vcpu, x & 0xffffffff, i))
        self.ev(pid, "flush: (kvm_arch_vcpu_ioctl_run+0x108/0x858 <- kvm_vgic_flush_hwstate) " + self.regs(vcpu, lrs))
        self.ev(pid, "kvm_entry: PC: 0xffff800080001000")
        back = lrs if back is None else back
        if lrs:
            self.ev(pid, "sync: (vgic_v3_fold_lr_state+0x0/0x250) " + self.regs(vcpu, back), 50)
        self.ev(pid, "post: (kvm_arch_vcpu_ioctl_run+0x180/0x858 <- kvm_vgic_sync_hwstate) " + self.regs(vcpu, []))
        self.ev(pid, "kvm_exit: %s, PC: 0xffff800080001004" % exit_text)

    def text(self):
        return "\n".join(self.out)
