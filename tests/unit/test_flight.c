/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder's ring against a naive model: the same stream of
 * variable-sized records goes into the ring and into a plain array; the
 * ring must hold exactly the newest records that fit, oldest first, byte
 * for byte, with every eviction counted. Sizes come from a fixed-seed
 * generator and cover the record types of the collector (64 to ~300
 * bytes) plus odd lengths that exercise padding and the wrap marker.
 * And a window written from the ring (a SIGUSR1 or --watch dump on its
 * thread, and the last window) carries the recording's tracefs clock
 * offsets in its trace_info.clock, as a whole recording does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../collector/capture/backends.h"
#include "../../collector/capture/flight.h"
#include "../../collector/capture/flight_window.h"
#include "../../collector/capture/store.h"
#include "../../common/vr_clock.h"
#include "../../schemas/trace_listing.h"
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

/*
 * FIFO use (the recorder's queue): appends refused only when the live
 * records leave no room, never evicting; releases in bursts as a reader
 * would; what the cursor shows is always exactly the records appended
 * and not yet released, in order, byte for byte.
 */
static void test_fifo(size_t ring_bytes, uint32_t seed)
{
	struct flight_ring *f = flight_new(ring_bytes);
	unsigned char rec[512], want[512];
	int appended = 0, released = 0, refused = 0, step, ok = 1;

	CHECK(f != NULL);
	for (step = 0; step < 4 * NREC && appended < NREC; step++) {
		uint32_t r = next_rand(&seed);

		if (r % 5) { /* appends outpace releases: the queue fills up */
			sizes[appended] = 1 + r % 300;
			fill(rec, sizes[appended], appended);
			if (flight_append(f, rec, sizes[appended]) == 0) {
				appended++;
			} else {
				/*
				 * Refused only when full: the free bytes, in at most two
				 * pieces (end and start), have no piece this large.
				 */
				size_t need = (4 + sizes[appended] + 7) & ~7u;

				if (flight_used_bytes(f) + 2 * need <= f->size)
					ok = 0;
				refused++;
			}
		} else {
			struct flight_iter it;
			const void *data;
			uint32_t n;
			size_t take = r % 7, i = (size_t)released;

			if (r % 2) {
				/* As the recorder's writer reads: one piece, as stored. */
				const unsigned char *p;
				size_t bytes = 0, k = flight_oldest_span(f, take, &data, &bytes), j;

				for (p = data, j = 0; j < k; j++, i++) {
					memcpy(&n, p, 4);
					fill(want, sizes[i], (int)i);
					if (n != sizes[i] || memcmp(p + 4, want, n))
						ok = 0;
					p += (4 + n + 7) & ~7u;
				}
				if ((size_t)(p - (const unsigned char *)data) != bytes ||
				    (f->count && !k && take))
					ok = 0;
			} else {
				flight_iter_begin(f, &it);
				while (take && flight_iter_next(f, &it, &data, &n)) {
					fill(want, sizes[i], (int)i);
					if (n != sizes[i] || memcmp(data, want, n))
						ok = 0;
					i++;
					take--;
				}
			}
			flight_release(f, i - (size_t)released);
			released = (int)i;
		}
		if ((int)f->count != appended - released)
			ok = 0;
	}
	CHECK(ok);
	CHECK(refused > 0);
	CHECK_EQ(f->evicted, 0);
	CHECK(appended > 1000);
	flight_release(f, f->count);
	CHECK_EQ(flight_used_bytes(f), 0);
	flight_free(f);
}

/* Run every test. */
/* TRACE_LIST_INFO row: keep its clock (column 9). */
static void take_clock(const char *const *cols, int ncols, void *arg)
{
	if (ncols > 9 && cols[9])
		snprintf(arg, 512, "%s", cols[9]);
}

/* The tracefs clock offsets a trace's trace_info.clock holds; 0, or -1 if none. */
static int read_clock(const char *path, struct vr_clock_offsets *c)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path, TRACEDB_READONLY, &err);
	char clock[512] = "";

	CHECK(db != NULL);
	if (!db)
		return -1;
	CHECK(trace_listing_run(db, TRACE_LIST_INFO, take_clock, clock, &err) >= 0);
	tracedb_close(db);
	return vr_clock_parse(clock, c);
}

/* A few event records of one vCPU thread, as the BPF programs fill them. */
static void push_events(struct flight_ring *f)
{
	struct vgic_rec_event e;

	for (int i = 0; i < 4; i++) {
		memset(&e, 0, sizeof(e));
		e.h.type = VGIC_REC_EVENT;
		e.h.kind = i % 2 ? VR_EV_EXIT : VR_EV_ENTRY;
		e.h.cpu = 1;
		e.h.pid = 4242;
		e.h.tgid = 4200;
		e.h.vcpu = 0;
		e.h.ts = 1000000 + 1000 * (unsigned long long)i;
		e.intid = -1;
		e.arg[0] = e.arg[1] = e.arg[2] = e.arg[3] = -1;
		CHECK_EQ(flight_push(f, &e, sizeof(e)), 0);
	}
}

/* The offsets read back are those measured. */
static void check_same_clock(const struct vr_clock_offsets *a, const struct vr_clock_offsets *b)
{
	CHECK_EQ(b->n, a->n);
	CHECK(!strcmp(b->tracefs_clock, a->tracefs_clock));
	for (int i = 0; i < a->n && i < b->n; i++) {
		CHECK_EQ(b->offset_ns[i], a->offset_ns[i]);
		CHECK_EQ(b->err_ns[i], a->err_ns[i]);
		CHECK_EQ(b->at_ns[i], a->at_ns[i]);
	}
}

/*
 * A dump of the ring (on its thread, as SIGUSR1 and --watch write one)
 * and the last window both carry the clock offsets the recording
 * measured (record_run.clock): one at the start, then start and stop.
 */
static void test_dump_clock(void)
{
	char dir[] = "/tmp/vr-flight-XXXXXX", out[300], dump[320];
	struct record_options opt = {0};
	struct record_stats st = {0};
	struct record_run run = {0};
	struct vr_error err = {{0}};
	struct flight_dump d;
	struct vr_clock_offsets back;
	struct flight_ring *f = flight_new(65536);

	if (!mkdtemp(dir) || !f)
		return;
	snprintf(out, sizeof(out), "%s/last.db", dir);
	snprintf(dump, sizeof(dump), "%s/last-1.db", dir);
	opt.output = out;
	opt.command_line = "vgic-replay record --flight 1 -o last.db";
	run.opt = &opt;
	run.backend = &record_backend_bpf;
	run.st = &st;
	run.gic = 3;
	run.start_ns = 1;
	snprintf(run.clock.tracefs_clock, sizeof(run.clock.tracefs_clock), "local");
	run.clock.n = 1;
	run.clock.offset_ns[0] = -525127301;
	run.clock.err_ns[0] = 420;
	run.clock.at_ns[0] = 900000;
	push_events(f);

	memset(&d, 0, sizeof(d));
	CHECK_EQ(flight_dump_start_to(&d, &run, f, vr_xstrdup(dump)), 0);
	flight_dump_reap(&d);
	CHECK_EQ(read_clock(dump, &back), 0);
	check_same_clock(&run.clock, &back);

	run.clock.n = 2; /* the stop's measurement */
	run.clock.offset_ns[1] = -525125280;
	run.clock.err_ns[1] = 380;
	run.clock.at_ns[1] = 2000000;
	CHECK_EQ(flight_dump_last(&run, f, &st, &err), 0);
	CHECK_EQ(read_clock(out, &back), 0);
	check_same_clock(&run.clock, &back);
	flight_free(f);
	unlink(out);
	unlink(dump);
	rmdir(dir);
}

int main(void)
{
	run_stream(4096, 1);
	run_stream(10000, 7);
	run_stream(1 << 20, 12345);
	test_oversize();
	test_fifo(4096, 3);
	test_fifo(65536, 99);
	test_dump_clock();
	return vr_test_report("test_flight");
}
