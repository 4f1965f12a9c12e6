/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Importer of trace-cmd `trace.dat` files, through libtracecmd and
 * libtraceevent.
 *
 * Fields are read by name through the event formats stored inside the
 * file, never by offset, so a kernel whose tracepoint layout moved still
 * imports; a record that lacks a field we need is counted as unparsed.
 * The vGIC snapshot probes are recognised by the function they probe
 * (the kprobe's __probe_ip, or a kretprobe's __probe_func, resolved with
 * the kallsyms that trace-cmd stores), not by their user-chosen names.
 * Records come out merged across CPUs in time order; trace-cmd's
 * missed-events counts become gaps.
 */
#define _GNU_SOURCE
#include "formats.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <trace-cmd/trace-cmd.h>
#include <traceevent/event-parse.h>

#include "ftrace_parse.h"

/*
 * Exported by libtracecmd (trace-cmd-private.h) but missing from its
 * public header: the recording host's uname and trace clock.
 */
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);

/* How one kvm tracepoint maps onto a vr_event: which fields go where. */
struct tp_map {
	const char *name;
	enum vr_event_kind kind;
	const char *args[4]; /* fields for arg0..arg3 */
	const char *intid;   /* field that holds the INTID, if any */
};

static const struct tp_map tp_maps[] = {
	{"vgic_update_irq_pending", VR_EV_IRQ_PENDING, {"vcpu_id", "level"}, "irq"},
	{"kvm_irq_line", VR_EV_IRQ_LINE, {"type", "vcpu_idx", "irq_num", "level"}, NULL},
	{"kvm_set_irq", VR_EV_SET_IRQ, {"gsi", "level", "irq_source_id"}, NULL},
	{"kvm_ack_irq", VR_EV_ACK_IRQ, {"irqchip", "pin"}, NULL},
	{"kvm_entry", VR_EV_ENTRY, {"vcpu_pc"}, NULL},
	{"kvm_exit", VR_EV_EXIT, {"ret", "esr_ec", "vcpu_pc"}, NULL},
	{"kvm_vcpu_wakeup", VR_EV_WAKEUP, {"ns", "waited", "valid"}, NULL},
	{"kvm_wfx_arm64", VR_EV_WFX, {"vcpu_pc", "is_wfe"}, NULL},
	{"kvm_timer_update_irq", VR_EV_TIMER_IRQ, {"vcpu_id", "level"}, "irq"},
	{"kvm_userspace_exit", VR_EV_USERSPACE_EXIT, {"reason", "errno"}, NULL},
	{"kvm_mmio", VR_EV_MMIO, {"type", "len", "gpa", "val"}, NULL},
};

struct tracedat_import {
	const struct import_job *job;
	const char *name; /* the input, for messages */
	struct tep_handle *tep;
	struct trace_writer *w;
	struct kernel_evidence kev;
	struct import_order order;
	struct ftrace_line parsed;
	int64_t records;
	int64_t events;
	int failed;
	struct vr_error *err;
	struct vr_progress progress;
};

/* Read a numeric field, sign-extending signed fields of their declared size. */
static int read_field(struct tep_format_field *f, struct tep_record *rec, int64_t *out,
		      uint64_t *uout)
{
	unsigned long long v;

	if (!f || (f->flags & TEP_FIELD_IS_ARRAY) || (long long)f->offset + f->size > (long long)rec->size)
		return -1;
	if (tep_read_number_field(f, rec->data, &v))
		return -1;
	*uout = v;
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8) {
		unsigned bits = (unsigned)f->size * 8;
		uint64_t sign = 1ull << (bits - 1);

		v &= (1ull << bits) - 1;
		*out = (int64_t)((v ^ sign) - sign);
	} else {
		*out = (int64_t)v;
	}
	return 0;
}

/* Fill a kvm tracepoint's event from its named fields; -1 names the missing field. */
static int map_tracepoint(const struct tp_map *m, struct tep_event *ev, struct tep_record *rec,
			  struct vr_event *out, const char **missing)
{
	uint64_t u;
	int64_t v;
	int i;

	out->kind = m->kind;
	for (i = 0; i < 4 && m->args[i]; i++) {
		if (read_field(tep_find_field(ev, m->args[i]), rec, &v, &u)) {
			*missing = m->args[i];
			return -1;
		}
		out->arg[i] = v;
	}
	if (m->intid) {
		if (read_field(tep_find_field(ev, m->intid), rec, &v, &u)) {
			*missing = m->intid;
			return -1;
		}
		out->intid = v;
	}
	/* The same derivations the text parser makes from the printed form. */
	switch (m->kind) {
	case VR_EV_IRQ_PENDING:
		if (out->intid < 32)
			out->vcpu = out->arg[0];
		out->arg[1] = out->arg[1] != 0;
		break;
	case VR_EV_TIMER_IRQ:
		out->vcpu = out->arg[0];
		break;
	case VR_EV_IRQ_LINE:
		if (out->arg[0] == VR_IRQ_TYPE_SPI || out->arg[0] == VR_IRQ_TYPE_PPI)
			out->intid = out->arg[2];
		break;
	case VR_EV_SET_IRQ:
		out->intid = out->arg[0] + 32;
		break;
	case VR_EV_ACK_IRQ:
		out->intid = out->arg[1] + 32;
		break;
	case VR_EV_USERSPACE_EXIT:
		if (out->arg[1] < 0) { /* printed as restart/error (-errno) */
			out->arg[1] = -out->arg[1];
			out->arg[0] = VR_NO_VALUE;
		}
		break;
	default:
		break;
	}
	return 0;
}

/* A kprobe/kretprobe record: classify by probed function, then read every field. */
static enum ftrace_line_type map_probe(struct tracedat_import *st, struct tep_event *ev,
				       struct tep_record *rec)
{
	struct tep_format_field *f, **fields;
	struct ftrace_line *pl = &st->parsed;
	const char *fn = NULL;
	int is_return = 0, have_vcpu = 0, i;
	uint64_t u;
	int64_t v;

	if ((f = tep_find_field(ev, "__probe_func"))) {
		is_return = 1;
	} else {
		f = tep_find_field(ev, "__probe_ip");
	}
	if (!f || read_field(f, rec, &v, &u))
		return FTRACE_LINE_UNKNOWN;
	fn = tep_find_function(st->tep, u);
	if (!fn || vr_probe_classify(fn, strlen(fn), is_return, pl))
		return FTRACE_LINE_UNKNOWN;
	fields = tep_event_fields(ev);
	for (i = 0; fields && fields[i]; i++) {
		const char *name = fields[i]->name;

		if (!strncmp(name, "__probe_", 8))
			continue;
		if (read_field(fields[i], rec, &v, &u))
			continue;
		if (vr_probe_field(name, strlen(name), u, v, pl, &have_vcpu)) {
			free(fields);
			pl->reason = "bad register index in probe field";
			return FTRACE_LINE_UNPARSED;
		}
	}
	free(fields);
	return vr_probe_finish(pl, have_vcpu);
}

/*
 * Classify a record and fill the event from its fields: a kvm tracepoint
 * through tp_maps (*missing names a field its format lacks), anything
 * else as a snapshot probe, by the function it probes.
 */
static enum ftrace_line_type map_record(struct tracedat_import *st, struct tep_event *ev,
					struct tep_record *rec, const char **missing)
{
	struct ftrace_line *pl = &st->parsed;
	enum ftrace_line_type t = FTRACE_LINE_UNKNOWN;
	size_t i;

	if (strcmp(ev->system, "kvm"))
		return map_probe(st, ev, rec);
	for (i = 0; i < sizeof(tp_maps) / sizeof(tp_maps[0]); i++) {
		if (strcmp(ev->name, tp_maps[i].name))
			continue;
		t = map_tracepoint(&tp_maps[i], ev, rec, &pl->ev, missing) ? FTRACE_LINE_UNPARSED
									    : FTRACE_LINE_EVENT;
		if (*missing)
			pl->reason = "event format lacks a field we need";
		break;
	}
	return t;
}

/*
 * Store a classified record: an event or a snapshot (with what it says of
 * the kernel), or a problem naming the event. Nonzero when the writer failed.
 */
static int store_record(struct tracedat_import *st, enum ftrace_line_type t,
			const struct tep_event *ev, const char *missing)
{
	struct ftrace_line *pl = &st->parsed;

	switch (t) {
	case FTRACE_LINE_EVENT:
		if ((pl->ev.kind == VR_EV_TIMER_IRQ || pl->ev.kind == VR_EV_IRQ_PENDING) &&
		    pl->ev.vcpu != VR_NO_VALUE)
			trace_writer_map_thread(st->w, pl->ev.pid, pl->ev.vcpu, "private-irq", 0,
						pl->ev.ts_ns);
		if (pl->ev.kind == VR_EV_POPULATE)
			kernel_evidence_observe(&st->kev, st->records, &pl->ev, &pl->snap);
		st->events++;
		if (import_order_check(&st->order, st->w, pl->ev.ts_ns, st->records))
			return 1;
		return trace_writer_event(st->w, &pl->ev) < 0;
	case FTRACE_LINE_SNAPSHOT:
		kernel_evidence_observe(&st->kev, st->records, &pl->ev, &pl->snap);
		if (!pl->snap.gic_version)
			pl->snap.gic_version = st->kev.gic_version;
		st->events++;
		if (import_order_check(&st->order, st->w, pl->ev.ts_ns, st->records))
			return 1;
		return trace_writer_snapshot(st->w, &pl->ev, &pl->snap) < 0;
	case FTRACE_LINE_UNPARSED:
		return trace_writer_problem(st->w, st->records, "unparsed", ev->name,
					    missing ? missing : pl->reason, NULL, 0);
	default:
		return trace_writer_problem(st->w, st->records, "unknown_event", ev->name, NULL,
					    NULL, 0);
	}
}

/* Stop the iteration with err set to why (record by record number). */
static int record_failed(struct tracedat_import *st, const char *why)
{
	vr_error_set(st->err, "%s: record %lld: %s", st->name, (long long)st->records, why);
	st->failed = 1;
	return 1;
}

/*
 * tracecmd_iterate_events callback: one record, after the gap of the
 * records trace-cmd says were missed before it. Returns 1 to stop (an
 * interrupt, or the writer failed).
 */
static int import_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *data)
{
	struct tracedat_import *st = data;
	struct ftrace_line *pl = &st->parsed;
	const char *missing = NULL;
	struct tep_event *ev;
	int rc = 0;

	(void)h;
	st->records++;
	if (import_interrupted())
		return record_failed(st, "interrupted");
	if (rec->missed_events)
		rc |= trace_writer_gap(st->w, cpu, rec->missed_events > 0 ? rec->missed_events : -1,
				       st->records);
	vr_event_clear(&pl->ev);
	vr_snapshot_clear(&pl->snap);
	pl->reason = NULL;
	ev = tep_find_event_by_record(st->tep, rec);
	if (!ev) {
		rc |= trace_writer_problem(st->w, st->records, "unparsed", NULL,
					   "record of an event id with no format", NULL, 0);
	} else {
		pl->ev.ts_ns = import_align_ts(st->job, (int64_t)rec->ts);
		pl->ev.cpu = cpu;
		pl->ev.pid = tep_data_pid(st->tep, rec);
		pl->ev.src_pos = st->records;
		rc |= store_record(st, map_record(st, ev, rec, &missing), ev, missing);
	}
	vr_progress_update(&st->progress, (uint64_t)st->records, 0);
	return rc ? record_failed(st, "cannot store it in the trace database") : 0;
}

/*
 * Open the file's headers once in a child process and report how that
 * went: 0 if they parse, -1 (err set) if not. libtracecmd 3.1 and
 * libtraceevent 1.7 crash on some corrupt headers (a format section the
 * event parser misreads; tracecmd_close walking the page maps of a CPU
 * whose init failed), and bad input must end in an error message, not a
 * core dump. Only the header parse runs in the child; the parent redoes
 * it in process, which costs a few milliseconds.
 */
static int tracedat_headers_parse(const char *path, const char *name, struct vr_error *err)
{
	int status, devnull;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return vr_error_set(err, "%s: fork: %s", name, strerror(errno));
	if (pid == 0) {
		struct tracecmd_input *h;

		/* A crash report from the libraries is not for the user. */
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		/* Die of the signal itself, past any sanitizer's handler. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		alarm(60);
		h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS |
						TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
		if (!h)
			_exit(1);
		tracecmd_close(h);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vr_error_set(err, "%s: waitpid: %s", name, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return vr_error_set(err, "%s: not a readable trace.dat (corrupt headers: "
					 "libtracecmd died of signal %d reading them)",
				    name, WTERMSIG(status));
	return vr_error_set(err, "%s: not a readable trace.dat (truncated or corrupt headers)",
			    name);
}

/*
 * The trace.dat's own account of where it was recorded: as trace_info
 * rows, then the metadata; -1 (err set) when --align measured another clock.
 */
static int finish_import(struct tracedat_import *st, struct tracecmd_input *h,
			 const struct import_job *job)
{
	const char *uname = tracecmd_get_uname(h), *clock = tracecmd_get_trace_clock(h);

	trace_writer_info_text(st->w, "source_format", "trace-cmd");
	trace_writer_info_text(st->w, "capture_tool", "trace-cmd");
	trace_writer_info_text(st->w, "host", NULL);
	if (import_write_clock(job, clock && *clock ? clock : NULL, st->err))
		return -1;
	trace_writer_info_int(st->w, "input_records", st->records);
	job->res->input_records = st->records;
	import_order_result(&st->order, job->res);
	import_finish_metadata(job, &st->kev, uname);
	return 0;
}

/*
 * import_format_ops.import: the headers checked in a child first (see
 * tracedat_headers_parse), then every record, merged across CPUs.
 */
static int tracedat_import(const struct import_job *job, struct vr_error *err)
{
	struct tracedat_import st;
	struct tracecmd_input *h;

	memset(&st, 0, sizeof(st));
	st.job = job;
	st.name = job->name;
	st.w = job->w;
	st.err = err;
	kernel_evidence_init(&st.kev);
	import_order_init(&st.order);
	vr_progress_init(&st.progress, "importing");
	if (job->opt->quiet) /* -q: no summary and no progress line */
		st.progress.enabled = 0;
	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	h = tracecmd_open(job->path, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!h)
		return vr_error_set(err,
				    "%s: not a readable trace.dat (truncated or corrupt headers)",
				    st.name);
	st.tep = tracecmd_get_tep(h);
	if (tracecmd_iterate_events(h, NULL, 0, import_record, &st) < 0 && !st.failed) {
		vr_error_set(err, "%s: record %lld: corrupt data section", st.name,
			     (long long)st.records + 1);
		st.failed = 1;
	}
	vr_progress_done(&st.progress);
	if (!st.failed && finish_import(&st, h, job))
		st.failed = 1;
	tracecmd_close(h);
	return st.failed ? -1 : 0;
}

/* See formats.h. trace.dat is read by path: a plain file, or a plain copy of the input. */
const struct import_format_ops import_format_tracedat = {
	.name = "trace.dat",
	.format = IMPORT_FORMAT_TRACECMD,
	.sniff = import_sniff_tracedat,
	.needs_file = 1,
	.preflight = tracedat_headers_parse,
	.import = tracedat_import,
};
