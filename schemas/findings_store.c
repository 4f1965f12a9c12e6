/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A replay run stored in its trace (see findings_store.h). Two prepared
 * inserts serve every finding of the run; the run's row is written first
 * with status 'running' and closed with its totals at the end.
 */
#include "findings_store.h"

#include <stdlib.h>

/*
 * A run's results besides its findings (docs/trace-format.md): made by
 * the first check that stores them, so older files need no migration and
 * a reader finds a run without them (stored by an older vgic-replay) as
 * one without accounting.
 */
static const char results_schema[] =
	"CREATE TABLE IF NOT EXISTS replay_counts (run INTEGER NOT NULL REFERENCES replay_runs(run), "
	"vcpu INTEGER, intid INTEGER NOT NULL, injected INTEGER NOT NULL, acked INTEGER NOT NULL, "
	"coalesced INTEGER NOT NULL, lost INTEGER NOT NULL, pending_at_end INTEGER NOT NULL, "
	"pending_at_start INTEGER NOT NULL, deactivated INTEGER NOT NULL, "
	"injection_unrecorded INTEGER NOT NULL, stuck_active INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS replay_counts_run ON replay_counts(run, vcpu, intid);"
	"CREATE TABLE IF NOT EXISTS replay_agreement (run INTEGER PRIMARY KEY "
	"REFERENCES replay_runs(run), flushes INTEGER NOT NULL, agree INTEGER NOT NULL, "
	"unknown INTEGER NOT NULL, dir_exits INTEGER NOT NULL, dir_found INTEGER NOT NULL, "
	"ap_lists INTEGER NOT NULL, ap_agree INTEGER NOT NULL, ap_unknown INTEGER NOT NULL);";

struct findings_store {
	struct tracedb *db;
	sqlite3_stmt *ins_finding, *ins_proof;
	int64_t run_id;
};

/* Prepare a statement, setting err with what failed. */
static int prepare(sqlite3 *sql, const char *what, const char *q, sqlite3_stmt **st,
		   struct vr_error *err)
{
	if (sqlite3_prepare_v2(sql, q, -1, st, NULL) == SQLITE_OK)
		return 0;
	return vr_error_set(err, "%s: %s", what, sqlite3_errmsg(sql));
}

/* Insert the replay_runs row of a run that has begun. */
static int insert_run(struct findings_store *fs, const struct findings_run *run,
		      struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(fs->db);
	sqlite3_stmt *st;
	int rc;

	if (prepare(sql, "replay_runs",
		    "INSERT INTO replay_runs(started_at, tool_version, profile, profile_reason, "
		    "options, status) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?, ?, ?, ?, "
		    "'running')",
		    &st, err))
		return -1;
	sqlite3_bind_text(st, 1, VR_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run->profile, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, run->profile_reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, run->options, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return vr_error_set(err, "replay_runs: %s", sqlite3_errmsg(sql));
	fs->run_id = sqlite3_last_insert_rowid(sql);
	return 0;
}

/*
 * A rerun replaces the run it repeats: the runs stored with the same
 * profile and options go, with their findings and proofs, so each
 * question asked of a trace has one answer in it.
 */
static int delete_earlier_runs(sqlite3 *sql, const struct findings_run *run,
			       struct vr_error *err)
{
	static const char *const steps[] = {
		"DELETE FROM finding_events WHERE finding IN (SELECT id FROM findings WHERE run IN "
		"(SELECT run FROM replay_runs WHERE profile = ?1 AND coalesce(options, '') = ?2))",
		"DELETE FROM findings WHERE run IN "
		"(SELECT run FROM replay_runs WHERE profile = ?1 AND coalesce(options, '') = ?2)",
		"DELETE FROM replay_counts WHERE run IN "
		"(SELECT run FROM replay_runs WHERE profile = ?1 AND coalesce(options, '') = ?2)",
		"DELETE FROM replay_agreement WHERE run IN "
		"(SELECT run FROM replay_runs WHERE profile = ?1 AND coalesce(options, '') = ?2)",
		"DELETE FROM replay_runs WHERE profile = ?1 AND coalesce(options, '') = ?2",
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *st;
		int rc;

		if (prepare(sql, "replay_runs", steps[i], &st, err))
			return -1;
		sqlite3_bind_text(st, 1, run->profile, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, run->options ? run->options : "", -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return vr_error_set(err, "replay_runs: %s", sqlite3_errmsg(sql));
	}
	return 0;
}

/* See findings_store.h. */
struct findings_store *findings_store_begin(struct tracedb *db, const struct findings_run *run,
					    struct vr_error *err)
{
	struct findings_store *fs = vr_xcalloc(1, sizeof(*fs));
	sqlite3 *sql = tracedb_sqlite(db);

	fs->db = db;
	if (tracedb_exec(db, "BEGIN", err)) {
		free(fs);
		return NULL;
	}
	if (tracedb_exec(db, results_schema, err) || delete_earlier_runs(sql, run, err) ||
	    insert_run(fs, run, err) ||
	    prepare(sql, "findings",
		    "INSERT INTO findings(run, kind, severity, ts_ns, cpu, vcpu, intid, "
		    "explanation, vm) VALUES (?,?,?,?,?,?,?,?,(SELECT vm FROM events WHERE id = ?9))",
		    &fs->ins_finding, err) ||
	    prepare(sql, "findings",
		    "INSERT OR IGNORE INTO finding_events(finding, event_id, role) VALUES (?,?,?)",
		    &fs->ins_proof, err)) {
		findings_store_abort(fs);
		return NULL;
	}
	return fs;
}

/* See findings_store.h. */
int64_t findings_store_run_id(const struct findings_store *fs)
{
	return fs->run_id;
}

/* Bind an integer that may be VR_NO_VALUE (NULL). */
static void bind_or_null(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == VR_NO_VALUE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* See findings_store.h. */
int findings_store_add(struct findings_store *fs, const struct stored_finding *f)
{
	sqlite3_stmt *st = fs->ins_finding;
	int64_t id;
	int rc;

	sqlite3_bind_int64(st, 1, fs->run_id);
	sqlite3_bind_text(st, 2, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->severity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->ts_ns);
	sqlite3_bind_int(st, 5, f->cpu);
	bind_or_null(st, 6, f->vcpu);
	bind_or_null(st, 7, f->intid);
	sqlite3_bind_text(st, 8, f->explanation, -1, SQLITE_STATIC);
	bind_or_null(st, 9, f->nproof ? f->proof[0] : VR_NO_VALUE);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	id = sqlite3_last_insert_rowid(tracedb_sqlite(fs->db));
	for (int i = 0; i < f->nproof; i++) {
		sqlite3_bind_int64(fs->ins_proof, 1, id);
		sqlite3_bind_int64(fs->ins_proof, 2, f->proof[i]);
		sqlite3_bind_text(fs->ins_proof, 3, f->proof_role[i], -1, SQLITE_STATIC);
		sqlite3_step(fs->ins_proof);
		sqlite3_reset(fs->ins_proof);
	}
	return 0;
}

/* Insert one replay_counts row with the prepared st; 0 or -1. */
static int insert_count(struct findings_store *fs, sqlite3_stmt *st, const struct stored_count *c)
{
	const int64_t v[] = {c->injected, c->acked, c->coalesced, c->lost,
			     c->pending_at_end, c->pending_at_start, c->deactivated};
	int rc;

	sqlite3_bind_int64(st, 1, fs->run_id);
	bind_or_null(st, 2, c->vcpu);
	sqlite3_bind_int64(st, 3, c->intid);
	for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
		sqlite3_bind_int64(st, 4 + i, v[i]);
	sqlite3_bind_int(st, 11, c->injection_unrecorded);
	sqlite3_bind_int(st, 12, c->stuck_active);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* See findings_store.h. */
int findings_store_results(struct findings_store *fs, const struct stored_count *counts,
			   size_t ncounts, const struct stored_agreement *a, struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(fs->db);
	sqlite3_stmt *st;
	int rc = 0;

	if (prepare(sql, "replay_counts",
		    "INSERT INTO replay_counts(run, vcpu, intid, injected, acked, coalesced, lost, "
		    "pending_at_end, pending_at_start, deactivated, injection_unrecorded, stuck_active) "
		    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
		    &st, err))
		return -1;
	for (size_t i = 0; i < ncounts && !rc; i++)
		rc = insert_count(fs, st, &counts[i]);
	sqlite3_finalize(st);
	if (rc)
		return vr_error_set(err, "replay_counts: %s", sqlite3_errmsg(sql));
	if (prepare(sql, "replay_agreement",
		    "INSERT INTO replay_agreement(run, flushes, agree, unknown, dir_exits, dir_found, "
		    "ap_lists, ap_agree, ap_unknown) VALUES (?,?,?,?,?,?,?,?,?)",
		    &st, err))
		return -1;
	sqlite3_bind_int64(st, 1, fs->run_id);
	sqlite3_bind_int64(st, 2, a->flushes);
	sqlite3_bind_int64(st, 3, a->agree);
	sqlite3_bind_int64(st, 4, a->unknown);
	sqlite3_bind_int64(st, 5, a->dir_exits);
	sqlite3_bind_int64(st, 6, a->dir_found);
	sqlite3_bind_int64(st, 7, a->ap_lists);
	sqlite3_bind_int64(st, 8, a->ap_agree);
	sqlite3_bind_int64(st, 9, a->ap_unknown);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return vr_error_set(err, "replay_agreement: %s", sqlite3_errmsg(sql));
	return 0;
}

/* Free the statements and the store. */
static void store_free(struct findings_store *fs)
{
	sqlite3_finalize(fs->ins_finding);
	sqlite3_finalize(fs->ins_proof);
	free(fs);
}

/* See findings_store.h. */
int findings_store_set_reason(struct findings_store *fs, const char *profile_reason,
			      struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(fs->db);
	sqlite3_stmt *st;
	int rc;

	if (prepare(sql, "replay_runs", "UPDATE replay_runs SET profile_reason = ? WHERE run = ?",
		    &st, err))
		return -1;
	sqlite3_bind_text(st, 1, profile_reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, fs->run_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return vr_error_set(err, "replay_runs: %s", sqlite3_errmsg(sql));
	return 0;
}

/* See findings_store.h. */
int findings_store_end(struct findings_store *fs, int64_t events, int64_t findings,
		       const char *checks_run, struct vr_error *err)
{
	sqlite3 *sql = tracedb_sqlite(fs->db);
	struct tracedb *db = fs->db;
	sqlite3_stmt *st;
	int rc;

	sqlite3_finalize(fs->ins_finding);
	sqlite3_finalize(fs->ins_proof);
	fs->ins_finding = fs->ins_proof = NULL;
	if (prepare(sql, "replay_runs",
		    "UPDATE replay_runs SET status = 'done', events_replayed = ?, findings = ?, "
		    "checks_run = ? WHERE run = ?",
		    &st, err)) {
		findings_store_abort(fs);
		return -1;
	}
	sqlite3_bind_int64(st, 1, events);
	sqlite3_bind_int64(st, 2, findings);
	sqlite3_bind_text(st, 3, checks_run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, fs->run_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		vr_error_set(err, "replay_runs: %s", sqlite3_errmsg(sql));
		findings_store_abort(fs);
		return -1;
	}
	store_free(fs);
	return tracedb_exec(db, "COMMIT", err);
}

/* See findings_store.h. */
void findings_store_abort(struct findings_store *fs)
{
	if (!fs)
		return;
	tracedb_exec(fs->db, "ROLLBACK", NULL);
	store_free(fs);
}
