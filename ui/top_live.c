/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live collector as `vgic-replay top`'s input (see top.h).
 *
 * The probes are chosen, loaded and attached by the recorder's own path
 * (bpf_hooks.h: hooks_may_load, hooks_kernel_btf, hooks_load), with the
 * options `record` would be given. The records of the BPF ring buffer,
 * polled on the stream's thread, go to the watcher as the recorder hands
 * them to `record --watch`'s (top_stream.c): checked as they arrive, by
 * check's code, into the model. What the probes lose becomes gap records
 * once a second, as the recorder makes them: the per-CPU `drops` counters
 * (the ring was full) and the programs' recursion misses (prog_misses.h);
 * the header shows both, and the records the checks skipped.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/utsname.h>

#include "../collector/capture/bpf_hooks.h"
#include "../collector/capture/prog_misses.h"
#include "../collector/capture/record_core.h"
#include "../collector/capture/vgic.h"
#include "vgic.skel.h"
#include "top.h"

#define LIVE_VMS 256 /* threads whose VMM is remembered */

struct top_live {
	struct record_options ropt;
	struct record_stats st;
	struct vgic_bpf *skel;
	struct ring_buffer *rb;
	struct watch *w;	   /* where the ring's records go (the stream's watcher) */
	struct top_stream *stream; /* the thread that polls the ring, and the checks */
	int gic;
	struct utsname un;
	uint64_t *drops_seen; /* [probe * ncpu + cpu], the counters already passed on */
	int ncpu;
	uint64_t last_drops_ns;
	struct miss_account misses; /* the programs' recursion misses */
	int64_t drops, missed;	    /* events lost to each so far (atomic: the header reads them) */
	struct {
		int32_t pid;
		int64_t vm;
	} vms[LIVE_VMS];
	int nvms;
};

/* ring_buffer__new's callback: the record to the watcher, as the recorder hands it. */
static int take_record(void *ctx, void *data, size_t size)
{
	struct top_live *tl = ctx;

	if (size <= STORE_SLOT)
		watch_feed(tl->w, data, size);
	return 0;
}

/* A gap record of lost events on cpu (GAP_CPU_UNKNOWN: none) since start_ns, to the watcher. */
static void feed_gap(struct top_live *tl, unsigned cpu, int64_t lost, uint64_t start_ns)
{
	struct gap_rec g;

	memset(&g, 0, sizeof(g));
	g.h.type = VGIC_REC_GAP;
	g.h.cpu = (unsigned short)cpu;
	g.h.ts = vr_now_ns();
	g.lost = lost;
	g.start_ns = start_ns;
	watch_feed(tl->w, &g, sizeof(g));
}

/*
 * Once a second, as the recorder does: what each CPU lost in BPF since
 * the last look (the drop counters, per probe and CPU) and what the
 * programs missed re-entered (their recursion misses), passed on as gaps
 * and counted for the header.
 */
static void take_drops(struct top_live *tl)
{
	uint64_t now = vr_now_ns(), *per_cpu;
	struct gap_rec miss;

	if (now - tl->last_drops_ns < 1000000000ull || tl->ncpu <= 0)
		return;
	per_cpu = vr_xcalloc((size_t)tl->ncpu, sizeof(*per_cpu));
	hooks_drops_since(tl->skel, tl->drops_seen, tl->ncpu, per_cpu, NULL);
	for (int cpu = 0; cpu < tl->ncpu; cpu++)
		if (per_cpu[cpu]) {
			feed_gap(tl, (unsigned)cpu, (int64_t)per_cpu[cpu], tl->last_drops_ns);
			__atomic_add_fetch(&tl->drops, (int64_t)per_cpu[cpu], __ATOMIC_RELAXED);
		}
	free(per_cpu);
	hooks_read_misses(tl->skel, &tl->misses);
	if (miss_account_update(&tl->misses, now, &miss)) {
		watch_feed(tl->w, &miss, sizeof(miss));
		__atomic_add_fetch(&tl->missed, miss.lost, __ATOMIC_RELAXED);
	}
	tl->last_drops_ns = now;
}

/* top_records' poll: take the ring (waiting up to 50 ms for it), and the losses once a second. */
static int poll_ring(void *arg, struct watch *w, struct vr_error *err)
{
	struct top_live *tl = arg;
	int n;

	tl->w = w;
	take_drops(tl); /* before the ring: the gaps precede what was taken after the last look */
	/*
	 * The programs wake a reader only every so many records
	 * (bpf_hooks.c), so after the wait the ring is taken whether or not
	 * it woke us, as the recorder's poll does.
	 */
	n = ring_buffer__poll(tl->rb, 50);
	if (n >= 0 || n == -EINTR)
		n = ring_buffer__consume(tl->rb);
	if (n < 0 && n != -EINTR)
		return vr_error_set(err, "ring buffer: %s", strerror(-n));
	return 1;
}

/* top_records' note: the events the probes lost, by cause. */
static void losses_note(void *arg, char *buf, size_t n)
{
	struct top_live *tl = arg;

	snprintf(buf, n, "lost in BPF: %lld drops (ring full), %lld recursion misses",
		 (long long)__atomic_load_n(&tl->drops, __ATOMIC_RELAXED),
		 (long long)__atomic_load_n(&tl->missed, __ATOMIC_RELAXED));
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
	tl->gic = run.gic;
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
	hooks_read_misses(tl->skel, &tl->misses); /* misses before the start are not counted */
	miss_account_init(&tl->misses, vr_now_ns());
	tl->skel->bss->recording = true;
	return 0;
}

/* See top.h. */
struct top_live *top_live_open(const struct top_live_options *lo, struct top_input *in,
			       struct vr_error *err)
{
	struct top_live *tl = vr_xcalloc(1, sizeof(*tl));
	struct top_records rec = {0};

	if (attach(tl, lo, err)) {
		top_live_close(tl);
		return NULL;
	}
	uname(&tl->un);
	tl->last_drops_ns = vr_now_ns();
	rec.poll = poll_ring;
	rec.note = losses_note;
	rec.arg = tl;
	rec.gic = tl->gic;
	rec.kinds = tl->st.kinds_recordable;
	rec.kernel_release = tl->un.release;
	tl->stream = top_stream_new(&rec, err);
	if (!tl->stream) {
		top_live_close(tl);
		return NULL;
	}
	top_stream_input(tl->stream, in);
	in->vm_of = live_vm_of;
	in->vm_arg = tl;
	return tl;
}

/* See top.h. */
void top_live_close(struct top_live *tl)
{
	if (!tl)
		return;
	top_stream_free(tl->stream); /* the thread stopped before the ring goes */
	ring_buffer__free(tl->rb);
	vgic_bpf__destroy(tl->skel);
	free(tl->drops_seen);
	free(tl);
}
