/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay top [TRACE]`: options, then the view in ui/top.c, on the
 * live collector or on a stored trace.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../ui/top.h"
#include "cli.h"

static const char top_usage[] =
	"Usage: vgic-replay top [options]          (live: this host's KVM guests)\n"
	"       vgic-replay top [options] TRACE    (a recorded trace, replayed)\n"
	"       vgic-replay top [options] --from-trace TRACE (a trace played as live)\n"
	"\n"
	"A live view of the vGIC, as kvm_stat and `perf kvm stat live` show KVM's: per\n"
	"VM and vCPU, the rates of injections and acknowledgements (check's accounting),\n"
	"guest exits, the LR occupancy at the flushes, exits with the LRs overflowed,\n"
	"exits with an EOIcount, trapped DIRs; the events lost and the findings so far.\n"
	"Live, it attaches the collector's BPF probes as `record` does (root, BTF), and\n"
	"checks the records as they arrive as `record --watch` does (check's code): it\n"
	"learns the run from its first second, then counts.\n"
	"On a TRACE it replays the recording an interval at a time, at the recorded\n"
	"speed (batch mode: as fast as it can); the intervals are trace time.\n"
	"Press ? inside for the keys. Needs 80x12.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"  -b, --batch        plain text on standard output, one table per interval (logs)\n"
	"  -d, --delay SECS   seconds per interval (default 1)\n"
	"  -n, --iterations N stop after N intervals (default: the end of TRACE, or q)\n"
	"  -c, --counts       each interval's counts instead of rates per second\n"
	"  -s, --sort KEY     sort on a column: its key or title (i or INJ, a or ACK, ...;\n"
	"                     default: v, by vCPU)\n"
	"  -r, --reverse      reverse the sort\n"
	"      --no-color     monochrome (also when NO_COLOR is set and not empty)\n"
	"  -p, --profile NAME TRACE: the kernel behaviour whose findings are counted\n"
	"                     (default: as check picks it)\n"
	"      --pid PID      live: only this VMM\n"
	"      --vcpu N       live: only vCPU N\n"
	"      --gic 2|3      live: the host GIC (default: from /proc/interrupts)\n"
	"      --from-trace TRACE play a stored trace into the live view's path (its\n"
	"                     records checked as a live host's, as fast as they are\n"
	"                     checked; intervals are wall-clock time): to rehearse and\n"
	"                     test the live view without a kernel\n"
	"  -v, --verbose      live: libbpf's messages and every attached hook\n"
	"      --keys         print the key table (Markdown) and exit\n"
	"  -h, --help         show this help\n"
	"\n"
	"Examples:\n"
	"  sudo vgic-replay top\n"
	"  vgic-replay top -b -d 0.5 -n 10 trace.db\n";

/* The long options without a letter. */
enum top_option {
	TOP_OPT_NO_COLOR = 0x200,
	TOP_OPT_PID,
	TOP_OPT_VCPU,
	TOP_OPT_GIC,
	TOP_OPT_KEYS,
	TOP_OPT_FROM_TRACE,
};

struct top_args {
	struct top_options o;
	struct top_live_options live;
	const char *profile;
	const char *from_trace; /* --from-trace */
};

/* The column --sort names, by its key letter or its title; 0, or 2 after an error line. */
static int parse_sort(const char *arg, struct top_options *o)
{
	for (int c = 0; c < top_ncolumns; c++)
		if ((arg[0] == top_columns[c].key && !arg[1]) || !strcasecmp(arg, top_columns[c].title)) {
			o->sort = c;
			return 0;
		}
	return cli_usage_error("top", "--sort '%s' is not a column (see --keys)", arg);
}

/* An option with a checked value; 0, or 2 after an error line. */
static int valued_option(int c, const char *arg, struct top_args *a)
{
	long long n;

	switch (c) {
	case 'd':
		return cli_parse_number("top", "--delay", arg, 0, 86400, "seconds", &a->o.delay);
	case 'n':
		if (cli_parse_integer("top", "--iterations", arg, 1, INT64_MAX, &n))
			return 2;
		a->o.iterations = n;
		return 0;
	case 's':
		return parse_sort(arg, &a->o);
	case TOP_OPT_PID:
		if (cli_parse_integer("top", "--pid", arg, 1, 4194304, &n))
			return 2;
		a->live.pid = (int)n;
		return 0;
	case TOP_OPT_VCPU:
		if (cli_parse_integer("top", "--vcpu", arg, 0, 4095, &n))
			return 2;
		a->live.vcpu = (int)n;
		return 0;
	case TOP_OPT_GIC:
		if (cli_parse_integer("top", "--gic", arg, 2, 3, &n))
			return 2;
		a->live.gic_version = (int)n;
		return 0;
	default:
		return 0;
	}
}

/* Parse top's command line; -1 to go on, else the exit status. */
static int parse_top_args(int argc, char **argv, struct top_args *a)
{
	static const struct option longopts[] = {
		{"batch", no_argument, NULL, 'b'},
		{"delay", required_argument, NULL, 'd'},
		{"iterations", required_argument, NULL, 'n'},
		{"counts", no_argument, NULL, 'c'},
		{"sort", required_argument, NULL, 's'},
		{"reverse", no_argument, NULL, 'r'},
		{"no-color", no_argument, NULL, TOP_OPT_NO_COLOR},
		{"profile", required_argument, NULL, 'p'},
		{"pid", required_argument, NULL, TOP_OPT_PID},
		{"vcpu", required_argument, NULL, TOP_OPT_VCPU},
		{"gic", required_argument, NULL, TOP_OPT_GIC},
		{"verbose", no_argument, NULL, 'v'},
		{"keys", no_argument, NULL, TOP_OPT_KEYS},
		{"from-trace", required_argument, NULL, TOP_OPT_FROM_TRACE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":bd:n:cs:rp:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			a->o.batch = 1;
			break;
		case 'c':
			a->o.counts = 1;
			break;
		case 'r':
			a->o.reverse = 1;
			break;
		case TOP_OPT_NO_COLOR:
			a->o.no_color = 1;
			break;
		case 'p':
			a->profile = optarg;
			break;
		case 'v':
			a->live.verbose = 1;
			break;
		case TOP_OPT_FROM_TRACE:
			a->from_trace = optarg;
			break;
		case 'd': case 'n': case 's': case TOP_OPT_PID: case TOP_OPT_VCPU: case TOP_OPT_GIC:
			if (valued_option(c, optarg, a))
				return 2;
			break;
		case TOP_OPT_KEYS:
#ifndef VR_NO_TUI
			top_print_keys(stdout);
			return 0;
#else
			return cli_usage_error("top", "this build has no curses: no keys (batch mode, -b)");
#endif
		case 'h':
			fputs(top_usage, stdout);
			return 0;
		default:
			return cli_option_error("top", c, argv, longopts);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("top", "more than one TRACE given");
	if (a->from_trace && optind < argc)
		return cli_usage_error("top", "--from-trace plays its TRACE as live: no TRACE after it");
	if (a->from_trace && (a->live.pid || a->live.vcpu >= 0 || a->live.gic_version))
		return cli_usage_error("top", "--pid, --vcpu and --gic are for the live probes, not "
					      "--from-trace");
	if (optind < argc && (a->live.pid || a->live.vcpu >= 0 || a->live.gic_version))
		return cli_usage_error("top", "--pid, --vcpu and --gic are for the live view, not a TRACE");
#ifdef VR_NO_TUI
	if (!a->o.batch)
		return cli_usage_error("top", "this build has no curses (the static build): use -b");
#endif
	if (optind == argc && a->profile)
		return cli_usage_error("top", "--profile is for a TRACE (live: the kernel's own "
					      "profile, or the one the diagnosis matches)");
	return cli_check_profile("top", a->profile) ? 2 : -1;
}

/* top on a stored trace (or a capture, through its import). */
static int top_on_trace(const char *arg, struct top_args *a)
{
	struct vr_error err = {{0}};
	struct top_input in;
	struct top_trace *tt;
	const char *path = cli_trace_path(arg, a->o.batch);
	int rc;

	if (!path)
		return 2;
	tt = top_trace_open(path, a->profile, &in, &err);
	if (!tt) {
		cli_error("%s: %s", arg, err.msg);
		return 2;
	}
	a->o.title = arg;
	rc = top_run(&in, &a->o);
	top_trace_close(tt);
	return rc;
}

/* top on this host's guests, through the collector's probes. */
static int top_live(struct top_args *a)
{
	struct vr_error err = {{0}};
	struct top_input in;
	struct top_live *tl = top_live_open(&a->live, &in, &err);
	int rc;

	if (!tl) {
		cli_error("top: %s", err.msg);
		return 1;
	}
	a->o.title = "live";
	rc = top_run(&in, &a->o);
	top_live_close(tl);
	return rc;
}

/* top --from-trace: a stored trace through the live view's path. */
static int top_from_trace(struct top_args *a)
{
	struct vr_error err = {{0}};
	struct top_input in;
	struct top_played *tp;
	const char *path = cli_trace_path(a->from_trace, a->o.batch);
	int rc;

	if (!path)
		return 2;
	tp = top_played_open(path, &in, &err);
	if (!tp) {
		cli_error("%s: %s", a->from_trace, err.msg);
		return 2;
	}
	a->o.title = a->from_trace;
	rc = top_run(&in, &a->o);
	top_played_close(tp);
	return rc;
}

/* Parse the options and run the view. */
int cmd_top(int argc, char **argv)
{
	struct top_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.o.delay = 1;
	a.o.sort = top_column_of_key('v');
	a.live.vcpu = -1;
	/* The no-color.org convention: NO_COLOR set to anything but "". */
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		a.o.no_color = 1;
	rc = parse_top_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.from_trace)
		return top_from_trace(&a);
	return optind < argc ? top_on_trace(argv[optind], &a) : top_live(&a);
}
