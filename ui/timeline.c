/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUI's model of a trace (see timeline.h): one scanner from events to
 * spans and points in bins, used for narrow windows on the raw events and,
 * once per trace, for the per-zoom summaries cached in the trace file.
 *
 * Interrupt bars follow what the trace shows, as `check` does: pending
 * from the injection (or the first LR that holds it) to the exit whose
 * LRs show it acknowledged, active from there to the exit whose LRs show
 * it deactivated; one acknowledged and deactivated within a single guest
 * run is active at that exit. An SPI's injection names no vCPU; on a
 * multi-vCPU trace it is attributed to the vCPU whose LR first holds it.
 */
#define _POSIX_C_SOURCE 200809L
#include "timeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../engine/vgic_engine.h"
#include "../schemas/trace_event.h"

#define MAX_LEVELS 16
#define LEVEL_FACTOR 4		   /* each level's buckets are 4 times the previous one's */
#define FINEST_MAX_BUCKETS 131072 /* at most this many buckets at level 0 */
#define FINEST_MIN_NS (1LL << 20)  /* and no narrower than ~1 ms */
#define COARSEST_MIN_BUCKETS 64	   /* the coarsest level still has this many buckets */
#define SUMMARY_VERSION 3	   /* bump when the scanner's meaning of a bucket changes */
#define SPI_LOOKAHEAD_EVENTS 20000 /* how far past a window an SPI is followed to its vCPU */

struct timeline {
	sqlite3 *sql;
	int64_t t0, t1, events_total;
	int nvcpus;
	int nlevels;
	int64_t bucket[MAX_LEVELS];
	int in_memory;
	double build_seconds;
};

/* ---------------------------------------------------------------- queries */

/* One integer from a query with one integer parameter; dflt when NULL or none. */
static int64_t query_int(sqlite3 *sql, const char *q, int64_t a, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Run SQL without rows; err names the failing statement's message. */
static int exec(sqlite3 *sql, const char *q, struct vr_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(sql, q, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	vr_error_set(err, "tui summaries: %s", msg ? msg : sqlite3_errmsg(sql));
	sqlite3_free(msg);
	return -1;
}

/* ---------------------------------------------------------------- bins */

/* Allocate the bins of a window. */
static void window_init(struct tl_window *w, int64_t start, int64_t span, int64_t bucket_ns,
			int ncols, int nvcpus)
{
	memset(w, 0, sizeof(*w));
	w->start = start;
	w->span = span > 0 ? span : 1;
	w->bucket_ns = bucket_ns;
	w->ncols = ncols > 0 ? ncols : 1;
	w->nvcpus = nvcpus;
	w->level = -1;
	w->lanes = vr_xcalloc((size_t)w->ncols * (size_t)(nvcpus > 0 ? nvcpus : 1),
			      sizeof(*w->lanes));
	for (int i = 0; i < w->ncols * nvcpus; i++)
		w->lanes[i].host_cpu = -1;
	w->findings = vr_xcalloc((size_t)w->ncols, sizeof(*w->findings));
	w->gaps = vr_xcalloc((size_t)w->ncols, sizeof(*w->gaps));
}

/* Free a window's bins. */
void timeline_window_free(struct tl_window *w)
{
	for (int i = 0; i < w->nirqs; i++)
		free(w->irqs[i].bins);
	free(w->irqs);
	free(w->lanes);
	free(w->findings);
	free(w->gaps);
	memset(w, 0, sizeof(*w));
}

/* The bin holding time ts, clamped to the window. */
static int bin_of(const struct tl_window *w, int64_t ts)
{
	int64_t b;

	if (ts <= w->start)
		return 0;
	b = w->bucket_ns ? (ts - w->start) / w->bucket_ns : (ts - w->start) * w->ncols / w->span;
	return b >= w->ncols ? w->ncols - 1 : (int)b;
}

/* Start time of bin i (i == ncols: the window's end). */
static int64_t bin_start(const struct tl_window *w, int i)
{
	return w->bucket_ns ? w->start + w->bucket_ns * i : w->start + w->span * i / w->ncols;
}

/*
 * Spread total (ns) over the bins that [a, b) overlaps, in proportion to
 * the overlap; field_of returns the counter of bin i to add to.
 */
static void spread(const struct tl_window *w, int64_t a, int64_t b, int64_t total,
		   int64_t *(*field_of)(const struct tl_window *, int, const void *), const void *ctx)
{
	int64_t end = w->start + w->span, len = b - a;

	if (a < w->start)
		a = w->start;
	if (b > end)
		b = end;
	if (b <= a || len <= 0)
		return;
	for (int i = bin_of(w, a); i < w->ncols; i++) {
		int64_t lo = bin_start(w, i), hi = bin_start(w, i + 1);
		int64_t ov = (b < hi ? b : hi) - (a > lo ? a : lo);

		if (lo >= b)
			break;
		if (ov > 0) /* the share of [a, b) before clipping that falls in bin i */
			*field_of(w, i, ctx) += total == len ? ov : (int64_t)((double)total * ov / len);
	}
}

/* The lane bin of vCPU v at column i. */
static struct tl_lane_bin *lane(const struct tl_window *w, int v, int i)
{
	return &w->lanes[(size_t)v * (size_t)w->ncols + (size_t)i];
}

struct lane_field {
	int vcpu;
	int state;
};

/* Field selector for spread(): a lane state's ns counter. */
static int64_t *lane_ns(const struct tl_window *w, int i, const void *ctx)
{
	const struct lane_field *f = ctx;

	return &lane(w, f->vcpu, i)->ns[f->state];
}

struct irq_field {
	struct tl_irq_row *row;
	int state;
};

/* Field selector for spread(): an interrupt state's ns counter. */
static int64_t *irq_ns(const struct tl_window *w, int i, const void *ctx)
{
	const struct irq_field *f = ctx;

	(void)w;
	return &f->row->bins[i].ns[f->state];
}

/* The window's row of (vcpu, intid), created on first use. */
static struct tl_irq_row *irq_row(struct tl_window *w, int vcpu, int64_t intid)
{
	for (int i = 0; i < w->nirqs; i++)
		if (w->irqs[i].vcpu == vcpu && w->irqs[i].intid == intid)
			return &w->irqs[i];
	if (w->nirqs == w->irq_cap) {
		w->irq_cap = w->irq_cap ? 2 * w->irq_cap : 16;
		w->irqs = vr_xrealloc(w->irqs, (size_t)w->irq_cap * sizeof(*w->irqs));
	}
	w->irqs[w->nirqs].vcpu = vcpu;
	w->irqs[w->nirqs].intid = intid;
	w->irqs[w->nirqs].weight = 0;
	w->irqs[w->nirqs].bins = vr_xcalloc((size_t)w->ncols, sizeof(struct tl_irq_bin));
	return &w->irqs[w->nirqs++];
}

/* ---------------------------------------------------------------- scanner */

enum { IRQ_IDLE, IRQ_PENDING, IRQ_ACTIVE };

/* One interrupt of one vCPU (vcpu -1: an SPI injected for no vCPU yet). */
struct track {
	int vcpu;
	int64_t intid;
	int state;
	int64_t since;
	int64_t reinjected; /* an injection while active, 0: none */
	int row;	    /* index of its window row, -1: none yet */
};

/* The scanner: per-vCPU lane state and per-interrupt state, feeding a window. */
struct scanner {
	struct tl_window *w;
	int64_t only_intid; /* -1: every interrupt gets a row */
	int *lane_state;    /* per vCPU: enum tl_lane_state, -1 unknown */
	int64_t *lane_since;
	int64_t *last_flush, *last_sync; /* per vCPU: time of its latest flush and sync */
	int64_t lookahead_from;		 /* past this time, scan only while an SPI awaits its vCPU */
	struct track *tracks;
	int ntracks, cap;
};

/* Start a scanner over window w. */
static void scanner_init(struct scanner *s, struct tl_window *w, int64_t only_intid)
{
	memset(s, 0, sizeof(*s));
	s->w = w;
	s->only_intid = only_intid;
	s->lookahead_from = INT64_MAX;
	s->lane_state = vr_xcalloc((size_t)(w->nvcpus + 1), sizeof(int));
	s->lane_since = vr_xcalloc((size_t)(w->nvcpus + 1), sizeof(int64_t));
	s->last_flush = vr_xcalloc((size_t)(w->nvcpus + 1), sizeof(int64_t));
	s->last_sync = vr_xcalloc((size_t)(w->nvcpus + 1), sizeof(int64_t));
	for (int v = 0; v < w->nvcpus; v++)
		s->lane_state[v] = -1;
}

/* The track of (vcpu, intid), created idle. */
static struct track *track(struct scanner *s, int vcpu, int64_t intid)
{
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].vcpu == vcpu && s->tracks[i].intid == intid)
			return &s->tracks[i];
	if (s->ntracks == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->tracks = vr_xrealloc(s->tracks, (size_t)s->cap * sizeof(*s->tracks));
	}
	s->tracks[s->ntracks] = (struct track){vcpu, intid, IRQ_IDLE, 0, 0, -1};
	return &s->tracks[s->ntracks++];
}

/* The window row a track draws into, or NULL when filtered out. */
static struct tl_irq_row *track_row(struct scanner *s, struct track *t)
{
	if (t->row < 0 && t->vcpu >= 0 && (s->only_intid < 0 || s->only_intid == t->intid))
		t->row = (int)(irq_row(s->w, t->vcpu, t->intid) - s->w->irqs);
	return t->row >= 0 ? &s->w->irqs[t->row] : NULL;
}

/* Close the track's current span at ts and move it to state. */
static void track_set(struct scanner *s, struct track *t, int state, int64_t ts)
{
	struct tl_irq_row *row = track_row(s, t);

	if (row && t->state != IRQ_IDLE && ts > t->since) {
		struct irq_field f = {row, t->state == IRQ_PENDING ? TL_PENDING : TL_ACTIVE};

		spread(s->w, t->since, ts, ts - t->since, irq_ns, &f);
	}
	if (t->state != state)
		t->since = ts;
	if (state == IRQ_IDLE)
		t->reinjected = 0;
	t->state = state;
}

/* An interrupt acknowledged and deactivated within one run: active at ts. */
static void track_blip(struct scanner *s, struct track *t, int64_t ts)
{
	struct tl_irq_row *row = track_row(s, t);

	if (row && ts >= s->w->start && ts < s->w->start + s->w->span)
		row->bins[bin_of(s->w, ts)].ns[TL_ACTIVE] += 1;
}

/* Count an injection of (vcpu, intid) at ts. */
static void count_injection(struct scanner *s, struct track *t, int64_t ts)
{
	struct tl_irq_row *row = track_row(s, t);
	int b;

	if (ts < s->w->start || ts >= s->w->start + s->w->span)
		return;
	b = bin_of(s->w, ts);
	lane(s->w, t->vcpu, b)->injections++;
	if (row)
		row->bins[b].injections++;
}

/* Move vCPU v's lane to state at ts. */
static void lane_set(struct scanner *s, int v, int state, int64_t ts)
{
	if (s->lane_state[v] >= 0 && ts > s->lane_since[v]) {
		struct lane_field f = {v, s->lane_state[v]};

		spread(s->w, s->lane_since[v], ts, ts - s->lane_since[v], lane_ns, &f);
	}
	s->lane_state[v] = state;
	s->lane_since[v] = ts;
}

/* One event row as the scanner reads it. */
struct scan_event {
	int64_t id, ts, vcpu, intid, used_lrs;
	int64_t level; /* arg1: the level of an injection, the target mask of an SGI (0: unknown) */
	int cpu, kind, gic_version;
	int nlrs;
	uint64_t lr[VR_MAX_LRS];
};

/* An injection: pending from now, for its vCPU or (SPI) for whoever takes it. */
static void scan_injection(struct scanner *s, const struct scan_event *e)
{
	int v = e->vcpu >= 0 ? (int)e->vcpu : s->w->nvcpus == 1 ? 0 : -1;
	struct track *t;

	if (e->intid < 0 || e->level == 0 || v >= s->w->nvcpus)
		return;
	t = track(s, v, e->intid);
	if (v >= 0)
		count_injection(s, t, e->ts);
	if (t->state == IRQ_IDLE)
		track_set(s, t, IRQ_PENDING, e->ts);
	else if (t->state == IRQ_ACTIVE && !t->reinjected)
		t->reinjected = e->ts;
}

/*
 * An LR shows an interrupt we had active as pending only: that instance
 * was deactivated at the vCPU's last exit (or an EOIcount walk) and the
 * next one is pending since its injection.
 */
static void track_redeliver(struct scanner *s, struct track *t, int v, int64_t ts)
{
	int64_t end = s->last_sync[v] > t->since && s->last_sync[v] < ts ? s->last_sync[v] : ts;
	int64_t again = t->reinjected > end && t->reinjected < ts ? t->reinjected : end;

	track_set(s, t, IRQ_IDLE, end);
	track_set(s, t, IRQ_PENDING, again);
	t->reinjected = 0;
}

/* True when one of the flush's LRs in use holds intid. */
static int in_lrs(const struct scan_event *e, int64_t intid)
{
	for (int i = 0; i < e->nlrs && i < e->used_lrs; i++)
		if (vgic_lr_intid(e->gic_version, e->lr[i]) == intid)
			return 1;
	return 0;
}

/*
 * A flush with a free LR leaves out only what is no longer pending or
 * active (KVM sorts active and pending interrupts first): an active one
 * was deactivated at the vCPU's last exit, a pending one that missed an
 * earlier flush too was withdrawn (a level line lowered).
 */
static void flush_drops(struct scanner *s, const struct scan_event *e, int v)
{
	if (e->used_lrs >= e->nlrs)
		return;
	for (int i = 0; i < s->ntracks; i++) {
		struct track *t = &s->tracks[i];

		if (t->vcpu != v || t->state == IRQ_IDLE || in_lrs(e, t->intid))
			continue;
		if (t->state == IRQ_ACTIVE)
			track_set(s, t, IRQ_IDLE, s->last_sync[v] > t->since ? s->last_sync[v] : e->ts);
		else if (t->since < s->last_flush[v])
			track_set(s, t, IRQ_IDLE, e->ts);
	}
}

/* A flush: the LRs KVM programmed; interrupts in them are pending or active. */
static void scan_flush(struct scanner *s, const struct scan_event *e, int v)
{
	struct tl_lane_bin *b = NULL;

	flush_drops(s, e, v);

	if (e->ts >= s->w->start && e->ts < s->w->start + s->w->span) {
		b = lane(s->w, v, bin_of(s->w, e->ts));
		b->flushes++;
		if (e->used_lrs > b->max_lrs)
			b->max_lrs = (int32_t)e->used_lrs;
	}
	for (int i = 0; i < e->nlrs && i < e->used_lrs; i++) {
		uint32_t intid = vgic_lr_intid(e->gic_version, e->lr[i]);
		int act = vgic_lr_active(e->gic_version, e->lr[i]);
		struct track *t = track(s, v, intid);
		struct track *spi = s->w->nvcpus > 1 ? track(s, -1, intid) : NULL;
		int64_t injected = -1;

		if (spi && spi->state == IRQ_PENDING) { /* the SPI injected for no vCPU is this one's */
			injected = spi->since;
			spi->state = IRQ_IDLE;
			count_injection(s, t, injected);
			if (t->state == IRQ_ACTIVE && !t->reinjected)
				t->reinjected = injected;
		}
		if (t->state == IRQ_IDLE) {
			t->state = act ? IRQ_ACTIVE : IRQ_PENDING;
			t->since = injected >= 0 ? injected : e->ts;
		} else if (act && t->state == IRQ_PENDING) {
			track_set(s, t, IRQ_ACTIVE, e->ts);
		} else if (!act && t->state == IRQ_ACTIVE) {
			track_redeliver(s, t, v, e->ts);
		}
	}
	s->last_flush[v] = e->ts;
}

/* A sync: the LRs handed back show what the guest acknowledged and deactivated. */
static void scan_sync(struct scanner *s, const struct scan_event *e, int v)
{
	for (int i = 0; i < e->nlrs && i < e->used_lrs; i++) {
		uint32_t intid = vgic_lr_intid(e->gic_version, e->lr[i]);
		int act = vgic_lr_active(e->gic_version, e->lr[i]);
		int pend = vgic_lr_pending(e->gic_version, e->lr[i]);
		struct track *t = track(s, v, intid);

		if (act)
			track_set(s, t, IRQ_ACTIVE, e->ts);
		else if (pend && t->state == IRQ_IDLE)
			track_set(s, t, IRQ_PENDING, e->ts);
		else if (pend && t->state == IRQ_ACTIVE)
			track_redeliver(s, t, v, e->ts);
		else if (!pend) {
			if (t->state == IRQ_PENDING)
				track_blip(s, t, e->ts);
			track_set(s, t, IRQ_IDLE, e->ts);
		}
	}
	s->last_sync[v] = e->ts;
}

/* True while an SPI injected for no vCPU has not shown up in a vCPU's LRs yet. */
static int spi_unattributed(const struct scanner *s)
{
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].vcpu < 0 && s->tracks[i].state == IRQ_PENDING)
			return 1;
	return 0;
}

/*
 * A trapped DIR (vgic_deactivate, 6.19+): the guest on vCPU v deactivated
 * the interrupt, exactly now. A private interrupt is v's; an SPI may have
 * been acknowledged on another vCPU.
 */
static void scan_deactivate(struct scanner *s, const struct scan_event *e, int v)
{
	for (int i = 0; i < s->ntracks; i++) {
		struct track *t = &s->tracks[i];

		if (t->intid == e->intid && t->state == IRQ_ACTIVE &&
		    (t->vcpu == v || (e->intid >= 32 && t->vcpu >= 0)))
			track_set(s, t, IRQ_IDLE, e->ts);
	}
}

/* An SGI sent (vgic_sgi): pending on each target vCPU (-1: all but the sender). */
static void scan_sgi(struct scanner *s, const struct scan_event *e, int v)
{
	for (int target = 0; target < s->w->nvcpus && target < 63; target++) {
		struct track *t;

		if (e->level == -1 ? target == v : !(e->level & (1LL << target)))
			continue;
		t = track(s, target, e->intid);
		count_injection(s, t, e->ts);
		if (t->state == IRQ_IDLE)
			track_set(s, t, IRQ_PENDING, e->ts);
		else if (t->state == IRQ_ACTIVE && !t->reinjected)
			t->reinjected = e->ts;
	}
}

/* Feed one event to the scanner. */
static void scan_event(struct scanner *s, const struct scan_event *e)
{
	int v = e->vcpu >= 0 && e->vcpu < s->w->nvcpus ? (int)e->vcpu : -1;

	if (v >= 0 && e->ts >= s->w->start && e->ts < s->w->start + s->w->span) {
		struct tl_lane_bin *b = lane(s->w, v, bin_of(s->w, e->ts));

		b->events++;
		b->host_cpu = e->cpu;
	}
	switch (e->kind) {
	case VR_EV_ENTRY:
		if (v >= 0)
			lane_set(s, v, TL_RUN, e->ts);
		break;
	case VR_EV_EXIT:
	case VR_EV_WAKEUP:
		if (v >= 0)
			lane_set(s, v, TL_HOST, e->ts);
		break;
	case VR_EV_WFX:
		if (v >= 0)
			lane_set(s, v, TL_WFI, e->ts);
		break;
	case VR_EV_IRQ_PENDING:
		scan_injection(s, e);
		break;
	case VR_EV_ACK_IRQ: /* a level SPI was EOIed: deactivated wherever it was */
		for (int i = 0; i < s->ntracks; i++)
			if (s->tracks[i].intid == e->intid && s->tracks[i].vcpu >= 0 &&
			    s->tracks[i].state != IRQ_IDLE)
				track_set(s, &s->tracks[i], IRQ_IDLE, e->ts);
		break;
	case VR_EV_FLUSH:
		if (v >= 0)
			scan_flush(s, e, v);
		break;
	case VR_EV_SYNC:
		if (v >= 0)
			scan_sync(s, e, v);
		break;
	case VR_EV_DEACTIVATE:
		if (v >= 0 && e->intid >= 0)
			scan_deactivate(s, e, v);
		break;
	case VR_EV_SGI:
		if (v >= 0 && e->intid >= 0 && e->level)
			scan_sgi(s, e, v);
		break;
	default:
		break;
	}
}

/* Close every open span at ts and free the scanner. */
static void scanner_finish(struct scanner *s, int64_t ts)
{
	for (int v = 0; v < s->w->nvcpus; v++)
		lane_set(s, v, -1, ts);
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].vcpu >= 0)
			track_set(s, &s->tracks[i], IRQ_IDLE, ts);
	free(s->lane_state);
	free(s->lane_since);
	free(s->last_flush);
	free(s->last_sync);
	free(s->tracks);
}

/*
 * Scan the events with ids in [id_lo, id_hi] into the scanner, in trace
 * order, the LRs of each flush and sync merged in from snapshot_lrs.
 * progress (may be NULL) is called now and then.
 */
static int scan_ids(sqlite3 *sql, struct scanner *s, int64_t id_lo, int64_t id_hi,
		    tl_progress_fn progress, void *arg)
{
	sqlite3_stmt *ev, *lr;
	struct scan_event e;
	int64_t lr_id = -1, lr_n, lr_v, n = 0;
	int have_lr;

	if (sqlite3_prepare_v2(sql,
			       "SELECT e.id, e.ts_ns, e.cpu, coalesce(e.vcpu, -1), e.kind, "
			       "coalesce(e.intid, -1), coalesce(e.arg1, CASE e.kind WHEN 25 THEN 0 ELSE 1 END), "
			       "coalesce(s.used_lrs, 0), "
			       "coalesce(s.gic_version, 3) FROM events e "
			       "LEFT JOIN snapshots s ON s.event_id = e.id AND e.kind IN (20, 21) "
			       "WHERE e.id BETWEEN ?1 AND ?2 AND +e.kind IN (1, 4, 5, 6, 7, 8, 20, 21, 24, 25) "
			       "ORDER BY e.id",
			       -1, &ev, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(sql,
			       "SELECT event_id, lr, value FROM snapshot_lrs "
			       "WHERE event_id BETWEEN ?1 AND ?2 ORDER BY event_id, lr",
			       -1, &lr, NULL) != SQLITE_OK) {
		sqlite3_finalize(ev);
		return -1;
	}
	sqlite3_bind_int64(ev, 1, id_lo);
	sqlite3_bind_int64(ev, 2, id_hi);
	sqlite3_bind_int64(lr, 1, id_lo);
	sqlite3_bind_int64(lr, 2, id_hi);
	have_lr = sqlite3_step(lr) == SQLITE_ROW;
	while (sqlite3_step(ev) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(ev, 0);
		e.ts = sqlite3_column_int64(ev, 1);
		e.cpu = sqlite3_column_int(ev, 2);
		e.vcpu = sqlite3_column_int64(ev, 3);
		e.kind = sqlite3_column_int(ev, 4);
		e.intid = sqlite3_column_int64(ev, 5);
		e.level = sqlite3_column_int64(ev, 6);
		e.used_lrs = sqlite3_column_int64(ev, 7);
		e.gic_version = sqlite3_column_int(ev, 8);
		e.nlrs = 0;
		if (e.kind == VR_EV_FLUSH || e.kind == VR_EV_SYNC) {
			while (have_lr && (lr_id = sqlite3_column_int64(lr, 0)) <= e.id) {
				lr_n = sqlite3_column_int64(lr, 1);
				lr_v = sqlite3_column_int64(lr, 2);
				if (lr_id == e.id && lr_n >= 0 && lr_n < VR_MAX_LRS) {
					e.lr[lr_n] = (uint64_t)lr_v;
					if (lr_n + 1 > e.nlrs)
						e.nlrs = (int)lr_n + 1;
				}
				have_lr = sqlite3_step(lr) == SQLITE_ROW;
			}
		}
		if (e.ts >= s->lookahead_from && !spi_unattributed(s))
			break;
		scan_event(s, &e);
		if (progress && ++n % 262144 == 0)
			progress((double)(e.id - id_lo) / (double)(id_hi - id_lo + 1), arg);
	}
	sqlite3_finalize(ev);
	sqlite3_finalize(lr);
	return 0;
}

/* ---------------------------------------------------------------- summaries */

static const char summary_schema[] =
	"CREATE TABLE IF NOT EXISTS %1$stui_summary_levels (level INTEGER PRIMARY KEY, "
	"bucket_ns INTEGER NOT NULL, origin_ns INTEGER NOT NULL, buckets INTEGER NOT NULL, "
	"events_total INTEGER NOT NULL, last_ts_ns INTEGER NOT NULL, version INTEGER NOT NULL, "
	"built_at TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS %1$stui_summary (level INTEGER NOT NULL, "
	"vcpu INTEGER NOT NULL, bucket INTEGER NOT NULL, run_ns INTEGER NOT NULL, "
	"host_ns INTEGER NOT NULL, wfi_ns INTEGER NOT NULL, events INTEGER NOT NULL, "
	"injections INTEGER NOT NULL, flushes INTEGER NOT NULL, max_lrs INTEGER NOT NULL, "
	"host_cpu INTEGER, PRIMARY KEY (level, vcpu, bucket)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS %1$stui_summary_irq (level INTEGER NOT NULL, "
	"vcpu INTEGER NOT NULL, bucket INTEGER NOT NULL, intid INTEGER NOT NULL, "
	"pending_ns INTEGER NOT NULL, active_ns INTEGER NOT NULL, injections INTEGER NOT NULL, "
	"PRIMARY KEY (level, vcpu, bucket, intid)) WITHOUT ROWID;";

/* Choose the levels for the trace's span: bucket widths growing 4x. */
static void choose_levels(struct timeline *tl)
{
	int64_t span = tl->t1 - tl->t0 + 1, b = FINEST_MIN_NS;

	while (span / b > FINEST_MAX_BUCKETS)
		b *= 2;
	tl->nlevels = 0;
	while (tl->nlevels < MAX_LEVELS && span / b >= COARSEST_MIN_BUCKETS) {
		tl->bucket[tl->nlevels++] = b;
		b *= LEVEL_FACTOR;
	}
}

/* True when the stored summaries were built from this very trace with these levels. */
static int summaries_current(struct timeline *tl)
{
	sqlite3_stmt *st;
	int ok = 1, n = 0;

	if (sqlite3_prepare_v2(tl->sql,
			       "SELECT level, bucket_ns, origin_ns, events_total, last_ts_ns, version "
			       "FROM tui_summary_levels ORDER BY level",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0) != n || n >= tl->nlevels ||
		    sqlite3_column_int64(st, 1) != tl->bucket[n] ||
		    sqlite3_column_int64(st, 2) != tl->t0 ||
		    sqlite3_column_int64(st, 3) != tl->events_total ||
		    sqlite3_column_int64(st, 4) != tl->t1 ||
		    sqlite3_column_int(st, 5) != SUMMARY_VERSION)
			ok = 0;
		n++;
	}
	sqlite3_finalize(st);
	return ok && n == tl->nlevels;
}

/* Write level `level` of the summaries, summing the level-0 buckets of w. */
static int store_level(struct timeline *tl, const struct tl_window *w, int level)
{
	int64_t per = tl->bucket[level] / tl->bucket[0];
	int nb = (int)((w->ncols + per - 1) / per);
	sqlite3_stmt *ls, *is;
	int rc = 0;

	if (sqlite3_prepare_v2(tl->sql, "INSERT INTO tui_summary VALUES (?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &ls, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(tl->sql, "INSERT INTO tui_summary_irq VALUES (?,?,?,?,?,?,?)", -1,
			       &is, NULL) != SQLITE_OK) {
		sqlite3_finalize(ls);
		return -1;
	}
	for (int v = 0; v < w->nvcpus && !rc; v++) {
		for (int b = 0; b < nb && !rc; b++) {
			struct tl_lane_bin sum = {{0}, 0, 0, 0, 0, -1};

			for (int64_t i = b * per; i < (b + 1) * per && i < w->ncols; i++) {
				const struct tl_lane_bin *x = lane(w, v, (int)i);

				for (int k = 0; k < TL_NSTATES; k++)
					sum.ns[k] += x->ns[k];
				sum.events += x->events;
				sum.injections += x->injections;
				sum.flushes += x->flushes;
				if (x->max_lrs > sum.max_lrs)
					sum.max_lrs = x->max_lrs;
				if (x->host_cpu >= 0)
					sum.host_cpu = x->host_cpu;
			}
			if (!sum.ns[0] && !sum.ns[1] && !sum.ns[2] && !sum.events)
				continue;
			sqlite3_bind_int(ls, 1, level);
			sqlite3_bind_int(ls, 2, v);
			sqlite3_bind_int(ls, 3, b);
			for (int k = 0; k < TL_NSTATES; k++)
				sqlite3_bind_int64(ls, 4 + k, sum.ns[k]);
			sqlite3_bind_int(ls, 7, sum.events);
			sqlite3_bind_int(ls, 8, sum.injections);
			sqlite3_bind_int(ls, 9, sum.flushes);
			sqlite3_bind_int(ls, 10, sum.max_lrs);
			if (sum.host_cpu >= 0)
				sqlite3_bind_int(ls, 11, sum.host_cpu);
			else
				sqlite3_bind_null(ls, 11);
			rc = sqlite3_step(ls) == SQLITE_DONE ? 0 : -1;
			sqlite3_reset(ls);
		}
	}
	for (int r = 0; r < w->nirqs && !rc; r++) {
		const struct tl_irq_row *row = &w->irqs[r];

		for (int b = 0; b < nb && !rc; b++) {
			struct tl_irq_bin sum = {{0}, 0};

			for (int64_t i = b * per; i < (b + 1) * per && i < w->ncols; i++) {
				sum.ns[0] += row->bins[i].ns[0];
				sum.ns[1] += row->bins[i].ns[1];
				sum.injections += row->bins[i].injections;
			}
			if (!sum.ns[0] && !sum.ns[1] && !sum.injections)
				continue;
			sqlite3_bind_int(is, 1, level);
			sqlite3_bind_int(is, 2, row->vcpu);
			sqlite3_bind_int(is, 3, b);
			sqlite3_bind_int64(is, 4, row->intid);
			sqlite3_bind_int64(is, 5, sum.ns[0]);
			sqlite3_bind_int64(is, 6, sum.ns[1]);
			sqlite3_bind_int(is, 7, sum.injections);
			rc = sqlite3_step(is) == SQLITE_DONE ? 0 : -1;
			sqlite3_reset(is);
		}
	}
	sqlite3_finalize(ls);
	sqlite3_finalize(is);
	if (!rc) {
		char q[256];

		snprintf(q, sizeof(q),
			 "INSERT INTO tui_summary_levels VALUES (%d, %lld, %lld, %d, %lld, %lld, %d, "
			 "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 'now'))",
			 level, (long long)tl->bucket[level], (long long)tl->t0, nb,
			 (long long)tl->events_total, (long long)tl->t1, SUMMARY_VERSION);
		rc = exec(tl->sql, q, NULL);
	}
	return rc;
}

/*
 * Build the summaries: one scan of the whole trace into level-0 buckets,
 * then every level written in one transaction. In the trace file when it
 * is writable, else in temporary tables of this connection.
 */
static int build_summaries(struct timeline *tl, tl_progress_fn progress, void *arg,
			   struct vr_error *err)
{
	struct tl_window w;
	struct scanner s;
	char q[sizeof(summary_schema) + 64];
	const char *drop = "DROP TABLE IF EXISTS tui_summary_levels; DROP TABLE IF EXISTS "
			   "tui_summary; DROP TABLE IF EXISTS tui_summary_irq;";
	int64_t nb = (tl->t1 - tl->t0 + 1 + tl->bucket[0] - 1) / tl->bucket[0];
	struct timespec a, b;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	tl->in_memory = sqlite3_db_readonly(tl->sql, "main") == 1;
	if (!tl->in_memory && exec(tl->sql, "BEGIN IMMEDIATE", NULL)) {
		tl->in_memory = 1; /* locked by a writer: keep them for this session only */
	} else if (!tl->in_memory && exec(tl->sql, drop, NULL)) {
		exec(tl->sql, "ROLLBACK", NULL);
		tl->in_memory = 1;
	}
	if (tl->in_memory && exec(tl->sql, "PRAGMA temp_store = MEMORY; BEGIN", err))
		return -1;
	snprintf(q, sizeof(q), summary_schema, tl->in_memory ? "temp." : "");
	if (exec(tl->sql, q, err)) {
		exec(tl->sql, "ROLLBACK", NULL);
		return -1;
	}
	window_init(&w, tl->t0, nb * tl->bucket[0], tl->bucket[0], (int)nb, tl->nvcpus);
	scanner_init(&s, &w, -1);
	rc = scan_ids(tl->sql, &s, 0, INT64_MAX, progress, arg);
	scanner_finish(&s, tl->t1 + 1);
	for (int l = 0; l < tl->nlevels && !rc; l++)
		rc = store_level(tl, &w, l);
	timeline_window_free(&w);
	if (rc || exec(tl->sql, "COMMIT", err)) {
		if (rc)
			vr_error_set(err, "tui summaries: %s", sqlite3_errmsg(tl->sql));
		exec(tl->sql, "ROLLBACK", NULL);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	tl->build_seconds = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	return 0;
}

/* Open the model; see timeline.h. */
struct timeline *timeline_open(sqlite3 *sql, tl_progress_fn progress, void *arg,
			       struct vr_error *err)
{
	struct timeline *tl = vr_xcalloc(1, sizeof(*tl));

	tl->sql = sql;
	tl->t0 = query_int(sql, "SELECT first_ts_ns FROM trace_info", 0, 0);
	tl->t1 = query_int(sql, "SELECT last_ts_ns FROM trace_info", 0, tl->t0);
	tl->events_total = query_int(sql, "SELECT events_total FROM trace_info", 0, 0);
	tl->nvcpus = (int)query_int(sql, "SELECT max(vcpu) + 1 FROM vcpus", 0, 1);
	if (tl->nvcpus < 1)
		tl->nvcpus = 1;
	if (tl->t1 < tl->t0)
		tl->t1 = tl->t0;
	choose_levels(tl);
	/* A read-only file uses its cached summaries when current, else builds them in memory. */
	if (tl->nlevels && !summaries_current(tl) && build_summaries(tl, progress, arg, err)) {
		free(tl);
		return NULL;
	}
	return tl;
}

/* Free the model (not the SQLite handle). */
void timeline_close(struct timeline *tl)
{
	free(tl);
}

/* First event time, ns. */
int64_t timeline_first_ns(const struct timeline *tl)
{
	return tl->t0;
}

/* Last event time, ns. */
int64_t timeline_last_ns(const struct timeline *tl)
{
	return tl->t1;
}

/* Number of vCPU lanes. */
int timeline_nvcpus(const struct timeline *tl)
{
	return tl->nvcpus;
}

/* Number of summary levels (0: the trace is too short to need them). */
int timeline_levels(const struct timeline *tl)
{
	return tl->nlevels;
}

/* Seconds the summary build took on this open (0: cached). */
double timeline_build_seconds(const struct timeline *tl)
{
	return tl->build_seconds;
}

/* ---------------------------------------------------------------- windows */

/* Fill w from summary level `level`: each bucket spread over the columns it overlaps. */
static int window_from_summary(struct timeline *tl, int level, int64_t intid, struct tl_window *w)
{
	int64_t bw = tl->bucket[level];
	int64_t b_lo = (w->start - tl->t0) / bw, b_hi = (w->start + w->span - 1 - tl->t0) / bw;
	sqlite3_stmt *ls, *is;

	if (sqlite3_prepare_v2(tl->sql,
			       "SELECT bucket, run_ns, host_ns, wfi_ns, events, injections, flushes, "
			       "max_lrs, coalesce(host_cpu, -1) FROM tui_summary WHERE level = ?1 "
			       "AND vcpu = ?2 AND bucket BETWEEN ?3 AND ?4",
			       -1, &ls, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(tl->sql,
			       "SELECT bucket, intid, pending_ns, active_ns, injections FROM "
			       "tui_summary_irq WHERE level = ?1 AND vcpu = ?2 AND bucket BETWEEN ?3 "
			       "AND ?4 AND (?5 < 0 OR intid = ?5)",
			       -1, &is, NULL) != SQLITE_OK) {
		sqlite3_finalize(ls);
		return -1;
	}
	w->level = level;
	for (int v = 0; v < w->nvcpus; v++) {
		sqlite3_bind_int(ls, 1, level);
		sqlite3_bind_int(ls, 2, v);
		sqlite3_bind_int64(ls, 3, b_lo);
		sqlite3_bind_int64(ls, 4, b_hi);
		while (sqlite3_step(ls) == SQLITE_ROW) {
			int64_t bs = tl->t0 + sqlite3_column_int64(ls, 0) * bw;
			struct tl_lane_bin *x = lane(w, v, bin_of(w, bs));

			for (int k = 0; k < TL_NSTATES; k++) {
				struct lane_field f = {v, k};

				spread(w, bs, bs + bw, sqlite3_column_int64(ls, 1 + k), lane_ns, &f);
			}
			x->events += sqlite3_column_int(ls, 4);
			x->injections += sqlite3_column_int(ls, 5);
			x->flushes += sqlite3_column_int(ls, 6);
			if (sqlite3_column_int(ls, 7) > x->max_lrs)
				x->max_lrs = sqlite3_column_int(ls, 7);
			if (sqlite3_column_int(ls, 8) >= 0)
				x->host_cpu = sqlite3_column_int(ls, 8);
		}
		sqlite3_reset(ls);
		sqlite3_bind_int(is, 1, level);
		sqlite3_bind_int(is, 2, v);
		sqlite3_bind_int64(is, 3, b_lo);
		sqlite3_bind_int64(is, 4, b_hi);
		sqlite3_bind_int64(is, 5, intid);
		while (sqlite3_step(is) == SQLITE_ROW) {
			int64_t bs = tl->t0 + sqlite3_column_int64(is, 0) * bw;
			struct tl_irq_row *row = irq_row(w, v, sqlite3_column_int64(is, 1));

			for (int k = 0; k < TL_NIRQSTATES; k++) {
				struct irq_field f = {row, k};
				int64_t ns = sqlite3_column_int64(is, 2 + k);

				spread(w, bs, bs + bw, ns, irq_ns, &f);
				if (ns > 0 && !row->bins[bin_of(w, bs)].ns[k])
					row->bins[bin_of(w, bs)].ns[k] = 1; /* never round away */
			}
			row->bins[bin_of(w, bs)].injections += sqlite3_column_int(is, 4);
		}
		sqlite3_reset(is);
	}
	sqlite3_finalize(ls);
	sqlite3_finalize(is);
	return 0;
}

/* The id of the first event at or after ts (dir > 0) or the last before ts (dir < 0). */
static int64_t id_at(sqlite3 *sql, int64_t ts, int dir)
{
	return dir > 0 ? query_int(sql,
				   "SELECT id FROM events WHERE ts_ns >= ?1 ORDER BY ts_ns LIMIT 1",
				   ts, INT64_MAX)
		       : query_int(sql,
				   "SELECT id FROM events WHERE ts_ns < ?1 ORDER BY ts_ns DESC LIMIT 1",
				   ts, -1);
}

/*
 * Fill w from the raw events. The scan starts at the last flush before the
 * window of each vCPU (whose LRs say what was pending or active then), and
 * each lane starts in the state of its last entry, exit or WFI before.
 */
static int window_from_events(struct timeline *tl, int64_t intid, struct tl_window *w)
{
	struct scanner s;
	int64_t from = w->start, id_lo, id_hi;
	int rc;

	for (int v = 0; v < w->nvcpus; v++) {
		sqlite3_stmt *st;
		int64_t f = w->start;

		if (sqlite3_prepare_v2(tl->sql,
				       "SELECT ts_ns FROM events WHERE vcpu = ?1 AND ts_ns <= ?2 "
				       "AND +kind = 20 ORDER BY ts_ns DESC LIMIT 1",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int(st, 1, v);
			sqlite3_bind_int64(st, 2, w->start);
			f = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : w->start;
			sqlite3_finalize(st);
		}
		if (f < from)
			from = f;
	}
	scanner_init(&s, w, intid);
	for (int v = 0; v < w->nvcpus; v++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(tl->sql,
				       "SELECT kind, ts_ns FROM events WHERE vcpu = ?1 AND ts_ns < ?2 "
				       "AND +kind IN (5, 6, 7, 8) ORDER BY ts_ns DESC LIMIT 1",
				       -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_int(st, 1, v);
		sqlite3_bind_int64(st, 2, from);
		if (sqlite3_step(st) == SQLITE_ROW) {
			int k = sqlite3_column_int(st, 0);

			s.lane_state[v] = k == VR_EV_ENTRY ? TL_RUN : k == VR_EV_WFX ? TL_WFI : TL_HOST;
			s.lane_since[v] = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	}
	/* Past the window, follow SPIs injected in it to the vCPU whose LRs take them. */
	id_lo = id_at(tl->sql, from, 1);
	id_hi = id_at(tl->sql, w->start + w->span, -1);
	if (w->nvcpus > 1)
		id_hi += SPI_LOOKAHEAD_EVENTS;
	s.lookahead_from = w->start + w->span;
	rc = id_lo <= id_hi ? scan_ids(tl->sql, &s, id_lo, id_hi, NULL, NULL) : 0;
	scanner_finish(&s, w->start + w->span < tl->t1 + 1 ? w->start + w->span : tl->t1 + 1);
	return rc;
}

/*
 * Mark the columns with findings and count the gaps per column. Findings
 * are found by seeking findings(run, ts_ns) for the first one at or after
 * each column that has not been marked yet, so a screen costs at most one
 * index seek per column however many findings the run has.
 */
static void window_marks(struct timeline *tl, int64_t run, int64_t intid, struct tl_window *w)
{
	sqlite3_stmt *st;
	int64_t end = w->start + w->span;

	if (run && sqlite3_prepare_v2(tl->sql,
				      "SELECT ts_ns FROM findings WHERE run = ?1 AND ts_ns >= ?2 "
				      "AND ts_ns < ?3 AND kind != 'TRACE_GAP' AND (?4 < 0 OR intid = ?4) "
				      "ORDER BY ts_ns LIMIT 1",
				      -1, &st, NULL) == SQLITE_OK) {
		int64_t from = w->start;

		sqlite3_bind_int64(st, 1, run);
		sqlite3_bind_int64(st, 3, end);
		sqlite3_bind_int64(st, 4, intid);
		while (from < end) {
			int col;

			sqlite3_bind_int64(st, 2, from);
			if (sqlite3_step(st) != SQLITE_ROW)
				break;
			col = bin_of(w, sqlite3_column_int64(st, 0));
			w->findings[col]++;
			from = bin_start(w, col + 1);
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(tl->sql,
			       "SELECT start_ts_ns, coalesce(end_ts_ns, start_ts_ns), lost FROM gaps "
			       "WHERE start_ts_ns IS NOT NULL AND coalesce(end_ts_ns, start_ts_ns) >= ?1 "
			       "AND start_ts_ns < ?2",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, w->start);
		sqlite3_bind_int64(st, 2, end);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int a = bin_of(w, sqlite3_column_int64(st, 0));
			int b = bin_of(w, sqlite3_column_int64(st, 1));

			for (int i = a; i <= b; i++)
				w->gaps[i]++;
			if (sqlite3_column_type(st, 2) == SQLITE_NULL || w->lost < 0)
				w->lost = -1;
			else
				w->lost += sqlite3_column_int64(st, 2);
		}
		sqlite3_finalize(st);
	}
}

/* Order interrupt rows by vCPU, then INTID. */
static int row_cmp(const void *a, const void *b)
{
	const struct tl_irq_row *x = a, *y = b;

	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	return x->intid < y->intid ? -1 : x->intid > y->intid;
}

/* Fill a window; see timeline.h. */
int timeline_window(struct timeline *tl, int64_t start, int64_t span, int ncols, int64_t run,
		    int64_t intid, struct tl_window *w)
{
	int level = -1, rc;

	window_init(w, start, span, 0, ncols, tl->nvcpus);
	for (int l = 0; l < tl->nlevels; l++)
		if (tl->bucket[l] * w->ncols <= w->span)
			level = l;
	rc = level >= 0 ? window_from_summary(tl, level, intid, w) : window_from_events(tl, intid, w);
	window_marks(tl, run, intid, w);
	for (int r = 0; r < w->nirqs; r++) {
		struct tl_irq_row *row = &w->irqs[r];

		for (int i = 0; i < w->ncols; i++)
			row->weight += row->bins[i].ns[0] + row->bins[i].ns[1] + row->bins[i].injections;
	}
	if (w->nirqs > 1)
		qsort(w->irqs, (size_t)w->nirqs, sizeof(*w->irqs), row_cmp);
	return rc;
}
