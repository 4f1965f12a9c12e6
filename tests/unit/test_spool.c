/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder's spool and `record --finish`, without BPF: records of
 * the collector's own types go into a spool next to a trace database
 * begun as the recorder begins one, then the database is closed as a
 * killed recorder leaves it. Checked: the spool reads back byte for byte;
 * a record cut short at the end is left out and counted, a damaged length
 * is an error naming the offset, a file without the magic is refused;
 * vr_record_finish() stores every record (events, LRs, AP-list entries)
 * and keeps the recording's trace_info, removes the spool, and refuses a
 * second time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../collector/capture/backends.h"
#include "../../collector/capture/spool.h"
#include "../../collector/capture/vgic.h"
#include "../../schemas/tracedb.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-spool-XXXXXX";

/* A path inside the test's directory. */
static const char *path_in(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* Round trip, torn tail, damage, foreign file. */
static void test_spool_file(void)
{
	struct vr_error err = {{0}};
	struct spool *s = spool_create(path_in("a.spool"), &err);
	struct spool_reader *r;
	unsigned char rec[300], got[300];
	struct stat sb;
	uint32_t n;
	int i, ok = 1;
	FILE *f;

	CHECK(s != NULL);
	if (!s)
		return;
	for (i = 0; i < 1000; i++) {
		memset(rec, i & 0xff, sizeof(rec));
		CHECK_EQ(spool_append(s, rec, 1 + (uint32_t)(i % 300)), 0);
	}
	CHECK_EQ(spool_close(s), 0);
	r = spool_open(path_in("a.spool"), &err);
	CHECK(r != NULL);
	for (i = 0; r && spool_next(r, got, sizeof(got), &n, &err) == 1; i++) {
		memset(rec, i & 0xff, sizeof(rec));
		if (n != 1 + (uint32_t)(i % 300) || memcmp(got, rec, n))
			ok = 0;
	}
	CHECK(ok);
	CHECK_EQ(i, 1000);
	CHECK_EQ(r ? r->torn : -1, 0);
	spool_reader_close(r);

	/* Cut the last record short, as a kill during a write would. */
	CHECK_EQ(stat(path_in("a.spool"), &sb), 0);
	CHECK_EQ(truncate(path_in("a.spool"), sb.st_size - 5), 0);
	r = spool_open(path_in("a.spool"), &err);
	for (i = 0; r && spool_next(r, got, sizeof(got), &n, &err) == 1; i++)
		;
	CHECK_EQ(i, 999);
	/* The last record (100 bytes: framed in 104, no padding), less 5 bytes. */
	CHECK_EQ(r ? r->torn : -1, 4 + 100 - 5);
	spool_reader_close(r);

	/* A length no record has: damaged, at that offset. */
	f = fopen(path_in("a.spool"), "r+b");
	CHECK(f != NULL);
	if (f) {
		unsigned char big[4] = {0xff, 0xff, 0, 0};

		fseek(f, 8 + 8, SEEK_SET); /* the second record's length */
		fwrite(big, 1, 4, f);
		fclose(f);
	}
	r = spool_open(path_in("a.spool"), &err);
	CHECK(r != NULL);
	CHECK_EQ(r ? spool_next(r, got, sizeof(got), &n, &err) : 0, 1);
	CHECK_EQ(r ? spool_next(r, got, sizeof(got), &n, &err) : 0, -1);
	CHECK_STR_CONTAINS(err.msg, "damaged at byte 16");
	spool_reader_close(r);

	f = fopen(path_in("b.spool"), "wb");
	if (f) {
		fputs("SQLite format 3", f);
		fclose(f);
	}
	CHECK(spool_open(path_in("b.spool"), &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "not a vgic-replay spool");
}

/* A record header as the BPF programs fill it. */
static void hdr(struct vgic_rec_hdr *h, int type, int kind, int vcpu, unsigned long long ts)
{
	memset(h, 0, sizeof(*h));
	h->type = (unsigned char)type;
	h->kind = (unsigned char)kind;
	h->cpu = 1;
	h->pid = 4242;
	h->tgid = 4200;
	h->vcpu = vcpu;
	h->ts = ts;
}

/* One integer from a query on the trace. */
static long long query_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A killed recording: its trace begun, its records only in the spool. */
static void test_finish(void)
{
	struct record_options opt = {0};
	struct vr_error err = {{0}};
	struct record_stats st;
	struct vgic_rec_event ev;
	struct vgic_rec_snapshot snap;
	struct vgic_rec_aplist ap;
	struct tracedb *db;
	struct trace_writer *w;
	struct spool *s;
	struct stat sb;
	const char *trace = path_in("t.db");
	char spool_path[300];
	FILE *f;

	snprintf(spool_path, sizeof(spool_path), "%s.spool", trace);
	opt.output = trace;
	opt.command_line = "vgic-replay record -o t.db";
	db = tracedb_create_durable(trace, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	w = trace_writer_begin(db, &err);
	record_write_info(w, &opt, &record_backend_bpf, 3, NULL, NULL);
	CHECK_EQ(trace_writer_commit(w, &err), 0);
	trace_writer_abort(w); /* killed: nothing more reaches the database */
	tracedb_close(db);

	s = spool_create(spool_path, &err);
	CHECK(s != NULL);
	if (!s)
		return;
	hdr(&ev.h, VGIC_REC_EVENT, VR_EV_IRQ_PENDING, -1, 1000); /* vgic_update_irq_pending, SPI 40 */
	ev.intid = 40;
	ev.arg[0] = 0;
	ev.arg[1] = 1;
	ev.arg[2] = ev.arg[3] = -1;
	spool_append(s, &ev, sizeof(ev));
	memset(&snap, 0, sizeof(snap));
	hdr(&snap.h, VGIC_REC_SNAPSHOT, VR_EV_FLUSH, 0, 2000); /* flush with two LRs */
	snap.gic_version = 3;
	snap.used_lrs = snap.nr_lrs = 2;
	snap.hcr = 1;
	snap.lr[0] = 0x40a0000000000028ull;
	snap.lr[1] = 0x40b0000000000029ull;
	spool_append(s, &snap, sizeof(snap) - 14 * sizeof(snap.lr[0]));
	hdr(&ev.h, VGIC_REC_EVENT, VR_EV_ENTRY, -1, 3000); /* kvm_entry */
	ev.intid = -1;
	spool_append(s, &ev, sizeof(ev));
	hdr(&snap.h, VGIC_REC_SNAPSHOT, VR_EV_POST, 0, 4000); /* post, then its AP list */
	snap.used_lrs = snap.nr_lrs = 0;
	spool_append(s, &snap, sizeof(snap) - 16 * sizeof(snap.lr[0]));
	memset(&ap, 0, sizeof(ap));
	hdr(&ap.h, VGIC_REC_APLIST, VR_EV_POST, 0, 4000);
	ap.n = 2;
	ap.e[0].intid = 40;
	ap.e[0].priority = 0xa0;
	ap.e[0].flags = VGIC_AP_ACTIVE | VGIC_AP_ENABLED;
	ap.e[1].intid = 41;
	ap.e[1].priority = 0xb0;
	ap.e[1].flags = VGIC_AP_PENDING_LATCH | VGIC_AP_ENABLED;
	spool_append(s, &ap, sizeof(ap) - 30 * sizeof(ap.e[0]));
	CHECK_EQ(spool_close(s), 0);
	f = fopen(spool_path, "ab"); /* and a record the kill cut short */
	if (f) {
		fwrite("\x40\0\0\0\x01\x02\x03", 1, 7, f);
		fclose(f);
	}

	CHECK_EQ(vr_record_finish(trace, &st, &err), 0);
	CHECK_EQ(st.events, 4);
	CHECK_EQ(st.snapshots, 2);
	CHECK_EQ(st.ap_lists, 1);
	CHECK_EQ(st.spool_torn, 7);
	CHECK(stat(spool_path, &sb) != 0);
	db = tracedb_open(trace, TRACEDB_READONLY, &err);
	CHECK(db != NULL);
	if (db) {
		sqlite3 *q = tracedb_sqlite(db);

		CHECK_EQ(query_int(q, "SELECT count(*) FROM events"), 4);
		CHECK_EQ(query_int(q, "SELECT count(*) FROM snapshot_lrs"), 2);
		CHECK_EQ(query_int(q, "SELECT value FROM snapshot_lrs WHERE lr = 1"),
			 0x40b0000000000029ll);
		CHECK_EQ(query_int(q, "SELECT count(*) FROM ap_list_entries WHERE active = 1 "
				      "AND intid = 40"),
			 1);
		CHECK_EQ(query_int(q, "SELECT gic_version FROM trace_info"), 3);
		CHECK_EQ(query_int(q, "SELECT source_format = 'bpf' FROM trace_info"), 1);
		CHECK_EQ(query_int(q, "SELECT events_total FROM trace_info"), 4);
		tracedb_close(db);
	}
	/* Nothing left to finish. */
	CHECK(vr_record_finish(trace, &st, &err) != 0);
	CHECK_STR_CONTAINS(err.msg, "nothing to finish");
}

/* Run every test. */
int main(void)
{
	int rc;

	if (!mkdtemp(dir))
		return 1;
	test_spool_file();
	test_finish();
	rc = vr_test_report("test_spool");
	if (!rc) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		rc = system(cmd) ? 1 : 0;
	}
	return rc;
}
