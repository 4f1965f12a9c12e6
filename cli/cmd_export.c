// SPDX-License-Identifier: GPL-2.0
/*
 * `vgic-replay export --format perfetto|html -o OUT TRACE.db`: the trace
 * as check sees it, for Perfetto's UI and chrome://tracing, or as one
 * self-contained HTML page (replay/export.c, replay/export_html.c);
 * `export --postgres CONNINFO TRACE...`: each trace's summary, findings
 * and accounting into PostgreSQL tables (schemas/pg_store.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../replay/export.h"
#include "../engine/vgic_engine.h"
#include "../replay/replay.h"
#include "../schemas/trace_listing.h"
#include "../schemas/trace_reader.h"
#include "../schemas/tracedb.h"
#ifndef VR_NO_POSTGRES
#include "../schemas/pg_store.h"
#endif
#include "cli.h"

static const char export_usage[] =
	"Usage: vgic-replay export --format perfetto|html -o OUT [options] TRACE\n"
	"       vgic-replay export --postgres CONNINFO [-p NAME] TRACE...\n"
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
	"--postgres: each trace's summary, findings and accounting as check makes them\n"
	"(nothing stored in the trace) into the tables vgic_traces, vgic_findings and\n"
	"vgic_accounting of a PostgreSQL database, created on first use and versioned\n"
	"(vgic_schema_version); a trace exported again replaces its rows.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"  -f, --format NAME   perfetto or html\n"
	"  -o, --output FILE   where to write it ('-': standard output); an existing\n"
	"                      file is replaced only when the export succeeds\n"
	"      --postgres CONNINFO  load into PostgreSQL instead (a libpq connection\n"
	"                      string: 'host=/run/postgresql dbname=vgic', or a URI)\n"
	"  -p, --profile NAME  kernel behaviour to replay under (default: as check picks)\n"
	"      --vcpu N        export vCPU N only\n"
	"      --intid N       ... interrupt tracks and findings of INTID N only\n"
	"      --from T        ... only at or after T, and at or before T; T is absolute\n"
	"      --to T          ns, or '+' and a unit from the trace start (+1.5s)\n"
	"  -q, --quiet         print nothing on success\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 written, 2 error (bad arguments, an unreadable trace, a file\n"
	"that cannot be written, a database that refuses the rows).\n"
	"\n"
	"Examples:\n"
	"  vgic-replay export --format perfetto -o run.json trace.db\n"
	"  vgic-replay export --format html -o report.html trace.db\n"
	"  vgic-replay export --postgres 'host=db.example dbname=fleet' /var/tmp/vgic-*.db\n";

struct export_args {
	struct export_options o;
	struct cli_filters filters;
	const char *format, *output, *postgres;
	int quiet;
};

/* The long options without a letter. */
enum export_option {
	EXPORT_OPT_POSTGRES = 0x200,
};

/* --postgres's rules: no file options or filters, one TRACE or more; -1 to go on, else 2. */
static int postgres_args(int argc, struct export_args *a)
{
	const struct cli_filters *f = &a->filters;

	if (a->format || a->output)
		return cli_usage_error("export", "--postgres writes no file: no --format or -o with it");
	if (f->vcpu != VR_NO_VALUE || f->intid != VR_NO_VALUE || f->from.given || f->to.given)
		return cli_usage_error("export", "--postgres exports whole traces: no --vcpu, --intid, "
						 "--from or --to with it");
	if (optind >= argc)
		return cli_usage_error("export", "--postgres needs a TRACE or more");
	return cli_check_profile("export", a->o.profile) ? 2 : -1;
}

/* Parse export's command line; -1 to go on, else the exit status. */
static int parse_export_args(int argc, char **argv, struct export_args *a)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"postgres", required_argument, NULL, EXPORT_OPT_POSTGRES},
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
		case EXPORT_OPT_POSTGRES:
			a->postgres = optarg;
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
	if (a->postgres)
		return postgres_args(argc, a);
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

#ifndef VR_NO_POSTGRES
/* What one trace gives PostgreSQL: its findings, the key that names it, its host. */
struct pg_export {
	struct replay_finding *found;
	size_t n, cap;
	uint64_t key; /* FNV-1a 64 of the trace's own facts */
	char host[256];
	int64_t events_lost, gaps; /* trace_info's, VR_NO_VALUE unknown */
};

/* replay_finding_fn: keep the finding. */
static void pg_keep_finding(const struct replay_finding *f, void *arg)
{
	struct pg_export *x = arg;

	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->found = vr_xrealloc(x->found, x->cap * sizeof(*x->found));
	}
	x->found[x->n++] = *f;
}

/* The diagnosis replaced the first run: its findings go. */
static void pg_drop_findings(void *arg)
{
	((struct pg_export *)arg)->n = 0;
}

/*
 * TRACE_LIST_INFO's row: the trace's key, FNV-1a 64 over what the trace
 * says of itself (kernel, GIC, clock, first and last event times, counts
 * of events, snapshots and losses), not where it was imported from or
 * by which version; the same recording is the same key wherever it lies,
 * whatever `check --store` or the TUI have since added to the file.
 */
static void pg_trace_key(const char *const *cols, int ncols, void *arg)
{
	struct pg_export *x = arg;
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 1; i < ncols && i < 19; i++) {
		const char *s = cols[i] ? cols[i] : "\x01"; /* NULL differs from "" */

		for (; *s; s++)
			h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
		h = (h ^ 0xff) * 0x100000001b3ull; /* the separator */
	}
	x->key = h;
	snprintf(x->host, sizeof(x->host), "%s", ncols > 21 && cols[21] ? cols[21] : "");
	x->events_lost = ncols > 16 && cols[16] ? atoll(cols[16]) : VR_NO_VALUE;
	x->gaps = ncols > 17 && cols[17] ? atoll(cols[17]) : VR_NO_VALUE;
}

/* The trace's summary, findings and accounting, in one transaction. */
static int pg_store_trace(struct pg_store *ps, const char *path, const struct pg_export *x,
			  const struct replay_result *res, const struct trace_facts *facts,
			  struct vr_error *err)
{
	char key[32];
	struct pg_trace t = {key, path, x->host, res->kernel_release,
			     vgic_profile_name(res->profile), res->profile_reason, "vgic-replay " VR_VERSION,
			     res->gic_version, res->events, res->findings, facts->first_ts_ns,
			     facts->last_ts_ns, x->events_lost, x->gaps, res->model_flushes,
			     res->model_agree};

	snprintf(key, sizeof(key), "fnv1a64:%016llx", (unsigned long long)x->key);
	if (pg_store_begin_trace(ps, &t, err))
		return -1;
	for (size_t i = 0; i < x->n; i++) {
		const struct replay_finding *f = &x->found[i];
		struct pg_finding pf = {finding_kind_name(f->kind), finding_severity_name(f->severity),
					f->explanation, f->ts_ns, f->vcpu, f->intid, f->cpu, f->proof,
					f->nproof};

		if (pg_store_finding(ps, (int)i + 1, &pf, err))
			return -1;
	}
	for (size_t i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];
		struct pg_count c = {k->vcpu, k->intid, k->injected, k->acked, k->coalesced, k->lost,
				     k->pending_at_end, k->pending_at_start, k->deactivated};

		if (pg_store_count(ps, &c, err))
			return -1;
	}
	return pg_store_commit(ps, err);
}

/* Replay one trace as check does and load it; 0, or -1 with err. */
static int pg_export_trace(struct pg_store *ps, const char *arg, struct tracedb *db,
			   const struct export_args *a, struct vr_error *err)
{
	struct replay_options opt = {0};
	struct replay_checked run;
	struct trace_facts facts;
	struct pg_export x = {0};
	char *path = realpath(arg, NULL);
	int rc;

	opt.profile = a->o.profile;
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	rc = trace_facts_read(db, &facts, err) ||
	     trace_listing_run(db, TRACE_LIST_INFO, pg_trace_key, &x, err) < 0 ||
	     replay_check_diagnosed(db, &opt, pg_keep_finding, &x, pg_drop_findings, &run, err)
		     ? -1
		     : 0;
	if (!rc) {
		rc = pg_store_trace(ps, path ? path : arg, &x, &run.res, &facts, err);
		if (!rc && !a->quiet)
			fprintf(stderr, "%s: %lld findings and %zu accounting rows loaded (profile %s, "
					"trace key fnv1a64:%016llx)\n",
				arg, (long long)run.res.findings, run.res.ncounts,
				vgic_profile_name(run.res.profile), (unsigned long long)x.key);
		replay_result_free(&run.res);
	}
	free(x.found);
	free(path);
	return rc;
}

/* export --postgres CONNINFO TRACE...: each trace loaded; 0, or 2 after the first error. */
static int export_postgres(const struct export_args *a, int argc, char **argv)
{
	struct vr_error err = {{0}};
	struct pg_store *ps = pg_store_open(a->postgres, &err);
	int rc = 0;

	if (!ps) {
		cli_error("export: %s", err.msg);
		return 2;
	}
	for (int i = optind; i < argc && !rc; i++) {
		struct tracedb *db = cli_open_trace(argv[i], a->quiet);

		if (!db) {
			rc = 2;
			break;
		}
		if (pg_export_trace(ps, argv[i], db, a, &err)) {
			cli_error("%s: %s", argv[i], err.msg);
			rc = 2;
		}
		tracedb_close(db);
	}
	pg_store_close(ps);
	return rc;
}
#else
/* This build has no libpq (the static arm64 build): say so. */
static int export_postgres(const struct export_args *a, int argc, char **argv)
{
	(void)a;
	(void)argc;
	(void)argv;
	cli_error("export: this build has no PostgreSQL export (the static arm64 build leaves "
		  "libpq out); export from a native build");
	return 2;
}
#endif

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
	if (a.postgres)
		return export_postgres(&a, argc, argv);
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
