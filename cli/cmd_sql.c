/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vgic-replay sql trace.db "SELECT ..."`: run queries on a trace database
 * (read-only) and print the rows as an aligned table, as CSV or as one
 * JSON document streamed row by row.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../schemas/tracedb.h"
#include "cli.h"
#include "cli_json.h"

#define WIDTH_SAMPLE 1000 /* rows buffered to size the table's columns */

static const char sql_usage[] =
	"Usage: vgic-replay sql [--csv | --json] [--timeout SECONDS] TRACE \"SQL\"\n"
	"\n"
	"Run SQL on a trace database opened read-only and print the result as an\n"
	"aligned table, as CSV with --csv or as JSON with --json. Views events_v, injections_v,\n"
	"exits_v, snapshots_v, lrs_v and findings_v decode the raw tables; see\n"
	"docs/trace-format.md. Only reading is allowed: statements that write,\n"
	"ATTACH, VACUUM and PRAGMAs that change settings are refused.\n"
	"\n"
	CLI_TRACE_HELP
	"\n"
	"Options:\n"
	"      --csv             print CSV (RFC 4180 quoting) with a header row\n"
	"      --json            print one JSON document: per statement its column names\n"
	"                        and its rows as arrays of typed values\n"
	"      --no-header       omit the header row (table and CSV)\n"
	"      --timeout SECONDS stop a query that runs longer (default 60, 0: never)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Example:\n"
	"  vgic-replay sql trace.db \"SELECT vcpu, state, count(*) FROM lrs_v\n"
	"      WHERE phase = 'sync' AND in_use GROUP BY 1, 2\"\n";

/* Print one CSV field, quoting when needed. */
static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* A buffered table: the header and the first rows, used to size the columns. */
struct table {
	int ncols;
	int *width;
	char **cells; /* row-major; row 0 is the header */
	int nbuf;     /* rows buffered, header included */
	int flushed;  /* buffered rows printed; later rows stream out */
};

/* Print one row padded to the column widths. */
static void print_padded(const struct table *t, char *const *cells)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		printf("%-*s%s", i + 1 < t->ncols ? t->width[i] : 0, cells[i],
		       i + 1 < t->ncols ? "  " : "");
	putchar('\n');
}

/* Print the buffered rows (without the header when asked). */
static void flush_table(struct table *t, int header)
{
	int r;

	for (r = header ? 0 : 1; r < t->nbuf; r++)
		print_padded(t, &t->cells[(size_t)r * t->ncols]);
	t->flushed = 1;
}

/* Copy the current row's values as text into cells. */
static void fetch_row(sqlite3_stmt *st, int ncols, char **cells)
{
	int i;

	for (i = 0; i < ncols; i++) {
		const unsigned char *v = sqlite3_column_text(st, i);

		cells[i] = vr_xstrdup(v ? (const char *)v : "NULL");
	}
}

/* Print CSV rows as they come. */
static int run_csv(sqlite3_stmt *st, int ncols, int header)
{
	int i, rc;

	for (i = 0; header && i < ncols; i++) {
		csv_field(sqlite3_column_name(st, i));
		putchar(i + 1 < ncols ? ',' : '\n');
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < ncols; i++) {
			const unsigned char *v = sqlite3_column_text(st, i);

			csv_field(v ? (const char *)v : "");
			putchar(i + 1 < ncols ? ',' : '\n');
		}
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * One value of the current row as JSON: integers and reals as numbers (a
 * real as SQLite writes it; one that is not finite, null), text as a
 * string, a BLOB as {"blob": its bytes in hex}, NULL as null.
 */
static json_object *value_json(sqlite3_stmt *st, int col)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b;
	json_object *o;
	char *hex;
	int n;

	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return json_object_new_int64(sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		if (!isfinite(sqlite3_column_double(st, col)))
			return NULL;
		return json_object_new_double_s(sqlite3_column_double(st, col),
						(const char *)sqlite3_column_text(st, col));
	case SQLITE_TEXT:
		return cli_json_string((const char *)sqlite3_column_text(st, col));
	case SQLITE_BLOB:
		b = sqlite3_column_blob(st, col);
		n = sqlite3_column_bytes(st, col);
		hex = vr_xmalloc(2 * (size_t)n + 1);
		for (int i = 0; i < n; i++) {
			hex[2 * i] = digits[b[i] >> 4];
			hex[2 * i + 1] = digits[b[i] & 15];
		}
		hex[2 * n] = 0;
		o = json_object_new_object();
		json_object_object_add(o, "blob", json_object_new_string(hex));
		free(hex);
		return o;
	default:
		return NULL;
	}
}

/*
 * One statement's result in the JSON document: its column names, then
 * its rows as they come, each an array written and freed at once.
 */
static int run_json(sqlite3_stmt *st, struct cli_json *j)
{
	int ncols = sqlite3_column_count(st), rc;
	json_object *names = json_object_new_array();

	for (int i = 0; i < ncols; i++)
		json_object_array_add(names, cli_json_string(sqlite3_column_name(st, i)));
	cli_json_open_object(j, NULL);
	cli_json_add(j, "columns", names);
	cli_json_open_array(j, "rows");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_object *row = json_object_new_array_ext(ncols);

		for (int i = 0; i < ncols; i++)
			json_object_array_add(row, value_json(st, i));
		cli_json_add(j, NULL, row);
	}
	cli_json_close(j);
	cli_json_close(j);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Step through one statement, printing its rows (into j with --json). */
static int run_statement(sqlite3_stmt *st, int csv, int header, struct cli_json *j)
{
	struct table t = {0};
	int i, rc;

	if (j)
		return run_json(st, j);
	t.ncols = sqlite3_column_count(st);
	if (!t.ncols) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		return rc == SQLITE_DONE ? 0 : -1;
	}
	if (csv)
		return run_csv(st, t.ncols, header);
	t.width = vr_xcalloc((size_t)t.ncols, sizeof(int));
	t.cells = vr_xcalloc((size_t)t.ncols * (WIDTH_SAMPLE + 1), sizeof(char *));
	for (i = 0; i < t.ncols; i++) {
		t.cells[i] = vr_xstrdup(sqlite3_column_name(st, i));
		t.width[i] = (int)strlen(t.cells[i]);
	}
	t.nbuf = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (t.nbuf <= WIDTH_SAMPLE) {
			char **row = &t.cells[(size_t)t.nbuf * t.ncols];

			fetch_row(st, t.ncols, row);
			for (i = 0; i < t.ncols; i++)
				if ((int)strlen(row[i]) > t.width[i])
					t.width[i] = (int)strlen(row[i]);
			if (++t.nbuf == WIDTH_SAMPLE + 1)
				flush_table(&t, header);
		} else {
			char **row = vr_xcalloc((size_t)t.ncols, sizeof(char *));

			fetch_row(st, t.ncols, row);
			print_padded(&t, row);
			for (i = 0; i < t.ncols; i++)
				free(row[i]);
			free(row);
		}
	}
	if (!t.flushed)
		flush_table(&t, header);
	for (i = 0; i < t.ncols * t.nbuf; i++)
		free(t.cells[i]);
	free(t.cells);
	free(t.width);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* PRAGMAs that only read, which a query may use. */
static const char *const read_pragmas[] = {
	"table_info",	 "table_xinfo", "index_list",	"index_info",	  "index_xinfo",
	"foreign_key_list", "user_version", "application_id", "page_count", "page_size",
	"table_list",	 "function_list", "pragma_list", "collation_list", "schema_version",
};

/*
 * The authorizer of `sql`: reading only. The file is opened read-only,
 * but a connection can still reach outside it (ATTACH, VACUUM INTO,
 * extension loading), so everything else is denied by name.
 */
static int allow_reading(void *arg, int action, const char *a, const char *b, const char *c,
			 const char *d)
{
	(void)arg, (void)b, (void)c, (void)d;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_UPDATE:
		/*
		 * SQLite's own (re)load of the schema, as a table-valued PRAGMA
		 * (pragma_page_count) makes it; a statement that really writes
		 * is still refused, by sqlite3_stmt_readonly().
		 */
		return a && (!strcmp(a, "sqlite_master") || !strcmp(a, "sqlite_schema")) ? SQLITE_OK
											 : SQLITE_DENY;
	case SQLITE_FUNCTION:
		return b && (!strcmp(b, "fts3_tokenizer") || !strcmp(b, "load_extension"))
			       ? SQLITE_DENY
			       : SQLITE_OK;
	case SQLITE_PRAGMA:
		for (size_t i = 0; i < sizeof(read_pragmas) / sizeof(read_pragmas[0]); i++)
			if (a && !strcmp(a, read_pragmas[i]) &&
			    (!b || strcmp(read_pragmas[i], "user_version")))
				return SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

/* The progress handler: interrupt a query past its deadline (CLOCK_MONOTONIC seconds). */
static int past_deadline(void *arg)
{
	const double *deadline = arg;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9 > *deadline;
}

/* What sql's command line asks for. */
struct sql_args {
	int csv, header, json;
	double timeout;
	const char *path, *text;
};

/* Parse sql's command line into a; -1 to go on, else the exit status. */
static int parse_sql_args(int argc, char **argv, struct sql_args *a)
{
	static const struct option longopts[] = {
		{"csv", no_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"no-header", no_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	a->csv = 0;
	a->json = 0;
	a->header = 1;
	a->timeout = 60;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->csv = 1;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'n':
			a->header = 0;
			break;
		case 't':
			if (!strcmp(optarg, "0")) /* never stop */
				a->timeout = 0;
			else if (cli_parse_number("sql", "--timeout", optarg, 0, 1e9, "seconds",
						  &a->timeout))
				return 2;
			break;
		case 'h':
			fputs(sql_usage, stdout);
			return 0;
		default:
			return cli_option_error("sql", c, argv, longopts);
		}
	}
	if (optind + 2 != argc)
		return cli_usage_error("sql", "need a TRACE and one SQL argument");
	if (a->json && (a->csv || !a->header))
		return cli_usage_error("sql", "--json takes neither --csv nor --no-header");
	a->path = argv[optind];
	a->text = argv[optind + 1];
	return -1;
}

/* Run every statement of a's SQL text in turn, reading only (its results into j with --json); 0 or 1. */
static int run_sql(struct tracedb *db, const struct sql_args *a, struct cli_json *j)
{
	const char *sqltext, *tail;
	double deadline;
	struct timespec now;
	sqlite3_stmt *st;
	int rc = 0;

	sqlite3_set_authorizer(tracedb_sqlite(db), allow_reading, NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = (double)now.tv_sec + (double)now.tv_nsec / 1e9 + a->timeout;
	if (a->timeout > 0)
		sqlite3_progress_handler(tracedb_sqlite(db), 100000, past_deadline, &deadline);
	sqltext = a->text;
	while (*sqltext) {
		if (sqlite3_prepare_v2(tracedb_sqlite(db), sqltext, -1, &st, &tail) == SQLITE_AUTH) {
			cli_error("%s: only reading is allowed: %s", a->path,
				  sqlite3_errmsg(tracedb_sqlite(db)));
			rc = 1;
			break;
		} else if (sqlite3_errcode(tracedb_sqlite(db)) != SQLITE_OK) {
			cli_error("%s: SQL error at offset %ld: %s", a->path,
				  (long)sqlite3_error_offset(tracedb_sqlite(db)),
				  sqlite3_errmsg(tracedb_sqlite(db)));
			rc = 1;
			break;
		}
		if (!st)
			break;
		if (!sqlite3_stmt_readonly(st)) {
			cli_error("%s: only reading is allowed: %.60s", a->path, sqlite3_sql(st));
			rc = 1;
		} else if (run_statement(st, a->csv, a->header, j)) {
			cli_error("%s: %s", a->path,
				  sqlite3_errcode(tracedb_sqlite(db)) == SQLITE_INTERRUPT
					  ? "query stopped after --timeout seconds"
					  : sqlite3_errmsg(tracedb_sqlite(db)));
			rc = 1;
		}
		sqlite3_finalize(st);
		if (rc)
			break;
		sqltext = tail;
	}
	return rc;
}

/* Run the sql command: open read-only, run the statements. */
int cmd_sql(int argc, char **argv)
{
	struct sql_args a;
	struct tracedb *db;
	int rc = parse_sql_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	db = cli_open_trace(a.path, 0);
	if (!db)
		return 1;
	if (a.json) {
		struct cli_json j;
		int wrc;

		cli_json_begin(&j, stdout);
		cli_json_add(&j, "trace", cli_json_string(a.path));
		cli_json_open_array(&j, "results");
		rc = run_sql(db, &a, &j);
		wrc = cli_json_end(&j); /* complete even after an error, which stderr and 1 tell */
		rc = rc ? rc : wrc ? 1 : 0;
	} else {
		rc = run_sql(db, &a, NULL);
	}
	tracedb_close(db);
	return rc;
}
