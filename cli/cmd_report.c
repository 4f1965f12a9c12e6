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

#include "../engine/vgic_engine.h"
#include "../replay/replay.h"
#include "cli.h"

#define SLOTS 40
#define MAX_VCPUS 512
#define MAX_INTIDS 1020 /* GICv2/v3 INTIDs; GICv5 PPIs follow them (hist_index) */

static const char report_usage[] =
	"Usage: vgic-replay report [options] TRACE.db\n"
	"\n"
	"Interrupt latency report: per vCPU, log2 histograms (microseconds) of\n"
	"injection -> acknowledge and acknowledge -> deactivate, observed at guest\n"
	"exits; per INTID, counts (injected, acked, coalesced, lost) and latency\n"
	"summary; then the findings of a check run under the trace's profile.\n"
	"\n"
	"Options:\n"
	"  -p, --profile NAME  replay under this profile (see check --list-profiles)\n"
	"      --json          print one JSON document\n"
	"  -h, --help          show this help\n";

struct hist {
	int64_t slots[SLOTS];
	int64_t count, sum_ns, max_ns;
};

struct report {
	struct hist vcpu_hist[2][MAX_VCPUS];
	struct hist intid_hist[2][MAX_INTIDS + VGIC_V5_NR_PPIS];
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

/* Where an INTID's histograms are: its own slot, a GICv5 PPI's after them; -1 none. */
static int hist_index(uint32_t intid)
{
	int ppi = vgic_v5_intid_ppi(intid);

	return intid < MAX_INTIDS ? (int)intid : ppi >= 0 ? MAX_INTIDS + ppi : -1;
}

/* An INTID's histogram of a kind (slot 0's for an INTID with none, as before). */
static const struct hist *intid_hist(const struct report *r, int kind, uint32_t intid)
{
	int i = hist_index(intid);

	return &r->intid_hist[kind][i < 0 ? 0 : i];
}

/* replay_latency_fn: file the sample under its vCPU and INTID. */
static void on_latency(enum replay_latency_kind kind, int64_t vcpu, uint32_t intid, int64_t ns,
		       void *arg)
{
	struct report *r = arg;

	if (vcpu >= 0 && vcpu < MAX_VCPUS) {
		hist_add(&r->vcpu_hist[kind][vcpu], ns);
		if (vcpu > r->max_vcpu)
			r->max_vcpu = vcpu;
	}
	if (hist_index(intid) >= 0)
		hist_add(&r->intid_hist[kind][hist_index(intid)], ns);
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
	if (res->synthetic[0])
		printf("SYNTHETIC trace: %s; not a recording\n", res->synthetic);
	if (!res->has_snapshots)
		printf("no LR snapshots in this trace: acknowledgements are not visible, "
		       "so there are no latencies\n");
	for (v = 0; v <= r->max_vcpu && res->has_snapshots; v++) {
		char title[96];

		snprintf(title, sizeof(title), "vCPU %lld: injection -> acknowledge", (long long)v);
		print_hist(title, &r->vcpu_hist[LATENCY_INJECT_TO_ACK][v]);
		snprintf(title, sizeof(title), "vCPU %lld: acknowledge -> deactivate", (long long)v);
		print_hist(title, &r->vcpu_hist[LATENCY_ACK_TO_DEACTIVATE][v]);
	}
	printf("\n%-6s %9s %7s %10s %5s %12s %12s %14s\n", "intid", "injected", "acked",
	       "coalesced", "lost", "ack p50 us", "ack max us", "deact max us");
	for (i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];
		const struct hist *ha = intid_hist(r, 0, k->intid);
		const struct hist *hd = intid_hist(r, 1, k->intid);

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

	printf("{\n  \"trace\": \"%s\",\n  \"profile\": \"%s\",\n  \"events\": %lld,\n",
	       path, vgic_profile_name(res->profile), (long long)res->events);
	if (res->synthetic[0]) /* generated, not recorded: see trace_info.synthetic */
		printf("  \"synthetic\": true,\n");
	printf("  \"vcpus\": [");
	for (v = 0; v <= r->max_vcpu && res->has_snapshots; v++) {
		printf("%s\n    {\"vcpu\": %lld, \"inject_to_ack\": ", v ? "," : "", (long long)v);
		json_hist(&r->vcpu_hist[0][v]);
		printf(", \"ack_to_deactivate\": ");
		json_hist(&r->vcpu_hist[1][v]);
		printf("}");
	}
	printf("\n  ],\n  \"intids\": [");
	for (i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];

		printf("%s\n    {\"intid\": %u, \"injected\": %lld, \"acked\": %lld, \"coalesced\": "
		       "%lld, \"lost\": %lld, \"inject_to_ack\": ",
		       i ? "," : "", k->intid, (long long)k->injected, (long long)k->acked,
		       (long long)k->coalesced, (long long)k->lost);
		json_hist(intid_hist(r, 0, k->intid));
		printf(", \"ack_to_deactivate\": ");
		json_hist(intid_hist(r, 1, k->intid));
		printf("}");
	}
	printf("\n  ],\n  \"findings\": %lld\n}\n", (long long)r->findings_total);
}

/* Run the report command. */
int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct replay_options opt = {0};
	struct replay_result res;
	struct vr_error err = {{0}};
	struct report *r = vr_xcalloc(1, sizeof(*r));
	struct tracedb *db;
	int c, rc = 0;

	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt.profile = optarg;
			break;
		case 'j':
			r->json = 1;
			break;
		case 'h':
			fputs(report_usage, stdout);
			free(r);
			return 0;
		default:
			fputs(report_usage, stderr);
			free(r);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(report_usage, stderr);
		free(r);
		return 2;
	}
	db = tracedb_open(argv[optind], TRACEDB_READONLY, &err);
	if (!db) {
		cli_error("%s", err.msg);
		free(r);
		return 2;
	}
	opt.latency = on_latency;
	opt.latency_arg = r;
	if (replay_check(db, &opt, on_finding, r, &res, &err)) {
		cli_error("%s: %s", argv[optind], err.msg);
		rc = 2;
	} else {
		(r->json ? print_json : print_text)(argv[optind], r, &res);
		replay_result_free(&res);
	}
	tracedb_close(db);
	free(r);
	return rc;
}
