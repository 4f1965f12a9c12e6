/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compressed captures read in process: xz through liblzma, gzip through
 * zlib, zstd through libzstd, as a stream of decompressed bytes. No
 * program is run (the static arm64 binary goes to hosts that may have
 * none of xz, gzip or zstd installed), and nothing is written to disk.
 *
 * The stream is checked to its end: data that is damaged, cut short or
 * followed by something that is not another stream of the same kind is
 * an error that says at which byte of the compressed input it was found.
 */
#ifndef VR_DECOMPRESS_H
#define VR_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum vr_compression {
	VR_COMPRESSION_NONE,
	VR_COMPRESSION_XZ,
	VR_COMPRESSION_GZIP,
	VR_COMPRESSION_ZSTD,
};

/* The compression whose magic number head starts with, or VR_COMPRESSION_NONE. */
enum vr_compression vr_compression_of(const unsigned char *head, size_t n);

/* "xz", "gzip", "zstd" (or "none"), for messages. */
const char *vr_compression_name(enum vr_compression c);

struct vr_decompressor;

/*
 * Decompress what fd yields from its current position, after the npre
 * bytes already read from it (pre, copied: a stream such as standard
 * input cannot be read again). fd stays the caller's to close.
 */
struct vr_decompressor *vr_decompressor_new(enum vr_compression c, int fd,
					    const unsigned char *pre, size_t npre);

/*
 * Up to n decompressed bytes into buf: how many (> 0), 0 at the end of the
 * last complete stream, or -1: errno EINTR when a read was interrupted
 * before anything was decompressed (call again), else the data or the
 * read failed and vr_decompressor_error() says how and where.
 */
ssize_t vr_decompressor_read(struct vr_decompressor *d, void *buf, size_t n);

/*
 * Why the last read failed, NULL if none did: "at byte N of the xz
 * data, after M bytes decompressed: <the library's reason>".
 */
const char *vr_decompressor_error(const struct vr_decompressor *d);

/* Free the decompressor (NULL is allowed); fd is not closed. */
void vr_decompressor_free(struct vr_decompressor *d);

#endif
