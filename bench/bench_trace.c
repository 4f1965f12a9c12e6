/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Big traces for the benchmarks (see bench_trace.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "bench_trace.h"

#include <stdio.h>
#include <stdlib.h>

#include "../collector/import/import.h"

/* Run SQL or exit; see bench_trace.h. */
void bench_must_exec(struct tracedb *db, const char *sql)
{
	struct vr_error err = {{0}};

	if (tracedb_exec(db, sql, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
}

/* One integer from a query; see bench_trace.h. */
int64_t bench_query_int(struct tracedb *db, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Replicate the imported rows `copies` times after themselves; see bench_trace.h. */
void bench_replicate(const char *path, int64_t copies)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READWRITE, &err);
	char q[2048];
	int64_t n, span;

	if (!db) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	n = bench_query_int(db, "SELECT max(id) FROM events");
	span = bench_query_int(db, "SELECT max(ts_ns) - min(ts_ns) + 1000 FROM events");
	bench_must_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");
	snprintf(q, sizeof(q),
		 "WITH RECURSIVE k(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM k WHERE c < %lld) "
		 "INSERT INTO events SELECT e.id + c * %lld, e.ts_ns + c * %lld, e.cpu, e.pid, e.vm, "
		 "e.vcpu, e.kind, e.intid, e.arg0, e.arg1, e.arg2, e.arg3, e.src_pos "
		 "FROM k, events e WHERE e.id <= %lld ORDER BY c, e.id;"
		 "WITH RECURSIVE k(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM k WHERE c < %lld) "
		 "INSERT INTO snapshots SELECT s.event_id + c * %lld, s.phase, s.gic_version, "
		 "s.used_lrs, s.nr_lrs, s.hcr, s.vmcr, s.apr, s.ap0r0, s.ap0r1, s.ap0r2, s.ap0r3, "
		 "s.ap1r0, s.ap1r1, s.ap1r2, s.ap1r3, s.ap_list_truncated, s.lr0, s.lr1, s.lr2, "
		 "s.lr3, s.lr4, s.lr5, s.lr6, s.lr7, s.lr8, s.lr9, s.lr10, s.lr11, s.lr12, s.lr13, "
		 "s.lr14, s.lr15 FROM k, snapshots s WHERE s.event_id <= %lld;"
		 "WITH RECURSIVE k(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM k WHERE c < %lld) "
		 "INSERT INTO snapshot_lrs_more SELECT l.event_id + c * %lld, l.lr, l.value "
		 "FROM k, snapshot_lrs_more l WHERE l.event_id <= %lld;"
		 "UPDATE trace_info SET events_total = (SELECT count(*) FROM events), "
		 "last_ts_ns = (SELECT max(ts_ns) FROM events);",
		 (long long)copies, (long long)n, (long long)span, (long long)n, (long long)copies,
		 (long long)n, (long long)n, (long long)copies, (long long)n, (long long)n);
	bench_must_exec(db, q);
	bench_must_exec(db, "COMMIT");
	tracedb_close(db);
}

/* Import and replicate to at least min_events; see bench_trace.h. */
int64_t bench_big_trace(const char *sample, const char *dir, const char *name, int64_t min_events,
			char *path, size_t n, int64_t *copies)
{
	struct import_options io = {0};
	struct import_result ir;
	struct vr_error err = {{0}};

	snprintf(path, n, "%s/%s", dir, name);
	io.input = sample;
	io.output = path;
	io.quiet = 1;
	if (vr_import(&io, &ir, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	*copies = (min_events + ir.stats.events - 1) / ir.stats.events;
	if (*copies < 1)
		*copies = 1;
	if (*copies > 1)
		bench_replicate(path, *copies - 1);
	return *copies * ir.stats.events;
}
