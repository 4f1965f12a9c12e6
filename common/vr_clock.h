/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The offset between a live recording's clock and the tracefs clock of the
 * same host, so that an ftrace or trace-cmd capture of the same run can be
 * laid on the recording's time axis (`import --align RECORDING`).
 *
 * The recorder measures it at the start and at the stop of a recording
 * (collector/capture/clock_offset.c) and appends it to trace_info.clock in
 * this form, which docs/trace-format.md documents:
 *
 *   ...; tracefs trace_clock NAME: offset_ns O+-E@AT [O+-E@AT]
 *
 * where tracefs time = recording time + O (nanoseconds), known to within
 * E, measured when the recording clock read AT. Between two measurements
 * the offset is interpolated linearly (the clocks drift a few microseconds
 * in ten seconds); outside them it is extrapolated from the nearest two.
 */
#ifndef VR_CLOCK_H
#define VR_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define VR_CLOCK_POINTS 2

/* What a recording knows of the tracefs clock against its own. */
struct vr_clock_offsets {
	char tracefs_clock[32]; /* trace_clock's selected name, e.g. "local", "mono" */
	int n;			/* measurements held: 0 (none), 1 (start) or 2 (start, stop) */
	int64_t offset_ns[VR_CLOCK_POINTS]; /* tracefs time - recording time */
	int64_t err_ns[VR_CLOCK_POINTS];    /* how far the true offset may be from it */
	int64_t at_ns[VR_CLOCK_POINTS];	    /* the recording time it was measured at */
};

/* Append "; tracefs trace_clock NAME: offset_ns ..." to buf (its string so far); 0 or -1 if too small. */
int vr_clock_append(char *buf, size_t size, const struct vr_clock_offsets *c);

/* Read the offsets back from a trace_info.clock text; 0, or -1 if it has none. */
int vr_clock_parse(const char *text, struct vr_clock_offsets *c);

/* The offset (tracefs - recording) that holds at tracefs time ts_ns, interpolated. */
int64_t vr_clock_offset_at(const struct vr_clock_offsets *c, int64_t ts_ns);

#endif
