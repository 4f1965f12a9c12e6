/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two captures of one run on one time axis: an imported ftrace or
 * trace-cmd capture, already moved onto a recording's clock by the
 * measured clock offset (`import --align`), is moved further by what the
 * events both captures have say is left (collector/import/importer.c).
 *
 * Why anything is left: the two capture the same tracepoint hit at
 * different moments. Each tracepoint calls its probes in turn, the BPF
 * program before or after ftrace's, and each takes its own time stamp;
 * under TCG a program runs several microseconds. So the recording's
 * time and ftrace's time of one event differ by that, beside the clock
 * offset, which is measured to a few microseconds there.
 */
#ifndef VR_TRACE_ALIGN_H
#define VR_TRACE_ALIGN_H

#include <stdint.h>

#include "tracedb.h"

/* What the matching found. */
struct trace_alignment {
	int64_t matched;  /* events of the capture matched with one of the recording */
	int64_t shift_ns; /* the median of (capture time - recording time): what was subtracted */
	int64_t p10_ns, p90_ns; /* the spread of the differences, before the shift */
};

/*
 * Match each event of db of a kind both captures have (kvm_entry,
 * kvm_exit, vgic_update_irq_pending, kvm_set_irq, kvm_userspace_exit)
 * with the recording's (the trace at rec_path, attached, only read) nearest
 * event of the same kind, CPU and thread within window_ns, and subtract
 * the median difference from every time in db (events, gaps, vcpus,
 * trace_info), and append what was done to trace_info.clock, in one
 * transaction. Fewer than 100 matches: nothing is
 * moved (a->matched says how many). 0, or -1 with err set.
 */
int trace_align_by_events(struct tracedb *db, const char *rec_path, int64_t window_ns,
			  struct trace_alignment *a, struct vr_error *err);

#endif
