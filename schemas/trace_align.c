/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An imported capture moved onto a recording's time axis by the events
 * both have (trace_align.h). All of it is SQL on the import, with the
 * recording attached (only read).
 */
#include "trace_align.h"

#include <sqlite3.h>
#include <stdio.h>

#include "event_kinds.h"

/* Run sql on db; 0, or -1 with err naming what failed. */
static int run(sqlite3 *sql, const char *what, const char *q, struct vr_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(sql, q, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	vr_error_set(err, "aligning by events: %s: %s", what, msg ? msg : sqlite3_errmsg(sql));
	sqlite3_free(msg);
	return -1;
}

/* One integer from a query (0 if no row). */
static int64_t query_int(sqlite3 *sql, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(sql, q, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The recording's events of the shared kinds in a temporary indexed
 * table, and the nearest of them to each of the capture's (temp.align_d:
 * capture time - recording time).
 */
static int match_events(sqlite3 *sql, const char *rec_path, int64_t window_ns,
			struct vr_error *err)
{
	char *q = sqlite3_mprintf("ATTACH DATABASE %Q AS rec", rec_path);
	int rc = run(sql, "opening the recording", q, err);

	sqlite3_free(q);
	if (rc)
		return -1;
	q = sqlite3_mprintf(
		"CREATE TEMP TABLE align_r AS SELECT kind, cpu, pid, ts_ns FROM rec.events "
		"  WHERE kind IN (%d, %d, %d, %d, %d);"
		"CREATE INDEX temp.align_r_i ON align_r(kind, cpu, pid, ts_ns);"
		"CREATE TEMP TABLE align_n AS SELECT f.ts_ns AS t,"
		"  (SELECT max(r.ts_ns) FROM align_r r WHERE r.kind = f.kind AND r.cpu = f.cpu"
		"   AND r.pid = f.pid AND r.ts_ns BETWEEN f.ts_ns - %lld AND f.ts_ns) AS before,"
		"  (SELECT min(r.ts_ns) FROM align_r r WHERE r.kind = f.kind AND r.cpu = f.cpu"
		"   AND r.pid = f.pid AND r.ts_ns BETWEEN f.ts_ns AND f.ts_ns + %lld) AS after"
		"  FROM main.events f WHERE f.kind IN (%d, %d, %d, %d, %d);"
		"CREATE TEMP TABLE align_d AS SELECT CASE"
		"  WHEN after IS NULL OR (before IS NOT NULL AND t - before <= after - t) THEN t - before"
		"  ELSE t - after END AS d FROM align_n;"
		"DELETE FROM align_d WHERE d IS NULL;",
		VR_EV_ENTRY, VR_EV_EXIT, VR_EV_IRQ_PENDING, VR_EV_SET_IRQ, VR_EV_USERSPACE_EXIT,
		(long long)window_ns, (long long)window_ns, VR_EV_ENTRY, VR_EV_EXIT,
		VR_EV_IRQ_PENDING, VR_EV_SET_IRQ, VR_EV_USERSPACE_EXIT);
	rc = run(sql, "matching the events", q, err);
	sqlite3_free(q);
	return rc;
}

/* The differences' quantile q (0-1). */
static int64_t quantile(sqlite3 *sql, int64_t n, double q)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "SELECT d FROM temp.align_d ORDER BY d LIMIT 1 OFFSET %lld",
		 (long long)(n * q));
	return query_int(sql, buf);
}

/* Every time of the import moved by -a->shift_ns, and the clock says so, in one transaction. */
static int shift_times(sqlite3 *sql, const struct trace_alignment *a, struct vr_error *err)
{
	int64_t shift = a->shift_ns;
	char *q = sqlite3_mprintf(
		"SAVEPOINT align;"
		"UPDATE main.events SET ts_ns = ts_ns - %lld;"
		"UPDATE main.gaps SET start_ts_ns = start_ts_ns - %lld, end_ts_ns = end_ts_ns - %lld;"
		"UPDATE main.vcpus SET first_ts_ns = first_ts_ns - %lld;"
		"UPDATE main.trace_info SET first_ts_ns = first_ts_ns - %lld,"
		"  last_ts_ns = last_ts_ns - %lld;"
		"UPDATE main.trace_info SET clock = coalesce(clock, '') || printf("
		"  '; events both have: %%d matched, moved by %%d ns more (p10 %%d, p90 %%d)',"
		"  %lld, %lld, %lld, %lld);"
		"RELEASE align;",
		(long long)shift, (long long)shift, (long long)shift, (long long)shift,
		(long long)shift, (long long)shift, (long long)a->matched, (long long)shift,
		(long long)a->p10_ns, (long long)a->p90_ns);
	int rc = run(sql, "moving the times", q, err);

	sqlite3_free(q);
	if (rc)
		sqlite3_exec(sql, "ROLLBACK TO align; RELEASE align", NULL, NULL, NULL);
	return rc;
}

/* See trace_align.h. */
int trace_align_by_events(struct tracedb *db, const char *rec_path, int64_t window_ns,
			  struct trace_alignment *a, struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(db);
	int rc = -1;

	a->matched = a->shift_ns = a->p10_ns = a->p90_ns = 0;
	if (match_events(sql, rec_path, window_ns, err))
		goto out;
	a->matched = query_int(sql, "SELECT count(*) FROM temp.align_d");
	if (a->matched < 100) {
		rc = 0;
		goto out;
	}
	a->shift_ns = quantile(sql, a->matched, 0.5);
	a->p10_ns = quantile(sql, a->matched, 0.1);
	a->p90_ns = quantile(sql, a->matched, 0.9);
	rc = shift_times(sql, a, err);
out:
	sqlite3_exec(sql, "DROP TABLE IF EXISTS temp.align_r; DROP TABLE IF EXISTS temp.align_n;"
			  "DROP TABLE IF EXISTS temp.align_d",
		     NULL, NULL, NULL);
	sqlite3_exec(sql, "DETACH DATABASE rec", NULL, NULL, NULL);
	return rc;
}
