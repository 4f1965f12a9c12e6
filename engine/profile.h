/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel profiles: the data and hooks by which kernel versions differ.
 * Private to engine/; the public header only names profiles.
 */
#ifndef VR_ENGINE_PROFILE_H
#define VR_ENGINE_PROFILE_H

#include "model.h"

enum flush_style {
	FLUSH_DEPTH,   /* <= 6.18: compute_ap_list_depth(), multi-SGI cut-off, UIE only */
	FLUSH_SUMMARY, /* 6.19+: summarize_ap_list(), HCR rebuilt by configure_hcr */
};

enum eoicount_walk {
	EOICOUNT_NONE,		/* <= 6.18: EOIcount is never read */
	EOICOUNT_FROM_HEAD,	/* 6.19: walk the AP list from its head */
	EOICOUNT_AFTER_LAST_LR, /* 6da5e537f5af: start after the last LR entry */
};

/* What the HCR configuration sees (struct ap_list_summary plus context). */
struct hcr_inputs {
	int nr_pend, nr_act, nr_sgi, nr_lrs;
	uint32_t vmcr;
	int gic_version;
	bool host_lacks_tdir;
	int active_spis;
};

struct vgic_profile {
	const char *name;
	const char *description;
	/* vgic_irq_cmp(): < 0 when a sorts before b, 0 keeps the order (list_sort is stable). */
	int (*cmp)(const struct irq *a, const struct irq *b);
	/* vgic_v3_configure_hcr()/vgic_v2_configure_hcr(); NULL: <= 6.18 (En, UIE at flush). */
	uint32_t (*configure_hcr)(const struct hcr_inputs *in);
	enum flush_style flush;
	enum eoicount_walk eoicount_walk;
	bool fold_needs_last_lr;   /* 7.0: vgic_fold_lr_state() returns without last_lr_irq */
	bool sync_skips_empty;	   /* <= 6.18: no save/fold on an empty AP list, no fold without LRs */
	bool ack_on_deactivation;  /* 6.19+: kvm_notify_acked_irq() only when the LR deactivated */
	bool traps_dir;		   /* 6.19+: vgic_v3_deactivate() exists (TDIR, GICv2 DIR trap) */
	bool counts_active_spis;   /* 6.19+: kvm->arch.vgic.active_spis */
	bool fold_drops_lpi_active; /* 6.19+: vgic_v3_fold_lr() clears an LPI's A bit */
	bool gicv5_ppis;	   /* native GICv5 PPI support (vgic-v5.c) */
};

#endif
