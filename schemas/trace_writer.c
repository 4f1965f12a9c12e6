/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The streaming bulk writer of trace databases.
 *
 * Importers and the collector hand it events one at a time. It binds them
 * to prepared statements inside a single transaction, so its cost is close
 * to SQLite's bare insert rate (bench/ measures the ratio). Its memory is
 * bounded by the number of host threads, CPUs and distinct unknown event
 * names, never by the length of the trace.
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

#include <stdlib.h>
#include <string.h>

#define MAX_PROBLEMS_KEPT 1000
#define MAX_UNKNOWN_NAMES 4096

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

struct trace_writer {
	struct tracedb *db;
	sqlite3 *sql;
	sqlite3_stmt *ins_event, *ins_snapshot, *ins_lr, *ins_gap, *ins_problem, *end_gap;
	sqlite3_stmt *ins_ap, *upd_ap_truncated;
	int64_t next_id;
	struct thread_info *threads;
	size_t nthreads, cap_threads;
	size_t last_thread; /* cache: consecutive events mostly come from one thread */
	struct open_gap *gaps;
	size_t ngaps, cap_gaps;
	struct {
		char *name;
		int64_t count;
	} *unknown;
	size_t nunknown;
	struct info_value info[32];
	size_t ninfo;
	struct trace_writer_stats stats;
	int64_t problems_kept;
	int failed;
	struct vr_error *err_sink;
	char err[512];
};

/* trace_info columns importers may set; anything else is a programming error. */
static const char *const info_columns[] = {
	"source_file",	  "source_format",	"capture_tool", "capture_options",
	"host",		  "kernel_release",	"kernel_release_source",
	"gic_version",	  "gic_version_source", "vgic_model",	"nr_lrs",
	"nr_lrs_source",  "clock",		"input_records",
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

/* Start the load: one transaction, all statements prepared once. */
struct trace_writer *trace_writer_begin(struct tracedb *db, struct vr_error *err)
{
	struct trace_writer *w = vr_xcalloc(1, sizeof(*w));

	w->db = db;
	w->sql = tracedb_sqlite(db);
	w->next_id = 1;
	w->stats.first_ts_ns = VR_NO_VALUE;
	w->stats.last_ts_ns = VR_NO_VALUE;
	if (tracedb_exec(db, "BEGIN", err))
		goto fail;
	if (prepare(w,
		    "INSERT INTO events(id, ts_ns, cpu, pid, vm, vcpu, kind, intid, arg0, arg1, "
		    "arg2, arg3, src_pos) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    &w->ins_event) ||
	    prepare(w,
		    "INSERT INTO snapshots(event_id, phase, gic_version, used_lrs, nr_lrs, hcr, "
		    "vmcr, apr, ap0r0, ap0r1, ap0r2, ap0r3, ap1r0, ap1r1, ap1r2, ap1r3) "
		    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    &w->ins_snapshot) ||
	    prepare(w, "INSERT INTO snapshot_lrs(event_id, lr, value) VALUES (?,?,?)",
		    &w->ins_lr) ||
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
		    "INSERT INTO import_problems(src_pos, problem, event, reason, text) "
		    "VALUES (?,?,?,?,?)",
		    &w->ins_problem)) {
		vr_error_set(err, "%s", w->err);
		goto fail;
	}
	return w;
fail:
	trace_writer_abort(w);
	return NULL;
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
	if (!w->failed)
		snprintf(w->err, sizeof(w->err), "insert: %s", sqlite3_errmsg(w->sql));
	w->failed = 1;
	return -1;
}

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

/* Events that happen on the vCPU's own thread and so inherit its vCPU id. */
static int kind_runs_on_vcpu_thread(enum vr_event_kind kind)
{
	switch (kind) {
	case VR_EV_ENTRY:
	case VR_EV_EXIT:
	case VR_EV_WAKEUP:
	case VR_EV_WFX:
	case VR_EV_USERSPACE_EXIT:
	case VR_EV_MMIO:
		return 1;
	default:
		return 0;
	}
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

/* Append one event; see tracedb.h. */
int64_t trace_writer_event(struct trace_writer *w, const struct vr_event *ev)
{
	sqlite3_stmt *st = w->ins_event;
	struct thread_info *t = thread_get(w, ev->pid);
	int64_t vcpu = ev->vcpu;
	int64_t id = w->next_id;
	int i;

	if (kind_runs_on_vcpu_thread(ev->kind))
		t->runs_guest = 1;
	if (vcpu == VR_NO_VALUE && kind_runs_on_vcpu_thread(ev->kind))
		vcpu = t->vcpu;
	t->last_seen_id = id;
	if (w->ngaps)
		close_gaps_on_cpu(w, ev->cpu, ev->ts_ns);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ev->ts_ns);
	sqlite3_bind_int(st, 3, ev->cpu);
	sqlite3_bind_int(st, 4, ev->pid);
	sqlite3_bind_int(st, 5, 0);
	bind_opt(st, 6, vcpu);
	sqlite3_bind_int(st, 7, ev->kind);
	bind_opt(st, 8, ev->intid);
	for (i = 0; i < 4; i++)
		bind_opt(st, 9 + i, ev->arg[i]);
	bind_opt(st, 13, ev->src_pos);
	if (step_reset(w, st))
		return -1;
	w->next_id++;
	w->stats.events++;
	if (w->stats.first_ts_ns == VR_NO_VALUE)
		w->stats.first_ts_ns = ev->ts_ns;
	w->stats.last_ts_ns = ev->ts_ns;
	return id;
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

/* Append a snapshot event and its registers; see tracedb.h. */
int64_t trace_writer_snapshot(struct trace_writer *w, const struct vr_event *ev,
			      const struct vr_snapshot *snap)
{
	sqlite3_stmt *st = w->ins_snapshot;
	int64_t id;
	int i;

	if (ev->vcpu != VR_NO_VALUE)
		trace_writer_map_thread(w, ev->pid, ev->vcpu, "snapshot", 1, ev->ts_ns);
	id = trace_writer_event(w, ev);
	if (id < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, phase_name(ev->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, snap->gic_version);
	bind_opt(st, 4, snap->used_lrs);
	sqlite3_bind_int(st, 5, snap->nr_lrs);
	bind_opt(st, 6, snap->hcr);
	bind_opt(st, 7, snap->vmcr);
	bind_opt(st, 8, snap->apr);
	for (i = 0; i < 4; i++) {
		bind_opt(st, 9 + i, snap->ap0r[i]);
		bind_opt(st, 13 + i, snap->ap1r[i]);
	}
	if (step_reset(w, st))
		return -1;
	for (i = 0; i < snap->nr_lrs; i++) {
		sqlite3_bind_int64(w->ins_lr, 1, id);
		sqlite3_bind_int(w->ins_lr, 2, i);
		sqlite3_bind_int64(w->ins_lr, 3, (int64_t)snap->lr[i]);
		if (step_reset(w, w->ins_lr))
			return -1;
	}
	w->stats.snapshots++;
	if (snap->gic_version > w->stats.max_gic_version_seen)
		w->stats.max_gic_version_seen = snap->gic_version;
	if (snap->nr_lrs > w->stats.max_nr_lrs_seen)
		w->stats.max_nr_lrs_seen = snap->nr_lrs;
	return id;
}

/* Record lost events; the gap's end is filled by the next event on that CPU. */
int trace_writer_gap(struct trace_writer *w, int32_t cpu, int64_t lost, int64_t src_pos)
{
	sqlite3_stmt *st = w->ins_gap;

	sqlite3_bind_int(st, 1, cpu);
	bind_opt(st, 2, lost < 0 ? VR_NO_VALUE : lost);
	bind_opt(st, 3, w->next_id > 1 ? w->next_id - 1 : VR_NO_VALUE);
	bind_opt(st, 4, w->stats.last_ts_ns);
	bind_opt(st, 5, src_pos);
	if (step_reset(w, st))
		return -1;
	if (w->ngaps == w->cap_gaps) {
		w->cap_gaps = w->cap_gaps ? 2 * w->cap_gaps : 8;
		w->gaps = vr_xrealloc(w->gaps, w->cap_gaps * sizeof(*w->gaps));
	}
	w->gaps[w->ngaps].cpu = cpu;
	w->gaps[w->ngaps].gap_id = sqlite3_last_insert_rowid(w->sql);
	w->ngaps++;
	w->stats.gaps++;
	if (lost > 0)
		w->stats.lost += lost;
	return 0;
}

/* See tracedb.h: a gap with both ends known, so no event has to close it. */
int trace_writer_gap_window(struct trace_writer *w, int32_t cpu, int64_t lost, int64_t start_ns,
			    int64_t end_ns)
{
	sqlite3_stmt *st = w->ins_gap;

	sqlite3_bind_int(st, 1, cpu);
	bind_opt(st, 2, lost < 0 ? VR_NO_VALUE : lost);
	bind_opt(st, 3, w->next_id > 1 ? w->next_id - 1 : VR_NO_VALUE);
	bind_opt(st, 4, start_ns);
	sqlite3_bind_null(st, 5);
	if (step_reset(w, st))
		return -1;
	sqlite3_bind_int64(w->end_gap, 1, end_ns);
	sqlite3_bind_int64(w->end_gap, 2, sqlite3_last_insert_rowid(w->sql));
	if (step_reset(w, w->end_gap))
		return -1;
	w->stats.gaps++;
	if (lost > 0)
		w->stats.lost += lost;
	return 0;
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

/* Keep the first problems verbatim and count all of them. */
int trace_writer_problem(struct trace_writer *w, int64_t src_pos, const char *problem,
			 const char *event, const char *reason, const char *text, size_t text_len)
{
	sqlite3_stmt *st = w->ins_problem;
	int unknown = !strcmp(problem, "unknown_event");

	if (unknown) {
		w->stats.unknown++;
		count_unknown(w, event ? event : "(unnamed)");
	} else {
		w->stats.unparsed++;
	}
	if (w->problems_kept >= MAX_PROBLEMS_KEPT)
		return 0;
	w->problems_kept++;
	bind_opt(st, 1, src_pos);
	sqlite3_bind_text(st, 2, problem, -1, SQLITE_STATIC);
	if (event)
		sqlite3_bind_text(st, 3, event, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	if (reason)
		sqlite3_bind_text(st, 4, reason, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 4);
	if (text)
		sqlite3_bind_text(st, 5, text, text_len > 512 ? 512 : (int)text_len,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	return step_reset(w, st);
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
	static const char fix_q[] =
		"UPDATE events SET vcpu = ?1 WHERE id < ?3 AND pid = ?2 AND vcpu IS NULL "
		"AND kind IN (5, 6, 7, 8, 10)";
	static const char vcpu_q[] =
		"INSERT OR IGNORE INTO vcpus(vm, vcpu, thread_id, source, first_ts_ns) "
		"VALUES (0, ?1, ?2, ?3, ?4)";
	sqlite3_stmt *st;
	size_t i;

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

/* See tracedb.h: AP-list rows of one walk, and whether the walk was cut short. */
int trace_writer_ap_list(struct trace_writer *w, int64_t event_id, const struct vr_ap_entry *e,
			 int n, int truncated)
{
	sqlite3_stmt *st = w->ins_ap;
	int i;

	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, event_id);
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
	sqlite3_bind_int(w->upd_ap_truncated, 1, truncated);
	sqlite3_bind_int64(w->upd_ap_truncated, 2, event_id);
	return step_reset(w, w->upd_ap_truncated);
}

/* See tracedb.h: make the batch durable and keep trace_info current. */
int trace_writer_commit(struct trace_writer *w, struct vr_error *err)
{
	if (w->failed)
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
	return w->failed ? w->err : "no error";
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

/* Free everything the writer owns (statements, maps). */
static void writer_free(struct trace_writer *w)
{
	size_t i;

	sqlite3_finalize(w->ins_event);
	sqlite3_finalize(w->ins_snapshot);
	sqlite3_finalize(w->ins_lr);
	sqlite3_finalize(w->ins_gap);
	sqlite3_finalize(w->end_gap);
	sqlite3_finalize(w->ins_problem);
	sqlite3_finalize(w->ins_ap);
	sqlite3_finalize(w->upd_ap_truncated);
	for (i = 0; i < w->nunknown; i++)
		free(w->unknown[i].name);
	for (i = 0; i < w->ninfo; i++)
		free(w->info[i].text);
	free(w->unknown);
	free(w->threads);
	free(w->gaps);
	free(w);
}

/* Finish the load; see tracedb.h. */
int trace_writer_finish(struct trace_writer *w, struct vr_error *err)
{
	int rc = -1;

	if (w->failed) {
		vr_error_set(err, "%s", w->err);
		goto out;
	}
	if (resolve_threads(w) || write_info(w) || write_unknown(w)) {
		vr_error_set(err, "%s", w->err[0] ? w->err : sqlite3_errmsg(w->sql));
		goto out;
	}
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

/* Give up: roll back and free (the caller deletes the temporary file). */
void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	sqlite3_exec(w->sql, "ROLLBACK", NULL, NULL, NULL);
	writer_free(w);
}
