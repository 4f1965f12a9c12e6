/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay tui`: options, then the browser in ui/tui.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "../ui/tui.h"
#include "../schemas/trace_reader.h"
#include "cli.h"

static const char tui_usage[] =
	"Usage: vgic-replay tui [options] TRACE\n"
	"\n"
	"Browse a trace: one lane per vCPU (guest running, host, WFI), a bar per\n"
	"interrupt (pending, active), the LR occupancy, findings and gaps, the event\n"
	"and LRs under the cursor. Press ? inside for the keys. Needs 80x24.\n"
	"Zoomed-out screens come from per-zoom summaries that `import` and `record`\n"
	"store in the file (tables tui_summary*). The trace file is never written:\n"
	"a trace without them (from an older vgic-replay) gets them in memory at\n"
	"each open, or stored in the file once with --store-summaries.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"      --ascii     ASCII instead of UTF-8 block characters\n"
	"      --no-color  monochrome (also when NO_COLOR is set and not empty)\n"
	"      --store-summaries  store the summaries the trace lacks in it (the\n"
	"                  only way tui writes to a trace)\n"
	"      --read-only never write to the trace file (the default)\n"
	"  -p, --profile NAME  show the findings `check --store` kept under NAME\n"
	"                  (default: the profile of the trace's own kernel; a run\n"
	"                  under another profile is a what-if, not the trace's)\n"
	"      --vcpu N    start filtered to vCPU N (the f key: vN)\n"
	"      --intid N   start filtered to INTID N (the f key: N)\n"
	"      --from T    start on the window from T to T; T is absolute ns, or\n"
	"      --to T      '+' and a unit from the trace start: +250ms, +1.5s\n"
	"      --keys      print the key table (Markdown) and exit\n"
	"  -h, --help      show this help\n";

/*
 * The window and filter to start on, from --vcpu/--intid/--from/--to:
 * relative times counted from the trace's start, a vCPU the trace does
 * not have refused. 0, or 2 after one error line (said before curses
 * takes the terminal).
 */
static int resolve_start(const char *path, const char *name, const struct cli_filters *f,
			 struct tui_start *start)
{
	struct vr_error err = {{0}};
	struct trace_facts facts;
	struct tracedb *db = tracedb_open(path, TRACEDB_READONLY, &err);
	int rc = 0;

	if (!db) {
		cli_error("%s", err.msg);
		return 2;
	}
	start->vcpu = f->vcpu;
	start->intid = f->intid;
	if (cli_filters_window("tui", f, db, &start->from_ns, &start->to_ns)) {
		rc = 2;
	} else if (trace_facts_read(db, &facts, &err)) {
		cli_error("%s: %s", name, err.msg);
		rc = 2;
	} else if (f->vcpu != VR_NO_VALUE && f->vcpu >= facts.nr_vcpus) {
		cli_error("tui: --vcpu %lld: %s has vCPUs 0 to %d", (long long)f->vcpu, name,
			  facts.nr_vcpus - 1);
		rc = 2;
	}
	tracedb_close(db);
	return rc;
}

/*
 * Parse tui's command line into o and f; -1 to go on, else the exit
 * status (--help, --keys, a usage error).
 */
static int parse_tui_args(int argc, char **argv, struct tui_options *o, struct cli_filters *f)
{
	static const struct option longopts[] = {
		{"ascii", no_argument, NULL, 'a'},
		{"no-color", no_argument, NULL, 'c'},
		{"read-only", no_argument, NULL, 'r'},
		{"store-summaries", no_argument, NULL, 's'},
		{"keys", no_argument, NULL, 'k'},
		{"profile", required_argument, NULL, 'p'},
		CLI_FILTER_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	cli_filters_init(f);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hp:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->profile = optarg;
			break;
		case 'a':
			o->ascii = 1;
			break;
		case 'c':
			o->no_color = 1;
			break;
		case 'r':
			o->store_summaries = 0;
			break;
		case 's':
			o->store_summaries = 1;
			break;
		CLI_FILTER_CASES:
			if (cli_filters_option("tui", c, optarg, f))
				return 2;
			break;
		case 'k':
			tui_print_keys(stdout);
			return 0;
		case 'h':
			fputs(tui_usage, stdout);
			return 0;
		default:
			return cli_option_error("tui", c, argv, longopts);
		}
	}
	if (cli_one_trace("tui", argc))
		return 2;
	return cli_check_profile("tui", o->profile) ? 2 : -1;
}

/* Parse the options and run the browser. */
int cmd_tui(int argc, char **argv)
{
	struct tui_options o = {0};
	struct tui_start start;
	struct cli_filters f;
	const char *path;
	int rc;

	/* The no-color.org convention: NO_COLOR set to anything but "". */
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		o.no_color = 1;
	rc = parse_tui_args(argc, argv, &o, &f);
	if (rc >= 0)
		return rc;
	path = cli_trace_path(argv[optind], 0); /* a capture: its import */
	if (!path)
		return 2;
	o.name = argv[optind];
	if (f.vcpu != VR_NO_VALUE || f.intid != VR_NO_VALUE || f.from.given || f.to.given) {
		if (resolve_start(path, argv[optind], &f, &start))
			return 2;
		o.start = &start;
	}
	return tui_run(path, &o);
}
