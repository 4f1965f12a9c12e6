/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top --from-trace TRACE`: a stored trace played as the live
 * input (see top.h). Its items are encoded back into the records the BPF
 * programs put in the ring (rec_encode.h, as `record --from-trace` does)
 * and handed to the live path's watcher (top_stream.c), which checks
 * them as it checks a live host's, by check's code. A file is read as
 * fast as the watcher takes it (the feeder waits for room in its queue,
 * nothing skipped), so the intervals are wall-clock time, as live, and
 * their sums are check's accounting of the trace.
 */
#include <stdlib.h>
#include <string.h>

#include "../collector/capture/rec_encode.h"
#include "top.h"

#define ITEMS_PER_POLL 64 /* items encoded per poll: the view's stop is seen between polls */

struct top_played {
	struct tracedb *db;
	struct trace_cursor *cur;
	struct trace_facts facts;
	struct top_stream *stream;
};

/* rec_emit_fn: a record to the watcher, as the ring's poller hands one. */
static void feed_record(void *w, const void *rec, size_t size)
{
	watch_feed(w, rec, size);
}

/* top_records' poll: the next items of the trace as records; 0 at its end. */
static int poll_trace(void *arg, struct watch *w, struct vr_error *err)
{
	struct top_played *tp = arg;
	struct trace_item it;
	int rc = 1;

	for (int i = 0; i < ITEMS_PER_POLL && (rc = trace_cursor_next(tp->cur, &it, err)) == 1; i++)
		rec_encode_item(&it, tp->facts.gic_version, feed_record, w);
	return rc;
}

/* See top.h. */
struct top_played *top_played_open(const char *path, struct top_input *in, struct vr_error *err)
{
	struct top_played *tp = vr_xcalloc(1, sizeof(*tp));
	struct top_records rec = {0};
	struct trace_filter f;

	tp->db = tracedb_open(path, TRACEDB_READONLY, err);
	if (!tp->db || trace_facts_read(tp->db, &tp->facts, err))
		goto fail;
	if (tp->facts.gic_version == 5) {
		vr_error_set(err, "a GICv5 trace; the live view checks GICv2 and GICv3");
		goto fail;
	}
	trace_filter_init(&f);
	f.gaps = f.snapshots = f.apr = f.ap_len = f.ap_entries = 1; /* all a record holds */
	tp->cur = trace_cursor_open(tp->db, &f, err);
	if (!tp->cur)
		goto fail;
	rec.poll = poll_trace;
	rec.arg = tp;
	rec.gic = tp->facts.gic_version ? tp->facts.gic_version : 3;
	rec.kernel_release = tp->facts.kernel_release;
	rec.pace = 1;
	rec.kinds = tp->facts.kinds_present;
	tp->stream = top_stream_new(&rec, err);
	if (!tp->stream)
		goto fail;
	top_stream_input(tp->stream, in);
	return tp;
fail:
	top_played_close(tp);
	return NULL;
}

/* See top.h. */
void top_played_close(struct top_played *tp)
{
	if (!tp)
		return;
	top_stream_free(tp->stream); /* the thread stopped before the cursor goes */
	trace_cursor_close(tp->cur);
	tracedb_close(tp->db);
	free(tp);
}
