/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUI's model of a trace (see timeline.h): the vCPU lanes from the
 * events, the interrupt rows from the replay driver's lifecycle tracker,
 * in bins; for the per-zoom summaries stored in the trace file, built
 * once per trace, and for narrow windows, which read the raw events for
 * the lanes and the lifecycles stored with level 0 for the interrupts.
 * Events come from the event stream (schemas/trace_reader.h); summaries
 * and lookups from schemas/tui_store.h, which holds their SQL.
 *
 * Interrupt bars and injection marks are what check's tracker says
 * (replay_options.life): pending from the injection (or the flush that
 * first shows it) to the exit whose LRs show it acknowledged, active to
 * its deactivation, each injection where check counts it, an SPI in the
 * row of the vCPU check's accounting keeps it under, under the profile
 * check replays the trace under. Nothing here reads an LR.
 */
#define _POSIX_C_SOURCE 200809L
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "../replay/replay.h"
#include "../schemas/trace_reader.h"
#include "../schemas/tui_store.h"

#define MAX_LEVELS 16
#define LEVEL_FACTOR 4		   /* each level's buckets are 4 times the previous one's */
#define FINEST_MAX_BUCKETS 131072 /* at most this many buckets at level 0 */
#define FINEST_MIN_NS (1LL << 20)  /* and no narrower than ~1 ms */
#define COARSEST_MIN_BUCKETS 64	   /* the coarsest level still has this many buckets */
#define SUMMARY_VERSION 5	   /* bump when a bucket's meaning or its storage changes */

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

/*
 * An interrupt row's lifecycle as the summary build records it, to be
 * stored with each level-0 bucket of the row (tui_summary_irq.lifecycle):
 * the replay driver's transitions and injections in time order, each a
 * LEB128 time delta from the one before and a code (LIFE_IDLE, _PENDING,
 * _ACTIVE, _INJECTED). A stored bucket is the state at its start (one
 * byte), then its own entries, the first delta from the bucket's start;
 * a zoomed-in screen draws them (fill_life). The cursor (at, at_ts, state)
 * walks the record bucket by bucket as store_level writes them.
 */
struct tl_life {
	uint8_t *buf;
	size_t len, cap;
	int64_t last_ts; /* of the last entry put: the next delta's origin */
	size_t at;	 /* the cursor: the next entry to read, */
	int64_t at_ts;	 /* ... the time its delta counts from, */
	int state;	 /* ... and the state before it */
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
	for (int i = 0; i < w->nirqs; i++) {
		free(w->irqs[i].bins);
		if (w->irqs[i].life)
			free(w->irqs[i].life->buf);
		free(w->irqs[i].life);
	}
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
	w->irqs[w->nirqs].life = NULL;
	w->irqs[w->nirqs].bins = vr_xcalloc((size_t)w->ncols, sizeof(struct tl_irq_bin));
	return &w->irqs[w->nirqs++];
}

/* ---------------------------------------------------------------- lifecycles */

enum { LIFE_IDLE, LIFE_PENDING, LIFE_ACTIVE, LIFE_INJECTED };
#define LIFE_MAX_ENTRY 11 /* bytes: a 64-bit LEB128 delta and a code */

/* A growable byte buffer: one bucket's stored lifecycle. */
struct bytes {
	uint8_t *buf;
	size_t len, cap;
};

/* Room for one more entry in b. */
static void bytes_room(struct bytes *b)
{
	if (b->len + LIFE_MAX_ENTRY > b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->buf = vr_xrealloc(b->buf, b->cap);
	}
}

/* Append an entry (delta, code) to b. */
static void put_entry(struct bytes *b, uint64_t delta, int code)
{
	bytes_room(b);
	do {
		b->buf[b->len++] = (uint8_t)((delta & 0x7f) | (delta > 0x7f ? 0x80 : 0));
		delta >>= 7;
	} while (delta);
	b->buf[b->len++] = (uint8_t)code;
}

/* Read an entry from [p, end): the byte after it, or NULL when cut short. */
static const uint8_t *get_entry(const uint8_t *p, const uint8_t *end, uint64_t *delta, int *code)
{
	*delta = 0;
	for (int shift = 0; p < end && shift < 64; shift += 7) {
		uint8_t x = *p++;

		*delta |= (uint64_t)(x & 0x7f) << shift;
		if (!(x & 0x80)) {
			if (p >= end)
				return NULL;
			*code = *p;
			return p + 1;
		}
	}
	return NULL;
}

/* Record code at ts (clamped to the last entry's time) in the row's lifecycle. */
static void life_put(struct tl_irq_row *row, int64_t ts, int code)
{
	struct tl_life *l = row->life;
	struct bytes b;

	if (!l) {
		l = row->life = vr_xcalloc(1, sizeof(*l));
		l->last_ts = l->at_ts = ts;
	}
	b = (struct bytes){l->buf, l->len, l->cap};
	put_entry(&b, (uint64_t)(ts > l->last_ts ? ts - l->last_ts : 0), code);
	l->buf = b.buf;
	l->len = b.len;
	l->cap = b.cap;
	if (ts > l->last_ts)
		l->last_ts = ts;
}

/*
 * Read the row's lifecycle on to the first entry at or after `to`: the
 * entries in [from, to) go to out (when not NULL) with deltas from
 * `from`, the state they leave to l->state.
 */
static void life_walk(struct tl_life *l, int64_t from, int64_t to, struct bytes *out)
{
	const uint8_t *end = l->buf + l->len;
	int64_t prev = from;

	while (l->at < l->len) {
		uint64_t d;
		int code;
		const uint8_t *p = get_entry(l->buf + l->at, end, &d, &code);
		int64_t ts = l->at_ts + (int64_t)d;

		if (!p || ts >= to)
			return;
		if (out) {
			put_entry(out, (uint64_t)(ts - prev), code);
			prev = ts;
		}
		if (code != LIFE_INJECTED)
			l->state = code;
		l->at = (size_t)(p - l->buf);
		l->at_ts = ts;
	}
}

/* The stored form of bucket [from, to) of a row's lifecycle, into out (see struct tl_life). */
static void life_bucket(struct tl_life *l, int64_t from, int64_t to, struct bytes *out)
{
	life_walk(l, INT64_MIN, from, NULL);
	out->len = 0;
	bytes_room(out);
	out->buf[out->len++] = (uint8_t)l->state;
	life_walk(l, from, to, out);
}

/* ---------------------------------------------------------------- scanner */

/* One interrupt row as the driver gives it (vcpu -1: an SPI or LPI no vCPU has yet). */
struct track {
	int vcpu;
	int64_t intid;
	int state; /* LIFE_IDLE, LIFE_PENDING, LIFE_ACTIVE */
	int64_t since;
	int row; /* index of its window row, -1: none yet */
};

/*
 * The scanner: per-vCPU lane state from the events, and the interrupt
 * rows the replay driver's lifecycle tracker gives (build_summaries).
 */
struct scanner {
	struct tl_window *w;
	int *lane_state; /* per vCPU: enum tl_lane_state, -1 unknown */
	int64_t *lane_since;
	struct track *tracks;
	int ntracks, cap;
	tl_progress_fn progress; /* the build's progress, may be NULL */
	void *progress_arg;
	int64_t max_id, nitems;
	int64_t last_ts; /* of the last event taken: where a restart's lanes begin */
};

/* Start a scanner over window w. */
static void scanner_init(struct scanner *s, struct tl_window *w)
{
	memset(s, 0, sizeof(*s));
	s->w = w;
	s->lane_state = vr_xcalloc((size_t)(w->nvcpus + 1), sizeof(int));
	s->lane_since = vr_xcalloc((size_t)(w->nvcpus + 1), sizeof(int64_t));
	for (int v = 0; v < w->nvcpus; v++)
		s->lane_state[v] = -1;
}

/* The track of (vcpu, intid), created idle; valid until the next track is created. */
static struct track *track(struct scanner *s, int vcpu, int64_t intid)
{
	for (int i = 0; i < s->ntracks; i++)
		if (s->tracks[i].vcpu == vcpu && s->tracks[i].intid == intid)
			return &s->tracks[i];
	if (s->ntracks == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->tracks = vr_xrealloc(s->tracks, (size_t)s->cap * sizeof(*s->tracks));
	}
	s->tracks[s->ntracks] = (struct track){vcpu, intid, LIFE_IDLE, 0, -1};
	return &s->tracks[s->ntracks++];
}

/* The window row a track draws into (vCPU -1 too: it is renamed when its vCPU is known). */
static struct tl_irq_row *track_row(struct scanner *s, struct track *t)
{
	if (t->row < 0)
		t->row = (int)(irq_row(s->w, t->vcpu, t->intid) - s->w->irqs);
	return &s->w->irqs[t->row];
}

/*
 * Close the span [since, ts) of the state the track leaves, in its row's
 * bins: one acknowledged and deactivated within a single guest run
 * (active for no time) is active for 1 ns at ts, so that it shows.
 */
static void close_span(struct tl_window *w, struct tl_irq_row *row, int state, int64_t since,
		       int64_t ts)
{
	struct irq_field f = {row, state == LIFE_PENDING ? TL_PENDING : TL_ACTIVE};

	if (state == LIFE_IDLE)
		return;
	if (ts > since)
		spread(w, since, ts, ts - since, irq_ns, &f);
	else if (ts == since && state == LIFE_ACTIVE && ts >= w->start && ts < w->start + w->span)
		row->bins[bin_of(w, ts)].ns[TL_ACTIVE] += 1;
}

/* Move the track to state at ts (never before its last change). */
static void track_set(struct scanner *s, struct track *t, int state, int64_t ts)
{
	struct tl_irq_row *row = track_row(s, t);

	if (ts < t->since)
		ts = t->since;
	close_span(s->w, row, t->state, t->since, ts);
	t->state = state;
	t->since = ts;
}

/* An injection at ts into a row's and its vCPU's bins (vCPU -1: the row's only). */
static void mark_injection(struct tl_window *w, struct tl_irq_row *row, int64_t ts)
{
	int b;

	if (ts < w->start || ts >= w->start + w->span)
		return;
	b = bin_of(w, ts);
	row->bins[b].injections++;
	if (row->vcpu >= 0 && row->vcpu < w->nvcpus)
		lane(w, row->vcpu, b)->injections++;
}

/*
 * An SPI or LPI given for no vCPU so far now has one, v: its row is v's
 * from the start (the accounting moves its counts likewise), and so are
 * its injections in the lanes.
 */
static void track_attribute(struct scanner *s, int v, int64_t intid)
{
	struct tl_irq_row *row;
	struct track *t = NULL;

	for (int i = 0; i < s->ntracks && !t; i++)
		if (s->tracks[i].vcpu == -1 && s->tracks[i].intid == intid)
			t = &s->tracks[i];
	if (!t)
		return;
	t->vcpu = v;
	row = track_row(s, t);
	row->vcpu = v;
	for (int b = 0; b < s->w->ncols; b++)
		lane(s->w, v, b)->injections += row->bins[b].injections;
}

/*
 * replay_life_fn: the driver's lifecycle tracker says what an interrupt
 * did (the same tracker, under the same profile, as check's accounting).
 */
static void on_life(enum replay_life what, int64_t ts, int64_t vcpu, uint32_t intid, void *arg)
{
	struct scanner *s = arg;
	int v = vcpu == VR_NO_VALUE ? -1 : (int)vcpu;
	struct track *t;

	if (v < -1 || v >= s->w->nvcpus)
		return; /* a vCPU beyond the trace's lanes */
	if (what == REPLAY_LIFE_ATTRIBUTED) {
		track_attribute(s, v, intid);
		return;
	}
	t = track(s, v, intid);
	if (what == REPLAY_LIFE_INJECTED) {
		mark_injection(s->w, track_row(s, t), ts);
		life_put(track_row(s, t), ts, LIFE_INJECTED);
		return;
	}
	track_set(s, t, what == REPLAY_LIFE_PENDING ? LIFE_PENDING
			: what == REPLAY_LIFE_ACTIVE ? LIFE_ACTIVE : LIFE_IDLE, ts);
	life_put(track_row(s, t), ts, t->state);
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

/* A flush: counted in its vCPU's lane, with the LRs it filled. */
static void scan_flush(struct scanner *s, const struct trace_item *it, int v)
{
	struct tl_lane_bin *b;
	int64_t used = it->has_snapshot ? it->snap.used_lrs : 0;

	if (it->ev.ts_ns < s->w->start || it->ev.ts_ns >= s->w->start + s->w->span)
		return;
	b = lane(s->w, v, bin_of(s->w, it->ev.ts_ns));
	b->flushes++;
	if (used > b->max_lrs)
		b->max_lrs = (int32_t)used;
}

/* Feed one event to the lanes: its vCPU's state, events and flushes. */
static void scan_event(struct scanner *s, const struct trace_item *it)
{
	const struct vr_event *e = &it->ev;
	int v = e->vcpu != VR_NO_VALUE && e->vcpu >= 0 && e->vcpu < s->w->nvcpus ? (int)e->vcpu : -1;

	if (!(VR_KIND_BIT(e->kind) & SCAN_KINDS) || v < 0)
		return;
	if (e->ts_ns >= s->w->start && e->ts_ns < s->w->start + s->w->span) {
		struct tl_lane_bin *b = lane(s->w, v, bin_of(s->w, e->ts_ns));

		b->events++;
		b->host_cpu = e->cpu;
	}
	if (e->kind == VR_EV_ENTRY)
		lane_set(s, v, TL_RUN, e->ts_ns);
	else if (e->kind == VR_EV_EXIT || e->kind == VR_EV_WAKEUP)
		lane_set(s, v, TL_HOST, e->ts_ns);
	else if (e->kind == VR_EV_WFX)
		lane_set(s, v, TL_WFI, e->ts_ns);
	else if (e->kind == VR_EV_FLUSH)
		scan_flush(s, it, v);
}

/* replay_item_fn: every event the driver takes, for the lanes and the build's progress. */
static void on_item(const struct trace_item *it, void *arg)
{
	struct scanner *s = arg;

	scan_event(s, it);
	s->last_ts = it->ev.ts_ns;
	if (s->progress && ++s->nitems % 262144 == 0)
		s->progress(it->id, s->max_id, s->progress_arg);
}

/* Close every open span at ts and free the scanner. */
static void scanner_finish(struct scanner *s, int64_t ts)
{
	for (int v = 0; v < s->w->nvcpus; v++)
		lane_set(s, v, -1, ts);
	for (int i = 0; i < s->ntracks; i++)
		track_set(s, &s->tracks[i], LIFE_IDLE, ts);
	free(s->lane_state);
	free(s->lane_since);
	free(s->tracks);
}

/*
 * The driver replays again under the profile its diagnosis matched
 * (replay_check_diagnosed's restart): what the first run gave goes.
 */
static void scanner_restart(void *arg)
{
	struct scanner *s = arg;
	struct tl_window *w = s->w;

	for (int i = 0; i < w->nirqs; i++) {
		free(w->irqs[i].bins);
		if (w->irqs[i].life)
			free(w->irqs[i].life->buf);
		free(w->irqs[i].life);
	}
	w->nirqs = 0;
	memset(w->lanes, 0, (size_t)w->ncols * (size_t)w->nvcpus * sizeof(*w->lanes));
	for (int i = 0; i < w->ncols * w->nvcpus; i++)
		w->lanes[i].host_cpu = -1;
	for (int v = 0; v < w->nvcpus; v++)
		s->lane_state[v] = -1;
	s->ntracks = 0;
	s->nitems = 0;
}

/*
 * Scan the events with ids in [id_lo, id_hi] (VR_NO_VALUE: open) into the
 * scanner's lanes, in trace order, from the event stream.
 */
static int scan_ids(struct tracedb *db, struct scanner *s, int64_t id_lo, int64_t id_hi,
		    struct vr_error *err)
{
	struct trace_filter f;
	struct trace_cursor *c;
	struct trace_item it;
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
	while ((rc = trace_cursor_next(c, &it, err)) == 1)
		scan_event(s, &it);
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
	if (!tl->nlevels) /* level 0 holds the interrupts' lifecycles, also of a short trace */
		tl->bucket[tl->nlevels++] = FINEST_MIN_NS;
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
		     const struct tl_irq_row *row, int level, int b, int64_t per, struct bytes *life)
{
	struct tui_irq_row sum = {.level = level, .vcpu = row->vcpu, .bucket = b, .intid = row->intid};

	for (int64_t i = b * per; i < (b + 1) * per && i < w->ncols; i++) {
		sum.ns[TL_PENDING] += row->bins[i].ns[TL_PENDING];
		sum.ns[TL_ACTIVE] += row->bins[i].ns[TL_ACTIVE];
		sum.injections += row->bins[i].injections;
	}
	if (!sum.ns[TL_PENDING] && !sum.ns[TL_ACTIVE] && !sum.injections)
		return 0;
	if (level == 0 && row->life) { /* level 0 keeps the lifecycle, for zoomed-in screens */
		life_bucket(row->life, bin_start(w, b), bin_start(w, b + 1), life);
		sum.life = life->buf;
		sum.life_len = (int)life->len;
	}
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
	struct bytes life = {0};

	for (int v = 0; v < w->nvcpus && !rc; v++)
		for (int b = 0; b < nb && !rc; b++)
			rc = store_lane(sw, w, level, v, b, per);
	while (first < w->nirqs && w->irqs[first].vcpu < 0)
		first++; /* given for no vCPU to the end: no lane to show them in */
	while (first < w->nirqs && !rc) { /* the rows of one vCPU: [first, end) */
		int end = first;

		while (end < w->nirqs && w->irqs[end].vcpu == w->irqs[first].vcpu)
			end++;
		for (int b = 0; b < nb && !rc; b++)
			for (int r = first; r < end && !rc; r++)
				rc = store_irq(sw, w, &w->irqs[r], level, b, per, &life);
		first = end;
	}
	free(life.buf);
	return rc ? rc : tui_summary_writer_level(sw, &lv);
}

/*
 * One pass of the replay driver over the trace, as check replays it (the
 * kernel's profile, or the one its diagnosis matches): the lanes from
 * every event it takes, the interrupt rows from its lifecycle tracker.
 */
static int replay_lifecycles(struct tracedb *db, struct scanner *s, struct vr_error *err)
{
	struct replay_options opt = {0};
	struct replay_checked run;
	int rc;

	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	opt.life = on_life;
	opt.life_arg = s;
	opt.item = on_item;
	opt.item_arg = s;
	rc = replay_check_diagnosed(db, &opt, NULL, s, scanner_restart, &run, err);
	replay_result_free(&run.res);
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
	scanner_init(&s, &w);
	s.progress = progress;
	s.progress_arg = arg;
	s.max_id = tl->max_id;
	rc = replay_lifecycles(tl->db, &s, err);
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
	int64_t end; /* the trace's last event + 1 */
	int life;    /* the lanes' injections come from the lifecycles (fill_life) */
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
	if (!f->life)
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

/*
 * A level-0 bucket of an interrupt row with its lifecycle (see struct
 * tl_life): its spans and injections drawn into the window's columns,
 * exactly where the driver put them.
 */
static void fill_life(void *arg, const struct tui_irq_row *r)
{
	const struct summary_fill *f = arg;
	const uint8_t *p = r->life, *end = p + r->life_len;
	int64_t at = f->t0 + r->bucket * f->bw, stop = at + f->bw, since = at, prev = at;
	struct tl_irq_row *row;
	int state, moved = 0; /* moved: since is a transition's, not the bucket's start */

	if (!p || r->life_len < 1 || r->vcpu < 0 || r->vcpu >= f->w->nvcpus)
		return;
	if (stop > f->end)
		stop = f->end;
	row = irq_row(f->w, r->vcpu, r->intid);
	state = *p++;
	while (p < end) {
		uint64_t d;
		int code;
		int64_t ts;

		p = get_entry(p, end, &d, &code);
		if (!p)
			break;
		ts = prev = prev + (int64_t)d;
		if (code == LIFE_INJECTED) {
			mark_injection(f->w, row, ts);
			continue;
		}
		if (moved || ts > since)
			close_span(f->w, row, state, since, ts);
		state = code;
		since = ts;
		moved = 1;
	}
	if (stop > since)
		close_span(f->w, row, state, since, stop);
}

/*
 * Fill w from summary level `level`: each bucket spread over the columns
 * it overlaps; at level 0 the interrupts' lifecycles kept there, exact
 * (the injections of a bucket the window's edge cuts fall on their side).
 */
static int window_from_summary(struct timeline *tl, int level, int64_t intid, struct tl_window *w)
{
	int64_t bw = tl->bucket[level];
	int64_t b_lo = (w->start - tl->t0) / bw, b_hi = (w->start + w->span - 1 - tl->t0) / bw;
	struct summary_fill f = {w, tl->t0, bw, tl->t1 + 1, level == 0};

	if (tui_store_summary_read(tl->db, level, w->nvcpus, b_lo, b_hi, intid, fill_lane,
				   level ? fill_irq : NULL, &f))
		return -1;
	if (!level && tui_store_lifecycle_read(tl->db, w->nvcpus, b_lo, b_hi, intid, fill_life, &f))
		return -1;
	w->level = level;
	return 0;
}

/*
 * Fill w from the raw events and the lifecycles of level 0: each lane
 * starts in the state of its last entry, exit or WFI before the window;
 * the interrupt rows are the driver's lifecycles stored with the level-0
 * buckets the window overlaps (fill_life).
 */
static int window_from_events(struct timeline *tl, int64_t intid, struct tl_window *w)
{
	struct vr_error err = {{0}};
	struct tui_event_ref ev;
	struct scanner s;
	int64_t bw = tl->bucket[0], end = w->start + w->span < tl->t1 + 1 ? w->start + w->span
									     : tl->t1 + 1;
	struct summary_fill f = {w, tl->t0, bw, tl->t1 + 1, 1};
	int64_t id_lo, id_hi;
	int rc = 0;

	scanner_init(&s, w);
	for (int v = 0; v < w->nvcpus; v++) {
		if (!tui_store_last_event(tl->db, v, LANE_KINDS, w->start, 0, &ev))
			continue;
		s.lane_state[v] = ev.kind == VR_EV_ENTRY ? TL_RUN : ev.kind == VR_EV_WFX ? TL_WFI : TL_HOST;
		s.lane_since[v] = ev.ts_ns;
	}
	id_lo = tui_store_event_id_at(tl->db, w->start, 1);
	id_hi = tui_store_event_id_at(tl->db, w->start + w->span, -1);
	if (id_lo <= id_hi)
		rc = scan_ids(tl->db, &s, id_lo, id_hi, &err);
	scanner_finish(&s, end);
	if (tui_store_lifecycle_read(tl->db, w->nvcpus, (w->start - tl->t0) / bw,
				     (w->start + w->span - 1 - tl->t0) / bw, intid, fill_life, &f))
		rc = -1;
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
