/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay import FILE -o trace.db`: the command-line face of
 * collector/import/import.h. Once the trace is complete it also stores the
 * TUI's per-zoom summaries in it (ui/timeline.c), so that the first `tui`
 * of a big trace reads them instead of scanning every event.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector/import/import.h"
#include "cli.h"

static const char import_usage[] =
	"Usage: vgic-replay import [options] FILE -o TRACE.db\n"
	"\n"
	"Import an ftrace text trace (cat /sys/kernel/tracing/trace, or trace_pipe;\n"
	"plain or compressed with xz, gzip or zstd) or a trace-cmd trace.dat (plain or\n"
	"compressed) into a vgic-replay trace database. FILE '-' reads standard input,\n"
	"compressed or not. Decompression runs in process (liblzma, zlib, libzstd).\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE     the trace database to write (required)\n"
	"  -f, --force           replace FILE if it exists (atomically, on success)\n"
	"      --format FMT      'ftrace' or 'trace-cmd' instead of detecting it\n"
	"  -k, --kernel RELEASE  the recording kernel's release (ftrace text has none)\n"
	"      --gic 2|3         the host GIC version, when no snapshot tells it\n"
	"  -q, --quiet           print nothing on success (no summary or progress)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Events: vgic_update_irq_pending, kvm_irq_line, kvm_set_irq, kvm_ack_irq,\n"
	"kvm_entry, kvm_exit, kvm_vcpu_wakeup, kvm_wfx_arm64, kvm_timer_update_irq,\n"
	"kvm_userspace_exit, kvm_mmio, and kprobe snapshots of kvm_vgic_flush_hwstate\n"
	"(return), vgic_v[23]_fold_lr_state (entry), kvm_vgic_sync_hwstate (return) and\n"
	"vgic_v[23]_populate_lr (entry), trapped DIRs at vgic_v[23]_deactivate, sent\n"
	"SGIs at vgic_v3_dispatch_sgi / vgic_mmio_write_sgir and queued LPIs at\n"
	"vgic_queue_irq_unlock (all as `vgic-replay probes` writes them).\n"
	"Other events are counted, not imported;\n"
	"lines that cannot be parsed are counted with their line numbers.\n"
#ifndef VR_NO_TUI
	"The per-zoom summaries `vgic-replay tui` draws zoomed-out screens from are\n"
	"stored in the new file too (tables tui_summary*).\n"
#endif
	"\n"
	"Examples:\n"
	"  vgic-replay import trace.txt -o trace.db\n"
	"  vgic-replay import --kernel 6.12.100+deb12-arm64 trace.txt.xz -o trace.db\n"
	"  vgic-replay import trace.dat -o trace.db && vgic-replay info trace.db\n"
	"\n"
	"Exit status: 0 imported, 1 the input could not be imported, 2 usage error.\n";

/*
 * See cli.h. Say what the import stored but the user may not expect: an
 * input with no kvm event at all (a capture taken with the events off),
 * or time that runs backwards (a spliced capture), whose places are gaps.
 */
void cli_import_warnings(const struct import_options *opt, const struct import_result *res)
{
	if (!res->stats.events)
		cli_error("warning: %s: no kvm events in it; the trace is empty (were the kvm "
			  "events enabled? see 'vgic-replay probes')",
			  opt->input);
	if (res->backward_places)
		cli_error("warning: %s:%lld: time runs backwards (by up to %.6f s, at %lld "
			  "place%s); each place is stored as a gap, not replayed across",
			  opt->input, (long long)res->backward_pos,
			  (double)res->backward_largest_ns / 1e9, (long long)res->backward_places,
			  res->backward_places == 1 ? "" : "s");
}

/* Parse options, run the import, store the TUI's summaries, print a one-line summary. */
int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'F'}, {"kernel", required_argument, NULL, 'k'},
		{"gic", required_argument, NULL, 'g'},	  {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	struct import_options opt = {0};
	struct import_result res;
	struct vr_error err = {{0}};
	long long gic;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:fk:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt.output = optarg;
			break;
		case 'f':
			opt.force = 1;
			break;
		case 'F':
			if (!strcmp(optarg, "ftrace"))
				opt.format = IMPORT_FORMAT_FTRACE;
			else if (!strcmp(optarg, "trace-cmd"))
				opt.format = IMPORT_FORMAT_TRACECMD;
			else
				return cli_error("import: --format '%s' is not 'ftrace' or 'trace-cmd'",
						 optarg),
				       2;
			break;
		case 'k':
			opt.kernel = optarg;
			break;
		case 'g':
			if (cli_parse_integer("import", "--gic", optarg, 2, 3, &gic))
				return 2;
			opt.gic_version = (int)gic;
			break;
		case 'q':
			opt.quiet = 1;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return 0;
		default:
			return cli_option_error("import", c, argv, longopts);
		}
	}
	if (optind + 1 != argc || !opt.output)
		return cli_usage_error("import", "need exactly one input FILE and -o TRACE.db");
	opt.input = argv[optind];
	if (vr_import(&opt, &res, &err)) {
		cli_error("%s", err.msg);
		return 1;
	}
	cli_import_warnings(&opt, &res);
	cli_store_summaries("import", opt.output, opt.quiet);
	if (!opt.quiet)
		printf("%s: %lld events (%lld snapshots), %lld unparsed, %lld unknown, "
		       "%lld lost in %lld gaps; kernel %s\n",
		       opt.output, (long long)res.stats.events, (long long)res.stats.snapshots,
		       (long long)res.stats.unparsed, (long long)res.stats.unknown,
		       (long long)res.stats.lost, (long long)res.stats.gaps,
		       res.kernel_release[0] ? res.kernel_release : "unknown");
	return 0;
}
