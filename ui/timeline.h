/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUI's model of a trace, without curses: what each vCPU and each of
 * its interrupts did in each column of a time window.
 *
 * A window is a row of bins (screen columns, or the buckets of a summary
 * level). A scanner turns events in trace order into the vCPU lanes' spans
 * (running, in the host, in WFI) and points (flushes with their LR count,
 * the host CPU); the interrupt rows (pending, active, injections) are what
 * the replay driver's lifecycle tracker says, the one check counts with.
 * Once per trace the driver's pass fills the finest summary level of the
 * whole trace, whose buckets also keep each interrupt's transitions for
 * the narrow windows; coarser levels are sums of it. The summaries are
 * stored in the trace file when the trace is made (`import` calls
 * timeline_store_summaries) and otherwise at the first open that may write
 * to it (tables tui_summary_levels, tui_summary, tui_summary_irq; see
 * docs/trace-format.md), or, for a read-only file, kept in temporary
 * tables of the connection. The model reads the file only through
 * schemas/tui_store.h and the event stream of schemas/trace_reader.h.
 */
#ifndef VR_UI_TIMELINE_H
#define VR_UI_TIMELINE_H

#include <stdint.h>

#include "../common/vr_common.h"

struct tracedb;
struct tl_life;

enum tl_lane_state { TL_RUN, TL_HOST, TL_WFI, TL_NSTATES };
enum tl_irq_state { TL_PENDING, TL_ACTIVE, TL_NIRQSTATES };

/* What one vCPU did within one bin. */
struct tl_lane_bin {
	int64_t ns[TL_NSTATES]; /* time spent in each state, ns */
	int32_t events;		/* events of this vCPU */
	int32_t injections;	/* injections attributed to this vCPU */
	int32_t flushes;	/* vgic_flush snapshots */
	int32_t max_lrs;	/* most LRs in use at one of those flushes */
	int32_t host_cpu;	/* host CPU of the vCPU's last event, -1: none */
};

/* What one interrupt of one vCPU did within one bin. */
struct tl_irq_bin {
	int64_t ns[TL_NIRQSTATES]; /* time pending, time active, ns */
	int32_t injections;
};

/* One interrupt row: an INTID as one vCPU saw it. */
struct tl_irq_row {
	int vcpu;
	int64_t intid;
	int64_t weight; /* pending + active ns and injections over the window */
	struct tl_irq_bin *bins;
	struct tl_life *life; /* the summary build's record of its lifecycle; NULL otherwise */
};

/* A window of bins and what happened in each. */
struct tl_window {
	int64_t start, span; /* [start, start + span) */
	int64_t bucket_ns;   /* uniform bins of this width (summaries); 0: screen columns */
	int ncols, nvcpus;
	struct tl_lane_bin *lanes; /* nvcpus rows of ncols */
	struct tl_irq_row *irqs;
	int nirqs, irq_cap;
	int32_t *findings, *gaps; /* per bin: 1 where a finding is (0 else), gaps overlapping it */
	int64_t lost;		  /* events lost in gaps overlapping the window, -1: unknown count */
	int level;		  /* summary level it was read from, -1: raw events */
};

struct timeline;

/* Progress of the one-time summary build: done of total events scanned. */
typedef void (*tl_progress_fn)(int64_t done, int64_t total, void *arg);

/*
 * Open the model of a trace: its span and vCPUs, and the summaries,
 * building them (and storing them, when the file is writable) if they are
 * missing or were built from a different trace. progress may be NULL.
 */
struct timeline *timeline_open(struct tracedb *db, tl_progress_fn progress, void *arg,
			       struct vr_error *err);
void timeline_close(struct timeline *tl);

/*
 * Store the summaries in the trace file at path, unless it holds current
 * ones already: what a command that makes a trace (`import`) does once
 * the file is complete, so that the TUI's first open only reads them.
 * -1 with err set when the file cannot be opened for writing or the
 * summaries could not be stored in it.
 */
int timeline_store_summaries(const char *path, tl_progress_fn progress, void *arg,
			     struct vr_error *err);

/* First and last event time, number of vCPU lanes. */
int64_t timeline_first_ns(const struct timeline *tl);
int64_t timeline_last_ns(const struct timeline *tl);
int timeline_nvcpus(const struct timeline *tl);

/* Number of summary levels (at least 1: level 0 holds the interrupts' lifecycles). */
int timeline_levels(const struct timeline *tl);
/* Seconds the summary build took on this open; 0 when they were cached. */
double timeline_build_seconds(const struct timeline *tl);

/*
 * Fill w with ncols columns of [start, start + span): from the coarsest
 * summary level whose buckets are no wider than a column, or from the raw
 * events when a column is narrower than the finest level. Columns with
 * findings of run (0: none) are marked and gaps counted; intid >= 0 keeps only that
 * interrupt's rows and findings. The caller frees w with timeline_window_free.
 */
int timeline_window(struct timeline *tl, int64_t start, int64_t span, int ncols, int64_t run,
		    int64_t intid, struct tl_window *w);
void timeline_window_free(struct tl_window *w);

/*
 * a * b / c rounded down, for a, b >= 0 and c > 0, without overflowing
 * on the product: a time offset times a column count can exceed 64 bits
 * on a trace whose clock jumps, where it would give a negative column.
 */
int64_t timeline_muldiv(int64_t a, int64_t b, int64_t c);

#endif
