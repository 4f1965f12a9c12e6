/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Captures read directly: every command that reads a trace (check,
 * report, predict, info, sql, tui) takes a capture too, ftrace text or a
 * trace.dat, plain or compressed, or '-' for standard input, and reads it
 * through an import of its own.
 *
 * A file that starts with SQLite's magic is a trace database and is read
 * as it is. A capture is imported into a cache beside it,
 * .NAME.vgic-replay.db, when its directory can be written: the cache
 * holds the capture's identity (device, inode, size, modification time,
 * and the vgic-replay version and trace format that made it) in its
 * table capture_source, and is read again while that identity holds. A
 * capture in a directory that cannot be written, standard input, or a
 * pipe is imported into a temporary file of $TMPDIR (or /tmp), removed
 * at exit and when SIGINT, SIGTERM or SIGHUP ends the command.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../collector/import/import.h"
#include "../ui/timeline.h"
#include "../schemas/tracedb.h"
#include "cli.h"

static const char sqlite_magic[16] = "SQLite format 3";

/* The temporary import and its SQLite side files, removed at exit (paths built up front). */
static char *temp_files[3];

/* The import cli_trace_path() handed out, kept until exit. */
static char *kept_path;

/* Keep path (malloc'd) until exit and return it. */
static const char *keep(char *path)
{
	free(kept_path);
	kept_path = path;
	return path;
}

/* Remove the temporary import; async-signal-safe (unlink only). */
static void remove_temp_files(void)
{
	for (size_t i = 0; i < sizeof(temp_files) / sizeof(temp_files[0]); i++)
		if (temp_files[i])
			unlink(temp_files[i]);
}

/* A signal that ends the command: remove the temporary import, then die of the signal. */
static void remove_temp_and_die(int sig)
{
	remove_temp_files();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * From now on the temporary import at path goes when the process ends:
 * at exit, or by SIGINT, SIGTERM or SIGHUP (a handler that was already
 * set, the importer's or curses', is left in place; the importer removes
 * its own temporary file).
 */
static void remove_at_exit(const char *path)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	size_t n = strlen(path) + 16;

	temp_files[0] = vr_xstrdup(path);
	temp_files[1] = vr_xmalloc(n);
	snprintf(temp_files[1], n, "%s-journal", path);
	temp_files[2] = vr_xmalloc(n);
	snprintf(temp_files[2], n, "%s-wal", path);
	atexit(remove_temp_files);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa, old;

		if (sigaction(sigs[i], NULL, &old) || old.sa_handler != SIG_DFL)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = remove_temp_and_die;
		sigaction(sigs[i], &sa, NULL);
	}
}

/*
 * The capture's identity, as the cache stores it: what made the cache
 * (a newer vgic-replay may import differently) and which file it was.
 */
static void capture_key(const struct stat *st, char *key, size_t n)
{
	snprintf(key, n, "vgic-replay %s, trace format %d; dev %llu ino %llu size %lld mtime %lld.%09ld",
		 VR_VERSION, VR_TRACE_FORMAT_VERSION, (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

/* The cache of capture arg: .NAME.vgic-replay.db in the capture's directory (malloc'd). */
static char *cache_path(const char *arg)
{
	char *d = vr_xstrdup(arg), *b = vr_xstrdup(arg);
	size_t n = strlen(arg) + 32;
	char *path = vr_xmalloc(n);

	if (strchr(arg, '/'))
		snprintf(path, n, "%s/.%s.vgic-replay.db", dirname(d), basename(b));
	else
		snprintf(path, n, ".%s.vgic-replay.db", arg);
	free(d);
	free(b);
	return path;
}

/* Does the cache at path exist, belong to this user and hold key? */
static int cache_is_current(const char *path, const char *key)
{
	struct vr_error err = {{0}};
	struct tracedb *db;
	struct stat cst;
	int same;

	if (lstat(path, &cst) || !S_ISREG(cst.st_mode) || cst.st_uid != geteuid())
		return 0;
	db = tracedb_open(path, TRACEDB_READONLY, &err);
	if (!db)
		return 0;
	same = tracedb_source_key_is(db, key);
	tracedb_close(db);
	return same;
}

/*
 * May the cache be written at path: the directory is writable, and
 * nothing is there but a regular file of this user (another user's file
 * in a shared directory is neither trusted nor replaced)?
 */
static int cache_writable(const char *path)
{
	char *d = vr_xstrdup(path);
	struct stat cst;
	int ok = access(dirname(d), W_OK) == 0;

	free(d);
	if (ok && lstat(path, &cst) == 0)
		ok = S_ISREG(cst.st_mode) && cst.st_uid == geteuid();
	return ok;
}

/*
 * Import the capture arg into output (replacing it), storing key when
 * there is one; the import's warnings are said as `import` says them.
 * 0, or -1 after one error line naming the capture.
 */
static int import_capture(const char *arg, const char *output, const char *key)
{
	struct import_options opt = {0};
	struct import_result res;
	struct vr_error err = {{0}};

	opt.input = arg;
	opt.output = output;
	opt.force = 1;
	opt.quiet = 1;
	opt.source_key = key;
	if (vr_import(&opt, &res, &err)) {
		cli_error("%s", err.msg);
		return -1;
	}
	cli_import_warnings(&opt, &res);
	return 0;
}

/* The summary build's progress, on the progress line (a terminal only). */
static void summary_progress(int64_t done, int64_t total, void *arg)
{
	vr_progress_update(arg, (uint64_t)done, (uint64_t)total);
}

/*
 * See cli.h. SIGINT, SIGTERM and SIGHUP wait until the summaries are
 * committed (they take seconds, not minutes), so that an interrupted
 * command leaves a whole trace and no hot journal beside it.
 */
void cli_store_summaries(const char *cmd, const char *path, int quiet)
{
	struct vr_error err = {{0}};
	struct vr_progress progress;
	sigset_t ends, old;
	int rc;

	sigemptyset(&ends);
	sigaddset(&ends, SIGINT);
	sigaddset(&ends, SIGTERM);
	sigaddset(&ends, SIGHUP);
	sigprocmask(SIG_BLOCK, &ends, &old);
	vr_progress_init(&progress, "tui summaries");
	if (quiet)
		progress.enabled = 0;
	rc = timeline_store_summaries(path, summary_progress, &progress, &err);
	vr_progress_done(&progress);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc)
		cli_error("warning: %s: %s (the TUI builds them in memory at each open)", cmd,
			  err.msg);
}

/* Import arg into a temporary file that goes at exit; its path, or NULL after one error line. */
static const char *import_to_temp(const char *arg)
{
	const char *dir = getenv("TMPDIR");
	size_t n;
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	n = strlen(dir) + 32;
	path = vr_xmalloc(n);
	snprintf(path, n, "%s/vgic-replay-XXXXXX.db", dir);
	fd = mkostemps(path, 3, O_CLOEXEC);
	if (fd < 0) {
		cli_error("%s: cannot make a temporary file in %s to import it into: %s", arg, dir,
			  strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	remove_at_exit(path);
	if (import_capture(arg, path, NULL)) {
		free(path);
		return NULL;
	}
	return keep(path);
}

/* What a TRACE argument is. */
enum trace_arg {
	ARG_OTHER,	   /* a trace database, or what cannot be opened: the reader reads it */
	ARG_CAPTURE_FILE,  /* a capture in a regular file: cached */
	ARG_CAPTURE_STREAM /* standard input or a pipe: read once, into a temporary file */
};

/* Classify arg by its first bytes (SQLite's magic); st gets a regular file's status. */
static enum trace_arg classify(const char *arg, struct stat *st)
{
	char head[sizeof(sqlite_magic)];
	ssize_t n;
	int fd;

	if (!strcmp(arg, "-"))
		return ARG_CAPTURE_STREAM;
	fd = open(arg, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return ARG_OTHER;
	if (fstat(fd, st) || S_ISDIR(st->st_mode)) {
		close(fd);
		return ARG_OTHER;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return ARG_CAPTURE_STREAM;
	}
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (n == (ssize_t)sizeof(head) && !memcmp(head, sqlite_magic, sizeof(head)))
		return ARG_OTHER;
	return ARG_CAPTURE_FILE;
}

/* See cli.h. */
int cli_is_capture(const char *arg)
{
	struct stat st;

	return classify(arg, &st) != ARG_OTHER;
}

/* See cli.h. */
const char *cli_trace_path(const char *arg, int quiet)
{
	enum trace_arg kind;
	struct stat st;
	char key[256];
	char *cache;

	kind = classify(arg, &st);
	if (kind == ARG_OTHER)
		return arg; /* the reader opens it, or says what is wrong with it */
	if (kind == ARG_CAPTURE_STREAM)
		return import_to_temp(arg);
	capture_key(&st, key, sizeof(key));
	cache = cache_path(arg);
	if (cache_is_current(cache, key)) {
		if (!quiet)
			cli_error("using cached import %s of %s", cache, arg);
		return keep(cache);
	}
	if (!cache_writable(cache)) {
		if (!quiet)
			cli_error("importing %s into a temporary file (cannot write its cache %s)",
				  arg, cache);
		free(cache);
		return import_to_temp(arg);
	}
	if (import_capture(arg, cache, key)) {
		free(cache);
		return NULL;
	}
	cli_store_summaries("import", cache, 1); /* the cache is read again: for every reader */
	if (!quiet)
		cli_error("imported %s into %s (used again while %s is unchanged)", arg, cache, arg);
	return keep(cache);
}

/* See cli.h. */
struct tracedb *cli_open_trace(const char *arg, int quiet)
{
	struct vr_error err = {{0}};
	const char *path = cli_trace_path(arg, quiet);
	struct tracedb *db;

	if (!path)
		return NULL;
	db = tracedb_open(path, TRACEDB_READONLY, &err);
	if (!db)
		cli_error("%s", err.msg);
	return db;
}
