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

/*
 * The summary tables, in the file ("") or in temporary tables ("temp.").
 * A level's buckets are stored SUMMARY_CHUNK to a row: one row per (level,
 * vCPU, chunk of buckets) whose `buckets` column is a JSON array of the
 * chunk's non-empty buckets, each an array of integers. One row per bucket
 * cost SQLite about 9 K instructions each, more than the import of the
 * events they sum; a chunk row costs about the same for 256 buckets. The
 * views tui_summary and tui_summary_irq give the rows one bucket per row,
 * with the columns the older tables had, for reading by hand. They use
 * json_each() alone, the one JSON function a connection that does not
 * trust the file's schema (ours: tracedb.c) lets a view call.
 * tui_summary_life_chunks keeps level 0's interrupt lifecycles (the TUI's
 * own encoding, ui/timeline.c), a chunk of buckets to a row as well: in
 * bucket and INTID order, each entry the bucket's offset in the chunk
 * (one byte), the INTID and the lifecycle's length (LEB128), and its bytes.
 */
#define SUMMARY_CHUNK 256
static const char summary_schema[] =
	"CREATE TABLE %1$stui_summary_levels (level INTEGER PRIMARY KEY, "
	"bucket_ns INTEGER NOT NULL, origin_ns INTEGER NOT NULL, buckets INTEGER NOT NULL, "
	"events_total INTEGER NOT NULL, last_ts_ns INTEGER NOT NULL, version INTEGER NOT NULL, "
	"built_at TEXT NOT NULL);"
	"CREATE TABLE %1$stui_summary_lane_chunks (level INTEGER NOT NULL, "
	"vcpu INTEGER NOT NULL, chunk INTEGER NOT NULL, buckets TEXT NOT NULL, "
	"PRIMARY KEY (level, vcpu, chunk)) WITHOUT ROWID;"
	"CREATE TABLE %1$stui_summary_irq_chunks (level INTEGER NOT NULL, "
	"vcpu INTEGER NOT NULL, chunk INTEGER NOT NULL, buckets TEXT NOT NULL, "
	"PRIMARY KEY (level, vcpu, chunk)) WITHOUT ROWID;"
	"CREATE VIEW %1$stui_summary AS SELECT c.level AS level, c.vcpu AS vcpu, "
	"max(CASE f.key WHEN 0 THEN f.atom END) AS bucket, "
	"max(CASE f.key WHEN 1 THEN f.atom END) AS run_ns, "
	"max(CASE f.key WHEN 2 THEN f.atom END) AS host_ns, "
	"max(CASE f.key WHEN 3 THEN f.atom END) AS wfi_ns, "
	"max(CASE f.key WHEN 4 THEN f.atom END) AS events, "
	"max(CASE f.key WHEN 5 THEN f.atom END) AS injections, "
	"max(CASE f.key WHEN 6 THEN f.atom END) AS flushes, "
	"max(CASE f.key WHEN 7 THEN f.atom END) AS max_lrs, "
	"max(CASE f.key WHEN 8 THEN f.atom END) AS host_cpu "
	"FROM tui_summary_lane_chunks c, json_each(c.buckets) j, json_each(j.value) f "
	"GROUP BY c.level, c.vcpu, c.chunk, j.key;"
	"CREATE VIEW %1$stui_summary_irq AS SELECT c.level AS level, c.vcpu AS vcpu, "
	"max(CASE f.key WHEN 0 THEN f.atom END) AS bucket, "
	"max(CASE f.key WHEN 1 THEN f.atom END) AS intid, "
	"max(CASE f.key WHEN 2 THEN f.atom END) AS pending_ns, "
	"max(CASE f.key WHEN 3 THEN f.atom END) AS active_ns, "
	"max(CASE f.key WHEN 4 THEN f.atom END) AS injections "
	"FROM tui_summary_irq_chunks c, json_each(c.buckets) j, json_each(j.value) f "
	"GROUP BY c.level, c.vcpu, c.chunk, j.key;"
	"CREATE TABLE %1$stui_summary_life_chunks (vcpu INTEGER NOT NULL, "
	"chunk INTEGER NOT NULL, lifecycles BLOB NOT NULL, "
	"PRIMARY KEY (vcpu, chunk)) WITHOUT ROWID;";

/* The summary objects, older formats' included: tui_summary and tui_summary_irq were tables. */
static const char *const summary_objects[] = {
	"tui_summary",		   "tui_summary_irq",	     "tui_summary_levels",
	"tui_summary_lane_chunks", "tui_summary_irq_chunks", "tui_summary_life_chunks",
};

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

/*
 * Drop the summary objects of schema ("main" or "temp"), each by its own
 * type: format 3's tui_summary was a table, now it is a view, and DROP
 * TABLE refuses a view.
 */
static int drop_summaries(struct tracedb *db, const char *schema, struct vr_error *err)
{
	for (size_t i = 0; i < sizeof(summary_objects) / sizeof(summary_objects[0]); i++) {
		char q[160];
		sqlite3_stmt *st;
		int view = 0;

		snprintf(q, sizeof(q), "SELECT type = 'view' FROM %s.sqlite_master WHERE name = '%s'",
			 schema, summary_objects[i]);
		if (prepare(db, q, &st))
			return vr_error_set(err, "tui summaries: %s", tracedb_errmsg(db));
		if (sqlite3_step(st) == SQLITE_ROW)
			view = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		snprintf(q, sizeof(q), "DROP %s IF EXISTS %s.%s", view ? "VIEW" : "TABLE", schema,
			 summary_objects[i]);
		if (exec(db, q, err))
			return -1;
	}
	return 0;
}

/*
 * The next bucket of a chunk's JSON array at *p (past the array's own
 * '['): up to n integers into v (null: VR_NO_VALUE, missing: 0). 1 for a
 * bucket, 0 at the end, -1 when the text is not what the writer writes.
 */
static int next_bucket(const char **p, int64_t *v, int n)
{
	const char *s = *p;
	int i;

	while (*s == ',' || *s == ' ')
		s++;
	if (*s == ']' || !*s)
		return 0;
	if (*s++ != '[')
		return -1;
	for (i = 0; i < n; i++)
		v[i] = 0;
	for (i = 0; *s && *s != ']'; i++) {
		char *end;
		int64_t x;

		if (!strncmp(s, "null", 4)) {
			x = VR_NO_VALUE;
			end = (char *)s + 4;
		} else {
			x = strtoll(s, &end, 10);
			if (end == s)
				return -1;
		}
		if (i < n)
			v[i] = x;
		s = end;
		if (*s == ',')
			s++;
	}
	if (*s != ']')
		return -1;
	*p = s + 1;
	return 1;
}

/*
 * Hand the lane buckets [b_lo, b_hi] of the chunk rows st (bound, reset
 * after) yields to fn; -1 when a row is not the writer's JSON.
 */
static int read_lanes(sqlite3_stmt *st, int level, int vcpu, int64_t b_lo, int64_t b_hi,
		      tui_lane_fn fn, void *arg)
{
	struct tui_lane_row r = {.level = level, .vcpu = vcpu};
	int rc = 0;

	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		int64_t v[9];
		int got = p && *p++ == '[' ? 1 : -1;

		while (got == 1 && (got = next_bucket(&p, v, 9)) == 1) {
			if (v[0] < b_lo || v[0] > b_hi)
				continue;
			r.bucket = v[0];
			for (int k = 0; k < 3; k++)
				r.ns[k] = v[1 + k];
			r.events = (int32_t)v[4];
			r.injections = (int32_t)v[5];
			r.flushes = (int32_t)v[6];
			r.max_lrs = (int32_t)v[7];
			r.host_cpu = v[8] == VR_NO_VALUE ? -1 : (int32_t)v[8];
			fn(arg, &r);
		}
		rc = got < 0 ? -1 : 0;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Hand the interrupt buckets of the chunk rows st yields to fn, as read_lanes(). */
static int read_irqs(sqlite3_stmt *st, int level, int vcpu, int64_t b_lo, int64_t b_hi,
		     int64_t intid, tui_irq_fn fn, void *arg)
{
	struct tui_irq_row r = {.level = level, .vcpu = vcpu};
	int rc = 0;

	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		int64_t v[5];
		int got = p && *p++ == '[' ? 1 : -1;

		while (got == 1 && (got = next_bucket(&p, v, 5)) == 1) {
			if (v[0] < b_lo || v[0] > b_hi || (intid >= 0 && v[1] != intid))
				continue;
			r.bucket = v[0];
			r.intid = v[1];
			r.ns[0] = v[2];
			r.ns[1] = v[3];
			r.injections = (int32_t)v[4];
			fn(arg, &r);
		}
		rc = got < 0 ? -1 : 0;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* See tui_store.h. */
int tui_store_summary_read(struct tracedb *db, int level, int nvcpus, int64_t b_lo, int64_t b_hi,
			   int64_t intid, tui_lane_fn lane, tui_irq_fn irq, void *arg)
{
	sqlite3_stmt *ls, *is;
	int rc = 0;

	if (prepare(db,
		    "SELECT buckets FROM tui_summary_lane_chunks WHERE level = ?1 AND vcpu = ?2 "
		    "AND chunk BETWEEN ?3 AND ?4 ORDER BY chunk",
		    &ls))
		return -1;
	if (prepare(db,
		    "SELECT buckets FROM tui_summary_irq_chunks WHERE level = ?1 AND vcpu = ?2 "
		    "AND chunk BETWEEN ?3 AND ?4 ORDER BY chunk",
		    &is)) {
		sqlite3_finalize(ls);
		return -1;
	}
	for (int v = 0; v < nvcpus && !rc; v++) {
		sqlite3_stmt *both[2] = {ls, is};

		for (int i = 0; i < 2; i++) {
			sqlite3_bind_int(both[i], 1, level);
			sqlite3_bind_int(both[i], 2, v);
			sqlite3_bind_int64(both[i], 3, b_lo > 0 ? b_lo / SUMMARY_CHUNK : 0);
			sqlite3_bind_int64(both[i], 4, b_hi >= 0 ? b_hi / SUMMARY_CHUNK : -1);
		}
		rc = read_lanes(ls, level, v, b_lo, b_hi, lane, arg);
		if (!rc && irq)
			rc = read_irqs(is, level, v, b_lo, b_hi, intid, irq, arg);
	}
	sqlite3_finalize(ls);
	sqlite3_finalize(is);
	return rc;
}

/* An unsigned LEB128 number at *p (before end) into *v; -1 when cut short. */
static int leb128_read(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/*
 * Hand the lifecycles of one chunk row (blob p[0..len), chunk number
 * chunk) in buckets [b_lo, b_hi] to fn; -1 when the blob is not what
 * the writer writes.
 */
static int read_life_chunk(const uint8_t *p, int len, int64_t chunk, int64_t b_lo, int64_t b_hi,
			   int64_t intid, struct tui_irq_row *r, tui_irq_fn fn, void *arg)
{
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t id, n;
		int64_t bucket = chunk * SUMMARY_CHUNK + *p++;

		if (leb128_read(&p, end, &id) || leb128_read(&p, end, &n) ||
		    n > (uint64_t)(end - p))
			return -1;
		if (bucket >= b_lo && bucket <= b_hi && (intid < 0 || (uint64_t)intid == id)) {
			r->bucket = bucket;
			r->intid = (int64_t)id;
			r->life = p;
			r->life_len = (int)n;
			fn(arg, r);
		}
		p += n;
	}
	return 0;
}

/* See tui_store.h. */
int tui_store_lifecycle_read(struct tracedb *db, int nvcpus, int64_t b_lo, int64_t b_hi,
			     int64_t intid, tui_irq_fn irq, void *arg)
{
	struct tui_irq_row r = {.level = 0};
	sqlite3_stmt *st;
	int rc = 0;

	if (prepare(db,
		    "SELECT chunk, lifecycles FROM tui_summary_life_chunks WHERE vcpu = ?1 "
		    "AND chunk BETWEEN ?2 AND ?3 ORDER BY chunk",
		    &st))
		return -1;
	for (int v = 0; v < nvcpus && !rc; v++) {
		sqlite3_bind_int(st, 1, v);
		sqlite3_bind_int64(st, 2, b_lo > 0 ? b_lo / SUMMARY_CHUNK : 0);
		sqlite3_bind_int64(st, 3, b_hi >= 0 ? b_hi / SUMMARY_CHUNK : -1);
		r.vcpu = v;
		while (!rc && sqlite3_step(st) == SQLITE_ROW)
			rc = read_life_chunk(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1),
					     sqlite3_column_int64(st, 0), b_lo, b_hi, intid, &r, irq,
					     arg);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The JSON text of one chunk row being filled: its key and its buckets so far. */
struct chunk_text {
	int used; /* 0: no row open */
	int level, vcpu;
	int64_t chunk;
	char *buf;
	size_t len, cap;
};

struct tui_summary_writer {
	struct tracedb *db;
	sqlite3_stmt *ins_lane, *ins_irq, *ins_level, *ins_life;
	struct chunk_text lanes, irqs;
	struct chunk_text lives; /* level 0's lifecycles: bytes, not JSON */
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
	} else if (!w->in_memory && drop_summaries(w->db, "main", NULL)) {
		exec(w->db, "ROLLBACK", NULL);
		w->in_memory = 1;
	}
	if (w->in_memory && (exec(w->db, "PRAGMA temp_store = MEMORY; BEGIN", err) ||
			     drop_summaries(w->db, "temp", err)))
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
	if (prepare(db, "INSERT INTO tui_summary_lane_chunks VALUES (?,?,?,?)", &w->ins_lane) ||
	    prepare(db, "INSERT INTO tui_summary_irq_chunks VALUES (?,?,?,?)", &w->ins_irq) ||
	    prepare(db, "INSERT INTO tui_summary_life_chunks VALUES (?,?,?)", &w->ins_life) ||
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

/* Keep the first failure for commit to report. */
static int writer_failed(struct tui_summary_writer *w)
{
	if (!w->failed) {
		w->failed = 1;
		snprintf(w->msg, sizeof(w->msg), "%s", tracedb_errmsg(w->db));
	}
	return -1;
}

/*
 * Insert one row: values v[0..n) as parameters 1..n (VR_NO_VALUE: NULL),
 * then text, when not NULL, as parameter n + 1.
 */
static int writer_row(struct tui_summary_writer *w, sqlite3_stmt *st, const int64_t *v, int n,
		      const char *text, size_t len)
{
	int rc;

	for (int i = 0; i < n; i++)
		if (v[i] == VR_NO_VALUE)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_int64(st, i + 1, v[i]);
	if (text)
		sqlite3_bind_text(st, n + 1, text, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : writer_failed(w);
	sqlite3_reset(st);
	return rc;
}

/* Store the chunk row c holds, if any, and empty it. */
static int chunk_flush(struct tui_summary_writer *w, struct chunk_text *c, sqlite3_stmt *st)
{
	const int64_t key[] = {c->level, c->vcpu, c->chunk};
	int rc;

	if (!c->used)
		return 0;
	c->buf[c->len++] = ']';
	rc = writer_row(w, st, key, 3, c->buf, c->len);
	c->used = 0;
	c->len = 0;
	return rc;
}

/* Append n integers as a JSON array (VR_NO_VALUE: null) to the chunk text. */
static void chunk_append(struct chunk_text *c, const int64_t *v, int n)
{
	if (c->cap - c->len < (size_t)n * 21 + 4) {
		c->cap = c->cap * 2 + (size_t)n * 21 + 64;
		c->buf = vr_xrealloc(c->buf, c->cap);
	}
	c->buf[c->len] = c->len ? ',' : '['; /* the chunk's array opens before its first bucket */
	c->len++;
	c->buf[c->len++] = '[';
	for (int i = 0; i < n; i++) {
		char digits[24];
		uint64_t x = v[i] < 0 ? -(uint64_t)v[i] : (uint64_t)v[i];
		int k = 0;

		if (i)
			c->buf[c->len++] = ',';
		if (v[i] == VR_NO_VALUE) {
			memcpy(c->buf + c->len, "null", 4);
			c->len += 4;
			continue;
		}
		if (v[i] < 0)
			c->buf[c->len++] = '-';
		do
			digits[k++] = (char)('0' + x % 10);
		while ((x /= 10));
		while (k)
			c->buf[c->len++] = digits[--k];
	}
	c->buf[c->len++] = ']';
}

/*
 * Add one bucket's integers v[0..n) (v[0] the bucket) to the chunk row of
 * (level, vcpu), storing the row before when the bucket is in another.
 */
static int chunk_add(struct tui_summary_writer *w, struct chunk_text *c, sqlite3_stmt *st,
		     int level, int vcpu, const int64_t *v, int n)
{
	int64_t chunk = v[0] / SUMMARY_CHUNK;
	int rc = 0;

	if (c->used && (c->level != level || c->vcpu != vcpu || c->chunk != chunk))
		rc = chunk_flush(w, c, st);
	if (!c->used) {
		*c = (struct chunk_text){1, level, vcpu, chunk, c->buf, 0, c->cap};
	}
	chunk_append(c, v, n);
	return rc;
}

/* See tui_store.h. */
int tui_summary_writer_lane(struct tui_summary_writer *w, const struct tui_lane_row *r)
{
	const int64_t v[] = {r->bucket, r->ns[0], r->ns[1], r->ns[2], r->events,
			     r->injections, r->flushes, r->max_lrs,
			     r->host_cpu >= 0 ? r->host_cpu : VR_NO_VALUE};

	return chunk_add(w, &w->lanes, w->ins_lane, r->level, r->vcpu, v, 9);
}

/* Store the lifecycle chunk row c holds, if any, as a blob, and empty it. */
static int life_flush(struct tui_summary_writer *w, struct chunk_text *c)
{
	int rc;

	if (!c->used)
		return 0;
	sqlite3_bind_int(w->ins_life, 1, c->vcpu);
	sqlite3_bind_int64(w->ins_life, 2, c->chunk);
	sqlite3_bind_blob(w->ins_life, 3, c->buf, (int)c->len, SQLITE_STATIC);
	rc = sqlite3_step(w->ins_life) == SQLITE_DONE ? 0 : writer_failed(w);
	sqlite3_reset(w->ins_life);
	c->used = 0;
	c->len = 0;
	return rc;
}

/* Append x as unsigned LEB128 to the chunk's bytes (room already made). */
static void leb128_append(struct chunk_text *c, uint64_t x)
{
	do {
		uint8_t b = x & 0x7f;

		x >>= 7;
		c->buf[c->len++] = (char)(x ? b | 0x80 : b);
	} while (x);
}

/*
 * Add a level-0 bucket's lifecycle to the chunk row of its vCPU (see the
 * schema's comment for the entry's form), storing the row before when
 * the bucket is in another.
 */
static int life_add(struct tui_summary_writer *w, const struct tui_irq_row *r)
{
	struct chunk_text *c = &w->lives;
	int64_t chunk = r->bucket / SUMMARY_CHUNK;
	int rc = 0;

	if (c->used && (c->vcpu != r->vcpu || c->chunk != chunk))
		rc = life_flush(w, c);
	if (!c->used)
		*c = (struct chunk_text){1, 0, r->vcpu, chunk, c->buf, 0, c->cap};
	if (c->cap - c->len < (size_t)r->life_len + 32) {
		c->cap = c->cap * 2 + (size_t)r->life_len + 64;
		c->buf = vr_xrealloc(c->buf, c->cap);
	}
	c->buf[c->len++] = (char)(r->bucket % SUMMARY_CHUNK);
	leb128_append(c, (uint64_t)r->intid);
	leb128_append(c, (uint64_t)r->life_len);
	memcpy(c->buf + c->len, r->life, (size_t)r->life_len);
	c->len += (size_t)r->life_len;
	return rc;
}

/* See tui_store.h. */
int tui_summary_writer_irq(struct tui_summary_writer *w, const struct tui_irq_row *r)
{
	const int64_t v[] = {r->bucket, r->intid, r->ns[0], r->ns[1], r->injections};

	if (r->level == 0 && r->life && r->life_len > 0 && life_add(w, r))
		return -1;
	return chunk_add(w, &w->irqs, w->ins_irq, r->level, r->vcpu, v, 5);
}

/* See tui_store.h. */
int tui_summary_writer_level(struct tui_summary_writer *w, const struct tui_summary_level *lv)
{
	const int64_t v[] = {lv->level, lv->bucket_ns, lv->origin_ns, lv->buckets,
			     lv->events_total, lv->last_ts_ns, lv->version};

	return writer_row(w, w->ins_level, v, 7, NULL, 0);
}

/* Finalize the writer's statements and free it (the transaction is the caller's). */
static void writer_free(struct tui_summary_writer *w)
{
	sqlite3_finalize(w->ins_lane);
	sqlite3_finalize(w->ins_irq);
	sqlite3_finalize(w->ins_level);
	sqlite3_finalize(w->ins_life);
	free(w->lanes.buf);
	free(w->irqs.buf);
	free(w->lives.buf);
	free(w);
}

/* See tui_store.h. */
int tui_summary_writer_commit(struct tui_summary_writer *w, struct vr_error *err)
{
	struct tracedb *db = w->db;
	int failed;

	chunk_flush(w, &w->lanes, w->ins_lane);
	chunk_flush(w, &w->irqs, w->ins_irq);
	life_flush(w, &w->lives);
	failed = w->failed;
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
	return drop_summaries(db, "main", err);
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
