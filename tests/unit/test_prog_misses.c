/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recursion misses as gaps (collector/capture/prog_misses.h), without
 * BPF: the counters a poll would read are fed to the accounting by hand.
 * Checked: a rise between two polls becomes one gap of that many events,
 * on no known CPU, over the interval since the previous read; misses the
 * nested twin caught, and the twin's own, are no loss; what was missed
 * before the recording began is not counted. Then the gap record goes
 * through a spool and `record --finish` as a recording's would: the gaps
 * row has CPU -1, the lost count and the window, and the trace's cursor
 * gives the gap before every event inside its window, those the first
 * poll took after its read included.
 */
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "../../collector/capture/backends.h"
#include "../../collector/capture/prog_misses.h"
#include "../../collector/capture/spool.h"
#include "../../collector/capture/vgic.h"
#include "../../schemas/trace_reader.h"
#include "../../schemas/tracedb.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-misses-XXXXXX";

/* The programs of a recording: the irq-pending one, its twin, the timer's. */
static void three_programs(struct miss_account *a)
{
	memset(a, 0, sizeof(*a));
	a->n = 3;
	a->prog[0].name = "tp_irq_pending";
	a->prog[1].name = "tp_irq_pending_nested";
	a->prog[1].nested_twin = 1;
	a->prog[2].name = "tp_timer_irq";
}

/* The accounting: which rises are losses, and the gap each becomes. */
static void test_accounting(void)
{
	struct miss_account a;
	struct gap_rec g;

	three_programs(&a);
	a.prog[0].misses = 4; /* before the start: filtered out anyway */
	a.caught = 1;
	miss_account_init(&a, 1000);
	CHECK_EQ(miss_account_update(&a, 2000, &g), 0);

	/* Three nested events, all caught by the twin; the twin missed one itself. */
	a.prog[0].misses = 7;
	a.caught = 4;
	a.prog[1].misses = 1;
	CHECK_EQ(miss_account_update(&a, 3000, &g), 0);

	/* The timer's program missed two between the polls at 3000 and 4000. */
	a.prog[2].misses = 2;
	CHECK_EQ(miss_account_update(&a, 4000, &g), 1);
	CHECK_EQ(g.h.type, VGIC_REC_GAP);
	CHECK_EQ(gap_rec_cpu(&g), -1);
	CHECK_EQ(g.lost, 2);
	CHECK_EQ(g.start_ns, 3000);
	CHECK_EQ(g.h.ts, 4000);
	CHECK_EQ(miss_account_update(&a, 5000, &g), 0);

	/* One more nested event the twin could not take (it was running too). */
	a.prog[0].misses = 8;
	CHECK_EQ(miss_account_update(&a, 6000, &g), 1);
	CHECK_EQ(g.lost, 1);
	CHECK_EQ(g.start_ns, 5000);
	CHECK_EQ(miss_account_lost(&a) - a.base, 3);

	/* The twin's count read after a nested event the misses were read before: no gap, none owed. */
	a.caught = 5;
	CHECK_EQ(miss_account_update(&a, 7000, &g), 0);
	a.prog[0].misses = 9;
	CHECK_EQ(miss_account_update(&a, 8000, &g), 0);
}

/*
 * Two first programs with nested twins (vgic_update_irq_pending's and the
 * VM context hook's): caught is their twins' sum; a miss of either is a
 * loss only where no twin caught it, and a twin's own misses never are.
 */
static void test_two_twins(void)
{
	struct miss_account a;
	struct gap_rec g;

	memset(&a, 0, sizeof(a));
	a.n = 4;
	a.prog[0].name = "tp_irq_pending";
	a.prog[0].backed = 1;
	a.prog[1].name = "tp_irq_pending_nested";
	a.prog[1].nested_twin = 1;
	a.prog[2].name = "fentry_ctx_inject";
	a.prog[2].backed = 1;
	a.prog[3].name = "fentry_ctx_inject_twin";
	a.prog[3].nested_twin = 1;
	a.prog[2].misses = 5; /* before the start */
	a.caught = 5;
	miss_account_init(&a, 1000);
	CHECK_EQ(miss_account_update(&a, 2000, &g), 0);

	/* Four misses of the context hook, all caught; the twins missed 7 themselves. */
	a.prog[2].misses = 9;
	a.prog[1].misses = 3;
	a.prog[3].misses = 4;
	a.caught = 9;
	CHECK_EQ(miss_account_update(&a, 3000, &g), 0);
	CHECK_EQ(miss_account_lost(&a) - a.base, 0);

	/* Two of irq_pending and one of the context hook, one caught: two lost. */
	a.prog[0].misses = 2;
	a.prog[2].misses = 10;
	a.caught = 10;
	CHECK_EQ(miss_account_update(&a, 4000, &g), 1);
	CHECK_EQ(g.lost, 2);
	CHECK_EQ(g.start_ns, 3000);
	CHECK_EQ(g.h.ts, 4000);
}

/*
 * The summary's lines: one per program whose misses rose since the start,
 * saying what became of them; none for a program that missed only before.
 */
static void test_report(void)
{
	struct miss_account a;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	three_programs(&a);
	a.prog[0].backed = 1;
	a.n = 4;
	a.prog[3].name = "kp_plant";
	a.prog[2].misses = 6; /* before the start only */
	miss_account_init(&a, 1000);
	a.prog[0].misses = 2;
	a.prog[1].misses = 1;
	a.prog[3].misses = 3;
	out = open_memstream(&text, &len);
	miss_account_report(&a, out);
	fclose(out);
	CHECK_STR_CONTAINS(text, "record: tp_irq_pending missed 2 events (recursion misses): its "
				 "twin did its work for those it caught, the rest are gaps\n");
	CHECK_STR_CONTAINS(text, "record: tp_irq_pending_nested missed 1 events (recursion "
				 "misses): it was running for them itself\n");
	CHECK_STR_CONTAINS(text, "record: kp_plant missed 3 events (recursion misses): stored as "
				 "gaps\n");
	CHECK(!strstr(text, "tp_timer_irq"));
	free(text);
}

/* One event record, as the BPF programs fill it. */
static void event(struct vgic_rec_event *e, int kind, int vcpu, long long intid,
		  unsigned long long ts)
{
	memset(e, 0, sizeof(*e));
	e->h.type = VGIC_REC_EVENT;
	e->h.kind = (unsigned char)kind;
	e->h.cpu = 1;
	e->h.pid = 4242;
	e->h.tgid = 4200;
	e->h.vcpu = vcpu;
	e->h.ts = ts;
	e->intid = intid;
	e->arg[0] = vcpu;
	e->arg[1] = 1;
	e->arg[2] = e->arg[3] = -1;
}

/* One integer from a query on the trace. */
static long long query_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A spool with two events, the gap of a poll, two more: stored and read back. */
static void test_gap_in_trace(void)
{
	struct record_options opt = {0};
	struct vr_error err = {{0}};
	struct record_stats st;
	struct vgic_rec_event e;
	struct miss_account a;
	struct trace_filter f;
	struct trace_cursor *c;
	struct trace_item it;
	struct tracedb *db;
	struct trace_writer *w;
	struct spool *s;
	struct gap_rec g;
	char trace[300], spool_path[320];
	int n = 0, gap_at = -1;

	snprintf(trace, sizeof(trace), "%s/t.db", dir);
	snprintf(spool_path, sizeof(spool_path), "%s.spool", trace);
	opt.output = trace;
	opt.command_line = "vgic-replay record -o t.db";
	db = tracedb_create_durable(trace, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	w = trace_writer_begin(db, &err);
	record_write_info(w, &opt, &record_backend_bpf, 3, NULL, NULL);
	CHECK_EQ(trace_writer_commit(w, &err), 0);
	trace_writer_abort(w);
	tracedb_close(db);

	s = spool_create(spool_path, &err);
	CHECK(s != NULL);
	if (!s)
		return;
	three_programs(&a);
	event(&e, VR_EV_ENTRY, 0, -1, 900); /* before the first read of the counters */
	spool_append(s, &e, sizeof(e));
	miss_account_init(&a, 1000);
	/*
	 * Taken at the first poll, after its read: the miss the next read
	 * finds may lie before them, so the gap goes before them.
	 */
	event(&e, VR_EV_TIMER_IRQ, 0, 27, 1100);
	spool_append(s, &e, sizeof(e));
	event(&e, VR_EV_IRQ_PENDING, 0, 27, 1200);
	spool_append(s, &e, sizeof(e));
	/* The poll at 2000 reads a miss first, then takes the ring. */
	a.prog[0].misses = 1;
	CHECK_EQ(miss_account_update(&a, 2000, &g), 1);
	spool_append(s, &g, sizeof(g));
	event(&e, VR_EV_TIMER_IRQ, 0, 27, 1500); /* its injection was the one missed */
	spool_append(s, &e, sizeof(e));
	event(&e, VR_EV_ENTRY, 0, -1, 1600);
	spool_append(s, &e, sizeof(e));
	CHECK_EQ(spool_close(s), 0);

	CHECK_EQ(vr_record_finish(trace, &st, &err), 0);
	db = tracedb_open(trace, TRACEDB_READONLY, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	CHECK_EQ(query_int(tracedb_sqlite(db), "SELECT count(*) FROM gaps"), 1);
	CHECK_EQ(query_int(tracedb_sqlite(db), "SELECT cpu FROM gaps"), -1);
	CHECK_EQ(query_int(tracedb_sqlite(db), "SELECT lost FROM gaps"), 1);
	CHECK_EQ(query_int(tracedb_sqlite(db), "SELECT start_ts_ns FROM gaps"), 1000);
	CHECK_EQ(query_int(tracedb_sqlite(db), "SELECT end_ts_ns FROM gaps"), 2000);
	CHECK_EQ(query_int(tracedb_sqlite(db), "SELECT after_event_id FROM gaps"), 1);
	CHECK_EQ(query_int(tracedb_sqlite(db), "SELECT events_lost FROM trace_info"), 1);

	trace_filter_init(&f);
	c = trace_cursor_open(db, &f, &err);
	CHECK(c != NULL);
	while (c && trace_cursor_next(c, &it, &err) == 1) {
		if (it.type == TRACE_ITEM_GAP) {
			gap_at = n;
			CHECK_EQ(it.gap.cpu, -1);
			CHECK_EQ(it.gap.lost, 1);
			CHECK_EQ(it.gap.start_ns, 1000);
		}
		n++;
	}
	CHECK_EQ(n, 6);
	CHECK_EQ(gap_at, 1); /* after the event before the window, before those in it */
	trace_cursor_close(c);
	tracedb_close(db);
}

/* Run every test. */
int main(void)
{
	int rc;

	if (!mkdtemp(dir))
		return 1;
	test_accounting();
	test_two_twins();
	test_report();
	test_gap_in_trace();
	rc = vr_test_report("test_prog_misses");
	if (!rc) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		rc = system(cmd) ? 1 : 0;
	}
	return rc;
}
