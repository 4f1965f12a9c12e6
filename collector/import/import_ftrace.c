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
#include "import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftrace_parse.h"

#define READ_CHUNK (1 << 20)
#define MAX_LINE (64 << 10)

/* Import state carried from line to line. */
struct ftrace_import {
	struct trace_writer *w;
	struct kernel_evidence kev;
	struct ftrace_line parsed;
	int64_t line_no;
	int64_t events;
	int64_t first_problem_line;
	const char *first_problem;
	int counter_clock;
	int binary_lines;
	struct vr_progress progress;
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
		observe_thread(st, &pl->ev);
		if (pl->ev.kind == VR_EV_POPULATE)
			kernel_evidence_observe(&st->kev, st->line_no, &pl->ev, &pl->snap);
		st->events++;
		return trace_writer_event(st->w, &pl->ev) < 0 ? -1 : 0;
	case FTRACE_LINE_SNAPSHOT:
		if (pl->ts_is_counter)
			st->counter_clock = 1;
		kernel_evidence_observe(&st->kev, st->line_no, &pl->ev, &pl->snap);
		if (!pl->snap.gic_version)
			pl->snap.gic_version = st->kev.gic_version;
		st->events++;
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

/* See import.h. */
int import_ftrace(int fd, const char *name, const unsigned char *head, size_t nhead,
		  struct trace_writer *w, struct tracedb *db, const struct import_options *opt,
		  struct import_result *res, struct vr_error *err)
{
	struct ftrace_import st;
	char *buf = vr_xmalloc(READ_CHUNK + 1);
	size_t have = 0, start;
	int eof = 0, skipping = 0, rc = -1;

	memset(&st, 0, sizeof(st));
	st.w = w;
	st.kev.new_hcr_pos = -1;
	vr_progress_init(&st.progress, "importing");
	memcpy(buf, head, nhead);
	have = nhead;

	while (!eof || have) {
		char *nl;

		if (!eof && have < READ_CHUNK) {
			ssize_t r = read(fd, buf + have, READ_CHUNK - have);

			if (r < 0 && errno == EINTR && !vr_import_interrupted)
				continue;
			if (r < 0) {
				vr_error_set(err, "%s:%lld: read: %s", name,
					     (long long)st.line_no + 1, strerror(errno));
				goto out;
			}
			if (r == 0)
				eof = 1;
			have += (size_t)r;
		}
		start = 0;
		while ((nl = memchr(buf + start, '\n', have - start))) {
			size_t len = (size_t)(nl - (buf + start));

			if (skipping) {
				skipping = 0; /* the tail of an over-long line */
			} else if (import_line(&st, buf + start, len)) {
				goto writer_failed;
			}
			start += len + 1;
			if (vr_import_interrupted) {
				vr_error_set(err, "%s:%lld: interrupted", name,
					     (long long)st.line_no);
				goto out;
			}
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (eof && have) {
			/* Last line without a newline: a truncated file often ends so. */
			if (!skipping && import_line(&st, buf, have))
				goto writer_failed;
			have = 0;
		} else if (have >= MAX_LINE) {
			st.line_no++;
			trace_writer_problem(w, st.line_no, "unparsed", NULL,
					     "line longer than 64 KiB", buf, 64);
			skipping = 1;
			have = 0;
		}
		vr_progress_update(&st.progress, (uint64_t)st.line_no, 0);
	}
	vr_progress_done(&st.progress);

	if (!st.events && st.first_problem) {
		vr_error_set(err, "%s:%lld: no kvm events recognised; first problem: %s", name,
			     (long long)st.first_problem_line, st.first_problem);
		goto out;
	}
	if (!st.events && st.binary_lines) {
		vr_error_set(err, "%s:1: binary data, neither ftrace text nor trace.dat", name);
		goto out;
	}
	trace_writer_info_text(w, "source_format", "ftrace-text");
	trace_writer_info_text(w, "capture_tool", "ftrace");
	trace_writer_info_text(w, "clock", st.counter_clock ? "counter" : NULL);
	trace_writer_info_int(w, "input_records", st.line_no);
	res->input_records = st.line_no;
	import_finish_metadata(w, db, opt, &st.kev, NULL, res);
	rc = 0;
	goto out;
writer_failed:
	vr_error_set(err, "%s:%lld: cannot store the event in the trace database", name,
		     (long long)st.line_no);
out:
	free(buf);
	return rc;
}
