/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUI's tables and lookups in a trace file (see tui_store.h).
 *
 * Every lookup is a statement prepared for one call: a screen makes a
 * dozen of them, so preparing costs nothing next to drawing, and the
 * connection keeps no statement open between screens (the summary
 * writer's DROP TABLE would otherwise find the tables locked). The one
 * loop that seeks many times, the findings row, keeps its statement for
 * the whole walk. The lookup of the last event of some kinds puts a
 * unary + on events.kind, so that SQLite walks the ts_ns or (vcpu, ts_ns)
 * index backwards and stops at the first match rather than collecting
 * the kinds' rows from a kind index and sorting them.
 */
#define _POSIX_C_SOURCE 200809L
#include "tui_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The summary tables, in the file ("") or in temporary tables ("temp."). */
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
	"lifecycle BLOB, PRIMARY KEY (level, vcpu, bucket, intid)) WITHOUT ROWID;";

static const char summary_drop[] = "DROP TABLE IF EXISTS tui_summary_levels; DROP TABLE IF EXISTS "
				   "tui_summary; DROP TABLE IF EXISTS tui_summary_irq;";

/* ---------------------------------------------------------------- helpers */

/* Prepare a statement; 0 or -1 (a table the file does not have, usually). */
static int prepare(struct tracedb *db, const char *q, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, st, NULL) == SQLITE_OK ? 0 : -1;
}

/* An integer column, VR_NO_VALUE when NULL. */
static int64_t column_or_none(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? VR_NO_VALUE
							    : sqlite3_column_int64(st, col);
}

/* A text column copied into buf of n bytes ("" when NULL). */
static void column_text(sqlite3_stmt *st, int col, char *buf, size_t n)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(buf, n, "%s", s ? (const char *)s : "");
}

/*
 * One integer from a query: its integer parameters ?1..?np from p, the
 * text parameter ?4 from text when not NULL; none when NULL or no row.
 */
static int64_t query_int(struct tracedb *db, const char *q, const int64_t *p, int np,
			 const char *text, int64_t none)
{
	sqlite3_stmt *st;
	int64_t v = none;

	if (prepare(db, q, &st))
		return none;
	for (int i = 0; i < np; i++)
		sqlite3_bind_int64(st, i + 1, p[i]);
	if (text)
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Run SQL without rows; err (may be NULL) names the failure. */
static int exec(struct tracedb *db, const char *q, struct vr_error *err)
{
	char *msg = NULL;
	sqlite3 *sql = tracedb_sqlite(db);

	if (sqlite3_exec(sql, q, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	vr_error_set(err, "tui summaries: %s", msg ? msg : sqlite3_errmsg(sql));
	sqlite3_free(msg);
	return -1;
}

/* The kinds of a VR_KIND_BIT set as an SQL list ("20, 21"); "NULL" for none. */
static void kind_list(uint64_t kinds, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 1; k < VR_EV_KIND_MAX && k < 64 && len < n; k++)
		if (kinds & VR_KIND_BIT(k))
			len += (size_t)snprintf(buf + len, n - len, len ? ", %d" : "%d", k);
	if (!buf[0])
		snprintf(buf, n, "NULL");
}

/* ---------------------------------------------------------------- the trace */

/* See tui_store.h. */
void tui_store_trace_info(struct tracedb *db, struct tui_trace_info *ti)
{
	sqlite3_stmt *st;

	ti->first_ns = ti->last_ns = ti->events_total = VR_NO_VALUE;
	if (!prepare(db, "SELECT first_ts_ns, last_ts_ns, events_total FROM trace_info", &st)) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			ti->first_ns = column_or_none(st, 0);
			ti->last_ns = column_or_none(st, 1);
			ti->events_total = column_or_none(st, 2);
		}
		sqlite3_finalize(st);
	}
	ti->nvcpus = query_int(db, "SELECT max(vcpu) + 1 FROM vcpus", NULL, 0, NULL, VR_NO_VALUE);
	ti->max_event_id = query_int(db, "SELECT max(id) FROM events", NULL, 0, NULL, 0);
}

/* ---------------------------------------------------------------- summaries */

/* See tui_store.h. */
int tui_store_levels(struct tracedb *db, struct tui_summary_level *lv, int max)
{
	sqlite3_stmt *st;
	int n = 0;

	if (prepare(db,
		    "SELECT level, bucket_ns, origin_ns, buckets, events_total, last_ts_ns, version "
		    "FROM tui_summary_levels ORDER BY level",
		    &st))
		return -1;
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		lv[n].level = sqlite3_column_int(st, 0);
		lv[n].bucket_ns = sqlite3_column_int64(st, 1);
		lv[n].origin_ns = sqlite3_column_int64(st, 2);
		lv[n].buckets = sqlite3_column_int64(st, 3);
		lv[n].events_total = sqlite3_column_int64(st, 4);
		lv[n].last_ts_ns = sqlite3_column_int64(st, 5);
		lv[n].version = sqlite3_column_int(st, 6);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* Hand the lane rows of one vCPU that st (bound, reset after) yields to fn. */
static void read_lanes(sqlite3_stmt *st, int level, int vcpu, tui_lane_fn fn, void *arg)
{
	struct tui_lane_row r = {.level = level, .vcpu = vcpu};

	while (sqlite3_step(st) == SQLITE_ROW) {
		r.bucket = sqlite3_column_int64(st, 0);
		for (int k = 0; k < 3; k++)
			r.ns[k] = sqlite3_column_int64(st, 1 + k);
		r.events = sqlite3_column_int(st, 4);
		r.injections = sqlite3_column_int(st, 5);
		r.flushes = sqlite3_column_int(st, 6);
		r.max_lrs = sqlite3_column_int(st, 7);
		r.host_cpu = sqlite3_column_int(st, 8);
		fn(arg, &r);
	}
	sqlite3_reset(st);
}

/* Hand the interrupt rows of one vCPU that st (bound, reset after) yields to fn. */
static void read_irqs(sqlite3_stmt *st, int level, int vcpu, tui_irq_fn fn, void *arg)
{
	struct tui_irq_row r = {.level = level, .vcpu = vcpu};

	while (sqlite3_step(st) == SQLITE_ROW) {
		r.bucket = sqlite3_column_int64(st, 0);
		r.intid = sqlite3_column_int64(st, 1);
		r.ns[0] = sqlite3_column_int64(st, 2);
		r.ns[1] = sqlite3_column_int64(st, 3);
		r.injections = sqlite3_column_int(st, 4);
		fn(arg, &r);
	}
	sqlite3_reset(st);
}

/* See tui_store.h. */
int tui_store_summary_read(struct tracedb *db, int level, int nvcpus, int64_t b_lo, int64_t b_hi,
			   int64_t intid, tui_lane_fn lane, tui_irq_fn irq, void *arg)
{
	sqlite3_stmt *ls, *is;

	if (prepare(db,
		    "SELECT bucket, run_ns, host_ns, wfi_ns, events, injections, flushes, "
		    "max_lrs, coalesce(host_cpu, -1) FROM tui_summary WHERE level = ?1 "
		    "AND vcpu = ?2 AND bucket BETWEEN ?3 AND ?4",
		    &ls))
		return -1;
	if (prepare(db,
		    "SELECT bucket, intid, pending_ns, active_ns, injections FROM "
		    "tui_summary_irq WHERE level = ?1 AND vcpu = ?2 AND bucket BETWEEN ?3 "
		    "AND ?4 AND (?5 < 0 OR intid = ?5)",
		    &is)) {
		sqlite3_finalize(ls);
		return -1;
	}
	for (int v = 0; v < nvcpus; v++) {
		sqlite3_stmt *both[2] = {ls, is};

		for (int i = 0; i < 2; i++) {
			sqlite3_bind_int(both[i], 1, level);
			sqlite3_bind_int(both[i], 2, v);
			sqlite3_bind_int64(both[i], 3, b_lo);
			sqlite3_bind_int64(both[i], 4, b_hi);
		}
		sqlite3_bind_int64(is, 5, intid);
		read_lanes(ls, level, v, lane, arg);
		if (irq)
			read_irqs(is, level, v, irq, arg);
	}
	sqlite3_finalize(ls);
	sqlite3_finalize(is);
	return 0;
}

/* See tui_store.h. */
int tui_store_lifecycle_read(struct tracedb *db, int nvcpus, int64_t b_lo, int64_t b_hi,
			     int64_t intid, tui_irq_fn irq, void *arg)
{
	struct tui_irq_row r = {.level = 0};
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT bucket, intid, lifecycle FROM tui_summary_irq WHERE level = 0 AND "
		    "vcpu = ?1 AND bucket BETWEEN ?2 AND ?3 AND (?4 < 0 OR intid = ?4) AND "
		    "lifecycle IS NOT NULL",
		    &st))
		return -1;
	for (int v = 0; v < nvcpus; v++) {
		sqlite3_bind_int(st, 1, v);
		sqlite3_bind_int64(st, 2, b_lo);
		sqlite3_bind_int64(st, 3, b_hi);
		sqlite3_bind_int64(st, 4, intid);
		r.vcpu = v;
		while (sqlite3_step(st) == SQLITE_ROW) {
			r.bucket = sqlite3_column_int64(st, 0);
			r.intid = sqlite3_column_int64(st, 1);
			r.life = sqlite3_column_blob(st, 2);
			r.life_len = sqlite3_column_bytes(st, 2);
			irq(arg, &r);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

struct tui_summary_writer {
	struct tracedb *db;
	sqlite3_stmt *ins_lane, *ins_irq, *ins_level;
	int in_memory;
	int failed;	/* an add failed: commit rolls back */
	char msg[256];	/* and why */
};

/*
 * Open the transaction the summaries are written in: in the file when it
 * is writable and no other writer holds it (dropping the old tables),
 * else in temporary tables of this connection. Sets w->in_memory.
 */
static int writer_transaction(struct tui_summary_writer *w, struct vr_error *err)
{
	char q[sizeof(summary_schema) + 64];

	w->in_memory = sqlite3_db_readonly(tracedb_sqlite(w->db), "main") == 1;
	if (!w->in_memory && exec(w->db, "BEGIN IMMEDIATE", NULL)) {
		w->in_memory = 1; /* locked by a writer: keep them for this session only */
	} else if (!w->in_memory && exec(w->db, summary_drop, NULL)) {
		exec(w->db, "ROLLBACK", NULL);
		w->in_memory = 1;
	}
	if (w->in_memory && exec(w->db, "PRAGMA temp_store = MEMORY; BEGIN", err))
		return -1;
	snprintf(q, sizeof(q), summary_schema, w->in_memory ? "temp." : "");
	if (exec(w->db, q, err)) {
		exec(w->db, "ROLLBACK", NULL);
		return -1;
	}
	return 0;
}

/* See tui_store.h. */
struct tui_summary_writer *tui_summary_writer_begin(struct tracedb *db, struct vr_error *err)
{
	struct tui_summary_writer *w = vr_xcalloc(1, sizeof(*w));

	w->db = db;
	if (writer_transaction(w, err)) {
		free(w);
		return NULL;
	}
	if (prepare(db, "INSERT INTO tui_summary VALUES (?,?,?,?,?,?,?,?,?,?,?)", &w->ins_lane) ||
	    prepare(db, "INSERT INTO tui_summary_irq VALUES (?,?,?,?,?,?,?,?)", &w->ins_irq) ||
	    prepare(db,
		    "INSERT INTO tui_summary_levels VALUES (?,?,?,?,?,?,?, "
		    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
		    &w->ins_level)) {
		vr_error_set(err, "tui summaries: %s", tracedb_errmsg(db));
		tui_summary_writer_abort(w);
		return NULL;
	}
	return w;
}

/* See tui_store.h. */
int tui_summary_writer_in_memory(const struct tui_summary_writer *w)
{
	return w->in_memory;
}

/*
 * Insert one row: values v[0..n) as parameters 1..n (VR_NO_VALUE: NULL).
 * The first failure is kept for commit to report.
 */
static int writer_row(struct tui_summary_writer *w, sqlite3_stmt *st, const int64_t *v, int n)
{
	int rc;

	for (int i = 0; i < n; i++)
		if (v[i] == VR_NO_VALUE)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_int64(st, i + 1, v[i]);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc && !w->failed) {
		w->failed = 1;
		snprintf(w->msg, sizeof(w->msg), "%s", tracedb_errmsg(w->db));
	}
	sqlite3_reset(st);
	return rc;
}

/* See tui_store.h. */
int tui_summary_writer_lane(struct tui_summary_writer *w, const struct tui_lane_row *r)
{
	const int64_t v[] = {r->level, r->vcpu, r->bucket, r->ns[0], r->ns[1], r->ns[2],
			     r->events, r->injections, r->flushes, r->max_lrs,
			     r->host_cpu >= 0 ? r->host_cpu : VR_NO_VALUE};

	return writer_row(w, w->ins_lane, v, 11);
}

/* See tui_store.h. */
int tui_summary_writer_irq(struct tui_summary_writer *w, const struct tui_irq_row *r)
{
	const int64_t v[] = {r->level, r->vcpu, r->bucket, r->intid, r->ns[0], r->ns[1],
			     r->injections};

	if (r->life) /* parameter 8; writer_row binds 1..7 and leaves it bound until reset */
		sqlite3_bind_blob(w->ins_irq, 8, r->life, r->life_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(w->ins_irq, 8);
	return writer_row(w, w->ins_irq, v, 7);
}

/* See tui_store.h. */
int tui_summary_writer_level(struct tui_summary_writer *w, const struct tui_summary_level *lv)
{
	const int64_t v[] = {lv->level, lv->bucket_ns, lv->origin_ns, lv->buckets,
			     lv->events_total, lv->last_ts_ns, lv->version};

	return writer_row(w, w->ins_level, v, 7);
}

/* Finalize the writer's statements and free it (the transaction is the caller's). */
static void writer_free(struct tui_summary_writer *w)
{
	sqlite3_finalize(w->ins_lane);
	sqlite3_finalize(w->ins_irq);
	sqlite3_finalize(w->ins_level);
	free(w);
}

/* See tui_store.h. */
int tui_summary_writer_commit(struct tui_summary_writer *w, struct vr_error *err)
{
	struct tracedb *db = w->db;
	int failed = w->failed;

	if (failed)
		vr_error_set(err, "tui summaries: %s", w->msg);
	writer_free(w);
	if (!failed && !exec(db, "COMMIT", err))
		return 0;
	exec(db, "ROLLBACK", NULL);
	return -1;
}

/* See tui_store.h. */
void tui_summary_writer_abort(struct tui_summary_writer *w)
{
	struct tracedb *db;

	if (!w)
		return;
	db = w->db;
	writer_free(w);
	exec(db, "ROLLBACK", NULL);
}

/* See tui_store.h. */
int tui_store_summary_drop(struct tracedb *db, struct vr_error *err)
{
	return exec(db, summary_drop, err);
}

/* ---------------------------------------------------------------- raw events */

/* See tui_store.h. */
int64_t tui_store_event_id_at(struct tracedb *db, int64_t ts, int dir)
{
	if (dir > 0)
		return query_int(db, "SELECT id FROM events WHERE ts_ns >= ?1 ORDER BY ts_ns LIMIT 1",
				 &ts, 1, NULL, INT64_MAX);
	return query_int(db, "SELECT id FROM events WHERE ts_ns < ?1 ORDER BY ts_ns DESC LIMIT 1", &ts,
			 1, NULL, -1);
}

/* See tui_store.h. */
int tui_store_last_event(struct tracedb *db, int64_t vcpu, uint64_t kinds, int64_t ts,
			 int inclusive, struct tui_event_ref *out)
{
	char q[512], list[256];
	sqlite3_stmt *st;
	int found;

	kind_list(kinds, list, sizeof(list));
	snprintf(q, sizeof(q),
		 "SELECT id, ts_ns, kind FROM events WHERE %sts_ns %s ?1 AND +kind IN (%s) "
		 "ORDER BY ts_ns DESC LIMIT 1",
		 vcpu != VR_NO_VALUE ? "vcpu = ?2 AND " : "", inclusive ? "<=" : "<", list);
	if (prepare(db, q, &st))
		return 0;
	sqlite3_bind_int64(st, 1, ts);
	if (vcpu != VR_NO_VALUE)
		sqlite3_bind_int64(st, 2, vcpu);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		out->id = sqlite3_column_int64(st, 0);
		out->ts_ns = sqlite3_column_int64(st, 1);
		out->kind = (enum vr_event_kind)sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return found;
}

/* See tui_store.h. */
int64_t tui_store_next_event(struct tracedb *db, int64_t ts, int dir,
			     const struct tui_event_match *m)
{
	int64_t p[3] = {ts, m ? m->vcpu : VR_NO_VALUE, m ? m->intid : VR_NO_VALUE};
	const char *name = m ? m->kind_name : NULL;
	char q[256];

	snprintf(q, sizeof(q), "SELECT %s(e.ts_ns) FROM events e%s WHERE e.ts_ns %s ?1%s%s%s",
		 dir > 0 ? "min" : "max", name ? " JOIN event_kinds k ON k.kind = e.kind" : "",
		 dir > 0 ? ">" : "<", p[1] != VR_NO_VALUE ? " AND e.vcpu = ?2" : "",
		 p[2] != VR_NO_VALUE ? " AND e.intid = ?3" : "", name ? " AND k.name = ?4" : "");
	return query_int(db, q, p, 3, name, VR_NO_VALUE);
}

/*
 * One event with its kind's argument names: the first at or after ts, or
 * the one whose id is id when id > 0. 1 with *e filled, 0 none.
 */
static int event_row(struct tracedb *db, int64_t ts, int64_t id, struct tui_event *e)
{
	sqlite3_stmt *st;
	int found;

	if (prepare(db,
		    id > 0 ? "SELECT e.id, e.ts_ns, e.cpu, e.vcpu, e.kind, k.name, e.intid, k.arg0, "
			     "e.arg0, k.arg1, e.arg1, k.arg2, e.arg2, k.arg3, e.arg3 FROM events e "
			     "JOIN event_kinds k ON k.kind = e.kind WHERE e.id = ?2"
			   : "SELECT e.id, e.ts_ns, e.cpu, e.vcpu, e.kind, k.name, e.intid, k.arg0, "
			     "e.arg0, k.arg1, e.arg1, k.arg2, e.arg2, k.arg3, e.arg3 FROM events e "
			     "JOIN event_kinds k ON k.kind = e.kind WHERE e.ts_ns >= ?1 "
			     "ORDER BY e.ts_ns LIMIT 1",
		    &st))
		return 0;
	sqlite3_bind_int64(st, 1, ts);
	if (id > 0)
		sqlite3_bind_int64(st, 2, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		vr_event_clear(&e->ev);
		e->id = sqlite3_column_int64(st, 0);
		e->ev.ts_ns = sqlite3_column_int64(st, 1);
		e->ev.cpu = sqlite3_column_int(st, 2);
		e->ev.vcpu = column_or_none(st, 3);
		e->ev.kind = (enum vr_event_kind)sqlite3_column_int(st, 4);
		column_text(st, 5, e->kind_name, sizeof(e->kind_name));
		e->ev.intid = column_or_none(st, 6);
		for (int a = 0; a < 4; a++) {
			column_text(st, 7 + 2 * a, e->arg_name[a], sizeof(e->arg_name[a]));
			e->ev.arg[a] = column_or_none(st, 8 + 2 * a);
		}
	}
	sqlite3_finalize(st);
	return found;
}

/* See tui_store.h. */
int tui_store_event_at(struct tracedb *db, int64_t ts, struct tui_event *e)
{
	return event_row(db, ts, 0, e);
}

/* See tui_store.h. */
int tui_store_event_by_id(struct tracedb *db, int64_t id, struct tui_event *e)
{
	return id > 0 && event_row(db, 0, id, e);
}

/* Fill the control registers of snapshot s->event_id from snapshots_v. */
static void snapshot_regs(struct tracedb *db, struct tui_snapshot *s)
{
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT phase, used_lrs, hcr, eoicount, vmcr, hcr_en, hcr_uie, hcr_npie, "
		    "hcr_lrenpie, hcr_tdir, vmcr_eoimode, vmcr_pmr, vcpu FROM snapshots_v "
		    "WHERE event_id = ?1",
		    &st))
		return;
	sqlite3_bind_int64(st, 1, s->event_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->has_regs = 1;
		column_text(st, 0, s->phase, sizeof(s->phase));
		s->used_lrs = sqlite3_column_int(st, 1);
		column_text(st, 2, s->hcr, sizeof(s->hcr));
		s->eoicount = sqlite3_column_int(st, 3);
		column_text(st, 4, s->vmcr, sizeof(s->vmcr));
		s->en = sqlite3_column_int(st, 5);
		s->uie = sqlite3_column_int(st, 6);
		s->npie = sqlite3_column_int(st, 7);
		s->lrenpie = sqlite3_column_int(st, 8);
		s->tdir = sqlite3_column_int(st, 9);
		s->eoimode = sqlite3_column_int(st, 10);
		s->pmr = sqlite3_column_int(st, 11);
		s->vcpu = sqlite3_column_int(st, 12);
	}
	sqlite3_finalize(st);
}

/* Fill the GICv5 PPI registers of snapshot s->event_id (format 3), as hex. */
static void snapshot_ppis(struct tracedb *db, struct tui_snapshot *s)
{
	sqlite3_stmt *st;

	if (tracedb_format_version(db) < 3 ||
	    prepare(db,
		    "SELECT printf('0x%x', p.pendr0), printf('0x%x', p.activer0), "
		    "printf('0x%x', p.enabler0), printf('0x%x', p.dvir0), printf('0x%x', s.apr) "
		    "FROM ppi_snapshots p JOIN snapshots s ON s.event_id = p.event_id "
		    "WHERE p.event_id = ?1",
		    &st))
		return;
	sqlite3_bind_int64(st, 1, s->event_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->has_ppis = 1;
		column_text(st, 0, s->pendr, sizeof(s->pendr));
		column_text(st, 1, s->activer, sizeof(s->activer));
		column_text(st, 2, s->enabler, sizeof(s->enabler));
		column_text(st, 3, s->dvir, sizeof(s->dvir));
		column_text(st, 4, s->apr, sizeof(s->apr));
	}
	sqlite3_finalize(st);
}

/* Fill the LRs in use of snapshot s->event_id from lrs_v. */
static void snapshot_lrs(struct tracedb *db, struct tui_snapshot *s)
{
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT lr, vintid, state, priority, H, pintid FROM lrs_v "
		    "WHERE event_id = ?1 AND in_use ORDER BY lr",
		    &st))
		return;
	sqlite3_bind_int64(st, 1, s->event_id);
	while (s->nlrs < VR_MAX_LRS && sqlite3_step(st) == SQLITE_ROW) {
		struct tui_lr *l = &s->lr[s->nlrs++];

		l->lr = sqlite3_column_int(st, 0);
		l->vintid = sqlite3_column_int64(st, 1);
		column_text(st, 2, l->state, sizeof(l->state));
		l->priority = sqlite3_column_int(st, 3);
		l->hw = sqlite3_column_int(st, 4);
		l->pintid = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
}

/* See tui_store.h. */
int tui_store_snapshot_at(struct tracedb *db, int64_t ts, struct tui_snapshot *s)
{
	struct tui_event_ref at;

	memset(s, 0, sizeof(*s));
	if (!tui_store_last_event(db, VR_NO_VALUE, VR_KIND_BIT(VR_EV_FLUSH) | VR_KIND_BIT(VR_EV_SYNC),
				  ts, 1, &at) ||
	    !at.id)
		return 0;
	s->event_id = at.id;
	snapshot_regs(db, s);
	snapshot_lrs(db, s);
	snapshot_ppis(db, s);
	return 1;
}

/* See tui_store.h. */
void tui_store_gaps(struct tracedb *db, int64_t from, int64_t to,
		    void (*fn)(void *arg, int64_t start, int64_t end, int64_t lost), void *arg)
{
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT start_ts_ns, coalesce(end_ts_ns, start_ts_ns), lost FROM gaps "
		    "WHERE start_ts_ns IS NOT NULL AND coalesce(end_ts_ns, start_ts_ns) >= ?1 "
		    "AND start_ts_ns < ?2",
		    &st))
		return;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		   column_or_none(st, 2));
	sqlite3_finalize(st);
}

/* ---------------------------------------------------------------- findings */

/* See tui_store.h. */
int64_t tui_store_own_run(struct tracedb *db, const char *profile)
{
	return query_int(db, "SELECT max(run) FROM replay_runs WHERE status = 'done' AND profile = ?4",
			 NULL, 0, profile, 0);
}

/* See tui_store.h. */
int64_t tui_store_plain_run(struct tracedb *db, char *profile, size_t n)
{
	sqlite3_stmt *st;
	int64_t run = 0;

	if (prepare(db,
		    "SELECT run, profile FROM replay_runs WHERE status = 'done' "
		    "AND coalesce(options, '') = '' ORDER BY run DESC LIMIT 1",
		    &st))
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 1) == SQLITE_TEXT) {
		run = sqlite3_column_int64(st, 0);
		snprintf(profile, n, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return run;
}

/* See tui_store.h. */
void tui_store_findings_near(struct tracedb *db, int64_t run, int64_t ts, int64_t intid, int limit,
			     int (*fn)(void *arg, const struct tui_finding *f), void *arg)
{
	sqlite3_stmt *st;

	/* The nearest after, before (findings(run, ts_ns)) and untimed, then the nearest of those. */
	if (prepare(db,
		    "SELECT kind, ts_ns, vcpu, intid, explanation FROM ("
		    "SELECT * FROM (SELECT * FROM findings WHERE run = ?1 AND ts_ns >= ?2 "
		    "AND (?4 < 0 OR intid = ?4) ORDER BY ts_ns, id LIMIT ?3) UNION ALL "
		    "SELECT * FROM (SELECT * FROM findings WHERE run = ?1 AND ts_ns < ?2 "
		    "AND (?4 < 0 OR intid = ?4) ORDER BY ts_ns DESC, id LIMIT ?3) UNION ALL "
		    "SELECT * FROM (SELECT * FROM findings WHERE run = ?1 AND ts_ns IS NULL "
		    "AND (?4 < 0 OR intid = ?4) LIMIT ?3)) "
		    "ORDER BY abs(ts_ns - ?2), id LIMIT ?3",
		    &st))
		return;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_int(st, 3, limit);
	sqlite3_bind_int64(st, 4, intid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *text = sqlite3_column_text(st, 4);
		struct tui_finding f = {
			.kind = (const char *)sqlite3_column_text(st, 0),
			.explanation = text ? (const char *)text : "",
			.ts_ns = column_or_none(st, 1),
			.vcpu = column_or_none(st, 2),
			.intid = column_or_none(st, 3),
		};

		if (fn(arg, &f))
			break;
	}
	sqlite3_finalize(st);
}

/* See tui_store.h. */
int64_t tui_store_next_finding(struct tracedb *db, int64_t run, int64_t ts, int dir, int64_t intid)
{
	int64_t p[3] = {ts, run, intid};

	return query_int(db,
			 dir > 0 ? "SELECT min(ts_ns) FROM findings WHERE run = ?2 AND ts_ns > ?1 "
				   "AND kind != 'TRACE_GAP' AND (?3 < 0 OR intid = ?3)"
				 : "SELECT max(ts_ns) FROM findings WHERE run = ?2 AND ts_ns < ?1 "
				   "AND kind != 'TRACE_GAP' AND (?3 < 0 OR intid = ?3)",
			 p, 3, NULL, VR_NO_VALUE);
}

/* See tui_store.h. */
void tui_store_finding_marks(struct tracedb *db, int64_t run, int64_t intid, int64_t from,
			     int64_t to, int64_t (*mark)(void *arg, int64_t ts), void *arg)
{
	sqlite3_stmt *st;

	if (prepare(db,
		    "SELECT ts_ns FROM findings WHERE run = ?1 AND ts_ns >= ?2 "
		    "AND ts_ns < ?3 AND kind != 'TRACE_GAP' AND (?4 < 0 OR intid = ?4) "
		    "ORDER BY ts_ns LIMIT 1",
		    &st))
		return;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 3, to);
	sqlite3_bind_int64(st, 4, intid);
	while (from < to) {
		sqlite3_bind_int64(st, 2, from);
		if (sqlite3_step(st) != SQLITE_ROW)
			break;
		from = mark(arg, sqlite3_column_int64(st, 0));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

/* See tui_store.h. */
int tui_store_run_findings(struct tracedb *db, int64_t run,
			   int (*fn)(void *arg, const struct tui_finding *f), void *arg)
{
	sqlite3_stmt *st;
	int n = 0;

	if (prepare(db,
		    "SELECT kind, ts_ns, vcpu, intid, explanation FROM findings WHERE run = ?1 "
		    "ORDER BY id",
		    &st))
		return -1;
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct tui_finding f = {(const char *)sqlite3_column_text(st, 0),
					(const char *)sqlite3_column_text(st, 4),
					column_or_none(st, 1), column_or_none(st, 2),
					column_or_none(st, 3)};

		n++;
		if (fn(arg, &f))
			break;
	}
	sqlite3_finalize(st);
	return n;
}

/* See tui_store.h. */
int tui_store_run_counts(struct tracedb *db, int64_t run, int64_t intid,
			 void (*fn)(void *arg, const struct stored_count *c), void *arg)
{
	sqlite3_stmt *st;
	int n = 0;

	if (tui_store_run_agreement(db, run, &(struct stored_agreement){0}) ||
	    prepare(db,
		    "SELECT vcpu, intid, injected, acked, coalesced, lost, pending_at_end, "
		    "pending_at_start, deactivated, injection_unrecorded, stuck_active "
		    "FROM replay_counts WHERE run = ?1 "
		    "AND (?2 < 0 OR intid = ?2) ORDER BY vcpu IS NULL, vcpu, intid",
		    &st))
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, intid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct stored_count c = {column_or_none(st, 0), sqlite3_column_int64(st, 1),
					 sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
					 sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
					 sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
					 sqlite3_column_int64(st, 8), sqlite3_column_int(st, 9),
					 sqlite3_column_int(st, 10)};

		fn(arg, &c);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* See tui_store.h. */
int tui_store_run_agreement(struct tracedb *db, int64_t run, struct stored_agreement *a)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (prepare(db,
		    "SELECT flushes, agree, unknown, dir_exits, dir_found, ap_lists, ap_agree, "
		    "ap_unknown FROM replay_agreement WHERE run = ?1",
		    &st))
		return -1;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*a = (struct stored_agreement){
			sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
			sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
			sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7)};
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}
