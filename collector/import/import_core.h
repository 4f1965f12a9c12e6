/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The import core: what the input formats share, and the table of
 * operations through which importer.c runs any of them.
 *
 * importer.c opens the input (decompressing it on the way), reads its
 * first bytes, and offers them to each format in turn (sniff); the first
 * that recognises them, or the one --format names, imports the rest into
 * a trace writer (import). Both formats decide the trace's metadata the
 * same way, from what the trace says and from what its snapshots show
 * (kernel_evidence, import_finish_metadata), and stop at the next record
 * once SIGINT or SIGTERM arrived (import_interrupted). The formats
 * (import_ftrace.c, import_tracedat.c, declared in formats.h) depend on
 * this core; the core knows them only through struct import_format_ops,
 * and importer.c holds the one array that lists them.
 */
#ifndef VR_IMPORT_CORE_H
#define VR_IMPORT_CORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "import.h"

struct import_source; /* the input as importer.c opened it */

/* One import in progress: the input as importer.c opened it, and where it goes. */
struct import_job {
	const struct import_options *opt;
	const char *name;	    /* the input's path, or "-": for messages */
	const char *path;	    /* the plain file a needs_file format opens (maybe a copy) */
	struct import_source *src;  /* the input past head, decompressed (import_read) */
	const unsigned char *head;  /* its first bytes, already read (decompressed) */
	size_t nhead;
	struct trace_writer *w;
	struct tracedb *db;
	struct import_result *res;
};

/* One input format: how to recognise it and how to import it. */
struct import_format_ops {
	const char *name;	   /* for messages */
	enum import_format format; /* the --format that names it */
	/* Do the input's first bytes look like this format? */
	int (*sniff)(const unsigned char *head, size_t nhead);
	/*
	 * It reads a plain file by path (job->path): standard input and
	 * compressed input are first copied, decompressed, to an unlinked
	 * temporary file (importer.c, spool_to_file).
	 */
	int needs_file;
	/*
	 * Optional: vet the file at path before anything is written, while
	 * the process still has one thread (a child may parse it: a fork
	 * beside the trace writer's thread could inherit a lock that thread
	 * held); messages name the input as name. 0 or -1.
	 */
	int (*preflight)(const char *path, const char *name, struct vr_error *err);
	/* Import the input into job->w; err says "file:position: reason". */
	int (*import)(const struct import_job *job, struct vr_error *err);
};

/*
 * Read the input past its head, decompressed when it is compressed; as
 * read(2): bytes read, 0 at the end, -1 with errno (EINTR: interrupted,
 * call again unless import_interrupted()). A damaged compressed input
 * fails here, and the import's error then says where (importer.c).
 */
ssize_t import_read(const struct import_job *job, void *buf, size_t n);

/* Does head start with trace-cmd's trace.dat magic? (a build without libtracecmd asks too) */
int import_sniff_tracedat(const unsigned char *head, size_t nhead);

/* ---- interruption */

/* The signal dispositions an import replaced, to put back. */
struct import_signals {
	struct sigaction old_int, old_term;
};

/* From now on SIGINT/SIGTERM ask the import to stop, so the temporary file is removed. */
void import_catch_signals(struct import_signals *saved);

/* Put back what import_catch_signals() replaced. */
void import_restore_signals(const struct import_signals *saved);

/* Did SIGINT or SIGTERM arrive since import_catch_signals()? Formats stop at the next record. */
int import_interrupted(void);

/* ---- time order */

/*
 * ftrace and trace-cmd hand events over merged in time order, so a
 * timestamp that runs backwards means a spliced or damaged capture. The
 * replay cannot order events across such a place: it becomes a gap (all
 * CPUs, count unknown) and the import warns, so it never turns into
 * findings.
 */
struct import_order {
	int64_t latest_ns;  /* latest time seen so far, or VR_NO_VALUE */
	int64_t places;	    /* places where time ran backwards */
	int64_t first_pos;  /* the first one's position in the input */
	int64_t largest_ns; /* the largest step back */
};

/* Nothing seen yet. */
void import_order_init(struct import_order *o);

/* Note an event's time at pos; a step back records a gap. Nonzero when the writer failed. */
int import_order_check(struct import_order *o, struct trace_writer *w, int64_t ts_ns, int64_t pos);

/* Hand what was found to the import's result. */
void import_order_result(const struct import_order *o, struct import_result *res);

/* ---- the clock */

/* A capture's time moved onto the --align recording's clock (unchanged without --align). */
int64_t import_align_ts(const struct import_job *job, int64_t ts_ns);

/*
 * trace_info.clock of the import: the capture's clock (NULL: unknown),
 * or with --align the recording's clock and the offsets applied. -1 with
 * err when the capture names a clock other than the one the recording
 * measured.
 */
int import_write_clock(const struct import_job *job, const char *capture_clock,
		       struct vr_error *err);

/* ---- metadata */

/*
 * What the snapshots of a trace say about the kernel that recorded it:
 * kernels up to 6.18 only ever set En, UIE and NPIE in the saved ICH_HCR
 * (vgic_v3_set_underflow/vgic_v3_set_npie); 6.19's vgic_v3_configure_hcr
 * also sets LRENPIE and the group enable/disable interrupts, and its save
 * path copies EOIcount back. GICv2 LRs are 32-bit.
 */
struct kernel_evidence {
	int64_t snapshots;
	int64_t new_hcr_pos; /* first position with a 6.19-only HCR bit, or -1 */
	uint64_t new_hcr_value;
	int gic_version;    /* from probe function names: 2 or 3, 0 unknown */
	int64_t gic_pos;
	int wide_lr_seen;   /* an LR value above 32 bits: GICv3 */
};

/* No evidence yet. */
void kernel_evidence_init(struct kernel_evidence *k);

/* Note what one snapshot or probe line says. */
void kernel_evidence_observe(struct kernel_evidence *k, int64_t pos, const struct vr_event *ev,
			     const struct vr_snapshot *snap);

/*
 * Decide the kernel release, GIC version and number of LRs and record
 * them with how they were obtained. uname_release is what the trace itself
 * says (trace.dat's uname) or NULL.
 */
void import_finish_metadata(const struct import_job *job, const struct kernel_evidence *k,
			    const char *uname_release);

#endif
