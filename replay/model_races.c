/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DIRs from another vCPU that race their owner's fold.
 *
 * Remote DIRs that raced their owner (note_dir_race()) are settled by what
 * the owner does next. The model goes on with each DIR taken; the owner's
 * prune (with AP-list walks) and its next flush say whether it was. What
 * the kernel can do: clear the active state before the owner folds the LR
 * (the fold sets it again: the DIR is lost), or after the fold or even
 * after the prune (the halt's IPI is acknowledged once the owner enables
 * interrupts again), leaving an inactive entry on the list until the next
 * prune. vgic_v3_deactivate() has certainly landed once its thread has
 * emitted a later event.
 *
 * A race lives in its owner's struct model_vcpu: noted at the DIR,
 * marked done when the DIR's thread moves on, placed at the owner's prune,
 * settled at its flush (reported as MODEL_DIR_LOST when the interrupt
 * stayed active), or rearmed to be tried again after its next fold.
 */
#include "model_internal.h"

/* Make a racing interrupt active again, in its place on the owner's list. */
static void race_undo(struct vgic_engine *e, int vcpu, const struct dir_race *d)
{
	vgic_engine_undo_deactivation(e, vcpu, d->intid, d->ap_index);
}

/* Has vcpu's flush, not yet at its return, put intid into an LR (vgic_populate_lr)? */
static bool being_populated(const struct replay_model *m, int vcpu, uint32_t intid)
{
	const struct model_vcpu *mv = &m->vcpu[vcpu];
	int i;

	for (i = 0; i < mv->npopulated; i++)
		if (mv->populated[i] == intid)
			return true;
	return false;
}

/*
 * A DIR from another vCPU of an interrupt that is in its owner's LRs (or
 * being put there by a flush in progress), or whose owner is folding
 * them: vgic_v3_deactivate() then takes the ICACTIVER route
 * (vgic_mmio_write_cactive()), whose kvm_arm_halt_guest() waits only for
 * vCPUs still IN_GUEST_MODE. An owner that has left the guest but not yet
 * folded that LR sets the active state again from it, undoing the DIR;
 * one still in the guest, or past that LR, does not. The trace cannot
 * tell which; the owner's next flush does
 * (model_settle_dir_races_at_flush()).
 */
static void note_dir_race(struct replay_model *m, const struct replay_model_row *r, int owner,
			  uint32_t intid)
{
	struct model_vcpu *mv = &m->vcpu[owner];
	struct dir_race *d;

	m->res.dir_races++;
	if (mv->nraces == MAX_RACES)
		return;
	d = &mv->races[mv->nraces++];
	d->intid = intid;
	d->dir_vcpu = r->vcpu;
	d->dir_event = r->id;
	d->ap_index = -1;
	d->pid = r->pid;
	d->done = false;
	m->open_races++;
}

/*
 * Could intid be active where the model cannot see it? Where the DIR's
 * own vCPU's state is unknown, or, for an SPI or LPI, any vCPU's: one the
 * guest acknowledged before the trace began (a window cut mid-run, a
 * flight recorder's dump) or before a gap stays active on its owner's AP
 * list, and in its LRs, until the owner's first flush the model can
 * check; with EOImode 1 another vCPU may deactivate it before that
 * (vgic_v3_deactivate() finds it through vgic_get_irq(), whatever list
 * holds it).
 */
static bool dir_state_unknown(const struct replay_model *m, int vcpu, uint32_t intid)
{
	int v;

	if (m->vcpu[vcpu].unknown)
		return true;
	if (intid < VGIC_ENGINE_NR_PRIVATE)
		return false;
	for (v = 0; v < m->cfg.nr_vcpus; v++)
		if (m->vcpu[v].unknown)
			return true;
	return false;
}

/*
 * vgic_deactivate: handle_exit() after the exit's sync ran
 * vgic_v3_deactivate() / vgic_v2_deactivate() for the value the guest
 * wrote to ICC_DIR_EL1 / GICV_DIR. An interrupt that is not active (in
 * the model that follows the kernel) had nothing to deactivate.
 */
void model_on_deactivate(struct replay_model *m, const struct replay_model_row *r)
{
	uint32_t val = (uint32_t)r->arg0, intid = val & ~(7u << 10);
	struct vgic_irq_state s;

	m->res.deactivates++;
	m->vcpu[r->vcpu].dir_pending = false;
	if (vgic_engine_irq(m->e, r->vcpu, intid, &s))
		return;
	if (!s.active && !s.on_lr && !dir_state_unknown(m, r->vcpu, intid))
		model_report_event(m, r, MODEL_DIR_NOT_ACTIVE, intid, 0, 0);
	/* Active, or in an LR where the guest may have acknowledged it unseen. */
	if ((s.active || s.on_lr) && s.vcpu >= 0 && s.vcpu != r->vcpu &&
	    (s.on_lr || m->vcpu[s.vcpu].in_fold || being_populated(m, s.vcpu, intid)))
		note_dir_race(m, r, s.vcpu, intid);
	vgic_engine_deactivate(m->e, r->vcpu, val, NULL);
}

/* A racing DIR's thread has moved on: its vgic_v3_deactivate() has returned. */
void model_note_dir_returns(struct replay_model *m, const struct replay_model_row *r)
{
	int v, i;

	for (v = 0; v < m->cfg.nr_vcpus; v++) {
		struct model_vcpu *mv = &m->vcpu[v];

		for (i = 0; i < mv->nraces; i++)
			if (mv->races[i].pid == r->pid && mv->races[i].dir_event != r->id)
				mv->races[i].done = true;
		for (i = 0; i < mv->nrearmed; i++)
			if (mv->rearmed[i].pid == r->pid)
				mv->rearmed[i].done = true;
	}
}

/*
 * Prune the owner's AP list with races open, noting where each racing
 * interrupt would have stayed had its DIR not taken: after the entries
 * before it that survive the prune.
 */
static void prune_keeping_places(struct replay_model *m, int vcpu)
{
	struct model_vcpu *mv = &m->vcpu[vcpu];
	uint32_t before[256], after[256];
	int nb, na, i, j, k;

	nb = vgic_engine_ap_list(m->e, vcpu, before, 256);
	vgic_engine_prune(m->e, vcpu);
	na = vgic_engine_ap_list(m->e, vcpu, after, 256);
	if (nb > 256 || na > 256)
		return;
	for (k = 0; k < mv->nraces; k++) {
		struct dir_race *d = &mv->races[k];
		int place = 0;

		for (i = 0; i < nb && before[i] != d->intid; i++)
			for (j = 0; j < na; j++)
				if (after[j] == before[i]) {
					place++;
					break;
				}
		if (i < nb)
			d->ap_index = place;
	}
}

/*
 * The owner's prune, on a trace with AP-list walks: a DIR that had taken
 * lets the prune drop its interrupt (unless still pending), one that had
 * not keeps it listed, so the kernel's list length can tell. Kept: make
 * it active again in place; the next flush says whether the DIR landed
 * after the prune or not at all.
 */
static void settle_dir_races_at_prune(struct replay_model *m, const struct replay_model_row *r)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];
	int vcpu = r->vcpu, taken, kept, i;
	struct vgic_engine *c;

	if (!(c = vgic_engine_clone(m->e)))
		return;
	vgic_engine_prune(c, vcpu);
	taken = vgic_engine_ap_list(c, vcpu, NULL, 0);
	vgic_engine_destroy(c);
	if (!(c = vgic_engine_clone(m->e)))
		return;
	for (i = 0; i < mv->nraces; i++)
		race_undo(c, vcpu, &mv->races[i]);
	vgic_engine_prune(c, vcpu);
	kept = vgic_engine_ap_list(c, vcpu, NULL, 0);
	vgic_engine_destroy(c);
	if (taken != kept && r->ap_len == kept)
		for (i = 0; i < mv->nraces; i++)
			race_undo(m->e, vcpu, &mv->races[i]);
}

/*
 * The owner's prune (vgic_post) with races open: settled by the kernel's
 * list length where the trace has AP-list walks, then pruned keeping each
 * racing interrupt's place.
 */
void model_prune_with_races(struct replay_model *m, const struct replay_model_row *r)
{
	if (r->ap_len >= 0)
		settle_dir_races_at_prune(m, r);
	prune_keeping_places(m, r->vcpu);
}

/* The opposite of the model's current guess for each of the owner's races. */
static struct vgic_engine *clone_toggled(const struct replay_model *m, int vcpu)
{
	const struct model_vcpu *mv = &m->vcpu[vcpu];
	struct vgic_engine *c = vgic_engine_clone(m->e);
	int i;

	for (i = 0; c && i < mv->nraces; i++) {
		const struct dir_race *d = &mv->races[i];
		struct vgic_irq_state s;

		if (vgic_engine_irq(c, vcpu, d->intid, &s))
			continue;
		if (s.active)
			vgic_engine_mmio_set_active(c, vcpu, d->intid, false); /* stays listed */
		else
			race_undo(c, vcpu, d);
	}
	return c;
}

/* Apply clone_toggled()'s choice to the model itself. */
static void toggle_races(struct replay_model *m, int vcpu)
{
	struct vgic_engine *c = clone_toggled(m, vcpu);

	if (c) {
		vgic_engine_destroy(m->e);
		m->e = c;
	}
}

/*
 * After the owner's flush: each race whose interrupt is still active did
 * not take. Report it (MODEL_DIR_LOST) if its DIR has returned; keep it
 * for after the owner's next fold (model_retry_rearmed()) if not.
 */
static void close_dir_races(struct replay_model *m, const struct replay_model_row *r)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];
	int vcpu = r->vcpu, i;

	for (i = 0; i < mv->nraces; i++) {
		const struct dir_race *d = &mv->races[i];
		struct replay_model_divergence dv;
		struct vgic_irq_state s;

		m->open_races--;
		if (vgic_engine_irq(m->e, vcpu, d->intid, &s) || !s.active)
			continue; /* taken */
		if (!d->done) {
			mv->rearmed[mv->nrearmed++] = *d;
			m->open_races++;
			continue;
		}
		m->res.dir_lost++;
		if (!m->fn)
			continue;
		model_divergence_init(&dv, m, r, MODEL_DIR_LOST);
		dv.intid = d->intid;
		dv.cause_event = d->dir_event;
		dv.dir_vcpu = d->dir_vcpu;
		m->fn(&dv, m->fn_arg);
	}
	mv->nraces = 0;
}

/*
 * The owner's next flush: keep the model's guess for its races or take
 * the opposite, whichever explains the kernel's flush better (both on
 * clones, with the same in-flight injections as the prediction proper),
 * then close them (close_dir_races()).
 */
void model_settle_dir_races_at_flush(struct replay_model *m, const struct replay_model_row *r,
				     const struct vgic_cpuif *regs, int nflight, int min_k)
{
	int vcpu = r->vcpu, guess, other, raced;
	struct flight_split taken;
	struct vgic_engine *c;
	struct vgic_flush_result fr;

	if ((c = vgic_engine_clone(m->e))) {
		guess = model_try_flush(m, &c, vcpu, regs, nflight, min_k, &fr, &raced, &taken);
		vgic_engine_destroy(c);
		if (guess < 2 && (c = clone_toggled(m, vcpu))) {
			other = model_try_flush(m, &c, vcpu, regs, nflight, min_k, &fr, &raced,
						&taken);
			vgic_engine_destroy(c);
			if (other > guess)
				toggle_races(m, vcpu);
		}
	}
	close_dir_races(m, r);
}

/*
 * After the owner's fold: a DIR still under way at its last flush may
 * land now, so take it again and let the prune and flush decide anew.
 */
void model_retry_rearmed(struct replay_model *m, int vcpu)
{
	struct model_vcpu *mv = &m->vcpu[vcpu];
	int i;

	for (i = 0; i < mv->nrearmed; i++) {
		struct dir_race *d = &mv->rearmed[i];
		struct vgic_irq_state s;

		m->open_races--;
		if (vgic_engine_irq(m->e, vcpu, d->intid, &s) || !s.active ||
		    mv->nraces == MAX_RACES)
			continue;
		vgic_engine_mmio_set_active(m->e, vcpu, d->intid, false);
		d->ap_index = -1;
		mv->races[mv->nraces++] = *d;
		m->open_races++;
	}
	mv->nrearmed = 0;
}
