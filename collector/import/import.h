/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay import`: turn traces people already have (ftrace text,
 * trace-cmd trace.dat) into a trace database. The output appears only when
 * the whole import succeeded: it is written to a temporary file beside the
 * target and renamed into place at the end.
 */
#ifndef VR_IMPORT_H
#define VR_IMPORT_H

#include <stdint.h>

#include "../../common/vr_common.h"
#include "../../schemas/tracedb.h"

enum import_format {
	IMPORT_FORMAT_AUTO,
	IMPORT_FORMAT_FTRACE,	/* ftrace text (trace or trace_pipe) */
	IMPORT_FORMAT_TRACECMD, /* trace-cmd trace.dat */
};

struct import_options {
	const char *input;  /* path, or "-" for standard input (text only) */
	const char *output; /* trace database to create */
	enum import_format format;
	const char *kernel; /* --kernel RELEASE, or NULL to read/infer it */
	int gic_version;    /* --gic 2|3, or 0 to infer it */
	int force;	    /* replace an existing output */
	int quiet;	    /* no summary line */
};

struct import_result {
	struct trace_writer_stats stats;
	int64_t input_records;
	char kernel_release[128];
	char kernel_source[256];
	int gic_version;
};

/* Run an import; on failure err holds "file:position: reason" and nothing is written. */
int vr_import(const struct import_options *opt, struct import_result *res, struct vr_error *err);

/* ------------------------------------------- shared by the two importers */

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

/* Note what one snapshot or probe line says. */
void kernel_evidence_observe(struct kernel_evidence *k, int64_t pos, const struct vr_event *ev,
			     const struct vr_snapshot *snap);

/*
 * Decide the kernel release, GIC version and number of LRs and record
 * them with how they were obtained. uname_release is what the trace itself
 * says (trace.dat's uname) or NULL.
 */
void import_finish_metadata(struct trace_writer *w, struct tracedb *db,
			    const struct import_options *opt, const struct kernel_evidence *k,
			    const char *uname_release, struct import_result *res);

/* Set by SIGINT/SIGTERM during an import; importers stop at the next record. */
extern volatile int vr_import_interrupted;

/* The text importer (import_ftrace.c): reads from fd, whose first bytes are in head. */
int import_ftrace(int fd, const char *name, const unsigned char *head, size_t nhead,
		  struct trace_writer *w, struct tracedb *db, const struct import_options *opt,
		  struct import_result *res, struct vr_error *err);

/* The trace.dat importer (import_tracedat.c). */
int import_tracedat(const char *path, struct trace_writer *w, struct tracedb *db,
		    const struct import_options *opt, struct import_result *res,
		    struct vr_error *err);

#endif
