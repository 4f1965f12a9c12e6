/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vGIC model: life cycle, injection and queueing, flush, fold, prune
 * and trapped DIR. Each piece mirrors a function of arch/arm64/kvm/vgic/
 * (named in its comment); the code is our own. The AP list is an ordered
 * array; KVM sorts it with list_sort(), a stable merge sort, which our
 * stable insertion sort reproduces for the same comparator.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define ICH_LR_HW (1ull << 61)
#define ICH_LR_GROUP (1ull << 60)
#define ICH_LR_EOI (1ull << 41)
#define GICH_LR_GROUP1 (1u << 30)
#define GICH_LR_HW (1u << 31)
#define GICH_LR_EOI (1u << 19)

/* The LR layout the host uses: GICH_LR on GICv2, ICH_LR_EL2 otherwise (GICv5 legacy too). */
static int lr_version(const struct vgic_engine *e)
{
	return e->cfg.gic_version == 2 ? 2 : 3;
}

/* ---------------------------------------------------------------- lookups */

/*
 * vgic_get_vcpu_irq() / vgic_get_irq(): private interrupts per vCPU, SPIs
 * shared; a GICv5 guest has typed PPI INTIDs and (here, as in the kernel)
 * no SPIs.
 */
static struct irq *get_irq(const struct vgic_engine *e, int vcpu, uint32_t intid)
{
	uint32_t n = intid;

	if (e->cfg.guest_model == 5) {
		if (intid >> VGIC_V5_TYPE_SHIFT != VGIC_V5_TYPE_PPI)
			return NULL;
		n = intid & VGIC_V5_ID_MASK;
		if (n >= VGIC_V5_NR_PPIS || vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
			return NULL;
		return &e->irqs[vcpu * e->nr_private + (int)n];
	}
	if (n < VGIC_ENGINE_NR_PRIVATE) {
		if (vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
			return NULL;
		return &e->irqs[vcpu * e->nr_private + (int)n];
	}
	if (n - VGIC_ENGINE_NR_PRIVATE < (uint32_t)e->cfg.nr_spis)
		return &e->irqs[e->cfg.nr_vcpus * e->nr_private + (int)(n - VGIC_ENGINE_NR_PRIVATE)];
	if (n >= VGIC_ENGINE_MIN_LPI && e->cfg.guest_model == 3) {
		int i;

		for (i = 0; i < e->nlpis; i++)
			if (e->irqs[e->lpi_base + i].intid == n)
				return &e->irqs[e->lpi_base + i];
	}
	return NULL;
}

/* Is this an LPI (vgic_irq_is_lpi())? */
static bool is_lpi(const struct irq *irq)
{
	return irq->intid >= VGIC_ENGINE_MIN_LPI;
}

/*
 * vgic_add_lpi(): a new LPI is edge, group 1, aimed at the vCPU its
 * collection names; NULL when the slots are used up.
 */
static struct irq *add_lpi(struct vgic_engine *e, uint32_t intid, int target)
{
	struct irq *irq = get_irq(e, target, intid);

	if (irq || intid < VGIC_ENGINE_MIN_LPI || e->cfg.guest_model != 3 ||
	    e->nlpis == e->cfg.nr_lpis)
		return irq;
	irq = &e->irqs[e->lpi_base + e->nlpis++];
	memset(irq, 0, sizeof(*irq));
	irq->intid = intid;
	irq->vcpu = -1;
	irq->target = (int16_t)target;
	irq->group = 1;
	return irq;
}

/* The index of an interrupt in the flat array (what AP lists hold). */
static uint16_t irq_index(const struct vgic_engine *e, const struct irq *irq)
{
	return (uint16_t)(irq - e->irqs);
}

/* vgic_valid_spi(): not a private interrupt, nor an LPI. */
static bool is_spi(const struct vgic_engine *e, const struct irq *irq)
{
	return e->cfg.guest_model != 5 && irq->intid >= VGIC_ENGINE_NR_PRIVATE &&
	       irq->intid < VGIC_ENGINE_MIN_LPI;
}

/*
 * vgic_target_oracle(): an active interrupt stays where it is; an enabled
 * pending one goes to its target unless the distributor is disabled;
 * anything else needs no vCPU (-1).
 */
static int target_oracle(const struct vgic_engine *e, const struct irq *irq)
{
	if (irq->active)
		return irq->vcpu >= 0 ? irq->vcpu : irq->target;
	if (irq->enabled && irq_is_pending(irq))
		return e->dist_enabled ? irq->target : -1;
	return -1;
}

/* ---------------------------------------------------------------- change reports */

/* Append a state change to a sync result (NULL: nobody listens). */
static void note(struct vgic_sync_result *out, const struct irq *irq, int vcpu,
		 enum vgic_change_kind kind, enum vgic_change_cause cause, int to_vcpu)
{
	struct vgic_change *c;

	if (!out)
		return;
	if (kind == VGIC_CHANGE_DEACTIVATED && out->ndeactivated < 64) {
		out->deactivated[out->ndeactivated] = irq->intid;
		out->by_eoicount[out->ndeactivated++] = cause == VGIC_CAUSE_EOICOUNT;
	}
	if (out->nchanges >= VGIC_ENGINE_MAX_CHANGES) {
		out->changes_truncated = true;
		return;
	}
	c = &out->changes[out->nchanges++];
	c->intid = irq->intid;
	c->vcpu = (int16_t)vcpu;
	c->to_vcpu = (int16_t)to_vcpu;
	c->kind = (uint8_t)kind;
	c->cause = (uint8_t)cause;
}

/* ---------------------------------------------------------------- queueing */

/*
 * list_add_tail() onto a vCPU's AP list. The caller may learn of a
 * queueing after others that happened later (an injection from another
 * thread, seen once that thread moved on): entries queued after this
 * one by the clock (vgic_engine_set_clock()) stay behind it, as the
 * kernel's tail additions put them.
 */
static void ap_append(struct vgic_engine *e, int vcpu, struct irq *irq)
{
	struct vcpu *v = &e->vcpus[vcpu];
	int at = v->nap;

	irq->vcpu = (int16_t)vcpu;
	irq->queued_at = e->now;
	if (v->nap == e->ap_cap)
		return;
	while (at > 0 && e->irqs[v->ap[at - 1]].queued_at > e->now)
		at--;
	memmove(&v->ap[at + 1], &v->ap[at], (size_t)(v->nap - at) * sizeof(v->ap[0]));
	v->ap[at] = irq_index(e, irq);
	v->nap++;
}

/* See vgic_engine.h. */
void vgic_engine_set_clock(struct vgic_engine *e, int64_t now)
{
	e->now = now;
}

/* list_del() of entry i, keeping the order. */
static void ap_remove(struct vcpu *v, int i)
{
	memmove(&v->ap[i], &v->ap[i + 1], (size_t)(v->nap - i - 1) * sizeof(v->ap[0]));
	v->nap--;
}

/*
 * vgic_queue_irq_unlock(): put the interrupt on its target's AP-list tail
 * if it needs one and is on none; an interrupt already queued stays where
 * it is (the kernel only kicks). 6.19+ counts SPIs entering a list in
 * active_spis (GICv3 model: the broadcast that sets TDIR everywhere).
 * GICv5 PPIs use irq_ops->queue_irq_unlock = vgic_v5_ppi_queue_irq_unlock,
 * which only kicks the target: they never go on an AP list.
 */
static void queue_irq(struct vgic_engine *e, struct irq *irq)
{
	int vcpu;

	if (e->cfg.guest_model == 5)
		return;
	vcpu = target_oracle(e, irq);
	if (irq->vcpu >= 0 || vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
		return;
	ap_append(e, vcpu, irq);
	if (e->p->counts_active_spis && e->cfg.guest_model == 3 && is_spi(e, irq)) {
		e->active_spis++;
		irq->spi_counted = true;
	}
}

/* See vgic_engine.h: kvm_vgic_inject_irq() with vgic_validate_injection(). */
int vgic_engine_inject(struct vgic_engine *e, int vcpu, uint32_t intid, bool level)
{
	struct irq *irq;

	if (vcpu < 0 && (e->cfg.guest_model == 5 || intid < VGIC_ENGINE_NR_PRIVATE))
		return -1;
	irq = get_irq(e, vcpu, intid);
	if (!irq)
		return -1;
	if (irq->hw) {
		irq->phys_level = level;
		irq->resampled = false;
	}
	if (irq->level) {
		if (irq->line_level == level)
			return 0;
		irq->line_level = level;
	} else {
		if (!level)
			return 0;
		irq->pending_latch = true;
	}
	queue_irq(e, irq);
	return 1;
}

/* See vgic_engine.h: vgic_queue_irq_unlock() for an LPI, after its caller's changes. */
int vgic_engine_queue_lpi(struct vgic_engine *e, uint32_t intid, int target_vcpu,
			  bool pending_latch, bool enabled, uint8_t priority)
{
	struct irq *irq;

	if (target_vcpu < 0 || target_vcpu >= e->cfg.nr_vcpus)
		return -1;
	irq = add_lpi(e, intid, target_vcpu);
	if (!irq)
		return -1;
	/* A call applied late does not undo a MOVI learned since (vgic_engine_retarget_lpi()). */
	if (irq->target_at <= e->now) {
		irq->target = (int16_t)target_vcpu;
		irq->target_at = e->now;
	}
	irq->pending_latch = pending_latch;
	irq->enabled = enabled;
	irq->priority = priority;
	queue_irq(e, irq);
	return 0;
}

/* See vgic_engine.h: update_affinity() of an ITS MOVI (or MAPC) for one LPI. */
int vgic_engine_retarget_lpi(struct vgic_engine *e, uint32_t intid, int target_vcpu)
{
	struct irq *irq = get_irq(e, target_vcpu, intid);

	if (!irq || intid < VGIC_ENGINE_MIN_LPI || target_vcpu < 0 || target_vcpu >= e->cfg.nr_vcpus)
		return -1;
	if (irq->target_at <= e->now) {
		irq->target = (int16_t)target_vcpu;
		irq->target_at = e->now;
	}
	return 0;
}

/* See vgic_engine.h: kvm_vm_ioctl_irq_line()'s decoding and checks. */
int vgic_decode_irq_line(uint32_t irq, int model, int nr_vcpus, struct vgic_irq_line *out)
{
	out->type = (enum vgic_irq_line_type)((irq >> 24) & 0xf);
	out->vcpu = (int)((irq >> 16) & 0xff) + (int)((irq >> 28) & 0xf) * 256;
	out->num = irq & 0xffff;
	out->intid = out->num;
	out->target = -1;
	switch (out->type) {
	case VGIC_IRQ_LINE_PPI:
		if (out->vcpu >= nr_vcpus)
			return -1;
		if (model == 5) {
			if (out->num >= VGIC_V5_NR_PPIS)
				return -1;
			out->intid = vgic_v5_ppi_intid(out->num);
		} else if (out->num < 16 || out->num >= VGIC_ENGINE_NR_PRIVATE) {
			return -1;
		}
		out->target = out->vcpu;
		return 0;
	case VGIC_IRQ_LINE_SPI:
		if (model == 5) {
			out->intid = (VGIC_V5_TYPE_SPI << VGIC_V5_TYPE_SHIFT) | out->num;
			return 0;
		}
		return out->num < VGIC_ENGINE_NR_PRIVATE ? -1 : 0;
	default:
		return -1; /* KVM_ARM_IRQ_TYPE_CPU: -ENXIO with an in-kernel irqchip */
	}
}

/*
 * See vgic_engine.h: kvm_vm_ioctl_irq_line() (v7.2). On a GICv5 VM a PPI
 * must also be one userspace may drive: vgic_v5_init() puts SW_PPI, and
 * only it, in userspace_ppis (the timers and the PMU are the kernel's).
 */
int vgic_engine_irq_line(struct vgic_engine *e, uint32_t irq, bool level)
{
	struct vgic_irq_line l;

	if (vgic_decode_irq_line(irq, e->cfg.guest_model, e->cfg.nr_vcpus, &l))
		return -1;
	if (e->cfg.guest_model == 5 && l.type == VGIC_IRQ_LINE_PPI && l.num != V5_ARCH_PPI_SW_PPI)
		return -1;
	return vgic_engine_inject(e, l.target, l.intid, level);
}

/* See vgic_engine.h: vgic_v3_dispatch_sgi() / vgic_mmio_write_sgir(). */
int vgic_engine_send_sgi(struct vgic_engine *e, int source_vcpu, uint64_t targets, uint32_t sgi)
{
	int v;

	if (sgi >= 16 || source_vcpu < 0 || source_vcpu >= e->cfg.nr_vcpus)
		return -1;
	for (v = 0; v < e->cfg.nr_vcpus && v < 64; v++) {
		struct irq *irq;

		if (!(targets >> v & 1))
			continue;
		irq = get_irq(e, v, sgi);
		if (e->cfg.guest_model == 2)
			irq->source |= (uint8_t)(1u << (source_vcpu & 7));
		irq->pending_latch = true;
		queue_irq(e, irq);
	}
	return 0;
}

/* See vgic_engine.h: vgic_mmio_write_spending() / vgic_mmio_write_cpending(). */
int vgic_engine_mmio_set_pending(struct vgic_engine *e, int vcpu, uint32_t intid, bool pending)
{
	struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq)
		return -1;
	irq->pending_latch = pending;
	if (pending)
		queue_irq(e, irq);
	return 0;
}

/* See vgic_engine.h: vgic_mmio_change_active() once the guest is halted. */
int vgic_engine_mmio_set_active(struct vgic_engine *e, int vcpu, uint32_t intid, bool active)
{
	struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq)
		return -1;
	irq->active = active;
	if (active && is_v2_sgi(e, irq))
		irq->active_source = (uint8_t)vcpu;
	if (active)
		queue_irq(e, irq);
	return 0;
}

/* See vgic_engine.h. */
int vgic_engine_undo_deactivation(struct vgic_engine *e, int vcpu, uint32_t intid, int ap_index)
{
	struct irq *irq = get_irq(e, vcpu, intid);
	struct vcpu *v;

	if (!irq || vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
		return -1;
	irq->active = true;
	if (irq->vcpu >= 0 || e->cfg.guest_model == 5)
		return 0; /* still queued: in place already */
	v = &e->vcpus[vcpu];
	if (v->nap == e->ap_cap)
		return -1;
	if (ap_index < 0 || ap_index > v->nap)
		ap_index = v->nap;
	memmove(&v->ap[ap_index + 1], &v->ap[ap_index], (size_t)(v->nap - ap_index) * sizeof(v->ap[0]));
	v->ap[ap_index] = irq_index(e, irq);
	v->nap++;
	irq->vcpu = (int16_t)vcpu;
	return 0;
}

/* See vgic_engine.h: vgic_mmio_write_senable/cenable, priority, config, target registers. */
int vgic_engine_configure(struct vgic_engine *e, int vcpu, uint32_t intid,
			  const struct vgic_irq_config_desc *c)
{
	struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq)
		return -1;
	irq->enabled = c->enabled;
	irq->priority = c->priority;
	irq->group = c->group;
	irq->level = c->config == VGIC_LEVEL;
	irq->hw = c->hw;
	irq->hwintid = c->hwintid;
	if (is_spi(e, irq) && c->target_vcpu >= 0 && c->target_vcpu < e->cfg.nr_vcpus)
		irq->target = (int16_t)c->target_vcpu;
	queue_irq(e, irq);
	return 0;
}

/*
 * See vgic_engine.h: GICD_CTLR (vgic_mmio_write_v3_misc / _v2_misc). Enabling
 * only kicks the vCPUs (vgic_kick_vcpus(), which looks at AP lists): an
 * interrupt made pending while the distributor was off was never queued
 * (vgic_target_oracle() said NULL) and stays off every AP list until
 * something queues it again, e.g. a GICD_ISENABLER write. The model does
 * the same, and vgic_engine_stranded() lists such interrupts.
 */
void vgic_engine_set_dist_enabled(struct vgic_engine *e, bool enabled)
{
	e->dist_enabled = enabled;
}

/* See vgic_engine.h. */
bool vgic_engine_dist_enabled(const struct vgic_engine *e)
{
	return e->dist_enabled;
}

/* See vgic_engine.h. */
int vgic_engine_stranded(const struct vgic_engine *e, int *vcpus, uint32_t *intids, int max)
{
	int i, n = 0, nr_priv = e->cfg.nr_vcpus * e->nr_private;

	if (!e->dist_enabled || e->cfg.guest_model == 5) /* GICv5 PPIs use no AP list */
		return 0;
	for (i = 0; i < e->lpi_base + e->nlpis; i++) {
		const struct irq *irq = &e->irqs[i];

		if (!irq->enabled || irq->vcpu >= 0 || irq->active || !irq_is_pending(irq))
			continue;
		if (n < max) {
			vcpus[n] = i < nr_priv ? i / e->nr_private : irq->target;
			intids[n] = irq->intid;
		}
		n++;
	}
	return n;
}

/* See vgic_engine.h. */
void vgic_engine_set_vmcr(struct vgic_engine *e, int vcpu, uint32_t vmcr)
{
	if (vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
		return;
	if (e->cfg.guest_model == 5)
		e->vcpus[vcpu].v5_vmcr = vmcr;
	else
		e->vcpus[vcpu].cpuif.vmcr = vmcr;
}

/* ---------------------------------------------------------------- flush */

/*
 * vgic_irq_get_lr_count() > 1 (vgic_irq_is_multi_sgi): a GICv2-model SGI
 * needs one LR per pending source, plus one for its active state.
 */
static int lr_count(const struct irq *irq)
{
	if (irq->intid < 16 && irq->source)
		return __builtin_popcount(irq->source) + irq->active;
	return irq_is_pending(irq) || irq->active;
}

/*
 * vgic_v3_compute_lr() / vgic_v2_compute_lr() (the pure part of
 * vgic_v3_populate_lr since 6.19): A (with the GICv2 SGI's active source;
 * a multi-source SGI gets no P and asks for an EOI MI); HW with the
 * physical INTID and never P+A; non-HW level: EOI and never P+A; P when
 * pending (a GICv2 SGI names its lowest source, EOI if more remain);
 * group; priority (GICv2: its top 5 bits).
 */
static uint64_t compute_lr(const struct vgic_engine *e, const struct irq *irq)
{
	int gv = lr_version(e);
	bool v2 = gv == 2, allow_pending = true, v2sgi = is_v2_sgi(e, irq);
	uint64_t val = v2 ? (irq->intid & 0x3ff) : irq->intid;

	if (irq->active) {
		val |= lr_state_bits(gv, false, true);
		if (v2sgi)
			val |= (uint64_t)(irq->active_source & 7) << 10;
		if (lr_count(irq) > 1) {
			allow_pending = false;
			val |= v2 ? GICH_LR_EOI : ICH_LR_EOI;
		}
	}
	if (irq->hw) {
		val |= v2 ? (uint64_t)GICH_LR_HW | ((uint64_t)(irq->hwintid & 0x3ff) << 10)
			  : ICH_LR_HW | ((uint64_t)irq->hwintid << 32);
		if (irq->active)
			allow_pending = false;
	} else if (irq->level) {
		val |= v2 ? GICH_LR_EOI : ICH_LR_EOI;
		if (irq->active)
			allow_pending = false;
	}
	if (allow_pending && irq_is_pending(irq)) {
		val |= lr_state_bits(gv, true, false);
		if (v2sgi && irq->source) {
			int src = __builtin_ctz(irq->source);

			val |= (uint64_t)src << 10;
			if (irq->source & ~(1u << src))
				val |= v2 ? GICH_LR_EOI : ICH_LR_EOI;
		}
	}
	if (irq->group)
		val |= v2 ? GICH_LR_GROUP1 : ICH_LR_GROUP;
	if (v2)
		val |= (uint64_t)(irq->priority >> 3) << 23;
	else
		val |= (uint64_t)irq->priority << 48;
	return val;
}

/*
 * vgic_v3_populate_lr() / vgic_v2_populate_lr(): the encoding plus its
 * side effects when P was written: an edge latch is consumed, a GICv2 SGI
 * gives up one source (and stays latched if others remain), a mapped
 * level interrupt's line is lowered. The interrupt is now on an LR.
 */
static uint64_t populate_lr(const struct vgic_engine *e, struct irq *irq)
{
	uint64_t val = compute_lr(e, irq);

	if (vgic_lr_pending(lr_version(e), val)) {
		if (!irq->level)
			irq->pending_latch = false;
		if (is_v2_sgi(e, irq) && irq->source) {
			irq->source &= (uint8_t)~(1u << vgic_lr_source(2, val));
			if (irq->source)
				irq->pending_latch = true;
		}
		if (irq->hw && irq->level)
			irq->line_level = false;
	}
	irq->on_lr = true;
	irq->resampled = false;
	return val;
}

/* vgic_sort_ap_list(): stable insertion sort with the profile's vgic_irq_cmp(). */
static void sort_ap_list(struct vgic_engine *e, struct vcpu *v)
{
	int i, j;

	for (i = 1; i < v->nap; i++) {
		uint16_t x = v->ap[i];

		for (j = i; j > 0 && e->p->cmp(&e->irqs[v->ap[j - 1]], &e->irqs[x]) > 0; j--)
			v->ap[j] = v->ap[j - 1];
		v->ap[j] = x;
	}
}

/* Record that entry i went into the next LR. */
static void place(struct vgic_engine *e, struct vcpu *v, int i, int lr,
		  struct vgic_flush_result *out)
{
	struct irq *irq = &e->irqs[v->ap[i]];

	out->lr_intid[lr] = irq->intid;
	out->lr_ap_index[lr] = i;
	v->cpuif.lr[lr] = populate_lr(e, irq);
	v->last_lr_irq = v->ap[i];
}

/*
 * vgic_flush_lr_state() up to 6.18: compute_ap_list_depth() over every
 * entry; sort on overflow or a multi-source SGI; populate from the head,
 * stopping (multi-SGI) at the first entry of lower priority than the last
 * SGI with sources; UIE (vgic_set_underflow) when the LRs are full and
 * the list has more.
 */
static int flush_depth(struct vgic_engine *e, int vcpu, struct vgic_flush_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	int i, count = 0, depth = 0, nr_lrs = e->cfg.nr_lrs;
	bool multi_sgi = false;
	uint8_t prio = 0xff;

	for (i = 0; i < v->nap; i++) {
		int w = lr_count(&e->irqs[v->ap[i]]);

		depth += w;
		multi_sgi |= w > 1;
	}
	out->lr_depth = depth;
	if (depth > nr_lrs || multi_sgi) {
		sort_ap_list(e, v);
		out->sorted = 1;
	}
	for (i = 0; i < v->nap; i++) {
		struct irq *irq = &e->irqs[v->ap[i]];

		if (multi_sgi && irq->priority > prio)
			break;
		if (target_oracle(e, irq) == vcpu) {
			place(e, v, i, count++, out);
			if (irq->source)
				prio = irq->priority;
		}
		if (count == nr_lrs) {
			if (i != v->nap - 1)
				v->cpuif.hcr |= VGIC_HCR_UIE;
			break;
		}
	}
	return count;
}

/*
 * vgic_flush_lr_state() from 6.19: summarize_ap_list() counts entries for
 * this vCPU (pending, active, SGIs); sort when they overflow the LRs;
 * populate every entry for this vCPU from the head; configure the HCR.
 */
static int flush_summary(struct vgic_engine *e, int vcpu, struct vgic_flush_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	struct hcr_inputs in = {0};
	int i, count = 0;

	for (i = 0; i < v->nap; i++) {
		const struct irq *irq = &e->irqs[v->ap[i]];

		if (target_oracle(e, irq) != vcpu)
			continue;
		if (irq->active)
			in.nr_act++;
		else
			in.nr_pend++;
		if (irq->intid < 16)
			in.nr_sgi++;
	}
	out->nr_pend = in.nr_pend;
	out->nr_act = in.nr_act;
	out->nr_sgi = in.nr_sgi;
	if (in.nr_pend + in.nr_act > e->cfg.nr_lrs) {
		sort_ap_list(e, v);
		out->sorted = 1;
	}
	for (i = 0; i < v->nap && count < e->cfg.nr_lrs; i++)
		if (target_oracle(e, &e->irqs[v->ap[i]]) == vcpu)
			place(e, v, i, count++, out);
	in.nr_lrs = e->cfg.nr_lrs;
	in.vmcr = v->cpuif.vmcr;
	in.gic_version = lr_version(e);
	in.host_lacks_tdir = e->cfg.host_lacks_tdir;
	in.active_spis = e->active_spis;
	v->cpuif.hcr = e->p->configure_hcr(&in);
	return count;
}

static void prune(struct vgic_engine *e, int vcpu, struct vgic_sync_result *out);

/* See vgic_engine.h: kvm_vgic_flush_hwstate(). */
void vgic_engine_flush(struct vgic_engine *e, int vcpu, struct vgic_flush_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	int i, count;

	out->sorted = out->nr_pend = out->nr_act = out->nr_sgi = out->lr_depth = 0;
	out->skipped = false;
	out->last_lr_intid = -1;
	for (i = 0; i < VGIC_ENGINE_MAX_LRS; i++) {
		out->lr_intid[i] = 0;
		out->lr_ap_index[i] = -1;
	}
	if (v->process_update) { /* check_vcpu_requests: kvm_vgic_process_async_update() */
		v->process_update = false;
		prune(e, vcpu, NULL);
	}
	v->last_lr_irq = -1;
	if (e->p->flush == FLUSH_DEPTH) {
		if (!v->nap) { /* early return: LRs untouched, used_lrs 0 since the fold */
			out->skipped = true;
			v->cpuif.used_lrs = 0;
			out->regs = v->cpuif;
			return;
		}
		v->cpuif.hcr |= VGIC_HCR_EN;
		count = flush_depth(e, vcpu, out);
	} else {
		count = flush_summary(e, vcpu, out);
	}
	for (i = count; i < VGIC_ENGINE_MAX_LRS; i++)
		v->cpuif.lr[i] = 0;
	v->cpuif.used_lrs = count;
	out->regs = v->cpuif;
	out->last_lr_intid = v->last_lr_irq >= 0 ? (int64_t)e->irqs[v->last_lr_irq].intid : -1;
}

/* Undo populate_lr()'s side effects for an LR the kernel did not program. */
static void unpopulate_lr(const struct vgic_engine *e, struct irq *irq, uint64_t val)
{
	if (vgic_lr_pending(lr_version(e), val)) {
		if (!irq->level)
			irq->pending_latch = true;
		if (is_v2_sgi(e, irq)) {
			irq->source |= (uint8_t)(1u << vgic_lr_source(2, val));
			irq->pending_latch = true;
		}
		if (irq->hw && irq->level)
			irq->line_level = irq->phys_level;
	}
	irq->on_lr = false;
}

/*
 * Make irq what the kernel's LR says it was at vgic_v3_populate_lr() /
 * vgic_v2_populate_lr(): enabled, its priority and group, active as the
 * LR, pending as the LR (then the populate side effects), on the LR and
 * on this vCPU's AP list.
 */
static void adopt_lr(struct vgic_engine *e, int vcpu, struct irq *irq, uint64_t val)
{
	int gv = lr_version(e);

	irq->enabled = true;
	irq->priority = vgic_lr_priority(gv, val);
	irq->group = vgic_lr_group(gv, val);
	irq->active = vgic_lr_active(gv, val);
	if (vgic_lr_pending(gv, val) && !irq_is_pending(irq)) {
		if (irq->level && !irq->hw)
			irq->line_level = true;
		else
			irq->pending_latch = true;
	}
	if (vgic_lr_pending(gv, val)) {
		if (!irq->level)
			irq->pending_latch = false;
		if (is_v2_sgi(e, irq)) {
			irq->source &= (uint8_t)~(1u << vgic_lr_source(2, val));
			irq->pending_latch = irq->source != 0;
		}
		if (irq->hw && irq->level)
			irq->line_level = false;
	}
	if (irq->vcpu < 0)
		ap_append(e, vcpu, irq);
	irq->on_lr = true;
}

/*
 * vgic_flush_lr_state() fills the LRs in AP-list order (after its sort, if
 * it sorted), so the kernel's LRs give the order of those entries in its
 * list: put them in that order, each into the places they hold between
 * them, leaving every other entry where it is.
 */
static void adopt_lr_order(struct vgic_engine *e, struct vcpu *v, const uint16_t *order, int n)
{
	int pos[VGIC_ENGINE_MAX_LRS], i, j, k = 0;

	for (i = 0; i < v->nap && k < n; i++)
		for (j = 0; j < n; j++)
			if (v->ap[i] == order[j])
				pos[k++] = i;
	if (k != n)
		return; /* not all on this list: nothing to learn */
	for (i = 0; i < n; i++)
		v->ap[pos[i]] = order[i];
	(void)e;
}

/* See vgic_engine.h: the kernel's vgic_flush_lr_state() replaces the model's. */
void vgic_engine_adopt_flush(struct vgic_engine *e, int vcpu, const struct vgic_flush_result *pred,
			     const struct vgic_cpuif *programmed)
{
	struct vcpu *v;
	uint16_t placed[VGIC_ENGINE_MAX_LRS];
	int i, j, used, nplaced;

	if (vcpu < 0 || vcpu >= e->cfg.nr_vcpus || e->cfg.guest_model == 5)
		return;
	v = &e->vcpus[vcpu];
	for (i = 0; i < pred->regs.used_lrs && i < VGIC_ENGINE_MAX_LRS; i++) {
		struct irq *irq = get_irq(e, vcpu, pred->lr_intid[i]);

		if (irq)
			unpopulate_lr(e, irq, pred->regs.lr[i]);
	}
	used = programmed->used_lrs < e->cfg.nr_lrs ? programmed->used_lrs : e->cfg.nr_lrs;
	v->last_lr_irq = -1;
	nplaced = 0;
	for (i = 0; i < used; i++) {
		uint64_t val = programmed->lr[i];
		uint32_t intid = e->cfg.guest_model == 3 ? vgic_lr_intid(3, val) : (uint32_t)(val & 0x3ff);
		struct irq *irq = add_lpi(e, intid, vcpu); /* an LPI queued before the trace began */

		if (!irq)
			irq = get_irq(e, vcpu, intid);
		if (!irq)
			continue;
		adopt_lr(e, vcpu, irq, val);
		for (j = 0; j < v->nap; j++)
			if (v->ap[j] == irq_index(e, irq))
				v->last_lr_irq = v->ap[j];
		for (j = 0; j < nplaced && placed[j] != irq_index(e, irq); j++)
			;
		if (j == nplaced)
			placed[nplaced++] = irq_index(e, irq);
	}
	adopt_lr_order(e, v, placed, nplaced);
	for (i = 0; i < VGIC_ENGINE_MAX_LRS; i++)
		v->cpuif.lr[i] = i < used ? programmed->lr[i] : 0;
	v->cpuif.used_lrs = used;
	v->cpuif.hcr = programmed->hcr;
}

/* ---------------------------------------------------------------- fold */

/* vgic_v3_fold_lr()'s lr_signals_eoi_mi(): state 0, EOI set, not HW. */
static bool lr_signals_eoi_mi(int gv, uint64_t lr)
{
	return !vgic_lr_pending(gv, lr) && !vgic_lr_active(gv, lr) && vgic_lr_eoi(gv, lr);
}

/*
 * vgic_irq_handle_resampling() for a mapped level interrupt (the timer):
 * when the LR came back pending, or deactivated with the line high, sample
 * the physical line; if it is low, KVM clears the physical active state.
 */
static void resample(struct irq *irq, int vcpu, bool deactivated, bool lr_pending,
		     enum vgic_change_cause cause, struct vgic_sync_result *out)
{
	if (!irq->hw || !irq->level)
		return;
	if (lr_pending || (deactivated && irq->line_level)) {
		irq->line_level = irq->phys_level;
		irq->resampled = true;
		if (!irq->line_level)
			note(out, irq, vcpu, VGIC_CHANGE_PHYS_DEACTIVATED, cause, -1);
	}
}

/*
 * vgic_v3_fold_lr() / vgic_v2_fold_lr(): the active bit always follows
 * the LR; an edge interrupt left pending goes back to the latch; a level
 * one whose LR came back empty loses its soft pending state; a GICv2 SGI
 * records its active source and gets a pending source back; a level SPI
 * whose EOI MI fired is acked (kvm_notify_acked_irq; 6.19+ only when it
 * was actually deactivated, and then active_spis drops).
 */
static void fold_lr(struct vgic_engine *e, int vcpu, uint64_t val, enum vgic_change_cause cause,
		    struct vgic_sync_result *out)
{
	int gv = lr_version(e);
	uint32_t intid = e->cfg.guest_model == 3 ? vgic_lr_intid(3, val) : (uint32_t)(val & 0x3ff);
	struct irq *irq = get_irq(e, vcpu, intid);
	bool a = vgic_lr_active(gv, val), p = vgic_lr_pending(gv, val), deactivated;
	int owner;

	if (!irq) /* an LPI could have been unmapped */
		return;
	if (is_lpi(irq) && e->p->fold_drops_lpi_active)
		a = false;
	owner = irq->vcpu >= 0 ? irq->vcpu : vcpu;
	deactivated = irq->active && !a;
	if (deactivated)
		note(out, irq, owner, VGIC_CHANGE_DEACTIVATED, cause, -1);
	else if (!irq->active && a)
		note(out, irq, owner, VGIC_CHANGE_ACTIVATED, cause, -1);
	irq->active = a;
	if (!irq->level && p && !irq->pending_latch) {
		irq->pending_latch = true;
		note(out, irq, owner, VGIC_CHANGE_PENDING_SET, cause, -1);
	}
	if (irq->level && !p && !a && irq->pending_latch) {
		irq->pending_latch = false;
		note(out, irq, owner, VGIC_CHANGE_PENDING_CLEARED, cause, -1);
	}
	if (is_v2_sgi(e, irq)) {
		uint32_t cpuid = vgic_lr_source(gv, val);

		if (irq->active)
			irq->active_source = (uint8_t)cpuid;
		if (p)
			irq->source |= (uint8_t)(1u << cpuid);
	}
	resample(irq, owner, deactivated, p, cause, out);
	irq->on_lr = false;
	if (lr_signals_eoi_mi(gv, val) && is_spi(e, irq) &&
	    (deactivated || !e->p->ack_on_deactivation)) {
		note(out, irq, owner, VGIC_CHANGE_LEVEL_ACKED, cause, -1);
		if (e->p->counts_active_spis && e->active_spis > 0) {
			e->active_spis--; /* atomic_dec_if_positive() */
			irq->spi_counted = false;
		}
	}
}

/*
 * The EOIcount replay of vgic_v3_fold_lr_state() / vgic_v2_fold_lr_state()
 * (6.19+, EOImode 0): each EOI the guest did of an interrupt in no LR is
 * replayed on the next active entry for this vCPU: a pseudo-LR without A
 * is folded (plus a physical DIR for HW interrupts). 6.19 starts at the
 * AP-list head; 6da5e537f5af right after host_data->last_lr_irq.
 */
static void eoicount_walk(struct vgic_engine *e, int vcpu, int eoicount,
			  struct vgic_sync_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	int i, start = 0;

	if (e->p->eoicount_walk == EOICOUNT_AFTER_LAST_LR) {
		for (i = 0; i < v->nap; i++)
			if (v->ap[i] == v->last_lr_irq)
				start = i + 1;
	}
	for (i = start; i < v->nap && eoicount; i++) {
		struct irq *irq = &e->irqs[v->ap[i]];
		uint64_t lr;

		if (target_oracle(e, irq) != vcpu || !irq->active)
			continue;
		lr = compute_lr(e, irq) & ~lr_state_bits(lr_version(e), false, true);
		if (vgic_lr_hw(lr_version(e), lr))
			note(out, irq, vcpu, VGIC_CHANGE_PHYS_DEACTIVATED, VGIC_CAUSE_EOICOUNT, -1);
		fold_lr(e, vcpu, lr, VGIC_CAUSE_EOICOUNT, out);
		eoicount--;
	}
	if (out)
		out->eoicount_left = eoicount;
}

/*
 * A trapped DIR that found its interrupt in an LR was turned into an
 * ICACTIVER write (vgic_mmio_write_cactive), which halts the guest: the
 * owner exits, folds, then the active state is cleared.
 */
static void apply_cactive(struct vgic_engine *e, int vcpu, struct vgic_sync_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	int i;

	for (i = 0; i < v->nap; i++) {
		struct irq *irq = &e->irqs[v->ap[i]];

		if (!irq->cactive_pending)
			continue;
		irq->cactive_pending = false;
		if (irq->active) {
			irq->active = false;
			note(out, irq, vcpu, VGIC_CHANGE_DEACTIVATED, VGIC_CAUSE_DIR_TRAP, -1);
			if (irq->hw)
				note(out, irq, vcpu, VGIC_CHANGE_PHYS_DEACTIVATED, VGIC_CAUSE_DIR_TRAP,
				     -1);
		}
	}
}

/* See vgic_engine.h: the save, then vgic_fold_lr_state() with the profile's rules. */
void vgic_engine_fold(struct vgic_engine *e, int vcpu, const struct vgic_cpuif *saved,
		      struct vgic_sync_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	const struct vgic_profile *p = e->p;
	bool lrenpie = v->cpuif.hcr & VGIC_HCR_LRENPIE;
	int i, used = saved->used_lrs;

	/* Only the counters: the change arrays are read up to their counts (no per-event cost). */
	out->ndeactivated = out->eoicount = out->eoicount_left = out->nchanges = 0;
	out->fold_skipped = out->changes_truncated = false;
	if (used > VGIC_ENGINE_MAX_LRS)
		used = VGIC_ENGINE_MAX_LRS;
	/* <= 6.18: nothing is saved or folded on an empty list, nor folded without LRs. */
	if (p->sync_skips_empty && (!v->nap || !used)) {
		out->fold_skipped = true;
		v->cpuif.used_lrs = 0;
		return;
	}
	/* The save: VMCR at every exit (6.19+; we keep it on 6.12 too), APRs (really at put). */
	v->cpuif.vmcr = saved->vmcr;
	memcpy(v->cpuif.ap0r, saved->ap0r, sizeof(v->cpuif.ap0r));
	memcpy(v->cpuif.ap1r, saved->ap1r, sizeof(v->cpuif.ap1r));
	/* EOIcount reaches vgic_hcr only when LRENPIE was set at flush (__vgic_v3_save_state). */
	if (p->eoicount_walk != EOICOUNT_NONE && lrenpie)
		out->eoicount = (int)(saved->hcr >> VGIC_HCR_EOICOUNT_SHIFT) & 31;
	if (p->fold_needs_last_lr && v->last_lr_irq < 0) {
		out->fold_skipped = true;
		v->cpuif.used_lrs = 0;
		return;
	}
	if (!p->configure_hcr)
		v->cpuif.hcr &= ~VGIC_HCR_UIE; /* <= 6.18: the fold clears the underflow request */
	for (i = 0; i < used; i++)
		fold_lr(e, vcpu, saved->lr[i], VGIC_CAUSE_LR_FOLD, out);
	if (out->eoicount)
		eoicount_walk(e, vcpu, out->eoicount, out);
	v->cpuif.used_lrs = 0;
	apply_cactive(e, vcpu, out);
}

/*
 * vgic_prune_ap_list(): drop what needs no vCPU, move what now targets
 * another vCPU to that vCPU's tail.
 */
static void prune(struct vgic_engine *e, int vcpu, struct vgic_sync_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	int i = 0;

	while (i < v->nap) {
		struct irq *irq = &e->irqs[v->ap[i]];
		int target = target_oracle(e, irq);

		if (target == vcpu) {
			i++;
			continue;
		}
		ap_remove(v, i);
		irq->vcpu = -1;
		if (target >= 0 && target < e->cfg.nr_vcpus) {
			ap_append(e, target, irq);
			note(out, irq, vcpu, VGIC_CHANGE_MIGRATED, VGIC_CAUSE_PRUNE, target);
		} else {
			note(out, irq, vcpu, VGIC_CHANGE_REMOVED, VGIC_CAUSE_PRUNE, -1);
		}
	}
}

/* See vgic_engine.h. */
void vgic_engine_prune(struct vgic_engine *e, int vcpu)
{
	prune(e, vcpu, NULL);
}

/* See vgic_engine.h: kvm_vgic_sync_hwstate() = save + fold + prune. */
void vgic_engine_sync(struct vgic_engine *e, int vcpu, const struct vgic_cpuif *saved,
		      struct vgic_sync_result *out)
{
	vgic_engine_fold(e, vcpu, saved, out);
	if (!(e->p->sync_skips_empty && !e->vcpus[vcpu].nap))
		prune(e, vcpu, out);
}

/* ---------------------------------------------------------------- trapped DIR */

/* See vgic_engine.h: vgic_v3_deactivate() / vgic_v2_deactivate(). */
enum vgic_dir_outcome vgic_engine_deactivate(struct vgic_engine *e, int vcpu, uint32_t val,
					     struct vgic_sync_result *out)
{
	uint8_t cpuid = (uint8_t)((val >> 10) & 7);
	struct irq *irq;
	int owner;
	uint64_t lr;

	val &= ~(7u << 10);
	if (!e->p->traps_dir || vcpu < 0 || vcpu >= e->cfg.nr_vcpus ||
	    !vgic_vmcr_eoimode(lr_version(e), e->vcpus[vcpu].cpuif.vmcr) ||
	    val >= (uint32_t)e->cfg.nr_spis + VGIC_ENGINE_NR_PRIVATE)
		return VGIC_DIR_IGNORED;
	irq = get_irq(e, vcpu, val);
	if (!irq)
		return VGIC_DIR_IGNORED;
	owner = irq->vcpu;
	if (owner < 0)
		return VGIC_DIR_NOT_QUEUED;
	if (irq->on_lr) {
		irq->cactive_pending = true;
		e->vcpus[owner].process_update = true;
		return VGIC_DIR_ON_LR;
	}
	if (is_v2_sgi(e, irq) && irq->active_source != cpuid)
		return VGIC_DIR_WRONG_SOURCE;
	lr = compute_lr(e, irq) & ~lr_state_bits(lr_version(e), false, true);
	if (vgic_lr_hw(lr_version(e), lr))
		note(out, irq, owner, VGIC_CHANGE_PHYS_DEACTIVATED, VGIC_CAUSE_DIR_TRAP, -1);
	fold_lr(e, vcpu, lr, VGIC_CAUSE_DIR_TRAP, out);
	e->vcpus[owner].process_update = true;
	return VGIC_DIR_FOLDED;
}

/* See vgic_engine.h. */
int vgic_engine_resampled(const struct vgic_engine *e, int vcpu, uint32_t *intids, int max)
{
	const struct vcpu *v;
	int i, n = 0;

	if (vcpu < 0 || vcpu >= e->cfg.nr_vcpus)
		return 0;
	v = &e->vcpus[vcpu];
	for (i = 0; i < v->nap; i++) {
		const struct irq *irq = &e->irqs[v->ap[i]];

		if (irq->resampled && irq->line_level && !irq->active && n < max)
			intids[n++] = irq->intid;
	}
	return n;
}

/* See vgic_engine.h. */
void vgic_engine_lower_phys_line(struct vgic_engine *e, int vcpu, uint32_t intid)
{
	struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq || !irq->hw || !irq->level)
		return;
	irq->line_level = irq->phys_level = false;
	irq->resampled = false;
}

/*
 * See vgic_engine.h: kvm_vgic_vcpu_pending_irq() (v7.2). A GICv5 VM is
 * asked vgic_v5_has_pending_ppi() before anything else, distributor
 * enable included: its PPIs are on no AP list.
 */
bool vgic_engine_vcpu_pending_irq(const struct vgic_engine *e, int vcpu)
{
	const struct vcpu *v = &e->vcpus[vcpu];
	uint8_t pmr = vgic_vmcr_pmr(lr_version(e), v->cpuif.vmcr);
	int i;

	if (e->cfg.guest_model == 5)
		return vgic_engine_v5_has_pending_ppi(e, vcpu);
	if (!e->dist_enabled)
		return false;
	for (i = 0; i < v->nap; i++) {
		const struct irq *irq = &e->irqs[v->ap[i]];

		if (irq_is_pending(irq) && irq->enabled && !irq->active && irq->priority < pmr)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- life cycle */

/* Fill in defaults and check a configuration; false when it is invalid. */
static bool settle_config(struct vgic_engine_config *c)
{
	if (!c->profile || c->nr_vcpus < 1 || c->nr_vcpus > VGIC_ENGINE_MAX_VCPUS || c->nr_spis < 0 ||
	    c->nr_spis > VGIC_ENGINE_MAX_SPIS)
		return false;
	if (c->gic_version != 2 && c->gic_version != 3 && c->gic_version != 5)
		return false;
	if (!c->guest_model)
		c->guest_model = c->gic_version;
	if (c->gic_version == 2 && c->guest_model != 2)
		return false;
	if (c->gic_version == 3 && c->guest_model != 2 && c->guest_model != 3)
		return false;
	if (c->gic_version == 5 && c->guest_model != 3 && c->guest_model != 5)
		return false;
	if (c->guest_model == 5 && !c->profile->gicv5_ppis)
		return false;
	if (c->nr_lpis < 0 || c->nr_lpis > VGIC_ENGINE_MAX_LPIS)
		return false;
	if (c->guest_model == 5)
		c->nr_spis = 0;
	if (c->guest_model != 3)
		c->nr_lpis = 0;
	if (c->guest_model == 2 && c->nr_vcpus > 8)
		return false;
	return c->nr_lrs >= 1 && c->nr_lrs <= VGIC_ENGINE_MAX_LRS;
}

/* The reset state of every interrupt (kvm_vgic_dist_init, kvm_vgic_vcpu_init). */
static void reset_irqs(struct vgic_engine *e)
{
	int v, i;

	for (v = 0; v < e->cfg.nr_vcpus; v++) {
		for (i = 0; i < e->nr_private; i++) {
			struct irq *irq = &e->irqs[v * e->nr_private + i];

			irq->vcpu = -1;
			irq->target = (int16_t)v;
			if (e->cfg.guest_model == 5) {
				v5_reset_ppi(irq, (uint32_t)i);
				continue;
			}
			irq->intid = (uint32_t)i;
			irq->group = e->cfg.guest_model == 3;
			irq->enabled = i < 16; /* SGIs: always enabled, edge; PPIs: level */
			irq->level = i >= 16;
		}
		e->vcpus[v].last_lr_irq = -1;
		e->vcpus[v].ap = e->ap_storage + (size_t)v * (size_t)e->ap_cap;
	}
	for (i = 0; i < e->cfg.nr_spis; i++) {
		struct irq *irq = &e->irqs[e->cfg.nr_vcpus * e->nr_private + i];

		irq->intid = (uint32_t)(i + VGIC_ENGINE_NR_PRIVATE);
		irq->vcpu = -1;
		irq->target = 0;
		irq->group = e->cfg.guest_model == 3;
	}
}

/* See vgic_engine.h. */
struct vgic_engine *vgic_engine_create(const struct vgic_engine_config *cfg)
{
	struct vgic_engine *e;
	struct vgic_engine_config c = *cfg;

	if (!settle_config(&c))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = c;
	e->p = c.profile;
	e->dist_enabled = true;
	e->nr_private = c.guest_model == 5 ? VGIC_V5_NR_PPIS : VGIC_ENGINE_NR_PRIVATE;
	e->lpi_base = c.nr_vcpus * e->nr_private + c.nr_spis;
	e->nirqs = e->lpi_base + c.nr_lpis;
	e->ap_cap = e->nr_private + c.nr_spis + c.nr_lpis;
	e->irqs = calloc((size_t)e->nirqs, sizeof(*e->irqs));
	e->vcpus = calloc((size_t)c.nr_vcpus, sizeof(*e->vcpus));
	e->ap_storage = calloc((size_t)c.nr_vcpus * (size_t)e->ap_cap, sizeof(uint16_t));
	if (!e->irqs || !e->vcpus || !e->ap_storage) {
		vgic_engine_destroy(e);
		return NULL;
	}
	reset_irqs(e);
	return e;
}

/* See vgic_engine.h: flat arrays, so a copy plus re-pointing the AP lists. */
struct vgic_engine *vgic_engine_clone(const struct vgic_engine *e)
{
	struct vgic_engine *c = calloc(1, sizeof(*c));
	size_t aps = (size_t)e->cfg.nr_vcpus * (size_t)e->ap_cap;
	int v;

	if (!c)
		return NULL;
	*c = *e;
	c->irqs = malloc(sizeof(*c->irqs) * (size_t)e->nirqs);
	c->vcpus = malloc(sizeof(*c->vcpus) * (size_t)e->cfg.nr_vcpus);
	c->ap_storage = malloc(sizeof(uint16_t) * aps);
	if (!c->irqs || !c->vcpus || !c->ap_storage) {
		vgic_engine_destroy(c);
		return NULL;
	}
	/* LPI slots past the used ones are never read before add_lpi() fills them. */
	memcpy(c->irqs, e->irqs, sizeof(*c->irqs) * (size_t)(e->lpi_base + e->nlpis));
	memcpy(c->vcpus, e->vcpus, sizeof(*c->vcpus) * (size_t)e->cfg.nr_vcpus);
	memcpy(c->ap_storage, e->ap_storage, sizeof(uint16_t) * aps);
	for (v = 0; v < e->cfg.nr_vcpus; v++)
		c->vcpus[v].ap = c->ap_storage + (size_t)v * (size_t)e->ap_cap;
	return c;
}

/* See vgic_engine.h. */
void vgic_engine_destroy(struct vgic_engine *e)
{
	if (!e)
		return;
	free(e->irqs);
	free(e->vcpus);
	free(e->ap_storage);
	free(e);
}

/* ---------------------------------------------------------------- queries */

/* See vgic_engine.h. */
const struct vgic_engine_config *vgic_engine_get_config(const struct vgic_engine *e)
{
	return &e->cfg;
}

/* See vgic_engine.h. */
int vgic_engine_irq(const struct vgic_engine *e, int vcpu, uint32_t intid,
		    struct vgic_irq_state *out)
{
	const struct irq *irq = get_irq(e, vcpu, intid);

	if (!irq)
		return -1;
	memset(out, 0, sizeof(*out));
	out->intid = irq->intid;
	out->pending_latch = irq->pending_latch;
	out->line_level = irq->line_level;
	out->active = irq->active;
	out->enabled = irq->enabled;
	out->hw = irq->hw;
	out->on_lr = irq->on_lr;
	out->config = irq->level ? VGIC_LEVEL : VGIC_EDGE;
	out->priority = irq->priority;
	out->group = irq->group;
	out->target_vcpu = irq->target;
	out->vcpu = irq->vcpu;
	out->hwintid = irq->hwintid;
	out->source = irq->source;
	out->active_source = irq->active_source;
	out->direct_injection = irq->dvi;
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
		intids[i] = e->irqs[v->ap[i]].intid;
	return v->nap;
}

/* See vgic_engine.h. */
void vgic_engine_cpuif(const struct vgic_engine *e, int vcpu, struct vgic_cpuif *out)
{
	*out = e->vcpus[vcpu].cpuif;
}

/* See vgic_engine.h. */
int vgic_engine_active_spis(const struct vgic_engine *e)
{
	return e->active_spis;
}

/* See vgic_engine.h. */
void vgic_engine_clear_active_spis(struct vgic_engine *e)
{
	int i;

	e->active_spis = 0;
	for (i = 0; i < e->lpi_base + e->nlpis; i++)
		e->irqs[i].spi_counted = false;
}

/* See vgic_engine.h. */
void vgic_engine_footprint(const struct vgic_engine *e, int *bytes_per_irq, int *bytes_per_vcpu)
{
	*bytes_per_irq = (int)sizeof(struct irq);
	*bytes_per_vcpu = (int)sizeof(struct vcpu) + e->ap_cap * (int)sizeof(uint16_t);
}
