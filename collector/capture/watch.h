/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --flight MB --watch`: the records of a flight recording checked
 * as they arrive, by check's own code (replay.h's replay_stream), and the
 * flight window written out when a finding appears.
 *
 * The thread that takes the records (the BPF ring's poller) hands each
 * one to the watcher's queue (watch_feed) after the flight ring; the
 * watcher checks them on a thread of its own, at nice 10, so that it
 * never holds the poller up: when its queue is full it skips records,
 * counts them, says so once per episode, and checks the hole as a gap
 * (the state it covers is unknown: no false alarm). The flight ring
 * keeps every record meanwhile, so the dumps are whole.
 *
 * What check learns from a whole file first, a live stream cannot: the
 * watcher learns it from a prefix (the first --watch-learn seconds, and
 * at least one flush, within a quarter of the flight memory): the GIC,
 * LRs, vCPUs, kinds and INTIDs, and the guest's configuration from the
 * prefix's flushes; then checks the prefix and everything after. An
 * interrupt a later flush shows first is configured then and its vCPU
 * is unknown until a flush matches again (model_learn_late()). Findings
 * that only the end of a trace makes (an interrupt still stuck active at
 * the end) come when the recording stops, and the last window (OUTPUT)
 * holds them.
 *
 * A finding of error severity opens a dump, written --watch-after
 * seconds later (by the records' clock, or the wall clock when no record
 * comes) to DIR/vgic-watch-HOST-TIME-KIND.db; the policy (rate, disk) is
 * watch_policy.h's. One line per finding goes to stderr (and syslog with
 * --syslog).
 */
#ifndef VR_WATCH_H
#define VR_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "../../common/vr_common.h"
#include "../../replay/replay.h"
#include "metrics.h"

/*
 * Who else sees the checks as they go (`top`'s live view), called on the
 * watcher's thread; each member optional: every item checked, in stream
 * order (the learning prefix's too, when they are checked), and the
 * accounting and findings of the profile reported.
 */
struct watch_observer {
	void (*item)(const struct trace_item *it, void *arg);
	replay_tally_fn tally;
	replay_finding_fn finding;
	void *arg;
};

struct watch_config {
	const char *dir;	/* where the dumps go; NULL: no dumps (top) */
	double after_s;		/* a dump waits this long after its first finding */
	double interval_s;	/* at least this long between dumps */
	int64_t max_disk_bytes; /* the dumps' total size on disk */
	double learn_s;		/* the learning prefix, in seconds of records */
	size_t queue_bytes;	/* the watcher's queue */
	size_t prefix_bytes;	/* the learning prefix's memory */
	int pace;		/* a file input: the feeder waits for room instead of skipping */
	int use_syslog;		/* each finding's line to syslog too */
	int quiet;		/* no lines on stderr (top's screen owns the terminal) */
	const struct watch_observer *observer; /* or NULL */
	const char *host, *kernel_release; /* the records' host and kernel (the profile) */
	int gic;			    /* the host GIC (2 or 3) */
	uint64_t kinds; /* record_stats.kinds_recordable: present from the start, 0 unknown */
};

struct watch;

/* Start the watcher's thread; NULL with err set. */
struct watch *watch_start(const struct watch_config *cfg, struct vr_error *err);

/* One record, on the thread that takes them (after the flight ring has it). */
void watch_feed(struct watch *w, const void *data, size_t size);

/*
 * On the same thread, between polls: the path (malloc'ed) of a dump to
 * write now, or NULL. wall_ns: now, for a dump whose records stopped
 * coming.
 */
char *watch_take_dump(struct watch *w, uint64_t wall_ns);

/* The dump at path was written (ok) or not: its size counted, removed when over budget. */
void watch_dump_written(struct watch *w, const char *path, int ok);

/*
 * The recording stops: the watcher checks what its queue holds and ends
 * the stream (the end-of-trace checks); a dump still due is due now
 * (watch_take_dump() gives it, until none is left).
 */
void watch_stop(struct watch *w);

/* The watcher's counters into m (m->watching set). */
void watch_fill_metrics(struct watch *w, struct vr_metrics *m);

/* --prog-stats: the watcher's cost and bounds, a few lines on stderr. */
void watch_print_stats(struct watch *w);

/*
 * The profile whose findings are reported into buf ("" while the watcher
 * still learns the run), and the records skipped so far.
 */
int64_t watch_progress(struct watch *w, char *buf, size_t n);

/* Findings of error severity so far (for the closing line). */
int64_t watch_findings(struct watch *w);

/* Stop (if not yet) and free; NULL allowed. */
void watch_free(struct watch *w);

#endif
