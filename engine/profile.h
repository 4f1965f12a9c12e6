/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel profiles: the data and hooks by which kernel versions differ.
 * Private to engine/; the public header only names profiles.
 */
#ifndef VR_ENGINE_PROFILE_H
#define VR_ENGINE_PROFILE_H

#include "vgic_engine.h"

enum eoicount_walk {
	EOICOUNT_NONE,		/* <= 6.18: EOIcount is never read */
	EOICOUNT_FROM_HEAD,	/* 6.19: walk the AP list from its head */
	EOICOUNT_AFTER_LAST_LR, /* 6da5e537f5af: start after the last LR entry */
};

struct vgic_profile {
	const char *name;
	const char *description;
	/* vgic_irq_cmp(): < 0 when a sorts before b; stable for equal entries. */
	int (*cmp)(const struct vgic_irq_state *a, bool a_pending, const struct vgic_irq_state *b,
		   bool b_pending);
	bool depth_counts_all;	 /* compute_ap_list_depth() counted every entry (<= 6.18) */
	bool flush_empty_list;	 /* 6.19 flushes (and programs HCR) even with an empty list */
	enum eoicount_walk eoicount_walk;
	/* The HCR the flush configures, from what the AP list holds. */
	uint32_t (*configure_hcr)(int used, int targeted, int nact, int npend, int nr_lrs);
};

#endif
