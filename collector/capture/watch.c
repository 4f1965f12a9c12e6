/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --watch`: the watcher (see watch.h).
 *
 * Three passes over the learning prefix, which is small and bounded: the
 * records themselves give the run's facts (GIC, LRs, vCPUs, kinds,
 * INTIDs) as they are copied into it; a live stream over the prefix
 * teaches the model the guest's configuration; a fresh live stream over
 * the prefix and then the queue is what the checks read, to the end. The
 * queue is a byte FIFO (flight.h, FIFO use) under one lock; the watcher
 * copies a span of it out at a time, so the feeder waits on the lock
 * for a memcpy at most.
 */
#define _GNU_SOURCE
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../../engine/vgic_engine.h"
#include "../../replay/replay.h"
#include "flight.h"
#include "live_source.h"
#include "store.h"
#include "watch_policy.h"

_Static_assert(METRICS_FINDING_KINDS == FINDING_KIND_MAX, "metrics.h counts every finding kind");

#define DUMP_PREFIX "vgic-watch-"
#define STATS_EVERY 64 /* items between updates of the shared counters */

#define RUN_KEPT 64 /* findings kept per run while its profile is not the one reported */

struct watch;

/* One profile's run of the checks over the stream. */
struct watch_run {
	struct watch *w;
	struct replay_options opt;
	struct replay_result res;
	struct replay_stream *s;
	struct replay_finding kept[RUN_KEPT]; /* its latest findings, while not reported */
	int nkept, next;
	int64_t dropped; /* ... older ones, not kept */
	int retired;	 /* can no longer explain the kernel: no longer fed */
};

struct watch {
	struct watch_config cfg;
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	/* The queue and the feeder's side of it (under lock). */
	struct flight_ring *q;
	int closed;
	int64_t fed, skipped, skipping, episodes;
	int behind; /* an episode of skipping: from a record the queue had no room for to the
		       first one after its gap that it had room for */
	uint64_t skip_first_ts, skip_last_ts, newest_ts;
	size_t queue_peak;
	/* The watcher's side: records copied out of the queue, the prefix, the stream. */
	unsigned char *batch;
	size_t batch_len, batch_off;
	struct flight_ring *prefix;
	struct flight_iter prefix_it;
	int prefix_left;	 /* the prefix is still being read back */
	int queue_ended;
	struct trace_facts facts;
	int64_t max_vcpu;
	int has_flush;
	/*
	 * One run of the checks per profile that fits the GIC, as check's
	 * diagnosis replays them; the findings acted on are those of
	 * runs[reporting] (the kernel release's profile, until the kernel is
	 * seen to behave like another one), the others' are kept a while.
	 */
	struct watch_run runs[REPLAY_MAX_PROFILES];
	int nruns, reporting;
	int diagnosed_none; /* said that no profile explains the kernel */
	/* Shared with the feeder's thread (under lock). */
	struct watch_policy policy;
	char pending_kind[32];
	uint64_t pending_wall_ns; /* vr_now_ns() when it opened */
	time_t pending_time;	  /* ... the time of day, for its name */
	char *dump_ready;
	int ended;	     /* the checks have ended: a dump still due is due now */
	char last_name[512]; /* the last dump name given, without its number */
	int same_name;	     /* how many more had it */
	int64_t by_kind[FINDING_KIND_MAX], errors;
	int64_t events_checked, cpu_ns;
	uint64_t processed_ts, first_ts;
	double max_lag_s;
	struct predict_result model; /* the reported profile's tallies */
	char profile[64];
	int64_t dump_bytes_written;
	unsigned slow_us; /* VR_TEST_WATCH_SLOW_US (tests only): a wait per item checked */
};

/* One line about the watcher, to stderr and, with --syslog, to syslog at prio. */
static void say(const struct watch *w, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(const struct watch *w, int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!w->cfg.quiet)
		fprintf(stderr, "record: watch: %s\n", line);
	if (w->cfg.use_syslog)
		syslog(prio, "watch: %s", line);
}

/* Bytes the dumps an earlier run left in dir take (DUMP_PREFIX*.db). */
static int64_t dumps_on_disk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int64_t total = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char path[4096];
		struct stat sb;

		if (strncmp(e->d_name, DUMP_PREFIX, strlen(DUMP_PREFIX)) || n < 4 ||
		    strcmp(e->d_name + n - 3, ".db"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!stat(path, &sb))
			total += sb.st_size;
	}
	closedir(d);
	return total;
}

/*
 * A dump's path, named after the host, the time of its first finding
 * (UTC) and that finding's kind; a number added when the name is taken,
 * on disk or by a dump of this run not written yet (lock held).
 */
static char *dump_name(struct watch *w, const char *kind, time_t t)
{
	char stamp[32], base[512], *path = vr_xmalloc(sizeof(base) + 16);
	struct tm tm;
	struct stat sb;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(base, sizeof(base), "%s/" DUMP_PREFIX "%s-%s-%s", w->cfg.dir, w->cfg.host, stamp,
		 kind);
	w->same_name = strcmp(base, w->last_name) ? 0 : w->same_name + 1;
	snprintf(w->last_name, sizeof(w->last_name), "%s", base);
	sprintf(path, "%s.db", base);
	for (int k = w->same_name + 1; (k > 1 || !stat(path, &sb)) && k < 1000; k++) {
		sprintf(path, "%s-%d.db", base, k);
		if (stat(path, &sb))
			break;
	}
	return path;
}

/* Take the pending dump (lock held): its path ready for the feeder, or said why not. */
static void make_dump_ready(struct watch *w, int64_t now_ts)
{
	if (w->dump_ready)
		return; /* the last one is not written yet: this one is due again next time */
	if (!watch_policy_take(&w->policy, now_ts)) {
		say(w, LOG_WARNING, "dump of %s not written: the dumps fill --watch-max-disk",
		    w->pending_kind);
		return;
	}
	w->dump_ready = dump_name(w, w->pending_kind, w->pending_time);
}

/* Act on a finding of the profile reported: count, log, and open or join a dump. */
static void act_on_finding(struct watch *w, const struct replay_finding *f)
{
	enum watch_verdict v = WATCH_RATE_LIMITED;
	char where[96] = "", expl[240];
	const char *kind = finding_kind_name(f->kind);
	int n;

	if (w->cfg.observer && w->cfg.observer->finding)
		w->cfg.observer->finding(f, w->cfg.observer->arg);
	pthread_mutex_lock(&w->lock);
	w->by_kind[f->kind]++;
	if (f->severity == SEVERITY_ERROR) {
		w->errors++;
		if (w->cfg.dir)
			v = watch_policy_finding(&w->policy, f->ts_ns);
		if (w->cfg.dir && v == WATCH_DUMP_OPENED) {
			snprintf(w->pending_kind, sizeof(w->pending_kind), "%s", kind);
			w->pending_wall_ns = vr_now_ns();
			w->pending_time = time(NULL);
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (f->severity != SEVERITY_ERROR)
		return; /* gaps: counted (metrics, --prog-stats), not a line each */
	n = 0;
	if (f->vcpu != VR_NO_VALUE)
		n += snprintf(where + n, sizeof(where) - (size_t)n, " vCPU %lld", (long long)f->vcpu);
	if (f->intid != VR_NO_VALUE)
		snprintf(where + n, sizeof(where) - (size_t)n, " INTID %lld", (long long)f->intid);
	n = (int)strnlen(f->explanation, sizeof(f->explanation));
	if ((size_t)n >= sizeof(expl)) {
		memcpy(expl, f->explanation, sizeof(expl) - 4);
		memcpy(expl + sizeof(expl) - 4, "...", 4);
	} else {
		memcpy(expl, f->explanation, (size_t)n + 1);
	}
	say(w, LOG_WARNING, "%s%s at +%.6f s: %s; %s", kind, where,
	    (f->ts_ns - (int64_t)w->first_ts) / 1e9, w->cfg.dir ? watch_verdict_name(v) : "no dumps",
	    expl);
}

/* Keep a finding of a run whose profile is not (or not yet) the one reported. */
static void keep_finding(struct watch_run *r, const struct replay_finding *f)
{
	if (r->nkept == RUN_KEPT)
		r->dropped++;
	else
		r->nkept++;
	r->kept[r->next] = *f;
	r->next = (r->next + 1) % RUN_KEPT;
}

/* Act on the findings a run kept, oldest first, and forget them. */
static void act_on_kept(struct watch *w, struct watch_run *r)
{
	int first = (r->next - r->nkept + RUN_KEPT) % RUN_KEPT;

	if (r->dropped)
		say(w, LOG_WARNING, "%lld earlier findings of %s were not kept", (long long)r->dropped,
		    vgic_profile_name(r->res.profile));
	for (int i = 0; i < r->nkept; i++)
		act_on_finding(w, &r->kept[(first + i) % RUN_KEPT]);
	r->nkept = r->next = 0;
	r->dropped = 0;
}

/* Does the run, as it stands, show the kernel behaving otherwise than its profile? */
static bool run_disagrees(const struct watch_run *r)
{
	struct replay_result now;

	replay_stream_snapshot(r->s, &now);
	return replay_disagrees(&now);
}

/*
 * Can the run's profile no longer explain the kernel, whatever follows?
 * A flush or AP list that differed, an LR_DIVERGENCE, a flush with HCR
 * bits the profile never sets: counts that only grow, each of which
 * rules out a match in replay_diagnose_runs() for good (unlike "most
 * flushes not compared", which more flushes may undo).
 */
static bool run_ruled_out(const struct watch_run *r)
{
	const struct predict_result *m = replay_stream_model(r->s);

	return m && (m->mismatched > 0 || m->ap_agree < m->ap_lists ||
		     m->hcr_foreign > 0 || r->res.findings_by_kind[FINDING_LR_DIVERGENCE] > 0);
}

/*
 * Stop feeding the runs of other profiles that can no longer explain the
 * kernel (their tallies stay as they were for the diagnosis' text): on a
 * kernel that behaves like its release's profile, the others soon
 * disagree, and the watcher's cost falls back to about one run's.
 */
static void retire_runs(struct watch *w)
{
	for (int i = 0; i < w->nruns; i++) {
		struct watch_run *r = &w->runs[i];

		if (i == w->reporting || r->retired || !run_ruled_out(r))
			continue;
		r->retired = 1;
		r->nkept = r->next = 0;
	}
}

/*
 * replay_finding_fn, on the watcher's thread: a finding of the profile
 * reported is acted on while that profile explains the kernel; otherwise
 * it is kept until the diagnosis (diagnose()) says whose findings count.
 */
static void on_finding(const struct replay_finding *f, void *arg)
{
	struct watch_run *r = arg;
	struct watch *w = r->w;

	if (r == &w->runs[w->reporting] && (w->diagnosed_none || !run_disagrees(r)))
		act_on_finding(w, f);
	else
		keep_finding(r, f);
}

/*
 * replay_tally_fn, on the watcher's thread: the observer counts the
 * accounting of the profile reported (as check prints that run's).
 */
static void on_tally(enum replay_tally what, int64_t ts_ns, int64_t vcpu, uint32_t intid,
		     void *arg)
{
	struct watch_run *r = arg;
	struct watch *w = r->w;

	if (r == &w->runs[w->reporting] && w->cfg.observer && w->cfg.observer->tally)
		w->cfg.observer->tally(what, ts_ns, vcpu, intid, w->cfg.observer->arg);
}

/*
 * check's diagnosis, live: when the profile reported disagrees with the
 * kernel, judge every run as it stands (replay_diagnose_runs()); the one
 * the kernel behaves like is reported from now on, its kept findings
 * first; when none does, the findings stay the release's profile's, as
 * check's do.
 */
static void diagnose(struct watch *w)
{
	const struct replay_result *runs[REPLAY_MAX_PROFILES];
	struct replay_result now[REPLAY_MAX_PROFILES];
	struct replay_diagnosis d;

	if (w->diagnosed_none || !run_disagrees(&w->runs[w->reporting]))
		return;
	for (int i = 0; i < w->nruns; i++) {
		replay_stream_snapshot(w->runs[i].s, &now[i]);
		runs[i] = &now[i];
	}
	replay_diagnose_runs(runs, w->nruns, w->reporting, &d);
	say(w, LOG_WARNING, "diagnosis: %s", d.text);
	if (d.matched < 0) {
		w->diagnosed_none = 1;
		act_on_kept(w, &w->runs[w->reporting]);
		return;
	}
	w->runs[w->reporting].nkept = w->runs[w->reporting].next = 0;
	w->reporting = d.matched;
	pthread_mutex_lock(&w->lock);
	snprintf(w->profile, sizeof(w->profile), "%s",
		 vgic_profile_name(w->runs[w->reporting].res.profile));
	pthread_mutex_unlock(&w->lock);
	say(w, LOG_WARNING, "reporting %s's findings from now on", w->profile);
	act_on_kept(w, &w->runs[w->reporting]);
}

/*
 * The next record of the queue into slot (STORE_SLOT bytes, zeroed past
 * the record): 1, or 0 once the queue is closed and empty. A span of
 * records is copied out under the lock at a time.
 */
static int queue_next(struct watch *w, unsigned char *slot)
{
	uint32_t n;

	if (w->batch_off >= w->batch_len) {
		const void *data;
		size_t bytes, k;

		pthread_mutex_lock(&w->lock);
		while (!w->q->count && !w->closed)
			pthread_cond_wait(&w->more, &w->lock);
		k = flight_oldest_span(w->q, 4096, &data, &bytes);
		if (k) {
			memcpy(w->batch, data, bytes);
			flight_release(w->q, k);
			pthread_cond_signal(&w->room);
		}
		pthread_mutex_unlock(&w->lock);
		if (!k)
			return 0;
		w->batch_len = bytes;
		w->batch_off = 0;
	}
	memcpy(&n, w->batch + w->batch_off, sizeof(n));
	memset(slot, 0, STORE_SLOT);
	memcpy(slot, w->batch + w->batch_off + sizeof(n), n < STORE_SLOT ? n : STORE_SLOT);
	w->batch_off += (sizeof(n) + n + 7) & ~(size_t)7;
	return 1;
}

/* What a record tells of the run (the facts a file's trace_facts_read() gives). */
static void learn_fact(struct watch *w, const unsigned char *slot)
{
	const struct vgic_rec_hdr *h = (const void *)slot;
	struct trace_facts *f = &w->facts;

	if (h->type == VGIC_REC_GAP || h->type == VGIC_REC_APLIST)
		return;
	if (h->vcpu >= 0 && h->vcpu > w->max_vcpu && h->vcpu < TRACE_MAX_VCPUS)
		w->max_vcpu = h->vcpu;
	if (h->kind < 64)
		f->kinds_present |= VR_KIND_BIT(h->kind);
	if (h->type == VGIC_REC_SNAPSHOT) {
		const struct vgic_rec_snapshot *r = (const void *)slot;

		f->snapshots_total++;
		if (r->gic_version)
			f->gic_version = r->gic_version;
		if (r->nr_lrs > f->nr_lrs)
			f->nr_lrs = r->nr_lrs > VGIC_REC_MAX_LRS ? VGIC_REC_MAX_LRS : r->nr_lrs;
		w->has_flush |= h->kind == VR_EV_FLUSH;
	} else if (h->type == VGIC_REC_EVENT) {
		struct vr_event ev;

		rec_decode_event((const void *)slot, &ev);
		if (ev.intid != VR_NO_VALUE && ev.intid > f->max_intid)
			f->max_intid = ev.intid;
	}
	if (f->first_ts_ns == VR_NO_VALUE)
		f->first_ts_ns = (int64_t)h->ts;
	f->last_ts_ns = (int64_t)h->ts;
}

/*
 * Pass one: copy records into the prefix, learning the facts, until it
 * spans --watch-learn seconds and holds a flush, or fills its memory, or
 * the queue ends.
 */
static void read_prefix(struct watch *w)
{
	unsigned char slot[STORE_SLOT] __attribute__((aligned(8)));
	int64_t learn_ns = (int64_t)(w->cfg.learn_s * 1e9);

	memset(&w->facts, 0, sizeof(w->facts));
	w->facts.first_ts_ns = w->facts.last_ts_ns = VR_NO_VALUE;
	w->facts.max_intid = -1;
	w->max_vcpu = -1;
	snprintf(w->facts.kernel_release, sizeof(w->facts.kernel_release), "%s",
		 w->cfg.kernel_release);
	for (;;) {
		const struct vgic_rec_hdr *h = (const void *)slot;
		uint32_t n = STORE_SLOT;

		if (!queue_next(w, slot)) {
			w->queue_ended = 1;
			break;
		}
		if (h->type == VGIC_REC_APLIST)
			n = sizeof(struct vgic_rec_aplist);
		flight_append(w->prefix, slot, n); /* room: the loop stops 4 KiB short */
		learn_fact(w, slot);
		if (w->has_flush && w->facts.last_ts_ns - w->facts.first_ts_ns >= learn_ns)
			break;
		if (flight_used_bytes(w->prefix) + 4096 > w->prefix->size)
			break;
	}
	/*
	 * As the dumps' trace_info will say, so that check on a dump replays
	 * it alike: the recording's GIC, and no LR count (a live recording
	 * does not know ICH_VTR's; the model's default applies).
	 */
	w->facts.gic_version = w->cfg.gic;
	/*
	 * A kind the source records but the prefix happened not to hold (the
	 * guest's first SGI after it) is present all the same: the replay
	 * reads its absence as none happened (GICD_SGIR writes then inject).
	 */
	w->facts.kinds_present |= w->cfg.kinds;
	w->facts.nr_lrs = 0;
	w->facts.nr_vcpus = w->max_vcpu < 0 ? 1 : (int)w->max_vcpu + 1;
	w->first_ts = w->facts.first_ts_ns == VR_NO_VALUE ? 0 : (uint64_t)w->facts.first_ts_ns;
}

/* live_next_record_fn over the prefix only (pass two). */
static int prefix_next(void *arg, unsigned char *slot, struct vr_error *err)
{
	struct watch *w = arg;
	const void *data;
	uint32_t n;

	(void)err;
	if (!flight_iter_next(w->prefix, &w->prefix_it, &data, &n))
		return 0;
	memcpy(slot, data, n < STORE_SLOT ? n : STORE_SLOT);
	return 1;
}

/* live_next_record_fn over the prefix, then the queue (pass three). */
static int stream_next(void *arg, unsigned char *slot, struct vr_error *err)
{
	struct watch *w = arg;

	if (w->prefix_left) {
		if (prefix_next(arg, slot, err))
			return 1;
		w->prefix_left = 0;
	}
	return w->queue_ended ? 0 : queue_next(w, slot);
}

/* Take what the queue still holds, unchecked, so that a feeder that waits for room goes on. */
static void drain(struct watch *w)
{
	unsigned char slot[STORE_SLOT] __attribute__((aligned(8)));

	while (!w->queue_ended && queue_next(w, slot))
		;
	w->queue_ended = 1;
}

/* Teach the stream the guest's configuration from the prefix (pass two). */
static void learn_config(struct watch *w)
{
	struct live_source *ls = live_source_new(prefix_next, w);
	struct trace_source src = live_source_as_source(ls);
	struct vr_error err = {{0}};
	struct trace_item it;

	flight_iter_begin(w->prefix, &w->prefix_it);
	while (src.next(src.self, &it, &err) == 1)
		for (int i = 0; i < w->nruns; i++)
			replay_stream_learn(w->runs[i].s, &it);
	live_source_free(ls);
}

/* Every STATS_EVERY items: the shared counters, the lag, and a dump that fell due. */
static void publish(struct watch *w, int64_t ts)
{
	const struct predict_result *pr;
	struct timespec cpu;
	double lag;

	diagnose(w);
	retire_runs(w);
	pr = replay_stream_model(w->runs[w->reporting].s);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	pthread_mutex_lock(&w->lock);
	w->cpu_ns = (int64_t)cpu.tv_sec * 1000000000 + cpu.tv_nsec;
	if (ts > 0)
		w->processed_ts = (uint64_t)ts;
	lag = w->newest_ts > w->processed_ts ? (w->newest_ts - w->processed_ts) / 1e9 : 0;
	if (lag > w->max_lag_s)
		w->max_lag_s = lag;
	if (pr)
		w->model = *pr;
	if (watch_policy_due(&w->policy, ts))
		make_dump_ready(w, ts);
	pthread_mutex_unlock(&w->lock);
}

/* Pass three: every item through the checks, until the queue ends; then the end's checks. */
static void check_all(struct watch *w)
{
	struct live_source *ls = live_source_new(stream_next, w);
	struct trace_source src = live_source_as_source(ls);
	struct vr_error err = {{0}};
	struct trace_item it;
	int64_t ts = 0, n = 0;
	int rc;

	flight_iter_begin(w->prefix, &w->prefix_it);
	w->prefix_left = 1;
	while ((rc = src.next(src.self, &it, &err)) == 1) {
		if (it.type == TRACE_ITEM_EVENT) {
			ts = it.ev.ts_ns;
			w->events_checked++;
		}
		if (w->cfg.observer && w->cfg.observer->item)
			w->cfg.observer->item(&it, w->cfg.observer->arg);
		if (w->slow_us)
			usleep(w->slow_us);
		for (int i = 0; i < w->nruns && rc == 1; i++)
			if (!w->runs[i].retired && replay_stream_push(w->runs[i].s, &it, &err) < 0)
				rc = -1;
		if (rc < 0)
			break;
		if (++n % STATS_EVERY == 0 || __atomic_load_n(&w->policy.pending, __ATOMIC_RELAXED))
			publish(w, ts);
	}
	if (rc < 0)
		say(w, LOG_ERR, "the stream stopped: %s", err.msg);
	drain(w);
	live_source_free(ls);
	for (int i = 0; i < w->nruns; i++)
		if (!w->runs[i].retired && replay_stream_end(w->runs[i].s, &err))
			say(w, LOG_ERR, "%s", err.msg);
	publish(w, ts);
	if (w->runs[w->reporting].nkept) /* disagreeing, and nothing to diagnose left */
		act_on_kept(w, &w->runs[w->reporting]);
	pthread_mutex_lock(&w->lock);
	if (w->policy.pending)
		make_dump_ready(w, ts); /* the recording stopped before --watch-after passed */
	pthread_mutex_unlock(&w->lock);
}

/* Free the runs made so far. */
static void free_runs(struct watch *w)
{
	for (int i = 0; i < w->nruns; i++) {
		replay_stream_free(w->runs[i].s);
		replay_result_free(&w->runs[i].res);
	}
	w->nruns = 0;
}

/*
 * Begin one run per profile that fits the GIC, in the engine's order,
 * the kernel release's (no --profile) the one reported; taught from the
 * prefix and started. 0, or -1 with err.
 */
static int begin_runs(struct watch *w, struct vr_error *err)
{
	char why[768];
	const struct vgic_profile *recorded = vgic_profile_for_trace(
		w->facts.kernel_release, w->facts.gic_version, why, sizeof(why));

	for (int i = 0; vgic_profile_at(i) && w->nruns < REPLAY_MAX_PROFILES; i++) {
		const struct vgic_profile *p = vgic_profile_at(i);
		struct watch_run *r = &w->runs[w->nruns];

		if (!vgic_profile_fits_gic(p, w->facts.gic_version))
			continue;
		r->w = w;
		r->opt.vcpu = r->opt.intid = r->opt.from_ns = r->opt.to_ns = VR_NO_VALUE;
		r->opt.tally = on_tally;
		r->opt.tally_arg = r;
		if (p == recorded)
			w->reporting = w->nruns; /* no --profile: the release's, as check says it */
		else
			r->opt.profile = vgic_profile_name(p);
		r->s = replay_stream_begin(&w->facts, &r->opt, on_finding, r, &r->res, err);
		if (!r->s)
			return -1;
		w->nruns++;
	}
	if (!w->nruns)
		return vr_error_set(err, "no profile fits GICv%d", w->facts.gic_version);
	learn_config(w);
	for (int i = 0; i < w->nruns; i++)
		if (replay_stream_start(w->runs[i].s, 1, err))
			return -1;
	return 0;
}

/* The watcher's thread: learn, then check to the end, at nice 10. */
static void *watch_main(void *arg)
{
	struct watch *w = arg;
	struct vr_error err = {{0}};

	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	read_prefix(w);
	if (w->facts.gic_version == 5)
		vr_error_set(&err, "a GICv5 VM: the watcher checks GICv2 and GICv3 only");
	else if (begin_runs(w, &err))
		free_runs(w);
	if (!w->nruns) {
		say(w, LOG_ERR, "cannot check this recording: %s", err.msg);
		drain(w);
		return NULL;
	}
	pthread_mutex_lock(&w->lock);
	snprintf(w->profile, sizeof(w->profile), "%s",
		 vgic_profile_name(w->runs[w->reporting].res.profile));
	pthread_mutex_unlock(&w->lock);
	say(w, LOG_INFO,
	    "checking as GICv%d, %d vCPUs, profile %s (%d profiles run for the diagnosis; learned "
	    "from the first %.1f s, %lld records)",
	    w->facts.gic_version, w->facts.nr_vcpus, w->profile, w->nruns,
	    w->facts.last_ts_ns == VR_NO_VALUE ? 0.0
					       : (w->facts.last_ts_ns - w->facts.first_ts_ns) / 1e9,
	    (long long)w->prefix->count);
	check_all(w);
	return NULL;
}

/*
 * A knob for the tests alone, to make the watcher fall behind on a file
 * input as it can on a busy host: VR_TEST_WATCH_SLOW_US=N makes it wait
 * N microseconds per item it checks, and the feeder skip records when
 * the queue is full instead of waiting for room (as the live ring does).
 * Said on stderr whenever it is set, so that it is never on unnoticed.
 */
static void test_knob(struct watch *w)
{
	const char *v = getenv("VR_TEST_WATCH_SLOW_US");

	if (!v || !*v)
		return;
	w->slow_us = (unsigned)strtoul(v, NULL, 10);
	w->cfg.pace = 0;
	fprintf(stderr, "record: watch: VR_TEST_WATCH_SLOW_US=%u (a test's knob): %u us per item "
			"checked, records skipped when the queue is full\n",
		w->slow_us, w->slow_us);
}

/* See watch.h. */
struct watch *watch_start(const struct watch_config *cfg, struct vr_error *err)
{
	struct watch *w = vr_xcalloc(1, sizeof(*w));

	w->cfg = *cfg;
	test_knob(w);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->room, NULL);
	w->q = flight_new(cfg->queue_bytes);
	w->prefix = flight_new(cfg->prefix_bytes);
	w->batch = malloc(w->q ? w->q->size : 1);
	if (!w->q || !w->prefix || !w->batch) {
		vr_error_set(err, "--watch: no memory for its queue (%.1f MB) and prefix (%.1f MB)",
			     cfg->queue_bytes / 1048576.0, cfg->prefix_bytes / 1048576.0);
		watch_free(w);
		return NULL;
	}
	watch_policy_init(&w->policy, (int64_t)(cfg->after_s * 1e9), (int64_t)(cfg->interval_s * 1e9),
			  cfg->max_disk_bytes, cfg->dir ? dumps_on_disk(cfg->dir) : 0);
	w->dump_bytes_written = w->policy.used_bytes;
	if (cfg->use_syslog)
		openlog("vgic-replay", LOG_PID, LOG_DAEMON);
	if (pthread_create(&w->thread, NULL, watch_main, w)) {
		vr_error_set(err, "--watch: cannot start its thread");
		watch_free(w);
		return NULL;
	}
	w->started = 1;
	return w;
}

/* Queue a gap for the records skipped while behind (lock held): 0, or -1 when it does not fit yet. */
static int queue_skipped_gap(struct watch *w)
{
	struct gap_rec g;

	memset(&g, 0, sizeof(g));
	g.h.type = VGIC_REC_GAP;
	g.h.cpu = GAP_CPU_UNKNOWN;
	g.h.ts = w->skip_last_ts;
	g.lost = w->skipping;
	g.start_ns = w->skip_first_ts;
	if (flight_append(w->q, &g, sizeof(g)))
		return -1;
	w->skipping = 0;
	pthread_cond_signal(&w->more);
	return 0;
}

/*
 * A record the queue has no room for (lock held): skipped and counted
 * into the gap that will stand for it; 1 when it begins an episode.
 */
static int skip_record(struct watch *w, uint64_t ts)
{
	int begins = !w->behind;

	if (!w->skipping)
		w->skip_first_ts = ts;
	if (begins) {
		w->episodes++;
		w->behind = 1;
	}
	w->skipping++, w->skipped++;
	w->skip_last_ts = ts;
	return begins;
}

/*
 * See watch.h. When the queue is full (and the input is not paced) the
 * record is skipped, never waited for; the skipped records' gap goes in
 * first once there is room, then records again. An episode ends with
 * the first record after its gap that fits.
 */
void watch_feed(struct watch *w, const void *data, size_t size)
{
	const struct vgic_rec_hdr *h = data;
	int behind = 0, caught_up = 0;
	int64_t skipped = 0;
	size_t used;

	pthread_mutex_lock(&w->lock);
	if (w->closed) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (h->type != VGIC_REC_GAP)
		w->newest_ts = h->ts;
	if (w->cfg.pace) {
		while (!w->closed && flight_append(w->q, data, (uint32_t)size))
			pthread_cond_wait(&w->room, &w->lock);
	} else if ((w->skipping && queue_skipped_gap(w)) ||
		   flight_append(w->q, data, (uint32_t)size)) {
		behind = skip_record(w, h->ts);
		goto out;
	} else if (w->behind) {
		w->behind = 0;
		caught_up = 1;
		skipped = w->skipped;
	}
	w->fed++;
	used = flight_used_bytes(w->q);
	if (used > w->queue_peak)
		w->queue_peak = used;
	pthread_cond_signal(&w->more);
out:
	pthread_mutex_unlock(&w->lock);
	if (behind)
		say(w, LOG_WARNING, "behind: its queue (%.1f MB) is full; skipping records until it "
				    "catches up (checked as a gap, the flight window keeps them)",
		    w->q->size / 1048576.0);
	if (caught_up)
		say(w, LOG_INFO, "caught up; %lld records skipped so far", (long long)skipped);
}

/* See watch.h. */
char *watch_take_dump(struct watch *w, uint64_t wall_ns)
{
	char *path;

	pthread_mutex_lock(&w->lock);
	/*
	 * No record since the finding (the guests stopped?): due by the wall
	 * clock; or the checks have ended (the recording stops): due now.
	 */
	if (!w->dump_ready && w->policy.pending &&
	    (w->ended || wall_ns - w->pending_wall_ns >= (uint64_t)w->policy.after_ns + 1000000000ull))
		make_dump_ready(w, w->policy.due_ns);
	path = w->dump_ready;
	w->dump_ready = NULL;
	pthread_mutex_unlock(&w->lock);
	return path;
}

/* See watch.h. */
void watch_dump_written(struct watch *w, const char *path, int ok)
{
	struct stat sb;
	int keep;

	if (!ok || stat(path, &sb)) {
		say(w, LOG_ERR, "dump %s not written", path);
		return;
	}
	pthread_mutex_lock(&w->lock);
	keep = watch_policy_written(&w->policy, sb.st_size);
	if (keep)
		w->dump_bytes_written = w->policy.used_bytes;
	pthread_mutex_unlock(&w->lock);
	if (!keep) {
		unlink(path);
		say(w, LOG_WARNING, "dump %s removed: %.1f MB would exceed --watch-max-disk", path,
		    sb.st_size / 1048576.0);
		return;
	}
	say(w, LOG_WARNING, "wrote %s (%.1f MB); check it with: vgic-replay check %s", path,
	    sb.st_size / 1048576.0, path);
}

/* See watch.h. */
void watch_stop(struct watch *w)
{
	if (!w || !w->started)
		return;
	pthread_mutex_lock(&w->lock);
	/*
	 * Records skipped up to the end are a gap too, checked before the
	 * end's checks (an interrupt the hole deactivated is not stuck); the
	 * watcher takes the queue until it is closed, so room comes.
	 */
	while (w->skipping && queue_skipped_gap(w))
		pthread_cond_wait(&w->room, &w->lock);
	w->closed = 1;
	pthread_cond_broadcast(&w->more);
	pthread_cond_broadcast(&w->room);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = 0;
	pthread_mutex_lock(&w->lock);
	w->ended = 1;
	pthread_mutex_unlock(&w->lock);
}

/* See watch.h. */
void watch_fill_metrics(struct watch *w, struct vr_metrics *m)
{
	pthread_mutex_lock(&w->lock);
	m->watching = 1;
	snprintf(m->profile, sizeof(m->profile), "%s", w->profile);
	m->watch_events = w->events_checked;
	m->watch_skipped = w->skipped;
	m->watch_lag_seconds =
		w->newest_ts > w->processed_ts ? (w->newest_ts - w->processed_ts) / 1e9 : 0;
	m->watch_cpu_seconds = w->cpu_ns / 1e9;
	m->flushes_checked = w->model.flushes - w->model.unknown;
	m->flushes_agreed = w->model.exact + w->model.reordered;
	m->flushes_unknown = w->model.unknown;
	for (int k = 0; k < FINDING_KIND_MAX; k++) {
		m->findings[k] = w->by_kind[k];
		m->finding_names[k] = finding_kind_name((enum finding_kind)k);
	}
	m->dumps = w->policy.dumps;
	m->dump_bytes = w->dump_bytes_written;
	m->dumps_rate_limited = w->policy.rate_limited;
	m->dumps_disk_full = w->policy.disk_full;
	pthread_mutex_unlock(&w->lock);
}

/* See watch.h. */
void watch_print_stats(struct watch *w)
{
	struct rusage ru;
	int retired = 0;

	getrusage(RUSAGE_SELF, &ru);
	for (int i = 0; i < w->nruns; i++) /* the watcher's thread has ended: no lock needed */
		retired += w->runs[i].retired;
	pthread_mutex_lock(&w->lock);
	fprintf(stderr,
		"record: watcher: %lld events checked in %.3f s of its thread's CPU (%.1f us per "
		"1000 events), at most %.3f s behind the newest record; %lld records skipped "
		"(%lld times behind)\n",
		(long long)w->events_checked, w->cpu_ns / 1e9,
		w->events_checked ? w->cpu_ns / 1e3 / (w->events_checked / 1000.0) : 0.0,
		w->max_lag_s, (long long)w->skipped, (long long)w->episodes);
	fprintf(stderr,
		"record: watcher: memory: queue %.1f MB (at most %.1f MB used), learning prefix "
		"%.1f MB, the checks' state per vCPU and interrupt; the process's peak RSS %.1f MB\n",
		w->q->size / 1048576.0, w->queue_peak / 1048576.0, w->prefix->size / 1048576.0,
		ru.ru_maxrss / 1024.0);
	fprintf(stderr,
		"record: watcher: profile %s: %lld of %lld flushes predicted (%lld not compared), "
		"%d interrupts configured (%d first seen after the learning prefix); %d of %d "
		"profiles' runs stopped early, unable to explain the kernel\n",
		w->profile, (long long)(w->model.exact + w->model.reordered),
		(long long)(w->model.flushes - w->model.unknown), (long long)w->model.unknown,
		w->model.configured, w->model.learned_late, retired, w->nruns);
	fprintf(stderr,
		"record: watcher: %lld findings (%lld errors), %lld dumps (%.1f MB on disk), %lld "
		"findings not dumped by --watch-interval, %lld by --watch-max-disk\n",
		(long long)(w->errors + w->by_kind[FINDING_TRACE_GAP]), (long long)w->errors,
		(long long)w->policy.dumps, w->dump_bytes_written / 1048576.0,
		(long long)w->policy.rate_limited, (long long)w->policy.disk_full);
	pthread_mutex_unlock(&w->lock);
}

/* See watch.h. */
int64_t watch_progress(struct watch *w, char *buf, size_t n)
{
	int64_t skipped;

	pthread_mutex_lock(&w->lock);
	snprintf(buf, n, "%s", w->profile);
	skipped = w->skipped;
	pthread_mutex_unlock(&w->lock);
	return skipped;
}

/* See watch.h. */
int64_t watch_findings(struct watch *w)
{
	int64_t n;

	pthread_mutex_lock(&w->lock);
	n = w->errors;
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* See watch.h. */
void watch_free(struct watch *w)
{
	if (!w)
		return;
	watch_stop(w);
	free_runs(w);
	free(w->dump_ready);
	free(w->batch);
	flight_free(w->q);
	flight_free(w->prefix);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->more);
	pthread_cond_destroy(&w->room);
	if (w->cfg.use_syslog)
		closelog();
	free(w);
}
