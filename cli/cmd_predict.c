/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay predict trace.db`: run the engine's model of KVM's vGIC
 * over a trace and report how many flushes it predicted exactly.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../replay/predict.h"
#include "../replay/replay.h"
#include "cli.h"
#include "cli_json.h"

static const char predict_usage[] =
	"Usage: vgic-replay predict [options] TRACE\n"
	"\n"
	"Drive the vGIC model (engine/) with the trace's injections and the registers the\n"
	"hardware handed back at each exit, predict the list registers of every flush,\n"
	"and compare them with what the kernel programmed. Needs LR snapshots.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"  -p, --profile NAME  linux-6.12, linux-6.19, linux-7.0 or gicv5 (default: check's:\n"
	"                      the kernel release's, or the one check's diagnosis finds\n"
	"                      the kernel behaving like)\n"
	"      --vcpu N        compare only the flushes and AP lists of vCPU N\n"
	"      --intid N       ... only those holding INTID N (recorded LRs, AP list)\n"
	"      --from T        ... only those at or after T, and at or before T; T is\n"
	"      --to T          absolute ns, or '+' and a unit from the trace start:\n"
	"                      +250ms, +1.5s, +20us, +1000ns (the model still follows\n"
	"                      every event, so that the state of the window is known)\n"
	"      --raw           print the first differing flush's LRs as hex values, not\n"
	"                      decoded ('43 active p40', ' HW p27' when HW is set)\n"
	"      --json          print one JSON document (LRs both decoded and in hex)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 every flush (and, in a collector's recording, every AP list after\n"
	"the prune) predicted, 1 some differ, 2 error.\n";

/*
 * Parse predict's command line into opt and f; -1 to go on, else the exit
 * status (--help, a usage error).
 */
static int parse_predict_args(int argc, char **argv, struct replay_options *opt,
			      struct cli_filters *f, int *raw, int *json)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'p'},
		CLI_FILTER_LONGOPTS,
		{"raw", no_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	cli_filters_init(f);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt->profile = optarg;
			break;
		CLI_FILTER_CASES:
			if (cli_filters_option("predict", c, optarg, f))
				return 2;
			break;
		case 'r':
			*raw = 1;
			break;
		case 'j':
			*json = 1;
			break;
		case 'h':
			fputs(predict_usage, stdout);
			return 0;
		default:
			return cli_option_error("predict", c, argv, longopts);
		}
	}
	if (cli_one_trace("predict", argc))
		return 2;
	opt->vcpu = f->vcpu;
	opt->intid = f->intid;
	return cli_check_profile("predict", opt->profile) ? 2 : -1;
}

/*
 * The first differing flush's LRs, recorded and predicted: decoded as the
 * TUI shows them, the bits that differ in hex when the words are the same,
 * or (raw) the values in hex only.
 */
static void print_mismatch_lrs(const struct predict_result *r, int gic_version, int raw)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t rec = r->mismatch_lr[0][i], pred = r->mismatch_lr[1][i];
		char a[64], b[64];

		if (raw) {
			printf("  LR%d recorded 0x%016llx predicted 0x%016llx\n", i,
			       (unsigned long long)rec, (unsigned long long)pred);
			continue;
		}
		vgic_lr_describe(gic_version, rec, a, sizeof(a));
		vgic_lr_describe(gic_version, pred, b, sizeof(b));
		printf("  LR%d recorded %-24s predicted %s", i, a, b);
		if (rec != pred && !strcmp(a, b))
			printf(" (other bits differ: 0x%016llx)", (unsigned long long)(rec ^ pred));
		printf("\n");
	}
}

/* The first differing flush in the JSON document: its LRs recorded and predicted. */
static json_object *mismatch_json(const struct predict_result *r, int gic_version)
{
	json_object *o = json_object_new_object(), *lrs = json_object_new_array();

	json_object_object_add(o, "event", json_object_new_int64(r->first_mismatch_event));
	json_object_object_add(o, "recorded_lrs", json_object_new_int(r->mismatch_used[0]));
	json_object_object_add(o, "predicted_lrs", json_object_new_int(r->mismatch_used[1]));
	for (int i = 0; i < 4; i++) {
		json_object *lr = json_object_new_object();

		json_object_object_add(lr, "lr", json_object_new_int(i));
		for (int k = 0; k < 2; k++) {
			char text[64], hex[24];

			vgic_lr_describe(gic_version, r->mismatch_lr[k][i], text, sizeof(text));
			snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)r->mismatch_lr[k][i]);
			json_object_object_add(lr, k ? "predicted" : "recorded", cli_json_string(hex));
			json_object_object_add(lr, k ? "predicted_text" : "recorded_text",
					       cli_json_string(text));
		}
		json_object_array_add(lrs, lr);
	}
	json_object_object_add(o, "lrs", lrs);
	return o;
}

/* The model's agreement as one JSON document (docs/schemas/predict.schema.json). */
static int print_predict_json(const char *path, const struct cli_filters *f,
			      const struct replay_options *opt, const struct predict_result *r,
			      int gic_version)
{
	struct cli_json j;

	cli_json_begin(&j, stdout);
	cli_json_add(&j, "trace", cli_json_string(path));
	cli_json_add_filters(&j, f, opt->from_ns, opt->to_ns);
	cli_json_add(&j, "profile", cli_json_string(r->profile));
	cli_json_add_ints(&j, CLI_JSON_INTS({"configured", r->configured}, {"flushes", r->flushes},
					    {"exact", r->exact}, {"raced", r->raced},
					    {"reordered", r->reordered},
					    {"mismatched", r->mismatched}));
	cli_json_add(&j, "agreement_percent",
		     r->flushes ? json_object_new_double(100.0 * (double)(r->exact + r->reordered) /
							 (double)r->flushes)
				: NULL);
	cli_json_add_ints(&j, CLI_JSON_INTS({"folds", r->folds},
					    {"eoicount_deactivations", r->eoicount_deactivations},
					    {"unknown", r->unknown}, {"dir_exits", r->dir_exits},
					    {"dir_found", r->dir_found},
					    {"deactivates", r->deactivates}, {"sgis", r->sgis},
					    {"ap_lists", r->ap_lists}, {"ap_agree", r->ap_agree},
					    {"ap_unknown", r->ap_unknown}));
	if (r->first_ap_diff_event) {
		json_object *ap = json_object_new_object();

		json_object_object_add(ap, "event", json_object_new_int64(r->first_ap_diff_event));
		json_object_object_add(ap, "text", cli_json_string(r->first_ap_diff));
		cli_json_add(&j, "first_ap_difference", ap);
	} else {
		cli_json_add(&j, "first_ap_difference", NULL);
	}
	cli_json_add(&j, "first_difference", r->mismatched ? mismatch_json(r, gic_version) : NULL);
	return cli_json_end(&j);
}

/*
 * The agreement as text: the profile, the flushes by how they compared,
 * what the trace left unnamed, the AP lists, and the first difference
 * with its LRs side by side.
 */
static void print_predict_text(const char *path, const struct predict_result *r,
			       const char *why, int gic_version, int raw)
{
	printf("%s: profile %s, %d interrupts configured from their LRs\n", path,
	       r->profile, r->configured);
	if (why[0]) /* the kernel disagreed with its release's profile, as check says */
		printf("profile %s %s\n", r->profile, why);
	printf("flushes %lld: %lld exact (%lld of them with injections still in flight "
	       "queued after the flush), %lld same LRs in another order, %lld different "
	       "(%.2f%% agreement); %lld folds, %lld EOIcount deactivations\n",
	       (long long)r->flushes, (long long)r->exact, (long long)r->raced, (long long)r->reordered,
	       (long long)r->mismatched,
	       r->flushes ? 100.0 * (double)(r->exact + r->reordered) / (double)r->flushes : 100.0,
	       (long long)r->folds, (long long)r->eoicount_deactivations);
	if (r->dir_exits || r->unknown || r->deactivates || r->sgis)
		printf("trapped DIRs the trace does not name: %lld (%lld pinned down by the next "
		       "flush); %lld flushes not compared (vCPU state unknown); %lld vgic_deactivate "
		       "and %lld vgic_sgi events applied\n",
		       (long long)r->dir_exits, (long long)r->dir_found, (long long)r->unknown,
		       (long long)r->deactivates, (long long)r->sgis);
	if (r->ap_lists || r->ap_unknown)
		printf("AP lists after the prune %lld: %lld alike, %lld different, %lld not compared "
		       "(vCPU state unknown)\n",
		       (long long)r->ap_lists, (long long)r->ap_agree, (long long)(r->ap_lists - r->ap_agree),
		       (long long)r->ap_unknown);
	if (r->first_ap_diff_event)
		printf("first AP list that differs at event %lld: %s\n",
		       (long long)r->first_ap_diff_event, r->first_ap_diff);
	if (r->mismatched) {
		printf("first difference at event %lld: recorded %d LRs, predicted %d\n",
		       (long long)r->first_mismatch_event, r->mismatch_used[0], r->mismatch_used[1]);
		print_mismatch_lrs(r, gic_version, raw);
	}
}

/* Run the replay (replay/driver.c) and print the model's agreement. */
int cmd_predict(int argc, char **argv)
{
	struct replay_options opt = {0};
	struct vr_error err = {{0}};
	struct replay_checked run;
	struct predict_result r;
	struct cli_filters f;
	struct tracedb *db;
	int rc, has_snapshots, filtered, gic_version, raw = 0, json = 0;
	char why[sizeof(run.diag.text) + 16];

	rc = parse_predict_args(argc, argv, &opt, &f, &raw, &json);
	if (rc >= 0)
		return rc;
	db = cli_open_trace(argv[optind], 0);
	if (!db)
		return 2;
	if (cli_filters_window("predict", &f, db, &opt.from_ns, &opt.to_ns)) {
		tracedb_close(db);
		return 2;
	}
	rc = replay_check_diagnosed(db, &opt, NULL, NULL, NULL, &run, &err);
	tracedb_close(db);
	if (rc) {
		cli_error("%s: %s", argv[optind], err.msg);
		replay_result_free(&run.res);
		return 2;
	}
	r = run.res.model;
	snprintf(why, sizeof(why), "%s%s", run.switched ? "diagnosed: " : "",
		 run.switched ? run.diag.text : "");
	has_snapshots = run.res.has_snapshots;
	gic_version = run.res.gic_version;
	replay_result_free(&run.res);
	filtered = f.vcpu != VR_NO_VALUE || f.intid != VR_NO_VALUE || f.from.given || f.to.given;
	if (!r.flushes && !r.ap_lists && has_snapshots && filtered) {
		if (json)
			return print_predict_json(argv[optind], &f, &opt, &r, gic_version);
		printf("%s: profile %s: no flush or AP list in the --vcpu/--intid/--from/--to "
		       "window, nothing compared\n",
		       argv[optind], r.profile);
		return 0;
	}
	if (!r.flushes) {
		cli_error("%s: no flush snapshots, nothing to predict (the trace has no LR "
			  "snapshots; 'vgic-replay check' runs the checks its events support)",
			  argv[optind]);
		return 2;
	}
	if (json) {
		rc = print_predict_json(argv[optind], &f, &opt, &r, gic_version);
		return rc ? rc : r.mismatched || r.ap_agree < r.ap_lists ? 1 : 0;
	}
	print_predict_text(argv[optind], &r, why, gic_version, raw);
	return r.mismatched || r.ap_agree < r.ap_lists ? 1 : 0;
}
