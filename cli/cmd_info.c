/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay info trace.db`: what a trace holds, at a glance: where it
 * came from, which kernel and GIC, how long, which vCPUs, how many events
 * of each kind, which INTIDs, where data was lost, and what the last
 * stored check replayed it as (the kernel behaviour check diagnosed).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../schemas/trace_listing.h"
#include "../schemas/trace_reader.h"
#include "cli.h"
#include "cli_json.h"

static const char info_usage[] =
	"Usage: vgic-replay info [--json] TRACE\n"
	"\n"
	"Summarise a trace database: source, kernel and GIC (with how each was\n"
	"obtained), time span, vCPUs and their host threads, events by kind,\n"
	"INTIDs seen, lost events (gaps), input that was not imported, and the last\n"
	"stored check: the profile it replayed and why (the diagnosed kernel behaviour).\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"      --json  print one JSON document: trace_info's columns and every listing\n"
	"  -h, --help  show this help\n";

/*
 * A listing's text made printable (a trace is a stranger's: no escape
 * sequence of it reaches the terminal), or a placeholder for NULL. The
 * result lives until the next dozen calls, enough for one printf.
 */
static const char *or(const char *text, const char *null_text)
{
	static char ring[12][1024];
	static int next;
	char *buf;

	if (!text)
		return null_text;
	buf = ring[next++ % 12];
	snprintf(buf, sizeof(ring[0]), "%s", text);
	return vr_printable(buf);
}

/* An integer column of a listing (0 for NULL). */
static long long num(const char *text)
{
	return text ? atoll(text) : 0;
}

/* Print the trace_info block (one row of TRACE_LIST_INFO). */
static void print_header_row(const char *const *c, int ncols, void *arg)
{
	const char *path = arg;

	(void)ncols;
	printf("%s: vgic-replay trace format %lld (written by %s)\n", path, num(c[19]),
	       or(c[20], "?"));
	printf("  source     %s (%s, captured with %s, %lld input records)\n", or(c[0], "?"),
	       or(c[1], "?"), or(c[2], "?"), num(c[18]));
	printf("  kernel     %s  [%s]\n", or(c[3], "unknown"), or(c[4], ""));
	if (!c[5])
		printf("  gic        unknown  [%s]\n", or(c[6], ""));
	else
		printf("  gic        GICv%lld  [%s]\n", num(c[5]), or(c[6], ""));
	if (c[7])
		printf("  LRs        %lld  [%s]\n", num(c[7]), or(c[8], ""));
	printf("  clock      %s\n", or(c[9], "not recorded"));
	if (c[10]) {
		double a = (double)num(c[10]) / 1e9, b = (double)num(c[11]) / 1e9;

		printf("  time       %.6f .. %.6f s (%.6f s)\n", a, b, b - a);
	}
	printf("  events     %lld, of which %lld snapshots\n", num(c[12]), num(c[13]));
	printf("  not imported  %lld unparsed, %lld unknown events\n", num(c[14]), num(c[15]));
	printf("  lost       %lld events in %lld gaps\n", num(c[16]), num(c[17]));
}

/* A titled block of rows, each printed by fmt from the listing's first four columns. */
struct block {
	const char *title, *fmt;
	int n;
};

/* Print one row of a block: the title on the first, indentation after. */
static void print_block_row(const char *const *c, int ncols, void *arg)
{
	struct block *b = arg;
	const char *v[4];

	for (int i = 0; i < 4; i++)
		v[i] = i < ncols ? or(c[i], "-") : "-";
	printf(b->n++ ? "             " : "  %-9s  ", b->title);
	printf(b->fmt, v[0], v[1], v[2], v[3]);
	putchar('\n');
}

/* Print a listing as a titled block ("none" when empty). */
static void print_block(struct tracedb *db, enum trace_listing which, const char *title,
			const char *fmt)
{
	struct vr_error err = {{0}};
	struct block b = {title, fmt, 0};

	trace_listing_run(db, which, print_block_row, &b, &err);
	if (!b.n)
		printf("  %-9s  none\n", title);
}

/* The injected INTIDs gathered into compact ranges with their event count. */
struct intid_ranges {
	long long first, last, total;
	int n;
};

/* Print the range that ends, if any. */
static void print_range(struct intid_ranges *r)
{
	if (r->first >= 0)
		printf(r->first == r->last ? "%s%lld" : "%s%lld-%lld", r->n++ ? ", " : "", r->first,
		       r->last);
}

/* Add one INTID row (intid, events) to the ranges. */
static void add_intid(const char *const *c, int ncols, void *arg)
{
	struct intid_ranges *r = arg;
	long long id = num(c[0]);

	(void)ncols;
	r->total += num(c[1]);
	if (id == r->last + 1) {
		r->last = id;
		return;
	}
	print_range(r);
	r->first = r->last = id;
}

/* Print the injected INTIDs as compact ranges with their injection counts. */
static void print_intids(struct tracedb *db)
{
	struct intid_ranges r = {-1, -2, 0, 0};
	struct vr_error err = {{0}};

	printf("  intids     ");
	trace_listing_run(db, TRACE_LIST_INTIDS, add_intid, &r, &err);
	print_range(&r);
	printf(r.n ? "  (%lld events name an INTID)\n" : "none\n", r.total);
}

/*
 * The last check stored in the trace (one row of TRACE_LIST_LAST_CHECK):
 * the profile it replayed and why, which says the kernel behaviour check
 * diagnosed when one was.
 */
static void print_last_check(const char *const *c, int ncols, void *arg)
{
	(void)ncols;
	(void)arg;
	printf("  checked    run %lld: profile %s, %lld finding%s (%s)\n", num(c[0]), or(c[1], "?"),
	       num(c[2]), num(c[2]) == 1 ? "" : "s", or(c[3], "no reason recorded"));
}

/* A synthetic trace (trace_info.synthetic, format 3) says so before anything else of it. */
static void print_synthetic(struct tracedb *db)
{
	struct trace_facts f;

	if (!trace_facts_read(db, &f, NULL) && f.synthetic[0])
		printf("  SYNTHETIC  %s; not a recording\n", f.synthetic);
}

/*
 * A listing's rows in the JSON document: each column named by names and
 * typed by types ('i' integer, 's' string; null for NULL, and for an
 * integer column whose text is not a number, as a foreign file may hold).
 */
struct json_listing {
	struct cli_json *j;
	const char *const *names;
	const char *types;
	json_object *row; /* the last row, for a listing of one row */
	int as_row;	  /* keep it in row rather than add it to the open array */
};

/* A listing's integer column as JSON. */
static json_object *integer_json(const char *text)
{
	long long v;
	char *end;

	if (!text)
		return NULL;
	errno = 0;
	v = strtoll(text, &end, 10);
	return *text && !*end && !errno ? json_object_new_int64(v) : NULL;
}

/* One row of a listing as a JSON object, added to the open array (or kept). */
static void add_json_row(const char *const *c, int ncols, void *arg)
{
	struct json_listing *l = arg;
	json_object *o = json_object_new_object();

	for (int i = 0; l->types[i] && i < ncols; i++)
		json_object_object_add(o, l->names[i],
				       l->types[i] == 'i' ? integer_json(c[i]) : cli_json_string(c[i]));
	if (l->as_row) {
		json_object_put(l->row);
		l->row = o;
	} else {
		cli_json_add(l->j, NULL, o);
	}
}

/* The member key: an array of the listing's rows, column names and types as add_json_row() takes. */
static void add_json_listing(struct cli_json *j, struct tracedb *db, enum trace_listing which,
			     const char *key, const char *const *names, const char *types)
{
	struct json_listing l = {j, names, types, NULL, 0};
	struct vr_error err = {{0}};

	cli_json_open_array(j, key);
	trace_listing_run(db, which, add_json_row, &l, &err);
	cli_json_close(j);
}

/*
 * info as one JSON document (docs/schemas/info.schema.json): trace_info's
 * row under its column names, then the listings the text shows; 0, 1
 * when the trace has no trace_info row, 2 when writing failed.
 */
static int print_info_json(struct tracedb *db, const char *path)
{
	static const char *const info_names[] = {
		"source_file",	  "source_format",   "capture_tool",	"kernel_release",
		"kernel_release_source", "gic_version", "gic_version_source", "nr_lrs",
		"nr_lrs_source",  "clock",	     "first_ts_ns",	"last_ts_ns",
		"events_total",	  "snapshots_total", "events_unparsed", "events_unknown",
		"events_lost",	  "gaps_total",	     "input_records",	"format_version",
		"created_by"};
	static const char *const vcpu_names[] = {"vm", "vcpu", "thread_id", "source"};
	static const char *const kind_names[] = {"kind", "events"};
	static const char *const intid_names[] = {"intid", "events"};
	static const char *const gap_names[] = {"cpu", "lost", "start_ts_ns", "input_position"};
	static const char *const unknown_names[] = {"name", "count"};
	static const char *const unparsed_names[] = {"input_position", "reason"};
	static const char *const check_names[] = {"run", "profile", "findings", "profile_reason"};
	struct json_listing l = {NULL, info_names, "sssssisisiiiiiiiiiiis", NULL, 1};
	struct vr_error err = {{0}};
	struct trace_facts f;
	struct cli_json j;

	if (trace_listing_run(db, TRACE_LIST_INFO, add_json_row, &l, &err) != 1) {
		cli_error("%s: no trace_info row%s%s", path, err.msg[0] ? ": " : "", err.msg);
		json_object_put(l.row);
		return 1;
	}
	cli_json_begin(&j, stdout);
	cli_json_add(&j, "trace", cli_json_string(path));
	cli_json_add(&j, "trace_info", l.row);
	cli_json_add(&j, "synthetic",
		     !trace_facts_read(db, &f, NULL) && f.synthetic[0] ? cli_json_string(f.synthetic)
								       : NULL);
	add_json_listing(&j, db, TRACE_LIST_VCPUS, "vcpus", vcpu_names, "iiis");
	add_json_listing(&j, db, TRACE_LIST_KINDS, "kinds", kind_names, "si");
	add_json_listing(&j, db, TRACE_LIST_INTIDS, "intids", intid_names, "ii");
	add_json_listing(&j, db, TRACE_LIST_GAP_ROWS, "gaps", gap_names, "iiii");
	add_json_listing(&j, db, TRACE_LIST_UNKNOWN, "unknown_events", unknown_names, "si");
	add_json_listing(&j, db, TRACE_LIST_UNPARSED, "unparsed", unparsed_names, "is");
	l = (struct json_listing){&j, check_names, "isis", NULL, 1};
	trace_listing_run(db, TRACE_LIST_LAST_CHECK, add_json_row, &l, &err);
	cli_json_add(&j, "last_check", l.row);
	return cli_json_end(&j);
}

/*
 * Parse info's command line: --json, --help and one TRACE; -1 to go on,
 * else the exit status.
 */
static int parse_info_args(int argc, char **argv, int *json)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = 1;
			break;
		case 'h':
			fputs(info_usage, stdout);
			return 0;
		default:
			return cli_option_error("info", c, argv, longopts);
		}
	}
	return cli_one_trace("info", argc) ? 2 : -1;
}

/* Summarise the trace database given on the command line. */
int cmd_info(int argc, char **argv)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	const char *path;
	int json = 0, rc;

	rc = parse_info_args(argc, argv, &json);
	if (rc >= 0)
		return rc;
	path = argv[optind];
	db = cli_open_trace(path, 0);
	if (!db)
		return 1;
	if (json) {
		rc = print_info_json(db, path);
		tracedb_close(db);
		return rc;
	}
	if (trace_listing_run(db, TRACE_LIST_INFO, print_header_row, (void *)path, &err) != 1) {
		cli_error("%s: no trace_info row%s%s", path, err.msg[0] ? ": " : "", err.msg);
		tracedb_close(db);
		return 1;
	}
	print_synthetic(db);
	print_block(db, TRACE_LIST_VCPUS, "vcpus", "vm %s vcpu %s: host thread %s (from %s)");
	print_block(db, TRACE_LIST_KINDS, "by kind", "%-24s %s");
	print_intids(db);
	print_block(db, TRACE_LIST_GAPS, "gaps", "cpu %s: %s events lost after t=%s (input position %s)");
	print_block(db, TRACE_LIST_UNKNOWN, "unknown", "%-24s %s");
	print_block(db, TRACE_LIST_UNPARSED, "unparsed", "position %s: %s");
	trace_listing_run(db, TRACE_LIST_LAST_CHECK, print_last_check, NULL, &err);
	tracedb_close(db);
	return 0;
}
