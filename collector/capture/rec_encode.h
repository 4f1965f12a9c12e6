/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An item of the event stream (schemas/trace_reader.h) encoded back into
 * the records the BPF programs put in the ring buffer (vgic.h): an event,
 * a snapshot followed by its AP-list walk, a gap as the recorder's gap
 * record. A stored trace played as a recording being made (`record
 * --from-trace`, `top --from-trace`) goes through the collector's own
 * path from there on; live_source.h decodes them back into the same items.
 */
#ifndef VR_REC_ENCODE_H
#define VR_REC_ENCODE_H

#include <stddef.h>

#include "../../schemas/trace_reader.h"
#include "store.h"

/* Where each record goes, with its size. */
typedef void (*rec_emit_fn)(void *arg, const void *rec, size_t size);

/* The records of one item (gic: the trace's GIC, 0 unknown), each given to emit(arg, ...). */
void rec_encode_item(const struct trace_item *it, int gic, rec_emit_fn emit, void *arg);

#endif
