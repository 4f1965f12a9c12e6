/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder's spool file (see spool.h): appends of length-prefixed,
 * 8-byte padded records straight to the file (a write() each call, so a
 * killed recorder loses nothing it appended), and a reader that tells a
 * record cut short by a kill (the end) from a damaged file (an error
 * naming the offset).
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_BUFFER (1u << 20) /* the reader's stdio buffer */
#define ALIGN8(n)    (((n) + 7u) & ~(size_t)7u)

/* See spool.h. */
char *spool_path_of(const char *output)
{
	size_t n = strlen(output) + sizeof(".spool");
	char *p = vr_xmalloc(n);

	snprintf(p, n, "%s.spool", output);
	return p;
}

/* Write all of a buffer, or remember why not. */
static int write_all(struct spool *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n && !s->failed_errno) {
		ssize_t k = write(s->fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			s->failed_errno = k < 0 ? errno : EIO;
		else {
			p += k;
			n -= (size_t)k;
		}
	}
	return s->failed_errno ? -1 : 0;
}

/* See spool.h. */
struct spool *spool_create(const char *path, struct vr_error *err)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (!s) {
		vr_error_set(err, "%s: out of memory", path);
		return NULL;
	}
	s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s->fd < 0) {
		vr_error_set(err, "%s: %s", path, strerror(errno));
		free(s);
		return NULL;
	}
	s->path = vr_xstrdup(path);
	if (write_all(s, SPOOL_MAGIC, 8)) {
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
	unsigned char frame[4 + SPOOL_MAX_RECORD + 8] = {0};
	size_t size = ALIGN8(4 + (size_t)n);

	if (n > SPOOL_MAX_RECORD) {
		s->failed_errno = EINVAL;
		return -1;
	}
	memcpy(frame, &n, 4);
	memcpy(frame + 4, data, n);
	return spool_append_framed(s, frame, size, 1);
}

/* See spool.h. */
int spool_append_framed(struct spool *s, const void *frames, size_t bytes, size_t records)
{
	if (write_all(s, frames, bytes))
		return -1;
	s->records += (int64_t)records;
	s->bytes += (int64_t)bytes;
	return 0;
}

/* See spool.h. */
int spool_close(struct spool *s)
{
	int rc;

	if (!s)
		return 0;
	rc = s->failed_errno ? -1 : 0;
	if (close(s->fd) && !rc)
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
	unsigned char len[4], skip[8];
	size_t got = fread(len, 1, 4, r->f), pad;

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
	pad = ALIGN8(4 + (size_t)*n) - 4 - *n;
	if (got == *n && pad)
		got += fread(skip, 1, pad, r->f);
	if (got < *n + pad) {
		r->torn += 4 + (int64_t)got;
		return 0;
	}
	r->pos += 4 + (int64_t)(*n + pad);
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
