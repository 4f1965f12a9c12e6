/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector's records as the event stream of schemas/trace_reader.h:
 * the same struct trace_item a trace file's cursor yields, made from the
 * BPF records as they arrive (from the ring, the in-memory queue or a
 * spool), so that a consumer of the stream (the replay driver, a live
 * watcher) cannot tell a recording being made from one stored.
 *
 * Rows are decoded by the store's own decoders (store.h); ids are given
 * in record order as the trace's writer gives them; a vgic_post snapshot
 * gets the length of the AP-list walk that follows it (looked for among
 * the next LIVE_LOOKAHEAD records, as the ring interleaves CPUs); an event
 * of a vCPU's thread gets the vCPU that thread was last seen to run, as
 * the writer does while it writes. What only the end of a recording can
 * tell (the vCPU of a thread's events before its first snapshot, which
 * the writer fills in when it finishes) stays unknown in a live stream.
 */
#ifndef VR_LIVE_SOURCE_H
#define VR_LIVE_SOURCE_H

#include "../../schemas/trace_reader.h"
#include "store.h"

#define LIVE_LOOKAHEAD 64

/* A record stream: the next record into slot (STORE_SLOT bytes): 1, 0 at the end, -1 with err. */
typedef int (*live_next_record_fn)(void *arg, unsigned char *slot, struct vr_error *err);

struct live_source;

/* A live stream over the records next() gives. */
struct live_source *live_source_new(live_next_record_fn next, void *arg);
void live_source_free(struct live_source *ls);

/* The live stream as a struct trace_source (valid while ls lives). */
struct trace_source live_source_as_source(struct live_source *ls);

/* A record stream over a spool being read (arg: a struct spool_reader *). */
int live_spool_next(void *spool_reader, unsigned char *slot, struct vr_error *err);

#endif
