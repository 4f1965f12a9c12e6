/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace summaries and findings in PostgreSQL (see pg_store.h), through
 * libpq: every statement with its values as parameters, never spliced
 * into the SQL.
 */
#include "pg_store.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pg_store {
	PGconn *conn;
	int64_t trace_id; /* the trace begun, 0: none */
};

/* The tables of version 1; IF NOT EXISTS, so that two exporters racing both succeed. */
static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS vgic_traces ("
	" trace_id bigserial PRIMARY KEY,"
	" trace_key text NOT NULL UNIQUE,"
	" path text NOT NULL,"
	" host text, kernel_release text, gic_version integer,"
	" profile text NOT NULL, profile_reason text,"
	" events bigint NOT NULL, findings bigint NOT NULL,"
	" first_ts_ns bigint, last_ts_ns bigint, events_lost bigint, gaps bigint,"
	" model_flushes bigint, model_agree bigint,"
	" exported_by text, exported_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE IF NOT EXISTS vgic_findings ("
	" trace_id bigint NOT NULL REFERENCES vgic_traces ON DELETE CASCADE,"
	" seq integer NOT NULL,"
	" kind text NOT NULL, severity text NOT NULL,"
	" ts_ns bigint, cpu integer, vcpu bigint, intid bigint,"
	" explanation text, proof_events bigint[],"
	" PRIMARY KEY (trace_id, seq));"
	"CREATE INDEX IF NOT EXISTS vgic_findings_kind ON vgic_findings (kind);"
	"CREATE TABLE IF NOT EXISTS vgic_accounting ("
	" trace_id bigint NOT NULL REFERENCES vgic_traces ON DELETE CASCADE,"
	" vcpu bigint, intid bigint NOT NULL,"
	" injected bigint, acked bigint, coalesced bigint, lost bigint,"
	" pending_at_end bigint, pending_at_start bigint, deactivated bigint);"
	"CREATE INDEX IF NOT EXISTS vgic_accounting_trace ON vgic_accounting (trace_id);";

/* err from the connection's last message, on one line; returns -1. */
static int pg_error(struct pg_store *ps, const char *what, struct vr_error *err)
{
	char msg[512];
	char *nl;

	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(ps->conn));
	while ((nl = strchr(msg, '\n')))
		*nl = nl[1] ? ' ' : '\0';
	return vr_error_set(err, "postgres: %s: %s", what, msg);
}

/*
 * Run one statement with text parameters (NULL: SQL NULL), or without
 * any several (the DDL); the result, or NULL with err.
 */
static PGresult *run(struct pg_store *ps, const char *what, const char *sql, int n,
		     const char *const *values, struct vr_error *err)
{
	PGresult *r = n ? PQexecParams(ps->conn, sql, n, NULL, values, NULL, NULL, 0)
			: PQexec(ps->conn, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	PQclear(r);
	pg_error(ps, what, err);
	return NULL;
}

/* Run one statement whose result is not wanted; 0, or -1 with err. */
static int run_only(struct pg_store *ps, const char *what, const char *sql, int n,
		    const char *const *values, struct vr_error *err)
{
	PGresult *r = run(ps, what, sql, n, values, err);

	PQclear(r);
	return r ? 0 : -1;
}

/* Give up the open transaction (after an error). */
static void roll_back(struct pg_store *ps)
{
	PQclear(PQexec(ps->conn, "ROLLBACK"));
	ps->trace_id = 0;
}

/*
 * The tables at version 1, created if absent, under a transaction-wide
 * advisory lock so that exporters starting together create them once;
 * a version this build does not know is refused.
 */
static int ensure_schema(struct pg_store *ps, struct vr_error *err)
{
	PGresult *r;
	long version;
	char v[16];
	const char *vals[1] = {v};

	if (run_only(ps, "begin", "BEGIN", 0, NULL, err) ||
	    run_only(ps, "lock", "SELECT pg_advisory_xact_lock(7632141)", 0, NULL, err) ||
	    run_only(ps, "vgic_schema_version",
		     "CREATE TABLE IF NOT EXISTS vgic_schema_version (version integer PRIMARY KEY,"
		     " applied_at timestamptz NOT NULL DEFAULT now())",
		     0, NULL, err))
		goto fail;
	r = run(ps, "vgic_schema_version", "SELECT coalesce(max(version), 0) FROM vgic_schema_version",
		0, NULL, err);
	if (!r)
		goto fail;
	version = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (version > PG_SCHEMA_VERSION) {
		vr_error_set(err, "postgres: the tables are at vgic-replay schema version %ld; this "
				  "vgic-replay writes version %d (upgrade it)",
			     version, PG_SCHEMA_VERSION);
		goto fail;
	}
	snprintf(v, sizeof(v), "%d", PG_SCHEMA_VERSION);
	if (version < PG_SCHEMA_VERSION &&
	    (run_only(ps, "create tables", schema_v1, 0, NULL, err) ||
	     run_only(ps, "vgic_schema_version",
		      "INSERT INTO vgic_schema_version (version) VALUES ($1)", 1, vals, err)))
		goto fail;
	return run_only(ps, "commit", "COMMIT", 0, NULL, err);
fail:
	roll_back(ps);
	return -1;
}

/* See pg_store.h. */
struct pg_store *pg_store_open(const char *conninfo, struct vr_error *err)
{
	struct pg_store *ps = vr_xcalloc(1, sizeof(*ps));

	ps->conn = PQconnectdb(conninfo);
	if (PQstatus(ps->conn) != CONNECTION_OK) {
		pg_error(ps, "cannot connect", err);
		pg_store_close(ps);
		return NULL;
	}
	PQclear(PQexec(ps->conn, "SET client_min_messages = warning"));
	if (ensure_schema(ps, err)) {
		pg_store_close(ps);
		return NULL;
	}
	return ps;
}

/* See pg_store.h. */
void pg_store_close(struct pg_store *ps)
{
	if (!ps)
		return;
	if (ps->trace_id)
		roll_back(ps);
	PQfinish(ps->conn);
	free(ps);
}

/* An integer as a parameter's text, in buf; NULL (SQL NULL) for VR_NO_VALUE. */
static const char *int_param(char *buf, size_t n, int64_t v)
{
	if (v == VR_NO_VALUE)
		return NULL;
	snprintf(buf, n, "%" PRId64, v);
	return buf;
}

/* A string as a parameter: NULL for "" or NULL. */
static const char *text_param(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* See pg_store.h. */
int pg_store_begin_trace(struct pg_store *ps, const struct pg_trace *t, struct vr_error *err)
{
	static const char insert[] =
		"INSERT INTO vgic_traces (trace_key, path, host, kernel_release, gic_version, profile,"
		" profile_reason, events, findings, first_ts_ns, last_ts_ns, events_lost, gaps,"
		" model_flushes, model_agree, exported_by)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
		" RETURNING trace_id";
	char n[10][24];
	const char *v[16] = {
		t->key, t->path, text_param(t->host), text_param(t->kernel_release),
		int_param(n[0], 24, t->gic_version ? t->gic_version : VR_NO_VALUE), t->profile,
		text_param(t->profile_reason), int_param(n[1], 24, t->events),
		int_param(n[2], 24, t->findings), int_param(n[3], 24, t->first_ts_ns),
		int_param(n[4], 24, t->last_ts_ns), int_param(n[5], 24, t->events_lost),
		int_param(n[6], 24, t->gaps), int_param(n[7], 24, t->model_flushes),
		int_param(n[8], 24, t->model_agree), text_param(t->exported_by),
	};
	PGresult *r;

	if (run_only(ps, "begin", "BEGIN", 0, NULL, err))
		return -1;
	if (run_only(ps, "replace the trace", "DELETE FROM vgic_traces WHERE trace_key = $1", 1, v,
		     err))
		goto fail;
	r = run(ps, "insert the trace", insert, 16, v, err);
	if (!r)
		goto fail;
	ps->trace_id = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
fail:
	roll_back(ps);
	return -1;
}

/* The proof's event ids as a PostgreSQL array literal, {1,2,3}. */
static void proof_array(const struct pg_finding *f, char *buf, size_t n)
{
	size_t len = (size_t)snprintf(buf, n, "{");

	for (int i = 0; i < f->nproof && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%" PRId64, i ? "," : "", f->proof[i]);
	if (len < n)
		snprintf(buf + len, n - len, "}");
}

/* See pg_store.h. */
int pg_store_finding(struct pg_store *ps, int seq, const struct pg_finding *f,
		     struct vr_error *err)
{
	char n[6][24], proof[512];
	const char *v[10];

	proof_array(f, proof, sizeof(proof));
	v[0] = int_param(n[0], 24, ps->trace_id);
	v[1] = int_param(n[1], 24, seq);
	v[2] = f->kind;
	v[3] = f->severity;
	v[4] = int_param(n[2], 24, f->ts_ns);
	v[5] = int_param(n[3], 24, f->cpu < 0 ? VR_NO_VALUE : f->cpu);
	v[6] = int_param(n[4], 24, f->vcpu);
	v[7] = int_param(n[5], 24, f->intid);
	v[8] = text_param(f->explanation);
	v[9] = proof;
	if (!run_only(ps, "insert a finding",
		      "INSERT INTO vgic_findings (trace_id, seq, kind, severity, ts_ns, cpu, vcpu,"
		      " intid, explanation, proof_events)"
		      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		      10, v, err))
		return 0;
	roll_back(ps);
	return -1;
}

/* See pg_store.h. */
int pg_store_count(struct pg_store *ps, const struct pg_count *c, struct vr_error *err)
{
	char n[10][24];
	const char *v[10] = {
		int_param(n[0], 24, ps->trace_id),	   int_param(n[1], 24, c->vcpu),
		int_param(n[2], 24, c->intid),		   int_param(n[3], 24, c->injected),
		int_param(n[4], 24, c->acked),		   int_param(n[5], 24, c->coalesced),
		int_param(n[6], 24, c->lost),		   int_param(n[7], 24, c->pending_at_end),
		int_param(n[8], 24, c->pending_at_start), int_param(n[9], 24, c->deactivated),
	};

	if (!run_only(ps, "insert the accounting",
		      "INSERT INTO vgic_accounting (trace_id, vcpu, intid, injected, acked, coalesced,"
		      " lost, pending_at_end, pending_at_start, deactivated)"
		      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		      10, v, err))
		return 0;
	roll_back(ps);
	return -1;
}

/* See pg_store.h. */
int pg_store_commit(struct pg_store *ps, struct vr_error *err)
{
	ps->trace_id = 0;
	return run_only(ps, "commit", "COMMIT", 0, NULL, err);
}
