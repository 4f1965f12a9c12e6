/* SPDX-License-Identifier: GPL-2.0 */
/* When `record --watch` writes a dump (see watch_policy.h). */
#include "watch_policy.h"

#include <string.h>

/* See watch_policy.h. */
void watch_policy_init(struct watch_policy *p, int64_t after_ns, int64_t interval_ns,
		       int64_t max_bytes, int64_t used_bytes)
{
	memset(p, 0, sizeof(*p));
	p->after_ns = after_ns;
	p->interval_ns = interval_ns;
	p->max_bytes = max_bytes;
	p->used_bytes = used_bytes;
	p->last_dump_ns = INT64_MIN;
}

/* See watch_policy.h. */
enum watch_verdict watch_policy_finding(struct watch_policy *p, int64_t ts_ns)
{
	if (p->pending) {
		p->pending_findings++;
		return WATCH_DUMP_JOINED;
	}
	if (p->last_dump_ns != INT64_MIN && ts_ns - p->last_dump_ns < p->interval_ns) {
		p->rate_limited++;
		return WATCH_RATE_LIMITED;
	}
	if (p->used_bytes >= p->max_bytes) {
		p->disk_full++;
		return WATCH_DISK_FULL;
	}
	p->pending = 1;
	p->pending_findings = 1;
	p->opened_ns = ts_ns;
	p->due_ns = ts_ns + p->after_ns;
	return WATCH_DUMP_OPENED;
}

/* See watch_policy.h. */
int watch_policy_due(const struct watch_policy *p, int64_t now_ns)
{
	return p->pending && now_ns >= p->due_ns;
}

/* See watch_policy.h. */
int watch_policy_take(struct watch_policy *p, int64_t now_ns)
{
	if (!p->pending)
		return 0;
	p->pending = 0;
	p->last_dump_ns = now_ns;
	if (p->used_bytes + p->largest > p->max_bytes) {
		p->disk_full += p->pending_findings;
		return 0;
	}
	p->findings_dumped += p->pending_findings;
	return 1;
}

/* See watch_policy.h. */
int watch_policy_written(struct watch_policy *p, int64_t bytes)
{
	if (bytes > p->largest)
		p->largest = bytes;
	if (p->used_bytes + bytes > p->max_bytes) {
		p->removed++;
		return 0;
	}
	p->used_bytes += bytes;
	p->dumps++;
	return 1;
}

/* See watch_policy.h. */
const char *watch_verdict_name(enum watch_verdict v)
{
	switch (v) {
	case WATCH_DUMP_OPENED:
		return "dump due";
	case WATCH_DUMP_JOINED:
		return "joins the dump due";
	case WATCH_RATE_LIMITED:
		return "not dumped: the last dump is too recent (--watch-interval)";
	case WATCH_DISK_FULL:
		return "not dumped: the dumps fill --watch-max-disk";
	}
	return "?";
}
