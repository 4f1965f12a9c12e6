/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers every part of vgic-replay shares: the version, error
 * buffers that carry "file:position: message" up to the command that
 * prints them, and allocation that fails loudly.
 */
#ifndef VR_COMMON_H
#define VR_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VR_VERSION "0.1.0"

/* A one-line error message, filled by the code that detected the problem. */
struct vr_error {
	char msg[512];
};

/* Format an error message into err (if err is non-NULL); always returns -1. */
int vr_error_set(struct vr_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* malloc/calloc/realloc/strdup that abort with a message on exhaustion. */
void *vr_xmalloc(size_t n);
void *vr_xcalloc(size_t nmemb, size_t size);
void *vr_xrealloc(void *p, size_t n);
char *vr_xstrdup(const char *s);

/*
 * Make text from a file safe to print on a terminal: every control
 * character (C0, DEL, and C1 in its UTF-8 form) becomes '?', so an
 * escape sequence in a capture cannot reach the terminal. In place;
 * returns s.
 */
char *vr_printable(char *s);

/*
 * Put a finished file in place of target so that nothing old mixes with
 * it: fsync tmp, remove target's SQLite side files (-wal, -journal,
 * -shm: SQLite would replay a stale one onto the new file), rename, fsync
 * the directory. Returns 0, or -1 with err naming target.
 */
int vr_replace_file(const char *tmp, const char *target, struct vr_error *err);

/* Monotonic time in nanoseconds, for progress reports and benchmarks. */
uint64_t vr_now_ns(void);

/* Peak resident set size of this process in KiB (from getrusage). */
long vr_peak_rss_kib(void);

/*
 * Progress reporting on long jobs: prints a single, rewritten line to
 * stderr only when stderr is a terminal, at most a few times a second.
 */
struct vr_progress {
	int enabled;
	uint64_t last_ns;
	const char *what;
};

void vr_progress_init(struct vr_progress *p, const char *what);
void vr_progress_update(struct vr_progress *p, uint64_t done, uint64_t total);
void vr_progress_done(struct vr_progress *p);

#endif
