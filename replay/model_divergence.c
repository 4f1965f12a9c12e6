/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flush predicted, compared with the LRs the kernel programmed, and
 * what differs reported.
 *
 * The prediction is the engine's flush (vgic_engine_flush()) from the
 * state that explains the kernel's best: with or without each injection
 * in flight (model_try_flush()) and, where a trapped DIR went unnamed,
 * with each active interrupt as the one deactivated
 * (model_predict_flush()). The verdict (model_judge_flush()) is exact,
 * reordered (the kernel's sort leaves ties unordered), not comparable (the
 * model's state was unknown), or a divergence, handed to the caller's
 * callback once per run of differing flushes with the events that led to
 * it. The other findings tied to one event are handed over here too
 * (model_report_event()).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model_internal.h"

/* The HCR bits configure_hcr() sets (EN..TDIR; EOIcount is the hardware's). */
#define HCR_CONFIG_MASK 0x7fffu

/*
 * The HCR bits compared: the configured ones, without TDIR while
 * active_spis is unknown or an SPI injection for another vCPU is still
 * under way (queued, so counted, or not yet: either is possible).
 */
static uint32_t hcr_compared(const struct replay_model *m)
{
	return m->spis_unknown || m->tdir_maybe ? HCR_CONFIG_MASK & ~VGIC_HCR_TDIR
						: HCR_CONFIG_MASK;
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

/*
 * The same LRs as the kernel's in another order, with the same compared
 * HCR: what vgic_sort_ap_list() gives when entries it ranks equal stood
 * in another order on the AP list. The trace does not give that order
 * when they were queued from different CPUs close together (each
 * injection's tracepoint fires before its vgic_queue_irq_unlock() takes
 * the AP-list lock), so such a flush is explained up to the order.
 */
static bool reordered_only(const struct replay_model *m, const struct vgic_flush_result *fr,
			   const struct vgic_cpuif *regs)
{
	return fr->regs.used_lrs == regs->used_lrs &&
	       same_multiset(fr->regs.lr, regs->lr, regs->used_lrs) &&
	       (!m->hcr_exact || !((fr->regs.hcr ^ regs->hcr) & hcr_compared(m)));
}

/*
 * How well a split's flush explains the kernel's, to choose among splits:
 * 3 exact, 2 the same LRs with another HCR (flush_matches() 2 and 1), 1
 * the same LRs in another order (reordered_only()), 0 other LRs. Without
 * rank 1, a split that explains the flush up to the tie order loses to
 * keeping every in-flight injection in, and an injection the flush had
 * not yet seen is reported missing from it.
 */
static int split_rank(const struct replay_model *m, const struct vgic_flush_result *fr,
		      const struct vgic_cpuif *regs, int level)
{
	if (level)
		return level + 1;
	return reordered_only(m, fr, regs) ? 1 : 0;
}

/* vgic_engine_flush() with the TDIR that SPIs queued elsewhere set (tdir_from_queue). */
static void engine_flush(const struct replay_model *m, struct vgic_engine *e, int vcpu,
			 struct vgic_flush_result *fr)
{
	vgic_engine_flush(e, vcpu, fr);
	if (m->tdir_from_queue)
		fr->regs.hcr |= VGIC_HCR_TDIR;
}

/* Is in-flight injection i in split sp (a prefix of k of them, or a set)? */
static bool split_has(const struct flight_split *sp, int i)
{
	return sp->mask ? i < 32 && (sp->mask >> i & 1) : i < sp->k;
}

/* Apply the in-flight injections of split sp to e, in their order. */
static void apply_flight(const struct replay_model *m, struct vgic_engine *e,
			 const struct flight_split *sp, int nflight)
{
	int i;

	for (i = 0; i < nflight; i++)
		if (split_has(sp, i))
			model_apply_one(e, &m->flight[i]);
}

/*
 * The splits of the in-flight injections to try, in order: the latest
 * ones left out first (each prefix of them, from all of them down to the
 * ones the flush certainly took, the first min_k); then, as threads stall
 * independently (a sender stuck in its injection while a later one from
 * another thread went through), every other set that holds the certain
 * ones (m->flight_must), the larger first, while there are few. Returns
 * how many go to out (at most MAX_SPLITS).
 */
static int flight_splits(const struct replay_model *m, int nflight, int min_k,
			 struct flight_split *out)
{
	uint32_t full, x;
	int n = 0, k, bits;

	for (k = nflight; k >= min_k && n < MAX_SPLITS; k--)
		out[n++] = (struct flight_split){k, 0};
	if (nflight > MAX_SUBSET_FLIGHT)
		return n;
	full = (1u << nflight) - 1;
	for (bits = nflight - 1; bits >= 1; bits--)
		for (x = 1; x <= full && n < MAX_SPLITS; x++) {
			if (__builtin_popcount(x) != bits || (x & m->flight_must) != m->flight_must ||
			    !(x & (x + 1)) /* a prefix: tried */)
				continue;
			out[n++] = (struct flight_split){0, x};
		}
	return n;
}

/*
 * How many distributor writes (model_dist.c) split sp takes. Of splits
 * that explain a flush equally, the one taking fewer is kept: a write
 * left out stays in flight, to be judged again at the next flush or
 * prune (a retarget taken here would move the SPI at this vCPU's prune,
 * which may not have seen it either), and is applied once its thread has
 * moved on.
 */
static int dist_writes_taken(const struct replay_model *m, const struct flight_split *sp,
			     int nflight)
{
	int i, n = 0;

	for (i = 0; i < nflight; i++)
		n += split_has(sp, i) && m->flight[i].mmio;
	return n;
}

/*
 * Predict one flush of vcpu on *pe. The in-flight injections (fired
 * before the flush's first populate_lr, call not yet returned) may or may
 * not be in it: the flush took the AP-list lock at some moment inside the
 * window, so try the splits (flight_splits()) and keep the one that
 * explains the kernel's flush best (of equals, the first that takes the
 * fewest distributor writes: dist_writes_taken()). *pe becomes the chosen state and
 * *taken the split it took (the rest are still under way: the caller
 * queues them again); *raced says whether some were left out. Returns
 * flush_matches() of the chosen one.
 */
int model_try_flush(struct replay_model *m, struct vgic_engine **pe, int vcpu,
		    const struct vgic_cpuif *regs, int nflight, int min_k,
		    struct vgic_flush_result *fr, int *raced, struct flight_split *taken)
{
	struct flight_split splits[MAX_SPLITS];
	struct vgic_engine *best = NULL;
	struct vgic_flush_result tfr;
	int i, n, level, rank, best_level = 0, best_rank = 0, writes, best_writes = 0;

	*raced = 0;
	*taken = (struct flight_split){nflight, 0};
	if (!nflight) {
		engine_flush(m, *pe, vcpu, fr);
		return flush_matches(m, fr, regs);
	}
	n = flight_splits(m, nflight, min_k, splits);
	for (i = 0; i < n && (best_rank < 3 || best_writes); i++) {
		struct vgic_engine *c = vgic_engine_clone(*pe);

		if (!c)
			break;
		apply_flight(m, c, &splits[i], nflight);
		engine_flush(m, c, vcpu, &tfr);
		level = flush_matches(m, &tfr, regs);
		rank = split_rank(m, &tfr, regs, level);
		writes = dist_writes_taken(m, &splits[i], nflight);
		if (rank > best_rank || (rank && rank == best_rank && writes < best_writes)) {
			vgic_engine_destroy(best);
			best = c;
			best_level = level;
			best_rank = rank;
			best_writes = writes;
			*taken = splits[i];
			*fr = tfr;
		} else {
			vgic_engine_destroy(c);
		}
	}
	if (best) {
		*raced = taken->mask || taken->k < nflight;
		vgic_engine_destroy(*pe);
		*pe = best;
		return best_level;
	}
	*taken = (struct flight_split){nflight, 0};
	/* No split explains it: keep all of them in. */
	apply_flight(m, *pe, taken, nflight);
	engine_flush(m, *pe, vcpu, fr);
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

/*
 * First without a DIR, then each active interrupt in cand as the one
 * deactivated: the model becomes the state whose flush explains the
 * kernel's best (the first of equals). Returns flush_matches() of it.
 */
static int try_unnamed_dirs(struct replay_model *m, int vcpu, const struct vgic_cpuif *regs,
			    const uint32_t *cand, int ncand, int nflight, int min_k,
			    struct vgic_flush_result *fr, int *raced, struct flight_split *taken)
{
	struct vgic_engine *chosen = NULL;
	struct vgic_flush_result tfr;
	int i, level, best = -1, traced, pinned = 0, match;
	struct flight_split ttaken;

	*raced = 0;
	*taken = (struct flight_split){nflight, 0};
	for (i = -1; i < ncand && best < 2; i++) {
		struct vgic_engine *c = vgic_engine_clone(m->e);

		if (!c)
			break;
		if (i >= 0)
			vgic_engine_deactivate(c, vcpu, cand[i], NULL);
		level = model_try_flush(m, &c, vcpu, regs, nflight, min_k, &tfr, &traced, &ttaken);
		if (level > best) {
			vgic_engine_destroy(chosen);
			chosen = c;
			best = level;
			*fr = tfr;
			*raced = traced;
			*taken = ttaken;
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
	return match;
}

/*
 * The fold re-read the physical line of the HW level interrupts in hw
 * (the arch timer), which the trace does not show; the model kept them
 * pending. If the flush is not explained, try them low, as the guest
 * having reprogrammed the timer leaves it, on *low (a copy of the model
 * before the flush): when that explains it better, it becomes the model.
 */
static int try_lines_low(struct replay_model *m, struct vgic_engine **low, int vcpu,
			 const struct vgic_cpuif *regs, const uint32_t *hw, int nhw, int nflight,
			 int min_k, int match, struct vgic_flush_result *fr, int *raced,
			 struct flight_split *taken)
{
	struct vgic_flush_result lfr;
	int i, level, lraced;
	struct flight_split ltaken;

	for (i = 0; i < nhw; i++)
		vgic_engine_lower_phys_line(*low, vcpu, hw[i]);
	level = model_try_flush(m, low, vcpu, regs, nflight, min_k, &lfr, &lraced, &ltaken);
	if (level <= match)
		return match;
	vgic_engine_destroy(m->e);
	m->e = *low;
	*low = NULL;
	*fr = lfr;
	*raced = lraced;
	*taken = ltaken;
	m->res.lines_low++;
	return level;
}

/*
 * The flush not yet seeing the n SPIs ids another vCPU's prune moved onto
 * this vCPU's list from vCPUs from (model_moves_racing()): tried on *pre, a copy of the model
 * before the flush, with each routed back to where it came from so that
 * vgic_target_oracle() skips it. If that explains the flush better, *pre
 * becomes the model with the SPIs routed here again: still listed here,
 * pending, for the next flush.
 */
static int try_moves_unseen(struct replay_model *m, struct vgic_engine **pre, int vcpu,
			    const uint32_t *ids, const int *from, int n,
			    const struct vgic_cpuif *regs, int nflight, int min_k, int match,
			    struct vgic_flush_result *fr, int *raced, struct flight_split *taken)
{
	int i, level, mraced;
	struct vgic_irq_config_desc c;
	struct vgic_flush_result mfr;
	struct flight_split mtaken;
	struct vgic_irq_state s;

	for (i = 0; i < n; i++)
		if (!vgic_engine_irq(*pre, vcpu, ids[i], &s)) {
			c = (struct vgic_irq_config_desc){s.enabled, s.priority, s.group, s.config,
							  from[i], s.hw, s.hwintid};
			vgic_engine_configure(*pre, vcpu, ids[i], &c);
		}
	level = model_try_flush(m, pre, vcpu, regs, nflight, min_k, &mfr, &mraced, &mtaken);
	if (level <= match)
		return match;
	for (i = 0; i < n; i++)
		if (!vgic_engine_irq(*pre, vcpu, ids[i], &s)) {
			c = (struct vgic_irq_config_desc){s.enabled, s.priority, s.group, s.config,
							  vcpu, s.hw, s.hwintid};
			vgic_engine_configure(*pre, vcpu, ids[i], &c);
		}
	vgic_engine_destroy(m->e);
	m->e = *pre;
	*pre = NULL;
	*fr = mfr;
	*raced = 1;
	*taken = mtaken;
	return level;
}

/*
 * Predict vcpu's flush (with nflight in flight, min_k of them certainly
 * in) into *fr. When searching (the state is unknown: a trapped DIR the
 * trace does not name, or no flush seen yet), each possible unnamed DIR
 * is tried too. The model becomes the state chosen; returns
 * flush_matches() of it, *raced whether in-flight ones were left out. The
 * in-flight ones it did not take are queued again, still under way.
 */
int model_predict_flush(struct replay_model *m, int vcpu, const struct vgic_cpuif *regs,
			bool searching, int nflight, int min_k, struct vgic_flush_result *fr,
			int *raced)
{
	uint32_t cand[MAX_CANDIDATES], hw[8];
	int ncand = searching ? dir_candidates(m, cand) : 0;
	int nhw = vgic_engine_resampled(m->e, vcpu, hw, 8);
	struct vgic_engine *low = nhw ? vgic_engine_clone(m->e) : NULL;
	uint32_t moved[MAX_MIGRATIONS];
	int from[MAX_MIGRATIONS], nmoved = model_moves_racing(m, vcpu, moved, from);
	struct vgic_engine *pre = nmoved ? vgic_engine_clone(m->e) : NULL;
	int match, i;
	struct flight_split taken;

	if (!ncand)
		match = model_try_flush(m, &m->e, vcpu, regs, nflight, min_k, fr, raced, &taken);
	else
		match = try_unnamed_dirs(m, vcpu, regs, cand, ncand, nflight, min_k, fr, raced,
					 &taken);
	if (low && match < 2)
		match = try_lines_low(m, &low, vcpu, regs, hw, nhw, nflight, min_k, match, fr,
				      raced, &taken);
	vgic_engine_destroy(low);
	if (pre && match < 2)
		match = try_moves_unseen(m, &pre, vcpu, moved, from, nmoved, regs, nflight, min_k,
					 match, fr, raced, &taken);
	vgic_engine_destroy(pre);
	/* Left out: their call has not returned, so they may join the AP list at any time. */
	for (i = 0; i < nflight; i++)
		if (!split_has(&taken, i))
			model_enqueue(m, &m->flight[i]);
	return match;
}

/* Describe an LR for a divergence: state and priority. */
static void describe_lr(int gic, uint64_t lr, char *out, size_t n)
{
	bool p = vgic_lr_pending(gic, lr), a = vgic_lr_active(gic, lr);

	snprintf(out, n, "%s, priority 0x%02x%s",
		 p && a ? "Pending+Active" : p ? "Pending" : a ? "Active" : "invalid",
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

/* Add to a divergence's description: a new item (after "; ") or more of the last one. */
static void __attribute__((format(printf, 3, 4)))
what_add(struct replay_model_divergence *d, bool item, const char *fmt, ...)
{
	size_t len = strlen(d->what);
	va_list ap;

	if (item && len) {
		snprintf(d->what + len, sizeof(d->what) - len, "; ");
		len = strlen(d->what);
	}
	va_start(ap, fmt);
	vsnprintf(d->what + len, sizeof(d->what) - len, fmt, ap);
	va_end(ap);
}

/* The LRs predicted but not programmed, or programmed otherwise. */
static void describe_predicted_lrs(int gic, struct replay_model_divergence *d)
{
	const struct vgic_cpuif *rec = &d->recorded, *pred = &d->predicted;
	char a[64], b[64];
	int i, j;

	for (i = 0; i < pred->used_lrs; i++) {
		uint32_t id = vgic_lr_intid(gic, pred->lr[i]);

		j = find_lr(gic, rec->lr, rec->used_lrs, id);
		if (j >= 0 && rec->lr[j] == pred->lr[i])
			continue;
		describe_lr(gic, pred->lr[i], b, sizeof(b));
		if (j < 0) {
			what_add(d, true, "INTID %u missing (predicted %s)", id, b);
		} else {
			describe_lr(gic, rec->lr[j], a, sizeof(a));
			what_add(d, true, "INTID %u programmed %s, predicted %s", id, a, b);
		}
		if (d->intid == VR_NO_VALUE)
			d->intid = id;
	}
}

/* The LRs programmed for interrupts the model did not predict. */
static void describe_unpredicted_lrs(int gic, struct replay_model_divergence *d)
{
	const struct vgic_cpuif *rec = &d->recorded, *pred = &d->predicted;
	char a[64];
	int i;

	for (i = 0; i < rec->used_lrs; i++) {
		uint32_t id = vgic_lr_intid(gic, rec->lr[i]);

		if (find_lr(gic, pred->lr, pred->used_lrs, id) >= 0)
			continue;
		describe_lr(gic, rec->lr[i], a, sizeof(a));
		what_add(d, true, "INTID %u programmed %s, not predicted", id, a);
		if (d->intid == VR_NO_VALUE)
			d->intid = id;
	}
}

/* The compared HCR bits that differ, each with the kernel's value (+ set, - clear). */
static void describe_hcr(struct replay_model_divergence *d, uint32_t compared)
{
	static const char *const bits[] = {"En", "UIE", "LRENPIE", "NPIE", "VGrp0EIE",
					   "VGrp0DIE", "VGrp1EIE", "VGrp1DIE", "vSGIEOICount",
					   NULL, NULL, NULL, NULL, NULL, "TDIR"};
	uint32_t rec = d->recorded.hcr, diff = (d->predicted.hcr ^ rec) & compared;
	int i;

	what_add(d, true, "HCR 0x%x programmed, 0x%x predicted:", rec & HCR_CONFIG_MASK,
		 d->predicted.hcr & HCR_CONFIG_MASK);
	for (i = 0; i < 15; i++)
		if (diff >> i & 1)
			what_add(d, false, " %s%s", rec >> i & 1 ? "+" : "-",
				 bits[i] ? bits[i] : "?");
}

/* The event of the trace's last injection of intid (for vcpu, if private), 0 none. */
int64_t model_last_injection(const struct replay_model *m, int vcpu, int64_t intid)
{
	if (intid < 0 || intid >= VGIC_ENGINE_MAX_SPIS + VGIC_ENGINE_NR_PRIVATE)
		return 0;
	if (intid < VGIC_ENGINE_NR_PRIVATE)
		return m->vcpu[vcpu].last_inj_priv[intid];
	return m->last_inj_spi[intid];
}

/* Start a divergence record for the event of row r. */
void model_divergence_init(struct replay_model_divergence *d, const struct replay_model *m,
			   const struct replay_model_row *r, enum replay_model_divergence_kind kind)
{
	const struct model_vcpu *mv = &m->vcpu[r->vcpu];

	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->flush_event = r->id;
	d->ts_ns = r->ts_ns;
	d->cpu = r->cpu;
	d->vcpu = r->vcpu;
	d->intid = VR_NO_VALUE;
	d->prev_sync_event = mv->last_sync == r->id ? 0 : mv->last_sync;
	d->prev_flush_event = mv->last_flush == r->id ? 0 : mv->last_flush;
}

/*
 * Build and hand over the divergence record of a mismatched flush: what
 * differs, LR by LR and in the HCR, and the injection of the first
 * interrupt that differs.
 */
static void report_divergence(struct replay_model *m, const struct replay_model_row *r,
			      const struct vgic_cpuif *regs, const struct vgic_flush_result *fr)
{
	struct replay_model_divergence d;
	int gic = m->cfg.gic_version;

	model_divergence_init(&d, m, r, MODEL_FLUSH_DIFFERS);
	d.recorded = *regs;
	d.predicted = fr->regs;
	describe_predicted_lrs(gic, &d);
	describe_unpredicted_lrs(gic, &d);
	if (m->hcr_exact && ((fr->regs.hcr ^ regs->hcr) & hcr_compared(m)))
		describe_hcr(&d, hcr_compared(m));
	if (!d.what[0]) {
		snprintf(d.what, sizeof(d.what), "the same interrupts in another order");
		d.intid = regs->used_lrs ? vgic_lr_intid(gic, regs->lr[0]) : VR_NO_VALUE;
	}
	d.cause_event = model_last_injection(m, r->vcpu, d.intid);
	if (m->fn)
		m->fn(&d, m->fn_arg);
}

/* Hand over a finding tied to one event (not a flush): see enum replay_model_divergence_kind. */
void model_report_event(struct replay_model *m, const struct replay_model_row *r,
			enum replay_model_divergence_kind kind, int64_t intid, int eoicount,
			int left)
{
	struct replay_model_divergence d;

	if (!m->fn)
		return;
	model_divergence_init(&d, m, r, kind);
	d.intid = intid;
	d.eoicount = eoicount;
	d.eoicount_left = left;
	m->fn(&d, m->fn_arg);
}

/* Is an injection of intid (for vcpu, if private) queued in the model, its call not yet applied? */
static bool in_flight(const struct replay_model *m, int vcpu, uint32_t intid)
{
	int i;

	for (i = 0; i < m->nq; i++)
		if (m->q[i].intid == intid && (intid >= VGIC_ENGINE_NR_PRIVATE || m->q[i].vcpu == vcpu))
			return true;
	return false;
}

/*
 * Can the model know this interrupt's place on vcpu's AP list? Not with
 * an injection of it still in flight, nor for an LPI whose injection the
 * trace does not record or whose ITS commands (MOVI, DISCARD) it does not
 * show.
 */
static bool ap_entry_judged(const struct replay_model *m, int vcpu, uint32_t intid)
{
	int64_t lpi = (int64_t)intid - VGIC_ENGINE_MIN_LPI;

	if (in_flight(m, vcpu, intid))
		return false;
	if (intid < VGIC_ENGINE_MIN_LPI)
		return true;
	return m->has_lpi_queue && lpi < m->cfg.nr_lpis && m->lpi_queued_at[lpi] > m->its_commands_at;
}

/* Append one difference to the description of a list that differs (the first few fit). */
static void note_ap_diff(char *what, size_t n, uint32_t intid, bool on_kernel, bool on_model)
{
	size_t len = strlen(what);

	snprintf(what + len, n - len, "%sINTID %u %s", len ? "; " : "", intid,
		 on_kernel && !on_model	  ? "active on the kernel's list, not on the model's"
		 : on_model && !on_kernel ? "active on the model's list, not on the kernel's"
					  : "active on one list, inactive on the other");
}

/* Is intid active in the model (on vcpu's list)? */
static bool model_active(const struct replay_model *m, int vcpu, uint32_t intid)
{
	struct vgic_irq_state s;

	return !vgic_engine_irq(m->e, vcpu, intid, &s) && s.active;
}

/*
 * vgic_post with the collector's walk: the kernel's AP list after the
 * prune (kvm_vgic_sync_hwstate() has folded the LRs, run the EOIcount
 * walk and vgic_prune_ap_list()) against the model's after the same:
 * the same interrupts active. Two EOIcount walks can deactivate different
 * interrupts and still program the same LRs (the wrong pick of one exit
 * undone by the next), so the list is the only place that shows which
 * walk the kernel ran. Pending-only entries are not compared: an
 * injection from another CPU may be queued between the walk and its
 * event, and a HW line the fold resampled (vgic_irq_handle_resampling())
 * drops one the trace does not show. Nothing is reported: the tallies say
 * how well the profile explains the lists (check's diagnosis). Not
 * compared where the model cannot know the list: its vCPU's state
 * unknown, remote DIRs still racing its fold.
 */
void model_judge_ap_list(struct replay_model *m, const struct replay_model_row *r)
{
	const struct model_vcpu *mv = &m->vcpu[r->vcpu];
	uint32_t ids[VGIC_ENGINE_MAX_LRS + TRACE_MAX_AP];
	char what[sizeof(m->res.first_ap_diff)] = "";
	int n, i, j, diffs = 0;

	if (!r->ap || r->ap_len < 0 || r->nap != r->ap_len)
		return; /* no walk, or one cut short */
	if (mv->unknown || mv->fresh || mv->lost || mv->dir_pending || mv->nraces || mv->nrearmed) {
		m->res.ap_unknown++;
		return;
	}
	n = vgic_engine_ap_list(m->e, r->vcpu, ids, (int)(sizeof(ids) / sizeof(ids[0])));
	if (n > (int)(sizeof(ids) / sizeof(ids[0]))) {
		m->res.ap_unknown++; /* longer than any walk the collector stores whole */
		return;
	}
	for (i = 0; i < r->nap; i++) {
		const struct vr_ap_entry *k = &r->ap[i];
		bool on_model;

		if (!ap_entry_judged(m, r->vcpu, k->intid))
			continue;
		for (j = 0; j < n && ids[j] != k->intid; j++)
			;
		on_model = j < n && model_active(m, r->vcpu, k->intid);
		if (!!k->active != on_model) {
			note_ap_diff(what, sizeof(what), k->intid, k->active, on_model);
			diffs++;
		}
	}
	for (j = 0; j < n; j++) {
		if (!model_active(m, r->vcpu, ids[j]) || !ap_entry_judged(m, r->vcpu, ids[j]))
			continue;
		for (i = 0; i < r->nap && r->ap[i].intid != ids[j]; i++)
			;
		if (i == r->nap) {
			note_ap_diff(what, sizeof(what), ids[j], false, true);
			diffs++;
		}
	}
	m->res.ap_lists++;
	if (!diffs) {
		m->res.ap_agree++;
		return;
	}
	if (!m->res.first_ap_diff_event) {
		m->res.first_ap_diff_event = r->id;
		snprintf(m->res.first_ap_diff, sizeof(m->res.first_ap_diff), "%s", what);
	}
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
	struct model_vcpu *mv = &m->vcpu[vcpu];

	if (m->judging_ts <= m->forget_until)
		return; /* the loss may still lie ahead of this flush */
	if (mv->lost && !ap_list_seen_whole(m, vcpu, fr))
		return;
	mv->lost = false;
	mv->unknown = false;
	mv->diverged = false;
}

/* Has the trace injected intid (for vcpu, if private) so far? */
static bool injected_in_trace(const struct replay_model *m, int vcpu, uint32_t intid)
{
	return model_last_injection(m, vcpu, intid) != 0;
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
 * On a trace that does not record LPI queueing (no vgic_queue_lpi: an
 * older recording, or a tracer without the probe), does either flush hold
 * an LPI? The model cannot know when the ITS made it pending, so such a
 * flush is not comparable, as one at the start of a recording is not.
 */
static bool holds_unrecorded_lpi(const struct replay_model *m, const struct vgic_cpuif *regs,
				 const struct vgic_flush_result *fr)
{
	int i, gic = m->cfg.gic_version;

	if (m->has_lpi_queue || gic != 3)
		return false;
	for (i = 0; i < regs->used_lrs; i++)
		if (vgic_lr_intid(gic, regs->lr[i]) >= VGIC_ENGINE_MIN_LPI)
			return true;
	for (i = 0; i < fr->regs.used_lrs; i++)
		if (vgic_lr_intid(gic, fr->regs.lr[i]) >= VGIC_ENGINE_MIN_LPI)
			return true;
	return false;
}

/*
 * Has the ITS run guest commands (GITS_CWRITER) since an LPI of either
 * flush was last queued? A MOVI there moved it to another vCPU (or a
 * DISCARD dropped it) where no event shows: the model cannot know where
 * it is until its next vgic_queue_lpi.
 */
static bool holds_lpi_moved_unseen(const struct replay_model *m, const struct vgic_cpuif *regs,
				   const struct vgic_flush_result *fr)
{
	const uint64_t *lrs[2] = {regs->lr, fr->regs.lr};
	int used[2] = {regs->used_lrs, fr->regs.used_lrs};
	int i, j;

	if (!m->its_commands_at || m->cfg.gic_version != 3)
		return false;
	for (j = 0; j < 2; j++)
		for (i = 0; i < used[j]; i++) {
			uint32_t intid = vgic_lr_intid(3, lrs[j][i]);

			if (intid >= VGIC_ENGINE_MIN_LPI &&
			    (intid - VGIC_ENGINE_MIN_LPI >= (uint32_t)m->cfg.nr_lpis ||
			     m->lpi_queued_at[intid - VGIC_ENGINE_MIN_LPI] < m->its_commands_at))
				return true;
		}
	return false;
}

/* Count a mismatched flush; the trace's first is kept whole in the result. */
static void count_mismatch(struct replay_model *m, const struct replay_model_row *r,
			   const struct vgic_cpuif *regs, const struct vgic_flush_result *fr)
{
	int i;

	if (!m->res.first_mismatch_event) {
		m->res.first_mismatch_event = r->id;
		m->res.mismatch_used[0] = regs->used_lrs;
		m->res.mismatch_used[1] = fr->regs.used_lrs;
		for (i = 0; i < 4; i++) {
			m->res.mismatch_lr[0][i] = regs->lr[i];
			m->res.mismatch_lr[1][i] = fr->regs.lr[i];
		}
	}
	m->res.mismatched++;
}

/*
 * The verdict on r's flush, predicted at level match (flush_matches()):
 * exact, reordered, not comparable (the state was not known: k says what
 * was), or a mismatch, reported once per run of them. Where the kernel
 * differs, the model takes its flush as what happened.
 */
void model_judge_flush(struct replay_model *m, const struct replay_model_row *r,
		       const struct vgic_cpuif *regs, const struct vgic_flush_result *fr, int match,
		       const struct flush_known *k)
{
	struct model_vcpu *mv = &m->vcpu[r->vcpu];

	m->judging_ts = r->ts_ns;
	if (match == 2) {
		m->res.exact++;
		resync(m, r->vcpu, fr);
		return;
	}
	/*
	 * The same LRs with another HCR: the LRs pin the vCPU's state down, so
	 * the HCR is the kernel's own doing, unless state the LRs do not show
	 * (active_spis, entries outside the LRs) was unknown.
	 */
	if (match == 1 && !k->hidden)
		resync(m, r->vcpu, fr);
	else if (match == 1)
		match = 0;
	if (!match && reordered_only(m, fr, regs)) {
		m->res.reordered++;
		resync(m, r->vcpu, fr);
		/* The kernel's list order, which the next flushes depend on. */
		vgic_engine_adopt_flush(m->e, r->vcpu, fr, regs);
		return;
	}
	if (k->searching && !match) {
		m->res.unknown++; /* no finding: the state was not known */
		mv->unknown = k->was_unknown;
	} else if (differs_by_unseen_pending(m, r->vcpu, regs, fr)) {
		m->res.unknown++; /* pending from before the trace, on no AP list until now */
	} else if (holds_lpi_moved_unseen(m, regs, fr)) {
		m->res.unknown++;
		m->res.its_unseen++;
		mv->unknown = mv->lost = true; /* the LPI may wait on another list, unseen */
	} else if (holds_unrecorded_lpi(m, regs, fr)) {
		m->res.unknown++;
		m->res.lpi_unrecorded++;
		mv->unknown = mv->lost = true; /* LPIs may wait outside the LRs, unseen */
	} else {
		count_mismatch(m, r, regs, fr);
		/* One finding per run of differing flushes: the rest follow from the first. */
		if (!mv->diverged)
			report_divergence(m, r, regs, fr);
		mv->diverged = match != 1;
	}
	vgic_engine_adopt_flush(m->e, r->vcpu, fr, regs);
}
