/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-process decompressors (collector/import/decompress.c) on data
 * compressed here by the same libraries: whole streams read back byte for
 * byte in odd-sized reads, concatenated streams as one, and a stream cut
 * short, corrupted or followed by garbage refused with the byte where it
 * was found. Usage: test_decompress
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "../../collector/import/decompress.h"
#include "vr_test.h"

#define TEXT_SIZE (1u << 20)

static char path[] = "/tmp/vr-test-decompress-XXXXXX";

/* Text that compresses like a trace: numbered lines of a few kinds. */
static unsigned char *make_text(void)
{
	unsigned char *t = malloc(TEXT_SIZE);
	size_t n = 0;
	unsigned i = 0;

	while (n < TEXT_SIZE) {
		char line[96];
		int len = snprintf(line, sizeof(line), " qemu-%u [%03u] d..1. %u.%06u: kvm_entry: PC: 0x%08x\n",
				   i % 7, i % 4, i / 1000, (i * 7919) % 1000000, i * 2654435761u);

		for (int k = 0; k < len && n < TEXT_SIZE; k++)
			t[n++] = (unsigned char)line[k];
		i++;
	}
	return t;
}

/* Compress in with the codec c into a malloc'd buffer; its size in *out_n. */
static unsigned char *compress_with(enum vr_compression c, const unsigned char *in, size_t n,
				    size_t *out_n)
{
	size_t cap = n + n / 2 + 65536;
	unsigned char *out = malloc(cap);

	*out_n = 0;
	if (c == VR_COMPRESSION_XZ) {
		lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, n, out, out_n, cap);
	} else if (c == VR_COMPRESSION_GZIP) {
		z_stream z = {0};

		deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
		z.next_in = (unsigned char *)in;
		z.avail_in = (uInt)n;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		deflate(&z, Z_FINISH);
		*out_n = z.total_out;
		deflateEnd(&z);
	} else {
		/*
		 * With a checksum, as the zstd program writes by default: a frame
		 * without one cannot show that its data was changed, and libzstd
		 * decodes it to other bytes (zstd -dc does the same).
		 */
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		*out_n = ZSTD_compress2(cc, out, cap, in, n);
		ZSTD_freeCCtx(cc);
	}
	return out;
}

/*
 * Decompress the n bytes of data as a capture would be: from a file,
 * the first 10 bytes already read, in reads of an odd size. The
 * decompressed bytes (malloc'd) and their count, or NULL with *why set.
 */
static unsigned char *decompress_file(enum vr_compression c, const unsigned char *data, size_t n,
				      size_t *got, const char **why)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	size_t cap = 3 * TEXT_SIZE, pre = n < 10 ? n : 10;
	unsigned char *out = malloc(cap);
	static char reason[512];
	struct vr_decompressor *d;
	ssize_t r;

	*got = 0;
	*why = NULL;
	if (fd < 0 || write(fd, data, n) != (ssize_t)n || lseek(fd, (off_t)pre, SEEK_SET) < 0)
		abort();
	d = vr_decompressor_new(c, fd, data, pre);
	while ((r = vr_decompressor_read(d, out + *got, cap - *got < 7777 ? cap - *got : 7777)) > 0)
		*got += (size_t)r;
	if (r < 0) {
		snprintf(reason, sizeof(reason), "%s", vr_decompressor_error(d));
		*why = reason;
		free(out);
		out = NULL;
	}
	vr_decompressor_free(d);
	close(fd);
	return out;
}

/* One codec: whole, concatenated, cut, corrupt, followed by garbage. */
static void test_codec(enum vr_compression c, const unsigned char *text)
{
	size_t n, got;
	unsigned char *z = compress_with(c, text, TEXT_SIZE, &n);
	unsigned char *two = malloc(2 * n + 16), *out;
	const char *why;

	CHECK(n > 0 && n < TEXT_SIZE);
	CHECK(vr_compression_of(z, n) == c);

	out = decompress_file(c, z, n, &got, &why);
	CHECK(out && got == TEXT_SIZE && !memcmp(out, text, TEXT_SIZE));
	free(out);

	memcpy(two, z, n);
	memcpy(two + n, z, n);
	out = decompress_file(c, two, 2 * n, &got, &why);
	CHECK(out && got == 2 * TEXT_SIZE && !memcmp(out, text, TEXT_SIZE) &&
	      !memcmp(out + TEXT_SIZE, text, TEXT_SIZE));
	free(out);

	out = decompress_file(c, z, n / 2, &got, &why);
	CHECK(out == NULL);
	if (why) {
		char at[64];

		snprintf(at, sizeof(at), "at byte %zu of the %s data", n / 2, vr_compression_name(c));
		CHECK_STR_CONTAINS(why, at);
		CHECK_STR_CONTAINS(why, "unexpected end of input");
	}

	memcpy(two, z, n);
	memset(two + n / 2, 0x55, 16);
	out = decompress_file(c, two, n, &got, &why);
	CHECK(out == NULL && why != NULL);
	free(out);

	memcpy(two, z, n);
	memcpy(two + n, "garbage\n", 8);
	out = decompress_file(c, two, n + 8, &got, &why);
	CHECK(out == NULL && why != NULL);
	free(out);

	free(two);
	free(z);
}

/* Every codec, and the magic numbers that are none. */
int main(void)
{
	unsigned char *text = make_text();
	int fd = mkstemp(path);

	if (fd < 0)
		return 1;
	close(fd);
	CHECK(vr_compression_of((const unsigned char *)"# tracer: nop", 13) == VR_COMPRESSION_NONE);
	CHECK(vr_compression_of((const unsigned char *)"\x1f", 1) == VR_COMPRESSION_NONE);
	test_codec(VR_COMPRESSION_XZ, text);
	test_codec(VR_COMPRESSION_GZIP, text);
	test_codec(VR_COMPRESSION_ZSTD, text);
	free(text);
	unlink(path);
	return vr_test_report("test_decompress");
}
