/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace summaries and findings in PostgreSQL (`export --postgres`), so
 * that a fleet's traces can be queried in one place. The tables are
 * created on first use and versioned as the trace format is (a
 * vgic_schema_version table; a newer version than this build knows is
 * refused); a trace is one vgic_traces row, known by its key, and
 * exporting it again replaces its rows in one transaction. The SQL
 * lives here, as every other query of the tool lives in schemas/.
 */
#ifndef VR_PG_STORE_H
#define VR_PG_STORE_H

#include <stdint.h>

#include "../common/vr_common.h"
#include "trace_event.h"

/* The version of the tables this build writes. */
#define PG_SCHEMA_VERSION 1

/* One trace's summary: a vgic_traces row. Strings may be "" (stored as NULL). */
struct pg_trace {
	const char *key;  /* what identifies the trace's content (see cmd_export.c) */
	const char *path; /* where it was exported from */
	const char *host, *kernel_release, *profile, *profile_reason, *exported_by;
	int gic_version;
	int64_t events, findings, first_ts_ns, last_ts_ns, events_lost, gaps;
	int64_t model_flushes, model_agree;
};

/* One finding: a vgic_findings row. vcpu and intid may be VR_NO_VALUE (NULL). */
struct pg_finding {
	const char *kind, *severity, *explanation;
	int64_t ts_ns, vcpu, intid;
	int cpu;
	const int64_t *proof; /* its events' ids, the decisive first */
	int nproof;
};

/* One row of the accounting: a vgic_accounting row. */
struct pg_count {
	int64_t vcpu, intid; /* vcpu VR_NO_VALUE: not tied to one */
	int64_t injected, acked, coalesced, lost, pending_at_end, pending_at_start, deactivated;
};

struct pg_store;

/*
 * Connect (a libpq connection string) and make sure the tables are
 * there, at a version this build writes; NULL with err set.
 */
struct pg_store *pg_store_open(const char *conninfo, struct vr_error *err);
void pg_store_close(struct pg_store *ps);

/*
 * Begin a trace's rows in a transaction: whatever an earlier export of
 * the same key left is deleted first. 0, or -1 with err (rolled back).
 */
int pg_store_begin_trace(struct pg_store *ps, const struct pg_trace *t, struct vr_error *err);

/* A finding and an accounting row of the trace begun; 0, or -1 with err (rolled back). */
int pg_store_finding(struct pg_store *ps, int seq, const struct pg_finding *f,
		     struct vr_error *err);
int pg_store_count(struct pg_store *ps, const struct pg_count *c, struct vr_error *err);

/* Commit the trace's rows; 0, or -1 with err. */
int pg_store_commit(struct pg_store *ps, struct vr_error *err);

#endif
