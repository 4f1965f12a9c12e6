/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a flight-recorder window (flight_window.h).
 *
 * The window is cut so that no snapshot pair is cut in half: each vCPU
 * thread starts after its first vgic_post (the end of a
 * flush/entry/exit/sync cycle), and the other threads' records (the VMM's
 * injections) start after the last of those boundaries, so every
 * injection kept is followed by every flush that could present it. What
 * came before (evicted from memory, or cut here) is one gap on CPU -1
 * from the recording's start to the first record kept. A window from
 * which nothing was evicted is the whole recording and is not cut.
 */
#define _GNU_SOURCE
#include "flight_window.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../schemas/tracedb.h"
#include "flight.h"
#include "store.h"

/* Per thread of a dumped window: where its first complete run cycle begins. */
struct window_thread {
	uint32_t pid;
	int cycle_records; /* it made populate/flush/sync/post/DIR/SGI records: a vCPU thread */
	int64_t first_post; /* index of its first vgic_post snapshot, -1 none */
};

/* The threads of a window, and where the threads that run no cycles start. */
struct window {
	struct window_thread *th;
	size_t nth, cap;
	int64_t boundary; /* index of the last vCPU thread's first vgic_post, -1 none */
};

/*
 * Does this record belong to a vCPU's flush/run/sync cycle (see
 * window_thread)? A queued LPI does not: it is an injection, made by
 * whichever thread signals the MSI (the VMM, an iothread, vhost); nor an
 * LPI's new target, which names the target, not the thread's vCPU.
 */
static int is_cycle_record(const struct vgic_rec_hdr *h)
{
	return h->type == VGIC_REC_SNAPSHOT || h->type == VGIC_REC_APLIST ||
	       (h->type == VGIC_REC_EVENT && h->kind >= VR_EV_POPULATE &&
		h->kind != VR_EV_LPI_QUEUE && h->kind != VR_EV_LPI_TARGET);
}

/* The thread entry of pid, added if new. */
static struct window_thread *window_thread_of(struct window *win, uint32_t pid)
{
	size_t i;

	for (i = 0; i < win->nth; i++)
		if (win->th[i].pid == pid)
			return &win->th[i];
	if (win->nth == win->cap) {
		win->cap = win->cap ? 2 * win->cap : 16;
		win->th = vr_xrealloc(win->th, win->cap * sizeof(*win->th));
	}
	win->th[win->nth] = (struct window_thread){pid, 0, -1};
	return &win->th[win->nth++];
}

/*
 * First pass over the ring: which threads run cycles and where each one's
 * first vgic_post is, and from that the boundary for the other threads.
 */
static void window_scan(const struct flight_ring *ring, struct window *win)
{
	struct flight_iter it;
	const void *data;
	uint32_t n;
	int64_t i;

	win->boundary = -1;
	flight_iter_begin(ring, &it);
	for (i = 0; flight_iter_next(ring, &it, &data, &n); i++) {
		struct vgic_rec_hdr hdr, *h = &hdr;
		struct window_thread *t;

		memcpy(&hdr, data, sizeof(hdr)); /* the ring keeps records 4 bytes off 8 */
		if (h->type == VGIC_REC_GAP)
			continue;
		t = window_thread_of(win, h->pid);
		t->cycle_records |= is_cycle_record(h);
		if (h->type == VGIC_REC_SNAPSHOT && h->kind == VR_EV_POST && t->first_post < 0)
			t->first_post = i;
	}
	for (i = 0; i < (int64_t)win->nth; i++)
		if (win->th[i].cycle_records && win->th[i].first_post > win->boundary)
			win->boundary = win->th[i].first_post;
	/* Nothing evicted: the window is the whole recording, which starts as any other. */
	if (!ring->evicted)
		for (i = 0, win->boundary = -1; i < (int64_t)win->nth; i++)
			win->th[i].cycle_records = 0;
}

/* Is record number i of the ring (header h) in the window? */
static int window_keeps(struct window *win, const struct vgic_rec_hdr *h, int64_t i)
{
	struct window_thread *t = window_thread_of(win, h->pid);

	if (h->type == VGIC_REC_GAP || !t->cycle_records)
		return i > win->boundary;
	return t->first_post >= 0 && i > t->first_post;
}

/*
 * Second pass: store the records in the window, the first of them after
 * one gap for everything before it; *cut counts the records left out
 * here. -1 when the writer failed.
 */
static int window_store(const struct flight_dump *d, struct window *win, struct rec_store *store,
			int64_t *cut)
{
	unsigned char slot[STORE_SLOT] __attribute__((aligned(8)));
	struct flight_iter it;
	int64_t i, first_ts = -1;
	const void *data;
	uint32_t n;

	flight_iter_begin(d->ring, &it);
	for (i = 0; flight_iter_next(d->ring, &it, &data, &n); i++) {
		struct vgic_rec_hdr hdr, *h = &hdr;

		memcpy(&hdr, data, sizeof(hdr)); /* the ring keeps records 4 bytes off 8 */
		if (!window_keeps(win, h, i)) {
			(*cut)++;
			continue;
		}
		if (first_ts < 0) {
			first_ts = (int64_t)h->ts;
			if (d->ring->evicted + *cut > 0 &&
			    trace_writer_gap_window(store->w, -1, d->ring->evicted + *cut,
						    (int64_t)d->start_ns, first_ts))
				return -1;
		}
		memcpy(slot, data, n < STORE_SLOT ? n : STORE_SLOT);
		if (n < STORE_SLOT)
			memset(slot + n, 0, STORE_SLOT - n);
		if (rec_store_one(store, slot))
			return -1;
	}
	return 0;
}

/*
 * Write a window to d->path, through a temporary file renamed into place
 * once complete, so that a reader never sees half a window; st counts
 * what was written (drops_user: the records before the window).
 */
static int dump_window(struct flight_dump *d, struct record_stats *st, struct vr_error *err)
{
	struct window win = {NULL, 0, 0, -1};
	struct trace_writer *w = NULL;
	struct tracedb *db = NULL;
	struct rec_store store;
	int64_t cut = 0;
	char *tmp;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	window_scan(d->ring, &win);
	tmp = vr_xmalloc(strlen(d->path) + 16);
	sprintf(tmp, "%s.tmp-%d", d->path, (int)getpid());
	unlink(tmp);
	db = tracedb_create(tmp, err);
	if (!db)
		goto out;
	w = trace_writer_begin(db, err);
	if (!w)
		goto out;
	record_write_info(w, d->opt, d->backend, d->gic, d->kernel_release, &d->clock);
	rec_store_init(&store, w, st);
	if (window_store(d, &win, &store, &cut)) {
		vr_error_set(err, "%s: cannot write the flight-recorder window (disk full?)", d->path);
		goto out;
	}
	trace_writer_info_int(w, "input_records", st->events);
	rc = trace_writer_finish(w, err);
	w = NULL;
	if (!rc && rename(tmp, d->path))
		rc = vr_error_set(err, "%s: cannot rename %s into place: %s", d->path, tmp,
				  strerror(errno));
out:
	if (w)
		trace_writer_abort(w);
	tracedb_close(db);
	if (rc)
		unlink(tmp);
	free(tmp);
	free(win.th);
	st->drops_user = d->ring->evicted + cut;
	return rc;
}

/* Dump thread: write the window and say so, one line. */
static void *dump_main(void *arg)
{
	struct flight_dump *d = arg;
	struct record_stats st;
	struct vr_error err = {{0}};

	d->failed = dump_window(d, &st, &err) != 0;
	if (d->failed)
		fprintf(stderr, "record: flight window not written: %s\n", err.msg);
	else if (!d->quiet)
		fprintf(stderr, "record: flight window of %lld events (%lld snapshots) written to %s; "
				"%lld earlier records stored as a gap\n",
			(long long)st.events, (long long)st.snapshots, d->path,
			(long long)st.drops_user);
	d->done = 1;
	return NULL;
}

/* The path of dump number k: OUTPUT with "-k" before its .db suffix. */
static char *dump_path(const char *output, int k)
{
	size_t n = strlen(output);
	char *p = vr_xmalloc(n + 24);

	if (n > 3 && !strcmp(output + n - 3, ".db"))
		sprintf(p, "%.*s-%d.db", (int)(n - 3), output, k);
	else
		sprintf(p, "%s-%d", output, k);
	return p;
}

/*
 * What every window of a recording says about it: options, backend, GIC,
 * start, and the tracefs clock's offsets measured so far (a copy: the
 * window is written on a thread of its own), so that a window aligns
 * with an ftrace capture of the same host as a whole recording does.
 */
static void dump_describe(struct flight_dump *d, const struct record_run *run)
{
	d->clock = run->clock;
	d->opt = run->opt;
	d->backend = run->backend;
	d->gic = run->gic;
	d->kernel_release = run->kernel_release;
	d->start_ns = run->records_start_ns ? run->records_start_ns : run->start_ns;
}

/* See flight_window.h. */
void flight_dump_reap(struct flight_dump *d)
{
	if (!d->running)
		return;
	pthread_join(d->thread, NULL);
	flight_free(d->ring);
	free(d->path);
	d->ring = NULL;
	d->path = NULL;
	d->running = 0;
}

/* See flight_window.h. */
int flight_dump_start_to(struct flight_dump *d, const struct record_run *run,
			 const struct flight_ring *ring, char *path)
{
	const char *what = d->quiet ? "--watch dump" : "SIGUSR1";

	if (d->running && !d->done) {
		fprintf(stderr, "record: the previous flight window is still being written; "
				"%s ignored\n", what);
		free(path);
		return -1;
	}
	flight_dump_reap(d);
	dump_describe(d, run);
	d->ring = flight_copy(ring);
	if (!d->ring) {
		fprintf(stderr, "record: no memory to copy the flight window; %s ignored\n", what);
		free(path);
		return -1;
	}
	d->path = path;
	d->done = d->failed = 0;
	if (pthread_create(&d->thread, NULL, dump_main, d)) {
		fprintf(stderr, "record: cannot start the dump thread; %s ignored\n", what);
		flight_free(d->ring);
		free(d->path);
		d->ring = NULL;
		d->path = NULL;
		return -1;
	}
	d->running = 1;
	return 0;
}

/* See flight_window.h. */
void flight_dump_start(struct flight_dump *d, const struct record_run *run,
		       const struct flight_ring *ring, int k)
{
	flight_dump_start_to(d, run, ring, dump_path(run->opt->output, k));
}

/* See flight_window.h. The ring itself, not a copy: the recording is over. */
int flight_dump_last(const struct record_run *run, struct flight_ring *ring,
		     struct record_stats *st, struct vr_error *err)
{
	struct flight_dump last;

	memset(&last, 0, sizeof(last));
	dump_describe(&last, run);
	last.ring = ring;
	last.path = (char *)run->opt->output;
	return dump_window(&last, st, err);
}
