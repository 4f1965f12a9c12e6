/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector's live stream (collector/capture/live_source.c) against a
 * trace file's stream (schemas/trace_reader.c): one spool of collector
 * records, as the ring buffer interleaves them (two vCPU threads, the
 * VMM's injections, a snapshot's AP-list walk behind another CPU's
 * records, a gap, trapped DIRs and SGIs in both register layouts), is
 * stored as `record` stores it and read back through the cursor, and
 * read live through the live source. Both must yield the same items,
 * field by field: the consumer cannot tell them apart. And `top`'s model
 * fed the records checked on its thread (ui/top_stream.c: the watcher's
 * live stream) counts what it counts fed the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../collector/capture/live_source.h"
#include "../../collector/capture/spool.h"
#include "../../collector/capture/store.h"
#include "../../schemas/tracedb.h"
#include "../../ui/top.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-live-XXXXXX";

/* A path inside the test's directory. */
static const char *path_in(const char *name)
{
	static char p[2][256];
	static int n;
	char *s = p[n++ % 2];

	snprintf(s, sizeof(p[0]), "%s/%s", dir, name);
	return s;
}

/* A record header as the BPF programs fill it. */
static void hdr(struct vgic_rec_hdr *h, int type, int kind, int cpu, int pid, int vcpu,
		unsigned long long ts)
{
	memset(h, 0, sizeof(*h));
	h->type = (unsigned char)type;
	h->kind = (unsigned char)kind;
	h->cpu = (unsigned short)cpu;
	h->pid = (unsigned int)pid;
	h->tgid = 4200;
	h->vcpu = vcpu;
	h->ts = ts;
}

/* Append an event record. */
static void event(struct spool *s, int kind, int cpu, int pid, int vcpu, unsigned long long ts,
		  long long intid, long long a0, long long a1, long long a2, long long a3)
{
	struct vgic_rec_event e;

	hdr(&e.h, VGIC_REC_EVENT, kind, cpu, pid, vcpu, ts);
	e.intid = intid;
	e.arg[0] = a0;
	e.arg[1] = a1;
	e.arg[2] = a2;
	e.arg[3] = a3;
	spool_append(s, &e, sizeof(e));
}

/* Append a snapshot record with n LRs. */
static void snapshot(struct spool *s, int kind, int cpu, int pid, int vcpu, unsigned long long ts,
		     int n, unsigned hcr)
{
	struct vgic_rec_snapshot r;

	memset(&r, 0, sizeof(r));
	hdr(&r.h, VGIC_REC_SNAPSHOT, kind, cpu, pid, vcpu, ts);
	r.gic_version = 3;
	r.nr_lrs = r.used_lrs = (unsigned char)n;
	r.hcr = hcr;
	r.vmcr = 0x4c0003;
	r.ap1r[0] = 0x80000000u;
	for (int i = 0; i < n; i++)
		r.lr[i] = (1ull << 62) | (0xa0ull << 48) | (1ull << 60) | (uint64_t)(40 + i);
	spool_append(s, &r, (uint32_t)(sizeof(r) - (VGIC_REC_MAX_LRS - n) * sizeof(r.lr[0])));
}

/* Append an AP-list walk of n entries. */
static void aplist(struct spool *s, int cpu, int pid, int vcpu, unsigned long long ts, int n,
		   int truncated)
{
	struct vgic_rec_aplist a;

	memset(&a, 0, sizeof(a));
	hdr(&a.h, VGIC_REC_APLIST, VR_EV_POST, cpu, pid, vcpu, ts);
	a.n = (unsigned short)n;
	a.truncated = (unsigned short)truncated;
	for (int i = 0; i < n; i++) {
		a.e[i].intid = 40 + (unsigned)i;
		a.e[i].priority = 0xa0;
		a.e[i].flags = VGIC_AP_ENABLED | (i ? VGIC_AP_PENDING_LATCH : VGIC_AP_ACTIVE);
	}
	spool_append(s, &a, (uint32_t)(sizeof(a) - (VGIC_REC_MAX_AP - n) * sizeof(a.e[0])));
}

/* Append the recorder's gap record. */
static void gap(struct spool *s, int cpu, long long lost, unsigned long long start,
		unsigned long long end)
{
	struct gap_rec g;

	memset(&g, 0, sizeof(g));
	g.h.type = VGIC_REC_GAP;
	g.h.cpu = (unsigned short)cpu;
	g.h.ts = end;
	g.lost = lost;
	g.start_ns = start;
	spool_append(s, &g, sizeof(g));
}

/* The recording: two vCPU threads (100, 101), the VMM (50), another task (77). */
static void write_spool(const char *path)
{
	struct vr_error err = {{0}};
	struct spool *s = spool_create(path, &err);
	unsigned long long t = 1000000;

	for (int round = 0; round < 3; round++, t += 100000) {
		event(s, VR_EV_IRQ_PENDING, 0, 50, -1, t, 40, 0, 1, -1, -1); /* SPI from the VMM */
		event(s, VR_EV_IRQ_LINE, 0, 50, -1, t + 1, 40, 1, 0, 40, 1);
		snapshot(s, VR_EV_FLUSH, 1, 100, 0, t + 10, 2, 0x1);
		event(s, VR_EV_POPULATE, 1, 100, 0, t + 11, 40, 0, -1, -1, -1);
		event(s, VR_EV_ENTRY, 1, 100, -1, t + 12, -1, 0x40001000, -1, -1, -1);
		snapshot(s, VR_EV_FLUSH, 2, 101, 1, t + 13, 0, 0x1);
		event(s, VR_EV_ENTRY, 2, 101, -1, t + 14, -1, 0x40002000, -1, -1, -1);
		event(s, VR_EV_TIMER_IRQ, 2, 101, 1, t + 20, 27, 1, 1, -1, -1);
		event(s, VR_EV_EXIT, 1, 100, -1, t + 30, -1, 2, 24, 0x40001004, -1);
		event(s, VR_EV_DEACTIVATE, 1, 100, 0, t + 31, -1, 40, -1, -1, 3); /* ICV_DIR, v3 */
		event(s, VR_EV_SGI, 2, 101, 1, t + 32, -1, (1ll << 24) | 1, -1, -1, 3); /* SGI 1 to vCPU 0 */
		snapshot(s, VR_EV_SYNC, 1, 100, 0, t + 33, 2, 0x1);
		snapshot(s, VR_EV_POST, 1, 100, 0, t + 34, 0, 0x1);
		event(s, VR_EV_EXIT, 2, 101, -1, t + 35, -1, 0, 0, 0x40002004, -1); /* another CPU, between */
		event(s, VR_EV_ENTRY, 3, 77, -1, t + 36, -1, 0x1234, -1, -1, -1);  /* never a vCPU's */
		aplist(s, 1, 100, 0, t + 34, round + 1, round == 2);	  /* the post's walk, late */
		snapshot(s, VR_EV_SYNC, 2, 101, 1, t + 40, 0, 0x1);
		snapshot(s, VR_EV_POST, 2, 101, 1, t + 41, 0, 0x1);	  /* no walk follows */
		if (round == 1)
			gap(s, 1, 17, t + 50, t + 60);
		event(s, VR_EV_WFX, 1, 100, -1, t + 70, -1, 0x40001008, 0, -1, -1);
		/* LPIs: one from the VMM for vCPU 1, one without a target from a vCPU thread */
		event(s, VR_EV_LPI_QUEUE, 0, 50, 1, t + 71, 8192 + round, 1, 1, 0xa0, -1);
		event(s, VR_EV_LPI_QUEUE, 1, 100, -1, t + 72, 8200, 0, 1, 0xa0, -1);
	}
	spool_close(s);
}

/* Store the spool as `record` does when it stops. */
static int store(const char *spool_path, const char *trace)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_create(trace, &err);
	struct record_stats st;
	struct rec_store rs;
	struct trace_writer *w;

	if (!db)
		return -1;
	memset(&st, 0, sizeof(st));
	w = trace_writer_begin(db, &err);
	rec_store_init(&rs, w, &st);
	if (rec_store_spool(&rs, spool_path, trace, &err) || trace_writer_finish(w, &err)) {
		fprintf(stderr, "store: %s\n", err.msg);
		tracedb_close(db);
		return -1;
	}
	tracedb_close(db);
	return 0;
}

/* The fields of two items that a consumer reads: equal, or where they differ. */
static const char *item_differs(const struct trace_item *a, const struct trace_item *b)
{
	if (a->type != b->type || a->id != b->id)
		return "type or id";
	if (a->type == TRACE_ITEM_GAP)
		return a->gap.lost != b->gap.lost || a->gap.cpu != b->gap.cpu ||
				       a->gap.start_ns != b->gap.start_ns ||
				       a->gap.end_ns != b->gap.end_ns
			       ? "gap"
			       : NULL;
	if (a->ev.ts_ns != b->ev.ts_ns || a->ev.cpu != b->ev.cpu || a->ev.pid != b->ev.pid ||
	    a->ev.vcpu != b->ev.vcpu || a->ev.kind != b->ev.kind || a->ev.intid != b->ev.intid)
		return "event header";
	for (int i = 0; i < 4; i++)
		if (a->ev.arg[i] != b->ev.arg[i])
			return "argument";
	if (a->has_snapshot != b->has_snapshot || a->ap_len != b->ap_len || a->nap != b->nap)
		return "snapshot presence or AP-list length";
	for (int i = 0; i < a->nap; i++)
		if (memcmp(&a->ap[i], &b->ap[i], sizeof(a->ap[i])))
			return "AP-list entry";
	if (!a->has_snapshot)
		return NULL;
	if (a->snap.gic_version != b->snap.gic_version || a->snap.nr_lrs != b->snap.nr_lrs ||
	    a->snap.used_lrs != b->snap.used_lrs || a->snap.hcr != b->snap.hcr ||
	    a->snap.vmcr != b->snap.vmcr || a->snap.apr != b->snap.apr)
		return "snapshot registers";
	for (int i = 0; i < 4; i++)
		if (a->snap.ap0r[i] != b->snap.ap0r[i] || a->snap.ap1r[i] != b->snap.ap1r[i])
			return "active priorities";
	for (int i = 0; i < a->snap.nr_lrs; i++)
		if (a->snap.lr[i] != b->snap.lr[i])
			return "list register";
	return NULL;
}

/* Both streams, item by item. */
static void test_same_items(void)
{
	struct vr_error err = {{0}};
	const char *spool_path = path_in("rec.spool"), *trace = path_in("rec.db");
	struct tracedb *db;
	struct trace_cursor *cur;
	struct spool_reader *sr;
	struct live_source *ls;
	struct trace_source file_src, live_src;
	struct trace_filter f;
	struct trace_item a, b;
	int n = 0, gaps = 0, walks = 0, entries = 0, attributed = 0, lpis = 0, lpi_targets = 0, ra, rb;
	const char *diff = NULL;

	write_spool(spool_path);
	CHECK_EQ(store(spool_path, trace), 0);
	db = tracedb_open(trace, TRACEDB_READONLY, &err);
	CHECK(db != NULL);
	if (!db)
		return;
	trace_filter_init(&f);
	f.apr_all = 1; /* every register, as the live source gives them */
	cur = trace_cursor_open(db, &f, &err);
	sr = spool_open(spool_path, &err);
	CHECK(cur != NULL && sr != NULL);
	if (!cur || !sr)
		return;
	ls = live_source_new(live_spool_next, sr);
	file_src = trace_cursor_source(cur);
	live_src = live_source_as_source(ls);
	for (;;) {
		ra = file_src.next(file_src.self, &a, &err);
		rb = live_src.next(live_src.self, &b, &err);
		if (ra != 1 || rb != 1)
			break;
		diff = item_differs(&a, &b);
		if (diff) {
			fprintf(stderr, "item %d (id %lld kind %d): %s differs\n", n, (long long)a.id,
				a.ev.kind, diff);
			break;
		}
		n++;
		gaps += a.type == TRACE_ITEM_GAP;
		walks += a.ap_len >= 0;
		entries += a.nap;
		attributed += a.ev.kind == VR_EV_ENTRY && a.ev.vcpu != VR_NO_VALUE;
		if (a.ev.kind == VR_EV_LPI_QUEUE) {
			/* The target, never the thread's vCPU; the unused arg3 is NULL. */
			lpis++;
			lpi_targets += a.ev.vcpu == 1 ? 1 : a.ev.vcpu == VR_NO_VALUE ? 0 : 100;
			CHECK(a.ev.intid >= 8192 && a.ev.arg[2] == 0xa0 && a.ev.arg[3] == VR_NO_VALUE);
		}
	}
	CHECK(diff == NULL);
	CHECK_EQ(ra, 0);
	CHECK_EQ(rb, 0);
	CHECK_EQ(n, 3 * 20 + 1); /* 20 events and snapshots a round, and the gap */
	CHECK_EQ(lpis, 2 * 3);
	CHECK_EQ(lpi_targets, 3); /* vCPU 1 for the VMM's, none for the vCPU thread's */
	CHECK_EQ(gaps, 1);
	CHECK_EQ(walks, 3);		   /* each round's vcpu 0 post found its late walk */
	CHECK_EQ(entries, 1 + 2);	   /* the entries of the two whole walks; the cut one none */
	CHECK_EQ(attributed, 2 * 3); /* the two vCPU threads' entries, not task 77's */
	live_source_free(ls);
	spool_reader_close(sr);
	trace_cursor_close(cur);
	tracedb_close(db);
}

/*
 * The file's stream straight into a model, and check's replay of it (its
 * accounting and findings, as top on a trace gets them); its interval.
 */
static void file_counts(struct tracedb *db, struct top_interval *out)
{
	struct vr_error err = {{0}};
	struct top_model *m = top_model_new(NULL, NULL);
	struct replay_options opt = {0};
	struct replay_result res;
	struct trace_filter f;
	struct trace_cursor *cur;
	struct trace_item it;

	trace_filter_init(&f);
	cur = trace_cursor_open(db, &f, &err);
	CHECK(cur != NULL);
	while (cur && trace_cursor_next(cur, &it, &err) == 1)
		top_model_item(m, &it);
	trace_cursor_close(cur);
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	opt.tally = top_model_tally;
	opt.tally_arg = m;
	CHECK_EQ(replay_check(db, &opt, top_model_finding, m, &res, &err), 0);
	replay_result_free(&res);
	top_model_close(m, 0, 1000000000, top_column_of_key('v'), 0, out);
	top_model_free(m);
}

/* top_records' poll: the spool's records to the watcher, a few at a time; 0 at its end. */
static int poll_spool(void *arg, struct watch *w, struct vr_error *err)
{
	unsigned char slot[STORE_SLOT] __attribute__((aligned(8)));
	uint32_t n;
	int rc = 1;

	for (int i = 0; i < 16 && (rc = spool_next(arg, slot, STORE_SLOT, &n, err)) == 1; i++)
		watch_feed(w, slot, n);
	return rc;
}

/*
 * The spool's records checked on top_stream's thread (the watcher, as
 * live) into a model, until they end; its interval.
 */
static void live_counts(const char *spool_path, struct top_interval *out)
{
	struct vr_error err = {{0}};
	struct spool_reader *sr = spool_open(spool_path, &err);
	struct top_records rec = {.poll = poll_spool, .arg = sr, .gic = 3, .pace = 1};
	struct top_stream *ts = top_stream_new(&rec, &err);
	struct top_model *m = top_model_new(NULL, NULL);
	struct top_input in;
	int rc, polls = 0;

	CHECK(ts != NULL);
	if (!ts)
		return;
	top_stream_input(ts, &in);
	while ((rc = in.feed(in.self, m, 0, &err)) == 1 && polls++ < 5000)
		usleep(1000);
	CHECK_EQ(rc, 0);
	in.hold(in.self, 1);
	top_model_close(m, 0, 1000000000, top_column_of_key('v'), 0, out);
	in.hold(in.self, 0);
	top_stream_free(ts);
	top_model_free(m);
	spool_reader_close(sr);
}

/*
 * top's counts of the records checked on its thread (every counter: the
 * items' and the accounting's, and the findings) are those of the stored
 * trace and check's replay of it.
 */
static void test_top_counts(void)
{
	struct vr_error err = {{0}};
	struct tracedb *db = tracedb_open(path_in("rec.db"), TRACEDB_READONLY, &err);
	struct top_interval a, b;
	int64_t exits = 0, dirs = 0, flushes = 0, injected = 0;

	CHECK(db != NULL);
	if (!db)
		return;
	file_counts(db, &a);
	tracedb_close(db);
	live_counts(path_in("rec.spool"), &b);
	CHECK_EQ(a.events_total, b.events_total);
	CHECK_EQ(a.gaps_total, 1);
	CHECK_EQ(b.gaps_total, 1);
	CHECK_EQ(b.lost_total, 17);
	CHECK_EQ(a.nrows, b.nrows);
	for (int i = 0; i < a.nrows && i < b.nrows; i++) {
		CHECK_EQ(a.rows[i].vcpu, b.rows[i].vcpu);
		CHECK(!memcmp(a.rows[i].now, b.rows[i].now, sizeof(a.rows[i].now)));
		CHECK_EQ(a.rows[i].lrs_used_now, b.rows[i].lrs_used_now);
		exits += b.rows[i].now[TOP_EXITS];
		dirs += b.rows[i].now[TOP_DIRS];
		flushes += b.rows[i].now[TOP_FLUSHES];
		injected += b.rows[i].now[TOP_INJECTED];
	}
	CHECK(injected > 0); /* the watcher's checks counted, as check does the file */
	CHECK_EQ(a.findings_total, b.findings_total);
	CHECK_EQ(exits, 2 * 3); /* both vCPU threads' exits, every round */
	CHECK_EQ(dirs, 3);
	CHECK_EQ(flushes, 2 * 3);
	top_interval_free(&a);
	top_interval_free(&b);
}

/* Run every test. */
int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_same_items();
	test_top_counts();
	unlink(path_in("rec.spool"));
	unlink(path_in("rec.db"));
	rmdir(dir);
	return vr_test_report("test_live_source");
}
