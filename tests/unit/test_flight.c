/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder's ring against a naive model: the same stream of
 * variable-sized records goes into the ring and into a plain array; the
 * ring must hold exactly the newest records that fit, oldest first, byte
 * for byte, with every eviction counted. Sizes come from a fixed-seed
 * generator and cover the record types of the collector (64 to ~300
 * bytes) plus odd lengths that exercise padding and the wrap marker.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../collector/flight.h"
#include "vr_test.h"

#define NREC 20000

static uint32_t sizes[NREC];

/* A small deterministic generator (xorshift32). */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Fill a record with bytes that name its index, so a mix-up shows. */
static void fill(unsigned char *p, uint32_t n, int idx)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(idx * 31 + i);
}

/* After pushing records 0..last, the ring holds a suffix of them, intact. */
static void check_suffix(const struct flight_ring *f, int last)
{
	struct flight_iter it;
	const void *data;
	unsigned char want[512];
	uint32_t n;
	int first = last + 1 - (int)f->count, i = first, ok = 1;

	CHECK_EQ(f->pushed, last + 1);
	CHECK_EQ(f->evicted, first);
	flight_iter_begin(f, &it);
	while (flight_iter_next(f, &it, &data, &n)) {
		fill(want, sizes[i], i);
		if (n != sizes[i] || memcmp(data, want, n))
			ok = 0;
		i++;
	}
	CHECK(ok);
	CHECK_EQ(i, last + 1);
}

/* One stream into a ring of the given size, checked after every push. */
static void run_stream(size_t ring_bytes, uint32_t seed)
{
	struct flight_ring *f = flight_new(ring_bytes), *copy;
	unsigned char rec[512];
	size_t held, bytes;
	int i;

	CHECK(f != NULL);
	for (i = 0; i < NREC; i++) {
		uint32_t r = next_rand(&seed);

		sizes[i] = r % 4 == 0 ? 1 + r % 301 : (r % 4 == 1 ? 64 : 24 + 8 * (r % 34));
		fill(rec, sizes[i], i);
		CHECK_EQ(flight_push(f, rec, sizes[i]), 0);
		if (i % 97 == 0 || i == NREC - 1)
			check_suffix(f, i);
	}
	/* Full use: what is held plus one more record would not fit. */
	for (held = 0, bytes = 0, i = NREC - (int)f->count; i < NREC; i++, held++)
		bytes += (4 + sizes[i] + 7) & ~7u;
	CHECK(bytes <= f->size);
	CHECK(bytes + 320 + 320 > f->size / 2);
	copy = flight_copy(f);
	CHECK(copy != NULL);
	if (copy)
		check_suffix(copy, NREC - 1);
	flight_free(copy);
	flight_free(f);
	(void)held;
}

/* Records too large for the ring are refused, and the ring is unchanged. */
static void test_oversize(void)
{
	struct flight_ring *f = flight_new(4096);
	unsigned char big[2048] = {0};

	CHECK_EQ(flight_push(f, big, 2000), -1);
	CHECK_EQ(f->count, 0);
	CHECK_EQ(flight_push(f, big, 100), 0);
	CHECK_EQ(f->count, 1);
	flight_free(f);
}

/* Run every test. */
int main(void)
{
	run_stream(4096, 1);
	run_stream(10000, 7);
	run_stream(1 << 20, 12345);
	test_oversize();
	return vr_test_report("test_flight");
}
