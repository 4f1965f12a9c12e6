/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live collector as `vgic-replay top`'s input (see top.h).
 *
 * The probes are chosen, loaded and attached by the recorder's own path
 * (bpf_hooks.h: hooks_may_load, hooks_kernel_btf, hooks_load), with the
 * options `record` would be given. A thread of this input polls the BPF
 * ring buffer and turns its records into the event stream through
 * collector/capture/live_source.h, the stream a stored trace's cursor
 * gives, and hands each item to the model while holding it; the view
 * holds the model while it closes an interval. Drops are read from the
 * programs' per-CPU counters once a second and passed along as gap
 * records, where the stream counts them as a trace's gaps.
 *
 * The replay driver does not yet run on a stream as it arrives, so the
 * accounting (injections, acknowledgements) and the findings are not
 * counted live: the view says so rather than show zeros.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector/capture/bpf_hooks.h"
#include "../collector/capture/live_source.h"
#include "../collector/capture/record_core.h"
#include "../collector/capture/vgic.h"
#include "vgic.skel.h"
#include "top.h"

#define LIVE_FIFO 65536 /* records taken from the ring and not yet streamed */
#define LIVE_VMS 256	/* threads whose VMM is remembered */

struct top_live {
	struct record_options ropt;
	struct record_stats st;
	struct vgic_bpf *skel;
	struct ring_buffer *rb;
	unsigned char (*fifo)[STORE_SLOT];
	size_t head, count;
	int64_t fifo_dropped; /* records the FIFO had no room for, passed on as a gap */
	struct live_source *ls;
	struct top_model *m;	/* the model the thread feeds, once the view gave it */
	pthread_t thread;
	int started, stop, ended;
	struct vr_error err;
	pthread_mutex_t lock;
	uint64_t *drops_seen; /* [probe * ncpu + cpu], the counters already passed on */
	int ncpu;
	uint64_t last_drops_ns;
	struct {
		int32_t pid;
		int64_t vm;
	} vms[LIVE_VMS];
	int nvms;
};

/* ring_buffer__new's callback: keep the record for the stream, or count it lost. */
static int take_record(void *ctx, void *data, size_t size)
{
	struct top_live *tl = ctx;
	unsigned char *slot;

	if (tl->count == LIVE_FIFO || size > STORE_SLOT) {
		tl->fifo_dropped++;
		return 0;
	}
	slot = tl->fifo[(tl->head + tl->count++) % LIVE_FIFO];
	memset(slot, 0, STORE_SLOT);
	memcpy(slot, data, size);
	return 0;
}

/* Queue a gap record of lost events on cpu (GAP_CPU_UNKNOWN: none) since start_ns. */
static void queue_gap(struct top_live *tl, unsigned cpu, int64_t lost, uint64_t start_ns)
{
	struct gap_rec g;

	memset(&g, 0, sizeof(g));
	g.h.type = VGIC_REC_GAP;
	g.h.cpu = (unsigned short)cpu;
	g.h.ts = vr_now_ns();
	g.lost = lost;
	g.start_ns = start_ns;
	tl->count -= tl->count == LIVE_FIFO; /* a gap always has room: it replaces the last */
	take_record(tl, &g, sizeof(g));
}

/*
 * Once a second: what each CPU lost in BPF since the last look (the
 * `drops` map, per probe and CPU) and what the FIFO had no room for,
 * queued as gaps.
 */
static void take_drops(struct top_live *tl)
{
	uint64_t now = vr_now_ns();
	__u64 *vals;

	if (now - tl->last_drops_ns < 1000000000ull || tl->ncpu <= 0)
		return;
	vals = vr_xcalloc((size_t)tl->ncpu, sizeof(*vals));
	for (__u32 probe = 0; probe < PROBE_MAX; probe++) {
		if (bpf_map__lookup_elem(tl->skel->maps.drops, &probe, sizeof(probe), vals,
					 (size_t)tl->ncpu * sizeof(*vals), 0))
			continue;
		for (int cpu = 0; cpu < tl->ncpu; cpu++) {
			uint64_t *seen = &tl->drops_seen[probe * (unsigned)tl->ncpu + (unsigned)cpu];

			if (vals[cpu] > *seen)
				queue_gap(tl, (unsigned)cpu, (int64_t)(vals[cpu] - *seen), tl->last_drops_ns);
			*seen = vals[cpu];
		}
	}
	free(vals);
	if (tl->fifo_dropped) {
		queue_gap(tl, GAP_CPU_UNKNOWN, tl->fifo_dropped, tl->last_drops_ns);
		tl->fifo_dropped = 0;
	}
	tl->last_drops_ns = now;
}

/* live_next_record_fn: the next record, polling the ring while none waits; 0 once stopped. */
static int next_record(void *arg, unsigned char *slot, struct vr_error *err)
{
	struct top_live *tl = arg;

	while (!tl->count) {
		int n;

		if (__atomic_load_n(&tl->stop, __ATOMIC_ACQUIRE))
			return 0;
		n = ring_buffer__poll(tl->rb, 50);
		if (n < 0 && n != -EINTR)
			return vr_error_set(err, "ring buffer: %s", strerror(-n));
		take_drops(tl);
	}
	memcpy(slot, tl->fifo[tl->head], STORE_SLOT);
	tl->head = (tl->head + 1) % LIVE_FIFO;
	tl->count--;
	return 1;
}

/* The thread: the stream's items into the model, held while each goes in. */
static void *stream_thread(void *arg)
{
	struct top_live *tl = arg;
	struct trace_source src = live_source_as_source(tl->ls);
	struct trace_item *it = vr_xmalloc(sizeof(*it));
	struct vr_error err = {{0}};
	int rc;

	while ((rc = src.next(src.self, it, &err)) == 1) {
		pthread_mutex_lock(&tl->lock);
		top_model_item(tl->m, it);
		pthread_mutex_unlock(&tl->lock);
	}
	pthread_mutex_lock(&tl->lock);
	if (rc < 0)
		tl->err = err;
	tl->ended = rc < 0 ? -1 : 1;
	pthread_mutex_unlock(&tl->lock);
	free(it);
	return NULL;
}

/* top_input's feed: start the thread on the first call; then say whether it still runs. */
static int live_feed(void *self, struct top_model *m, int64_t end_ns, struct vr_error *err)
{
	struct top_live *tl = self;
	int ended;

	(void)end_ns;
	if (!tl->started) {
		tl->m = m;
		if (pthread_create(&tl->thread, NULL, stream_thread, tl))
			return vr_error_set(err, "cannot start the stream's thread");
		tl->started = 1;
	}
	pthread_mutex_lock(&tl->lock);
	ended = tl->ended;
	if (ended < 0)
		*err = tl->err;
	pthread_mutex_unlock(&tl->lock);
	return ended < 0 ? -1 : !ended;
}

/* top_input's hold: the model is the view's while it closes an interval. */
static void live_hold(void *self, int on)
{
	struct top_live *tl = self;

	if (on)
		pthread_mutex_lock(&tl->lock);
	else
		pthread_mutex_unlock(&tl->lock);
}

/* top_vm_fn: the VMM of a thread, its Tgid in /proc (remembered). */
static int64_t live_vm_of(void *arg, int32_t pid)
{
	struct top_live *tl = arg;
	char path[64], line[128];
	int64_t vm = VR_NO_VALUE;
	FILE *f;

	for (int i = 0; i < tl->nvms; i++)
		if (tl->vms[i].pid == pid)
			return tl->vms[i].vm;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			vm = atoll(line + 5);
			break;
		}
	if (f)
		fclose(f);
	if (tl->nvms < LIVE_VMS) {
		tl->vms[tl->nvms].pid = pid;
		tl->vms[tl->nvms++].vm = vm;
	}
	return vm;
}

/* Load and attach the probes as `record` does, the ring buffer opened on them. */
static int attach(struct top_live *tl, const struct top_live_options *lo, struct vr_error *err)
{
	struct record_run run = {0};
	struct btf *vmlinux;

	tl->ropt.pid = lo->pid;
	tl->ropt.vcpu = lo->vcpu;
	tl->ropt.gic_version = lo->gic_version;
	tl->ropt.snapshots = tl->ropt.aplist = 1;
	tl->ropt.ring_bytes = 8u << 20;
	tl->ropt.verbose = lo->verbose;
	run.opt = &tl->ropt;
	run.st = &tl->st;
	if (hooks_may_load(err) || record_choose_gic(&run, err))
		return -1;
	vmlinux = hooks_kernel_btf(err);
	if (!vmlinux)
		return -1;
	tl->skel = hooks_load(&tl->ropt, run.gic, vmlinux, &tl->st, err);
	btf__free(vmlinux);
	if (!tl->skel)
		return -1;
	tl->ncpu = libbpf_num_possible_cpus();
	tl->drops_seen = vr_xcalloc((size_t)PROBE_MAX * (size_t)(tl->ncpu > 0 ? tl->ncpu : 1),
				    sizeof(*tl->drops_seen));
	tl->rb = ring_buffer__new(bpf_map__fd(tl->skel->maps.rb), take_record, tl, NULL);
	if (!tl->rb)
		return vr_error_set(err, "cannot open the BPF ring buffer: %s", strerror(errno));
	tl->skel->bss->recording = true;
	return 0;
}

/* See top.h. */
struct top_live *top_live_open(const struct top_live_options *lo, struct top_input *in,
			       struct vr_error *err)
{
	struct top_live *tl = vr_xcalloc(1, sizeof(*tl));

	pthread_mutex_init(&tl->lock, NULL);
	tl->fifo = vr_xmalloc(LIVE_FIFO * sizeof(*tl->fifo));
	if (attach(tl, lo, err)) {
		top_live_close(tl);
		return NULL;
	}
	tl->ls = live_source_new(next_record, tl);
	tl->last_drops_ns = vr_now_ns();
	memset(in, 0, sizeof(*in));
	in->feed = live_feed;
	in->hold = live_hold;
	in->start_ns = (int64_t)vr_now_ns();
	in->live = 1;
	in->profile = "";
	in->note = "injections, acknowledgements and findings need the replay driver on the "
		   "live stream (not wired yet)";
	in->vm_of = live_vm_of;
	in->vm_arg = tl;
	in->self = tl;
	return tl;
}

/* See top.h. */
void top_live_close(struct top_live *tl)
{
	if (!tl)
		return;
	__atomic_store_n(&tl->stop, 1, __ATOMIC_RELEASE);
	if (tl->started)
		pthread_join(tl->thread, NULL);
	live_source_free(tl->ls);
	ring_buffer__free(tl->rb);
	vgic_bpf__destroy(tl->skel);
	pthread_mutex_destroy(&tl->lock);
	free(tl->drops_seen);
	free(tl->fifo);
	free(tl);
}
