/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make bench: end-to-end `check` throughput against a bare scan.
 *
 * Builds a trace database of at least 5 million events by importing a
 * real sample and replicating its rows with shifted ids and timestamps
 * (bench_trace.c, in SQL, so building is fast), then measures in the same process:
 *   bare   the event stream check reads (trace_cursor: events with their
 *          snapshots, LRs and gaps), every item read, nothing else done:
 *          the rate of reading this file;
 *   check  replay_check() on the same file, findings not stored.
 * The ratio check/bare is the cost of the checks themselves (goal >= 0.70),
 * measured in CPU time (the machine may be shared). Each copy's seam is
 * marked as a gap, as the copies are separate recordings.
 * Usage: bench_check SAMPLE.trace [MIN_EVENTS]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "../collector/import/import.h"
#include "../replay/replay.h"
#include "bench_trace.h"

/* The bare scan: the stream check reads (schemas/trace_reader.h), every item read, nothing done. */
static int64_t bare_scan(const char *path)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READONLY, &err);
	struct trace_cursor *cur;
	struct trace_filter f;
	struct trace_item it;
	int64_t rows = 0, sum = 0;

	if (!db)
		exit(1);
	trace_filter_init(&f);
	f.kinds = REPLAY_MODEL_KIND_SET;
	cur = trace_cursor_open(db, &f, &err);
	while (cur && trace_cursor_next(cur, &it, &err) == 1) {
		sum += it.ev.ts_ns + it.snap.lr[0];
		rows += it.type == TRACE_ITEM_EVENT;
	}
	trace_cursor_close(cur);
	tracedb_close(db);
	if (sum == 42)
		putchar(' '); /* keep the sum alive */
	return rows;
}

/*
 * Each copy is a recording of its own: mark every seam as a gap (the
 * tracer lost what lay between), so that check does not judge the
 * interrupts in flight across it, as it would not in a real trace.
 */
static void mark_seams(const char *path, int64_t copies, int64_t per_copy)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READWRITE, &err);
	char q[512];

	if (!db) {
		fprintf(stderr, "bench_check: %s\n", err.msg);
		exit(1);
	}
	snprintf(q, sizeof(q),
		 "WITH RECURSIVE k(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM k WHERE c < %lld) "
		 "INSERT INTO gaps(cpu, lost, after_event_id, start_ts_ns) SELECT e.cpu, NULL, e.id, "
		 "e.ts_ns FROM k JOIN events e ON e.id = (SELECT max(id) FROM events WHERE id <= "
		 "c * %lld)",
		 (long long)copies - 1, (long long)per_copy);
	if (copies > 1)
		bench_must_exec(db, q);
	tracedb_close(db);
}

/* CPU time of this process: the machine is shared, wall time is not ours alone. */
static uint64_t cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Time check over the file; returns events replayed. */
static int64_t run_check(const char *path, int64_t *findings)
{
	struct replay_options opt = {0};
	struct replay_result res;
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READONLY, &err);
	int64_t n;

	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	if (!db || replay_check(db, &opt, NULL, NULL, &res, &err)) {
		fprintf(stderr, "bench_check: %s\n", err.msg);
		exit(1);
	}
	n = res.events;
	*findings = res.findings;
	replay_result_free(&res);
	tracedb_close(db);
	return n;
}

/* Build the big trace, then measure bare scan and check back to back, three rounds. */
int main(int argc, char **argv)
{
	char dir[] = "/tmp/vr-bench-check-XXXXXX", path[128], cmd[200];
	int64_t min_events = argc > 2 ? atoll(argv[2]) : 5000000, copies, total, findings = 0;
	double best_bare = 0, best_check = 0;
	int64_t replayed_rows = 1;
	int round;

	if (argc < 2 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench_check SAMPLE.trace [MIN_EVENTS]\n");
		return 2;
	}
	total = bench_big_trace(argv[1], dir, "big.db", min_events, path, sizeof(path), &copies);
	mark_seams(path, copies, total / copies);
	printf("check throughput: %lld events (%lld copies of %s)\n", (long long)total,
	       (long long)copies, argv[1]);
	for (round = 0; round < 3; round++) {
		uint64_t t0 = vr_now_ns(), c0 = cpu_ns();
		int64_t rows = bare_scan(path);
		uint64_t t1 = vr_now_ns(), c1 = cpu_ns();
		int64_t replayed = run_check(path, &findings);
		uint64_t t2 = vr_now_ns(), c2 = cpu_ns();
		double bare = rows / ((c1 - c0) / 1e9), chk = replayed / ((c2 - c1) / 1e9);

		replayed_rows = replayed;
		if (bare > best_bare)
			best_bare = bare;
		if (chk > best_check)
			best_check = chk;
		printf("  round %d: bare scan %.2f M rows/s, check %.2f M rows/s of CPU time "
		       "(wall %.2f s and %.2f s; %lld findings)\n",
		       round + 1, bare / 1e6, chk / 1e6, (t1 - t0) / 1e9, (t2 - t1) / 1e9,
		       (long long)findings);
	}
	printf("  best: bare %.2f M rows/s, check %.2f M rows/s = %.2f M trace events/s; ratio %.2f "
	       "(goal >= 0.70); peak RSS %ld KiB\n",
	       best_bare / 1e6, best_check / 1e6, best_check / 1e6 * total / (double)replayed_rows,
	       best_check / best_bare, vr_peak_rss_kib());
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
