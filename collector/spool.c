/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder's spool file (see spool.h): buffered appends of
 * length-prefixed records, and a reader that tells a record cut short by
 * a kill (the end) from a damaged file (an error naming the offset).
 */
#include "spool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SPOOL_BUFFER (1u << 20) /* stdio buffer: one write() per megabyte */

/* See spool.h. */
struct spool *spool_create(const char *path, struct vr_error *err)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (!s) {
		vr_error_set(err, "%s: out of memory", path);
		return NULL;
	}
	s->f = fopen(path, "wb");
	if (!s->f) {
		vr_error_set(err, "%s: %s", path, strerror(errno));
		free(s);
		return NULL;
	}
	setvbuf(s->f, NULL, _IOFBF, SPOOL_BUFFER);
	s->path = vr_xstrdup(path);
	if (fwrite(SPOOL_MAGIC, 1, 8, s->f) != 8 || spool_flush(s)) {
		vr_error_set(err, "%s: %s", path, strerror(s->failed_errno));
		spool_close(s);
		return NULL;
	}
	s->bytes = 8;
	return s;
}

/* See spool.h. */
int spool_append(struct spool *s, const void *data, uint32_t n)
{
	unsigned char len[4] = {n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >> 24};

	if (s->failed_errno)
		return -1;
	if (fwrite(len, 1, 4, s->f) != 4 || fwrite(data, 1, n, s->f) != n) {
		s->failed_errno = errno ? errno : EIO;
		return -1;
	}
	s->records++;
	s->bytes += 4 + (int64_t)n;
	return 0;
}

/* See spool.h. */
int spool_flush(struct spool *s)
{
	if (!s->failed_errno && fflush(s->f))
		s->failed_errno = errno ? errno : EIO;
	return s->failed_errno ? -1 : 0;
}

/* See spool.h. */
int spool_close(struct spool *s)
{
	int rc;

	if (!s)
		return 0;
	rc = spool_flush(s);
	if (fclose(s->f) && !rc)
		rc = -1;
	free(s->path);
	free(s);
	return rc;
}

/* See spool.h. */
struct spool_reader *spool_open(const char *path, struct vr_error *err)
{
	struct spool_reader *r;
	char magic[8];
	struct stat sb;
	FILE *f = fopen(path, "rb");

	if (!f) {
		vr_error_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) || fread(magic, 1, 8, f) != 8 || memcmp(magic, SPOOL_MAGIC, 8)) {
		vr_error_set(err, "%s: not a vgic-replay spool (no %s header)", path, SPOOL_MAGIC);
		fclose(f);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, SPOOL_BUFFER);
	r = calloc(1, sizeof(*r));
	if (!r) {
		vr_error_set(err, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	r->f = f;
	r->path = vr_xstrdup(path);
	r->size = sb.st_size;
	r->pos = 8;
	return r;
}

/* See spool.h. */
int spool_next(struct spool_reader *r, void *buf, uint32_t cap, uint32_t *n, struct vr_error *err)
{
	unsigned char len[4];
	size_t got = fread(len, 1, 4, r->f);

	if (got < 4) {
		r->torn += (int64_t)got;
		return 0;
	}
	*n = (uint32_t)len[0] | (uint32_t)len[1] << 8 | (uint32_t)len[2] << 16 |
	     (uint32_t)len[3] << 24;
	if (*n > cap || *n > SPOOL_MAX_RECORD) {
		vr_error_set(err, "%s: damaged at byte %lld: a record of %u bytes", r->path,
			     (long long)r->pos, *n);
		return -1;
	}
	got = fread(buf, 1, *n, r->f);
	if (got < *n) {
		r->torn += 4 + (int64_t)got;
		return 0;
	}
	r->pos += 4 + (int64_t)*n;
	r->records++;
	return 1;
}

/* See spool.h. */
void spool_reader_close(struct spool_reader *r)
{
	if (!r)
		return;
	fclose(r->f);
	free(r->path);
	free(r);
}
