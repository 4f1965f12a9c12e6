/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay report trace.db`: how long interrupts waited. Per vCPU,
 * log2 histograms of injection-to-acknowledge and acknowledge-to-
 * deactivate latency in the style of bcc's runqlat and exact percentiles
 * of the samples, then per vCPU and INTID the counts and latency summary,
 * then the findings. Latencies are observed at guest exits, the only
 * moments the list registers are visible, so a value is the time until
 * the first exit that shows the change; a deactivation the guest made by
 * a trapped DIR (vgic_deactivate, EOImode 1) ends at that DIR. A trace
 * without LR snapshots gets neither latencies nor accounting, as check
 * declines to judge it.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"
#include "../replay/replay.h"
#include "cli.h"
#include "cli_json.h"

#define SLOTS 40
#define MAX_VCPUS 512

static const char report_usage[] =
	"Usage: vgic-replay report [options] TRACE\n"
	"\n"
	"Interrupt latency report: per vCPU, log2 histograms (microseconds) of\n"
	"injection -> acknowledge and acknowledge -> deactivate (an exit's LRs or\n"
	"EOIcount, or the guest's trapped DIR), observed at guest exits, with exact\n"
	"p50/p90/p99/max from the samples; per vCPU and INTID, check's counts and the\n"
	"latencies; then the findings of a check run under the trace's profile (as\n"
	"check picks it: the kernel release's, or the one its diagnosis matches).\n"
	"A trace without LR snapshots gets neither latencies nor counts.\n"
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

/* One latency sample: which measure (0 inject->ack, 1 ack->deactivate), where, how long. */
struct sample {
	int64_t ns;
	int64_t vcpu;
	uint32_t intid;
	int kind;
	int dir; /* a deactivation by the guest's trapped DIR */
};

/* What a set of samples says: count, sum, exact percentiles, log2 histogram. */
struct stats {
	int64_t slots[SLOTS];
	int64_t count, dirs, sum_ns, max_ns, p50_ns, p90_ns, p99_ns;
};

struct report {
	struct cli_filters filters;
	int64_t from_ns, to_ns; /* the window, VR_NO_VALUE: open */
	struct sample *samples;
	size_t nsamples, cap;
	int64_t *scratch; /* room for every sample's length: one stats_of() */
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

/* replay_latency_fn: keep the sample (a trapped DIR counts as a deactivation). */
static void on_latency(enum replay_latency_kind kind, int64_t ts_ns, int64_t vcpu, uint32_t intid,
		       int64_t ns, void *arg)
{
	struct report *r = arg;
	struct sample *s;

	if (!in_filters(r, ts_ns, vcpu, intid))
		return;
	if (r->nsamples == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->samples = vr_xrealloc(r->samples, r->cap * sizeof(*r->samples));
	}
	s = &r->samples[r->nsamples++];
	s->ns = ns;
	s->vcpu = vcpu;
	s->intid = intid;
	s->kind = kind == LATENCY_INJECT_TO_ACK ? 0 : 1;
	s->dir = kind == LATENCY_ACK_TO_DIR;
	if (vcpu >= 0 && vcpu < MAX_VCPUS && vcpu > r->max_vcpu)
		r->max_vcpu = vcpu;
}

/* qsort comparison of two nanosecond values. */
static int cmp_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The nearest-rank percentile p of n sorted values: the smallest value
 * with at least p% of them at or below it.
 */
static int64_t percentile(const int64_t *sorted, size_t n, int p)
{
	size_t rank = ((size_t)p * n + 99) / 100;

	return sorted[rank ? rank - 1 : 0];
}

/* qsort comparison of samples: by measure, vCPU, INTID, then length. */
static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->vcpu != y->vcpu)
		return (x->vcpu > y->vcpu) - (x->vcpu < y->vcpu);
	if (x->intid != y->intid)
		return (x->intid > y->intid) - (x->intid < y->intid);
	return (x->ns > y->ns) - (x->ns < y->ns);
}

/*
 * The first of the sorted samples at or after (kind, vcpu, intid); intid
 * UINT32_MAX + 1 (as int64_t) is past every INTID of the vCPU.
 */
static size_t lower_bound(const struct report *r, int kind, int64_t vcpu, int64_t intid)
{
	size_t lo = 0, hi = r->nsamples;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sample *s = &r->samples[mid];
		int before = s->kind != kind ? s->kind < kind
			     : s->vcpu != vcpu ? s->vcpu < vcpu
					       : (int64_t)s->intid < intid;

		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The stats of the samples of one measure (kind) on vcpu, of intid
 * (VR_NO_VALUE: every INTID of it): from the samples sorted once by
 * sort_samples(), so that the percentiles are samples, not bucket bounds.
 */
static void stats_of(struct report *r, int kind, int64_t vcpu, int64_t intid, struct stats *st)
{
	size_t i, n = 0, lo, hi;
	int64_t *ns = r->scratch;

	memset(st, 0, sizeof(*st));
	if (intid == VR_NO_VALUE) {
		lo = lower_bound(r, kind, vcpu, 0);
		hi = lower_bound(r, kind, vcpu, (int64_t)UINT32_MAX + 1);
	} else {
		lo = lower_bound(r, kind, vcpu, intid);
		hi = lower_bound(r, kind, vcpu, intid + 1);
	}
	for (i = lo; i < hi; i++) {
		const struct sample *s = &r->samples[i];

		ns[n++] = s->ns;
		st->slots[slot_of(s->ns)]++;
		st->sum_ns += s->ns;
		st->dirs += s->dir;
	}
	st->count = (int64_t)n;
	if (!n)
		return;
	if (intid == VR_NO_VALUE) /* several INTIDs: each sorted, not the whole */
		qsort(ns, n, sizeof(*ns), cmp_ns);
	st->p50_ns = percentile(ns, n, 50);
	st->p90_ns = percentile(ns, n, 90);
	st->p99_ns = percentile(ns, n, 99);
	st->max_ns = ns[n - 1];
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

/*
 * Drop what a first run under the release's profile collected: the
 * kernel disagreed with it and the run is made again under the profile
 * the diagnosis matched (replay_check_diagnosed, as check does).
 */
static void restart_report(void *arg)
{
	struct report *r = arg;

	r->nsamples = 0;
	r->max_vcpu = 0;
	r->nfindings = 0;
	r->findings_total = 0;
}

/* A latency in microseconds into buf, "-" when there is no sample. */
static const char *us(char *buf, size_t n, const struct stats *st, int64_t ns)
{
	if (st->count)
		snprintf(buf, n, "%.1f", ns / 1e3);
	else
		snprintf(buf, n, "-");
	return buf;
}

/* Print a histogram as runqlat does: ranges, counts and a bar of stars. */
static void print_hist(const char *title, const struct stats *h)
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
	printf("\n%s (%lld samples", title, (long long)h->count);
	if (h->dirs)
		printf(", %lld of them trapped DIRs", (long long)h->dirs);
	if (h->count)
		printf("; p50 %.1f, p90 %.1f, p99 %.1f, max %.1f us", h->p50_ns / 1e3,
		       h->p90_ns / 1e3, h->p99_ns / 1e3, h->max_ns / 1e3);
	printf(")\n");
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

/* Stats as a JSON object: the histogram's fields, then the exact percentiles. */
static json_object *stats_json(const struct stats *h, int deactivate)
{
	json_object *o = json_object_new_object(), *slots = json_object_new_array();

	cli_json_ints(o, CLI_JSON_INTS({"count", h->count}, {"max_ns", h->max_ns},
				       {"sum_ns", h->sum_ns}));
	for (int s = 0; s < SLOTS; s++) {
		json_object *slot;

		if (!h->slots[s])
			continue;
		slot = json_object_new_object();
		json_object_object_add(slot, "slot", json_object_new_int(s));
		json_object_object_add(slot, "count", json_object_new_int64(h->slots[s]));
		json_object_array_add(slots, slot);
	}
	json_object_object_add(o, "log2_us_slots", slots);
	json_object_object_add(o, "p50_ns", h->count ? json_object_new_int64(h->p50_ns) : NULL);
	json_object_object_add(o, "p90_ns", h->count ? json_object_new_int64(h->p90_ns) : NULL);
	json_object_object_add(o, "p99_ns", h->count ? json_object_new_int64(h->p99_ns) : NULL);
	if (deactivate)
		json_object_object_add(o, "trapped_dirs", json_object_new_int64(h->dirs));
	return o;
}

/* Why a trace without LR snapshots gets no latencies and no accounting. */
static const char no_snapshots_msg[] =
	"no LR snapshots in this trace: acknowledgements and deactivations are not visible, so "
	"there are no latencies, and no per-INTID accounting (check declines to judge it: "
	"inconclusive, exit 3); record with `vgic-replay record`, or add the kprobes "
	"`vgic-replay probes` prints to the ftrace capture";

/* The deactivations the latencies miss: trapped DIRs the trace does not name. */
static void print_unnamed_dirs(const struct replay_result *res)
{
	if (res->model_dir_exits)
		printf("\n%lld trapped DIRs are not named by the trace (recorded without the "
		       "vgic_deactivate probe): the deactivations they made are not among the "
		       "acknowledge -> deactivate samples\n",
		       (long long)res->model_dir_exits);
}

/* Text: per vCPU the histograms and a percentile table; per vCPU and INTID the rows. */
static void print_text_latencies(struct report *r, const struct replay_result *res)
{
	static const char *const what[2] = {"injection -> acknowledge", "acknowledge -> deactivate"};
	char a[32], b[32], c[32], d[32];
	struct stats st;
	size_t i;
	int64_t v;
	int k;

	for (v = 0; v <= r->max_vcpu; v++) {
		char title[96];

		if (!row_wanted(r, v, VR_NO_VALUE))
			continue;
		for (k = 0; k < 2; k++) {
			snprintf(title, sizeof(title), "vCPU %lld: %s", (long long)v, what[k]);
			stats_of(r, k, v, VR_NO_VALUE, &st);
			print_hist(title, &st);
		}
	}
	printf("\n%-5s %-26s %8s %10s %10s %10s %10s\n", "vcpu", "latency (us)", "samples", "p50",
	       "p90", "p99", "max");
	for (v = 0; v <= r->max_vcpu; v++) {
		if (!row_wanted(r, v, VR_NO_VALUE))
			continue;
		for (k = 0; k < 2; k++) {
			char e[32];

			stats_of(r, k, v, VR_NO_VALUE, &st);
			printf("%-5lld %-26s %8lld %10s %10s %10s %10s\n", (long long)v, what[k],
			       (long long)st.count, us(a, sizeof(a), &st, st.p50_ns),
			       us(b, sizeof(b), &st, st.p90_ns), us(c, sizeof(c), &st, st.p99_ns),
			       us(e, sizeof(e), &st, st.max_ns));
		}
	}
	print_unnamed_dirs(res);
	printf("\n%-5s %-6s %8s %6s %9s %5s %7s %6s %9s %9s %9s %9s\n", "vcpu", "intid",
	       "injected", "acked", "coalesced", "lost", "pending", "deact", "ack p50", "ack max",
	       "deact p50", "deact max");
	for (i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *q = &res->counts[i];
		struct stats sd;
		char vcpu[24];

		if (!row_wanted(r, q->vcpu, q->intid))
			continue;
		if (q->vcpu == VR_NO_VALUE)
			snprintf(vcpu, sizeof(vcpu), "-");
		else
			snprintf(vcpu, sizeof(vcpu), "%lld", (long long)q->vcpu);
		stats_of(r, 0, q->vcpu, q->intid, &st);
		stats_of(r, 1, q->vcpu, q->intid, &sd);
		printf("%-5s %-6u %8lld %6lld %9lld %5lld %7lld %6lld %9s %9s %9s %9s\n", vcpu,
		       q->intid, (long long)q->injected, (long long)q->acked,
		       (long long)q->coalesced, (long long)q->lost,
		       (long long)(q->pending_at_end + q->pending_at_start),
		       (long long)q->deactivated, us(a, sizeof(a), &st, st.p50_ns),
		       us(b, sizeof(b), &st, st.max_ns), us(c, sizeof(c), &sd, sd.p50_ns),
		       us(d, sizeof(d), &sd, sd.max_ns));
	}
}

/* Text report; 0. */
static int print_text(const char *path, struct report *r, const struct replay_result *res)
{
	size_t i;

	printf("%s: %lld events, profile %s (%s)\n", path, (long long)res->events,
	       vgic_profile_name(res->profile), res->profile_reason);
	if (res->synthetic[0])
		printf("SYNTHETIC trace: %s; not a recording\n", res->synthetic);
	if (res->has_snapshots)
		print_text_latencies(r, res);
	else
		printf("%s\n", no_snapshots_msg);
	printf("\nfindings: %lld\n", (long long)r->findings_total);
	for (i = 0; i < (size_t)r->nfindings; i++) {
		const struct replay_finding *f = &r->findings[i];
		char intid[32] = ""; /* a gap names no INTID */

		if (f->intid != VR_NO_VALUE)
			snprintf(intid, sizeof(intid), " intid %lld", (long long)f->intid);
		printf("  %-16s t=%.6f%s: %.100s...\n", finding_kind_name(f->kind), f->ts_ns / 1e9,
		       intid, f->explanation);
	}
	return 0;
}

/* One vCPU's latencies in the JSON report: both measures over every INTID. */
static json_object *vcpu_json(struct report *r, int64_t vcpu)
{
	json_object *o = json_object_new_object();
	struct stats st;

	json_object_object_add(o, "vcpu", json_object_new_int64(vcpu));
	stats_of(r, 0, vcpu, VR_NO_VALUE, &st);
	json_object_object_add(o, "inject_to_ack", stats_json(&st, 0));
	stats_of(r, 1, vcpu, VR_NO_VALUE, &st);
	json_object_object_add(o, "ack_to_deactivate", stats_json(&st, 1));
	return o;
}

/* One row of the JSON report's intids: check's counts and the latencies of (vCPU, INTID). */
static json_object *intid_json(struct report *r, const struct replay_irq_count *k)
{
	json_object *o = json_object_new_object();
	struct stats st;

	json_object_object_add(o, "intid", json_object_new_int64(k->intid));
	json_object_object_add(o, "vcpu", cli_json_int_or_null(k->vcpu));
	cli_json_ints(o, CLI_JSON_INTS({"injected", k->injected}, {"acked", k->acked},
				       {"coalesced", k->coalesced}, {"lost", k->lost},
				       {"pending", k->pending_at_end + k->pending_at_start},
				       {"deactivated", k->deactivated}));
	stats_of(r, 0, k->vcpu, k->intid, &st);
	json_object_object_add(o, "inject_to_ack", stats_json(&st, 0));
	stats_of(r, 1, k->vcpu, k->intid, &st);
	json_object_object_add(o, "ack_to_deactivate", stats_json(&st, 1));
	return o;
}

/* The report as one JSON document (docs/schemas/report.schema.json), row by row. */
static int print_json(const char *path, struct report *r, const struct replay_result *res)
{
	struct cli_json j;
	size_t i;
	int64_t v;

	cli_json_begin(&j, stdout);
	cli_json_add(&j, "trace", cli_json_string(path));
	cli_json_add_filters(&j, &r->filters, r->from_ns, r->to_ns);
	cli_json_add(&j, "profile", cli_json_string(vgic_profile_name(res->profile)));
	cli_json_add(&j, "events", json_object_new_int64(res->events));
	if (res->synthetic[0]) /* generated, not recorded: see trace_info.synthetic */
		cli_json_add(&j, "synthetic", json_object_new_boolean(1));
	if (!res->has_snapshots)
		cli_json_add(&j, "inconclusive", cli_json_string(no_snapshots_msg));
	cli_json_add(&j, "unnamed_trapped_dirs", json_object_new_int64(res->model_dir_exits));
	cli_json_open_array(&j, "vcpus");
	for (v = 0; v <= r->max_vcpu && res->has_snapshots; v++)
		if (row_wanted(r, v, VR_NO_VALUE))
			cli_json_add(&j, NULL, vcpu_json(r, v));
	cli_json_close(&j);
	cli_json_open_array(&j, "intids");
	for (i = 0; i < res->ncounts && res->has_snapshots; i++)
		if (row_wanted(r, res->counts[i].vcpu, res->counts[i].intid))
			cli_json_add(&j, NULL, intid_json(r, &res->counts[i]));
	cli_json_close(&j);
	cli_json_add(&j, "findings", json_object_new_int64(r->findings_total));
	return cli_json_end(&j);
}

/*
 * Parse report's command line into r and opt; -1 to go on, else the exit
 * status (--help, a usage error).
 */
static int parse_report_args(int argc, char **argv, struct report *r, struct replay_options *opt)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'p'},
		CLI_FILTER_LONGOPTS,
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
		CLI_FILTER_CASES:
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
	struct replay_checked run;
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
	if (!rc && replay_check_diagnosed(db, &opt, on_finding, r, restart_report, &run, &err)) {
		cli_error("%s: %s", argv[optind], err.msg);
		replay_result_free(&run.res);
		rc = 2;
	} else if (!rc) {
		r->scratch = vr_xcalloc(r->nsamples ? r->nsamples : 1, sizeof(*r->scratch));
		if (r->nsamples)
			qsort(r->samples, r->nsamples, sizeof(*r->samples), cmp_sample);
		rc = (r->json ? print_json : print_text)(argv[optind], r, &run.res);
		replay_result_free(&run.res);
	}
	tracedb_close(db);
	free(r->samples);
	free(r->scratch);
	free(r);
	return rc;
}
