/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring-buffer thread's queue and the writer thread (queue.h).
 *
 * The ring thread appends whole batches under one hold of the lock and
 * signals only an empty queue's first records; the writer takes the
 * oldest span of records, writes it out as it lies in the queue (one
 * write() per piece, no copy per record) outside the lock, and releases
 * it after: the ring thread only ever appends into free space.
 */
#define _GNU_SOURCE
#include "queue.h"

#include <time.h>

#include "flight.h"
#include "spool.h"
#include "store.h"

#define WRITER_BATCH 4096 /* records the writer takes per visit to the queue */

/* See queue.h. The writer is that far behind when the queue is full. */
void queue_append(struct queue *q, const void *data, size_t size)
{
	if (size > STORE_SLOT || flight_append(q->fifo, data, (uint32_t)size))
		q->dropped++;
	else if (flight_used_bytes(q->fifo) > q->peak_bytes)
		q->peak_bytes = flight_used_bytes(q->fifo);
}

/* See queue.h. */
void queue_push(struct queue *q, const void *data, size_t size)
{
	pthread_mutex_lock(&q->lock);
	if (!q->fifo->count)
		pthread_cond_signal(&q->nonempty); /* the writer sleeps only on an empty queue */
	queue_append(q, data, size);
	pthread_mutex_unlock(&q->lock);
}

/* See queue.h. */
int queue_batch_begin(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	return !q->fifo->count;
}

/* See queue.h. */
void queue_batch_end(struct queue *q, int was_empty)
{
	if (was_empty && q->fifo->count)
		pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

/*
 * Wait for records or the queue closed (lock held). The ring thread
 * signals an empty queue's first records; the timed wait only guards
 * against a signal missed in between.
 */
static void queue_wait(struct queue *q)
{
	while (!q->fifo->count && !q->closed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&q->nonempty, &q->lock, &ts);
	}
}

/*
 * Writer thread: append the queued records to the spool, as they lie in
 * the queue, until the queue is closed and empty. After a failed write it
 * goes on releasing records unwritten, so that the ring thread never
 * blocks; the recording sees writer_failed and stops.
 */
static void *writer_main(void *arg)
{
	struct queue *q = arg;

	for (;;) {
		const void *data = NULL;
		size_t bytes = 0, k;

		pthread_mutex_lock(&q->lock);
		queue_wait(q);
		if (!q->fifo->count && q->closed) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		k = flight_oldest_span(q->fifo, WRITER_BATCH, &data, &bytes);
		pthread_mutex_unlock(&q->lock);
		if (!q->writer_failed && spool_append_framed(q->spool, data, bytes, k))
			q->writer_failed = 1;
		pthread_mutex_lock(&q->lock);
		flight_release(q->fifo, k);
		pthread_mutex_unlock(&q->lock);
		q->spooled += (int64_t)k;
	}
	return NULL;
}

/* See queue.h. */
int queue_start(struct queue *q, size_t bytes, struct spool *spool, struct vr_error *err)
{
	q->spool = spool;
	q->fifo = flight_new(bytes);
	if (!q->fifo)
		return vr_error_set(err, "no memory for a %.0f MB writer queue", bytes / 1048576.0);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	if (pthread_create(&q->writer, NULL, writer_main, q))
		return vr_error_set(err, "cannot start the writer thread");
	q->writer_started = 1;
	return 0;
}

/* See queue.h. */
void queue_stop(struct queue *q)
{
	if (!q->writer_started)
		return;
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->writer, NULL);
	q->writer_started = 0;
}

/* See queue.h. */
void queue_free(struct queue *q)
{
	flight_free(q->fifo);
	q->fifo = NULL;
}
