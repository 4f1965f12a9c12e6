/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace half of the BPF collector.
 *
 * While recording, two threads: the main thread polls the BPF ring buffer
 * and copies its records, a batch at a time, into a bounded in-memory
 * queue (8 x the BPF ring); the writer thread writes them out as they lie
 * to the spool (spool.h), so the disk never stalls the ring buffer. When
 * the recording stops, the spool is turned into trace rows through the
 * importers' writer (store_spool()): the guests being recorded do not pay
 * for SQLite while they run. If the queue itself fills up, the records are
 * counted as user-space drops and stored as gaps, like the BPF side's
 * failed reservations (counted per probe and CPU in the `drops` map).
 *
 * Hooks are chosen at run time: each probed function must exist in the
 * kernel's BTF; fentry/fexit programs are tried first and kprobes are the
 * fallback. What was attached and what the kernel lacks is printed, one
 * line each.
 */
#define _GNU_SOURCE
#include "record.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../../schemas/tracedb.h"
#include "flight.h"
#include "../import/ftrace_parse.h"
#include "spool.h"
#include "vgic.h"
#include "vgic.skel.h"

#define QUEUE_SLOT sizeof(struct vgic_rec_aplist) /* the largest record */
#define QUEUE_RING_FACTOR 8 /* the queue holds 8 x the BPF ring's bytes */
#define WRITER_BATCH 4096   /* records the writer takes per visit to the queue */

static volatile sig_atomic_t stop_requested, dump_requested;

/* SIGINT/SIGTERM: finish cleanly with everything committed (both backends). */
void vr_record_on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* See record.h. */
int vr_record_stop_requested(void)
{
	return stop_requested;
}

/* SIGUSR1 in flight-recorder mode: write the window held in memory. */
static void on_dump(int sig)
{
	(void)sig;
	dump_requested = 1;
}

/* A gap to store, passed through the queue so that only the writer touches SQLite. */
struct gap_rec {
	struct vgic_rec_hdr h; /* type VGIC_REC_GAP, cpu, ts = end of the window */
	long long lost;
	unsigned long long start_ns;
};

#define VGIC_REC_GAP 100

/*
 * The queue between the ring-buffer thread and the writer thread: a byte
 * FIFO (flight.h, FIFO use) that the writer reads in place, in batches.
 */
struct queue {
	struct flight_ring *fifo;
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	int closed;
	int64_t dropped;
	size_t peak_bytes; /* how far the writer fell behind, at most */
};

struct recorder {
	const struct record_options *opt;
	struct vgic_bpf *skel;
	struct queue q;
	struct flight_ring *flight; /* flight-recorder mode: records stay here until a dump */
	int gic;
	uint64_t start_ns;
	struct tracedb *db;
	struct trace_writer *w;
	struct record_stats *st;
	int writer_failed;
	struct spool *spool;	  /* streaming: the records, until the recording stops */
	volatile int64_t spooled; /* records spooled so far (the live count on a tty) */
	int64_t last_post_event[256]; /* per vCPU, for attaching AP-list walks */
	uint64_t *drops_seen_cpu; /* [probe][cpu] counters already turned into gaps */
};

/* Copy a record into the queue (lock held), or count it dropped: the writer is that far behind. */
static void queue_append(struct queue *q, const void *data, size_t size)
{
	if (size > QUEUE_SLOT || flight_append(q->fifo, data, (uint32_t)size))
		q->dropped++;
	else if (flight_used_bytes(q->fifo) > q->peak_bytes)
		q->peak_bytes = flight_used_bytes(q->fifo);
}

/* Queue one record from outside a ring-buffer batch (a gap), waking the writer. */
static void queue_push(struct queue *q, const void *data, size_t size)
{
	pthread_mutex_lock(&q->lock);
	if (!q->fifo->count)
		pthread_cond_signal(&q->nonempty); /* the writer sleeps only on an empty queue */
	queue_append(q, data, size);
	pthread_mutex_unlock(&q->lock);
}

/* Hand a record on: to the writer's queue, or in flight mode to the in-memory ring. */
static void record_push(struct recorder *r, const void *data, size_t size)
{
	if (!r->flight)
		queue_push(&r->q, data, size);
	else if (size > QUEUE_SLOT || flight_push(r->flight, data, (uint32_t)size))
		r->q.dropped++;
}

/*
 * Take every record the ring holds. A streaming recording takes the whole
 * batch under one hold of the queue's lock (on_ring_record() appends
 * without locking), not one per record.
 */
static int take_ring(struct recorder *r, struct ring_buffer *rb)
{
	int n, was_empty;

	if (r->flight)
		return ring_buffer__consume(rb);
	pthread_mutex_lock(&r->q.lock);
	was_empty = !r->q.fifo->count;
	n = ring_buffer__consume(rb);
	if (was_empty && r->q.fifo->count)
		pthread_cond_signal(&r->q.nonempty);
	pthread_mutex_unlock(&r->q.lock);
	return n;
}

/*
 * Wait up to 50 ms for records and take them. The BPF side wakes us only
 * every so many records (ring_wakeup_flags()), so a timeout takes what
 * arrived since.
 */
static int poll_ring(struct recorder *r, struct ring_buffer *rb)
{
	struct epoll_event ev;

	if (epoll_wait(ring_buffer__epoll_fd(rb), &ev, 1, 50) < 0 && errno != EINTR)
		return -errno;
	return take_ring(r, rb);
}

/* ring_buffer__new callback: runs on the polling thread, inside take_ring(). */
static int on_ring_record(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;

	if (r->flight)
		record_push(r, data, size);
	else
		queue_append(&r->q, data, size);
	return 0;
}

/* Fill the event fields every record shares. */
static void event_from_hdr(const struct vgic_rec_hdr *h, struct vr_event *ev)
{
	vr_event_clear(ev);
	ev->ts_ns = (int64_t)h->ts;
	ev->cpu = h->cpu;
	ev->pid = (int32_t)h->pid;
	ev->kind = (enum vr_event_kind)h->kind;
	if (h->vcpu >= 0)
		ev->vcpu = h->vcpu;
}

/* Store one record (writer thread). */
static int write_record(struct recorder *r, const unsigned char *slot)
{
	const struct vgic_rec_hdr *h = (const void *)slot;
	struct vr_event ev;
	int i;

	event_from_hdr(h, &ev);
	if (h->type == VGIC_REC_EVENT) {
		const struct vgic_rec_event *e = (const void *)slot;

		if (e->intid >= 0)
			ev.intid = e->intid;
		for (i = 0; i < 4; i++)
			ev.arg[i] = e->arg[i] == -1 ? VR_NO_VALUE : e->arg[i];
		if (ev.kind == VR_EV_DEACTIVATE || ev.kind == VR_EV_SGI) {
			/* Decoded as the text importer does, in the layout the hook names. */
			int layout = (int)e->arg[3];

			ev.arg[3] = VR_NO_VALUE;
			if (ev.kind == VR_EV_DEACTIVATE)
				vr_decode_deactivate(layout, &ev);
			else
				vr_decode_sgi(layout, &ev);
		}
		if ((ev.kind == VR_EV_TIMER_IRQ || ev.kind == VR_EV_IRQ_PENDING) &&
		    ev.vcpu != VR_NO_VALUE)
			trace_writer_map_thread(r->w, ev.pid, ev.vcpu, "private-irq", 0, ev.ts_ns);
		r->st->events++;
		return trace_writer_event(r->w, &ev) < 0 ? -1 : 0;
	}
	if (h->type == VGIC_REC_SNAPSHOT) {
		const struct vgic_rec_snapshot *s = (const void *)slot;
		struct vr_snapshot snap;
		int64_t id;

		vr_snapshot_clear(&snap);
		snap.gic_version = s->gic_version;
		snap.nr_lrs = s->nr_lrs > VGIC_REC_MAX_LRS ? VGIC_REC_MAX_LRS : s->nr_lrs;
		snap.used_lrs = s->used_lrs;
		snap.hcr = s->hcr;
		snap.vmcr = s->vmcr;
		if (s->gic_version == 2) {
			snap.apr = s->apr;
		} else {
			for (i = 0; i < 4; i++) {
				snap.ap0r[i] = s->ap0r[i];
				snap.ap1r[i] = s->ap1r[i];
			}
		}
		for (i = 0; i < snap.nr_lrs; i++)
			snap.lr[i] = s->lr[i];
		ev.arg[0] = snap.used_lrs;
		r->st->events++;
		r->st->snapshots++;
		id = trace_writer_snapshot(r->w, &ev, &snap);
		if (id < 0)
			return -1;
		if (ev.kind == VR_EV_POST && h->vcpu >= 0 && h->vcpu < 256)
			r->last_post_event[h->vcpu] = id;
		return 0;
	}
	if (h->type == VGIC_REC_GAP) {
		const struct gap_rec *g = (const void *)slot;

		return trace_writer_gap_window(r->w, h->cpu, g->lost, (int64_t)g->start_ns,
					       (int64_t)h->ts);
	}
	if (h->type == VGIC_REC_APLIST) {
		const struct vgic_rec_aplist *a = (const void *)slot;
		struct vr_ap_entry e[VGIC_REC_MAX_AP];
		int n = a->n > VGIC_REC_MAX_AP ? VGIC_REC_MAX_AP : a->n;

		if (h->vcpu < 0 || h->vcpu >= 256 || !r->last_post_event[h->vcpu])
			return 0;
		for (i = 0; i < n; i++) {
			const struct vgic_rec_ap_entry *x = &a->e[i];

			e[i].intid = x->intid;
			e[i].priority = x->priority;
			e[i].active = !!(x->flags & VGIC_AP_ACTIVE);
			e[i].pending_latch = !!(x->flags & VGIC_AP_PENDING_LATCH);
			e[i].line_level = !!(x->flags & VGIC_AP_LINE_LEVEL);
			e[i].enabled = !!(x->flags & VGIC_AP_ENABLED);
			e[i].hw = !!(x->flags & VGIC_AP_HW);
			e[i].level_config = !!(x->flags & VGIC_AP_LEVEL_CONFIG);
			e[i].target_vcpu = x->target_vcpu;
		}
		r->st->ap_lists++;
		return trace_writer_ap_list(r->w, r->last_post_event[h->vcpu], e, n, a->truncated);
	}
	return 0;
}

/*
 * Wait for records or the queue closed (lock held). The ring thread
 * signals an empty queue's first records; the timed wait only guards
 * against a signal missed in between.
 */
static void queue_wait(struct queue *q)
{
	while (!q->fifo->count && !q->closed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&q->nonempty, &q->lock, &ts);
	}
}

/*
 * Writer thread: append the queued records to the spool, as they lie in
 * the queue (one write() per piece, no copy per record), until the queue
 * is closed and empty. The ring thread only appends into free space, so
 * the writing happens outside the lock; the records are released after.
 */
static void *writer_main(void *arg)
{
	struct recorder *r = arg;
	struct queue *q = &r->q;

	for (;;) {
		const void *data = NULL;
		size_t bytes = 0, k;

		pthread_mutex_lock(&q->lock);
		queue_wait(q);
		if (!q->fifo->count && q->closed) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		k = flight_oldest_span(q->fifo, WRITER_BATCH, &data, &bytes);
		pthread_mutex_unlock(&q->lock);
		if (!r->writer_failed && spool_append_framed(r->spool, data, bytes, k))
			r->writer_failed = 1;
		pthread_mutex_lock(&q->lock);
		flight_release(q->fifo, k);
		pthread_mutex_unlock(&q->lock);
		r->spooled += (int64_t)k;
	}
	return NULL;
}

/* The recording has stopped: close the queue and wait for the writer to spool the rest. */
static void stop_writer(struct recorder *r, pthread_t writer)
{
	pthread_mutex_lock(&r->q.lock);
	r->q.closed = 1;
	pthread_cond_signal(&r->q.nonempty);
	pthread_mutex_unlock(&r->q.lock);
	pthread_join(writer, NULL);
}

/* FILE.spool, the spool of the trace database FILE (the caller frees it). */
static char *spool_path_of(const char *output)
{
	size_t n = strlen(output) + sizeof(".spool");
	char *p = vr_xmalloc(n);

	snprintf(p, n, "%s.spool", output);
	return p;
}

/*
 * Turn a spool into trace rows through the recorder's writer, in spool
 * order, showing the progress on a tty. The rows stay in the writer's open
 * transaction: the caller's trace_writer_finish() commits them all at
 * once, so a store cut short leaves the spool to do again, never half of
 * it in the file. Returns 0, or -1 with err set.
 */
static int store_spool(struct recorder *r, const char *path, struct vr_error *err)
{
	unsigned char slot[QUEUE_SLOT] __attribute__((aligned(8)));
	struct spool_reader *sr = spool_open(path, err);
	int tty = isatty(STDERR_FILENO), rc;
	uint64_t last_shown = 0;
	uint32_t n;

	if (!sr)
		return -1;
	while ((rc = spool_next(sr, slot, sizeof(slot), &n, err)) == 1) {
		memset(slot + n, 0, sizeof(slot) - n);
		if (write_record(r, slot)) {
			rc = vr_error_set(err, "%s: %s", r->opt->output,
					  trace_writer_error(r->w));
			break;
		}
		if (tty && vr_now_ns() - last_shown > 200000000ull) {
			fprintf(stderr, "\rrecord: storing the recording: %.1f of %.1f MB   ",
				sr->pos / 1048576.0, sr->size / 1048576.0);
			last_shown = vr_now_ns();
		}
	}
	if (tty && last_shown)
		fputc('\n', stderr);
	r->st->spool_torn = sr->torn;
	spool_reader_close(sr);
	return rc < 0 ? -1 : 0;
}

/*
 * Records each CPU submits between wake-ups of this process: together
 * about a quarter of the ring (records average about 128 bytes), so that a
 * burst on every CPU at once still leaves room while we are woken.
 */
static __u32 wakeup_every(size_t ring_bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t every = ring_bytes / 4 / 128 / (size_t)(ncpu > 0 ? ncpu : 1);

	return every < 64 ? 64 : (__u32)every;
}

/* Does the kernel's BTF have a function (or a tracepoint) of this name? */
static int btf_has(const struct btf *vmlinux, const char *name, int tracepoint)
{
	char buf[128];

	if (!tracepoint)
		return btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) >= 0;
	snprintf(buf, sizeof(buf), "btf_trace_%s", name);
	return btf__find_by_name_kind(vmlinux, buf, BTF_KIND_TYPEDEF) >= 0;
}

/* Is name in the comma-separated list (NULL list: everything)? */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* One probe of the skeleton: its program(s) and what it hooks. */
struct hook {
	struct bpf_program *fentry, *kprobe, *kprobe_entry;
	const char *function;
	int tracepoint;
	int wanted;
	int present;
	int essential; /* without it the replay has no LRs to compare (--check fails) */
};

/* The hook table for this skeleton and GIC version. */
static int hook_table(struct vgic_bpf *s, int gic, struct hook *h)
{
	int n = 0;
#define TP(prog, name) h[n++] = (struct hook){s->progs.prog, NULL, NULL, name, 1, 1, 0, 0}
#define FN(fe, kp, kpe, name) h[n++] = (struct hook){s->progs.fe, s->progs.kp, kpe, name, 0, 1, 0, 0}
#define ESSENTIAL h[n - 1].essential = 1
	TP(tp_irq_pending, "vgic_update_irq_pending");
	TP(tp_irq_line, "kvm_irq_line");
	TP(tp_set_irq, "kvm_set_irq");
	TP(tp_ack_irq, "kvm_ack_irq");
	TP(tp_entry, "kvm_entry");
	ESSENTIAL;
	TP(tp_exit, "kvm_exit");
	ESSENTIAL;
	TP(tp_wakeup, "kvm_vcpu_wakeup");
	TP(tp_wfx, "kvm_wfx_arm64");
	TP(tp_timer_irq, "kvm_timer_update_irq");
	TP(tp_userspace_exit, "kvm_userspace_exit");
	TP(tp_mmio, "kvm_mmio");
	FN(fexit_flush, kp_flush_return, s->progs.kp_flush_entry, "kvm_vgic_flush_hwstate");
	ESSENTIAL;
	FN(fexit_sync, kp_sync_return, s->progs.kp_sync_entry, "kvm_vgic_sync_hwstate");
	ESSENTIAL;
	if (gic == 2) {
		FN(fentry_fold_v2, kp_fold_v2, NULL, "vgic_v2_fold_lr_state");
		ESSENTIAL;
		FN(fentry_populate_v2, kp_populate_v2, NULL, "vgic_v2_populate_lr");
		FN(fentry_deactivate_v2, kp_deactivate_v2, NULL, "vgic_v2_deactivate");
	} else {
		FN(fentry_fold_v3, kp_fold_v3, NULL, "vgic_v3_fold_lr_state");
		ESSENTIAL;
		FN(fentry_populate_v3, kp_populate_v3, NULL, "vgic_v3_populate_lr");
		FN(fentry_deactivate_v3, kp_deactivate_v3, NULL, "vgic_v3_deactivate");
	}
	/* The guest's GIC model, not the host's, decides which SGI path runs. */
	FN(fentry_sgi_v3, kp_sgi_v3, NULL, "vgic_v3_dispatch_sgi");
	FN(fentry_sgi_v2, kp_sgi_v2, NULL, "vgic_mmio_write_sgir");
#undef TP
#undef FN
#undef ESSENTIAL
	return n;
}

/* Turn every program off; the chosen ones are switched on again. */
static void autoload_none(struct vgic_bpf *s)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, false);
}

/* Detect the host GIC from /proc/interrupts ("GICv3", "GICv2"/"GIC-0"). */
int vr_detect_gic(void)
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

static int libbpf_verbose;

/*
 * libbpf's messages: everything with -v; otherwise warnings only, and of a
 * verifier log just the line that says why (a CO-RE relocation that does
 * not resolve, for instance), not the whole listing.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1 << 14], *why;

	if (libbpf_verbose)
		return vfprintf(stderr, fmt, ap);
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!strstr(buf, "PROG LOAD LOG"))
		return fputs(buf, stderr);
	why = strstr(buf, "failed to resolve CO-RE relocation");
	if (why) {
		char *end = strchr(why, '\n');

		if (end)
			*end = '\0';
		fprintf(stderr, "libbpf: %s\n", why);
	}
	return 0;
}

/* Open, configure, load and attach the collector with fentry or kprobe hooks. */
static struct vgic_bpf *load_collector(const struct record_options *opt, int gic,
				       const struct btf *vmlinux, int use_kprobes,
				       struct record_stats *st, struct vr_error *err)
{
	struct hook hooks[20];
	struct vgic_bpf *s = vgic_bpf__open();
	int n, i, rc;

	if (!s) {
		vr_error_set(err, "cannot open the BPF collector: %s", strerror(errno));
		return NULL;
	}
	s->rodata->targ_tgid = (__u32)opt->pid;
	s->rodata->targ_vcpu = opt->vcpu;
	s->rodata->gic_version = gic;
	s->rodata->snapshots = opt->snapshots;
	s->rodata->aplist = opt->aplist;
	s->rodata->wakeup_every = wakeup_every(opt->ring_bytes);
	bpf_map__set_max_entries(s->maps.rb, (__u32)opt->ring_bytes);
	autoload_none(s);
	n = hook_table(s, gic, hooks);
	for (i = 0; i < n; i++) {
		struct hook *h = &hooks[i];

		h->present = btf_has(vmlinux, h->function, h->tracepoint);
		h->wanted = h->tracepoint ? listed(opt->events, h->function) : opt->snapshots;
		if (!h->wanted || !h->present)
			continue;
		if (!use_kprobes || h->tracepoint) {
			bpf_program__set_autoload(h->fentry, true);
		} else {
			bpf_program__set_autoload(h->kprobe, true);
			if (h->kprobe_entry)
				bpf_program__set_autoload(h->kprobe_entry, true);
		}
	}
	rc = vgic_bpf__load(s);
	if (!rc)
		rc = vgic_bpf__attach(s);
	if (rc) {
		vr_error_set(err, "cannot load/attach the BPF collector (%s)", strerror(-rc));
		vgic_bpf__destroy(s);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const struct hook *h = &hooks[i];

		if (!h->wanted)
			continue;
		if (!h->present) {
			st->hooks_missing++;
			st->essential_missing += h->essential;
			fprintf(stderr, "record: missing in this kernel: %s %s (not recorded%s)\n",
				h->tracepoint ? "tracepoint" : "function", h->function,
				strstr(h->function, "_deactivate")
					? "; KVM handles the trapped DIR itself from 6.19 on"
					: "");
			continue;
		}
		st->hooks_attached++;
		if (opt->verbose || use_kprobes || opt->check)
			fprintf(stderr, "record: attached %s %s\n",
				h->tracepoint ? "tracepoint" : use_kprobes ? "kprobe" : "fentry/fexit",
				h->function);
	}
	return s;
}

/*
 * Read the BPF drop counters (per probe, per CPU) and queue a gap for
 * every CPU that lost records since the last look, with the time window
 * in which they were lost.
 */
static void collect_drops(struct recorder *r, uint64_t window_start)
{
	int ncpu = libbpf_num_possible_cpus(), cpu;
	uint64_t now = vr_now_ns(), *per_cpu;
	__u32 probe;
	__u64 *vals;

	if (ncpu <= 0)
		return;
	vals = vr_xcalloc((size_t)ncpu, sizeof(*vals));
	per_cpu = vr_xcalloc((size_t)ncpu, sizeof(*per_cpu));
	for (probe = 0; probe < PROBE_MAX; probe++) {
		if (bpf_map__lookup_elem(r->skel->maps.drops, &probe, sizeof(probe), vals,
					 (size_t)ncpu * sizeof(*vals), 0))
			continue;
		for (cpu = 0; cpu < ncpu; cpu++) {
			uint64_t seen = r->drops_seen_cpu ? r->drops_seen_cpu[probe * ncpu + cpu] : 0;

			if (vals[cpu] > seen)
				per_cpu[cpu] += vals[cpu] - seen;
		}
		if (!r->drops_seen_cpu)
			r->drops_seen_cpu = vr_xcalloc((size_t)PROBE_MAX * ncpu, sizeof(uint64_t));
		for (cpu = 0; cpu < ncpu; cpu++)
			r->drops_seen_cpu[probe * ncpu + cpu] = vals[cpu];
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		struct gap_rec g;

		if (!per_cpu[cpu])
			continue;
		memset(&g, 0, sizeof(g));
		g.h.type = VGIC_REC_GAP;
		g.h.cpu = (unsigned short)cpu;
		g.h.ts = now;
		g.lost = (long long)per_cpu[cpu];
		g.start_ns = window_start;
		r->st->drops_bpf += g.lost;
		record_push(r, &g, sizeof(g));
	}
	free(vals);
	free(per_cpu);
}

/* See record.h. */
int64_t vr_record_file_bytes(const char *path)
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

/* Effective capabilities of this process (CapEff of /proc/self/status); 0 if unreadable. */
static uint64_t effective_caps(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps;
}

/*
 * May we load and attach tracing BPF programs? Since 5.8 CAP_BPF with
 * CAP_PERFMON, or CAP_SYS_ADMIN as before (kernel/bpf/syscall.c,
 * bpf_capable() and perfmon_capable()).
 */
static int may_load_bpf(void)
{
	uint64_t caps = effective_caps();

	return (caps >> 21 & 1) || ((caps >> 39 & 1) && (caps >> 38 & 1));
}

/* See record.h. */
int vr_record_write_failed(struct tracedb *db, const char *path, struct vr_error *err)
{
	sqlite3 *sql = db ? tracedb_sqlite(db) : NULL;
	sqlite3_stmt *st = NULL;
	long long kept = -1;
	int full = sql && (sqlite3_errcode(sql) == SQLITE_FULL ||
			   sqlite3_extended_errcode(sql) == SQLITE_IOERR_WRITE);

	if (sql) {
		sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
		if (sqlite3_prepare_v2(sql, "SELECT count(*) FROM events", -1, &st, NULL) ==
			    SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			kept = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return vr_error_set(err, "%s: %s: recording stopped; the file keeps the %lld events "
				 "committed before",
			    path, full ? "disk full" : "cannot write", kept < 0 ? 0 : kept);
}

/* The trace_info rows every recording carries: where it comes from and on what. */
void vr_record_write_info(struct trace_writer *w, const struct record_options *opt, int gic)
{
	struct utsname un;

	uname(&un);
	trace_writer_info_text(w, "source_file", "(live recording)");
	trace_writer_info_text(w, "source_format", opt->backend_tracefs ? "tracefs" : "bpf");
	trace_writer_info_text(w, "capture_tool", "vgic-replay record " VR_VERSION);
	trace_writer_info_text(w, "capture_options", opt->command_line);
	trace_writer_info_text(w, "host", un.nodename);
	trace_writer_info_text(w, "kernel_release", un.release);
	trace_writer_info_text(w, "kernel_release_source", "recorded: uname of the host");
	trace_writer_info_int(w, "gic_version", gic);
	trace_writer_info_text(w, "gic_version_source",
			       opt->gic_version ? "option: --gic" : "recorded: /proc/interrupts");
	trace_writer_info_text(w, "clock", opt->backend_tracefs ? "ftrace local clock"
								: "CLOCK_MONOTONIC (bpf_ktime_get_ns)");
}

/*
 * Per-program cost: with BPF statistics on (bpf_enable_stats(), as the
 * sysctl kernel.bpf_stats_enabled=1 does, for as long as the fd is open)
 * the kernel adds each run's time to run_time_ns and counts run_cnt per
 * program; print them for every program that was loaded.
 */
static void print_prog_stats(struct vgic_bpf *s, double seconds)
{
	struct bpf_program *p;
	__u64 total_ns = 0, total_cnt = 0;

	fprintf(stderr, "record: per-program cost over %.1f s (run_cnt, run_time_ns, ns per run):\n",
		seconds);
	bpf_object__for_each_program(p, s->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		total_ns += info.run_time_ns;
		total_cnt += info.run_cnt;
		fprintf(stderr, "  %-22s %10llu %14llu %8.0f\n", bpf_program__name(p),
			(unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns,
			info.run_cnt ? (double)info.run_time_ns / info.run_cnt : 0.0);
	}
	fprintf(stderr, "  %-22s %10llu %14llu %8.0f\n", "total", (unsigned long long)total_cnt,
		(unsigned long long)total_ns, total_cnt ? (double)total_ns / total_cnt : 0.0);
}

/* ------------------------------------------------ flight recorder */

/* Per thread of a dumped window: where its first complete run cycle begins. */
struct window_thread {
	uint32_t pid;
	int cycle_records; /* it made populate/flush/sync/post/DIR/SGI records: a vCPU thread */
	int64_t first_post; /* index of its first vgic_post snapshot, -1 none */
};

/* A dump in progress: a copy of the ring, written on a thread of its own. */
struct flight_dump {
	const struct record_options *opt;
	int gic;
	uint64_t start_ns;
	struct flight_ring *ring;
	char *path;
	pthread_t thread;
	volatile int done;
	int running;
};

/* Does this record belong to a vCPU's flush/run/sync cycle (see window_thread)? */
static int is_cycle_record(const struct vgic_rec_hdr *h)
{
	return h->type == VGIC_REC_SNAPSHOT || h->type == VGIC_REC_APLIST ||
	       (h->type == VGIC_REC_EVENT && h->kind >= VR_EV_POPULATE);
}

/* The thread entry of pid, added if new. */
static struct window_thread *window_thread_of(struct window_thread **t, size_t *n, size_t *cap,
					      uint32_t pid)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*t)[i].pid == pid)
			return &(*t)[i];
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*t = vr_xrealloc(*t, *cap * sizeof(**t));
	}
	(*t)[*n] = (struct window_thread){pid, 0, -1};
	return &(*t)[(*n)++];
}

/*
 * Write a flight-recorder window to path (through a temporary file, renamed
 * into place once complete). The window is cut so that no snapshot pair
 * is cut in half: each vCPU thread starts after its first vgic_post (the
 * end of a flush/entry/exit/sync cycle), and the other threads' records
 * (the VMM's injections) start after the last of those boundaries, so
 * every injection kept is followed by every flush that could present it.
 * What came before (evicted from memory, or cut here) is one gap on CPU
 * -1 from the recording's start to the first record kept. A window from
 * which nothing was evicted is the whole recording and is not cut.
 */
static int dump_window(struct flight_dump *d, struct record_stats *st, struct vr_error *err)
{
	struct window_thread *th = NULL;
	size_t nth = 0, cap = 0;
	struct flight_iter it;
	struct recorder r;
	const void *data;
	unsigned char slot[QUEUE_SLOT];
	int64_t i, boundary = -1, cut = 0, first_ts = -1;
	char *tmp;
	uint32_t n;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	memset(st, 0, sizeof(*st));
	r.opt = d->opt;
	r.st = st;
	r.gic = d->gic;
	flight_iter_begin(d->ring, &it);
	for (i = 0; flight_iter_next(d->ring, &it, &data, &n); i++) {
		const struct vgic_rec_hdr *h = data;
		struct window_thread *t;

		if (h->type == VGIC_REC_GAP)
			continue;
		t = window_thread_of(&th, &nth, &cap, h->pid);
		t->cycle_records |= is_cycle_record(h);
		if (h->type == VGIC_REC_SNAPSHOT && h->kind == VR_EV_POST && t->first_post < 0)
			t->first_post = i;
	}
	for (i = 0; i < (int64_t)nth; i++)
		if (th[i].cycle_records && th[i].first_post > boundary)
			boundary = th[i].first_post;
	/* Nothing evicted: the window is the whole recording, which starts as any other. */
	if (!d->ring->evicted)
		for (i = 0, boundary = -1; i < (int64_t)nth; i++)
			th[i].cycle_records = 0;

	tmp = vr_xmalloc(strlen(d->path) + 16);
	sprintf(tmp, "%s.tmp-%d", d->path, (int)getpid());
	unlink(tmp);
	r.db = tracedb_create(tmp, err);
	if (!r.db)
		goto out;
	r.w = trace_writer_begin(r.db, err);
	if (!r.w)
		goto out;
	vr_record_write_info(r.w, d->opt, d->gic);
	flight_iter_begin(d->ring, &it);
	for (i = 0; flight_iter_next(d->ring, &it, &data, &n); i++) {
		const struct vgic_rec_hdr *h = data;
		struct window_thread *t = window_thread_of(&th, &nth, &cap, h->pid);
		int keep = h->type == VGIC_REC_GAP || !t->cycle_records ? i > boundary
								       : t->first_post >= 0 && i > t->first_post;

		if (!keep) {
			cut++;
			continue;
		}
		if (first_ts < 0) {
			first_ts = (int64_t)h->ts;
			if (d->ring->evicted + cut > 0 &&
			    trace_writer_gap_window(r.w, -1, d->ring->evicted + cut,
						    (int64_t)d->start_ns, first_ts))
				goto write_failed;
		}
		memcpy(slot, data, n < QUEUE_SLOT ? n : QUEUE_SLOT);
		if (n < QUEUE_SLOT)
			memset(slot + n, 0, QUEUE_SLOT - n);
		if (write_record(&r, slot))
			goto write_failed;
	}
	trace_writer_info_int(r.w, "input_records", st->events);
	rc = trace_writer_finish(r.w, err);
	r.w = NULL;
	if (!rc && rename(tmp, d->path))
		rc = vr_error_set(err, "%s: cannot rename %s into place: %s", d->path, tmp,
				  strerror(errno));
	goto out;
write_failed:
	vr_error_set(err, "%s: cannot write the flight-recorder window (disk full?)", d->path);
out:
	if (r.w)
		trace_writer_abort(r.w);
	tracedb_close(r.db);
	if (rc)
		unlink(tmp);
	free(tmp);
	free(th);
	st->drops_user = d->ring->evicted + cut;
	return rc;
}

/* Dump thread: write the window and say so, one line. */
static void *dump_main(void *arg)
{
	struct flight_dump *d = arg;
	struct record_stats st;
	struct vr_error err = {{0}};

	if (dump_window(d, &st, &err))
		fprintf(stderr, "record: flight window not written: %s\n", err.msg);
	else
		fprintf(stderr, "record: flight window of %lld events (%lld snapshots) written to %s; "
				"%lld earlier records stored as a gap\n",
			(long long)st.events, (long long)st.snapshots, d->path,
			(long long)st.drops_user);
	d->done = 1;
	return NULL;
}

/* The path of dump number k: OUTPUT with "-k" before its .db suffix. */
static char *dump_path(const char *output, int k)
{
	size_t n = strlen(output);
	char *p = vr_xmalloc(n + 24);

	if (n > 3 && !strcmp(output + n - 3, ".db"))
		sprintf(p, "%.*s-%d.db", (int)(n - 3), output, k);
	else
		sprintf(p, "%s-%d", output, k);
	return p;
}

/* Wait for a running dump thread and release its copy. */
static void dump_reap(struct flight_dump *d)
{
	if (!d->running)
		return;
	pthread_join(d->thread, NULL);
	flight_free(d->ring);
	free(d->path);
	d->ring = NULL;
	d->path = NULL;
	d->running = 0;
}

/* SIGUSR1: copy the ring and write it on a thread, so polling goes on meanwhile. */
static void dump_start(struct recorder *r, struct flight_dump *d, int k)
{
	if (d->running && !d->done) {
		fprintf(stderr, "record: the previous flight window is still being written; "
				"SIGUSR1 ignored\n");
		return;
	}
	dump_reap(d);
	d->opt = r->opt;
	d->gic = r->gic;
	d->start_ns = r->start_ns;
	d->ring = flight_copy(r->flight);
	if (!d->ring) {
		fprintf(stderr, "record: no memory to copy the flight window; SIGUSR1 ignored\n");
		return;
	}
	d->path = dump_path(r->opt->output, k);
	d->done = 0;
	if (pthread_create(&d->thread, NULL, dump_main, d)) {
		fprintf(stderr, "record: cannot start the dump thread; SIGUSR1 ignored\n");
		flight_free(d->ring);
		free(d->path);
		return;
	}
	d->running = 1;
}

/*
 * Flight-recorder mode: poll into the in-memory ring until stopped, dump
 * on SIGUSR1, and at the end write the last window to the output itself.
 */
static int run_flight(struct recorder *r, struct ring_buffer *rb, struct record_stats *st,
		      struct vr_error *err)
{
	struct flight_dump d, last;
	uint64_t last_tick = r->start_ns;
	int64_t drops_bpf;
	int dumps = 0, rc;

	memset(&d, 0, sizeof(d));
	memset(&last, 0, sizeof(last));
	while (!stop_requested) {
		int n = poll_ring(r, rb);

		if (n < 0 && n != -EINTR) {
			vr_error_set(err, "ring buffer: %s", strerror(-n));
			break;
		}
		if (r->opt->duration > 0 &&
		    (vr_now_ns() - r->start_ns) / 1e9 >= r->opt->duration)
			break;
		if (dump_requested) {
			dump_requested = 0;
			collect_drops(r, last_tick);
			last_tick = vr_now_ns();
			dump_start(r, &d, ++dumps);
		}
		if (vr_now_ns() - last_tick >= 1000000000ull) {
			collect_drops(r, last_tick);
			last_tick = vr_now_ns();
		}
	}
	ring_buffer__consume(rb);
	collect_drops(r, last_tick);
	dump_reap(&d);
	last.opt = r->opt;
	last.gic = r->gic;
	last.start_ns = r->start_ns;
	last.ring = r->flight;
	last.path = (char *)r->opt->output;
	drops_bpf = st->drops_bpf; /* r->st is st: the dump starts its counts afresh */
	rc = dump_window(&last, st, err);
	st->drops_bpf = drops_bpf;
	return rc;
}

/* See record.h. */
/*
 * The records could not be stored (why): say so in one line, naming the
 * spool that keeps them and how to store them later.
 */
static int spool_kept_error(struct vr_error *err, const char *output, const char *spool_path,
			    const char *why)
{
	char reason[sizeof(err->msg)];
	size_t n = strlen(output);

	/* why may already name the output ("FILE: insert: ..."): name it once. */
	if (!strncmp(why, output, n) && !strncmp(why + n, ": ", 2))
		why += n + 2;
	snprintf(reason, sizeof(reason), "%s", why);
	return vr_error_set(err, "%s: %s: recording stopped; its records are kept in %s "
				 "('vgic-replay record --finish %s' stores them)",
			    output, reason, spool_path, output);
}

int vr_record(const struct record_options *opt, struct record_stats *st, struct vr_error *err)
{
	struct recorder r;
	struct btf *vmlinux;
	struct ring_buffer *rb = NULL;
	struct sigaction sa;
	struct stat sb;
	pthread_t writer;
	uint64_t last_tick;
	int64_t user_dropped = 0;
	int gic, rc = -1, writer_started = 0, stats_fd = -1, keep_spool = 0, why;
	char *spool_path = NULL;

	if (opt->backend_tracefs)
		return vr_record_tracefs(opt, st, err);
	memset(&r, 0, sizeof(r));
	memset(st, 0, sizeof(*st));
	r.opt = opt;
	r.st = st;
	if (!may_load_bpf() && geteuid() == 0)
		return vr_error_set(err, "record needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load "
					 "BPF, which this root process lacks (a container?): grant "
					 "them, or use --backend tracefs");
	if (!may_load_bpf())
		return vr_error_set(err, "record needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load "
					 "BPF: run it as root (uid %d now), or use --backend tracefs",
				    (int)geteuid());
	libbpf_set_print(NULL); /* a missing BTF is said once, below */
	vmlinux = btf__load_vmlinux_btf();
	libbpf_set_print(libbpf_print);
	if (!vmlinux)
		return vr_error_set(err, "this kernel has no BTF (/sys/kernel/btf/vmlinux; "
					 "CONFIG_DEBUG_INFO_BTF=y is required)");
	if (!btf_has(vmlinux, "kvm_vgic_flush_hwstate", 0)) {
		btf__free(vmlinux);
		return vr_error_set(err, "this kernel has no KVM vGIC (kvm_vgic_flush_hwstate is "
					 "not in its BTF): not an arm64 KVM host");
	}
	gic = opt->gic_version ? opt->gic_version : vr_detect_gic();
	if (!gic) {
		btf__free(vmlinux);
		return vr_error_set(err, "cannot tell the host GIC from /proc/interrupts; use --gic");
	}
	r.gic = gic;
	if (opt->output && !stat(opt->output, &sb)) {
		if (!opt->force) {
			btf__free(vmlinux);
			return vr_error_set(err, "%s: already exists (use --force to replace it)",
					    opt->output);
		}
		unlink(opt->output);
	}
	if (opt->output && !opt->flight_bytes) {
		char *old_spool = spool_path_of(opt->output);
		int left_over = !stat(old_spool, &sb);

		if (left_over && !opt->force) {
			vr_error_set(err, "%s: a killed recording's records are there "
					  "('vgic-replay record --finish %s' stores them; --force "
					  "replaces them)",
				     old_spool, opt->output);
			free(old_spool);
			btf__free(vmlinux);
			return -1;
		}
		free(old_spool);
	}
	libbpf_verbose = opt->verbose;
	libbpf_set_print(libbpf_print);
	if (opt->prog_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			fprintf(stderr, "record: cannot turn on BPF statistics (%s); "
					"sysctl kernel.bpf_stats_enabled=1 does it for the whole host\n",
				strerror(-stats_fd));
	}
	r.skel = load_collector(opt, gic, vmlinux, 0, st, err);
	if (!r.skel) {
		fprintf(stderr, "record: fentry/fexit unavailable (%s); trying kprobes\n", err->msg);
		st->hooks_attached = st->hooks_missing = st->essential_missing = 0;
		r.skel = load_collector(opt, gic, vmlinux, 1, st, err);
	}
	btf__free(vmlinux);
	if (!r.skel)
		return -1;
	if (opt->check) { /* everything loaded and attached: this host can record */
		rc = 0;
		goto out;
	}
	r.skel->bss->recording = true; /* every hook is attached: a consistent start */

	if (opt->flight_bytes) {
		r.flight = flight_new(opt->flight_bytes);
		if (!r.flight) {
			vr_error_set(err, "no memory for a flight window of %.2f MB",
				     opt->flight_bytes / 1048576.0);
			goto out;
		}
	} else {
		r.db = tracedb_create_durable(opt->output, err);
		if (!r.db)
			goto out;
		r.w = trace_writer_begin(r.db, err);
		if (!r.w)
			goto out;
		vr_record_write_info(r.w, opt, gic);
		if (trace_writer_commit(r.w, err))
			goto out;
		spool_path = spool_path_of(opt->output);
		r.spool = spool_create(spool_path, err);
		if (!r.spool)
			goto out;
		r.q.fifo = flight_new((size_t)opt->ring_bytes * QUEUE_RING_FACTOR);
		if (!r.q.fifo) {
			vr_error_set(err, "no memory for a %.0f MB writer queue",
				     (double)opt->ring_bytes * QUEUE_RING_FACTOR / 1048576.0);
			goto out;
		}
		pthread_mutex_init(&r.q.lock, NULL);
		pthread_cond_init(&r.q.nonempty, NULL);
		if (pthread_create(&writer, NULL, writer_main, &r)) {
			vr_error_set(err, "cannot start the writer thread");
			goto out;
		}
		writer_started = 1;
	}
	rb = ring_buffer__new(bpf_map__fd(r.skel->maps.rb), on_ring_record, &r, NULL);
	if (!rb) {
		vr_error_set(err, "cannot open the BPF ring buffer: %s", strerror(errno));
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vr_record_on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r.start_ns = last_tick = vr_now_ns();
	if (r.flight) {
		sa.sa_handler = on_dump;
		sigaction(SIGUSR1, &sa, NULL);
		fprintf(stderr, "record: flight recorder, last %.2f MB in memory; SIGUSR1 (kill -USR1 "
				"%d) writes them, Ctrl-C writes them to %s and stops\n",
			opt->flight_bytes / 1048576.0, (int)getpid(), opt->output);
		rc = run_flight(&r, rb, st, err);
		st->seconds = (vr_now_ns() - r.start_ns) / 1e9;
		if (!rc && !stat(opt->output, &sb))
			st->bytes = sb.st_size;
		goto out;
	}
	sa.sa_handler = SIG_IGN; /* SIGUSR1 dumps a flight window; streaming has none to dump */
	sigaction(SIGUSR1, &sa, NULL);
	fprintf(stderr, "record: writing %s; Ctrl-C to stop\n", opt->output);
	while (!stop_requested && !r.writer_failed) {
		int n = poll_ring(&r, rb);

		if (n < 0 && n != -EINTR) {
			vr_error_set(err, "ring buffer: %s", strerror(-n));
			break;
		}
		if (opt->duration > 0 && (vr_now_ns() - r.start_ns) / 1e9 >= opt->duration)
			break;
		if (vr_now_ns() - last_tick >= 1000000000ull) {
			collect_drops(&r, last_tick);
			last_tick = vr_now_ns();
			if (opt->max_size && vr_record_file_bytes(opt->output) >= opt->max_size)
				break;
			if (isatty(STDERR_FILENO))
				fprintf(stderr, "\r%lld records, %lld dropped   ", (long long)r.spooled,
					(long long)(st->drops_bpf + r.q.dropped));
		}
	}
	st->seconds = (vr_now_ns() - r.start_ns) / 1e9; /* the span recorded, not the drain */
	take_ring(&r, rb);
	collect_drops(&r, last_tick);
	user_dropped = r.q.dropped; /* read before the writer may still queue */
	stop_writer(&r, writer);
	writer_started = 0;
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	st->drops_user = user_dropped;
	st->queue_peak_bytes = (int64_t)r.q.peak_bytes;
	if (opt->verbose)
		fprintf(stderr, "record: the writer was at most %.1f MB behind (its queue holds %.0f MB)\n",
			r.q.peak_bytes / 1048576.0, r.q.fifo->size / 1048576.0);
	why = r.spool->failed_errno;
	if (spool_close(r.spool) && !why)
		why = EIO;
	r.spool = NULL;
	if (why || r.writer_failed) {
		keep_spool = 1;
		spool_kept_error(err, opt->output, spool_path,
				 why == ENOSPC ? "disk full" : strerror(why ? why : EIO));
		goto out;
	}
	r.spool = NULL;
	if (store_spool(&r, spool_path, err)) {
		keep_spool = 1;
		spool_kept_error(err, opt->output, spool_path, err->msg);
		goto out;
	}
	/* Records the writer could not keep up with: one gap over the whole recording. */
	if (user_dropped)
		trace_writer_gap_window(r.w, -1, user_dropped, (int64_t)r.start_ns,
					(int64_t)vr_now_ns());
	trace_writer_info_int(r.w, "input_records", st->events);
	rc = trace_writer_finish(r.w, err);
	r.w = NULL;
	if (rc) {
		keep_spool = 1;
		spool_kept_error(err, opt->output, spool_path, err->msg);
	}
out:
	if (writer_started) {
		pthread_mutex_lock(&r.q.lock);
		r.q.closed = 1;
		pthread_cond_signal(&r.q.nonempty);
		pthread_mutex_unlock(&r.q.lock);
		pthread_join(writer, NULL);
	}
	if (r.skel && opt->prog_stats)
		print_prog_stats(r.skel, (vr_now_ns() - r.start_ns) / 1e9);
	if (stats_fd >= 0)
		close(stats_fd);
	if (r.w && !keep_spool) {
		/* Keep what was committed: a failed recording still leaves a readable file. */
		trace_writer_commit(r.w, NULL);
		trace_writer_abort(r.w);
	} else if (r.w) {
		trace_writer_abort(r.w); /* the spool keeps the records: none half stored */
	}
	if (r.spool)
		spool_close(r.spool);
	if (spool_path && !keep_spool)
		unlink(spool_path);
	free(spool_path);
	ring_buffer__free(rb);
	tracedb_close(r.db); /* checkpoints the WAL: the file has its final size */
	if (!rc && r.db && !stat(opt->output, &sb))
		st->bytes = sb.st_size;
	vgic_bpf__destroy(r.skel);
	flight_free(r.q.fifo);
	free(r.drops_seen_cpu);
	flight_free(r.flight);
	return rc;
}

/* See record.h. */
int vr_record_finish(const char *path, struct record_stats *st, struct vr_error *err)
{
	struct record_options opt = {0};
	struct recorder r;
	char *spool_path = spool_path_of(path);
	sqlite3_stmt *q = NULL;
	long long events = -1;
	struct stat sb;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	memset(st, 0, sizeof(*st));
	opt.output = path;
	r.opt = &opt;
	r.st = st;
	if (stat(spool_path, &sb)) {
		vr_error_set(err, "%s: no %s next to it: nothing to finish (a recording that "
				  "stops normally stores its records itself)",
			     path, spool_path);
		goto out;
	}
	r.db = tracedb_open(path, TRACEDB_READWRITE, err);
	if (!r.db)
		goto out;
	if (sqlite3_prepare_v2(tracedb_sqlite(r.db), "SELECT count(*) FROM events", -1, &q, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		events = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (events != 0) {
		vr_error_set(err, "%s: already holds %lld events: not a recording left unfinished",
			     path, events);
		goto out;
	}
	r.w = trace_writer_begin(r.db, err);
	if (!r.w || trace_writer_keep_info(r.w, err) || store_spool(&r, spool_path, err))
		goto out;
	trace_writer_info_int(r.w, "input_records", st->events);
	rc = trace_writer_finish(r.w, err);
	r.w = NULL;
	if (!rc)
		unlink(spool_path);
out:
	if (r.w)
		trace_writer_abort(r.w);
	tracedb_close(r.db);
	if (!rc && !stat(path, &sb))
		st->bytes = sb.st_size;
	free(spool_path);
	return rc;
}
