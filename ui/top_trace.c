/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stored trace as `vgic-replay top`'s input (see top.h).
 *
 * The replay driver runs over a whole trace at once today, so the trace
 * is replayed first, as check replays it, and every count of its
 * accounting (replay_tally_fn) and every finding is kept with the time
 * of the event that made it, a few bytes each; then the event stream is
 * read an interval at a time and the kept counts of that interval are
 * handed to the model through the same callbacks (top_model_tally,
 * top_model_finding) the driver calls. Once the driver runs on a
 * trace_source as it goes, it is given the stream here and called
 * directly, and the first pass goes.
 */
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"
#include "../schemas/trace_listing.h"
#include "top.h"

/* What the replay counted, and when. */
struct top_mark {
	int64_t ts_ns, seq;
	int64_t vcpu;
	int what; /* enum replay_tally, or MARK_FINDING */
	enum finding_kind kind;
};

#define MARK_FINDING 100

/* A thread of the trace and its VM (the vcpus table). */
struct top_thread {
	int32_t pid;
	int64_t vm;
};

struct top_trace {
	struct tracedb *db;
	struct trace_cursor *cur;
	struct trace_source src;
	struct trace_item held; /* the first item of the next interval, read already */
	int has_held, stream_done;
	struct top_mark *marks;
	size_t nmarks, cap, next_mark;
	struct top_thread *threads;
	size_t nthreads;
	int64_t only_vm; /* the trace's one VM, VR_NO_VALUE when it has none or several */
	char profile[64];
};

/* Keep a mark. */
static void add_mark(struct top_trace *tt, int64_t ts, int64_t vcpu, int what,
		     enum finding_kind kind)
{
	struct top_mark *k;

	if (tt->nmarks == tt->cap) {
		tt->cap = tt->cap ? 2 * tt->cap : 1024;
		tt->marks = vr_xrealloc(tt->marks, tt->cap * sizeof(*tt->marks));
	}
	k = &tt->marks[tt->nmarks];
	k->ts_ns = ts;
	k->seq = (int64_t)tt->nmarks++;
	k->vcpu = vcpu;
	k->what = what;
	k->kind = kind;
}

/* replay_tally_fn: keep the count. */
static void keep_tally(enum replay_tally what, int64_t ts_ns, int64_t vcpu, uint32_t intid,
		       void *arg)
{
	(void)intid;
	add_mark(arg, ts_ns, vcpu, (int)what, FINDING_KIND_MAX);
}

/* replay_finding_fn: keep the finding. */
static void keep_finding(const struct replay_finding *f, void *arg)
{
	add_mark(arg, f->ts_ns, f->vcpu, MARK_FINDING, f->kind);
}

/* Order marks by time, then as they were made. */
static int compare_marks(const void *pa, const void *pb)
{
	const struct top_mark *a = pa, *b = pb;

	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Drop the marks of a run the diagnosis replaced. */
static void drop_marks(void *arg)
{
	((struct top_trace *)arg)->nmarks = 0;
}

/*
 * Replay the trace as check does (replay_check_diagnosed: the profile asked
 * for, or the kernel's own, or the one the diagnosis matches), its
 * counts and findings kept, then ordered by time.
 */
static int replay_as_check(struct top_trace *tt, const char *profile, struct vr_error *err)
{
	struct replay_options opt = {0};
	struct replay_checked run;
	int rc;

	opt.profile = profile;
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	opt.tally = keep_tally;
	opt.tally_arg = tt;
	rc = replay_check_diagnosed(tt->db, &opt, keep_finding, tt, drop_marks, &run, err);
	if (!rc)
		snprintf(tt->profile, sizeof(tt->profile), "%s", vgic_profile_name(run.res.profile));
	replay_result_free(&run.res);
	if (!rc && tt->nmarks > 1)
		qsort(tt->marks, tt->nmarks, sizeof(*tt->marks), compare_marks);
	return rc;
}

/* TRACE_LIST_VCPUS row (vm, vcpu, thread_id, source): a thread and its VM. */
static void keep_thread(const char *const *cols, int ncols, void *arg)
{
	struct top_trace *tt = arg;

	if (ncols < 3 || !cols[0] || !cols[2])
		return;
	tt->threads = vr_xrealloc(tt->threads, (tt->nthreads + 1) * sizeof(*tt->threads));
	tt->threads[tt->nthreads].pid = (int32_t)atoll(cols[2]);
	tt->threads[tt->nthreads].vm = atoll(cols[0]);
	if (!tt->nthreads)
		tt->only_vm = tt->threads[0].vm;
	else if (tt->only_vm != tt->threads[tt->nthreads].vm)
		tt->only_vm = VR_NO_VALUE;
	tt->nthreads++;
}

/* top_vm_fn: a thread's VM from the vcpus table; another thread (the VMM's own) in the one VM. */
static int64_t trace_vm_of(void *arg, int32_t pid)
{
	struct top_trace *tt = arg;

	for (size_t i = 0; i < tt->nthreads; i++)
		if (tt->threads[i].pid == pid)
			return tt->threads[i].vm;
	return tt->only_vm;
}

/* Hand the model the kept marks before end_ns. */
static void feed_marks(struct top_trace *tt, struct top_model *m, int64_t end_ns)
{
	for (; tt->next_mark < tt->nmarks && tt->marks[tt->next_mark].ts_ns < end_ns;
	     tt->next_mark++) {
		const struct top_mark *k = &tt->marks[tt->next_mark];
		struct replay_finding f;

		if (k->what != MARK_FINDING) {
			top_model_tally((enum replay_tally)k->what, k->ts_ns, k->vcpu, 0, m);
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.kind = k->kind;
		f.ts_ns = k->ts_ns;
		f.vcpu = k->vcpu;
		top_model_finding(&f, m);
	}
}

/* top_input's feed: the stream and the marks before end_ns; 0 when both are done. */
static int trace_feed(void *self, struct top_model *m, int64_t end_ns, struct vr_error *err)
{
	struct top_trace *tt = self;
	int rc;

	while (!tt->stream_done) {
		if (!tt->has_held) {
			rc = tt->src.next(tt->src.self, &tt->held, err);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				tt->stream_done = 1;
				break;
			}
			tt->has_held = 1;
		}
		if (tt->held.type == TRACE_ITEM_EVENT && tt->held.ev.ts_ns >= end_ns)
			break;
		feed_marks(tt, m, tt->held.type == TRACE_ITEM_EVENT ? tt->held.ev.ts_ns : INT64_MIN);
		top_model_item(m, &tt->held);
		tt->has_held = 0;
	}
	feed_marks(tt, m, tt->stream_done ? INT64_MAX : end_ns);
	return tt->stream_done && tt->next_mark == tt->nmarks ? 0 : 1;
}

/* See top.h. */
struct top_trace *top_trace_open(const char *path, const char *profile, struct top_input *in,
				 struct vr_error *err)
{
	struct top_trace *tt = vr_xcalloc(1, sizeof(*tt));
	struct trace_facts facts;
	struct trace_filter f;

	tt->only_vm = VR_NO_VALUE;
	tt->db = tracedb_open(path, TRACEDB_READONLY, err);
	if (!tt->db || trace_facts_read(tt->db, &facts, err) ||
	    trace_listing_run(tt->db, TRACE_LIST_VCPUS, keep_thread, tt, err) < 0 ||
	    replay_as_check(tt, profile, err))
		goto fail;
	trace_filter_init(&f);
	f.apr = 0; /* used_lrs, nr_lrs and the HCR are what top reads of a snapshot */
	tt->cur = trace_cursor_open(tt->db, &f, err);
	if (!tt->cur)
		goto fail;
	tt->src = trace_cursor_source(tt->cur);
	memset(in, 0, sizeof(*in));
	in->feed = trace_feed;
	in->start_ns = facts.first_ts_ns == VR_NO_VALUE ? 0 : facts.first_ts_ns;
	in->profile = tt->profile;
	in->vm_of = trace_vm_of;
	in->vm_arg = tt;
	in->self = tt;
	return tt;
fail:
	top_trace_close(tt);
	return NULL;
}

/* See top.h. */
void top_trace_close(struct top_trace *tt)
{
	if (!tt)
		return;
	trace_cursor_close(tt->cur);
	tracedb_close(tt->db);
	free(tt->marks);
	free(tt->threads);
	free(tt);
}
