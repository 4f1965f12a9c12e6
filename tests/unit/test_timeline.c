/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests of the TUI's model (ui/timeline.c) on a real lab trace (two vCPUs,
 * SPIs routed over both): the per-zoom summaries are built on the first
 * open, stored in the file and reused; a stale or read-only file gets them
 * rebuilt (in memory for read-only); and the summaries say the same as
 * the raw events: the time each vCPU spent running, in the host and in WFI,
 * the injections, and the time each interrupt was pending or active, summed
 * over the trace, agree between the stored level 0 and raw-event windows.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "../../collector/import.h"
#include "../../ui/timeline.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-test-timeline-XXXXXX";

/* One integer from a query on an open handle. */
static int64_t q(sqlite3 *sql, const char *text)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(sql, text, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Open the model on path (writable or not); NULL on failure. */
static struct timeline *open_model(const char *path, int flags, struct tracedb **db)
{
	struct vr_error err = {{0}};

	struct timeline *tl;

	*db = tracedb_open(path, flags, &err);
	if (!*db)
		return NULL;
	tl = timeline_open(*db, NULL, NULL, &err);
	if (!tl)
		fprintf(stderr, "timeline_open: %s\n", err.msg);
	return tl;
}

/* Per-vCPU totals over the whole trace. */
struct totals {
	int64_t lane_ns[2][TL_NSTATES], injections[2], irq_ns[2][TL_NIRQSTATES];
};

/* Totals over the whole trace read through raw-event windows of 1/64 of it each. */
static void raw_totals(struct timeline *tl, struct totals *t)
{
	int64_t t0 = timeline_first_ns(tl), t1 = timeline_last_ns(tl) + 1, step = (t1 - t0) / 64 + 1;

	memset(t, 0, sizeof(*t));
	for (int64_t a = t0; a < t1; a += step) {
		struct tl_window w;

		/* Columns of 1 us: narrower than any summary bucket, so raw events. */
		timeline_window(tl, a, step, (int)(step / 1000), 0, -1, &w);
		CHECK_EQ(w.level, -1);
		for (int v = 0; v < 2 && v < w.nvcpus; v++)
			for (int c = 0; c < w.ncols; c++) {
				for (int k = 0; k < TL_NSTATES; k++)
					t->lane_ns[v][k] += w.lanes[v * w.ncols + c].ns[k];
				t->injections[v] += w.lanes[v * w.ncols + c].injections;
			}
		for (int r = 0; r < w.nirqs; r++)
			for (int c = 0; c < w.ncols; c++)
				for (int k = 0; k < TL_NIRQSTATES; k++)
					t->irq_ns[w.irqs[r].vcpu & 1][k] += w.irqs[r].bins[c].ns[k];
		timeline_window_free(&w);
	}
}

/* True when a and b differ by at most pct percent of the larger. */
static int near(int64_t a, int64_t b, double pct)
{
	int64_t d = a > b ? a - b : b - a, m = a > b ? a : b;

	return d <= m * pct / 100.0;
}

/* Build, store, reuse; summaries agree with the raw events. */
static void check_summaries(const char *trace)
{
	struct import_options io = {0};
	struct import_result ir;
	struct vr_error err = {{0}};
	struct tracedb *db;
	struct timeline *tl;
	struct totals raw;
	char path[256], ro[256], cmd[600];

	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(ro, sizeof(ro), "%s/ro.db", dir);
	io.input = trace;
	io.output = path;
	io.quiet = 1;
	CHECK(vr_import(&io, &ir, &err) == 0);
	snprintf(cmd, sizeof(cmd), "cp %s %s", path, ro);
	CHECK(system(cmd) == 0);

	tl = open_model(path, TRACEDB_READWRITE, &db);
	CHECK(tl != NULL);
	if (!tl)
		return;
	CHECK(timeline_levels(tl) >= 2);
	CHECK_EQ(timeline_nvcpus(tl), 2);
	CHECK(timeline_build_seconds(tl) > 0);
	CHECK_EQ(q(tracedb_sqlite(db), "SELECT count(*) FROM tui_summary_levels"), timeline_levels(tl));
	/* Every level sums to the same totals as level 0. */
	CHECK_EQ(q(tracedb_sqlite(db), "SELECT count(DISTINCT s) FROM (SELECT level, sum(run_ns) + "
				       "sum(host_ns) * 3 + sum(wfi_ns) * 7 + sum(injections) s FROM "
				       "tui_summary GROUP BY level)"),
		 1);
	CHECK_EQ(q(tracedb_sqlite(db), "SELECT count(DISTINCT s) FROM (SELECT level, sum(pending_ns) + "
				       "sum(active_ns) * 3 s FROM tui_summary_irq GROUP BY level)"),
		 1);
	raw_totals(tl, &raw);
	for (int v = 0; v < 2; v++) {
		char qs[256];

		for (int k = 0; k < TL_NSTATES; k++) {
			static const char *col[] = {"run_ns", "host_ns", "wfi_ns"};

			snprintf(qs, sizeof(qs), "SELECT sum(%s) FROM tui_summary WHERE level = 0 AND vcpu = %d",
				 col[k], v);
			CHECK(near(q(tracedb_sqlite(db), qs), raw.lane_ns[v][k], 0.1));
		}
		snprintf(qs, sizeof(qs),
			 "SELECT sum(injections) FROM tui_summary WHERE level = 0 AND vcpu = %d", v);
		CHECK_EQ(q(tracedb_sqlite(db), qs), raw.injections[v]);
		/* Interrupt states: raw windows start at each vCPU's last flush, so an
		 * interrupt waiting for a free LR across a window edge may start late. */
		snprintf(qs, sizeof(qs),
			 "SELECT sum(active_ns) FROM tui_summary_irq WHERE level = 0 AND vcpu = %d", v);
		CHECK(near(q(tracedb_sqlite(db), qs), raw.irq_ns[v][TL_ACTIVE], 2));
		snprintf(qs, sizeof(qs),
			 "SELECT sum(pending_ns) FROM tui_summary_irq WHERE level = 0 AND vcpu = %d", v);
		CHECK(near(q(tracedb_sqlite(db), qs), raw.irq_ns[v][TL_PENDING], 5));
	}
	timeline_close(tl);
	tracedb_close(db);

	/* The second open reuses them. */
	tl = open_model(path, TRACEDB_READWRITE, &db);
	CHECK(tl && timeline_build_seconds(tl) == 0);
	timeline_close(tl);
	/* A changed trace makes them stale. */
	CHECK(tracedb_exec(db, "UPDATE trace_info SET events_total = events_total + 1", &err) == 0);
	tracedb_close(db);
	tl = open_model(path, TRACEDB_READWRITE, &db);
	CHECK(tl && timeline_build_seconds(tl) > 0);
	timeline_close(tl);
	tracedb_close(db);

	/* Read-only: built in memory, the file left without them. */
	tl = open_model(ro, TRACEDB_READONLY, &db);
	CHECK(tl && timeline_build_seconds(tl) > 0);
	CHECK_EQ(q(tracedb_sqlite(db), "SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'tui%'"),
		 0);
	CHECK(q(tracedb_sqlite(db), "SELECT count(*) FROM tui_summary") > 0);
	timeline_close(tl);
	tracedb_close(db);
}

/* Usage: test_timeline DATA_DIR */
int main(int argc, char **argv)
{
	char trace[512], cmd[600];

	if (argc < 2 || !mkdtemp(dir))
		return 2;
	snprintf(trace, sizeof(trace), "%s/lab/linux-7.2-gicv3-vhe-spi-burst-2vcpu/trace.txt.xz",
		 argv[1]);
	check_summaries(trace);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return vr_test_report("test_timeline");
}
