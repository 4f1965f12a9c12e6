/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests of opening trace databases: ours are accepted; foreign SQLite
 * files, files that are not SQLite, truncated files and files of a newer
 * format are refused with a one-line reason naming the file. A format-1
 * file opens read-only as it is and migrates to format 2 for writing, its
 * LRs read back the same through snapshot_lrs. The bulk writer stores
 * what it is given through its thread, reports a failed insert, and lets
 * SQL run by its caller see every row handed to it so far.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "../../schemas/tracedb.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-test-tracedb-XXXXXX";

/* A path inside the test's temporary directory. */
static const char *path_of(const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ & 3];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

/* Write bytes to a file. */
static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		abort();
	fwrite(data, 1, n, f);
	fclose(f);
}

/* Run SQL on a plain SQLite file (to make foreign or tampered files). */
static void plain_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, 0, 0, 0) != SQLITE_OK)
		abort();
	sqlite3_close(db);
}

/* A freshly created database reopens with the current version. */
static void check_create_and_open(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_create(path_of("new.db"), &err);

	CHECK(db != NULL);
	tracedb_close(db);
	db = tracedb_open(path_of("new.db"), TRACEDB_READONLY, &err);
	CHECK(db != NULL);
	if (db)
		CHECK_EQ(tracedb_format_version(db), VR_TRACE_FORMAT_VERSION);
	tracedb_close(db);
	/* Creating over an existing file is refused. */
	CHECK(tracedb_create(path_of("new.db"), &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "already exists");
}

/* Every kind of wrong file is refused with its own reason. */
static void check_refusals(void)
{
	struct vr_error err = {{0}};
	static const char text[] = "# tracer: nop\nnot a database at all\n";
	char header[100];
	FILE *f;

	CHECK(tracedb_open(path_of("missing.db"), TRACEDB_READONLY, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "no such file");

	write_file(path_of("text.db"), text, sizeof(text));
	CHECK(tracedb_open(path_of("text.db"), TRACEDB_READONLY, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "not a readable SQLite database");
	CHECK_STR_CONTAINS(err.msg, "text.db");

	plain_sql(path_of("foreign.db"), "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
	CHECK(tracedb_open(path_of("foreign.db"), TRACEDB_READONLY, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "not a vgic-replay trace");

	tracedb_close(tracedb_create(path_of("newer.db"), &err));
	plain_sql(path_of("newer.db"), "PRAGMA user_version = 99;");
	CHECK(tracedb_open(path_of("newer.db"), TRACEDB_READWRITE, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "newer than this vgic-replay understands");

	/* A database cut after its first 100 bytes: the header survives, the pages do not. */
	tracedb_close(tracedb_create(path_of("cut.db"), &err));
	f = fopen(path_of("cut.db"), "rb");
	CHECK(f && fread(header, 1, sizeof(header), f) == sizeof(header));
	if (f)
		fclose(f);
	write_file(path_of("cut.db"), header, sizeof(header));
	CHECK(tracedb_open(path_of("cut.db"), TRACEDB_READONLY, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "cut.db");
}

/* The schema's views decode a GICv3 and a GICv2 list register as documented. */
static void check_lr_views(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	sqlite3_stmt *st;

	tracedb_close(tracedb_create(path_of("views.db"), &err));
	db = tracedb_open(path_of("views.db"), TRACEDB_READWRITE, &err); /* LRs writable */
	CHECK(db != NULL);
	if (!db)
		return;
	/* 0x9060000000000029: ICH_LR active (bit 63), group 1, priority 0x60, vINTID 41 (real, 7.2). */
	CHECK(!tracedb_exec(db,
			    "INSERT INTO events(id, ts_ns, cpu, pid, vcpu, kind) VALUES "
			    "(1, 10, 0, 1, 0, 21), (2, 20, 0, 1, 0, 21);"
			    "INSERT INTO snapshots(event_id, phase, gic_version, used_lrs, nr_lrs) VALUES "
			    "(1, 'sync', 3, 1, 1), (2, 'sync', 2, 1, 1);"
			    "INSERT INTO snapshot_lrs VALUES (1, 0, -8043428934483705815);"
			    /* GICH_LR: pending (28), group1 (30), priority 0xa0>>3 in 27:23, vID 33. */
			    "INSERT INTO snapshot_lrs VALUES (2, 0, 1342177280 + (20 << 23) + 33);",
			    &err));
	CHECK(sqlite3_prepare_v2(tracedb_sqlite(db),
				 "SELECT P, A, H, G, priority, vintid, state FROM lrs_v ORDER BY event_id",
				 -1, &st, NULL) == SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	CHECK_EQ(sqlite3_column_int(st, 0), 0);
	CHECK_EQ(sqlite3_column_int(st, 1), 1);
	CHECK_EQ(sqlite3_column_int(st, 2), 0);
	CHECK_EQ(sqlite3_column_int(st, 3), 1);
	CHECK_EQ(sqlite3_column_int(st, 4), 0x60);
	CHECK_EQ(sqlite3_column_int(st, 5), 41);
	CHECK_STR_CONTAINS((const char *)sqlite3_column_text(st, 6), "active");
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	CHECK_EQ(sqlite3_column_int(st, 0), 1);
	CHECK_EQ(sqlite3_column_int(st, 1), 0);
	CHECK_EQ(sqlite3_column_int(st, 3), 1);
	CHECK_EQ(sqlite3_column_int(st, 4), 0xa0);
	CHECK_EQ(sqlite3_column_int(st, 5), 33);
	sqlite3_finalize(st);
	tracedb_close(db);
}

/* One integer from a query on db (-1 when there is no row or the query fails). */
static int64_t query_int(struct tracedb *db, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A digest of the rows of a query of integers (FNV-1a over every column). */
static uint64_t query_digest(struct tracedb *db, const char *q, int64_t *rows)
{
	uint64_t h = 14695981039346656037ull;
	sqlite3_stmt *st;
	int i;

	*rows = 0;
	if (sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++)
			h = (h ^ (uint64_t)sqlite3_column_int64(st, i)) * 1099511628211ull;
		(*rows)++;
	}
	sqlite3_finalize(st);
	return h;
}

/* Does the plan of q sort (a temporary b-tree)? -1 when q does not prepare. */
static int plan_sorts(struct tracedb *db, const char *q)
{
	char eqp[512];
	sqlite3_stmt *st;
	int sorts = 0;

	snprintf(eqp, sizeof(eqp), "EXPLAIN QUERY PLAN %s", q);
	if (sqlite3_prepare_v2(tracedb_sqlite(db), eqp, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		sorts |= strstr((const char *)sqlite3_column_text(st, 3), "TEMP B-TREE") != NULL;
	sqlite3_finalize(st);
	return sorts;
}

/*
 * A format-1 file made as vgic-replay 0.1.0 made them: the format-1 schema,
 * user_version 1, one snapshot_lrs row per LR. Snapshot 1 is a GICv3 one
 * with 4 LRs (one of them with bit 63 set), 2 a GICv2 one with 20 LRs
 * (more than the 16 columns), 3 one without LRs.
 */
static void make_v1_file(const char *path)
{
	char q[256];
	int i;

	plain_sql(path, vr_schema_sql);
	plain_sql(path, "PRAGMA user_version = 1;"
			"INSERT INTO trace_info(id, format_version, created_by, created_at) "
			"VALUES (1, 1, 'vgic-replay 0.1.0', '2026-12-01T00:00:00Z');"
			"INSERT INTO events(id, ts_ns, cpu, pid, vcpu, kind) VALUES "
			"(1, 10, 0, 1, 0, 20), (2, 20, 0, 1, 0, 21), (3, 30, 0, 1, 0, 20);"
			"INSERT INTO snapshots(event_id, phase, gic_version, used_lrs, nr_lrs) "
			"VALUES (1, 'flush', 3, 2, 4), (2, 'sync', 2, 3, 20), "
			"(3, 'flush', 3, 0, 0);"
			"INSERT INTO snapshot_lrs VALUES (1, 0, -8043428934483705815), "
			"(1, 1, 0), (1, 2, 4611686018427387937), (1, 3, 9);");
	for (i = 0; i < 20; i++) {
		snprintf(q, sizeof(q), "INSERT INTO snapshot_lrs VALUES (2, %d, %d);", i,
			 1342177280 + i * 7);
		plain_sql(path, q);
	}
}

#define LRS_QUERY "SELECT event_id, lr, value FROM snapshot_lrs ORDER BY event_id, lr"
#define LRS_V_QUERY "SELECT event_id, lr, in_use, P, A, vintid, priority FROM lrs_v ORDER BY 1, 2"

/*
 * Format 1 read-only as it is; for writing, migrated to format 2 in one
 * transaction, LRs and their decoding unchanged, readable in the order
 * readers ask for without a sort. A migration that fails leaves format 1.
 */
static void check_format1(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	uint64_t lrs1, lrsv1, d;
	int64_t n1, nv1, n;

	make_v1_file(path_of("v1.db"));
	db = tracedb_open(path_of("v1.db"), TRACEDB_READONLY, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	CHECK_EQ(tracedb_format_version(db), 1);
	lrs1 = query_digest(db, LRS_QUERY, &n1);
	lrsv1 = query_digest(db, LRS_V_QUERY, &nv1);
	CHECK_EQ(n1, 24);
	CHECK_EQ(nv1, 24);
	tracedb_close(db);

	/* Read-only left it as it was. */
	db = tracedb_open(path_of("v1.db"), TRACEDB_READONLY, &err);
	CHECK(db && query_int(db, "PRAGMA user_version") == 1);
	CHECK(db && query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'snapshot_lrs' "
				  "AND type = 'table'") == 1);
	tracedb_close(db);

	/* A migration that fails half way (lr_numbers exists) leaves format 1 whole. */
	plain_sql(path_of("v1.db"), "CREATE TABLE lr_numbers(x);");
	CHECK(tracedb_open(path_of("v1.db"), TRACEDB_READWRITE, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "lr_numbers");
	db = tracedb_open(path_of("v1.db"), TRACEDB_READONLY, &err);
	CHECK(db && query_int(db, "PRAGMA user_version") == 1);
	CHECK(db && query_int(db, "SELECT count(*) FROM snapshots WHERE nr_lrs > 0") == 2);
	CHECK(db && query_digest(db, LRS_QUERY, &n) == lrs1 && n == n1);
	tracedb_close(db);
	plain_sql(path_of("v1.db"), "DROP TABLE lr_numbers;");

	db = tracedb_open(path_of("v1.db"), TRACEDB_READWRITE, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	CHECK_EQ(tracedb_format_version(db), VR_TRACE_FORMAT_VERSION);
	CHECK_EQ(query_int(db, "PRAGMA user_version"), VR_TRACE_FORMAT_VERSION);
	CHECK_EQ(query_int(db, "SELECT format_version FROM trace_info"), VR_TRACE_FORMAT_VERSION);
	/* format 3: the GICv5 PPI table and the synthetic mark, empty on a migrated file */
	CHECK_EQ(query_int(db, "SELECT count(*) FROM ppi_snapshots"), 0);
	CHECK_EQ(query_int(db, "SELECT synthetic IS NULL FROM trace_info"), 1);
	CHECK_EQ(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'snapshot_lrs' "
			       "AND type = 'view'"), 1);
	CHECK_EQ(query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"), 0);
	CHECK_EQ(query_int(db, "SELECT lr2 FROM snapshots WHERE event_id = 1"),
		 4611686018427387937);
	CHECK_EQ(query_int(db, "SELECT count(*) FROM snapshot_lrs_more"), 4);
	d = query_digest(db, LRS_QUERY, &n);
	CHECK(d == lrs1 && n == n1);
	d = query_digest(db, LRS_V_QUERY, &n);
	CHECK(d == lrsv1 && n == nv1);
	CHECK_EQ(plan_sorts(db, LRS_QUERY), 0);
	tracedb_close(db);
}

/*
 * snapshot_lrs in format 2 takes the writes format-1 tools make: delete an
 * LR, move the later ones down, fill the last; change a value; renumber
 * the snapshots (the LRs follow, the view's own renumbering is a no-op);
 * refuse an LR above nr_lrs, a taken one or a NULL value.
 */
static void check_lr_writes(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db;

	make_v1_file(path_of("w.db"));
	db = tracedb_open(path_of("w.db"), TRACEDB_READWRITE, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	CHECK(!tracedb_exec(db,
			    "DELETE FROM snapshot_lrs WHERE event_id = 1 AND lr = 1;"
			    "UPDATE snapshot_lrs SET lr = lr - 1 WHERE event_id = 1 AND lr > 1;"
			    "INSERT INTO snapshot_lrs SELECT 1, nr_lrs - 1, 0 FROM snapshots "
			    "WHERE event_id = 1;"
			    "UPDATE snapshot_lrs SET value = value + 1 "
			    "WHERE event_id = 2 AND lr = 18;",
			    &err));
	CHECK_EQ(query_int(db, "SELECT count(*) FROM snapshot_lrs WHERE event_id = 1"), 4);
	CHECK_EQ(query_int(db, "SELECT value FROM snapshot_lrs WHERE event_id = 1 AND lr = 2"), 9);
	CHECK_EQ(query_int(db, "SELECT value FROM snapshot_lrs WHERE event_id = 1 AND lr = 1"),
		 4611686018427387937);
	CHECK_EQ(query_int(db, "SELECT value FROM snapshot_lrs WHERE event_id = 1 AND lr = 3"), 0);
	CHECK_EQ(query_int(db, "SELECT value FROM snapshot_lrs WHERE event_id = 2 AND lr = 18"),
		 1342177280 + 18 * 7 + 1);
	CHECK(!tracedb_exec(db,
			    "BEGIN; UPDATE snapshots SET event_id = -event_id;"
			    "UPDATE snapshots SET event_id = -2 * event_id;"
			    "UPDATE snapshot_lrs SET event_id = -event_id;"
			    "UPDATE snapshot_lrs SET event_id = -2 * event_id; COMMIT;",
			    &err));
	CHECK_EQ(query_int(db, "SELECT count(*) FROM snapshot_lrs WHERE event_id = 4"), 20);
	CHECK_EQ(query_int(db, "SELECT value FROM snapshot_lrs WHERE event_id = 4 AND lr = 19"),
		 1342177280 + 19 * 7);
	CHECK(tracedb_exec(db, "INSERT INTO snapshot_lrs VALUES (2, 4, 1)", &err));
	CHECK_STR_CONTAINS(err.msg, "lr not below its nr_lrs");
	CHECK(tracedb_exec(db, "INSERT INTO snapshot_lrs VALUES (2, 0, 1)", &err));
	CHECK_STR_CONTAINS(err.msg, "UNIQUE");
	CHECK(tracedb_exec(db, "INSERT INTO snapshot_lrs VALUES (4, 0, NULL)", &err));
	CHECK_STR_CONTAINS(err.msg, "NOT NULL");
	CHECK(!tracedb_exec(db, "DELETE FROM snapshots WHERE event_id = 4", &err));
	CHECK_EQ(query_int(db, "SELECT count(*) FROM snapshot_lrs_more"), 0);
	tracedb_close(db);
}

/* A GICv2 snapshot of `n` LRs whose values are v0 + 3 * lr. */
static void make_snapshot(struct vr_event *ev, struct vr_snapshot *s, int64_t id, int n,
			  uint64_t v0)
{
	int i;

	vr_event_clear(ev);
	vr_snapshot_clear(s);
	ev->ts_ns = id * 10;
	ev->pid = 7;
	ev->vcpu = 0;
	ev->kind = VR_EV_SYNC;
	ev->src_pos = id;
	s->gic_version = 2;
	s->nr_lrs = n;
	s->used_lrs = n / 2;
	for (i = 0; i < n; i++)
		s->lr[i] = v0 + 3 * (uint64_t)i;
}

/*
 * The writer through its thread: many batches of events and snapshots
 * (0, 4, 16 and 64 LRs, the highest bit set), a gap closed by the next
 * event on its CPU, problems; the caller's SQL in the middle of the load
 * sees every row handed over so far; everything reads back after finish;
 * a second load into the same trace is refused.
 */
static void check_writer(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_create(path_of("wr.db"), &err);
	static const int nlrs[] = {0, 4, 16, 64};
	struct trace_writer *w;
	struct vr_event ev;
	struct vr_snapshot s;
	int64_t i, id, bad = 0;

	CHECK(db != NULL);
	if (!db)
		return;
	w = trace_writer_begin(db, &err);
	CHECK(w != NULL);
	if (!w)
		return;
	for (i = 1; i <= 40000; i++) {
		if (i % 10 == 0) {
			make_snapshot(&ev, &s, i, nlrs[i / 10 % 4],
				      0x8000000000000000ull + (uint64_t)i);
			id = trace_writer_snapshot(w, &ev, &s);
		} else {
			make_snapshot(&ev, &s, i, 0, 0);
			ev.kind = VR_EV_ENTRY;
			ev.vcpu = VR_NO_VALUE;
			ev.cpu = (int32_t)(i % 2);
			id = trace_writer_event(w, &ev);
		}
		bad += id != i;
		if (i != 20000)
			continue;
		CHECK_EQ(trace_writer_gap(w, 1, 5, 20000), 0);
		CHECK_EQ(trace_writer_problem(w, 20000, "unparsed", NULL, "why", "text", 4), 0);
		CHECK_EQ(query_int(db, "SELECT count(*) FROM events"), 20000);
		CHECK_EQ(query_int(db, "SELECT count(*) FROM gaps WHERE end_ts_ns IS NULL"), 1);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(trace_writer_finish(w, &err), 0);
	CHECK_EQ(query_int(db, "SELECT count(*) FROM events"), 40000);
	CHECK_EQ(query_int(db, "SELECT count(*) FROM events WHERE vcpu = 0"), 40000);
	CHECK_EQ(query_int(db, "SELECT count(*) FROM snapshots"), 4000);
	CHECK_EQ(query_int(db, "SELECT count(*) FROM snapshot_lrs"), 1000 * (0 + 4 + 16 + 64));
	CHECK_EQ(query_int(db, "SELECT count(*) FROM snapshot_lrs WHERE value != "
			       "-9223372036854775808 + event_id + 3 * lr"), 0);
	CHECK_EQ(query_int(db, "SELECT max(lr) FROM snapshot_lrs"), 63);
	CHECK_EQ(query_int(db, "SELECT end_ts_ns FROM gaps"), 200010); /* event 20001, CPU 1 */
	CHECK_EQ(query_int(db, "SELECT count(*) FROM import_problems WHERE reason = 'why'"), 1);
	/* Events are numbered from 1: a second load into the same trace is refused. */
	CHECK(trace_writer_begin(db, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "already holds events");
	tracedb_close(db);
}

/* An insert that fails (a trigger refuses event 5000) is reported, not lost. */
static void check_writer_failure(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_create(path_of("fail.db"), &err);
	struct trace_writer *w;
	struct vr_event ev;
	int64_t i, failed_at = 0;

	CHECK(db != NULL);
	if (!db)
		return;
	CHECK(!tracedb_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.ts_ns = 5000 "
				"BEGIN SELECT RAISE(ABORT, 'event 5000 refused'); END",
			    &err));
	w = trace_writer_begin(db, &err);
	CHECK(w != NULL);
	if (!w)
		return;
	vr_event_clear(&ev);
	ev.kind = VR_EV_EXIT;
	for (i = 1; i <= 100000 && !failed_at; i++) {
		ev.ts_ns = i;
		if (trace_writer_event(w, &ev) < 0)
			failed_at = i;
	}
	CHECK(failed_at > 5000 && failed_at < 100000);
	CHECK_STR_CONTAINS(trace_writer_error(w), "event 5000 refused");
	CHECK(trace_writer_finish(w, &err) != 0);
	CHECK_STR_CONTAINS(err.msg, "event 5000 refused");
	tracedb_close(db);
}

/* Run the tests in a private temporary directory. */
int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 2;
	check_create_and_open();
	check_refusals();
	check_lr_views();
	check_format1();
	check_lr_writes();
	check_writer();
	check_writer_failure();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 2;
	return vr_test_report("test_tracedb");
}
