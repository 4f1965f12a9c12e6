/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure the offset between the tracefs clock (the top-level buffer's
 * trace_clock: what an ftrace or trace-cmd capture of the same host
 * counts) and CLOCK_MONOTONIC (what the BPF collector's bpf_ktime_get_ns
 * counts), for trace_info.clock (common/vr_clock.h).
 */
#ifndef VR_CLOCK_OFFSET_H
#define VR_CLOCK_OFFSET_H

#include "../../common/vr_clock.h"

/*
 * Add one measurement to c (its tracefs_clock set at the first): "mono"
 * is CLOCK_MONOTONIC itself (ktime_get_mono_fast_ns, as bpf_ktime_get_ns),
 * offset 0; any other clock is measured through trace_marker writes in a
 * tracefs instance of our own set to the same clock. 0, or -1 when
 * tracefs cannot tell (c unchanged).
 */
int clock_offset_measure(struct vr_clock_offsets *c);

/* One marker write: the CLOCK_MONOTONIC reads around it, and its tracefs time (us, as ns). */
struct clock_sample {
	int64_t t0, t1, m;
	int seen; /* its line was read back */
};

/*
 * The offset (tracefs - CLOCK_MONOTONIC) and how far the truth may be
 * from it, from n samples (see clock_offset.c); 0, or -1 if none was seen.
 */
int clock_offset_estimate(const struct clock_sample *s, int n, int64_t *offset, int64_t *err);

#endif
