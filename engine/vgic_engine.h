/* SPDX-License-Identifier: GPL-2.0 */
/*
 * engine/: a C model of KVM's vGIC (arch/arm64/kvm/vgic/), precise enough
 * to predict the list registers KVM programs at every guest entry and the
 * state it folds back at every exit. It knows nothing of SQLite, BPF or
 * curses: callers feed it injections, ask it to flush, and hand it the
 * registers the hardware gave back.
 *
 * Behaviour that changed between kernels lives in profiles (data plus a
 * few hooks): linux-6.12 (before the 6.19 LR rework), linux-6.19 (the
 * rework; EOIcount deactivations walk the AP list from its head) and
 * linux-7.0 (commit 6da5e537f5af: the walk starts after the last
 * interrupt that made it into the LRs).
 */
#ifndef VR_VGIC_ENGINE_H
#define VR_VGIC_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#define VGIC_ENGINE_MAX_LRS 16
#define VGIC_ENGINE_MAX_VCPUS 64
#define VGIC_ENGINE_NR_PRIVATE 32

struct vgic_engine;
struct vgic_profile;

enum vgic_irq_config { VGIC_EDGE = 0, VGIC_LEVEL = 1 };

/* How the guest programmed one interrupt in the distributor/redistributor. */
struct vgic_irq_config_desc {
	bool enabled;
	uint8_t priority;
	uint8_t group;
	enum vgic_irq_config config;
	int target_vcpu;  /* SPIs: routing target; ignored for private IRQs */
	bool hw;	  /* mapped to a physical interrupt (the arch timer) */
	uint32_t hwintid;
};

/* The state of one interrupt, mirroring struct vgic_irq (include/kvm/arm_vgic.h). */
struct vgic_irq_state {
	uint32_t intid;
	bool pending_latch, line_level, active, enabled, hw, on_lr;
	enum vgic_irq_config config;
	uint8_t priority, group;
	int target_vcpu;
	int vcpu; /* whose AP list holds it, -1 none */
};

/* The CPU interface registers of one vCPU, as KVM keeps them in vgic_v3_cpu_if. */
struct vgic_cpuif {
	int used_lrs;
	uint32_t hcr, vmcr;
	uint64_t lr[VGIC_ENGINE_MAX_LRS];
};

/* What a flush did, beyond the registers. */
struct vgic_flush_result {
	struct vgic_cpuif regs;
	uint32_t lr_intid[VGIC_ENGINE_MAX_LRS]; /* which interrupt went into which LR */
	int sorted;				/* the AP list overflowed the LRs and was sorted */
	int64_t last_lr_intid;			/* the EOIcount walk's boundary, -1 none */
};

/* What a sync did: deactivations, by the fold or by the EOIcount walk. */
struct vgic_sync_result {
	int ndeactivated;
	uint32_t deactivated[64];
	bool by_eoicount[64];
	int eoicount; /* EOIcount read from the saved HCR, 0 before 6.19 */
};

struct vgic_engine_config {
	const struct vgic_profile *profile;
	int gic_version; /* host CPU interface: 3 (ICH_LR_EL2) or 2 (GICH_LR) */
	int nr_lrs;	 /* QEMU's GICv3 has 4 */
	int nr_vcpus;
	int nr_spis;
};

/* Profiles: by name ("linux-6.12", "linux-6.19", "linux-7.0"), or the i-th for listing. */
const struct vgic_profile *vgic_profile_find(const char *name);
const struct vgic_profile *vgic_profile_at(int i);
const char *vgic_profile_name(const struct vgic_profile *p);
const char *vgic_profile_description(const struct vgic_profile *p);

/* Create a model; NULL on an invalid configuration. */
struct vgic_engine *vgic_engine_create(const struct vgic_engine_config *cfg);
void vgic_engine_destroy(struct vgic_engine *e);

/* A deep copy of the model, to try alternatives (what-if, races) without losing state. */
struct vgic_engine *vgic_engine_clone(const struct vgic_engine *e);

/* Program an interrupt as the guest would (vcpu: owner of a private IRQ). */
int vgic_engine_configure(struct vgic_engine *e, int vcpu, uint32_t intid,
			  const struct vgic_irq_config_desc *c);

/* kvm_vgic_inject_irq(): vcpu is the target of a private IRQ, -1 for SPIs. */
int vgic_engine_inject(struct vgic_engine *e, int vcpu, uint32_t intid, bool level);

/* kvm_vgic_flush_hwstate(): choose and encode the LRs for vcpu's next entry. */
void vgic_engine_flush(struct vgic_engine *e, int vcpu, struct vgic_flush_result *out);

/*
 * kvm_vgic_sync_hwstate()'s fold: take the registers the hardware handed
 * back (saved LRs, HCR with EOIcount on 6.19+), fold them into the
 * interrupts, run the profile's EOIcount walk.
 */
void vgic_engine_fold(struct vgic_engine *e, int vcpu, const struct vgic_cpuif *saved,
		      struct vgic_sync_result *out);

/* vgic_prune_ap_list(): drop what needs no attention, migrate what moved. */
void vgic_engine_prune(struct vgic_engine *e, int vcpu);

/* Queries. */
int vgic_engine_irq(const struct vgic_engine *e, int vcpu, uint32_t intid,
		    struct vgic_irq_state *out);
int vgic_engine_ap_list(const struct vgic_engine *e, int vcpu, uint32_t *intids, int max);

/* ---------------- a simulated guest CPU interface, for scenario tests */

/* ICC_IAR1_EL1: acknowledge the highest-priority pending LR above the PMR; 1023 if none. */
uint32_t vgic_guest_ack(struct vgic_cpuif *regs, int gic_version, uint8_t pmr);

/*
 * ICC_EOIR1_EL1: priority drop; with EOImode 0 also deactivate the LR. An
 * EOI of an interrupt that is in no LR increments EOIcount (as the
 * hardware does; KVM reads it on 6.19+).
 */
void vgic_guest_eoi(struct vgic_cpuif *regs, int gic_version, uint32_t intid, int eoimode);

/* ICC_DIR_EL1 (EOImode 1): deactivate the LR holding intid, if any. */
void vgic_guest_dir(struct vgic_cpuif *regs, int gic_version, uint32_t intid);

/* LR encoding helpers (ICH_LR_EL2 / GICH_LR). */
uint32_t vgic_lr_intid(int gic_version, uint64_t lr);
bool vgic_lr_pending(int gic_version, uint64_t lr);
bool vgic_lr_active(int gic_version, uint64_t lr);
uint8_t vgic_lr_priority(int gic_version, uint64_t lr);

#endif
