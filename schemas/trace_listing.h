/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Named listings of what a trace holds, for commands that print them
 * (`info`): each listing is one query kept here, handed to the caller row
 * by row as text, NULL where the file holds NULL. Formatting is the
 * caller's; which rows and columns, in which order, is the listing's.
 */
#ifndef VR_TRACE_LISTING_H
#define VR_TRACE_LISTING_H

#include "tracedb.h"

enum trace_listing {
	/*
	 * trace_info: source_file, source_format, capture_tool, kernel_release,
	 * kernel_release_source, gic_version, gic_version_source, nr_lrs,
	 * nr_lrs_source, clock, first_ts_ns, last_ts_ns, events_total,
	 * snapshots_total, events_unparsed, events_unknown, events_lost,
	 * gaps_total, input_records, format_version, created_by, host
	 */
	TRACE_LIST_INFO,
	TRACE_LIST_VCPUS,	  /* vm, vcpu, thread_id, source */
	TRACE_LIST_KINDS,	  /* kind name, events */
	TRACE_LIST_INTIDS,	  /* intid, events naming it, by INTID */
	TRACE_LIST_GAPS,	  /* cpu, lost ('?'), start in s ('start'), input position ('?'); first 20 */
	TRACE_LIST_UNKNOWN,	  /* event name, count; the 20 most frequent */
	TRACE_LIST_UNPARSED,	  /* input position, reason; the first 10 */
	TRACE_LIST_LAST_CHECK,	  /* the last stored check: run, profile, findings, profile_reason */
	TRACE_LIST_GAP_ROWS,	  /* cpu, lost, start_ts_ns, src_pos as stored (NULLs kept); first 20 */
	TRACE_LIST_COUNT	  /* not a listing: how many there are */
};

/* One row: ncols texts, NULL for SQL NULL. */
typedef void (*trace_listing_fn)(const char *const *cols, int ncols, void *arg);

/* Hand each row of a listing to fn; the number of rows, or -1 with err set. */
int trace_listing_run(struct tracedb *db, enum trace_listing which, trace_listing_fn fn, void *arg,
		      struct vr_error *err);

#endif
