/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace database: the one SQLite file format that importers and the
 * collector write and that replay, the TUI and `sql` read.
 *
 * Opening checks that a file is ours (PRAGMA application_id) and of a
 * version we understand (PRAGMA user_version), reading older versions as
 * they are and migrating them forward when opened for writing. Writing is
 * a streaming bulk load inside one transaction on a fresh file, stored by
 * a thread of the writer's own while the caller parses, indexes last.
 */
#ifndef VR_TRACEDB_H
#define VR_TRACEDB_H

#include <sqlite3.h>
#include <stdint.h>

#include "../common/vr_common.h"
#include "trace_event.h"

#define VR_TRACE_FORMAT_VERSION 3
#define VR_TRACE_FORMAT_OLDEST 1 /* the oldest format that opens read-only as it is */
#define VR_TRACE_APPLICATION_ID 0x76676963 /* "vgic" */

struct tracedb;

enum tracedb_open_flags {
	TRACEDB_READONLY = 0,
	TRACEDB_READWRITE = 1, /* also migrates an older format forward */
	TRACEDB_ONE_THREAD = 2, /* with READWRITE: only the opening thread uses the
				   connection (no trace_writer), so no mutex around each call */
};

/*
 * Open an existing trace database, checking identity and version. A file
 * of an older format (VR_TRACE_FORMAT_OLDEST and up) opens read-only as it
 * is (tracedb_format_version() tells which); opened for writing, it is
 * migrated to the current format first, in one transaction per step, and
 * the connection can write LRs through snapshot_lrs as in format 1.
 */
struct tracedb *tracedb_open(const char *path, int flags, struct vr_error *err);

/*
 * Create a new, empty trace database at path, which must not exist, tuned
 * for a one-shot bulk load (no journal: the caller writes to a temporary
 * file and renames it into place only when the load succeeded).
 */
struct tracedb *tracedb_create(const char *path, struct vr_error *err);

/*
 * Create a new trace database for live recording: write-ahead log and
 * periodic commits (trace_writer_commit), so that a killed recorder
 * leaves a file that opens with every committed batch.
 */
struct tracedb *tracedb_create_durable(const char *path, struct vr_error *err);

/* Close the database; NULL is allowed. */
void tracedb_close(struct tracedb *db);

/* The underlying SQLite handle, for read queries (after the writer's barrier). */
sqlite3 *tracedb_sqlite(struct tracedb *db);

/* The format version stored in the file (PRAGMA user_version). */
int tracedb_format_version(struct tracedb *db);

/* The file's path, for messages. */
const char *tracedb_path(const struct tracedb *db);

/* How many events the file holds; -1 if it cannot be read. */
int64_t tracedb_count_events(struct tracedb *db);

/* Did the last write fail for want of space (SQLITE_FULL, a write I/O error)? */
int tracedb_disk_full(struct tracedb *db);

/* Roll back the open transaction, if any (after a failed write). */
void tracedb_rollback(struct tracedb *db);

/* The message of the last SQLite error on the file. */
const char *tracedb_errmsg(struct tracedb *db);

/* Run SQL that returns no rows; on failure fill err with the SQLite message. */
int tracedb_exec(struct tracedb *db, const char *sql, struct vr_error *err);

/*
 * A capture cache's identity (capture_source.key): what the trace is a
 * cache of. Stored once, in a new file before it is renamed into place;
 * tracedb_source_key_is() says whether a file holds that key (0 when it
 * holds another, none, or cannot be read).
 */
int tracedb_set_source_key(struct tracedb *db, const char *key, struct vr_error *err);
int tracedb_source_key_is(struct tracedb *db, const char *key);

/*
 * The SQL text of the schema (embedded at build time): format 1's tables
 * and views, the step from format 1 to 2 (also run on every new file, so
 * a new file is format 1 migrated), the TEMP triggers that make format 2's
 * snapshot_lrs view writable on connections opened for writing, the step
 * from format 2 to 3 (GICv5 PPI snapshots, trace_info.synthetic), and the
 * indexes.
 */
extern const char vr_schema_sql[];
extern const char vr_schema_v2_sql[];
extern const char vr_schema_lr_writes_sql[];
extern const char vr_schema_v3_sql[];
extern const char vr_schema_index_sql[];

/*
 * For the bulk writer only: a function that tracedb_exec() and
 * tracedb_sqlite() call first, so that SQL the caller runs while a load is
 * under way waits for the rows the writer's thread has not stored yet, and
 * never runs beside it. NULL removes it.
 */
void tracedb_set_barrier(struct tracedb *db, void (*barrier)(void *), void *arg);

/* ---------------------------------------------------------------- bulk writer */

struct trace_writer;

/*
 * Start a bulk load into a database made by tracedb_create() (or one that
 * holds no events yet); events are numbered from 1 in the order given.
 */
struct trace_writer *trace_writer_begin(struct tracedb *db, struct vr_error *err);

/*
 * Append one event, returning its id (events.id) or -1. The writer's
 * thread stores it after the call returns: -1 says that an insert failed,
 * this one's or an earlier one's (trace_writer_error() tells which). The
 * vcpu field may be VR_NO_VALUE; the writer fills it from the thread-to-vCPU
 * map when it knows the mapping, and trace_writer_finish() fills the rest.
 */
int64_t trace_writer_event(struct trace_writer *w, const struct vr_event *ev);

/* Append a snapshot: its event (kind VR_EV_FLUSH/SYNC/POST) and registers. */
int64_t trace_writer_snapshot(struct trace_writer *w, const struct vr_event *ev,
			      const struct vr_snapshot *snap);

/*
 * Record that the given thread runs the given vCPU, with how we know
 * ("snapshot", "private-irq", ...). Stronger sources override weaker ones;
 * the first mapping of a thread is used to attribute its earlier events.
 */
void trace_writer_map_thread(struct trace_writer *w, int32_t pid, int64_t vcpu,
			     const char *source, int strong, int64_t ts_ns);

/* One AP-list entry as the collector read it (struct vgic_irq after prune). */
struct vr_ap_entry {
	uint32_t intid;
	int priority;
	int active, pending_latch, line_level, enabled, hw, level_config;
	int target_vcpu;
};

/* Attach an AP-list walk to the vgic_post snapshot event event_id. */
int trace_writer_ap_list(struct trace_writer *w, int64_t event_id, const struct vr_ap_entry *e,
			 int n, int truncated);

/*
 * Store and commit everything appended so far and start a new batch (live
 * recording); fails if an insert failed.
 */
int trace_writer_commit(struct trace_writer *w, struct vr_error *err);

/* Record a gap: the tracer lost `lost` events on cpu (lost < 0: unknown). */
int trace_writer_gap(struct trace_writer *w, int32_t cpu, int64_t lost, int64_t src_pos);

/* Record a gap whose time window is known (the collector's drop counters). */
int trace_writer_gap_window(struct trace_writer *w, int32_t cpu, int64_t lost, int64_t start_ns,
			    int64_t end_ns);

/* Record input that was not imported (problem "unparsed" or "unknown_event"). */
int trace_writer_problem(struct trace_writer *w, int64_t src_pos, const char *problem,
			 const char *event, const char *reason, const char *text, size_t text_len);

/* Set a trace_info column (text or integer); applied at finish. */
void trace_writer_info_text(struct trace_writer *w, const char *column, const char *value);
void trace_writer_info_int(struct trace_writer *w, const char *column, int64_t value);

/* Counters the writer keeps while loading. */
struct trace_writer_stats {
	int64_t events;
	int64_t snapshots;
	int64_t unparsed;
	int64_t unknown;
	int64_t lost;
	int64_t gaps;
	int64_t first_ts_ns;
	int64_t last_ts_ns;
	int max_gic_version_seen;
	int max_nr_lrs_seen;
};

const struct trace_writer_stats *trace_writer_stats(const struct trace_writer *w);

/* The first failure of an insert, for a message ("no error" if none). */
const char *trace_writer_error(const struct trace_writer *w);

/*
 * Carry over the trace_info values an existing file already holds (its
 * source, host, kernel...), which the next commit would otherwise replace:
 * for finishing a recording whose recorder was killed (record --finish).
 */
int trace_writer_keep_info(struct trace_writer *w, struct vr_error *err);

/*
 * Resolve vCPU attribution, write trace_info, vms and vcpus, build the
 * indexes and commit. Frees the writer whether or not it succeeds.
 */
int trace_writer_finish(struct trace_writer *w, struct vr_error *err);

/* Abandon the load (the caller removes the temporary file). */
void trace_writer_abort(struct trace_writer *w);

#endif
