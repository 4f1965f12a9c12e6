/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vGIC model.
 *
 * Each piece mirrors a function of arch/arm64/kvm/vgic/ (named in its
 * comment); the code is our own. Interrupts live in flat arrays (private
 * ones per vCPU, SPIs shared); each vCPU's AP list is a small ordered
 * array of pointers, since KVM's lists are short and their order matters
 * only when they overflow the LRs, where KVM sorts them with a stable
 * merge sort (list_sort) that our stable insertion sort reproduces.
 */
#include "vgic_engine.h"

#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define MAX_AP 256

struct irq {
	struct vgic_irq_state s;
	bool configured;
	uint32_t hwintid;
};

struct vcpu {
	struct irq priv[VGIC_ENGINE_NR_PRIVATE];
	struct irq *ap[MAX_AP];
	int nap;
	struct vgic_cpuif cpuif;
	struct irq *last_lr_irq; /* host_data->last_lr_irq after 6da5e537f5af */
};

struct vgic_engine {
	struct vgic_engine_config cfg;
	struct vcpu *vcpus;
	struct irq *spis;
};

/* ---------------------------------------------------------------- LR encodings */

#define ICH_LR_PENDING (1ull << 62)
#define ICH_LR_ACTIVE (1ull << 63)
#define ICH_LR_HW (1ull << 61)
#define ICH_LR_GROUP (1ull << 60)
#define ICH_LR_EOI (1ull << 41)
#define GICH_LR_PENDING (1u << 28)
#define GICH_LR_ACTIVE (1u << 29)
#define GICH_LR_GROUP1 (1u << 30)
#define GICH_LR_HW (1u << 31)
#define GICH_LR_EOI (1u << 19)

/* The vINTID of an LR (ICH_LR_VIRTUAL_ID_MASK / GICH_LR_VIRTUALID). */
uint32_t vgic_lr_intid(int gic_version, uint64_t lr)
{
	return gic_version == 2 ? (uint32_t)(lr & 0x3ff) : (uint32_t)lr;
}

/* The pending bit of an LR. */
bool vgic_lr_pending(int gic_version, uint64_t lr)
{
	return gic_version == 2 ? !!(lr & GICH_LR_PENDING) : !!(lr & ICH_LR_PENDING);
}

/* The active bit of an LR. */
bool vgic_lr_active(int gic_version, uint64_t lr)
{
	return gic_version == 2 ? !!(lr & GICH_LR_ACTIVE) : !!(lr & ICH_LR_ACTIVE);
}

/* The priority of an LR (GICv2 keeps only its top five bits). */
uint8_t vgic_lr_priority(int gic_version, uint64_t lr)
{
	return gic_version == 2 ? (uint8_t)(((lr >> 23) & 0x1f) << 3) : (uint8_t)(lr >> 48);
}

/* ---------------------------------------------------------------- lookups */

/* vgic_get_vcpu_irq(): private interrupts per vCPU, SPIs shared. */
static struct irq *get_irq(const struct vgic_engine *e, int vcpu, uint32_t intid)
{
	if (intid < VGIC_ENGINE_NR_PRIVATE) {
		if (vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
			return NULL;
		return &e->vcpus[vcpu].priv[intid];
	}
	if (intid - VGIC_ENGINE_NR_PRIVATE < (uint32_t)e->cfg.nr_spis)
		return &e->spis[intid - VGIC_ENGINE_NR_PRIVATE];
	return NULL;
}

/* irq_is_pending(): the latch for edge interrupts, latch or line for level ones. */
static bool irq_is_pending(const struct irq *irq)
{
	if (irq->s.config == VGIC_EDGE)
		return irq->s.pending_latch;
	return irq->s.pending_latch || irq->s.line_level;
}

/*
 * vgic_target_oracle(): an active interrupt stays where it is; an enabled
 * pending one goes to its target; anything else needs no vCPU (-1).
 */
static int target_oracle(const struct irq *irq)
{
	if (irq->s.active)
		return irq->s.vcpu >= 0 ? irq->s.vcpu : irq->s.target_vcpu;
	if (irq->s.enabled && irq_is_pending(irq))
		return irq->s.target_vcpu;
	return -1;
}

/* ---------------------------------------------------------------- queueing */

/* Append to a vCPU's AP list (list_add_tail). */
static void ap_append(struct vgic_engine *e, int vcpu, struct irq *irq)
{
	struct vcpu *v = &e->vcpus[vcpu];

	if (v->nap < MAX_AP)
		v->ap[v->nap++] = irq;
	irq->s.vcpu = vcpu;
}

/* Remove entry i of a vCPU's AP list, keeping the order (list_del). */
static void ap_remove(struct vcpu *v, int i)
{
	memmove(&v->ap[i], &v->ap[i + 1], (size_t)(v->nap - i - 1) * sizeof(v->ap[0]));
	v->nap--;
}

/*
 * vgic_queue_irq_unlock(): put the interrupt on its target's AP list if it
 * needs one and is on none; an interrupt already queued stays where it is.
 */
static void queue_irq(struct vgic_engine *e, struct irq *irq)
{
	int vcpu = target_oracle(irq);

	if (irq->s.vcpu >= 0 || vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
		return;
	ap_append(e, vcpu, irq);
}

/* See vgic_engine.h: kvm_vgic_inject_irq() with vgic_validate_injection(). */
int vgic_engine_inject(struct vgic_engine *e, int vcpu, uint32_t intid, bool level)
{
	struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq)
		return -1;
	if (irq->s.config == VGIC_LEVEL) {
		if (irq->s.line_level == level)
			return 0;
		irq->s.line_level = level;
	} else {
		if (!level)
			return 0;
		irq->s.pending_latch = true;
	}
	queue_irq(e, irq);
	return 0;
}

/* See vgic_engine.h: the distributor/redistributor writes that configure an interrupt. */
int vgic_engine_configure(struct vgic_engine *e, int vcpu, uint32_t intid,
			  const struct vgic_irq_config_desc *c)
{
	struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq)
		return -1;
	irq->configured = true;
	irq->s.enabled = c->enabled;
	irq->s.priority = c->priority;
	irq->s.group = c->group;
	irq->s.config = c->config;
	irq->s.hw = c->hw;
	irq->hwintid = c->hwintid;
	if (intid >= VGIC_ENGINE_NR_PRIVATE)
		irq->s.target_vcpu = c->target_vcpu;
	queue_irq(e, irq);
	return 0;
}

/* ---------------------------------------------------------------- flush */

/*
 * vgic_v3_compute_lr() / vgic_v2_compute_lr() (the pure part of
 * vgic_v3_populate_lr since 6.19): encode one interrupt. Active sets A; HW
 * interrupts carry the physical INTID and never P+A; non-HW level
 * interrupts request an EOI maintenance interrupt and never P+A.
 */
static uint64_t compute_lr(const struct vgic_engine *e, const struct irq *irq)
{
	bool v2 = e->cfg.gic_version == 2, allow_pending = true;
	uint64_t val = irq->s.intid;

	if (irq->s.active)
		val |= v2 ? GICH_LR_ACTIVE : ICH_LR_ACTIVE;
	if (irq->s.hw) {
		val |= v2 ? (uint64_t)GICH_LR_HW | ((uint64_t)(irq->hwintid & 0x3ff) << 10)
			  : ICH_LR_HW | ((uint64_t)irq->hwintid << 32);
		if (irq->s.active)
			allow_pending = false;
	} else if (irq->s.config == VGIC_LEVEL) {
		val |= v2 ? GICH_LR_EOI : ICH_LR_EOI;
		if (irq->s.active)
			allow_pending = false;
	}
	if (allow_pending && irq_is_pending(irq))
		val |= v2 ? GICH_LR_PENDING : ICH_LR_PENDING;
	if (irq->s.group)
		val |= v2 ? GICH_LR_GROUP1 : ICH_LR_GROUP;
	if (v2)
		val |= (uint64_t)(irq->s.priority >> 3) << 23;
	else
		val |= (uint64_t)irq->s.priority << 48;
	return val;
}

/*
 * vgic_v3_populate_lr() / vgic_v2_populate_lr(): the encoding plus its side
 * effects: writing P consumes an edge interrupt's latch and lowers a
 * mapped level interrupt's line; the interrupt is now on an LR.
 */
static uint64_t populate_lr(const struct vgic_engine *e, struct irq *irq)
{
	uint64_t val = compute_lr(e, irq);

	if (vgic_lr_pending(e->cfg.gic_version, val)) {
		if (irq->s.config == VGIC_EDGE)
			irq->s.pending_latch = false;
		else if (irq->s.hw)
			irq->s.line_level = false;
	}
	irq->s.on_lr = true;
	return val;
}

/* Stable insertion sort of an AP list with the profile's vgic_irq_cmp(). */
static void sort_ap_list(const struct vgic_engine *e, struct vcpu *v)
{
	int i, j;

	for (i = 1; i < v->nap; i++) {
		struct irq *x = v->ap[i];

		for (j = i; j > 0 && e->cfg.profile->cmp(&v->ap[j - 1]->s, irq_is_pending(v->ap[j - 1]),
							   &x->s, irq_is_pending(x)) > 0;
		     j--)
			v->ap[j] = v->ap[j - 1];
		v->ap[j] = x;
	}
}

/* See vgic_engine.h: kvm_vgic_flush_hwstate() and vgic_flush_lr_state(). */
void vgic_engine_flush(struct vgic_engine *e, int vcpu, struct vgic_flush_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	const struct vgic_profile *p = e->cfg.profile;
	int count = 0, i, targeted = 0, nact = 0, npend = 0;

	memset(out, 0, sizeof(*out));
	out->last_lr_intid = -1;
	v->last_lr_irq = NULL;
	/* <= 6.18: an empty AP list leaves the LRs alone (used_lrs is 0 since the sync). */
	if (!v->nap && !p->flush_empty_list) {
		out->regs = v->cpuif;
		return;
	}
	for (i = 0; i < v->nap; i++) {
		if (target_oracle(v->ap[i]) != vcpu)
			continue;
		targeted++;
		if (v->ap[i]->s.active)
			nact++;
		else
			npend++;
	}
	/*
	 * compute_ap_list_depth() counted every entry (<= 6.18);
	 * summarize_ap_list() counts those targeting this vCPU (6.19).
	 */
	if ((p->depth_counts_all ? v->nap : targeted) > e->cfg.nr_lrs) {
		sort_ap_list(e, v);
		out->sorted = 1;
	}
	for (i = 0; i < v->nap && count < e->cfg.nr_lrs; i++) {
		struct irq *irq = v->ap[i];

		if (target_oracle(irq) != vcpu)
			continue;
		out->lr_intid[count] = irq->s.intid;
		v->cpuif.lr[count++] = populate_lr(e, irq);
		v->last_lr_irq = irq;
	}
	for (i = count; i < VGIC_ENGINE_MAX_LRS; i++)
		v->cpuif.lr[i] = 0;
	v->cpuif.used_lrs = count;
	v->cpuif.hcr = p->configure_hcr(count, targeted, nact, npend, e->cfg.nr_lrs);
	out->regs = v->cpuif;
	out->last_lr_intid = v->last_lr_irq ? (int64_t)v->last_lr_irq->s.intid : -1;
}

/* ---------------------------------------------------------------- fold */

/* Record a deactivation in the sync result. */
static void note_deactivation(struct vgic_sync_result *out, uint32_t intid, bool by_eoicount)
{
	if (out->ndeactivated < 64) {
		out->deactivated[out->ndeactivated] = intid;
		out->by_eoicount[out->ndeactivated] = by_eoicount;
		out->ndeactivated++;
	}
}

/*
 * vgic_v3_fold_lr() / vgic_v2_fold_lr(): the active bit always follows the
 * LR; an edge interrupt left pending goes back to the latch; a level
 * interrupt whose LR came back empty loses its soft pending state.
 */
static void fold_lr(struct vgic_engine *e, int vcpu, uint64_t val, struct vgic_sync_result *out,
		    bool by_eoicount)
{
	int gv = e->cfg.gic_version;
	struct irq *irq = get_irq(e, vcpu, vgic_lr_intid(gv, val));
	bool active = vgic_lr_active(gv, val), pending = vgic_lr_pending(gv, val);

	if (!irq)
		return;
	if (irq->s.active && !active)
		note_deactivation(out, irq->s.intid, by_eoicount);
	irq->s.active = active;
	if (irq->s.config == VGIC_EDGE && pending)
		irq->s.pending_latch = true;
	if (irq->s.config == VGIC_LEVEL && !pending && !active)
		irq->s.pending_latch = false;
	if (!by_eoicount)
		irq->s.on_lr = false;
}

/* See vgic_engine.h: vgic_v3_fold_lr_state() with the profile's EOIcount walk. */
void vgic_engine_fold(struct vgic_engine *e, int vcpu, const struct vgic_cpuif *saved,
		      struct vgic_sync_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	const struct vgic_profile *p = e->cfg.profile;
	int i, start = 0, eoicount;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < saved->used_lrs && i < VGIC_ENGINE_MAX_LRS; i++)
		fold_lr(e, vcpu, saved->lr[i], out, false);
	v->cpuif.used_lrs = 0;
	eoicount = p->eoicount_walk == EOICOUNT_NONE ? 0 : (int)((saved->hcr >> 27) & 31);
	out->eoicount = eoicount;
	if (!eoicount)
		return;
	/*
	 * The walk replays deactivations of active interrupts outside the
	 * LRs, in AP-list order: from the head (6.19), or just after the last
	 * interrupt placed in an LR (6da5e537f5af).
	 */
	if (p->eoicount_walk == EOICOUNT_AFTER_LAST_LR) {
		if (!v->last_lr_irq)
			return;
		for (i = 0; i < v->nap; i++)
			if (v->ap[i] == v->last_lr_irq)
				start = i + 1;
	}
	for (i = start; i < v->nap && eoicount; i++) {
		struct irq *irq = v->ap[i];
		uint64_t lr;

		if (target_oracle(irq) != vcpu || !irq->s.active)
			continue;
		lr = compute_lr(e, irq) & ~(e->cfg.gic_version == 2 ? (uint64_t)GICH_LR_ACTIVE
								    : ICH_LR_ACTIVE);
		fold_lr(e, vcpu, lr, out, true);
		irq->s.active = false;
		eoicount--;
	}
}

/* See vgic_engine.h: vgic_prune_ap_list(). */
void vgic_engine_prune(struct vgic_engine *e, int vcpu)
{
	struct vcpu *v = &e->vcpus[vcpu];
	int i = 0;

	while (i < v->nap) {
		struct irq *irq = v->ap[i];
		int target = target_oracle(irq);

		if (target == vcpu) {
			i++;
			continue;
		}
		ap_remove(v, i);
		irq->s.vcpu = -1;
		if (target >= 0 && target < e->cfg.nr_vcpus)
			ap_append(e, target, irq); /* migrate to the new target's tail */
	}
}

/* ---------------------------------------------------------------- life cycle, queries */

/* See vgic_engine.h. */
struct vgic_engine *vgic_engine_create(const struct vgic_engine_config *cfg)
{
	struct vgic_engine *e;
	int v, i;

	if (!cfg->profile || cfg->nr_lrs < 1 || cfg->nr_lrs > VGIC_ENGINE_MAX_LRS ||
	    cfg->nr_vcpus < 1 || cfg->nr_vcpus > VGIC_ENGINE_MAX_VCPUS || cfg->nr_spis < 0 ||
	    cfg->nr_spis > 988 || (cfg->gic_version != 2 && cfg->gic_version != 3))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->vcpus = calloc((size_t)cfg->nr_vcpus, sizeof(*e->vcpus));
	e->spis = calloc((size_t)cfg->nr_spis + 1, sizeof(*e->spis));
	if (!e->vcpus || !e->spis) {
		vgic_engine_destroy(e);
		return NULL;
	}
	for (v = 0; v < cfg->nr_vcpus; v++) {
		for (i = 0; i < VGIC_ENGINE_NR_PRIVATE; i++) {
			struct irq *irq = &e->vcpus[v].priv[i];

			irq->s.intid = (uint32_t)i;
			irq->s.vcpu = -1;
			irq->s.target_vcpu = v;
			/* SGIs are always enabled and edge (vgic_init: vgic_irq_init). */
			irq->s.enabled = i < 16;
			irq->s.config = VGIC_EDGE;
		}
	}
	for (i = 0; i < cfg->nr_spis; i++) {
		e->spis[i].s.intid = (uint32_t)(i + VGIC_ENGINE_NR_PRIVATE);
		e->spis[i].s.vcpu = -1;
		e->spis[i].s.target_vcpu = 0;
	}
	return e;
}

/* Translate a pointer into e's interrupt arrays to the same interrupt in c's. */
static struct irq *same_irq(const struct vgic_engine *e, struct vgic_engine *c, struct irq *p)
{
	const char *vb = (const char *)e->vcpus, *sb = (const char *)e->spis;

	if (!p)
		return NULL;
	if ((const char *)p >= vb && (const char *)p < vb + sizeof(*e->vcpus) * (size_t)e->cfg.nr_vcpus)
		return (struct irq *)((char *)c->vcpus + ((const char *)p - vb));
	return (struct irq *)((char *)c->spis + ((const char *)p - sb));
}

/* See vgic_engine.h: copy, then re-point the AP lists and last_lr_irq. */
struct vgic_engine *vgic_engine_clone(const struct vgic_engine *e)
{
	struct vgic_engine *c = calloc(1, sizeof(*c));
	int v, i;

	if (!c)
		return NULL;
	c->cfg = e->cfg;
	c->vcpus = malloc(sizeof(*c->vcpus) * (size_t)e->cfg.nr_vcpus);
	c->spis = malloc(sizeof(*c->spis) * ((size_t)e->cfg.nr_spis + 1));
	if (!c->vcpus || !c->spis) {
		vgic_engine_destroy(c);
		return NULL;
	}
	memcpy(c->vcpus, e->vcpus, sizeof(*c->vcpus) * (size_t)e->cfg.nr_vcpus);
	memcpy(c->spis, e->spis, sizeof(*c->spis) * ((size_t)e->cfg.nr_spis + 1));
	for (v = 0; v < e->cfg.nr_vcpus; v++) {
		for (i = 0; i < c->vcpus[v].nap; i++)
			c->vcpus[v].ap[i] = same_irq(e, c, e->vcpus[v].ap[i]);
		c->vcpus[v].last_lr_irq = same_irq(e, c, e->vcpus[v].last_lr_irq);
	}
	return c;
}

/* See vgic_engine.h. */
void vgic_engine_destroy(struct vgic_engine *e)
{
	if (!e)
		return;
	free(e->vcpus);
	free(e->spis);
	free(e);
}

/* See vgic_engine.h. */
int vgic_engine_irq(const struct vgic_engine *e, int vcpu, uint32_t intid,
		    struct vgic_irq_state *out)
{
	const struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq)
		return -1;
	*out = irq->s;
	return 0;
}

/* See vgic_engine.h. */
int vgic_engine_ap_list(const struct vgic_engine *e, int vcpu, uint32_t *intids, int max)
{
	const struct vcpu *v;
	int i;

	if (vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
		return -1;
	v = &e->vcpus[vcpu];
	for (i = 0; i < v->nap && i < max; i++)
		intids[i] = v->ap[i]->s.intid;
	return v->nap;
}
