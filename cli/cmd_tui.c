/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay tui`: options, then the browser in ui/tui.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "../ui/tui.h"
#include "../engine/vgic_engine.h"
#include "cli.h"

static const char tui_usage[] =
	"Usage: vgic-replay tui [--ascii] [--no-color] [--read-only] TRACE.db\n"
	"\n"
	"Browse a trace: one lane per vCPU (guest running, host, WFI), a bar per\n"
	"interrupt (pending, active), the LR occupancy, findings and gaps, the event\n"
	"and LRs under the cursor. Press ? inside for the keys. Needs 80x24.\n"
	"Zoomed-out screens come from per-zoom summaries that `import` stores in\n"
	"the file (tables tui_summary*). A trace without them (recorded, or from an\n"
	"older vgic-replay) gets them at its first open: stored in the file, or in\n"
	"memory for a read-only file or with --read-only.\n"
	"\n"
	"Options:\n"
	"      --ascii     ASCII instead of UTF-8 block characters\n"
	"      --no-color  monochrome (also when NO_COLOR is set and not empty)\n"
	"      --read-only never write to the trace file\n"
	"  -p, --profile NAME  show the findings `check --store` kept under NAME\n"
	"                  (default: the profile of the trace's own kernel; a run\n"
	"                  under another profile is a what-if, not the trace's)\n"
	"      --keys      print the key table (Markdown) and exit\n"
	"  -h, --help      show this help\n";

/* Parse the options and run the browser. */
int cmd_tui(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"ascii", no_argument, NULL, 'a'},
		{"no-color", no_argument, NULL, 'c'},
		{"read-only", no_argument, NULL, 'r'},
		{"keys", no_argument, NULL, 'k'},
		{"profile", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tui_options o = {0, 0, 0, NULL};
	int c;

	/* The no-color.org convention: NO_COLOR set to anything but "". */
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		o.no_color = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hp:", longopts, NULL)) != -1) {
		if (c == 'p')
			o.profile = optarg;
		else if (c == 'a')
			o.ascii = 1;
		else if (c == 'c')
			o.no_color = 1;
		else if (c == 'r')
			o.read_only = 1;
		else if (c == 'k') {
			tui_print_keys(stdout);
			return 0;
		}
		else if (c == 'h') {
			fputs(tui_usage, stdout);
			return 0;
		} else {
			fputs(tui_usage, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(tui_usage, stderr);
		return 2;
	}
	if (o.profile && !vgic_profile_find(o.profile)) {
		cli_error("tui: unknown profile '%s'; see 'vgic-replay check --list-profiles'",
			  o.profile);
		return 2;
	}
	return tui_run(argv[optind], &o);
}
