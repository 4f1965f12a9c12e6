/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUI's model of a trace (see timeline.h): one scanner from events to
 * spans and points in bins, used for narrow windows on the raw events and,
 * once per trace, for the per-zoom summaries stored in the trace file.
 * Events come from the event stream (schemas/trace_reader.h); summaries
 * and lookups from schemas/tui_store.h, which holds their SQL.
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

#include "../engine/vgic_engine.h"
#include "../schemas/trace_reader.h"
#include "../schemas/tui_store.h"

#define MAX_LEVELS 16
#define LEVEL_FACTOR 4		   /* each level's buckets are 4 times the previous one's */
#define FINEST_MAX_BUCKETS 131072 /* at most this many buckets at level 0 */
#define FINEST_MIN_NS (1LL << 20)  /* and no narrower than ~1 ms */
#define COARSEST_MIN_BUCKETS 64	   /* the coarsest level still has this many buckets */
#define SUMMARY_VERSION 4	   /* bump when a bucket's meaning or its storage changes */
#define SPI_LOOKAHEAD_EVENTS 20000 /* how far past a window an SPI is followed to its vCPU */

/* The kinds the scanner reads, and those that set a lane's state. */
#define SCAN_KINDS                                                                                 \
	(VR_KIND_BIT(VR_EV_IRQ_PENDING) | VR_KIND_BIT(VR_EV_ACK_IRQ) | VR_KIND_BIT(VR_EV_ENTRY) |   \
	 VR_KIND_BIT(VR_EV_EXIT) | VR_KIND_BIT(VR_EV_WAKEUP) | VR_KIND_BIT(VR_EV_WFX) |              \
	 VR_KIND_BIT(VR_EV_FLUSH) | VR_KIND_BIT(VR_EV_SYNC) | VR_KIND_BIT(VR_EV_DEACTIVATE) |        \
	 VR_KIND_BIT(VR_EV_SGI))
#define LANE_KINDS                                                                                 \
	(VR_KIND_BIT(VR_EV_ENTRY) | VR_KIND_BIT(VR_EV_EXIT) | VR_KIND_BIT(VR_EV_WAKEUP) |           \
	 VR_KIND_BIT(VR_EV_WFX))

struct timeline {
	struct tracedb *db;
	int64_t t0, t1, events_total;
	int64_t max_id; /* the last event's id, for the build's progress */
	int nvcpus;
	int nlevels;
	int64_t bucket[MAX_LEVELS];
	int in_memory;
	double build_seconds;
};

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

/* a * b / c; see timeline.h (a 128-bit product, saturated to 64 bits). */
int64_t timeline_muldiv(int64_t a, int64_t b, int64_t c)
{
	__int128 q = (__int128)a * b / c;

	return q > INT64_MAX ? INT64_MAX : (int64_t)q;
}

/* The bin holding time ts, clamped to the window. */
static int bin_of(const struct tl_window *w, int64_t ts)
{
	int64_t b;

	if (ts <= w->start)
		return 0;
	if (w->bucket_ns)
		b = (ts - w->start) / w->bucket_ns;
	else
		b = ts - w->start >= w->span ? w->ncols : timeline_muldiv(ts - w->start, w->ncols, w->span);
	return b >= w->ncols ? w->ncols - 1 : (int)b;
}

/* Start time of bin i (i == ncols: the window's end). */
static int64_t bin_start(const struct tl_window *w, int i)
{
	return w->bucket_ns ? w->start + w->bucket_ns * i
			    : w->start + timeline_muldiv(w->span, i, w->ncols);
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

/*
 * The index of the track of (vcpu, intid), created idle. Creating one may
 * move the array: a caller that needs two tracks at once takes both
 * indexes before it takes a pointer to either.
 */
static int track_index(struct scanner *s, int vcpu, int64_t intid)
{
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].vcpu == vcpu && s->tracks[i].intid == intid)
			return i;
	if (s->ntracks == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->tracks = vr_xrealloc(s->tracks, (size_t)s->cap * sizeof(*s->tracks));
	}
	s->tracks[s->ntracks] = (struct track){vcpu, intid, IRQ_IDLE, 0, 0, -1};
	return s->ntracks++;
}

/* Is there a track of (vcpu, intid) already? */
static int track_known(const struct scanner *s, int vcpu, int64_t intid)
{
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].vcpu == vcpu && s->tracks[i].intid == intid)
			return 1;
	return 0;
}

/* The track of (vcpu, intid), created idle; valid until the next track is created. */
static struct track *track(struct scanner *s, int vcpu, int64_t intid)
{
	int i = track_index(s, vcpu, intid); /* before reading s->tracks, which it may move */

	return &s->tracks[i];
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

/* One event as the scanner reads it (-1 where the stream says VR_NO_VALUE). */
struct scan_event {
	int64_t id, ts, vcpu, intid, used_lrs;
	int64_t level; /* arg1: the level of an injection, the target mask of an SGI (0: unknown) */
	int cpu, kind, gic_version;
	int nlrs;	     /* LRs recorded (a flush or sync), 0 for other kinds */
	const uint64_t *lr; /* their values */
	const struct vr_ppi_state *ppi; /* GICv5: the PPI registers instead (recorded or not) */
};

/* Does a GICv5 snapshot hold PPI n in regs (bit n of the pair)? */
static int ppi_bit(const uint64_t regs[2], int n)
{
	return (int)((regs[n / 64] >> (n % 64)) & 1);
}

/* Is the event a GICv5 snapshot with its PPI registers? */
static int is_v5(const struct scan_event *e)
{
	return e->gic_version == 5 && e->ppi && e->ppi->recorded;
}

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

/* True when one of the flush's LRs in use holds intid (GICv5: PENDR, DVIR or ACTIVER has it). */
static int in_lrs(const struct scan_event *e, int64_t intid)
{
	if (is_v5(e)) {
		int n = intid < 0 ? -1 : vgic_v5_intid_ppi((uint64_t)intid);

		return n >= 0 && (ppi_bit(e->ppi->pendr, n) || ppi_bit(e->ppi->dvir, n) ||
				  ppi_bit(e->ppi->activer, n));
	}
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
	if (e->used_lrs >= e->nlrs && !is_v5(e)) /* GICv5 has room for every PPI */
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

/* One LR of a flush (GICv5: one PPI KVM wrote pending, or active): intid is pending or active. */
static void flush_entry(struct scanner *s, const struct scan_event *e, int v, uint32_t intid,
			int act)
{
	int ti = track_index(s, v, intid), si = s->w->nvcpus > 1 ? track_index(s, -1, intid) : -1;
	struct track *t = &s->tracks[ti], *spi = si >= 0 ? &s->tracks[si] : NULL;
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
	for (int i = 0; i < e->nlrs && i < e->used_lrs; i++)
		flush_entry(s, e, v, vgic_lr_intid(e->gic_version, e->lr[i]),
			    vgic_lr_active(e->gic_version, e->lr[i]));
	for (int n = 0; is_v5(e) && n < VGIC_V5_NR_PPIS; n++)
		if (in_lrs(e, vgic_v5_ppi_intid((uint32_t)n)))
			flush_entry(s, e, v, vgic_v5_ppi_intid((uint32_t)n),
				    ppi_bit(e->ppi->activer, n));
	s->last_flush[v] = e->ts;
}

/* One LR handed back at an exit (GICv5: one PPI of the exit's registers). */
static void sync_entry(struct scanner *s, const struct scan_event *e, int v, uint32_t intid,
		       int act, int pend)
{
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

/*
 * A sync: the LRs handed back show what the guest acknowledged and
 * deactivated. A GICv5 exit hands back every PPI: those it shows neither
 * pending nor active are idle unless the entry left them out (they stay
 * as they were: a PPI KVM still holds pending).
 */
static void scan_sync(struct scanner *s, const struct scan_event *e, int v)
{
	for (int i = 0; i < e->nlrs && i < e->used_lrs; i++)
		sync_entry(s, e, v, vgic_lr_intid(e->gic_version, e->lr[i]),
			   vgic_lr_active(e->gic_version, e->lr[i]),
			   vgic_lr_pending(e->gic_version, e->lr[i]));
	for (int n = 0; is_v5(e) && n < VGIC_V5_NR_PPIS; n++) {
		uint32_t intid = vgic_v5_ppi_intid((uint32_t)n);
		int act = ppi_bit(e->ppi->activer, n), pend = ppi_bit(e->ppi->pendr, n);

		int known = track_known(s, v, intid);
		int state = known ? track(s, v, intid)->state : IRQ_IDLE;

		/* still active: nothing to close (track_set would count the span again) */
		if ((act && state != IRQ_ACTIVE) || (!act && pend) || (!act && state == IRQ_ACTIVE))
			sync_entry(s, e, v, intid, act, pend);
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

/* The scanner's view of one item of the event stream. */
static void scan_event_of(const struct trace_item *it, struct scan_event *e)
{
	const struct vr_event *ev = &it->ev;

	e->id = it->id;
	e->ts = ev->ts_ns;
	e->cpu = ev->cpu;
	e->vcpu = ev->vcpu == VR_NO_VALUE ? -1 : ev->vcpu;
	e->kind = ev->kind;
	e->intid = ev->intid == VR_NO_VALUE ? -1 : ev->intid;
	/* An unrecorded level is a raise; an SGI's unrecorded target list reaches nobody. */
	e->level = ev->arg[1] != VR_NO_VALUE ? ev->arg[1] : ev->kind == VR_EV_SGI ? 0 : 1;
	e->used_lrs = it->has_snapshot ? it->snap.used_lrs : 0;
	e->gic_version = it->has_snapshot ? it->snap.gic_version : 3;
	e->nlrs = it->has_snapshot ? it->snap.nr_lrs : 0;
	e->lr = it->snap.lr;
	e->ppi = &it->snap.ppi;
}

/*
 * Scan the events with ids in [id_lo, id_hi] (VR_NO_VALUE: open) into the
 * scanner, in trace order, from the event stream with the LRs of each
 * flush and sync. progress (may be NULL) is told now and then how far the
 * scan got of max_id.
 */
static int scan_ids(struct tracedb *db, struct scanner *s, int64_t id_lo, int64_t id_hi,
		    int64_t max_id, tl_progress_fn progress, void *arg, struct vr_error *err)
{
	struct trace_filter f;
	struct trace_cursor *c;
	struct trace_item it;
	struct scan_event e;
	int64_t n = 0;
	int rc;

	trace_filter_init(&f);
	f.kinds = SCAN_KINDS;
	f.gaps = 0;
	f.ap_len = 0;
	f.id_lo = id_lo;
	f.id_hi = id_hi;
	c = trace_cursor_open(db, &f, err);
	if (!c)
		return -1;
	while ((rc = trace_cursor_next(c, &it, err)) == 1) {
		scan_event_of(&it, &e);
		if (e.ts >= s->lookahead_from && !spi_unattributed(s))
			break;
		scan_event(s, &e);
		if (progress && ++n % 262144 == 0)
			progress(e.id, max_id, arg);
	}
	trace_cursor_close(c);
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- summaries */

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
	struct tui_summary_level lv[MAX_LEVELS + 1];
	int n = tui_store_levels(tl->db, lv, MAX_LEVELS + 1);

	if (n != tl->nlevels)
		return 0;
	for (int l = 0; l < n; l++)
		if (lv[l].level != l || lv[l].bucket_ns != tl->bucket[l] || lv[l].origin_ns != tl->t0 ||
		    lv[l].events_total != tl->events_total || lv[l].last_ts_ns != tl->t1 ||
		    lv[l].version != SUMMARY_VERSION)
			return 0;
	return 1;
}

/* Store bucket b of vCPU v's lane at a level: the sum of level-0 buckets [b * per, (b + 1) * per). */
static int store_lane(struct tui_summary_writer *sw, const struct tl_window *w, int level, int v,
		      int b, int64_t per)
{
	struct tui_lane_row sum = {.level = level, .vcpu = v, .bucket = b, .host_cpu = -1};

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
	if (!sum.ns[TL_RUN] && !sum.ns[TL_HOST] && !sum.ns[TL_WFI] && !sum.events)
		return 0;
	return tui_summary_writer_lane(sw, &sum);
}

/* Store bucket b of an interrupt row at a level, summed like store_lane's. */
static int store_irq(struct tui_summary_writer *sw, const struct tl_window *w,
		     const struct tl_irq_row *row, int level, int b, int64_t per)
{
	struct tui_irq_row sum = {.level = level, .vcpu = row->vcpu, .bucket = b, .intid = row->intid};

	for (int64_t i = b * per; i < (b + 1) * per && i < w->ncols; i++) {
		sum.ns[TL_PENDING] += row->bins[i].ns[TL_PENDING];
		sum.ns[TL_ACTIVE] += row->bins[i].ns[TL_ACTIVE];
		sum.injections += row->bins[i].injections;
	}
	if (!sum.ns[TL_PENDING] && !sum.ns[TL_ACTIVE] && !sum.injections)
		return 0;
	return tui_summary_writer_irq(sw, &sum);
}

/* Order interrupt rows by vCPU, then INTID. */
static int row_cmp(const void *a, const void *b)
{
	const struct tl_irq_row *x = a, *y = b;

	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	return x->intid < y->intid ? -1 : x->intid > y->intid;
}

/*
 * Write level `level` of the summaries, summing the level-0 buckets of w,
 * whose interrupt rows are sorted by vCPU and INTID. Rows go in in the
 * tables' key order (vCPU, bucket, then INTID), so that each insert lands
 * after the last: an insert in random order costs SQLite a B-tree seek
 * and, once the table outgrows the page cache, page reads and spills.
 */
static int store_level(struct timeline *tl, struct tui_summary_writer *sw, const struct tl_window *w,
		       int level)
{
	int64_t per = tl->bucket[level] / tl->bucket[0];
	int nb = (int)((w->ncols + per - 1) / per);
	struct tui_summary_level lv = {level, tl->bucket[level], tl->t0, nb,
				       tl->events_total, tl->t1, SUMMARY_VERSION};
	int rc = 0, first = 0;

	for (int v = 0; v < w->nvcpus && !rc; v++)
		for (int b = 0; b < nb && !rc; b++)
			rc = store_lane(sw, w, level, v, b, per);
	while (first < w->nirqs && !rc) { /* the rows of one vCPU: [first, end) */
		int end = first;

		while (end < w->nirqs && w->irqs[end].vcpu == w->irqs[first].vcpu)
			end++;
		for (int b = 0; b < nb && !rc; b++)
			for (int r = first; r < end && !rc; r++)
				rc = store_irq(sw, w, &w->irqs[r], level, b, per);
		first = end;
	}
	return rc ? rc : tui_summary_writer_level(sw, &lv);
}

/*
 * Build the summaries: one scan of the whole trace into level-0 buckets,
 * then every level written in one transaction. In the trace file when it
 * is writable, else in temporary tables of this connection.
 */
static int build_summaries(struct timeline *tl, tl_progress_fn progress, void *arg,
			   struct vr_error *err)
{
	struct tui_summary_writer *sw;
	struct tl_window w;
	struct scanner s;
	int64_t nb = (tl->t1 - tl->t0 + 1 + tl->bucket[0] - 1) / tl->bucket[0];
	uint64_t a = vr_now_ns();
	int rc;

	sw = tui_summary_writer_begin(tl->db, err);
	if (!sw)
		return -1;
	tl->in_memory = tui_summary_writer_in_memory(sw);
	window_init(&w, tl->t0, nb * tl->bucket[0], tl->bucket[0], (int)nb, tl->nvcpus);
	scanner_init(&s, &w, -1);
	rc = scan_ids(tl->db, &s, VR_NO_VALUE, VR_NO_VALUE, tl->max_id, progress, arg, err);
	scanner_finish(&s, tl->t1 + 1);
	if (rc) {
		timeline_window_free(&w);
		tui_summary_writer_abort(sw);
		return -1;
	}
	if (w.nirqs > 1) /* an empty window has no array to sort */
		qsort(w.irqs, (size_t)w.nirqs, sizeof(*w.irqs), row_cmp);
	for (int l = 0; l < tl->nlevels && !rc; l++)
		rc = store_level(tl, sw, &w, l);
	timeline_window_free(&w);
	if (tui_summary_writer_commit(sw, err)) /* reports a failed store_level */
		return -1;
	tl->build_seconds = (vr_now_ns() - a) / 1e9;
	return 0;
}

/* Open the model; see timeline.h. */
struct timeline *timeline_open(struct tracedb *db, tl_progress_fn progress, void *arg,
			       struct vr_error *err)
{
	struct timeline *tl = vr_xcalloc(1, sizeof(*tl));
	struct tui_trace_info ti;

	tl->db = db;
	tui_store_trace_info(db, &ti);
	if (ti.nvcpus != VR_NO_VALUE && ti.nvcpus > TRACE_MAX_VCPUS) { /* lanes are allocated from it */
		vr_error_set(err, "%s: the vcpus table names vCPU %lld, beyond KVM's %d (a damaged "
			     "or foreign trace)",
			     tracedb_path(db), (long long)ti.nvcpus - 1, TRACE_MAX_VCPUS);
		free(tl);
		return NULL;
	}
	tl->t0 = ti.first_ns != VR_NO_VALUE ? ti.first_ns : 0;
	tl->t1 = ti.last_ns != VR_NO_VALUE ? ti.last_ns : tl->t0;
	tl->events_total = ti.events_total != VR_NO_VALUE ? ti.events_total : 0;
	tl->nvcpus = ti.nvcpus != VR_NO_VALUE && ti.nvcpus >= 1 ? (int)ti.nvcpus : 1;
	tl->max_id = ti.max_event_id;
	if (tl->t1 < tl->t0)
		tl->t1 = tl->t0;
	choose_levels(tl);
	/* A read-only file uses its stored summaries when current, else builds them in memory. */
	if (tl->nlevels && !summaries_current(tl) && build_summaries(tl, progress, arg, err)) {
		free(tl);
		return NULL;
	}
	return tl;
}

/* Store a trace file's summaries; see timeline.h. */
int timeline_store_summaries(const char *path, tl_progress_fn progress, void *arg,
			     struct vr_error *err)
{
	/* This thread alone reads and writes it: no mutex around each column read. */
	struct tracedb *db = tracedb_open(path, TRACEDB_READWRITE | TRACEDB_ONE_THREAD, err);
	struct timeline *tl;
	int rc = 0;

	if (!db)
		return -1;
	tl = timeline_open(db, progress, arg, err);
	if (!tl)
		rc = -1;
	else if (tl->in_memory) /* another writer held the file */
		rc = vr_error_set(err, "%s: busy, the TUI's summaries were not stored", path);
	timeline_close(tl);
	tracedb_close(db);
	return rc;
}

/* Free the model (not the trace file's handle). */
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

/* A summary level being read into a window: the window and the level's bucket width. */
struct summary_fill {
	struct tl_window *w;
	int64_t t0, bw;
};

/* A tui_summary row: its bucket spread over the columns it overlaps. */
static void fill_lane(void *arg, const struct tui_lane_row *r)
{
	const struct summary_fill *f = arg;
	int64_t bs = f->t0 + r->bucket * f->bw;
	struct tl_lane_bin *x = lane(f->w, r->vcpu, bin_of(f->w, bs));

	for (int k = 0; k < TL_NSTATES; k++) {
		struct lane_field lf = {r->vcpu, k};

		spread(f->w, bs, bs + f->bw, r->ns[k], lane_ns, &lf);
	}
	x->events += r->events;
	x->injections += r->injections;
	x->flushes += r->flushes;
	if (r->max_lrs > x->max_lrs)
		x->max_lrs = r->max_lrs;
	if (r->host_cpu >= 0)
		x->host_cpu = r->host_cpu;
}

/* A tui_summary_irq row: its bucket spread likewise, never rounded away to nothing. */
static void fill_irq(void *arg, const struct tui_irq_row *r)
{
	const struct summary_fill *f = arg;
	int64_t bs = f->t0 + r->bucket * f->bw;
	struct tl_irq_row *row = irq_row(f->w, r->vcpu, r->intid);
	struct tl_irq_bin *first = &row->bins[bin_of(f->w, bs)];

	for (int k = 0; k < TL_NIRQSTATES; k++) {
		struct irq_field irf = {row, k};

		spread(f->w, bs, bs + f->bw, r->ns[k], irq_ns, &irf);
		if (r->ns[k] > 0 && !first->ns[k])
			first->ns[k] = 1;
	}
	first->injections += r->injections;
}

/* Fill w from summary level `level`: each bucket spread over the columns it overlaps. */
static int window_from_summary(struct timeline *tl, int level, int64_t intid, struct tl_window *w)
{
	int64_t bw = tl->bucket[level];
	int64_t b_lo = (w->start - tl->t0) / bw, b_hi = (w->start + w->span - 1 - tl->t0) / bw;
	struct summary_fill f = {w, tl->t0, bw};

	if (tui_store_summary_read(tl->db, level, w->nvcpus, b_lo, b_hi, intid, fill_lane, fill_irq,
				   &f))
		return -1;
	w->level = level;
	return 0;
}

/*
 * Fill w from the raw events. The scan starts at the last flush before the
 * window of each vCPU (whose LRs say what was pending or active then), and
 * each lane starts in the state of its last entry, exit or WFI before.
 */
static int window_from_events(struct timeline *tl, int64_t intid, struct tl_window *w)
{
	struct vr_error err = {{0}};
	struct tui_event_ref ev;
	struct scanner s;
	int64_t from = w->start, id_lo, id_hi;
	int rc;

	for (int v = 0; v < w->nvcpus; v++)
		if (tui_store_last_event(tl->db, v, VR_KIND_BIT(VR_EV_FLUSH), w->start, 1, &ev) &&
		    ev.ts_ns < from)
			from = ev.ts_ns;
	scanner_init(&s, w, intid);
	for (int v = 0; v < w->nvcpus; v++) {
		if (!tui_store_last_event(tl->db, v, LANE_KINDS, from, 0, &ev))
			continue;
		s.lane_state[v] = ev.kind == VR_EV_ENTRY ? TL_RUN : ev.kind == VR_EV_WFX ? TL_WFI : TL_HOST;
		s.lane_since[v] = ev.ts_ns;
	}
	/* Past the window, follow SPIs injected in it to the vCPU whose LRs take them. */
	id_lo = tui_store_event_id_at(tl->db, from, 1);
	id_hi = tui_store_event_id_at(tl->db, w->start + w->span, -1);
	if (w->nvcpus > 1)
		id_hi += SPI_LOOKAHEAD_EVENTS;
	s.lookahead_from = w->start + w->span;
	rc = id_lo <= id_hi ? scan_ids(tl->db, &s, id_lo, id_hi, 0, NULL, NULL, &err) : 0;
	scanner_finish(&s, w->start + w->span < tl->t1 + 1 ? w->start + w->span : tl->t1 + 1);
	return rc;
}

/* A finding at ts: mark its column; the next one worth seeking starts at the next column. */
static int64_t mark_finding(void *arg, int64_t ts)
{
	struct tl_window *w = arg;
	int col = bin_of(w, ts);

	w->findings[col]++;
	return bin_start(w, col + 1);
}

/* A gap over [a, b]: count it in each column it overlaps, and its lost events. */
static void mark_gap(void *arg, int64_t a, int64_t b, int64_t lost)
{
	struct tl_window *w = arg;

	for (int i = bin_of(w, a); i <= bin_of(w, b); i++)
		w->gaps[i]++;
	if (lost == VR_NO_VALUE || w->lost < 0)
		w->lost = -1;
	else
		w->lost += lost;
}

/*
 * Mark the columns with findings and count the gaps per column. Findings
 * are found by seeking the first one at or after each column that has not
 * been marked yet, so a screen costs at most one index seek per column
 * however many findings the run has.
 */
static void window_marks(struct timeline *tl, int64_t run, int64_t intid, struct tl_window *w)
{
	if (run)
		tui_store_finding_marks(tl->db, run, intid, w->start, w->start + w->span, mark_finding, w);
	tui_store_gaps(tl->db, w->start, w->start + w->span, mark_gap, w);
}


/* Fill a window; see timeline.h. */
int timeline_window(struct timeline *tl, int64_t start, int64_t span, int ncols, int64_t run,
		    int64_t intid, struct tl_window *w)
{
	int level = -1, rc;

	window_init(w, start, span, 0, ncols, tl->nvcpus);
	for (int l = 0; l < tl->nlevels; l++)
		if (tl->bucket[l] <= w->span / w->ncols) /* bucket * ncols <= span, without overflow */
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
