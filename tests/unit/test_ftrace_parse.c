/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table-driven tests of the ftrace text line parser.
 *
 * The "real" rows are lines copied verbatim from the traces in
 * tests/data/samples (recorded on Debian's 6.12 and 7.2 arm64 kernels).
 * The "variant" rows are those real lines with the header changed the
 * way ftrace options change it (no irq-info flags column, record-tgid,
 * the 4-column flags of old kernels, QEMU's "CPU 0/KVM" thread names).
 * Events absent from the samples (kvm_set_irq, kvm_ack_irq,
 * kvm_userspace_exit, kretprobe on kvm_vgic_sync_hwstate, populate_lr)
 * are written from their TP_printk format strings, cited per row; the
 * queue_lpi rows from the definitions of `vgic-replay probes` for Debian's
 * 6.12 and 7.2 and the lab's kprobe output of vgic_queue_irq_unlock; the
 * lpi_target rows from its definition and the kallsyms name of 7.2's
 * update_affinity.isra.0 (kernel-7.2-src/obj/System.map).
 */
#include <stdint.h>

#include "../../collector/import/ftrace_parse.h"
#include "vr_test.h"

#define N VR_NO_VALUE

struct parse_case {
	const char *why;
	const char *line;
	enum ftrace_line_type type;
	enum vr_event_kind kind;
	int32_t pid, cpu;
	int64_t ts_ns, vcpu, intid, arg0, arg1, arg2, arg3;
};

static const struct parse_case cases[] = {
	{"real 7.2 kvm_timer_update_irq",
	 "             vmm-109     [000] ...1.    10.292802: kvm_timer_update_irq: VCPU: 0, IRQ 27, level 0",
	 FTRACE_LINE_EVENT, VR_EV_TIMER_IRQ, 109, 0, 10292802000, 0, 27, 0, 0, N, N},
	{"real 7.2 vgic_update_irq_pending (PPI names its vCPU)",
	 "             vmm-109     [000] ...1.    10.293808: vgic_update_irq_pending: VCPU: 0, IRQ 27, level: 0",
	 FTRACE_LINE_EVENT, VR_EV_IRQ_PENDING, 109, 0, 10293808000, 0, 27, 0, 0, N, N},
	{"real 6.12 vgic_update_irq_pending for an SPI: VCPU is meaningless",
	 "             vmm-144     [001] .....     9.446029: vgic_update_irq_pending: VCPU: 0, IRQ 32, level: 1",
	 FTRACE_LINE_EVENT, VR_EV_IRQ_PENDING, 144, 1, 9446029000, N, 32, 0, 1, N, N},
	{"real 7.2 kvm_irq_line",
	 "             vmm-108     [000] .....    10.324191: kvm_irq_line: Inject VGIC SPI interrupt (1), vcpu->idx: 0, num: 32, level: 1",
	 FTRACE_LINE_EVENT, VR_EV_IRQ_LINE, 108, 0, 10324191000, N, 32, 1, 0, 32, 1},
	{"real 7.2 kvm_entry",
	 "             vmm-109     [001] d..1.    10.303619: kvm_entry: PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_ENTRY, 109, 1, 10303619000, N, N, 0x40000000, N, N, N},
	{"real 7.2 kvm_exit IRQ",
	 "             vmm-109     [001] ...1.    10.305661: kvm_exit: IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_EXIT, 109, 1, 10305661000, N, N, 0, 0, 0x40000000, N},
	{"real 6.12 kvm_exit TRAP",
	 "             vmm-145     [000] .....     9.424198: kvm_exit: TRAP: HSR_EC: 0x0020 (IABT_LOW), PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_EXIT, 145, 0, 9424198000, N, N, 2, 0x20, 0x40000000, N},
	{"real 7.2 kvm_vcpu_wakeup",
	 "             vmm-109     [001] .....    10.326000: kvm_vcpu_wakeup: wait time 3119648 ns, polling valid",
	 FTRACE_LINE_EVENT, VR_EV_WAKEUP, 109, 1, 10326000000, N, N, 3119648, 1, 1, N},
	{"real 7.2 kvm_wfx_arm64",
	 "             vmm-109     [001] .....    10.322515: kvm_wfx_arm64: guest executed wfi at: 0x00000000400000dc",
	 FTRACE_LINE_EVENT, VR_EV_WFX, 109, 1, 10322515000, N, N, 0x400000dc, 0, N, N},
	{"real 7.2 (lab) with need-resched-lazy 'l' in the flags column",
	 "             vmm-109     [001] .l.1.     3.227377: kvm_exit: IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_EXIT, 109, 1, 3227377000, N, N, 0, 0, 0x40000000, N},
	{"variant: no irq-info flags column",
	 "             vmm-109     [001]    10.322515: kvm_wfx_arm64: guest executed wfi at: 0x00000000400000dc",
	 FTRACE_LINE_EVENT, VR_EV_WFX, 109, 1, 10322515000, N, N, 0x400000dc, 0, N, N},
	{"variant: record-tgid column",
	 "             vmm-109     (    108) [001] d..1.    10.303619: kvm_entry: PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_ENTRY, 109, 1, 10303619000, N, N, 0x40000000, N, N, N},
	{"variant: 4-column flags of pre-5.13 kernels",
	 "             vmm-109     [001] d..1    10.303619: kvm_entry: PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_ENTRY, 109, 1, 10303619000, N, N, 0x40000000, N, N, N},
	{"variant: QEMU vCPU thread name with space, slash and dash",
	 "       CPU 0/KVM-1234    [001] d..1.    10.303619: kvm_entry: PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_ENTRY, 1234, 1, 10303619000, N, N, 0x40000000, N, N, N},
	{"variant: trace_pipe nanosecond-looking fraction is scaled, not truncated",
	 "             vmm-109     [001] d..1.    10.303619123: kvm_entry: PC: 0x0000000040000000",
	 FTRACE_LINE_EVENT, VR_EV_ENTRY, 109, 1, 10303619123, N, N, 0x40000000, N, N, N},
	{"TP_printk kvm_set_irq \"gsi %u level %d source %d\"",
	 "             vmm-108     [000] .....    10.324191: kvm_set_irq: gsi 5 level 1 source 0",
	 FTRACE_LINE_EVENT, VR_EV_SET_IRQ, 108, 0, 10324191000, N, 37, 5, 1, 0, N},
	{"TP_printk kvm_ack_irq \"irqchip %d pin %u\" (no kvm_irqchips on arm64)",
	 "             vmm-109     [001] .....    10.324191: kvm_ack_irq: irqchip 0 pin 3",
	 FTRACE_LINE_EVENT, VR_EV_ACK_IRQ, 109, 1, 10324191000, N, 35, 0, 3, N, N},
	{"TP_printk kvm_userspace_exit \"reason %s (%d)\"",
	 "             vmm-109     [001] .....    10.324191: kvm_userspace_exit: reason KVM_EXIT_MMIO (6)",
	 FTRACE_LINE_EVENT, VR_EV_USERSPACE_EXIT, 109, 1, 10324191000, N, N, 6, 0, N, N},
	{"TP_printk kvm_userspace_exit with errno < 0 (restart = EINTR)",
	 "             vmm-109     [001] .....    10.324191: kvm_userspace_exit: reason restart (4)",
	 FTRACE_LINE_EVENT, VR_EV_USERSPACE_EXIT, 109, 1, 10324191000, N, N, N, 4, N, N},
	{"real 7.2 flush snapshot (kretprobe on kvm_vgic_flush_hwstate)",
	 "             vmm-109     [001] d..2.    10.302702: flush: (kvm_arch_vcpu_ioctl_run+0xd0/0xb80 <- kvm_vgic_flush_hwstate) vcpu=0 used=0 hcr=0x151 vmcr=0x0 ap1r0=0x0 lr0=0x0 lr1=0x0 lr2=0x0 lr3=0x0",
	 FTRACE_LINE_SNAPSHOT, VR_EV_FLUSH, 109, 1, 10302702000, 0, N, 0, N, N, N},
	{"real 7.2 sync snapshot (kprobe on vgic_v3_fold_lr_state)",
	 "             vmm-109     [001] d..1.    10.330783: sync: (vgic_v3_fold_lr_state+0x0/0x1f8) vcpu=0 used=4 hcr=0x419b vmcr=0xf84c000a ap1r0=0x0 lr0=0x9060000000000029 lr1=0x5070000000000028 lr2=0x5080000000000027 lr3=0x5090000000000026",
	 FTRACE_LINE_SNAPSHOT, VR_EV_SYNC, 109, 1, 10330783000, 0, N, 4, N, N, N},
	{"post snapshot: kretprobe on kvm_vgic_sync_hwstate, same fetchargs",
	 "             vmm-109     [001] d..1.    10.330790: post: (kvm_arch_vcpu_ioctl_run+0x2d0/0xb80 <- kvm_vgic_sync_hwstate) vcpu=0 used=0 hcr=0x419b vmcr=0xf84c000a ap1r0=0x0 lr0=0x0 lr1=0x0 lr2=0x0 lr3=0x0",
	 FTRACE_LINE_SNAPSHOT, VR_EV_POST, 109, 1, 10330790000, 0, N, 0, N, N, N},
	{"populate: kprobe on vgic_v3_populate_lr with vcpu, intid and lr",
	 "             vmm-109     [001] d..2.    10.302700: populate: (vgic_v3_populate_lr+0x0/0x1c0) vcpu=0 intid=41 lr=3",
	 FTRACE_LINE_EVENT, VR_EV_POPULATE, 109, 1, 10302700000, 0, 41, 3, N, N, N},
	{"real lost-events marker",
	 "CPU:1 [LOST 1234 EVENTS]", FTRACE_LINE_LOST, 0, 0, 0, 0, N, N, N, N, N, N},
	{"header comment", "# tracer: nop", FTRACE_LINE_IGNORED, 0, 0, 0, 0, N, N, N, N, N, N},
	{"empty line", "", FTRACE_LINE_IGNORED, 0, 0, 0, 0, N, N, N, N, N, N},
	{"real 7.2 kvm_mmio: the guest writes GICD_CTLR (tests/data/lab, retarget run)",
	 "             vmm-143     [001] .....     7.017397: kvm_mmio: mmio write len 4 gpa 0x8000000 val 0x0",
	 FTRACE_LINE_EVENT, VR_EV_MMIO, 143, 1, 7017397000, N, N, VR_MMIO_WRITE, 4, 0x8000000, 0},
	{"an event we do not import",
	 "             vmm-109     [001] .....    10.324191: kvm_mmio_nisv: ipa 0x8000000, esr 0x93c08007, far 0x0",
	 FTRACE_LINE_UNKNOWN, 0, 109, 1, 10324191000, N, N, N, N, N, N},
	{"queue_lpi on 7.2 (b1 bitfield fetch types): irqfd's fast path from QEMU's iothread",
	 "    IO iothread0-412     [001] d..2.    52.118233: queue_lpi: (vgic_queue_irq_unlock+0x0/0x60) vcpu=1 intid=8195 pending_latch=1 enabled=1 priority=160 target=0xfff0000005c28000",
	 FTRACE_LINE_EVENT, VR_EV_LPI_QUEUE, 412, 1, 52118233000, 1, 8195, 1, 1, 160, N},
	{"queue_lpi on 6.12 (u8 flags): KVM_SIGNAL_MSI from QEMU's main thread, record-tgid",
	 " qemu-system-aar-398     (    398) [000] d..1.    41.002117: queue_lpi: (vgic_queue_irq_unlock+0x0/0x2d8) vcpu=0 intid=8192 pending_latch=1 enabled=1 priority=160 target=0xfff000000465b720",
	 FTRACE_LINE_EVENT, VR_EV_LPI_QUEUE, 398, 0, 41002117000, 0, 8192, 1, 1, 160, N},
	{"queue_lpi from a configuration sync: latch clear, LPI disabled",
	 "    CPU 1/KVM-401     [001] d..1.    41.310004: queue_lpi: (vgic_queue_irq_unlock+0x0/0x2d8) vcpu=1 intid=8200 pending_latch=0 enabled=0 priority=160 target=0xfff0000004658000",
	 FTRACE_LINE_EVENT, VR_EV_LPI_QUEUE, 401, 1, 41310004000, 1, 8200, 0, 0, 160, N},
	{"queue_lpi with a NULL target_vcpu: the faulted vcpu fetch is not a vCPU",
	 "    CPU 0/KVM-400     [000] d..1.    41.300001: queue_lpi: (vgic_queue_irq_unlock+0x0/0x2d8) vcpu=3 intid=8201 pending_latch=1 enabled=1 priority=160 target=0x0",
	 FTRACE_LINE_EVENT, VR_EV_LPI_QUEUE, 400, 0, 41300001000, N, 8201, 1, 1, 160, N},
	{"queue_lpi for an SPI (the probe without its intid >= 8192 filter) is no LPI",
	 "             vmm-124     [002] d..1.    30.834272: queue_lpi: (vgic_queue_irq_unlock+0x0/0x60) vcpu=0 intid=50 pending_latch=1 enabled=1 priority=160 target=0xfff0000005c34680",
	 FTRACE_LINE_IGNORED, 0, 0, 0, 0, N, N, N, N, N, N},
	{"queue_lpi without its priority field",
	 "    IO iothread0-412     [001] d..2.    52.118233: queue_lpi: (vgic_queue_irq_unlock+0x0/0x60) vcpu=1 intid=8195 pending_latch=1 enabled=1 target=0xfff0000005c28000",
	 FTRACE_LINE_UNPARSED, 0, 412, 1, 52118233000, N, N, N, N, N, N},
	{"lpi_target on 7.2: MOVI from the vCPU that wrote GITS_CWRITER, GCC's clone of update_affinity",
	 "    CPU 0/KVM-400     [000] ...1.    41.400002: lpi_target: (vgic_its_process_commands+0x2f4/0x8c0 <- update_affinity.isra.0) vcpu=1 intid=8194 target=0xfff0000005c28000",
	 FTRACE_LINE_EVENT, VR_EV_LPI_TARGET, 400, 0, 41400002000, 1, 8194, N, N, N, N},
	{"lpi_target where the function kept its name",
	 "    CPU 1/KVM-401     [001] ...1.    41.400009: lpi_target: (vgic_its_process_commands+0x2f4/0x8c0 <- update_affinity) vcpu=0 intid=8193 target=0xfff0000004658000",
	 FTRACE_LINE_EVENT, VR_EV_LPI_TARGET, 401, 1, 41400009000, 0, 8193, N, N, N, N},
	{"lpi_target with no target vCPU: the faulted vcpu fetch is not a vCPU",
	 "    CPU 1/KVM-401     [001] ...1.    41.400011: lpi_target: (vgic_its_process_commands+0x2f4/0x8c0 <- update_affinity) vcpu=7 intid=8193 target=0x0",
	 FTRACE_LINE_EVENT, VR_EV_LPI_TARGET, 401, 1, 41400011000, N, 8193, N, N, N, N},
	{"lpi_target without its target field",
	 "    CPU 1/KVM-401     [001] ...1.    41.400011: lpi_target: (vgic_its_process_commands+0x2f4/0x8c0 <- update_affinity) vcpu=0 intid=8193",
	 FTRACE_LINE_UNPARSED, 0, 401, 1, 41400011000, N, N, N, N, N, N},
	{"an entry probe on update_affinity is not the return probe we define",
	 "    CPU 1/KVM-401     [001] ...1.    41.400011: other: (update_affinity+0x0/0x100) vcpu=0 intid=8193 target=0x1",
	 FTRACE_LINE_UNKNOWN, 0, 401, 1, 41400011000, N, N, N, N, N, N},
	{"a kprobe on a function we do not model",
	 "             vmm-109     [001] d..1.    10.330783: other: (vgic_its_inject_msi+0x0/0x1f8) x=1",
	 FTRACE_LINE_UNKNOWN, 0, 109, 1, 10330783000, N, N, N, N, N, N},
	{"garbage", "this is not a trace line", FTRACE_LINE_UNPARSED, 0, 0, 0, 0, N, N, N, N, N, N},
	{"truncated in the payload (file cut mid-line)",
	 "             vmm-109     [001] ...1.    10.305661: kvm_exit: IRQ: HSR_EC: 0x0000 (UNKN",
	 FTRACE_LINE_UNPARSED, 0, 109, 1, 10305661000, N, N, N, N, N, N},
	{"truncated in the header",
	 "             vmm-109     [001] ...1.    10.30", FTRACE_LINE_UNPARSED, 0, 109, 1, 0, N, N, N,
	 N, N, N},
	{"known event, payload of another kernel's form we do not know",
	 "             vmm-109     [000] ...1.    10.292802: kvm_timer_update_irq: vcpu=0 irq=27 level=0",
	 FTRACE_LINE_UNPARSED, 0, 109, 0, 10292802000, N, N, N, N, N, N},
	{"snapshot without a vcpu field",
	 "             vmm-109     [001] d..2.    10.302702: flush: (kvm_arch_vcpu_ioctl_run+0xd0/0xb80 <- kvm_vgic_flush_hwstate) used=0 hcr=0x151",
	 FTRACE_LINE_UNPARSED, VR_EV_FLUSH, 109, 1, 10302702000, N, N, N, N, N, N},
	{"number overflow is not silently wrapped",
	 "             vmm-109     [001] d..1.    10.303619: kvm_entry: PC: 0x10000000000000000",
	 FTRACE_LINE_UNPARSED, 0, 109, 1, 10303619000, N, N, N, N, N, N},
};

/* Check one table row against the parser. */
static void check_case(const struct parse_case *c)
{
	struct ftrace_line out;
	enum ftrace_line_type t = ftrace_parse_line(c->line, strlen(c->line), &out);

	if (t != c->type) {
		fprintf(stderr, "case '%s': type %d, expected %d (reason: %s)\n", c->why, t,
			c->type, out.reason ? out.reason : "-");
		CHECK(0);
		return;
	}
	if (t == FTRACE_LINE_EVENT || t == FTRACE_LINE_SNAPSHOT) {
		CHECK_EQ(out.ev.kind, c->kind);
		CHECK_EQ(out.ev.pid, c->pid);
		CHECK_EQ(out.ev.cpu, c->cpu);
		CHECK_EQ(out.ev.ts_ns, c->ts_ns);
		CHECK_EQ(out.ev.vcpu, c->vcpu);
		CHECK_EQ(out.ev.intid, c->intid);
		CHECK_EQ(out.ev.arg[0], c->arg0);
		CHECK_EQ(out.ev.arg[1], c->arg1);
		CHECK_EQ(out.ev.arg[2], c->arg2);
		CHECK_EQ(out.ev.arg[3], c->arg3);
	}
	if (t == FTRACE_LINE_UNPARSED)
		CHECK(out.reason != NULL);
}

/* The registers of the real sync line above, decoded field by field. */
static void check_snapshot_registers(void)
{
	static const char line[] =
		"             vmm-109     [001] d..1.    10.332328: sync: "
		"(vgic_v3_fold_lr_state+0x0/0x1f8) vcpu=0 used=4 hcr=0x800419f vmcr=0xf84c000a "
		"ap1r0=0x0 lr0=0x501000000000002e lr1=0x502000000000002d lr2=0x503000000000002c "
		"lr3=0x504000000000002b";
	struct ftrace_line out;

	CHECK_EQ(ftrace_parse_line(line, strlen(line), &out), FTRACE_LINE_SNAPSHOT);
	CHECK_EQ(out.snap.gic_version, 3);
	CHECK_EQ(out.snap.nr_lrs, 4);
	CHECK_EQ(out.snap.used_lrs, 4);
	CHECK_EQ(out.snap.hcr, 0x800419f);
	CHECK_EQ((out.snap.hcr >> 27) & 31, 1); /* EOIcount 1 */
	CHECK_EQ(out.snap.vmcr, 0xf84c000a);
	CHECK_EQ(out.snap.ap1r[0], 0);
	CHECK_EQ(out.snap.ap0r[0], VR_NO_VALUE);
	CHECK(out.snap.lr[0] == 0x501000000000002eull);
	CHECK(out.snap.lr[3] == 0x504000000000002bull);
}

/*
 * queue_lpi as the trace.dat importer reads it (map_probe): the function
 * from __probe_ip, then each typed field of the kprobe's format, in its
 * order (vgic-replay probes), through the same three calls; a NULL target.
 */
static void check_queue_lpi_typed(void)
{
	static const struct {
		const char *name;
		uint64_t v;
	} fields[] = {{"vcpu", 0}, {"intid", 8199}, {"pending_latch", 1},
		      {"enabled", 1}, {"priority", 0xa0}, {"target", 0}};
	struct ftrace_line out;
	int have_vcpu = 0;
	size_t i;

	vr_event_clear(&out.ev);
	vr_snapshot_clear(&out.snap);
	CHECK_EQ(vr_probe_classify("vgic_queue_irq_unlock", 21, 0, &out), 0);
	CHECK_EQ(out.ev.kind, VR_EV_LPI_QUEUE);
	CHECK(vr_probe_classify("vgic_queue_irq_unlock", 21, 1, &out) != 0); /* no return probe */
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		CHECK_EQ(vr_probe_field(fields[i].name, strlen(fields[i].name), fields[i].v,
					(int64_t)fields[i].v, &out, &have_vcpu),
			 0);
	CHECK_EQ(vr_probe_finish(&out, have_vcpu), FTRACE_LINE_EVENT);
	CHECK_EQ(out.ev.intid, 8199);
	CHECK_EQ(out.ev.vcpu, VR_NO_VALUE);
	CHECK_EQ(out.ev.arg[0], 1);
	CHECK_EQ(out.ev.arg[1], 1);
	CHECK_EQ(out.ev.arg[2], 160);
	CHECK_EQ(out.ev.arg[3], VR_NO_VALUE);
}

/* The lost-events marker carries its CPU and count. */
static void check_lost(void)
{
	struct ftrace_line out;

	CHECK_EQ(ftrace_parse_line("CPU:1 [LOST 1234 EVENTS]", 24, &out), FTRACE_LINE_LOST);
	CHECK_EQ(out.lost_cpu, 1);
	CHECK_EQ(out.lost, 1234);
}

/* The parser must not read past len even when the buffer is not terminated. */
static void check_unterminated(void)
{
	static const char line[] =
		"             vmm-109     [001] d..1.    10.303619: kvm_entry: PC: 0x0000000040000000XXXX";
	struct ftrace_line out;

	CHECK_EQ(ftrace_parse_line(line, strlen(line) - 4, &out), FTRACE_LINE_EVENT);
	CHECK_EQ(out.ev.arg[0], 0x40000000);
}

/* Run every case. */
int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
	check_snapshot_registers();
	check_queue_lpi_typed();
	check_lost();
	check_unterminated();
	return vr_test_report("test_ftrace_parse");
}
