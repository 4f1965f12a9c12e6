/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay check trace.db`: replay a trace and report lost
 * interrupts, wrong deactivations and the other findings of replay/, each
 * with the events that prove it. A check only reads the trace; with
 * --store the run is kept in its replay_runs and findings tables for the
 * TUI and `sql`, replacing an earlier run of the same profile and options.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../replay/replay.h"
#include "cli.h"

static const char check_usage[] =
	"Usage: vgic-replay check [options] TRACE\n"
	"\n"
	"Replay a trace and report lost interrupts, wrong deactivations and trace gaps,\n"
	"each tied to the events that prove it, then an accounting per INTID:\n"
	"injected = acked + coalesced + lost + pending at the end. Where the kernel's\n"
	"flushes or AP lists disagree with the profile, every profile is replayed and the\n"
	"one the kernel behaves like is named (diagnosis); without --profile, its findings\n"
	"are reported.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"  -p, --profile NAME   kernel behaviour to replay under (default: from the trace's\n"
	"                       kernel release, printed with the reason); replaying under\n"
	"                       another kernel's profile is a what-if\n"
	"      --list-profiles  list the profiles and exit\n"
	"      --vcpu N         report findings of vCPU N only\n"
	"      --intid N        report findings of INTID N only\n"
	"      --from T         report and count only at or after T, and at or before\n"
	"      --to T           T; T is absolute ns, or relative to the trace start\n"
	"                       with '+' and a unit: +250ms, +1.5s, +20us, +1000ns\n"
	"      --json           print one JSON document instead of text\n"
	"  -q, --quiet          print findings only (no summary, accounting or progress)\n"
	"      --store          keep the run in the trace's findings tables (for the TUI and\n"
	"                       sql), replacing an earlier run with the same profile and\n"
	"                       options; without it the trace is only read\n"
	"      --no-store       only read the trace (the default; for older scripts)\n"
	"      --compare A,B    replay under profiles A and B and print the first finding\n"
	"                       one makes and the other does not (exit 1 if they differ)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 clean: no findings (gaps are informational); 1 findings; 2 error\n"
	"(bad arguments, an unreadable or foreign file); 3 inconclusive: the trace has no\n"
	"LR snapshots, so only gaps could be checked (the message says what to record).\n"
	"\n"
	"Examples:\n"
	"  vgic-replay check trace.db\n"
	"  vgic-replay check --profile linux-6.19 trace.db    # what if it ran on 6.19?\n"
	"  vgic-replay check --intid 44 --from +1.5s --json trace.db\n";

/* Print a JSON string with escapes. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

struct print_state {
	int json;
	int nprinted;
};

/* Print one finding as it is made. */
static void print_finding(const struct replay_finding *f, void *arg)
{
	struct print_state *ps = arg;
	int i;

	if (ps->json) {
		printf("%s\n    {\"kind\": \"%s\", \"severity\": \"%s\", \"ts_ns\": %lld, \"cpu\": %d, ",
		       ps->nprinted ? "," : "", finding_kind_name(f->kind),
		       finding_severity_name(f->severity), (long long)f->ts_ns, f->cpu);
		if (f->vcpu == VR_NO_VALUE)
			printf("\"vcpu\": null, ");
		else
			printf("\"vcpu\": %lld, ", (long long)f->vcpu);
		if (f->intid == VR_NO_VALUE)
			printf("\"intid\": null, ");
		else
			printf("\"intid\": %lld, ", (long long)f->intid);
		printf("\"events\": [");
		for (i = 0; i < f->nproof; i++)
			printf("%s{\"id\": %lld, \"role\": \"%s\"}", i ? ", " : "",
			       (long long)f->proof[i], f->proof_role[i]);
		printf("], \"explanation\": ");
		json_string(f->explanation);
		printf("}");
	} else {
		printf("%-16s %-7s t=%.6f cpu %d", finding_kind_name(f->kind),
		       finding_severity_name(f->severity), f->ts_ns / 1e9, f->cpu);
		if (f->vcpu != VR_NO_VALUE)
			printf(" vcpu %lld", (long long)f->vcpu);
		if (f->intid != VR_NO_VALUE)
			printf(" intid %lld", (long long)f->intid);
		printf("  events");
		for (i = 0; i < f->nproof; i++)
			printf("%s%lld (%s)", i ? ", " : " ", (long long)f->proof[i],
			       f->proof_role[i]);
		printf("\n    %s\n", f->explanation);
	}
	ps->nprinted++;
}

/* The accounting table, text or JSON. */
static void print_accounting(const struct replay_result *res, int json)
{
	size_t i;

	if (json) {
		printf("  \"accounting\": [");
		for (i = 0; i < res->ncounts; i++) {
			const struct replay_irq_count *k = &res->counts[i];

			printf("%s\n    {\"vcpu\": %lld, \"intid\": %u, \"injected\": %lld, "
			       "\"acked\": %lld, \"coalesced\": %lld, \"lost\": %lld, "
			       "\"pending_at_end\": %lld, \"pending_at_start\": %lld, "
			       "\"deactivated\": %lld%s%s}",
			       i ? "," : "", (long long)k->vcpu, k->intid, (long long)k->injected,
			       (long long)k->acked, (long long)k->coalesced, (long long)k->lost,
			       (long long)k->pending_at_end, (long long)k->pending_at_start,
			       (long long)k->deactivated,
			       k->injection_unrecorded ? ", \"injection_unrecorded\": true" : "",
			       k->stuck_active ? ", \"stuck_active\": true" : "");
		}
		printf("\n  ]\n");
		return;
	}
	printf("\n%-5s %-6s %9s %7s %10s %5s %8s %11s\n", "vcpu", "intid", "injected", "acked",
	       "coalesced", "lost", "pending", "deactivated");
	for (i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];
		char vcpu[24];

		if (k->vcpu == VR_NO_VALUE)
			snprintf(vcpu, sizeof(vcpu), "-");
		else
			snprintf(vcpu, sizeof(vcpu), "%lld", (long long)k->vcpu);
		printf("%-5s %-6u %9lld %7lld %10lld %5lld %8lld %11lld%s\n", vcpu, k->intid,
		       (long long)k->injected, (long long)k->acked, (long long)k->coalesced,
		       (long long)k->lost, (long long)(k->pending_at_end + k->pending_at_start),
		       (long long)k->deactivated,
		       k->injection_unrecorded ? "  (injection path not in the trace)"
		       : k->stuck_active	? "  (stuck active: see its STUCK_ACTIVE finding)"
		       : k->pending_at_start	? "  (pending at start)"
						: "");
	}
}

/* Findings of one profile, collected for --compare. */
struct collected_findings {
	struct replay_finding *f;
	size_t n, cap;
};

/* replay_finding_fn for --compare: keep every finding. */
static void collect_finding(const struct replay_finding *f, void *arg)
{
	struct collected_findings *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->f = vr_xrealloc(c->f, c->cap * sizeof(*c->f));
	}
	c->f[c->n++] = *f;
}

/* Does the list hold a finding of the same kind, time and INTID? */
static int has_finding(const struct collected_findings *c, const struct replay_finding *f)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->f[i].kind == f->kind && c->f[i].ts_ns == f->ts_ns && c->f[i].intid == f->intid)
			return 1;
	return 0;
}

/*
 * --compare A,B: replay under both profiles (nothing stored) and print the
 * earliest finding that only one of them makes.
 */
static int compare_profiles(struct tracedb *db, const struct replay_options *base, const char *spec)
{
	char a[64], b[64];
	const char *comma = strchr(spec, ',');
	struct collected_findings fa = {0}, fb = {0};
	const struct replay_finding *first = NULL;
	const char *only = NULL, *other = NULL;
	struct replay_options opt = *base;
	struct replay_result res;
	struct vr_error err = {{0}};
	size_t i;

	if (!comma || (size_t)(comma - spec) >= sizeof(a) || strlen(comma + 1) >= sizeof(b)) {
		cli_error("check: --compare needs two profiles, A,B");
		return 2;
	}
	snprintf(a, sizeof(a), "%.*s", (int)(comma - spec), spec);
	snprintf(b, sizeof(b), "%s", comma + 1);
	if (!vgic_profile_find(a) || !vgic_profile_find(b)) {
		return cli_check_profile("check", vgic_profile_find(a) ? b : a);
	}
	opt.store = 0;
	opt.profile = a;
	if (replay_check(db, &opt, collect_finding, &fa, &res, &err))
		goto fail;
	replay_result_free(&res);
	opt.profile = b;
	if (replay_check(db, &opt, collect_finding, &fb, &res, &err))
		goto fail;
	replay_result_free(&res);
	for (i = 0; i < fa.n; i++)
		if (!has_finding(&fb, &fa.f[i]) && (!first || fa.f[i].ts_ns < first->ts_ns)) {
			first = &fa.f[i];
			only = a;
			other = b;
		}
	for (i = 0; i < fb.n; i++)
		if (!has_finding(&fa, &fb.f[i]) && (!first || fb.f[i].ts_ns < first->ts_ns)) {
			first = &fb.f[i];
			only = b;
			other = a;
		}
	printf("%s: %zu findings, %s: %zu findings\n", a, fa.n, b, fb.n);
	if (first) {
		printf("first divergence at t=%.6f (event %lld): under %s, %s", first->ts_ns / 1e9,
		       (long long)first->proof[0], only, finding_kind_name(first->kind));
		if (first->intid != VR_NO_VALUE)
			printf(" of INTID %lld", (long long)first->intid);
		printf("; under %s, nothing there\n    %s\n", other, first->explanation);
	} else {
		printf("no divergence: both profiles make the same findings\n");
	}
	free(fa.f);
	free(fb.f);
	return first ? 1 : 0;
fail:
	cli_error("%s", err.msg);
	free(fa.f);
	free(fb.f);
	return 2;
}

/* What check's command line asks for. */
struct check_args {
	struct replay_options opt;
	struct cli_filters filters;
	const char *compare, *path;
	int json, quiet;
};

/*
 * Parse check's command line into a; -1 to go on, else the exit status
 * (--help, --list-profiles, a usage error).
 */
static int parse_check_args(int argc, char **argv, struct check_args *a)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'p'}, {"list-profiles", no_argument, NULL, 'L'},
		CLI_FILTER_LONGOPTS,
		{"json", no_argument, NULL, 'j'},	   {"quiet", no_argument, NULL, 'q'},
		{"no-store", no_argument, NULL, 'n'},	   {"help", no_argument, NULL, 'h'},
		{"store", no_argument, NULL, 'S'},
		{"compare", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	cli_filters_init(&a->filters);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->opt.profile = optarg;
			break;
		case 'L':
			for (int i = 0; vgic_profile_at(i); i++)
				printf("%-12s %s\n", vgic_profile_name(vgic_profile_at(i)),
				       vgic_profile_description(vgic_profile_at(i)));
			return 0;
		CLI_FILTER_CASES:
			if (cli_filters_option("check", c, optarg, &a->filters))
				return 2;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'n': /* the default; kept for scripts written when storing was */
			a->opt.store = 0;
			break;
		case 'S':
			a->opt.store = 1;
			break;
		case 'C':
			a->compare = optarg;
			a->opt.store = 0;
			break;
		case 'h':
			fputs(check_usage, stdout);
			return 0;
		default:
			return cli_option_error("check", c, argv, longopts);
		}
	}
	if (cli_one_trace("check", argc))
		return 2;
	a->path = argv[optind];
	a->opt.vcpu = a->filters.vcpu;
	a->opt.intid = a->filters.intid;
	if (cli_check_profile("check", a->opt.profile))
		return 2;
	return -1;
}

/*
 * Open the trace for check: read-only, so that a check leaves the file as
 * it was and works on one the user cannot write; writable only with
 * --store, which fails with a line saying why when the file cannot be
 * written. A capture is read through its import (cli_trace_path), where
 * --store would have nowhere to keep the findings.
 */
static struct tracedb *open_for_check(struct check_args *a)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	const char *path;

	if (a->opt.store && cli_is_capture(a->path)) {
		cli_error("%s: --store writes into a trace database, and this is a capture; "
			  "import it first (vgic-replay import %s -o TRACE.db)",
			  a->path, a->path);
		return NULL;
	}
	path = cli_trace_path(a->path, a->quiet);
	if (!path)
		return NULL;
	/* This thread alone uses it: no mutex around each column read, storing or not. */
	db = tracedb_open(path, a->opt.store ? TRACEDB_READWRITE | TRACEDB_ONE_THREAD : TRACEDB_READONLY,
			  &err);
	if (!db && a->opt.store)
		cli_error("%s (check without --store only reads it)", err.msg);
	else if (!db)
		cli_error("%s", err.msg);
	return db;
}

/*
 * A trace without LR snapshots (kvm tracepoints only, what `trace-cmd
 * record -e kvm` gives): the guest's acknowledgements and deactivations,
 * and what KVM programmed, are not in it, so no interrupt can be judged
 * lost. What check could not do and what to record instead.
 */
static const char inconclusive_msg[] =
	"inconclusive: the trace has no LR snapshots, so LOST_INTERRUPT, MIS_DEACTIVATION, "
	"STUCK_ACTIVE, PRIORITY_INVERSION and LR_DIVERGENCE could not run (only TRACE_GAP did); "
	"record with `vgic-replay record`, or add the kprobes `vgic-replay probes` prints to the "
	"ftrace capture (docs/importing.md)";

struct check_outcome;
static void print_json_diagnosis(const struct check_outcome *o);

/* The end of the JSON document: the run's profile, the diagnosis, model tallies and accounting. */
static void print_json_summary(const struct replay_result *res, const struct check_outcome *o)
{
	printf("\n  ],\n  \"profile\": \"%s\",\n  \"profile_reason\": ",
	       vgic_profile_name(res->profile));
	json_string(res->profile_reason);
	printf(",\n");
	if (res->synthetic[0]) { /* only then: a recording's document is as it always was */
		printf("  \"synthetic\": ");
		json_string(res->synthetic);
		printf(",\n");
	}
	print_json_diagnosis(o);
	if (!res->has_snapshots) {
		printf("  \"inconclusive\": ");
		json_string(inconclusive_msg);
		printf(",\n");
	}
	printf("  \"checks_run\": ");
	json_string(res->checks_run);
	printf(",\n  \"events\": %lld,\n", (long long)res->events);
	printf("  \"model\": {\"flushes\": %lld, \"agree\": %lld, \"unknown\": %lld, "
	       "\"dir_exits\": %lld, \"dir_found\": %lld, \"ap_lists\": %lld, \"ap_agree\": %lld, "
	       "\"ap_unknown\": %lld},\n",
	       (long long)res->model_flushes, (long long)res->model_agree,
	       (long long)res->model_unknown, (long long)res->model_dir_exits,
	       (long long)res->model_dir_found, (long long)res->model.ap_lists,
	       (long long)res->model.ap_agree, (long long)res->model.ap_unknown);
	print_accounting(res, 1);
	printf("}\n");
}

/*
 * The text summary after the findings: profile (and the diagnosis, when
 * one ran), checks, counts, the model, the accounting.
 */
static void print_text_summary(const struct replay_result *res, int after_findings,
			       const char *diagnosis)
{
	if (res->synthetic[0])
		printf("%sSYNTHETIC trace: %s; not a recording\n", after_findings ? "\n" : "",
		       res->synthetic);
	printf("%sprofile %s (%s)\n", after_findings && !res->synthetic[0] ? "\n" : "",
	       vgic_profile_name(res->profile), res->profile_reason);
	if (diagnosis)
		printf("diagnosis: %s\n", diagnosis);
	printf("checks: %s\n%lld events replayed, %lld finding%s", res->checks_run,
	       (long long)res->events, (long long)res->findings, res->findings == 1 ? "" : "s");
	for (int k = 0; k < FINDING_KIND_MAX; k++)
		if (res->findings_by_kind[k])
			printf(", %lld %s", (long long)res->findings_by_kind[k],
			       finding_kind_name((enum finding_kind)k));
	printf("\n");
	if (res->model_flushes)
		printf("model: %lld of %lld flushes as %s predicts (%.2f%%), %lld not compared "
		       "(vCPU state unknown); %lld trapped DIRs not named by the trace, %lld "
		       "pinned down\n",
		       (long long)res->model_agree, (long long)res->model_flushes,
		       vgic_profile_name(res->profile),
		       100.0 * (double)res->model_agree / (double)res->model_flushes,
		       (long long)res->model_unknown, (long long)res->model_dir_exits,
		       (long long)res->model_dir_found);
	if (res->model.ap_lists || res->model.ap_unknown)
		printf("AP lists: %lld of %lld after the prune as %s leaves them, %lld not compared "
		       "(vCPU state unknown)\n",
		       (long long)res->model.ap_agree, (long long)res->model.ap_lists,
		       vgic_profile_name(res->profile), (long long)res->model.ap_unknown);
	if (res->model.lpi_unrecorded)
		printf("LPIs: the trace does not record their injection (ITS MSIs, irqfd: no "
		       "vgic_queue_lpi events; record with this version's collector or probes): "
		       "%lld flushes holding LPIs not compared, LPIs never judged, their "
		       "acknowledgements counted\n",
		       (long long)res->model.lpi_unrecorded);
	if (res->has_snapshots)
		print_accounting(res, 0);
}

/* What a check ends with: the run whose findings it reports, and the diagnosis if one ran. */
struct check_outcome {
	struct replay_result res;
	struct collected_findings found;
	struct replay_diagnosis diag;
	int diagnosed; /* the first run disagreed with the kernel: diag holds every profile's fit */
	int switched;  /* ... and res is the matched profile's run, not the one first assumed */
};

/*
 * The matched profile's run: replay again under it, its findings
 * collected, stored (when asked) with the diagnosis as the reason its
 * profile was replayed.
 */
static int rerun_matched(struct tracedb *db, const struct check_args *a, struct check_outcome *o,
			 struct vr_error *err)
{
	const char *assumed = vgic_profile_name(o->res.profile);
	struct replay_options opt = a->opt;
	char reason[sizeof(o->res.profile_reason) + 64];

	snprintf(reason, sizeof(reason), "diagnosed; the kernel release suggested %s: %s", assumed,
		 o->res.profile_reason);
	replay_result_free(&o->res); /* its open run is rolled back */
	o->found.n = 0;
	opt.profile = vgic_profile_name(o->diag.fit[o->diag.matched].profile);
	opt.reason = reason;
	opt.store_open = 1;
	o->switched = 1;
	return replay_check(db, &opt, collect_finding, &o->found, &o->res, err);
}

/*
 * Replay under the chosen profile; where the kernel's flushes or AP lists
 * disagree with it, diagnose which profile it behaves like, and take that
 * one's findings unless a profile was asked for (a what-if keeps its
 * own). The run is stored (when asked) once it is known which it is,
 * with the diagnosis in its profile_reason.
 */
static int run_check(struct tracedb *db, const struct check_args *a, struct check_outcome *o,
		     struct vr_error *err)
{
	struct replay_options opt = a->opt;
	char reason[sizeof(o->res.profile_reason) + sizeof(o->diag.text) + 16];

	opt.store_open = 1;
	if (replay_check(db, &opt, collect_finding, &o->found, &o->res, err))
		return -1;
	if (!replay_disagrees(&o->res))
		return replay_store_close(&o->res, 1, NULL, err);
	if (replay_diagnose(db, &a->opt, &o->res, &o->diag, err))
		return -1;
	o->diagnosed = 1;
	if (o->diag.matched >= 0 && !a->opt.profile && o->diag.matched != o->diag.chosen &&
	    rerun_matched(db, a, o, err))
		return -1;
	snprintf(reason, sizeof(reason), "%s; diagnosis: %s", o->res.profile_reason, o->diag.text);
	return replay_store_close(&o->res, 1, reason, err);
}

/* The diagnosis in the JSON document: every profile's fit and the one the kernel matches. */
static void print_json_diagnosis(const struct check_outcome *o)
{
	const struct replay_diagnosis *d = &o->diag;

	if (!o->diagnosed)
		return;
	printf("  \"diagnosis\": {\"matched\": ");
	if (d->matched >= 0)
		json_string(vgic_profile_name(d->fit[d->matched].profile));
	else
		printf("null");
	printf(", \"assumed\": ");
	json_string(vgic_profile_name(d->fit[d->chosen].profile));
	printf(", \"findings_of\": ");
	json_string(vgic_profile_name(o->res.profile));
	printf(", \"text\": ");
	json_string(d->text);
	printf(",\n    \"profiles\": [");
	for (int i = 0; i < d->nfits; i++) {
		const struct replay_fit *f = &d->fit[i];

		printf("%s\n      {\"profile\": \"%s\", \"flushes\": %lld, \"compared\": %lld, "
		       "\"agree\": %lld, \"ap_lists\": %lld, \"ap_agree\": %lld, "
		       "\"lr_divergences\": %lld, \"first_difference_event\": %lld, \"matches\": %s}",
		       i ? "," : "", vgic_profile_name(f->profile), (long long)f->flushes,
		       (long long)f->compared, (long long)f->agree, (long long)f->ap_lists, (long long)f->ap_agree,
		       (long long)f->lr_divergences, (long long)f->first_event,
		       f->matches ? "true" : "false");
	}
	printf("\n    ]},\n");
}

/*
 * The diagnosis as check prints it: the sentence, and whose findings
 * follow (the matched profile's, a what-if's, or, when no profile
 * matches, the assumed one's with its LR_DIVERGENCEs).
 */
static void diagnosis_line(const struct check_args *a, const struct check_outcome *o, char *out,
			   size_t n)
{
	const char *name = vgic_profile_name(o->res.profile);

	if (o->switched)
		snprintf(out, n, "%s; the findings are %s's", o->diag.text, name);
	else if (a->opt.profile)
		snprintf(out, n, "%s; the findings are what %s would have done (--profile)",
			 o->diag.text, name);
	else
		snprintf(out, n, "%s; the findings are %s's, its LR divergences kept", o->diag.text,
			 name);
}

/* Print the check's findings, then its summary (text or JSON). */
static void print_outcome(const struct check_args *a, const struct check_outcome *o)
{
	struct print_state ps = {a->json, 0};
	char diagnosis[sizeof(o->diag.text) + 128];

	if (o->diagnosed)
		diagnosis_line(a, o, diagnosis, sizeof(diagnosis));
	if (ps.json)
		printf("{\n  \"trace\": \"%s\",\n  \"findings\": [", a->path);
	for (size_t i = 0; i < o->found.n; i++)
		print_finding(&o->found.f[i], &ps);
	if (ps.json) {
		print_json_summary(&o->res, o);
	} else if (!a->quiet) {
		print_text_summary(&o->res, ps.nprinted, o->diagnosed ? diagnosis : NULL);
	} else if (o->diagnosed) {
		printf("diagnosis: %s\n", diagnosis);
	}
}

/* Run the check command. */
int cmd_check(int argc, char **argv)
{
	struct vr_error err = {{0}};
	struct check_outcome o;
	struct check_args a;
	struct tracedb *db;
	int rc, serious;

	rc = parse_check_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	db = open_for_check(&a);
	if (!db)
		return 2;
	if (cli_filters_window("check", &a.filters, db, &a.opt.from_ns, &a.opt.to_ns)) {
		tracedb_close(db);
		return 2;
	}
	a.opt.progress = !a.quiet && isatty(STDERR_FILENO);
	if (a.compare) {
		rc = compare_profiles(db, &a.opt, a.compare);
		tracedb_close(db);
		return rc;
	}
	memset(&o, 0, sizeof(o));
	if (run_check(db, &a, &o, &err)) {
		cli_error("%s: %s", a.path, err.msg);
		replay_result_free(&o.res);
		free(o.found.f);
		tracedb_close(db);
		return 2;
	}
	print_outcome(&a, &o);
	serious = (int)(o.res.findings - o.res.findings_by_kind[FINDING_TRACE_GAP]);
	rc = serious ? 1 : o.res.has_snapshots ? 0 : 3;
	if (rc == 3)
		fprintf(stderr, "vgic-replay: %s: %s\n", a.path, inconclusive_msg);
	replay_result_free(&o.res);
	free(o.found.f);
	tracedb_close(db);
	return rc;
}
