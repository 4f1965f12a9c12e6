/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listings of trace_listing.h: one query each, rows handed on as text.
 */
#include "trace_listing.h"

#define MAX_COLS 24

static const char *const listing_sql[TRACE_LIST_COUNT] = {
	[TRACE_LIST_INFO] = "SELECT source_file, source_format, capture_tool, kernel_release, "
			    "kernel_release_source, gic_version, gic_version_source, nr_lrs, "
			    "nr_lrs_source, clock, first_ts_ns, last_ts_ns, events_total, "
			    "snapshots_total, events_unparsed, events_unknown, events_lost, "
			    "gaps_total, input_records, format_version, created_by, host "
			    "FROM trace_info WHERE id = 1",
	[TRACE_LIST_VCPUS] = "SELECT vm, vcpu, thread_id, source FROM vcpus "
			     "ORDER BY vm, vcpu, thread_id",
	[TRACE_LIST_KINDS] = "SELECT k.name, count(*) FROM events e "
			     "JOIN event_kinds k ON k.kind = e.kind GROUP BY e.kind ORDER BY e.kind",
	[TRACE_LIST_INTIDS] = "SELECT intid, count(*) FROM events WHERE intid IS NOT NULL "
			      "GROUP BY intid ORDER BY intid",
	[TRACE_LIST_GAPS] = "SELECT cpu, coalesce(lost, '?'), coalesce(printf('%.6f', "
			    "start_ts_ns / 1e9), 'start'), coalesce(src_pos, '?') FROM gaps "
			    "ORDER BY id LIMIT 20",
	[TRACE_LIST_UNKNOWN] = "SELECT name, count FROM unknown_events ORDER BY count DESC LIMIT 20",
	[TRACE_LIST_UNPARSED] = "SELECT src_pos, reason FROM import_problems "
				"WHERE problem = 'unparsed' ORDER BY src_pos LIMIT 10",
	[TRACE_LIST_LAST_CHECK] = "SELECT run, profile, coalesce(findings, 0), profile_reason "
				  "FROM replay_runs WHERE status = 'done' ORDER BY run DESC LIMIT 1",
	[TRACE_LIST_GAP_ROWS] = "SELECT cpu, lost, start_ts_ns, src_pos FROM gaps ORDER BY id LIMIT 20",
};

/* See trace_listing.h. */
int trace_listing_run(struct tracedb *db, enum trace_listing which, trace_listing_fn fn, void *arg,
		      struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(db);
	const char *cols[MAX_COLS];
	sqlite3_stmt *st;
	int n = 0, rc;

	if ((unsigned)which >= TRACE_LIST_COUNT || !listing_sql[which])
		return vr_error_set(err, "no such listing");
	if (sqlite3_prepare_v2(sql, listing_sql[which], -1, &st, NULL) != SQLITE_OK)
		return vr_error_set(err, "%s", sqlite3_errmsg(sql));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int ncols = sqlite3_column_count(st);

		if (ncols > MAX_COLS)
			ncols = MAX_COLS;
		for (int i = 0; i < ncols; i++)
			cols[i] = (const char *)sqlite3_column_text(st, i);
		fn(cols, ncols, arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = vr_error_set(err, "%s", sqlite3_errmsg(sql));
	sqlite3_finalize(st);
	return n;
}
