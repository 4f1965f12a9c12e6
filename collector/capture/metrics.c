/* SPDX-License-Identifier: GPL-2.0 */
/* `record --metrics FILE`: the Prometheus text exposition format (see metrics.h). */
#define _GNU_SOURCE
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* See metrics.h. */
const char *metrics_probe_name(int probe)
{
	static const char *const names[PROBE_MAX] = {
		"irq_pending", "irq_line", "entry", "exit", "wakeup", "wfx",
		"timer_irq", "userspace_exit", "flush", "sync", "post", "populate",
		"aplist", "deactivate", "sgi", "mmio", "lpi_queue", "lpi_target",
	};

	return probe >= 0 && probe < PROBE_MAX ? names[probe] : "?";
}

/* A label value as the format escapes it: backslash, double quote and newline. */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

/* The labels every sample carries, and one more (extra="value") when name is not NULL. */
static void put_labels(FILE *f, const struct vr_metrics *m, const char *name, const char *value)
{
	fputs("{host=\"", f);
	put_label_value(f, m->host);
	fputs("\",kernel=\"", f);
	put_label_value(f, m->kernel);
	fputs("\",profile=\"", f);
	put_label_value(f, m->profile);
	fputc('"', f);
	if (name) {
		fprintf(f, ",%s=\"", name);
		put_label_value(f, value);
		fputc('"', f);
	}
	fputc('}', f);
}

/* A metric's HELP and TYPE lines. */
static void put_header(FILE *f, const char *metric, const char *type, const char *help)
{
	fprintf(f, "# HELP vgic_replay_%s %s\n# TYPE vgic_replay_%s %s\n", metric, help, metric,
		type);
}

/* A metric with one sample. */
static void put_one(FILE *f, const struct vr_metrics *m, const char *metric, const char *type,
		    const char *help, double v)
{
	put_header(f, metric, type, help);
	fprintf(f, "vgic_replay_%s", metric);
	put_labels(f, m, NULL, NULL);
	fprintf(f, " %.17g\n", v);
}

/* The recorder's own counters: events and drops. */
static void put_recording(FILE *f, const struct vr_metrics *m)
{
	put_one(f, m, "events_total", "counter", "Records taken from the BPF ring buffer.",
		(double)m->events);
	put_header(f, "drops_total", "counter",
		   "Events lost in BPF (failed ring buffer reservations), per probe.");
	for (int p = 0; p < PROBE_MAX; p++) {
		fputs("vgic_replay_drops_total", f);
		put_labels(f, m, "probe", metrics_probe_name(p));
		fprintf(f, " %lld\n", (long long)m->drops_probe[p]);
	}
	put_one(f, m, "recursion_drops_total", "counter",
		"Events lost because a program was already running on that CPU.",
		(double)m->drops_recursion);
	put_one(f, m, "user_drops_total", "counter", "Records the recorder itself could not keep.",
		(double)m->drops_user);
}

/* The watcher's counters (--watch). */
static void put_watch(FILE *f, const struct vr_metrics *m)
{
	put_one(f, m, "watch_events_total", "counter", "Events the watcher checked.",
		(double)m->watch_events);
	put_one(f, m, "watch_skipped_records_total", "counter",
		"Records the watcher skipped because it was behind (checked as a gap).",
		(double)m->watch_skipped);
	put_one(f, m, "watch_lag_seconds", "gauge",
		"How far the watcher is behind the newest record.", m->watch_lag_seconds);
	put_one(f, m, "watch_cpu_seconds_total", "counter", "CPU time of the watcher's thread.",
		m->watch_cpu_seconds);
	put_one(f, m, "flushes_checked_total", "counter",
		"Flushes the engine predicted and compared with the recorded list registers.",
		(double)m->flushes_checked);
	put_one(f, m, "flushes_agreed_total", "counter",
		"Flushes whose recorded list registers the engine predicted.",
		(double)m->flushes_agreed);
	put_one(f, m, "flushes_unknown_total", "counter",
		"Flushes not compared: their vCPU's state was not known yet (start, gap).",
		(double)m->flushes_unknown);
	put_header(f, "findings_total", "counter", "Findings of the checks, by kind.");
	for (int k = 0; k < METRICS_FINDING_KINDS; k++) {
		fputs("vgic_replay_findings_total", f);
		put_labels(f, m, "kind", m->finding_names[k] ? m->finding_names[k] : "?");
		fprintf(f, " %lld\n", (long long)m->findings[k]);
	}
	put_one(f, m, "dumps_total", "counter", "Flight windows the watcher wrote.",
		(double)m->dumps);
	put_one(f, m, "dump_bytes", "gauge", "Bytes the watcher's dumps take on disk.",
		(double)m->dump_bytes);
	put_header(f, "dumps_suppressed_total", "counter",
		   "Findings not dumped, by reason (rate: --watch-interval, disk: --watch-max-disk).");
	fputs("vgic_replay_dumps_suppressed_total", f);
	put_labels(f, m, "reason", "rate");
	fprintf(f, " %lld\n", (long long)m->dumps_rate_limited);
	fputs("vgic_replay_dumps_suppressed_total", f);
	put_labels(f, m, "reason", "disk");
	fprintf(f, " %lld\n", (long long)m->dumps_disk_full);
}

/* See metrics.h. */
int metrics_write(const char *path, const struct vr_metrics *m, struct vr_error *err)
{
	char *tmp = vr_xmalloc(strlen(path) + 32);
	FILE *f;
	int bad;

	/* node_exporter reads only *.prom: a temporary name it skips. */
	sprintf(tmp, "%s.tmp-%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		vr_error_set(err, "%s: cannot write metrics: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	put_recording(f, m);
	if (m->watching)
		put_watch(f, m);
	bad = ferror(f);
	if (fclose(f) || bad || rename(tmp, path)) {
		vr_error_set(err, "%s: cannot write metrics: %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
