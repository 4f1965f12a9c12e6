/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The queue between the thread that polls the BPF ring buffer and the
 * writer thread that appends its records to the spool (spool.h), so that
 * the disk never stalls the ring buffer: a bounded byte FIFO (flight.h,
 * FIFO use) the writer reads in place, a batch at a time. When it is
 * full, records are counted as dropped (user-space drops, stored as a
 * gap), like the BPF side's failed reservations.
 */
#ifndef VR_QUEUE_H
#define VR_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/vr_common.h"

struct flight_ring;
struct spool;

struct queue {
	struct flight_ring *fifo;
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	int closed;
	int64_t dropped;
	size_t peak_bytes;	  /* how far the writer fell behind, at most */
	struct spool *spool;	  /* where the writer appends */
	pthread_t writer;
	int writer_started;
	int writer_failed;	  /* a write to the spool failed: the recording stops */
	volatile int64_t spooled; /* records spooled so far (the live count on a tty) */
};

/* A queue of this many bytes and its writer thread, appending to spool; -1 with err. */
int queue_start(struct queue *q, size_t bytes, struct spool *spool, struct vr_error *err);

/* Copy a record into the queue (lock held), or count it dropped. */
void queue_append(struct queue *q, const void *data, size_t size);

/* Queue one record from outside a batch (a gap), waking the writer. */
void queue_push(struct queue *q, const void *data, size_t size);

/*
 * A batch of appends under one hold of the lock: begin returns whether the
 * queue was empty, which end needs to know whether to wake the writer.
 */
int queue_batch_begin(struct queue *q);
void queue_batch_end(struct queue *q, int was_empty);

/* Close the queue and wait for the writer to spool the rest (once started). */
void queue_stop(struct queue *q);

/* Release the queue (stopped, or never started). */
void queue_free(struct queue *q);

#endif
