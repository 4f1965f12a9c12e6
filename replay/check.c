/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The observational checker behind `vgic-replay check`.
 *
 * It streams the trace in order and follows every interrupt instance:
 *
 *   injected   vgic_update_irq_pending (every source: KVM_IRQ_LINE, irqfd,
 *              the timer) sets the software pending latch;
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
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "predict.h"
#include "replay.h"

#define NR_PRIVATE 32
#define NR_SHARED_MAX 1020
#define MAX_LRS 64

/* What is known about one interrupt (per vCPU for SGIs/PPIs, global for SPIs). */
struct irq_track {
	uint32_t intid;
	int used;
	int64_t vcpu;	  /* target: owner of a private IRQ, or where an SPI was last seen */
	int level_cfg;	  /* 1 level, 0 edge, -1 not yet seen in an LR */
	int hw;
	int priority;	  /* -1 unknown */
	int seen_in_lr;	  /* proves the guest enabled it */
	int uncertain;	  /* a gap intervened: state may be wrong, checks say unknown */
	int sw_pending;	  /* pending latch set, not in an LR */
	int64_t sw_pending_event, sw_pending_ts;
	int lr_pending;	  /* presented Pending in the current LRs of vcpu lr_vcpu */
	int64_t lr_vcpu;
	int run_injections; /* injections while lr_pending during a guest run */
	int64_t run_injection_event, run_injection_ts;
	int active;	  /* acked, not yet deactivated as far as the trace shows */
	int in_lr;	  /* resident in the last flush's LRs */
	int64_t active_event, active_ts;
	int line_high;
	int64_t first_skipped_flush;	/* first flush that left the instance out */
	int sw_from_fold;		/* the pending state came back from a fold */
	int reported;			/* this instance already made a finding */
	int64_t last_presented_event; /* the last flush that put it in an LR */
	int state_known;	      /* seen in an LR: its active state is tracked */
	int64_t last_seen_event;      /* the last snapshot that showed it */
	struct replay_irq_count count;
};

/* The list registers of the last flush of one vCPU. */
struct vcpu_track {
	int used;
	int64_t flush_event, flush_ts, prev_flush_ts;
	uint32_t hcr;
	uint32_t vmcr_sync; /* ICH_VMCR at the exit being checked (0: not recorded) */
	int nr_lrs;
	int used_lrs;
	uint64_t lr[MAX_LRS];
	struct irq_track priv[NR_PRIVATE];
};

struct checker {
	struct tracedb *db;
	const struct replay_options *opt;
	const struct vgic_profile *profile;	/* what-if: the EOIcount walk replayed */
	const struct vgic_profile *recorded;	/* the recording kernel: its LR sort */
	replay_finding_fn fn;
	void *fn_arg;
	struct replay_result *res;
	int gic_version;
	struct vcpu_track **vcpus; /* stable addresses: tracked[] points into them */
	size_t nvcpus;
	struct irq_track shared[NR_SHARED_MAX];
	struct irq_track **tracked; /* every interrupt seen, so loops skip the unused ones */
	size_t ntracked, cap_tracked;
	int64_t vcpus_seen;
	int64_t lpi_events;
	sqlite3_stmt *ins_finding, *ins_proof;
	int failed;
	struct replay_model *model;  /* the engine replay under c->profile */
	int64_t last_finding_event;  /* decisive event of the last finding made */
	struct replay_finding deferred; /* a sort-based LR_DIVERGENCE the model has yet to judge */
	int has_deferred;
	struct vr_progress *progress; /* the progress line on a terminal, or NULL */
};

/* ------------------------------------------------------------ state lookup */

/* The vCPU record, growing the table on first sight. */
static struct vcpu_track *vcpu_get(struct checker *c, int64_t vcpu)
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

/* The tracking record of an interrupt; SGIs/PPIs are per vCPU. NULL for LPIs. */
static struct irq_track *irq_get(struct checker *c, int64_t vcpu, int64_t intid)
{
	struct irq_track *t;

	if (intid < 0 || intid >= NR_SHARED_MAX) {
		c->lpi_events++;
		return NULL;
	}
	if (intid < NR_PRIVATE) {
		struct vcpu_track *v = vcpu_get(c, vcpu);

		if (!v)
			return NULL;
		t = &v->priv[intid];
	} else {
		t = &c->shared[intid];
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
		t->level_cfg = -1;
		t->priority = -1;
		t->lr_vcpu = VR_NO_VALUE;
		t->count.intid = (uint32_t)intid;
		t->count.level = -1;
	}
	return t;
}

/* ------------------------------------------------------------ findings */

/* True when the finding falls inside the --vcpu/--intid/--from/--to window. */
static int in_window(const struct checker *c, const struct replay_finding *f)
{
	const struct replay_options *o = c->opt;

	if (o->vcpu != VR_NO_VALUE && f->vcpu != VR_NO_VALUE && f->vcpu != o->vcpu)
		return 0;
	if (o->intid != VR_NO_VALUE && f->intid != o->intid)
		return 0;
	if (o->from_ns != VR_NO_VALUE && f->ts_ns < o->from_ns)
		return 0;
	if (o->to_ns != VR_NO_VALUE && f->ts_ns > o->to_ns)
		return 0;
	return 1;
}

/* Store one finding and its proof events in the trace's findings tables. */
static void store_finding(struct checker *c, const struct replay_finding *f)
{
	sqlite3_stmt *st = c->ins_finding;
	int64_t id;
	int i;

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, c->res->run_id);
	sqlite3_bind_text(st, 2, finding_kind_name(f->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, finding_severity_name(f->severity), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->ts_ns);
	sqlite3_bind_int(st, 5, f->cpu);
	if (f->vcpu == VR_NO_VALUE)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_int64(st, 6, f->vcpu);
	if (f->intid == VR_NO_VALUE)
		sqlite3_bind_null(st, 7);
	else
		sqlite3_bind_int64(st, 7, f->intid);
	sqlite3_bind_text(st, 8, f->explanation, -1, SQLITE_STATIC);
	/* The VM is that of the decisive event (vm NULL when the trace does not say). */
	if (f->nproof)
		sqlite3_bind_int64(st, 9, f->proof[0]);
	else
		sqlite3_bind_null(st, 9);
	if (sqlite3_step(st) != SQLITE_DONE)
		c->failed = 1;
	sqlite3_reset(st);
	id = sqlite3_last_insert_rowid(tracedb_sqlite(c->db));
	for (i = 0; i < f->nproof; i++) {
		sqlite3_bind_int64(c->ins_proof, 1, id);
		sqlite3_bind_int64(c->ins_proof, 2, f->proof[i]);
		sqlite3_bind_text(c->ins_proof, 3, f->proof_role[i], -1, SQLITE_STATIC);
		sqlite3_step(c->ins_proof);
		sqlite3_reset(c->ins_proof);
	}
}

/* Hand a finding to the caller and the database, if it is in the window. */
static void report(struct checker *c, struct replay_finding *f)
{
	c->last_finding_event = f->nproof ? f->proof[0] : 0;
	if (!in_window(c, f))
		return;
	c->res->findings++;
	c->res->findings_by_kind[f->kind]++;
	store_finding(c, f);
	if (c->progress && c->progress->enabled && c->progress->last_ns) {
		fputs("\r\033[K", stderr); /* the finding goes where the progress line was */
		c->progress->last_ns = 0;
	}
	if (c->fn)
		c->fn(f, c->fn_arg);
}

/* Start a finding with its decisive event. */
static void finding_init(struct replay_finding *f, enum finding_kind kind,
			 enum finding_severity sev, int64_t ts, int32_t cpu, int64_t vcpu,
			 int64_t intid)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->severity = sev;
	f->ts_ns = ts;
	f->cpu = cpu;
	f->vcpu = vcpu;
	f->intid = intid;
}

/* Attach a proof event with its role. */
static void finding_proof(struct replay_finding *f, int64_t event_id, const char *role)
{
	if (event_id <= 0 || f->nproof >= REPLAY_MAX_PROOF)
		return;
	f->proof[f->nproof] = event_id;
	f->proof_role[f->nproof] = role;
	f->nproof++;
}

/* ------------------------------------------------------------ event handlers */

/* One row of the event stream, with its snapshot if it has one. */
struct row {
	int64_t id, ts_ns, vcpu, intid, arg0, arg1, arg2, arg3;
	int32_t cpu, pid;
	int kind;
	int gic_version, nr_lrs, used_lrs, ap_len;
	int64_t hcr;
	int64_t vmcr;
	uint64_t lr[MAX_LRS];
};

/* A new pending instance begins: from an injection, or put back by a fold. */
static void start_instance(struct irq_track *t, const struct row *r, int from_fold)
{
	t->sw_pending = 1;
	t->sw_pending_event = r->id;
	t->sw_pending_ts = r->ts_ns;
	t->sw_from_fold = from_fold;
	t->first_skipped_flush = 0;
	t->reported = 0;
	t->uncertain = 0; /* a fresh instance after a gap is fully observed */
}

/*
 * vgic_update_irq_pending: kvm_vgic_inject_irq() validated nothing yet,
 * so apply vgic_validate_injection()'s rule: a level interrupt changes
 * only when its line changes, an edge one only on level 1.
 */
static void on_injection(struct checker *c, const struct row *r)
{
	struct irq_track *t = irq_get(c, r->vcpu, r->intid);
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
	t->count.injected++;
	if (t->sw_pending) {
		t->count.coalesced++; /* the latch was already set: the GIC merges them */
		return;
	}
	if (t->lr_pending) {
		/* Merged or new instance: decided at the sync (see file comment). */
		t->run_injections++;
		t->run_injection_event = r->id;
		t->run_injection_ts = r->ts_ns;
		return;
	}
	start_instance(t, r, 0);
}

/*
 * vgic_sgi: the guest on r->vcpu sent SGI r->intid (vgic_v3_dispatch_sgi,
 * vgic_mmio_write_sgir) to the vCPUs of the mask in arg1 (-1: all but
 * itself): an edge injection for each, which kvm_vgic_inject_irq's
 * tracepoint does not show.
 */
static void on_sgi(struct checker *c, const struct row *r)
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
		on_injection(c, &inj);
	}
}

/*
 * vgic_deactivate: KVM handled a trapped DIR (vgic_v3_deactivate) after
 * the exit's sync; an interrupt active outside the LRs is deactivated
 * there, so the tracker no longer holds it active.
 */
static void on_trapped_dir(struct checker *c, const struct row *r)
{
	struct irq_track *t = irq_get(c, r->vcpu, r->arg0 & ~(7 << 10));

	if (t && t->active && !t->in_lr) {
		t->active = 0;
		t->count.deactivated++;
		t->last_seen_event = r->id; /* the proof if an LR shows it Active again */
	}
}

/* Learn what an LR says about an interrupt's configuration. */
static void learn_from_lr(struct irq_track *t, const struct vgic_lr_fields *f, int64_t vcpu)
{
	t->seen_in_lr = 1;
	t->hw = f->hw;
	t->priority = f->priority;
	if (t->intid >= NR_PRIVATE)
		t->vcpu = vcpu;
	t->count.vcpu = vcpu;
	/* vgic_v3_populate_lr sets EOI for non-HW level interrupts only. */
	if (!f->hw) {
		t->level_cfg = f->eoi;
		t->count.level = f->eoi;
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
		t->count.lost++;
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
		 * suspicion is wrong (see flush_judged()).
		 */
		c->deferred = fd;
		c->has_deferred = 1;
		return;
	}
	report(c, &fd);
}

/*
 * After the model has judged the flush of row r: a deferred sort-based
 * LR_DIVERGENCE stands where the model could not judge (the vCPU's state
 * unknown to it) and is dropped where the model programmed what the
 * kernel did; where they differ, on_divergence() has already reported it.
 */
static void flush_judged(struct checker *c, const struct row *r)
{
	if (!c->has_deferred)
		return;
	c->has_deferred = 0;
	if (replay_model_vcpu_unknown(c->model, (int)r->vcpu))
		report(c, &c->deferred);
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
		if (!t->sw_from_fold && t->sw_pending_ts >= v->prev_flush_ts)
			continue;
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
	report(c, &fd);
}

/* The LRs of the last flush are folded back: nothing of them is in an LR any more. */
static void clear_in_lr(struct checker *c, int64_t vcpu, struct vcpu_track *v)
{
	int i;

	for (i = 0; i < v->used_lrs; i++) {
		struct vgic_lr_fields f;
		struct irq_track *t;

		vgic_lr_decode(c->gic_version, v->lr[i], &f);
		t = irq_get(c, vcpu, f.intid);
		if (t)
			t->in_lr = 0;
	}
	v->used_lrs = 0;
}

/*
 * A flush: KVM programmed these LRs (kvm_vgic_flush_hwstate). Pending
 * instances move into the LRs; an instance that stays behind although
 * free LRs were left is lost (vgic_flush_lr_state places every AP-list
 * entry targeting this vCPU while LRs remain).
 */
static void on_flush(struct checker *c, const struct row *r)
{
	struct vcpu_track *v = vcpu_get(c, r->vcpu);
	int i, used = r->used_lrs;

	if (!v)
		return;
	if (used > r->nr_lrs)
		used = r->nr_lrs;
	clear_in_lr(c, r->vcpu, v); /* a flush without a sync in between */
	v->used = 1;
	v->prev_flush_ts = v->flush_ts;
	v->flush_event = r->id;
	v->flush_ts = r->ts_ns;
	v->hcr = (uint32_t)r->hcr;
	v->nr_lrs = r->nr_lrs;
	v->used_lrs = used;
	memcpy(v->lr, r->lr, sizeof(v->lr));

	for (i = 0; i < used; i++) {
		struct vgic_lr_fields f;
		struct irq_track *t;

		vgic_lr_decode(c->gic_version, r->lr[i], &f);
		t = irq_get(c, r->vcpu, f.intid);
		if (!t)
			continue;
		learn_from_lr(t, &f, r->vcpu);
		t->in_lr = 1;
		t->last_presented_event = r->id;
		if (f.pending) {
			if (t->sw_pending) {
				t->sw_pending = 0; /* populate consumed the latch */
			} else if (!t->lr_pending && !t->uncertain && t->level_cfg != 1) {
				/* Pending with no injection seen: in flight at trace start. */
				t->count.pending_at_start++;
				t->sw_pending_event = r->id;
				t->sw_pending_ts = r->ts_ns;
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
		tail[i]->count.deactivated++;
		tail[i]->count.eoicount_deactivations++;
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
		 "guest did EOI; that interrupt stays active for ever (commit 6da5e537f5af).",
		 vgic_profile_name(c->profile), eoicount, lr_list, tail_list[0] ? "INTID " : "the interrupt",
		 tail_list[0] ? tail_list : " (not tracked)");
	report(c, &fd);
	/* The consequence: the interrupts the walk missed stay active, undeliverable. */
	for (i = eoicount - wrong; i < eoicount && i < ntail; i++) {
		finding_init(&fd, FINDING_STUCK_ACTIVE, SEVERITY_ERROR, r->ts_ns, r->cpu, r->vcpu,
			     tail[i]->intid);
		finding_proof(&fd, r->id, "exit whose walk missed it");
		finding_proof(&fd, tail[i]->active_event, "acknowledged");
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "Under %s, INTID %u stays active after this exit although the guest EOIed "
			 "it: the EOIcount walk spent the count on an interrupt still in the LRs. "
			 "KVM will present it Active (or Pending+Active) with no matching priority "
			 "in the guest's APRs, so it is never delivered again.",
			 vgic_profile_name(c->profile), tail[i]->intid);
		report(c, &fd);
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
			report(c, &fd);
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
	struct irq_track *t = irq_get(c, r->vcpu, after->intid);
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
	report(c, &fd);
}

/*
 * A sync: the LRs the hardware handed back (entry of vgic_v3_fold_lr_state).
 * Compare slot by slot with the flush: Pending -> Active/invalid is an
 * acknowledgement, Active -> invalid a deactivation. Then the EOIcount.
 */
static void on_sync(struct checker *c, const struct row *r)
{
	struct vcpu_track *v = vcpu_get(c, r->vcpu);
	int lr_active[MAX_LRS], nlr_active = 0;
	int i, eoicount;

	if (!v || !v->used)
		return; /* no flush seen yet for this vCPU: nothing to compare with */
	v->vmcr_sync = (uint32_t)r->vmcr;
	for (i = 0; i < v->used_lrs && i < r->nr_lrs; i++) {
		struct vgic_lr_fields before, after;
		struct irq_track *t;

		vgic_lr_decode(c->gic_version, v->lr[i], &before);
		vgic_lr_decode(c->gic_version, r->lr[i], &after);
		if (after.intid != before.intid) {
			report_swapped_lr(c, r, v, i, &before, &after);
			continue;
		}
		t = irq_get(c, r->vcpu, before.intid);
		if (!t)
			continue;
		if (before.pending && !after.pending) {
			/* The guest acknowledged the presented instance. */
			t->count.acked++;
			if (c->opt->latency && t->sw_pending_ts && t->sw_pending_ts <= r->ts_ns)
				c->opt->latency(LATENCY_INJECT_TO_ACK, r->vcpu, t->intid,
						r->ts_ns - t->sw_pending_ts, c->opt->latency_arg);
			t->lr_pending = 0;
			t->active_event = r->id;
			t->active_ts = r->ts_ns;
			if (t->run_injections) {
				/* Those injections set the latch anew: a new instance. */
				struct row inj = *r;

				t->count.coalesced += t->run_injections - 1;
				inj.id = t->run_injection_event;
				inj.ts_ns = t->run_injection_ts;
				start_instance(t, &inj, 0);
			}
		} else if (before.pending && after.pending) {
			/* Not acknowledged: the fold keeps it pending, injections merged. */
			t->count.coalesced += t->run_injections;
			t->lr_pending = 0;
			start_instance(t, r, 1);
		}
		t->run_injections = 0;
		if (before.active && !after.active) {
			t->count.deactivated++;
			if (c->opt->latency && t->active_ts && t->active_ts <= r->ts_ns)
				c->opt->latency(LATENCY_ACK_TO_DEACTIVATE, r->vcpu, t->intid,
						r->ts_ns - t->active_ts, c->opt->latency_arg);
		}
		if (after.active && !after.pending && before.pending)
			t->count.deactivated += before.active; /* P+A -> A: the old one went */
		t->active = after.active;
		t->state_known = 1;
		t->last_seen_event = r->id;
		if (after.active)
			lr_active[nlr_active++] = (int)after.intid;
		if (before.pending && !after.pending && !after.active) {
			t->count.deactivated++; /* acknowledged and deactivated in one run */
			if (c->opt->latency)
				c->opt->latency(LATENCY_ACK_TO_DEACTIVATE, r->vcpu, t->intid, 0,
						c->opt->latency_arg);
		}
	}
	check_priority_inversion(c, r, v);
	/* The walk runs after the fold, while the LR entries are still at the list head. */
	eoicount = vgic_hcr_eoicount(r->hcr);
	if (eoicount && (v->hcr & VGIC_HCR_LRENPIE))
		eoicount_walk(c, r, v, eoicount, lr_active, nlr_active);
	/* The kernel folds the LRs back: nothing is in an LR until the next flush. */
	clear_in_lr(c, r->vcpu, v);
}

/*
 * The two forms of MIS_DEACTIVATION the model finds at one event: an
 * EOIcount larger than the active AP-list entries the profile's walk
 * (vgic_v3_fold_lr_state) could deactivate, so the guest EOIed interrupts
 * KVM does not hold active and whatever it did hold is left as it was;
 * and a trapped DIR (vgic_v3_deactivate) of an interrupt that was not
 * active.
 */
static void on_model_deactivation(struct checker *c, const struct replay_model_divergence *d)
{
	struct replay_finding fd;

	finding_init(&fd, FINDING_MIS_DEACTIVATION, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	if (d->kind == MODEL_EOICOUNT_LEFT) {
		finding_proof(&fd, d->flush_event, "exit with EOIcount");
		finding_proof(&fd, d->prev_flush_event, "flush before the run");
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "At this exit vCPU %d reports EOIcount %d, but under %s only %d active "
			 "interrupt%s outside the list registers for the walk to deactivate: the "
			 "guest EOIed %d interrupt%s KVM does not hold active (the kernel did not "
			 "account for the EOIcount; an earlier deactivation went to the wrong "
			 "interrupt, or an active state was lost).",
			 d->vcpu, d->eoicount, vgic_profile_name(c->profile), d->eoicount - d->eoicount_left,
			 d->eoicount - d->eoicount_left == 1 ? " was left" : "s were left",
			 d->eoicount_left, d->eoicount_left == 1 ? "" : "s");
	} else {
		finding_proof(&fd, d->flush_event, "trapped deactivation");
		finding_proof(&fd, d->prev_sync_event, "last fold");
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "vCPU %d's guest deactivated INTID %lld through a trapped DIR "
			 "(vgic_v3_deactivate), but INTID %lld was not active: the deactivation "
			 "was meant for another interrupt, which stays active.",
			 d->vcpu, (long long)d->intid, (long long)d->intid);
	}
	report(c, &fd);
}

/*
 * A DIR from another vCPU that did not take: the interrupt was in its
 * owner's LRs (or being folded from them), vgic_v3_deactivate() took the
 * ICACTIVER route (vgic_mmio_write_cactive()), and the owner's fold set
 * the active state again from its LR, as its next flush shows. The guest
 * believes it deactivated the interrupt; KVM holds it active, so the INTID
 * is never presented again.
 */
static void on_model_dir_lost(struct checker *c, const struct replay_model_divergence *d)
{
	struct replay_finding fd;

	finding_init(&fd, FINDING_STUCK_ACTIVE, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	finding_proof(&fd, d->flush_event, "flush with it still active");
	finding_proof(&fd, d->cause_event, "trapped DIR that did not take");
	finding_proof(&fd, d->prev_sync_event, "fold that set it active again");
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "vCPU %d's guest deactivated INTID %lld through a trapped DIR (event %lld, "
		 "vgic_v3_deactivate) while the interrupt was in vCPU %d's list registers; "
		 "the DIR returned before this flush, which still programs INTID %lld Active. "
		 "KVM turns such a DIR into a GICD_ICACTIVER write (vgic_mmio_write_cactive), "
		 "which clears the software state but not the owner's LR, and "
		 "kvm_arm_halt_guest() waits only for vCPUs still in the guest: the owner's "
		 "fold set the active state again from its LR. "
		 "The guest believes the interrupt deactivated; it stays active and its INTID "
		 "cannot be delivered again.",
		 d->dir_vcpu, (long long)d->intid, (long long)d->cause_event, d->vcpu,
		 (long long)d->intid);
	report(c, &fd);
}

/*
 * An interrupt made pending while the distributor was disabled, still on
 * no AP list at the end of the trace although GICD_CTLR enabled the
 * distributor: vgic_mmio_write_v3_misc() / _v2_misc() only kick the vCPUs
 * (vgic_kick_vcpus() looks at AP lists), so nothing forwards it. The model
 * mirrors that, so the flushes agree; the loss shows here.
 */
static void on_model_stranded(struct checker *c, const struct replay_model_divergence *d)
{
	struct replay_finding fd;
	struct irq_track *t = irq_get(c, d->vcpu, d->intid);

	if (t && t->uncertain)
		return; /* across a gap: unknown */
	finding_init(&fd, FINDING_LOST_INTERRUPT, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	finding_proof(&fd, d->flush_event, "GICD_CTLR write that enabled the distributor");
	finding_proof(&fd, d->cause_event, "injection made while it was disabled");
	snprintf(fd.explanation, sizeof(fd.explanation),
		 "INTID %lld became pending for vCPU %d while the distributor was disabled, so "
		 "vgic_target_oracle() queued it nowhere; when the guest enabled the distributor "
		 "(GICD_CTLR), KVM only kicked the vCPUs (vgic_kick_vcpus() looks at AP lists), "
		 "and nothing queued it until the end of the trace: pending and enabled, it is "
		 "never presented. The architecture forwards pending interrupts once the "
		 "distributor is enabled.",
		 (long long)d->intid, d->vcpu);
	report(c, &fd);
}

/*
 * The engine replay (replay/predict.c) found a flush the kernel programmed
 * differently from the model's prediction under c->profile. Under the
 * recording kernel's own profile that is the kernel contradicting its own
 * rules (a missing higher-priority pending interrupt, a wrong state or
 * priority); under another profile it is the what-if: where that kernel
 * would have diverged. A flush the observational checks already reported
 * is not reported twice.
 */
static void on_divergence(const struct replay_model_divergence *d, void *arg)
{
	struct checker *c = arg;
	struct replay_finding fd;
	int whatif = c->profile != c->recorded;
	struct irq_track *t;

	if (d->kind == MODEL_DIR_LOST) {
		c->has_deferred = 0; /* the tracker's unacknowledged-active suspicion, explained */
		on_model_dir_lost(c, d);
		return;
	}
	if (c->has_deferred && c->deferred.proof[0] == d->flush_event) {
		c->has_deferred = 0; /* the tracker's finding names the cause: keep it */
		report(c, &c->deferred);
		return;
	}
	if (c->last_finding_event == d->flush_event && d->kind != MODEL_STRANDED)
		return;
	if (d->kind == MODEL_STRANDED) {
		on_model_stranded(c, d);
		return;
	}
	if (d->kind != MODEL_FLUSH_DIFFERS) {
		on_model_deactivation(c, d);
		return;
	}
	t = d->intid == VR_NO_VALUE ? NULL : irq_get(c, d->vcpu, d->intid);
	if (!whatif && t && t->uncertain)
		return; /* in flight across a gap: unknown, not a finding */
	finding_init(&fd, FINDING_LR_DIVERGENCE, SEVERITY_ERROR, d->ts_ns, d->cpu, d->vcpu,
		     d->intid);
	finding_proof(&fd, d->flush_event, whatif ? "flush the recording kernel made"
						  : "flush that differs from the model");
	finding_proof(&fd, d->prev_sync_event, "fold the prediction starts from");
	finding_proof(&fd, d->cause_event, "last injection of the interrupt");
	if (whatif)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "Under %s, this flush of vCPU %d would have programmed other list registers "
			 "than the recording kernel (%s) did, from the same state and inputs: %s. "
			 "The model follows the recording from here, so each such finding is a "
			 "separate point where %s would diverge.",
			 vgic_profile_name(c->profile), d->vcpu, vgic_profile_name(c->recorded), d->what, vgic_profile_name(c->profile));
	else
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "KVM programmed list registers for vCPU %d that %s's vgic_flush_lr_state() "
			 "does not produce from the state the trace shows (the model replayed every "
			 "injection and fold up to here): %s. The kernel's AP list or interrupt state "
			 "differs from what its inputs imply.",
			 d->vcpu, vgic_profile_name(c->profile), d->what);
	report(c, &fd);
}

/* A gap: whatever was in flight may have changed unseen. */
static void on_gap(struct checker *c, int64_t after_event, int64_t lost, int32_t cpu,
		   int64_t ts)
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
		replay_model_forget(c->model);
	finding_init(&fd, FINDING_TRACE_GAP, SEVERITY_INFO, ts, cpu, VR_NO_VALUE, VR_NO_VALUE);
	finding_proof(&fd, after_event, "last event before the gap");
	if (lost >= 0)
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "The tracer lost %lld events on CPU %d here; interrupts in flight across "
			 "this point are reported as unknown, never as findings.",
			 (long long)lost, cpu);
	else
		snprintf(fd.explanation, sizeof(fd.explanation),
			 "The tracer lost an unknown number of events on CPU %d here; interrupts "
			 "in flight across this point are reported as unknown.",
			 cpu);
	report(c, &fd);
}

/* ------------------------------------------------------------ the driver */

/*
 * The options that shaped a run, as check's command line spells them
 * (replay_runs.options): which profile was asked for and which window of
 * findings is stored. Empty for a plain run.
 */
static void run_options(const struct replay_options *o, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	if (o->profile)
		len += (size_t)snprintf(out + len, n - len, "--profile %s ", o->profile);
	if (o->vcpu != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--vcpu %lld ", (long long)o->vcpu);
	if (o->intid != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--intid %lld ", (long long)o->intid);
	if (o->from_ns != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--from %lld ", (long long)o->from_ns);
	if (o->to_ns != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--to %lld ", (long long)o->to_ns);
	if (len > 0 && len < n)
		out[len - 1] = '\0';
}

/* Prepare the finding inserts and the replay_runs row. */
static int begin_store(struct checker *c, struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(c->db);
	char options[256];
	sqlite3_stmt *st;
	int rc;

	if (tracedb_exec(c->db, "BEGIN", err))
		return -1;
	if (sqlite3_prepare_v2(sql,
			       "INSERT INTO replay_runs(started_at, tool_version, profile, "
			       "profile_reason, options, status) VALUES "
			       "(strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?, ?, ?, ?, 'running')",
			       -1, &st, NULL) != SQLITE_OK)
		return vr_error_set(err, "replay_runs: %s", sqlite3_errmsg(sql));
	sqlite3_bind_text(st, 1, VR_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vgic_profile_name(c->profile), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->res->profile_reason, -1, SQLITE_STATIC);
	run_options(c->opt, options, sizeof(options));
	sqlite3_bind_text(st, 4, options, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return vr_error_set(err, "replay_runs: %s", sqlite3_errmsg(sql));
	c->res->run_id = sqlite3_last_insert_rowid(sql);
	if (sqlite3_prepare_v2(sql,
			       "INSERT INTO findings(run, kind, severity, ts_ns, cpu, vcpu, intid, "
			       "explanation, vm) VALUES (?,?,?,?,?,?,?,?,"
			       "(SELECT vm FROM events WHERE id = ?9))",
			       -1, &c->ins_finding, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql,
			       "INSERT OR IGNORE INTO finding_events(finding, event_id, role) "
			       "VALUES (?,?,?)",
			       -1, &c->ins_proof, NULL) != SQLITE_OK)
		return vr_error_set(err, "findings: %s", sqlite3_errmsg(sql));
	return 0;
}

/* Close the replay_runs row and commit. */
static int end_store(struct checker *c, struct vr_error *err)
{
	char *q;
	int rc;

	sqlite3_finalize(c->ins_finding);
	sqlite3_finalize(c->ins_proof);
	c->ins_finding = c->ins_proof = NULL;
	q = sqlite3_mprintf("UPDATE replay_runs SET status = 'done', events_replayed = %lld, "
			    "findings = %lld, checks_run = %Q WHERE run = %lld",
			    (long long)c->res->events, (long long)c->res->findings,
			    c->res->checks_run, (long long)c->res->run_id);
	rc = q ? tracedb_exec(c->db, q, err) : vr_error_set(err, "out of memory");
	sqlite3_free(q);
	if (rc)
		return -1;
	return tracedb_exec(c->db, "COMMIT", err);
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

/* Gather the per-INTID counts into the result, sorted by vCPU then INTID. */
static void collect_counts(struct checker *c)
{
	size_t n = 0, k;

	c->res->counts = vr_xmalloc((c->ntracked + 1) * sizeof(*c->res->counts));
	for (k = 0; k < c->ntracked; k++) {
		struct irq_track *t = c->tracked[k];

		if (!t->count.injected && !t->count.acked)
			continue;
		t->count.pending_at_end = t->sw_pending || t->lr_pending;
		if (t->intid < NR_PRIVATE)
			t->count.vcpu = t->vcpu;
		c->res->counts[n++] = t->count;
	}
	qsort(c->res->counts, n, sizeof(*c->res->counts), count_cmp);
	c->res->ncounts = n;
}

/* Hand the row to the engine replay, which reports divergent flushes to on_divergence. */
static void model_step(struct checker *c, const struct row *r)
{
	struct replay_model_row m;

	m.id = r->id;
	m.ts_ns = r->ts_ns;
	m.intid = r->intid;
	m.arg0 = r->arg0;
	m.arg1 = r->arg1;
	m.arg2 = r->arg2;
	m.arg3 = r->arg3;
	m.kind = r->kind;
	m.vcpu = r->vcpu == VR_NO_VALUE ? -1 : (int)r->vcpu;
	m.pid = r->pid;
	m.cpu = r->cpu;
	m.used_lrs = r->used_lrs;
	m.ap_len = r->kind == VR_EV_POST ? r->ap_len : -1;
	m.hcr = (uint32_t)r->hcr;
	m.vmcr = (uint32_t)r->vmcr;
	m.lr = VR_KIND_BIT(r->kind) & VR_KINDS_SNAPSHOT ? r->lr : NULL;
	replay_model_step(c->model, &m);
}

/*
 * One item of the stream as the checks read it: NULL arguments the
 * tracker never distinguishes from 0 read as 0; the rest keep VR_NO_VALUE.
 */
static void row_from_item(struct row *r, const struct trace_item *it)
{
	const struct vr_event *e = &it->ev;

	r->id = it->id;
	r->ts_ns = e->ts_ns;
	r->cpu = e->cpu;
	r->pid = e->pid;
	r->vcpu = e->vcpu;
	r->kind = e->kind;
	r->intid = e->intid;
	r->arg0 = e->arg[0] == VR_NO_VALUE ? 0 : e->arg[0];
	r->arg1 = e->arg[1];
	r->arg2 = e->arg[2] == VR_NO_VALUE ? 0 : e->arg[2];
	r->arg3 = e->arg[3] == VR_NO_VALUE ? 0 : e->arg[3];
	if (!it->has_snapshot)
		return;
	r->gic_version = it->snap.gic_version;
	r->nr_lrs = it->snap.nr_lrs;
	r->used_lrs = (int)it->snap.used_lrs;
	r->hcr = it->snap.hcr;
	r->vmcr = it->snap.vmcr;
	r->ap_len = it->ap_len;
	memcpy(r->lr, it->snap.lr, sizeof(r->lr));
}

/* Apply one event of the stream to the tracker and the model. */
static void check_event(struct checker *c, struct row *r, const struct trace_item *it)
{
	row_from_item(r, it);
	c->res->events++;
	if (r->kind == VR_EV_IRQ_PENDING)
		on_injection(c, r);
	else if (r->kind == VR_EV_SGI)
		on_sgi(c, r);
	else if (r->kind == VR_EV_DEACTIVATE)
		on_trapped_dir(c, r);
	else if (it->has_snapshot && r->vcpu != VR_NO_VALUE && r->kind != VR_EV_POST)
		(r->kind == VR_EV_FLUSH ? on_flush : on_sync)(c, r);
	if (c->model) {
		model_step(c, r);
		if (r->kind == VR_EV_FLUSH)
			flush_judged(c, r);
	}
}

/* Pick the profile to replay under: asked for, or the recording kernel's. */
static int choose_profile(struct checker *c, const struct trace_facts *facts,
			  struct vr_error *err)
{
	struct replay_result *res = c->res;

	c->recorded = vgic_profile_for_kernel(facts->kernel_release, res->profile_reason,
					      sizeof(res->profile_reason));
	c->profile = c->recorded;
	if (c->opt->profile) {
		c->profile = vgic_profile_find(c->opt->profile);
		if (!c->profile)
			return vr_error_set(err,
					    "unknown profile '%s' (see `vgic-replay check --list-profiles`)",
					    c->opt->profile);
		snprintf(res->profile_reason, sizeof(res->profile_reason), "chosen with --profile");
	}
	res->profile = c->profile;
	snprintf(res->checks_run, sizeof(res->checks_run), "%s",
		 res->has_snapshots
			 ? "TRACE_GAP, LOST_INTERRUPT (flush/sync accounting), MIS_DEACTIVATION "
			   "and STUCK_ACTIVE (EOIcount walk), PRIORITY_INVERSION, LR_DIVERGENCE "
			   "(the engine's prediction of every flush)"
			 : "TRACE_GAP (no LR snapshots: acknowledgements and deactivations are not "
			   "visible, so LOST_INTERRUPT, MIS_DEACTIVATION, PRIORITY_INVERSION and "
			   "LR_DIVERGENCE cannot run)");
	return 0;
}

/* Read the whole stream through the checks, a progress line on a terminal. */
static int check_stream(struct checker *c, struct trace_source *src, int64_t last_id,
			struct vr_error *err)
{
	struct vr_progress progress;
	struct trace_item it;
	struct row r;
	int rc, total = 0;

	memset(&r, 0, sizeof(r));
	vr_progress_init(&progress, "checking");
	if (!c->opt->progress)
		progress.enabled = 0;
	c->progress = &progress;
	while ((rc = src->next(src->self, &it, err)) == 1) {
		if (it.type == TRACE_ITEM_GAP) {
			on_gap(c, it.id, it.gap.lost, it.gap.cpu, it.gap.start_ns);
			continue;
		}
		check_event(c, &r, &it);
		if ((++total & 0xffff) == 0) /* the scan is in id order: a share of the id range */
			vr_progress_update(&progress, (uint64_t)r.id, (uint64_t)last_id);
		if (c->failed)
			break;
	}
	vr_progress_done(&progress);
	c->progress = NULL;
	if (rc < 0)
		return -1;
	if (c->failed)
		return vr_error_set(err, "storing findings: %s", tracedb_errmsg(c->db));
	return 0;
}

/* See replay.h. */
int replay_check(struct tracedb *db, const struct replay_options *opt, replay_finding_fn fn,
		 void *fn_arg, struct replay_result *res, struct vr_error *err)
{
	struct checker *c = vr_xcalloc(1, sizeof(*c));
	struct trace_cursor *cur = NULL;
	struct trace_source src;
	struct trace_facts facts;
	struct trace_filter f;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	c->db = db;
	c->opt = opt;
	c->fn = fn;
	c->fn_arg = fn_arg;
	c->res = res;
	if (trace_facts_read(db, &facts, err))
		goto out;
	c->gic_version = facts.gic_version ? facts.gic_version : 3;
	res->has_snapshots = facts.snapshots_total > 0;
	if (choose_profile(c, &facts, err))
		goto out;
	if (res->has_snapshots) {
		c->model = replay_model_open(db, vgic_profile_name(c->profile), on_divergence, c, err);
		if (!c->model)
			goto out;
	}
	if (opt->store && begin_store(c, err))
		goto out;
	trace_filter_init(&f);
	f.kinds = REPLAY_MODEL_KIND_SET;
	cur = trace_cursor_open(db, &f, err);
	if (!cur)
		goto out;
	src = trace_cursor_source(cur);
	if (check_stream(c, &src, opt->progress ? facts.max_event_id : 0, err))
		goto out;
	replay_model_finish(c->model);
	collect_counts(c);
	if (c->model) {
		const struct predict_result *pr = replay_model_result(c->model);

		res->model_flushes = pr->flushes;
		res->model_agree = pr->exact + pr->reordered;
		res->model_unknown = pr->unknown;
		res->model_dir_exits = pr->dir_exits;
		res->model_dir_found = pr->dir_found;
	}
	if (opt->store && end_store(c, err))
		goto out;
	rc = 0;
out:
	if (rc && opt->store)
		tracedb_exec(db, "ROLLBACK", NULL);
	trace_cursor_close(cur);
	sqlite3_finalize(c->ins_finding);
	sqlite3_finalize(c->ins_proof);
	replay_model_close(c->model);
	for (size_t v = 0; v < c->nvcpus; v++)
		free(c->vcpus[v]);
	free(c->vcpus);
	free(c->tracked);
	free(c);
	return rc;
}

/* See replay.h. */
void replay_result_free(struct replay_result *res)
{
	free(res->counts);
	res->counts = NULL;
}

/* The findings.kind text of a kind. */
const char *finding_kind_name(enum finding_kind k)
{
	static const char *const names[] = {"LOST_INTERRUPT", "MIS_DEACTIVATION", "STUCK_ACTIVE",
					    "LR_DIVERGENCE", "PRIORITY_INVERSION", "TRACE_GAP"};

	return k < FINDING_KIND_MAX ? names[k] : "UNKNOWN";
}

/* The findings.severity text of a severity. */
const char *finding_severity_name(enum finding_severity s)
{
	static const char *const names[] = {"error", "warning", "info", "unknown"};

	return s <= SEVERITY_UNKNOWN ? names[s] : "unknown";
}
