/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stored check run the TUI shows (see tui_run.h): chosen once per
 * open, read through schemas/tui_store.h.
 */
#include "tui_run.h"

#include <string.h>

#include "../engine/vgic_engine.h"
#include "../schemas/trace_reader.h"

/* See tui_run.h. */
void tui_run_choose(struct tracedb *db, const char *asked, struct tui_run *r)
{
	struct trace_facts facts;
	char why[256];

	memset(r, 0, sizeof(*r));
	r->profile = asked;
	if (!asked) {
		char stored[64];
		int64_t run = tui_store_plain_run(db, stored, sizeof(stored));
		const struct vgic_profile *p = run > 0 ? vgic_profile_find(stored) : NULL;

		if (p) {
			r->profile = vgic_profile_name(p);
			r->run = run;
		} else if (trace_facts_read(db, &facts, NULL)) {
			return;
		} else {
			r->profile = vgic_profile_name(vgic_profile_for_trace(
				facts.kernel_release, facts.gic_version, why, sizeof(why)));
		}
	}
	if (!r->run)
		r->run = tui_store_own_run(db, r->profile);
	r->has_agreement = r->run && !tui_store_run_agreement(db, r->run, &r->agreement);
}

/* Add one row of the accounting to the sum. */
static void add_count(void *arg, const struct stored_count *c)
{
	struct stored_count *sum = arg;

	sum->injected += c->injected;
	sum->acked += c->acked;
	sum->coalesced += c->coalesced;
	sum->lost += c->lost;
	sum->pending_at_end += c->pending_at_end;
	sum->pending_at_start += c->pending_at_start;
	sum->deactivated += c->deactivated;
}

/* See tui_run.h. */
int tui_run_total(struct tracedb *db, const struct tui_run *r, int64_t intid,
		  struct stored_count *sum)
{
	memset(sum, 0, sizeof(*sum));
	sum->vcpu = VR_NO_VALUE;
	sum->intid = intid;
	if (!r->run || !r->has_agreement)
		return -1;
	return tui_store_run_counts(db, r->run, intid, add_count, sum) < 0 ? -1 : 0;
}
