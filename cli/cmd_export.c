// SPDX-License-Identifier: GPL-2.0
/*
 * `vgic-replay export --format perfetto|html -o OUT TRACE.db`: the trace
 * as check sees it, for Perfetto's UI and chrome://tracing, or as one
 * self-contained HTML page (replay/export.c, replay/export_html.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../replay/export.h"
#include "../replay/replay.h"
#include "../schemas/tracedb.h"
#include "cli.h"

static const char export_usage[] =
	"Usage: vgic-replay export --format perfetto|html -o OUT [options] TRACE\n"
	"\n"
	"Replay a trace as check does (nothing is stored) and write it for another viewer.\n"
	"perfetto: Chrome's trace-event JSON, which https://ui.perfetto.dev and\n"
	"chrome://tracing open: a track per vCPU (guest, host, WFI), a track per\n"
	"interrupt on each vCPU it reached (its LR state: pending, active, both),\n"
	"the LRs in use as a counter, injections as instants, each finding as an\n"
	"instant with flow arrows from the events that prove it; kernel, GIC and\n"
	"profile in the metadata.\n"
	"html: one self-contained page (no script, nothing fetched): the summary, every\n"
	"finding with an SVG timeline of its vCPU and interrupt and its proving\n"
	"events, the latency histograms, the accounting.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"  -f, --format NAME   perfetto or html\n"
	"  -o, --output FILE   where to write it ('-': standard output); an existing\n"
	"                      file is replaced only when the export succeeds\n"
	"  -p, --profile NAME  kernel behaviour to replay under (default: as check picks)\n"
	"      --vcpu N        export vCPU N only\n"
	"      --intid N       ... interrupt tracks and findings of INTID N only\n"
	"      --from T        ... only at or after T, and at or before T; T is absolute\n"
	"      --to T          ns, or '+' and a unit from the trace start (+1.5s)\n"
	"  -q, --quiet         print nothing on success\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 written, 2 error (bad arguments, an unreadable trace, a file\n"
	"that cannot be written).\n"
	"\n"
	"Examples:\n"
	"  vgic-replay export --format perfetto -o run.json trace.db\n"
	"  vgic-replay export --format html -o report.html trace.db\n";

struct export_args {
	struct export_options o;
	struct cli_filters filters;
	const char *format, *output;
	int quiet;
};

/* Parse export's command line; -1 to go on, else the exit status. */
static int parse_export_args(int argc, char **argv, struct export_args *a)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"profile", required_argument, NULL, 'p'},
		CLI_FILTER_LONGOPTS,
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	cli_filters_init(&a->filters);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:p:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			a->format = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'p':
			a->o.profile = optarg;
			break;
		case 'q':
			a->quiet = 1;
			break;
		CLI_FILTER_CASES:
			if (cli_filters_option("export", c, optarg, &a->filters))
				return 2;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			return cli_option_error("export", c, argv, longopts);
		}
	}
	if (!a->format)
		return cli_usage_error("export", "--format is required (perfetto or html)");
	if (!strcmp(a->format, "perfetto"))
		a->o.format = EXPORT_PERFETTO;
	else if (!strcmp(a->format, "html"))
		a->o.format = EXPORT_HTML;
	else
		return cli_usage_error("export", "unknown format '%s' (perfetto or html)", a->format);
	if (!a->output)
		return cli_usage_error("export", "-o OUT is required");
	if (cli_one_trace("export", argc))
		return 2;
	a->o.vcpu = a->filters.vcpu;
	a->o.intid = a->filters.intid;
	a->o.trace_name = argv[optind];
	return cli_check_profile("export", a->o.profile) ? 2 : -1;
}

/*
 * Write the export to a temporary file beside the output and rename it
 * into place, so that a failed export leaves an earlier file whole.
 */
static int export_to_file(struct tracedb *db, struct export_args *a, struct export_result *res,
			  struct vr_error *err)
{
	size_t n = strlen(a->output) + 16;
	char *tmp = vr_xmalloc(n);
	FILE *out;
	mode_t um;
	int fd, rc;

	snprintf(tmp, n, "%s.tmp-XXXXXX", a->output);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = vr_error_set(err, "%s: %s", a->output, strerror(errno));
		free(tmp);
		return rc;
	}
	um = umask(0); /* mkstemp's 0600 would make the export private */
	umask(um);
	if (fchmod(fd, 0666 & ~um)) {
		rc = vr_error_set(err, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return rc;
	}
	out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return vr_error_set(err, "%s: %s", a->output, strerror(errno));
	}
	rc = export_trace(db, &a->o, out, res, err);
	if (fclose(out) && !rc)
		rc = vr_error_set(err, "%s: %s", a->output, strerror(errno));
	if (!rc)
		rc = vr_replace_file(tmp, a->output, err);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Export a trace for another viewer; see export_usage. */
int cmd_export(int argc, char **argv)
{
	struct export_args a = {0};
	struct export_result res;
	struct vr_error err = {{0}};
	struct tracedb *db;
	int rc;

	rc = parse_export_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	db = cli_open_trace(argv[optind], a.quiet);
	if (!db)
		return 2;
	if (cli_filters_window("export", &a.filters, db, &a.o.from_ns, &a.o.to_ns)) {
		tracedb_close(db);
		return 2;
	}
	if (!strcmp(a.output, "-"))
		rc = export_trace(db, &a.o, stdout, &res, &err);
	else
		rc = export_to_file(db, &a, &res, &err);
	tracedb_close(db);
	if (rc) {
		cli_error("%s: %s", argv[optind], err.msg);
		return 2;
	}
	if (!a.quiet && strcmp(a.output, "-") && a.o.format == EXPORT_HTML)
		fprintf(stderr, "%s: %lld findings drawn, profile %s\n", a.output,
			(long long)res.findings, res.profile);
	else if (!a.quiet && strcmp(a.output, "-"))
		fprintf(stderr,
			"%s: %lld records (%lld slices, %lld findings, %lld proof arrows), profile %s\n",
			a.output, (long long)res.events_written, (long long)res.slices,
			(long long)res.findings, (long long)res.flows, res.profile);
	return 0;
}
