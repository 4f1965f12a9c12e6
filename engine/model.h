/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal state of the vGIC model, shared by the engine's files (not
 * part of the public contract). Interrupts live in one flat array: each
 * vCPU's private block (32 SGIs/PPIs, or 64 GICv5 PPIs), then the SPIs;
 * AP lists are arrays of 16-bit indices into it, so a clone is a memcpy.
 */
#ifndef VR_ENGINE_MODEL_H
#define VR_ENGINE_MODEL_H

#include "vgic_engine.h"

/* GICv5 architected PPI numbers (GICV5_ARCH_PPI_*, include/linux/irqchip/arm-gic-v5.h). */
#define V5_ARCH_PPI_SW_PPI 3
#define V5_ARCH_PPI_PMUIRQ 23
#define V5_ARCH_PPI_CNTHP 26
#define V5_ARCH_PPI_CNTV 27
#define V5_ARCH_PPI_CNTHV 28
#define V5_ARCH_PPI_CNTP 30

/* The 64-bit words of a GICv5 vCPU's PPI bitmaps (a DECLARE_BITMAP of VGIC_V5_NR_PRIVATE_IRQS). */
#define V5_PPI_WORDS (VGIC_V5_NR_PPIS / 64)
_Static_assert(VGIC_V5_NR_PPIS % 64 == 0 && VGIC_V5_NR_PPIS <= VGIC_V5_PPI_REG_BITS,
	       "GICv5 PPIs come in whole banks of the PPI registers");

/* One interrupt: the fields of struct vgic_irq the model needs (28 bytes). */
struct irq {
	uint32_t intid;
	uint32_t hwintid;
	int16_t vcpu;	/* irq->vcpu: whose AP list holds it, -1 none */
	int16_t target; /* irq->target_vcpu, -1 none */
	uint8_t priority, group, source, active_source;
	bool pending_latch, line_level, active, enabled, hw, on_lr, level, dvi;
	bool exposed;	      /* GICv5: in vgic_ppi_mask */
	bool phys_level;      /* HW-mapped: the physical line, as last injected */
	bool cactive_pending; /* trapped DIR found it in an LR: ICACTIVER at the owner's sync */
	bool spi_counted;     /* counted in active_spis (6.19+) */
	bool resampled;	      /* HW level: the last fold re-read the physical line */
	int64_t queued_at;    /* the caller's clock when it last joined an AP list */
	int64_t target_at;    /* LPIs: the caller's clock when its target was last learned */
};

struct vcpu {
	uint16_t *ap; /* the AP list, in order */
	int nap;
	struct vgic_cpuif cpuif; /* KVM's image of the CPU interface */
	int last_lr_irq;	 /* host_data->last_lr_irq (7.0) / last populated (all), -1 */
	bool process_update;	 /* KVM_REQ_VGIC_PROCESS_UPDATE */
	/* GICv5 PPI state (struct vgic_v5_cpu_if, host_data->vgic_v5_ppi_state) */
	uint64_t ppi_activer[V5_PPI_WORDS];
	uint64_t ppi_pendr[V5_PPI_WORDS];
	uint64_t ppi_dvir[V5_PPI_WORDS];
	uint64_t ppi_enabler[V5_PPI_WORDS]; /* cpu_if->vgic_ppi_enabler: trapped writes, masked */
	uint8_t ppi_priorityr[VGIC_V5_NR_PPIS]; /* cpu_if->vgic_ppi_priorityr, per PPI */
	uint32_t v5_vmcr, v5_apr;
	bool v5_resident; /* cpu_if->gicv5_vpe.resident: between vgic_v5_load() and _put() */
};

struct vgic_engine {
	struct vgic_engine_config cfg;
	const struct vgic_profile *p;
	int nr_private; /* per vCPU: 32, or VGIC_V5_NR_PPIS on a GICv5 guest */
	int nirqs;
	int lpi_base; /* index of the first LPI slot in irqs (after the SPIs) */
	int nlpis;    /* LPI slots in use, in order of first sight */
	struct irq *irqs;
	struct vcpu *vcpus;
	uint16_t *ap_storage; /* nr_vcpus * ap_cap */
	int ap_cap;
	bool dist_enabled;
	int active_spis;
	int64_t now; /* vgic_engine_set_clock(): when what is applied now happened */
};

/* irq_is_pending(): the latch for edge interrupts, latch or line for level ones. */
static inline bool irq_is_pending(const struct irq *irq)
{
	return irq->pending_latch || (irq->level && irq->line_level);
}

/* Is this INTID an SGI of a GICv2-model guest (sources tracked per CPU)? */
static inline bool is_v2_sgi(const struct vgic_engine *e, const struct irq *irq)
{
	return e->cfg.guest_model == 2 && irq->intid < 16;
}

/* A GICv5 PPI as vgic_allocate_private_irqs_locked() and finalize leave it (vgic_v5.c). */
void v5_reset_ppi(struct irq *irq, uint32_t n);

/* LR helpers shared by the engine and the guest CPU interface. */
uint64_t lr_state_bits(int gic_version, bool pending, bool active);
uint64_t lr_set_state(int gic_version, uint64_t lr, bool pending, bool active);

#endif
