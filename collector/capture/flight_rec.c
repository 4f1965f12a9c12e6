/* SPDX-License-Identifier: GPL-2.0 */
/* A flight recording with its windows, watcher and metrics (see flight_rec.h). */
#define _GNU_SOURCE
#include "flight_rec.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "flight.h"
#include "store.h"
#include "watch.h"

#define METRICS_EVERY_NS 1000000000ull

/* The directory the dumps go to: --watch-dir, else OUTPUT's. */
static char *dump_dir(const struct record_options *opt)
{
	char *copy, *dir;

	if (opt->watch_dir)
		return vr_xstrdup(opt->watch_dir);
	copy = vr_xstrdup(opt->output);
	dir = vr_xstrdup(dirname(copy));
	free(copy);
	return dir;
}

/* Start the watcher as --watch's options say, its queue and prefix sized from --flight. */
static int open_watch(struct flight_rec *f, int pace, struct vr_error *err)
{
	const struct record_options *opt = f->run->opt;
	static struct utsname un; /* the watcher keeps pointers into it */
	struct watch_config cfg;
	char *dir = dump_dir(opt);

	uname(&un);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = dir;
	cfg.after_s = opt->watch_after;
	cfg.interval_s = opt->watch_interval;
	cfg.max_disk_bytes = opt->watch_max_disk;
	cfg.learn_s = opt->watch_learn;
	cfg.queue_bytes = opt->flight_bytes / 4 < 65536 ? 65536 : opt->flight_bytes / 4;
	cfg.prefix_bytes = cfg.queue_bytes;
	cfg.pace = pace;
	cfg.use_syslog = opt->use_syslog;
	cfg.host = un.nodename;
	cfg.kernel_release = f->run->kernel_release ? f->run->kernel_release : un.release;
	cfg.gic = f->run->gic;
	cfg.kinds = f->run->st->kinds_recordable;
	f->watch = watch_start(&cfg, err);
	if (!f->watch) {
		free(dir);
		return -1;
	}
	fprintf(stderr, "record: watching: a finding writes the flight window %.1f s later to "
			"%s/vgic-watch-*.db (at most one per %.0f s, %.0f MB in all)\n",
		opt->watch_after, dir, opt->watch_interval, opt->watch_max_disk / 1048576.0);
	f->wdump.quiet = 1;
	f->wdir = dir; /* the watcher's config points to it */
	return 0;
}

/* See flight_rec.h. */
int flight_rec_open(struct flight_rec *f, struct record_run *run, int pace, struct vr_error *err)
{
	memset(f, 0, sizeof(*f));
	f->run = run;
	f->ring = flight_new(run->opt->flight_bytes);
	if (!f->ring)
		return vr_error_set(err, "no memory for a flight window of %.2f MB",
				    run->opt->flight_bytes / 1048576.0);
	if (run->opt->watch && open_watch(f, pace, err))
		return -1;
	return 0;
}

/* See flight_rec.h. */
void flight_rec_push(struct flight_rec *f, const void *data, size_t size)
{
	if (size > STORE_SLOT || flight_push(f->ring, data, (uint32_t)size)) {
		f->dropped++;
		return;
	}
	if (f->watch)
		watch_feed(f->watch, data, size);
}

/* See flight_rec.h. */
void flight_rec_usr1(struct flight_rec *f)
{
	flight_dump_start(&f->dump, f->run, f->ring, ++f->dumps);
}

/* A watcher's dump written (or, with wait, once it is): reap it and tell the watcher. */
static void reap_watch_dump(struct flight_rec *f, int wait)
{
	char *path;
	int ok;

	if (!f->wdump.running || (!wait && !f->wdump.done))
		return;
	path = vr_xstrdup(f->wdump.path);
	flight_dump_reap(&f->wdump); /* joins the thread */
	ok = !f->wdump.failed;
	watch_dump_written(f->watch, path, ok);
	free(path);
}

/* Write --metrics: the backend's counters and the watcher's. */
static void write_metrics(struct flight_rec *f, const struct vr_metrics *base)
{
	struct vr_error err = {{0}};
	struct vr_metrics mm = *base, *m = &mm;
	struct utsname un;

	uname(&un);
	snprintf(m->host, sizeof(m->host), "%s", un.nodename);
	snprintf(m->kernel, sizeof(m->kernel), "%s",
		 f->run->kernel_release ? f->run->kernel_release : un.release);
	m->events = (int64_t)f->ring->pushed;
	m->drops_user += f->dropped;
	if (f->watch)
		watch_fill_metrics(f->watch, m);
	if (metrics_write(f->run->opt->metrics, m, &err) && !f->metrics_failed) {
		fprintf(stderr, "record: %s\n", err.msg);
		f->metrics_failed = 1;
	}
}

/* See flight_rec.h. */
void flight_rec_tick(struct flight_rec *f, const struct vr_metrics *base, int force)
{
	uint64_t now = vr_now_ns();

	if (f->watch) {
		char *path;

		reap_watch_dump(f, 0);
		if (!f->wdump.running && (path = watch_take_dump(f->watch, now)))
			flight_dump_start_to(&f->wdump, f->run, f->ring, path);
	}
	if (f->run->opt->metrics && (force || now - f->last_metrics >= METRICS_EVERY_NS)) {
		f->last_metrics = now;
		write_metrics(f, base);
	}
}

/* See flight_rec.h. */
int flight_rec_stop(struct flight_rec *f, struct record_stats *st, const struct vr_metrics *base,
		    struct vr_error *err)
{
	flight_dump_reap(&f->dump);
	if (f->watch) {
		char *path;

		watch_stop(f->watch);
		reap_watch_dump(f, 1);
		while ((path = watch_take_dump(f->watch, vr_now_ns())) &&
		       !flight_dump_start_to(&f->wdump, f->run, f->ring, path))
			reap_watch_dump(f, 1);
	}
	flight_rec_tick(f, base, 1);
	return flight_dump_last(f->run, f->ring, st, err);
}

/* See flight_rec.h. */
void flight_rec_free(struct flight_rec *f)
{
	flight_dump_reap(&f->dump);
	flight_dump_reap(&f->wdump);
	if (f->watch && f->run->opt->prog_stats)
		watch_print_stats(f->watch);
	watch_free(f->watch);
	free(f->wdir);
	flight_free(f->ring);
	f->watch = NULL;
	f->ring = NULL;
}
