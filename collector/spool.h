/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder's spool: the BPF collector's records, as they came out of
 * the ring buffer, appended to a file next to the trace database
 * (FILE.spool) while the recording runs, and turned into trace rows only
 * when it stops. Storing a record costs a copy; turning it into SQLite
 * rows costs far more, and the traced host's guests should not pay for
 * that while they run (trace-cmd, too, writes raw pages and converts
 * later). A recorder killed mid-way leaves the spool, with every record
 * flushed before; `vgic-replay record --finish FILE` stores them.
 *
 * Format: the 8 bytes "VRSPOOL1", then records, each a little-endian
 * uint32_t length and that many bytes (a struct vgic_rec_* of vgic.h, or
 * the recorder's gap record). A record cut short by a kill at the end of
 * the file is ignored, and said so.
 */
#ifndef VR_SPOOL_H
#define VR_SPOOL_H

#include <stdint.h>
#include <stdio.h>

#include "../common/vr_common.h"

#define SPOOL_MAGIC	 "VRSPOOL1"
#define SPOOL_MAX_RECORD 4096 /* larger lengths mean a damaged file */

struct spool {
	FILE *f;
	char *path;
	int64_t records;  /* appended */
	int64_t bytes;	  /* appended, header included */
	int failed_errno; /* the first write error, 0 if none */
};

/* Create (or truncate) the spool at path; NULL with err set on failure. */
struct spool *spool_create(const char *path, struct vr_error *err);

/* Append one record (buffered); -1 once a write has failed. */
int spool_append(struct spool *s, const void *data, uint32_t n);

/* Hand everything appended to the kernel, so that a killed recorder keeps it; -1 on error. */
int spool_flush(struct spool *s);

/* Close (flushing) and free; NULL allowed. Returns -1 if the final flush failed. */
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
