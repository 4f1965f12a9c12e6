/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests of opening trace databases: ours are accepted; foreign SQLite
 * files, files that are not SQLite, truncated files and files of a newer
 * format are refused with a one-line reason naming the file.
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
	struct tracedb *db = tracedb_create(path_of("views.db"), &err);
	sqlite3_stmt *st;

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

/* Run the tests in a private temporary directory. */
int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		return 2;
	check_create_and_open();
	check_refusals();
	check_lr_views();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 2;
	return vr_test_report("test_tracedb");
}
