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
 * the engine is sized to the INTIDs the trace uses. A live stream (the
 * watcher) learns from its first flushes only; an interrupt a later flush
 * shows first is configured then (model_learn_late()).
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

/* What the model learns before its engine exists, one flush LR at a time. */
struct model_learning {
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
static void learn_from_flush_lr(struct replay_model *m, struct model_learning *l, int vcpu,
				uint64_t lr)
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

/* See model_internal.h. */
struct model_learning *model_learning_new(void)
{
	return vr_xcalloc(1, sizeof(struct model_learning));
}

/* See model_internal.h. */
void model_learning_free(struct model_learning *l)
{
	if (!l)
		return;
	free(l->out);
	free(l);
}

/* See model_internal.h. */
void model_learn_item(struct replay_model *m, struct model_learning *l,
		      const struct trace_item *it)
{
	int nlr = (int)it->snap.used_lrs;

	if (it->type != TRACE_ITEM_EVENT || it->ev.kind != VR_EV_FLUSH ||
	    it->ev.vcpu == VR_NO_VALUE || !it->has_snapshot)
		return;
	if (nlr > it->snap.nr_lrs)
		nlr = it->snap.nr_lrs;
	for (int j = 0; j < nlr; j++)
		learn_from_flush_lr(m, l, (int)it->ev.vcpu, it->snap.lr[j]);
}

/* See model_internal.h. */
int model_learned(const struct model_learning *l, const struct learned **out,
		  uint32_t *max_intid)
{
	*out = l->out;
	*max_intid = l->max_intid;
	return l->n;
}

/*
 * See model_internal.h. A flush's LR that names an interrupt no earlier
 * flush showed (a live stream learns from its first flushes only): its
 * configuration goes into the engine now, and as the engine's state of it
 * until now is a guess, its vCPU (for an SPI, the VM's active_spis too)
 * is unknown until a flush matches again, as after a gap.
 */
void model_learn_late(struct replay_model *m, const struct replay_model_row *r)
{
	int gic = m->cfg.gic_version;

	if (!r->lr || r->vcpu < 0 || r->vcpu >= m->cfg.nr_vcpus)
		return;
	for (int j = 0; j < r->used_lrs && j < m->cfg.nr_lrs; j++) {
		uint32_t intid = vgic_lr_intid(gic, r->lr[j]);
		struct learned l;
		bool *seen;

		if (intid >= VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE)
			continue;
		seen = intid < VGIC_ENGINE_NR_PRIVATE ? &m->vcpu[r->vcpu].seen_priv[intid]
						      : &m->seen_spi[intid];
		if (*seen)
			continue;
		*seen = true;
		decode_config(gic, r->vcpu, r->lr[j], &l);
		vgic_engine_configure(m->e, l.vcpu, l.intid, &l.c);
		m->res.configured++;
		m->res.learned_late++;
		m->vcpu[r->vcpu].unknown = m->vcpu[r->vcpu].lost = true;
		if (intid >= VGIC_ENGINE_NR_PRIVATE)
			m->spis_unknown = true;
	}
}
