/* SPDX-License-Identifier: GPL-2.0 */
/*
 * End-to-end tests of the ftrace text importer on the real traces in
 * tests/data/samples: event counts agree with an independent count of the
 * input lines, vCPU attribution and kernel inference come out right, and
 * bad situations (existing output, garbage, truncation, lost events,
 * compressed input) behave as documented. Usage: test_import DATA_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../collector/import/import.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-test-import-XXXXXX";
static const char *data_dir = "tests/data";

/* A path inside the test's temporary directory. */
static const char *tmp_path(const char *name)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ & 7];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* A path of a sample trace. */
static const char *sample(const char *kernel)
{
	static char buf[2][512];
	static int next;
	char *p = buf[next++ & 1];

	snprintf(p, 512, "%s/samples/linux-%s-gicv3-1vcpu-spi-burst.trace", data_dir, kernel);
	return p;
}

/* Count input lines whose event field is ": <name>: ", independently of the parser. */
static long long count_lines(const char *path, const char *name)
{
	char needle[128], *line = NULL;
	size_t cap = 0;
	long long n = 0;
	FILE *f = fopen(path, "r");

	snprintf(needle, sizeof(needle), ": %s: ", name);
	while (f && getline(&line, &cap, f) > 0)
		if (line[0] != '#' && strstr(line, needle))
			n++;
	free(line);
	if (f)
		fclose(f);
	return n;
}

/* One integer from a query on a trace database. */
static long long query_int(const char *db_path, const char *q)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(db_path, TRACEDB_READONLY, &err);
	sqlite3_stmt *st;
	long long v = -999;

	if (!db) {
		fprintf(stderr, "%s\n", err.msg);
		return v;
	}
	if (sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "query failed: %s: %s\n", q, sqlite3_errmsg(tracedb_sqlite(db)));
	sqlite3_finalize(st);
	tracedb_close(db);
	return v;
}

/* One text value from a query, copied into buf. */
static const char *query_text(const char *db_path, const char *q, char *buf, size_t n)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(db_path, TRACEDB_READONLY, &err);
	sqlite3_stmt *st;

	snprintf(buf, n, "(none)");
	if (!db)
		return buf;
	if (sqlite3_prepare_v2(tracedb_sqlite(db), q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	tracedb_close(db);
	return buf;
}

/* Import with default options. */
static int import(const char *in, const char *out, int force, const char *kernel,
		  struct vr_error *err)
{
	struct import_options opt = {0};
	struct import_result res;

	opt.input = in;
	opt.output = out;
	opt.force = force;
	opt.kernel = kernel;
	return vr_import(&opt, &res, err);
}

/* Per-kind counts of the database equal the input's line counts. */
static void check_counts(const char *kernel, const char *expect_release, int vcpu_thread)
{
	static const struct {
		const char *line_name;
		int kind;
	} kinds[] = {
		{"vgic_update_irq_pending", 1}, {"kvm_irq_line", 2}, {"kvm_entry", 5},
		{"kvm_exit", 6}, {"kvm_vcpu_wakeup", 7}, {"kvm_wfx_arm64", 8},
		{"kvm_timer_update_irq", 9}, {"flush", 20}, {"sync", 21},
	};
	struct vr_error err = {{0}};
	char q[256], buf[256], name[64];
	long long total = 0;
	size_t i;

	snprintf(name, sizeof(name), "%s.db", kernel);
	CHECK_EQ(import(sample(kernel), tmp_path(name), 0, NULL, &err), 0);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		long long want = count_lines(sample(kernel), kinds[i].line_name);

		snprintf(q, sizeof(q), "SELECT count(*) FROM events WHERE kind = %d", kinds[i].kind);
		CHECK_EQ(query_int(tmp_path(name), q), want);
		CHECK(want > 0);
		total += want;
	}
	CHECK_EQ(query_int(tmp_path(name), "SELECT count(*) FROM events"), total);
	CHECK_EQ(query_int(tmp_path(name), "SELECT events_total FROM trace_info"), total);
	CHECK_EQ(query_int(tmp_path(name), "SELECT count(*) FROM snapshots"),
		 count_lines(sample(kernel), "flush") + count_lines(sample(kernel), "sync"));
	CHECK_EQ(query_int(tmp_path(name), "SELECT count(*) FROM snapshot_lrs"),
		 4 * (count_lines(sample(kernel), "flush") + count_lines(sample(kernel), "sync")));
	CHECK_EQ(query_int(tmp_path(name), "SELECT events_unparsed + events_unknown FROM trace_info"),
		 0);
	/* kvm_entry/kvm_exit have no vCPU id: all must be attributed through the thread map. */
	CHECK_EQ(query_int(tmp_path(name),
			   "SELECT count(*) FROM events WHERE kind IN (" VR_KIND_SQL("kvm_entry") ", " VR_KIND_SQL("kvm_exit") ") AND vcpu IS NULL"),
		 0);
	CHECK_EQ(query_int(tmp_path(name), "SELECT thread_id FROM vcpus WHERE vcpu = 0"),
		 vcpu_thread);
	CHECK_EQ(query_int(tmp_path(name), "SELECT count(*) FROM vcpus"), 1);
	CHECK_STR_CONTAINS(query_text(tmp_path(name), "SELECT kernel_release FROM trace_info",
				      buf, sizeof(buf)),
			   expect_release);
	CHECK_STR_CONTAINS(query_text(tmp_path(name),
				      "SELECT kernel_release_source FROM trace_info", buf,
				      sizeof(buf)),
			   "inferred");
	CHECK_EQ(query_int(tmp_path(name), "SELECT gic_version FROM trace_info"), 3);
	CHECK_EQ(query_int(tmp_path(name), "SELECT nr_lrs FROM trace_info"), 4);
	CHECK_EQ(query_int(tmp_path(name),
			   "SELECT count(*) FROM snapshots WHERE gic_version != 3"),
		 0);
}

/* Copy the first `lines` lines of src into dst, then `tail` bytes of the next line. */
static void copy_prefix(const char *src, const char *dst, int lines, size_t tail,
			const char *insert_after_first)
{
	FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i = 0;

	while (in && out && (n = getline(&line, &cap, in)) > 0) {
		if (i == lines) {
			fwrite(line, 1, (size_t)n < tail ? (size_t)n : tail, out);
			break;
		}
		fwrite(line, 1, (size_t)n, out);
		if (i == 20 && insert_after_first)
			fputs(insert_after_first, out);
		i++;
	}
	free(line);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* An existing output is refused without force and replaced whole with it. */
static void check_existing_output(void)
{
	struct vr_error err = {{0}};
	static const char precious[] = "precious data";
	char buf[64] = {0};
	FILE *f = fopen(tmp_path("exists.db"), "w");

	fputs(precious, f);
	fclose(f);
	CHECK(import(sample("6.12"), tmp_path("exists.db"), 0, NULL, &err) != 0);
	CHECK_STR_CONTAINS(err.msg, "already exists");
	f = fopen(tmp_path("exists.db"), "r");
	CHECK(fread(buf, 1, sizeof(buf) - 1, f) == strlen(precious));
	fclose(f);
	CHECK(!strcmp(buf, precious));

	/* A failing import with --force leaves the old file as it was. */
	f = fopen(tmp_path("garbage.txt"), "w");
	fputs("this is\nnot a trace\n", f);
	fclose(f);
	CHECK(import(tmp_path("garbage.txt"), tmp_path("exists.db"), 1, NULL, &err) != 0);
	CHECK_STR_CONTAINS(err.msg, "garbage.txt:1:");
	f = fopen(tmp_path("exists.db"), "r");
	memset(buf, 0, sizeof(buf));
	CHECK(fread(buf, 1, sizeof(buf) - 1, f) == strlen(precious));
	fclose(f);

	CHECK_EQ(import(sample("6.12"), tmp_path("exists.db"), 1, "6.12.100+deb12-arm64", &err), 0);
	CHECK_EQ(query_int(tmp_path("exists.db"), "SELECT count(*) FROM events WHERE kind = " VR_KIND_SQL("kvm_entry")),
		 count_lines(sample("6.12"), "kvm_entry"));
	CHECK_STR_CONTAINS(query_text(tmp_path("exists.db"),
				      "SELECT kernel_release || ' ' || kernel_release_source "
				      "FROM trace_info",
				      buf, sizeof(buf)),
			   "6.12.100+deb12-arm64 option");
	/* The input itself is never the output. */
	CHECK(import(tmp_path("exists.db"), tmp_path("exists.db"), 1, NULL, &err) != 0);
}

/* A file cut mid-line imports, with the cut line counted as unparsed at its line number. */
static void check_truncated(void)
{
	struct vr_error err = {{0}};

	copy_prefix(sample("7.2"), tmp_path("cut.trace"), 300, 40, NULL);
	CHECK_EQ(import(tmp_path("cut.trace"), tmp_path("cut.db"), 0, NULL, &err), 0);
	CHECK_EQ(query_int(tmp_path("cut.db"), "SELECT events_unparsed FROM trace_info"), 1);
	CHECK_EQ(query_int(tmp_path("cut.db"), "SELECT src_pos FROM import_problems"), 301);
}

/* An ftrace lost-events marker becomes a gap bounded by the events around it. */
static void check_lost_events(void)
{
	struct vr_error err = {{0}};

	copy_prefix(sample("7.2"), tmp_path("lost.trace"), 100000, 0, "CPU:1 [LOST 17 EVENTS]\n");
	CHECK_EQ(import(tmp_path("lost.trace"), tmp_path("lost.db"), 0, NULL, &err), 0);
	CHECK_EQ(query_int(tmp_path("lost.db"), "SELECT lost FROM gaps"), 17);
	CHECK_EQ(query_int(tmp_path("lost.db"), "SELECT cpu FROM gaps"), 1);
	CHECK_EQ(query_int(tmp_path("lost.db"), "SELECT src_pos FROM gaps"), 22);
	CHECK_EQ(query_int(tmp_path("lost.db"), "SELECT events_lost FROM trace_info"), 17);
	CHECK(query_int(tmp_path("lost.db"), "SELECT end_ts_ns >= start_ts_ns FROM gaps") == 1);
}

/* xz-compressed text streams through the decompressor with identical results. */
static void check_compressed(void)
{
	struct vr_error err = {{0}};
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "xz -c '%s' > '%s'", sample("6.12"), tmp_path("s.trace.xz"));
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(import(tmp_path("s.trace.xz"), tmp_path("xz.db"), 0, NULL, &err), 0);
	CHECK_EQ(query_int(tmp_path("xz.db"), "SELECT count(*) FROM events"),
		 query_int(tmp_path("6.12.db"), "SELECT count(*) FROM events"));
}

/* No temporary files are left behind in the output directory. */
static void check_no_leftovers(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "ls -a %s | grep -q '\\.tmp-'", dir);
	CHECK(system(cmd) != 0);
}

/* Run all tests in a private directory. */
int main(int argc, char **argv)
{
	char cmd[300];

	if (argc > 1)
		data_dir = argv[1];
	if (!mkdtemp(dir))
		return 2;
	check_counts("6.12", "<=6.18", 145);
	check_counts("7.2", ">=6.19", 109);
	check_existing_output();
	check_truncated();
	check_lost_events();
	check_compressed();
	check_no_leftovers();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 2;
	return vr_test_report("test_import");
}
