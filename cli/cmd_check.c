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
#include "cli_json.h"

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
	"      --vcpu N         report findings and accounting of vCPU N only\n"
	"      --intid N        report findings and accounting of INTID N only\n"
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

/* One finding as an element of the JSON document's findings. */
static json_object *finding_json(const struct replay_finding *f)
{
	json_object *o = json_object_new_object(), *events = json_object_new_array();

	json_object_object_add(o, "kind", json_object_new_string(finding_kind_name(f->kind)));
	json_object_object_add(o, "severity",
			       json_object_new_string(finding_severity_name(f->severity)));
	json_object_object_add(o, "ts_ns", json_object_new_int64(f->ts_ns));
	json_object_object_add(o, "cpu", json_object_new_int(f->cpu));
	json_object_object_add(o, "vcpu", cli_json_int_or_null(f->vcpu));
	json_object_object_add(o, "intid", cli_json_int_or_null(f->intid));
	for (int i = 0; i < f->nproof; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "id", json_object_new_int64(f->proof[i]));
		json_object_object_add(e, "role", cli_json_string(f->proof_role[i]));
		json_object_array_add(events, e);
	}
	json_object_object_add(o, "events", events);
	json_object_object_add(o, "explanation", cli_json_string(f->explanation));
	return o;
}

/* Print one finding as text. */
static void print_finding(const struct replay_finding *f)
{
	int i;

	printf("%-16s %-7s t=%.6f cpu %d", finding_kind_name(f->kind),
	       finding_severity_name(f->severity), f->ts_ns / 1e9, f->cpu);
	if (f->vcpu != VR_NO_VALUE)
		printf(" vcpu %lld", (long long)f->vcpu);
	if (f->intid != VR_NO_VALUE)
		printf(" intid %lld", (long long)f->intid);
	printf("  events");
	for (i = 0; i < f->nproof; i++)
		printf("%s%lld (%s)", i ? ", " : " ", (long long)f->proof[i], f->proof_role[i]);
	printf("\n    %s\n", f->explanation);
}

/* One row of the accounting as an element of the JSON document's accounting. */
static json_object *count_json(const struct replay_irq_count *k)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "vcpu", cli_json_int_or_null(k->vcpu));
	cli_json_ints(o, CLI_JSON_INTS({"intid", k->intid}, {"injected", k->injected},
				       {"acked", k->acked}, {"coalesced", k->coalesced},
				       {"lost", k->lost}, {"pending_at_end", k->pending_at_end},
				       {"pending_at_start", k->pending_at_start},
				       {"deactivated", k->deactivated}));
	if (k->injection_unrecorded)
		json_object_object_add(o, "injection_unrecorded", json_object_new_boolean(1));
	if (k->stuck_active)
		json_object_object_add(o, "stuck_active", json_object_new_boolean(1));
	return o;
}

/* Is an accounting row within --vcpu and --intid (the replay counts every INTID)? */
static int count_wanted(const struct cli_filters *f, const struct replay_irq_count *k)
{
	return (f->vcpu == VR_NO_VALUE || k->vcpu == f->vcpu) &&
	       (f->intid == VR_NO_VALUE || k->intid == f->intid);
}

/* The accounting table as text, the rows within the filters. */
static void print_accounting(const struct replay_result *res, const struct cli_filters *f)
{
	size_t i;

	printf("\n%-5s %-6s %9s %7s %10s %5s %8s %11s\n", "vcpu", "intid", "injected", "acked",
	       "coalesced", "lost", "pending", "deactivated");
	for (i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];
		char vcpu[24];

		if (!count_wanted(f, k))
			continue;
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

/* What check's command line asks for. */
struct check_args {
	struct replay_options opt;
	struct cli_filters filters;
	const char *compare, *path;
	int json, quiet;
};

/* What --compare found: each profile's findings, and the first that only one makes. */
struct comparison {
	char name[2][64];
	struct collected_findings found[2];
	const struct replay_finding *first; /* NULL: no divergence */
	int only;			    /* the profile (0 or 1) that makes it */
};

/* The first of the findings of profile `of` that the other does not make, into c. */
static void first_divergence(struct comparison *c, int of)
{
	const struct collected_findings *mine = &c->found[of], *theirs = &c->found[!of];

	for (size_t i = 0; i < mine->n; i++)
		if (!has_finding(theirs, &mine->f[i]) &&
		    (!c->first || mine->f[i].ts_ns < c->first->ts_ns)) {
			c->first = &mine->f[i];
			c->only = of;
		}
}

/* --compare as text: the counts, then the first divergence and its explanation. */
static void print_comparison_text(const struct comparison *c)
{
	const struct replay_finding *first = c->first;

	printf("%s: %zu findings, %s: %zu findings\n", c->name[0], c->found[0].n, c->name[1],
	       c->found[1].n);
	if (!first) {
		printf("no divergence: both profiles make the same findings\n");
		return;
	}
	printf("first divergence at t=%.6f (event %lld): under %s, %s", first->ts_ns / 1e9,
	       (long long)first->proof[0], c->name[c->only], finding_kind_name(first->kind));
	if (first->intid != VR_NO_VALUE)
		printf(" of INTID %lld", (long long)first->intid);
	printf("; under %s, nothing there\n    %s\n", c->name[!c->only], first->explanation);
}

/* --compare as one JSON document (docs/schemas/check.schema.json, its compare form). */
static int print_comparison_json(const struct check_args *a, const struct comparison *c)
{
	struct cli_json j;

	cli_json_begin(&j, stdout);
	cli_json_add(&j, "trace", cli_json_string(a->path));
	cli_json_add_filters(&j, &a->filters, a->opt.from_ns, a->opt.to_ns);
	cli_json_open_array(&j, "compare");
	for (int i = 0; i < 2; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "profile", cli_json_string(c->name[i]));
		json_object_object_add(o, "findings", json_object_new_int64((int64_t)c->found[i].n));
		cli_json_add(&j, NULL, o);
	}
	cli_json_close(&j);
	if (c->first) {
		json_object *d = json_object_new_object();

		json_object_object_add(d, "ts_ns", json_object_new_int64(c->first->ts_ns));
		json_object_object_add(d, "event", json_object_new_int64(c->first->proof[0]));
		json_object_object_add(d, "only_under", cli_json_string(c->name[c->only]));
		json_object_object_add(d, "not_under", cli_json_string(c->name[!c->only]));
		json_object_object_add(d, "finding", finding_json(c->first));
		cli_json_add(&j, "divergence", d);
	} else {
		cli_json_add(&j, "divergence", NULL);
	}
	return cli_json_end(&j);
}

/*
 * --compare A,B: replay under both profiles (nothing stored) and print the
 * earliest finding that only one of them makes.
 */
static int compare_profiles(struct tracedb *db, const struct check_args *a)
{
	const char *spec = a->compare, *comma = strchr(spec, ',');
	struct comparison c;
	struct replay_options opt = a->opt;
	struct replay_result res;
	struct vr_error err = {{0}};
	int i, rc;

	memset(&c, 0, sizeof(c));
	if (!comma || (size_t)(comma - spec) >= sizeof(c.name[0]) ||
	    strlen(comma + 1) >= sizeof(c.name[1])) {
		cli_error("check: --compare needs two profiles, A,B");
		return 2;
	}
	snprintf(c.name[0], sizeof(c.name[0]), "%.*s", (int)(comma - spec), spec);
	snprintf(c.name[1], sizeof(c.name[1]), "%s", comma + 1);
	for (i = 0; i < 2; i++)
		if (!vgic_profile_find(c.name[i]))
			return cli_check_profile("check", c.name[i]);
	opt.store = 0;
	for (i = 0; i < 2; i++) {
		opt.profile = c.name[i];
		if (replay_check(db, &opt, collect_finding, &c.found[i], &res, &err)) {
			cli_error("%s", err.msg);
			rc = 2;
			goto out;
		}
		replay_result_free(&res);
	}
	first_divergence(&c, 0);
	first_divergence(&c, 1);
	if (a->json)
		rc = print_comparison_json(a, &c);
	else
		print_comparison_text(&c), rc = 0;
	if (!rc && c.first)
		rc = 1;
out:
	free(c.found[0].f);
	free(c.found[1].f);
	return rc;
}

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
	a->opt.diagnose_asked = 1; /* a what-if still says what the kernel did */
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

/* The model's tallies in the JSON document. */
static json_object *model_json(const struct replay_result *res)
{
	return cli_json_ints(NULL, CLI_JSON_INTS({"flushes", res->model_flushes},
						 {"agree", res->model_agree},
						 {"unknown", res->model_unknown},
						 {"dir_exits", res->model_dir_exits},
						 {"dir_found", res->model_dir_found},
						 {"ap_lists", res->model.ap_lists},
						 {"ap_agree", res->model.ap_agree},
						 {"ap_unknown", res->model.ap_unknown}));
}

/*
 * The text summary after the findings: profile (and the diagnosis, when
 * one ran), checks, counts, the model, the accounting.
 */
static void print_text_summary(const struct replay_result *res, const struct cli_filters *f,
			       int after_findings, const char *diagnosis)
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
		print_accounting(res, f);
}

/* What a check ends with: the diagnosed run and its findings, collected. */
struct check_outcome {
	struct replay_checked run;
	struct collected_findings found;
};

/* Drop the findings of a run the diagnosis replaces. */
static void forget_findings(void *arg)
{
	((struct collected_findings *)arg)->n = 0;
}

/*
 * Replay under the chosen profile, diagnosed where the kernel disagrees
 * with it (replay_check_diagnosed), the findings collected; stored when
 * asked, with the diagnosis in its profile_reason.
 */
static int run_check(struct tracedb *db, const struct check_args *a, struct check_outcome *o,
		     struct vr_error *err)
{
	return replay_check_diagnosed(db, &a->opt, collect_finding, &o->found, forget_findings,
				      &o->run, err);
}

/* The diagnosis in the JSON document: every profile's fit and the one the kernel matches. */
static json_object *diagnosis_json(const struct check_outcome *o)
{
	const struct replay_diagnosis *d = &o->run.diag;
	json_object *dj = json_object_new_object(), *fits = json_object_new_array();

	json_object_object_add(dj, "matched",
			       d->matched >= 0
				       ? cli_json_string(vgic_profile_name(d->fit[d->matched].profile))
				       : NULL);
	json_object_object_add(dj, "assumed",
			       cli_json_string(vgic_profile_name(d->fit[d->chosen].profile)));
	json_object_object_add(dj, "findings_of", cli_json_string(vgic_profile_name(o->run.res.profile)));
	json_object_object_add(dj, "text", cli_json_string(d->text));
	for (int i = 0; i < d->nfits; i++) {
		const struct replay_fit *f = &d->fit[i];
		json_object *fj = json_object_new_object();

		json_object_object_add(fj, "profile", cli_json_string(vgic_profile_name(f->profile)));
		cli_json_ints(fj, CLI_JSON_INTS({"flushes", f->flushes}, {"compared", f->compared},
						{"agree", f->agree}, {"ap_lists", f->ap_lists},
						{"ap_agree", f->ap_agree},
						{"lr_divergences", f->lr_divergences},
						{"first_difference_event", f->first_event}));
		json_object_object_add(fj, "matches", json_object_new_boolean(f->matches));
		json_object_array_add(fits, fj);
	}
	json_object_object_add(dj, "profiles", fits);
	return dj;
}

/*
 * The diagnosis as check prints it: the sentence, and whose findings
 * follow (the matched profile's, a what-if's, or, when no profile
 * matches, the assumed one's with its LR_DIVERGENCEs).
 */
static void diagnosis_line(const struct check_args *a, const struct check_outcome *o, char *out,
			   size_t n)
{
	const char *name = vgic_profile_name(o->run.res.profile);

	if (o->run.switched)
		snprintf(out, n, "%s; the findings are %s's", o->run.diag.text, name);
	else if (a->opt.profile)
		snprintf(out, n, "%s; the findings are what %s would have done (--profile)",
			 o->run.diag.text, name);
	else
		snprintf(out, n, "%s; the findings are %s's, its LR divergences kept", o->run.diag.text,
			 name);
}

/* The end of the JSON document: the run's profile, the diagnosis, model tallies and accounting. */
static void add_json_summary(struct cli_json *j, const struct replay_result *res,
			     const struct cli_filters *f, const struct check_outcome *o)
{
	cli_json_add(j, "profile", cli_json_string(vgic_profile_name(res->profile)));
	cli_json_add(j, "profile_reason", cli_json_string(res->profile_reason));
	if (res->synthetic[0]) /* only then: a recording's document is as it always was */
		cli_json_add(j, "synthetic", cli_json_string(res->synthetic));
	if (o->run.diagnosed)
		cli_json_add(j, "diagnosis", diagnosis_json(o));
	if (!res->has_snapshots)
		cli_json_add(j, "inconclusive", cli_json_string(inconclusive_msg));
	cli_json_add(j, "checks_run", cli_json_string(res->checks_run));
	cli_json_add(j, "events", json_object_new_int64(res->events));
	cli_json_add(j, "model", model_json(res));
	cli_json_open_array(j, "accounting");
	for (size_t i = 0; i < res->ncounts; i++)
		if (count_wanted(f, &res->counts[i]))
			cli_json_add(j, NULL, count_json(&res->counts[i]));
	cli_json_close(j);
}

/*
 * The check as one JSON document (docs/schemas/check.schema.json): each
 * finding and accounting row an element written as it comes.
 */
static int print_outcome_json(const struct check_args *a, const struct check_outcome *o)
{
	struct cli_json j;

	cli_json_begin(&j, stdout);
	cli_json_add(&j, "trace", cli_json_string(a->path));
	cli_json_add_filters(&j, &a->filters, a->opt.from_ns, a->opt.to_ns);
	cli_json_open_array(&j, "findings");
	for (size_t i = 0; i < o->found.n; i++)
		cli_json_add(&j, NULL, finding_json(&o->found.f[i]));
	cli_json_close(&j);
	add_json_summary(&j, &o->run.res, &a->filters, o);
	return cli_json_end(&j);
}

/* Print the check's findings, then its summary (text or JSON); 0, or 2 when writing failed. */
static int print_outcome(const struct check_args *a, const struct check_outcome *o)
{
	char diagnosis[sizeof(o->run.diag.text) + 128];

	if (a->json)
		return print_outcome_json(a, o);
	if (o->run.diagnosed)
		diagnosis_line(a, o, diagnosis, sizeof(diagnosis));
	for (size_t i = 0; i < o->found.n; i++)
		print_finding(&o->found.f[i]);
	if (!a->quiet)
		print_text_summary(&o->run.res, &a->filters, o->found.n > 0,
				   o->run.diagnosed ? diagnosis : NULL);
	else if (o->run.diagnosed)
		printf("diagnosis: %s\n", diagnosis);
	return 0;
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
		rc = compare_profiles(db, &a);
		tracedb_close(db);
		return rc;
	}
	memset(&o, 0, sizeof(o));
	if (run_check(db, &a, &o, &err)) {
		cli_error("%s: %s", a.path, err.msg);
		replay_result_free(&o.run.res);
		free(o.found.f);
		tracedb_close(db);
		return 2;
	}
	serious = (int)(o.run.res.findings - o.run.res.findings_by_kind[FINDING_TRACE_GAP]);
	rc = print_outcome(&a, &o);
	if (!rc)
		rc = serious ? 1 : o.run.res.has_snapshots ? 0 : 3;
	if (rc == 3)
		fprintf(stderr, "vgic-replay: %s: %s\n", a.path, inconclusive_msg);
	replay_result_free(&o.run.res);
	free(o.found.f);
	tracedb_close(db);
	return rc;
}
