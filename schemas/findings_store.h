/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Storing a replay run in its trace: one replay_runs row, then each
 * finding with the events that prove it (findings, finding_events), all
 * in one transaction, so an interrupted run leaves no half-stored run.
 * The SQL is here; replay/ hands over plain values.
 */
#ifndef VR_FINDINGS_STORE_H
#define VR_FINDINGS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tracedb.h"

struct findings_store;

/* What the replay_runs row says of the run at its start. */
struct findings_run {
	const char *profile;
	const char *profile_reason;
	const char *options; /* as the command line spelt them, "" for none */
};

/* One finding as stored; vcpu and intid may be VR_NO_VALUE (NULL). */
struct stored_finding {
	const char *kind, *severity;
	int64_t ts_ns;
	int32_t cpu;
	int64_t vcpu, intid;
	const char *explanation;
	const int64_t *proof; /* event ids, the first the decisive one (its VM is the finding's) */
	const char *const *proof_role;
	int nproof;
};

/* Begin the transaction and insert the run's row; NULL with err set on failure. */
struct findings_store *findings_store_begin(struct tracedb *db, const struct findings_run *run,
					    struct vr_error *err);

/* The run's replay_runs.run. */
int64_t findings_store_run_id(const struct findings_store *fs);

/* Add one finding and its proof; -1 on failure (the run is then rolled back by abort). */
int findings_store_add(struct findings_store *fs, const struct stored_finding *f);

/*
 * One row of the run's per-INTID accounting (replay_counts): vcpu may be
 * VR_NO_VALUE (an SPI never seen in a vCPU's LRs).
 */
struct stored_count {
	int64_t vcpu, intid;
	int64_t injected, acked, coalesced, lost, pending_at_end, pending_at_start, deactivated;
	int injection_unrecorded; /* acknowledgements only, never judged (LPIs without vgic_queue_lpi) */
	int stuck_active;	  /* a STUCK_ACTIVE finding names it, still active at the end */
};

/* The engine replay's agreement with the recording (replay_agreement). */
struct stored_agreement {
	int64_t flushes, agree, unknown, dir_exits, dir_found, ap_lists, ap_agree, ap_unknown;
};

/*
 * Store the run's accounting and agreement counts, so that a reader of
 * the trace (the TUI) shows what check counted without replaying it; -1
 * with err on failure (the run is then rolled back by abort).
 */
int findings_store_results(struct findings_store *fs, const struct stored_count *counts,
			   size_t ncounts, const struct stored_agreement *agreement,
			   struct vr_error *err);

/* Say why the run's profile was replayed, after all (check's diagnosis). */
int findings_store_set_reason(struct findings_store *fs, const char *profile_reason,
			      struct vr_error *err);

/* Close the run's row with its totals and commit; frees fs either way. */
int findings_store_end(struct findings_store *fs, int64_t events, int64_t findings,
		       const char *checks_run, struct vr_error *err);

/* Roll the run back and free fs; NULL is allowed. */
void findings_store_abort(struct findings_store *fs);

#endif
