/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make bench: import throughput against the limit of the storage.
 *
 * Builds an ftrace text trace of at least 5 million events by repeating a
 * real sample with shifted timestamps, then measures, round after round on
 * the same machine:
 *   import   vr_import() of that file in a child process: read, parse,
 *            attribute, write every table, build the indexes, rename;
 *   plain    the same events, parsed beforehand, inserted into ONE plain
 *            table of the events' 13 integer columns (one row per event,
 *            one prepared statement, one transaction, no index, the
 *            pragmas of tracedb_create()): what SQLite itself can store,
 *            whatever our schema;
 *   indexed  the same rows into the format's events table, then the
 *            format's indexes: the most any import that builds those
 *            indexes on one SQLite connection can reach.
 * Prints the median rates, and the medians of the rounds' import/plain
 * (goal >= 0.60) and indexed/plain ratios (a ratio taken within a round
 * is steadier on a shared machine), and the import's peak RSS for 1M and
 * 5M events, each measured in a child process of its own (it must not
 * grow with the trace).
 * With BENCH_VR (the vgic-replay under test) and BENCH_REF_VR (the same
 * program built from a reference commit) in the environment, each round
 * also runs `import` of the same file by both programs, the whole command
 * as a user runs it (the TUI summaries included), one right after the
 * other, and prints the reference's time over the new one's, round by
 * round and as a median: the before/after of a change measured in the
 * same run on the same machine.
 * Usage: bench_import SAMPLE.trace [MIN_EVENTS [ROUNDS]]
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../collector/import/ftrace_parse.h"
#include "../collector/import/import.h"

#define MAX_ROUNDS 15

struct sample {
	char **lines;
	struct ftrace_line *parsed;
	size_t n;
	int64_t first_ns, span_ns;
};

/* Read the sample's event lines and parse them once (for the plain and indexed runs). */
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
		s->parsed = vr_xrealloc(s->parsed, (s->n + 1) * sizeof(*s->parsed));
		s->lines[s->n] = vr_xstrdup(line);
		s->parsed[s->n] = pl;
		if (s->first_ns < 0)
			s->first_ns = pl.ev.ts_ns;
		s->span_ns = pl.ev.ts_ns - s->first_ns + 1000;
		s->n++;
	}
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
			const char *l = s->lines[i];
			/* The timestamp is the token before the first ": " after the [cpu]. */
			const char *ts_end = strstr(strchr(l, ']'), ": "), *ts_start = ts_end;
			int64_t ts = s->parsed[i].ev.ts_ns + (int64_t)c * s->span_ns;

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

/* Exit with SQLite's message: a bench that silently stores nothing would lie. */
static void must(struct tracedb *db, int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "bench_import: %s: %s\n", what, sqlite3_errmsg(tracedb_sqlite(db)));
	exit(1);
}

/*
 * Insert every event of `copies` repetitions as one row of `table`, one
 * prepared statement, one transaction; then run `after` (NULL: nothing)
 * before the commit. Returns the rows written.
 */
static int64_t insert_rows(const struct sample *s, const char *path, size_t copies,
			   const char *create, const char *table, const char *after)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_create(path, &err);
	sqlite3_stmt *ev;
	char q[256];
	int64_t id = 1;
	size_t c, i;
	int k;

	if (!db) {
		fprintf(stderr, "bench_import: %s\n", err.msg);
		exit(1);
	}
	must(db, !create || !tracedb_exec(db, create, &err), "create");
	must(db, !tracedb_exec(db, "BEGIN", &err), "begin");
	snprintf(q, sizeof(q),
		 "INSERT INTO %s(id, ts_ns, cpu, pid, vm, vcpu, kind, intid, arg0, arg1, arg2, "
		 "arg3, src_pos) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
		 table);
	must(db, sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &ev, NULL) == SQLITE_OK, q);
	for (c = 0; c < copies; c++) {
		for (i = 0; i < s->n; i++, id++) {
			const struct vr_event *p = &s->parsed[i].ev;

			sqlite3_bind_int64(ev, 1, id);
			sqlite3_bind_int64(ev, 2, p->ts_ns + (int64_t)c * s->span_ns);
			sqlite3_bind_int(ev, 3, p->cpu);
			sqlite3_bind_int(ev, 4, p->pid);
			sqlite3_bind_int(ev, 5, 0);
			bind_opt(ev, 6, p->vcpu);
			sqlite3_bind_int(ev, 7, p->kind);
			bind_opt(ev, 8, p->intid);
			for (k = 0; k < 4; k++)
				bind_opt(ev, 9 + k, p->arg[k]);
			sqlite3_bind_int64(ev, 13, id);
			must(db, sqlite3_step(ev) == SQLITE_DONE, "insert");
			sqlite3_reset(ev);
		}
	}
	sqlite3_finalize(ev);
	must(db, !after || !tracedb_exec(db, after, &err), "after the load");
	must(db, !tracedb_exec(db, "COMMIT", &err), "commit");
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
		o.quiet = 1;
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
	if (*events < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_import: the import of %s failed\n", path);
		exit(1);
	}
	return ru.ru_maxrss;
}

/* Seconds `prog import -q -f path -o out` takes, run in a child; exits when it fails. */
static double cli_import(const char *prog, const char *path, const char *out)
{
	uint64_t t0 = vr_now_ns();
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execl(prog, prog, "import", "-q", "-f", path, "-o", out, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "bench_import: %s import %s failed\n", prog, path);
		exit(1);
	}
	return (vr_now_ns() - t0) / 1e9;
}

/* Order doubles (qsort). */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of n rates (sorts them). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Time one insert_rows() run into a fresh file, in a child process so that
 * the SQLite heap it leaves behind does not count in the next import's
 * peak RSS; returns rows per second.
 */
static double timed_insert(const struct sample *s, const char *path, size_t copies,
			   const char *create, const char *table, const char *after)
{
	double rate = -1;
	int pfd[2], status;
	pid_t pid;

	unlink(path);
	if (pipe(pfd))
		exit(1);
	pid = fork();
	if (pid == 0) {
		uint64_t t0 = vr_now_ns();
		int64_t rows = insert_rows(s, path, copies, create, table, after);

		rate = rows / ((vr_now_ns() - t0) / 1e9);
		_exit(write(pfd[1], &rate, sizeof(rate)) == sizeof(rate) ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], &rate, sizeof(rate)) != sizeof(rate))
		rate = -1;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (rate < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_import: the insert into %s failed\n", path);
		exit(1);
	}
	return rate;
}

/* Build the traces, measure, print the table. */
int main(int argc, char **argv)
{
	static const char plain_sql[] =
		"CREATE TABLE plain (id INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, "
		"cpu INTEGER NOT NULL, pid INTEGER NOT NULL, vm INTEGER, vcpu INTEGER, "
		"kind INTEGER NOT NULL, intid INTEGER, arg0 INTEGER, arg1 INTEGER, arg2 INTEGER, "
		"arg3 INTEGER, src_pos INTEGER)";
	char dir[] = "/tmp/vr-bench-import-XXXXXX", txt[128], out[128], ref[128], cmd[160];
	int64_t min_events = argc > 2 ? atoll(argv[2]) : 5000000, ev1, ev5 = 0;
	int rounds = argc > 3 ? atoi(argv[3]) : 3, round;
	double imp[MAX_ROUNDS], plain[MAX_ROUNDS], indexed[MAX_ROUNDS], r_imp[MAX_ROUNDS],
		r_indexed[MAX_ROUNDS], t_imp, cli_new[MAX_ROUNDS], cli_ref[MAX_ROUNDS],
		r_cli[MAX_ROUNDS], r_cli_plain[MAX_ROUNDS];
	const char *vr = getenv("BENCH_VR"), *ref_vr = getenv("BENCH_REF_VR");
	int paired = vr && *vr && ref_vr && *ref_vr;
	struct sample s;
	size_t copies1, copies5;
	long rss1, rss5 = 0;

	if (argc < 2 || rounds < 1 || rounds > MAX_ROUNDS || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench_import SAMPLE.trace [MIN_EVENTS [ROUNDS (1-%d)]]\n",
			MAX_ROUNDS);
		return 2;
	}
	load_sample(argv[1], &s);
	copies5 = (size_t)((min_events + (int64_t)s.n - 1) / (int64_t)s.n);
	copies1 = copies5 / 5 ? copies5 / 5 : 1;
	snprintf(txt, sizeof(txt), "%s/1m.trace", dir);
	write_trace(&s, txt, copies1);
	snprintf(out, sizeof(out), "%s/1m.db", dir);
	rss1 = import_in_child(txt, out, &ev1, &t_imp);
	snprintf(txt, sizeof(txt), "%s/5m.trace", dir);
	write_trace(&s, txt, copies5);
	snprintf(out, sizeof(out), "%s/5m.db", dir);
	snprintf(ref, sizeof(ref), "%s/ref.db", dir);
	printf("import throughput: %zu copies of %s (%zu events each), %d rounds\n", copies5,
	       argv[1], s.n, rounds);
	for (round = 0; round < rounds; round++) {
		long rss = import_in_child(txt, out, &ev5, &t_imp);

		rss5 = rss > rss5 ? rss : rss5;
		imp[round] = ev5 / t_imp;
		plain[round] = timed_insert(&s, ref, copies5, plain_sql, "plain", NULL);
		indexed[round] =
			timed_insert(&s, ref, copies5, NULL, "events", vr_schema_index_sql);
		r_imp[round] = imp[round] / plain[round];
		r_indexed[round] = indexed[round] / plain[round];
		printf("  round %d: import %.3f M events/s, plain table %.3f M rows/s, "
		       "indexed %.3f M rows/s; ratios %.2f, %.2f\n",
		       round + 1, imp[round] / 1e6, plain[round] / 1e6, indexed[round] / 1e6,
		       r_imp[round], r_indexed[round]);
		if (paired) { /* which goes first alternates: a drift favours neither */
			if (round % 2) {
				cli_ref[round] = cli_import(ref_vr, txt, out);
				cli_new[round] = cli_import(vr, txt, out);
			} else {
				cli_new[round] = cli_import(vr, txt, out);
				cli_ref[round] = cli_import(ref_vr, txt, out);
			}
			r_cli[round] = cli_ref[round] / cli_new[round];
			r_cli_plain[round] = ev5 / cli_new[round] / plain[round];
			printf("           vgic-replay import (summaries included): %.2f s, "
			       "reference %.2f s; reference/new %.2f; new/plain %.2f\n",
			       cli_new[round], cli_ref[round], r_cli[round], r_cli_plain[round]);
		}
		fflush(stdout);
	}
	/* Ratios are taken round by round: the machine's speed drifts between rounds. */
	printf("  median: import %.3f M events/s, plain table %.3f M rows/s; "
	       "import/plain %.2f (goal >= 0.60)\n",
	       median(imp, rounds) / 1e6, median(plain, rounds) / 1e6, median(r_imp, rounds));
	printf("  indexed (the format's events table and indexes alone) %.3f M rows/s; "
	       "indexed/plain %.2f\n",
	       median(indexed, rounds) / 1e6, median(r_indexed, rounds));
	if (paired) {
		printf("  vgic-replay import, as a user runs it, against the reference %s: "
		       "reference/new %.2f (median of the rounds' ratios); new/plain %.2f\n",
		       ref_vr, median(r_cli, rounds), median(r_cli_plain, rounds));
		printf("  median times: new %.2f s, reference %.2f s\n", median(cli_new, rounds),
		       median(cli_ref, rounds));
	}
	printf("  peak RSS of the import: %lld events %ld KiB, %lld events %ld KiB\n",
	       (long long)ev1, rss1, (long long)ev5, rss5);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
