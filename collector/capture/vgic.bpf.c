// SPDX-License-Identifier: GPL-2.0
/*
 * vgic-replay's BPF collector: the kvm tracepoints that matter to
 * interrupts, plus snapshots of the vGIC list registers and control
 * registers at the points where KVM programs them and gets them back:
 *
 *   flush     return of kvm_vgic_flush_hwstate(vcpu): what KVM programmed;
 *   sync      entry of vgic_v3_fold_lr_state / vgic_v2_fold_lr_state: what
 *             the hardware handed back (on VHE the save happens inside
 *             kvm_vgic_sync_hwstate, so its entry still shows the flush);
 *   post      return of kvm_vgic_sync_hwstate: state after fold, the
 *             EOIcount walk and prune, with a bounded walk of the AP list;
 *   populate  vgic_v3_populate_lr / vgic_v2_populate_lr(vcpu, irq, lr):
 *             which AP-list entry went into which LR;
 *   deactivate  vgic_v3_deactivate / vgic_v2_deactivate(vcpu, val): a
 *             deactivation KVM handles for the guest (trapped ICC_DIR_EL1 /
 *             GICV_DIR, 6.19+; absent before, so attached only if present);
 *   sgi       vgic_v3_dispatch_sgi(vcpu, reg, allow_group1) (ICC_SGI1R_EL1)
 *             and vgic_mmio_write_sgir(source_vcpu, addr, len, val)
 *             (GICD_SGIR): an SGI the guest on vcpu sent. Both SGI hooks are
 *             attached on every host: the guest's GIC model picks the path;
 *   queue_lpi vgic_queue_irq_unlock(kvm, irq, flags) for an LPI (INTID 8192
 *             and up): every LPI injection (ITS MSIs, irqfd's fast path,
 *             INT commands) and pending table / configuration sync ends
 *             there, and no tracepoint shows them. The function runs for
 *             every injection, so anything below an LPI leaves at once.
 *   lpi_target update_affinity(irq, ...) of vgic-its.c, entry and return:
 *             an ITS MOVI, MOVALL, MAPC or MAPTI set the LPI's target_vcpu;
 *             the return reads the target it left. The function is static
 *             (on 7.2 GCC's update_affinity.isra.0, which BTF lacks): these
 *             kprobes carry no function in their section and user space
 *             attaches them to the symbol kallsyms names.
 *
 * Deactivate and sgi carry the raw value written; user space decodes it with the
 * text importer's own decoder, so both paths give the same rows.
 *
 * A snapshot records the LRs in use (used_lrs of the CPU interface), the
 * only ones the kernel programmed or the hardware handed back.
 *
 * CO-RE: the few kernel structures we read are declared below with
 * preserve_access_index, so one object runs on 6.12 and 7.x although the
 * offsets differ (vgic_lr at 4528 vs 6376) and 6.19 turned the flags of
 * struct vgic_irq into bitfields (CO-RE bitfield reads, from a copy of the
 * structure: see struct kcopy).
 * Filters are const volatile knobs set before load. A failed ring buffer
 * reservation is never silent: it is counted per probe and per CPU.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>

/* arm64's UAPI register layout, which bpf_tracing.h expects for kprobes. */
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "vgic.h"

/* ------------------------------------------------ kernel types (CO-RE) */

/* The VM filter's way from a struct kvm to its VMM process (see kvm_of_vmm). */
struct task_struct;

struct mm_struct {
	struct task_struct *owner; /* CONFIG_MEMCG */
} __attribute__((preserve_access_index));

struct kvm {
	struct mm_struct *mm;
	int userspace_pid; /* pid_t: the thread that created the VM */
} __attribute__((preserve_access_index));

/* arm64: preempt_count is a u64 union member of thread_info (THREAD_INFO_IN_TASK). */
struct thread_info {
	__u64 preempt_count;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	int tgid;
} __attribute__((preserve_access_index));

struct list_head {
	struct list_head *next, *prev;
} __attribute__((preserve_access_index));

struct vgic_v2_cpu_if {
	__u32 vgic_hcr;
	__u32 vgic_vmcr;
	__u32 vgic_apr;
	__u32 vgic_lr[64];
	unsigned int used_lrs;
} __attribute__((preserve_access_index));

struct vgic_v3_cpu_if {
	__u32 vgic_hcr;
	__u32 vgic_vmcr;
	__u32 vgic_ap0r[4];
	__u32 vgic_ap1r[4];
	__u64 vgic_lr[16];
	unsigned int used_lrs;
} __attribute__((preserve_access_index));

struct vgic_cpu {
	union {
		struct vgic_v2_cpu_if vgic_v2;
		struct vgic_v3_cpu_if vgic_v3;
	};
	struct list_head ap_list_head;
} __attribute__((preserve_access_index));

struct kvm_vcpu;

/* CO-RE matches an enum field only with an enum of the same name. */
enum kvm_arch_timers {
	TIMER_PTIMER,
	TIMER_VTIMER,
};

/* The arch timer's context: vcpu before 6.17, timer_id (its index in timers[]) since. */
struct arch_timer_context {
	struct kvm_vcpu *vcpu;
	enum kvm_arch_timers timer_id;
} __attribute__((preserve_access_index));

struct arch_timer_cpu {
	struct arch_timer_context timers[4];
} __attribute__((preserve_access_index));

struct kvm_vcpu_arch {
	struct vgic_cpu vgic_cpu;
	struct arch_timer_cpu timer_cpu;
} __attribute__((preserve_access_index));

struct kvm_vcpu {
	struct kvm *kvm;
	int vcpu_id;
	struct kvm_vcpu_arch arch;
} __attribute__((preserve_access_index));

enum vgic_irq_config {
	VGIC_CONFIG_EDGE = 0,
	VGIC_CONFIG_LEVEL,
};

/* Bitfields since 6.19 ("Repack struct vgic_irq fields"), plain bools before. */
struct vgic_irq {
	struct list_head ap_list;
	struct kvm_vcpu *target_vcpu;
	__u32 intid;
	bool line_level : 1;
	bool pending_latch : 1;
	bool active : 1;
	bool enabled : 1;
	bool hw : 1;
	enum vgic_irq_config config : 1;
	__u8 priority;
} __attribute__((preserve_access_index));

/* ------------------------------------------------ knobs and maps */

const volatile __u32 targ_tgid = 0;	/* 0: every VMM */
const volatile int targ_vcpu = -1;	/* -1: every vCPU */
const volatile int gic_version = 3;	/* host CPU interface: 3 or 2 */
const volatile bool snapshots = true;
const volatile bool aplist = true;

/*
 * Set by user space once every hook is attached: the hooks attach one
 * by one, and a trace whose first part has flushes without their syncs,
 * populate_lr or AP-list walks would look like a broken kernel.
 */
bool recording = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} rb SEC(".maps");

/*
 * Records a CPU submits between two wake-ups of the consumer; user space
 * sets it to about a quarter of the ring's bytes, shared out among the
 * CPUs. A wake-up per record (the default, adaptive notification) costs
 * the traced host a context switch per event; user space also polls every
 * 50 ms, so a quiet CPU's records never wait longer than that.
 */
const volatile __u32 wakeup_every = 1024;

/* Records submitted on this CPU since its last wake-up of the consumer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} since_wakeup SEC(".maps");

/* The submit flags for one more record: wake the consumer every wakeup_every records. */
static __always_inline __u64 ring_wakeup_flags(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&since_wakeup, &zero);

	if (!n || ++*n < wakeup_every)
		return BPF_RB_NO_WAKEUP;
	*n = 0;
	return BPF_RB_FORCE_WAKEUP;
}

/*
 * Counters user space reads while recording, in .bss, which libbpf maps
 * into the recorder: reading them takes no bpf(2) call. A map read from
 * user space holds the kernel's bpf_prog_active on its CPU for the copy
 * (bpf_map_copy_value() in kernel/bpf/syscall.c), and a kprobe program
 * hit on that CPU meanwhile (by a hard interrupt there, or, on a
 * preemptible kernel, by a thread that preempts the reader) is not run
 * (trace_call_bpf() in kernel/trace/bpf_trace.c): a recursion miss of the
 * LPI queue's kprobe on 7.2. Updated with atomic adds: on 7.x another
 * task's program may preempt this one on its CPU.
 *
 * drop_count: failed reservations per CPU and probe.
 * irq_pending_caught: events the twin of vgic_update_irq_pending recorded
 * because the first program missed them; ctx_caught: the same of the VM
 * context hooks' twins.
 */
__u64 drop_count[VR_COUNTER_CPUS][PROBE_MAX];
__u64 irq_pending_caught;
__u64 ctx_caught; /* the same, of the VM context hooks' twins (their fills) */

/* Scratch space for the variable-size records (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vgic_rec_aplist);
} scratch SEC(".maps");

/* kretprobe fallback: the vCPU argument saved at entry, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} entry_vcpu SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

/* ------------------------------------------------ helpers */

/* Count a record the ring buffer had no room for. */
static __always_inline void count_drop(__u32 probe)
{
	__u32 cpu = bpf_get_smp_processor_id() & (VR_COUNTER_CPUS - 1);

	if (probe < PROBE_MAX)
		__sync_fetch_and_add(&drop_count[cpu][probe], 1);
}

/*
 * The calling thread's pid_tgid if it is one we trace (all hooks attached;
 * VMM filter), else 0. Never 0 for a real thread: the idle task runs no KVM.
 */
static __always_inline __u64 wanted_task(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!recording || (targ_tgid && (id >> 32) != targ_tgid))
		return 0;
	return id;
}

/* ------------------------------------------------ the VM filter (--pid) */

/*
 * --pid names a VMM process; what it selects is its VMs, whatever thread
 * or context raises their interrupts: an irqfd's kworker (the first MSI
 * of a route, before its translation is cached), a hard interrupt that
 * injects while another task runs (the arch timer's hrtimer of a vCPU
 * that is not loaded: kvm_hrtimer_expire()), a vhost worker. Events of
 * the VMM's own threads in task context are taken on their tgid. An
 * injection raised elsewhere, or in an interrupt (where the task is only
 * the one interrupted), is taken when the struct kvm it concerns belongs
 * to the VMM: the LPI queue hook has the kvm as its argument; the
 * tracepoints vgic_update_irq_pending, kvm_set_irq and
 * kvm_timer_update_irq carry none, so the functions that emit them
 * (kvm_vgic_inject_irq, kvm_set_irq) are hooked at entry, and the
 * tracepoint kvm_timer_hrtimer_expire (before kvm_timer_update_irq in
 * the hrtimer), and leave their kvm in a context slot for them.
 *
 * The slot of an interrupt level (softirq, hardirq, NMI) is per CPU: an
 * interrupt runs to its end on its CPU, and no interrupt of the same
 * level nests in it. The slot of task context is the task's (a task may
 * be preempted, and move, inside the function): an LRU hash keyed by its
 * pid_tgid, filled only for threads outside the VMM (kworkers, vhost).
 * An interrupt-level slot is emptied when a tracepoint takes it, so that
 * a later interrupt that filled none (the arch timer's own interrupt,
 * kvm_arch_timer_handler(), whose task is the vCPU's thread) is judged by
 * its task rather than by a VM left from an earlier one.
 */

/* The interrupt context level, as the kernel's interrupt_context_level(): 0 task .. 3 NMI. */
static __always_inline int ctx_level(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 pc = BPF_CORE_READ(t, thread_info.preempt_count);

	return (pc & 0x00f00000) ? 3 : (pc & 0x000f0000) ? 2 : (pc & 0x100) ? 1 : 0;
}

/*
 * The task-context slots: the kvm of the injecting function a thread
 * outside the VMM last entered. Not emptied at the function's return:
 * each tracepoint is emitted only inside its function, after its entry
 * wrote the slot. An LRU map, so that the slots of tasks that are gone
 * make room.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} vm_ctx_slots SEC(".maps");

/* The interrupt-level slots, per CPU: [level] (0 unused). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} vm_irq_slots SEC(".maps");

/*
 * Does this VM belong to the VMM --pid names? Its mm's owner is a task of
 * the process that created it (CONFIG_MEMCG, every distribution kernel);
 * without mm->owner, the thread that created the VM (the VMM's main
 * thread, for QEMU and the lab's VMM).
 */
static __always_inline bool kvm_of_vmm(struct kvm *kvm)
{
	if (!kvm)
		return false;
	if (bpf_core_field_exists(struct mm_struct, owner))
		return BPF_CORE_READ(kvm, mm, owner, tgid) == (int)targ_tgid;
	if (bpf_core_field_exists(struct kvm, userspace_pid))
		return BPF_CORE_READ(kvm, userspace_pid) == (int)targ_tgid;
	return false;
}

/*
 * Entry of an injecting function on kvm: fill the slot of this context,
 * unless a VMM thread runs it in task context (its tgid says enough). In
 * an interrupt the task is only the one interrupted, so there the slot is
 * filled always. Two identical programs do this on each function (see
 * "twins" below): filling a slot twice is harmless.
 */
static __always_inline int vm_ctx_enter(struct kvm *kvm)
{
	__u64 id = bpf_get_current_pid_tgid(), v = (__u64)kvm, *slot;
	__u32 level;

	if (!targ_tgid || !recording)
		return 0;
	level = ctx_level();
	if (!level) {
		if ((id >> 32) != targ_tgid)
			bpf_map_update_elem(&vm_ctx_slots, &id, &v, BPF_ANY);
		return 0;
	}
	slot = bpf_map_lookup_elem(&vm_irq_slots, &level);
	if (slot)
		*slot = v;
	return 0;
}

/*
 * Is the event of a tracepoint without a kvm wanted? The thread's
 * pid_tgid if a VMM thread raised it in task context, or if the kvm of
 * the injecting function under way (its context slot) is the VMM's; in
 * an interrupt whose slot is empty, the interrupted task's tgid decides
 * (the arch timer's interrupt interrupts the vCPU thread it injects
 * for). Else 0.
 */
static __always_inline __u64 wanted_injection(void)
{
	__u64 id = bpf_get_current_pid_tgid(), *slot, kvm;
	__u32 level;

	if (!recording)
		return 0;
	if (!targ_tgid)
		return id;
	level = ctx_level();
	if (!level) {
		if ((id >> 32) == targ_tgid)
			return id;
		slot = bpf_map_lookup_elem(&vm_ctx_slots, &id);
		return slot && kvm_of_vmm((struct kvm *)*slot) ? id : 0;
	}
	slot = bpf_map_lookup_elem(&vm_irq_slots, &level);
	kvm = slot ? *slot : 0;
	if (slot)
		*slot = 0;
	if (!kvm)
		return (id >> 32) == targ_tgid ? id : 0;
	return kvm_of_vmm((struct kvm *)kvm) ? id : 0;
}

/* A hook with the kvm in hand (the LPI queue): the VMM's VM, whoever queues to it. */
static __always_inline __u64 wanted_in_vm(struct kvm *kvm)
{
	if (!recording)
		return 0;
	return !targ_tgid || kvm_of_vmm(kvm) ? bpf_get_current_pid_tgid() : 0;
}

/* Fill the common header; id is the thread's pid_tgid. */
static __always_inline void fill_hdr(struct vgic_rec_hdr *h, __u8 type, __u8 kind, int vcpu,
				     __u64 id)
{
	h->type = type;
	h->kind = kind;
	h->cpu = bpf_get_smp_processor_id();
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->vcpu = vcpu;
	h->ts = bpf_ktime_get_ns();
}

/* Emit a small event record for the thread id (0: not wanted, nothing emitted). */
static __always_inline int emit_event_of(__u64 id, __u32 probe, __u8 kind, int vcpu,
					 long long intid, long long a0, long long a1, long long a2,
					 long long a3)
{
	struct vgic_rec_event *e;

	if (!id)
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_drop(probe);
		return 0;
	}
	fill_hdr(&e->h, VGIC_REC_EVENT, kind, vcpu, id);
	e->intid = intid;
	e->arg[0] = a0;
	e->arg[1] = a1;
	e->arg[2] = a2;
	e->arg[3] = a3;
	bpf_ringbuf_submit(e, ring_wakeup_flags());
	return 0;
}

/* Emit a small event record of a thread we trace (the VMM's, with --pid). */
static __always_inline int emit_event(__u32 probe, __u8 kind, int vcpu, long long intid,
				      long long a0, long long a1, long long a2, long long a3)
{
	return emit_event_of(wanted_task(), probe, kind, vcpu, intid, a0, a1, a2, a3);
}

/* The larger of two sizes. */
static __always_inline __u32 max_u32(__u32 a, __u32 b)
{
	return a > b ? a : b;
}

/*
 * How a program may read the kernel pointers it is handed: fentry/fexit
 * arguments are typed by BTF, so a plain load does (the verifier guards
 * it); a kprobe's are bare numbers, read with bpf_probe_read_kernel.
 */
#define BTF_ARGS true
#define RAW_ARGS false

/* The vCPU id, honouring the vCPU filter (-2: filtered out). */
static __always_inline int vcpu_id_of(struct kvm_vcpu *vcpu, const bool btf_args)
{
	int id = btf_args ? vcpu->vcpu_id : BPF_CORE_READ(vcpu, vcpu_id);

	if (targ_vcpu >= 0 && id != targ_vcpu)
		return -2;
	return id;
}

/*
 * Kernel structures are copied with one read each into per-CPU scratch
 * space and their fields taken from the copy at their CO-RE offsets: a
 * helper call per field (what BPF_CORE_READ does) made the snapshot and
 * AP-list programs the collector's most costly. The copies are far larger
 * than the structures on any kernel we know (a v3 CPU interface is about
 * 300 bytes, a vgic_irq about 100); a kernel whose fields lay beyond them
 * would be refused by the verifier at load, not read wrongly.
 */
#define KCOPY_CIF 1024
#define KCOPY_IRQ 512

struct kcopy {
	__u8 cif[KCOPY_CIF];
	__u8 irq[KCOPY_IRQ];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kcopy);
} kcopy SEC(".maps");

/* The byte just past a field of a kernel type (CO-RE: this kernel's layout). */
#define FIELD_END(type, field) \
	(bpf_core_field_offset(type, field) + bpf_core_field_size(type, field))

/* Bytes of a CPU interface to copy: up to the last field a snapshot takes. */
static __always_inline __u32 cif_copy_bytes(void)
{
	__u32 end;

	if (gic_version == 2) {
		end = FIELD_END(struct vgic_v2_cpu_if, used_lrs);
		end = max_u32(end, FIELD_END(struct vgic_v2_cpu_if, vgic_hcr));
		end = max_u32(end, FIELD_END(struct vgic_v2_cpu_if, vgic_vmcr));
		end = max_u32(end, FIELD_END(struct vgic_v2_cpu_if, vgic_apr));
		end = max_u32(end, FIELD_END(struct vgic_v2_cpu_if, vgic_lr));
	} else {
		end = FIELD_END(struct vgic_v3_cpu_if, used_lrs);
		end = max_u32(end, FIELD_END(struct vgic_v3_cpu_if, vgic_hcr));
		end = max_u32(end, FIELD_END(struct vgic_v3_cpu_if, vgic_vmcr));
		end = max_u32(end, FIELD_END(struct vgic_v3_cpu_if, vgic_ap0r));
		end = max_u32(end, FIELD_END(struct vgic_v3_cpu_if, vgic_ap1r));
		end = max_u32(end, FIELD_END(struct vgic_v3_cpu_if, vgic_lr));
	}
	return end > KCOPY_CIF ? KCOPY_CIF : end;
}

/* Read the CPU interface registers into a snapshot record and emit it. */
static __always_inline int emit_snapshot(__u32 probe, __u8 kind, struct kvm_vcpu *vcpu,
					 const bool btf_args)
{
	struct vgic_rec_aplist *buf;
	struct vgic_rec_snapshot *s;
	struct kcopy *k;
	__u32 zero = 0, n, size;
	__u64 tid;
	int id, i;

	if (!snapshots)
		return 0;
	tid = wanted_task();
	if (!tid)
		return 0;
	id = vcpu_id_of(vcpu, btf_args);
	if (id == -2)
		return 0;
	buf = bpf_map_lookup_elem(&scratch, &zero);
	k = bpf_map_lookup_elem(&kcopy, &zero);
	if (!buf || !k)
		return 0;
	s = (struct vgic_rec_snapshot *)buf;
	fill_hdr(&s->h, VGIC_REC_SNAPSHOT, kind, id, tid);
	s->gic_version = gic_version;
	if (gic_version == 2) {
		const struct vgic_v2_cpu_if *c = (const void *)k->cif;

		if (bpf_probe_read_kernel(k->cif, cif_copy_bytes(), &vcpu->arch.vgic_cpu.vgic_v2))
			return 0;
		s->used_lrs = c->used_lrs;
		n = s->used_lrs > VGIC_REC_MAX_LRS ? VGIC_REC_MAX_LRS : s->used_lrs;
		s->hcr = c->vgic_hcr;
		s->vmcr = c->vgic_vmcr;
		s->apr = c->vgic_apr;
		for (i = 0; i < VGIC_REC_MAX_LRS; i++)
			s->lr[i] = c->vgic_lr[i];
	} else {
		const struct vgic_v3_cpu_if *c = (const void *)k->cif;

		if (bpf_probe_read_kernel(k->cif, cif_copy_bytes(), &vcpu->arch.vgic_cpu.vgic_v3))
			return 0;
		s->used_lrs = c->used_lrs;
		n = s->used_lrs > VGIC_REC_MAX_LRS ? VGIC_REC_MAX_LRS : s->used_lrs;
		s->hcr = c->vgic_hcr;
		s->vmcr = c->vgic_vmcr;
		for (i = 0; i < 4; i++) {
			s->ap0r[i] = c->vgic_ap0r[i];
			s->ap1r[i] = c->vgic_ap1r[i];
		}
		for (i = 0; i < VGIC_REC_MAX_LRS; i++)
			s->lr[i] = c->vgic_lr[i];
	}
	/* The record is sized to the LRs in use; the rest were not programmed. */
	s->nr_lrs = n;
	size = sizeof(*s) - (VGIC_REC_MAX_LRS - n) * sizeof(s->lr[0]);
	if (size > sizeof(*s))
		size = sizeof(*s);
	if (bpf_ringbuf_output(&rb, s, size, ring_wakeup_flags()))
		count_drop(probe);
	return 0;
}

/* The VGIC_AP_* flags of an interrupt, from a copy of its struct vgic_irq. */
static __always_inline __u8 ap_flags(const struct vgic_irq *c)
{
	__u8 flags = 0;

	if (BPF_CORE_READ_BITFIELD(c, active))
		flags |= VGIC_AP_ACTIVE;
	if (BPF_CORE_READ_BITFIELD(c, pending_latch))
		flags |= VGIC_AP_PENDING_LATCH;
	if (BPF_CORE_READ_BITFIELD(c, line_level))
		flags |= VGIC_AP_LINE_LEVEL;
	if (BPF_CORE_READ_BITFIELD(c, enabled))
		flags |= VGIC_AP_ENABLED;
	if (BPF_CORE_READ_BITFIELD(c, hw))
		flags |= VGIC_AP_HW;
	if (BPF_CORE_READ_BITFIELD(c, config))
		flags |= VGIC_AP_LEVEL_CONFIG;
	return flags;
}

/* Walk the AP list after fold and prune, bounded, and emit it. */
static __always_inline int emit_aplist(struct kvm_vcpu *vcpu, const bool btf_args)
{
	struct vgic_rec_aplist *a;
	struct list_head *head, *pos;
	struct kcopy *k;
	__u32 zero = 0, size, irq_bytes;
	__u64 tid;
	int id, i;

	if (!aplist)
		return 0;
	tid = wanted_task();
	if (!tid)
		return 0;
	id = vcpu_id_of(vcpu, btf_args);
	if (id == -2)
		return 0;
	a = bpf_map_lookup_elem(&scratch, &zero);
	k = bpf_map_lookup_elem(&kcopy, &zero);
	if (!a || !k)
		return 0;
	fill_hdr(&a->h, VGIC_REC_APLIST, VR_EV_POST, id, tid);
	irq_bytes = bpf_core_type_size(struct vgic_irq);
	if (irq_bytes > KCOPY_IRQ)
		irq_bytes = KCOPY_IRQ;
	head = &vcpu->arch.vgic_cpu.ap_list_head;
	pos = BPF_CORE_READ(head, next);
	a->n = 0;
	a->truncated = 0;
	for (i = 0; i < VGIC_REC_MAX_AP; i++) {
		const struct vgic_irq *c = (const void *)k->irq;
		struct vgic_rec_ap_entry *e;
		struct kvm_vcpu *target;

		if (pos == head || !pos)
			break;
		if (bpf_probe_read_kernel(k->irq, irq_bytes,
					  (void *)pos - bpf_core_field_offset(struct vgic_irq, ap_list))) {
			a->truncated = 1; /* the list changed under us: say the walk is incomplete */
			break;
		}
		e = &a->e[i];
		e->intid = c->intid;
		e->priority = c->priority;
		e->flags = ap_flags(c);
		/* Almost always the walking vCPU itself: no read needed then. */
		target = c->target_vcpu;
		e->target_vcpu = target == vcpu ? id : (target ? BPF_CORE_READ(target, vcpu_id) : 0);
		a->n = i + 1;
		pos = c->ap_list.next;
	}
	if (i == VGIC_REC_MAX_AP && pos != head)
		a->truncated = 1;
	size = sizeof(*a) - (VGIC_REC_MAX_AP - a->n) * sizeof(a->e[0]);
	if (size > sizeof(*a))
		size = sizeof(*a);
	if (bpf_ringbuf_output(&rb, a, size, ring_wakeup_flags()))
		count_drop(PROBE_APLIST);
	return 0;
}

/* ------------------------------------------------ kvm tracepoints (tp_btf: TP_PROTO args) */

/*
 * vgic_update_irq_pending nests. The kernel does not run a tracing
 * program while it is running on the same CPU (it counts a recursion
 * miss, and the event is lost): on 7.x the guest's level updates run the
 * tracepoint in task context, where the arch timer's hard interrupt runs
 * it again (INTID 27), and 7.x runs tracepoints preemptible, so another
 * vCPU thread scheduled on the CPU while the program runs (it is often
 * preempted in the kernel's own entry to it) misses it too. So a second
 * program on the same tracepoint, the twin, records what the first one
 * misses. The kernel calls the programs of a tracepoint in the order they
 * were attached, the first before the twin; at the start of its run the
 * first marks, for the context it runs in, that it ran for this event,
 * and the twin takes the mark: no mark, the first was not run, and the
 * twin records the event and counts it in irq_pending_caught, so that user space
 * knows which of the first one's misses it covered.
 *
 * Where the mark is kept: in task context, in the task (task storage: a
 * task's events are one after the other, whichever CPU it is on and
 * whoever preempts it); in an interrupt, per CPU and level (an interrupt
 * runs to its end on its CPU, and does not nest in one of its own
 * level). A mark of a level above the one the program runs at belongs to
 * an interrupt that has ended, whose twin was not run (it was running
 * underneath): the first program clears those before it marks.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vgic_nest);
} irq_pending_nest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} irq_pending_ran SEC(".maps");

/* The same marks for the VM context hooks and their twins (kvm_vgic_inject_irq, kvm_set_irq). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vgic_nest);
} ctx_inject_nest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} ctx_inject_ran SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vgic_nest);
} ctx_set_irq_nest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} ctx_set_irq_ran SEC(".maps");

/* The mark of the context at level: the task's in ran (create: make it), or this CPU's in n. */
static __always_inline __u8 *ran_mark(struct vgic_nest *n, void *ran, int level, bool create)
{
	if (level)
		return &n->ran[level & 3];
	return bpf_task_storage_get(ran, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/*
 * The first program of a hook with a nested twin, at the start of its
 * run: mark that it ran for this event, in the marks nest (per CPU) and
 * ran (per task), after clearing the marks of interrupts that ended.
 */
static __always_inline void nest_mark_first(void *nest, void *ran)
{
	__u32 zero = 0;
	struct vgic_nest *n = bpf_map_lookup_elem(nest, &zero);
	int here = ctx_level(), l;
	__u8 *mark;

	if (!n)
		return;
	for (l = 1; l < 4; l++)
		if (l > here)
			n->ran[l] = 0;
	mark = ran_mark(n, ran, here, true);
	if (mark)
		*mark = 1;
}

/*
 * The twin: was the first program not run for this event? Takes the
 * mark; without one, counts the event in *caught (user space compares it
 * with the first program's recursion misses) and says so.
 */
static __always_inline bool nest_first_missed(void *nest, void *ran, __u64 *caught)
{
	__u32 zero = 0;
	struct vgic_nest *n = bpf_map_lookup_elem(nest, &zero);
	__u8 *mark;

	if (!n)
		return false;
	mark = ran_mark(n, ran, ctx_level(), false);
	if (mark && *mark) {
		*mark = 0;
		return false;
	}
	__sync_fetch_and_add(caught, 1); /* 7.x: another task may run this on the CPU */
	return true;
}

/* Emit a vgic_update_irq_pending event (both programs of the tracepoint). */
static __always_inline int emit_irq_pending(unsigned long vcpu_id, __u32 irq, bool level)
{
	return emit_event_of(wanted_injection(), PROBE_IRQ_PENDING, VR_EV_IRQ_PENDING,
			     irq < 32 ? (int)vcpu_id : -1, irq, vcpu_id, level, -1, -1);
}

SEC("tp_btf/vgic_update_irq_pending")
int BPF_PROG(tp_irq_pending, unsigned long vcpu_id, __u32 irq, bool level)
{
	nest_mark_first(&irq_pending_nest, &irq_pending_ran);
	return emit_irq_pending(vcpu_id, irq, level);
}

/* The twin: runs after tp_irq_pending on every hit, records only the events it was not run for. */
SEC("tp_btf/vgic_update_irq_pending")
int BPF_PROG(tp_irq_pending_nested, unsigned long vcpu_id, __u32 irq, bool level)
{
	if (!nest_first_missed(&irq_pending_nest, &irq_pending_ran, &irq_pending_caught))
		return 0;
	return emit_irq_pending(vcpu_id, irq, level);
}

SEC("tp_btf/kvm_irq_line")
int BPF_PROG(tp_irq_line, unsigned int type, int vcpu_idx, int irq_num, int level)
{
	return emit_event(PROBE_IRQ_LINE, VR_EV_IRQ_LINE, -1, (type == 1 || type == 2) ? irq_num : -1, type,
			  vcpu_idx, irq_num, level);
}

SEC("tp_btf/kvm_set_irq")
int BPF_PROG(tp_set_irq, unsigned int gsi, int level, int irq_source_id)
{
	return emit_event_of(wanted_injection(), PROBE_IRQ_LINE, VR_EV_SET_IRQ, -1, gsi + 32, gsi,
			     level, irq_source_id, -1);
}

/* kvm_notify_acked_irq(): a level SPI was EOIed (arm64: irqchip 0, pin = SPI - 32). */
SEC("tp_btf/kvm_ack_irq")
int BPF_PROG(tp_ack_irq, unsigned int irqchip, unsigned int pin)
{
	return emit_event(PROBE_IRQ_LINE, VR_EV_ACK_IRQ, -1, pin + 32, irqchip, pin, -1, -1);
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(tp_entry, unsigned long vcpu_pc)
{
	return emit_event(PROBE_ENTRY, VR_EV_ENTRY, -1, -1, vcpu_pc, -1, -1, -1);
}

/* kvm_exit stores ARM_EXCEPTION_CODE(ret) and the EC only for traps, as its TP_fast_assign. */
SEC("tp_btf/kvm_exit")
int BPF_PROG(tp_exit, int ret, unsigned int esr_ec, unsigned long vcpu_pc)
{
	int code = ret & ~(1U << 31);

	return emit_event(PROBE_EXIT, VR_EV_EXIT, -1, -1, code, code == 2 ? esr_ec : 0, vcpu_pc, -1);
}

SEC("tp_btf/kvm_vcpu_wakeup")
int BPF_PROG(tp_wakeup, __u64 ns, bool waited, bool valid)
{
	return emit_event(PROBE_WAKEUP, VR_EV_WAKEUP, -1, -1, ns, waited, valid, -1);
}

SEC("tp_btf/kvm_wfx_arm64")
int BPF_PROG(tp_wfx, unsigned long vcpu_pc, bool is_wfe)
{
	return emit_event(PROBE_WFX, VR_EV_WFX, -1, -1, vcpu_pc, is_wfe, -1, -1);
}

/* By VM, not by thread: an hrtimer's update runs in a hard interrupt of any task (see kvm_hrtimer_expire below). */
SEC("tp_btf/kvm_timer_update_irq")
int BPF_PROG(tp_timer_irq, unsigned long vcpu_id, __u32 irq, int level)
{
	return emit_event_of(wanted_injection(), PROBE_TIMER_IRQ, VR_EV_TIMER_IRQ, (int)vcpu_id, irq,
			     vcpu_id, level, -1, -1);
}

SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(tp_userspace_exit, __u32 reason, int err)
{
	return emit_event(PROBE_USERSPACE_EXIT, VR_EV_USERSPACE_EXIT, -1, -1, err < 0 ? -1 : reason,
			  err < 0 ? -err : 0, -1, -1);
}

/*
 * kvm_mmio (io_mem_abort(), kvm_handle_mmio_return()): the guest's GIC
 * distributor and redistributor writes show routing, enables and
 * priorities. Since 5.x the tracepoint takes a pointer to the data (NULL
 * for an unsatisfied read) and copies min(len, 8) bytes, as we do.
 */
SEC("tp_btf/kvm_mmio")
int BPF_PROG(tp_mmio, int type, int len, __u64 gpa, void *val)
{
	__u64 data = 0;

	/*
	 * A size the verifier cannot bound is refused (EACCES on 7.2): read
	 * 8 bytes, which probe_read tolerates, and keep the len of them.
	 */
	if (val && bpf_probe_read_kernel(&data, sizeof(data), val))
		data = 0;
	if (len > 0 && len < 8)
		data &= (1ull << (8 * len)) - 1;
	return emit_event(PROBE_MMIO, VR_EV_MMIO, -1, -1, type, len, (__s64)gpa, (__s64)data);
}

/* ------------------------------------------------ snapshot probes: fentry/fexit */

SEC("fexit/kvm_vgic_flush_hwstate")
int BPF_PROG(fexit_flush, struct kvm_vcpu *vcpu)
{
	return emit_snapshot(PROBE_FLUSH, VR_EV_FLUSH, vcpu, BTF_ARGS);
}

SEC("fentry/vgic_v3_fold_lr_state")
int BPF_PROG(fentry_fold_v3, struct kvm_vcpu *vcpu)
{
	return emit_snapshot(PROBE_SYNC, VR_EV_SYNC, vcpu, BTF_ARGS);
}

SEC("fentry/vgic_v2_fold_lr_state")
int BPF_PROG(fentry_fold_v2, struct kvm_vcpu *vcpu)
{
	return emit_snapshot(PROBE_SYNC, VR_EV_SYNC, vcpu, BTF_ARGS);
}

SEC("fexit/kvm_vgic_sync_hwstate")
int BPF_PROG(fexit_sync, struct kvm_vcpu *vcpu)
{
	emit_snapshot(PROBE_POST, VR_EV_POST, vcpu, BTF_ARGS);
	return emit_aplist(vcpu, BTF_ARGS);
}

/* Which AP-list entry went into which LR, for every populate hook below. */
static __always_inline int emit_populate(struct kvm_vcpu *vcpu, struct vgic_irq *irq, int lr,
					 const bool btf_args)
{
	int id = vcpu_id_of(vcpu, btf_args);

	if (!snapshots || id == -2)
		return 0;
	return emit_event(PROBE_POPULATE, VR_EV_POPULATE, id, btf_args ? irq->intid : BPF_CORE_READ(irq, intid),
			  lr, -1, -1, -1);
}

SEC("fentry/vgic_v3_populate_lr")
int BPF_PROG(fentry_populate_v3, struct kvm_vcpu *vcpu, struct vgic_irq *irq, int lr)
{
	return emit_populate(vcpu, irq, lr, BTF_ARGS);
}

SEC("fentry/vgic_v2_populate_lr")
int BPF_PROG(fentry_populate_v2, struct kvm_vcpu *vcpu, struct vgic_irq *irq, int lr)
{
	return emit_populate(vcpu, irq, lr, BTF_ARGS);
}

/* ------------------------------------------------ the same, kprobe fallbacks */

/* Remember the vCPU argument for the matching return probe. */
static __always_inline int save_vcpu(struct kvm_vcpu *vcpu)
{
	__u64 tid = bpf_get_current_pid_tgid(), v = (__u64)vcpu;

	bpf_map_update_elem(&entry_vcpu, &tid, &v, BPF_ANY);
	return 0;
}

/* The vCPU argument saved at entry, consumed. */
static __always_inline struct kvm_vcpu *take_vcpu(void)
{
	__u64 tid = bpf_get_current_pid_tgid(), *v = bpf_map_lookup_elem(&entry_vcpu, &tid);
	struct kvm_vcpu *vcpu = v ? (struct kvm_vcpu *)*v : NULL;

	bpf_map_delete_elem(&entry_vcpu, &tid);
	return vcpu;
}

SEC("kprobe/kvm_vgic_flush_hwstate")
int BPF_KPROBE(kp_flush_entry, struct kvm_vcpu *vcpu)
{
	return save_vcpu(vcpu);
}

SEC("kretprobe/kvm_vgic_flush_hwstate")
int BPF_KRETPROBE(kp_flush_return)
{
	struct kvm_vcpu *vcpu = take_vcpu();

	return vcpu ? emit_snapshot(PROBE_FLUSH, VR_EV_FLUSH, vcpu, RAW_ARGS) : 0;
}

SEC("kprobe/vgic_v3_fold_lr_state")
int BPF_KPROBE(kp_fold_v3, struct kvm_vcpu *vcpu)
{
	return emit_snapshot(PROBE_SYNC, VR_EV_SYNC, vcpu, RAW_ARGS);
}

SEC("kprobe/vgic_v2_fold_lr_state")
int BPF_KPROBE(kp_fold_v2, struct kvm_vcpu *vcpu)
{
	return emit_snapshot(PROBE_SYNC, VR_EV_SYNC, vcpu, RAW_ARGS);
}

SEC("kprobe/kvm_vgic_sync_hwstate")
int BPF_KPROBE(kp_sync_entry, struct kvm_vcpu *vcpu)
{
	return save_vcpu(vcpu);
}

SEC("kretprobe/kvm_vgic_sync_hwstate")
int BPF_KRETPROBE(kp_sync_return)
{
	struct kvm_vcpu *vcpu = take_vcpu();

	if (!vcpu)
		return 0;
	emit_snapshot(PROBE_POST, VR_EV_POST, vcpu, RAW_ARGS);
	return emit_aplist(vcpu, RAW_ARGS);
}

SEC("kprobe/vgic_v3_populate_lr")
int BPF_KPROBE(kp_populate_v3, struct kvm_vcpu *vcpu, struct vgic_irq *irq, int lr)
{
	return emit_populate(vcpu, irq, lr, RAW_ARGS);
}

SEC("kprobe/vgic_v2_populate_lr")
int BPF_KPROBE(kp_populate_v2, struct kvm_vcpu *vcpu, struct vgic_irq *irq, int lr)
{
	return emit_populate(vcpu, irq, lr, RAW_ARGS);
}

/* ------------------------------------------------ trapped DIR and SGIs */

/*
 * The raw DIR / SGI register value; user space decodes the INTID and the
 * targets with the layout of `flavor` (2: GICC/GICD_SGIR, 3: ICC_*), which
 * travels in arg[3] (struct vgic_rec_event).
 */
static __always_inline int emit_raw(__u32 probe, __u8 kind, struct kvm_vcpu *vcpu, __u64 val,
				    int flavor, const bool btf_args)
{
	int id;

	if (!snapshots)
		return 0;
	id = vcpu_id_of(vcpu, btf_args);
	if (id == -2)
		return 0;
	return emit_event(probe, kind, id, -1, (long long)val, -1, -1, flavor);
}

/* vgic_v3_deactivate(): KVM emulates a trapped ICC_DIR_EL1 write (6.19+). */
SEC("fentry/vgic_v3_deactivate")
int BPF_PROG(fentry_deactivate_v3, struct kvm_vcpu *vcpu, __u64 val)
{
	return emit_raw(PROBE_DEACTIVATE, VR_EV_DEACTIVATE, vcpu, val, 3, BTF_ARGS);
}

/* vgic_v2_deactivate(): the same for a trapped GICV_DIR write (u32 val). */
SEC("fentry/vgic_v2_deactivate")
int BPF_PROG(fentry_deactivate_v2, struct kvm_vcpu *vcpu, __u32 val)
{
	return emit_raw(PROBE_DEACTIVATE, VR_EV_DEACTIVATE, vcpu, val, 2, BTF_ARGS);
}

/* vgic_v3_dispatch_sgi(): the sender's ICC_SGI1R_EL1 (or SGI0R/ASGI1R) write. */
SEC("fentry/vgic_v3_dispatch_sgi")
int BPF_PROG(fentry_sgi_v3, struct kvm_vcpu *vcpu, __u64 reg, bool allow_group1)
{
	return emit_raw(PROBE_SGI, VR_EV_SGI, vcpu, reg, 3, BTF_ARGS);
}

/* vgic_mmio_write_sgir(): the sender's GICD_SGIR write (a GICv2 distributor). */
SEC("fentry/vgic_mmio_write_sgir")
int BPF_PROG(fentry_sgi_v2, struct kvm_vcpu *vcpu, __u64 addr, unsigned int len,
	     unsigned long val)
{
	return emit_raw(PROBE_SGI, VR_EV_SGI, vcpu, val, 2, BTF_ARGS);
}

SEC("kprobe/vgic_v3_deactivate")
int BPF_KPROBE(kp_deactivate_v3, struct kvm_vcpu *vcpu, __u64 val)
{
	return emit_raw(PROBE_DEACTIVATE, VR_EV_DEACTIVATE, vcpu, val, 3, RAW_ARGS);
}

SEC("kprobe/vgic_v2_deactivate")
int BPF_KPROBE(kp_deactivate_v2, struct kvm_vcpu *vcpu, __u32 val)
{
	return emit_raw(PROBE_DEACTIVATE, VR_EV_DEACTIVATE, vcpu, val, 2, RAW_ARGS);
}

SEC("kprobe/vgic_v3_dispatch_sgi")
int BPF_KPROBE(kp_sgi_v3, struct kvm_vcpu *vcpu, __u64 reg)
{
	return emit_raw(PROBE_SGI, VR_EV_SGI, vcpu, reg, 3, RAW_ARGS);
}

SEC("kprobe/vgic_mmio_write_sgir")
int BPF_KPROBE(kp_sgi_v2, struct kvm_vcpu *vcpu, __u64 addr, unsigned int len,
	       unsigned long val)
{
	return emit_raw(PROBE_SGI, VR_EV_SGI, vcpu, val, 2, RAW_ARGS);
}

/* ------------------------------------------------ LPIs queued */

/*
 * vgic_queue_irq_unlock() for an LPI: its target vCPU (-1 when it has
 * none) and its latch, enable and priority as they stand at the call. The
 * INTID is read first and alone: the function runs for every SGI, PPI and
 * SPI injection too. The flags are bitfields from 6.19 on, read with CO-RE
 * through probe_read (no per-CPU copy: this can run in hard IRQ context,
 * over an AP-list walk that holds the copy).
 */
static __always_inline int emit_queue_lpi(struct kvm *kvm, struct vgic_irq *irq,
					  const bool btf_args)
{
	struct kvm_vcpu *target;
	__u32 intid = btf_args ? irq->intid : BPF_CORE_READ(irq, intid);
	int id = -1;

	if (intid < VGIC_MIN_LPI || !snapshots)
		return 0;
	target = btf_args ? irq->target_vcpu : BPF_CORE_READ(irq, target_vcpu);
	if (target)
		id = BPF_CORE_READ(target, vcpu_id);
	if (targ_vcpu >= 0 && id != targ_vcpu)
		return 0;
	return emit_event_of(wanted_in_vm(kvm), PROBE_LPI_QUEUE, VR_EV_LPI_QUEUE, id, intid,
			  BPF_CORE_READ_BITFIELD_PROBED(irq, pending_latch),
			  BPF_CORE_READ_BITFIELD_PROBED(irq, enabled),
			  btf_args ? irq->priority : BPF_CORE_READ(irq, priority), -1);
}

SEC("fentry/vgic_queue_irq_unlock")
int BPF_PROG(fentry_queue_lpi, struct kvm *kvm, struct vgic_irq *irq, unsigned long flags)
{
	return emit_queue_lpi(kvm, irq, BTF_ARGS);
}

/*
 * The kprobe also stands in where BTF lacks the function: on 7.2 GCC
 * splits it (vgic_queue_irq_unlock and vgic_queue_irq_unlock.part.0) and
 * pahole leaves it out, but the global entry keeps the C calling convention.
 *
 * A kprobe program is not run while any kprobe, perf or user-space map
 * operation holds bpf_prog_active on its CPU (trace_call_bpf()): a
 * recursion miss, for every program of the kprobe at once, so a twin
 * would miss with it. The function runs for every injection (the arch
 * timer's hrtimer in hard interrupt context, kvm_timer_update_irq() ->
 * kvm_vgic_inject_irq(); SGIs from vCPU threads; LPIs from irqfd's fast
 * path in the thread that signals the eventfd,
 * vgic_its_inject_cached_translation(), or its worker and ITS commands,
 * vgic_its_trigger_msi()). What held bpf_prog_active when it missed in the
 * lab was the recorder's own reads of the drop and twin counters: those
 * now come from the mapped .bss (drop_count above), so nothing of ours
 * holds it in a context this function can interrupt or preempt; kprobe
 * handlers run with interrupts masked. Another BPF user's kprobe or map
 * call on the host can still make it miss: counted, and a gap.
 */
SEC("kprobe/vgic_queue_irq_unlock")
int BPF_KPROBE(kp_queue_lpi, struct kvm *kvm, struct vgic_irq *irq)
{
	return emit_queue_lpi(kvm, irq, RAW_ARGS);
}

/* ------------------------------------------------ LPI targets (ITS moves) */

/* update_affinity()'s irq, saved at entry for the return, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u64);
} entry_lpi SEC(".maps");

/*
 * Entry of update_affinity(irq, ...): every ITS command that changes an
 * LPI's target_vcpu (MOVI, MOVALL, MAPC, MAPTI) goes through it, in the
 * task of the vCPU that wrote GITS_CWRITER or of the VMM restoring the
 * ITS. Its first argument, the only one all kernels agree on, is kept.
 */
SEC("kprobe")
int BPF_KPROBE(kp_lpi_target_entry, struct vgic_irq *irq)
{
	__u64 tid = bpf_get_current_pid_tgid(), v = (__u64)irq;

	if (!snapshots || !irq)
		return 0;
	bpf_map_update_elem(&entry_lpi, &tid, &v, BPF_ANY);
	return 0;
}

/* Return of update_affinity(): the LPI's target as the call left it. */
SEC("kretprobe")
int BPF_KRETPROBE(kp_lpi_target_return)
{
	__u64 tid = bpf_get_current_pid_tgid(), *v = bpf_map_lookup_elem(&entry_lpi, &tid);
	struct vgic_irq *irq = v ? (struct vgic_irq *)*v : NULL;
	struct kvm_vcpu *target;
	int id = -1;

	bpf_map_delete_elem(&entry_lpi, &tid);
	if (!irq)
		return 0;
	target = BPF_CORE_READ(irq, target_vcpu);
	if (target)
		id = BPF_CORE_READ(target, vcpu_id);
	return emit_event(PROBE_LPI_TARGET, VR_EV_LPI_TARGET, id, BPF_CORE_READ(irq, intid), -1,
			  -1, -1, -1);
}

/* ------------------------------------------------ a planted miss (tests only) */

/*
 * VR_TEST_PLANT_MISS=N (bpf_hooks.c): a test's recording attaches
 * kp_plant to bpf_percpu_array_update(), which only the bpf(2) update of
 * a per-CPU array reaches, and updates plant N times from user space.
 * The syscall holds bpf_prog_active around the update, so the kernel
 * does not run the program: N recursion misses, as certain as a nested
 * kprobe's, which the recorder must turn into a gap.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} plant SEC(".maps");

SEC("kprobe")
int BPF_KPROBE(kp_plant)
{
	return 0;
}

/* ------------------------------------------------ VM context of injections (--pid) */

/*
 * kvm_vgic_inject_irq(kvm, vcpu, intid, level, owner) emits
 * vgic_update_irq_pending; kvm_set_irq(kvm, irq_source_id, irq, level,
 * line_status) emits kvm_set_irq and reaches the former (SPIs) or the ITS
 * (MSIs). Loaded only with --pid; see "the VM filter" above. Entries
 * only: the slot needs no emptying (see vm_ctx_slots).
 */
/*
 * Each hook has a nested twin, as vgic_update_irq_pending (see there):
 * the kernel skips a program re-entered on its CPU (the timer's hard
 * interrupt injecting inside a task's kvm_vgic_inject_irq, or on 7.x
 * another task preempting it there); the twin fills the slot for the
 * events its first program was not run for, and counts them in
 * ctx_caught, so that user space knows which misses it covered.
 *
 * The twin must run after its first program. A BPF trampoline runs its
 * fentry programs newest first (__bpf_trampoline_link_prog() puts each
 * link at the head of its list; a tracepoint runs its probes oldest
 * first), and libbpf attaches the programs of one section in the order
 * they are defined: so here each twin is defined, and attached, before
 * its first program.
 */
SEC("fentry/kvm_vgic_inject_irq")
int BPF_PROG(fentry_ctx_inject_twin, struct kvm *kvm)
{
	if (!nest_first_missed(&ctx_inject_nest, &ctx_inject_ran, &ctx_caught))
		return 0;
	return vm_ctx_enter(kvm);
}

SEC("fentry/kvm_vgic_inject_irq")
int BPF_PROG(fentry_ctx_inject, struct kvm *kvm)
{
	nest_mark_first(&ctx_inject_nest, &ctx_inject_ran);
	return vm_ctx_enter(kvm);
}

SEC("fentry/kvm_set_irq")
int BPF_PROG(fentry_ctx_set_irq_twin, struct kvm *kvm)
{
	if (!nest_first_missed(&ctx_set_irq_nest, &ctx_set_irq_ran, &ctx_caught))
		return 0;
	return vm_ctx_enter(kvm);
}

SEC("fentry/kvm_set_irq")
int BPF_PROG(fentry_ctx_set_irq, struct kvm *kvm)
{
	nest_mark_first(&ctx_set_irq_nest, &ctx_set_irq_ran);
	return vm_ctx_enter(kvm);
}

/*
 * The arch timer's hrtimer (kvm_hrtimer_expire(), a hard interrupt of
 * whatever task runs) emits kvm_timer_hrtimer_expire(ctx) before
 * kvm_timer_update_irq: its kvm fills the slot for the latter. The vCPU
 * of the timer context: its own pointer before 6.17, else the vCPU that
 * embeds it (timer_context_to_vcpu(): arch.timer_cpu.timers[timer_id]).
 */
SEC("tp_btf/kvm_timer_hrtimer_expire")
int BPF_PROG(tp_ctx_hrtimer, struct arch_timer_context *timer)
{
	struct kvm_vcpu *vcpu;

	if (bpf_core_field_exists(struct arch_timer_context, vcpu)) {
		vcpu = BPF_CORE_READ(timer, vcpu);
	} else {
		__u32 id = BPF_CORE_READ(timer, timer_id);

		vcpu = (void *)timer - bpf_core_field_offset(struct kvm_vcpu, arch) -
		       bpf_core_field_offset(struct kvm_vcpu_arch, timer_cpu) -
		       bpf_core_field_offset(struct arch_timer_cpu, timers) -
		       (__u64)(id & 3) * bpf_core_type_size(struct arch_timer_context);
	}
	return vm_ctx_enter(vcpu ? BPF_CORE_READ(vcpu, kvm) : NULL);
}

SEC("kprobe/kvm_vgic_inject_irq")
int BPF_KPROBE(kp_ctx_inject, struct kvm *kvm)
{
	return vm_ctx_enter(kvm);
}

SEC("kprobe/kvm_set_irq")
int BPF_KPROBE(kp_ctx_set_irq, struct kvm *kvm)
{
	return vm_ctx_enter(kvm);
}
