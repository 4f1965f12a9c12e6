/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record --watch's dump policy (collector/capture/watch_policy.c) and its
 * --metrics writer (collector/capture/metrics.c): a burst of findings
 * makes one dump; dumps keep --watch-interval apart; the disk budget
 * counts what an earlier run left, refuses a dump the largest so far
 * would not fit into and removes one written over it; the metrics file is
 * replaced whole (never a temporary left), in the exposition format with
 * HELP/TYPE lines, labels escaped, one sample per probe and finding kind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../collector/capture/metrics.h"
#include "../../collector/capture/watch_policy.h"
#include "vr_test.h"

#define S 1000000000LL
#define MB (1LL << 20)

/* A burst joins the dump due; the next finding after it is rate-limited until the interval ends. */
static void test_burst_and_rate(void)
{
	struct watch_policy p;

	watch_policy_init(&p, 2 * S, 60 * S, 100 * MB, 0);
	CHECK_EQ(watch_policy_finding(&p, 10 * S), WATCH_DUMP_OPENED);
	CHECK_EQ(p.due_ns, 12 * S);
	CHECK_EQ(watch_policy_finding(&p, 10 * S + 5), WATCH_DUMP_JOINED);
	CHECK_EQ(watch_policy_finding(&p, 11 * S), WATCH_DUMP_JOINED);
	CHECK(!watch_policy_due(&p, 12 * S - 1));
	CHECK(watch_policy_due(&p, 12 * S));
	CHECK_EQ(watch_policy_take(&p, 12 * S), 1);
	CHECK_EQ(p.findings_dumped, 3);
	CHECK(!watch_policy_due(&p, 13 * S));
	CHECK_EQ(watch_policy_written(&p, 5 * MB), 1);
	CHECK_EQ(p.dumps, 1);
	CHECK_EQ(watch_policy_finding(&p, 40 * S), WATCH_RATE_LIMITED);
	CHECK_EQ(watch_policy_finding(&p, 71 * S), WATCH_RATE_LIMITED);
	CHECK_EQ(p.rate_limited, 2);
	CHECK_EQ(watch_policy_finding(&p, 72 * S), WATCH_DUMP_OPENED);
}

/* The budget: what is on disk counts; the largest dump is the estimate; over it, removed. */
static void test_disk_bound(void)
{
	struct watch_policy p;

	watch_policy_init(&p, 0, 0, 10 * MB, 9 * MB); /* an earlier run left 9 MB */
	CHECK_EQ(watch_policy_finding(&p, 1 * S), WATCH_DUMP_OPENED);
	CHECK_EQ(watch_policy_take(&p, 1 * S), 1); /* no dump seen yet: no estimate */
	CHECK_EQ(watch_policy_written(&p, 2 * MB), 0); /* 11 MB: over, removed */
	CHECK_EQ(p.removed, 1);
	CHECK_EQ(p.used_bytes, 9 * MB);
	CHECK_EQ(p.largest, 2 * MB);
	CHECK_EQ(watch_policy_finding(&p, 2 * S), WATCH_DUMP_OPENED);
	CHECK_EQ(watch_policy_take(&p, 2 * S), 0); /* 9 + 2 > 10: not begun */
	CHECK_EQ(p.disk_full, 1);

	watch_policy_init(&p, 0, 0, 10 * MB, 10 * MB);
	CHECK_EQ(watch_policy_finding(&p, 1 * S), WATCH_DISK_FULL);
	CHECK(!p.pending);

	watch_policy_init(&p, 0, 0, 10 * MB, 0);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(watch_policy_finding(&p, (i + 1) * S), WATCH_DUMP_OPENED);
		CHECK_EQ(watch_policy_take(&p, (i + 1) * S), i < 3);
		if (i < 3)
			CHECK_EQ(watch_policy_written(&p, 3 * MB), 1);
	}
	CHECK_EQ(p.used_bytes, 9 * MB); /* never more than the budget */
	CHECK_EQ(p.dumps, 3);
}

/* The whole file as a string. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	if (f) {
		size_t n = fread(buf, 1, (1 << 16) - 1, f);

		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

/* The metrics file: atomic, every metric typed, labels escaped. */
static void test_metrics(void)
{
	char dir[] = "/tmp/vr-metrics-XXXXXX", path[256], tmp[300];
	struct vr_metrics m;
	struct vr_error err = {{0}};
	struct stat sb;
	char *text;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/vgic.prom", dir);
	memset(&m, 0, sizeof(m));
	snprintf(m.host, sizeof(m.host), "h\"1\\");
	snprintf(m.kernel, sizeof(m.kernel), "7.2.13");
	snprintf(m.profile, sizeof(m.profile), "linux-7.0");
	m.events = 12345;
	m.drops_probe[PROBE_FLUSH] = 7;
	CHECK_EQ(metrics_write(path, &m, &err), 0);
	text = slurp(path);
	CHECK_STR_CONTAINS(text, "# TYPE vgic_replay_events_total counter\n");
	CHECK_STR_CONTAINS(text, "vgic_replay_events_total{host=\"h\\\"1\\\\\",kernel=\"7.2.13\","
				 "profile=\"linux-7.0\"} 12345\n");
	CHECK_STR_CONTAINS(text, "probe=\"flush\"} 7\n");
	CHECK(!strstr(text, "watch_"));
	free(text);

	m.watching = 1;
	m.watch_lag_seconds = 0.25;
	m.findings[2] = 3;
	for (int k = 0; k < METRICS_FINDING_KINDS; k++)
		m.finding_names[k] = (const char *[]){"LOST_INTERRUPT", "MIS_DEACTIVATION",
						      "STUCK_ACTIVE", "LR_DIVERGENCE",
						      "PRIORITY_INVERSION", "TRACE_GAP"}[k];
	m.dumps = 1;
	CHECK_EQ(metrics_write(path, &m, &err), 0);
	text = slurp(path);
	CHECK_STR_CONTAINS(text, "# TYPE vgic_replay_watch_lag_seconds gauge\n");
	CHECK_STR_CONTAINS(text, "kind=\"STUCK_ACTIVE\"} 3\n");
	CHECK_STR_CONTAINS(text, "vgic_replay_dumps_total{");
	CHECK_STR_CONTAINS(text, "reason=\"disk\"} 0\n");
	free(text);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	CHECK(stat(tmp, &sb) != 0); /* renamed into place, nothing left over */

	snprintf(path, sizeof(path), "%s/no/such/dir.prom", dir);
	CHECK_EQ(metrics_write(path, &m, &err), -1);
	CHECK_STR_CONTAINS(err.msg, "cannot write metrics");
	snprintf(path, sizeof(path), "%s/vgic.prom", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_burst_and_rate();
	test_disk_bound();
	test_metrics();
	return vr_test_report("test_watch");
}
