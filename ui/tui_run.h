/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The check run the TUI shows, without curses: which stored run of the
 * replay driver (`check --store`) is the trace's own, and what that run
 * found and counted. The TUI derives no findings, accounting or
 * agreement of its own: it shows the driver's, as check printed them
 * (replay_runs, findings, replay_counts, replay_agreement; see
 * docs/trace-format.md), so that check and the TUI cannot disagree.
 * The timeline's bars (ui/timeline.h) are a picture of the list
 * registers, not an accounting.
 */
#ifndef VR_UI_TUI_RUN_H
#define VR_UI_TUI_RUN_H

#include <stdint.h>

#include "../schemas/tui_store.h"

struct tracedb;

/* The run shown and its totals. */
struct tui_run {
	int64_t run;	     /* replay_runs.run, 0: none stored */
	const char *profile; /* the profile the findings are under (engine's name) */
	int has_agreement;   /* the run stored its agreement (a current vgic-replay's) */
	struct stored_agreement agreement;
};

/*
 * Choose the run: the latest stored plain check (its profile picked by
 * check from the release or a diagnosis), else the latest under the
 * profile the release picks; with asked (a profile name), the latest
 * under that one. Never a what-if run under another profile unless one
 * is asked for.
 */
void tui_run_choose(struct tracedb *db, const char *asked, struct tui_run *r);

/*
 * The run's accounting of one INTID summed over its vCPUs (intid >= 0),
 * or of every interrupt (intid < 0): -1 when the run stored none.
 */
int tui_run_total(struct tracedb *db, const struct tui_run *r, int64_t intid,
		  struct stored_count *sum);

#endif
