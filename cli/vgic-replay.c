/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgic-replay: record, import, replay and browse what the KVM/arm64
 * virtual interrupt controller did. This file only dispatches to the
 * subcommands; each lives in its own cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "../common/vr_common.h"
#include "cli.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{"record", cmd_record, "record the vGIC of this arm64 KVM host with BPF"},
	{"import", cmd_import, "turn an ftrace text trace or a trace-cmd trace.dat into a trace db"},
	{"info", cmd_info, "summarise a trace database"},
	{"sql", cmd_sql, "run an SQL query on a trace database"},
	{"check", cmd_check, "replay a trace: lost interrupts, wrong deactivations, gaps"},
	{"predict", cmd_predict, "run the vGIC model over a trace; compare every flush"},
#ifndef VR_NO_TUI
	{"tui", cmd_tui, "browse a trace: vCPU timelines, interrupts, LRs, findings"},
#endif
	{"top", cmd_top, "live view per VM and vCPU: rates, LR occupancy, findings so far"},
	{"report", cmd_report, "interrupt latency histograms and per-INTID accounting"},
	{"export", cmd_export, "write a checked trace for Perfetto's UI (trace-event JSON)"},
	{"probes", cmd_probes, "print kprobe definitions for LR snapshots (offsets from BTF)"},
};

/* The top-level usage, listing every subcommand. */
static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: vgic-replay <command> [options] [args]\n\n"
		     "Find lost interrupts and wrong deactivations in KVM/arm64 vGIC traces.\n\n"
		     "Commands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\nOptions:\n"
		     "  -h, --help     show this help\n"
		     "  -V, --version  show the version\n\n"
		     "Run 'vgic-replay <command> --help' (or 'vgic-replay help <command>') for a\n"
		     "command's options.\n"
		     "The trace database format is documented in docs/trace-format.md.\n");
}

/* Dispatch argv[1] to its subcommand. */
int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") && argc > 2) { /* help CMD: CMD --help, as git does */
		char *args[] = {argv[2], "--help", NULL};

		for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
			if (!strcmp(argv[2], subcommands[i].name))
				return subcommands[i].run(2, args);
		cli_error("'%s' is not a command; see 'vgic-replay --help'", argv[2]);
		return 2;
	}
	if (cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("vgic-replay %s\n", VR_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	cli_error("'%s' is not a command; see 'vgic-replay --help'", argv[1]);
	return 2;
}
