/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel profiles. What differs, and where in the kernel:
 *
 *   vgic_irq_cmp()         <= 6.18: active entries first, then pending and
 *                          enabled ones by priority; 6.19: pending-and-not-
 *                          active first, then priority, then HW first.
 *   vgic_flush_lr_state()  <= 6.18 sorts when compute_ap_list_depth()
 *                          (every entry; GICv2 SGIs count per source)
 *                          exceeds the LRs or a multi-source SGI is queued,
 *                          and returns early on an empty list; 6.19 sorts
 *                          when summarize_ap_list() (entries for this vCPU)
 *                          overflows and always runs.
 *   ICH_HCR / GICH_HCR     <= 6.18: En, plus UIE (vgic_set_underflow) when
 *                          entries were left out; 6.19+: rebuilt by
 *                          vgic_v3_configure_hcr() (configure_hcr_619).
 *   EOIcount               never read before 6.19; 6.19 replays it from the
 *                          AP-list head; 7.0 (6da5e537f5af) from after the
 *                          last interrupt placed in an LR, and skips the fold
 *                          when no LR was populated.
 *   LPIs                   <= 6.18 fold an LPI's A bit like any other;
 *                          6.19+ clear it (EOIcount does not count LPIs
 *                          outside the LRs, so an LPI must not stay active).
 *   gicv5                  7.0 plus native GICv5 PPIs (vgic-v5.c): no LRs or
 *                          AP list for PPIs, irq_ops->queue_irq_unlock kicks.
 */
#include <stdio.h>
#include <string.h>

#include "profile.h"

/* vgic_irq_cmp() before 6.19: actives first ("can never be pushed out of the LRs"). */
static int cmp_612(const struct irq *a, const struct irq *b)
{
	bool pa = a->enabled && irq_is_pending(a), pb = b->enabled && irq_is_pending(b);

	if (a->active || b->active)
		return (int)b->active - (int)a->active;
	if (!pa || !pb)
		return (int)pb - (int)pa;
	return (int)a->priority - (int)b->priority;
}

/* vgic_irq_cmp() from 6.19: pending-and-not-active first, then priority, then HW. */
static int cmp_619(const struct irq *a, const struct irq *b)
{
	bool pa = a->enabled && irq_is_pending(a) && !a->active;
	bool pb = b->enabled && irq_is_pending(b) && !b->active;

	if (pa != pb)
		return (int)pb - (int)pa;
	if (a->priority != b->priority)
		return (int)a->priority - (int)b->priority;
	return (int)b->hw - (int)a->hw;
}

/*
 * vgic_v3_configure_hcr() / vgic_v2_configure_hcr() (6.19+): En; NPIE when
 * more are pending than fit (irqs_pending_outside_lrs); LRENPIE when actives
 * exist and the list overflows (irqs_active_outside_lrs); UIE on overflow;
 * vSGIEOICount without SGIs (v3); the group enable/disable interrupt per
 * VMCR group enable; TDIR (v3) without the TDIR capability, with actives
 * outside the LRs, or with SPIs in flight (active_spis).
 */
static uint32_t configure_hcr_619(const struct hcr_inputs *in)
{
	bool outside = in->nr_pend + in->nr_act > in->nr_lrs;
	uint32_t hcr = VGIC_HCR_EN;

	if (in->nr_pend > in->nr_lrs)
		hcr |= VGIC_HCR_NPIE;
	if (in->nr_act && outside)
		hcr |= VGIC_HCR_LRENPIE;
	if (outside)
		hcr |= VGIC_HCR_UIE;
	if (in->gic_version == 3 && !in->nr_sgi)
		hcr |= VGIC_HCR_VSGIEOICOUNT;
	hcr |= vgic_vmcr_group_enabled(in->gic_version, in->vmcr, 0) ? VGIC_HCR_VGRP0DIE
								     : VGIC_HCR_VGRP0EIE;
	hcr |= vgic_vmcr_group_enabled(in->gic_version, in->vmcr, 1) ? VGIC_HCR_VGRP1DIE
								     : VGIC_HCR_VGRP1EIE;
	if (in->gic_version == 3 && (in->host_lacks_tdir || (in->nr_act && outside) || in->active_spis))
		hcr |= VGIC_HCR_TDIR;
	return hcr;
}

/* What every kernel since the 6.19 LR rework shares. */
#define REWORK_619                                                                         \
	.cmp = cmp_619, .configure_hcr = configure_hcr_619, .flush = FLUSH_SUMMARY,         \
	.ack_on_deactivation = true, .traps_dir = true, .counts_active_spis = true,            \
	.fold_drops_lpi_active = true

static const struct vgic_profile profiles[] = {
	{.name = "linux-6.12",
	 .description = "up to 6.18: actives sorted first, EOIcount never read, no DIR trap",
	 .cmp = cmp_612,
	 .flush = FLUSH_DEPTH,
	 .eoicount_walk = EOICOUNT_NONE,
	 .sync_skips_empty = true},
	{.name = "linux-6.19",
	 .description = "6.19 LR-overflow rework: EOIcount walk from the AP-list head (seed bug)",
	 REWORK_619,
	 .eoicount_walk = EOICOUNT_FROM_HEAD},
	{.name = "linux-7.0",
	 .description = "after 6da5e537f5af: EOIcount walk after the last LR entry",
	 REWORK_619,
	 .eoicount_walk = EOICOUNT_AFTER_LAST_LR,
	 .fold_needs_last_lr = true},
	{.name = "gicv5",
	 .description = "linux-7.0 plus native GICv5 PPIs (vgic-v5.c: PENDR/ACTIVER, DVI, no AP list)",
	 REWORK_619,
	 .eoicount_walk = EOICOUNT_AFTER_LAST_LR,
	 .fold_needs_last_lr = true,
	 .gicv5_ppis = true},
};

/*
 * The behaviours the profiles differ in, as check's diagnosis names them
 * (vgic_profile_difference()): what a kernel with that value of the
 * field does, and where. One line per value; a new profile that brings a
 * new behaviour adds its line here.
 */
static const char *const walk_behaviour[] = {
	[EOICOUNT_NONE] = "EOIcount is never read (no LR-overflow rework, before 6.19)",
	[EOICOUNT_FROM_HEAD] = "the EOIcount walk starts at the AP-list head; commit 6da5e537f5af "
			       "is missing",
	[EOICOUNT_AFTER_LAST_LR] = "the EOIcount walk starts after the last interrupt placed in an "
				   "LR (commit 6da5e537f5af)",
};

/* vgic_irq_cmp() as the .cmp hook of a profile says it. */
static const char *sort_behaviour(const struct vgic_profile *p)
{
	return p->cmp == cmp_612 ? "vgic_irq_cmp() sorts active interrupts first (before 6.19)"
				 : "vgic_irq_cmp() sorts pending-and-not-active interrupts first "
				   "(the 6.19 LR rework)";
}

/* See vgic_engine.h. */
void vgic_profile_difference(const struct vgic_profile *p, const struct vgic_profile *other,
			     char *out, size_t n)
{
	const char *clause[4];
	int k = 0;
	size_t len = 0;

	if (p->eoicount_walk != other->eoicount_walk)
		clause[k++] = walk_behaviour[p->eoicount_walk];
	if (p->cmp != other->cmp)
		clause[k++] = sort_behaviour(p);
	if ((p->configure_hcr != NULL) != (other->configure_hcr != NULL))
		clause[k++] = p->configure_hcr ? "vgic_v3_configure_hcr() rebuilds the HCR at every "
						 "flush"
					       : "the HCR holds only En and UIE";
	if (p->gicv5_ppis != other->gicv5_ppis)
		clause[k++] = p->gicv5_ppis ? "native GICv5 PPIs (vgic-v5.c)" : "no GICv5 PPIs";
	if (n)
		out[0] = '\0';
	for (int i = 0; i < k && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "; " : "", clause[i]);
}

/* See vgic_engine.h: GICv5 PPIs exist only on a GICv5 host; the rest run on any. */
bool vgic_profile_fits_gic(const struct vgic_profile *p, int gic_version)
{
	return !p->gicv5_ppis || gic_version == 5;
}

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

/* See vgic_engine.h: the EOIcount walk as a number (enum eoicount_walk). */
int vgic_profile_eoicount_walk(const struct vgic_profile *p)
{
	return (int)p->eoicount_walk;
}

/* See vgic_engine.h: the LR's interrupt against a pending one, in the profile's own cmp. */
bool vgic_profile_lr_sorts_after(const struct vgic_profile *p, int gv, uint64_t lr, uint8_t prio)
{
	struct irq held = {0}, pending = {0};

	held.enabled = pending.enabled = true;
	held.pending_latch = vgic_lr_pending(gv, lr);
	held.active = vgic_lr_active(gv, lr);
	held.priority = vgic_lr_priority(gv, lr);
	held.hw = vgic_lr_hw(gv, lr);
	pending.pending_latch = true;
	pending.priority = prio;
	return p->cmp(&held, &pending) > 0;
}

/* See vgic_engine.h: the 6.19 walk meets the LR entries first (vgic_v3_fold_lr_state). */
int vgic_profile_eoicount_on_lrs(const struct vgic_profile *p, int eoicount, int nr_lr_active)
{
	if (p->eoicount_walk != EOICOUNT_FROM_HEAD)
		return 0;
	return eoicount < nr_lr_active ? eoicount : nr_lr_active;
}

/*
 * See vgic_engine.h. The fix landed in 7.0 and was marked for stable, so
 * a 6.19.x release is ambiguous: we assume the unfixed walk and say so.
 * 7.3 adds e079ef0b1c40 (last_lr_irq NULL without overflow), which no
 * trace tells from 7.0 (docs/engine.md), so it keeps the 7.0 profile and
 * only names the commit.
 */
const struct vgic_profile *vgic_profile_for_kernel(const char *release, char *why, size_t nwhy)
{
	int major = 0, minor = 0;

	if (!release || !*release) {
		snprintf(why, nwhy, "kernel unknown; assuming linux-7.0 (state it with --profile)");
		return vgic_profile_find("linux-7.0");
	}
	if (!strcmp(release, "<=6.18")) {
		snprintf(why, nwhy, "kernel inferred <= 6.18 from its snapshots");
		return vgic_profile_find("linux-6.12");
	}
	if (!strcmp(release, ">=6.19")) {
		snprintf(why, nwhy,
			 "kernel inferred >= 6.19 from its snapshots; assuming the fixed walk of "
			 "7.0+ (use --profile linux-6.19 for an unfixed 6.19)");
		return vgic_profile_find("linux-7.0");
	}
	if (sscanf(release, "%d.%d", &major, &minor) != 2) {
		snprintf(why, nwhy, "kernel release '%s' not understood; assuming linux-7.0",
			 release);
		return vgic_profile_find("linux-7.0");
	}
	if (major < 6 || (major == 6 && minor <= 18)) {
		snprintf(why, nwhy, "kernel %s is before the 6.19 LR rework", release);
		return vgic_profile_find("linux-6.12");
	}
	if (major == 6 && minor == 19) {
		snprintf(why, nwhy,
			 "kernel %s has the 6.19 LR rework; assuming it lacks the stable backport "
			 "of 6da5e537f5af",
			 release);
		return vgic_profile_find("linux-6.19");
	}
	if (major > 7 || (major == 7 && minor >= 3)) {
		snprintf(why, nwhy,
			 "kernel %s includes 6da5e537f5af and e079ef0b1c40 (7.3+; the latter "
			 "changes nothing a trace shows)",
			 release);
		return vgic_profile_find("linux-7.0");
	}
	snprintf(why, nwhy, "kernel %s includes 6da5e537f5af (7.0+)", release);
	return vgic_profile_find("linux-7.0");
}

/* See vgic_engine.h: only the gicv5 profile has native GICv5 PPIs. */
const struct vgic_profile *vgic_profile_for_trace(const char *release, int gic_version, char *why,
						  size_t nwhy)
{
	if (gic_version != 5)
		return vgic_profile_for_kernel(release, why, nwhy);
	snprintf(why, nwhy,
		 "a GICv5 VM: native GICv5 PPIs (vgic-v5.c, v7.1+; 64 PPIs since 35a4f8d151d6, "
		 "v7.2)");
	return vgic_profile_find("gicv5");
}

/* See vgic_engine.h: 6.19+ traps the guest's DIR (vgic_v3_deactivate). */
bool vgic_profile_traps_dir(const struct vgic_profile *p)
{
	return p->traps_dir;
}

/* See vgic_engine.h. */
bool vgic_profile_drops_lpi_active(const struct vgic_profile *p)
{
	return p->fold_drops_lpi_active;
}

/* See vgic_engine.h: the HCR is configure_hcr()'s alone from 6.19. */
bool vgic_profile_rebuilds_hcr(const struct vgic_profile *p)
{
	return p->configure_hcr != NULL;
}
