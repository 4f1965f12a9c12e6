/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When `record --watch` writes a dump (watch.h): the policy alone, with
 * the times passed in, so that it is tested without a recording.
 *
 * A finding that deserves a dump opens one, due `after` ns later (the
 * flight window then holds that much of what followed); the findings made
 * until it is written join it (a burst makes one dump). Dumps are at
 * least `interval` ns apart: a finding sooner is logged and counted, not
 * dumped. The dumps' total size on disk (this run's and those an earlier
 * run left in the directory) stays within `max_bytes`: a dump is not
 * begun when the largest one so far would not fit, and one written that
 * does not fit is removed.
 */
#ifndef VR_WATCH_POLICY_H
#define VR_WATCH_POLICY_H

#include <stdint.h>

/* What became of a finding. */
enum watch_verdict {
	WATCH_DUMP_OPENED,  /* a dump is now due at watch_policy.due_ns */
	WATCH_DUMP_JOINED,  /* it joins the dump already due */
	WATCH_RATE_LIMITED, /* the last dump was less than interval ago */
	WATCH_DISK_FULL,    /* the dumps already use the disk budget */
};

struct watch_policy {
	int64_t after_ns, interval_ns, max_bytes;
	int64_t used_bytes;   /* the dumps on disk */
	int64_t largest;      /* the largest dump written, the estimate of the next */
	int pending;	      /* a dump is due */
	int64_t due_ns;	      /* ... at this time (the records' clock) */
	int64_t opened_ns;    /* the first finding of the pending dump */
	int pending_findings; /* findings the pending dump holds */
	int64_t last_dump_ns; /* when the last dump was taken, INT64_MIN none */
	int64_t dumps, findings_dumped, rate_limited, disk_full, removed;
};

/* A policy: after, interval in ns, max_bytes; used_bytes already on disk. */
void watch_policy_init(struct watch_policy *p, int64_t after_ns, int64_t interval_ns,
		       int64_t max_bytes, int64_t used_bytes);

/* A finding at ts_ns that deserves a dump. */
enum watch_verdict watch_policy_finding(struct watch_policy *p, int64_t ts_ns);

/* Is the pending dump due at now_ns? */
int watch_policy_due(const struct watch_policy *p, int64_t now_ns);

/*
 * Take the pending dump at now_ns (due, or the recording stops): 1 when it
 * is to be written, 0 when the disk budget cannot hold it (counted).
 */
int watch_policy_take(struct watch_policy *p, int64_t now_ns);

/* A dump of `bytes` was written: 1 to keep it, 0 when it must be removed (over budget). */
int watch_policy_written(struct watch_policy *p, int64_t bytes);

const char *watch_verdict_name(enum watch_verdict v);

#endif
