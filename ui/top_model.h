/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top`'s model, without curses: per VM and vCPU, what one
 * interval of the event stream held (injections and acknowledgements as
 * the replay's accounting counts them, guest exits, LR occupancy at the
 * flushes, exits with the LRs overflowed, exits with an EOIcount, trapped
 * DIRs) and the totals so far, the events lost, and the findings so far.
 *
 * Three inputs fill it, so that a stored trace and the live collector
 * differ only in who calls them: the event stream itself (a struct
 * trace_item of any struct trace_source), the replay's accounting
 * (replay_tally_fn) and its findings (replay_finding_fn). The columns are
 * one table (top_columns), which the screen, batch mode, the sort keys
 * and the help all read.
 */
#ifndef VR_UI_TOP_MODEL_H
#define VR_UI_TOP_MODEL_H

#include <stdint.h>

#include "../replay/replay.h"
#include "../schemas/trace_reader.h"

/* What is counted per row. */
enum top_counter {
	TOP_INJECTED,  /* the accounting's injections */
	TOP_ACKED,     /* the accounting's acknowledgements */
	TOP_EXITS,     /* kvm_exit */
	TOP_OVERFLOW,  /* exits whose LRs had overflowed: the flush set UIE */
	TOP_EOICOUNT,  /* exits whose HCR carried an EOIcount */
	TOP_DIRS,      /* trapped DIRs KVM handled (vgic_deactivate) */
	TOP_FLUSHES,   /* flushes with their LRs recorded (for the occupancy) */
	TOP_FINDINGS,  /* findings */
	TOP_NCOUNTERS
};

/* One VM's vCPU: this interval's counts and the totals so far. */
struct top_row {
	int64_t vm;   /* the VMM's pid (tgid), VR_NO_VALUE when unknown */
	int64_t vcpu; /* VR_NO_VALUE: SPI injections before an LR showed their vCPU */
	int64_t now[TOP_NCOUNTERS], total[TOP_NCOUNTERS];
	int64_t lrs_used_now; /* LRs in use, summed over this interval's flushes */
	int lrs_max_now;      /* the most in use at one of them */
	int nr_lrs;	      /* LRs the vCPU has, 0 unknown */
};

/* One closed interval, as shown: the rows sorted, the totals. */
struct top_interval {
	int64_t index;		/* 1, 2, ... */
	int64_t start_ns, end_ns; /* the interval [start, end) */
	int64_t events_now, events_total;
	int64_t lost_now, lost_total; /* events lost (the stream's gaps; -1: a gap of unknown size) */
	int64_t gaps_now, gaps_total;
	int64_t findings_by_kind[FINDING_KIND_MAX]; /* so far */
	int64_t findings_total;
	int no_replay; /* the input has no replay: accounting and findings not counted */
	int nrows;
	struct top_row *rows; /* sorted as asked */
};

/* A column of the table: the screen, batch output, sort keys and help come from it. */
struct top_column {
	const char *title;
	int key;     /* the sort key */
	int width;
	const char *help;
	int counter; /* enum top_counter shown as a rate or count, -1 for the others */
};

extern const struct top_column top_columns[];
extern const int top_ncolumns;

/* The column index of sort key `key`, -1 if none. */
int top_column_of_key(int key);

/* A VMM pid for a thread id (stored traces: their vcpus table; live: /proc), VR_NO_VALUE. */
typedef int64_t (*top_vm_fn)(void *arg, int32_t pid);

struct top_model;

struct top_model *top_model_new(top_vm_fn vm_of, void *vm_arg);
void top_model_free(struct top_model *m);

/* One item of the event stream. */
void top_model_item(struct top_model *m, const struct trace_item *it);

/* One count of the replay's accounting (a replay_tally_fn; arg is the model). */
void top_model_tally(enum replay_tally what, int64_t ts_ns, int64_t vcpu, uint32_t intid,
		     void *model);

/* One finding (a replay_finding_fn; arg is the model). */
void top_model_finding(const struct replay_finding *f, void *model);

/*
 * Close the interval [start_ns, end_ns): into out, the rows sorted by
 * column `sort` (descending, or ascending when reverse), then start the
 * next. free with top_interval_free.
 */
void top_model_close(struct top_model *m, int64_t start_ns, int64_t end_ns, int sort, int reverse,
		     struct top_interval *out);

/* Sort an interval's rows again (a sort key pressed). */
void top_interval_sort(struct top_interval *iv, int sort, int reverse);

void top_interval_free(struct top_interval *iv);

/*
 * A cell of the table as text: counters as a rate per second of the
 * interval, or (counts) the interval's count; the occupancy as the mean
 * LRs in use at the interval's flushes over the vCPU's LRs.
 */
void top_cell(const struct top_interval *iv, const struct top_row *r, int col, int counts,
	      char *buf, size_t n);

#endif
