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
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predict.h"
#include "replay.h"

/* One interrupt's configuration as its first LR shows it. */
struct learned {
	int vcpu;
	uint32_t intid;
	struct vgic_irq_config_desc c;
};

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

/*
 * Injections whose tracepoint fired on another thread are queued here:
 * vgic_update_irq_pending fires before vgic_queue_irq_unlock() takes the
 * AP-list lock, so one that fires while a flush is already running on the
 * vCPU's thread joins the list only after it. One whose thread has since
 * emitted another event has returned from kvm_vgic_inject_irq() and is
 * certainly queued; one that fired after the flush's first populate_lr is
 * certainly not; the others are in flight. SGIs sent to another vCPU
 * (vgic_v3_dispatch_sgi on the sender's thread) race the same way.
 */
struct pending_injection {
	int64_t ts;
	int vcpu;
	uint32_t intid;
	bool level;
	int pid;     /* the injecting thread */
	bool done;   /* that thread emitted a later event: the call has returned */
	int sgi_src; /* an SGI from this vCPU, -1 for an injection */
};

#define MAX_QUEUED 4096
#define MAX_CANDIDATES 64
#define MAX_RACES 8

/* A remote DIR that raced its owner's fold: taken or undone, the owner's next flush tells. */
struct dir_race {
	uint32_t intid;
	int dir_vcpu;
	int64_t dir_event;
	int ap_index; /* its place in the owner's AP list after the prune, -1 unknown */
	int pid;      /* the DIR's thread */
	bool done;    /* that thread emitted a later event: vgic_v3_deactivate() returned */
};

/* What the driver knows of one vCPU, beside the model's own state of it. */
struct model_vcpu {
	int64_t last_ts;	/* its thread's last event (not a flush or populate_lr) */
	int64_t first_populate; /* this flush's first populate_lr: it holds the AP-list lock; 0 none */
	int thread_of;		/* the thread (pid) that last ran it, -1 none yet */
	uint32_t flushed_hcr;	/* the HCR its last flush programmed */
	int64_t last_sync, last_flush; /* its last fold and flush events, 0 none */
	bool dir_pending;	/* a trapped DIR not named by the trace */
	bool unknown;		/* state unknown until a flush matches */
	uint32_t populated[VGIC_ENGINE_MAX_LRS]; /* this flush's populate_lr */
	int npopulated;
	bool fresh;	   /* no flush seen yet: the first is not compared */
	bool diverged;	   /* reported; the next ones until a match are not */
	bool lost;	   /* after a gap: known again only once a matching
			      flush shows the whole AP list */
	bool in_fold;	   /* between its sync (fold entry) and its post */
	bool walk_known;   /* the last walk had no entry the model lacks */
	/* Remote DIRs that raced this vCPU's fold: taken or undone, its next flush tells. */
	struct dir_race races[MAX_RACES];
	int nraces;
	/* Undone at a flush while their DIR was still under way: retried after the next fold. */
	struct dir_race rearmed[MAX_RACES];
	int nrearmed;
	bool seen_priv[VGIC_ENGINE_NR_PRIVATE];	     /* configuration learned */
	int64_t last_inj_priv[VGIC_ENGINE_NR_PRIVATE]; /* the last injection of each, 0 none */
};

struct replay_model {
	struct vgic_engine_config cfg;
	struct vgic_engine *e;
	struct vgic_mmio_layout layout; /* where the guest sees the vGIC frames (kvm_mmio) */
	replay_model_divergence_fn fn;
	void *fn_arg;
	int has_post, has_deactivate;
	int has_sgi; /* vgic_sgi events: GICD_SGIR writes are applied from those, not kvm_mmio */
	/* Interrupts a GICD_CTLR enable left pending on no AP list (vgic_kick_vcpus() only kicks). */
	struct stranded {
		int vcpu, cpu;
		uint32_t intid;
		int64_t enable_event, ts_ns, cause_event;
	} stranded[64];
	int nstranded;
	int hcr_exact; /* the profile rebuilds the HCR: compare it too */
	/*
	 * The VM's active_spis (6.19+, sets TDIR) is not known: SPIs counted
	 * before the trace starts or during a gap. TDIR is not compared until
	 * a flush leaves it clear, which says the count is zero.
	 */
	bool spis_unknown;
	/*
	 * This flush's TDIR is set by an SPI queued on another vCPU's list:
	 * its call has returned (so active_spis counts it) but the model keeps
	 * it for its target's flush window.
	 */
	bool tdir_from_queue;
	struct pending_injection q[MAX_QUEUED], flight[MAX_QUEUED];
	int nq;
	bool walks;	/* the trace has AP-list walks (vgic_post) */
	int open_races; /* races + rearmed, all vCPUs: skip the per-event scan when 0 */
	struct model_vcpu vcpu[VGIC_ENGINE_MAX_VCPUS];
	int64_t last_inj_spi[VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE];
	bool seen_spi[VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE]; /* configuration learned */
	struct predict_result res;
};

/* What learn_config() gathers, one flush LR at a time. */
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
	seen = intid < VGIC_ENGINE_NR_PRIVATE ? &m->vcpu[vcpu].seen_priv[intid] : &m->seen_spi[intid];
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
 * LRs are only programmed there), before the model
 * exists, so that it is sized to the INTIDs the trace uses (a clone, made
 * for every race and DIR tried, copies every IRQ). Returns the count,
 * *out malloc'ed; *max_intid the highest INTID seen.
 */
static int learn_config(struct replay_model *m, struct tracedb *db, struct learned **out,
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

/* Apply one queued injection or SGI to the model. */
static void apply_one(struct vgic_engine *e, const struct pending_injection *p)
{
	if (p->sgi_src >= 0)
		vgic_engine_send_sgi(e, p->sgi_src, 1ull << p->vcpu, p->intid);
	else
		vgic_engine_inject(e, p->vcpu, p->intid, p->level);
}

/* Apply every queued injection (the queue overflowed). */
static void apply_all(struct replay_model *m)
{
	int i;

	for (i = 0; i < m->nq; i++)
		apply_one(m->e, &m->q[i]);
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
 */
static void apply_done(struct replay_model *m, int vcpu, int64_t before_ts)
{
	int i, kept = 0, t;

	for (i = 0; i < m->nq; i++) {
		struct pending_injection *p = &m->q[i];

		t = injection_vcpu(m, p);
		if (p->done && p->ts < before_ts && (t == vcpu || t < 0))
			apply_one(m->e, p);
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
static void settle_before_dist_write(struct replay_model *m)
{
	int i, kept = 0;

	if (vgic_engine_dist_enabled(m->e))
		return;
	for (i = 0; i < m->nq; i++) {
		if (m->q[i].done)
			apply_one(m->e, &m->q[i]);
		else
			m->q[kept++] = m->q[i];
	}
	m->nq = kept;
}

/* Queue an injection from another thread, or apply it when the queue is full. */
static void enqueue(struct replay_model *m, const struct pending_injection *p)
{
	if (m->nq == MAX_QUEUED)
		apply_all(m);
	m->q[m->nq++] = *p;
}

/* The HCR bits configure_hcr() sets (EN..TDIR; EOIcount is the hardware's). */
#define HCR_CONFIG_MASK 0x7fffu

/* The HCR bits compared: the configured ones, without TDIR while active_spis is unknown. */
static uint32_t hcr_compared(const struct replay_model *m)
{
	return m->spis_unknown ? HCR_CONFIG_MASK & ~VGIC_HCR_TDIR : HCR_CONFIG_MASK;
}

/*
 * How well the model's flush explains the kernel's: 2 the same LRs and,
 * from 6.19, where vgic_v3_configure_hcr() rebuilds it at every flush,
 * the same HCR; 1 the same LRs but another HCR; 0 other LRs.
 */
static int flush_matches(const struct replay_model *m, const struct vgic_flush_result *fr,
			 const struct vgic_cpuif *regs)
{
	if (fr->regs.used_lrs != regs->used_lrs ||
	    memcmp(fr->regs.lr, regs->lr, sizeof(uint64_t) * (size_t)regs->used_lrs))
		return 0;
	return !m->hcr_exact || !((fr->regs.hcr ^ regs->hcr) & hcr_compared(m)) ? 2 : 1;
}

/* Same LRs in a different order: allowed when the kernel's sort leaves ties unordered. */
static int same_multiset(const uint64_t *a, const uint64_t *b, int n)
{
	int used[VGIC_ENGINE_MAX_LRS] = {0}, i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			if (!used[j] && a[i] == b[j]) {
				used[j] = 1;
				break;
			}
		if (j == n)
			return 0;
	}
	return 1;
}

/* vgic_engine_flush() with the TDIR that SPIs queued elsewhere set (tdir_from_queue). */
static void model_flush(const struct replay_model *m, struct vgic_engine *e, int vcpu,
			struct vgic_flush_result *fr)
{
	vgic_engine_flush(e, vcpu, fr);
	if (m->tdir_from_queue)
		fr->regs.hcr |= VGIC_HCR_TDIR;
}

/*
 * Does an SPI the model holds back for another vCPU already count in
 * active_spis (6.19+, GICv3 model)? Its injection has returned before
 * this vCPU's previous event and it joins an AP list it is not on.
 */
static bool queued_spi_counts(const struct replay_model *m, int vcpu)
{
	int i;

	if (!m->hcr_exact || m->cfg.gic_version != 3 || m->cfg.guest_model == 2)
		return false;
	for (i = 0; i < m->nq; i++) {
		const struct pending_injection *p = &m->q[i];
		struct vgic_irq_state s;

		if (p->vcpu >= 0 || !p->done || p->ts >= m->vcpu[vcpu].last_ts || !p->level ||
		    injection_vcpu(m, p) == vcpu)
			continue;
		if (!vgic_engine_irq(m->e, 0, p->intid, &s) && s.vcpu < 0 && s.enabled)
			return true;
	}
	return false;
}

/*
 * Predict one flush of vcpu on *pe. The in-flight injections (fired
 * before the flush's first populate_lr, call not yet returned) may or may
 * not be in it: the flush took the AP-list lock at some moment inside the
 * window, so try every split, latest first, and keep the one that
 * explains the kernel's flush best. *pe becomes the chosen state (with
 * the rest of the in-flight ones queued after the flush); *raced says
 * whether some were left out. Returns flush_matches() of the chosen one.
 */
static int try_flush(struct replay_model *m, struct vgic_engine **pe, int vcpu,
		     const struct vgic_cpuif *regs, int nflight, int min_k,
		     struct vgic_flush_result *fr, int *raced)
{
	const struct pending_injection *flight = m->flight;
	struct vgic_engine *best = NULL;
	struct vgic_flush_result tfr;
	int i, k, level, best_level = 0, best_k = -1;

	*raced = 0;
	if (!nflight) {
		model_flush(m, *pe, vcpu, fr);
		return flush_matches(m, fr, regs);
	}
	for (k = nflight; k >= min_k && best_level < 2; k--) {
		struct vgic_engine *c = vgic_engine_clone(*pe);

		if (!c)
			break;
		for (i = 0; i < k; i++)
			apply_one(c, &flight[i]);
		model_flush(m, c, vcpu, &tfr);
		level = flush_matches(m, &tfr, regs);
		if (level > best_level) {
			vgic_engine_destroy(best);
			best = c;
			best_level = level;
			best_k = k;
			*fr = tfr;
		} else {
			vgic_engine_destroy(c);
		}
	}
	if (best) {
		*raced = best_k < nflight;
		vgic_engine_destroy(*pe);
		*pe = best;
		for (i = best_k; i < nflight; i++)
			apply_one(*pe, &flight[i]);
		return best_level;
	}
	/* No split explains it: keep all of them in. */
	for (i = 0; i < nflight; i++)
		apply_one(*pe, &flight[i]);
	model_flush(m, *pe, vcpu, fr);
	return 0;
}

/* The DIR values a trapped deactivation the trace does not name could have written. */
static int dir_candidates(const struct replay_model *m, uint32_t *vals)
{
	int n = 0, v, i, len;
	uint32_t ids[256];

	for (v = 0; v < m->cfg.nr_vcpus; v++) {
		len = vgic_engine_ap_list(m->e, v, ids, 256);
		for (i = 0; i < len && i < 256 && n < MAX_CANDIDATES; i++) {
			struct vgic_irq_state s;

			if (vgic_engine_irq(m->e, v, ids[i], &s) || !s.active)
				continue;
			/* GICv2 SGIs name their source CPU in bits [12:10] (vgic_v2_deactivate). */
			vals[n++] = ids[i] | (ids[i] < 16 ? (uint32_t)s.active_source << 10 : 0);
		}
	}
	return n;
}

/* Describe an LR for a divergence: state and priority. */
static void describe_lr(int gic, uint64_t lr, char *out, size_t n)
{
	bool p = vgic_lr_pending(gic, lr), a = vgic_lr_active(gic, lr);

	snprintf(out, n, "%s, priority 0x%02x%s", p && a ? "Pending+Active" : p ? "Pending" : a ? "Active" : "invalid",
		 vgic_lr_priority(gic, lr), vgic_lr_hw(gic, lr) ? ", HW" : "");
}

/* Index of intid among the first n LRs, or -1. */
static int find_lr(int gic, const uint64_t *lrs, int n, uint32_t intid)
{
	int i;

	for (i = 0; i < n; i++)
		if (vgic_lr_intid(gic, lrs[i]) == intid)
			return i;
	return -1;
}

/* Start a divergence record for the event of row r. */
static void divergence_init(struct replay_model_divergence *d, const struct replay_model *m,
			    const struct replay_model_row *r, enum replay_model_divergence_kind kind)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->flush_event = r->id;
	d->ts_ns = r->ts_ns;
	d->cpu = r->cpu;
	d->vcpu = r->vcpu;
	d->intid = VR_NO_VALUE;
	d->prev_sync_event = m->vcpu[r->vcpu].last_sync == r->id ? 0 : m->vcpu[r->vcpu].last_sync;
	d->prev_flush_event = m->vcpu[r->vcpu].last_flush == r->id ? 0 : m->vcpu[r->vcpu].last_flush;
}

/* Build and hand over the divergence record of a mismatched flush. */
static void report_divergence(struct replay_model *m, const struct replay_model_row *r,
			      const struct vgic_cpuif *regs, const struct vgic_flush_result *fr)
{
	struct replay_model_divergence d;
	int gic = m->cfg.gic_version, i, j;
	size_t len;
	char a[64], b[64];

	divergence_init(&d, m, r, MODEL_FLUSH_DIFFERS);
	d.recorded = *regs;
	d.predicted = fr->regs;
	for (i = 0; i < fr->regs.used_lrs; i++) { /* predicted, not (or otherwise) programmed */
		uint32_t id = vgic_lr_intid(gic, fr->regs.lr[i]);

		j = find_lr(gic, regs->lr, regs->used_lrs, id);
		if (j >= 0 && regs->lr[j] == fr->regs.lr[i])
			continue;
		describe_lr(gic, fr->regs.lr[i], b, sizeof(b));
		len = strlen(d.what);
		if (j < 0) {
			snprintf(d.what + len, sizeof(d.what) - len, "%sINTID %u missing (predicted %s)",
				 len ? "; " : "", id, b);
		} else {
			describe_lr(gic, regs->lr[j], a, sizeof(a));
			snprintf(d.what + len, sizeof(d.what) - len, "%sINTID %u programmed %s, predicted %s",
				 len ? "; " : "", id, a, b);
		}
		if (d.intid == VR_NO_VALUE)
			d.intid = id;
	}
	for (i = 0; i < regs->used_lrs; i++) { /* programmed, not predicted */
		uint32_t id = vgic_lr_intid(gic, regs->lr[i]);

		if (find_lr(gic, fr->regs.lr, fr->regs.used_lrs, id) >= 0)
			continue;
		describe_lr(gic, regs->lr[i], a, sizeof(a));
		len = strlen(d.what);
		snprintf(d.what + len, sizeof(d.what) - len, "%sINTID %u programmed %s, not predicted",
			 len ? "; " : "", id, a);
		if (d.intid == VR_NO_VALUE)
			d.intid = id;
	}
	if (m->hcr_exact && ((fr->regs.hcr ^ regs->hcr) & hcr_compared(m))) {
		static const char *const bits[] = {"En", "UIE", "LRENPIE", "NPIE", "VGrp0EIE",
						   "VGrp0DIE", "VGrp1EIE", "VGrp1DIE", "vSGIEOICount",
						   NULL, NULL, NULL, NULL, NULL, "TDIR"};
		uint32_t diff = (fr->regs.hcr ^ regs->hcr) & hcr_compared(m);

		len = strlen(d.what);
		snprintf(d.what + len, sizeof(d.what) - len, "%sHCR 0x%x programmed, 0x%x predicted:",
			 len ? "; " : "", regs->hcr & HCR_CONFIG_MASK, fr->regs.hcr & HCR_CONFIG_MASK);
		for (i = 0; i < 15; i++) {
			if (!(diff >> i & 1))
				continue;
			len = strlen(d.what);
			snprintf(d.what + len, sizeof(d.what) - len, " %s%s", regs->hcr >> i & 1 ? "+" : "-",
				 bits[i] ? bits[i] : "?");
		}
	}
	if (!d.what[0]) {
		snprintf(d.what, sizeof(d.what), "the same interrupts in another order");
		d.intid = regs->used_lrs ? vgic_lr_intid(gic, regs->lr[0]) : VR_NO_VALUE;
	}
	if (d.intid != VR_NO_VALUE && d.intid < VGIC_ENGINE_NR_PRIVATE)
		d.cause_event = m->vcpu[r->vcpu].last_inj_priv[d.intid];
	else if (d.intid != VR_NO_VALUE && d.intid < VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE)
		d.cause_event = m->last_inj_spi[d.intid];
	if (m->fn)
		m->fn(&d, m->fn_arg);
}

/*
 * After a gap or at the start of the trace, does this flush show every
 * entry of the kernel's AP list? The model's list may lack entries queued
 * in the window it did not see: with AP-list walks, the last walk must
 * have held none the model lacks; without them, the kernel must have left
 * an LR free (vgic_flush_lr_state() stops only when the LRs are full).
 */
static bool ap_list_seen_whole(const struct replay_model *m, int vcpu,
			       const struct vgic_flush_result *fr)
{
	if (vgic_engine_ap_list(m->e, vcpu, NULL, 0) > fr->regs.used_lrs)
		return false;
	if (m->walks)
		return m->vcpu[vcpu].walk_known;
	return fr->regs.used_lrs < m->cfg.nr_lrs;
}

/*
 * A flush the kernel programmed as predicted: the vCPU's state is known
 * again, except after a gap, where the events lost may have changed
 * interrupts outside the LRs: then only a flush that shows every entry of
 * the AP list counts.
 */
static void resync(struct replay_model *m, int vcpu, const struct vgic_flush_result *fr)
{
	if (m->vcpu[vcpu].lost && !ap_list_seen_whole(m, vcpu, fr))
		return;
	m->vcpu[vcpu].lost = false;
	m->vcpu[vcpu].unknown = false;
	m->vcpu[vcpu].diverged = false;
}

/* Has the trace injected intid (for vcpu, if private) so far? */
static bool injected_in_trace(const struct replay_model *m, int vcpu, uint32_t intid)
{
	if (intid < VGIC_ENGINE_NR_PRIVATE)
		return m->vcpu[vcpu].last_inj_priv[intid] != 0;
	return intid < VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE && m->last_inj_spi[intid] != 0;
}

/*
 * Does the kernel's flush differ from the model's only by interrupts
 * Pending that the trace has not injected? Those were made pending before
 * the trace began and left on no AP list (an SGI sent while the
 * distributor was off: enabling it only kicks), until a register write
 * queued them (vgic_mmio_write_group() and the like call
 * vgic_queue_irq_unlock()). The model cannot know them: the state was
 * unknown, not different.
 */
static bool differs_by_unseen_pending(const struct replay_model *m, int vcpu,
				      const struct vgic_cpuif *regs,
				      const struct vgic_flush_result *fr)
{
	bool taken[VGIC_ENGINE_MAX_LRS] = {false};
	int gic = m->cfg.gic_version, i, j, extras = 0;

	for (i = 0; i < regs->used_lrs; i++) {
		uint64_t lr = regs->lr[i];

		for (j = 0; j < fr->regs.used_lrs; j++)
			if (!taken[j] && fr->regs.lr[j] == lr)
				break;
		if (j < fr->regs.used_lrs) {
			taken[j] = true;
			continue;
		}
		if (!vgic_lr_pending(gic, lr) || vgic_lr_active(gic, lr) ||
		    injected_in_trace(m, vcpu, vgic_lr_intid(gic, lr)))
			return false;
		extras++;
	}
	for (j = 0; j < fr->regs.used_lrs; j++)
		if (!taken[j])
			return false;
	return extras > 0;
}

/*
 * Remote DIRs that raced their owner (note_dir_race()) are settled by what
 * the owner does next. The model goes on with each DIR taken; the owner's
 * prune (with AP-list walks) and its next flush say whether it was. What
 * the kernel can do: clear the active state before the owner folds the LR
 * (the fold sets it again: the DIR is lost), or after the fold or even
 * after the prune (the halt's IPI is acknowledged once the owner enables
 * interrupts again), leaving an inactive entry on the list until the next
 * prune. vgic_v3_deactivate() has certainly landed once its thread has
 * emitted a later event.
 */

/* Make a racing interrupt active again, in its place on the owner's list. */
static void race_undo(struct vgic_engine *e, int vcpu, const struct dir_race *d)
{
	vgic_engine_undo_deactivation(e, vcpu, d->intid, d->ap_index);
}

/* The opposite of the model's current guess for each of the owner's races. */
static struct vgic_engine *clone_toggled(const struct replay_model *m, int vcpu)
{
	struct vgic_engine *c = vgic_engine_clone(m->e);
	int i;

	for (i = 0; c && i < m->vcpu[vcpu].nraces; i++) {
		const struct dir_race *d = &m->vcpu[vcpu].races[i];
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
 * for after the owner's next fold (retry_rearmed()) if not.
 */
static void close_dir_races(struct replay_model *m, const struct replay_model_row *r)
{
	int vcpu = r->vcpu, i;

	for (i = 0; i < m->vcpu[vcpu].nraces; i++) {
		const struct dir_race *d = &m->vcpu[vcpu].races[i];
		struct replay_model_divergence dv;
		struct vgic_irq_state s;

		m->open_races--;
		if (vgic_engine_irq(m->e, vcpu, d->intid, &s) || !s.active)
			continue; /* taken */
		if (!d->done) {
			m->vcpu[vcpu].rearmed[m->vcpu[vcpu].nrearmed++] = *d;
			m->open_races++;
			continue;
		}
		m->res.dir_lost++;
		if (!m->fn)
			continue;
		divergence_init(&dv, m, r, MODEL_DIR_LOST);
		dv.intid = d->intid;
		dv.cause_event = d->dir_event;
		dv.dir_vcpu = d->dir_vcpu;
		m->fn(&dv, m->fn_arg);
	}
	m->vcpu[vcpu].nraces = 0;
}

/*
 * After the owner's fold: a DIR still under way at its last flush may
 * land now, so take it again and let the prune and flush decide anew.
 */
static void retry_rearmed(struct replay_model *m, int vcpu)
{
	int i;

	for (i = 0; i < m->vcpu[vcpu].nrearmed; i++) {
		struct dir_race *d = &m->vcpu[vcpu].rearmed[i];
		struct vgic_irq_state s;

		m->open_races--;
		if (vgic_engine_irq(m->e, vcpu, d->intid, &s) || !s.active ||
		    m->vcpu[vcpu].nraces == MAX_RACES)
			continue;
		vgic_engine_mmio_set_active(m->e, vcpu, d->intid, false);
		d->ap_index = -1;
		m->vcpu[vcpu].races[m->vcpu[vcpu].nraces++] = *d;
		m->open_races++;
	}
	m->vcpu[vcpu].nrearmed = 0;
}

/*
 * Prune the owner's AP list with races open, noting where each racing
 * interrupt would have stayed had its DIR not taken: after the entries
 * before it that survive the prune.
 */
static void prune_keeping_places(struct replay_model *m, int vcpu)
{
	uint32_t before[256], after[256];
	int nb, na, i, j, k;

	nb = vgic_engine_ap_list(m->e, vcpu, before, 256);
	vgic_engine_prune(m->e, vcpu);
	na = vgic_engine_ap_list(m->e, vcpu, after, 256);
	if (nb > 256 || na > 256)
		return;
	for (k = 0; k < m->vcpu[vcpu].nraces; k++) {
		struct dir_race *d = &m->vcpu[vcpu].races[k];
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
	int vcpu = r->vcpu, taken, kept, i;
	struct vgic_engine *c;

	if (!(c = vgic_engine_clone(m->e)))
		return;
	vgic_engine_prune(c, vcpu);
	taken = vgic_engine_ap_list(c, vcpu, NULL, 0);
	vgic_engine_destroy(c);
	if (!(c = vgic_engine_clone(m->e)))
		return;
	for (i = 0; i < m->vcpu[vcpu].nraces; i++)
		race_undo(c, vcpu, &m->vcpu[vcpu].races[i]);
	vgic_engine_prune(c, vcpu);
	kept = vgic_engine_ap_list(c, vcpu, NULL, 0);
	vgic_engine_destroy(c);
	if (taken != kept && r->ap_len == kept)
		for (i = 0; i < m->vcpu[vcpu].nraces; i++)
			race_undo(m->e, vcpu, &m->vcpu[vcpu].races[i]);
}

/*
 * The owner's next flush: keep the model's guess for its races or take
 * the opposite, whichever explains the kernel's flush better (both on
 * clones, with the same in-flight injections as the prediction proper),
 * then close them (close_dir_races()).
 */
static void settle_dir_races_at_flush(struct replay_model *m, const struct replay_model_row *r,
				      const struct vgic_cpuif *regs, int nflight, int min_k)
{
	int vcpu = r->vcpu, guess, other, raced;
	struct vgic_engine *c;
	struct vgic_flush_result fr;

	if ((c = vgic_engine_clone(m->e))) {
		guess = try_flush(m, &c, vcpu, regs, nflight, min_k, &fr, &raced);
		vgic_engine_destroy(c);
		if (guess < 2 && (c = clone_toggled(m, vcpu))) {
			other = try_flush(m, &c, vcpu, regs, nflight, min_k, &fr, &raced);
			vgic_engine_destroy(c);
			if (other > guess)
				toggle_races(m, vcpu);
		}
	}
	close_dir_races(m, r);
}

/* Is intid on vcpu's AP list in the model already? */
static bool already_listed(struct vgic_engine *e, int vcpu, uint32_t intid)
{
	struct vgic_irq_state s;

	return !vgic_engine_irq(e, vcpu, intid, &s) && s.vcpu == vcpu;
}

/*
 * A flush snapshot: predict it (with the in-flight injections and, on a
 * vCPU whose state is unknown, each possible unnamed DIR), compare, and
 * follow the kernel where they differ.
 */
static void on_flush(struct replay_model *m, const struct replay_model_row *r,
		     const struct vgic_cpuif *regs)
{
	struct vgic_flush_result fr;
	struct vgic_engine *chosen = NULL;
	uint32_t cand[MAX_CANDIDATES];
	int vcpu = r->vcpu, nflight = 0, ncand = 0, i, k, match = 0, searching, was_unknown;
	int raced = 0, hidden, min_k = 0, j;
	int64_t late_from = m->vcpu[vcpu].first_populate ? m->vcpu[vcpu].first_populate : r->ts_ns + 1;

	apply_done(m, vcpu, m->vcpu[vcpu].last_ts);
	m->tdir_from_queue = queued_spi_counts(m, vcpu);
	m->vcpu[vcpu].first_populate = 0;
	/*
	 * Of this vCPU's, those after the flush's first populate_lr came too
	 * late; those in between are in flight. Other vCPUs' wait for theirs.
	 */
	for (i = 0, k = 0; i < m->nq; i++) {
		int t = injection_vcpu(m, &m->q[i]);

		if (m->q[i].ts < late_from && (t == vcpu || t < 0))
			m->flight[nflight++] = m->q[i];
		else
			m->q[k++] = m->q[i];
	}
	m->nq = k;
	/*
	 * One the flush populated (vgic_v3_populate_lr fired for it) was
	 * certainly in, unless the interrupt was on this AP list already (an
	 * active one re-injected): then the populate proves nothing of it.
	 */
	for (i = 0; i < nflight; i++)
		for (j = 0; j < m->vcpu[vcpu].npopulated; j++)
			if (m->vcpu[vcpu].populated[j] == m->flight[i].intid &&
			    !already_listed(m->e, vcpu, m->flight[i].intid))
				min_k = i + 1;
	m->vcpu[vcpu].npopulated = 0;
	if (m->vcpu[vcpu].nraces)
		settle_dir_races_at_flush(m, r, regs, nflight, min_k);
	was_unknown = m->vcpu[vcpu].dir_pending || m->vcpu[vcpu].unknown;
	searching = was_unknown || m->vcpu[vcpu].fresh;
	hidden = m->vcpu[vcpu].unknown || m->vcpu[vcpu].fresh; /* more than one unnamed DIR is unknown */
	m->vcpu[vcpu].fresh = false;
	if (searching)
		ncand = dir_candidates(m, cand);
	if (!ncand) {
		match = try_flush(m, &m->e, vcpu, regs, nflight, min_k, &fr, &raced);
	} else {
		/* First without a DIR, then each active interrupt as the one deactivated. */
		struct vgic_flush_result tfr;
		int level, best = -1, traced, pinned = 0;

		for (i = -1; i < ncand && best < 2; i++) {
			struct vgic_engine *c = vgic_engine_clone(m->e);

			if (!c)
				break;
			if (i >= 0)
				vgic_engine_deactivate(c, vcpu, cand[i], NULL);
			level = try_flush(m, &c, vcpu, regs, nflight, min_k, &tfr, &traced);
			if (level > best) {
				vgic_engine_destroy(chosen);
				chosen = c;
				best = level;
				fr = tfr;
				raced = traced;
				pinned = i >= 0;
			} else {
				vgic_engine_destroy(c);
			}
		}
		if (chosen) {
			vgic_engine_destroy(m->e);
			m->e = chosen;
		}
		match = best > 0 ? best : 0;
		if (match && pinned && m->vcpu[vcpu].dir_pending)
			m->res.dir_found++;
	}
	m->res.raced += raced && match;
	m->vcpu[vcpu].dir_pending = false;
	m->res.flushes++;
	m->vcpu[vcpu].last_flush = r->id;
	m->vcpu[vcpu].flushed_hcr = regs->hcr;
	if (m->spis_unknown && m->hcr_exact && !(regs->hcr & VGIC_HCR_TDIR)) {
		vgic_engine_clear_active_spis(m->e);
		m->spis_unknown = false;
	}
	if (match == 2) {
		m->res.exact++;
		resync(m, vcpu, &fr);
		return;
	}
	/*
	 * The same LRs with another HCR: the LRs pin the vCPU's state down, so
	 * the HCR is the kernel's own doing, unless state the LRs do not show
	 * (active_spis, entries outside the LRs) was unknown.
	 */
	if (match == 1 && !hidden)
		resync(m, vcpu, &fr);
	else if (match == 1)
		match = 0;
	if (!match && fr.regs.used_lrs == regs->used_lrs &&
	    same_multiset(fr.regs.lr, regs->lr, regs->used_lrs) &&
	    (!m->hcr_exact || !((fr.regs.hcr ^ regs->hcr) & hcr_compared(m)))) {
		m->res.reordered++;
		resync(m, vcpu, &fr);
		return;
	}
	if (searching && !match) {
		m->res.unknown++; /* no finding: the state was not known */
		m->vcpu[vcpu].unknown = was_unknown;
	} else if (differs_by_unseen_pending(m, vcpu, regs, &fr)) {
		m->res.unknown++; /* pending from before the trace, on no AP list until now */
	} else {
		if (!m->res.first_mismatch_event) {
			m->res.first_mismatch_event = r->id;
			m->res.mismatch_used[0] = regs->used_lrs;
			m->res.mismatch_used[1] = fr.regs.used_lrs;
			for (i = 0; i < 4; i++) {
				m->res.mismatch_lr[0][i] = regs->lr[i];
				m->res.mismatch_lr[1][i] = fr.regs.lr[i];
			}
		}
		m->res.mismatched++;
		/* One finding per run of differing flushes: the rest follow from the first. */
		if (!m->vcpu[vcpu].diverged)
			report_divergence(m, r, regs, &fr);
		m->vcpu[vcpu].diverged = match != 1;
	}
	vgic_engine_adopt_flush(m->e, vcpu, &fr, regs);
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
	if ((m->cfg.gic_version == 3 && r->arg1 == 0x18 && (m->vcpu[r->vcpu].flushed_hcr & VGIC_HCR_TDIR)) ||
	    (m->cfg.gic_version == 2 && r->arg1 == 0x24)) {
		m->vcpu[r->vcpu].dir_pending = true;
		m->res.dir_exits++;
	}
}

/* Hand over a finding tied to one event (not a flush): see enum replay_model_divergence_kind. */
static void report_event(struct replay_model *m, const struct replay_model_row *r,
			 enum replay_model_divergence_kind kind, int64_t intid, int eoicount, int left)
{
	struct replay_model_divergence d;

	if (!m->fn)
		return;
	divergence_init(&d, m, r, kind);
	d.intid = intid;
	d.eoicount = eoicount;
	d.eoicount_left = left;
	m->fn(&d, m->fn_arg);
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
		s->cause_event = intids[i] < VGIC_ENGINE_NR_PRIVATE ? m->vcpu[vcpus[i]].last_inj_priv[intids[i]]
								   : m->last_inj_spi[intids[i]];
	}
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

/* Has vcpu's flush, not yet at its return, put intid into an LR (vgic_populate_lr)? */
static bool being_populated(const struct replay_model *m, int vcpu, uint32_t intid)
{
	int i;

	for (i = 0; i < m->vcpu[vcpu].npopulated; i++)
		if (m->vcpu[vcpu].populated[i] == intid)
			return true;
	return false;
}

/*
 * A DIR from another vCPU of an interrupt that is in its owner's LRs (or
 * being put there by a flush in progress), or whose owner is folding them: vgic_v3_deactivate() then takes the
 * ICACTIVER route (vgic_mmio_write_cactive()), whose kvm_arm_halt_guest()
 * waits only for vCPUs still IN_GUEST_MODE. An owner that has left the
 * guest but not yet folded that LR sets the active state again from it,
 * undoing the DIR; one still in the guest, or past that LR, does not. The
 * trace cannot tell which; the owner's next flush does (race_flush()).
 */
static void note_dir_race(struct replay_model *m, const struct replay_model_row *r, int owner,
			  uint32_t intid)
{
	struct dir_race *d;

	m->res.dir_races++;
	if (m->vcpu[owner].nraces == MAX_RACES)
		return;
	d = &m->vcpu[owner].races[m->vcpu[owner].nraces++];
	d->intid = intid;
	d->dir_vcpu = r->vcpu;
	d->dir_event = r->id;
	d->ap_index = -1;
	d->pid = r->pid;
	d->done = false;
	m->open_races++;
}

/*
 * vgic_deactivate: handle_exit() after the exit's sync ran
 * vgic_v3_deactivate() / vgic_v2_deactivate() for the value the guest
 * wrote to ICC_DIR_EL1 / GICV_DIR. An interrupt that is not active (in
 * the model that follows the kernel) had nothing to deactivate.
 */
static void on_deactivate(struct replay_model *m, const struct replay_model_row *r)
{
	uint32_t val = (uint32_t)r->arg0, intid = val & ~(7u << 10);
	struct vgic_irq_state s;

	m->res.deactivates++;
	m->vcpu[r->vcpu].dir_pending = false;
	if (vgic_engine_irq(m->e, r->vcpu, intid, &s))
		return;
	if (!m->vcpu[r->vcpu].unknown && !s.active && !s.on_lr)
		report_event(m, r, MODEL_DIR_NOT_ACTIVE, intid, 0, 0);
	/* Active, or in an LR where the guest may have acknowledged it unseen. */
	if ((s.active || s.on_lr) && s.vcpu >= 0 && s.vcpu != r->vcpu &&
	    (s.on_lr || m->vcpu[s.vcpu].in_fold || being_populated(m, s.vcpu, intid)))
		note_dir_race(m, r, s.vcpu, intid);
	vgic_engine_deactivate(m->e, r->vcpu, val, NULL);
}

/* A racing DIR's thread has moved on: its vgic_v3_deactivate() has returned. */
static void note_dir_returns(struct replay_model *m, const struct replay_model_row *r)
{
	int v, i;

	for (v = 0; v < m->cfg.nr_vcpus; v++) {
		for (i = 0; i < m->vcpu[v].nraces; i++)
			if (m->vcpu[v].races[i].pid == r->pid && m->vcpu[v].races[i].dir_event != r->id)
				m->vcpu[v].races[i].done = true;
		for (i = 0; i < m->vcpu[v].nrearmed; i++)
			if (m->vcpu[v].rearmed[i].pid == r->pid)
				m->vcpu[v].rearmed[i].done = true;
	}
}

/* See predict.h. */
void replay_model_step(struct replay_model *m, const struct replay_model_row *r)
{
	int kind = r->kind, vcpu = r->vcpu, i;
	struct vgic_cpuif regs;

	for (i = 0; i < m->nq; i++) /* this thread has moved on from its injections */
		if (m->q[i].pid == r->pid)
			m->q[i].done = true;
	if (m->open_races)
		note_dir_returns(m, r);
	if (kind == VR_EV_IRQ_LINE || kind == VR_EV_SET_IRQ || kind == VR_EV_ACK_IRQ ||
	    kind == VR_EV_TIMER_IRQ)
		return;
	if (kind == VR_EV_IRQ_PENDING) {
		uint32_t intid = (uint32_t)r->intid;
		int target = intid < 32 ? vcpu : -1;
		struct pending_injection p = {r->ts_ns, target, intid, r->arg1 != 0, r->pid, false, -1};

		if (r->intid == VR_NO_VALUE)
			return;
		if (intid < VGIC_ENGINE_NR_PRIVATE && target >= 0 && target < m->cfg.nr_vcpus)
			m->vcpu[target].last_inj_priv[intid] = r->id;
		else if (intid < VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE)
			m->last_inj_spi[intid] = r->id;
		if (target >= 0 && target < m->cfg.nr_vcpus && m->vcpu[target].thread_of == r->pid)
			vgic_engine_inject(m->e, target, intid, p.level); /* program order */
		else
			enqueue(m, &p);
		return;
	}
	if (vcpu < 0 || vcpu >= m->cfg.nr_vcpus)
		return;
	if (kind == VR_EV_SGI) {
		/* vgic_v3_dispatch_sgi(): arg1 the target vCPU mask, -1 all but the sender. */
		uint64_t mask = r->arg1 == -1 ? ~(1ull << vcpu) : (uint64_t)r->arg1;
		int t;

		if (r->intid == VR_NO_VALUE || r->intid >= 16)
			return;
		m->res.sgis++;
		for (t = 0; t < m->cfg.nr_vcpus; t++) {
			struct pending_injection p = {r->ts_ns, t, (uint32_t)r->intid, true, r->pid, false,
						      vcpu};

			if (!(mask >> t & 1))
				continue;
			m->vcpu[t].last_inj_priv[r->intid] = r->id;
			if (m->vcpu[t].thread_of == r->pid)
				apply_one(m->e, &p);
			else
				enqueue(m, &p);
		}
	}
	if (kind != VR_EV_FLUSH && kind != VR_EV_POPULATE) {
		m->vcpu[vcpu].thread_of = r->pid;
		m->vcpu[vcpu].last_ts = r->ts_ns;
	}
	switch (kind) {
	case VR_EV_EXIT:
		on_kvm_exit(m, r);
		return;
	case VR_EV_MMIO:
		/* io_mem_abort() applies a guest's vGIC register write at once (vgic-mmio*.c). */
		if (r->arg0 == VR_MMIO_WRITE && (uint64_t)r->arg2 == m->layout.dist)
			settle_before_dist_write(m);
		if (r->arg0 == VR_MMIO_WRITE &&
		    !(m->has_sgi && (uint64_t)r->arg2 == m->layout.dist + 0xf00)) /* GICD_SGIR */
			vgic_engine_mmio_write(m->e, &m->layout, vcpu, (uint64_t)r->arg2, (int)r->arg1,
					       (uint64_t)r->arg3);
		if (r->arg0 == VR_MMIO_WRITE && (uint64_t)r->arg2 == m->layout.dist)
			note_stranded(m, r);
		return;
	case VR_EV_DEACTIVATE:
		on_deactivate(m, r);
		return;
	case VR_EV_POPULATE:
		if (!m->vcpu[vcpu].first_populate)
			m->vcpu[vcpu].first_populate = r->ts_ns; /* the flush holds the AP-list lock by now */
		if (r->intid != VR_NO_VALUE && m->vcpu[vcpu].npopulated < VGIC_ENGINE_MAX_LRS)
			m->vcpu[vcpu].populated[m->vcpu[vcpu].npopulated++] = (uint32_t)r->intid;
		return;
	case VR_EV_POST:
		m->vcpu[vcpu].in_fold = false;
		apply_done(m, vcpu, r->ts_ns);
		if (m->vcpu[vcpu].nraces && r->ap_len >= 0)
			settle_dir_races_at_prune(m, r);
		if (m->vcpu[vcpu].nraces)
			prune_keeping_places(m, vcpu);
		else
			vgic_engine_prune(m->e, vcpu);
		if (r->ap_len >= 0) { /* the kernel's list, after the same prune */
			m->walks = true;
			m->vcpu[vcpu].walk_known = r->ap_len <= vgic_engine_ap_list(m->e, vcpu, NULL, 0);
		}
		return;
	case VR_EV_FLUSH:
	case VR_EV_SYNC:
		break;
	default:
		return;
	}
	memset(&regs, 0, sizeof(regs));
	regs.used_lrs = r->used_lrs;
	if (regs.used_lrs > m->cfg.nr_lrs)
		regs.used_lrs = m->cfg.nr_lrs;
	if (regs.used_lrs < 0)
		regs.used_lrs = 0;
	regs.hcr = r->hcr;
	regs.vmcr = r->vmcr;
	if (r->lr)
		memcpy(regs.lr, r->lr, sizeof(uint64_t) * (size_t)m->cfg.nr_lrs);
	if (kind == VR_EV_FLUSH) {
		on_flush(m, r, &regs);
	} else {
		struct vgic_sync_result sr;

		vgic_engine_fold(m->e, vcpu, &regs, &sr);
		m->vcpu[vcpu].last_sync = r->id;
		m->vcpu[vcpu].in_fold = m->has_post; /* until the post event */
		if (m->vcpu[vcpu].nrearmed)
			retry_rearmed(m, vcpu);
		if (sr.eoicount_left > 0 && !m->vcpu[vcpu].unknown)
			report_event(m, r, MODEL_EOICOUNT_LEFT, VR_NO_VALUE, sr.eoicount, sr.eoicount_left);
		m->res.folds++;
		for (i = 0; i < sr.ndeactivated; i++)
			if (sr.by_eoicount[i])
				m->res.eoicount_deactivations++;
		if (!m->has_post)
			vgic_engine_prune(m->e, vcpu);
	}
}

/* See predict.h. */
struct replay_model *replay_model_open(struct tracedb *db, const char *profile,
				       replay_model_divergence_fn fn, void *arg,
				       struct vr_error *err)
{
	struct replay_model *m = vr_xcalloc(1, sizeof(*m));
	const struct vgic_profile *recorded;
	struct trace_facts facts;
	char why[256];
	struct learned *learned = NULL;
	uint32_t max_intid = 0;
	int n = 0, i, v;

	m->fn = fn;
	m->fn_arg = arg;
	for (v = 0; v < VGIC_ENGINE_MAX_VCPUS; v++)
		m->vcpu[v].thread_of = -1;
	m->cfg.profile = vgic_profile_find(profile);
	if (!m->cfg.profile) {
		vr_error_set(err, "unknown engine profile '%s'", profile);
		goto fail;
	}
	snprintf(m->res.profile, sizeof(m->res.profile), "%s", profile);
	if (trace_facts_read(db, &facts, err))
		goto fail;
	recorded = vgic_profile_for_kernel(facts.kernel_release, why, sizeof(why));
	m->cfg.gic_version = facts.gic_version ? facts.gic_version : 3;
	m->cfg.nr_lrs = facts.nr_lrs ? facts.nr_lrs : 4;
	m->cfg.nr_vcpus = facts.nr_vcpus;
	m->has_post = facts.kinds_present & VR_KIND_BIT(VR_EV_POST);
	m->has_deactivate = facts.kinds_present & VR_KIND_BIT(VR_EV_DEACTIVATE);
	m->has_sgi = facts.kinds_present & VR_KIND_BIT(VR_EV_SGI);
	m->cfg.nr_spis = VGIC_ENGINE_MAX_SPIS;
	m->hcr_exact = vgic_profile_rebuilds_hcr(m->cfg.profile) && recorded &&
		       vgic_profile_rebuilds_hcr(recorded);
	if (m->cfg.nr_vcpus > VGIC_ENGINE_MAX_VCPUS)
		m->cfg.nr_vcpus = VGIC_ENGINE_MAX_VCPUS;
	if (m->cfg.nr_lrs > VGIC_ENGINE_MAX_LRS)
		m->cfg.nr_lrs = VGIC_ENGINE_MAX_LRS;
	n = learn_config(m, db, &learned, &max_intid);
	/* SPIs up to the highest INTID in the LRs or the events, in 32s. */
	if (facts.max_intid > max_intid &&
	    facts.max_intid < VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE)
		max_intid = (uint32_t)facts.max_intid;
	m->cfg.nr_spis = max_intid < VGIC_ENGINE_NR_PRIVATE
				 ? 32
				 : (int)((max_intid - VGIC_ENGINE_NR_PRIVATE) / 32 + 1) * 32;
	if (m->cfg.nr_spis > VGIC_ENGINE_MAX_SPIS)
		m->cfg.nr_spis = VGIC_ENGINE_MAX_SPIS;
	m->e = vgic_engine_create(&m->cfg);
	{
		/* QEMU virt's frames, as the lab's VMM places them; no event records them. */
		static const struct vgic_mmio_layout qemu_virt = VGIC_MMIO_LAYOUT_QEMU_VIRT;

		m->layout = qemu_virt;
	}
	if (!m->e) {
		vr_error_set(err, "cannot model %d vCPUs with %d LRs on GICv%d", m->cfg.nr_vcpus,
			     m->cfg.nr_lrs, m->cfg.gic_version);
		goto fail;
	}
	for (i = 0; i < n; i++)
		vgic_engine_configure(m->e, learned[i].vcpu, learned[i].intid, &learned[i].c);
	m->res.configured = n;
	free(learned);
	learned = NULL;
	/*
	 * The trace may start with interrupts in flight, some on an AP list but
	 * in no LR: as after a gap, a vCPU's state is known only from the first
	 * flush that matches and shows its whole AP list.
	 */
	for (v = 0; v < VGIC_ENGINE_MAX_VCPUS; v++)
		m->vcpu[v].fresh = m->vcpu[v].unknown = m->vcpu[v].lost = true;
	m->spis_unknown = true;
	return m;
fail:
	free(learned);
	replay_model_close(m);
	return NULL;
}

/* See predict.h. */
const struct predict_result *replay_model_result(const struct replay_model *m)
{
	return &m->res;
}

/* See predict.h. */
int replay_model_vcpu_unknown(const struct replay_model *m, int vcpu)
{
	return vcpu >= 0 && vcpu < m->cfg.nr_vcpus && (m->vcpu[vcpu].unknown || m->vcpu[vcpu].dir_pending);
}

/* See predict.h. */
void replay_model_forget(struct replay_model *m)
{
	int v;

	for (v = 0; v < m->cfg.nr_vcpus; v++)
		m->vcpu[v].unknown = m->vcpu[v].lost = true;
	m->spis_unknown = true;
}

/* See predict.h. */
void replay_model_close(struct replay_model *m)
{
	if (!m)
		return;
	vgic_engine_destroy(m->e);
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
	r->lr = VR_KIND_BIT(e->kind) & VR_KINDS_SNAPSHOT ? it->snap.lr : NULL;
}

/* See predict.h: the model over the whole trace, in one scan. */
int replay_predict(struct tracedb *db, const char *profile_name, struct predict_result *res,
		   struct vr_error *err)
{
	struct replay_model *m = replay_model_open(db, profile_name, NULL, NULL, err);
	struct trace_cursor *cur = NULL;
	struct trace_filter f;
	struct trace_item it;
	int rc = -1, more;

	memset(res, 0, sizeof(*res));
	if (!m)
		return -1;
	trace_filter_init(&f);
	f.kinds = REPLAY_MODEL_KIND_SET;
	f.gaps = 0;
	cur = trace_cursor_open(db, &f, err);
	if (!cur)
		goto out;
	while ((more = trace_cursor_next(cur, &it, err)) == 1) {
		struct replay_model_row r;

		replay_model_row_from_item(&r, &it);
		replay_model_step(m, &r);
	}
	if (more < 0)
		goto out;
	replay_model_finish(m);
	*res = m->res;
	rc = 0;
out:
	trace_cursor_close(cur);
	replay_model_close(m);
	return rc;
}
