/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The streaming bulk writer of trace databases.
 *
 * Importers and the collector hand it events one at a time. It stores
 * them inside a single transaction, each run of events and snapshots with
 * one INSERT ... SELECT from a virtual table over the run (store_run()),
 * other records with prepared statements, and builds the indexes last;
 * bench/bench_import.c measures it against SQLite's bare insert rate. Its
 * memory is bounded by the number of host threads, CPUs and distinct
 * unknown event names, and by its batches, never by the length of the
 * trace.
 *
 * Pipeline: the caller's thread parses while a writer thread of ours does
 * the SQLite inserts. trace_writer_event() and friends copy their record
 * into the current batch (a byte arena of BATCH_BYTES) and return; a full
 * batch is handed to the writer thread, and the caller waits only when all
 * NR_BATCHES are in flight. Everything that reads the database or needs
 * its answer (commit, finish, keep_info, and tracedb_exec() or
 * tracedb_sqlite() called by the importer) first waits until the writer
 * thread has stored every batch, through the barrier this writer sets on
 * its tracedb. Ids are given by the caller's side, so events.id is known
 * at once. An insert that fails stops the storing; the caller learns it
 * at its next call (which returns -1) or at commit or finish, never later.
 *
 * vCPU attribution: kvm_entry, kvm_exit and friends carry no vCPU id. The
 * writer keeps a map from host thread to vCPU, fed by events that do name
 * their vCPU (snapshots: strong; private-interrupt events emitted by a
 * thread that runs a guest: weak). Events seen before their thread was
 * mapped are fixed by one UPDATE per thread at finish, restricted to the
 * rowid range before the mapping, so the common case costs nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "tracedb.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROBLEMS_KEPT 1000
#define MAX_UNKNOWN_NAMES 4096
#define BATCH_BYTES (256 << 10) /* about 2,500 events */
#define NR_BATCHES 4
#define LR_COLUMNS 16 /* snapshots.lr0..lr15; LRs above in snapshot_lrs_more */

/* What the writer knows about one host thread. */
struct thread_info {
	int32_t pid;
	int runs_guest;		/* emitted kvm_entry/kvm_exit */
	int64_t vcpu;		/* mapped vCPU or VR_NO_VALUE */
	int strong;		/* mapping came from a snapshot */
	char source[32];
	int64_t first_ts_ns;
	int64_t mapped_from_id; /* events before this id need the finish-time fix */
	int64_t weak_vcpu;	/* vCPU named by private-interrupt events */
	int weak_conflict;	/* they named more than one vCPU */
	int64_t last_seen_id;
};

/* A gap waiting for the next event on its CPU to learn where it ends. */
struct open_gap {
	int32_t cpu;
	int64_t gap_id;
};

struct info_value {
	const char *column;
	char *text;
	int64_t num;
	int is_text;
};

/* ---------------------------------------------------------------- batches */

/* The records the caller's side hands the writer thread, in a batch. */
enum op_type { OP_EVENT = 1, OP_SNAPSHOT, OP_GAP, OP_PROBLEM, OP_AP_LIST, OP_PPI };

/* Every record starts so; size covers the whole record, a multiple of 8. */
struct op_hdr {
	uint32_t type;
	uint32_t size;
};

/* An event whose id and vCPU the caller's side has decided. */
struct op_event {
	struct op_hdr h;
	int64_t id;
	struct vr_event ev;
};

/* A snapshot event and its registers, the LRs cut after the nr_lrs-th. */
struct op_snapshot {
	struct op_event e;
	int gic_version, nr_lrs;
	int64_t used_lrs, hcr, vmcr, apr, ap0r[4], ap1r[4];
	uint64_t lr[];
};

/* A gap: open (its end is the next event on cpu) or a window with both ends. */
struct op_gap {
	struct op_hdr h;
	int32_t cpu;
	int window;
	int64_t lost, after_id, start_ns, end_ns, src_pos;
};

/* An import problem: four strings (problem, event, reason, text) in data. */
struct op_problem {
	struct op_hdr h;
	int64_t src_pos;
	uint32_t len[4]; /* NO_STRING: NULL */
	char data[];
};
#define NO_STRING UINT32_MAX

/* An AP-list walk of the vgic_post event event_id. */
struct op_ap_list {
	struct op_hdr h;
	int64_t event_id;
	int n, truncated;
	struct vr_ap_entry e[];
};

/* The PPI registers of the GICv5 snapshot event event_id. */
struct op_ppi {
	struct op_hdr h;
	int64_t event_id;
	struct vr_ppi_state ppi;
};

/* The two virtual tables a run of records is read through (see store_run()). */
enum run_table { RUN_EVENTS, RUN_SNAPSHOTS };

struct run_table_of {
	struct trace_writer *w;
	enum run_table table;
};

/* A byte arena of records; cap grows past BATCH_BYTES only for one huge record. */
struct batch {
	unsigned char *buf;
	size_t len, cap;
};

/*
 * How many of the last events' times the writer keeps, so that a gap
 * known only by its time window can be put before the events inside it
 * (trace_writer_gap_window): a collector's poll reads its loss counters
 * after it took some of the events of the window the loss fell in.
 */
#define RECENT_EVENTS 8192

struct trace_writer {
	struct tracedb *db;
	sqlite3 *sql;
	sqlite3_stmt *ins_run_events, *ins_run_snapshots, *ins_lr_more, *ins_gap, *ins_problem;
	sqlite3_stmt *end_gap, *ins_ap, *upd_ap_truncated, *ins_ppi;
	/* The caller's side: ids, attribution, counters, the batch being filled. */
	int64_t next_id;
	int64_t recent_ts[RECENT_EVENTS]; /* the last events' times, [id % RECENT_EVENTS] */
	struct thread_info *threads;
	size_t nthreads, cap_threads;
	size_t last_thread; /* cache: consecutive events mostly come from one thread */
	struct {
		char *name;
		int64_t count;
	} *unknown;
	size_t nunknown;
	struct info_value info[32];
	size_t ninfo;
	struct trace_writer_stats stats;
	int64_t problems_kept;
	/* The writer thread's side: gaps still open, the run being stored. */
	struct open_gap *gaps;
	size_t ngaps, cap_gaps;
	const struct batch *run_batch;
	size_t run_start, run_end;
	struct run_table_of run_tables[2];
	/* Between the two: batch[handed % NR_BATCHES] is being filled, handed - done wait. */
	struct batch batch[NR_BATCHES];
	uint64_t handed, done;
	pthread_mutex_t lock;
	pthread_cond_t handed_cond, done_cond;
	pthread_t thread;
	int started, launched, threaded, stop;
	int aborting; /* set by the caller's side, read by the thread: __atomic */
	int failed;   /* read and set with __atomic: err is written before it is set */
	char err[512];
};

/* Has storing failed? (An acquire load: err is complete when it says yes.) */
static int writer_failed(const struct trace_writer *w)
{
	return __atomic_load_n(&w->failed, __ATOMIC_ACQUIRE);
}

/* The record at offset pos of a batch. */
static const struct op_hdr *op_at(const struct batch *b, size_t pos)
{
	return (const void *)(b->buf + pos);
}

/* Should the writer thread store nothing more (a failure, or the load abandoned)? */
static int writer_stopping(const struct trace_writer *w)
{
	return writer_failed(w) || __atomic_load_n(&w->aborting, __ATOMIC_RELAXED);
}

/* Remember the first failure: its message, then the flag that publishes it. */
static void writer_fail_with(struct trace_writer *w, const char *what, const char *why)
{
	if (writer_failed(w))
		return;
	snprintf(w->err, sizeof(w->err), "%s: %s", what, why);
	__atomic_store_n(&w->failed, 1, __ATOMIC_RELEASE);
}

/* Remember the first failure, with SQLite's message. */
static void writer_fail(struct trace_writer *w, const char *what)
{
	writer_fail_with(w, what, sqlite3_errmsg(w->sql));
}

/* trace_info columns importers may set; anything else is a programming error. */
static const char *const info_columns[] = {
	"source_file",	  "source_format",	"capture_tool", "capture_options",
	"host",		  "kernel_release",	"kernel_release_source",
	"gic_version",	  "gic_version_source", "vgic_model",	"nr_lrs",
	"nr_lrs_source",  "clock",		"input_records", "synthetic",
};

/* Prepare one statement or record the error. */
static int prepare(struct trace_writer *w, const char *q, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(w->sql, q, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(w->err, sizeof(w->err), "prepare: %s", sqlite3_errmsg(w->sql));
	w->failed = 1;
	return -1;
}

/* Bind an optional integer: VR_NO_VALUE becomes NULL. */
static void bind_opt(sqlite3_stmt *st, int idx, int64_t v)
{
	if (v == VR_NO_VALUE)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int64(st, idx, v);
}

/* Step a prepared insert and reset it; remember the first failure. */
static int step_reset(struct trace_writer *w, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	writer_fail(w, "insert");
	return -1;
}

/* ---------------------------------------------------------------- the writer thread's side */

/* A gap ends where the next event on its CPU begins. */
static void close_gaps_on_cpu(struct trace_writer *w, int32_t cpu, int64_t ts_ns)
{
	size_t i;

	for (i = 0; i < w->ngaps; i++) {
		if (w->gaps[i].cpu != cpu)
			continue;
		sqlite3_bind_int64(w->end_gap, 1, ts_ns);
		sqlite3_bind_int64(w->end_gap, 2, w->gaps[i].gap_id);
		step_reset(w, w->end_gap);
		w->gaps[i] = w->gaps[--w->ngaps];
		i--;
	}
}

/* The snapshots.phase text of a snapshot event kind. */
static const char *phase_name(enum vr_event_kind kind)
{
	switch (kind) {
	case VR_EV_FLUSH:
		return "flush";
	case VR_EV_SYNC:
		return "sync";
	default:
		return "post";
	}
}

/*
 * The run of events and snapshots being stored, as two eponymous virtual
 * tables (vr_run_events, vr_run_snapshots) that read its records where
 * they lie: the writer thread stores a whole run with one INSERT ...
 * SELECT per table, rather than binding and stepping a statement per
 * row, which cost more than the row itself (binding takes the
 * connection's mutex once per value). Only the writer thread reads them,
 * between setting w->run and stepping the insert.
 */
struct run_vtab {
	sqlite3_vtab base;
	struct trace_writer *w;
	enum run_table table;
};

struct run_cursor {
	sqlite3_vtab_cursor base;
	const struct run_vtab *vt;
	size_t pos; /* offset of the current record in the run's batch */
};

/* Columns of the two tables, in the order of the inserts below. */
static const char run_events_decl[] =
	"CREATE TABLE x(id, ts_ns, cpu, pid, vm, vcpu, kind, intid, arg0, arg1, arg2, arg3, "
	"src_pos)";
static const char run_snapshots_decl[] =
	"CREATE TABLE x(event_id, phase, gic_version, used_lrs, nr_lrs, hcr, vmcr, apr, ap0r0, "
	"ap0r1, ap0r2, ap0r3, ap1r0, ap1r1, ap1r2, ap1r3, lr0, lr1, lr2, lr3, lr4, lr5, lr6, "
	"lr7, lr8, lr9, lr10, lr11, lr12, lr13, lr14, lr15)";

/* xConnect: pAux says which table; usable from top-level SQL only. */
static int run_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		       sqlite3_vtab **out, char **errmsg)
{
	const struct run_table_of *which = aux;
	enum run_table table = which->table;
	struct run_vtab *vt;
	int rc;

	(void)argc;
	(void)argv;
	(void)errmsg;
	rc = sqlite3_declare_vtab(db, table == RUN_EVENTS ? run_events_decl : run_snapshots_decl);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->w = which->w;
	vt->table = table;
	*out = &vt->base;
	return SQLITE_OK;
}

/* xDisconnect. */
static int run_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* xBestIndex: a run is only ever scanned whole, in order. */
static int run_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	(void)vt;
	info->estimatedCost = 1000;
	info->estimatedRows = 1000;
	return SQLITE_OK;
}

/* xOpen. */
static int run_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct run_cursor *c = sqlite3_malloc(sizeof(*c));

	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->vt = (const struct run_vtab *)vt;
	*out = &c->base;
	return SQLITE_OK;
}

/* xClose. */
static int run_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

/* Does the record at pos make a row of the cursor's table? */
static int run_row_at(const struct run_cursor *c, size_t pos)
{
	const struct op_hdr *h = op_at(c->vt->w->run_batch, pos);

	return h->type == OP_SNAPSHOT || (h->type == OP_EVENT && c->vt->table == RUN_EVENTS);
}

/* Move pos to the next row of the cursor's table in the run, or to its end. */
static void run_seek(struct run_cursor *c)
{
	const struct trace_writer *w = c->vt->w;

	while (c->pos < w->run_end && !run_row_at(c, c->pos))
		c->pos += op_at(w->run_batch, c->pos)->size;
}

/* xFilter: start at the run's first row. */
static int run_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
		      sqlite3_value **argv)
{
	struct run_cursor *c = (struct run_cursor *)cur;

	(void)idx;
	(void)idx_str;
	(void)argc;
	(void)argv;
	c->pos = c->vt->w->run_start;
	run_seek(c);
	return SQLITE_OK;
}

/* xNext. */
static int run_next(sqlite3_vtab_cursor *cur)
{
	struct run_cursor *c = (struct run_cursor *)cur;

	c->pos += op_at(c->vt->w->run_batch, c->pos)->size;
	run_seek(c);
	return SQLITE_OK;
}

/* xEof. */
static int run_eof(sqlite3_vtab_cursor *cur)
{
	const struct run_cursor *c = (const struct run_cursor *)cur;

	return c->pos >= c->vt->w->run_end;
}

/* An optional integer result: VR_NO_VALUE is NULL. */
static void result_opt(sqlite3_context *ctx, int64_t v)
{
	if (v == VR_NO_VALUE)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, v);
}

/* A column of an events row: the event part of an event or snapshot record. */
static void run_event_column(const struct op_event *op, sqlite3_context *ctx, int col)
{
	const struct vr_event *ev = &op->ev;

	switch (col) {
	case 0:
		sqlite3_result_int64(ctx, op->id);
		break;
	case 1:
		sqlite3_result_int64(ctx, ev->ts_ns);
		break;
	case 2:
		sqlite3_result_int(ctx, ev->cpu);
		break;
	case 3:
		sqlite3_result_int(ctx, ev->pid);
		break;
	case 4:
		sqlite3_result_int(ctx, 0); /* vm: the input does not tell VMs apart */
		break;
	case 5:
		result_opt(ctx, ev->vcpu);
		break;
	case 6:
		sqlite3_result_int(ctx, ev->kind);
		break;
	case 7:
		result_opt(ctx, ev->intid);
		break;
	case 12:
		result_opt(ctx, ev->src_pos);
		break;
	default:
		result_opt(ctx, ev->arg[col - 8]);
		break;
	}
}

/* A column of a snapshots row: registers, and LRs 0..15 (NULL from nr_lrs on). */
static void run_snapshot_column(const struct op_snapshot *op, sqlite3_context *ctx, int col)
{
	switch (col) {
	case 0:
		sqlite3_result_int64(ctx, op->e.id);
		break;
	case 1:
		sqlite3_result_text(ctx, phase_name(op->e.ev.kind), -1, SQLITE_STATIC);
		break;
	case 2:
		sqlite3_result_int(ctx, op->gic_version);
		break;
	case 3:
		result_opt(ctx, op->used_lrs);
		break;
	case 4:
		sqlite3_result_int(ctx, op->nr_lrs);
		break;
	case 5:
		result_opt(ctx, op->hcr);
		break;
	case 6:
		result_opt(ctx, op->vmcr);
		break;
	case 7:
		result_opt(ctx, op->apr);
		break;
	default:
		if (col < 12)
			result_opt(ctx, op->ap0r[col - 8]);
		else if (col < 16)
			result_opt(ctx, op->ap1r[col - 12]);
		else if (col - 16 < op->nr_lrs)
			sqlite3_result_int64(ctx, (int64_t)op->lr[col - 16]);
		else
			sqlite3_result_null(ctx);
		break;
	}
}

/* xColumn. */
static int run_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct run_cursor *c = (const struct run_cursor *)cur;
	const void *op = op_at(c->vt->w->run_batch, c->pos);

	if (c->vt->table == RUN_EVENTS)
		run_event_column(op, ctx, col);
	else
		run_snapshot_column(op, ctx, col);
	return SQLITE_OK;
}

/* xRowid: the record's offset, unique within the run. */
static int run_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((const struct run_cursor *)cur)->pos;
	return SQLITE_OK;
}

/* The module of both tables: eponymous only (no xCreate), read-only. */
static const sqlite3_module run_module = {
	.iVersion = 1,
	.xConnect = run_connect,
	.xBestIndex = run_best_index,
	.xDisconnect = run_disconnect,
	.xOpen = run_open,
	.xClose = run_close,
	.xFilter = run_filter,
	.xNext = run_next,
	.xEof = run_eof,
	.xColumn = run_column,
	.xRowid = run_rowid,
};

/*
 * Store the run of event and snapshot records [start, end) of batch b:
 * close the gaps its events end and store the LRs above the 16th of its
 * snapshots, then one insert into events and one into snapshots. SQLite
 * numbers the events rows itself (a seek per row less than naming the
 * id), which must give the ids the caller's side gave: checked per run.
 */
static int store_run(struct trace_writer *w, const struct batch *b, size_t start, size_t end,
		     int snapshots)
{
	int64_t last_id = 0;
	size_t pos;
	int i;

	for (pos = start; pos < end; pos += op_at(b, pos)->size) {
		const struct op_snapshot *op = (const void *)op_at(b, pos);

		if (w->ngaps)
			close_gaps_on_cpu(w, op->e.ev.cpu, op->e.ev.ts_ns);
		last_id = op->e.id;
		for (i = LR_COLUMNS; op->e.h.type == OP_SNAPSHOT && i < op->nr_lrs; i++) {
			sqlite3_bind_int64(w->ins_lr_more, 1, op->e.id);
			sqlite3_bind_int(w->ins_lr_more, 2, i);
			sqlite3_bind_int64(w->ins_lr_more, 3, (int64_t)op->lr[i]);
			if (step_reset(w, w->ins_lr_more))
				return -1;
		}
	}
	if (start == end)
		return 0;
	w->run_batch = b;
	w->run_start = start;
	w->run_end = end;
	if (step_reset(w, w->ins_run_events))
		return -1;
	if (sqlite3_last_insert_rowid(w->sql) != last_id) {
		writer_fail_with(w, "insert", "events.id out of step with the ids given");
		return -1;
	}
	return snapshots ? step_reset(w, w->ins_run_snapshots) : 0;
}

/* Store a gap; an open one waits in gaps[] for the next event on its CPU. */
static int store_gap(struct trace_writer *w, const struct op_gap *op)
{
	sqlite3_stmt *st = w->ins_gap;
	int64_t id;

	sqlite3_bind_int(st, 1, op->cpu);
	bind_opt(st, 2, op->lost);
	bind_opt(st, 3, op->after_id);
	bind_opt(st, 4, op->start_ns);
	bind_opt(st, 5, op->src_pos);
	if (step_reset(w, st))
		return -1;
	id = sqlite3_last_insert_rowid(w->sql);
	if (op->window) {
		sqlite3_bind_int64(w->end_gap, 1, op->end_ns);
		sqlite3_bind_int64(w->end_gap, 2, id);
		return step_reset(w, w->end_gap);
	}
	if (w->ngaps == w->cap_gaps) {
		w->cap_gaps = w->cap_gaps ? 2 * w->cap_gaps : 8;
		w->gaps = vr_xrealloc(w->gaps, w->cap_gaps * sizeof(*w->gaps));
	}
	w->gaps[w->ngaps].cpu = op->cpu;
	w->gaps[w->ngaps].gap_id = id;
	w->ngaps++;
	return 0;
}

/* Store one import_problems row from the strings packed after the record. */
static int store_problem(struct trace_writer *w, const struct op_problem *op)
{
	sqlite3_stmt *st = w->ins_problem;
	const char *s = op->data;
	int i;

	bind_opt(st, 1, op->src_pos);
	for (i = 0; i < 4; i++) {
		if (op->len[i] == NO_STRING) {
			sqlite3_bind_null(st, 2 + i);
		} else {
			sqlite3_bind_text(st, 2 + i, s, (int)op->len[i], SQLITE_STATIC);
			s += op->len[i];
		}
	}
	return step_reset(w, st);
}

/* Store the AP-list rows of one walk, and whether the walk was cut short. */
static int store_ap_list(struct trace_writer *w, const struct op_ap_list *op)
{
	sqlite3_stmt *st = w->ins_ap;
	const struct vr_ap_entry *e = op->e;
	int i;

	for (i = 0; i < op->n; i++) {
		sqlite3_bind_int64(st, 1, op->event_id);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_int64(st, 3, e[i].intid);
		sqlite3_bind_int(st, 4, e[i].priority);
		sqlite3_bind_int(st, 5, e[i].active);
		sqlite3_bind_int(st, 6, e[i].pending_latch);
		sqlite3_bind_int(st, 7, e[i].line_level);
		sqlite3_bind_int(st, 8, e[i].enabled);
		sqlite3_bind_int(st, 9, e[i].hw);
		sqlite3_bind_text(st, 10, e[i].level_config ? "level" : "edge", -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 11, e[i].target_vcpu);
		if (step_reset(w, st))
			return -1;
	}
	sqlite3_bind_int(w->upd_ap_truncated, 1, op->truncated);
	sqlite3_bind_int64(w->upd_ap_truncated, 2, op->event_id);
	return step_reset(w, w->upd_ap_truncated);
}

/* Store a GICv5 snapshot's PPI registers (ppi_snapshots, raw). */
static int store_ppi(struct trace_writer *w, const struct op_ppi *op)
{
	sqlite3_stmt *st = w->ins_ppi;
	const struct vr_ppi_state *p = &op->ppi;

	sqlite3_bind_int64(st, 1, op->event_id);
	for (int x = 0; x < 2; x++) {
		if (p->has_pendr)
			sqlite3_bind_int64(st, 2 + x, (int64_t)p->pendr[x]);
		else
			sqlite3_bind_null(st, 2 + x);
		sqlite3_bind_int64(st, 4 + x, (int64_t)p->activer[x]);
		sqlite3_bind_int64(st, 6 + x, (int64_t)p->enabler[x]);
		sqlite3_bind_int64(st, 8 + x, (int64_t)p->dvir[x]);
	}
	if (p->has_priority)
		sqlite3_bind_blob(st, 10, p->priority, (int)sizeof(p->priority), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	return step_reset(w, st);
}

/*
 * Store every record of a batch, in order: runs of events and snapshots
 * at once, other records one by one. After a failure store nothing more.
 */
static void run_batch(struct trace_writer *w, const struct batch *b)
{
	size_t pos = 0, run = 0;
	int snapshots = 0;

	while (pos < b->len && !writer_stopping(w)) {
		const struct op_hdr *h = op_at(b, pos);

		if (h->type == OP_EVENT || h->type == OP_SNAPSHOT) {
			snapshots |= h->type == OP_SNAPSHOT;
			pos += h->size;
			continue;
		}
		if (store_run(w, b, run, pos, snapshots))
			return;
		if (h->type == OP_GAP)
			store_gap(w, (const void *)h);
		else if (h->type == OP_PROBLEM)
			store_problem(w, (const void *)h);
		else if (h->type == OP_AP_LIST)
			store_ap_list(w, (const void *)h);
		else if (h->type == OP_PPI)
			store_ppi(w, (const void *)h);
		pos += h->size;
		run = pos;
		snapshots = 0;
	}
	if (!writer_stopping(w))
		store_run(w, b, run, pos, snapshots);
}

static void *writer_thread(void *arg)
{
	struct trace_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct batch *b;

		while (w->done == w->handed && !w->stop)
			pthread_cond_wait(&w->handed_cond, &w->lock);
		if (w->done == w->handed)
			break;
		b = &w->batch[w->done % NR_BATCHES];
		pthread_mutex_unlock(&w->lock);
		run_batch(w, b);
		b->len = 0;
		pthread_mutex_lock(&w->lock);
		w->done++;
		pthread_cond_broadcast(&w->done_cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---------------------------------------------------------------- handing over */

/* Start the writer thread, signals blocked in it (they are the caller's to take). */
static void launch_thread(struct trace_writer *w)
{
	sigset_t all, old;

	w->launched = 1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w->threaded = !pthread_create(&w->thread, NULL, writer_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * Hand the batch being filled to the writer thread, then wait until the
 * next one is free (at most NR_BATCHES in flight). The thread starts with
 * the first full batch (may_launch), so a load of less than a batch never
 * has one, and neither has an importer that forks before its first
 * records (import_tracedat() parses the headers in a child, which must
 * not inherit a lock held by a thread that is not there). Without a
 * thread, store the batch here and now.
 */
static void hand_over(struct trace_writer *w, int may_launch)
{
	if (!w->launched && may_launch)
		launch_thread(w);
	if (!w->threaded) {
		run_batch(w, &w->batch[0]);
		w->batch[0].len = 0;
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->handed++;
	pthread_cond_signal(&w->handed_cond);
	while (w->handed - w->done >= NR_BATCHES)
		pthread_cond_wait(&w->done_cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/*
 * Room for one record of `size` bytes in the batch being filled, handing
 * the batch over first when it is full. The record's header is filled in.
 */
static void *op_reserve(struct trace_writer *w, uint32_t type, size_t size)
{
	struct batch *b = &w->batch[w->threaded ? w->handed % NR_BATCHES : 0];
	struct op_hdr *h;

	size = (size + 7) & ~(size_t)7;
	if (b->len + size > b->cap) {
		if (b->len) {
			hand_over(w, 1);
			b = &w->batch[w->threaded ? w->handed % NR_BATCHES : 0];
		}
		if (size > b->cap) {
			b->cap = size;
			b->buf = vr_xrealloc(b->buf, size);
		}
	}
	h = (void *)(b->buf + b->len);
	b->len += size;
	h->type = type;
	h->size = (uint32_t)size;
	return h;
}

/*
 * Wait until the writer thread has stored everything handed to it,
 * including the batch being filled. Afterwards the connection is the
 * caller's until the next record. Also tracedb's barrier (see tracedb.h).
 */
static void wait_stored(void *arg)
{
	struct trace_writer *w = arg;
	struct batch *b = &w->batch[w->threaded ? w->handed % NR_BATCHES : 0];

	if (b->len)
		hand_over(w, 0);
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->done != w->handed)
		pthread_cond_wait(&w->done_cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Make the batches and the barrier; the thread itself starts with the first full batch. */
static void start_pipeline(struct trace_writer *w)
{
	int i;

	for (i = 0; i < NR_BATCHES; i++) {
		w->batch[i].cap = BATCH_BYTES;
		w->batch[i].buf = vr_xmalloc(BATCH_BYTES);
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->handed_cond, NULL);
	pthread_cond_init(&w->done_cond, NULL);
	tracedb_set_barrier(w->db, wait_stored, w);
	w->started = 1;
}

/* Store what is left (nothing if aborting), stop the writer thread, lift the barrier. */
static void stop_pipeline(struct trace_writer *w)
{
	if (!w->started)
		return;
	wait_stored(w);
	tracedb_set_barrier(w->db, NULL, NULL);
	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		w->stop = 1;
		pthread_cond_signal(&w->handed_cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		w->threaded = 0;
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->handed_cond);
	pthread_cond_destroy(&w->done_cond);
	w->started = 0;
}

/* Does the events table hold a row? (The load numbers events from 1.) */
static int events_present(struct trace_writer *w)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(w->sql, "SELECT 1 FROM events LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return 1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc != SQLITE_DONE;
}

/* Start the load: one transaction, all statements prepared once, the writer thread. */
struct trace_writer *trace_writer_begin(struct tracedb *db, struct vr_error *err)
{
	struct trace_writer *w = vr_xcalloc(1, sizeof(*w));

	w->db = db;
	w->sql = tracedb_sqlite(db);
	w->next_id = 1;
	w->stats.first_ts_ns = VR_NO_VALUE;
	w->stats.last_ts_ns = VR_NO_VALUE;
	/*
	 * The writer makes every value the CHECK constraints test (phases,
	 * problems, AP configs, LR numbers), so it does not have them tested:
	 * snapshots' "phase IN (...)" alone cost an ephemeral table per row.
	 */
	if (tracedb_exec(db, "PRAGMA ignore_check_constraints = ON; BEGIN", err))
		goto fail;
	w->run_tables[RUN_EVENTS] = (struct run_table_of){w, RUN_EVENTS};
	w->run_tables[RUN_SNAPSHOTS] = (struct run_table_of){w, RUN_SNAPSHOTS};
	if (sqlite3_create_module(w->sql, "vr_run_events", &run_module,
				  &w->run_tables[RUN_EVENTS]) != SQLITE_OK ||
	    sqlite3_create_module(w->sql, "vr_run_snapshots", &run_module,
				  &w->run_tables[RUN_SNAPSHOTS]) != SQLITE_OK) {
		vr_error_set(err, "virtual tables: %s", sqlite3_errmsg(w->sql));
		goto fail;
	}
	if (prepare(w,
		    "INSERT INTO events(ts_ns, cpu, pid, vm, vcpu, kind, intid, arg0, arg1, arg2, "
		    "arg3, src_pos) SELECT ts_ns, cpu, pid, vm, vcpu, kind, intid, arg0, arg1, arg2, "
		    "arg3, src_pos FROM vr_run_events",
		    &w->ins_run_events) ||
	    prepare(w,
		    "INSERT INTO snapshots(event_id, phase, gic_version, used_lrs, nr_lrs, hcr, "
		    "vmcr, apr, ap0r0, ap0r1, ap0r2, ap0r3, ap1r0, ap1r1, ap1r2, ap1r3, "
		    "lr0, lr1, lr2, lr3, lr4, lr5, lr6, lr7, lr8, lr9, lr10, lr11, lr12, lr13, "
		    "lr14, lr15) SELECT * FROM vr_run_snapshots",
		    &w->ins_run_snapshots) ||
	    prepare(w, "INSERT INTO snapshot_lrs_more(event_id, lr, value) VALUES (?,?,?)",
		    &w->ins_lr_more) ||
	    prepare(w,
		    "INSERT INTO gaps(cpu, lost, after_event_id, start_ts_ns, src_pos) "
		    "VALUES (?,?,?,?,?)",
		    &w->ins_gap) ||
	    prepare(w, "UPDATE gaps SET end_ts_ns = ? WHERE id = ?", &w->end_gap) ||
	    prepare(w,
		    "INSERT INTO ap_list_entries(event_id, pos, intid, priority, active, "
		    "pending_latch, line_level, enabled, hw, config, target_vcpu) "
		    "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
		    &w->ins_ap) ||
	    prepare(w, "UPDATE snapshots SET ap_list_truncated = ? WHERE event_id = ?",
		    &w->upd_ap_truncated) ||
	    prepare(w,
		    "INSERT INTO ppi_snapshots(event_id, pendr0, pendr1, activer0, activer1, "
		    "enabler0, enabler1, dvir0, dvir1, priorityr) VALUES (?,?,?,?,?,?,?,?,?,?)",
		    &w->ins_ppi) ||
	    prepare(w,
		    "INSERT INTO import_problems(src_pos, problem, event, reason, text) "
		    "VALUES (?,?,?,?,?)",
		    &w->ins_problem)) {
		vr_error_set(err, "%s", w->err);
		goto fail;
	}
	if (events_present(w)) {
		vr_error_set(err, "the trace already holds events: a load starts from none");
		goto fail;
	}
	start_pipeline(w);
	return w;
fail:
	trace_writer_abort(w);
	return NULL;
}

/* ---------------------------------------------------------------- the caller's side */

/* Find or add the thread record of pid. */
static struct thread_info *thread_get(struct trace_writer *w, int32_t pid)
{
	struct thread_info *t;
	size_t i;

	if (w->last_thread < w->nthreads && w->threads[w->last_thread].pid == pid)
		return &w->threads[w->last_thread];
	for (i = 0; i < w->nthreads; i++) {
		if (w->threads[i].pid == pid) {
			w->last_thread = i;
			return &w->threads[i];
		}
	}
	if (w->nthreads == w->cap_threads) {
		w->cap_threads = w->cap_threads ? 2 * w->cap_threads : 16;
		w->threads = vr_xrealloc(w->threads, w->cap_threads * sizeof(*w->threads));
	}
	t = &w->threads[w->nthreads];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->vcpu = VR_NO_VALUE;
	t->weak_vcpu = VR_NO_VALUE;
	t->first_ts_ns = VR_NO_VALUE;
	w->last_thread = w->nthreads++;
	return t;
}

/* See tracedb.h: a strong mapping replaces a weak one, never the reverse. */
void trace_writer_map_thread(struct trace_writer *w, int32_t pid, int64_t vcpu,
			     const char *source, int strong, int64_t ts_ns)
{
	struct thread_info *t = thread_get(w, pid);

	if (!strong) {
		if (t->weak_vcpu == VR_NO_VALUE)
			t->weak_vcpu = vcpu;
		else if (t->weak_vcpu != vcpu)
			t->weak_conflict = 1;
		return;
	}
	if (t->vcpu != VR_NO_VALUE && t->strong)
		return;
	t->vcpu = vcpu;
	t->strong = 1;
	t->first_ts_ns = ts_ns;
	t->mapped_from_id = w->next_id;
	snprintf(t->source, sizeof(t->source), "%s", source);
}

/*
 * Give an event its id and, for kinds that run on the vCPU's thread, the
 * vCPU its thread is mapped to; count it. Fills the record's event part.
 */
static void take_event(struct trace_writer *w, const struct vr_event *ev, struct op_event *op)
{
	struct thread_info *t = thread_get(w, ev->pid);

	op->id = w->next_id++;
	w->recent_ts[op->id % RECENT_EVENTS] = ev->ts_ns;
	op->ev = *ev;
	if (vr_event_kind_on_vcpu_thread(ev->kind)) {
		t->runs_guest = 1;
		if (ev->vcpu == VR_NO_VALUE)
			op->ev.vcpu = t->vcpu;
	}
	t->last_seen_id = op->id;
	w->stats.events++;
	if (w->stats.first_ts_ns == VR_NO_VALUE)
		w->stats.first_ts_ns = ev->ts_ns;
	w->stats.last_ts_ns = ev->ts_ns;
}

/* Append one event; see tracedb.h. */
int64_t trace_writer_event(struct trace_writer *w, const struct vr_event *ev)
{
	struct op_event *op;

	if (writer_failed(w))
		return -1;
	op = op_reserve(w, OP_EVENT, sizeof(*op));
	take_event(w, ev, op);
	return op->id;
}

/* Append a snapshot event and its registers; see tracedb.h. */
int64_t trace_writer_snapshot(struct trace_writer *w, const struct vr_event *ev,
			      const struct vr_snapshot *snap)
{
	int nr_lrs = snap->nr_lrs < 0 ? 0 : snap->nr_lrs > VR_MAX_LRS ? VR_MAX_LRS : snap->nr_lrs;
	struct op_snapshot *op;

	if (writer_failed(w))
		return -1;
	if (ev->vcpu != VR_NO_VALUE)
		trace_writer_map_thread(w, ev->pid, ev->vcpu, "snapshot", 1, ev->ts_ns);
	op = op_reserve(w, OP_SNAPSHOT, sizeof(*op) + (size_t)nr_lrs * sizeof(op->lr[0]));
	take_event(w, ev, &op->e);
	op->gic_version = snap->gic_version;
	op->nr_lrs = nr_lrs;
	op->used_lrs = snap->used_lrs;
	op->hcr = snap->hcr;
	op->vmcr = snap->vmcr;
	op->apr = snap->apr;
	memcpy(op->ap0r, snap->ap0r, sizeof(op->ap0r));
	memcpy(op->ap1r, snap->ap1r, sizeof(op->ap1r));
	memcpy(op->lr, snap->lr, (size_t)nr_lrs * sizeof(op->lr[0]));
	w->stats.snapshots++;
	if (snap->gic_version == 5 && snap->ppi.recorded) {
		int64_t id = op->e.id;
		struct op_ppi *pp = op_reserve(w, OP_PPI, sizeof(*pp));

		pp->event_id = id;
		pp->ppi = snap->ppi;
		op = NULL; /* op_reserve may have moved the batch */
		if (snap->gic_version > w->stats.max_gic_version_seen)
			w->stats.max_gic_version_seen = snap->gic_version;
		return id;
	}
	if (snap->gic_version > w->stats.max_gic_version_seen)
		w->stats.max_gic_version_seen = snap->gic_version;
	if (nr_lrs > w->stats.max_nr_lrs_seen)
		w->stats.max_nr_lrs_seen = nr_lrs;
	return op->e.id;
}

/* Queue a gap record after the last event so far, and count it. */
static int add_gap(struct trace_writer *w, int32_t cpu, int64_t lost, int window,
		   int64_t start_ns, int64_t end_ns, int64_t src_pos, int64_t after_id)
{
	struct op_gap *op;

	if (writer_failed(w))
		return -1;
	op = op_reserve(w, OP_GAP, sizeof(*op));
	op->cpu = cpu;
	op->window = window;
	op->lost = lost < 0 ? VR_NO_VALUE : lost;
	op->after_id = after_id;
	op->start_ns = start_ns;
	op->end_ns = end_ns;
	op->src_pos = src_pos;
	w->stats.gaps++;
	if (lost > 0) /* a capture's counts can be anything: saturate, never wrap */
		w->stats.lost = lost > INT64_MAX - w->stats.lost ? INT64_MAX : w->stats.lost + lost;
	return 0;
}

/* Record lost events; the gap's end is filled by the next event on that CPU. */
int trace_writer_gap(struct trace_writer *w, int32_t cpu, int64_t lost, int64_t src_pos)
{
	return add_gap(w, cpu, lost, 0, w->stats.last_ts_ns, VR_NO_VALUE, src_pos,
		       w->next_id > 1 ? w->next_id - 1 : VR_NO_VALUE);
}

/*
 * The last event before start_ns among the recent ones: back from the
 * newest while they are at start_ns or later (VR_NO_VALUE when that
 * passes the first event; the oldest kept, less one, when it passes
 * those kept).
 */
static int64_t last_event_before(const struct trace_writer *w, int64_t start_ns)
{
	int64_t id = w->next_id - 1, oldest = w->next_id - RECENT_EVENTS;

	if (oldest < 1)
		oldest = 1;
	while (id >= oldest && w->recent_ts[id % RECENT_EVENTS] >= start_ns)
		id--;
	return id >= 1 ? id : VR_NO_VALUE;
}

/*
 * See tracedb.h: a gap with both ends known, so no event has to close it;
 * it goes before the recent events inside its window.
 */
int trace_writer_gap_window(struct trace_writer *w, int32_t cpu, int64_t lost, int64_t start_ns,
			    int64_t end_ns)
{
	return add_gap(w, cpu, lost, 1, start_ns, end_ns, VR_NO_VALUE, last_event_before(w, start_ns));
}

/* Count an unknown event by name (bounded table of names). */
static void count_unknown(struct trace_writer *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nunknown; i++) {
		if (!strcmp(w->unknown[i].name, name)) {
			w->unknown[i].count++;
			return;
		}
	}
	if (w->nunknown >= MAX_UNKNOWN_NAMES)
		name = "(other)";
	w->unknown = vr_xrealloc(w->unknown, (w->nunknown + 1) * sizeof(*w->unknown));
	w->unknown[w->nunknown].name = vr_xstrdup(name);
	w->unknown[w->nunknown].count = 1;
	w->nunknown++;
}

/* Keep the first problems verbatim (text cut at 512 bytes) and count all of them. */
int trace_writer_problem(struct trace_writer *w, int64_t src_pos, const char *problem,
			 const char *event, const char *reason, const char *text, size_t text_len)
{
	const char *s[4] = {problem, event, reason, text};
	size_t n[4], total = 0;
	struct op_problem *op;
	char *p;
	int i;

	if (writer_failed(w))
		return -1;
	if (!strcmp(problem, "unknown_event")) {
		s[0] = "unknown_event";
		w->stats.unknown++;
		count_unknown(w, event ? event : "(unnamed)");
	} else {
		s[0] = "unparsed"; /* the only other value import_problems.problem takes */
		w->stats.unparsed++;
	}
	if (w->problems_kept >= MAX_PROBLEMS_KEPT)
		return 0;
	w->problems_kept++;
	for (i = 0; i < 4; i++) {
		n[i] = !s[i] ? 0 : i == 3 ? (text_len > 512 ? 512 : text_len) : strlen(s[i]);
		total += n[i];
	}
	op = op_reserve(w, OP_PROBLEM, sizeof(*op) + total);
	op->src_pos = src_pos;
	for (i = 0, p = op->data; i < 4; i++) {
		op->len[i] = s[i] ? (uint32_t)n[i] : NO_STRING;
		memcpy(p, s[i] ? s[i] : "", n[i]);
		p += n[i];
	}
	return 0;
}

/* See tracedb.h: AP-list rows of one walk, and whether the walk was cut short. */
int trace_writer_ap_list(struct trace_writer *w, int64_t event_id, const struct vr_ap_entry *e,
			 int n, int truncated)
{
	struct op_ap_list *op;

	if (writer_failed(w))
		return -1;
	n = n < 0 ? 0 : n;
	op = op_reserve(w, OP_AP_LIST, sizeof(*op) + (size_t)n * sizeof(*e));
	op->event_id = event_id;
	op->n = n;
	op->truncated = truncated;
	memcpy(op->e, e, (size_t)n * sizeof(*e));
	return 0;
}

/* The slot for a trace_info column, or NULL if the name is not allowed. */
static struct info_value *info_slot(struct trace_writer *w, const char *column)
{
	size_t i;

	for (i = 0; i < w->ninfo; i++)
		if (!strcmp(w->info[i].column, column))
			return &w->info[i];
	for (i = 0; i < sizeof(info_columns) / sizeof(info_columns[0]); i++) {
		if (!strcmp(info_columns[i], column)) {
			struct info_value *v = &w->info[w->ninfo++];

			memset(v, 0, sizeof(*v));
			v->column = info_columns[i];
			return v;
		}
	}
	return NULL;
}

/* Set a text trace_info column (NULL value clears it). */
void trace_writer_info_text(struct trace_writer *w, const char *column, const char *value)
{
	struct info_value *v = info_slot(w, column);

	if (!v)
		return;
	free(v->text);
	v->text = value ? vr_xstrdup(value) : NULL;
	v->is_text = 1;
}

/* Set an integer trace_info column. */
void trace_writer_info_int(struct trace_writer *w, const char *column, int64_t value)
{
	struct info_value *v = info_slot(w, column);

	if (!v)
		return;
	free(v->text);
	v->text = NULL;
	v->num = value;
	v->is_text = 0;
}

/* The counters so far. */
const struct trace_writer_stats *trace_writer_stats(const struct trace_writer *w)
{
	return &w->stats;
}

/* Run one statement with two integer parameters (the attribution fixes). */
static int exec_fix(struct trace_writer *w, const char *q, int64_t a, int64_t b, int64_t c)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(w->sql, q, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_int64(st, 3, c);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	snprintf(w->err, sizeof(w->err), "vcpu attribution: %s", sqlite3_errmsg(w->sql));
	return -1;
}

/*
 * Decide each guest-running thread's vCPU and fix its early events, then
 * write the vms and vcpus tables.
 */
static int resolve_threads(struct trace_writer *w)
{
	char fix_q[192];
	static const char vcpu_q[] =
		"INSERT OR IGNORE INTO vcpus(vm, vcpu, thread_id, source, first_ts_ns) "
		"VALUES (0, ?1, ?2, ?3, ?4)";
	sqlite3_stmt *st;
	size_t i;

	/* The kinds of a vCPU's own thread that a guest run brackets (no MMIO: it names its vCPU). */
	snprintf(fix_q, sizeof(fix_q),
		 "UPDATE events SET vcpu = ?1 WHERE id < ?3 AND pid = ?2 AND vcpu IS NULL "
		 "AND kind IN (%d, %d, %d, %d, %d)",
		 VR_EV_ENTRY, VR_EV_EXIT, VR_EV_WAKEUP, VR_EV_WFX, VR_EV_USERSPACE_EXIT);
	for (i = 0; i < w->nthreads; i++) {
		struct thread_info *t = &w->threads[i];
		int64_t upto = t->mapped_from_id;

		if (!t->runs_guest && !t->strong)
			continue;
		if (!t->strong) {
			if (t->weak_vcpu == VR_NO_VALUE || t->weak_conflict)
				continue;
			t->vcpu = t->weak_vcpu;
			snprintf(t->source, sizeof(t->source), "private-irq");
			upto = w->next_id;
		}
		if (upto > 1 && exec_fix(w, fix_q, t->vcpu, t->pid, upto))
			return -1;
		if (sqlite3_prepare_v2(w->sql, vcpu_q, -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(st, 1, t->vcpu);
		sqlite3_bind_int(st, 2, t->pid);
		sqlite3_bind_text(st, 3, t->source, -1, SQLITE_TRANSIENT);
		bind_opt(st, 4, t->first_ts_ns);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return 0;
}

/* Write the single trace_info row from the collected values and counters. */
static int write_info(struct trace_writer *w)
{
	char cols[1024] = "id, format_version, created_by, created_at, first_ts_ns, last_ts_ns, "
			  "events_total, snapshots_total, events_unparsed, events_unknown, "
			  "events_lost, gaps_total";
	char vals[512] = "1, ?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?3, ?4, ?5, ?6, ?7, "
			 "?8, ?9, ?10";
	char q[2048];
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < w->ninfo; i++) {
		size_t n = strlen(cols), m = strlen(vals);

		snprintf(cols + n, sizeof(cols) - n, ", %s", w->info[i].column);
		snprintf(vals + m, sizeof(vals) - m, ", ?%zu", 11 + i);
	}
	snprintf(q, sizeof(q), "INSERT OR REPLACE INTO trace_info(%s) VALUES (%s)", cols, vals);
	if (sqlite3_prepare_v2(w->sql, q, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int(st, 1, VR_TRACE_FORMAT_VERSION);
	sqlite3_bind_text(st, 2, "vgic-replay " VR_VERSION, -1, SQLITE_STATIC);
	bind_opt(st, 3, w->stats.first_ts_ns);
	bind_opt(st, 4, w->stats.last_ts_ns);
	sqlite3_bind_int64(st, 5, w->stats.events);
	sqlite3_bind_int64(st, 6, w->stats.snapshots);
	sqlite3_bind_int64(st, 7, w->stats.unparsed);
	sqlite3_bind_int64(st, 8, w->stats.unknown);
	sqlite3_bind_int64(st, 9, w->stats.lost);
	sqlite3_bind_int64(st, 10, w->stats.gaps);
	for (i = 0; i < w->ninfo; i++) {
		if (w->info[i].is_text && w->info[i].text)
			sqlite3_bind_text(st, (int)(11 + i), w->info[i].text, -1, SQLITE_STATIC);
		else if (w->info[i].is_text)
			sqlite3_bind_null(st, (int)(11 + i));
		else
			sqlite3_bind_int64(st, (int)(11 + i), w->info[i].num);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	snprintf(w->err, sizeof(w->err), "trace_info: %s", sqlite3_errmsg(w->sql));
	return -1;
}

/* See tracedb.h: make the batch durable and keep trace_info current. */
int trace_writer_commit(struct trace_writer *w, struct vr_error *err)
{
	wait_stored(w);
	if (writer_failed(w))
		return vr_error_set(err, "%s", w->err);
	if (write_info(w))
		return vr_error_set(err, "%s", w->err);
	if (tracedb_exec(w->db, "COMMIT", err) || tracedb_exec(w->db, "BEGIN", err))
		return -1;
	return 0;
}

/* See tracedb.h. */
const char *trace_writer_error(const struct trace_writer *w)
{
	return writer_failed(w) ? w->err : "no error";
}

/* Is this one of the trace_info columns write_info() always writes itself? */
static int info_column_is_own(const char *name)
{
	static const char *const own[] = {"id",		    "format_version", "created_by",
					  "created_at",	    "first_ts_ns",    "last_ts_ns",
					  "events_total",   "snapshots_total", "events_unparsed",
					  "events_unknown", "events_lost",    "gaps_total"};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcmp(name, own[i]))
			return 1;
	return 0;
}

/* See tracedb.h. */
int trace_writer_keep_info(struct trace_writer *w, struct vr_error *err)
{
	sqlite3_stmt *st;
	int i;

	wait_stored(w);
	if (sqlite3_prepare_v2(w->sql, "SELECT * FROM trace_info WHERE id = 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return vr_error_set(err, "trace_info: %s", sqlite3_errmsg(w->sql));
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);

			if (info_column_is_own(name))
				continue;
			if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
				trace_writer_info_int(w, name, sqlite3_column_int64(st, i));
			else if (sqlite3_column_type(st, i) == SQLITE_TEXT)
				trace_writer_info_text(w, name,
						       (const char *)sqlite3_column_text(st, i));
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* Write the unknown-event counts. */
static int write_unknown(struct trace_writer *w)
{
	sqlite3_stmt *st;
	size_t i;

	if (sqlite3_prepare_v2(w->sql, "INSERT OR REPLACE INTO unknown_events VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < w->nunknown; i++) {
		sqlite3_bind_text(st, 1, w->unknown[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, w->unknown[i].count);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

/* Stop the writer thread and free everything the writer owns (statements, maps, batches). */
static void writer_free(struct trace_writer *w)
{
	size_t i;

	stop_pipeline(w);
	sqlite3_finalize(w->ins_run_events);
	sqlite3_finalize(w->ins_run_snapshots);
	sqlite3_create_module(w->sql, "vr_run_events", NULL, NULL); /* they read w */
	sqlite3_create_module(w->sql, "vr_run_snapshots", NULL, NULL);
	sqlite3_finalize(w->ins_lr_more);
	sqlite3_finalize(w->ins_gap);
	sqlite3_finalize(w->end_gap);
	sqlite3_finalize(w->ins_problem);
	sqlite3_finalize(w->ins_ap);
	sqlite3_finalize(w->ins_ppi);
	sqlite3_finalize(w->upd_ap_truncated);
	sqlite3_exec(w->sql, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
	for (i = 0; i < w->nunknown; i++)
		free(w->unknown[i].name);
	for (i = 0; i < w->ninfo; i++)
		free(w->info[i].text);
	for (i = 0; i < NR_BATCHES; i++)
		free(w->batch[i].buf);
	free(w->unknown);
	free(w->threads);
	free(w->gaps);
	free(w);
}

/* Finish the load; see tracedb.h. */
int trace_writer_finish(struct trace_writer *w, struct vr_error *err)
{
	int rc = -1;

	stop_pipeline(w);
	if (writer_failed(w)) {
		vr_error_set(err, "%s", w->err);
		goto out;
	}
	if (resolve_threads(w) || write_info(w) || write_unknown(w)) {
		vr_error_set(err, "%s", w->err[0] ? w->err : sqlite3_errmsg(w->sql));
		goto out;
	}
	/*
	 * Snapshots stored before the GIC was known (gic_version 0) get the
	 * one the input said in the end; only now, with every row stored by
	 * the writer's thread, can that reach them all.
	 */
	if (tracedb_exec(w->db,
			 "UPDATE snapshots SET gic_version = (SELECT gic_version FROM trace_info) "
			 "WHERE gic_version = 0 AND (SELECT gic_version FROM trace_info) IS NOT NULL",
			 err))
		goto out;
	if (tracedb_exec(w->db,
			 "INSERT INTO vms(vm, vmm_pid, source) VALUES "
			 "(0, NULL, 'assumed: the input does not tell VMs apart')",
			 err))
		goto out;
	if (tracedb_exec(w->db, vr_schema_index_sql, err) || tracedb_exec(w->db, "COMMIT", err))
		goto out;
	rc = 0;
out:
	writer_free(w);
	return rc;
}

/* Give up: store nothing more, roll back and free (the caller deletes the temporary file). */
void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	__atomic_store_n(&w->aborting, 1, __ATOMIC_RELAXED);
	stop_pipeline(w);
	sqlite3_exec(w->sql, "ROLLBACK", NULL, NULL, NULL);
	writer_free(w);
}
