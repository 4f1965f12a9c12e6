/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace mutator: find the sites of each mutation kind in a real
 * trace, plant one, and judge what `check` makes of it (see mutate.h).
 * Sites are found and mutations applied in SQL over the trace database
 * (GICv3 LR layout: ICH_LR<n>_EL2, state in [63:62], EOI in 41, priority
 * in [55:48], vINTID in [31:0]); GICv2 traces have no sites yet.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mutate.h"

static const char *const kind_names[MUT_KIND_MAX] = {
	"drop-delivery",	"drop-lr",	      "lost-at-fold",
	"swap-deactivation",	"eoicount-unaccounted", "eoicount-walk",
	"priority-inversion",	"delete-window",      "gap",
	"swap-dir",
};

/* The command-line name of a kind. */
const char *mutation_kind_name(enum mutation_kind k)
{
	return k < MUT_KIND_MAX ? kind_names[k] : "?";
}

/* The kind of a command-line name, -1 if none. */
int mutation_kind_from_name(const char *name)
{
	int i;

	for (i = 0; i < MUT_KIND_MAX; i++)
		if (!strcmp(kind_names[i], name))
			return i;
	return -1;
}

/* The name of an excuse, for tallies. */
const char *mutation_excuse_name(enum mutation_excuse e)
{
	static const char *const names[EXCUSE_MAX] = {"none", "re-injected", "never shown enabled",
						      "at trace end"};

	return e < EXCUSE_MAX ? names[e] : "?";
}

/* Rows of a query as int64 tuples (at most 6 columns); returns the count, *rows malloc'ed. */
static size_t query_rows(struct tracedb *db, const char *q, int64_t (**rows)[6])
{
	sqlite3_stmt *st;
	size_t n = 0, cap = 0;
	int i;

	*rows = NULL;
	if (sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mutate: %s: %s\n", q, sqlite3_errmsg(tracedb_sqlite(db)));
		return 0;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			*rows = vr_xrealloc(*rows, cap * sizeof(**rows));
		}
		for (i = 0; i < 6; i++)
			(*rows)[n][i] = i < sqlite3_column_count(st) ? sqlite3_column_int64(st, i) : 0;
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* One integer from a query (0 when there is no row). */
static int64_t query_int(struct tracedb *db, const char *q)
{
	int64_t(*rows)[6];
	int64_t v = query_rows(db, q, &rows) ? rows[0][0] : 0;

	free(rows);
	return v;
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
	"(SELECT min(s.id) FROM events s WHERE s.kind = " VR_KIND_SQL("vgic_sync") " AND s.vcpu = f.vcpu AND s.id > f.id " \
	"AND s.id < coalesce((SELECT min(f2.id) FROM events f2 WHERE f2.kind = " VR_KIND_SQL("vgic_flush") " "           \
	"AND f2.vcpu = f.vcpu AND f2.id > f.id), 1e18))"

/* An edge SPI presented Pending only (GICv3 LR value column v). */
#define EDGE_SPI_PENDING(v) \
	"((" v " >> 62) & 3 = 1 AND (" v " & 4294967295) >= 32 AND (" v " >> 41) & 1 = 0)"

/* The site queries: columns (event, arg, intid, x, y) per kind; see mutate.h. */
static const char *const site_queries[MUT_KIND_MAX] = {
	[MUT_DROP_DELIVERY] =
		"SELECT f.id, l.lr, l.value & 4294967295, " NEXT_SYNC " AS s FROM events f "
		"JOIN snapshots fs ON fs.event_id = f.id JOIN snapshot_lrs l ON l.event_id = f.id "
		"WHERE f.kind = " VR_KIND_SQL("vgic_flush") " AND l.lr < fs.used_lrs AND " EDGE_SPI_PENDING("l.value") " "
		"AND s IS NOT NULL AND EXISTS (SELECT 1 FROM snapshot_lrs sl WHERE sl.event_id = s "
		"AND sl.lr = l.lr AND (sl.value >> 62) & 1 = 0) ORDER BY f.id, l.lr",
	[MUT_DROP_LR] =
		"SELECT f.id, l.lr, l.value & 4294967295, s FROM (SELECT f.*, " NEXT_SYNC " AS s "
		"FROM events f WHERE f.kind = " VR_KIND_SQL("vgic_flush") ") f JOIN snapshots fs ON fs.event_id = f.id "
		"JOIN snapshot_lrs l ON l.event_id = f.id JOIN snapshot_lrs sl ON sl.event_id = s "
		"AND sl.lr = l.lr WHERE l.lr < fs.used_lrs AND NOT (" EDGE_SPI_PENDING("l.value")
		" AND (sl.value >> 62) & 1 = 0) ORDER BY f.id, l.lr",
	[MUT_LOST_AT_FOLD] =
		"SELECT s.id, l.lr, fl.value & 4294967295, fl.value FROM events f "
		"JOIN snapshots fs ON fs.event_id = f.id JOIN snapshot_lrs fl ON fl.event_id = f.id "
		"JOIN events s ON s.id = " NEXT_SYNC " "
		"JOIN snapshot_lrs l ON l.event_id = s.id AND l.lr = fl.lr "
		"WHERE f.kind = " VR_KIND_SQL("vgic_flush") " AND fl.lr < fs.used_lrs AND " EDGE_SPI_PENDING("fl.value") " "
		"AND (l.value >> 62) & 1 = 0 ORDER BY s.id, l.lr",
	[MUT_SWAP_DEACTIVATION] =
		"SELECT s, l.lr, o.value & 4294967295, l.value & 4294967295 FROM (SELECT f.*, "
		NEXT_SYNC " AS s FROM events f WHERE f.kind = " VR_KIND_SQL("vgic_flush") ") f "
		"JOIN snapshots fs ON fs.event_id = f.id JOIN snapshot_lrs l ON l.event_id = f.id "
		"JOIN snapshot_lrs sl ON sl.event_id = s AND sl.lr = l.lr "
		"JOIN snapshot_lrs o ON o.event_id = f.id AND o.lr = (l.lr + 1) % fs.used_lrs "
		"WHERE fs.used_lrs >= 2 AND l.lr < fs.used_lrs AND (l.value >> 62) & 3 != 0 "
		"AND (sl.value >> 62) & 3 = 0 AND (o.value & 4294967295) != (l.value & 4294967295) "
		"ORDER BY s, l.lr",
	[MUT_EOICOUNT_UNACCOUNTED] =
		"SELECT s, f.id FROM (SELECT f.*, " NEXT_SYNC " AS s FROM events f "
		"WHERE f.kind = " VR_KIND_SQL("vgic_flush") ") f JOIN snapshots fs ON fs.event_id = f.id "
		"JOIN snapshots ss ON ss.event_id = s WHERE fs.used_lrs >= 1 "
		"AND fs.used_lrs < fs.nr_lrs AND (ss.hcr >> 27) & 31 = 0 ORDER BY s",
	[MUT_EOICOUNT_WALK] =
		"SELECT s.id, f.id, (SELECT l.value & 4294967295 FROM snapshot_lrs l "
		"WHERE l.event_id = s.id AND l.lr < ss.used_lrs AND (l.value >> 63) & 1 = 1 "
		"ORDER BY l.lr LIMIT 1) FROM events f JOIN events s ON s.id = " NEXT_SYNC
		" JOIN snapshots ss ON ss.event_id = s.id WHERE f.kind = " VR_KIND_SQL("vgic_flush") " AND EXISTS "
		"(SELECT 1 FROM snapshot_lrs l WHERE l.event_id = s.id "
		"AND l.lr < ss.used_lrs AND (l.value >> 63) & 1 = 1) ORDER BY s.id",
	[MUT_PRIORITY_INVERSION] =
		"SELECT s.id, fa.lr, fb.lr, fb.value & 4294967295 FROM events f "
		"JOIN events s ON s.id = " NEXT_SYNC " "
		"JOIN snapshots fs ON fs.event_id = f.id "
		"JOIN snapshot_lrs fa ON fa.event_id = f.id AND fa.lr < fs.used_lrs "
		"JOIN snapshot_lrs sa ON sa.event_id = s.id AND sa.lr = fa.lr "
		"JOIN snapshot_lrs fb ON fb.event_id = f.id AND fb.lr < fs.used_lrs "
		"JOIN snapshot_lrs sb ON sb.event_id = s.id AND sb.lr = fb.lr "
		"WHERE f.kind = " VR_KIND_SQL("vgic_flush") " AND (fa.value >> 62) & 3 = 1 AND (sa.value >> 62) & 1 = 0 "
		"AND (fb.value >> 62) & 3 = 1 AND (sb.value >> 62) & 3 = 1 "
		"AND ((fb.value >> 48) & 255) > ((fa.value >> 48) & 255) GROUP BY s.id ORDER BY s.id",
	[MUT_DELETE_WINDOW] =
		"SELECT e.id, 8, e.cpu, e.ts_ns FROM events e WHERE e.id % 53 = 0 "
		"AND e.id + 8 <= (SELECT max(id) FROM events) ORDER BY e.id",
	[MUT_GAP] = "SELECT id, cpu, ts_ns FROM events WHERE id % 37 = 0 ORDER BY id",
	[MUT_SWAP_DIR] =
		"SELECT d.id, -1, (SELECT min(o.intid) FROM events o WHERE o.kind = " VR_KIND_SQL("vgic_deactivate") " "
		"AND o.intid != d.intid), d.intid FROM events d WHERE d.kind = " VR_KIND_SQL("vgic_deactivate") " "
		"AND EXISTS (SELECT 1 FROM events o WHERE o.kind = " VR_KIND_SQL("vgic_deactivate") " AND o.intid != d.intid) ORDER BY d.id",
};

/* Fill m's SQL and description for one site row. */
static void make_mutation(enum mutation_kind kind, const int64_t *row, struct mutation *m)
{
	long long a = (long long)row[0], b = (long long)row[1], c = (long long)row[2],
		  d = (long long)row[3];

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->event = row[0];
	m->arg = -1;
	m->intid = VR_NO_VALUE;
	switch (kind) {
	case MUT_DROP_DELIVERY:
	case MUT_DROP_LR:
		m->arg = b;
		m->intid = c;
		m->expect = kind == MUT_DROP_LR ? FINDING_LR_DIVERGENCE : FINDING_LOST_INTERRUPT;
		sql_remove_slot(m->sql, sizeof(m->sql), a, b);
		sql_remove_slot(m->sql, sizeof(m->sql), d, b);
		snprintf(m->what, sizeof(m->what),
			 "removed INTID %lld (LR%lld) from flush %lld and from its sync %lld", c, b, a,
			 d);
		break;
	case MUT_LOST_AT_FOLD:
		m->arg = b;
		m->intid = c;
		m->expect = FINDING_LOST_INTERRUPT;
		snprintf(m->sql, sizeof(m->sql),
			 "UPDATE snapshot_lrs SET value = %lld WHERE event_id = %lld AND lr = %lld;", d,
			 a, b);
		snprintf(m->what, sizeof(m->what),
			 "sync %lld hands back LR%lld (INTID %lld) still Pending, as presented", a, b, c);
		break;
	case MUT_SWAP_DEACTIVATION:
		m->arg = b;
		m->intid = c;
		m->expect = FINDING_MIS_DEACTIVATION;
		snprintf(m->sql, sizeof(m->sql),
			 "UPDATE snapshot_lrs SET value = (value & -4294967296) | %lld "
			 "WHERE event_id = %lld AND lr = %lld;",
			 c, a, b);
		snprintf(m->what, sizeof(m->what),
			 "sync %lld hands back LR%lld, which the guest deactivated (INTID %lld), as "
			 "INTID %lld",
			 a, b, d, c);
		break;
	case MUT_EOICOUNT_UNACCOUNTED:
	case MUT_EOICOUNT_WALK:
		m->intid = kind == MUT_EOICOUNT_WALK ? c : VR_NO_VALUE;
		m->expect = FINDING_MIS_DEACTIVATION;
		if (kind == MUT_EOICOUNT_WALK) {
			m->profile = "linux-6.19";
			m->control = "linux-7.0";
		}
		snprintf(m->sql, sizeof(m->sql),
			 "UPDATE snapshots SET hcr = (hcr & 134217727) | 134217728 WHERE "
			 "event_id = %lld; UPDATE snapshots SET hcr = hcr | 4 WHERE event_id = %lld;",
			 a, b);
		snprintf(m->what, sizeof(m->what),
			 "EOIcount 1 at exit %lld, LRENPIE at its flush %lld%s", a, b,
			 kind == MUT_EOICOUNT_WALK ? " (an LR is Active)" : " (nothing active outside the LRs)");
		break;
	case MUT_PRIORITY_INVERSION:
		m->arg = b;
		m->expect = FINDING_PRIORITY_INVERSION;
		snprintf(m->sql, sizeof(m->sql),
			 "UPDATE snapshot_lrs SET value = (SELECT f.value FROM snapshot_lrs f "
			 "WHERE f.event_id = (SELECT max(id) FROM events WHERE kind = " VR_KIND_SQL("vgic_flush") " AND id < "
			 "%lld) AND f.lr = %lld) WHERE event_id = %lld AND lr = %lld;"
			 "UPDATE snapshot_lrs SET value = (value & 4611686018427387903) | "
			 "(-9223372036854775807 - 1) WHERE event_id = %lld AND lr = %lld;",
			 a, b, a, b, a, c);
		snprintf(m->what, sizeof(m->what),
			 "sync %lld: LR%lld left pending, LR%lld (INTID %lld, lower priority) "
			 "acknowledged instead",
			 a, b, c, d);
		break;
	case MUT_DELETE_WINDOW:
		m->arg = b;
		m->event = a - 1; /* the gap follows the last event kept */
		m->expect = FINDING_TRACE_GAP;
		m->alone = 1;
		snprintf(m->sql, sizeof(m->sql),
			 "DELETE FROM snapshot_lrs WHERE event_id BETWEEN %lld AND %lld;"
			 "DELETE FROM ap_list_entries WHERE event_id BETWEEN %lld AND %lld;"
			 "DELETE FROM snapshots WHERE event_id BETWEEN %lld AND %lld;"
			 "DELETE FROM events WHERE id BETWEEN %lld AND %lld;"
			 "INSERT INTO gaps(cpu, lost, after_event_id, start_ts_ns) VALUES "
			 "(%lld, %lld, %lld, %lld);",
			 a, a + b - 1, a, a + b - 1, a, a + b - 1, a, a + b - 1, c, b, a - 1, d);
		snprintf(m->what, sizeof(m->what),
			 "deleted events %lld..%lld, the loss recorded as a gap on CPU %lld", a,
			 a + b - 1, c);
		break;
	case MUT_GAP:
		m->expect = FINDING_TRACE_GAP;
		m->alone = 1;
		snprintf(m->sql, sizeof(m->sql),
			 "INSERT INTO gaps(cpu, lost, after_event_id, start_ts_ns) VALUES "
			 "(%lld, 5, %lld, %lld);",
			 b, a, c);
		snprintf(m->what, sizeof(m->what), "a gap of 5 lost events on CPU %lld after event %lld",
			 b, a);
		break;
	case MUT_SWAP_DIR:
		m->intid = c;
		m->expect = FINDING_MIS_DEACTIVATION;
		snprintf(m->sql, sizeof(m->sql),
			 "UPDATE events SET intid = %lld, arg0 = %lld WHERE id = %lld;", c, c, a);
		snprintf(m->what, sizeof(m->what),
			 "the trapped DIR at event %lld names INTID %lld instead of %lld", a, c, d);
		break;
	default:
		break;
	}
	if (m->arg >= 0)
		snprintf(m->site, sizeof(m->site), "%lld:%lld", (long long)row[0], (long long)m->arg);
	else
		snprintf(m->site, sizeof(m->site), "%lld", (long long)row[0]);
}

/* See mutate.h. */
size_t mutation_sites(const char *db_path, enum mutation_kind kind, size_t max,
		      struct mutation **out, struct vr_error *err)
{
	struct tracedb *db = tracedb_open(db_path, TRACEDB_READONLY, err);
	int64_t(*rows)[6] = NULL;
	size_t n = 0, i, k;
	char release[128] = "", why[256];
	sqlite3_stmt *st;

	*out = NULL;
	if (!db || kind >= MUT_KIND_MAX)
		return 0;
	if (query_int(db, "SELECT coalesce(gic_version, 3) FROM trace_info") != 3)
		goto done; /* the site queries read the GICv3 LR layout */
	if (kind == MUT_EOICOUNT_UNACCOUNTED) {
		/* Only kernels that read EOIcount (6.19+) can leave it unaccounted. */
		if (sqlite3_prepare_v2(tracedb_sqlite(db), "SELECT kernel_release FROM trace_info", -1,
				       &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(release, sizeof(release), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (!vgic_profile_eoicount_walk(vgic_profile_for_kernel(release, why, sizeof(why))))
			goto done;
	}
	n = query_rows(db, site_queries[kind], &rows);
	if (!max || max > n)
		max = n;
	*out = vr_xcalloc(max ? max : 1, sizeof(**out));
	for (i = 0; i < max; i++) {
		k = max < n ? i * n / max : i; /* spread over the trace */
		make_mutation(kind, rows[k], &(*out)[i]);
	}
	n = max;
done:
	free(rows);
	tracedb_close(db);
	return n;
}

/* Copy a file byte for byte. */
static int copy_file(const char *from, const char *to, struct vr_error *err)
{
	FILE *in = fopen(from, "rb"), *o = in ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t n;
	int rc = 0;

	if (!in || !o) {
		if (in)
			fclose(in);
		return vr_error_set(err, "cannot copy %s to %s", from, to);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, o) != n)
			rc = vr_error_set(err, "writing %s", to);
	fclose(in);
	if (fclose(o))
		rc = vr_error_set(err, "writing %s", to);
	return rc;
}

/* See mutate.h. */
int mutation_apply(const char *in, const char *out, const struct mutation *m,
		   struct vr_error *err)
{
	struct tracedb *db;
	sqlite3_stmt *st;
	int rc;

	unlink(out);
	if (copy_file(in, out, err))
		return -1;
	db = tracedb_open(out, TRACEDB_READWRITE, err);
	if (!db)
		return -1;
	rc = tracedb_exec(db,
			  "CREATE TABLE IF NOT EXISTS mutations(kind TEXT, site TEXT, event_id INTEGER, "
			  "intid INTEGER, expect TEXT, profile TEXT, what TEXT, sql TEXT)",
			  err);
	if (!rc)
		rc = tracedb_exec(db, m->sql, err);
	if (!rc && sqlite3_prepare_v2(tracedb_sqlite(db),
				      "INSERT INTO mutations VALUES (?,?,?,?,?,?,?,?)", -1, &st,
				      NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, mutation_kind_name(m->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m->site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, m->event);
		if (m->intid != VR_NO_VALUE)
			sqlite3_bind_int64(st, 4, m->intid);
		sqlite3_bind_text(st, 5, finding_kind_name(m->expect), -1, SQLITE_STATIC);
		if (m->profile)
			sqlite3_bind_text(st, 6, m->profile, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, m->what, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, m->sql, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = vr_error_set(err, "mutations: %s", sqlite3_errmsg(tracedb_sqlite(db)));
		sqlite3_finalize(st);
	}
	tracedb_close(db);
	return rc ? -1 : 0;
}

struct collected {
	const struct mutation *m;
	const char *profile;
	struct mutation_outcome *o;
	int control;
};

/* replay_finding_fn: was the expected finding made, and what else? */
static void on_finding(const struct replay_finding *f, void *arg)
{
	struct collected *c = arg;
	const struct mutation *m = c->m;
	int i, proves = 0, kind_ok;

	if (c->control) {
		/* The fixed walk must not deactivate the LR-resident interrupt. */
		if ((f->kind == FINDING_MIS_DEACTIVATION && f->intid == m->intid) ||
		    f->kind == FINDING_STUCK_ACTIVE)
			c->o->control_findings++;
		return;
	}
	for (i = 0; i < f->nproof; i++)
		if (f->proof[i] == m->event)
			proves = 1;
	/* A lost pending state shows as lost, or as LRs that cannot follow from it. */
	kind_ok = f->kind == m->expect ||
		  ((m->expect == FINDING_LOST_INTERRUPT || m->expect == FINDING_LR_DIVERGENCE) &&
		   (f->kind == FINDING_LOST_INTERRUPT || f->kind == FINDING_LR_DIVERGENCE));
	if (kind_ok && proves && !c->o->reported &&
	    (m->intid == VR_NO_VALUE || f->intid == m->intid)) {
		c->o->reported = 1;
		return;
	}
	if (f->kind == FINDING_TRACE_GAP)
		return;
	if (!c->o->others++)
		snprintf(c->o->first_other, sizeof(c->o->first_other), "%s at event %lld: %.100s",
			 finding_kind_name(f->kind), (long long)(f->nproof ? f->proof[0] : 0),
			 f->explanation);
}

/* Run check on path under profile, findings to c. */
static int run_check(const char *path, struct collected *c, struct vr_error *err)
{
	struct replay_options opt = {0};
	struct replay_result res;
	struct tracedb *db = tracedb_open(path, TRACEDB_READONLY, err);
	int rc;

	if (!db)
		return -1;
	opt.profile = c->profile;
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	rc = replay_check(db, &opt, on_finding, c, &res, err);
	if (!rc)
		replay_result_free(&res);
	tracedb_close(db);
	return rc;
}

/*
 * A missed mutation is acceptable only for a reason the trace itself
 * shows: the interrupt never appears in any other LR snapshot (so nothing
 * proves the guest enabled it), no flush follows (in flight at the end),
 * or it is injected again and presented before a flush could prove the
 * loss (GIC coalescing hides it). Anything else is a checker miss.
 */
static enum mutation_excuse excuse(const char *orig, const struct mutation *m, struct vr_error *err)
{
	struct tracedb *db = tracedb_open(orig, TRACEDB_READONLY, err);
	enum mutation_excuse e = EXCUSE_NONE;
	char q[512];

	if (!db || m->intid == VR_NO_VALUE ||
	    (m->expect != FINDING_LOST_INTERRUPT && m->expect != FINDING_LR_DIVERGENCE))
		goto out;
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM snapshot_lrs l JOIN snapshots s USING (event_id) "
		 "WHERE l.lr < s.used_lrs AND (l.value & 4294967295) = %lld "
		 "AND l.event_id NOT BETWEEN %lld AND %lld + 3",
		 (long long)m->intid, (long long)m->event - 3, (long long)m->event);
	if (!query_int(db, q)) {
		e = EXCUSE_NEVER_ENABLED;
		goto out;
	}
	snprintf(q, sizeof(q), "SELECT count(*) FROM events WHERE kind = " VR_KIND_SQL("vgic_flush") " AND id > %lld",
		 (long long)m->event);
	if (!query_int(db, q)) {
		e = EXCUSE_AT_END;
		goto out;
	}
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM events WHERE kind = " VR_KIND_SQL("vgic_update_irq_pending") " AND intid = %lld AND arg1 = 1 "
		 "AND id > %lld",
		 (long long)m->intid, (long long)m->event);
	if (query_int(db, q))
		e = EXCUSE_REINJECTED;
out:
	tracedb_close(db);
	return e;
}

/* See mutate.h. */
int mutation_check(const char *mutant, const char *orig, const struct mutation *m,
		   struct mutation_outcome *o, struct vr_error *err)
{
	struct collected c = {m, m->profile, o, 0};

	memset(o, 0, sizeof(*o));
	if (run_check(mutant, &c, err))
		return -1;
	if (m->control) {
		c.profile = m->control;
		c.control = 1;
		if (run_check(mutant, &c, err))
			return -1;
	}
	if (!o->reported)
		o->excuse = excuse(orig, m, err);
	return 0;
}

/* See mutate.h: ids doubled, then one vgic_deactivate (kind 24) after each trapped-DIR exit. */
int mutation_name_dirs(const char *in, const char *out, struct vr_error *err)
{
	/* The exit (EC 0x18, ICC_DIR_EL1 trapped) and the one Active LR of the sync before it. */
	static const char exits_q[] =
		"SELECT x.id, (SELECT count(*) FROM snapshot_lrs l JOIN snapshots s USING (event_id) "
		"WHERE l.event_id = y.id AND l.lr < s.used_lrs AND (l.value >> 63) & 1 = 1), "
		"(SELECT l.value & 4294967295 FROM snapshot_lrs l JOIN snapshots s USING (event_id) "
		"WHERE l.event_id = y.id AND l.lr < s.used_lrs AND (l.value >> 63) & 1 = 1) "
		"FROM events x JOIN events y ON y.id = (SELECT max(id) FROM events WHERE kind = " VR_KIND_SQL("vgic_sync") " "
		"AND vcpu = x.vcpu AND id < x.id) WHERE x.kind = " VR_KIND_SQL("kvm_exit") " AND x.arg0 = 2 AND x.arg1 = 24 "
		"ORDER BY x.id";
	struct tracedb *db;
	int64_t(*rows)[6];
	size_t n, i;
	int rc = -1;

	unlink(out);
	if (copy_file(in, out, err) || !(db = tracedb_open(out, TRACEDB_READWRITE, err)))
		return -1;
	n = query_rows(db, exits_q, &rows);
	for (i = 0; i < n; i++)
		if (rows[i][1] != 1)
			break;
	if (!n || i < n || query_int(db, "SELECT count(*) FROM events WHERE kind = " VR_KIND_SQL("vgic_deactivate"))) {
		rc = 0; /* ambiguous, none, or already named */
		goto out;
	}
	if (tracedb_exec(db,
			 "BEGIN; UPDATE events SET id = -id; UPDATE events SET id = -2 * id;"
			 "UPDATE snapshots SET event_id = -event_id;"
			 "UPDATE snapshots SET event_id = -2 * event_id;"
			 "UPDATE snapshot_lrs SET event_id = -event_id;"
			 "UPDATE snapshot_lrs SET event_id = -2 * event_id;"
			 "UPDATE ap_list_entries SET event_id = -event_id;"
			 "UPDATE ap_list_entries SET event_id = -2 * event_id;"
			 "UPDATE gaps SET after_event_id = 2 * after_event_id;",
			 err))
		goto out;
	for (i = 0; i < n; i++) {
		char q[400];

		snprintf(q, sizeof(q),
			 "INSERT INTO events(id, ts_ns, cpu, pid, vm, vcpu, kind, intid, arg0, src_pos) "
			 "SELECT id + 1, ts_ns, cpu, pid, vm, vcpu, 24, %lld, %lld, src_pos FROM events "
			 "WHERE id = %lld",
			 (long long)rows[i][2], (long long)rows[i][2], (long long)rows[i][0] * 2);
		if (tracedb_exec(db, q, err))
			goto out;
	}
	if (tracedb_exec(db, "COMMIT", err))
		goto out;
	rc = (int)n;
out:
	free(rows);
	tracedb_close(db);
	if (rc <= 0)
		unlink(out);
	return rc;
}
