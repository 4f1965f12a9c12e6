/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's distributor configuration, learned from the LRs before the
 * replay starts.
 *
 * No tracepoint shows how the guest configured its interrupts, but every
 * LR KVM programmed says it for the interrupt it holds: an interrupt seen
 * in an LR was enabled; its priority, group, HW mapping and, through the
 * EOI bit, its trigger mode are in the LR; an SPI targets the vCPU whose
 * LRs hold it Pending. One scan of the flushes is enough, since LRs are
 * only programmed there, and it is made before the engine exists so that
 * the engine is sized to the INTIDs the trace uses.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* What an LR says about its interrupt's configuration (vgic_v3_populate_lr's encoding). */
static void decode_config(int gic, int vcpu, uint64_t lr, struct learned *l)
{
	bool hw = vgic_lr_hw(gic, lr);

	memset(l, 0, sizeof(*l));
	l->vcpu = vcpu;
	l->intid = vgic_lr_intid(gic, lr);
	l->c.enabled = true;
	l->c.priority = vgic_lr_priority(gic, lr);
	l->c.group = vgic_lr_group(gic, lr);
	l->c.hw = hw;
	l->c.hwintid = hw ? vgic_lr_physid(gic, lr) : 0;
	/* Only non-HW level interrupts carry EOI (vgic_v3_populate_lr); HW ones are level. */
	l->c.config = hw || vgic_lr_eoi(gic, lr) ? VGIC_LEVEL : VGIC_EDGE;
	l->c.target_vcpu = vcpu;
}

/* What model_learn_config() gathers, one flush LR at a time. */
struct learning {
	struct learned *out; /* malloc'ed, n of cap */
	int n, cap;
	int spi_index[VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE]; /* an SPI's entry in out */
	bool spi_target_seen[VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE];
	uint32_t max_intid;
};

/*
 * Learn what one LR of a flush of vcpu says: the first sight of an
 * interrupt gives its configuration, the first Pending-only LR of an SPI
 * its target.
 */
static void learn_from_flush_lr(struct replay_model *m, struct learning *l, int vcpu, uint64_t lr)
{
	int gic = m->cfg.gic_version;
	uint32_t intid = vgic_lr_intid(gic, lr);
	bool *seen, pending_only;

	if (vcpu < 0 || vcpu >= m->cfg.nr_vcpus ||
	    intid >= VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE)
		return;
	pending_only = vgic_lr_pending(gic, lr) && !vgic_lr_active(gic, lr);
	if (intid < VGIC_ENGINE_NR_PRIVATE)
		seen = &m->vcpu[vcpu].seen_priv[intid];
	else
		seen = &m->seen_spi[intid];
	if (*seen) {
		/*
		 * An SPI first seen Active may sit on the list of a vCPU it
		 * was routed away from; the first Pending-only LR shows its
		 * target (vgic_target_oracle() of a pending, inactive one).
		 */
		if (intid >= VGIC_ENGINE_NR_PRIVATE && !l->spi_target_seen[intid] && pending_only) {
			l->out[l->spi_index[intid]].c.target_vcpu = vcpu;
			l->spi_target_seen[intid] = true;
		}
		return;
	}
	*seen = true;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->out = vr_xrealloc(l->out, (size_t)l->cap * sizeof(*l->out));
	}
	if (intid >= VGIC_ENGINE_NR_PRIVATE) {
		l->spi_index[intid] = l->n;
		l->spi_target_seen[intid] = pending_only;
	}
	decode_config(gic, vcpu, lr, &l->out[l->n++]);
	if (intid > l->max_intid)
		l->max_intid = intid;
}

/*
 * Learn each interrupt's configuration from the first LR it appears in,
 * an SPI's target from its first Pending-only LR (the flushes are enough:
 * LRs are only programmed there), before the model exists, so that it is
 * sized to the INTIDs the trace uses (a clone, made for every race and
 * DIR tried, copies every IRQ). Returns the count, *out malloc'ed;
 * *max_intid the highest INTID seen.
 */
int model_learn_config(struct replay_model *m, struct tracedb *db, struct learned **out,
		       uint32_t *max_intid)
{
	struct learning *l = vr_xcalloc(1, sizeof(*l));
	struct vr_error err = {{0}};
	struct trace_cursor *cur;
	struct trace_filter f;
	struct trace_item it;
	int n;

	trace_filter_init(&f);
	f.kinds = VR_KIND_BIT(VR_EV_FLUSH);
	f.gaps = 0;
	f.ap_len = 0;
	cur = trace_cursor_open(db, &f, &err);
	while (cur && trace_cursor_next(cur, &it, &err) == 1) {
		int nlr = (int)it.snap.used_lrs;

		if (it.ev.vcpu == VR_NO_VALUE || !it.has_snapshot)
			continue;
		if (nlr > it.snap.nr_lrs)
			nlr = it.snap.nr_lrs;
		for (int j = 0; j < nlr; j++)
			learn_from_flush_lr(m, l, (int)it.ev.vcpu, it.snap.lr[j]);
	}
	trace_cursor_close(cur);
	*out = l->out;
	*max_intid = l->max_intid;
	n = cur ? l->n : -1;
	free(l);
	return n;
}
