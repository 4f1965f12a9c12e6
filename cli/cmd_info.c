/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay info trace.db`: what a trace holds, at a glance: where it
 * came from, which kernel and GIC, how long, which vCPUs, how many events
 * of each kind, which INTIDs, and where data was lost.
 */
#include <stdio.h>
#include <string.h>

#include "../schemas/tracedb.h"
#include "cli.h"

static const char info_usage[] =
	"Usage: vgic-replay info TRACE.db\n"
	"\n"
	"Summarise a trace database: source, kernel and GIC (with how each was\n"
	"obtained), time span, vCPUs and their host threads, events by kind,\n"
	"INTIDs seen, lost events (gaps), and input that was not imported.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help\n";

/* Text of column i, or a placeholder for NULL. */
static const char *col_text(sqlite3_stmt *st, int i, const char *null_text)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : null_text;
}

/* Print the trace_info block. */
static int print_header(sqlite3 *db, const char *path)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT source_file, source_format, capture_tool, kernel_release, "
				"kernel_release_source, gic_version, gic_version_source, nr_lrs, "
				"nr_lrs_source, clock, first_ts_ns, last_ts_ns, events_total, "
				"snapshots_total, events_unparsed, events_unknown, events_lost, "
				"gaps_total, input_records, format_version, created_by "
				"FROM trace_info WHERE id = 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		cli_error("%s: no trace_info row: %s", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	printf("%s: vgic-replay trace format %d (written by %s)\n", path,
	       sqlite3_column_int(st, 19), col_text(st, 20, "?"));
	printf("  source     %s (%s, captured with %s, %lld input records)\n",
	       col_text(st, 0, "?"), col_text(st, 1, "?"), col_text(st, 2, "?"),
	       sqlite3_column_int64(st, 18));
	printf("  kernel     %s  [%s]\n", col_text(st, 3, "unknown"), col_text(st, 4, ""));
	if (sqlite3_column_type(st, 5) == SQLITE_NULL)
		printf("  gic        unknown  [%s]\n", col_text(st, 6, ""));
	else
		printf("  gic        GICv%d  [%s]\n", sqlite3_column_int(st, 5),
		       col_text(st, 6, ""));
	if (sqlite3_column_type(st, 7) != SQLITE_NULL)
		printf("  LRs        %d  [%s]\n", sqlite3_column_int(st, 7), col_text(st, 8, ""));
	printf("  clock      %s\n", col_text(st, 9, "not recorded"));
	if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
		double a = sqlite3_column_int64(st, 10) / 1e9, b = sqlite3_column_int64(st, 11) / 1e9;

		printf("  time       %.6f .. %.6f s (%.6f s)\n", a, b, b - a);
	}
	printf("  events     %lld, of which %lld snapshots\n", sqlite3_column_int64(st, 12),
	       sqlite3_column_int64(st, 13));
	printf("  not imported  %lld unparsed, %lld unknown events\n",
	       sqlite3_column_int64(st, 14), sqlite3_column_int64(st, 15));
	printf("  lost       %lld events in %lld gaps\n", sqlite3_column_int64(st, 16),
	       sqlite3_column_int64(st, 17));
	sqlite3_finalize(st);
	return 0;
}

/* Print each row of a two-column query as "  <label> <a> <b>". */
static void print_rows(sqlite3 *db, const char *title, const char *q, const char *fmt)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		printf(n++ ? "             " : "  %-9s  ", title);
		printf(fmt, col_text(st, 0, "-"), col_text(st, 1, "-"), col_text(st, 2, "-"),
		       col_text(st, 3, "-"));
		putchar('\n');
	}
	if (!n)
		printf("  %-9s  none\n", title);
	sqlite3_finalize(st);
}

/* Print the injected INTIDs as compact ranges with their injection counts. */
static void print_intids(sqlite3 *db)
{
	sqlite3_stmt *st;
	long long first = -1, last = -2, total = 0;
	int n = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT intid, count(*) FROM events WHERE intid IS NOT NULL "
			       "GROUP BY intid ORDER BY intid",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	printf("  intids     ");
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);

		total += sqlite3_column_int64(st, 1);
		if (id == last + 1) {
			last = id;
			continue;
		}
		if (first >= 0)
			printf(first == last ? "%s%lld" : "%s%lld-%lld", n++ ? ", " : "", first, last);
		first = last = id;
	}
	if (first >= 0)
		printf(first == last ? "%s%lld" : "%s%lld-%lld", n++ ? ", " : "", first, last);
	printf(n ? "  (%lld events name an INTID)\n" : "none\n", total);
	sqlite3_finalize(st);
}

/* Summarise the trace database given on the command line. */
int cmd_info(int argc, char **argv)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	sqlite3 *sql;

	if (argc == 2 && cli_is_help(argv[1])) {
		fputs(info_usage, stdout);
		return 0;
	}
	if (argc != 2) {
		fputs(info_usage, stderr);
		return 2;
	}
	db = tracedb_open(argv[1], TRACEDB_READONLY, &err);
	if (!db) {
		cli_error("%s", err.msg);
		return 1;
	}
	sql = tracedb_sqlite(db);
	if (print_header(sql, argv[1])) {
		tracedb_close(db);
		return 1;
	}
	print_rows(sql, "vcpus",
		   "SELECT vm, vcpu, thread_id, source FROM vcpus ORDER BY vm, vcpu, thread_id",
		   "vm %s vcpu %s: host thread %s (from %s)");
	print_rows(sql, "by kind",
		   "SELECT printf('%-24s', k.name), count(*) FROM events e "
		   "JOIN event_kinds k ON k.kind = e.kind GROUP BY e.kind ORDER BY e.kind",
		   "%s %s");
	print_intids(sql);
	print_rows(sql, "gaps",
		   "SELECT cpu, coalesce(lost, '?'), coalesce(printf('%.6f', start_ts_ns / 1e9), "
		   "'start'), coalesce(src_pos, '?') FROM gaps ORDER BY id LIMIT 20",
		   "cpu %s: %s events lost after t=%s (input position %s)");
	print_rows(sql, "unknown", "SELECT printf('%-24s', name), count FROM unknown_events "
				   "ORDER BY count DESC LIMIT 20",
		   "%s %s");
	print_rows(sql, "unparsed",
		   "SELECT src_pos, reason FROM import_problems WHERE problem = 'unparsed' "
		   "ORDER BY src_pos LIMIT 10",
		   "position %s: %s");
	tracedb_close(db);
	return 0;
}
