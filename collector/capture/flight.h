/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder's memory: a byte ring that keeps the newest records
 * of a recording within a fixed budget, evicting the oldest whole records
 * to make room. Records are variable-sized (an event is 64 bytes, an LR
 * snapshot or an AP-list walk a few hundred), stored as a 4-byte length
 * and the bytes, 8-byte aligned; a record never wraps around the end
 * (a marker sends the reader back to the start instead).
 *
 * Workload: one append per BPF record (hundreds of thousands a second at
 * worst), eviction amortised O(1); a full read only when an operator asks
 * for a dump, on a copy, so the ring keeps filling meanwhile.
 */
#ifndef VR_FLIGHT_H
#define VR_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

struct flight_ring {
	unsigned char *buf;
	size_t size;	 /* bytes */
	size_t head;	 /* offset of the oldest record */
	size_t tail;	 /* where the next record goes */
	size_t count;	 /* records held */
	int64_t pushed;	 /* records ever appended */
	int64_t evicted; /* records dropped off the old end */
};

/* A cursor over the records of a ring, oldest first. */
struct flight_iter {
	size_t off;
	size_t left;
};

/* Make a ring of `bytes` bytes (at least 4 KiB); NULL when out of memory. */
struct flight_ring *flight_new(size_t bytes);

/* Free a ring; NULL is allowed. */
void flight_free(struct flight_ring *f);

/*
 * Append one record of n bytes, evicting the oldest records as needed.
 * Returns 0, or -1 when the record is larger than a quarter of the ring.
 */
int flight_push(struct flight_ring *f, const void *data, uint32_t n);

/*
 * FIFO use, the streaming recorder's queue between the ring-buffer thread
 * and the writer: append only into free space, never evicting (0, or -1
 * when the record does not fit now), and release the oldest records once
 * the reader is done with them. The reader walks the records in place with
 * a cursor taken under the caller's lock, while the producer appends: an
 * append never touches a live record.
 */
int flight_append(struct flight_ring *f, const void *data, uint32_t n);

/* Release the k oldest records (FIFO use: the reader has consumed them). */
void flight_release(struct flight_ring *f, size_t k);

/*
 * FIFO use: the oldest live records that lie in one piece of the buffer,
 * as stored (each a uint32_t length, its bytes, padding to 8), at most
 * max_records of them: *data and *bytes, and their count as the result
 * (0 when the ring is empty). A reader writes them out as they are and
 * releases them, without copying each record.
 */
size_t flight_oldest_span(const struct flight_ring *f, size_t max_records, const void **data,
			  size_t *bytes);

/* Bytes the live records occupy (FIFO use: how far the reader is behind). */
size_t flight_used_bytes(const struct flight_ring *f);

/* A copy of the ring, to read while the original keeps filling; NULL when out of memory. */
struct flight_ring *flight_copy(const struct flight_ring *f);

/* Start a cursor at the oldest record. */
void flight_iter_begin(const struct flight_ring *f, struct flight_iter *it);

/* The next record (oldest first): 1 with *data and *n set, 0 at the end. */
int flight_iter_next(const struct flight_ring *f, struct flight_iter *it, const void **data,
		     uint32_t *n);

#endif
