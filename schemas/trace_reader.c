/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event stream over a trace file (see trace_reader.h).
 *
 * One scan of events in id order (a rowid scan: no sort) and side scans
 * that advance with it, each in event_id order: the snapshots (their
 * registers, and in format 2 the LRs of the row), GICv5's PPI registers,
 * the LRs in (event_id, lr) order (format 1's snapshot_lrs; in format 2
 * only a GICv2 snapshot's LRs past the 16 of its row), the AP-list walks
 * in (event_id, pos) order, and the gaps in after_event_id order. A
 * snapshot is not joined to its event: SQLite computes every result
 * column of every row it steps, so a join would make each event pay for
 * the snapshot columns most events do not have. Each item is built in
 * the caller's struct, so the stream allocates nothing per event and
 * costs the same for a trace of any size.
 */
#define _POSIX_C_SOURCE 200809L
#include "trace_reader.h"

#include <stdlib.h>
#include <string.h>

struct trace_cursor {
	struct tracedb *db;
	struct trace_filter f;
	sqlite3_stmt *ev, *snaps, *ppis, *lrs, *aps, *gaps;
	int snap_row, ppi_row, lrs_row, aps_row, gap_row; /* the last sqlite3_step() of each */
	int64_t snap_at, ppi_at; /* event_id of the row each holds (valid when _ROW) */
	int dense;	/* every snapshot row is wanted: step the side scans, seldom seek */
	int snap_rest;	/* column of ap0r1 in the snapshot scan (apr_all), else 0 */
	int have_event; /* ev holds a row not handed out yet */
	int version;	/* the file's format: where its LRs are */
	int done;
};

/* Columns of the event scan, in order. */
enum {
	COL_ID, COL_TS, COL_CPU, COL_PID, COL_VCPU, COL_KIND, COL_INTID, COL_ARG0,
	COL_SRC_POS = COL_ARG0 + 4,
};

/*
 * Columns of the snapshot scan, in order; in format 2 lr0..lr15 of the
 * row follow, then (trace_filter.apr_all) the other active-priority registers.
 */
enum {
	SNAP_EVENT_ID, SNAP_GIC, SNAP_NR_LRS, SNAP_USED_LRS, SNAP_HCR, SNAP_VMCR, SNAP_AP_LEN,
	SNAP_APR, SNAP_AP0R0, SNAP_AP1R0, SNAP_LR0,
};

/* Columns of the GICv5 PPI scan (format 3), in order. */
enum { PPI_EVENT_ID, PPI_PENDR0, PPI_ACTIVER0 = PPI_PENDR0 + 2, PPI_ENABLER0 = PPI_ACTIVER0 + 2,
       PPI_DVIR0 = PPI_ENABLER0 + 2, PPI_PRIORITYR = PPI_DVIR0 + 2 };

/*
 * Rows a side scan steps over before it seeks instead: stepping computes
 * every column of a row, a seek costs a B-tree descent.
 */
#define SIDE_STEPS 2

/* The kinds the kinds table defines (event_kinds.h), as a set. */
#define KIND_BIT_OF(sfx, num, ...) VR_KIND_BIT(num) |
#define KINDS_KNOWN (VR_EVENT_KINDS(KIND_BIT_OF) 0)
_Static_assert(VR_EV_KIND_MAX <= 64, "kind sets are 64-bit masks");

/* LRs a format-2 snapshots row holds; the rest are in snapshot_lrs_more (trace-v2.sql). */
#define ROW_LRS 16

/* See trace_reader.h. */
void trace_filter_init(struct trace_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->gaps = 1;
	f->snapshots = 1;
	f->apr = 1;
	f->ap_len = 1;
	f->ap_entries = 1;
	f->id_lo = f->id_hi = VR_NO_VALUE;
	f->vcpu = f->intid = VR_NO_VALUE;
	f->from_ns = f->to_ns = VR_NO_VALUE;
}

/* Append printf-style text to a query being built (the buffer is large enough by design). */
static void append(char *q, size_t n, const char *fmt, long long v)
{
	size_t len = strlen(q);

	snprintf(q + len, n - len, fmt, v);
}

/*
 * The event scan for a filter: the event's own columns only (its
 * snapshot comes from a scan of its own, so an event without one costs
 * no join). Several kinds are one bit test against the set, which keeps
 * SQLite on the rowid scan (the kind index would sort) at a few
 * instructions a row; one kind uses the kind index. A kind outside
 * 0..63 is in no set. The windows are bound-free literals of integers.
 */
static void events_query(const struct trace_filter *f, char *q, size_t n)
{
	snprintf(q, n,
		 "SELECT id, ts_ns, cpu, pid, vcpu, kind, intid, arg0, arg1, arg2, arg3, src_pos "
		 "FROM events WHERE 1");
	if (f->kinds && !(f->kinds & (f->kinds - 1))) {
		/* One kind: the kind index gives its events in id order, no scan of the rest. */
		for (int k = 1; k < VR_EV_KIND_MAX && k < 64; k++)
			if (f->kinds == VR_KIND_BIT(k))
				append(q, n, " AND kind = %lld", k);
	} else if (f->kinds) {
		append(q, n, " AND (1 << kind) & %lld", (long long)f->kinds);
	}
	if (f->id_lo != VR_NO_VALUE)
		append(q, n, " AND id >= %lld", (long long)f->id_lo);
	if (f->id_hi != VR_NO_VALUE)
		append(q, n, " AND id <= %lld", (long long)f->id_hi);
	if (f->vcpu != VR_NO_VALUE)
		append(q, n, " AND vcpu = %lld", (long long)f->vcpu);
	if (f->intid != VR_NO_VALUE)
		append(q, n, " AND intid = %lld", (long long)f->intid);
	if (f->from_ns != VR_NO_VALUE)
		append(q, n, " AND ts_ns >= %lld", (long long)f->from_ns);
	if (f->to_ns != VR_NO_VALUE)
		append(q, n, " AND ts_ns <= %lld", (long long)f->to_ns);
	strncat(q, " ORDER BY id", n - strlen(q) - 1);
}

/*
 * The snapshot rows a stream that leaves out some snapshot kinds can
 * want: those of its snapshot kinds' phases (the writer gives a snapshot
 * its event's kind as phase), so that the scan passes the others at the
 * cost of one column and can step instead of seeking. "" for a stream of
 * every snapshot kind. Written into where (n bytes).
 */
static const char *phase_filter(const struct trace_filter *f, char *where, size_t n)
{
	static const struct {
		enum vr_event_kind kind;
		const char *phase;
	} phases[] = {{VR_EV_FLUSH, "'flush'"}, {VR_EV_SYNC, "'sync'"}, {VR_EV_POST, "'post'"}};
	int first = 1;

	where[0] = '\0';
	if (!f->kinds || (f->kinds & VR_KINDS_SNAPSHOT) == VR_KINDS_SNAPSHOT)
		return where;
	snprintf(where, n, " AND phase IN (");
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		if (f->kinds & VR_KIND_BIT(phases[i].kind)) {
			strncat(where, first ? "" : ", ", n - strlen(where) - 1);
			strncat(where, phases[i].phase, n - strlen(where) - 1);
			first = 0;
		}
	strncat(where, first ? "NULL)" : ")", n - strlen(where) - 1);
	return where;
}

/*
 * The snapshot scan, in event_id order from ?1 (a side scan: it steps
 * through a dense stream, seeks for a sparse one): the registers,
 * vgic_post's AP-list length and, in format 2, the LRs of the row. Every
 * column costs each row (SQLite computes a row's result columns whole),
 * so the registers no consumer asked for are not selected.
 */
static void snapshots_query(const struct trace_filter *f, int version, char *q, size_t n)
{
	char where[64];

	snprintf(q, n,
		 "SELECT event_id, gic_version, nr_lrs, used_lrs, hcr, vmcr, %s, %s%s%s FROM snapshots s "
		 "WHERE event_id >= ?1%s ORDER BY event_id",
		 f->ap_len ? "CASE WHEN ap_list_truncated IS NULL THEN -1 WHEN ap_list_truncated "
			     "THEN 1000000 ELSE (SELECT count(*) FROM ap_list_entries a "
			     "WHERE a.event_id = s.event_id) END"
			   : "-1",
		 f->apr ? "apr, ap0r0, ap1r0" : "NULL, NULL, NULL",
		 version >= 2 ? ", lr0, lr1, lr2, lr3, lr4, lr5, lr6, lr7, lr8, lr9, lr10, lr11, "
				"lr12, lr13, lr14, lr15"
			      : "",
		 f->apr && f->apr_all ? ", ap0r1, ap0r2, ap0r3, ap1r1, ap1r2, ap1r3" : "",
		 phase_filter(f, where, sizeof(where)));
}

/*
 * Does the stream want every snapshot row of its phases (then its side
 * scans step along with it rather than seek)? Not when it filters events
 * by vCPU, INTID or time.
 */
static int wants_every_snapshot(const struct trace_filter *f)
{
	return f->vcpu == VR_NO_VALUE && f->intid == VR_NO_VALUE && f->from_ns == VR_NO_VALUE &&
	       f->to_ns == VR_NO_VALUE;
}

/* Prepare one statement, naming the file in the error. */
static int prepare(struct tracedb *db, const char *q, sqlite3_stmt **st, struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(db);

	if (sqlite3_prepare_v2(sql, q, -1, st, NULL) == SQLITE_OK)
		return 0;
	return vr_error_set(err, "reading the trace: %s", sqlite3_errmsg(sql));
}

/* (Re)start a side scan at the first row with event_id >= from; *at gets its event_id. */
static int side_seek(sqlite3_stmt *st, int64_t from, int64_t *at)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, from);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*at = sqlite3_column_int64(st, 0);
	return rc;
}

/*
 * Bring a side scan (ordered by event_id, column 0) to event_id: in a
 * dense stream a few steps forward, else a seek (a step computes the
 * whole row it passes; a seek costs a B-tree descent). 1 when its row is
 * event_id's.
 */
static int side_reach(sqlite3_stmt *st, int *row, int64_t *at, int64_t event_id, int dense)
{
	for (int i = 0; *row == SQLITE_ROW && *at < event_id; i++) {
		if (i == (dense ? SIDE_STEPS : 0)) {
			*row = side_seek(st, event_id, at);
			break;
		}
		*row = sqlite3_step(st);
		if (*row == SQLITE_ROW)
			*at = sqlite3_column_int64(st, 0);
	}
	return *row == SQLITE_ROW && *at == event_id;
}

/* See trace_reader.h. */
struct trace_cursor *trace_cursor_open(struct tracedb *db, const struct trace_filter *f,
				       struct vr_error *err)
{
	struct trace_cursor *c = vr_xcalloc(1, sizeof(*c));
	int64_t from = f->id_lo != VR_NO_VALUE ? f->id_lo : INT64_MIN;
	char q[1024], sq[768], lq[256], aq[320];

	c->db = db;
	c->f = *f;
	c->version = tracedb_format_version(db);
	c->dense = wants_every_snapshot(f);
	c->snap_rest = f->apr && f->apr_all ? SNAP_LR0 + (c->version >= 2 ? ROW_LRS : 0) : 0;
	events_query(f, q, sizeof(q));
	snapshots_query(f, c->version, sq, sizeof(sq));
	/* Format 1 keeps every LR in snapshot_lrs; format 2 only those past lr15. */
	snprintf(lq, sizeof(lq), "SELECT event_id, lr, value FROM %s%s ORDER BY event_id, lr",
		 c->version >= 2 ? "snapshot_lrs_more" : "snapshot_lrs",
		 f->id_lo != VR_NO_VALUE ? " WHERE event_id >= ?1" : "");
	snprintf(aq, sizeof(aq),
		 "SELECT event_id, pos, intid, coalesce(priority, 0), coalesce(active, 0), "
		 "coalesce(pending_latch, 0), coalesce(line_level, 0), coalesce(enabled, 0), "
		 "coalesce(hw, 0), config IS 'level', coalesce(target_vcpu, -1) FROM ap_list_entries "
		 "WHERE intid BETWEEN 0 AND 4294967295%s ORDER BY event_id, pos",
		 f->id_lo != VR_NO_VALUE ? " AND event_id >= ?1" : "");
	if (prepare(db, q, &c->ev, err))
		goto fail;
	if (f->snapshots) {
		if (prepare(db, sq, &c->snaps, err))
			goto fail;
		c->snap_row = side_seek(c->snaps, from, &c->snap_at);
	}
	if (f->snapshots && c->version >= 3) {
		if (prepare(db,
			    "SELECT event_id, pendr0, pendr1, activer0, activer1, enabler0, enabler1, "
			    "dvir0, dvir1, priorityr FROM ppi_snapshots WHERE event_id >= ?1 "
			    "ORDER BY event_id",
			    &c->ppis, err))
			goto fail;
		c->ppi_row = side_seek(c->ppis, from, &c->ppi_at);
	}
	if (f->snapshots && f->ap_len && f->ap_entries) {
		if (prepare(db, aq, &c->aps, err))
			goto fail;
		if (f->id_lo != VR_NO_VALUE)
			sqlite3_bind_int64(c->aps, 1, f->id_lo);
		c->aps_row = sqlite3_step(c->aps);
	}
	if (f->snapshots) {
		if (prepare(db, lq, &c->lrs, err))
			goto fail;
		if (f->id_lo != VR_NO_VALUE)
			sqlite3_bind_int64(c->lrs, 1, f->id_lo);
		c->lrs_row = sqlite3_step(c->lrs);
	}
	if (f->gaps) {
		if (prepare(db,
			    "SELECT coalesce(after_event_id, 0), coalesce(lost, -1), cpu, "
			    "coalesce(start_ts_ns, 0), coalesce(end_ts_ns, 0) FROM gaps "
			    "ORDER BY coalesce(after_event_id, 0)",
			    &c->gaps, err))
			goto fail;
		c->gap_row = sqlite3_step(c->gaps);
	}
	return c;
fail:
	trace_cursor_close(c);
	return NULL;
}

/*
 * An integer column, VR_NO_VALUE when NULL: one column call (each takes
 * the connection's API entry and exit), then the value's type and integer.
 */
static int64_t column_or_none(sqlite3_stmt *st, int col)
{
	sqlite3_value *v = sqlite3_column_value(st, col);

	return sqlite3_value_type(v) == SQLITE_NULL ? VR_NO_VALUE : sqlite3_value_int64(v);
}

/* Advance the LR scan to event_id and copy that snapshot's LRs (zero where not recorded). */
static void read_lrs(struct trace_cursor *c, int64_t event_id, uint64_t *lr)
{
	sqlite3_stmt *st = c->lrs;

	memset(lr, 0, sizeof(uint64_t) * VR_MAX_LRS);
	while (c->lrs_row == SQLITE_ROW && sqlite3_column_int64(st, 0) < event_id)
		c->lrs_row = sqlite3_step(st);
	while (c->lrs_row == SQLITE_ROW && sqlite3_column_int64(st, 0) == event_id) {
		int i = sqlite3_column_int(st, 1);

		if (i >= 0 && i < VR_MAX_LRS)
			lr[i] = (uint64_t)sqlite3_column_int64(st, 2);
		c->lrs_row = sqlite3_step(st);
	}
}

/*
 * Advance the AP-list scan to event_id and copy that walk's entries, in
 * list order, when the whole walk fits (the collector cuts longer ones
 * and says so: ap_len is then TRACE_AP_LEN_TRUNCATED and nothing is
 * copied).
 */
static void read_ap_entries(struct trace_cursor *c, int64_t event_id, struct trace_item *it)
{
	sqlite3_stmt *st = c->aps;

	it->nap = 0;
	while (c->aps_row == SQLITE_ROW && sqlite3_column_int64(st, 0) < event_id)
		c->aps_row = sqlite3_step(st);
	while (c->aps_row == SQLITE_ROW && sqlite3_column_int64(st, 0) == event_id) {
		if (it->ap_len >= 0 && it->ap_len <= TRACE_MAX_AP && it->nap < TRACE_MAX_AP) {
			struct vr_ap_entry *e = &it->ap[it->nap++];

			e->intid = (uint32_t)sqlite3_column_int64(st, 2);
			e->priority = sqlite3_column_int(st, 3);
			e->active = sqlite3_column_int(st, 4) != 0;
			e->pending_latch = sqlite3_column_int(st, 5) != 0;
			e->line_level = sqlite3_column_int(st, 6) != 0;
			e->enabled = sqlite3_column_int(st, 7) != 0;
			e->hw = sqlite3_column_int(st, 8) != 0;
			e->level_config = sqlite3_column_int(st, 9) != 0;
			e->target_vcpu = sqlite3_column_int(st, 10);
		}
		c->aps_row = sqlite3_step(st);
	}
	if (it->nap != it->ap_len)
		it->nap = 0; /* rows that cannot be (an INTID out of range) or do not add up */
}

/*
 * The PPI registers of a GICv5 snapshot row (format 3). A priorityr blob
 * of any other length than the sixteen registers is not taken.
 */
static void read_ppi_state(sqlite3_stmt *st, struct vr_ppi_state *p)
{
	const void *blob = sqlite3_column_blob(st, PPI_PRIORITYR);

	p->recorded = 1;
	p->has_pendr = sqlite3_column_type(st, PPI_PENDR0) != SQLITE_NULL;
	for (int x = 0; x < 2; x++) {
		p->pendr[x] = (uint64_t)sqlite3_column_int64(st, PPI_PENDR0 + x);
		p->activer[x] = (uint64_t)sqlite3_column_int64(st, PPI_ACTIVER0 + x);
		p->enabler[x] = (uint64_t)sqlite3_column_int64(st, PPI_ENABLER0 + x);
		p->dvir[x] = (uint64_t)sqlite3_column_int64(st, PPI_DVIR0 + x);
	}
	if (blob && sqlite3_column_bytes(st, PPI_PRIORITYR) == (int)sizeof(p->priority)) {
		memcpy(p->priority, blob, sizeof(p->priority));
		p->has_priority = 1;
	}
}

/*
 * Fill the snapshot of the current event (a snapshot kind) from the
 * snapshot scan, brought to its id; vgic_post's AP-list length with it.
 */
static void read_snapshot(struct trace_cursor *c, struct trace_item *it)
{
	sqlite3_stmt *st = c->snaps;
	struct vr_snapshot *s = &it->snap;

	it->has_snapshot = side_reach(st, &c->snap_row, &c->snap_at, it->id, c->dense);
	if (!it->has_snapshot)
		return;
	s->gic_version = sqlite3_column_int(st, SNAP_GIC);
	s->nr_lrs = sqlite3_column_int(st, SNAP_NR_LRS); /* bounded: lr[] holds VR_MAX_LRS */
	if (s->nr_lrs > VR_MAX_LRS)
		s->nr_lrs = VR_MAX_LRS;
	if (s->nr_lrs < 0)
		s->nr_lrs = 0;
	s->used_lrs = sqlite3_column_int64(st, SNAP_USED_LRS);
	s->hcr = sqlite3_column_int64(st, SNAP_HCR);
	s->vmcr = sqlite3_column_int64(st, SNAP_VMCR);
	s->apr = column_or_none(st, SNAP_APR);
	s->ap0r[0] = column_or_none(st, SNAP_AP0R0);
	s->ap1r[0] = column_or_none(st, SNAP_AP1R0);
	for (int i = 1; i < 4; i++) {
		s->ap0r[i] = c->snap_rest ? column_or_none(st, c->snap_rest + i - 1) : VR_NO_VALUE;
		s->ap1r[i] = c->snap_rest ? column_or_none(st, c->snap_rest + 2 + i) : VR_NO_VALUE;
	}
	if (it->ev.kind == VR_EV_POST)
		it->ap_len = sqlite3_column_int(st, SNAP_AP_LEN);
	read_lrs(c, it->id, s->lr);
	for (int i = 0; c->version >= 2 && i < ROW_LRS && i < s->nr_lrs; i++)
		s->lr[i] = (uint64_t)sqlite3_column_int64(st, SNAP_LR0 + i);
	memset(&s->ppi, 0, sizeof(s->ppi));
	if (c->ppis && side_reach(c->ppis, &c->ppi_row, &c->ppi_at, it->id, c->dense))
		read_ppi_state(c->ppis, &s->ppi);
}

/*
 * See trace_reader.h. Check what the file says against what a trace can
 * hold, once, here at the boundary: a trace is input from a stranger, and nothing downstream
 * indexes an array with a value this has not bounded. A bad row is an
 * error naming the file and the event, never a crash or a silent guess.
 */
int trace_item_validate(const struct trace_item *it, struct vr_error *err)
{
	const struct vr_event *e = &it->ev;
	const char *what = NULL;
	int64_t v = 0;

	if (e->kind <= VR_EV_NONE || e->kind >= VR_EV_KIND_MAX || !(VR_KIND_BIT(e->kind) & KINDS_KNOWN))
		what = "kind", v = e->kind;
	else if (e->vcpu != VR_NO_VALUE && (e->vcpu < 0 || e->vcpu >= TRACE_MAX_VCPUS))
		what = "vCPU", v = e->vcpu;
	else if (e->intid != VR_NO_VALUE && (e->intid < 0 || e->intid > UINT32_MAX))
		what = "INTID", v = e->intid;
	else if (e->cpu < 0 || e->pid < 0)
		what = e->cpu < 0 ? "CPU" : "thread id", v = e->cpu < 0 ? e->cpu : e->pid;
	else if (e->ts_ns < 0 || e->ts_ns > TRACE_MAX_TS_NS)
		what = "timestamp", v = e->ts_ns;
	else if (it->has_snapshot && it->snap.gic_version != 0 && it->snap.gic_version != 2 &&
		 it->snap.gic_version != 3 && it->snap.gic_version != 5) /* 0: never known */
		what = "GIC version", v = it->snap.gic_version;
	else if (it->has_snapshot && it->snap.ppi.recorded && it->snap.gic_version != 5)
		what = "PPI registers on a snapshot of GIC version", v = it->snap.gic_version;
	else if (it->has_snapshot && (it->snap.used_lrs < 0 || it->snap.used_lrs > VR_MAX_LRS))
		what = "LRs in use", v = it->snap.used_lrs;
	else if (it->ap_len < -1)
		what = "AP-list length", v = it->ap_len;
	for (int i = 0; !what && i < it->nap && i < TRACE_MAX_AP; i++)
		if (it->ap[i].priority < 0 || it->ap[i].priority > 255)
			what = "AP-list entry priority", v = it->ap[i].priority;
		else if (it->ap[i].target_vcpu < -1 || it->ap[i].target_vcpu >= TRACE_MAX_VCPUS)
			what = "AP-list entry target vCPU", v = it->ap[i].target_vcpu;
	if (it->nap < 0 || it->nap > TRACE_MAX_AP)
		what = "AP-list entries", v = it->nap;
	if (!what)
		return 0;
	return vr_error_set(err, "event %lld: %s %lld out of range (a damaged or foreign trace)",
			    (long long)it->id, what, (long long)v);
}

/*
 * A gap row is as much a stranger's input as an event: its times bound
 * the replay's windows and its CPU is printed, so both are checked here.
 */
static int gap_validate(const struct trace_item *it, struct vr_error *err)
{
	const char *what = NULL;
	int64_t v = 0;

	if (it->gap.start_ns < 0 || it->gap.start_ns > TRACE_MAX_TS_NS)
		what = "start time", v = it->gap.start_ns;
	else if (it->gap.end_ns < 0 || it->gap.end_ns > TRACE_MAX_TS_NS)
		what = "end time", v = it->gap.end_ns;
	else if (it->gap.cpu < -1)
		what = "CPU", v = it->gap.cpu;
	if (!what)
		return 0;
	return vr_error_set(err,
			    "gap after event %lld: %s %lld out of range (a damaged or foreign trace)",
			    (long long)it->id, what, (long long)v);
}

/* Fill an event item from the current event row. */
static void read_event(struct trace_cursor *c, struct trace_item *it)
{
	sqlite3_stmt *st = c->ev;
	struct vr_event *e = &it->ev;

	it->type = TRACE_ITEM_EVENT;
	it->id = sqlite3_column_int64(st, COL_ID);
	e->ts_ns = sqlite3_column_int64(st, COL_TS);
	e->cpu = sqlite3_column_int(st, COL_CPU);
	e->pid = sqlite3_column_int(st, COL_PID);
	e->vcpu = column_or_none(st, COL_VCPU);
	e->kind = (enum vr_event_kind)sqlite3_column_int(st, COL_KIND);
	e->intid = column_or_none(st, COL_INTID);
	for (int i = 0; i < 4; i++)
		e->arg[i] = column_or_none(st, COL_ARG0 + i);
	e->src_pos = column_or_none(st, COL_SRC_POS);
	it->has_snapshot = 0;
	it->ap_len = -1;
	it->nap = 0;
	if (c->f.snapshots && e->kind > 0 && e->kind < 64 &&
	    (VR_KIND_BIT(e->kind) & VR_KINDS_SNAPSHOT)) {
		read_snapshot(c, it);
		if (e->kind == VR_EV_POST && c->aps)
			read_ap_entries(c, it->id, it);
	}
}

/* Fill a gap item from the current gap row and advance the gap scan. */
static void read_gap(struct trace_cursor *c, struct trace_item *it)
{
	memset(it, 0, sizeof(*it));
	it->type = TRACE_ITEM_GAP;
	it->id = sqlite3_column_int64(c->gaps, 0);
	it->ev.kind = VR_EV_NONE;
	it->ap_len = -1;
	it->gap.lost = sqlite3_column_int64(c->gaps, 1);
	if (it->gap.lost < -1)
		it->gap.lost = -1; /* a count that cannot be: unknown */
	it->gap.cpu = sqlite3_column_int(c->gaps, 2);
	it->gap.start_ns = sqlite3_column_int64(c->gaps, 3);
	it->gap.end_ns = sqlite3_column_int64(c->gaps, 4);
	c->gap_row = sqlite3_step(c->gaps);
}

/* See trace_reader.h: a gap comes before the first event after it, the rest at the end. */
int trace_cursor_next(struct trace_cursor *c, struct trace_item *it, struct vr_error *err)
{
	int rc;

	if (!c->have_event && !c->done) {
		rc = sqlite3_step(c->ev);
		if (rc == SQLITE_ROW)
			c->have_event = 1;
		else if (rc == SQLITE_DONE)
			c->done = 1;
		else
			return vr_error_set(err, "reading the trace: %s",
					    sqlite3_errmsg(tracedb_sqlite(c->db)));
	}
	if (c->gaps && c->gap_row == SQLITE_ROW &&
	    (c->done || sqlite3_column_int64(c->gaps, 0) < sqlite3_column_int64(c->ev, COL_ID))) {
		read_gap(c, it);
		return gap_validate(it, err) ? -1 : 1;
	}
	if (c->done)
		return 0;
	read_event(c, it);
	c->have_event = 0;
	return trace_item_validate(it, err) ? -1 : 1;
}

/* See trace_reader.h. */
void trace_cursor_close(struct trace_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->ev);
	sqlite3_finalize(c->snaps);
	sqlite3_finalize(c->ppis);
	sqlite3_finalize(c->lrs);
	sqlite3_finalize(c->aps);
	sqlite3_finalize(c->gaps);
	free(c);
}

/* trace_source's next() for a cursor. */
static int cursor_next(void *self, struct trace_item *it, struct vr_error *err)
{
	return trace_cursor_next(self, it, err);
}

/* See trace_reader.h. */
struct trace_source trace_cursor_source(struct trace_cursor *c)
{
	struct trace_source s = {cursor_next, c};

	return s;
}

/* One integer from a query without parameters; dflt when NULL or no row. */
static int64_t query_int(sqlite3 *sql, const char *q, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The kinds that occur, one index probe each. */
static uint64_t kinds_present(sqlite3 *sql)
{
	uint64_t present = 0;
	char q[96];

	for (int k = 1; k < VR_EV_KIND_MAX && k < 64; k++) {
		snprintf(q, sizeof(q), "SELECT EXISTS (SELECT 1 FROM events WHERE kind = %d)", k);
		if (query_int(sql, q, 0))
			present |= VR_KIND_BIT(k);
	}
	return present;
}

/* See trace_reader.h. */
int trace_facts_read(struct tracedb *db, struct trace_facts *f, struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(db);
	sqlite3_stmt *st;
	int64_t v;

	memset(f, 0, sizeof(*f));
	f->first_ts_ns = f->last_ts_ns = VR_NO_VALUE;
	if (sqlite3_prepare_v2(sql,
			       "SELECT kernel_release, gic_version, nr_lrs, snapshots_total, "
			       "first_ts_ns, last_ts_ns FROM trace_info",
			       -1, &st, NULL) != SQLITE_OK)
		return vr_error_set(err, "reading trace_info: %s", sqlite3_errmsg(sql));
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_text(st, 0))
			snprintf(f->kernel_release, sizeof(f->kernel_release), "%s",
				 (const char *)sqlite3_column_text(st, 0));
		vr_printable(f->kernel_release); /* it reaches terminals in messages */
		f->gic_version = sqlite3_column_int(st, 1);
		f->nr_lrs = sqlite3_column_int(st, 2);
		f->snapshots_total = sqlite3_column_int64(st, 3);
		f->first_ts_ns = column_or_none(st, 4);
		f->last_ts_ns = column_or_none(st, 5);
	}
	sqlite3_finalize(st);
	if (tracedb_format_version(db) >= 3 &&
	    sqlite3_prepare_v2(sql, "SELECT synthetic FROM trace_info", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(f->synthetic, sizeof(f->synthetic), "%s",
				 (const char *)sqlite3_column_text(st, 0));
		vr_printable(f->synthetic);
		sqlite3_finalize(st);
	}
	/*
	 * Bounded: a larger id is refused by the stream itself (trace_item_validate).
	 * The IS NOT NULL lets the partial vCPU index answer without a scan.
	 */
	v = query_int(sql, "SELECT coalesce(max(vcpu), 0) + 1 FROM events WHERE vcpu IS NOT NULL", 1);
	f->nr_vcpus = v < 1 ? 1 : v > TRACE_MAX_VCPUS ? TRACE_MAX_VCPUS : (int)v;
	/* The partial index on intid answers this without a scan. */
	f->max_intid = query_int(sql, "SELECT max(intid) FROM events WHERE intid IS NOT NULL", -1);
	f->max_event_id = query_int(sql, "SELECT max(id) FROM events", 0);
	f->kinds_present = kinds_present(sql);
	return 0;
}
