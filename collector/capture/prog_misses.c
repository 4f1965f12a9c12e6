/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recursion misses as gaps (prog_misses.h): the accounting only; the
 * counters are read by bpf_hooks.c.
 */
#include "prog_misses.h"

#include <string.h>

/* See prog_misses.h. */
void miss_account_init(struct miss_account *a, uint64_t now_ns)
{
	int i;

	for (i = 0; i < a->n; i++)
		a->prog[i].first = a->prog[i].misses;
	a->base = miss_account_lost(a);
	a->lost = 0;
	a->last_ns = now_ns;
}

/*
 * See prog_misses.h. A nested twin's own misses are not losses: it misses only
 * while it runs itself, and then either the program it backs is idle and
 * records the event, or both miss it and the backed program's count has
 * it. The misses are read before caught, so a nested event in between
 * makes this low for a moment, never high.
 */
int64_t miss_account_lost(const struct miss_account *a)
{
	uint64_t misses = 0;
	int i;

	for (i = 0; i < a->n; i++)
		if (!a->prog[i].nested_twin)
			misses += a->prog[i].misses;
	return misses > a->caught ? (int64_t)(misses - a->caught) : 0;
}

/* See prog_misses.h. */
int miss_account_update(struct miss_account *a, uint64_t now_ns, struct gap_rec *gap)
{
	int64_t lost;

	lost = miss_account_lost(a) - a->base;
	uint64_t since = a->last_ns;

	a->last_ns = now_ns;
	if (lost <= a->lost)
		return 0;
	memset(gap, 0, sizeof(*gap));
	gap->h.type = VGIC_REC_GAP;
	gap->h.cpu = GAP_CPU_UNKNOWN;
	gap->h.vcpu = -1;
	gap->h.ts = now_ns;
	gap->lost = lost - a->lost;
	gap->start_ns = since;
	a->lost = lost;
	return 1;
}

/* See prog_misses.h. */
void miss_account_report(const struct miss_account *a, FILE *out)
{
	int i;

	for (i = 0; i < a->n; i++) {
		const struct prog_counter *p = &a->prog[i];

		if (p->misses <= p->first)
			continue;
		fprintf(out, "record: %s missed %llu events (recursion misses): %s\n", p->name,
			(unsigned long long)(p->misses - p->first),
			p->nested_twin ? "it was running for them itself"
			: p->backed    ? "its twin did its work for those it caught, the rest are gaps"
				       : "stored as gaps");
	}
}
