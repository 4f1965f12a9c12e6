/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay info trace.db`: what a trace holds, at a glance: where it
 * came from, which kernel and GIC, how long, which vCPUs, how many events
 * of each kind, which INTIDs, where data was lost, and what the last
 * stored check replayed it as (the kernel behaviour check diagnosed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../schemas/trace_listing.h"
#include "../schemas/trace_reader.h"
#include "cli.h"

static const char info_usage[] =
	"Usage: vgic-replay info TRACE\n"
	"\n"
	"Summarise a trace database: source, kernel and GIC (with how each was\n"
	"obtained), time span, vCPUs and their host threads, events by kind,\n"
	"INTIDs seen, lost events (gaps), input that was not imported, and the last\n"
	"stored check: the profile it replayed and why (the diagnosed kernel behaviour).\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
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

/* Summarise the trace database given on the command line. */
/* A synthetic trace (trace_info.synthetic, format 3) says so before anything else of it. */
static void print_synthetic(struct tracedb *db)
{
	struct trace_facts f;

	if (!trace_facts_read(db, &f, NULL) && f.synthetic[0])
		printf("  SYNTHETIC  %s; not a recording\n", f.synthetic);
}

int cmd_info(int argc, char **argv)
{
	struct vr_error err = {{0}};
	struct tracedb *db;

	if (argc == 2 && cli_is_help(argv[1])) {
		fputs(info_usage, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("info", "unknown option '%.*s'",
					       (int)strcspn(argv[i], "="), argv[i]);
	optind = 1; /* info has no options: every argument is a trace */
	if (cli_one_trace("info", argc))
		return 2;
	db = cli_open_trace(argv[1], 0);
	if (!db)
		return 1;
	if (trace_listing_run(db, TRACE_LIST_INFO, print_header_row, argv[1], &err) != 1) {
		cli_error("%s: no trace_info row%s%s", argv[1], err.msg[0] ? ": " : "", err.msg);
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
