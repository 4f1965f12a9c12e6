/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Print what the TUI's model (ui/timeline.c) says of a trace, for the
 * golden comparison of tests/golden: the span and lanes, then the whole
 * trace in 64 columns from the summaries and in 16 raw-event windows,
 * per vCPU and per interrupt row. A change to how the TUI reads a trace
 * must leave this output the same. With --run, what the TUI shows of
 * the stored check run instead (its findings, agreement and accounting,
 * ui/tui_run.h), for tests/cli/t0625's comparison with check.
 * Usage: tl_dump [--run] TRACE.db
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../ui/timeline.h"
#include "../../ui/tui_run.h"
#include "../../schemas/tracedb.h"

/* One window, lanes then interrupt rows, one line each. */
static void dump_window(const struct tl_window *w)
{
	printf("window start %" PRId64 " span %" PRId64 " cols %d level %d lost %" PRId64 "\n",
	       w->start, w->span, w->ncols, w->level, w->lost);
	for (int v = 0; v < w->nvcpus; v++) {
		int64_t ns[TL_NSTATES] = {0}, ev = 0, inj = 0, fl = 0, lrs = 0;

		for (int c = 0; c < w->ncols; c++) {
			const struct tl_lane_bin *b = &w->lanes[v * w->ncols + c];

			for (int s = 0; s < TL_NSTATES; s++)
				ns[s] += b->ns[s];
			ev += b->events;
			inj += b->injections;
			fl += b->flushes;
			lrs = b->max_lrs > lrs ? b->max_lrs : lrs;
		}
		printf(" lane %d run %" PRId64 " host %" PRId64 " wfi %" PRId64 " events %" PRId64
		       " inj %" PRId64 " flushes %" PRId64 " maxlrs %" PRId64 "\n",
		       v, ns[TL_RUN], ns[TL_HOST], ns[TL_WFI], ev, inj, fl, lrs);
	}
	for (int i = 0; i < w->nirqs; i++) {
		const struct tl_irq_row *r = &w->irqs[i];
		int64_t ns[TL_NIRQSTATES] = {0}, inj = 0;

		for (int c = 0; c < w->ncols; c++) {
			for (int s = 0; s < TL_NIRQSTATES; s++)
				ns[s] += r->bins[c].ns[s];
			inj += r->bins[c].injections;
		}
		printf(" irq vcpu %d intid %" PRId64 " pending %" PRId64 " active %" PRId64
		       " inj %" PRId64 "\n",
		       r->vcpu, r->intid, ns[TL_PENDING], ns[TL_ACTIVE], inj);
	}
	int64_t f = 0, g = 0;
	for (int c = 0; c < w->ncols; c++) {
		f += w->findings[c];
		g += w->gaps[c];
	}
	printf(" finding-cols %" PRId64 " gap-cols %" PRId64 "\n", f, g);
}

/* An integer, or null for VR_NO_VALUE. */
static void put_int(const char *name, int64_t v)
{
	if (v == VR_NO_VALUE)
		printf(" %s null", name);
	else
		printf(" %s %" PRId64, name, v);
}

/* One finding of the run, one line. */
static int dump_finding(void *arg, const struct tui_finding *f)
{
	(void)arg;
	printf("finding %s", f->kind);
	put_int("ts", f->ts_ns);
	put_int("vcpu", f->vcpu);
	put_int("intid", f->intid);
	printf("\n");
	return 0;
}

/* One row of the run's accounting, one line. */
static void dump_count(void *arg, const struct stored_count *c)
{
	(void)arg;
	printf("count");
	put_int("vcpu", c->vcpu);
	printf(" intid %" PRId64 " injected %" PRId64 " acked %" PRId64 " coalesced %" PRId64
	       " lost %" PRId64 " pending_at_end %" PRId64 " pending_at_start %" PRId64
	       " deactivated %" PRId64 "%s%s\n",
	       c->intid, c->injected, c->acked, c->coalesced, c->lost, c->pending_at_end,
	       c->pending_at_start, c->deactivated,
	       c->injection_unrecorded ? " injection_unrecorded" : "",
	       c->stuck_active ? " stuck_active" : "");
}

/* What the TUI shows of the stored check run it picks. */
static int dump_run(struct tracedb *db)
{
	struct tui_run r;
	const struct stored_agreement *a = &r.agreement;

	tui_run_choose(db, NULL, &r);
	if (!r.run) {
		printf("run none\n");
		return 0;
	}
	printf("run profile %s\n", r.profile);
	if (r.has_agreement)
		printf("agreement flushes %" PRId64 " agree %" PRId64 " unknown %" PRId64
		       " dir_exits %" PRId64 " dir_found %" PRId64 " ap_lists %" PRId64
		       " ap_agree %" PRId64 " ap_unknown %" PRId64 "\n",
		       a->flushes, a->agree, a->unknown, a->dir_exits, a->dir_found, a->ap_lists,
		       a->ap_agree, a->ap_unknown);
	tui_store_run_findings(db, r.run, dump_finding, NULL);
	tui_store_run_counts(db, r.run, -1, dump_count, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	struct timeline *tl;

	int run_only = argc == 3 && !strcmp(argv[1], "--run");

	if (argc != 2 && !run_only) {
		fprintf(stderr, "usage: tl_dump [--run] TRACE.db\n");
		return 2;
	}
	db = tracedb_open(argv[argc - 1], TRACEDB_READONLY, &err);
	if (!db) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	if (run_only) {
		dump_run(db);
		tracedb_close(db);
		return 0;
	}
	tl = timeline_open(db, NULL, NULL, &err);
	if (!tl) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	int64_t t0 = timeline_first_ns(tl), t1 = timeline_last_ns(tl) + 1;
	printf("span %" PRId64 " %" PRId64 " vcpus %d\n", t0, t1, timeline_nvcpus(tl));
	struct tl_window w;
	if (timeline_window(tl, t0, t1 - t0, 64, 0, -1, &w) == 0) {
		dump_window(&w);
		timeline_window_free(&w);
	}
	int64_t step = (t1 - t0) / 16 + 1;
	for (int64_t a = t0; a < t1; a += step) {
		if (timeline_window(tl, a, step, 2000, 0, -1, &w) == 0) {
			dump_window(&w);
			timeline_window_free(&w);
		}
	}
	timeline_close(tl);
	tracedb_close(db);
	return 0;
}
