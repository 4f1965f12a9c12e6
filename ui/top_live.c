/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live collector as `vgic-replay top`'s input (see top.h).
 *
 * The probes are chosen, loaded and attached by the recorder's own path
 * (bpf_hooks.h: hooks_may_load, hooks_kernel_btf, hooks_load), with the
 * options `record` would be given. The records of the BPF ring buffer,
 * polled when the stream wants one, become the event stream through
 * collector/capture/live_source.h, the stream a stored trace's cursor
 * gives, read into the model on a thread of its own (top_stream.c). Drops are read from the
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
	struct top_stream *stream; /* the thread that reads ls into the model */
	int stop;
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
		/*
		 * The programs wake a reader only every so many records
		 * (bpf_hooks.c), so after the wait the ring is taken
		 * whether or not it woke us, as the recorder's poll does.
		 */
		n = ring_buffer__poll(tl->rb, 50);
		if (n >= 0 || n == -EINTR)
			n = ring_buffer__consume(tl->rb);
		if (n < 0 && n != -EINTR)
			return vr_error_set(err, "ring buffer: %s", strerror(-n));
		take_drops(tl);
	}
	memcpy(slot, tl->fifo[tl->head], STORE_SLOT);
	tl->head = (tl->head + 1) % LIVE_FIFO;
	tl->count--;
	return 1;
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

/* top_stream's stop: the next record wanted ends the stream. */
static void stop_records(void *arg)
{
	__atomic_store_n(&((struct top_live *)arg)->stop, 1, __ATOMIC_RELEASE);
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

	tl->fifo = vr_xmalloc(LIVE_FIFO * sizeof(*tl->fifo));
	if (attach(tl, lo, err)) {
		top_live_close(tl);
		return NULL;
	}
	tl->ls = live_source_new(next_record, tl);
	tl->last_drops_ns = vr_now_ns();
	tl->stream = top_stream_new(live_source_as_source(tl->ls), stop_records, tl);
	top_stream_input(tl->stream, in);
	in->note = "injections, acknowledgements and findings need the replay driver on the "
		   "live stream (not wired yet)";
	in->vm_of = live_vm_of;
	in->vm_arg = tl;
	return tl;
}

/* See top.h. */
void top_live_close(struct top_live *tl)
{
	if (!tl)
		return;
	top_stream_free(tl->stream); /* the thread stopped before what it reads goes */
	live_source_free(tl->ls);
	ring_buffer__free(tl->rb);
	vgic_bpf__destroy(tl->skel);
	free(tl->drops_seen);
	free(tl->fifo);
	free(tl);
}
