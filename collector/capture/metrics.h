/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --metrics FILE`: the recording's counters, and with --watch the
 * watcher's, in the Prometheus text exposition format (version 0.0.4),
 * for node_exporter's textfile collector, the way a fleet already gathers
 * its hosts' metrics. The file is written whole to a temporary file in
 * the same directory and renamed over FILE, so a scrape never reads half
 * of it. Every sample carries the labels host, kernel (the release) and
 * profile (the vGIC profile the watcher replays, "" without --watch).
 * docs/guide-operators.md lists the metrics.
 */
#ifndef VR_METRICS_H
#define VR_METRICS_H

#include <stdint.h>

#include "../../common/vr_common.h"
#include "vgic.h"

#define METRICS_FINDING_KINDS 6 /* replay.h's FINDING_KIND_MAX, checked in watch.c */

struct vr_metrics {
	char host[128], kernel[128], profile[64];
	int64_t events;			   /* records taken from the ring buffer */
	int64_t drops_probe[PROBE_MAX];	   /* failed ring reservations, per probe */
	int64_t drops_recursion;	   /* events a program re-entered on a CPU missed */
	int64_t drops_user;		   /* records the recorder itself could not keep */
	int watching;			   /* --watch: the rest is filled in */
	int64_t watch_events;		   /* events the watcher checked */
	int64_t watch_skipped;		   /* records it skipped, behind */
	double watch_lag_seconds;	   /* how far behind the newest record it is */
	double watch_cpu_seconds;	   /* its thread's CPU time */
	int64_t flushes_checked, flushes_agreed, flushes_unknown;
	int64_t findings[METRICS_FINDING_KINDS];
	const char *finding_names[METRICS_FINDING_KINDS];
	int64_t dumps, dump_bytes, dumps_rate_limited, dumps_disk_full;
};

/* The probe's name in the drops metric's label (enum vgic_probe_id). */
const char *metrics_probe_name(int probe);

/* Write m to path atomically (temporary file, then rename): 0, or -1 with err naming path. */
int metrics_write(const char *path, const struct vr_metrics *m, struct vr_error *err);

#endif
