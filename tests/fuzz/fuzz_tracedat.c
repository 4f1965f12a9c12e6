/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer target for the trace.dat importer: the input is written to a
 * file and imported through libtracecmd into a throw-away database. Seeds
 * are the lab's real trace.dat files, so mutations reach the headers, the
 * event formats, kallsyms and the (zstd) data sections.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "../../collector/import/import.h"

/* libFuzzer entry point (declared here: libFuzzer has no header for it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[64], out[64];
	struct import_options opt = {0};
	struct import_result res;
	struct vr_error err;
	FILE *f;

	snprintf(in, sizeof(in), "/dev/shm/vr-fuzz-%d.dat", getpid());
	snprintf(out, sizeof(out), "/dev/shm/vr-fuzz-%d.db", getpid());
	f = fopen(in, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	opt.input = in;
	opt.output = out;
	opt.force = 1;
	opt.format = IMPORT_FORMAT_TRACECMD;
	vr_import(&opt, &res, &err);
	unlink(in);
	unlink(out);
	return 0;
}
