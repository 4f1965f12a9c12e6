/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer target for the ftrace text importer: every line of the input
 * through ftrace_parse_line() (the hot path), and for inputs up to 64 KiB
 * the whole import into a throw-away trace database, so that the
 * importer's error paths and the writer run on hostile input too.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../collector/import/ftrace_parse.h"
#include "../../collector/import/import.h"

/* Import data as a file and throw the result away; only crashes matter. */
static void import_whole(const uint8_t *data, size_t size)
{
	char in[64], out[64];
	struct import_options opt = {0};
	struct import_result res;
	struct vr_error err;
	FILE *f;

	snprintf(in, sizeof(in), "/dev/shm/vr-fuzz-%d.txt", getpid());
	snprintf(out, sizeof(out), "/dev/shm/vr-fuzz-%d.db", getpid());
	f = fopen(in, "wb");
	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
	opt.input = in;
	opt.output = out;
	opt.force = 1;
	opt.format = IMPORT_FORMAT_FTRACE;
	vr_import(&opt, &res, &err);
	unlink(in);
	unlink(out);
}

/* libFuzzer entry point (declared here: libFuzzer has no header for it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ftrace_line out;
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		ftrace_parse_line((const char *)p, len, &out);
		p += len + (nl ? 1 : 0);
	}
	if (size <= 65536)
		import_whole(data, size);
	return 0;
}
