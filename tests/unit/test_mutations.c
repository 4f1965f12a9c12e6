/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mutation tests of `check`: take real traces, plant one kernel bug at a
 * time into a copy, and require that check reports it with the right kind
 * at the right event (the mutated event is among the finding's proof).
 *
 * Mutations, each applied at every site where it makes sense:
 *   drop-presentation  a flush leaves out a pending edge interrupt that
 *                      the kernel really presented (and its sync too):
 *                      KVM lost it -> LOST_INTERRUPT, or LR_DIVERGENCE
 *                      when the LRs were full of entries sorting after it.
 *   lost-at-fold       a sync shows an acknowledged LR still Pending, but
 *                      the following flushes never present it again: the
 *                      pending state vanished -> LOST_INTERRUPT, or
 *                      LR_DIVERGENCE (left out of full LRs, or shown
 *                      Active later although never acknowledged).
 *   eoicount-walk      an exit gets EOIcount 1 while an LR holds an active
 *                      interrupt, with LRENPIE set at its flush: under
 *                      linux-6.19 -> MIS_DEACTIVATION; under linux-7.0 the
 *                      same trace must give none (the control).
 *   gap                the tracer lost events after an event -> TRACE_GAP.
 *
 * A mutation the trace cannot reveal is counted apart, with its reason
 * (see classify_masked(): re-injected before the loss shows, never shown
 * enabled, or in flight at the end of the trace); the test fails if any
 * other mutation goes unreported or is reported at the wrong place.
 * Usage: test_mutations DATA_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "../../collector/import.h"
#include "../../replay/replay.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-test-mutations-XXXXXX";

struct mutation {
	const char *name;
	int64_t event;	    /* the mutated event: must be in the finding's proof */
	int64_t intid;
	enum finding_kind expect;
	const char *profile; /* profile to check under, NULL = the trace's */
	char sql[1024];
};

struct collected {
	int64_t want_event, want_intid;
	enum finding_kind want_kind;
	int hit, others;
	int wrong_walk; /* MIS_DEACTIVATION of the expected INTID, or STUCK_ACTIVE */
};

/* Collect whether the expected finding was made. */
static void on_finding(const struct replay_finding *f, void *arg)
{
	struct collected *c = arg;
	int i, proves = 0, kind_ok = 0;

	for (i = 0; i < f->nproof; i++)
		if (f->proof[i] == c->want_event)
			proves = 1;
	/* A dropped pending state shows as lost, or as LRs that cannot follow from it. */
	if (c->want_kind == FINDING_LOST_INTERRUPT && f->kind == FINDING_LR_DIVERGENCE)
		kind_ok = 1;
	if ((f->kind == FINDING_MIS_DEACTIVATION && f->intid == c->want_intid) ||
	    f->kind == FINDING_STUCK_ACTIVE)
		c->wrong_walk++;
	if ((f->kind == c->want_kind || kind_ok) && proves &&
	    (c->want_intid == VR_NO_VALUE || f->intid == c->want_intid))
		c->hit = 1;
	else if (f->kind != FINDING_TRACE_GAP)
		c->others++;
}

/* Copy a file byte for byte. */
static int copy_file(const char *from, const char *to)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	return system(cmd);
}

/* Apply one mutation to a copy of base and check it; returns 1 hit, 0 miss. */
static int run_mutation(const char *base, const struct mutation *m, struct collected *col)
{
	struct replay_options opt = {0};
	struct replay_result res;
	struct vr_error err = {{0}};
	char path[600];
	struct tracedb *db;

	snprintf(path, sizeof(path), "%s/mutant.db", dir);
	unlink(path);
	if (copy_file(base, path))
		return -1;
	db = tracedb_open(path, TRACEDB_READWRITE, &err);
	if (!db || tracedb_exec(db, m->sql, &err)) {
		fprintf(stderr, "mutation %s at %lld: %s\n", m->name, (long long)m->event, err.msg);
		tracedb_close(db);
		return -1;
	}
	opt.profile = m->profile;
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	memset(col, 0, sizeof(*col));
	col->want_event = m->event;
	col->want_intid = m->intid;
	col->want_kind = m->expect;
	if (replay_check(db, &opt, on_finding, col, &res, &err)) {
		fprintf(stderr, "check failed: %s\n", err.msg);
		tracedb_close(db);
		return -1;
	}
	replay_result_free(&res);
	tracedb_close(db);
	return col->hit;
}

/* Rows of a query as int64 tuples (at most 4 columns, at most max rows). */
static size_t query_rows(const char *db_path, const char *q, int64_t (*rows)[4], size_t max)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(db_path, TRACEDB_READONLY, &err);
	sqlite3_stmt *st;
	size_t n = 0;
	int i;

	if (!db)
		return 0;
	if (sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", q, sqlite3_errmsg(tracedb_sqlite(db)));
		tracedb_close(db);
		return 0;
	}
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 4 && i < sqlite3_column_count(st); i++)
			rows[n][i] = sqlite3_column_int64(st, i);
		n++;
	}
	sqlite3_finalize(st);
	tracedb_close(db);
	return n;
}

/*
 * SQL that removes LR slot `slot` from snapshot `ev`: later slots move
 * down, used_lrs drops by one, and an empty LR refills the last slot.
 */
static void sql_remove_slot(char *out, size_t n, int64_t ev, int64_t slot)
{
	size_t len = strlen(out);

	snprintf(out + len, n - len,
		 "DELETE FROM snapshot_lrs WHERE event_id = %lld AND lr = %lld;"
		 "UPDATE snapshot_lrs SET lr = lr - 1 WHERE event_id = %lld AND lr > %lld;"
		 "INSERT INTO snapshot_lrs SELECT %lld, nr_lrs - 1, 0 FROM snapshots "
		 "WHERE event_id = %lld;"
		 "UPDATE snapshots SET used_lrs = used_lrs - 1 WHERE event_id = %lld;",
		 (long long)ev, (long long)slot, (long long)ev, (long long)slot, (long long)ev,
		 (long long)ev, (long long)ev);
}

/* The sync that follows a flush on the same vCPU (SQL expression). */
#define NEXT_SYNC                                                                          \
	"(SELECT min(s.id) FROM events s WHERE s.kind = 21 AND s.vcpu = f.vcpu AND s.id > f.id " \
	"AND s.id < coalesce((SELECT min(f2.id) FROM events f2 WHERE f2.kind = 20 "           \
	"AND f2.vcpu = f.vcpu AND f2.id > f.id), 1e18))"

struct tally {
	int tried, hit, masked, never_enabled, at_end, wrong;
};

/*
 * A missed mutation is acceptable only for a reason the trace itself
 * shows: the interrupt never appears in any other LR snapshot (so nothing
 * proves the guest enabled it), or it is injected again and presented
 * before a flush could prove the loss (GIC coalescing hides it). Anything
 * else is a checker miss.
 */
static void classify_masked(const char *db_path, const struct mutation *m, struct tally *t)
{
	static int64_t rows[1][4];
	char q[512];

	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM snapshot_lrs l JOIN snapshots s USING (event_id) "
		 "WHERE l.lr < s.used_lrs AND (l.value & 4294967295) = %lld "
		 "AND l.event_id NOT BETWEEN %lld AND %lld + 3",
		 (long long)m->intid, (long long)m->event - 3, (long long)m->event);
	if (query_rows(db_path, q, rows, 1) == 1 && rows[0][0] == 0) {
		t->never_enabled++;
		return;
	}
	snprintf(q, sizeof(q), "SELECT count(*) FROM events WHERE kind = 20 AND id > %lld",
		 (long long)m->event);
	if (query_rows(db_path, q, rows, 1) == 1 && rows[0][0] == 0) {
		t->at_end++; /* no flush follows: in flight at the end, reported as unknown */
		return;
	}
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM events WHERE kind = 1 AND intid = %lld AND arg1 = 1 "
		 "AND id > %lld",
		 (long long)m->intid, (long long)m->event);
	if (query_rows(db_path, q, rows, 1) == 1 && rows[0][0] > 0) {
		t->masked++;
		return;
	}
	fprintf(stderr, "missed: %s at event %lld, INTID %lld\n", m->name, (long long)m->event,
		(long long)m->intid);
	t->wrong++;
}

/* Count one mutation's outcome: reported, not visible for a checked reason, or wrong. */
static void tally(const char *db_path, const struct mutation *m, int r, struct tally *t)
{
	t->tried++;
	if (r == 1)
		t->hit++;
	else if (r == 0)
		classify_masked(db_path, m, t);
	else
		t->wrong++;
}

/* Run every mutation of one kind on one trace. */
static void mutate_kind(const char *db_path, const char *kind, struct tally *t)
{
	static int64_t rows[4096][4];
	struct mutation m;
	struct collected col;
	size_t n, i;
	int r;

	memset(&m, 0, sizeof(m));
	m.name = kind;
	if (!strcmp(kind, "drop-presentation")) {
		/* Edge SPIs presented Pending (not Active) at a flush and acknowledged at its sync. */
		n = query_rows(db_path,
			       "SELECT f.id, l.lr, l.value & 4294967295, " NEXT_SYNC " AS s "
			       "FROM events f JOIN snapshots fs ON fs.event_id = f.id "
			       "JOIN snapshot_lrs l ON l.event_id = f.id "
			       "WHERE f.kind = 20 AND l.lr < fs.used_lrs "
			       "AND (l.value >> 62) & 3 = 1 AND (l.value & 4294967295) >= 32 "
			       "AND (l.value >> 41) & 1 = 0 AND s IS NOT NULL "
			       "AND EXISTS (SELECT 1 FROM snapshot_lrs sl WHERE sl.event_id = s "
			       "AND sl.lr = l.lr AND (sl.value >> 62) & 1 = 0)",
			       rows, 4096);
		m.expect = FINDING_LOST_INTERRUPT;
		for (i = 0; i < n; i++) {
			m.event = rows[i][0];
			m.intid = rows[i][2];
			m.sql[0] = '\0';
			sql_remove_slot(m.sql, sizeof(m.sql), rows[i][0], rows[i][1]);
			sql_remove_slot(m.sql, sizeof(m.sql), rows[i][3], rows[i][1]);
			tally(db_path, &m, run_mutation(db_path, &m, &col), t);
		}
	} else if (!strcmp(kind, "lost-at-fold")) {
		/* A sync that acknowledged a Pending SPI: make it still Pending, then never again. */
		n = query_rows(db_path,
			       "SELECT s.id, l.lr, fl.value & 4294967295, fl.value FROM events f "
			       "JOIN snapshots fs ON fs.event_id = f.id "
			       "JOIN snapshot_lrs fl ON fl.event_id = f.id "
			       "JOIN events s ON s.id = " NEXT_SYNC " "
			       "JOIN snapshot_lrs l ON l.event_id = s.id AND l.lr = fl.lr "
			       "WHERE f.kind = 20 AND fl.lr < fs.used_lrs "
			       "AND (fl.value >> 62) & 3 = 1 AND (fl.value & 4294967295) >= 32 "
			       "AND (fl.value >> 41) & 1 = 0 AND (l.value >> 62) & 1 = 0",
			       rows, 4096);
		m.expect = FINDING_LOST_INTERRUPT;
		for (i = 0; i < n; i++) {
			m.event = rows[i][0];
			m.intid = rows[i][2];
			snprintf(m.sql, sizeof(m.sql),
				 "UPDATE snapshot_lrs SET value = %lld WHERE event_id = %lld AND lr = "
				 "%lld;",
				 (long long)rows[i][3], (long long)rows[i][0], (long long)rows[i][1]);
			tally(db_path, &m, run_mutation(db_path, &m, &col), t);
		}
	} else if (!strcmp(kind, "eoicount-walk")) {
		/* Syncs with an Active LR; under 6.19 EOIcount 1 there is a mis-deactivation. */
		n = query_rows(db_path,
			       "SELECT s.id, f.id, (SELECT l.value & 4294967295 FROM snapshot_lrs l "
			       "WHERE l.event_id = s.id AND l.lr < ss.used_lrs AND (l.value >> 63) & 1 = 1 "
			       "ORDER BY l.lr LIMIT 1) FROM events f JOIN events s ON s.id = " NEXT_SYNC
			       " JOIN snapshots ss ON ss.event_id = s.id WHERE f.kind = 20 AND EXISTS "
			       "(SELECT 1 FROM snapshot_lrs l WHERE l.event_id = s.id "
			       "AND l.lr < ss.used_lrs AND (l.value >> 63) & 1 = 1)",
			       rows, 4096);
		for (i = 0; i < n; i++) {
			m.event = rows[i][0];
			m.intid = rows[i][2];
			snprintf(m.sql, sizeof(m.sql),
				 "UPDATE snapshots SET hcr = (hcr & 134217727) | 134217728 WHERE "
				 "event_id = %lld; UPDATE snapshots SET hcr = hcr | 4 WHERE event_id "
				 "= %lld;",
				 (long long)rows[i][0], (long long)rows[i][1]);
			m.expect = FINDING_MIS_DEACTIVATION;
			m.profile = "linux-6.19";
			r = run_mutation(db_path, &m, &col);
			t->tried++;
			if (r == 1)
				t->hit++;
			else
				t->wrong++;
			/*
			 * Control: the fixed walk does not deactivate the LR-resident one on
			 * the same trace (it may find the EOIcount unaccounted for, when no
			 * active interrupt sits outside the LRs: a different finding).
			 */
			m.profile = "linux-7.0";
			r = run_mutation(db_path, &m, &col);
			CHECK_EQ(r, 0);
			CHECK_EQ(col.wrong_walk, 0);
		}
		m.profile = NULL;
	} else if (!strcmp(kind, "priority-inversion")) {
		/*
		 * Syncs where the guest acknowledged LR a and left the lower-priority
		 * LR b pending: swap the outcomes, so that b was acknowledged past a.
		 */
		n = query_rows(db_path,
			       "SELECT s.id, fa.lr, fb.lr, fb.value & 4294967295 FROM events f "
			       "JOIN events s ON s.id = " NEXT_SYNC " "
			       "JOIN snapshots fs ON fs.event_id = f.id "
			       "JOIN snapshot_lrs fa ON fa.event_id = f.id AND fa.lr < fs.used_lrs "
			       "JOIN snapshot_lrs sa ON sa.event_id = s.id AND sa.lr = fa.lr "
			       "JOIN snapshot_lrs fb ON fb.event_id = f.id AND fb.lr < fs.used_lrs "
			       "JOIN snapshot_lrs sb ON sb.event_id = s.id AND sb.lr = fb.lr "
			       "WHERE f.kind = 20 AND (fa.value >> 62) & 3 = 1 AND (sa.value >> 62) & 1 = 0 "
			       "AND (fb.value >> 62) & 3 = 1 AND (sb.value >> 62) & 3 = 1 "
			       "AND ((fb.value >> 48) & 255) > ((fa.value >> 48) & 255) GROUP BY s.id",
			       rows, 4096);
		m.expect = FINDING_PRIORITY_INVERSION;
		for (i = 0; i < n; i++) {
			m.event = rows[i][0];
			m.intid = VR_NO_VALUE; /* any acknowledged LR below a may be named */
			snprintf(m.sql, sizeof(m.sql),
				 "UPDATE snapshot_lrs SET value = (SELECT f.value FROM snapshot_lrs f "
				 "WHERE f.event_id = (SELECT max(id) FROM events WHERE kind = 20 AND id < "
				 "%lld) AND f.lr = %lld) WHERE event_id = %lld AND lr = %lld;"
				 "UPDATE snapshot_lrs SET value = (value & 4611686018427387903) | "
				 "(-9223372036854775807 - 1) WHERE event_id = %lld AND lr = %lld;",
				 (long long)rows[i][0], (long long)rows[i][1], (long long)rows[i][0],
				 (long long)rows[i][1], (long long)rows[i][0], (long long)rows[i][2]);
			tally(db_path, &m, run_mutation(db_path, &m, &col), t);
		}
	} else if (!strcmp(kind, "gap")) {
		n = query_rows(db_path,
			       "SELECT id, cpu, ts_ns FROM events WHERE id % 37 = 0 ORDER BY id", rows,
			       4096);
		m.expect = FINDING_TRACE_GAP;
		m.intid = VR_NO_VALUE;
		for (i = 0; i < n; i++) {
			m.event = rows[i][0];
			snprintf(m.sql, sizeof(m.sql),
				 "INSERT INTO gaps(cpu, lost, after_event_id, start_ts_ns) VALUES "
				 "(%lld, 5, %lld, %lld);",
				 (long long)rows[i][1], (long long)rows[i][0], (long long)rows[i][2]);
			r = run_mutation(db_path, &m, &col);
			t->tried++;
			if (r == 1 && col.others == 0)
				t->hit++;
			else
				t->wrong++;
		}
	}
}

/* Import a sample and run every mutation kind on it. */
static void mutate_trace(const char *data_dir, const char *kernel, struct tally *total)
{
	static const char *const kinds[] = {"drop-presentation", "lost-at-fold", "eoicount-walk",
					    "priority-inversion", "gap"};
	struct import_options io = {0};
	struct import_result ir;
	struct vr_error err = {{0}};
	char in[512], db[512];
	size_t k;

	snprintf(in, sizeof(in), "%s/samples/linux-%s-gicv3-1vcpu-spi-burst.trace", data_dir,
		 kernel);
	snprintf(db, sizeof(db), "%s/%s.db", dir, kernel);
	io.input = in;
	io.output = db;
	CHECK_EQ(vr_import(&io, &ir, &err), 0);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct tally t = {0};

		mutate_kind(db, kinds[k], &t);
		printf("  %-5s %-18s %4d mutations: %4d reported at the right event; not visible: "
		       "%d re-injected, %d never shown enabled, %d at trace end; %d wrong\n",
		       kernel, kinds[k], t.tried, t.hit, t.masked, t.never_enabled, t.at_end,
		       t.wrong);
		CHECK(t.tried > 0);
		CHECK_EQ(t.wrong, 0);
		total->tried += t.tried;
		total->hit += t.hit;
		total->masked += t.masked + t.never_enabled + t.at_end;
		total->wrong += t.wrong;
	}
}

/* Run all mutations on both samples. */
int main(int argc, char **argv)
{
	struct tally total = {0};
	char cmd[300];

	if (!mkdtemp(dir))
		return 2;
	mutate_trace(argc > 1 ? argv[1] : "tests/data", "6.12", &total);
	mutate_trace(argc > 1 ? argv[1] : "tests/data", "7.2", &total);
	printf("  total: %d mutations, %d reported, %d not detectable from the trace, %d wrong\n",
	       total.tried, total.hit, total.masked, total.wrong);
	CHECK(total.tried >= 200);
	/* Masking is legitimate but must stay the exception. */
	CHECK(total.masked * 5 <= total.tried);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 2;
	return vr_test_report("test_mutations");
}
