/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stream read on a thread of its own into top's model (see top.h): the
 * live inputs' machinery, apart from where their records come from, so
 * that it runs (and is tested) on any struct trace_source.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

struct top_stream {
	struct trace_source src;
	void (*stop)(void *arg);
	void *stop_arg;
	struct top_model *m; /* the model the thread feeds, once the view gave it */
	pthread_t thread;
	pthread_mutex_t lock;
	int started;
	int ended; /* 1 the stream ended, -1 it failed (err) */
	struct vr_error err;
};

/* The thread: the stream's items into the model, held while each goes in. */
static void *stream_thread(void *arg)
{
	struct top_stream *ts = arg;
	struct trace_item *it = vr_xmalloc(sizeof(*it));
	struct vr_error err = {{0}};
	int rc;

	while ((rc = ts->src.next(ts->src.self, it, &err)) == 1) {
		pthread_mutex_lock(&ts->lock);
		top_model_item(ts->m, it);
		pthread_mutex_unlock(&ts->lock);
	}
	pthread_mutex_lock(&ts->lock);
	if (rc < 0)
		ts->err = err;
	ts->ended = rc < 0 ? -1 : 1;
	pthread_mutex_unlock(&ts->lock);
	free(it);
	return NULL;
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
struct top_stream *top_stream_new(struct trace_source src, void (*stop)(void *arg),
				  void *stop_arg)
{
	struct top_stream *ts = vr_xcalloc(1, sizeof(*ts));

	ts->src = src;
	ts->stop = stop;
	ts->stop_arg = stop_arg;
	pthread_mutex_init(&ts->lock, NULL);
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
	in->profile = "";
	in->self = ts;
}

/* See top.h. */
void top_stream_free(struct top_stream *ts)
{
	if (!ts)
		return;
	if (ts->stop)
		ts->stop(ts->stop_arg);
	if (ts->started)
		pthread_join(ts->thread, NULL);
	pthread_mutex_destroy(&ts->lock);
	free(ts);
}
