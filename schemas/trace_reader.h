/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a trace: the one stream of typed records every consumer reads
 * (check, predict, report, the TUI, and later the live watcher), and the
 * few facts about a trace they need before the stream starts.
 *
 * A stream yields, in trace order, the same records the write path takes
 * (struct vr_event, struct vr_snapshot) plus the gaps where the tracer
 * lost events, so a consumer written against struct trace_source cannot
 * tell a trace file from another source of the same records. The SQL
 * behind it lives here and nowhere else: readers name the kinds they
 * want (VR_KIND_BIT) and the window, never a query.
 */
#ifndef VR_TRACE_READER_H
#define VR_TRACE_READER_H

#include <stdint.h>

#include "tracedb.h"

/* What one item of the stream is. */
enum trace_item_type {
	TRACE_ITEM_EVENT, /* an event, with its snapshot for the snapshot kinds */
	TRACE_ITEM_GAP,	  /* the tracer lost events here */
};

/* The highest vCPU id a trace may name (KVM's own limit is 4096 vCPUs per VM). */
#define TRACE_MAX_VCPUS 4096

/*
 * The latest time a trace may hold: 2^62 ns, 146 years of uptime, so that
 * the replay's windows (a time plus a span) never overflow.
 */
#define TRACE_MAX_TS_NS (INT64_C(1) << 62)

/* The AP-list length of a vgic_post whose walk was cut short. */
#define TRACE_AP_LEN_TRUNCATED 1000000

/* The AP-list entries a stream item carries (the collector walks at most 32). */
#define TRACE_MAX_AP 32

/* One item of the stream. Fields that do not apply hold VR_NO_VALUE (events) or 0. */
struct trace_item {
	enum trace_item_type type;
	int64_t id;	     /* events.id; for a gap the last event before it (0: none) */
	struct vr_event ev;  /* the event; ev.kind == VR_EV_NONE for a gap */
	int has_snapshot;    /* a snapshot kind whose registers were recorded */
	struct vr_snapshot snap; /* lr[] zero where not recorded, nr_lrs capped at VR_MAX_LRS */
	int ap_len;	     /* vgic_post: AP-list length walked, -1 without a walk */
	int nap;	     /* entries in ap[]: the walk's, when ap_len <= TRACE_MAX_AP, else 0 */
	struct vr_ap_entry ap[TRACE_MAX_AP]; /* the kernel's AP list after the prune, in order */
	struct {
		int64_t lost;	  /* events lost, -1 unknown */
		int64_t start_ns; /* 0 unknown */
		int64_t end_ns;	  /* where the loss may end (a window), 0 unknown */
		int32_t cpu;
	} gap;
};

/* Which items a stream yields. */
struct trace_filter {
	uint64_t kinds;		/* VR_KIND_BIT set; 0: every kind */
	int gaps;		/* interleave the gaps (before the first event after them) */
	int snapshots;		/* read the registers of snapshot kinds */
	int apr;		/* ... and their active-priority registers (else VR_NO_VALUE) */
	int apr_all;		/* ... all of them; else only apr, ap0r[0] and ap1r[0] (KVM's
				   5 priority bits need no more; the others read VR_NO_VALUE) */
	int ap_len;		/* compute vgic_post's AP-list length */
	int ap_entries;		/* ... and read its entries (trace_item.ap) */
	int64_t id_lo, id_hi;	/* events.id window, VR_NO_VALUE: open */
	int64_t vcpu;		/* one vCPU, VR_NO_VALUE: all */
	int64_t intid;		/* one INTID, VR_NO_VALUE: all */
	int64_t from_ns, to_ns; /* time window, VR_NO_VALUE: open */
};

/* A filter that yields everything, with registers: change what you need. */
void trace_filter_init(struct trace_filter *f);

/*
 * A source of items in trace order: a trace file's cursor
 * (trace_cursor_source) or any other producer of the same records.
 * next() returns 1 with an item, 0 at the end, -1 on error (err set).
 */
struct trace_source {
	int (*next)(void *self, struct trace_item *it, struct vr_error *err);
	void *self;
};

/* A stream over a trace file. */
struct trace_cursor;

struct trace_cursor *trace_cursor_open(struct tracedb *db, const struct trace_filter *f,
				       struct vr_error *err);
/*
 * The next item: 1, 0 at the end, -1 with err set on a read error or a
 * row whose values a trace cannot hold (each event is checked here, so
 * consumers may index by its vCPU, INTID class and LR count).
 */
int trace_cursor_next(struct trace_cursor *c, struct trace_item *it, struct vr_error *err);
void trace_cursor_close(struct trace_cursor *c);

/*
 * Is an event item within what a trace can hold? 0, or -1 with err
 * naming the event. Every source checks its items with it, so that a
 * consumer may index by vCPU, INTID and LR count whatever the source.
 */
int trace_item_validate(const struct trace_item *it, struct vr_error *err);

/* The cursor as a source (valid while the cursor is open). */
struct trace_source trace_cursor_source(struct trace_cursor *c);

/* What trace_info says, and a few facts of the events, for setting up a replay. */
struct trace_facts {
	char kernel_release[128]; /* "" unknown */
	char synthetic[256];	  /* "": recorded; else how it was generated (format 3) */
	int gic_version;	  /* 0 unknown */
	int nr_lrs;		  /* 0 unknown */
	int64_t snapshots_total;
	int64_t first_ts_ns, last_ts_ns; /* VR_NO_VALUE unknown */
	int nr_vcpus;			 /* highest vCPU in the events + 1 (1 if none) */
	int64_t max_intid;		 /* -1 none */
	int64_t max_event_id;
	uint64_t kinds_present; /* VR_KIND_BIT of the kinds that occur */
};

/* Read the facts; -1 with err set on a file that is not readable. */
int trace_facts_read(struct tracedb *db, struct trace_facts *f, struct vr_error *err);

#endif
