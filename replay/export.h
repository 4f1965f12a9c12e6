/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exporting a checked trace for other viewers: Chrome's trace-event JSON,
 * which Perfetto's UI (ui.perfetto.dev) and chrome://tracing open, or a
 * self-contained HTML page (export_html.h).
 *
 * The export is what check sees, laid out in time: one track per vCPU
 * (in the guest, in the host, blocked in WFI), one track per interrupt on
 * each vCPU it reached (its list-register state: pending, active, both),
 * the LRs in use as a counter, injections as instants, and each finding
 * as an instant with flow arrows from the events that prove it.
 */
#ifndef VR_EXPORT_H
#define VR_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "../common/vr_common.h"

struct tracedb;

/* The formats. */
enum export_format {
	EXPORT_PERFETTO, /* Chrome trace-event JSON */
	EXPORT_HTML,	 /* one self-contained page (export_html.h) */
};

/* What to export: a format, a profile and check's filters (VR_NO_VALUE: none). */
struct export_options {
	enum export_format format;
	const char *profile; /* NULL: the one check picks */
	int64_t vcpu, intid;
	int64_t from_ns, to_ns;
	const char *trace_name; /* for the metadata */
};

/* What an export wrote, for the summary line. */
struct export_result {
	int64_t events_written; /* trace-event records */
	int64_t slices, findings, flows;
	char profile[64];
};

/*
 * Replay db under o's profile (as check does, nothing stored) and write
 * it to out in o's format. 0, or -1 with err set.
 */
int export_trace(struct tracedb *db, const struct export_options *o, FILE *out,
		 struct export_result *res, struct vr_error *err);

#endif
