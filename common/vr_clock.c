/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording/tracefs clock offsets as trace_info.clock carries them
 * (vr_clock.h): written by the recorder, read by `import --align`.
 */
#include "vr_clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char marker[] = "; tracefs trace_clock ";

/* See vr_clock.h. */
int vr_clock_append(char *buf, size_t size, const struct vr_clock_offsets *c)
{
	size_t len = strlen(buf);
	int i, n;

	if (len >= size)
		return -1;
	n = snprintf(buf + len, size - len, "%s%s: offset_ns", marker, c->tracefs_clock);
	if (n < 0 || (size_t)n >= size - len)
		return -1;
	for (i = 0; i < c->n; i++) {
		len = strlen(buf);
		n = snprintf(buf + len, size - len, " %" PRId64 "+-%" PRId64 "@%" PRId64,
			     c->offset_ns[i], c->err_ns[i], c->at_ns[i]);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
	}
	return 0;
}

/* See vr_clock.h. */
int vr_clock_parse(const char *text, struct vr_clock_offsets *c)
{
	const char *p = text ? strstr(text, marker) : NULL;
	long long o, e, at;
	int used;

	memset(c, 0, sizeof(*c));
	if (!p)
		return -1;
	p += sizeof(marker) - 1;
	if (sscanf(p, "%31[^:]: offset_ns%n", c->tracefs_clock, &used) != 1 || !used)
		return -1;
	p += used;
	while (c->n < VR_CLOCK_POINTS && sscanf(p, " %lld+-%lld@%lld%n", &o, &e, &at, &used) == 3) {
		c->offset_ns[c->n] = o;
		c->err_ns[c->n] = e;
		c->at_ns[c->n] = at;
		c->n++;
		p += used;
	}
	return c->n ? 0 : -1;
}

/* See vr_clock.h. */
int64_t vr_clock_offset_at(const struct vr_clock_offsets *c, int64_t ts_ns)
{
	double slope, r;

	if (c->n < 1)
		return 0;
	if (c->n < 2 || c->at_ns[1] == c->at_ns[0])
		return c->offset_ns[0];
	/* the recording time of ts, near enough for a slope of a few ppm */
	r = (double)(ts_ns - c->offset_ns[0]);
	slope = (double)(c->offset_ns[1] - c->offset_ns[0]) / (double)(c->at_ns[1] - c->at_ns[0]);
	return c->offset_ns[0] + (int64_t)(slope * (r - (double)c->at_ns[0]));
}
