/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracefs clock against CLOCK_MONOTONIC (clock_offset.h).
 *
 * A tracefs instance of our own (instances/vgic-replay-clock-PID) is set
 * to the top-level buffer's trace_clock; we write its trace_marker
 * SAMPLES times, each write bracketed by two CLOCK_MONOTONIC reads, then
 * read the markers' timestamps back from its `trace`. The marker's
 * tracefs time was taken inside the write (tracing_mark_write reserves
 * its ring-buffer event there), so each sample bounds the offset:
 *
 *   m - 500 - t1 <= offset <= m + 500 - t0   (ns; m printed in us, rounded)
 *
 * The intersection of all samples' bounds is the measurement: its middle
 * the offset, its half-width the error. The rounding's phase differs from
 * sample to sample, so the intersection is narrower than any one sample.
 * If the bounds do not meet (a clock step in between), the tightest
 * sample alone is used.
 */
#define _GNU_SOURCE
#include "clock_offset.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing"
#define SAMPLES 256

/* CLOCK_MONOTONIC in nanoseconds. */
static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Write text to a tracefs file; 0 or -1. */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return rc;
}

/* The selected clock of a trace_clock file ("[local] global ..."): 0, or -1. */
static int selected_clock(const char *path, char *name, size_t size)
{
	char buf[512], *open_b, *close_b;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	open_b = strchr(buf, '[');
	close_b = open_b ? strchr(open_b, ']') : NULL;
	if (!close_b || (size_t)(close_b - open_b) > size)
		return -1;
	snprintf(name, size, "%.*s", (int)(close_b - open_b - 1), open_b + 1);
	return 0;
}

/* Write the markers "vr-clock I" into the instance at dir, each bracketed by mono reads. */
static int write_markers(const char *dir, struct clock_sample *s)
{
	char path[512], text[32];
	int fd, i;

	snprintf(path, sizeof(path), "%s/trace_marker", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	for (i = 0; i < SAMPLES; i++) {
		int n = snprintf(text, sizeof(text), "vr-clock %d", i);

		s[i].t0 = mono_ns();
		if (write(fd, text, (size_t)n) != n)
			break;
		s[i].t1 = mono_ns();
	}
	close(fd);
	return i == SAMPLES ? 0 : -1;
}

/*
 * Read the markers' times back from the instance's trace: lines such as
 * "  sh-12 [001] .....  1234.567890: tracing_mark_write: vr-clock 7".
 */
static void read_markers(const char *dir, struct clock_sample *s)
{
	static const char key[] = ": tracing_mark_write: vr-clock ";
	char path[512], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *k = strstr(line, key), *p;
		unsigned long long sec, usec;
		int i;

		if (!k || line[0] == '#')
			continue;
		i = atoi(k + sizeof(key) - 1);
		*k = '\0';
		p = strrchr(line, ' ');
		if (i < 0 || i >= SAMPLES || !p || sscanf(p + 1, "%llu.%6llu", &sec, &usec) != 2)
			continue;
		s[i].m = (int64_t)(sec * 1000000000ull + usec * 1000ull);
		s[i].seen = 1;
	}
	if (f)
		fclose(f);
}

/* See clock_offset.h; the bounds are explained at the top of this file. */
int clock_offset_estimate(const struct clock_sample *s, int n, int64_t *offset, int64_t *err)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX, best = INT64_MAX;
	int i, tight = -1;

	for (i = 0; i < n; i++) {
		if (!s[i].seen)
			continue;
		if (s[i].m - 500 - s[i].t1 > lo)
			lo = s[i].m - 500 - s[i].t1;
		if (s[i].m + 500 - s[i].t0 < hi)
			hi = s[i].m + 500 - s[i].t0;
		if (s[i].t1 - s[i].t0 < best) {
			best = s[i].t1 - s[i].t0;
			tight = i;
		}
	}
	if (tight < 0)
		return -1;
	if (lo > hi) { /* the bounds do not meet: the tightest sample alone */
		lo = s[tight].m - 500 - s[tight].t1;
		hi = s[tight].m + 500 - s[tight].t0;
	}
	*offset = lo + (hi - lo) / 2;
	*err = (hi - lo + 1) / 2;
	return 0;
}

/* Measure the offset of the clock named clock against CLOCK_MONOTONIC; 0 or -1. */
static int measure_through_markers(const char *clock, int64_t *offset, int64_t *err)
{
	struct clock_sample s[SAMPLES];
	char dir[256], path[512];
	int rc = -1;

	memset(s, 0, sizeof(s));
	snprintf(dir, sizeof(dir), TRACEFS "/instances/vgic-replay-clock-%d", (int)getpid());
	if (mkdir(dir, 0700))
		return -1;
	snprintf(path, sizeof(path), "%s/trace_clock", dir);
	if (put(path, clock))
		goto out;
	snprintf(path, sizeof(path), "%s/buffer_size_kb", dir);
	put(path, "64");
	snprintf(path, sizeof(path), "%s/tracing_on", dir);
	if (put(path, "1") || write_markers(dir, s))
		goto out;
	read_markers(dir, s);
	rc = clock_offset_estimate(s, SAMPLES, offset, err);
out:
	rmdir(dir);
	return rc;
}

/* See clock_offset.h. */
int clock_offset_measure(struct vr_clock_offsets *c)
{
	char clock[32];
	int64_t offset = 0, err = 0, at = mono_ns();

	if (c->n >= VR_CLOCK_POINTS ||
	    selected_clock(TRACEFS "/trace_clock", clock, sizeof(clock)))
		return -1;
	if (c->n && strcmp(clock, c->tracefs_clock))
		return -1; /* changed under us: the first measurement's clock is the capture's */
	if (strcmp(clock, "mono") && measure_through_markers(clock, &offset, &err))
		return -1;
	snprintf(c->tracefs_clock, sizeof(c->tracefs_clock), "%s", clock);
	c->offset_ns[c->n] = offset;
	c->err_ns[c->n] = err;
	c->at_ns[c->n] = at;
	c->n++;
	return 0;
}
