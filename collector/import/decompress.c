/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compressed captures decompressed in process (decompress.h): one input
 * buffer refilled from the file descriptor, one codec step at a time into
 * the caller's buffer. Each codec reads concatenated streams as its own
 * program does (xz -dc, gzip -dc, zstd -dc) and refuses what follows the
 * last one if it is not another stream; the end of the input inside a
 * stream is "unexpected end of input", which is how a capture copied
 * while it was still being written shows.
 */
#define _POSIX_C_SOURCE 200809L
#include "decompress.h"

#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "../../common/vr_common.h"

#define IN_CHUNK (256 << 10)
#define XZ_MEMLIMIT (1ull << 30) /* xz -9 needs 65 MiB to decompress; hostile headers ask more */

struct vr_decompressor {
	enum vr_compression kind;
	int fd;
	unsigned char *in;  /* IN_CHUNK bytes; in[in_pos, in_len) not yet decoded */
	size_t in_pos, in_len;
	int in_eof;	    /* fd has nothing more */
	uint64_t in_base;   /* compressed bytes before in[0] */
	uint64_t out_total; /* decompressed bytes handed out */
	int done;	    /* the last stream ended with the input */
	int stalled;	    /* steps in a row that moved nothing */
	char *error;	    /* why it failed, or NULL */
	lzma_stream xz;
	z_stream gz;
	int gz_in_member;   /* inside a gzip member (not between two) */
	ZSTD_DCtx *zs;
	size_t zs_hint;	    /* ZSTD_decompressStream's last answer: 0 at a frame's end */
};

/* See decompress.h. */
enum vr_compression vr_compression_of(const unsigned char *h, size_t n)
{
	if (n >= 6 && !memcmp(h, "\xfd" "7zXZ\0", 6))
		return VR_COMPRESSION_XZ;
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return VR_COMPRESSION_GZIP;
	if (n >= 4 && !memcmp(h, "\x28\xb5\x2f\xfd", 4))
		return VR_COMPRESSION_ZSTD;
	return VR_COMPRESSION_NONE;
}

/* See decompress.h. */
const char *vr_compression_name(enum vr_compression c)
{
	switch (c) {
	case VR_COMPRESSION_XZ:
		return "xz";
	case VR_COMPRESSION_GZIP:
		return "gzip";
	case VR_COMPRESSION_ZSTD:
		return "zstd";
	case VR_COMPRESSION_NONE:
		break;
	}
	return "none";
}

/* Record why decoding stopped, with where in the compressed input; returns -1. */
static int fail(struct vr_decompressor *d, const char *why)
{
	char buf[512];

	if (!d->error) {
		snprintf(buf, sizeof(buf), "at byte %llu of the %s data, after %llu bytes decompressed: %s",
			 (unsigned long long)(d->in_base + d->in_pos), vr_compression_name(d->kind),
			 (unsigned long long)d->out_total, why);
		d->error = vr_xstrdup(buf);
	}
	errno = EIO;
	return -1;
}

/*
 * Read the next chunk of compressed input once the buffer is used up:
 * 0 (maybe at the end of the input), -1 with errno EINTR, or -1 failed.
 */
static int refill(struct vr_decompressor *d)
{
	ssize_t r;

	r = read(d->fd, d->in, IN_CHUNK);
	if (r < 0 && errno == EINTR)
		return -1;
	if (r < 0) {
		char why[128];

		snprintf(why, sizeof(why), "read: %s", strerror(errno));
		return fail(d, why);
	}
	d->in_base += d->in_len;
	d->in_pos = 0;
	d->in_len = (size_t)r;
	if (r == 0)
		d->in_eof = 1;
	return 0;
}

/* The words for liblzma's errors, as xz says them. */
static const char *xz_reason(lzma_ret ret)
{
	switch (ret) {
	case LZMA_BUF_ERROR:
		return "unexpected end of input";
	case LZMA_DATA_ERROR:
		return "compressed data is corrupt";
	case LZMA_FORMAT_ERROR:
		return "file format not recognized";
	case LZMA_OPTIONS_ERROR:
		return "unsupported options";
	case LZMA_MEMLIMIT_ERROR:
		return "it needs more than 1 GiB of memory to decompress";
	case LZMA_MEM_ERROR:
		return "out of memory";
	default:
		return "liblzma failed";
	}
}

/*
 * One step of xz: liblzma itself reads concatenated streams and their
 * padding (LZMA_CONCATENATED) and ends only with the input (LZMA_FINISH).
 * 1 at the end, 0 to go on, -1 failed.
 */
static int step_xz(struct vr_decompressor *d, unsigned char *out, size_t n, size_t *produced)
{
	lzma_action action = d->in_pos == d->in_len && d->in_eof ? LZMA_FINISH : LZMA_RUN;
	lzma_ret ret;

	d->xz.next_in = d->in + d->in_pos;
	d->xz.avail_in = d->in_len - d->in_pos;
	d->xz.next_out = out;
	d->xz.avail_out = n;
	ret = lzma_code(&d->xz, action);
	d->in_pos = d->in_len - d->xz.avail_in;
	*produced = n - d->xz.avail_out;
	if (ret == LZMA_STREAM_END)
		return 1;
	if (ret == LZMA_OK)
		return 0;
	return fail(d, xz_reason(ret));
}

/*
 * One step of gzip: a member's end is the end of the data only at the end
 * of the input; whatever follows must be another member (gzip -dc
 * concatenates them). 1 at the end, 0 to go on, -1 failed.
 */
static int step_gzip(struct vr_decompressor *d, unsigned char *out, size_t n, size_t *produced)
{
	int ret;

	*produced = 0;
	if (!d->gz_in_member) {
		if (d->in_pos == d->in_len && d->in_eof)
			return 1;
		if (inflateReset(&d->gz) != Z_OK)
			return fail(d, "zlib failed");
		d->gz_in_member = 1;
	}
	d->gz.next_in = d->in + d->in_pos;
	d->gz.avail_in = (uInt)(d->in_len - d->in_pos);
	d->gz.next_out = out;
	d->gz.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	ret = inflate(&d->gz, Z_NO_FLUSH);
	d->in_pos = d->in_len - d->gz.avail_in;
	*produced = (size_t)(d->gz.next_out - out);
	if (ret == Z_STREAM_END) {
		d->gz_in_member = 0;
		return 0;
	}
	if (ret == Z_OK)
		return 0;
	if (ret == Z_BUF_ERROR && d->in_pos == d->in_len)
		return d->in_eof ? fail(d, "unexpected end of input") : 0;
	if (ret == Z_MEM_ERROR)
		return fail(d, "out of memory");
	return fail(d, d->gz.msg ? d->gz.msg : "compressed data is corrupt");
}

/*
 * One step of zstd: libzstd reads frame after frame (and skips skippable
 * ones); the input may end only where a frame ended and was flushed.
 * 1 at the end, 0 to go on, -1 failed.
 */
static int step_zstd(struct vr_decompressor *d, unsigned char *out, size_t n, size_t *produced)
{
	ZSTD_inBuffer ib = {d->in, d->in_len, d->in_pos};
	ZSTD_outBuffer ob = {out, n, 0};
	size_t r;

	*produced = 0;
	if (d->in_pos == d->in_len && d->in_eof && d->zs_hint == 0)
		return 1;
	r = ZSTD_decompressStream(d->zs, &ob, &ib);
	if (ZSTD_isError(r))
		return fail(d, ZSTD_getErrorName(r));
	*produced = ob.pos;
	if (ob.pos == 0 && ib.pos == d->in_pos && d->in_pos == d->in_len && d->in_eof)
		return fail(d, "unexpected end of input");
	d->in_pos = ib.pos;
	d->zs_hint = r;
	return 0;
}

/* See decompress.h. */
struct vr_decompressor *vr_decompressor_new(enum vr_compression c, int fd,
					    const unsigned char *pre, size_t npre)
{
	struct vr_decompressor *d = vr_xcalloc(1, sizeof(*d));
	lzma_stream xz_init = LZMA_STREAM_INIT;
	int ok = 0;

	d->kind = c;
	d->fd = fd;
	d->in = vr_xmalloc(npre > IN_CHUNK ? npre : IN_CHUNK);
	memcpy(d->in, pre, npre);
	d->in_len = npre;
	d->xz = xz_init;
	switch (c) {
	case VR_COMPRESSION_XZ:
		ok = lzma_stream_decoder(&d->xz, XZ_MEMLIMIT, LZMA_CONCATENATED) == LZMA_OK;
		break;
	case VR_COMPRESSION_GZIP:
		ok = inflateInit2(&d->gz, 16 + MAX_WBITS) == Z_OK; /* gzip wrapper only */
		d->gz_in_member = 1;
		break;
	case VR_COMPRESSION_ZSTD:
		d->zs = ZSTD_createDCtx();
		d->zs_hint = 1; /* inside the first frame */
		ok = d->zs != NULL;
		break;
	case VR_COMPRESSION_NONE:
		break;
	}
	if (!ok)
		fail(d, "cannot start the decompressor");
	return d;
}

/* See decompress.h. */
ssize_t vr_decompressor_read(struct vr_decompressor *d, void *buf, size_t n)
{
	size_t produced = 0;

	if (d->error) {
		errno = EIO;
		return -1;
	}
	while (!d->done && produced == 0 && n) {
		size_t pos = d->in_pos;
		int r;

		if (d->in_pos == d->in_len && !d->in_eof) {
			if (refill(d))
				return -1;
			continue;
		}
		if (d->kind == VR_COMPRESSION_XZ)
			r = step_xz(d, buf, n, &produced);
		else if (d->kind == VR_COMPRESSION_GZIP)
			r = step_gzip(d, buf, n, &produced);
		else
			r = step_zstd(d, buf, n, &produced);
		if (r < 0)
			return -1;
		d->done = r > 0;
		/* A codec that neither reads nor writes with input left would spin here. */
		d->stalled = produced == 0 && pos == d->in_pos && !d->done ? d->stalled + 1 : 0;
		if (d->stalled > 4)
			return fail(d, "the decompressor stopped making progress");
	}
	d->out_total += produced;
	return (ssize_t)produced;
}

/* See decompress.h. */
const char *vr_decompressor_error(const struct vr_decompressor *d)
{
	return d->error;
}

/* See decompress.h. */
void vr_decompressor_free(struct vr_decompressor *d)
{
	if (!d)
		return;
	if (d->kind == VR_COMPRESSION_XZ)
		lzma_end(&d->xz);
	else if (d->kind == VR_COMPRESSION_GZIP)
		inflateEnd(&d->gz);
	ZSTD_freeDCtx(d->zs);
	free(d->in);
	free(d->error);
	free(d);
}
