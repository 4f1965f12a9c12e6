/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF programs' recursion misses, turned into gaps. The kernel does
 * not run a tracing program re-entered on the CPU it is already running
 * on (a hardirq's tracepoint inside the same program's task-context run):
 * it counts the event in the program's recursion_misses (struct
 * bpf_prog_info, 5.12+) and the event is lost. The recorder reads the
 * counters at every poll and at the end; any rise becomes a gap over the
 * interval since the previous read, on no known CPU, placed before the
 * records taken after that read. Kept apart from libbpf so that a test
 * can feed it counters.
 */
#ifndef VR_PROG_MISSES_H
#define VR_PROG_MISSES_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define MISS_MAX_PROGS 48

/* One program's counters as last read. */
struct prog_counter {
	const char *name;
	int fd;
	uint64_t misses;  /* recursion_misses */
	uint64_t run_cnt; /* with --prog-stats only; 0 otherwise */
	int nested_twin;  /* runs only inside another program's run: its misses lose nothing */
	int backed;	  /* a nested twin records what this one misses (caught) */
	uint64_t first;	  /* misses when the recording began */
};

/* Every attached program's counters, and what became gaps. */
struct miss_account {
	int n;
	struct prog_counter prog[MISS_MAX_PROGS];
	uint64_t caught;  /* events the nested twins recorded for a program that missed them */
	int64_t base;	  /* what miss_account_lost() said when the recording began */
	int64_t lost;	  /* misses since then, already turned into gaps */
	uint64_t last_ns; /* the last read */
};

/*
 * Begin counting at now_ns, from the counters just read (a->prog[],
 * a->caught): what the programs missed before the recording began
 * (filtered out anyway) is not counted.
 */
void miss_account_init(struct miss_account *a, uint64_t now_ns);

/*
 * Events lost so far: the misses of every program but the nested twins,
 * less what the twins caught for the programs they back.
 */
int64_t miss_account_lost(const struct miss_account *a);

/*
 * The counters were read again at now_ns (a->prog[].misses and a->caught
 * updated by the caller, the misses before caught): if more events were
 * lost since the last read, fill *gap for them (CPU unknown, the window
 * since that read) and return 1; else 0.
 */
int miss_account_update(struct miss_account *a, uint64_t now_ns, struct gap_rec *gap);

/*
 * Name, on out, each program whose misses rose since the recording began,
 * with what became of them: one line each, nothing when none did.
 */
void miss_account_report(const struct miss_account *a, FILE *out);

#endif
