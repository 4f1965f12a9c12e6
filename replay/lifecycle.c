/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interrupt lifecycle tracker: the observational checks of `check`.
 *
 * It streams the trace in order and follows every interrupt instance:
 *
 *   injected   vgic_update_irq_pending (every source: KVM_IRQ_LINE, irqfd,
 *              the timer), or the guest's own GICD_ISPENDR write of an SPI
 *              (kvm_mmio), sets the software pending latch;
 *   presented  a flush snapshot shows it Pending in a list register
 *              (vgic_v3_populate_lr clears the latch of an edge interrupt);
 *   acked      the next sync snapshot shows that LR Active or invalid;
 *   back       or still Pending, and the fold puts the latch back;
 *   done       an Active LR comes back invalid, or the profile's EOIcount
 *              walk deactivates it while it sits outside the LRs.
 *
 * An injection that finds the interrupt already pending coalesces, as the
 * GIC allows; when it lands while the guest holds the interrupt pending in
 * an LR, only the sync tells: still Pending means merged, acknowledged
 * means the latch started a new instance. This makes the accounting exact:
 * per INTID, injected = acked + coalesced + lost + pending at the end.
 *
 * Everything here costs O(1) per event (LR slots are bounded by the
 * number of LRs); memory is per INTID and per vCPU, not per event.
 */
#include <stdlib.h>

#include "replay_internal.h"

/* The vCPU record, growing the table on first sight. */
struct vcpu_track *track_vcpu(struct checker *c, int64_t vcpu)
{
	if (vcpu < 0 || vcpu > 4095)
		return NULL;
	if ((size_t)vcpu >= c->nvcpus) {
		size_t n = (size_t)vcpu + 1;

		c->vcpus = vr_xrealloc(c->vcpus, n * sizeof(*c->vcpus));
		memset(c->vcpus + c->nvcpus, 0, (n - c->nvcpus) * sizeof(*c->vcpus));
		c->nvcpus = n;
	}
	if (!c->vcpus[vcpu])
		c->vcpus[vcpu] = vr_xcalloc(1, sizeof(struct vcpu_track));
	return c->vcpus[vcpu];
}

/*
 * The record of an LPI, made on first sight. Their INTIDs are sparse
 * (8192 and up, as the guest's ITS driver allocates them), so they are
 * found by a scan that starts at the last one found.
 */
static struct irq_track *track_lpi(struct checker *c, int64_t intid, int *created)
{
	size_t k;

	*created = 0;
	if (intid < LPI_MIN || intid > UINT32_MAX)
		return NULL;
	for (k = 0; k < c->nlpis; k++) {
		size_t i = (c->last_lpi + k) % c->nlpis;

		if (c->lpis[i]->intid == (uint32_t)intid) {
			c->last_lpi = i;
			return c->lpis[i];
		}
	}
	if (c->nlpis == c->cap_lpis) {
		c->cap_lpis = c->cap_lpis ? 2 * c->cap_lpis : 16;
		c->lpis = vr_xrealloc(c->lpis, c->cap_lpis * sizeof(*c->lpis));
	}
	c->lpis[c->nlpis] = vr_xcalloc(1, sizeof(struct irq_track));
	*created = 1;
	return c->lpis[c->nlpis++];
}

/* The tracking record of an interrupt; SGIs/PPIs are per vCPU. NULL for no interrupt. */
struct irq_track *track_irq(struct checker *c, int64_t vcpu, int64_t intid)
{
	struct irq_track *t;
	int lpi_created = 0;

	if (intid >= NR_SHARED_MAX) {
		t = track_lpi(c, intid, &lpi_created);
		if (!t)
			return NULL;
	} else if (intid < 0) {
		return NULL;
	} else if (intid < NR_PRIVATE) {
		struct vcpu_track *v = track_vcpu(c, vcpu);

		if (!v)
			return NULL;
		t = &v->priv[intid];
	} else {
		t = &c->shared[intid];
	}
	if (lpi_created) {
		t->level_cfg = 0; /* vgic_add_lpi(): always edge */
		/* Without vgic_queue_lpi events no LPI injection is seen: acks only. */
		t->path_unrecorded = !c->has_lpi_queue;
		t->uncertain = t->path_unrecorded;
		t->own.injection_unrecorded = t->path_unrecorded;
	}
	if (!t->used) {
		if (c->ntracked == c->cap_tracked) {
			c->cap_tracked = c->cap_tracked ? 2 * c->cap_tracked : 64;
			c->tracked = vr_xrealloc(c->tracked, c->cap_tracked * sizeof(*c->tracked));
		}
		c->tracked[c->ntracked++] = t;
		t->used = 1;
		t->intid = (uint32_t)intid;
		t->vcpu = intid < NR_PRIVATE ? vcpu : VR_NO_VALUE;
		if (!lpi_created)
			t->level_cfg = -1;
		t->priority = -1;
		t->lr_vcpu = VR_NO_VALUE;
		t->count = &t->own;
		t->count->intid = (uint32_t)intid;
		t->count->vcpu = intid < NR_PRIVATE ? vcpu : VR_NO_VALUE;
		t->count->level = lpi_created ? 0 : -1;
		t->shown = REPLAY_LIFE_IDLE;
		t->shown_vcpu = t->count->vcpu;
	}
	return t;
}

/* The lifecycle state of t as the tracker holds it: active over pending. */
static enum replay_life life_state(const struct irq_track *t)
{
	if (t->active)
		return REPLAY_LIFE_ACTIVE;
	return t->sw_pending || t->lr_pending ? REPLAY_LIFE_PENDING : REPLAY_LIFE_IDLE;
}

/* Give opt->life state s of t from ts on, under the vCPU t is counted under now. */
static void life_show(struct checker *c, struct irq_track *t, enum replay_life s, int64_t ts)
{
	int64_t v = t->count->vcpu;

	if (v != t->shown_vcpu && t->shown != REPLAY_LIFE_IDLE)
		c->opt->life(REPLAY_LIFE_IDLE, ts, t->shown_vcpu, t->intid, c->opt->life_arg);
	if (s != t->shown || (v != t->shown_vcpu && s != REPLAY_LIFE_IDLE))
		c->opt->life(s, ts, v, t->intid, c->opt->life_arg);
	t->shown = s;
	t->shown_vcpu = v;
}

/*
 * After an event: give opt->life every interrupt whose state, or the
 * vCPU it is counted under, changed since it was last given. Called only
 * with a consumer (the TUI's summaries); a walk of the interrupts seen,
 * as the flush's own checks make.
 */
void track_life_changes(struct checker *c, int64_t ts)
{
	for (size_t k = 0; k < c->ntracked; k++) {
		struct irq_track *t = c->tracked[k];

		if (life_state(t) != t->shown || t->count->vcpu != t->shown_vcpu)
			life_show(c, t, life_state(t), ts);
	}
}

/*
 * Injections from another thread than their target vCPU's: the tracepoint
 * (or probe) fires before vgic_queue_irq_unlock() takes the AP-list lock,
 * so the interrupt is certainly queued only once that thread emits a
 * later event; until then a flush of the target may run without it
 * (seen: an SGI sent from vCPU 1 stalled 11 ms in its dispatch while vCPU
 * 0 flushed twice). Its own thread's injections are in program order.
 */
static void note_injecting_thread(struct checker *c, struct irq_track *t, const struct row *r)
{
	struct vcpu_track *v = t->vcpu >= 0 && (size_t)t->vcpu < c->nvcpus ? c->vcpus[t->vcpu] : NULL;
	int i;

	t->inj_pid = r->pid;
	t->inj_returned = 1;
	t->inj_returned_ts = r->ts_ns;
	if ((v && v->thread_pid == r->pid) || !r->pid)
		return;
	for (i = 0; i < c->nthreads; i++) /* it has moved on since (an injection seen late) */
		if (c->threads[i].pid == r->pid && c->threads[i].ts > r->ts_ns) {
			t->inj_returned_ts = c->threads[i].ts;
			return;
		}
	for (i = 0; i < c->ninflight; i++)
		if (c->inflight[i] == t)
			return;
	if (c->ninflight == (int)(sizeof(c->inflight) / sizeof(c->inflight[0])))
		return; /* full: fall back on the injection's time alone */
	t->inj_returned = 0;
	c->inflight[c->ninflight++] = t;
}

/* Does r show its thread past any call it made before (replay_event_moves_thread_on())? */
static int moved_on(const struct checker *c, const struct row *r)
{
	bool vcpu_thread = false;
	size_t v;

	if (VR_KIND_BIT(r->kind) & VR_KINDS_TASK_ONLY)
		return 1; /* the common case, without the scan */
	for (v = 0; v < c->nvcpus && !vcpu_thread; v++)
		vcpu_thread = c->vcpus[v] && c->vcpus[v]->thread_pid == r->pid;
	return replay_event_moves_thread_on(r->kind, vcpu_thread);
}

/*
 * Which SPI of a guest's GICD_ISPENDR (set 1) or GICD_ICPENDR (set 0)
 * write does bit i of r's value name? 0 for none: another register, a
 * clear bit, or a private interrupt (GICv2's banked ISPENDR0/ICPENDR0;
 * GICv3's are in the redistributors).
 */
static uint32_t pending_write_spi(const struct row *r, uint64_t dist, int set, int i)
{
	uint64_t gpa = (uint64_t)r->arg2, reg = dist + (set ? GICD_ISPENDR : GICD_ICPENDR);
	uint32_t intid;

	if (gpa < reg || gpa >= reg + 0x80 || r->arg1 < 1 || r->arg1 > 8 || i >= r->arg1 * 8 ||
	    !((uint64_t)r->arg3 >> i & 1))
		return 0;
	intid = (uint32_t)(gpa - reg) * 8 + (uint32_t)i;
	return intid < NR_PRIVATE ? 0 : intid;
}

/* Is r a guest's GICD_ISPENDR write naming an SPI (track_pending_write() injects)? */
static int is_spending_write(const struct row *r)
{
	static const struct vgic_mmio_layout qemu_virt = VGIC_MMIO_LAYOUT_QEMU_VIRT;

	for (int i = 0; r->kind == VR_EV_MMIO && r->arg0 == VR_MMIO_WRITE && i < 64; i++)
		if (pending_write_spi(r, qemu_virt.dist, 1, i))
			return 1;
	return 0;
}

/*
 * Remember each injecting thread's first event after its latest
 * injection: an instance started late from an injection made during a
 * guest run (track_sync()) asks whether its thread has moved on since.
 */
static void note_thread(struct checker *c, const struct row *r)
{
	int inj = r->kind == VR_EV_IRQ_PENDING || r->kind == VR_EV_SGI ||
		  r->kind == VR_EV_LPI_QUEUE || is_spending_write(r);
	int i;

	for (i = 0; i < c->nthreads && c->threads[i].pid != r->pid; i++)
		;
	if (i == c->nthreads) {
		if (!inj)
			return;
		if (c->nthreads < 64)
			c->nthreads++;
		i = c->nthreads - 1;
		c->threads[i].pid = r->pid;
	}
	if (inj)
		c->threads[i].ts = 0; /* not moved on from this one yet */
	else if (!c->threads[i].ts && moved_on(c, r))
		c->threads[i].ts = r->ts_ns;
}

/*
 * Any event: the injections its thread made before it have returned; an
 * event of a vCPU's own thread (not its flush or populate_lr, which run
 * inside the flush) is the latest point its next flush certainly follows.
 */
void track_thread_moved_on(struct checker *c, const struct row *r)
{
	int i, kept = 0;

	note_thread(c, r);
	if (!moved_on(c, r))
		return; /* maybe an interrupt handler nested in the injecting call */
	if (r->vcpu >= 0 && (size_t)r->vcpu < c->nvcpus && c->vcpus[r->vcpu] &&
	    c->vcpus[r->vcpu]->thread_pid == r->pid && r->kind != VR_EV_FLUSH &&
	    r->kind != VR_EV_POPULATE)
		c->vcpus[r->vcpu]->thread_last_ts = r->ts_ns;
	for (i = 0; i < c->nwithdrawing; i++) {
		struct irq_track *t = c->withdrawing[i];

		if (t->withdraw_pid == r->pid && t->withdrawing)
			t->withdrawing = 0;
		if (t->withdrawing)
			c->withdrawing[kept++] = t;
	}
	c->nwithdrawing = kept;
	kept = 0;
	for (i = 0; i < c->ninflight; i++) {
		struct irq_track *t = c->inflight[i];

		if (t->inj_pid == r->pid) {
			t->inj_returned = 1;
			t->inj_returned_ts = r->ts_ns;
		} else {
			c->inflight[kept++] = t;
		}
	}
	c->ninflight = kept;
}

/*
 * A shared interrupt is now aimed at or presented to vcpu: count what
 * follows in that vCPU's row (made on first sight, with what the
 * interrupt's rows share). What was counted before any vCPU was known
 * goes to the first one.
 */
static void count_on_vcpu(struct checker *c, struct irq_track *t, int64_t vcpu, int64_t ts)
{
	int i;

	if (t->intid < NR_PRIVATE || vcpu < 0 || t->count->vcpu == vcpu)
		return;
	if (!t->nrows && c->opt->life && t->shown_vcpu == VR_NO_VALUE) {
		/* what was given for no vCPU is this one's, as the counts below */
		c->opt->life(REPLAY_LIFE_ATTRIBUTED, ts, vcpu, t->intid, c->opt->life_arg);
		t->shown_vcpu = vcpu;
	}
	for (i = 0; i < t->nrows; i++)
		if (t->rows[i].vcpu == vcpu) {
			t->count = &t->rows[i];
			return;
		}
	t->rows = vr_xrealloc(t->rows, (size_t)(t->nrows + 1) * sizeof(*t->rows));
	if (!t->nrows) {
		t->rows[0] = t->own; /* the counts from before the first vCPU was known */
		memset(&t->own, 0, sizeof(t->own));
	} else {
		memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
		t->rows[t->nrows].intid = t->intid;
		t->rows[t->nrows].level = t->rows[0].level;
		t->rows[t->nrows].injection_unrecorded = t->path_unrecorded;
	}
	t->rows[t->nrows].vcpu = vcpu;
	t->count = &t->rows[t->nrows++];
}

/* A new pending instance begins: from an injection, or put back by a fold. */
static void start_instance(struct irq_track *t, const struct row *r, int from_fold)
{
	t->sw_pending = 1;
	t->sw_pending_event = r->id;
	t->sw_pending_ts = r->ts_ns;
	if (!from_fold) /* still the instance the injection began: its latency runs on */
		t->inject_ts = r->ts_ns;
	t->sw_from_fold = from_fold;
	t->inj_by_guest = !from_fold && r->kind == VR_EV_MMIO;
	t->resampled = 0;
	t->inj_returned = 1;
	t->inj_returned_ts = r->ts_ns;
	t->first_skipped_flush = 0;
	t->reported = 0;
	t->uncertain = t->path_unrecorded; /* a fresh instance after a gap is fully observed */
}

/*
 * An injection kvm_vgic_inject_irq() or a guest's GICD_ISPENDR write let
 * through: count it, and set the latch (coalescing with an instance
 * already pending, or decided at the sync while one waits in an LR).
 */
static void count_injection(struct checker *c, struct irq_track *t, const struct row *r)
{
	t->count->injected++;
	if (c->opt->tally)
		c->opt->tally(REPLAY_TALLY_INJECTED, r->ts_ns, t->count->vcpu, t->intid,
			      c->opt->tally_arg);
	if (c->opt->life)
		c->opt->life(REPLAY_LIFE_INJECTED, r->ts_ns, t->count->vcpu, t->intid,
			     c->opt->life_arg);
	if (t->sw_pending) {
		t->count->coalesced++; /* the latch was already set: the GIC merges them */
		t->resampled = 0;     /* whatever the fold read, the line is high now */
		return;
	}
	if (t->lr_pending) {
		/* Merged or new instance: decided at the sync (see file comment). */
		t->run_injections++;
		t->run_injection_event = r->id;
		t->run_injection_ts = r->ts_ns;
		t->run_injection_pid = r->pid;
		return;
	}
	start_instance(t, r, 0);
	note_injecting_thread(c, t, r);
}

/*
 * vgic_update_irq_pending: kvm_vgic_inject_irq() validated nothing yet,
 * so apply vgic_validate_injection()'s rule: a level interrupt changes
 * only when its line changes, an edge one only on level 1.
 */
void track_injection(struct checker *c, const struct row *r)
{
	struct irq_track *t = track_irq(c, r->vcpu, r->intid);
	int level = r->arg1 != 0;

	if (!t)
		return;
	if (t->level_cfg == 1) {
		if (t->line_high == level)
			return;
		t->line_high = level;
		if (!level)
			return; /* lowering the line withdraws, it does not inject */
	} else {
		t->line_high = level;
		if (!level)
			return;
	}
	count_injection(c, t, r);
}

/*
 * vgic_queue_lpi: vgic_queue_irq_unlock() for an LPI, r->vcpu its target.
 * The ITS paths set the latch before the call, so a call that finds it set
 * is an injection (one that finds it already set by an earlier MSI not yet
 * presented coalesces, as the GIC merges them); a pending-table or
 * configuration sync with the latch clear injects nothing.
 */
void track_lpi_queue(struct checker *c, const struct row *r)
{
	struct irq_track *t = track_irq(c, r->vcpu, r->intid);
	struct row inj = *r;

	if (!t || r->intid < LPI_MIN)
		return;
	if (r->vcpu >= 0) {
		t->vcpu = r->vcpu;
		count_on_vcpu(c, t, r->vcpu, r->ts_ns);
		if (t->has_lpi_target)
			t->lpi_target = r->vcpu;
	}
	inj.arg1 = r->arg0; /* the latch, as an edge injection's level */
	track_injection(c, &inj);
}

/*
 * vgic_lpi_target: update_affinity() aimed LPI r->intid at r->vcpu (an ITS
 * MOVI, MOVALL, MAPC or MAPTI). Pending outside the LRs, it is on that
 * vCPU's AP list from now on; presented in an LR of the old target, it
 * stays there until that vCPU's sync, whose prune (vgic_prune_ap_list())
 * moves it if the guest left it pending (track_sync). The instance under
 * way stays counted where it was injected.
 */
void track_lpi_target(struct checker *c, const struct row *r)
{
	struct irq_track *t;

	if (r->intid < LPI_MIN || r->vcpu < 0)
		return;
	t = track_irq(c, r->vcpu, r->intid);
	if (!t)
		return;
	t->lpi_target = r->vcpu;
	t->has_lpi_target = 1;
	if (!t->in_lr)
		t->vcpu = r->vcpu;
}

/*
 * t's instance was withdrawn by r's GICD_ICPENDR write: until r's thread
 * moves on, the write may not have landed, and a flush on another thread
 * may still present the instance (track_flush() then takes the withdrawal
 * back). Beyond the list's room the withdrawal stands.
 */
static void note_withdrawal(struct checker *c, struct irq_track *t, const struct row *r)
{
	int i;

	t->withdraw_pid = r->pid;
	for (i = 0; i < c->nwithdrawing && c->withdrawing[i] != t; i++)
		;
	if (i == c->nwithdrawing) {
		if (i == (int)(sizeof(c->withdrawing) / sizeof(c->withdrawing[0])))
			return; /* full */
		c->withdrawing[c->nwithdrawing++] = t;
	}
	t->withdrawing = 1;
}

/*
 * A guest's GICD_ISPENDR write (vgic_mmio_write_spending()) sets the
 * pending latch of each SPI it names and queues it, enabled or not (a
 * disabled one waits for GICD_ISENABLER, vgic_mmio_write_senable(), which
 * only queues what is already pending): an injection by the guest's own
 * hand, counted as one, here and only here. Its GICD_ICPENDR write
 * (vgic_mmio_write_cpending()) clears the latch: an instance waiting on no
 * LR is withdrawn, counted as coalesced (an injection that yields no
 * acknowledgement of its own); in an LR it stays until the fold hands it
 * back.
 */
static void track_pending_write(struct checker *c, const struct row *r, uint64_t dist)
{
	int set, i;

	for (set = 0; set <= 1; set++)
		for (i = 0; i < 64; i++) {
			uint32_t intid = pending_write_spi(r, dist, set, i);
			struct irq_track *t = intid ? track_irq(c, r->vcpu, intid) : NULL;

			if (!t)
				continue;
			if (set) {
				count_injection(c, t, r);
			} else if (t->sw_pending && !t->in_lr) {
				t->sw_pending = 0;
				t->count->coalesced++;
				note_withdrawal(c, t, r);
			}
		}
}

/*
 * kvm_mmio: a guest write to GITS_CWRITER makes the ITS run commands no
 * event shows (MOVI moves an LPI to another vCPU, DISCARD drops it): an
 * LPI pending now is not judged until its next queueing says where it is.
 * Without vgic_lpi_target events that holds for one presented pending in
 * an LR too: a MOVI there makes the old target's prune move it away.
 */
void track_mmio(struct checker *c, const struct row *r)
{
	static const struct vgic_mmio_layout qemu_virt = VGIC_MMIO_LAYOUT_QEMU_VIRT;
	size_t k;

	if (r->arg0 == VR_MMIO_WRITE)
		track_pending_write(c, r, qemu_virt.dist);
	if (r->arg0 != VR_MMIO_WRITE || (uint64_t)r->arg2 != qemu_virt.its + VGIC_GITS_CWRITER)
		return;
	for (k = 0; k < c->nlpis; k++)
		if (c->lpis[k]->sw_pending || (c->lpis[k]->lr_pending && !c->has_lpi_target))
			c->lpis[k]->uncertain = 1;
}

/*
 * vgic_sgi: the guest on r->vcpu sent SGI r->intid (vgic_v3_dispatch_sgi,
 * vgic_mmio_write_sgir) to the vCPUs of the mask in arg1 (-1: all but
 * itself): an edge injection for each, which kvm_vgic_inject_irq's
 * tracepoint does not show.
 */
void track_sgi(struct checker *c, const struct row *r)
{
	struct row inj = *r;
	size_t v;

	if (r->vcpu == VR_NO_VALUE || r->intid == VR_NO_VALUE || r->intid >= 16)
		return;
	inj.arg1 = 1;
	for (v = 0; v < c->nvcpus && v < 64; v++) {
		if (r->arg1 == -1 ? (int64_t)v == r->vcpu : !((uint64_t)r->arg1 >> v & 1))
			continue;
		inj.vcpu = (int64_t)v;
		track_injection(c, &inj);
	}
}

/*
 * Give the deactivation latency of t's active instance, once: from the
 * exit whose LRs showed it acknowledged to ts_ns, the exit whose LRs or
 * EOIcount show it deactivated or the guest's trapped DIR (kind says
 * which). An instance acknowledged before the trace began has no start.
 */
static void time_deactivation(struct checker *c, struct irq_track *t,
			      enum replay_latency_kind kind, int64_t ts_ns)
{
	if (!c->opt->latency || t->deact_timed || !t->active_ts || t->active_ts > ts_ns)
		return;
	t->deact_timed = 1;
	c->opt->latency(kind, ts_ns, t->active_vcpu, t->intid, ts_ns - t->active_ts,
			c->opt->latency_arg);
}

/*
 * vgic_deactivate: KVM handled a trapped DIR (vgic_v3_deactivate) after
 * the exit's sync; an interrupt active outside the LRs is deactivated
 * there, so the tracker no longer holds it active.
 */
void track_trapped_dir(struct checker *c, const struct row *r)
{
	struct irq_track *t = track_irq(c, r->vcpu, r->arg0 & ~(7 << 10));

	if (t)
		t->last_dir_event = r->id; /* the guest deactivated it: whose fault if it stays */
	if (t && t->active) /* the guest's deactivation, wherever KVM applies it */
		time_deactivation(c, t, LATENCY_ACK_TO_DIR, r->ts_ns);
	if (t && t->active && !t->in_lr) {
		t->active = 0;
		t->count->deactivated++;
		t->last_seen_event = r->id; /* the proof if an LR shows it Active again */
	}
}

/*
 * kvm_userspace_exit: KVM_RUN returned, so kvm_arch_vcpu_ioctl_run() has
 * run vcpu_put(), which saves the active priorities (vgic_v3_put() ->
 * __vgic_v3_save_aprs(); vgic_v2_put()): the vCPU's next sync shows them
 * as they were then.
 */
void track_userspace_exit(struct checker *c, const struct row *r)
{
	struct vcpu_track *v = track_vcpu(c, r->vcpu);

	if (v)
		v->put_pending = 1;
}

/*
 * The active priorities a sync shows: KVM's copy from the vCPU's last put.
 * A put is known to lie before this sync when KVM_RUN returned since the
 * last one, or when the copy changed.
 */
static void note_aprs(struct vcpu_track *v, const struct row *r)
{
	if (!r->has_apr)
		return;
	if (v->put_pending ||
	    (v->has_apr && (v->apr.ap0r[0] != r->ap0r0 || v->apr.ap1r[0] != r->ap1r0)))
		v->apr_put_event = r->id;
	v->put_pending = 0;
	v->has_apr = 1;
	v->apr_event = r->id;
	v->apr.ap0r[0] = r->ap0r0;
	v->apr.ap1r[0] = r->ap1r0;
}

/* Learn what an LR says about an interrupt's configuration. */
static void learn_from_lr(struct checker *c, struct irq_track *t, const struct vgic_lr_fields *f,
			  int64_t vcpu, int64_t ts)
{
	t->seen_in_lr = 1;
	t->hw = f->hw;
	t->priority = f->priority;
	t->group = f->group;
	if (t->intid >= NR_PRIVATE) {
		t->vcpu = vcpu;
		count_on_vcpu(c, t, vcpu, ts);
	}
	/* vgic_v3_populate_lr sets EOI for non-HW level interrupts only. */
	if (!f->hw) {
		t->level_cfg = f->eoi;
		t->count->level = f->eoi;
	}
}

/* Report one pending instance that a flush left out. */
static void report_missing(struct checker *c, const struct row *r, struct irq_track *t,
			   int used, int later_lr)
{
	struct replay_finding fd;
	int lost = used < r->nr_lrs;

	t->reported = 1;
	if (lost) {
		t->sw_pending = 0;
		t->count->lost++;
	}
	finding_init(&fd, lost ? FINDING_LOST_INTERRUPT : FINDING_LR_DIVERGENCE, SEVERITY_ERROR,
		     r->ts_ns, r->cpu, r->vcpu, t->intid);
	finding_proof(&fd, r->id, "flush without it");
	finding_proof(&fd, t->sw_pending_event, "pending since");
	finding_proof(&fd, t->first_skipped_flush, "first flush without it");
	finding_proof(&fd, t->last_presented_event, "last presented");
	if (lost)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "INTID %u was pending for vCPU %lld since event %lld and enabled (seen in "
			 "an LR before), but KVM left it out of the list registers although %d of "
			 "%d were free: its pending state is gone from the AP list, and the guest "
			 "will never acknowledge it (assuming the guest did not disable it; the "
			 "trace has no distributor writes).",
			 t->intid, (long long)r->vcpu, (long long)t->sw_pending_event,
			 r->nr_lrs - used, r->nr_lrs);
	else
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "INTID %u (priority 0x%02x) was pending for vCPU %lld since event %lld, "
			 "but this flush filled the list registers without it while LR%d holds an "
			 "interrupt that vgic_irq_cmp() sorts after it: the higher-priority pending "
			 "interrupt is missing from the LRs.",
			 t->intid, t->priority, (long long)r->vcpu, (long long)t->sw_pending_event,
			 later_lr);
	if (!lost && c->model) {
		/*
		 * The model replays the kernel's own vgic_irq_cmp() over the whole
		 * state: if it programs the same LRs from there, this sort-based
		 * suspicion is wrong (see track_flush_judged()).
		 */
		c->deferred = fd;
		c->has_deferred = 1;
		return;
	}
	finding_report(c, &fd);
}

/*
 * After the model has judged the flush of row r: a deferred sort-based
 * LR_DIVERGENCE stands where the model could not judge (the vCPU's state
 * unknown to it) and is dropped where the model programmed what the
 * kernel did; where they differ, finding_from_divergence() has already reported it.
 */
void track_flush_judged(struct checker *c, const struct row *r)
{
	if (!c->has_deferred)
		return;
	c->has_deferred = 0;
	if (replay_model_vcpu_unknown(c->model, (int)r->vcpu))
		finding_report(c, &c->deferred);
}

/*
 * Was the injection that began t's instance certainly on the AP list when
 * v's flush (at ts) began? Its tracepoint fires before
 * vgic_queue_irq_unlock() queues it, so the call must have returned (its
 * thread moved on): before the vCPU thread's last event ahead of the
 * flush, or before the flush with a whole guest run since the tracepoint.
 * A guest's GICD_ISPENDR write only the first way, as the model holds
 * distributor writes in flight (model_dist.c).
 */
static int queued_before_flush(const struct irq_track *t, const struct vcpu_track *v, int64_t ts)
{
	if (!t->inj_returned || t->inj_returned_ts >= ts)
		return 0;
	return (v->thread_last_ts && t->inj_returned_ts < v->thread_last_ts) ||
	       (t->sw_pending_ts < v->prev_flush_ts && !t->inj_by_guest);
}

/*
 * Every pending, enabled interrupt targeting this vCPU must be in the LRs
 * unless they are full of entries that sort before it
 * (vgic_flush_lr_state() places AP-list entries in sorted order while
 * LRs remain). An injection only counts once a whole run has passed since
 * it (its tracepoint fires before vgic_queue_irq_unlock() queues it, so a
 * flush on another CPU may race with it); a pending state the fold put
 * back counts at once, as the fold runs on this vCPU's own thread.
 */
static void check_missing(struct checker *c, const struct row *r, struct vcpu_track *v, int used)
{
	size_t k;
	int j;

	for (k = 0; k < c->ntracked; k++) {
		struct irq_track *t = c->tracked[k];
		int later = -1;

		if (!t->sw_pending || t->in_lr || t->vcpu != r->vcpu)
			continue;
		if (!t->first_skipped_flush)
			t->first_skipped_flush = r->id;
		if (t->reported || t->uncertain || !t->seen_in_lr || t->priority < 0)
			continue;
		/* The guest routed this SPI elsewhere (kvm_mmio, applied by the model): once
		 * inactive, KVM's prune moves it to the new target, where it is looked for. */
		if (t->intid >= NR_PRIVATE && c->model &&
		    replay_model_spi_target(c->model, t->intid) != t->vcpu)
			continue;
		/* Queued on another vCPU's AP list (a GICD_ISPENDR or ISENABLER while routed
		 * there, then routed here): only that vCPU's prune moves it, maybe after
		 * this flush began. */
		if (t->intid >= NR_PRIVATE && c->model) {
			int on = replay_model_spi_queued_on(c->model, t->intid);

			if ((on >= 0 && on != t->vcpu) ||
			    replay_model_spi_arriving(c->model, (int)r->vcpu, t->intid))
				continue;
		}
		/* The guest disabled it or is clearing it (kvm_mmio): the oracle may skip it. */
		if (t->intid >= NR_PRIVATE && c->model &&
		    replay_model_spi_withheld(c->model, (uint32_t)t->intid))
			continue;
		if (!t->sw_from_fold && !queued_before_flush(t, v, r->ts_ns))
			continue;
		/* A HW level interrupt whose line the fold resampled: absent, it was low. */
		if (t->resampled) {
			t->sw_pending = 0;
			t->resampled = 0;
			t->count->coalesced++;
			continue;
		}
		/* Pending and active sorts as not pending (vgic_irq_cmp()), among the
		 * actives; the active state is unknown until an LR shows it. */
		for (j = 0; j < used && later < 0 && t->state_known && !t->active; j++)
			if (vgic_profile_lr_sorts_after(c->recorded, c->gic_version, r->lr[j],
							(uint8_t)t->priority))
				later = j;
		if (used < r->nr_lrs || later >= 0)
			report_missing(c, r, t, used, later);
	}
}

/*
 * An LR shows an interrupt Active that was never acknowledged since the
 * trace last saw it inactive: the guest can only activate what it
 * acknowledged from an LR, so the kernel's state does not follow from
 * the interrupt's history.
 */
static void report_unacked_active(struct checker *c, const struct row *r, struct irq_track *t,
				  int slot)
{
	struct replay_finding fd;

	t->reported = 1;
	finding_init(&fd, FINDING_LR_DIVERGENCE, SEVERITY_ERROR, r->ts_ns, r->cpu, r->vcpu,
		     t->intid);
	finding_proof(&fd, r->id, "flush with it active");
	finding_proof(&fd, t->last_seen_event, "last seen inactive");
	finding_proof(&fd, t->sw_pending_event, "pending since");
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "LR%d holds INTID %u Active, but the guest never acknowledged it after event %lld, "
		 "where it was last seen inactive: the kernel's state for it does not follow from "
		 "what the trace shows (a pending or active state was lost or invented).",
		 slot, t->intid, (long long)t->last_seen_event);
	if (c->model && !c->has_deferred) {
		/* A remote DIR the owner's fold undid explains it: the model judges (MODEL_DIR_LOST). */
		c->deferred = fd;
		c->has_deferred = 1;
		return;
	}
	finding_report(c, &fd);
}

/* The LRs of the last flush are folded back: nothing of them is in an LR any more. */
static void clear_in_lr(struct checker *c, int64_t vcpu, struct vcpu_track *v)
{
	int i;

	for (i = 0; i < v->used_lrs; i++) {
		struct vgic_lr_fields f;
		struct irq_track *t;

		vgic_lr_decode(c->gic_version, v->lr[i], &f);
		t = track_irq(c, vcpu, f.intid);
		if (t)
			t->in_lr = 0;
	}
	v->used_lrs = 0;
}

/*
 * At a flush of vCPU r->vcpu: count, for each of its interrupts still
 * active with an instance pending behind it (the latch set outside the
 * LRs, or Pending+Active in one), one more guest entry it waits through;
 * a new acknowledgement starts the count again. An interrupt the guest
 * has deactivated never counts: KVM presents its pending instance.
 */
static void count_waits_behind_active(struct checker *c, const struct row *r)
{
	size_t k;

	for (k = 0; k < c->ntracked; k++) {
		struct irq_track *t = c->tracked[k];

		if (t->vcpu != r->vcpu)
			continue;
		if (!t->active || !(t->sw_pending || t->lr_pending) || t->behind_ack != t->active_event) {
			t->behind_flushes = 0;
			t->behind_ack = t->active_event;
			if (!t->active || !(t->sw_pending || t->lr_pending))
				continue;
		}
		if (!t->behind_flushes++)
			t->behind_first_event = r->id;
		t->behind_last_event = r->id;
	}
}

/*
 * A flush: KVM programmed these LRs (kvm_vgic_flush_hwstate). Pending
 * instances move into the LRs; an instance that stays behind although
 * free LRs were left is lost (vgic_flush_lr_state places every AP-list
 * entry targeting this vCPU while LRs remain).
 */
void track_flush(struct checker *c, const struct row *r)
{
	struct vcpu_track *v = track_vcpu(c, r->vcpu);
	int i, used = r->used_lrs;

	if (!v)
		return;
	if (used > r->nr_lrs)
		used = r->nr_lrs;
	clear_in_lr(c, r->vcpu, v); /* a flush without a sync in between */
	v->used = 1;
	v->thread_pid = r->pid;
	v->prev_flush_ts = v->flush_ts;
	v->flush_event = r->id;
	v->flush_ts = r->ts_ns;
	v->flush_cpu = r->cpu;
	v->hcr = (uint32_t)r->hcr;
	v->nr_lrs = r->nr_lrs;
	v->used_lrs = used;
	memcpy(v->lr, r->lr, sizeof(v->lr));

	for (i = 0; i < used; i++) {
		struct vgic_lr_fields f;
		struct irq_track *t;

		vgic_lr_decode(c->gic_version, r->lr[i], &f);
		t = track_irq(c, r->vcpu, f.intid);
		if (!t)
			continue;
		learn_from_lr(c, t, &f, r->vcpu, r->ts_ns);
		t->in_lr = 1;
		t->last_presented_event = r->id;
		if (f.pending) {
			int raced = t->withdrawing && t->withdraw_pid != r->pid;

			t->withdrawing &= !raced; /* decided here */
			if (t->sw_pending) {
				t->sw_pending = 0; /* populate consumed the latch */
			} else if (raced && !t->lr_pending) {
				/* It took the latch before the guest's GICD_ICPENDR landed. */
				t->count->coalesced--;
			} else if (!t->lr_pending && !t->uncertain && t->level_cfg != 1) {
				/* Pending with no injection seen: in flight at trace start. */
				t->count->pending_at_start++;
				t->sw_pending_event = r->id;
				t->sw_pending_ts = r->ts_ns;
				t->inject_ts = 0; /* injected before the trace: no latency */
			}
			t->lr_pending = 1;
			t->lr_vcpu = r->vcpu;
		} else {
			t->lr_pending = 0;
		}
		if (f.active && !t->active && t->state_known && !t->uncertain && !t->reported)
			report_unacked_active(c, r, t, i);
		if (f.active)
			t->active = 1;
		t->state_known = 1;
		t->last_seen_event = r->id;
	}
	check_missing(c, r, v, used);
	count_waits_behind_active(c, r);
}

/* Compare two interrupts for the AP-list sort of vgic_irq_cmp(): priority, then HW first. */
static int ap_order(const struct irq_track *a, const struct irq_track *b)
{
	if (a->priority != b->priority)
		return a->priority - b->priority;
	return b->hw - a->hw;
}

/*
 * EOIcount > 0 at exit (6.19+): the guest EOIed that many interrupts not
 * in the LRs (EOImode 0). The profile's walk decides which AP-list
 * entries KVM deactivates: 6.19 starts at the head, where the LR-resident
 * entries are, and so takes Active LR entries first; 7.0 starts after the
 * last LR entry. The guest, deactivating in priority order, EOIed the
 * first ones of that tail, which the 7.0 walk picks.
 */
static void eoicount_walk(struct checker *c, const struct row *r, struct vcpu_track *v,
			  int eoicount, const int *lr_active_intids, int nlr_active)
{
	struct irq_track *tail[64];
	struct replay_finding fd;
	size_t k;
	int ntail = 0, i, j, wrong;
	char lr_list[160] = "", tail_list[160] = "";

	(void)v;
	for (k = 0; k < c->ntracked && ntail < 64; k++) {
		struct irq_track *t = c->tracked[k];

		if (t->active && !t->in_lr && t->vcpu == r->vcpu)
			tail[ntail++] = t;
	}
	for (i = 1; i < ntail; i++) /* insertion sort: the tail is short */
		for (j = i; j > 0 && ap_order(tail[j], tail[j - 1]) < 0; j--) {
			struct irq_track *x = tail[j];

			tail[j] = tail[j - 1];
			tail[j - 1] = x;
		}
	/* The recording kernel's deactivations, attributed as the guest made them. */
	for (i = 0; i < eoicount && i < ntail; i++) {
		tail[i]->active = 0;
		tail[i]->count->deactivated++;
		tail[i]->count->eoicount_deactivations++;
		time_deactivation(c, tail[i], LATENCY_ACK_TO_DEACTIVATE, r->ts_ns);
	}
	wrong = vgic_profile_eoicount_on_lrs(c->profile, eoicount, nlr_active);
	if (!wrong)
		return;
	for (i = 0; i < wrong; i++)
		snprintf(lr_list + strlen(lr_list), sizeof(lr_list) - strlen(lr_list), "%s%d",
			 i ? ", " : "", lr_active_intids[i]);
	for (i = eoicount - wrong; i < eoicount && i < ntail; i++)
		snprintf(tail_list + strlen(tail_list), sizeof(tail_list) - strlen(tail_list),
			 "%s%u", i > eoicount - wrong ? ", " : "", tail[i]->intid);
	finding_init(&fd, FINDING_MIS_DEACTIVATION, SEVERITY_ERROR, r->ts_ns, r->cpu, r->vcpu,
		     lr_active_intids[0]);
	finding_proof(&fd, r->id, "exit with EOIcount");
	finding_proof(&fd, v->flush_event, "flush with LRENPIE");
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "Under %s, the EOIcount walk at this exit (EOIcount %d, LRENPIE set at the flush) "
		 "starts at the AP-list head and deactivates INTID %s, still active in the list "
		 "registers and not EOIed by the guest, instead of %s%s outside the LRs that the "
		 "guest did EOI; KVM keeps that one active (commit 6da5e537f5af).",
		 vgic_profile_name(c->profile), eoicount, lr_list, tail_list[0] ? "INTID " : "the interrupt",
		 tail_list[0] ? tail_list : " (not tracked)");
	finding_report(c, &fd);
	/*
	 * The consequence: the interrupts the walk missed stay active, their
	 * injections undeliverable, until a later deactivation takes them (on
	 * the lab's kernel with the fix reverted, the walk of the next exit,
	 * after the guest's EOI of the interrupt wrongly deactivated, takes it).
	 */
	for (i = eoicount - wrong; i < eoicount && i < ntail; i++) {
		finding_init(&fd, FINDING_STUCK_ACTIVE, SEVERITY_ERROR, r->ts_ns, r->cpu, r->vcpu,
			     tail[i]->intid);
		finding_proof(&fd, r->id, "exit whose walk missed it");
		finding_proof(&fd, tail[i]->active_event, "acknowledged");
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "Under %s, INTID %u stays active after this exit although the guest EOIed "
			 "it: the EOIcount walk spent the count on an interrupt still in the LRs. "
			 "Until a later deactivation takes it (another EOIcount walk, a DIR), KVM "
			 "presents it Active, or Pending+Active, with no matching priority in the "
			 "guest's APRs, and no injection of it reaches the guest.",
			 vgic_profile_name(c->profile), tail[i]->intid);
		finding_report(c, &fd);
	}
}

/*
 * The guest's CPU interface acknowledges the highest-priority pending
 * interrupt: an LR still Pending at the exit with a strictly higher
 * priority (same group, not active) than one the guest acknowledged during
 * the run was passed over. LRs do not become pending during a run, so it
 * was there all along; the PMR and the running priority mask by threshold,
 * so whatever let the lower one through let the higher one through too.
 */
static void check_priority_inversion(struct checker *c, const struct row *r, struct vcpu_track *v)
{
	struct vgic_lr_fields before[MAX_LRS], after[MAX_LRS];
	int i, j, n = v->used_lrs < r->nr_lrs ? v->used_lrs : r->nr_lrs;

	for (i = 0; i < n; i++) {
		vgic_lr_decode(c->gic_version, v->lr[i], &before[i]);
		vgic_lr_decode(c->gic_version, r->lr[i], &after[i]);
	}
	for (i = 0; i < n; i++) {
		struct replay_finding fd;

		if (!before[i].pending || before[i].active || after[i].pending)
			continue; /* i: acknowledged during the run */
		for (j = 0; j < n; j++) {
			if (!before[j].pending || before[j].active || !after[j].pending ||
			    after[j].active || before[j].group != before[i].group ||
			    before[j].priority >= before[i].priority)
				continue;
			finding_init(&fd, FINDING_PRIORITY_INVERSION, SEVERITY_ERROR, r->ts_ns, r->cpu,
				     r->vcpu, before[i].intid);
			finding_proof(&fd, r->id, "exit");
			finding_proof(&fd, v->flush_event, "flush");
			snprintf(fd.explanation, sizeof(fd.explanation),
				 "During this run the guest acknowledged INTID %u (priority 0x%02x, LR%d) "
				 "while INTID %u (priority 0x%02x, LR%d, same group) "
				 "stayed pending in the list registers from the flush to the exit: "
				 "the higher-priority interrupt was passed over.",
				 before[i].intid, before[i].priority, i, before[j].intid,
				 before[j].priority, j);
			finding_report(c, &fd);
			return;
		}
	}
}

/*
 * The hardware hands an LR back with the vINTID it was programmed with
 * (only the state bits change), so an LR that comes back naming another
 * interrupt makes vgic_v3_fold_lr() fold, and deactivate, an interrupt the
 * guest did not deactivate, or one that was not active at all; the one
 * the guest really handled is not folded and keeps its state.
 */
static void report_swapped_lr(struct checker *c, const struct row *r, struct vcpu_track *v, int slot,
			      const struct vgic_lr_fields *before, const struct vgic_lr_fields *after)
{
	struct irq_track *t = track_irq(c, r->vcpu, after->intid);
	struct replay_finding fd;

	finding_init(&fd, FINDING_MIS_DEACTIVATION, SEVERITY_ERROR, r->ts_ns, r->cpu, r->vcpu,
		     after->intid);
	finding_proof(&fd, r->id, "exit");
	finding_proof(&fd, v->flush_event, "flush");
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "LR%d was programmed with INTID %u but comes back at this exit naming INTID %u "
		 "(%s): the fold deactivates INTID %u, %s, and leaves INTID %u, which the guest "
		 "handled, in the state KVM last gave it.",
		 slot, before->intid, after->intid, after->active ? "Active" : after->pending ? "Pending" : "invalid",
		 after->intid,
		 t && t->active ? "which the guest did not deactivate" : "which was not active",
		 before->intid);
	if (t)
		t->active = after->active;
	finding_report(c, &fd);
}

/*
 * A sync: the LRs the hardware handed back (entry of vgic_v3_fold_lr_state).
 * Compare slot by slot with the flush: Pending -> Active/invalid is an
 * acknowledgement, Active -> invalid a deactivation. Then the EOIcount.
 */
void track_sync(struct checker *c, const struct row *r)
{
	struct vcpu_track *v = track_vcpu(c, r->vcpu);
	int lr_active[MAX_LRS], nlr_active = 0;
	int i, eoicount;

	if (!v || !v->used)
		return; /* no flush seen yet for this vCPU: nothing to compare with */
	v->vmcr_sync = (uint32_t)r->vmcr;
	note_aprs(v, r);
	for (i = 0; i < v->used_lrs && i < r->nr_lrs; i++) {
		struct vgic_lr_fields before, after;
		struct irq_track *t;

		vgic_lr_decode(c->gic_version, v->lr[i], &before);
		vgic_lr_decode(c->gic_version, r->lr[i], &after);
		if (after.intid != before.intid) {
			report_swapped_lr(c, r, v, i, &before, &after);
			continue;
		}
		t = track_irq(c, r->vcpu, before.intid);
		if (!t)
			continue;
		if (before.active && before.pending && !after.pending)
			/* P+A: the active one went, then the pending one was acknowledged */
			time_deactivation(c, t, LATENCY_ACK_TO_DEACTIVATE, r->ts_ns);
		if (before.pending && !after.pending) {
			/* The guest acknowledged the presented instance. */
			t->count->acked++;
			if (c->opt->tally)
				c->opt->tally(REPLAY_TALLY_ACKED, r->ts_ns, t->count->vcpu, t->intid,
					      c->opt->tally_arg);
			if (c->opt->life && t->shown != REPLAY_LIFE_ACTIVE) /* active, if only now */
				life_show(c, t, REPLAY_LIFE_ACTIVE, r->ts_ns);
			if (c->opt->latency && t->inject_ts && t->inject_ts <= r->ts_ns)
				c->opt->latency(LATENCY_INJECT_TO_ACK, r->ts_ns, r->vcpu, t->intid,
						r->ts_ns - t->inject_ts, c->opt->latency_arg);
			t->inject_ts = 0; /* timed: a later ack of it needs a new injection */
			t->lr_pending = 0;
			t->active_event = r->id;
			t->active_ts = r->ts_ns;
			t->active_vcpu = r->vcpu;
			t->deact_timed = 0;
			if (t->run_injections) {
				/* Those injections set the latch anew: a new instance. */
				struct row inj = *r;

				t->count->coalesced += t->run_injections - 1;
				inj.id = t->run_injection_event;
				inj.ts_ns = t->run_injection_ts;
				inj.pid = t->run_injection_pid;
				start_instance(t, &inj, 0);
				note_injecting_thread(c, t, &inj);
			}
		} else if (before.pending && after.pending) {
			/* Not acknowledged: the fold keeps it pending, injections merged. */
			int moved_unseen = t->uncertain && t->intid >= LPI_MIN && !c->has_lpi_target;

			t->count->coalesced += t->run_injections;
			t->lr_pending = 0;
			start_instance(t, r, 1);
			t->uncertain |= moved_unseen; /* a MOVI no event shows (track_mmio) */
			t->resampled = before.hw; /* vgic_irq_handle_resampling(): line re-read */
			/* An LPI the ITS moved meanwhile: the prune puts it on its new target's list. */
			if (t->has_lpi_target && t->lpi_target != r->vcpu)
				t->vcpu = t->lpi_target;
		}
		t->run_injections = 0;
		if (before.active && !after.active) {
			/* A HW level interrupt deactivated with its line high: the line is re-read. */
			if (before.hw && t->sw_pending)
				t->resampled = 1;
			t->count->deactivated++;
			time_deactivation(c, t, LATENCY_ACK_TO_DEACTIVATE, r->ts_ns);
		}
		if (after.active && !after.pending && before.pending)
			t->count->deactivated += before.active; /* P+A -> A: the old one went */
		t->active = after.active;
		if (after.active && t->intid >= LPI_MIN && vgic_profile_drops_lpi_active(c->recorded)) {
			/* vgic_v3_fold_lr() (6.19+) drops it: inactive for KVM, its EOI goes nowhere */
			t->active = 0;
			t->count->deactivated++;
		}
		t->state_known = 1;
		t->last_seen_event = r->id;
		if (after.active && t->active) /* an LPI the fold dropped is not there for the walk */
			lr_active[nlr_active++] = (int)after.intid;
		if (before.pending && !after.pending && !after.active) {
			t->count->deactivated++; /* acknowledged and deactivated in one run */
			time_deactivation(c, t, LATENCY_ACK_TO_DEACTIVATE, r->ts_ns);
		}
	}
	check_priority_inversion(c, r, v);
	/* The walk runs after the fold, while the LR entries are still at the list head. */
	eoicount = vgic_hcr_eoicount(r->hcr);
	if (eoicount && (v->hcr & VGIC_HCR_LRENPIE)) {
		v->eoicount_exit = r->id;
		eoicount_walk(c, r, v, eoicount, lr_active, nlr_active);
	}
	/* The kernel folds the LRs back: nothing is in an LR until the next flush. */
	clear_in_lr(c, r->vcpu, v);
}

/* A gap: whatever was in flight may have changed unseen. */
void track_gap(struct checker *c, int64_t after_event, int64_t lost, int32_t cpu,
		   int64_t ts, int64_t end_ts)
{
	struct replay_finding fd;
	size_t k;

	for (k = 0; k < c->ntracked; k++) {
		/* Its presentation and the sync that decides it may be among the lost. */
		c->tracked[k]->uncertain = 1;
		c->tracked[k]->lr_pending = 0;
		c->tracked[k]->run_injections = 0;
	}
	/* The flush each vCPU's next sync would be compared with may be among the lost. */
	for (k = 0; k < c->nvcpus; k++)
		if (c->vcpus[k]) {
			clear_in_lr(c, (int64_t)k, c->vcpus[k]);
			c->vcpus[k]->used = 0;
		}
	if (c->model)
		replay_model_forget(c->model, end_ts);
	finding_init(&fd, FINDING_TRACE_GAP, SEVERITY_INFO, ts, cpu, VR_NO_VALUE, VR_NO_VALUE);
	finding_proof(&fd, after_event, "last event before the gap");
	if (cpu < 0 && end_ts > ts)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "The collector's BPF programs were not run for %lld events somewhere in the "
			 "next %.3f ms (the kernel skips a program re-entered on its CPU: recursion "
			 "misses); interrupts in flight until then are reported as unknown, never as "
			 "findings.",
			 (long long)lost, (double)(end_ts - ts) / 1e6);
	else if (cpu < 0 && lost >= 0)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "The tracer lost %lld events here, on CPUs it does not name (overwritten "
			 "in its buffer); interrupts in flight across this point are reported as "
			 "unknown, never as findings.",
			 (long long)lost);
	else if (cpu < 0)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "The trace breaks here on every CPU (events lost, or time running "
			 "backwards in the capture); interrupts in flight across this point are "
			 "reported as unknown, never as findings.");
	else if (lost >= 0)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "The tracer lost %lld events on CPU %d here; interrupts in flight across "
			 "this point are reported as unknown, never as findings.",
			 (long long)lost, cpu);
	else
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "The tracer lost an unknown number of events on CPU %d here; interrupts "
			 "in flight across this point are reported as unknown, never as findings.",
			 cpu);
	finding_report(c, &fd);
}

/* Guest entries an instance must wait behind an active one before it counts as stuck. */
#define STUCK_MIN_ENTRIES 3

/*
 * EOIs out of order (EOImode 0): another interrupt of t's vCPU, Active in
 * the same last flush's LRs, whose priority the APRs of the same put no
 * longer hold either, where the one acknowledged later has the higher
 * priority (it preempted the other at the CPU interface). An EOI drops the
 * highest active priority and deactivates the INTID written only when its
 * priority is the one dropped (the GICv3 virtual CPU interface:
 * __vgic_v3_write_eoir() in KVM's hyp emulation, QEMU's icv_eoir_write()),
 * so EOIing the earlier one first leaves both Active with no priority
 * held. Returns that other interrupt, the nearest acknowledgement first,
 * or NULL.
 */
static const struct irq_track *ooo_eoi_partner(const struct checker *c, const struct irq_track *t,
					       const struct vcpu_track *v)
{
	const struct irq_track *best = NULL;
	size_t k;

	for (k = 0; k < c->ntracked; k++) {
		const struct irq_track *o = c->tracked[k];
		const struct irq_track *early, *late;

		if (o == t || o->vcpu != t->vcpu || !o->active || !o->state_known || o->uncertain ||
		    o->priority < 0 || o->priority == t->priority ||
		    o->last_presented_event != v->flush_event || v->apr_put_event <= o->active_event ||
		    vgic_apr_priority_active(c->gic_version, &v->apr, o->group, (uint8_t)o->priority))
			continue;
		early = o->active_event < t->active_event ? o : t;
		late = early == o ? t : o;
		if (late->priority >= early->priority)
			continue; /* the later one could not have preempted the earlier */
		if (!best || llabs(o->active_event - t->active_event) <
				     llabs(best->active_event - t->active_event))
			best = o;
	}
	return best;
}

/*
 * Why an interrupt stays active, as far as the trace shows: a DIR of it
 * that KVM did not take, EOIs of interrupts outside the LRs whose
 * EOIcount walk left it, or, in an LR, what the active priorities KVM
 * saved at the vCPU's last put say of the guest (an Active LR whose
 * priority the guest's CPU interface no longer holds was EOIed and not
 * deactivated; with EOImode 0 and another such interrupt it preempted or
 * was preempted by, the EOIs came out of order: ooo_eoi_partner()).
 * Writes the sentence, and the exit whose registers show it as a proof
 * event.
 */
static void stuck_cause(const struct checker *c, const struct irq_track *t,
			const struct vcpu_track *v, struct replay_finding *fd, char *out, size_t n)
{
	int eoimode = vgic_vmcr_eoimode(c->gic_version, v->vmcr_sync);
	const struct irq_track *o;

	if (t->last_dir_event > t->active_event) {
		finding_proof(fd, t->last_dir_event, "DIR that did not take");
		snprintf(out, n, "The guest deactivated it (trapped DIR, event %lld) and KVM kept it "
			 "active: the kernel's fault.", (long long)t->last_dir_event);
	} else if (t->last_presented_event != v->flush_event) {
		if (v->eoicount_exit > t->active_event) {
			finding_proof(fd, v->eoicount_exit, "exit with EOIcount");
			snprintf(out, n, "KVM holds it active outside the list registers although the "
				 "guest EOIed interrupts outside them since (EOIcount at exit %lld): "
				 "the EOIcount walk left it active, the kernel's fault.",
				 (long long)v->eoicount_exit);
		} else {
			snprintf(out, n, "KVM holds it active outside the list registers, and no "
				 "EOIcount since says the guest EOIed it: cause not known.");
		}
	} else if (!v->has_apr) {
		snprintf(out, n, "The trace records no active-priority registers, so whether the "
			 "guest EOIed it is not known.");
	} else if (v->apr_put_event <= t->active_event) {
		snprintf(out, n, "KVM saves the active priorities only at vcpu_put (vgic_v3_put()), "
			 "and the trace shows no put of vCPU %lld since it was acknowledged, so whether "
			 "the guest EOIed it is not known.", (long long)t->vcpu);
	} else if (!eoimode && !vgic_apr_priority_active(c->gic_version, &v->apr, t->group,
							 (uint8_t)t->priority) &&
		   (o = ooo_eoi_partner(c, t, v)) != NULL) {
		const struct irq_track *early = o->active_event < t->active_event ? o : t;
		const struct irq_track *late = early == o ? t : o;

		finding_proof(fd, v->apr_event, "exit whose APRs show both priorities dropped");
		finding_proof(fd, o->active_event, "the other interrupt acknowledged");
		snprintf(out, n, "It and INTID %u (priority 0x%02x) are Active in the list registers, "
			 "and at the vCPU's last put (APRs shown at exit %lld) the guest held neither "
			 "priority: %u (0x%02x) was acknowledged while %u (0x%02x) was active, and the "
			 "guest EOIed %u first. An EOI drops the highest active priority and, with "
			 "EOImode 0, deactivates the INTID written only if that priority is its own: "
			 "neither EOI deactivated anything. The guest's fault.",
			 o->intid, o->priority, (long long)v->apr_event, late->intid, late->priority,
			 early->intid, early->priority, early->intid);
	} else if (!vgic_apr_priority_active(c->gic_version, &v->apr, t->group,
					     (uint8_t)t->priority)) {
		finding_proof(fd, v->apr_event, "exit whose APRs show its priority dropped");
		snprintf(out, n, "The list register holds it Active, but at the vCPU's last put (APRs "
			 "shown at exit %lld) the guest's CPU interface held no active priority 0x%02x: "
			 "the guest dropped its priority (EOI) without deactivating it; %s. The guest's "
			 "fault.",
			 (long long)v->apr_event, t->priority,
			 eoimode ? "with EOImode 1 it owes the interrupt a DIR that never came"
				 : "with EOImode 0 an EOI deactivates only an interrupt whose priority it "
				   "drops, so the guest EOIed out of order or named another INTID");
	} else {
		finding_proof(fd, v->apr_event, "exit whose APRs show its priority active");
		snprintf(out, n, "At the vCPU's last put (APRs shown at exit %lld) the guest still "
			 "held its priority 0x%02x active: it never EOIed it, its handler did not "
			 "complete. The guest's fault.",
			 (long long)v->apr_event, t->priority);
	}
}

/*
 * An interrupt still active at the end of the trace while its vCPU
 * entered the guest again and again with a later injection of it pending
 * behind it: KVM never presents a pending instance of an interrupt that
 * is active (vgic_v3_populate_lr() programs it Pending+Active, which the
 * guest cannot acknowledge), so that injection is lost. STUCK_ACTIVE,
 * with its cause; the instance counts as lost.
 */
static void report_stuck_at_end(struct checker *c, struct irq_track *t)
{
	struct vcpu_track *v = t->vcpu >= 0 && (size_t)t->vcpu < c->nvcpus ? c->vcpus[t->vcpu] : NULL;
	struct replay_finding fd;
	char cause[512];

	if (!v)
		return;
	finding_init(&fd, FINDING_STUCK_ACTIVE, SEVERITY_ERROR, v->flush_ts, v->flush_cpu, t->vcpu,
		     t->intid);
	finding_proof(&fd, t->behind_last_event, "last flush it waits behind");
	finding_proof(&fd, t->behind_first_event, "first flush with an injection waiting behind it");
	finding_proof(&fd, t->active_event, "acknowledged");
	stuck_cause(c, t, v, &fd, cause, sizeof(cause));
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "INTID %u stays active to the end of the trace (acknowledged at event %lld): vCPU "
		 "%lld entered the guest %lld times with a later injection of it pending behind it, "
		 "which KVM presents only Pending+Active and the guest can never acknowledge, so it "
		 "is lost. %s",
		 t->intid, (long long)t->active_event, (long long)t->vcpu,
		 (long long)t->behind_flushes, cause);
	t->count->lost++;
	t->sw_pending = t->lr_pending = 0;
	finding_report(c, &fd);
}

/*
 * The end of the trace: report what stays stuck active with an instance
 * behind it, and count as lost the pending instance of an interrupt
 * already reported stuck active and still active (the model's remote DIR
 * that did not take; not a what-if's, whose kernel the recording is not)
 * or left on no AP list (stranded), which nothing will present.
 * Not at the end of a --to window, where the trace goes on.
 */
void track_finish(struct checker *c)
{
	size_t k;

	if (c->stopped_early)
		return;
	for (k = 0; k < c->ntracked; k++) {
		struct irq_track *t = c->tracked[k];
		int pending = t->sw_pending || t->lr_pending;

		if (!pending || t->uncertain || t->path_unrecorded)
			continue;
		if ((t->stuck_reported && t->active) || t->stranded) {
			t->count->lost++;
			t->sw_pending = t->lr_pending = 0;
		} else if (t->active && t->state_known && t->priority >= 0 &&
			   t->behind_flushes >= STUCK_MIN_ENTRIES) {
			report_stuck_at_end(c, t);
		}
	}
}

/* Order counts by vCPU (private interrupts first), then INTID. */
static int count_cmp(const void *a, const void *b)
{
	const struct replay_irq_count *x = a, *y = b;
	int xs = x->intid >= NR_PRIVATE, ys = y->intid >= NR_PRIVATE;

	if (xs != ys)
		return xs - ys;
	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	return x->intid < y->intid ? -1 : x->intid > y->intid;
}

/*
 * check --from: the window opens; what was counted so far is kept, to be
 * subtracted from the end's counts, so that the accounting covers the
 * window alone (the tracker still saw what led up to it).
 */
void track_open_window(struct checker *c)
{
	size_t k, n = 0, rows = 0;
	int i;

	c->base_taken = 1;
	for (k = 0; k < c->ntracked; k++)
		rows += 1 + (size_t)c->tracked[k]->nrows;
	c->base = vr_xmalloc((rows + 1) * sizeof(*c->base));
	c->base_start = vr_xmalloc((c->ntracked + 1) * sizeof(*c->base_start));
	c->base_nrows = vr_xmalloc((c->ntracked + 1) * sizeof(*c->base_nrows));
	for (k = 0; k < c->ntracked; k++) {
		struct irq_track *t = c->tracked[k];

		if (t->intid < NR_PRIVATE)
			t->count->vcpu = t->vcpu;
		c->base_start[k] = n;
		c->base_nrows[k] = t->nrows;
		for (i = -1; i < t->nrows; i++)
			c->base[n++] = i < 0 ? t->own : t->rows[i];
	}
	c->nbase_tracks = c->ntracked;
}

/*
 * Subtract from row (row i of track k, -1 its own) what it had counted
 * when the window opened (track_open_window()). Rows are matched by
 * place, not by vCPU and INTID: several rows can carry the same pair
 * (the unused own row of a shared IRQ reads vCPU 0, INTID 0), and one
 * pair's counts must be subtracted from its own row only.
 */
static void subtract_base(const struct checker *c, size_t k, int i, struct replay_irq_count *row)
{
	const struct replay_irq_count *b;

	if (k >= c->nbase_tracks || i >= c->base_nrows[k])
		return; /* a track or row that came after the window opened */
	b = &c->base[c->base_start[k] + (size_t)(i + 1)];
	row->injected -= b->injected;
	row->acked -= b->acked;
	row->coalesced -= b->coalesced;
	row->lost -= b->lost;
	row->pending_at_start -= b->pending_at_start;
	row->deactivated -= b->deactivated;
	row->eoicount_deactivations -= b->eoicount_deactivations;
}

/* Gather the per-INTID counts into the result, sorted by vCPU then INTID. */
void track_collect_counts(struct checker *c)
{
	size_t n = 0, k, rows = 0;
	int i;

	for (k = 0; k < c->ntracked; k++)
		rows += 1 + (size_t)c->tracked[k]->nrows;
	c->res->counts = vr_xmalloc((rows + 1) * sizeof(*c->res->counts));
	for (k = 0; k < c->ntracked; k++) {
		struct irq_track *t = c->tracked[k];

		t->count->pending_at_end = t->sw_pending || t->lr_pending;
		t->count->stuck_active = t->stuck_reported && t->active; /* stuck to the end */
		if (t->intid < NR_PRIVATE)
			t->count->vcpu = t->vcpu;
		for (i = -1; i < t->nrows; i++) {
			struct replay_irq_count row = i < 0 ? t->own : t->rows[i];

			if (c->base_taken)
				subtract_base(c, k, i, &row);
			if (row.injected || row.acked)
				c->res->counts[n++] = row;
		}
	}
	qsort(c->res->counts, n, sizeof(*c->res->counts), count_cmp);
	c->res->ncounts = n;
}
