/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make bench: import throughput against the physical limit of the storage.
 *
 * Builds an ftrace text trace of at least 5 million events by repeating a
 * real sample with shifted timestamps, then measures in the same run:
 *   import  vr_import() of that file (read, parse, attribute, write, index);
 *   bare    the same rows, parsed beforehand, inserted into a database with
 *           the same schema and pragmas by prepared statements in one
 *           transaction, plus the same index build: what SQLite alone costs.
 * Prints events/s of both, the ratio (goal >= 0.80), and the import's peak
 * RSS for 1M and 5M events, each measured in a child process of its own.
 * Usage: bench_import SAMPLE.trace [MIN_EVENTS]
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../collector/import/ftrace_parse.h"
#include "../collector/import/import.h"

struct sample {
	char **lines;
	size_t *lens;
	struct ftrace_line *parsed;
	size_t n;
	int64_t first_ns, span_ns;
	size_t events; /* lines that are events or snapshots */
};

/* Read the sample's event lines and parse them once (for the bare run). */
static void load_sample(const char *path, struct sample *s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f) {
		perror(path);
		exit(1);
	}
	memset(s, 0, sizeof(*s));
	s->first_ns = -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct ftrace_line pl;
		enum ftrace_line_type t = ftrace_parse_line(line, (size_t)len, &pl);

		if (t != FTRACE_LINE_EVENT && t != FTRACE_LINE_SNAPSHOT)
			continue;
		s->lines = vr_xrealloc(s->lines, (s->n + 1) * sizeof(*s->lines));
		s->lens = vr_xrealloc(s->lens, (s->n + 1) * sizeof(*s->lens));
		s->parsed = vr_xrealloc(s->parsed, (s->n + 1) * sizeof(*s->parsed));
		s->lines[s->n] = vr_xstrdup(line);
		s->lens[s->n] = (size_t)len;
		s->parsed[s->n] = pl;
		if (s->first_ns < 0)
			s->first_ns = pl.ev.ts_ns;
		s->span_ns = pl.ev.ts_ns - s->first_ns + 1000;
		s->n++;
	}
	s->events = s->n;
	free(line);
	fclose(f);
}

/* Write `copies` repetitions of the sample as ftrace text, timestamps shifted. */
static void write_trace(const struct sample *s, const char *path, size_t copies)
{
	FILE *f = fopen(path, "w");
	size_t c, i;

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs("# tracer: nop\n#\n", f);
	for (c = 0; c < copies; c++) {
		for (i = 0; i < s->n; i++) {
			const char *l = s->lines[i], *colon = strstr(l, ": ");
			const char *ts_end = colon, *ts_start = colon;
			int64_t ts = s->parsed[i].ev.ts_ns + (int64_t)c * s->span_ns;

			/* The timestamp is the token before the first ": " after the [cpu]. */
			colon = strstr(strchr(l, ']'), ": ");
			ts_end = colon;
			ts_start = colon;
			while (ts_start > l && ts_start[-1] != ' ')
				ts_start--;
			fprintf(f, "%.*s%lld.%06lld%s", (int)(ts_start - l), l,
				(long long)(ts / 1000000000), (long long)(ts % 1000000000 / 1000),
				ts_end);
		}
	}
	fclose(f);
}

/* Bind an optional value. */
static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == VR_NO_VALUE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* The bare insert of the same rows; returns rows of events written. */
static int64_t bare_insert(const struct sample *s, const char *path, size_t copies)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_create(path, &err);
	sqlite3 *sql;
	sqlite3_stmt *ev, *sn, *lr;
	int64_t id = 1;
	size_t c, i;
	int k;

	if (!db) {
		fprintf(stderr, "bench_import: %s\n", err.msg);
		exit(1);
	}
	sql = tracedb_sqlite(db);
	tracedb_exec(db, "BEGIN", NULL);
	sqlite3_prepare_v2(sql,
			   "INSERT INTO events(id, ts_ns, cpu, pid, vm, vcpu, kind, intid, arg0, arg1, "
			   "arg2, arg3, src_pos) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
			   -1, &ev, NULL);
	sqlite3_prepare_v2(sql,
			   "INSERT INTO snapshots(event_id, phase, gic_version, used_lrs, nr_lrs, hcr, "
			   "vmcr, apr, ap0r0, ap0r1, ap0r2, ap0r3, ap1r0, ap1r1, ap1r2, ap1r3) "
			   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			   -1, &sn, NULL);
	sqlite3_prepare_v2(sql, "INSERT INTO snapshot_lrs(event_id, lr, value) VALUES (?,?,?)", -1,
			   &lr, NULL);
	for (c = 0; c < copies; c++) {
		for (i = 0; i < s->n; i++, id++) {
			const struct ftrace_line *p = &s->parsed[i];

			sqlite3_bind_int64(ev, 1, id);
			sqlite3_bind_int64(ev, 2, p->ev.ts_ns + (int64_t)c * s->span_ns);
			sqlite3_bind_int(ev, 3, p->ev.cpu);
			sqlite3_bind_int(ev, 4, p->ev.pid);
			sqlite3_bind_int(ev, 5, 0);
			bind_opt(ev, 6, p->ev.vcpu);
			sqlite3_bind_int(ev, 7, p->ev.kind);
			bind_opt(ev, 8, p->ev.intid);
			for (k = 0; k < 4; k++)
				bind_opt(ev, 9 + k, p->ev.arg[k]);
			sqlite3_bind_int64(ev, 13, id);
			sqlite3_step(ev);
			sqlite3_reset(ev);
			if (p->type != FTRACE_LINE_SNAPSHOT)
				continue;
			sqlite3_bind_int64(sn, 1, id);
			sqlite3_bind_text(sn, 2, p->ev.kind == VR_EV_FLUSH ? "flush" : "sync", -1,
					  SQLITE_STATIC);
			sqlite3_bind_int(sn, 3, 3);
			bind_opt(sn, 4, p->snap.used_lrs);
			sqlite3_bind_int(sn, 5, p->snap.nr_lrs);
			bind_opt(sn, 6, p->snap.hcr);
			bind_opt(sn, 7, p->snap.vmcr);
			bind_opt(sn, 8, p->snap.apr);
			for (k = 0; k < 4; k++) {
				bind_opt(sn, 9 + k, p->snap.ap0r[k]);
				bind_opt(sn, 13 + k, p->snap.ap1r[k]);
			}
			sqlite3_step(sn);
			sqlite3_reset(sn);
			for (k = 0; k < p->snap.nr_lrs; k++) {
				sqlite3_bind_int64(lr, 1, id);
				sqlite3_bind_int(lr, 2, k);
				sqlite3_bind_int64(lr, 3, (int64_t)p->snap.lr[k]);
				sqlite3_step(lr);
				sqlite3_reset(lr);
			}
		}
	}
	sqlite3_finalize(ev);
	sqlite3_finalize(sn);
	sqlite3_finalize(lr);
	tracedb_exec(db, vr_schema_index_sql, NULL);
	tracedb_exec(db, "COMMIT", NULL);
	tracedb_close(db);
	return id - 1;
}

/* Import path into out in a child; return the child's peak RSS (KiB) and events. */
static long import_in_child(const char *path, const char *out, int64_t *events, double *secs)
{
	int pfd[2];
	pid_t pid;
	struct rusage ru;
	int status;
	uint64_t t0 = vr_now_ns();

	if (pipe(pfd))
		exit(1);
	pid = fork();
	if (pid == 0) {
		struct import_options o = {0};
		struct import_result r;
		struct vr_error err = {{0}};

		o.input = path;
		o.output = out;
		o.force = 1;
		if (vr_import(&o, &r, &err)) {
			fprintf(stderr, "bench_import: %s\n", err.msg);
			_exit(1);
		}
		if (write(pfd[1], &r.stats.events, sizeof(r.stats.events)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], events, sizeof(*events)) != sizeof(*events))
		*events = -1;
	close(pfd[0]);
	wait4(pid, &status, 0, &ru);
	*secs = (vr_now_ns() - t0) / 1e9;
	return ru.ru_maxrss;
}

/* Build the traces, measure, print the table. */
int main(int argc, char **argv)
{
	char dir[] = "/tmp/vr-bench-import-XXXXXX", txt[128], out[128], bare[128], cmd[160];
	int64_t min_events = argc > 2 ? atoll(argv[2]) : 5000000, ev1, ev5, bare_rows;
	struct sample s;
	size_t copies1, copies5;
	double t_imp, t_imp1, t_bare, best_imp = 0, best_bare = 0;
	long rss1, rss5;
	int round;

	if (argc < 2 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench_import SAMPLE.trace [MIN_EVENTS]\n");
		return 2;
	}
	load_sample(argv[1], &s);
	copies5 = (size_t)((min_events + (int64_t)s.events - 1) / (int64_t)s.events);
	copies1 = copies5 / 5;
	snprintf(txt, sizeof(txt), "%s/1m.trace", dir);
	write_trace(&s, txt, copies1);
	snprintf(out, sizeof(out), "%s/1m.db", dir);
	rss1 = import_in_child(txt, out, &ev1, &t_imp1);
	snprintf(txt, sizeof(txt), "%s/5m.trace", dir);
	write_trace(&s, txt, copies5);
	snprintf(out, sizeof(out), "%s/5m.db", dir);
	printf("import throughput: %zu copies of %s (%zu events each)\n", copies5, argv[1], s.events);
	for (round = 0; round < 2; round++) {
		uint64_t t0;

		rss5 = import_in_child(txt, out, &ev5, &t_imp);
		snprintf(bare, sizeof(bare), "%s/bare.db", dir);
		unlink(bare);
		t0 = vr_now_ns();
		bare_rows = bare_insert(&s, bare, copies5);
		t_bare = (vr_now_ns() - t0) / 1e9;
		printf("  round %d: import %lld events in %.2f s = %.2f M events/s; bare insert %.2f s "
		       "= %.2f M rows/s\n",
		       round + 1, (long long)ev5, t_imp, ev5 / t_imp / 1e6, t_bare,
		       bare_rows / t_bare / 1e6);
		if (ev5 / t_imp > best_imp)
			best_imp = ev5 / t_imp;
		if (bare_rows / t_bare > best_bare)
			best_bare = bare_rows / t_bare;
	}
	printf("  best: import %.2f M/s, bare %.2f M/s, ratio %.2f (goal >= 0.80)\n", best_imp / 1e6,
	       best_bare / 1e6, best_imp / best_bare);
	printf("  peak RSS of the import: %lld events %ld KiB, %lld events %ld KiB\n",
	       (long long)ev1, rss1, (long long)ev5, rss5);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
