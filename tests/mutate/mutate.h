/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace mutator behind tests/mutate (build/tests/mutate) and the
 * mutation tests: it takes a real trace database, plants one kernel bug
 * (or one loss of trace data) at one site, records what it did in the
 * copy's `mutations` table, and says which finding `check` must make,
 * with the event that must prove it.
 *
 * Kinds (the site is the mutated event, ":N" a slot or window where one
 * is needed):
 *   drop-delivery       a flush leaves out a pending edge SPI the kernel
 *                       presented and the guest acknowledged (and its sync
 *                       slot): its delivery is gone -> LOST_INTERRUPT (or
 *                       LR_DIVERGENCE when the LRs were full)
 *   drop-lr             any other LR entry removed from a flush snapshot and
 *                       its sync (active, level, HW, not acknowledged) ->
 *                       LR_DIVERGENCE (or LOST_INTERRUPT)
 *   lost-at-fold        a sync shows an acknowledged LR still Pending, and
 *                       no flush presents it again -> LOST_INTERRUPT
 *   swap-deactivation   a sync hands back an LR the guest deactivated with
 *                       another LR's INTID: the fold deactivates the wrong
 *                       interrupt -> MIS_DEACTIVATION of that one
 *   eoicount-unaccounted  EOIcount 1 (and LRENPIE at the flush) at an exit of
 *                       a 6.19+ trace with no active interrupt outside the
 *                       LRs -> MIS_DEACTIVATION
 *   eoicount-walk       EOIcount 1 at an exit with an Active LR: under
 *                       linux-6.19 -> MIS_DEACTIVATION; linux-7.0, the
 *                       control, must not deactivate the LR-resident one
 *   priority-inversion  the guest's acknowledgement moved to a lower-priority
 *                       LR -> PRIORITY_INVERSION
 *   delete-window       a window of events deleted, the loss recorded as the
 *                       tracer would (a gaps row) -> TRACE_GAP and nothing
 *                       else: checks over the window say unknown
 *   gap                 a gaps row alone -> TRACE_GAP and nothing else
 *   swap-dir            a vgic_deactivate event (trapped DIR) names another
 *                       INTID -> MIS_DEACTIVATION (a DIR of an interrupt
 *                       that was not active)
 *
 * mutation_name_dirs() derives, from a 6.19+ EOImode 1 trace recorded
 * before the vgic_deactivate event existed, the trace the collector
 * records now: a vgic_deactivate after each exit that trapped a DIR, for
 * the interrupt that sync showed Active (only where exactly one was).
 */
#ifndef VR_MUTATE_H
#define VR_MUTATE_H

#include <stdint.h>

#include "../../replay/replay.h"

enum mutation_kind {
	MUT_DROP_DELIVERY,
	MUT_DROP_LR,
	MUT_LOST_AT_FOLD,
	MUT_SWAP_DEACTIVATION,
	MUT_EOICOUNT_UNACCOUNTED,
	MUT_EOICOUNT_WALK,
	MUT_PRIORITY_INVERSION,
	MUT_DELETE_WINDOW,
	MUT_GAP,
	MUT_SWAP_DIR,
	MUT_KIND_MAX
};

struct mutation {
	enum mutation_kind kind;
	int64_t event;	       /* the mutated event: the finding must name it */
	int64_t arg;	       /* LR slot or window length; -1 none */
	int64_t intid;	       /* the INTID the finding must name, VR_NO_VALUE any */
	enum finding_kind expect;
	const char *profile;   /* check under this profile, NULL the trace's own */
	const char *control;   /* and under this one, which must stay silent (eoicount-walk) */
	int alone;	       /* no other finding may be made (gaps) */
	char site[48];	       /* "EVENT" or "EVENT:ARG", as the command line names it */
	char what[200];	       /* what was done, in words */
	char sql[1400];
};

/* Why a planted bug cannot show in the trace (checked against the trace itself). */
enum mutation_excuse {
	EXCUSE_NONE,
	EXCUSE_REINJECTED,    /* injected again and presented before the loss could show */
	EXCUSE_NEVER_ENABLED, /* in no other LR: nothing proves the guest enabled it */
	EXCUSE_AT_END,	      /* no flush follows: in flight at the end of the trace */
	EXCUSE_MAX
};

struct mutation_outcome {
	int reported;		     /* the expected finding, at the right event */
	enum mutation_excuse excuse; /* when not reported: the checked reason, or NONE (wrong) */
	int others;		     /* findings besides the expected one (gaps excluded) */
	int control_findings;	     /* wrong-walk findings under the control profile */
	char first_other[160];	     /* the first other finding, for the log */
};

const char *mutation_kind_name(enum mutation_kind k);
int mutation_kind_from_name(const char *name); /* -1 unknown */
const char *mutation_excuse_name(enum mutation_excuse e);

/* Every site of a kind in the trace (at most max, spread evenly); *out is malloc'ed. */
size_t mutation_sites(const char *db_path, enum mutation_kind kind, size_t max,
		      struct mutation **out, struct vr_error *err);

/* Copy in to out and plant m there, with a row in out's `mutations` table. */
int mutation_apply(const char *in, const char *out, const struct mutation *m,
		   struct vr_error *err);

/* Check the mutant (planted from orig) and say whether m was found, or why not. */
int mutation_check(const char *mutant, const char *orig, const struct mutation *m,
		   struct mutation_outcome *o, struct vr_error *err);

/*
 * Copy in to out with a vgic_deactivate event after every trapped-DIR exit
 * (event ids doubled to make room). Returns the events added, 0 when some
 * exit is ambiguous (nothing written then), -1 on error.
 */
int mutation_name_dirs(const char *in, const char *out, struct vr_error *err);

#endif
