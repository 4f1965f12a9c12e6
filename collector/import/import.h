/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay import`: turn traces people already have (ftrace text,
 * trace-cmd trace.dat) into a trace database. The output appears only when
 * the whole import succeeded: it is written to a temporary file beside the
 * target and renamed into place at the end.
 *
 * This is the import half's contract with the command line; importer.c
 * runs it, each input format is an entry of its table (import_core.h).
 */
#ifndef VR_IMPORT_H
#define VR_IMPORT_H

#include <stdint.h>

#include "../../common/vr_clock.h"
#include "../../common/vr_common.h"
#include "../../schemas/trace_align.h"
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
	int quiet;	    /* no summary line and no progress line */
	/*
	 * The capture's identity for a reader's cache of it (cli/cli_capture.c),
	 * stored in the output's table capture_source; NULL: none.
	 */
	const char *source_key;
	/*
	 * --align RECORDING: the tracefs clock's offsets a live recording of
	 * the same run measured (its trace_info.clock), by which every time is
	 * moved onto the recording's clock; align_name names the recording.
	 * NULL: times as the capture has them.
	 */
	const struct vr_clock_offsets *align;
	const char *align_name;
};

struct import_result {
	struct trace_writer_stats stats;
	int64_t input_records;
	char kernel_release[128];
	char kernel_source[256];
	int gic_version;
	int64_t backward_places;   /* places where the input's time ran backwards (gaps) */
	int64_t backward_pos;	   /* the first one's position */
	int64_t backward_largest_ns;
	struct trace_alignment alignment; /* --align: what the events both captures have said */
};

/*
 * Run an import; on failure err holds "file:position: reason" and nothing
 * is written. (importer.c)
 */
int vr_import(const struct import_options *opt, struct import_result *res, struct vr_error *err);

#endif
