/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel profiles. What differs, and where in the kernel:
 *
 *   vgic_irq_cmp()         <= 6.18: active entries first, then pending and
 *                          enabled ones by priority; 6.19: pending-and-not-
 *                          active first, then priority, then HW first.
 *   vgic_flush_lr_state()  <= 6.18 sorts when compute_ap_list_depth()
 *                          (every entry) exceeds the LRs; 6.19 when
 *                          summarize_ap_list() (entries targeting the vCPU)
 *                          does. <= 6.18 skips the flush on an empty list.
 *   EOIcount               never read before 6.19; 6.19 replays it from the
 *                          AP-list head; 7.0 (6da5e537f5af) from after the
 *                          last interrupt placed in an LR.
 *   ICH_HCR                <= 6.18: En, plus UIE when entries were left out
 *                          (vgic_set_underflow); 6.19+: see configure_hcr_619.
 */
#include <string.h>

#include "profile.h"

/* vgic_irq_cmp() before 6.19. */
static int cmp_612(const struct vgic_irq_state *a, bool a_pend, const struct vgic_irq_state *b,
		   bool b_pend)
{
	bool pa = a->enabled && a_pend, pb = b->enabled && b_pend;

	if (a->active || b->active)
		return (int)b->active - (int)a->active;
	if (!pa || !pb)
		return (int)pb - (int)pa;
	return (int)a->priority - (int)b->priority;
}

/* vgic_irq_cmp() from 6.19 ("Pending interrupts must have priority over active ones"). */
static int cmp_619(const struct vgic_irq_state *a, bool a_pend, const struct vgic_irq_state *b,
		   bool b_pend)
{
	bool pa = a->enabled && a_pend && !a->active, pb = b->enabled && b_pend && !b->active;

	if (pa != pb)
		return (int)pb - (int)pa;
	if (a->priority != b->priority)
		return (int)a->priority - (int)b->priority;
	return (int)b->hw - (int)a->hw;
}

/* <= 6.18: En, and UIE (vgic_set_underflow) when the list did not fit. */
static uint32_t hcr_612(int used, int targeted, int nact, int npend, int nr_lrs)
{
	(void)nact;
	(void)npend;
	(void)nr_lrs;
	return 1u | (targeted > used ? 2u : 0u);
}

/*
 * 6.19 (vgic_v3_configure_hcr): En; UIE when entries stay outside the LRs;
 * NPIE when more are pending than fit; LRENPIE when actives are outside.
 * The group enable/disable and trap bits depend on guest and host state
 * the model does not see; callers compare LRs, not this value.
 */
static uint32_t hcr_619(int used, int targeted, int nact, int npend, int nr_lrs)
{
	uint32_t hcr = 1u;

	if (targeted > used)
		hcr |= 2u;
	if (npend > nr_lrs)
		hcr |= 8u;
	if (nact && targeted > used)
		hcr |= 4u;
	return hcr;
}

static const struct vgic_profile profiles[] = {
	{"linux-6.12", "kernels up to 6.18: EOIcount never read, actives sorted first", cmp_612,
	 true, false, EOICOUNT_NONE, hcr_612},
	{"linux-6.19", "6.19 LR-overflow rework: EOIcount walk from the AP-list head", cmp_619,
	 false, true, EOICOUNT_FROM_HEAD, hcr_619},
	{"linux-7.0", "after 6da5e537f5af: EOIcount walk after the last LR entry", cmp_619, false,
	 true, EOICOUNT_AFTER_LAST_LR, hcr_619},
};

/* See vgic_engine.h. */
const struct vgic_profile *vgic_profile_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

/* See vgic_engine.h. */
const struct vgic_profile *vgic_profile_at(int i)
{
	return i >= 0 && (size_t)i < sizeof(profiles) / sizeof(profiles[0]) ? &profiles[i] : NULL;
}

/* See vgic_engine.h. */
const char *vgic_profile_name(const struct vgic_profile *p)
{
	return p->name;
}

/* See vgic_engine.h. */
const char *vgic_profile_description(const struct vgic_profile *p)
{
	return p->description;
}
