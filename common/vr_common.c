/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers: error formatting, checked allocation, clocks and the
 * progress line. Nothing here knows about traces or the vGIC.
 */
#define _GNU_SOURCE /* O_DIRECTORY */
#include "vr_common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Fill err with a formatted message; returning -1 lets callers write "return vr_error_set(...)". */
int vr_error_set(struct vr_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Out of memory is not recoverable for a command-line tool: say so and stop. */
static void vr_oom(size_t n)
{
	fprintf(stderr, "vgic-replay: out of memory allocating %zu bytes\n", n);
	abort();
}

/* malloc that never returns NULL. */
void *vr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		vr_oom(n);
	return p;
}

/* calloc that never returns NULL. */
void *vr_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		vr_oom(nmemb * size);
	return p;
}

/* realloc that never returns NULL. */
void *vr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		vr_oom(n);
	return q;
}

/* strdup that never returns NULL. */
char *vr_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(vr_xmalloc(n), s, n);
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t vr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Peak RSS in KiB; Linux reports ru_maxrss in KiB already. */
long vr_peak_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_maxrss;
}

/* Progress goes to a terminal only: logs and pipes stay clean. */
void vr_progress_init(struct vr_progress *p, const char *what)
{
	p->enabled = isatty(STDERR_FILENO);
	p->last_ns = 0;
	p->what = what;
}

/* Rewrite the progress line at most five times a second. */
void vr_progress_update(struct vr_progress *p, uint64_t done, uint64_t total)
{
	uint64_t now;

	if (!p->enabled)
		return;
	now = vr_now_ns();
	if (now - p->last_ns < 200000000u)
		return;
	p->last_ns = now;
	if (total)
		fprintf(stderr, "\r%s: %3u%% (%llu/%llu)", p->what,
			(unsigned)(done * 100 / total), (unsigned long long)done,
			(unsigned long long)total);
	else
		fprintf(stderr, "\r%s: %llu", p->what, (unsigned long long)done);
}

/* Erase the progress line so the next message starts clean. */
void vr_progress_done(struct vr_progress *p)
{
	if (p->enabled && p->last_ns)
		fprintf(stderr, "\r\033[K");
}

/* See vr_common.h. */
char *vr_printable(char *s)
{
	unsigned char *p = (unsigned char *)s;

	for (; p && *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?', p++; /* U+0080..U+009F: the C1 controls (CSI is one) */
	}
	return s;
}

/* fsync a file or directory by path; 0 or -1 (errno set). */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* See vr_common.h. */
int vr_replace_file(const char *tmp, const char *target, struct vr_error *err)
{
	static const char *const side[] = {"-wal", "-journal", "-shm"};
	char path[4096], *dir;

	if (sync_path(tmp, O_RDONLY))
		return vr_error_set(err, "%s: cannot sync %s: %s", target, tmp, strerror(errno));
	for (size_t i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", target, side[i]);
		if (unlink(path) && errno != ENOENT)
			return vr_error_set(err, "%s: cannot remove the stale %s: %s", target, path,
					    strerror(errno));
	}
	if (rename(tmp, target))
		return vr_error_set(err, "%s: cannot rename %s into place: %s", target, tmp,
				    strerror(errno));
	snprintf(path, sizeof(path), "%s", target);
	dir = strrchr(path, '/');
	if (dir)
		*(dir == path ? dir + 1 : dir) = '\0';
	sync_path(dir ? path : ".", O_RDONLY | O_DIRECTORY); /* the rename itself, durable */
	return 0;
}
