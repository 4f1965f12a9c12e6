/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder's spool: the BPF collector's records, as they came out of
 * the ring buffer, appended to a file next to the trace database
 * (FILE.spool) while the recording runs, and turned into trace rows only
 * when it stops. Storing a record costs a copy; turning it into SQLite
 * rows costs far more, and the traced host's guests should not pay for
 * that while they run (trace-cmd, too, writes raw pages and converts
 * later). A recorder killed mid-way leaves the spool, with every record
 * written before; `vgic-replay record --finish FILE` stores them.
 *
 * Format: the 8 bytes "VRSPOOL1", then records, each a uint32_t length
 * (little-endian: the host's order on arm64 and x86), that many bytes (a
 * struct vgic_rec_* of vgic.h, or the recorder's gap record) and padding
 * to a multiple of 8: the framing of the recorder's in-memory queue
 * (flight.h), so that the queue's records are written out as they lie,
 * without a copy each. A record cut short by a kill at the end of the
 * file is ignored, and said so.
 */
#ifndef VR_SPOOL_H
#define VR_SPOOL_H

#include <stdint.h>
#include <stdio.h>

#include "../../common/vr_common.h"

#define SPOOL_MAGIC	 "VRSPOOL1"
#define SPOOL_MAX_RECORD 4096 /* larger lengths mean a damaged file */

struct spool {
	int fd;
	char *path;
	int64_t records;  /* appended */
	int64_t bytes;	  /* appended, header included */
	int failed_errno; /* the first write error, 0 if none */
};

/* FILE.spool, the spool of the trace database FILE (the caller frees it). */
char *spool_path_of(const char *output);

/* Create (or truncate) the spool at path; NULL with err set on failure. */
struct spool *spool_create(const char *path, struct vr_error *err);

/*
 * Append one record; -1 once a write has failed. Each call is a write():
 * what it appended survives the recorder being killed.
 */
int spool_append(struct spool *s, const void *data, uint32_t n);

/*
 * Append `records` records already framed as the spool frames them (a span
 * of the recorder's queue, flight_oldest_span()); -1 once a write has failed.
 */
int spool_append_framed(struct spool *s, const void *frames, size_t bytes, size_t records);

/* Close and free; NULL allowed. Returns -1 if a write had failed. */
int spool_close(struct spool *s);

struct spool_reader {
	FILE *f;
	char *path;
	int64_t size;	 /* bytes in the file */
	int64_t pos;	 /* bytes read so far */
	int64_t records; /* records read so far */
	int64_t torn;	 /* bytes of a record cut short at the end (a killed recorder) */
};

/* Open a spool for reading, checking its magic; NULL with err naming the file. */
struct spool_reader *spool_open(const char *path, struct vr_error *err);

/*
 * The next record into buf (cap bytes): 1 with *n set; 0 at the end (a
 * record cut short at the end counts as the end, in torn); -1 with err
 * set, naming the file and the offset, when the file is damaged.
 */
int spool_next(struct spool_reader *r, void *buf, uint32_t cap, uint32_t *n, struct vr_error *err);

/* Close and free; NULL allowed. */
void spool_reader_close(struct spool_reader *r);

#endif
