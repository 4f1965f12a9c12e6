/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording/tracefs clock offset (common/vr_clock.h,
 * collector/capture/clock_offset.h) without tracefs. Checked: the
 * trace_info.clock text round-trips, a text without offsets is refused;
 * the offset is interpolated between the start and stop measurements and
 * extrapolated past them; the estimator, fed samples of a known offset
 * whose marker times fall anywhere inside their write and are printed to
 * the microsecond, lands within its stated error of the truth, and that
 * error is below a microsecond (256 writes of 20-40 us each); a clock
 * step between samples falls back to the tightest one.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../collector/capture/clock_offset.h"
#include "../../common/vr_clock.h"
#include "vr_test.h"

/* The text form: written after the backend's clock, read back the same. */
static void test_text(void)
{
	struct vr_clock_offsets c = {.tracefs_clock = "local", .n = 2}, back;
	char text[512] = "CLOCK_MONOTONIC (bpf_ktime_get_ns)";

	c.offset_ns[0] = -525127301;
	c.err_ns[0] = 420;
	c.at_ns[0] = 34000000000;
	c.offset_ns[1] = -525125280;
	c.err_ns[1] = 380;
	c.at_ns[1] = 44000000000;
	CHECK_EQ(vr_clock_append(text, sizeof(text), &c), 0);
	CHECK_STR_CONTAINS(text, "CLOCK_MONOTONIC (bpf_ktime_get_ns); tracefs trace_clock local: "
				 "offset_ns -525127301+-420@34000000000 -525125280+-380@44000000000");
	CHECK_EQ(vr_clock_parse(text, &back), 0);
	CHECK_EQ(back.n, 2);
	CHECK(!strcmp(back.tracefs_clock, "local"));
	CHECK_EQ(back.offset_ns[1], -525125280);
	CHECK_EQ(back.err_ns[0], 420);
	CHECK_EQ(back.at_ns[1], 44000000000);
	CHECK_EQ(vr_clock_parse("CLOCK_MONOTONIC (bpf_ktime_get_ns)", &back), -1);
	CHECK_EQ(vr_clock_parse("x; tracefs trace_clock local: offset_ns", &back), -1);
	CHECK_EQ(vr_clock_parse(NULL, &back), -1);
	text[30] = '\0';
	CHECK_EQ(vr_clock_append(text, 40, &c), -1); /* too small: refused, not cut */
	CHECK_EQ(vr_clock_append(text, 20, &c), -1); /* already longer than size */
}

/* Interpolation: 2 us of drift over 10 s, halfway is 1 us; before the start it extrapolates. */
static void test_interpolation(void)
{
	struct vr_clock_offsets c = {.tracefs_clock = "local", .n = 2};

	c.offset_ns[0] = 157658000;
	c.at_ns[0] = 34000000000;
	c.offset_ns[1] = 157660000;
	c.at_ns[1] = 44000000000;
	CHECK_EQ(vr_clock_offset_at(&c, 34000000000 + 157658000), 157658000);
	CHECK_EQ(vr_clock_offset_at(&c, 39000000000 + 157659000), 157659000);
	CHECK_EQ(vr_clock_offset_at(&c, 44000000000 + 157660000), 157660000);
	CHECK_EQ(vr_clock_offset_at(&c, 29000000000 + 157657000), 157657000);
	c.n = 1; /* a recording killed before its stop: the start's offset */
	CHECK_EQ(vr_clock_offset_at(&c, 44000000000), 157658000);
	c.n = 0;
	CHECK_EQ(vr_clock_offset_at(&c, 44000000000), 0);
}

/* Samples of a true offset: each write 20-40 us, its marker anywhere inside, printed in us. */
static void make_samples(struct clock_sample *s, int n, int64_t truth, unsigned seed)
{
	int64_t t = 5000000000;
	int i;

	srand(seed);
	for (i = 0; i < n; i++) {
		int64_t width = 20000 + rand() % 20000, inside = rand() % (width + 1), m;

		t += 100000 + rand() % 7919;
		s[i].t0 = t;
		s[i].t1 = t + width;
		m = t + inside + truth;
		s[i].m = (m + 500) / 1000 * 1000; /* ns2usecs rounds */
		s[i].seen = 1;
	}
}

/* The estimator: within its error of the truth, and the error below a microsecond. */
static void test_estimate(void)
{
	struct clock_sample s[256];
	int64_t off, err, truth = -525127301;
	unsigned seed;

	for (seed = 1; seed <= 20; seed++) {
		make_samples(s, 256, truth, seed);
		CHECK_EQ(clock_offset_estimate(s, 256, &off, &err), 0);
		CHECK(llabs(off - truth) <= err);
		CHECK(err < 1000); /* 256 writes of 20-40 us: below a microsecond */
		if (getenv("VR_TEST_VERBOSE"))
			fprintf(stderr, "seed %u: off-truth %lld err %lld\n", seed,
				(long long)(off - truth), (long long)err);
	}
	/* A clock step halfway: the bounds do not meet, the tightest sample is used. */
	make_samples(s, 256, truth, 7);
	for (seed = 128; seed < 256; seed++)
		s[seed].m += 50000000;
	CHECK_EQ(clock_offset_estimate(s, 256, &off, &err), 0);
	CHECK(err <= 20500);
	memset(s, 0, sizeof(s));
	CHECK_EQ(clock_offset_estimate(s, 256, &off, &err), -1);
}

/* Run the checks. */
int main(void)
{
	test_text();
	test_interpolation();
	test_estimate();
	return vr_test_report("test_clock");
}
