/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Model-based replay: run the engine's vGIC model over a trace and
 * compare each predicted flush with the LRs the kernel programmed.
 */
#ifndef VR_PREDICT_H
#define VR_PREDICT_H

#include <stdint.h>

#include "../schemas/tracedb.h"

struct predict_result {
	char profile[32];
	int configured;	     /* interrupts whose configuration was learned from LRs */
	int64_t flushes, exact, reordered, mismatched, folds, eoicount_deactivations;
	int64_t raced; /* exact once in-flight injections are queued after the flush */
	int64_t first_mismatch_event;
	int mismatch_used[2];	   /* recorded, predicted */
	uint64_t mismatch_lr[2][4]; /* recorded, predicted */
};

/* Drive the model under the named engine profile; err on failure. */
int replay_predict(struct tracedb *db, const char *profile, struct predict_result *res,
		   struct vr_error *err);

#endif
