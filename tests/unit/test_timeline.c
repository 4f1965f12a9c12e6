/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests of the TUI's model (ui/timeline.c) on a real lab trace (two vCPUs,
 * SPIs routed over both): the per-zoom summaries are built on the first
 * open, stored in the file and reused; a stale or read-only file gets them
 * rebuilt (in memory for read-only); what `import` stores
 * (timeline_store_summaries) is what a later open reads; and the summaries
 * say the same as the raw events: the time each vCPU spent running, in the
 * host and in WFI, the injections, and the time each interrupt was pending
 * or active, summed over the trace, agree between the stored level 0 and
 * raw-event windows (the interrupts' to the nanosecond: both are the
 * replay driver's lifecycles). Two small traces written event by event pin down two
 * old bugs: a flush whose LRs give the model many interrupts at once (an
 * array moved under a pointer still in use) and a trace whose clock jumps by
 * years (a time offset times the column count overflowed 64 bits).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "../../collector/import/import.h"
#include "../../schemas/tui_store.h"
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
	int64_t lane_ns[2][TL_NSTATES], injections[2], irq_ns[2][TL_NIRQSTATES], irq_injections[2];
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
			for (int c = 0; c < w.ncols; c++) {
				for (int k = 0; k < TL_NIRQSTATES; k++)
					t->irq_ns[w.irqs[r].vcpu & 1][k] += w.irqs[r].bins[c].ns[k];
				t->irq_injections[w.irqs[r].vcpu & 1] += w.irqs[r].bins[c].injections;
			}
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
		/* Interrupt states: zoomed-in windows draw the lifecycles level 0 keeps,
		 * which the driver gave the build: the same spans, to the nanosecond. */
		snprintf(qs, sizeof(qs),
			 "SELECT sum(active_ns) FROM tui_summary_irq WHERE level = 0 AND vcpu = %d", v);
		CHECK_EQ(q(tracedb_sqlite(db), qs), raw.irq_ns[v][TL_ACTIVE]);
		snprintf(qs, sizeof(qs),
			 "SELECT sum(pending_ns) FROM tui_summary_irq WHERE level = 0 AND vcpu = %d", v);
		CHECK_EQ(q(tracedb_sqlite(db), qs), raw.irq_ns[v][TL_PENDING]);
		snprintf(qs, sizeof(qs),
			 "SELECT sum(injections) FROM tui_summary_irq WHERE level = 0 AND vcpu = %d", v);
		CHECK_EQ(q(tracedb_sqlite(db), qs), raw.irq_injections[v]);
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

/* Stored as `import` stores them (in the file that had none): a read-only open finds them current. */
static void check_stored_at_import(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	struct timeline *tl;
	char ro[256];

	snprintf(ro, sizeof(ro), "%s/ro.db", dir);
	CHECK(timeline_store_summaries(ro, NULL, NULL, &err) == 0);
	tl = open_model(ro, TRACEDB_READONLY, &db);
	CHECK(tl && timeline_build_seconds(tl) == 0);
	timeline_close(tl);
	tracedb_close(db);
	CHECK(timeline_store_summaries(ro, NULL, NULL, &err) == 0); /* current: nothing to do */
}

/*
 * Summaries of an older vgic-replay (version 3: one table row per bucket,
 * tui_summary a table) are stale: a read-only open builds them in memory,
 * and storing replaces the tables with today's chunk tables and views.
 */
static void check_older_summaries(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	struct timeline *tl;
	char old[256], cmd[600];

	snprintf(old, sizeof(old), "%s/old.db", dir);
	snprintf(cmd, sizeof(cmd), "cp %s/ro.db %s", dir, old);
	CHECK(system(cmd) == 0);
	db = tracedb_open(old, TRACEDB_READWRITE, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	CHECK(tui_store_summary_drop(db, &err) == 0);
	CHECK(tracedb_exec(db,
			   "CREATE TABLE tui_summary_levels (level INTEGER PRIMARY KEY, bucket_ns "
			   "INTEGER NOT NULL, origin_ns INTEGER NOT NULL, buckets INTEGER NOT NULL, "
			   "events_total INTEGER NOT NULL, last_ts_ns INTEGER NOT NULL, version "
			   "INTEGER NOT NULL, built_at TEXT NOT NULL);"
			   "CREATE TABLE tui_summary (level INTEGER NOT NULL, vcpu INTEGER NOT NULL, "
			   "bucket INTEGER NOT NULL, run_ns INTEGER NOT NULL, host_ns INTEGER NOT NULL, "
			   "wfi_ns INTEGER NOT NULL, events INTEGER NOT NULL, injections INTEGER NOT "
			   "NULL, flushes INTEGER NOT NULL, max_lrs INTEGER NOT NULL, host_cpu INTEGER, "
			   "PRIMARY KEY (level, vcpu, bucket)) WITHOUT ROWID;"
			   "CREATE TABLE tui_summary_irq (level INTEGER NOT NULL, vcpu INTEGER NOT NULL, "
			   "bucket INTEGER NOT NULL, intid INTEGER NOT NULL, pending_ns INTEGER NOT NULL, "
			   "active_ns INTEGER NOT NULL, injections INTEGER NOT NULL, PRIMARY KEY (level, "
			   "vcpu, bucket, intid)) WITHOUT ROWID;"
			   "INSERT INTO tui_summary_levels SELECT 0, 1048576, first_ts_ns, 1, "
			   "events_total, last_ts_ns, 3, 'then' FROM trace_info;"
			   "INSERT INTO tui_summary VALUES (0, 0, 0, 1, 2, 3, 4, 5, 6, 7, NULL)",
			   &err) == 0);
	tracedb_close(db);

	tl = open_model(old, TRACEDB_READONLY, &db);
	CHECK(tl && timeline_build_seconds(tl) > 0);
	CHECK(q(tracedb_sqlite(db), "SELECT count(*) FROM tui_summary") > 1); /* temp's view */
	timeline_close(tl);
	tracedb_close(db);

	CHECK(timeline_store_summaries(old, NULL, NULL, &err) == 0);
	tl = open_model(old, TRACEDB_READONLY, &db);
	CHECK(tl && timeline_build_seconds(tl) == 0);
	CHECK_EQ(q(tracedb_sqlite(db), "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
				       "name IN ('tui_summary', 'tui_summary_irq')"),
		 2);
	CHECK(q(tracedb_sqlite(db), "SELECT count(*) FROM tui_summary_lane_chunks") > 0);
	timeline_close(tl);
	tracedb_close(db);
}

/* Start a trace at path whose vCPUs 0..nvcpus-1 run on threads 100 + v. */
static struct trace_writer *synth_begin(const char *path, int nvcpus, struct tracedb **db)
{
	struct vr_error err = {{0}};
	struct trace_writer *w;

	*db = tracedb_create(path, &err);
	if (!*db || !(w = trace_writer_begin(*db, &err))) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		exit(1);
	}
	for (int v = 0; v < nvcpus; v++)
		trace_writer_map_thread(w, 100 + v, v, "test", 1, 0);
	return w;
}

/* An event of vCPU vcpu (intid and arg1 may be VR_NO_VALUE). */
static struct vr_event synth_event(enum vr_event_kind kind, int64_t ts, int vcpu, int64_t intid,
				   int64_t arg1)
{
	struct vr_event ev;

	vr_event_clear(&ev);
	ev.kind = kind;
	ev.ts_ns = ts;
	ev.pid = 100 + vcpu;
	ev.vcpu = vcpu;
	ev.intid = intid;
	ev.arg[1] = arg1;
	return ev;
}

/* Finish the trace and open its model; NULL on failure. */
static struct timeline *synth_open(struct trace_writer *w, const char *path, struct tracedb **db)
{
	struct vr_error err = {{0}};

	CHECK(trace_writer_finish(w, &err) == 0);
	tracedb_close(*db);
	return open_model(path, TRACEDB_READWRITE, db);
}

/*
 * Two vCPUs and a flush of 16 SPIs after a PPI's injection: the driver
 * gives the TUI's model 17 interrupts at once, which grow its tables (an
 * array that moved under a pointer still in use once lost an interrupt's
 * state: ASan's heap-use-after-free). The SPI pending in the flush's LR
 * with no injection in the trace is pending from that flush to the end.
 */
static void check_flush_grows_tracks(void)
{
	struct tracedb *db;
	struct timeline *tl;
	struct tl_window w;
	struct vr_snapshot snap;
	struct vr_event ev;
	char path[256];
	int64_t pending = -1;
	struct trace_writer *tw;

	snprintf(path, sizeof(path), "%s/flush.db", dir);
	tw = synth_begin(path, 2, &db);
	ev = synth_event(VR_EV_ENTRY, 1000, 1, VR_NO_VALUE, VR_NO_VALUE);
	trace_writer_event(tw, &ev);
	ev = synth_event(VR_EV_IRQ_PENDING, 2000, 0, 27, 1);
	trace_writer_event(tw, &ev);
	vr_snapshot_clear(&snap);
	snap.gic_version = 3;
	snap.nr_lrs = snap.used_lrs = 16;
	for (int i = 0; i < 16; i++) /* pending, group 1, INTIDs 32..47 */
		snap.lr[i] = (1ull << 62) | (1ull << 60) | (uint64_t)(32 + i);
	ev = synth_event(VR_EV_FLUSH, 3000, 0, VR_NO_VALUE, VR_NO_VALUE);
	trace_writer_snapshot(tw, &ev, &snap);
	ev = synth_event(VR_EV_EXIT, 10000, 0, VR_NO_VALUE, VR_NO_VALUE);
	trace_writer_event(tw, &ev);
	tl = synth_open(tw, path, &db);
	CHECK(tl != NULL);
	if (!tl)
		return;
	CHECK_EQ(timeline_nvcpus(tl), 2);
	CHECK(timeline_window(tl, 1000, 9001, 100, 0, -1, &w) == 0);
	CHECK_EQ(w.level, -1);
	for (int r = 0; r < w.nirqs; r++)
		if (w.irqs[r].vcpu == 0 && w.irqs[r].intid == 47) {
			pending = 0;
			for (int c = 0; c < w.ncols; c++)
				pending += w.irqs[r].bins[c].ns[TL_PENDING];
		}
	CHECK_EQ(pending, 10001 - 3000); /* from the flush to the window's end */
	timeline_window_free(&w);
	timeline_close(tl);
	tracedb_close(db);
}

/*
 * A vCPU that runs for 6e18 ns (a clock that jumped by 190 years): on a
 * screen of 4 columns a time offset times the column count exceeds 64
 * bits, which used to give a wrapped or negative column (UBSan: signed
 * overflow). The exit belongs to the last column, the run to every one.
 */
static void check_huge_span(void)
{
	const int64_t t0 = 1000, t1 = t0 + 4000000000000000000LL; /* under 2^62 */
	struct tracedb *db;
	struct timeline *tl;
	struct tl_window w;
	struct vr_event ev;
	char path[256];
	int64_t run = 0, events = 0;
	struct trace_writer *tw;

	snprintf(path, sizeof(path), "%s/huge.db", dir);
	tw = synth_begin(path, 1, &db);
	ev = synth_event(VR_EV_ENTRY, t0, 0, VR_NO_VALUE, VR_NO_VALUE);
	trace_writer_event(tw, &ev);
	ev = synth_event(VR_EV_EXIT, t1, 0, VR_NO_VALUE, VR_NO_VALUE);
	trace_writer_event(tw, &ev);
	tl = synth_open(tw, path, &db);
	CHECK(tl != NULL);
	if (!tl)
		return;
	CHECK(timeline_levels(tl) > 0);
	CHECK(timeline_window(tl, t0, t1 - t0 + 1, 4, 0, -1, &w) == 0);
	CHECK(w.level >= 0);
	for (int c = 0; c < w.ncols; c++) {
		CHECK(w.lanes[c].ns[TL_RUN] > 0);
		run += w.lanes[c].ns[TL_RUN];
		events += w.lanes[c].events;
	}
	CHECK(near(run, t1 - t0, 1)); /* the last bucket, cut by the window's end, is spread evenly */
	CHECK_EQ(events, 2);
	CHECK_EQ(w.lanes[0].events, 1);
	CHECK_EQ(w.lanes[3].events, 1);
	CHECK_EQ(timeline_muldiv(INT64_MAX, 2000, 4000), INT64_MAX / 2);
	timeline_window_free(&w);
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
	check_stored_at_import();
	check_older_summaries();
	check_flush_grows_tracks();
	check_huge_span();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return vr_test_report("test_timeline");
}
