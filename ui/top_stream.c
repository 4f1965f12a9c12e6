/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records checked as they arrive, into top's model (see top.h): the live
 * inputs' machinery, apart from where their records come from, so that
 * it runs (and is tested) on any source of the collector's records.
 *
 * A thread of the stream's own polls the input, which hands each record
 * to the watcher (collector/capture/watch.h): the checks `record --watch`
 * runs, which are check's (replay_stream_*), learning the run from a
 * prefix, one run per profile and check's diagnosis; no dumps, nothing on
 * stderr. The watcher, on its thread, gives the model every item it
 * checks, the accounting and the findings of the profile it reports
 * (top_model_item, top_model_tally, top_model_finding: what a stored
 * trace's replay gives it), each under the model's lock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

#define TOP_WATCH_QUEUE (8u << 20)  /* the watcher's queue: records not yet checked */
#define TOP_WATCH_PREFIX (8u << 20) /* its learning prefix */
#define TOP_WATCH_LEARN_S 1.0	    /* the prefix spans a second of records (and a flush) */

struct top_stream {
	struct top_records rec;
	struct watch *w;
	struct watch_observer obs;
	struct top_model *m; /* the model the watcher feeds, once the view gave it */
	pthread_t thread;
	pthread_mutex_t lock;
	int started;
	int stop;  /* the view is done: the input polled no more */
	int ended; /* 1 the checks ended, -1 the input failed (err) */
	struct vr_error err;
	char profile[64]; /* the watcher's (the view's thread writes and reads it) */
	char note[320];
};

/* The watcher's observer: one item into the model, held. */
static void observe_item(const struct trace_item *it, void *arg)
{
	struct top_stream *ts = arg;

	pthread_mutex_lock(&ts->lock);
	top_model_item(ts->m, it);
	pthread_mutex_unlock(&ts->lock);
}

/* The watcher's observer: one count of the accounting into the model, held. */
static void observe_tally(enum replay_tally what, int64_t ts_ns, int64_t vcpu, uint32_t intid,
			  void *arg)
{
	struct top_stream *ts = arg;

	pthread_mutex_lock(&ts->lock);
	top_model_tally(what, ts_ns, vcpu, intid, ts->m);
	pthread_mutex_unlock(&ts->lock);
}

/* The watcher's observer: one finding into the model, held. */
static void observe_finding(const struct replay_finding *f, void *arg)
{
	struct top_stream *ts = arg;

	pthread_mutex_lock(&ts->lock);
	top_model_finding(f, ts->m);
	pthread_mutex_unlock(&ts->lock);
}

/* The thread: poll the input until it ends or the view stops; then the checks' end. */
static void *stream_thread(void *arg)
{
	struct top_stream *ts = arg;
	struct vr_error err = {{0}};
	int rc = 1;

	while (!__atomic_load_n(&ts->stop, __ATOMIC_ACQUIRE) &&
	       (rc = ts->rec.poll(ts->rec.arg, ts->w, &err)) == 1)
		;
	watch_stop(ts->w); /* the queue checked to its end, the end-of-trace checks made */
	pthread_mutex_lock(&ts->lock);
	if (rc < 0)
		ts->err = err;
	ts->ended = rc < 0 ? -1 : 1;
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

/*
 * The header's note: while the watcher learns the run, that; then what
 * the input says of its losses, and the records the checks skipped.
 */
static void update_note(struct top_stream *ts)
{
	char input[200] = "";
	int64_t skipped = watch_progress(ts->w, ts->profile, sizeof(ts->profile));

	if (!ts->profile[0]) {
		snprintf(ts->note, sizeof(ts->note),
			 "learning the run from its first %.0f s of records (GIC, vCPUs, the guest's "
			 "configuration)",
			 TOP_WATCH_LEARN_S);
		return;
	}
	if (ts->rec.note)
		ts->rec.note(ts->rec.arg, input, sizeof(input));
	snprintf(ts->note, sizeof(ts->note), "%s%schecks behind: %lld records skipped", input,
		 input[0] ? "; " : "", (long long)skipped);
}

/* top_input's feed: start the thread on the first call; then whether it still runs. */
static int stream_feed(void *self, struct top_model *m, int64_t end_ns, struct vr_error *err)
{
	struct top_stream *ts = self;
	int ended;

	(void)end_ns; /* the items arrive in their own time */
	if (!ts->started) {
		ts->m = m;
		if (pthread_create(&ts->thread, NULL, stream_thread, ts))
			return vr_error_set(err, "cannot start the stream's thread");
		ts->started = 1;
	}
	pthread_mutex_lock(&ts->lock);
	ended = ts->ended;
	if (ended < 0)
		*err = ts->err;
	pthread_mutex_unlock(&ts->lock);
	update_note(ts);
	return ended < 0 ? -1 : !ended;
}

/* top_input's hold: the model is the view's while it closes an interval. */
static void stream_hold(void *self, int on)
{
	struct top_stream *ts = self;

	if (on)
		pthread_mutex_lock(&ts->lock);
	else
		pthread_mutex_unlock(&ts->lock);
}

/* See top.h. */
struct top_stream *top_stream_new(const struct top_records *rec, struct vr_error *err)
{
	struct top_stream *ts = vr_xcalloc(1, sizeof(*ts));
	struct watch_config cfg;

	ts->rec = *rec;
	pthread_mutex_init(&ts->lock, NULL);
	ts->obs.item = observe_item;
	ts->obs.tally = observe_tally;
	ts->obs.finding = observe_finding;
	ts->obs.arg = ts;
	memset(&cfg, 0, sizeof(cfg));
	cfg.learn_s = TOP_WATCH_LEARN_S;
	cfg.queue_bytes = TOP_WATCH_QUEUE;
	cfg.prefix_bytes = TOP_WATCH_PREFIX;
	cfg.pace = rec->pace;
	cfg.quiet = 1;
	cfg.observer = &ts->obs;
	cfg.host = "";
	cfg.kernel_release = rec->kernel_release ? rec->kernel_release : "";
	cfg.gic = rec->gic;
	cfg.kinds = rec->kinds;
	ts->w = watch_start(&cfg, err);
	if (!ts->w) {
		top_stream_free(ts);
		return NULL;
	}
	return ts;
}

/* See top.h. */
void top_stream_input(struct top_stream *ts, struct top_input *in)
{
	memset(in, 0, sizeof(*in));
	in->feed = stream_feed;
	in->hold = stream_hold;
	in->start_ns = (int64_t)vr_now_ns();
	in->live = 1;
	in->profile = ts->profile;
	in->note = ts->note;
	in->self = ts;
	update_note(ts);
}

/* See top.h. */
void top_stream_free(struct top_stream *ts)
{
	if (!ts)
		return;
	__atomic_store_n(&ts->stop, 1, __ATOMIC_RELEASE);
	if (ts->started)
		pthread_join(ts->thread, NULL);
	watch_free(ts->w);
	pthread_mutex_destroy(&ts->lock);
	free(ts);
}
