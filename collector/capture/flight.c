/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder's byte ring (see flight.h). Layout: each record is
 * a uint32_t length followed by its bytes, padded to 8; a length of
 * WRAP_MARK (or fewer than 4 bytes left before the end) means "continue
 * at offset 0". Live records run from head to tail, around the end.
 */
#include "flight.h"

#include <stdlib.h>
#include <string.h>

#define WRAP_MARK 0xffffffffu
#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

/* Bytes a record of n bytes occupies. */
static size_t entry_size(uint32_t n)
{
	return ALIGN8(sizeof(uint32_t) + (size_t)n);
}

/* See flight.h. */
struct flight_ring *flight_new(size_t bytes)
{
	struct flight_ring *f = calloc(1, sizeof(*f));

	if (bytes < 4096)
		bytes = 4096;
	bytes &= ~(size_t)7u;
	if (f)
		f->buf = malloc(bytes);
	if (!f || !f->buf) {
		free(f);
		return NULL;
	}
	f->size = bytes;
	return f;
}

/* See flight.h. */
void flight_free(struct flight_ring *f)
{
	if (!f)
		return;
	free(f->buf);
	free(f);
}

/* The offset of the record at off, following a wrap marker or the end. */
static size_t skip_wrap(const struct flight_ring *f, size_t off)
{
	uint32_t n;

	if (off + sizeof(n) > f->size)
		return 0;
	memcpy(&n, f->buf + off, sizeof(n));
	return n == WRAP_MARK ? 0 : off;
}

/* Take the oldest record off the ring. */
static void release_one(struct flight_ring *f)
{
	uint32_t n;

	f->head = skip_wrap(f, f->head);
	memcpy(&n, f->buf + f->head, sizeof(n));
	f->head += entry_size(n);
	f->count--;
	if (!f->count)
		f->head = f->tail = 0;
	else
		f->head = skip_wrap(f, f->head);
}

/* Drop the oldest record to make room (flight use). */
static void evict_one(struct flight_ring *f)
{
	release_one(f);
	f->evicted++;
}

/*
 * Where a record of `need` bytes can go without touching live records
 * (-1: nowhere yet). With the live region head..tail not wrapped, the
 * free space is tail..end and 0..head; wrapped, it is tail..head.
 */
static long place(const struct flight_ring *f, size_t need)
{
	if (!f->count)
		return 0;
	if (f->tail > f->head) {
		if (f->tail + need <= f->size)
			return (long)f->tail;
		return need <= f->head ? 0 : -1;
	}
	return f->tail + need <= f->head ? (long)f->tail : -1;
}

/* Write a record of n bytes at offset at, where place() found room. */
static void store(struct flight_ring *f, long at, const void *data, uint32_t n)
{
	if (at == 0 && f->count && f->tail + sizeof(uint32_t) <= f->size) {
		uint32_t mark = WRAP_MARK;

		memcpy(f->buf + f->tail, &mark, sizeof(mark));
	}
	memcpy(f->buf + at, &n, sizeof(n));
	memcpy(f->buf + at + sizeof(n), data, n);
	f->tail = (size_t)at + entry_size(n);
	f->count++;
	f->pushed++;
}

/* See flight.h. */
int flight_push(struct flight_ring *f, const void *data, uint32_t n)
{
	size_t need = entry_size(n);
	long at;

	if (need > f->size / 4)
		return -1;
	while ((at = place(f, need)) < 0)
		evict_one(f);
	store(f, at, data, n);
	return 0;
}

/* See flight.h. */
int flight_append(struct flight_ring *f, const void *data, uint32_t n)
{
	size_t need = entry_size(n);
	long at;

	if (need > f->size / 4 || (at = place(f, need)) < 0)
		return -1;
	store(f, at, data, n);
	return 0;
}

/* See flight.h. */
void flight_release(struct flight_ring *f, size_t k)
{
	while (k-- && f->count)
		release_one(f);
}

/* See flight.h. */
size_t flight_oldest_span(const struct flight_ring *f, size_t max_records, const void **data,
			  size_t *bytes)
{
	size_t start, off, k = 0;
	uint32_t n;

	if (!f->count)
		return 0;
	start = off = skip_wrap(f, f->head);
	while (k < f->count && k < max_records) {
		memcpy(&n, f->buf + off, sizeof(n));
		off += entry_size(n);
		k++;
		if (k < f->count && skip_wrap(f, off) != off)
			break; /* the next record starts over at offset 0 */
	}
	*data = f->buf + start;
	*bytes = off - start;
	return k;
}

/* See flight.h. */
size_t flight_used_bytes(const struct flight_ring *f)
{
	if (!f->count)
		return 0;
	return f->tail > f->head ? f->tail - f->head : f->size - f->head + f->tail;
}

/* See flight.h. */
struct flight_ring *flight_copy(const struct flight_ring *f)
{
	struct flight_ring *c = flight_new(f->size);

	if (!c)
		return NULL;
	memcpy(c->buf, f->buf, f->size);
	c->head = f->head;
	c->tail = f->tail;
	c->count = f->count;
	c->pushed = f->pushed;
	c->evicted = f->evicted;
	return c;
}

/* See flight.h. */
void flight_iter_begin(const struct flight_ring *f, struct flight_iter *it)
{
	it->off = f->head;
	it->left = f->count;
}

/* See flight.h. */
int flight_iter_next(const struct flight_ring *f, struct flight_iter *it, const void **data,
		     uint32_t *n)
{
	if (!it->left)
		return 0;
	it->off = skip_wrap(f, it->off);
	memcpy(n, f->buf + it->off, sizeof(*n));
	*data = f->buf + it->off + sizeof(*n);
	it->off += entry_size(*n);
	it->left--;
	return 1;
}
