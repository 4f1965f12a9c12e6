/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine/: a C model of KVM's vGIC (arch/arm64/kvm/vgic/), precise enough
 * to predict the list registers KVM programs at every guest entry and the
 * state it folds back at every exit. It knows nothing of SQLite, BPF or
 * curses: callers feed it injections, ask it to flush, hand it the
 * registers the hardware gave back, and read what changed.
 *
 * Behaviour that changed between kernels lives in profiles (data plus a
 * few hooks): linux-6.12 (before the 6.19 LR rework), linux-6.19 (the
 * rework; EOIcount deactivations walk the AP list from its head),
 * linux-7.0 (commit 6da5e537f5af: the walk starts after the last
 * interrupt that made it into the LRs) and gicv5 (7.0 plus native GICv5
 * PPIs as upstream has them in v7.2, arch/arm64/kvm/vgic/vgic-v5.c).
 *
 * vCPUs are indices 0..nr_vcpus-1; -1 means "none" (NULL in the kernel).
 */
#ifndef VR_VGIC_ENGINE_H
#define VR_VGIC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VGIC_ENGINE_MAX_LRS 16	    /* ICH_LR<n>_EL2; a GICv2 host has up to 64, we model 16 */
#define VGIC_ENGINE_MAX_VCPUS 64
#define VGIC_ENGINE_NR_PRIVATE 32   /* SGIs 0-15, PPIs 16-31 (GICv2/v3 guests) */
#define VGIC_ENGINE_MAX_SPIS 988    /* INTIDs 32..1019 */
#define VGIC_ENGINE_MAX_CHANGES 128 /* state changes one sync (or DIR) can report */
#define VGIC_ENGINE_NO_INTID 1023   /* the spurious INTID an ack returns when nothing is pending */
#define VGIC_ENGINE_MIN_LPI 8192    /* VGIC_MIN_LPI: the first LPI (GICv3 model with an ITS) */
#define VGIC_ENGINE_MAX_LPIS 1024   /* LPI slots: a guest maps a few per device queue */

/* ---------------------------------------------------------------- GICv5 INTIDs */

/*
 * GICv5 INTIDs carry their type in bits [31:29] (GICV5_HWIRQ_TYPE) and
 * the number in [23:0] (GICV5_HWIRQ_ID). A native GICv5 guest has 64
 * PPIs, the architected ones (VGIC_V5_NR_PRIVATE_IRQS since upstream
 * 35a4f8d151d6, "Limit support to 64 PPIs", v7.2; 128 before): KVM
 * writes zero to the second bank of the ICH_PPI_*R0/1_EL2 registers.
 */
#define VGIC_V5_TYPE_SHIFT 29
#define VGIC_V5_TYPE_PPI 1u
#define VGIC_V5_TYPE_LPI 2u
#define VGIC_V5_TYPE_SPI 3u
#define VGIC_V5_ID_MASK 0x00ffffffu
#define VGIC_V5_NR_PPIS 64
#define VGIC_V5_PPI_REG_BITS 128 /* ICH_PPI_*R0/1_EL2: the PPI registers' two 64-bit banks */

/* vgic_v5_make_ppi(): the GICv5 INTID of PPI n. */
static inline uint32_t vgic_v5_ppi_intid(uint32_t n)
{
	return (VGIC_V5_TYPE_PPI << VGIC_V5_TYPE_SHIFT) | (n & VGIC_V5_ID_MASK);
}

/* The inverse: PPI n of a GICv5 PPI INTID (n below VGIC_V5_NR_PPIS), else -1. */
static inline int vgic_v5_intid_ppi(uint64_t intid)
{
	uint64_t n = intid & VGIC_V5_ID_MASK;

	return intid >> VGIC_V5_TYPE_SHIFT == VGIC_V5_TYPE_PPI &&
			       (intid & ~(uint64_t)VGIC_V5_ID_MASK) ==
				       (uint64_t)VGIC_V5_TYPE_PPI << VGIC_V5_TYPE_SHIFT &&
			       n < VGIC_V5_NR_PPIS
		       ? (int)n
		       : -1;
}

struct vgic_engine;
struct vgic_profile;

enum vgic_irq_config { VGIC_EDGE = 0, VGIC_LEVEL = 1 };

/* ---------------------------------------------------------------- configuration */

struct vgic_engine_config {
	const struct vgic_profile *profile;
	int gic_version; /* host CPU interface: 2 (GICH_LR), 3 (ICH_LR_EL2), 5 (GICv5 PPIs) */
	int nr_lrs;	 /* QEMU's GICv3 has 4 */
	int nr_vcpus;
	int nr_spis;
	int guest_model;      /* KVM device: 2 (VGIC_V2), 3 (VGIC_V3), 5; 0: like the host */
	bool host_lacks_tdir; /* !ARM64_HAS_ICH_HCR_EL2_TDIR: 6.19+ then always sets TDIR */
	int nr_lpis;	      /* LPI slots (GICv3 model); 0: the model holds no LPIs */
};

/* How the guest programmed one interrupt in the distributor/redistributor. */
struct vgic_irq_config_desc {
	bool enabled;
	uint8_t priority;
	uint8_t group;
	enum vgic_irq_config config;
	int target_vcpu; /* SPIs: routing target; ignored for private IRQs */
	bool hw;	 /* mapped to a physical interrupt (the arch timer) */
	uint32_t hwintid;
};

/* The state of one interrupt, mirroring struct vgic_irq (include/kvm/arm_vgic.h). */
struct vgic_irq_state {
	uint32_t intid;
	bool pending_latch, line_level, active, enabled, hw, on_lr;
	enum vgic_irq_config config;
	uint8_t priority, group;
	int target_vcpu;
	int vcpu; /* whose AP list holds it (irq->vcpu), -1 none */
	uint32_t hwintid;
	uint8_t source;	       /* GICv2-model SGIs: pending source CPUs */
	uint8_t active_source; /* GICv2-model SGIs: source of the active instance */
	bool direct_injection; /* GICv5 PPI: ICH_PPI_DVIR bit (set_direct_injection) */
};

/* Profiles: by name, or the i-th for listing (NULL past the last). */
const struct vgic_profile *vgic_profile_find(const char *name);
const struct vgic_profile *vgic_profile_at(int i);
const char *vgic_profile_name(const struct vgic_profile *p);
const char *vgic_profile_description(const struct vgic_profile *p);

/*
 * The profile of the kernel a trace was recorded on, from its release
 * ("6.12.100+deb12-arm64") or an inferred range ("<=6.18", ">=6.19");
 * why gets one sentence saying how it was chosen. Never NULL.
 */
const struct vgic_profile *vgic_profile_for_kernel(const char *release, char *why, size_t nwhy);

/*
 * As vgic_profile_for_kernel(), knowing the trace's GIC version too: a
 * GICv5 VM's trace (gic_version 5) gets the gicv5 profile (vgic-v5.c as
 * of v7.2), whatever the release says.
 */
const struct vgic_profile *vgic_profile_for_trace(const char *release, int gic_version, char *why,
						  size_t nwhy);

/*
 * What a profile does, for callers that reason about a trace without the
 * model (replay's observational checks): the EOIcount walk (0 never read,
 * <= 6.18; 1 from the AP-list head, 6.19; 2 after the last LR entry,
 * 6da5e537f5af), whether a guest DIR traps to vgic_v3_deactivate() (6.19+).
 */
int vgic_profile_eoicount_walk(const struct vgic_profile *p);
bool vgic_profile_traps_dir(const struct vgic_profile *p);
/* Does the fold clear an LPI's A bit (6.19+), deactivating it for KVM at once? */
bool vgic_profile_drops_lpi_active(const struct vgic_profile *p);

/*
 * Would the interrupt an LR holds sort after a pending, enabled, inactive
 * interrupt of priority prio in this kernel's vgic_irq_cmp()? Equal
 * priorities keep the list's own order, so they never sort after.
 */
bool vgic_profile_lr_sorts_after(const struct vgic_profile *p, int gic_version, uint64_t lr,
				 uint8_t prio);

/*
 * How much of an exit's EOIcount this kernel's walk spends on active
 * interrupts still in the LRs, which the guest did not EOI (the 6.19
 * walk from the AP-list head, where the LR entries are; 0 for the others).
 */
int vgic_profile_eoicount_on_lrs(const struct vgic_profile *p, int eoicount, int nr_lr_active);
/* 6.19+: vgic_v3_configure_hcr() rebuilds the whole HCR at every flush. */
bool vgic_profile_rebuilds_hcr(const struct vgic_profile *p);

/*
 * What p's kernel does that other's does not, in words, for a reader
 * told that a recording behaves like p and not like other: one clause per
 * behaviour the two differ in (the EOIcount walk, the AP-list sort, the
 * HCR, the DIR trap, GICv5 PPIs), joined with "; " into out; "" when they
 * behave alike.
 */
void vgic_profile_difference(const struct vgic_profile *p, const struct vgic_profile *other,
			     char *out, size_t n);

/* Can a trace of this GIC (2, 3 or 5) have been recorded on a kernel that behaves like p? */
bool vgic_profile_fits_gic(const struct vgic_profile *p, int gic_version);

/* Create a model; NULL on an invalid configuration. All interrupts start as after vgic_init(). */
struct vgic_engine *vgic_engine_create(const struct vgic_engine_config *cfg);
void vgic_engine_destroy(struct vgic_engine *e);

/* A deep copy of the model, to try alternatives (what-if, races) without losing state. */
struct vgic_engine *vgic_engine_clone(const struct vgic_engine *e);

/* The configuration the model runs with (profile resolved, guest_model filled in). */
const struct vgic_engine_config *vgic_engine_get_config(const struct vgic_engine *e);

/* Program an interrupt as the guest would (vcpu: owner of a private IRQ). 0, or -1 if no such IRQ. */
int vgic_engine_configure(struct vgic_engine *e, int vcpu, uint32_t intid,
			  const struct vgic_irq_config_desc *c);

/*
 * GICD_CTLR enable: vgic_target_oracle() sends nothing pending anywhere
 * while it is off, and turning it on only kicks the vCPUs
 * (vgic_kick_vcpus()): what became pending meanwhile is not queued.
 */
void vgic_engine_set_dist_enabled(struct vgic_engine *e, bool enabled);

/* Is the distributor enabled (GICD_CTLR, as the model last saw it)? */
bool vgic_engine_dist_enabled(const struct vgic_engine *e);

/*
 * Interrupts that are pending and enabled, the distributor on, yet on no
 * AP list and not active: KVM will not present them until something
 * queues them again (a GICD_ISENABLER/ISPENDR write, a new injection).
 * The first max go to vcpus[] (the target) and intids[]; returns how many.
 */
int vgic_engine_stranded(const struct vgic_engine *e, int *vcpus, uint32_t *intids, int max);

/*
 * The VMCR KVM holds for vcpu (ICH_VMCR_EL2 / GICH_VMCR layout; for a GICv5
 * vCPU bit 0 EN and [5:1] VPMR as in FEAT_GCIE ICH_VMCR_EL2). 6.19+ saves
 * it at every exit, so sync takes it from the saved registers; this sets it
 * for the first entry or for replaying a vcpu_put.
 */
void vgic_engine_set_vmcr(struct vgic_engine *e, int vcpu, uint32_t vmcr);

/*
 * The time of what the caller applies next (a trace's clock; 0 when
 * unused). An interrupt joins its AP list behind the entries queued
 * before it by this clock, not behind ones the caller applied earlier
 * but that were queued later: a replay learns of an injection from
 * another thread only once that thread has moved on.
 */
void vgic_engine_set_clock(struct vgic_engine *e, int64_t now);

/* ---------------------------------------------------------------- injection */

/*
 * kvm_vgic_inject_irq(): vcpu is the target of a private IRQ, -1 for SPIs.
 * vgic_validate_injection() drops a level injection that does not change
 * the line and an edge "injection" of 0; vgic_queue_irq_unlock() then puts
 * the IRQ on its target's AP-list tail (or, GICv5 PPIs, only kicks).
 * 1 when the state changed, 0 when validation dropped it, -1 on an invalid
 * INTID or vCPU (the kernel's -EINVAL).
 */
int vgic_engine_inject(struct vgic_engine *e, int vcpu, uint32_t intid, bool level);

/* KVM_IRQ_LINE's irq field, decoded (arch/arm64/include/uapi/asm/kvm.h). */
enum vgic_irq_line_type { VGIC_IRQ_LINE_CPU = 0, VGIC_IRQ_LINE_SPI = 1, VGIC_IRQ_LINE_PPI = 2 };
struct vgic_irq_line {
	enum vgic_irq_line_type type; /* bits [27:24] */
	int vcpu;		      /* bits [23:16] + 256 * bits [31:28] */
	uint32_t num;		      /* bits [15:0] */
	uint32_t intid;		      /* what kvm_vgic_inject_irq() gets (GICv5: typed) */
	int target;		      /* the vcpu argument: vcpu for PPIs, -1 for SPIs */
};

/*
 * kvm_vm_ioctl_irq_line(): decode irq for a guest of the given model and
 * check it as the kernel does (PPI numbers 16-31, or 0-127 on GICv5; SPI
 * numbers >= 32, or typed GICv5 SPIs). 0, or -1 where the kernel says
 * -EINVAL/-ENXIO (CPU lines are refused with an in-kernel irqchip).
 */
int vgic_decode_irq_line(uint32_t irq, int guest_model, int nr_vcpus, struct vgic_irq_line *out);

/*
 * vgic_queue_irq_unlock() for an LPI, with the state its caller left it in
 * (the ITS paths set the latch: vgic_its_trigger_msi(),
 * vgic_its_inject_cached_translation(); the pending-table and
 * configuration syncs set latch, enable and priority). The first call for
 * an INTID creates the LPI as vgic_add_lpi() does: edge, group 1. An LPI
 * already on an AP list stays there. 0, or -1 when the INTID is no LPI,
 * the target no vCPU, or every LPI slot is taken.
 */
int vgic_engine_queue_lpi(struct vgic_engine *e, uint32_t intid, int target_vcpu,
			  bool pending_latch, bool enabled, uint8_t priority);

/*
 * update_affinity(): an ITS MOVI (or MAPC) aimed the LPI at another vCPU;
 * it stays on the AP list it is on until that vCPU's prune moves it. -1
 * when the model holds no such LPI. Both this and vgic_engine_queue_lpi()
 * keep the target learned latest by the clock (vgic_engine_set_clock()).
 */
int vgic_engine_retarget_lpi(struct vgic_engine *e, uint32_t intid, int target_vcpu);

/*
 * KVM_IRQ_LINE: decode, then inject. Returns as vgic_engine_inject(), -1
 * when decoding fails or, on a GICv5 VM, for any PPI but SW_PPI (3), the
 * one PPI userspace may drive (userspace_ppis).
 */
int vgic_engine_irq_line(struct vgic_engine *e, uint32_t irq, bool level);

/*
 * A guest SGI: ICC_SGI1R_EL1 (vgic_v3_dispatch_sgi) or GICD_SGIR
 * (vgic_mmio_write_sgir; on the GICv2 model it records the source CPU in
 * irq->source). targets is a bitmap of vCPUs.
 */
int vgic_engine_send_sgi(struct vgic_engine *e, int source_vcpu, uint64_t targets, uint32_t sgi);

/* GICD_ISPENDR/ICPENDR (vgic_mmio_write_spending / _cpending). */
int vgic_engine_mmio_set_pending(struct vgic_engine *e, int vcpu, uint32_t intid, bool pending);

/*
 * GICD_ISACTIVER/ICACTIVER (vgic_mmio_change_active): KVM halts the guest,
 * so the change applies to the software state; use it with the vCPUs out
 * of the guest (between a sync and the next flush).
 */
int vgic_engine_mmio_set_active(struct vgic_engine *e, int vcpu, uint32_t intid, bool active);

/*
 * For a replay that learns after the fact that a deactivation did not
 * happen (a remote DIR undone by the owner's fold of its LR): make intid
 * active again on vcpu's AP list at ap_index (-1: the tail), where it
 * would have stayed, since the list order decides the next flush. Unlike
 * an ICACTIVER write, this is not a guest action and counts nothing.
 */
int vgic_engine_undo_deactivation(struct vgic_engine *e, int vcpu, uint32_t intid, int ap_index);

/* ---------------------------------------------------------------- flush */

/* The CPU interface registers of one vCPU, as KVM keeps them in vgic_v3_cpu_if / vgic_v2_cpu_if. */
struct vgic_cpuif {
	int used_lrs;
	uint32_t hcr, vmcr;
	uint64_t lr[VGIC_ENGINE_MAX_LRS];
	uint32_t ap0r[4], ap1r[4]; /* GICv2: ap0r[0] is GICH_APR */
};

/* What a flush did, beyond the registers. */
struct vgic_flush_result {
	struct vgic_cpuif regs;
	uint32_t lr_intid[VGIC_ENGINE_MAX_LRS]; /* which interrupt went into which LR */
	int lr_ap_index[VGIC_ENGINE_MAX_LRS];	/* its position in the (sorted) AP list */
	int sorted;				/* the AP list overflowed the LRs and was sorted */
	int64_t last_lr_intid;			/* the EOIcount walk's boundary, -1 none */
	bool skipped;		       /* <= 6.18: empty AP list, LRs left alone */
	int nr_pend, nr_act, nr_sgi;   /* summarize_ap_list() (6.19+) */
	int lr_depth;		       /* compute_ap_list_depth() (<= 6.18) */
};

/*
 * kvm_vgic_flush_hwstate(): process a pending KVM_REQ_VGIC_PROCESS_UPDATE
 * (prune after a trapped DIR), then choose, sort and encode the LRs for
 * vcpu's next entry and configure the HCR as the profile does. A GICv5
 * vCPU's PPIs are flushed separately (vgic_engine_v5_flush_ppis).
 */
void vgic_engine_flush(struct vgic_engine *e, int vcpu, struct vgic_flush_result *out);

/*
 * The kernel programmed other LRs than the model predicted for this
 * flush (pred, from vgic_engine_flush): take the kernel's
 * vgic_flush_lr_state() as what happened, so the model follows the
 * recording again. What the model placed and the kernel did not gets its
 * populate side effects undone (edge latch back, off the LR); what the
 * kernel placed gets them applied; the CPU interface image and the
 * EOIcount walk's boundary (last_lr_irq) become the kernel's, and the
 * entries in its LRs take the order it placed them in (its AP-list order).
 */
void vgic_engine_adopt_flush(struct vgic_engine *e, int vcpu, const struct vgic_flush_result *pred,
			     const struct vgic_cpuif *programmed);

/*
 * vgic_irq_handle_resampling() reads a HW level interrupt's physical line
 * (vgic_get_phys_line_level()), which no trace shows; the model takes the
 * level last injected. The HW level interrupts on vcpu's AP list whose
 * line the last fold re-read and found high, pending and inactive, go to
 * intids (their count is returned); vgic_engine_lower_phys_line() makes
 * one's line low, as the kernel may have read it.
 */
int vgic_engine_resampled(const struct vgic_engine *e, int vcpu, uint32_t *intids, int max);
void vgic_engine_lower_phys_line(struct vgic_engine *e, int vcpu, uint32_t intid);

/* ---------------------------------------------------------------- sync */

/* Why a state change happened. */
enum vgic_change_cause {
	VGIC_CAUSE_LR_FOLD,	/* vgic_v3_fold_lr(): the saved LR said so */
	VGIC_CAUSE_EOICOUNT,	/* the EOIcount walk (6.19+) */
	VGIC_CAUSE_DIR_TRAP,	/* vgic_v3_deactivate()/vgic_v2_deactivate() */
	VGIC_CAUSE_PRUNE,	/* vgic_prune_ap_list() */
	VGIC_CAUSE_MMIO,	/* GICD_I[SC]ACTIVER / I[SC]PENDR */
	VGIC_CAUSE_PPI_FOLD,	/* vgic_v5_fold_ppi_state() */
};

/* What changed. */
enum vgic_change_kind {
	VGIC_CHANGE_DEACTIVATED,      /* active -> inactive */
	VGIC_CHANGE_ACTIVATED,	      /* inactive -> active (the guest acknowledged it) */
	VGIC_CHANGE_PENDING_SET,      /* pending_latch set again (edge left pending in the LR) */
	VGIC_CHANGE_PENDING_CLEARED,  /* pending_latch cleared (level acked) */
	VGIC_CHANGE_PHYS_DEACTIVATED, /* HW interrupt: KVM wrote the physical DIR */
	VGIC_CHANGE_LEVEL_ACKED,      /* kvm_notify_acked_irq() (level SPI EOI; kvm_ack_irq) */
	VGIC_CHANGE_REMOVED,	      /* taken off the AP list */
	VGIC_CHANGE_MIGRATED,	      /* moved to another vCPU's AP-list tail (to_vcpu) */
};

struct vgic_change {
	uint32_t intid;
	int16_t vcpu;	 /* whose AP list / LRs it was in */
	int16_t to_vcpu; /* VGIC_CHANGE_MIGRATED: the new vCPU */
	uint8_t kind;	 /* enum vgic_change_kind */
	uint8_t cause;	 /* enum vgic_change_cause */
};

/* What a sync did. */
struct vgic_sync_result {
	int ndeactivated; /* deactivations in order (fold first, then the walk) */
	uint32_t deactivated[64];
	bool by_eoicount[64];
	int eoicount;	   /* EOIcount read from the saved HCR, 0 before 6.19 */
	int eoicount_left; /* EOIs the walk found no active interrupt for */
	bool fold_skipped; /* the fold did not run (<= 6.18: no LR used; 7.0: no last_lr_irq) */
	int nchanges;
	struct vgic_change changes[VGIC_ENGINE_MAX_CHANGES];
	bool changes_truncated;
};

/*
 * kvm_vgic_sync_hwstate(): take the registers the hardware handed back
 * (saved LRs, HCR with EOIcount in [31:27] on 6.19+ when LRENPIE was set,
 * VMCR and APRs), fold them into the interrupts, run the profile's
 * EOIcount walk, prune the AP list and migrate what moved. out lists every
 * state change. fold + prune, for callers that want them apart.
 */
void vgic_engine_sync(struct vgic_engine *e, int vcpu, const struct vgic_cpuif *saved,
		      struct vgic_sync_result *out);
void vgic_engine_fold(struct vgic_engine *e, int vcpu, const struct vgic_cpuif *saved,
		      struct vgic_sync_result *out);
void vgic_engine_prune(struct vgic_engine *e, int vcpu);

/* What a trapped DIR did (vgic_v3_deactivate's three cases). */
enum vgic_dir_outcome {
	VGIC_DIR_IGNORED,    /* EOImode 0 in the VMCR, or INTID out of range */
	VGIC_DIR_NOT_QUEUED, /* on no AP list: nothing to do */
	VGIC_DIR_ON_LR,	     /* in an LR (maybe another vCPU's): ICACTIVER big hammer, applied at
				that vCPU's next sync */
	VGIC_DIR_FOLDED,     /* active outside the LRs: folded a pseudo-LR without A */
	VGIC_DIR_WRONG_SOURCE, /* GICv2 SGI whose CPUID does not match active_source */
};

/*
 * vgic_v3_deactivate() / vgic_v2_deactivate() (6.19+): the guest on vcpu
 * wrote ICC_DIR_EL1 (GICC_DIR) with value val and TDIR trapped it. The IRQ
 * may belong to another vCPU (SPIs). Its owner then gets
 * KVM_REQ_VGIC_PROCESS_UPDATE, processed at its next flush. Changes are
 * appended to out when out is not NULL.
 */
enum vgic_dir_outcome vgic_engine_deactivate(struct vgic_engine *e, int vcpu, uint32_t val,
					     struct vgic_sync_result *out);

/*
 * kvm_vgic_vcpu_pending_irq() (the WFI wake-up test): anything pending,
 * enabled, inactive and above the VMCR's PMR; on a GICv5 VM,
 * vgic_engine_v5_has_pending_ppi().
 */
bool vgic_engine_vcpu_pending_irq(const struct vgic_engine *e, int vcpu);

/* ---------------------------------------------------------------- queries */

/* The state of one interrupt; 0, or -1 if no such IRQ. */
int vgic_engine_irq(const struct vgic_engine *e, int vcpu, uint32_t intid,
		    struct vgic_irq_state *out);

/* The AP list of vcpu in order: up to max INTIDs into intids; returns its length. */
int vgic_engine_ap_list(const struct vgic_engine *e, int vcpu, uint32_t *intids, int max);

/* The VMCR/APR image KVM holds for vcpu (what the next flush hands the hardware). */
void vgic_engine_cpuif(const struct vgic_engine *e, int vcpu, struct vgic_cpuif *out);

/* Number of SPIs with an active instance (kvm->arch.vgic.active_spis, 6.19+). */
int vgic_engine_active_spis(const struct vgic_engine *e);

/*
 * The kernel's active_spis is known to be zero (a flush left TDIR clear):
 * set the model's to zero too. For a trace that starts with SPIs already
 * counted, which no event shows.
 */
void vgic_engine_clear_active_spis(struct vgic_engine *e);

/* Memory the model uses: per interrupt, per vCPU (bytes), for the bench. */
void vgic_engine_footprint(const struct vgic_engine *e, int *bytes_per_irq, int *bytes_per_vcpu);

/* ---------------------------------------------------------------- registers */

/* LR encoding helpers (ICH_LR_EL2 / GICH_LR; gic_version 2 or 3). */
uint32_t vgic_lr_intid(int gic_version, uint64_t lr);
bool vgic_lr_pending(int gic_version, uint64_t lr);
bool vgic_lr_active(int gic_version, uint64_t lr);
uint8_t vgic_lr_priority(int gic_version, uint64_t lr);
bool vgic_lr_hw(int gic_version, uint64_t lr);
bool vgic_lr_eoi(int gic_version, uint64_t lr);   /* EOI maintenance request (HW=0 only) */
uint8_t vgic_lr_group(int gic_version, uint64_t lr);
uint32_t vgic_lr_physid(int gic_version, uint64_t lr); /* pINTID (HW=1) */
uint32_t vgic_lr_source(int gic_version, uint64_t lr); /* GICv2 SGI CPUID, bits [12:10] */

/* An LR's fields at once, as lrs_v and the kernel's vgic-state debugfs file name them. */
struct vgic_lr_fields {
	uint32_t intid;
	bool pending, active, hw, eoi;
	uint8_t group, priority;
};
void vgic_lr_decode(int gic_version, uint64_t lr, struct vgic_lr_fields *f);

/*
 * An LR as the TUI shows it: "43 active p40", the vINTID, the state
 * (invalid, pending, active, pending+active), the priority in hex, and
 * " HW p27" with the pINTID when HW is set; "-" for an empty (zero) LR.
 * Returns buf.
 */
char *vgic_lr_describe(int gic_version, uint64_t lr, char *buf, size_t n);

/* The EOIcount field of an ICH_HCR_EL2 / GICH_HCR value. */
#define vgic_hcr_eoicount(hcr) ((int)(((hcr) >> VGIC_HCR_EOICOUNT_SHIFT) & 31))

/* HCR bits (ICH_HCR_EL2 and GICH_HCR share the low ones and EOIcount). */
#define VGIC_HCR_EN (1u << 0)
#define VGIC_HCR_UIE (1u << 1)
#define VGIC_HCR_LRENPIE (1u << 2)
#define VGIC_HCR_NPIE (1u << 3)
#define VGIC_HCR_VGRP0EIE (1u << 4)
#define VGIC_HCR_VGRP0DIE (1u << 5)
#define VGIC_HCR_VGRP1EIE (1u << 6)
#define VGIC_HCR_VGRP1DIE (1u << 7)
#define VGIC_HCR_VSGIEOICOUNT (1u << 8)
#define VGIC_HCR_TDIR (1u << 14)
#define VGIC_HCR_EOICOUNT_SHIFT 27

/* MISR bits (ICH_MISR_EL2 / GICH_MISR). */
#define VGIC_MISR_EOI (1u << 0)
#define VGIC_MISR_U (1u << 1)
#define VGIC_MISR_LRENP (1u << 2)
#define VGIC_MISR_NP (1u << 3)
#define VGIC_MISR_VGRP0E (1u << 4)
#define VGIC_MISR_VGRP0D (1u << 5)
#define VGIC_MISR_VGRP1E (1u << 6)
#define VGIC_MISR_VGRP1D (1u << 7)

/* VMCR fields the model reads, in the host's layout. */
uint8_t vgic_vmcr_pmr(int gic_version, uint32_t vmcr);
bool vgic_vmcr_eoimode(int gic_version, uint32_t vmcr);
bool vgic_vmcr_group_enabled(int gic_version, uint32_t vmcr, int group);
/* Build a VMCR from its fields (tests, replay of KVM_SET_DEVICE_ATTR). */
uint32_t vgic_vmcr_make(int gic_version, uint8_t pmr, bool eoimode, bool grp0, bool grp1);

/*
 * Derived maintenance state (vgic_v3_get_misr/_eisr/_elrsr in
 * vgic-v3-nested.c, and the architecture): KVM never stores these, so
 * they are computed from saved LRs + HCR (at flush) + VMCR (at exit).
 */
struct vgic_maint_status {
	uint32_t misr;
	uint32_t eisr;	/* bit per LR: state 0, HW 0, EOI 1 */
	uint32_t elrsr; /* bit per LR: state 0 and (HW or !EOI) */
};
void vgic_derive_maint_status(int gic_version, const struct vgic_cpuif *saved,
			      struct vgic_maint_status *out);

/* ---------------------------------------------------------------- simulated guest CPU interface */

/* What a guest access did. */
enum vgic_guest_outcome {
	VGIC_GUEST_LR,	     /* acted on an LR */
	VGIC_GUEST_EOICOUNT, /* no matching LR: the hardware bumped EOIcount */
	VGIC_GUEST_TRAP,     /* TDIR set: the access traps to KVM (call vgic_engine_deactivate) */
	VGIC_GUEST_NOTHING,  /* no effect (no active priority, EOImode 0 DIR, mismatch) */
};

/*
 * ICC_IAR1_EL1 / ICC_IAR0_EL1 (GICC_IAR) on a simulated guest: the
 * highest-priority pending LR of that group, group enabled in VMCR,
 * priority below the VMCR's PMR and preempting the running priority (from
 * the APRs); P -> A and set its APR bit. VGIC_ENGINE_NO_INTID if none.
 * Priorities are modelled with 5 bits (APR bit = priority >> 3).
 */
uint32_t vgic_guest_read_iar(struct vgic_cpuif *regs, int gic_version, int group);

/*
 * Does the guest's CPU interface hold priority prio of an interrupt of
 * this group active (its bit set in the active-priority registers, as
 * __vgic_v3_get_highest_active_priority() reads ICH_AP0Rn/AP1Rn; GICv2:
 * GICH_APR in ap0r[0])? False once the guest's EOI dropped that priority.
 * 5 priority bits, as the model's (APR bit = priority >> 3).
 */
bool vgic_apr_priority_active(int gic_version, const struct vgic_cpuif *regs, int group,
			      uint8_t prio);

/*
 * ICC_EOIR1_EL1: drop the highest active priority; with EOImode 0 also
 * deactivate the matching active LR. No matching LR: EOIcount++ (whatever
 * EOImode, as __vgic_v3_write_eoir and QEMU's icv_eoir_write do), but
 * never for an LPI; an LPI's EOI deactivates it whatever EOImode.
 */
enum vgic_guest_outcome vgic_guest_write_eoir(struct vgic_cpuif *regs, int gic_version,
					      uint32_t intid);

/*
 * ICC_DIR_EL1 (EOImode 1): TDIR set -> VGIC_GUEST_TRAP (but the hyp fast
 * path handles an active LR in place); otherwise deactivate the active LR,
 * or EOIcount++ when there is none (__vgic_v3_write_dir).
 */
enum vgic_guest_outcome vgic_guest_write_dir(struct vgic_cpuif *regs, int gic_version,
					     uint32_t intid);

/* Older helpers with explicit PMR / EOImode (kept for existing callers). */
uint32_t vgic_guest_ack(struct vgic_cpuif *regs, int gic_version, uint8_t pmr);
void vgic_guest_eoi(struct vgic_cpuif *regs, int gic_version, uint32_t intid, int eoimode);
void vgic_guest_dir(struct vgic_cpuif *regs, int gic_version, uint32_t intid);

/* ---------------------------------------------------------------- GICv5 PPIs */

/*
 * The PPI registers of a GICv5 vCPU (struct vgic_v5_cpu_if and the
 * per-CPU host_data->vgic_v5_ppi_state): bit n of [n / 64] is PPI n.
 */
struct vgic_v5_ppi_regs {
	uint64_t pendr[2];	/* ICH_PPI_PENDRx_EL2 */
	uint64_t activer[2];	/* ICH_PPI_ACTIVERx_EL2 */
	uint64_t enabler[2];	/* ICH_PPI_ENABLERx_EL2 (writes trap: KVM's copy is current) */
	uint64_t dvir[2];	/* ICH_PPI_DVIRx_EL2: direct virtual injection */
	uint8_t priority[VGIC_V5_PPI_REG_BITS]; /* ICH_PPI_PRIORITYRx_EL2, 5 bits each */
	uint32_t vmcr;		/* EN bit 0, VPMR [5:1] (model layout, see vgic_engine_set_vmcr) */
	uint32_t apr;		/* ICH_APR_EL2: bit p set = priority p active */
	/* (at flush: KVM's VMCR/APR, what vgic_v5_load() restores; at exit: the hardware's) */
};

/*
 * Expose PPI n to the guest, as vgic_v5_finalize_ppi_state() does for a
 * PPI with an owner (the timer, the PMU); SW_PPI (3) is exposed from the
 * start. -1 for a PPI the host does not implement (only the timers 26,
 * 27, 28, 30, SW_PPI and the PMU's 23 are) or a config other than its
 * architected one (SW_PPI edge, the others level).
 */
int vgic_engine_v5_expose_ppi(struct vgic_engine *e, uint32_t ppi, enum vgic_irq_config config);

/*
 * vgic_v5_flush_ppi_state(): build the pending bitmap from irq_is_pending()
 * and consume edge latches; out is what the entry then writes to the
 * hardware (__vgic_v5_restore_ppi_state()): PENDR without the directly
 * injected PPIs (pending & ~DVIR), whose pending state the hardware owns.
 */
void vgic_engine_v5_flush_ppis(struct vgic_engine *e, int vcpu, struct vgic_v5_ppi_regs *out);

/*
 * vgic_v5_fold_ppi_state(): active from the exit ACTIVER, edge latches |=
 * exit PENDR; and what the exit saves (__vgic_v5_save_ppi_state(),
 * __vgic_v5_save_state()): ACTIVER for the next entry, PRIORITYR (KVM's
 * copy, written back at the next entry; the shadow priorities wait for
 * vgic_engine_v5_put() in WFI) and the VMCR. exit->apr is not read: the
 * APR is saved only at put.
 */
void vgic_engine_v5_fold_ppis(struct vgic_engine *e, int vcpu, const struct vgic_v5_ppi_regs *exit,
			      struct vgic_sync_result *out);

/*
 * vgic_v5_load() / vgic_v5_put(): the vCPU is scheduled in (or leaves
 * WFI) and out (or enters WFI). A load of a resident vCPU and a put of a
 * non-resident one do nothing. put saves the APR the hardware holds and,
 * in WFI only, refreshes the shadow priority of the exposed PPIs from the
 * saved ICH_PPI_PRIORITYR (vgic_v5_sync_ppi_priorities()), which the WFI
 * wake-up test then compares.
 */
void vgic_engine_v5_load(struct vgic_engine *e, int vcpu);
void vgic_engine_v5_put(struct vgic_engine *e, int vcpu, uint32_t apr, bool in_wfi);

/*
 * vgic_v5_get_effective_priority_mask(): 0 when VMCR.EN is clear, else
 * min(ctz(APR) or 32, VPMR + 1): a PPI can be signalled when its priority
 * is below it.
 */
uint32_t vgic_v5_effective_priority_mask(uint32_t vmcr, uint32_t apr);

/* vgic_v5_has_pending_ppi(): anything enabled, pending and below the effective mask (WFI wake). */
bool vgic_engine_v5_has_pending_ppi(const struct vgic_engine *e, int vcpu);

/* irq_ops->set_direct_injection = vgic_v5_set_ppi_dvi(): set/clear the PPI's DVIR bit. */
int vgic_engine_v5_set_dvi(struct vgic_engine *e, int vcpu, uint32_t ppi, bool dvi);

/*
 * A guest write of ICC_PPI_ENABLER<bank>_EL1, trapped to
 * access_gicv5_ppi_enabler(): masked with the PPIs exposed to the VM, so
 * a PPI the VM does not have stays disabled. 0, or -1 on a bad vCPU/bank.
 */
int vgic_engine_v5_write_enabler(struct vgic_engine *e, int vcpu, int bank, uint64_t val);

/*
 * GICv5 guest side: enable or disable PPI n (an ENABLER write that
 * changes its bit, as vgic_engine_v5_write_enabler) and program its
 * priority (5 bits) in ICC_PPI_PRIORITYR, which is not trapped: KVM
 * holds it as the next exit saves it, the shadow priority is not changed.
 */
int vgic_engine_v5_configure_ppi(struct vgic_engine *e, int vcpu, uint32_t ppi, bool enabled,
				 uint8_t priority);

/* ---------------------------------------------------------------- guest MMIO */

/*
 * Where the VMM put the vGIC's frames in guest physical memory
 * (KVM_VGIC_V3_ADDR_TYPE_DIST/REDIST, KVM_VGIC_V2_ADDR_TYPE_DIST/CPU). No
 * trace event records them; QEMU's virt machine (and the lab's VMM) use
 * VGIC_MMIO_LAYOUT_QEMU_VIRT. Redistributors are 128 KiB apart (RD_base,
 * SGI_base), one per vCPU in vCPU order.
 */
struct vgic_mmio_layout {
	uint64_t dist;
	uint64_t redist;
	uint64_t cpuif;
	uint64_t its; /* GITS_* frame (GICv3 with an ITS); 0 none */
};
#define VGIC_MMIO_LAYOUT_QEMU_VIRT {0x08000000ull, 0x080a0000ull, 0x08010000ull, 0x08080000ull}
/* The distributor registers' offsets from GICD (the GIC architecture's; vgic-mmio-v2/v3.c). */
#define GICD_CTLR 0x0000
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR 0x0800
#define GICD_ICFGR 0x0c00
#define GICD_SGIR 0x0f00
#define GICD_IROUTER 0x6000

#define VGIC_GITS_CWRITER 0x88 /* the guest's write here makes the ITS run its commands */

/*
 * A guest MMIO write of vcpu (a kvm_mmio event: gpa, len, val) applied as
 * KVM's handlers do (vgic-mmio.c, vgic-mmio-v3.c, vgic-mmio-v2.c): GICD_CTLR,
 * IGROUPR, IS/ICENABLER, IS/ICPENDR, IS/ICACTIVER, IPRIORITYR (5 bits kept),
 * ITARGETSR, ICFGR (SPIs only), IROUTER, GICD_SGIR, and the GICR SGI_base
 * frame of each vCPU. Returns 1 for a vGIC register (applied, or RAZ/WI),
 * 0 for an address outside the vGIC or a register the model does not keep
 * (every address of a GICv5 VM: its IRS is not modelled), -1 for bad
 * arguments.
 */
int vgic_engine_mmio_write(struct vgic_engine *e, const struct vgic_mmio_layout *layout,
			   int vcpu, uint64_t gpa, int len, uint64_t val);

#endif
