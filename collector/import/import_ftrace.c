/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Importer of ftrace text (`cat /sys/kernel/tracing/trace`, `trace_pipe`).
 *
 * Streams the input through a fixed buffer, one line at a time, so memory
 * does not grow with the trace. Each line goes through ftrace_parse_line();
 * events and snapshots go to the writer, lost-event markers become gaps,
 * and lines that are not understood are counted with their line numbers.
 * The "entries-in-buffer/entries-written" header tells when the ring
 * buffer overwrote the oldest events: that loss is recorded as a gap too.
 */
#define _POSIX_C_SOURCE 200809L
#include "formats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftrace_parse.h"

#define READ_CHUNK (1 << 20)
#define MAX_LINE (64 << 10)

/* Import state carried from line to line, and the buffer the lines are read into. */
struct ftrace_import {
	const struct import_job *job;
	struct trace_writer *w;
	struct kernel_evidence kev;
	struct import_order order;
	struct ftrace_line parsed;
	int64_t line_no;
	int64_t events;
	int64_t first_problem_line;
	const char *first_problem;
	int counter_clock;
	int binary_lines;
	struct vr_progress progress;
	char *buf;	/* READ_CHUNK bytes (and a NUL) of input */
	size_t have;	/* bytes in buf */
	int eof;
	int skipping;	/* in the tail of a line longer than MAX_LINE */
};

/* "# entries-in-buffer/entries-written: 637/637   #P:2": overwritten events are a gap. */
static void header_comment(struct ftrace_import *st, const char *line, size_t len)
{
	static const char key[] = "# entries-in-buffer/entries-written: ";
	unsigned long long in_buf, written;
	char buf[128];

	if (len < sizeof(key) - 1 || memcmp(line, key, sizeof(key) - 1))
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < 127 ? len : 127), line);
	if (sscanf(buf + sizeof(key) - 1, "%llu/%llu", &in_buf, &written) == 2 && written > in_buf)
		trace_writer_gap(st->w, -1, (int64_t)(written - in_buf), st->line_no);
}

/* Private-interrupt events name their vCPU: weak evidence of which thread runs it. */
static void observe_thread(struct ftrace_import *st, const struct vr_event *ev)
{
	if ((ev->kind == VR_EV_TIMER_IRQ || ev->kind == VR_EV_IRQ_PENDING) &&
	    ev->vcpu != VR_NO_VALUE && ev->intid != VR_NO_VALUE && ev->intid < 32)
		trace_writer_map_thread(st->w, ev->pid, ev->vcpu, "private-irq", 0, ev->ts_ns);
}

/* Handle one line of input. */
static int import_line(struct ftrace_import *st, const char *line, size_t len)
{
	struct ftrace_line *pl = &st->parsed;
	enum ftrace_line_type t;

	st->line_no++;
	if (memchr(line, '\0', len)) {
		st->binary_lines++;
		return trace_writer_problem(st->w, st->line_no, "unparsed", NULL,
					    "binary data (NUL byte)", NULL, 0);
	}
	t = ftrace_parse_line(line, len, pl);
	pl->ev.src_pos = st->line_no;
	switch (t) {
	case FTRACE_LINE_IGNORED:
		if (len && line[0] == '#')
			header_comment(st, line, len);
		return 0;
	case FTRACE_LINE_EVENT:
		if (pl->ts_is_counter)
			st->counter_clock = 1;
		pl->ev.ts_ns = import_align_ts(st->job, pl->ev.ts_ns);
		observe_thread(st, &pl->ev);
		if (pl->ev.kind == VR_EV_POPULATE)
			kernel_evidence_observe(&st->kev, st->line_no, &pl->ev, &pl->snap);
		st->events++;
		if (import_order_check(&st->order, st->w, pl->ev.ts_ns, st->line_no))
			return -1;
		return trace_writer_event(st->w, &pl->ev) < 0 ? -1 : 0;
	case FTRACE_LINE_SNAPSHOT:
		if (pl->ts_is_counter)
			st->counter_clock = 1;
		pl->ev.ts_ns = import_align_ts(st->job, pl->ev.ts_ns);
		kernel_evidence_observe(&st->kev, st->line_no, &pl->ev, &pl->snap);
		if (!pl->snap.gic_version)
			pl->snap.gic_version = st->kev.gic_version;
		st->events++;
		if (import_order_check(&st->order, st->w, pl->ev.ts_ns, st->line_no))
			return -1;
		return trace_writer_snapshot(st->w, &pl->ev, &pl->snap) < 0 ? -1 : 0;
	case FTRACE_LINE_LOST:
		return trace_writer_gap(st->w, pl->lost_cpu, pl->lost, st->line_no);
	case FTRACE_LINE_UNKNOWN:
		return trace_writer_problem(st->w, st->line_no, "unknown_event", pl->name, NULL,
					    line, len);
	case FTRACE_LINE_UNPARSED:
		if (!st->first_problem) {
			st->first_problem = pl->reason;
			st->first_problem_line = st->line_no;
		}
		return trace_writer_problem(st->w, st->line_no, "unparsed",
					    pl->name[0] ? pl->name : NULL, pl->reason, line, len);
	}
	return 0;
}

/* A line could not be stored (the trace database failed): say where. */
static int store_failed(const struct ftrace_import *st, struct vr_error *err)
{
	return vr_error_set(err, "%s:%lld: cannot store the event in the trace database",
			    st->job->name, (long long)st->line_no);
}

/*
 * Read more input after what the buffer holds: 0, 1 to try again (a
 * signal that did not ask to stop), -1 with err set.
 */
static int read_more(struct ftrace_import *st, struct vr_error *err)
{
	ssize_t r = import_read(st->job, st->buf + st->have, READ_CHUNK - st->have);

	if (r < 0 && errno == EINTR && !import_interrupted())
		return 1;
	if (r < 0)
		return vr_error_set(err, "%s:%lld: read: %s", st->job->name,
				    (long long)st->line_no + 1, strerror(errno));
	if (r == 0)
		st->eof = 1;
	st->have += (size_t)r;
	return 0;
}

/*
 * Import every complete line the buffer holds and keep the incomplete
 * last one for the next read; stop at the first line after an interrupt.
 */
static int take_lines(struct ftrace_import *st, struct vr_error *err)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(st->buf + start, '\n', st->have - start))) {
		size_t len = (size_t)(nl - (st->buf + start));

		if (st->skipping)
			st->skipping = 0; /* the tail of an over-long line */
		else if (import_line(st, st->buf + start, len))
			return store_failed(st, err);
		start += len + 1;
		if (import_interrupted())
			return vr_error_set(err, "%s:%lld: interrupted", st->job->name,
					    (long long)st->line_no);
	}
	memmove(st->buf, st->buf + start, st->have - start);
	st->have -= start;
	return 0;
}

/*
 * What is left in the buffer once its lines are taken: at the end of the
 * input a last line without a newline (a truncated file often ends so);
 * before it, a line longer than MAX_LINE, counted as a problem and skipped.
 */
static int take_rest(struct ftrace_import *st, struct vr_error *err)
{
	if (st->eof && st->have) {
		if (!st->skipping && import_line(st, st->buf, st->have))
			return store_failed(st, err);
		st->have = 0;
	} else if (st->have >= MAX_LINE) {
		if (!st->skipping) { /* one line, however many buffers its tail takes */
			st->line_no++;
			trace_writer_problem(st->w, st->line_no, "unparsed", NULL,
					     "line longer than 64 KiB", st->buf, 64);
			st->skipping = 1;
		}
		st->have = 0;
	}
	return 0;
}

/* Read the input to its end, a chunk at a time, importing line by line. */
static int read_lines(struct ftrace_import *st, struct vr_error *err)
{
	while (!st->eof || st->have) {
		if (!st->eof && st->have < READ_CHUNK) {
			int r = read_more(st, err);

			if (r > 0)
				continue;
			if (r < 0)
				return -1;
		}
		if (take_lines(st, err) || take_rest(st, err))
			return -1;
		if (import_interrupted()) /* also inside a line that never ends */
			return vr_error_set(err, "%s:%lld: interrupted", st->job->name,
					    (long long)st->line_no + !st->skipping);
		vr_progress_update(&st->progress, (uint64_t)st->line_no, 0);
	}
	vr_progress_done(&st->progress);
	return 0;
}

/*
 * The input is read: refuse it if no kvm event was recognised (saying
 * why), else record what it was and the trace's metadata.
 */
static int finish_import(struct ftrace_import *st, struct vr_error *err)
{
	const struct import_job *job = st->job;

	if (!st->line_no)
		return vr_error_set(err, "%s:1: empty input, nothing to import", job->name);
	if (!st->events && st->first_problem)
		return vr_error_set(err, "%s:%lld: no kvm events recognised; first problem: %s",
				    job->name, (long long)st->first_problem_line, st->first_problem);
	if (!st->events && st->binary_lines)
		return vr_error_set(err, "%s:1: binary data, neither ftrace text nor trace.dat",
				    job->name);
	trace_writer_info_text(st->w, "source_format", "ftrace-text");
	trace_writer_info_text(st->w, "capture_tool", "ftrace");
	if (import_write_clock(job, st->counter_clock ? "counter" : NULL, err))
		return -1;
	trace_writer_info_int(st->w, "input_records", st->line_no);
	job->res->input_records = st->line_no;
	import_order_result(&st->order, job->res);
	import_finish_metadata(job, &st->kev, NULL);
	return 0;
}

/* import_format_ops.import: stream the text through a fixed buffer, starting with the head. */
static int ftrace_import(const struct import_job *job, struct vr_error *err)
{
	struct ftrace_import st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.job = job;
	st.w = job->w;
	kernel_evidence_init(&st.kev);
	import_order_init(&st.order);
	vr_progress_init(&st.progress, "importing");
	if (job->opt->quiet) /* -q: no summary and no progress line */
		st.progress.enabled = 0;
	st.buf = vr_xmalloc(READ_CHUNK + 1);
	memcpy(st.buf, job->head, job->nhead);
	st.have = job->nhead;
	rc = read_lines(&st, err);
	if (!rc)
		rc = finish_import(&st, err);
	free(st.buf);
	return rc;
}

/*
 * import_format_ops.sniff: text is whatever no other format claims; the
 * parser says, line by line, what it does not understand.
 */
static int ftrace_sniff(const unsigned char *head, size_t nhead)
{
	(void)head;
	(void)nhead;
	return 1;
}

/* See formats.h. */
const struct import_format_ops import_format_ftrace = {
	.name = "ftrace text",
	.format = IMPORT_FORMAT_FTRACE,
	.sniff = ftrace_sniff,
	.needs_file = 0,
	.import = ftrace_import,
};
