/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF backend: the userspace half of the BPF collector.
 *
 * While recording, two threads: the main thread polls the BPF ring buffer
 * and copies its records, a batch at a time, into a bounded in-memory
 * queue (8 x the BPF ring, queue.h); the writer thread writes them out as
 * they lie to the spool (spool.h), so the disk never stalls the ring
 * buffer. When the recording stops, the spool is turned into trace rows
 * through the importers' writer (store.h): the guests being recorded do
 * not pay for SQLite while they run. If the queue itself fills up, the
 * records are counted as user-space drops and stored as gaps, like the
 * BPF side's failed reservations (counted per probe and CPU in the
 * `drop_count` array) and the events the kernel did not run a program for
 * because it was already running on that CPU (its recursion misses,
 * read at every poll: prog_misses.h).
 *
 * With --flight the records stay in a ring in memory instead, written
 * out as windows, and with --watch checked as they come (flight_rec.h).
 * The hooks are chosen and loaded by bpf_hooks.c.
 */
#define _GNU_SOURCE
#include "backends.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../schemas/tracedb.h"
#include "bpf_hooks.h"
#include "flight.h"
#include "flight_rec.h"
#include "prog_misses.h"
#include "queue.h"
#include "spool.h"
#include "store.h"
#include "vgic.h"
#include "vgic.skel.h"

#define QUEUE_RING_FACTOR 8 /* the queue holds 8 x the BPF ring's bytes */
#define TICK_NS 1000000000ull /* drop counters read, and the tty line redrawn, once a second */
/*
 * The ring is taken at most every 100 ms while little arrives. Records
 * come every few hundred microseconds on a busy host, so epoll_wait (the
 * ring is ready whenever it holds data) returned at once and each pass
 * took a few records and read every program's recursion misses (a bpf(2)
 * call per program, some 200 us each in the lab's emulated host): the
 * recorder used 25% of an emulated CPU on the lab's Linux guest. The 8 MB
 * ring holds seconds of such traffic; after a pass that took a burst
 * (BURST_RECORDS or more) the next one does not wait.
 */
#define TAKE_EVERY_NS 100000000ull
#define BURST_RECORDS 1024

/* The BPF backend's state for one recording (record_run.priv). */
struct bpf_recorder {
	struct record_run *run;
	struct btf *vmlinux;	  /* the kernel's BTF, from preflight until attach */
	struct vgic_bpf *skel;
	int stats_fd;		  /* --prog-stats: BPF statistics on while open */
	struct ring_buffer *rb;
	uint64_t last_tick;	  /* the last look at the drop counters */
	uint64_t last_take;	  /* the last take of the ring (TAKE_EVERY_NS) */
	int last_taken;		  /* records it took */
	uint64_t *drops_seen_cpu; /* [probe][cpu] counters already turned into gaps */
	struct miss_account misses; /* the programs' recursion misses, read at every poll */
	/* streaming */
	struct queue q;
	struct spool *spool;	  /* the records, until the recording stops */
	char *spool_path;
	int keep_spool;		  /* the records could not be stored: the spool keeps them */
	/* --flight */
	struct flight_rec *flight; /* records stay here until a dump */
	int64_t drops_probe[PROBE_MAX]; /* BPF drops per probe (--metrics) */
	/* VR_TEST_PLANT_MISS (tests only) */
	int plant;		  /* misses still to plant */
	int64_t taken;		  /* records taken from the ring so far */
};

#define PLANT_AFTER_RECORDS 1000 /* a planted miss lands amid the run's records */

/* Hand a record on: to the writer's queue, or in flight mode to the in-memory ring. */
static void record_push(struct bpf_recorder *r, const void *data, size_t size)
{
	if (!r->flight)
		queue_push(&r->q, data, size);
	else
		flight_rec_push(r->flight, data, size);
}

/* ring_buffer__new callback: runs on the polling thread, inside take_ring(). */
static int on_ring_record(void *ctx, void *data, size_t size)
{
	struct bpf_recorder *r = ctx;

	if (r->flight)
		record_push(r, data, size);
	else
		queue_append(&r->q, data, size);
	return 0;
}

/*
 * Take every record the ring holds. A streaming recording takes the whole
 * batch under one hold of the queue's lock (on_ring_record() appends
 * without locking), not one per record.
 */
static int take_ring(struct bpf_recorder *r)
{
	int n, was_empty;

	if (r->flight)
		return ring_buffer__consume(r->rb);
	was_empty = queue_batch_begin(&r->q);
	n = ring_buffer__consume(r->rb);
	queue_batch_end(&r->q, was_empty);
	return n;
}

/*
 * Read the BPF drop counters (per probe, per CPU) into per_cpu: what
 * each CPU lost since the last look.
 */
static void read_drops(struct bpf_recorder *r, int ncpu, uint64_t *per_cpu)
{
	if (!r->drops_seen_cpu)
		r->drops_seen_cpu = vr_xcalloc((size_t)PROBE_MAX * ncpu, sizeof(uint64_t));
	hooks_drops_since(r->skel, r->drops_seen_cpu, ncpu, per_cpu, r->drops_probe);
}

/*
 * Queue a gap for every CPU that lost records in BPF since the last look,
 * with the time window in which they were lost.
 */
static void collect_drops(struct bpf_recorder *r, uint64_t window_start)
{
	int ncpu = libbpf_num_possible_cpus(), cpu;
	uint64_t now = vr_now_ns(), *per_cpu;

	if (ncpu <= 0)
		return;
	per_cpu = vr_xcalloc((size_t)ncpu, sizeof(*per_cpu));
	read_drops(r, ncpu, per_cpu);
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
		r->run->st->drops_bpf += g.lost;
		record_push(r, &g, sizeof(g));
	}
	free(per_cpu);
}

/*
 * Read the programs' recursion misses; events lost to them since the last
 * read become a gap on no known CPU over that interval. Called before the
 * ring is taken, so that the gap lands before every record taken after
 * the last read: at the start of the interval in which it was lost,
 * before its consequences.
 */
static void collect_misses(struct bpf_recorder *r)
{
	struct gap_rec g;

	hooks_read_misses(r->skel, &r->misses);
	if (!miss_account_update(&r->misses, vr_now_ns(), &g))
		return;
	r->run->st->drops_bpf += g.lost;
	r->run->st->drops_recursion += g.lost;
	record_push(r, &g, sizeof(g));
}

/*
 * VR_TEST_PLANT_MISS (tests only): once the recording has taken
 * PLANT_AFTER_RECORDS records, plant the misses asked for; the next read
 * of the counters turns them into a gap.
 */
static void plant_misses(struct bpf_recorder *r)
{
	int done;

	if (!r->plant || r->taken < PLANT_AFTER_RECORDS)
		return;
	done = hooks_plant_misses(r->skel, r->plant);
	fprintf(stderr, "record: VR_TEST_PLANT_MISS: %d updates of plant made after %lld records, "
			"at %.3f s\n",
		done, (long long)r->taken, (vr_now_ns() - r->run->start_ns) / 1e9);
	r->plant = 0;
}

/* Turn the drop counters into gaps if a second has passed since the last look. */
static int tick_drops(struct bpf_recorder *r)
{
	if (vr_now_ns() - r->last_tick < TICK_NS)
		return 0;
	collect_drops(r, r->last_tick);
	r->last_tick = vr_now_ns();
	return 1;
}

/*
 * The records could not be stored (why): say so in one line, naming the
 * spool that keeps them and how to store them later.
 */
static int spool_kept_error(struct bpf_recorder *r, const char *why, struct vr_error *err)
{
	const char *output = r->run->opt->output;
	char reason[sizeof(err->msg)];
	size_t n = strlen(output);

	r->keep_spool = 1;
	/* why may already name the output ("FILE: insert: ..."): name it once. */
	if (!strncmp(why, output, n) && !strncmp(why + n, ": ", 2))
		why += n + 2;
	snprintf(reason, sizeof(reason), "%s", why);
	return vr_error_set(err, "%s: %s: recording stopped; its records are kept in %s "
				 "('vgic-replay record --finish %s' stores them)",
			    output, reason, r->spool_path, output);
}

/* ------------------------------------------------ the steps (record_core.h) */

/* Preflight: may this process load BPF, and has the kernel BTF and a vGIC? */
static int bpf_preflight(struct record_run *run, struct vr_error *err)
{
	struct bpf_recorder *r = vr_xcalloc(1, sizeof(*r));

	r->run = run;
	r->stats_fd = -1;
	run->priv = r;
	if (hooks_may_load(err))
		return -1;
	r->vmlinux = hooks_kernel_btf(err);
	return r->vmlinux ? 0 : -1;
}

/* Would this recording overwrite the spool a killed recording left? Its records would be lost. */
static int spool_left_over(const struct record_options *opt, struct vr_error *err)
{
	char *old_spool;
	struct stat sb;
	int rc = 0;

	if (!opt->output || opt->flight_bytes || opt->force)
		return 0;
	old_spool = spool_path_of(opt->output);
	if (!stat(old_spool, &sb))
		rc = vr_error_set(err, "%s: a killed recording's records are there "
				       "('vgic-replay record --finish %s' stores them; --force "
				       "replaces them)",
				  old_spool, opt->output);
	free(old_spool);
	return rc;
}

/*
 * Attach: refuse to overwrite a killed recording's spool, turn statistics
 * on for --prog-stats, and load and attach the programs.
 */
static int bpf_attach(struct record_run *run, struct vr_error *err)
{
	struct bpf_recorder *r = run->priv;
	const struct record_options *opt = run->opt;

	if (spool_left_over(opt, err))
		return -1;
	if (opt->prog_stats)
		r->stats_fd = hooks_stats_on();
	r->skel = hooks_load(opt, run->gic, r->vmlinux, run->st, err);
	btf__free(r->vmlinux);
	r->vmlinux = NULL;
	return r->skel ? 0 : -1;
}

/* Streaming: the trace begun, the spool created, the writer thread running. */
static int open_stream(struct bpf_recorder *r, struct vr_error *err)
{
	const struct record_options *opt = r->run->opt;

	if (record_begin_trace(r->run, err))
		return -1;
	r->spool_path = spool_path_of(opt->output);
	r->spool = spool_create(r->spool_path, err);
	if (!r->spool)
		return -1;
	return queue_start(&r->q, (size_t)opt->ring_bytes * QUEUE_RING_FACTOR, r->spool, err);
}

/*
 * Flight recorder: a ring in memory (and the watcher with --watch); the
 * output is written only when the recording stops.
 */
static int open_flight(struct bpf_recorder *r, struct vr_error *err)
{
	r->flight = vr_xcalloc(1, sizeof(*r->flight));
	return flight_rec_open(r->flight, r->run, 0, err);
}

/* The recorder's counters for --metrics (the flight recording adds the rest). */
static void bpf_metrics(const struct bpf_recorder *r, struct vr_metrics *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->drops_probe, r->drops_probe, sizeof(m->drops_probe));
	m->drops_recursion = r->run->st->drops_recursion;
}

/*
 * Open: every hook is attached, so the programs start recording now (a
 * consistent start); then where the records go, and the ring buffer. SIGUSR1
 * dumps a flight window, and is ignored when streaming, which has none.
 */
static int bpf_open(struct record_run *run, struct vr_error *err)
{
	struct bpf_recorder *r = run->priv;
	const struct record_options *opt = run->opt;

	/* Misses before the start count (an event filtered out anyway, at worst). */
	hooks_read_misses(r->skel, &r->misses);
	miss_account_init(&r->misses, vr_now_ns());
	r->skel->bss->recording = true;
	r->plant = hooks_plant_asked();
	record_measure_clock(run);
	if (opt->flight_bytes ? open_flight(r, err) : open_stream(r, err))
		return -1;
	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.rb), on_ring_record, r, NULL);
	if (!r->rb)
		return vr_error_set(err, "cannot open the BPF ring buffer: %s", strerror(errno));
	run->start_ns = r->last_tick = vr_now_ns();
	record_catch_dump(r->flight != NULL);
	if (r->flight)
		fprintf(stderr, "record: flight recorder, last %.2f MB in memory; SIGUSR1 (kill -USR1 "
				"%d) writes them, Ctrl-C writes them to %s and stops\n",
			opt->flight_bytes / 1048576.0, (int)getpid(), opt->output);
	else
		fprintf(stderr, "record: writing %s; Ctrl-C to stop\n", opt->output);
	return 0;
}

/*
 * Poll: wait up to 50 ms for records and take them. The BPF side wakes us
 * only every so many records (wakeup_every in bpf_hooks.c), so a timeout
 * takes what arrived since. A failed spool write, or a failing ring,
 * stops the recording, which stores what it has.
 */
static enum record_step bpf_poll(struct record_run *run, struct vr_error *err)
{
	struct bpf_recorder *r = run->priv;
	struct epoll_event ev;
	uint64_t since = vr_now_ns() - r->last_take;
	int n;

	if (r->q.writer_failed)
		return RECORD_STOP;
	if (since < TAKE_EVERY_NS && r->last_taken < BURST_RECORDS) {
		/* a signal ends the wait early: Ctrl-C is not delayed */
		struct timespec rest = {0, (long)(TAKE_EVERY_NS - since)};

		nanosleep(&rest, NULL);
	}
	r->last_take = vr_now_ns();
	if (epoll_wait(ring_buffer__epoll_fd(r->rb), &ev, 1, 50) < 0 && errno != EINTR) {
		n = -errno;
	} else {
		collect_misses(r);
		n = take_ring(r);
		r->last_taken = n;
		if (n > 0)
			r->taken += n;
		plant_misses(r);
	}
	if (n < 0 && n != -EINTR) {
		vr_error_set(err, "ring buffer: %s", strerror(-n));
		return RECORD_STOP;
	}
	return RECORD_GO_ON;
}

/*
 * Tick: once a second the drop counters become gaps, --max-size is
 * checked and a tty shows the count; in flight mode a SIGUSR1 starts a
 * dump (the drops so far go into it).
 */
static enum record_step bpf_tick(struct record_run *run, struct vr_error *err)
{
	struct bpf_recorder *r = run->priv;
	struct vr_metrics m;

	(void)err;
	if (r->flight) {
		if (record_take_dump_request()) {
			collect_misses(r);
			collect_drops(r, r->last_tick);
			r->last_tick = vr_now_ns();
			flight_rec_usr1(r->flight);
		}
		tick_drops(r);
		bpf_metrics(r, &m);
		flight_rec_tick(r->flight, &m, 0);
		return RECORD_GO_ON;
	}
	if (!tick_drops(r))
		return RECORD_GO_ON;
	if (record_size_reached(run))
		return RECORD_STOP;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r%lld records, %lld dropped   ", (long long)r->q.spooled,
			(long long)(run->st->drops_bpf + r->q.dropped));
	return RECORD_GO_ON;
}

/*
 * Flight recorder stopped: take what the ring holds, wait for a dump still
 * being written, and write the last window to the output. The window
 * counts afresh; the BPF drops are the whole recording's.
 */
static int stop_flight(struct bpf_recorder *r, struct vr_error *err)
{
	struct record_stats *st = r->run->st;
	int64_t drops_bpf, drops_recursion;
	struct vr_metrics m;
	int rc;

	collect_misses(r);
	ring_buffer__consume(r->rb);
	collect_drops(r, r->last_tick);
	drops_bpf = st->drops_bpf;
	drops_recursion = st->drops_recursion;
	bpf_metrics(r, &m);
	record_measure_clock(r->run); /* the last window's clock: measured at its start and stop */
	rc = flight_rec_stop(r->flight, st, &m, err);
	st->drops_bpf = drops_bpf;
	st->drops_recursion = drops_recursion;
	st->seconds = (vr_now_ns() - r->run->start_ns) / 1e9; /* the window's writing included */
	return rc;
}

/*
 * Streaming stopped: take what the ring holds, let the writer spool the
 * rest, and close the spool; -1 (the spool kept, err set) if a write to
 * it failed.
 */
static int drain_to_spool(struct bpf_recorder *r, struct vr_error *err)
{
	struct record_stats *st = r->run->st;
	int why;

	collect_misses(r);
	take_ring(r);
	collect_drops(r, r->last_tick);
	st->drops_user = r->q.dropped; /* read before the writer may still queue */
	queue_stop(&r->q);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	st->queue_peak_bytes = (int64_t)r->q.peak_bytes;
	if (r->run->opt->verbose)
		fprintf(stderr, "record: the writer was at most %.1f MB behind (its queue holds %.0f MB)\n",
			r->q.peak_bytes / 1048576.0, r->q.fifo->size / 1048576.0);
	why = r->spool->failed_errno;
	if (spool_close(r->spool) && !why)
		why = EIO;
	r->spool = NULL;
	if (why || r->q.writer_failed)
		return spool_kept_error(r, why == ENOSPC ? "disk full" : strerror(why ? why : EIO),
					err);
	return 0;
}

/*
 * Store the spool into the trace, with one gap over the whole recording
 * for the records the writer could not keep up with, and commit it all at
 * once; on failure the spool is kept for `record --finish`.
 */
static int store_recording(struct bpf_recorder *r, struct vr_error *err)
{
	struct record_run *run = r->run;
	struct rec_store store;

	record_measure_clock(run);
	rec_store_init(&store, run->w, run->st);
	if (rec_store_spool(&store, r->spool_path, run->opt->output, err))
		return spool_kept_error(r, err->msg, err);
	if (run->st->drops_user)
		trace_writer_gap_window(run->w, -1, run->st->drops_user, (int64_t)run->start_ns,
					(int64_t)vr_now_ns());
	if (record_finish_trace(run, run->st->events, err))
		return spool_kept_error(r, err->msg, err);
	return 0;
}

/*
 * Stop: drain and store, into the trace (streaming) or the last window
 * (--flight); st->store_seconds is how long that took, programs still attached.
 */
static int bpf_stop(struct record_run *run, struct vr_error *err)
{
	struct bpf_recorder *r = run->priv;
	uint64_t t0 = vr_now_ns();
	int rc;

	if (r->flight)
		rc = stop_flight(r, err);
	else
		rc = drain_to_spool(r, err) ? -1 : store_recording(r, err);
	run->st->store_seconds = (vr_now_ns() - t0) / 1e9;
	miss_account_report(&r->misses, stderr);
	return rc;
}

/*
 * Cleanup: the writer stopped, --prog-stats printed, the trace closed
 * (what was committed kept, unless the spool keeps the records: then none
 * half stored), the spool removed unless it keeps them, the programs
 * detached.
 */
static void bpf_cleanup(struct record_run *run)
{
	struct bpf_recorder *r = run->priv;

	if (!r)
		return;
	queue_stop(&r->q);
	if (r->skel && run->opt->prog_stats)
		hooks_print_prog_stats(r->skel, (vr_now_ns() - run->start_ns) / 1e9);
	if (r->stats_fd >= 0)
		close(r->stats_fd);
	record_close_trace(run, !r->keep_spool);
	spool_close(r->spool);
	if (r->spool_path && !r->keep_spool)
		unlink(r->spool_path);
	free(r->spool_path);
	ring_buffer__free(r->rb);
	vgic_bpf__destroy(r->skel);
	btf__free(r->vmlinux);
	queue_free(&r->q);
	free(r->drops_seen_cpu);
	if (r->flight)
		flight_rec_free(r->flight);
	free(r->flight);
	free(r);
	run->priv = NULL;
}

/* See backends.h. */
const struct record_backend record_backend_bpf = {
	.name = "bpf",
	.clock = "CLOCK_MONOTONIC (bpf_ktime_get_ns)",
	.clock_is_mono = 1,
	.preflight = bpf_preflight,
	.attach = bpf_attach,
	.open = bpf_open,
	.poll = bpf_poll,
	.tick = bpf_tick,
	.stop = bpf_stop,
	.cleanup = bpf_cleanup,
};
