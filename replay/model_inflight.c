/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Injections in flight: the ones the trace shows made on another thread
 * than their target vCPU's, held back until the driver knows whether the
 * target's flush could have seen them.
 *
 * A vCPU's own thread is in program order with its flushes, so what it
 * injects is applied at once (model.c). What another thread injects is
 * queued (struct pending_injection says why): it is applied once its call
 * has certainly returned before the target's next event, or split at the
 * target's flush into those certainly in, those in flight (the flush may
 * or may not have taken them: model_try_flush() tries each split) and
 * those too late. Injections made while the distributor is off are applied
 * before a GICD_CTLR write, so that an enable leaves them stranded as KVM
 * does.
 */
#include <string.h>

#include "model_internal.h"

/* Apply one queued injection, SGI or distributor write to the model. */
void model_apply_one(struct vgic_engine *e, const struct pending_injection *p)
{
	vgic_engine_set_clock(e, p->ts);
	if (p->mmio)
		vgic_engine_mmio_write(e, p->layout, p->writer, p->gpa, p->len, p->val);
	else if (p->sgi_src >= 0)
		vgic_engine_send_sgi(e, p->sgi_src, 1ull << p->vcpu, p->intid);
	else if (p->intid >= VGIC_ENGINE_MIN_LPI)
		vgic_engine_queue_lpi(e, p->intid, p->vcpu, p->level, p->enabled, p->priority);
	else
		vgic_engine_inject(e, p->vcpu, p->intid, p->level);
}

/* Apply every queued injection (the queue overflowed). */
static void apply_all(struct replay_model *m)
{
	int i;

	for (i = 0; i < m->nq; i++)
		model_apply_one(m->e, &m->q[i]);
	m->nq = 0;
}

/*
 * The vCPU whose flush an injection concerns: the target of a private IRQ
 * or SGI; for an SPI, the AP list it is on or would join
 * (vgic_target_oracle()), -1 when the model does not know the SPI.
 */
static int injection_vcpu(const struct replay_model *m, const struct pending_injection *p)
{
	struct vgic_irq_state s;

	if (p->vcpu >= 0)
		return p->vcpu;
	if (vgic_engine_irq(m->e, 0, p->intid, &s))
		return -1;
	return s.vcpu >= 0 ? s.vcpu : s.target_vcpu;
}

/*
 * Apply the injections certainly queued before vcpu's flush or prune:
 * their call has returned and they fired before before_ts, the vCPU
 * thread's previous event (a re-injection of an interrupt already on the
 * AP list only sets its latch under the IRQ lock, so a flush already past
 * it misses it even then). Injections for other vCPUs wait for their own
 * target's next event: applying one at another vCPU's prune would put it
 * into a flush its target may have started before it was queued.
 *
 * A distributor write (model_dist.c) is certain once it returned before
 * mmio_before: the vCPU's previous event for a flush, its sync for a
 * prune (vgic_prune_ap_list() reads the target after the fold, and a
 * retarget that lands later moves the SPI only at the next prune). One
 * whose target vCPU has moved on since it returned is applied at any
 * vCPU's flush or prune: no flush of that vCPU can miss it, and the
 * others' (their TDIR, 6.19+) see it.
 */
void model_apply_done(struct replay_model *m, int vcpu, int64_t before_ts, int64_t mmio_before)
{
	int i, kept = 0, t;

	for (i = 0; i < m->nq; i++) {
		struct pending_injection *p = &m->q[i];

		t = injection_vcpu(m, p);
		if (p->mmio ? p->done && ((p->done_ts < mmio_before && (t == vcpu || t < 0)) ||
					  (t >= 0 && t != vcpu && p->done_ts < m->vcpu[t].last_ts))
			    : p->done && p->ts < before_ts && (t == vcpu || t < 0))
			model_apply_one(m->e, p);
		else
			m->q[kept++] = *p;
	}
	m->nq = kept;
}

/*
 * Before a GICD_CTLR write, while the distributor is off: the injections
 * whose call has returned were made under it, so none was queued
 * (vgic_target_oracle() gives NULL). Apply them now, whatever their
 * target: an enabling write then leaves them pending on no AP list, as
 * KVM does (only a later write that queues them brings them in), instead
 * of their being applied at their target's next flush, under the enabled
 * distributor.
 */
void model_settle_before_dist_write(struct replay_model *m)
{
	int i, kept = 0;

	if (vgic_engine_dist_enabled(m->e))
		return;
	for (i = 0; i < m->nq; i++) {
		if (m->q[i].done)
			model_apply_one(m->e, &m->q[i]);
		else
			m->q[kept++] = m->q[i];
	}
	m->nq = kept;
}

/* Queue an injection from another thread, or apply it when the queue is full. */
void model_enqueue(struct replay_model *m, const struct pending_injection *p)
{
	if (m->nq == MAX_QUEUED)
		apply_all(m);
	m->q[m->nq++] = *p;
}

/*
 * Does row r show its thread moved on from the calls it was in (the rule
 * of replay_event_moves_thread_on(), told whether the thread runs a
 * vCPU)? If not, it may be an interrupt handler nested in such a call.
 */
bool model_row_moves_thread_on(const struct replay_model *m, const struct replay_model_row *r)
{
	bool vcpu_thread = false;
	int i;

	for (i = 0; i < m->cfg.nr_vcpus && !vcpu_thread; i++)
		vcpu_thread = m->vcpu[i].thread_of == r->pid;
	return replay_event_moves_thread_on(r->kind, vcpu_thread);
}

/* A thread has moved on: the injections and SGIs it made have returned. */
void model_note_injections_returned(struct replay_model *m, const struct replay_model_row *r)
{
	int i;

	if (!m->nq || !model_row_moves_thread_on(m, r))
		return;
	for (i = 0; i < m->nq; i++) /* this thread has moved on from its injections */
		if (m->q[i].pid == r->pid && !m->q[i].done) {
			m->q[i].done = true;
			m->q[i].done_ts = r->ts_ns;
		}
}

/*
 * An SPI raised (kvm_vgic_inject_irq() with level 1): if KVM queues it,
 * vgic_queue_irq_unlock() counts it in active_spis, at a moment between
 * this event and its thread's next move (6.19+, GICv3 model).
 */
void model_note_spis_raise(struct replay_model *m, const struct replay_model_row *r)
{
	m->spis_raise[m->spis_raise_next] =
		(struct spis_change){.ts = r->ts_ns, .pid = r->pid, .vcpu = -1};
	m->spis_raise_next = (m->spis_raise_next + 1) % MAX_SPIS_RAISES;
}

/*
 * A fold dropped active_spis (vgic_v3_fold_lr(): a level SPI the guest
 * deactivated, atomic_dec_if_positive()), after the sync probe, before
 * the folding thread's next event.
 */
void model_note_spis_drop(struct replay_model *m, const struct replay_model_row *r)
{
	m->spis_drop = (struct spis_change){.ts = r->ts_ns, .pid = r->pid, .vcpu = r->vcpu};
}

/* Row r's thread moved on: the active_spis changes it was making are made. */
void model_note_spis_changes_done(struct replay_model *m, const struct replay_model_row *r)
{
	int i;

	if (m->spis_drop.ts && !m->spis_drop.done_ts && m->spis_drop.pid == r->pid &&
	    r->ts_ns > m->spis_drop.ts)
		m->spis_drop.done_ts = r->ts_ns; /* the folding vCPU's next event (its post) */
	if (!model_row_moves_thread_on(m, r))
		return;
	for (i = 0; i < MAX_SPIS_RAISES; i++) {
		struct spis_change *c = &m->spis_raise[i];

		if (c->ts && !c->done_ts && c->pid == r->pid && r->ts_ns >= c->ts &&
		    r->kind != VR_EV_IRQ_PENDING)
			c->done_ts = r->ts_ns;
	}
}

/*
 * Is the change made at or after this vCPU's previous event, or not yet
 * certainly made by then? Then it may land before or after this flush's
 * read of active_spis, which runs on another CPU at a moment the trace
 * does not show (only the flush's return is traced).
 */
static bool change_races(const struct spis_change *c, int64_t before)
{
	return c->ts && (c->ts >= before || !c->done_ts || c->done_ts >= before);
}

/*
 * May this flush of vcpu have read another active_spis than the model
 * holds (6.19+: vgic_v3_configure_hcr() sets TDIR when it is non-zero)?
 * Raises by other threads that race the flush, where the model's count
 * is no more than their number (so it may be zero for the kernel), or a
 * drop by another vCPU's fold that races it, where the model's count is
 * zero (so it may be one for the kernel).
 */
static bool spis_ambiguous(const struct replay_model *m, int vcpu)
{
	int64_t before = m->vcpu[vcpu].last_ts;
	int count = vgic_engine_active_spis(m->e), n = 0, i;

	for (i = 0; i < MAX_SPIS_RAISES; i++)
		n += m->spis_raise[i].pid != m->vcpu[vcpu].thread_of &&
		     change_races(&m->spis_raise[i], before);
	if (n && count <= n)
		return true;
	return !count && m->spis_drop.vcpu != vcpu && change_races(&m->spis_drop, before);
}

/*
 * Does an SPI the model holds back for another vCPU already count in
 * active_spis (6.19+, GICv3 model)? Its injection has returned before
 * this vCPU's previous event and it joins an AP list it is not on. One
 * still under way may count or not: m->tdir_maybe says so, as it does
 * for any change of the count this flush may have missed or seen
 * (spis_ambiguous()).
 */
static bool queued_spi_counts(struct replay_model *m, int vcpu)
{
	int i;

	if (!m->hcr_exact || m->cfg.gic_version != 3 || m->cfg.guest_model == 2) {
		m->tdir_maybe = false;
		return false;
	}
	m->tdir_maybe = spis_ambiguous(m, vcpu);
	if (model_dist_writes_count(m, vcpu))
		return true;
	for (i = 0; i < m->nq; i++) {
		const struct pending_injection *p = &m->q[i];
		struct vgic_irq_state s;

		if (p->vcpu >= 0 || !p->level || injection_vcpu(m, p) == vcpu)
			continue;
		if (!p->done && p->ts < m->vcpu[vcpu].last_ts)
			m->tdir_maybe = true; /* under way: counted or not yet */
		if (!p->done || p->ts >= m->vcpu[vcpu].last_ts)
			continue;
		if (!vgic_engine_irq(m->e, 0, p->intid, &s) && s.vcpu < 0 && s.enabled)
			return true;
	}
	return false;
}

/*
 * Of this vCPU's queued injections, those after the flush's first
 * populate_lr came too late; those in between are in flight: move them
 * to m->flight and return their count. Other vCPUs' wait for theirs.
 */
static int take_in_flight(struct replay_model *m, int vcpu, int64_t late_from)
{
	int i, k, nflight = 0;

	for (i = 0, k = 0; i < m->nq; i++) {
		int t = injection_vcpu(m, &m->q[i]);

		if (m->q[i].ts < late_from && (t == vcpu || t < 0))
			m->flight[nflight++] = m->q[i];
		else
			m->q[k++] = m->q[i];
	}
	m->nq = k;
	return nflight;
}

/* Is intid on vcpu's AP list in the model already? */
static bool already_listed(struct vgic_engine *e, int vcpu, uint32_t intid)
{
	struct vgic_irq_state s;

	return !vgic_engine_irq(e, vcpu, intid, &s) && s.vcpu == vcpu;
}

/*
 * How many of the nflight in flight, in order, the flush certainly took.
 * One the flush populated (vgic_v3_populate_lr fired for it) was
 * certainly in, unless the interrupt was on this AP list already (an
 * active one re-injected): then the populate proves nothing of it; nor
 * of a distributor write that queues nothing (model_dist.c).
 */
static int populated_in_flight(struct replay_model *m, int vcpu, int nflight)
{
	const struct model_vcpu *mv = &m->vcpu[vcpu];
	int i, j, min_k = 0;

	m->flight_must = 0;
	for (i = 0; i < nflight; i++)
		for (j = 0; j < mv->npopulated; j++)
			if (mv->populated[j] == m->flight[i].intid &&
			    (!m->flight[i].mmio || m->flight[i].sets) &&
			    !already_listed(m->e, vcpu, m->flight[i].intid)) {
				min_k = i + 1;
				if (i < 32)
					m->flight_must |= 1u << i;
			}
	return min_k;
}

/*
 * The queue at a flush of r's vCPU: apply the injections certainly
 * queued before it, note whether SPIs held back for other vCPUs set its
 * TDIR, and move the ones in flight to m->flight. Returns their count;
 * *min_k is how many of them the flush certainly took. The flush's
 * populate_lr record is spent.
 */
int model_injections_at_flush(struct replay_model *m, const struct replay_model_row *r, int *min_k)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];
	int64_t late_from = mv->first_populate ? mv->first_populate : r->ts_ns + 1;
	int nflight;

	model_apply_done(m, r->vcpu, mv->last_ts, mv->last_ts);
	m->tdir_from_queue = queued_spi_counts(m, r->vcpu);
	mv->first_populate = 0;
	nflight = take_in_flight(m, r->vcpu, late_from);
	*min_k = populated_in_flight(m, r->vcpu, nflight);
	mv->npopulated = 0;
	return nflight;
}
