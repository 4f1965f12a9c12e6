/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top`: a live view of the vGIC per VM and vCPU, as kvm_stat
 * and `perf kvm stat live` show KVM's: interactive (curses) or batch
 * (plain text, one table per interval, for logs). The model is
 * ui/top_model.h; where the records come from is a struct top_input: a
 * stored trace replayed interval by interval (ui/top_trace.c) or the
 * collector's BPF probes (ui/top_live.c, or a trace played as them:
 * ui/top_from_trace.c), through the same model.
 */
#ifndef VR_UI_TOP_H
#define VR_UI_TOP_H

#include <stdio.h>

#include "../collector/capture/watch.h"
#include "top_model.h"

struct top_options {
	double delay;	    /* seconds per interval */
	int64_t iterations; /* intervals to show, 0: until the input ends or q */
	int batch;	    /* plain text on stdout, no keys */
	int counts;	    /* counts per interval instead of rates per second */
	int no_color;
	int sort, reverse;  /* the column sorted on (top_columns), and its direction */
	const char *title;  /* what is shown: the trace as named, or "live" */
};

/* Where top's records come from. */
struct top_input {
	/*
	 * Give the model what lies before end_ns (a stored trace: in trace
	 * time, at once; live: what arrives until then, from a thread of the
	 * input's own). 1: more may come; 0: the input ended; -1 with err.
	 */
	int (*feed)(void *self, struct top_model *m, int64_t end_ns, struct vr_error *err);
	/* Hold (on) or release the model while an interval is closed (live), or NULL. */
	void (*hold)(void *self, int on);
	int64_t start_ns;     /* where the first interval begins */
	int live;	      /* intervals are wall-clock time (vr_now_ns) */
	const char *profile;  /* whose findings are counted ("" none: the driver is not wired) */
	const char *note;     /* a line the header carries (what the input cannot count), or NULL */
	top_vm_fn vm_of;      /* the VM of a thread */
	void *vm_arg;
	void *self;
};

/* Show the input until it ends, q, or o->iterations; the exit status. */
int top_run(struct top_input *in, const struct top_options *o);

/*
 * A stored trace as top's input (ui/top_trace.c): replayed first as check
 * replays it (profile NULL: the kernel's own, or the one a diagnosis
 * matches), its accounting and findings kept with their times, then read
 * an interval at a time with them. NULL with err set.
 */
struct top_trace *top_trace_open(const char *path, const char *profile, struct top_input *in,
				 struct vr_error *err);
void top_trace_close(struct top_trace *tt);

/*
 * A source of the collector's records, checked as they arrive into the
 * model (ui/top_stream.c): the live inputs' half that is not BPF. The
 * stream's thread calls poll until it returns 0 (the records ended) or
 * -1 (err), or the view is done; poll hands each record to watch_feed()
 * and returns soon (within about 50 ms) when none comes. The watcher
 * (collector/capture/watch.h: `record --watch`'s checks, check's code)
 * learns the run from its first records, then gives the model every item,
 * the accounting and the findings of the profile it reports. The view
 * holds the model while it closes an interval.
 */
struct top_records {
	int (*poll)(void *arg, struct watch *w, struct vr_error *err);
	/* What the input says of its losses, for the header (NULL: nothing). */
	void (*note)(void *arg, char *buf, size_t n);
	void *arg;
	int gic;		    /* the records' GIC (2 or 3) */
	const char *kernel_release; /* whose profile is reported first */
	int pace; /* a file: poll waits for room in the watcher's queue (no skips) */
	uint64_t kinds; /* the kinds the records can hold (record_stats.kinds_recordable) */
};

/* The stream, its watcher started; NULL with err set. */
struct top_stream *top_stream_new(const struct top_records *rec, struct vr_error *err);
void top_stream_input(struct top_stream *ts, struct top_input *in);
/* The view is done: the thread stops polling, the checks end; then freed. */
void top_stream_free(struct top_stream *ts);

/* Options of a live view: which VMM and vCPU, and the host GIC (0: detect). */
struct top_live_options {
	int pid;	 /* 0: every VMM */
	int vcpu;	 /* -1: every vCPU */
	int gic_version; /* 0: from /proc/interrupts */
	int verbose;
};

/*
 * The collector's BPF probes as top's input (ui/top_live.c): attached as
 * `record` attaches them, their records checked as they arrive
 * (top_stream). NULL with err set.
 */
struct top_live *top_live_open(const struct top_live_options *lo, struct top_input *in,
			       struct vr_error *err);
void top_live_close(struct top_live *tl);

/*
 * A stored trace played as the live input (ui/top_from_trace.c, `top
 * --from-trace`): its items encoded back into the collector's records
 * (rec_encode.h) and checked through the live path above, as fast as the
 * watcher takes them, to test and rehearse the live view without a
 * kernel. NULL with err set.
 */
struct top_played *top_played_open(const char *path, struct top_input *in, struct vr_error *err);
void top_played_close(struct top_played *tp);

/* Print the key table as a Markdown table (docs/top.md carries its output). */
void top_print_keys(FILE *f);

#endif
