/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording core: what the two recording backends share, and the
 * table of operations through which recorder.c runs either of them.
 *
 * Every recording goes through the same steps, whichever backend takes
 * the records:
 *
 *   preflight   can this host record this way? Nothing is touched yet.
 *   (core)      the host GIC (--gic or /proc/interrupts); the output
 *               claimed (an existing one is replaced only with --force).
 *   attach      the hooks set up; `record --check` ends here.
 *   open        where the records go, said in one line; the recording's
 *               clock (run->start_ns) starts when it returns.
 *   poll, tick  poll waits a little for records and takes them, tick does
 *               the periodic work; until Ctrl-C, --duration, or either
 *               says stop (--max-size, the end of a saved input, a write
 *               that failed).
 *   stop        drain what is left and store it.
 *   cleanup     undo whatever the steps did, also after an error.
 *
 * The backends (record_bpf.c, record_tracefs.c, declared in backends.h)
 * depend on this core; the core knows them only through struct
 * record_backend, and recorder.c holds the one array that lists them.
 */
#ifndef VR_RECORD_CORE_H
#define VR_RECORD_CORE_H

#include <stdint.h>

#include "../../common/vr_clock.h"
#include "record.h"

struct record_run;
struct trace_writer;
struct tracedb;

/* What poll and tick return: go on, stop as planned (err may say why), or fail (err set). */
enum record_step {
	RECORD_GO_ON = 0,
	RECORD_STOP = 1,
	RECORD_FAILED = -1,
};

/* One way of recording: its name and its steps (see the top of this file). */
struct record_backend {
	const char *name;  /* --backend NAME, and trace_info's source_format */
	const char *clock; /* trace_info's clock: what the timestamps count */
	int clock_is_mono; /* it is CLOCK_MONOTONIC: the tracefs clock's offset is measured */
	int (*preflight)(struct record_run *run, struct vr_error *err);
	int (*attach)(struct record_run *run, struct vr_error *err);
	int (*open)(struct record_run *run, struct vr_error *err);
	enum record_step (*poll)(struct record_run *run, struct vr_error *err);
	enum record_step (*tick)(struct record_run *run, struct vr_error *err);
	int (*stop)(struct record_run *run, struct vr_error *err);
	void (*cleanup)(struct record_run *run);
};

/* One recording in progress: what the core and its backend share. */
struct record_run {
	const struct record_options *opt;
	const struct record_backend *backend;
	struct record_stats *st;
	int gic;		 /* the host GIC, 2 or 3 */
	uint64_t start_ns;	 /* when the recording began (vr_now_ns()) */
	uint64_t records_start_ns; /* ... on the records' clock, when it is not that one (0) */
	const char *kernel_release; /* the records' kernel when not this host's (a file input), or NULL */
	struct tracedb *db;	 /* the trace being written, once open */
	struct trace_writer *w;	 /* its writer, until finished or given up */
	void *priv;		 /* the backend's own state */
	struct vr_clock_offsets clock; /* the tracefs clock against ours (record_measure_clock) */
};

/* ---- stop and dump signals */

/* SIGINT and SIGTERM from now on ask the recording to stop, with everything stored. */
void record_catch_stop(void);

/* Did SIGINT or SIGTERM arrive? */
int record_stop_requested(void);

/* SIGUSR1 from now on asks for a flight window (on), or is ignored (off). */
void record_catch_dump(int on);

/* Did SIGUSR1 arrive since the last call? Clears the request. */
int record_take_dump_request(void);

/* ---- the host and the output */

/* The host GIC into run->gic: --gic, else /proc/interrupts; -1 with err if neither tells. */
int record_choose_gic(struct record_run *run, struct vr_error *err);

/* Refuse an existing output, or remove it with --force (no output: nothing to do). */
int record_claim_output(const struct record_options *opt, struct vr_error *err);

/* Bytes a live trace database takes on disk: the file, its WAL and its spool. */
int64_t record_file_bytes(const char *path);

/* Has the output reached --max-size? */
int record_size_reached(const struct record_run *run);

/* Has the recording lasted --duration? */
int record_duration_reached(const struct record_run *run);

/* ---- the trace database */

/*
 * The trace_info rows of a live recording (source, host, kernel, GIC,
 * clock); kernel_release NULL: this host's (uname); clock: the tracefs
 * clock's offsets measured so far, or NULL.
 */
void record_write_info(struct trace_writer *w, const struct record_options *opt,
		       const struct record_backend *backend, int gic, const char *kernel_release,
		       const struct vr_clock_offsets *clock);

/*
 * Measure the tracefs clock against the recording's (a backend on
 * CLOCK_MONOTONIC calls it at the start and at the stop) into run->clock,
 * and write trace_info.clock again when the trace is open. Nothing when
 * tracefs cannot tell: the clock then says only what it counts.
 */
void record_measure_clock(struct record_run *run);

/* Create the output (durable), begin its writer and commit its trace_info rows. */
int record_begin_trace(struct record_run *run, struct vr_error *err);

/* Count input_records and commit the trace: run->w is gone afterwards, even on failure. */
int record_finish_trace(struct record_run *run, int64_t input_records, struct vr_error *err);

/*
 * Close the trace (cleanup): a writer still open is given up, after a
 * commit of what it holds when keep_pending says so (a failed recording
 * still leaves a readable file), and the database is closed, which
 * checkpoints its WAL so that the file has its final size.
 */
void record_close_trace(struct record_run *run, int keep_pending);

/*
 * A write to the trace database failed (disk full, I/O error): roll the
 * open batch back and say in err, in one line, that the recording stopped
 * and how many events the file keeps. Returns -1.
 */
int record_write_failed(struct tracedb *db, const char *path, struct vr_error *err);

#endif
