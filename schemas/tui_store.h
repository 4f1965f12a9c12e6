/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the TUI keeps in a trace file and what it looks up there, by name.
 *
 * Two kinds of access live here. The per-zoom summaries (tables
 * tui_summary_levels, tui_summary and tui_summary_irq; see
 * docs/trace-format.md) are written once per trace, when the trace is
 * made (`import`) or, failing that, at the TUI's first open, and read a
 * few hundred rows per zoomed-out screen. The lookups serve one screen
 * each: the trace's span, the event and the snapshot at the cursor, the
 * findings near it, the next event of a vCPU, an INTID or a kind, the
 * last event of some kinds before a time, the gaps in a window. Each is
 * one indexed seek or a short range scan, so that a screen of a trace of
 * any size costs the same.
 *
 * The SQL is here and the TUI hands over plain values (ui/ holds no SQL).
 * Raw events in trace order, which the TUI's scanner reads for zoomed-in
 * screens and for building the summaries, come from the event stream
 * (trace_reader.h) instead. Kinds are named by VR_EV_* or VR_KIND_BIT
 * sets, never by number.
 */
#ifndef VR_TUI_STORE_H
#define VR_TUI_STORE_H

#include <stdint.h>

#include "findings_store.h"
#include "tracedb.h"

/* ---------------------------------------------------------------- the trace */

/* The facts the TUI's model starts from; VR_NO_VALUE where the file does not say. */
struct tui_trace_info {
	int64_t first_ns, last_ns; /* trace_info.first_ts_ns, last_ts_ns */
	int64_t events_total;	   /* trace_info.events_total */
	int64_t max_event_id;	   /* the last events.id (0: no events) */
	int64_t nvcpus;		   /* highest vCPU in the vcpus table + 1 */
};

/* Read them; an unreadable value is VR_NO_VALUE rather than an error. */
void tui_store_trace_info(struct tracedb *db, struct tui_trace_info *ti);

/* ---------------------------------------------------------------- summaries */

/* One tui_summary_levels row: a level's bucket width and what it was built from. */
struct tui_summary_level {
	int level;
	int64_t bucket_ns, origin_ns, buckets;
	int64_t events_total, last_ts_ns; /* of the trace when it was built */
	int version;			  /* the builder's meaning of a bucket */
};

/* One tui_summary row: what a vCPU did in a bucket. */
struct tui_lane_row {
	int level, vcpu;
	int64_t bucket;
	int64_t ns[3]; /* run_ns, host_ns, wfi_ns */
	int32_t events, injections, flushes, max_lrs;
	int32_t host_cpu; /* -1: none */
};

/*
 * One tui_summary_irq row: what an interrupt of a vCPU did in a bucket;
 * at level 0 also its lifecycle there, the TUI's own encoding of the
 * transitions (ui/timeline.c), which zoomed-in screens draw.
 */
struct tui_irq_row {
	int level, vcpu;
	int64_t bucket, intid;
	int64_t ns[2]; /* pending_ns, active_ns */
	int32_t injections;
	const uint8_t *life; /* lifecycle bytes, NULL: none; valid during the callback */
	int life_len;
};

/*
 * The stored levels in level order, at most max of them; returns how many
 * rows there are (up to max), -1 when there are no summaries to read.
 */
int tui_store_levels(struct tracedb *db, struct tui_summary_level *lv, int max);

/* Called for each summary row read; arg is the reader's. */
typedef void (*tui_lane_fn)(void *arg, const struct tui_lane_row *r);
typedef void (*tui_irq_fn)(void *arg, const struct tui_irq_row *r);

/*
 * Read buckets [b_lo, b_hi] of one level: for each vCPU below nvcpus in
 * turn its lane rows, then its interrupt rows (only INTID intid unless
 * intid < 0; none when irq is NULL), each in bucket order. -1 when the
 * summaries cannot be read.
 */
int tui_store_summary_read(struct tracedb *db, int level, int nvcpus, int64_t b_lo, int64_t b_hi,
			   int64_t intid, tui_lane_fn lane, tui_irq_fn irq, void *arg);

/*
 * Read the level-0 interrupt rows of buckets [b_lo, b_hi] that keep a
 * lifecycle, for each vCPU below nvcpus (only INTID intid unless intid <
 * 0), in bucket order. -1 when the summaries cannot be read.
 */
int tui_store_lifecycle_read(struct tracedb *db, int nvcpus, int64_t b_lo, int64_t b_hi,
			     int64_t intid, tui_irq_fn irq, void *arg);

/*
 * Writing the summaries: one transaction that replaces whatever summaries
 * the file held. When the file cannot take them (opened read-only, or
 * another writer holds it) they go to temporary tables of this connection
 * instead, which the readers above then find first, for this session only.
 */
struct tui_summary_writer;

/* Begin: drop the old tables, create the new ones; NULL with err set on failure. */
struct tui_summary_writer *tui_summary_writer_begin(struct tracedb *db, struct vr_error *err);

/* True when the summaries go to memory rather than to the file. */
int tui_summary_writer_in_memory(const struct tui_summary_writer *w);

/* Add rows; -1 on failure, which commit then reports (and rolls back). */
int tui_summary_writer_lane(struct tui_summary_writer *w, const struct tui_lane_row *r);
int tui_summary_writer_irq(struct tui_summary_writer *w, const struct tui_irq_row *r);
int tui_summary_writer_level(struct tui_summary_writer *w, const struct tui_summary_level *lv);

/* Commit (or, after a failed add, roll back with err set); frees w either way. */
int tui_summary_writer_commit(struct tui_summary_writer *w, struct vr_error *err);

/* Roll back and free w; NULL is allowed. */
void tui_summary_writer_abort(struct tui_summary_writer *w);

/* Drop the summaries from the file, so that the next open builds them again. */
int tui_store_summary_drop(struct tracedb *db, struct vr_error *err);

/* ---------------------------------------------------------------- raw events */

/* The id of the first event at or after ts (dir > 0; INT64_MAX: none) or the last before ts (-1: none). */
int64_t tui_store_event_id_at(struct tracedb *db, int64_t ts, int dir);

/* An event found by a lookup: where it is and what it is. */
struct tui_event_ref {
	int64_t id, ts_ns;
	enum vr_event_kind kind;
};

/*
 * The last event of one of kinds (a VR_KIND_BIT set) at or before ts
 * (inclusive) or strictly before it, of vCPU vcpu (VR_NO_VALUE: any).
 * Returns 1 with *out filled, 0 when there is none.
 */
int tui_store_last_event(struct tracedb *db, int64_t vcpu, uint64_t kinds, int64_t ts,
			 int inclusive, struct tui_event_ref *out);

/* Which events a search wants; VR_NO_VALUE and NULL match any. */
struct tui_event_match {
	int64_t vcpu, intid;
	const char *kind_name; /* as event_kinds names the kind */
};

/*
 * The time of the first event after ts (dir > 0) or the last before it
 * (dir < 0) that matches m (NULL: any event); VR_NO_VALUE when none does.
 */
int64_t tui_store_next_event(struct tracedb *db, int64_t ts, int dir,
			     const struct tui_event_match *m);

/* The event at or just after a time, with the names its kind gives its arguments. */
struct tui_event {
	int64_t id;
	struct vr_event ev;	/* VR_NO_VALUE where not recorded */
	char kind_name[48];
	char arg_name[4][32];	/* "" where the kind does not use the argument */
};

/* The first event at or after ts whose kind event_kinds knows: 1 with *e filled, 0 none. */
int tui_store_event_at(struct tracedb *db, int64_t ts, struct tui_event *e);

/* The event whose id is id (as check and sql name events): 1 with *e filled, 0 none. */
int tui_store_event_by_id(struct tracedb *db, int64_t id, struct tui_event *e);

/* One list register of a snapshot, decoded as the lrs_v view decodes it. */
struct tui_lr {
	int lr, priority, hw;
	int64_t vintid, pintid; /* pintid 0 unless hw */
	char state[16];		/* pending, active, pending+active, invalid */
};

/* A snapshot, its control registers decoded as the snapshots_v view decodes them. */
struct tui_snapshot {
	int64_t event_id;
	int has_regs; /* the snapshots row exists (else only the LRs below, if any) */
	char phase[8];
	int vcpu, used_lrs;
	char hcr[24], vmcr[24]; /* in hex, as the view prints them */
	int eoicount, en, uie, npie, lrenpie, tdir; /* ICH_HCR (GICH_HCR) */
	int eoimode, pmr;			     /* ICH_VMCR (GICH_VMCR) */
	int nlrs;
	struct tui_lr lr[VR_MAX_LRS]; /* the LRs in use, in LR order */
	int has_ppis; /* GICv5: a ppi_snapshots row; PPIs 0-63 in hex, APR too */
	char pendr[24], activer[24], enabler[24], dvir[24], apr[24];
};

/* The last flush or sync at or before ts: 1 with *s filled, 0 when there is none. */
int tui_store_snapshot_at(struct tracedb *db, int64_t ts, struct tui_snapshot *s);

/* The gaps whose time window overlaps [from, to): fn(arg, start, end, lost), lost VR_NO_VALUE unknown. */
void tui_store_gaps(struct tracedb *db, int64_t from, int64_t to,
		    void (*fn)(void *arg, int64_t start, int64_t end, int64_t lost), void *arg);

/* ---------------------------------------------------------------- findings */

/*
 * The latest stored check run (replay_runs.status 'done') under profile,
 * the trace's own kernel's: a what-if run under another profile is not
 * the trace's findings. 0: none.
 */
int64_t tui_store_own_run(struct tracedb *db, const char *profile);

/*
 * The latest stored plain check (no --profile, no filters): the run
 * whose profile check chose itself, from the kernel release or from a
 * diagnosis of what the kernel did. Its profile name goes to profile.
 * 0: none.
 */
int64_t tui_store_plain_run(struct tracedb *db, char *profile, size_t n);

/* One finding as the TUI shows it; valid during the callback only. */
struct tui_finding {
	const char *kind, *explanation;
	int64_t ts_ns, vcpu, intid; /* VR_NO_VALUE where not recorded */
};

/*
 * The findings of run nearest to ts, at most limit of them, nearest first
 * (untimed ones, whose distance is unknown, before all others): fn(arg, f)
 * for each until it returns nonzero. intid >= 0 keeps only that
 * interrupt's.
 */
void tui_store_findings_near(struct tracedb *db, int64_t run, int64_t ts, int64_t intid, int limit,
			     int (*fn)(void *arg, const struct tui_finding *f), void *arg);

/*
 * The time of the first finding of run after ts (dir > 0) or the last
 * before it (dir < 0), trace gaps left out, intid >= 0 keeping only that
 * interrupt's; VR_NO_VALUE when there is none.
 */
int64_t tui_store_next_finding(struct tracedb *db, int64_t run, int64_t ts, int dir, int64_t intid);

/*
 * Walk the findings of run in [from, to) (trace gaps left out, intid >= 0
 * keeping only that interrupt's) by seeking: mark(arg, ts) gets the first
 * at or after `from` and returns the time to seek from next, so a caller
 * that wants one finding per screen column seeks once per column however
 * many findings the run has.
 */
void tui_store_finding_marks(struct tracedb *db, int64_t run, int64_t intid, int64_t from,
			     int64_t to, int64_t (*mark)(void *arg, int64_t ts), void *arg);

/*
 * Every finding of run in the order check made them: fn(arg, f) for each
 * until it returns nonzero. The number given, -1 when the run's findings
 * cannot be read.
 */
int tui_store_run_findings(struct tracedb *db, int64_t run,
			   int (*fn)(void *arg, const struct tui_finding *f), void *arg);

/*
 * The accounting check stored with run (replay_counts), by vCPU then
 * INTID, intid >= 0 keeping only that interrupt's: fn(arg, c) for each.
 * The number of rows, -1 when the run has none stored (an older
 * vgic-replay's run, or a file without the table).
 */
int tui_store_run_counts(struct tracedb *db, int64_t run, int64_t intid,
			 void (*fn)(void *arg, const struct stored_count *c), void *arg);

/* The agreement counts check stored with run (replay_agreement): 0, or -1 when none. */
int tui_store_run_agreement(struct tracedb *db, int64_t run, struct stored_agreement *a);

#endif
