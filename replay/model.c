/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drive the vGIC model (engine/) with a recorded trace and compare every
 * flush it predicts with the list registers the kernel really programmed.
 *
 * The model needs the guest's distributor configuration, which no
 * tracepoint shows; it is learned from the LRs themselves before the run
 * (an interrupt seen in an LR was enabled; its priority, group, HW mapping
 * and, through the EOI bit, its trigger mode are in the LR; an SPI targets
 * the vCPU whose LRs hold it). Then, in trace order: injections go to
 * kvm_vgic_inject_irq(), SGIs (vgic_sgi) to vgic_v3_dispatch_sgi(),
 * trapped deactivations (vgic_deactivate) to vgic_v3_deactivate(), flush
 * snapshots are predicted and compared, sync snapshots (the registers the
 * hardware handed back) are folded, and the return of
 * kvm_vgic_sync_hwstate prunes the AP list.
 *
 * A flush the kernel programmed differently is reported and then taken
 * as what happened (vgic_engine_adopt_flush), so each divergence is judged
 * from the state the recording kernel really had. A trapped DIR that the
 * trace does not name (an exit that trapped ICC_DIR_EL1 / GICV_DIR on a
 * trace without vgic_deactivate events) makes the vCPU's state unknown:
 * the next flush tries each active interrupt as the one deactivated, and
 * until one explains a flush exactly nothing on that vCPU is reported.
 *
 * This file is the driver proper: the API of predict.h and one handler
 * per event kind. It leans on the files that model_internal.h lists:
 * configuration learning, injections in flight, flush comparison and the
 * cross-CPU DIR races.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/*
 * vgic_update_irq_pending: kvm_vgic_inject_irq(). On the target vCPU's
 * own thread it is in program order with the flushes and applied at
 * once; from another thread it is queued (model_inflight.c).
 */
static void on_irq_pending(struct replay_model *m, const struct replay_model_row *r)
{
	uint32_t intid = (uint32_t)r->intid;
	int target = intid < 32 ? r->vcpu : -1;
	struct pending_injection p = {.ts = r->ts_ns, .vcpu = target, .intid = intid,
				      .level = r->arg1 != 0, .pid = r->pid, .sgi_src = -1};

	if (r->intid == VR_NO_VALUE)
		return;
	if (intid < VGIC_ENGINE_NR_PRIVATE && target >= 0 && target < m->cfg.nr_vcpus) {
		m->vcpu[target].last_inj_priv[intid] = r->id;
	} else if (intid < VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE) {
		m->last_inj_spi[intid] = r->id;
		/*
		 * An SPI no LR ever shows has a configuration the model does not
		 * know: if the guest enabled it, KVM queued it and counted it in
		 * active_spis (6.19+), which sets TDIR everywhere; until a flush
		 * leaves TDIR clear, the count is unknown.
		 */
		if (!m->seen_spi[intid] && p.level)
			m->spis_unknown = true;
		if (intid >= VGIC_ENGINE_NR_PRIVATE && p.level)
			model_note_spis_raise(m, r); /* counted when queued: races other flushes */
	}
	if (target >= 0 && target < m->cfg.nr_vcpus && m->vcpu[target].thread_of == r->pid)
		model_apply_one(m->e, &p); /* program order */
	else
		model_enqueue(m, &p);
}

/*
 * vgic_queue_lpi: vgic_queue_irq_unlock() for an LPI, with the latch,
 * enable and priority its caller left (arg0..arg2) and its target vCPU.
 * Like an injection, it is in program order on the target's own thread
 * (an ITS command or GICR_CTLR write the vCPU made) and in flight from any
 * other (QEMU's MSI ioctl, irqfd's fast path in the iothread).
 */
static void on_lpi_queue(struct replay_model *m, const struct replay_model_row *r)
{
	struct pending_injection p = {.ts = r->ts_ns, .vcpu = r->vcpu, .intid = (uint32_t)r->intid,
				      .level = r->arg0 != 0, .pid = r->pid, .sgi_src = -1,
				      .enabled = r->arg1 != 0, .priority = (uint8_t)r->arg2};

	if (r->intid < VGIC_ENGINE_MIN_LPI || r->intid > UINT32_MAX || r->vcpu < 0 ||
	    r->vcpu >= m->cfg.nr_vcpus)
		return;
	if (r->intid - VGIC_ENGINE_MIN_LPI < m->cfg.nr_lpis)
		m->lpi_queued_at[r->intid - VGIC_ENGINE_MIN_LPI] = r->ts_ns;
	/*
	 * The target the call saw was set by the ITS's last MOVI, before the
	 * call: take it at once, whenever the queueing itself lands.
	 */
	vgic_engine_set_clock(m->e, r->ts_ns);
	vgic_engine_retarget_lpi(m->e, (uint32_t)r->intid, r->vcpu);
	if (m->vcpu[r->vcpu].thread_of == r->pid)
		model_apply_one(m->e, &p);
	else
		model_enqueue(m, &p);
}

/*
 * vgic_lpi_target: update_affinity() left LPI r->intid aimed at r->vcpu
 * (an ITS MOVI, MOVALL, MAPC or MAPTI, run inside the GITS_CWRITER write
 * of some vCPU). The model retargets it at once, so that the old
 * target's prune moves it to the new one's AP list as
 * vgic_prune_ap_list() does, and knows where the LPI is again: the
 * CWRITER write before the event no longer hides it (lpi_queued_at).
 * A DISCARD in the same batch still shows nowhere.
 */
static void on_lpi_target(struct replay_model *m, const struct replay_model_row *r)
{
	int64_t lpi = r->intid - VGIC_ENGINE_MIN_LPI;

	if (r->intid < VGIC_ENGINE_MIN_LPI || r->intid > UINT32_MAX || r->vcpu < 0 ||
	    r->vcpu >= m->cfg.nr_vcpus)
		return;
	vgic_engine_set_clock(m->e, r->ts_ns);
	if (!vgic_engine_retarget_lpi(m->e, (uint32_t)r->intid, r->vcpu) && lpi < m->cfg.nr_lpis)
		m->lpi_queued_at[lpi] = r->ts_ns;
}

/*
 * vgic_sgi: vgic_v3_dispatch_sgi(), arg1 the target vCPU mask, -1 all but
 * the sender. An SGI to another vCPU races its flush like an injection.
 */
static void on_sgi(struct replay_model *m, const struct replay_model_row *r)
{
	int vcpu = r->vcpu, t;
	uint64_t mask = r->arg1 == -1 ? ~(1ull << vcpu) : (uint64_t)r->arg1;

	if (r->intid == VR_NO_VALUE || r->intid >= 16)
		return;
	m->res.sgis++;
	for (t = 0; t < m->cfg.nr_vcpus; t++) {
		struct pending_injection p = {.ts = r->ts_ns, .vcpu = t, .intid = (uint32_t)r->intid,
					      .level = true, .pid = r->pid, .sgi_src = vcpu};

		if (!(mask >> t & 1))
			continue;
		m->vcpu[t].last_inj_priv[r->intid] = r->id;
		if (m->vcpu[t].thread_of == r->pid)
			model_apply_one(m->e, &p);
		else
			model_enqueue(m, &p);
	}
}

/*
 * kvm_exit: did the guest trap a deactivation the trace will not name?
 * From 6.19 an ICC_DIR_EL1 write traps (EC 0x18) when the flushed HCR has
 * TDIR and the guest runs EOImode 1; a GICv2 guest's GICV_DIR write always
 * traps (a data abort, EC 0x24). A trace with vgic_deactivate events
 * names every one of them, so this is only for traces without.
 */
static void on_kvm_exit(struct replay_model *m, const struct replay_model_row *r)
{
	struct vgic_cpuif ci;

	if (m->has_deactivate || r->arg0 != 2 || !vgic_profile_traps_dir(m->cfg.profile))
		return;
	vgic_engine_cpuif(m->e, r->vcpu, &ci);
	if (!vgic_vmcr_eoimode(m->cfg.gic_version, ci.vmcr))
		return;
	if ((m->cfg.gic_version == 3 && r->arg1 == 0x18 &&
	     (m->vcpu[r->vcpu].flushed_hcr & VGIC_HCR_TDIR)) ||
	    (m->cfg.gic_version == 2 && r->arg1 == 0x24)) {
		m->vcpu[r->vcpu].dir_pending = true;
		m->res.dir_exits++;
	}
}

/*
 * A GICD_CTLR write: if it left interrupts pending on no AP list (made
 * pending while the distributor was off: vgic_target_oracle() gave NULL,
 * and enabling only kicks), remember them with the event that shows it.
 */
static void note_stranded(struct replay_model *m, const struct replay_model_row *r)
{
	int vcpus[64], n, i, j;
	uint32_t intids[64];

	n = vgic_engine_stranded(m->e, vcpus, intids, 64);
	for (i = 0; i < n && i < 64; i++) {
		struct stranded *s;

		for (j = 0; j < m->nstranded; j++)
			if (m->stranded[j].vcpu == vcpus[i] && m->stranded[j].intid == intids[i])
				break;
		if (j < m->nstranded || m->nstranded == 64 || vcpus[i] < 0 ||
		    vcpus[i] >= m->cfg.nr_vcpus)
			continue;
		s = &m->stranded[m->nstranded++];
		s->vcpu = vcpus[i];
		s->cpu = r->cpu;
		s->intid = intids[i];
		s->enable_event = r->id;
		s->ts_ns = r->ts_ns;
		s->cause_event = model_last_injection(m, vcpus[i], intids[i]);
	}
}

/*
 * kvm_mmio: io_mem_abort() applies a guest's vGIC register write
 * (vgic-mmio*.c) before its thread moves on: at once, or, where it races
 * another vCPU's flush, held in flight (model_dist.c). A GICD_CTLR write
 * may leave interrupts stranded.
 */
static void on_mmio(struct replay_model *m, const struct replay_model_row *r)
{
	uint64_t gpa = (uint64_t)r->arg2;
	bool ctlr = gpa == m->layout.dist;

	if (r->arg0 != VR_MMIO_WRITE)
		return;
	if (m->layout.its && gpa == m->layout.its + VGIC_GITS_CWRITER)
		m->its_commands_at = r->ts_ns;
	if (ctlr)
		model_settle_before_dist_write(m);
	vgic_engine_set_clock(m->e, r->ts_ns);
	if (!(m->has_sgi && gpa == m->layout.dist + 0xf00) && /* GICD_SGIR */
	    !model_defer_dist_write(m, r))
		vgic_engine_mmio_write(m->e, &m->layout, r->vcpu, gpa, (int)r->arg1,
				       (uint64_t)r->arg3);
	if (ctlr)
		note_stranded(m, r);
}

/* vgic_populate_lr: the flush in progress put an interrupt into an LR. */
static void on_populate(struct replay_model *m, const struct replay_model_row *r)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];

	if (!mv->first_populate)
		mv->first_populate = r->ts_ns; /* the flush holds the AP-list lock by now */
	if (r->intid != VR_NO_VALUE && mv->npopulated < VGIC_ENGINE_MAX_LRS)
		mv->populated[mv->npopulated++] = (uint32_t)r->intid;
}

/*
 * vgic_post: the return of kvm_vgic_sync_hwstate(), whose fold and
 * EOIcount walk are done and whose vgic_prune_ap_list() the model runs
 * now; with AP-list walks the trace gives the kernel's list length after
 * it.
 */
static void on_post(struct replay_model *m, const struct replay_model_row *r)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];

	mv->in_fold = false;
	model_apply_done(m, r->vcpu, r->ts_ns, mv->sync_ts);
	if (mv->nraces)
		model_prune_with_races(m, r);
	else
		model_prune_noting_moves(m, r);
	if (r->ap_len >= 0) { /* the kernel's list, after the same prune */
		m->walks = true;
		mv->walk_known = r->ap_len <= vgic_engine_ap_list(m->e, r->vcpu, NULL, 0);
		model_judge_ap_list(m, r);
	}
}

/* The registers of a flush or sync snapshot, as the engine takes them. */
static void regs_from_row(const struct replay_model *m, const struct replay_model_row *r,
			  struct vgic_cpuif *regs)
{
	memset(regs, 0, sizeof(*regs));
	regs->used_lrs = r->used_lrs;
	if (regs->used_lrs > m->cfg.nr_lrs)
		regs->used_lrs = m->cfg.nr_lrs;
	if (regs->used_lrs < 0)
		regs->used_lrs = 0;
	regs->hcr = r->hcr;
	regs->vmcr = r->vmcr;
	if (r->lr)
		memcpy(regs->lr, r->lr, sizeof(uint64_t) * (size_t)m->cfg.nr_lrs);
}

/*
 * HCR bits that only vgic_v3_configure_hcr() / vgic_v2_configure_hcr()
 * (6.19+) program; before, KVM's vgic_hcr held En and what
 * vgic_v3_set_underflow() (UIE) and vgic_v3_set_npie() (NPIE) added, and
 * the trap bits vgic_v3_enable() set for errata.
 */
#define HCR_REWORK_ONLY                                                                     \
	(VGIC_HCR_LRENPIE | VGIC_HCR_VGRP0EIE | VGIC_HCR_VGRP0DIE | VGIC_HCR_VGRP1EIE |        \
	 VGIC_HCR_VGRP1DIE | VGIC_HCR_VSGIEOICOUNT)

/*
 * A flush snapshot: predict it (with the in-flight injections and, on a
 * vCPU whose state is unknown, each possible unnamed DIR), compare, and
 * follow the kernel where they differ. Under a profile that does not
 * rebuild the HCR, count a recorded HCR only a later kernel programs.
 */
static void on_flush(struct replay_model *m, const struct replay_model_row *r)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];
	struct vgic_flush_result fr;
	struct vgic_cpuif regs;
	struct flush_known k;
	int nflight, min_k, match, raced;

	regs_from_row(m, r, &regs);
	if (!vgic_profile_rebuilds_hcr(m->cfg.profile) && (regs.hcr & HCR_REWORK_ONLY))
		m->res.hcr_foreign++;
	nflight = model_injections_at_flush(m, r, &min_k);
	if (mv->nraces)
		model_settle_dir_races_at_flush(m, r, &regs, nflight, min_k);
	k.was_unknown = mv->dir_pending || mv->unknown;
	k.searching = k.was_unknown || mv->fresh;
	k.hidden = mv->unknown || mv->fresh;
	mv->fresh = false;
	match = model_predict_flush(m, r->vcpu, &regs, k.searching, nflight, min_k, &fr, &raced);
	m->res.raced += raced && match;
	mv->dir_pending = false;
	m->res.flushes++;
	mv->last_flush = r->id;
	mv->flushed_hcr = regs.hcr;
	if (m->spis_unknown && m->hcr_exact && !(regs.hcr & VGIC_HCR_TDIR)) {
		vgic_engine_clear_active_spis(m->e);
		m->spis_unknown = false;
	}
	model_judge_flush(m, r, &regs, &fr, match, &k);
}

/*
 * A sync before the vCPU's first flush in the trace (a recording attached
 * to a running guest, a window cut mid-run): the flush that programmed
 * these LRs came before the trace, and vgic_flush_lr_state() took each
 * of their interrupts from the vCPU's AP list. Take the LRs handed back
 * as that flush (vgic_engine_adopt_flush()), so the fold finds them
 * listed: an interrupt the guest holds active then stays on the list for
 * the EOIcount walk and the prune, as in KVM, instead of active on none.
 */
static void adopt_unseen_flush(struct replay_model *m, int vcpu, const struct vgic_cpuif *regs)
{
	struct vgic_flush_result none;

	memset(&none, 0, sizeof(none));
	vgic_engine_adopt_flush(m->e, vcpu, &none, regs);
}

/*
 * A sync snapshot: fold the LRs the hardware handed back (the EOIcount
 * walk included); without vgic_post events the prune follows at once.
 */
static void on_sync(struct replay_model *m, const struct replay_model_row *r)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];
	struct vgic_sync_result sr;
	struct vgic_cpuif regs;
	int i, spis;

	regs_from_row(m, r, &regs);
	if (mv->fresh)
		adopt_unseen_flush(m, r->vcpu, &regs);
	spis = vgic_engine_active_spis(m->e);
	vgic_engine_fold(m->e, r->vcpu, &regs, &sr);
	if (vgic_engine_active_spis(m->e) < spis)
		model_note_spis_drop(m, r); /* other vCPUs' flushes race the decrement */
	mv->last_sync = r->id;
	mv->sync_ts = r->ts_ns;
	mv->in_fold = m->has_post; /* until the post event */
	if (mv->nrearmed)
		model_retry_rearmed(m, r->vcpu);
	if (sr.eoicount_left > 0 && !mv->unknown)
		model_report_event(m, r, MODEL_EOICOUNT_LEFT, VR_NO_VALUE, sr.eoicount,
				   sr.eoicount_left);
	m->res.folds++;
	for (i = 0; i < sr.ndeactivated; i++)
		if (sr.by_eoicount[i])
			m->res.eoicount_deactivations++;
	if (!m->has_post)
		vgic_engine_prune(m->e, r->vcpu);
}

/* See predict.h. */
void replay_model_set_window(struct replay_model *m, int64_t vcpu, int64_t intid, int64_t from_ns,
			     int64_t to_ns)
{
	m->window = (struct model_window){vcpu, intid, from_ns, to_ns};
}

/* Does a flush's recorded LRs, or an AP list, hold intid? */
static bool row_holds(const struct replay_model *m, const struct replay_model_row *r, int64_t intid)
{
	for (int i = 0; r->lr && i < r->used_lrs && i < VR_MAX_LRS; i++)
		if (vgic_lr_intid(m->cfg.gic_version, r->lr[i]) == intid)
			return true;
	for (int i = 0; r->ap && i < r->nap; i++)
		if (r->ap[i].intid == intid)
			return true;
	return false;
}

/* Is this flush or AP list inside the window the caller compares (replay_model_set_window())? */
static bool in_window(const struct replay_model *m, const struct replay_model_row *r)
{
	const struct model_window *w = &m->window;

	if (w->vcpu != VR_NO_VALUE && r->vcpu != w->vcpu)
		return false;
	if (w->from_ns != VR_NO_VALUE && r->ts_ns < w->from_ns)
		return false;
	if (w->to_ns != VR_NO_VALUE && r->ts_ns > w->to_ns)
		return false;
	return w->intid == VR_NO_VALUE || row_holds(m, r, w->intid);
}

/*
 * Put back the comparison tallies a flush or AP list outside the window
 * changed: it was predicted, to keep the model's state, not counted.
 */
static void forget_comparison(struct predict_result *res, const struct predict_result *before)
{
	res->flushes = before->flushes;
	res->exact = before->exact;
	res->reordered = before->reordered;
	res->mismatched = before->mismatched;
	res->raced = before->raced;
	res->unknown = before->unknown;
	res->lpi_unrecorded = before->lpi_unrecorded;
	res->lines_low = before->lines_low;
	res->its_unseen = before->its_unseen;
	res->first_mismatch_event = before->first_mismatch_event;
	res->ap_lists = before->ap_lists;
	res->ap_agree = before->ap_agree;
	res->ap_unknown = before->ap_unknown;
	res->first_ap_diff_event = before->first_ap_diff_event;
	memcpy(res->first_ap_diff, before->first_ap_diff, sizeof(res->first_ap_diff));
	memcpy(res->mismatch_used, before->mismatch_used, sizeof(res->mismatch_used));
	memcpy(res->mismatch_lr, before->mismatch_lr, sizeof(res->mismatch_lr));
}

/*
 * See predict.h. Every row first says that its thread has moved on, which
 * settles the injections and DIRs it made; then it goes to the handler of
 * its kind.
 */
void replay_model_step(struct replay_model *m, const struct replay_model_row *r)
{
	model_note_injections_returned(m, r);
	model_note_spis_changes_done(m, r);
	if (m->open_races)
		model_note_dir_returns(m, r);
	switch (r->kind) {
	case VR_EV_IRQ_PENDING:
		on_irq_pending(m, r);
		return;
	case VR_EV_LPI_QUEUE:
		on_lpi_queue(m, r);
		return;
	case VR_EV_LPI_TARGET:
		on_lpi_target(m, r);
		return;
	case VR_EV_IRQ_LINE:
	case VR_EV_SET_IRQ:
	case VR_EV_ACK_IRQ:
	case VR_EV_TIMER_IRQ:
		return; /* only their thread's progress counts */
	}
	if (r->vcpu < 0 || r->vcpu >= m->cfg.nr_vcpus)
		return;
	if (r->kind == VR_EV_SGI)
		on_sgi(m, r);
	if (r->kind != VR_EV_FLUSH && r->kind != VR_EV_POPULATE) {
		/* The vCPU thread's previous event, as its next flush sees it. */
		m->vcpu[r->vcpu].thread_of = r->pid;
		m->vcpu[r->vcpu].last_ts = r->ts_ns;
	}
	switch (r->kind) {
	case VR_EV_EXIT:
		on_kvm_exit(m, r);
		break;
	case VR_EV_MMIO:
		on_mmio(m, r);
		break;
	case VR_EV_DEACTIVATE:
		model_on_deactivate(m, r);
		break;
	case VR_EV_POPULATE:
		on_populate(m, r);
		break;
	case VR_EV_POST:
	case VR_EV_FLUSH:
		if (m->learn_late && r->kind == VR_EV_FLUSH)
			model_learn_late(m, r);
		if (in_window(m, r)) {
			(r->kind == VR_EV_POST ? on_post : on_flush)(m, r);
		} else {
			struct predict_result before = m->res;

			(r->kind == VR_EV_POST ? on_post : on_flush)(m, r);
			forget_comparison(&m->res, &before);
		}
		break;
	case VR_EV_SYNC:
		on_sync(m, r);
		break;
	}
}

/*
 * What the trace says of its run (trace_facts_read()) sets the model's
 * GIC, LRs and vCPUs, which events it can lean on, and whether the HCR is
 * compared: only when the profile replayed and the one recorded both
 * rebuild it at every flush.
 */
static int configure_from_facts(struct replay_model *m, const char *profile,
				const struct trace_facts *facts, struct vr_error *err)
{
	const struct vgic_profile *recorded;
	char why[256];

	m->cfg.profile = vgic_profile_find(profile);
	if (!m->cfg.profile) {
		vr_error_set(err, "unknown engine profile '%s'", profile);
		return -1;
	}
	snprintf(m->res.profile, sizeof(m->res.profile), "%s", profile);
	m->facts_max_intid = facts->max_intid;
	recorded = vgic_profile_for_kernel(facts->kernel_release, why, sizeof(why));
	m->cfg.gic_version = facts->gic_version ? facts->gic_version : 3;
	m->cfg.nr_lrs = facts->nr_lrs ? facts->nr_lrs : 4;
	m->cfg.nr_vcpus = facts->nr_vcpus;
	m->has_post = facts->kinds_present & VR_KIND_BIT(VR_EV_POST);
	m->has_deactivate = facts->kinds_present & VR_KIND_BIT(VR_EV_DEACTIVATE);
	m->has_sgi = facts->kinds_present & VR_KIND_BIT(VR_EV_SGI);
	m->has_lpi_queue = !!(facts->kinds_present & VR_KIND_BIT(VR_EV_LPI_QUEUE));
	/* Guests allocate LPIs upwards from 8192: slots up to the highest one queued. */
	m->cfg.nr_lpis = 0;
	if (m->cfg.gic_version == 3 && m->has_lpi_queue && facts->max_intid >= VGIC_ENGINE_MIN_LPI)
		m->cfg.nr_lpis = facts->max_intid - VGIC_ENGINE_MIN_LPI + 1 > VGIC_ENGINE_MAX_LPIS
					 ? VGIC_ENGINE_MAX_LPIS
					 : (int)(facts->max_intid - VGIC_ENGINE_MIN_LPI + 1);
	m->cfg.nr_spis = VGIC_ENGINE_MAX_SPIS;
	m->hcr_exact = vgic_profile_rebuilds_hcr(m->cfg.profile) && recorded &&
		       vgic_profile_rebuilds_hcr(recorded);
	if (m->cfg.nr_vcpus > VGIC_ENGINE_MAX_VCPUS)
		m->cfg.nr_vcpus = VGIC_ENGINE_MAX_VCPUS;
	if (m->cfg.nr_lrs > VGIC_ENGINE_MAX_LRS)
		m->cfg.nr_lrs = VGIC_ENGINE_MAX_LRS;
	return 0;
}

/*
 * The SPIs to model: up to the highest INTID in the LRs or the events, in
 * 32s, so that a clone (made for every race and DIR tried) stays small.
 */
static int spis_to_model(int64_t facts_max_intid, uint32_t max_intid)
{
	int nr_spis;

	if (facts_max_intid > max_intid &&
	    facts_max_intid < VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE)
		max_intid = (uint32_t)facts_max_intid;
	nr_spis = max_intid < VGIC_ENGINE_NR_PRIVATE
		      ? 32
		      : (int)((max_intid - VGIC_ENGINE_NR_PRIVATE) / 32 + 1) * 32;
	return nr_spis > VGIC_ENGINE_MAX_SPIS ? VGIC_ENGINE_MAX_SPIS : nr_spis;
}

/* Create the engine, in the guest's frames, and give it the n interrupts learned. */
static int create_engine(struct replay_model *m, const struct learned *learned, int n,
			 struct vr_error *err)
{
	/* QEMU virt's frames, as the lab's VMM places them; no event records them. */
	static const struct vgic_mmio_layout qemu_virt = VGIC_MMIO_LAYOUT_QEMU_VIRT;
	int i;

	m->e = vgic_engine_create(&m->cfg);
	m->layout = qemu_virt;
	if (!m->e) {
		vr_error_set(err, "cannot model %d vCPUs with %d LRs on GICv%d", m->cfg.nr_vcpus,
			     m->cfg.nr_lrs, m->cfg.gic_version);
		return -1;
	}
	for (i = 0; i < n; i++)
		vgic_engine_configure(m->e, learned[i].vcpu, learned[i].intid, &learned[i].c);
	m->res.configured = n;
	return 0;
}

/* See predict.h. */
struct replay_model *replay_model_new(const struct trace_facts *facts, const char *profile,
				      replay_model_divergence_fn fn, void *arg,
				      struct vr_error *err)
{
	struct replay_model *m = vr_xcalloc(1, sizeof(*m));
	int v;

	replay_model_set_window(m, VR_NO_VALUE, VR_NO_VALUE, VR_NO_VALUE, VR_NO_VALUE);
	m->fn = fn;
	m->fn_arg = arg;
	for (v = 0; v < VGIC_ENGINE_MAX_VCPUS; v++)
		m->vcpu[v].thread_of = -1;
	if (configure_from_facts(m, profile, facts, err)) {
		replay_model_close(m);
		return NULL;
	}
	m->learning = model_learning_new();
	return m;
}

/* See predict.h. */
void replay_model_learn(struct replay_model *m, const struct trace_item *it)
{
	if (m->learning)
		model_learn_item(m, m->learning, it);
}

/* See predict.h. */
int replay_model_start(struct replay_model *m, int learn_late, struct vr_error *err)
{
	const struct learned *learned;
	uint32_t max_intid;
	int n, v;

	n = model_learned(m->learning, &learned, &max_intid);
	/*
	 * A live stream (learn_late) learned from a prefix: an SPI a later
	 * flush shows first may lie past every INTID the prefix named, so
	 * every SPI is modelled; a file's are all known.
	 */
	m->cfg.nr_spis = learn_late ? VGIC_ENGINE_MAX_SPIS
				    : spis_to_model(m->facts_max_intid, max_intid);
	/* ... and every LPI slot, when LPIs are queued (the prefix may have named none). */
	if (learn_late && m->cfg.gic_version == 3 && m->has_lpi_queue)
		m->cfg.nr_lpis = VGIC_ENGINE_MAX_LPIS;
	if (create_engine(m, learned, n, err))
		return -1;
	model_learning_free(m->learning);
	m->learning = NULL;
	m->learn_late = learn_late;
	m->lpi_queued_at = vr_xcalloc((size_t)m->cfg.nr_lpis + 1, sizeof(*m->lpi_queued_at));
	/*
	 * The trace may start with interrupts in flight, some on an AP list but
	 * in no LR: as after a gap, a vCPU's state is known only from the first
	 * flush that matches and shows its whole AP list.
	 */
	for (v = 0; v < VGIC_ENGINE_MAX_VCPUS; v++)
		m->vcpu[v].fresh = m->vcpu[v].unknown = m->vcpu[v].lost = true;
	m->spis_unknown = true;
	return 0;
}

/*
 * See predict.h: the facts of the file, its flushes learned in one scan
 * (only the flushes: LRs are only programmed there), then started.
 */
struct replay_model *replay_model_open(struct tracedb *db, const char *profile,
				       replay_model_divergence_fn fn, void *arg,
				       struct vr_error *err)
{
	struct replay_model *m;
	struct trace_facts facts;
	struct trace_cursor *cur;
	struct trace_filter f;
	struct trace_item it;

	if (trace_facts_read(db, &facts, err))
		return NULL;
	m = replay_model_new(&facts, profile, fn, arg, err);
	if (!m)
		return NULL;
	trace_filter_init(&f);
	f.kinds = VR_KIND_BIT(VR_EV_FLUSH);
	f.gaps = 0;
	f.ap_len = 0;
	cur = trace_cursor_open(db, &f, err);
	while (cur && trace_cursor_next(cur, &it, err) == 1)
		replay_model_learn(m, &it);
	trace_cursor_close(cur);
	if (!cur || replay_model_start(m, 0, err)) {
		replay_model_close(m);
		return NULL;
	}
	return m;
}

/* See predict.h. */
const struct predict_result *replay_model_result(const struct replay_model *m)
{
	return &m->res;
}

/* See predict.h. */
int replay_model_spi_target(const struct replay_model *m, uint32_t intid)
{
	struct vgic_irq_state s;

	if (!m || vgic_engine_irq(m->e, 0, intid, &s))
		return -1;
	return s.target_vcpu;
}

/* See predict.h. */
int replay_model_spi_queued_on(const struct replay_model *m, uint32_t intid)
{
	struct vgic_irq_state s;

	if (!m || vgic_engine_irq(m->e, 0, intid, &s))
		return -1;
	return s.vcpu;
}

/* See predict.h. */
int replay_model_spi_arriving(const struct replay_model *m, int vcpu, uint32_t intid)
{
	uint32_t ids[MAX_MIGRATIONS];
	int from[MAX_MIGRATIONS], n, i;

	if (!m || vcpu < 0 || vcpu >= m->cfg.nr_vcpus)
		return 0;
	n = model_moves_racing(m, vcpu, ids, from);
	for (i = 0; i < n; i++)
		if (ids[i] == intid)
			return 1;
	return 0;
}

/* See predict.h. */
int replay_model_vcpu_unknown(const struct replay_model *m, int vcpu)
{
	return vcpu >= 0 && vcpu < m->cfg.nr_vcpus &&
	       (m->vcpu[vcpu].unknown || m->vcpu[vcpu].dir_pending);
}

/* See predict.h. */
void replay_model_forget(struct replay_model *m, int64_t until_ns)
{
	int v;

	if (until_ns > m->forget_until)
		m->forget_until = until_ns;
	for (v = 0; v < m->cfg.nr_vcpus; v++)
		m->vcpu[v].unknown = m->vcpu[v].lost = true;
	m->spis_unknown = true;
}

/* See predict.h. */
void replay_model_finish(struct replay_model *m)
{
	int vcpus[64], n, i, j;
	uint32_t intids[64];

	if (!m)
		return;
	n = vgic_engine_stranded(m->e, vcpus, intids, 64);
	for (j = 0; j < m->nstranded; j++) {
		const struct stranded *s = &m->stranded[j];
		struct replay_model_divergence d;
		int still = 0;

		for (i = 0; i < n && i < 64; i++)
			still |= vcpus[i] == s->vcpu && intids[i] == s->intid;
		if (!still || m->vcpu[s->vcpu].unknown) {
			m->res.rescued++;
			continue;
		}
		m->res.stranded++;
		if (!m->fn)
			continue;
		memset(&d, 0, sizeof(d));
		d.kind = MODEL_STRANDED;
		d.flush_event = s->enable_event;
		d.ts_ns = s->ts_ns;
		d.cpu = s->cpu;
		d.vcpu = s->vcpu;
		d.intid = s->intid;
		d.cause_event = s->cause_event;
		m->fn(&d, m->fn_arg);
	}
}

/* See predict.h. */
void replay_model_close(struct replay_model *m)
{
	if (!m)
		return;
	vgic_engine_destroy(m->e);
	model_learning_free(m->learning);
	free(m->lpi_queued_at);
	free(m);
}

/*
 * One event of the stream as the model reads it. NULL arguments read as
 * 0 but arg1, whose NULL the SGI and injection paths tell apart.
 */
void replay_model_row_from_item(struct replay_model_row *r, const struct trace_item *it)
{
	const struct vr_event *e = &it->ev;

	r->id = it->id;
	r->ts_ns = e->ts_ns;
	r->kind = e->kind;
	r->vcpu = e->vcpu == VR_NO_VALUE ? -1 : (int)e->vcpu;
	r->intid = e->intid;
	r->arg0 = e->arg[0] == VR_NO_VALUE ? 0 : e->arg[0];
	r->arg1 = e->arg[1];
	r->arg2 = e->arg[2] == VR_NO_VALUE ? 0 : e->arg[2];
	r->arg3 = e->arg[3] == VR_NO_VALUE ? 0 : e->arg[3];
	r->pid = e->pid;
	r->cpu = e->cpu;
	r->used_lrs = it->has_snapshot ? (int)it->snap.used_lrs : 0;
	r->hcr = it->has_snapshot ? (uint32_t)it->snap.hcr : 0;
	r->vmcr = it->has_snapshot ? (uint32_t)it->snap.vmcr : 0;
	r->ap_len = it->ap_len;
	r->nap = it->nap;
	r->ap = it->ap;
	r->lr = VR_KIND_BIT(e->kind) & VR_KINDS_SNAPSHOT ? it->snap.lr : NULL;
}
