/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay report trace.db`: how long interrupts waited. Per vCPU,
 * log2 histograms of injection-to-acknowledge and acknowledge-to-
 * deactivate latency in the style of bcc's runqlat, then per INTID the
 * counts and latency summary, then the findings. Latencies are observed
 * at guest exits, the only moments the list registers are visible, so a
 * value is the time until the first exit that shows the change.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../replay/replay.h"
#include "cli.h"

#define SLOTS 40
#define MAX_VCPUS 512
#define MAX_INTIDS 1020

static const char report_usage[] =
	"Usage: vgic-replay report [options] TRACE\n"
	"\n"
	"Interrupt latency report: per vCPU, log2 histograms (microseconds) of\n"
	"injection -> acknowledge and acknowledge -> deactivate, observed at guest\n"
	"exits; per INTID, counts (injected, acked, coalesced, lost) and latency\n"
	"summary; then the findings of a check run under the trace's profile.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"  -p, --profile NAME  replay under this profile (see check --list-profiles)\n"
	"      --vcpu N        histograms, rows and findings of vCPU N only\n"
	"      --intid N       histograms, rows and findings of INTID N only\n"
	"      --from T        count only at or after T, and at or before T; T is\n"
	"      --to T          absolute ns, or '+' and a unit from the trace start:\n"
	"                      +250ms, +1.5s, +20us, +1000ns\n"
	"      --json          print one JSON document\n"
	"  -h, --help          show this help\n";

struct hist {
	int64_t slots[SLOTS];
	int64_t count, sum_ns, max_ns;
};

struct report {
	struct cli_filters filters;
	int64_t from_ns, to_ns; /* the window, VR_NO_VALUE: open */
	struct hist vcpu_hist[2][MAX_VCPUS];
	struct hist intid_hist[2][MAX_INTIDS];
	int64_t max_vcpu;
	int json;
	int nfindings;
	struct replay_finding findings[20];
	int64_t findings_total;
};

/* log2 slot of a value in microseconds, as runqlat's log2l(). */
static int slot_of(int64_t ns)
{
	int64_t us = ns / 1000;
	int s = 0;

	while (us > 0 && s < SLOTS - 1) {
		us >>= 1;
		s++;
	}
	return s;
}

/* Add one sample to a histogram. */
static void hist_add(struct hist *h, int64_t ns)
{
	h->slots[slot_of(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* Does a latency seen at ts_ns on vcpu for intid pass the --vcpu/--intid/--from/--to filters? */
static int in_filters(const struct report *r, int64_t ts_ns, int64_t vcpu, uint32_t intid)
{
	if (r->filters.vcpu != VR_NO_VALUE && vcpu != r->filters.vcpu)
		return 0;
	if (r->filters.intid != VR_NO_VALUE && intid != r->filters.intid)
		return 0;
	if (r->from_ns != VR_NO_VALUE && ts_ns < r->from_ns)
		return 0;
	return r->to_ns == VR_NO_VALUE || ts_ns <= r->to_ns;
}

/* replay_latency_fn: file the sample under its vCPU and INTID. */
static void on_latency(enum replay_latency_kind kind, int64_t ts_ns, int64_t vcpu, uint32_t intid,
		       int64_t ns, void *arg)
{
	struct report *r = arg;

	if (!in_filters(r, ts_ns, vcpu, intid))
		return;
	if (vcpu >= 0 && vcpu < MAX_VCPUS) {
		hist_add(&r->vcpu_hist[kind][vcpu], ns);
		if (vcpu > r->max_vcpu)
			r->max_vcpu = vcpu;
	}
	if (intid < MAX_INTIDS)
		hist_add(&r->intid_hist[kind][intid], ns);
}

/* Is a per-INTID row (or a vCPU's histograms, intid VR_NO_VALUE) within --vcpu and --intid? */
static int row_wanted(const struct report *r, int64_t vcpu, int64_t intid)
{
	if (r->filters.vcpu != VR_NO_VALUE && vcpu != r->filters.vcpu)
		return 0;
	return r->filters.intid == VR_NO_VALUE || intid == VR_NO_VALUE ||
	       intid == r->filters.intid;
}

/* replay_finding_fn: keep the first findings for the summary. */
static void on_finding(const struct replay_finding *f, void *arg)
{
	struct report *r = arg;

	r->findings_total++;
	if (r->nfindings < (int)(sizeof(r->findings) / sizeof(r->findings[0])))
		r->findings[r->nfindings++] = *f;
}

/* The median bucket's upper bound in microseconds. */
static int64_t hist_p50_us(const struct hist *h)
{
	int64_t seen = 0;
	int s;

	for (s = 0; s < SLOTS; s++) {
		seen += h->slots[s];
		if (seen * 2 >= h->count)
			return s ? (1ll << s) - 1 : 0;
	}
	return 0;
}

/* Print a histogram as runqlat does: ranges, counts and a bar of stars. */
static void print_hist(const char *title, const struct hist *h)
{
	int64_t peak = 0;
	int s, first = -1, last = -1, i;

	for (s = 0; s < SLOTS; s++) {
		if (h->slots[s] > peak)
			peak = h->slots[s];
		if (h->slots[s]) {
			if (first < 0)
				first = s;
			last = s;
		}
	}
	printf("\n%s (%lld samples, max %.1f us)\n", title, (long long)h->count, h->max_ns / 1e3);
	if (!h->count)
		return;
	printf("     usecs               : count     distribution\n");
	for (s = first; s <= last; s++) {
		int64_t lo = s ? 1ll << (s - 1) : 0, hi = s ? (1ll << s) - 1 : 0;
		int stars = (int)(h->slots[s] * 40 / peak);

		printf("%10lld -> %-10lld : %-9lld |", (long long)lo, (long long)hi,
		       (long long)h->slots[s]);
		for (i = 0; i < 40; i++)
			putchar(i < stars ? '*' : ' ');
		printf("|\n");
	}
}

/* Print a histogram as a JSON object. */
static void json_hist(const struct hist *h)
{
	int s, n = 0;

	printf("{\"count\": %lld, \"max_ns\": %lld, \"sum_ns\": %lld, \"log2_us_slots\": [",
	       (long long)h->count, (long long)h->max_ns, (long long)h->sum_ns);
	for (s = 0; s < SLOTS; s++)
		if (h->slots[s])
			printf("%s{\"slot\": %d, \"count\": %lld}", n++ ? ", " : "", s,
			       (long long)h->slots[s]);
	printf("]}");
}

/* Text report. */
static void print_text(const char *path, const struct report *r, const struct replay_result *res)
{
	size_t i;
	int64_t v;

	printf("%s: %lld events, profile %s (%s)\n", path, (long long)res->events,
	       vgic_profile_name(res->profile), res->profile_reason);
	if (!res->has_snapshots)
		printf("no LR snapshots in this trace: acknowledgements are not visible, "
		       "so there are no latencies\n");
	for (v = 0; v <= r->max_vcpu && res->has_snapshots; v++) {
		char title[96];

		if (!row_wanted(r, v, VR_NO_VALUE))
			continue;
		snprintf(title, sizeof(title), "vCPU %lld: injection -> acknowledge", (long long)v);
		print_hist(title, &r->vcpu_hist[LATENCY_INJECT_TO_ACK][v]);
		snprintf(title, sizeof(title), "vCPU %lld: acknowledge -> deactivate", (long long)v);
		print_hist(title, &r->vcpu_hist[LATENCY_ACK_TO_DEACTIVATE][v]);
	}
	printf("\n%-6s %9s %7s %10s %5s %12s %12s %14s\n", "intid", "injected", "acked",
	       "coalesced", "lost", "ack p50 us", "ack max us", "deact max us");
	for (i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];
		const struct hist *ha = &r->intid_hist[0][k->intid < MAX_INTIDS ? k->intid : 0];
		const struct hist *hd = &r->intid_hist[1][k->intid < MAX_INTIDS ? k->intid : 0];

		if (!row_wanted(r, k->vcpu, k->intid))
			continue;
		printf("%-6u %9lld %7lld %10lld %5lld %12lld %12.1f %14.1f\n", k->intid,
		       (long long)k->injected, (long long)k->acked, (long long)k->coalesced,
		       (long long)k->lost, (long long)hist_p50_us(ha), ha->max_ns / 1e3,
		       hd->max_ns / 1e3);
	}
	printf("\nfindings: %lld\n", (long long)r->findings_total);
	for (i = 0; i < (size_t)r->nfindings; i++) {
		const struct replay_finding *f = &r->findings[i];
		char intid[32] = ""; /* a gap names no INTID */

		if (f->intid != VR_NO_VALUE)
			snprintf(intid, sizeof(intid), " intid %lld", (long long)f->intid);
		printf("  %-16s t=%.6f%s: %.100s...\n", finding_kind_name(f->kind), f->ts_ns / 1e9,
		       intid, f->explanation);
	}
}

/* JSON report. */
static void print_json(const char *path, const struct report *r, const struct replay_result *res)
{
	size_t i;
	int64_t v;
	int n;

	printf("{\n  \"trace\": \"%s\",\n  \"profile\": \"%s\",\n  \"events\": %lld,\n"
	       "  \"vcpus\": [",
	       path, vgic_profile_name(res->profile), (long long)res->events);
	for (v = 0, n = 0; v <= r->max_vcpu && res->has_snapshots; v++) {
		if (!row_wanted(r, v, VR_NO_VALUE))
			continue;
		printf("%s\n    {\"vcpu\": %lld, \"inject_to_ack\": ", n++ ? "," : "", (long long)v);
		json_hist(&r->vcpu_hist[0][v]);
		printf(", \"ack_to_deactivate\": ");
		json_hist(&r->vcpu_hist[1][v]);
		printf("}");
	}
	printf("\n  ],\n  \"intids\": [");
	for (i = 0, n = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];
		uint32_t id = k->intid < MAX_INTIDS ? k->intid : 0;

		if (!row_wanted(r, k->vcpu, k->intid))
			continue;
		printf("%s\n    {\"intid\": %u, \"injected\": %lld, \"acked\": %lld, \"coalesced\": "
		       "%lld, \"lost\": %lld, \"inject_to_ack\": ",
		       n++ ? "," : "", k->intid, (long long)k->injected, (long long)k->acked,
		       (long long)k->coalesced, (long long)k->lost);
		json_hist(&r->intid_hist[0][id]);
		printf(", \"ack_to_deactivate\": ");
		json_hist(&r->intid_hist[1][id]);
		printf("}");
	}
	printf("\n  ],\n  \"findings\": %lld\n}\n", (long long)r->findings_total);
}

/*
 * Parse report's command line into r and opt; -1 to go on, else the exit
 * status (--help, a usage error).
 */
static int parse_report_args(int argc, char **argv, struct report *r, struct replay_options *opt)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"vcpu", required_argument, NULL, CLI_OPT_VCPU},
		{"intid", required_argument, NULL, CLI_OPT_INTID},
		{"from", required_argument, NULL, CLI_OPT_FROM},
		{"to", required_argument, NULL, CLI_OPT_TO},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	cli_filters_init(&r->filters);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt->profile = optarg;
			break;
		case CLI_OPT_VCPU:
		case CLI_OPT_INTID:
		case CLI_OPT_FROM:
		case CLI_OPT_TO:
			if (cli_filters_option("report", c, optarg, &r->filters))
				return 2;
			break;
		case 'j':
			r->json = 1;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			return cli_option_error("report", c, argv, longopts);
		}
	}
	if (cli_one_trace("report", argc))
		return 2;
	opt->vcpu = r->filters.vcpu;
	opt->intid = r->filters.intid;
	return cli_check_profile("report", opt->profile) ? 2 : -1;
}

/* Run the report command. */
int cmd_report(int argc, char **argv)
{
	struct replay_options opt = {0};
	struct replay_result res;
	struct vr_error err = {{0}};
	struct report *r = vr_xcalloc(1, sizeof(*r));
	struct tracedb *db;
	int rc;

	rc = parse_report_args(argc, argv, r, &opt);
	if (rc >= 0) {
		free(r);
		return rc;
	}
	db = cli_open_trace(argv[optind], 0);
	if (!db) {
		free(r);
		return 2;
	}
	rc = cli_filters_window("report", &r->filters, db, &opt.from_ns, &opt.to_ns);
	r->from_ns = opt.from_ns;
	r->to_ns = opt.to_ns;
	opt.latency = on_latency;
	opt.latency_arg = r;
	if (!rc && replay_check(db, &opt, on_finding, r, &res, &err)) {
		cli_error("%s: %s", argv[optind], err.msg);
		rc = 2;
	} else if (!rc) {
		(r->json ? print_json : print_text)(argv[optind], r, &res);
		replay_result_free(&res);
	}
	tracedb_close(db);
	free(r);
	return rc;
}
