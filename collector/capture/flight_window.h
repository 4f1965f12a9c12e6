/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder's windows (`record --flight MB`): the records held
 * in memory (flight.h) written out as a trace, on SIGUSR1 to OUTPUT-k.db
 * on a thread of its own while the recording goes on, and when it stops
 * to OUTPUT itself. A window is cut so that no flush/sync cycle is cut in
 * half, and what came before it is one gap.
 */
#ifndef VR_FLIGHT_WINDOW_H
#define VR_FLIGHT_WINDOW_H

#include <pthread.h>
#include <stdint.h>

#include "record_core.h"

struct flight_ring;

/* A dump in progress: a copy of the ring, written on a thread of its own. */
struct flight_dump {
	const struct record_options *opt;
	const struct record_backend *backend;
	int gic;
	const char *kernel_release; /* NULL: this host's */
	uint64_t start_ns;
	struct vr_clock_offsets clock; /* the tracefs clock's offsets measured when it began */
	struct flight_ring *ring;
	char *path;
	pthread_t thread;
	volatile int done;
	volatile int failed; /* the window could not be written (said on stderr) */
	int quiet;	     /* --watch's dumps: the watcher says what was written */
	int running;
};

/*
 * SIGUSR1: copy the ring and write it to window number k on a thread, so
 * that polling goes on meanwhile; said and ignored while the previous
 * window is still being written.
 */
void flight_dump_start(struct flight_dump *d, const struct record_run *run,
		       const struct flight_ring *ring, int k);

/*
 * The same, to path (malloc'ed, the dump owns it): 0 when the thread
 * started, -1 when the ring could not be copied or a dump is still being
 * written (both said on stderr unless quiet).
 */
int flight_dump_start_to(struct flight_dump *d, const struct record_run *run,
			 const struct flight_ring *ring, char *path);

/* Wait for a running dump thread and release its copy. */
void flight_dump_reap(struct flight_dump *d);

/* The recording has stopped: write the last window to the output; st counts it afresh. */
int flight_dump_last(const struct record_run *run, struct flight_ring *ring,
		     struct record_stats *st, struct vr_error *err);

#endif
