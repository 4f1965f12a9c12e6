/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay record`: the capture half's contract with the command line.
 *
 * A recording runs through one of two backends (recorder.c picks it by
 * name): "bpf" loads the BPF collector (collector/capture/vgic.bpf.c) and
 * consumes its ring buffer into a spool file (collector/capture/spool.h),
 * written as it goes so that a killed recorder leaves every batch it wrote
 * behind, and when the recording stops writes the trace database from it
 * through the same writer as the importers; "tracefs" reads the same
 * events as ftrace text from a tracefs instance of its own, where BPF is
 * not allowed. What the two share, and the table of operations each
 * backend fills in, is in record_core.h.
 */
#ifndef VR_RECORD_H
#define VR_RECORD_H

#include <stddef.h>
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
	const char *backend;  /* "bpf" (NULL: the same) or "tracefs" (kprobe events, tracepoints) */
	int tracefs_lrs;      /* tracefs: list registers each snapshot kprobe fetches */
	const char *tracefs_input; /* tracefs: read this saved trace_pipe text instead (tests) */
	int prog_stats;	      /* BPF statistics on; per-program run_cnt/run_time_ns at the end */
	int check;	      /* load and attach, say what the kernel has, record nothing */
	const char *finish;   /* store the spool a killed recorder left next to this trace */
	const char *trace_input; /* --from-trace: a stored trace's records instead of the ring */
	/* --watch (flight_rec.h, watch.h) and --metrics */
	int watch;
	double watch_after;    /* seconds a dump waits after its first finding */
	double watch_interval; /* seconds between dumps, at least */
	int64_t watch_max_disk; /* bytes all dumps may take */
	double watch_learn;    /* seconds of records the watcher learns the run from */
	const char *watch_dir; /* NULL: OUTPUT's directory */
	int use_syslog;	       /* --syslog: each finding's line to syslog too */
	const char *metrics;   /* --metrics FILE: Prometheus textfile, NULL none */
};

struct record_stats {
	int64_t events, snapshots, ap_lists, drops_bpf, drops_user, bytes;
	int64_t drops_recursion;  /* of drops_bpf: events a program re-entered on a CPU missed */
	int64_t queue_peak_bytes; /* how far the writer fell behind the ring, at most */
	int64_t spool_torn;	  /* bytes of a record cut short at the spool's end (record --finish) */
	double seconds;
	double store_seconds;	  /* from the stop to the trace stored (BPF backend) */
	int hooks_attached, hooks_missing, essential_missing; /* --check */
	/*
	 * The kinds whose absence the replay reads as none happened (vgic_post,
	 * vgic_deactivate, vgic_sgi, vgic_queue_lpi: VR_KIND_BIT) that the
	 * records can hold: hooks attached, or a file input's kinds. A watcher
	 * learning from a prefix takes them as present from the start.
	 */
	uint64_t kinds_recordable;
};

/* Is there a recording backend of this name (--backend NAME)? (recorder.c) */
int vr_record_backend_exists(const char *name);

/*
 * Run a recording through the backend opt->backend names, until a signal,
 * the duration or the size limit; err on failure. (recorder.c)
 */
int vr_record(const struct record_options *opt, struct record_stats *st, struct vr_error *err);

/*
 * Is pid a VMM with vCPUs: a process that holds KVM vCPU descriptors or
 * has threads named "CPU N/KVM"? 0, or -1 with err saying why not (no
 * such process, a thread, not a VMM, cannot tell). Reads /proc only, so
 * that record --pid refuses a wrong pid before anything is loaded or
 * attached. (vmm_process.c)
 */
int vr_record_check_vmm(pid_t pid, struct vr_error *err);

/*
 * Store the spool (FILE.spool) that a killed recorder left next to its
 * trace database FILE, as the recorder would have when it stopped; st
 * counts what was stored (spool_torn: a record cut short at the end).
 * (store.c)
 */
int vr_record_finish(const char *path, struct record_stats *st, struct vr_error *err);

#endif
