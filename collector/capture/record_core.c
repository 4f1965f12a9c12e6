/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording core (record_core.h): the signals that stop a recording
 * or ask for a flight window, the host's GIC, the output file and its
 * size, and the trace database's beginning and end. Both backends use it
 * the same way, so that a recording says and writes the same whichever
 * backend took its records.
 */
#define _GNU_SOURCE
#include "record_core.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../../schemas/tracedb.h"
#include "clock_offset.h"

static volatile sig_atomic_t stop_requested, dump_requested;

/* SIGINT/SIGTERM: finish cleanly with everything stored. */
static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGUSR1 in flight-recorder mode: write the window held in memory. */
static void on_dump(int sig)
{
	(void)sig;
	dump_requested = 1;
}

/* See record_core.h. */
void record_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* See record_core.h. */
int record_stop_requested(void)
{
	return stop_requested;
}

/* See record_core.h. SIGUSR1 would otherwise end a streaming recording unstored. */
void record_catch_dump(int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_dump : SIG_IGN;
	sigaction(SIGUSR1, &sa, NULL);
}

/* See record_core.h. */
int record_take_dump_request(void)
{
	if (!dump_requested)
		return 0;
	dump_requested = 0;
	return 1;
}

/* The host GIC from /proc/interrupts ("GICv3", "GICv2"/"GIC-0"): 3, 2, or 0 when it cannot tell. */
static int detect_gic(void)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "r");
	int gic = 0;

	while (f && !gic && fgets(line, sizeof(line), f)) {
		if (strstr(line, "GICv3") || strstr(line, "GICv4"))
			gic = 3;
		else if (strstr(line, "GIC-0") || strstr(line, "GICv2"))
			gic = 2;
	}
	if (f)
		fclose(f);
	return gic;
}

/* See record_core.h. */
int record_choose_gic(struct record_run *run, struct vr_error *err)
{
	if (run->gic)
		return 0; /* the backend knows it (--from-trace: the trace's) */
	run->gic = run->opt->gic_version ? run->opt->gic_version : detect_gic();
	if (!run->gic)
		return vr_error_set(err, "cannot tell the host GIC from /proc/interrupts; use --gic");
	return 0;
}

/* See record_core.h. */
int record_claim_output(const struct record_options *opt, struct vr_error *err)
{
	struct stat sb;

	if (!opt->output || stat(opt->output, &sb))
		return 0;
	if (!opt->force)
		return vr_error_set(err, "%s: already exists (use --force to replace it)", opt->output);
	unlink(opt->output);
	return 0;
}

/* See record_core.h. */
int64_t record_file_bytes(const char *path)
{
	char wal[4096];
	struct stat sb;
	int64_t n = 0;

	if (!stat(path, &sb))
		n += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (!stat(wal, &sb))
		n += sb.st_size;
	snprintf(wal, sizeof(wal), "%s.spool", path);
	if (!stat(wal, &sb))
		n += sb.st_size;
	return n;
}

/* See record_core.h. */
int record_size_reached(const struct record_run *run)
{
	return run->opt->max_size && record_file_bytes(run->opt->output) >= run->opt->max_size;
}

/* See record_core.h. */
int record_duration_reached(const struct record_run *run)
{
	return run->opt->duration > 0 && (vr_now_ns() - run->start_ns) / 1e9 >= run->opt->duration;
}

/* trace_info.clock: what the backend's clock counts, and the tracefs clock's offsets from it. */
static void write_clock(struct trace_writer *w, const struct record_backend *backend,
			const struct vr_clock_offsets *clock)
{
	char text[512];

	snprintf(text, sizeof(text), "%s", backend->clock);
	if (clock && clock->n && vr_clock_append(text, sizeof(text), clock))
		snprintf(text, sizeof(text), "%s", backend->clock);
	trace_writer_info_text(w, "clock", text);
}

/* See record_core.h. */
void record_measure_clock(struct record_run *run)
{
	if (!run->backend->clock_is_mono || clock_offset_measure(&run->clock))
		return;
	if (run->w)
		write_clock(run->w, run->backend, &run->clock);
}

/* See record_core.h. */
void record_write_info(struct trace_writer *w, const struct record_options *opt,
		       const struct record_backend *backend, int gic, const char *kernel_release,
		       const struct vr_clock_offsets *clock)
{
	struct utsname un;

	uname(&un);
	trace_writer_info_text(w, "source_file", "(live recording)");
	trace_writer_info_text(w, "source_format", backend->name);
	trace_writer_info_text(w, "capture_tool", "vgic-replay record " VR_VERSION);
	trace_writer_info_text(w, "capture_options", opt->command_line);
	trace_writer_info_text(w, "host", un.nodename);
	trace_writer_info_text(w, "kernel_release", kernel_release ? kernel_release : un.release);
	trace_writer_info_text(w, "kernel_release_source",
			       kernel_release ? "the input's (record --from-trace)"
					      : "recorded: uname of the host");
	trace_writer_info_int(w, "gic_version", gic);
	trace_writer_info_text(w, "gic_version_source",
			       opt->gic_version ? "option: --gic" : "recorded: /proc/interrupts");
	write_clock(w, backend, clock);
}

/*
 * See record_core.h. Durable: each commit reaches the disk, so that what
 * a killed recorder committed is there.
 */
int record_begin_trace(struct record_run *run, struct vr_error *err)
{
	run->db = tracedb_create_durable(run->opt->output, err);
	if (!run->db)
		return -1;
	run->w = trace_writer_begin(run->db, err);
	if (!run->w)
		return -1;
	record_write_info(run->w, run->opt, run->backend, run->gic, run->kernel_release,
			  &run->clock);
	return trace_writer_commit(run->w, err);
}

/* See record_core.h. */
int record_finish_trace(struct record_run *run, int64_t input_records, struct vr_error *err)
{
	struct trace_writer *w = run->w;

	run->w = NULL;
	trace_writer_info_int(w, "input_records", input_records);
	return trace_writer_finish(w, err);
}

/* See record_core.h. */
void record_close_trace(struct record_run *run, int keep_pending)
{
	if (run->w && keep_pending)
		trace_writer_commit(run->w, NULL);
	if (run->w)
		trace_writer_abort(run->w);
	run->w = NULL;
	tracedb_close(run->db);
	run->db = NULL;
}

/* See record_core.h. */
int record_write_failed(struct tracedb *db, const char *path, struct vr_error *err)
{
	long long kept = -1;
	int full = db && tracedb_disk_full(db);

	if (db) {
		tracedb_rollback(db);
		kept = tracedb_count_events(db);
	}
	return vr_error_set(err, "%s: %s: recording stopped; the file keeps the %lld events "
				 "committed before",
			    path, full ? "disk full" : "cannot write", kept < 0 ? 0 : kept);
}
