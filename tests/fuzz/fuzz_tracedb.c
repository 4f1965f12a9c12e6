/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer target for the readers of a trace database: a trace from a
 * bug report is a stranger's file, and check, predict, report, info and
 * the TUI's model must survive whatever it holds.
 *
 * Structure-aware: the input is not a database but a program of edits
 * applied to a copy of a real recording (VR_FUZZ_TRACEDB, a lab run),
 * so every execution reaches the readers with a valid file carrying a
 * few hostile values: a column set to an extreme integer, a text, a
 * blob or NULL; a row deleted; a schema object added (a trigger, a
 * view). Then the file is opened read-only and replayed (the one driver
 * behind check, predict and report), its facts and info listings read,
 * and the TUI's model built over it.
 * Errors are fine; a crash, a sanitizer report or a hang is a bug.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../replay/replay.h"
#include "../../schemas/trace_listing.h"
#include "../../schemas/trace_reader.h"
#include "../../ui/timeline.h"

/* libFuzzer entry points (declared here: libFuzzer has no header for them). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The columns an edit may hit, table by table (what the readers read). */
static const char *const targets[][2] = {
	{"events", "ts_ns"},	     {"events", "cpu"},		  {"events", "pid"},
	{"events", "vcpu"},	     {"events", "kind"},	  {"events", "intid"},
	{"events", "arg0"},	     {"events", "arg1"},	  {"events", "arg2"},
	{"events", "arg3"},	     {"snapshots", "gic_version"}, {"snapshots", "used_lrs"},
	{"snapshots", "nr_lrs"},     {"snapshots", "hcr"},	  {"snapshots", "vmcr"},
	{"snapshots", "ap_list_truncated"}, {"snapshot_lrs", "lr"}, {"snapshot_lrs", "value"},
	{"gaps", "after_event_id"}, {"gaps", "lost"},		  {"gaps", "cpu"},
	{"trace_info", "gic_version"}, {"trace_info", "nr_lrs"}, {"trace_info", "kernel_release"},
	{"trace_info", "first_ts_ns"}, {"trace_info", "snapshots_total"},
	{"ap_list_entries", "intid"}, {"vcpus", "vcpu"},
	{"gaps", "start_ts_ns"},    {"gaps", "end_ts_ns"},	  {"events", "src_pos"},
	{"snapshots", "apr"},	     {"snapshots", "ap0r0"},	  {"snapshots", "ap1r0"},
	{"ap_list_entries", "pos"}, {"ap_list_entries", "priority"},
	{"ap_list_entries", "target_vcpu"}, {"ap_list_entries", "active"},
	{"trace_info", "last_ts_ns"},
};

/* Values an edit may write: the boundaries readers get wrong. */
static const int64_t extremes[] = {
	0, 1, -1, 2, 15, 16, 31, 32, 63, 64, 1019, 1020, 1023, 8192, 65535, 65536,
	INT32_MAX, (int64_t)INT32_MAX + 1, INT32_MIN, UINT32_MAX, INT64_MAX, INT64_MIN,
	-100000, 2000000, INT64_C(1) << 62, (INT64_C(1) << 62) + 1,
};

static char *seed;	/* the real recording the edits start from */
static size_t seed_len;

/*
 * Load the seed recording once, cut to its first events so that an
 * execution costs milliseconds (the readers' paths are all there: flushes,
 * syncs, AP-list walks, injections, SGIs).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("VR_FUZZ_TRACEDB");
	char cut[64], *q;
	sqlite3 *sql;
	FILE *f;
	long n;

	(void)argc, (void)argv;
	snprintf(cut, sizeof(cut), "/dev/shm/vr-fuzz-seed-%d.db", getpid());
	q = sqlite3_mprintf("VACUUM INTO %Q", cut);
	if (!path || sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_exec(sql, q, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "fuzz_tracedb: set VR_FUZZ_TRACEDB to a trace database\n");
		exit(1);
	}
	sqlite3_free(q);
	sqlite3_close(sql);
	sqlite3_open(cut, &sql);
	sqlite3_exec(sql, "DELETE FROM events WHERE id > 700; DELETE FROM snapshots WHERE event_id > 700; "
			  "DELETE FROM ap_list_entries WHERE event_id > 700; VACUUM", NULL, NULL, NULL);
	sqlite3_exec(sql, "DELETE FROM snapshot_lrs WHERE event_id > 700; VACUUM", NULL, NULL, NULL);
	sqlite3_close(sql);
	f = fopen(cut, "rb");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	seed = malloc((size_t)n);
	seed_len = fread(seed, 1, (size_t)n, f);
	fclose(f);
	unlink(cut);
	return 0;
}

/* Read n bytes of the program as a little-endian number (0 past its end). */
static uint64_t take(const uint8_t **p, const uint8_t *end, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

/* Apply one edit of the program to the copy (by SQL: this is a test). */
static void apply_edit(sqlite3 *sql, const uint8_t **p, const uint8_t *end)
{
	unsigned op = (unsigned)take(p, end, 1) % 8;
	const char *const *t = targets[take(p, end, 1) % (sizeof(targets) / sizeof(targets[0]))];
	uint64_t row = take(p, end, 2), raw = take(p, end, 8);
	int64_t value = op < 2 ? extremes[raw % (sizeof(extremes) / sizeof(extremes[0]))]
			       : (int64_t)raw;
	char *q = NULL;

	switch (op) {
	case 0: /* an extreme value */
	case 1:
	case 2: /* any value */
		q = sqlite3_mprintf("UPDATE %s SET %s = %lld WHERE rowid = (SELECT rowid FROM %s "
				    "LIMIT 1 OFFSET %llu)",
				    t[0], t[1], (long long)value, t[0], (unsigned long long)row);
		break;
	case 3:
		q = sqlite3_mprintf("UPDATE %s SET %s = NULL WHERE rowid = (SELECT rowid FROM %s "
				    "LIMIT 1 OFFSET %llu)",
				    t[0], t[1], t[0], (unsigned long long)row);
		break;
	case 4: /* a text, with an escape sequence */
		q = sqlite3_mprintf("UPDATE %s SET %s = 'x' || char(27) || '[2J%lld' WHERE rowid = "
				    "(SELECT rowid FROM %s LIMIT 1 OFFSET %llu)",
				    t[0], t[1], (long long)value, t[0], (unsigned long long)row);
		break;
	case 5:
		q = sqlite3_mprintf("UPDATE %s SET %s = x'00ff00ff' WHERE rowid = (SELECT rowid "
				    "FROM %s LIMIT 1 OFFSET %llu)",
				    t[0], t[1], t[0], (unsigned long long)row);
		break;
	case 6:
		q = sqlite3_mprintf("DELETE FROM %s WHERE rowid = (SELECT rowid FROM %s LIMIT 1 "
				    "OFFSET %llu)",
				    t[0], t[0], (unsigned long long)row);
		break;
	case 7: /* a schema object the format does not have */
		q = sqlite3_mprintf(row & 1 ? "CREATE TRIGGER t%llu AFTER INSERT ON findings BEGIN "
					      "DELETE FROM events; END"
					    : "CREATE VIEW v%llu AS SELECT * FROM events",
				    (unsigned long long)row);
		break;
	}
	if (q)
		sqlite3_exec(sql, q, NULL, NULL, NULL);
	sqlite3_free(q);
}

/* Write the seed to path and apply the program's edits to it. */
static int make_file(const char *path, const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	sqlite3 *sql;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, seed, seed_len) != (ssize_t)seed_len) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (sqlite3_open(path, &sql) != SQLITE_OK) {
		sqlite3_close(sql);
		return -1;
	}
	sqlite3_exec(sql, "PRAGMA journal_mode = OFF; BEGIN", NULL, NULL, NULL);
	for (int n = 0; p < end && n < 16; n++)
		apply_edit(sql, &p, end);
	sqlite3_exec(sql, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(sql);
	return 0;
}

/* Swallow a listing's rows. */
static void ignore_row(const char *const *cols, int ncols, void *arg)
{
	(void)cols, (void)ncols, (void)arg;
}

/* The TUI's model (no curses): open it, then the whole span and a narrow window. */
static void read_as_tui(struct tracedb *db)
{
	struct vr_error err = {{0}};
	struct timeline *tl = timeline_open(db, NULL, NULL, &err);
	struct tl_window w;
	int64_t t0, t1;

	if (!tl)
		return;
	t0 = timeline_first_ns(tl);
	t1 = timeline_last_ns(tl);
	if (t1 >= t0 && timeline_window(tl, t0, t1 - t0 + 1, 80, 1, -1, &w) == 0)
		timeline_window_free(&w);
	if (t1 >= t0 && timeline_window(tl, t0 + (t1 - t0) / 2, 1000, 80, 1, -1, &w) == 0)
		timeline_window_free(&w);
	timeline_close(tl);
}

/* Read the edited file as every reader does. */
static void read_as_readers(const char *path)
{
	struct replay_options opt = {0};
	struct vr_error err = {{0}};
	struct replay_result res;
	struct trace_facts facts;
	struct tracedb *db = tracedb_open(path, TRACEDB_READONLY, &err);

	if (!db)
		return;
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	if (replay_check(db, &opt, NULL, NULL, &res, &err) == 0)
		replay_result_free(&res);
	opt.profile = "linux-6.19"; /* the what-if path too */
	if (replay_check(db, &opt, NULL, NULL, &res, &err) == 0)
		replay_result_free(&res);
	trace_facts_read(db, &facts, &err);
	for (int l = TRACE_LIST_INFO; l < TRACE_LIST_COUNT; l++) /* every listing info has */
		trace_listing_run(db, (enum trace_listing)l, ignore_row, NULL, &err);
	read_as_tui(db);
	tracedb_close(db);
}

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/shm/vr-fuzz-tracedb-%d.db", getpid());
	if (make_file(path, data, size) == 0)
		read_as_readers(path);
	unlink(path);
	return 0;
}
