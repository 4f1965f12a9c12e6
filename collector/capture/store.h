/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Storing the BPF collector's records as trace rows: the records of
 * vgic.h as they came out of the ring buffer, and the recorder's own gap
 * records, turned into events, snapshots, AP lists and gaps through the
 * importers' writer. A streaming recording stores its spool so when it
 * stops, `record --finish` the spool a killed recorder left, and a flight
 * window the records it holds in memory: all three through this one
 * decoder, so they give the same rows.
 */
#ifndef VR_STORE_H
#define VR_STORE_H

#include <stdint.h>

#include "../../schemas/trace_event.h"
#include "../../schemas/tracedb.h"
#include "record.h"
#include "vgic.h"

struct trace_writer;

/* Room for any one record, the largest being an AP-list walk. */
#define STORE_SLOT sizeof(struct vgic_rec_aplist)

/*
 * A gap the recorder found (records lost in BPF or in its own queue),
 * passed along with the records so that it lands where they do.
 */
#define VGIC_REC_GAP 100
#define GAP_CPU_UNKNOWN 0xffff /* a gap's h.cpu when the loss names no CPU (recursion misses) */

struct gap_rec {
	struct vgic_rec_hdr h; /* type VGIC_REC_GAP, cpu (or GAP_CPU_UNKNOWN), ts = end of the window */
	long long lost;
	unsigned long long start_ns;
};

/* The CPU of a gap record as the trace has it: -1 when unknown. */
int gap_rec_cpu(const struct gap_rec *g);

/* Where the records go, and what a walk of the AP list attaches to. */
struct rec_store {
	struct trace_writer *w;
	struct record_stats *st;      /* events, snapshots, ap_lists, spool_torn counted here */
	int64_t last_post_event[256]; /* per vCPU: its last vgic_post snapshot's event id */
};

/*
 * Decode a record as a trace row: an event (a trapped DIR or SGI in the
 * layout its hook names), or a snapshot's event and registers. The store
 * and the live stream (live_source.h) both decode through these.
 */
void rec_decode_event(const struct vgic_rec_event *e, struct vr_event *ev);
void rec_decode_snapshot(const struct vgic_rec_snapshot *r, struct vr_event *ev,
			 struct vr_snapshot *snap);

/* An AP-list walk as the trace stores it: up to VGIC_REC_MAX_AP entries into e; returns how many. */
int rec_decode_aplist(const struct vgic_rec_aplist *a, struct vr_ap_entry *e);

/* Begin storing into w, counting in st. */
void rec_store_init(struct rec_store *s, struct trace_writer *w, struct record_stats *st);

/*
 * Store one record (slot holds STORE_SLOT bytes, zero past the record):
 * 0, or -1 when the writer failed (trace_writer_error() says why).
 */
int rec_store_one(struct rec_store *s, const unsigned char *slot);

/*
 * Store a spool's records, in spool order, showing the progress on a tty.
 * The rows stay in the writer's open transaction: the caller's
 * trace_writer_finish() commits them all at once, so a store cut short
 * leaves the spool to do again, never half of it in the file. output
 * names the trace in messages. Returns 0, or -1 with err set.
 */
int rec_store_spool(struct rec_store *s, const char *path, const char *output,
		    struct vr_error *err);

#endif
