/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay record`: load the BPF collector (collector/capture/vgic.bpf.c),
 * consume its ring buffer into a spool file (collector/capture/spool.h), flushed
 * periodically so that a killed recorder leaves every flushed batch
 * behind, and when the recording stops write the trace database from it
 * through the same writer as the importers.
 */
#ifndef VR_RECORD_H
#define VR_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#include "../../common/vr_common.h"

struct record_options {
	const char *output;
	int force;
	pid_t pid;	      /* 0: every VMM */
	int vcpu;	      /* -1: every vCPU */
	double duration;      /* seconds, 0: until Ctrl-C */
	int64_t max_size;     /* bytes of output, 0: unlimited */
	int snapshots;	      /* LR/ICH snapshots and populate_lr */
	int aplist;	      /* AP-list walk after sync */
	int gic_version;      /* 0: detect from /proc/interrupts */
	size_t ring_bytes;    /* BPF ring buffer size */
	const char *events;   /* comma-separated subset of tracepoints, NULL: all */
	int verbose;
	const char *command_line; /* stored as capture_options */
	size_t flight_bytes;  /* flight recorder: keep this much in memory, 0: stream to disk */
	int backend_tracefs;  /* kprobe events and tracepoints through tracefs, not BPF */
	int tracefs_lrs;      /* tracefs: list registers each snapshot kprobe fetches */
	const char *tracefs_input; /* tracefs: read this saved trace_pipe text instead (tests) */
	int prog_stats;	      /* BPF statistics on; per-program run_cnt/run_time_ns at the end */
	int check;	      /* load and attach, say what the kernel has, record nothing */
	const char *finish;   /* store the spool a killed recorder left next to this trace */
};

struct record_stats {
	int64_t events, snapshots, ap_lists, drops_bpf, drops_user, bytes;
	int64_t queue_peak_bytes; /* how far the writer fell behind the ring, at most */
	int64_t spool_torn;	  /* bytes of a record cut short at the spool's end (record --finish) */
	double seconds;
	int hooks_attached, hooks_missing, essential_missing; /* --check */
};

/* Run a recording until a signal, the duration or the size limit; err on failure. */
int vr_record(const struct record_options *opt, struct record_stats *st, struct vr_error *err);

/*
 * Store the spool (FILE.spool) that a killed recorder left next to its
 * trace database FILE, as the recorder would have when it stopped; st
 * counts what was stored (spool_torn: a record cut short at the end).
 */
int vr_record_finish(const char *path, struct record_stats *st, struct vr_error *err);

/* The tracefs backend (record_tracefs.c); vr_record() calls it for backend_tracefs. */
int vr_record_tracefs(const struct record_options *opt, struct record_stats *st,
		      struct vr_error *err);

/* ---- shared by the two backends (record.c) */
struct trace_writer;

/* Bytes a live trace database takes on disk: the file and its WAL (--max-size). */
int64_t vr_record_file_bytes(const char *path);

/* The host GIC from /proc/interrupts: 3, 2, or 0 when it cannot tell. */
int vr_detect_gic(void);

/* The trace_info rows of a live recording (source, host, kernel, GIC, clock). */
void vr_record_write_info(struct trace_writer *w, const struct record_options *opt, int gic);

/*
 * A write to the trace database failed (disk full, I/O error): roll the
 * open batch back and say in err, in one line, that the recording stopped
 * and how many events the file keeps. Returns -1.
 */
struct tracedb;
int vr_record_write_failed(struct tracedb *db, const char *path, struct vr_error *err);

/* SIGINT/SIGTERM handler, and whether it fired. */
void vr_record_on_stop(int sig);
int vr_record_stop_requested(void);

#endif
