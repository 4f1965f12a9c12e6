/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector's records as the event stream (see live_source.h).
 *
 * Records come from next() into a small FIFO, so that a vgic_post
 * snapshot can look ahead for its AP-list walk; everything else is
 * handed on in record order, which is the order the trace's writer gives
 * ids in. Memory is the FIFO and the thread map: nothing grows with the
 * recording.
 */
#include "live_source.h"

#include <stdlib.h>
#include <string.h>

#include "spool.h"

_Static_assert(VGIC_REC_MAX_AP <= TRACE_MAX_AP, "a whole walk fits a stream item");

#define LIVE_MAX_THREADS 1024

/* A thread and the vCPU its first snapshot showed it running (the writer's strong mapping). */
struct live_thread {
	int32_t pid;
	int64_t vcpu;
};

struct live_source {
	live_next_record_fn next;
	void *arg;
	unsigned char fifo[LIVE_LOOKAHEAD + 1][STORE_SLOT] __attribute__((aligned(8)));
	int head, count;
	int ended;	 /* next() said the end (or failed: err kept) */
	int failed;
	struct vr_error err;
	int64_t next_id; /* the id the next event or snapshot gets */
	struct live_thread threads[LIVE_MAX_THREADS];
	int nthreads;
};

/* See live_source.h. */
struct live_source *live_source_new(live_next_record_fn next, void *arg)
{
	struct live_source *ls = vr_xcalloc(1, sizeof(*ls));

	ls->next = next;
	ls->arg = arg;
	ls->next_id = 1;
	return ls;
}

/* See live_source.h. */
void live_source_free(struct live_source *ls)
{
	free(ls);
}

/* Read one more record into the FIFO's tail; 0 when there is none. */
static int fill_one(struct live_source *ls)
{
	unsigned char *slot;
	int rc;

	if (ls->ended || ls->count > LIVE_LOOKAHEAD)
		return 0;
	slot = ls->fifo[(ls->head + ls->count) % (LIVE_LOOKAHEAD + 1)];
	memset(slot, 0, STORE_SLOT);
	rc = ls->next(ls->arg, slot, &ls->err);
	if (rc <= 0) {
		ls->ended = 1;
		ls->failed = rc < 0;
		return 0;
	}
	ls->count++;
	return 1;
}

/* The i-th record waiting in the FIFO. */
static const unsigned char *peek(const struct live_source *ls, int i)
{
	return ls->fifo[(ls->head + i) % (LIVE_LOOKAHEAD + 1)];
}

/* Take the i-th waiting record out of the FIFO (the others keep their order). */
static void take(struct live_source *ls, int i, unsigned char *out)
{
	memcpy(out, peek(ls, i), STORE_SLOT);
	for (; i > 0; i--)
		memcpy(ls->fifo[(ls->head + i) % (LIVE_LOOKAHEAD + 1)],
		       ls->fifo[(ls->head + i - 1) % (LIVE_LOOKAHEAD + 1)], STORE_SLOT);
	ls->head = (ls->head + 1) % (LIVE_LOOKAHEAD + 1);
	ls->count--;
}

/* The vCPU a thread runs, as far as the stream has shown (VR_NO_VALUE: not yet). */
static int64_t thread_vcpu(const struct live_source *ls, int32_t pid)
{
	for (int i = 0; i < ls->nthreads; i++)
		if (ls->threads[i].pid == pid)
			return ls->threads[i].vcpu;
	return VR_NO_VALUE;
}

/* A snapshot shows its thread running its vCPU: the first one says (trace_writer_map_thread). */
static void map_thread(struct live_source *ls, int32_t pid, int64_t vcpu)
{
	if (vcpu == VR_NO_VALUE || thread_vcpu(ls, pid) != VR_NO_VALUE ||
	    ls->nthreads == LIVE_MAX_THREADS)
		return;
	ls->threads[ls->nthreads].pid = pid;
	ls->threads[ls->nthreads++].vcpu = vcpu;
}

/*
 * The AP-list walk of the vgic_post snapshot of vcpu just taken: the first
 * walk of that vCPU among the next records, before its next vgic_post;
 * its length as the trace stores it (TRACE_AP_LEN_TRUNCATED for a cut
 * walk), or -1 when none is there. The entries of a whole walk go to
 * it->ap, as a trace file's cursor gives them.
 */
static int walk_after_post(struct live_source *ls, int vcpu, struct trace_item *it)
{
	unsigned char walk[STORE_SLOT] __attribute__((aligned(8)));
	const struct vgic_rec_aplist *a = (const void *)walk;

	for (int i = 0; i < LIVE_LOOKAHEAD && (i < ls->count || fill_one(ls)); i++) {
		const struct vgic_rec_hdr *h = (const void *)peek(ls, i);

		if (h->vcpu != vcpu)
			continue;
		if (h->type == VGIC_REC_SNAPSHOT && h->kind == VR_EV_POST)
			return -1;
		if (h->type != VGIC_REC_APLIST)
			continue;
		take(ls, i, walk);
		if (a->truncated)
			return TRACE_AP_LEN_TRUNCATED;
		it->nap = rec_decode_aplist(a, it->ap);
		return it->nap;
	}
	return -1;
}

/* An event record as an item. */
static void event_item(struct live_source *ls, const unsigned char *slot, struct trace_item *it)
{
	struct vr_event *e = &it->ev;

	rec_decode_event((const void *)slot, e);
	if (e->vcpu == VR_NO_VALUE && vr_event_kind_on_vcpu_thread(e->kind))
		e->vcpu = thread_vcpu(ls, e->pid);
	it->id = ls->next_id++;
}

/* A snapshot record as an item, with its AP-list walk's length for a vgic_post. */
static void snapshot_item(struct live_source *ls, const unsigned char *slot,
			  struct trace_item *it)
{
	const struct vgic_rec_snapshot *r = (const void *)slot;

	rec_decode_snapshot(r, &it->ev, &it->snap);
	map_thread(ls, it->ev.pid, it->ev.vcpu);
	it->has_snapshot = 1;
	it->id = ls->next_id++;
	if (it->ev.kind == VR_EV_POST && r->h.vcpu >= 0)
		it->ap_len = walk_after_post(ls, r->h.vcpu, it);
}

/*
 * A gap record as an item: after the last event given so far, as the
 * writer places it, with the window the loss may lie in.
 */
static void gap_item(struct live_source *ls, const unsigned char *slot, struct trace_item *it)
{
	const struct gap_rec *g = (const void *)slot;

	it->type = TRACE_ITEM_GAP;
	it->id = ls->next_id - 1;
	it->gap.lost = g->lost < 0 ? -1 : g->lost;
	it->gap.cpu = gap_rec_cpu(g);
	it->gap.start_ns = (int64_t)g->start_ns;
	it->gap.end_ns = (int64_t)g->h.ts; /* where the loss may end, as store_gap() stores it */
}

/* trace_source's next(): the next event, snapshot or gap; walks on their own are passed over. */
static int live_next(void *self, struct trace_item *it, struct vr_error *err)
{
	struct live_source *ls = self;
	unsigned char slot[STORE_SLOT] __attribute__((aligned(8)));

	for (;;) {
		const struct vgic_rec_hdr *h = (const void *)slot;

		if (!ls->count && !fill_one(ls)) {
			if (ls->failed)
				*err = ls->err;
			return ls->failed ? -1 : 0;
		}
		take(ls, 0, slot);
		memset(it, 0, sizeof(*it));
		vr_event_clear(&it->ev);
		vr_snapshot_clear(&it->snap);
		it->type = TRACE_ITEM_EVENT;
		it->ap_len = -1;
		if (h->type == VGIC_REC_EVENT)
			event_item(ls, slot, it);
		else if (h->type == VGIC_REC_SNAPSHOT)
			snapshot_item(ls, slot, it);
		else if (h->type == VGIC_REC_GAP)
			gap_item(ls, slot, it);
		else
			continue;
		if (it->type == TRACE_ITEM_EVENT && trace_item_validate(it, err))
			return -1;
		return 1;
	}
}

/* See live_source.h. */
struct trace_source live_source_as_source(struct live_source *ls)
{
	struct trace_source s = {live_next, ls};

	return s;
}

/* See live_source.h. */
int live_spool_next(void *spool_reader, unsigned char *slot, struct vr_error *err)
{
	uint32_t n;

	return spool_next(spool_reader, slot, STORE_SLOT, &n, err);
}
