/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make bench-tui: how fast `vgic-replay tui` draws a big trace.
 *
 * Builds a trace database of at least 10 million events from a real
 * corpus trace (bench_trace.c: rows replicated with shifted ids and
 * timestamps), then drives the TUI's own drawing and key handling
 * (ui/tui.h) on a curses terminal of 120x40 whose output goes to
 * /dev/null, and measures:
 *   first open before   tui_open + first tui_draw on a file without
 *                       summaries, which the open builds and stores (what
 *                       every new trace's first open cost before `import`
 *                       stored them);
 *   at import           storing the summaries as `import` does
 *                       (timeline_store_summaries), after dropping them;
 *   first open now      tui_open + first tui_draw on that file, evicted
 *                       from the page cache and again with it cached (goal
 *                       < 2 s), and how many times faster than before;
 *   redraw       key + full redraw for pan (a screen right) and zoom (in and
 *                back out around the cursor) at five zoom levels, from the
 *                whole trace to a window of 1/65536 of it: median and p99
 *                (goal: every redraw < 50 ms).
 * With a PROFILE, `check --profile PROFILE` runs first and stores its
 * findings, so that the findings row, list and detail pane have rows to
 * find on every screen.
 * Usage: bench_tui TRACE(.txt.xz) [MIN_EVENTS [PROFILE]]
 */
#define _POSIX_C_SOURCE 200809L
#include <curses.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../replay/replay.h"
#include "../schemas/tui_store.h"
#include "../ui/timeline.h"
#include "../ui/tui.h"
#include "bench_trace.h"

#define SAMPLES 100
#define ZOOM_STEPS 4 /* each zoom level is 2^4 = 16 times narrower than the previous */
#define NLEVELS 5

/* Ascending order of doubles, for the percentiles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n samples, sorting them. */
static double quantile(double *v, int n, double q)
{
	int i = (int)(q * (n - 1) + 0.5);

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[i < n ? i : n - 1];
}

/* Milliseconds to act on key and redraw the screen. */
static double timed_key(struct tui *t, int key)
{
	uint64_t a = vr_now_ns();

	tui_key(t, key);
	tui_draw(t);
	return (vr_now_ns() - a) / 1e6;
}

/* Open the trace and draw the first screen; returns seconds, exits on failure. */
static struct tui *first_screen(const char *path, double *secs)
{
	struct tui_options o = {.ascii = 1};
	struct vr_error err = {{0}};
	uint64_t a = vr_now_ns();
	struct tui *t = tui_open(path, &o, &err);

	if (!t) {
		endwin();
		fprintf(stderr, "bench_tui: %s\n", err.msg);
		exit(1);
	}
	tui_draw(t);
	*secs = (vr_now_ns() - a) / 1e9;
	return t;
}

/* Go to time s (seconds) through the `t` key, its answer queued as input. */
static void go_to(struct tui *t, double s)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.6f\n", s);
	for (int i = (int)strlen(buf) - 1; i >= 0; i--)
		ungetch(buf[i]);
	tui_key(t, 't');
}

/* Drop the file's pages from the page cache, so the next open reads it from disk. */
static void evict(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* First and last event time of the trace at path, seconds. */
static void trace_span(const char *path, double *first, double *last)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READONLY, &err);

	if (!db) {
		fprintf(stderr, "bench_tui: %s\n", err.msg);
		exit(1);
	}
	*first = bench_query_int(db, "SELECT first_ts_ns FROM trace_info") / 1e9;
	*last = bench_query_int(db, "SELECT last_ts_ns FROM trace_info") / 1e9;
	tracedb_close(db);
}

/* Drop the summaries, then store them as `import` does; returns the seconds that took. */
static double store_as_import(const char *path)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READWRITE, &err);
	uint64_t a;

	if (!db || tui_store_summary_drop(db, &err)) {
		fprintf(stderr, "bench_tui: %s\n", err.msg);
		exit(1);
	}
	tracedb_close(db);
	a = vr_now_ns();
	if (timeline_store_summaries(path, NULL, NULL, &err)) {
		fprintf(stderr, "bench_tui: %s\n", err.msg);
		exit(1);
	}
	return (vr_now_ns() - a) / 1e9;
}

/* Run check under profile over the trace and store its findings; returns their number. */
static int64_t store_findings(const char *path, const char *profile)
{
	struct replay_options opt = {0};
	struct replay_result res;
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READWRITE, &err);
	int64_t n;

	opt.profile = profile;
	opt.store = 1;
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	if (!db || replay_check(db, &opt, NULL, NULL, &res, &err)) {
		fprintf(stderr, "bench_tui: %s\n", err.msg);
		exit(1);
	}
	n = res.findings;
	replay_result_free(&res);
	tracedb_close(db);
	return n;
}

/* The key of pan sample i at a level: cursor moves on the whole trace, else screens. */
static int pan_key(int level, int i)
{
	if (level == 0)
		return i % 2 ? 'h' : 'l';
	if (level == 1) /* 8 screens from the middle to the end: back and forth */
		return i % 2 ? 'H' : 'L';
	return i < SAMPLES / 2 ? 'L' : 'H';
}

/*
 * The redraw table: pan and zoom at each zoom level from the whole trace
 * [t0, t1] (seconds) down, starting in its middle; returns the levels that
 * missed the goal.
 */
static int redraws(struct tui *t, double t0, double t1)
{
	double pan[SAMPLES], zoom[SAMPLES];
	int fails = 0;

	printf("  redraw (ms)  window              source     pan median  pan p99  zoom median  zoom p99\n");
	go_to(t, (t0 + t1) / 2);
	for (int level = 0; level < NLEVELS; level++) {
		double pm, pp, zm, zp, w = (t1 - t0) / (1 << (ZOOM_STEPS * level));
		char window[48], source[16];

		for (int z = 0; z < (level ? ZOOM_STEPS : 0); z++)
			tui_key(t, '+');
		tui_draw(t);
		if (tui_window_level(t) >= 0)
			snprintf(source, sizeof(source), "summary %d", tui_window_level(t));
		else
			snprintf(source, sizeof(source), "raw events");
		for (int i = 0; i < SAMPLES; i++)
			zoom[i] = timed_key(t, i % 2 ? '-' : '+');
		for (int i = 0; i < SAMPLES; i++)
			pan[i] = timed_key(t, pan_key(level, i));
		pm = quantile(pan, SAMPLES, 0.5);
		pp = quantile(pan, SAMPLES, 0.99);
		zm = quantile(zoom, SAMPLES, 0.5);
		zp = quantile(zoom, SAMPLES, 0.99);
		snprintf(window, sizeof(window), "1/%-6d %9.4f s", 1 << (ZOOM_STEPS * level), w);
		printf("  level %d      %-20s %-10s %9.1f %8.1f %12.1f %9.1f%s\n", level, window, source, pm,
		       pp, zm, zp, pp < 50 && zp < 50 ? "" : "  MISSED");
		fails += !(pp < 50 && zp < 50);
	}
	printf("  goal: every redraw < 50 ms (p99): %s\n", fails ? "missed" : "met");
	return fails;
}

/* Build the trace, measure, print the table. */
int main(int argc, char **argv)
{
	char dir[] = "/tmp/vr-bench-tui-XXXXXX", path[160], cmd[200];
	int64_t min_events = argc > 2 ? atoll(argv[2]) : 10000000, copies, total, findings = 0;
	double before, at_import, first, cold, build, t0, t1;
	FILE *out, *in;
	SCREEN *scr;
	struct tui *t;
	int rebuilt;

	if (argc < 2 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench_tui TRACE [MIN_EVENTS [PROFILE]]\n");
		return 2;
	}
	total = bench_big_trace(argv[1], dir, "big.db", min_events, path, sizeof(path), &copies);
	trace_span(path, &t0, &t1);
	if (argc > 3)
		findings = store_findings(path, argv[3]);
	setenv("LINES", "40", 1);
	setenv("COLUMNS", "120", 1);
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	scr = newterm("xterm", out, in);
	if (!scr) {
		fprintf(stderr, "bench_tui: no curses terminal\n");
		return 1;
	}
	set_term(scr);
	t = first_screen(path, &before);
	build = tui_summary_build_seconds(t);
	tui_close(t);
	at_import = store_as_import(path);
	evict(path);
	t = first_screen(path, &cold);
	rebuilt = tui_summary_build_seconds(t) > 0; /* must not: import stored them */
	tui_close(t);
	t = first_screen(path, &first);
	endwin();

	printf("tui: %lld events (%lld copies of %s), %.1f s of trace, %lld findings (%s); "
	       "120x40 terminal on /dev/null\n",
	       (long long)total, (long long)copies, argv[1], t1 - t0, (long long)findings,
	       argc > 3 ? argv[3] : "no check run");
	printf("  first open before, building the per-zoom summaries: %.2f s (building: %.2f s)\n",
	       before, build);
	printf("  storing them at import instead: %.2f s, once per trace\n", at_import);
	printf("  first open now: %.3f s with the file evicted from the page cache, %.3f s cached "
	       "(goal < 2 s)%s\n",
	       cold, first, first < 2 && cold < 2 && !rebuilt ? "" : "  MISSED");
	printf("  first open before / now: %.0fx (evicted), %.0fx (cached)\n", before / cold,
	       before / first);
	redraws(t, t0, t1);
	tui_close(t);
	delscreen(scr);
	fclose(out);
	fclose(in);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
