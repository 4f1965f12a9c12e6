/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --backend tracefs`: the same recording as the BPF collector on
 * hosts where BPF is not allowed, through tracefs only.
 *
 * It makes a tracefs instance of its own (instances/vgic-replay-PID, so
 * the top-level buffer and other tracers are left alone), defines the
 * vGIC snapshot kprobes in a kprobe group of its own (the definitions of
 * `vgic-replay probes`, offsets from the running kernel's BTF), sets the
 * filters they need (queue_lpi: LPIs only), enables them and the kvm
 * tracepoints in that instance, and reads the instance's
 * text `trace_pipe` through collector/import/ftrace_parse.c, the parser the
 * importer uses, so a live recording and an imported capture of the same
 * events give the same rows. Text rather than trace_pipe_raw: Debian has
 * static arm64 archives of libtracefs and libtraceevent, but the typed
 * record mapping lives in the trace.dat importer, which needs libtracecmd
 * (no static archive), and the text path needs no library at all.
 *
 * Rows are committed every 250 ms (the BPF collector's spool is flushed as
 * it goes); ftrace's "[LOST n EVENTS]" markers become gaps. Everything it
 * set up is removed at the end, also after an error. It runs through the
 * recording core's steps (record_core.h).
 */
#define _GNU_SOURCE
#include "backends.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../schemas/tracedb.h"
#include "../import/ftrace_parse.h"
#include "vgic_probes.h"

#define TRACEFS "/sys/kernel/tracing"
#define CHUNK (1 << 20)
#define COMMIT_NS 250000000ull
#define COMMIT_EVENTS 5000

/* The kvm tracepoints the BPF collector records, in the same order. */
static const char *const kvm_events[] = {
	"vgic_update_irq_pending", "kvm_irq_line", "kvm_set_irq", "kvm_ack_irq",
	"kvm_entry", "kvm_exit", "kvm_vcpu_wakeup", "kvm_wfx_arm64",
	"kvm_timer_update_irq", "kvm_userspace_exit", "kvm_mmio",
};

/* What was set up, so that cleanup undoes exactly that. */
struct tfs {
	char instance[256];   /* TRACEFS/instances/NAME, "" if not made */
	char group[32];	      /* our kprobe group */
	char instance_label[300]; /* what we read, for messages */
	char *probe_names;    /* the kprobe event names we defined, '\n'-separated */
	char *filters;	      /* the filters they need, "EVENT FILTER" lines (vgic_probe_filters) */
	int pipe_fd;
};

/* Write a string to a tracefs file; 0 or -errno. */
static int tfs_write(const char *path, const char *text, int append)
{
	int fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC)), rc = 0;
	size_t n = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n)
		rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

/* The last line of tracefs's error_log, which says why a definition was refused. */
static void last_error_log(char *buf, size_t size)
{
	FILE *f = fopen(TRACEFS "/error_log", "r");
	char line[512];

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "error:"))
			snprintf(buf, size, "%s", strstr(line, "error:"));
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* Enable or disable one event of the instance; 0, or -errno (-ENOENT: no such event). */
static int set_event(const struct tfs *t, const char *system, const char *event, int on)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/events/%s/%s/enable", t->instance, system, event);
	if (access(path, F_OK))
		return -ENOENT;
	return tfs_write(path, on ? "1" : "0", 0);
}

/*
 * Define the snapshot kprobes in our own group: the definitions of
 * `vgic-replay probes`, with the group renamed so that other users of
 * the "vgic" group (the lab's ftrace capture) are not disturbed.
 */
static int define_probes(struct tfs *t, int gic, int lrs, struct vr_error *err)
{
	struct vgic_offsets o;
	char *defs = vr_xmalloc(16384), *line, *save = NULL, msg[256];
	size_t names = 0;
	int rc = 0;

	if (vgic_offsets_for_running_kernel(gic, &o, err)) {
		free(defs);
		return -1;
	}
	t->filters = vr_xmalloc(1024);
	if (vgic_probe_definitions(&o, lrs, defs, 16384) < 0 ||
	    vgic_probe_filters(&o, t->filters, 1024) < 0) {
		free(defs);
		return vr_error_set(err, "kprobe definitions too long");
	}
	t->probe_names = vr_xmalloc(1024);
	t->probe_names[0] = '\0';
	for (line = strtok_r(defs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char def[4096], name[64], fn[128];
		const char *slash = strchr(line, '/');
		int w;

		if (!slash || sscanf(slash + 1, "%63s %127s", name, fn) != 2)
			continue;
		snprintf(def, sizeof(def), "%c:%s/%s", line[0], t->group, slash + 1);
		w = tfs_write(TRACEFS "/kprobe_events", def, 1);
		if (w && !strcmp(name, VGIC_PROBE_QUEUE_LPI)) {
			/* Not judged from BTF (which may lack the function): said and left out. */
			fprintf(stderr, "record: missing in this kernel: function %s (not recorded: "
					"%s)\n", fn, strerror(-w));
			continue;
		}
		if (w) {
			last_error_log(msg, sizeof(msg));
			rc = vr_error_set(err, "cannot define a kprobe event on %s: %s%s%s (needs "
					       "CONFIG_KPROBE_EVENTS and a function that is not inlined)",
					  fn, strerror(-w), msg[0] ? "; " : "", msg);
			break;
		}
		names += (size_t)snprintf(t->probe_names + names, 1024 - names, "%s\n", name);
	}
	free(defs);
	return rc;
}

/* Undo everything define_probes and the instance set-up did. */
static void tfs_undo(struct tfs *t)
{
	char *names = t->probe_names, *name, *save = NULL, def[128];

	if (t->pipe_fd >= 0)
		close(t->pipe_fd);
	t->pipe_fd = -1;
	if (t->instance[0]) {
		char path[512];

		snprintf(path, sizeof(path), "%s/tracing_on", t->instance);
		tfs_write(path, "0", 0);
		snprintf(path, sizeof(path), "%s/events/enable", t->instance);
		tfs_write(path, "0", 0);
	}
	/* The kprobe events can go only once no instance has them enabled. */
	if (t->instance[0] && rmdir(t->instance))
		fprintf(stderr, "record: cannot remove %s: %s\n", t->instance, strerror(errno));
	t->instance[0] = '\0';
	for (name = names ? strtok_r(names, "\n", &save) : NULL; name;
	     name = strtok_r(NULL, "\n", &save)) {
		snprintf(def, sizeof(def), "-:%s/%s", t->group, name);
		tfs_write(TRACEFS "/kprobe_events", def, 1);
	}
	free(names);
	t->probe_names = NULL;
	free(t->filters);
	t->filters = NULL;
}

/* Only the VMM's threads (-p): its current threads, and those it creates later. */
static int filter_pid(const struct tfs *t, pid_t pid, struct vr_error *err)
{
	char path[512], buf[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return vr_error_set(err, "no process %d (%s)", (int)pid, strerror(errno));
	snprintf(path, sizeof(path), "%s/set_event_pid", t->instance);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(buf, sizeof(buf), "%d ", atoi(de->d_name));
		tfs_write(path, buf, 1);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/options/event-fork", t->instance);
	tfs_write(path, "1", 0);
	return 0;
}

/* Enable the kvm tracepoints (those --events names); one this kernel lacks is said and left out. */
static int enable_tracepoints(const struct tfs *t, const struct record_options *opt,
			      struct vr_error *err)
{
	size_t i;
	int w, n = 0;

	for (i = 0; i < sizeof(kvm_events) / sizeof(kvm_events[0]); i++) {
		if (opt->events && !strstr(opt->events, kvm_events[i]))
			continue;
		w = set_event(t, "kvm", kvm_events[i], 1);
		if (w == -ENOENT)
			fprintf(stderr, "record: missing in this kernel: tracepoint %s (not recorded)\n",
				kvm_events[i]);
		else if (w)
			return vr_error_set(err, "cannot enable kvm:%s: %s", kvm_events[i],
					    strerror(-w));
		else
			n++;
	}
	if (!n)
		return vr_error_set(err, "no kvm tracepoint could be enabled: not a KVM host?");
	return 0;
}

/*
 * Set the filter a probe of ours needs (vgic_probe_filters) in our
 * instance, before it is enabled: queue_lpi would otherwise record every
 * injection, not only the LPIs.
 */
static int set_probe_filter(const struct tfs *t, const char *name, struct vr_error *err)
{
	size_t n = strlen(name), len;
	const char *line;
	char path[512];
	int w;

	for (line = t->filters; line && *line; line += len + (line[len] == '\n')) {
		char filter[256];

		len = strcspn(line, "\n");
		if (len <= n || strncmp(line, name, n) || line[n] != ' ')
			continue;
		snprintf(filter, sizeof(filter), "%.*s", (int)(len - n - 1), line + n + 1);
		snprintf(path, sizeof(path), "%s/events/%s/%s/filter", t->instance, t->group, name);
		w = tfs_write(path, filter, 0);
		if (w)
			return vr_error_set(err, "cannot set the filter '%s' of kprobe %s/%s: %s",
					    filter, t->group, name, strerror(-w));
	}
	return 0;
}

/* Define the snapshot kprobes in our own group, set their filters and enable each of them. */
static int enable_probes(struct tfs *t, const struct record_options *opt, int gic,
			 struct vr_error *err)
{
	char *names, *name, *save = NULL;
	int w, rc = 0;

	snprintf(t->group, sizeof(t->group), "vgic_replay_%d", (int)getpid());
	if (define_probes(t, gic, opt->tracefs_lrs, err))
		return -1;
	names = vr_xstrdup(t->probe_names);
	for (name = strtok_r(names, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		if (set_probe_filter(t, name, err)) {
			rc = -1;
			break;
		}
		w = set_event(t, t->group, name, 1);
		if (w) {
			rc = vr_error_set(err, "cannot enable kprobe %s/%s: %s", t->group, name,
					  strerror(-w));
			break;
		}
		if (opt->verbose)
			fprintf(stderr, "record: attached kprobe event %s/%s\n", t->group, name);
	}
	free(names);
	return rc;
}

/*
 * Make the instance (its buffer --buffer-size per CPU, stopped), enable
 * what we record in it, open its trace_pipe and start it.
 */
static int setup(struct tfs *t, const struct record_options *opt, int gic,
		 struct vr_error *err)
{
	char path[512], buf[32];

	snprintf(t->instance, sizeof(t->instance), TRACEFS "/instances/vgic-replay-%d",
		 (int)getpid());
	if (mkdir(t->instance, 0750)) {
		int e = errno;

		t->instance[0] = '\0';
		return vr_error_set(err, "cannot make a tracefs instance under " TRACEFS
					 "/instances: %s", strerror(e));
	}
	snprintf(path, sizeof(path), "%s/buffer_size_kb", t->instance);
	snprintf(buf, sizeof(buf), "%zu", opt->ring_bytes >> 10);
	tfs_write(path, buf, 0);
	snprintf(path, sizeof(path), "%s/tracing_on", t->instance);
	tfs_write(path, "0", 0);
	if ((opt->pid && filter_pid(t, opt->pid, err)) || enable_tracepoints(t, opt, err) ||
	    (opt->snapshots && enable_probes(t, opt, gic, err)))
		return -1;
	snprintf(path, sizeof(path), "%s/trace_pipe", t->instance);
	t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK);
	if (t->pipe_fd < 0)
		return vr_error_set(err, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/tracing_on", t->instance);
	return tfs_write(path, "1", 0) ? vr_error_set(err, "cannot start tracing in %s",
						       t->instance)
				       : 0;
}

/* The tracefs backend's state for one recording (record_run.priv). */
struct tfs_recorder {
	struct record_run *run;
	struct tfs t;
	struct ftrace_line pl;
	int from_file;	      /* --from-pipe: a saved trace_pipe, read to its end */
	int64_t line_no;
	char *buf;	      /* CHUNK bytes: what trace_pipe gave, up to a line's end */
	size_t have;
	uint64_t last_commit;
	int64_t committed;    /* events when last committed */
};

/* One line of trace_pipe into the writer; -1 when the writer failed. */
static int take_line(struct tfs_recorder *r, const char *line, size_t len)
{
	struct ftrace_line *pl = &r->pl;
	struct trace_writer *w = r->run->w;
	struct record_stats *st = r->run->st;

	r->line_no++;
	switch (ftrace_parse_line(line, len, pl)) {
	case FTRACE_LINE_EVENT:
		pl->ev.src_pos = VR_NO_VALUE;
		if ((pl->ev.kind == VR_EV_TIMER_IRQ || pl->ev.kind == VR_EV_IRQ_PENDING) &&
		    pl->ev.vcpu != VR_NO_VALUE && pl->ev.intid != VR_NO_VALUE && pl->ev.intid < 32)
			trace_writer_map_thread(w, pl->ev.pid, pl->ev.vcpu, "private-irq", 0,
						pl->ev.ts_ns);
		st->events++;
		return trace_writer_event(w, &pl->ev) < 0 ? -1 : 0;
	case FTRACE_LINE_SNAPSHOT:
		pl->ev.src_pos = VR_NO_VALUE;
		if (!pl->snap.gic_version)
			pl->snap.gic_version = r->run->gic;
		st->events++;
		st->snapshots++;
		return trace_writer_snapshot(w, &pl->ev, &pl->snap) < 0 ? -1 : 0;
	case FTRACE_LINE_LOST:
		st->drops_bpf += pl->lost > 0 ? pl->lost : 0;
		return trace_writer_gap(w, pl->lost_cpu, pl->lost, VR_NO_VALUE);
	case FTRACE_LINE_UNKNOWN:
		return trace_writer_problem(w, r->line_no, "unknown_event", pl->name, NULL, line, len);
	case FTRACE_LINE_UNPARSED:
		return trace_writer_problem(w, r->line_no, "unparsed", pl->name[0] ? pl->name : NULL,
					    pl->reason, line, len);
	default:
		return 0;
	}
}

/*
 * Read what trace_pipe has now: 0 when it had nothing, 1 when it gave
 * lines, -1 on error, -2 at the end of a --from-pipe file.
 */
static int read_pipe(struct tfs_recorder *r, struct vr_error *err)
{
	const char *name = r->run->opt->output;
	ssize_t n = read(r->t.pipe_fd, r->buf + r->have, CHUNK - r->have);
	size_t start = 0;
	char *nl;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0
							 : vr_error_set(err, "%s: read: %s", name,
									strerror(errno));
	if (n == 0)
		return r->from_file ? -2 : 0;
	r->have += (size_t)n;
	while ((nl = memchr(r->buf + start, '\n', r->have - start))) {
		if (take_line(r, r->buf + start, (size_t)(nl - (r->buf + start))))
			return record_write_failed(r->run->db, name, err);
		start = (size_t)(nl - r->buf) + 1;
	}
	memmove(r->buf, r->buf + start, r->have - start);
	r->have -= start;
	if (r->have == CHUNK)
		r->have = 0; /* a line longer than the buffer: not ours */
	return 1;
}

/*
 * The recording failed after read_pipe or a commit said why: give the
 * writer up (a failed write already rolled its batch back).
 */
static enum record_step give_up(struct record_run *run)
{
	trace_writer_abort(run->w);
	run->w = NULL;
	return RECORD_FAILED;
}

/* ------------------------------------------------ the steps (record_core.h) */

/*
 * Preflight: tracefs mounted and writable, and no option it cannot do;
 * a saved trace_pipe (--from-pipe) needs none of it.
 */
static int tfs_preflight(struct record_run *run, struct vr_error *err)
{
	const struct record_options *opt = run->opt;
	struct tfs_recorder *r = vr_xcalloc(1, sizeof(*r));

	r->run = run;
	r->t.pipe_fd = -1;
	run->priv = r;
	if (opt->tracefs_input)
		return 0;
	if (access(TRACEFS "/kprobe_events", F_OK))
		return vr_error_set(err, "tracefs is not mounted at " TRACEFS
					 " (mount -t tracefs nodev " TRACEFS ")");
	if (access(TRACEFS "/instances", W_OK))
		return vr_error_set(err, "record --backend tracefs needs root (write access to "
					 TRACEFS ")");
	if (opt->vcpu >= 0)
		return vr_error_set(err, "--vcpu is not supported with --backend tracefs "
					 "(the kvm tracepoints do not name the vCPU)");
	if (opt->flight_bytes)
		return vr_error_set(err, "--flight is not supported with --backend tracefs");
	return 0;
}

/*
 * Attach: the instance made and its events enabled, or the saved
 * trace_pipe opened. Ctrl-C is caught first: what setup() changes in
 * tracefs must be undone however the recording ends.
 */
static int tfs_attach(struct record_run *run, struct vr_error *err)
{
	struct tfs_recorder *r = run->priv;
	const char *input = run->opt->tracefs_input;

	record_catch_stop();
	if (!input) {
		if (setup(&r->t, run->opt, run->gic, err))
			return -1;
		snprintf(r->t.instance_label, sizeof(r->t.instance_label), "tracefs instance %s",
			 r->t.instance);
		return 0;
	}
	/* Testing and offline use: a saved trace_pipe stands in for the live one. */
	snprintf(r->t.instance_label, sizeof(r->t.instance_label), "%s", input);
	r->t.pipe_fd = open(input, O_RDONLY);
	if (r->t.pipe_fd < 0)
		return vr_error_set(err, "%s: %s", input, strerror(errno));
	r->from_file = 1;
	return 0;
}

/* Open: the trace begun, the line buffer ready. */
static int tfs_open(struct record_run *run, struct vr_error *err)
{
	struct tfs_recorder *r = run->priv;

	if (record_begin_trace(run, err))
		return -1;
	r->buf = vr_xmalloc(CHUNK);
	fprintf(stderr, "record: writing %s (%s); Ctrl-C to stop\n", run->opt->output,
		r->t.instance_label);
	run->start_ns = r->last_commit = vr_now_ns();
	return 0;
}

/* Poll: wait up to 100 ms for trace_pipe and take its lines. */
static enum record_step tfs_poll(struct record_run *run, struct vr_error *err)
{
	struct tfs_recorder *r = run->priv;
	struct pollfd p = {.fd = r->t.pipe_fd, .events = POLLIN};
	int got;

	poll(&p, 1, 100);
	got = read_pipe(r, err);
	if (got == -2)
		return RECORD_STOP;
	return got < 0 ? give_up(run) : RECORD_GO_ON;
}

/*
 * Tick: commit every 250 ms, and every few thousand events when they come
 * fast; --max-size is checked after each commit.
 */
static enum record_step tfs_tick(struct record_run *run, struct vr_error *err)
{
	struct tfs_recorder *r = run->priv;

	if (vr_now_ns() - r->last_commit <= COMMIT_NS &&
	    run->st->events - r->committed < COMMIT_EVENTS)
		return RECORD_GO_ON;
	if (trace_writer_commit(run->w, NULL)) {
		record_write_failed(run->db, run->opt->output, err);
		return give_up(run);
	}
	r->committed = run->st->events;
	r->last_commit = vr_now_ns();
	return record_size_reached(run) ? RECORD_STOP : RECORD_GO_ON;
}

/* Stop: the instance's buffer stopped, then drained of what it still holds, and committed. */
static int tfs_stop(struct record_run *run, struct vr_error *err)
{
	struct tfs_recorder *r = run->priv;
	int got;

	if (r->t.instance[0]) {
		char path[512];

		snprintf(path, sizeof(path), "%s/tracing_on", r->t.instance);
		tfs_write(path, "0", 0);
	}
	while ((got = read_pipe(r, err)) > 0)
		;
	if (got == -1)
		return give_up(run);
	return record_finish_trace(run, r->line_no, err);
}

/* Cleanup: tracefs as it was, and the trace closed with what was committed. */
static void tfs_cleanup(struct record_run *run)
{
	struct tfs_recorder *r = run->priv;

	if (!r)
		return;
	tfs_undo(&r->t);
	record_close_trace(run, 1);
	free(r->buf);
	free(r);
	run->priv = NULL;
}

/* See backends.h. */
const struct record_backend record_backend_tracefs = {
	.name = "tracefs",
	.clock = "ftrace local clock",
	.preflight = tfs_preflight,
	.attach = tfs_attach,
	.open = tfs_open,
	.poll = tfs_poll,
	.tick = tfs_tick,
	.stop = tfs_stop,
	.cleanup = tfs_cleanup,
};
