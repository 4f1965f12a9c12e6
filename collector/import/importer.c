/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The import driver: open the input (through a decompressor when it is
 * compressed), recognise its format from the one table of formats, load
 * it into a temporary trace database beside the output, and rename the
 * result into place. On any failure the temporary file is removed and an
 * existing output is left untouched. Only this file knows which formats
 * there are; each of them knows only the core (import_core.h).
 */
#define _GNU_SOURCE
#include "formats.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef VR_NO_TRACECMD
/* make cross has no libtracecmd: trace.dat is recognised, to say so. */
static int tracedat_not_built(const struct import_job *job, struct vr_error *err)
{
	return vr_error_set(err, "%s: this build of vgic-replay (make cross) has no "
				 "trace.dat support; import it with a native build",
			    job->name);
}

static const struct import_format_ops tracedat_absent = {
	.name = "trace.dat",
	.format = IMPORT_FORMAT_TRACECMD,
	.sniff = import_sniff_tracedat,
	.needs_file = 1,
	.import = tracedat_not_built,
};
#endif

/* The formats, in the order their sniff is tried: ftrace text takes whatever is left. */
static const struct import_format_ops *const formats[] = {
#ifdef VR_NO_TRACECMD
	&tracedat_absent,
#else
	&import_format_tracedat,
#endif
	&import_format_ftrace,
};

static const char sqlite_magic[] = "SQLite format 3";

/* The input as opened: where it is read from, and its first bytes. */
struct input {
	const char *name;	  /* the path, or "-" */
	int is_stdin;
	int fd;
	pid_t child;		  /* the decompressor, or -1 */
	struct stat st;		  /* of the file (not stdin) */
	unsigned char head[4096];
	size_t nhead;
};

/* The decompressor for a magic number, or NULL when the data is not compressed. */
static const char *decompressor_for(const unsigned char *h, size_t n)
{
	if (n >= 6 && !memcmp(h, "\xfd" "7zXZ\0", 6))
		return "xz";
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return "gzip";
	if (n >= 4 && !memcmp(h, "\x28\xb5\x2f\xfd", 4))
		return "zstd";
	return NULL;
}

/*
 * Replace fd by a pipe from "<tool> -dc" reading the same file from the
 * start, so compressed text streams through without a temporary file.
 */
static int spawn_decompressor(const char *tool, const char *path, int *fd, pid_t *child,
			      struct vr_error *err)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd))
		return vr_error_set(err, "%s: pipe: %s", path, strerror(errno));
	pid = fork();
	if (pid < 0)
		return vr_error_set(err, "%s: fork: %s", path, strerror(errno));
	if (pid == 0) {
		/* Its own complaint is ours to word (finish_decompressor): one line. */
		int errfd = fcntl(2, F_DUPFD_CLOEXEC, 3), null = open("/dev/null", O_WRONLY);

		close(pfd[0]);
		if (lseek(*fd, 0, SEEK_SET) < 0 || dup2(*fd, 0) < 0 || dup2(pfd[1], 1) < 0 ||
		    null < 0 || dup2(null, 2) < 0)
			_exit(127);
		execlp(tool, tool, "-dc", (char *)NULL);
		dprintf(errfd, "vgic-replay: %s: cannot run %s to decompress it\n", path, tool);
		_exit(127);
	}
	close(pfd[1]);
	close(*fd);
	*fd = pfd[0];
	*child = pid;
	return 0;
}

/* Read up to n bytes, retrying short reads, so format detection sees a full head. */
static ssize_t read_full(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Make a unique temporary path beside the output, so rename() stays on one filesystem. */
static char *make_temp_path(const char *output, struct vr_error *err)
{
	char *dup = vr_xstrdup(output), *base = vr_xstrdup(output);
	size_t n = strlen(output) + 32;
	char *tmp = vr_xmalloc(n);
	int fd;

	snprintf(tmp, n, "%s/.%s.tmp-XXXXXX", dirname(dup), basename(base));
	free(dup);
	free(base);
	fd = mkstemp(tmp);
	if (fd < 0) {
		vr_error_set(err, "%s: cannot create a temporary file beside it: %s", output,
			     strerror(errno));
		free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

/* Open the input: standard input for "-", else the file, which must not be a directory. */
static int open_input(struct input *in, const char *name, struct vr_error *err)
{
	memset(in, 0, sizeof(*in));
	in->name = name;
	in->child = -1;
	in->is_stdin = !strcmp(name, "-");
	if (in->is_stdin)
		return 0;
	in->fd = open(name, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return vr_error_set(err, "%s: %s", name, strerror(errno));
	if (fstat(in->fd, &in->st) == 0 && S_ISDIR(in->st.st_mode)) {
		close(in->fd);
		in->fd = -1;
		return vr_error_set(err, "%s: is a directory", name);
	}
	return 0;
}

/*
 * After a format read the input to its end: the decompressor must have
 * ended well, or the data was damaged or cut short and what was read is
 * not the whole capture (a truncated .xz must not import as a complete
 * trace). A decompressor stopped by SIGPIPE was still writing what the
 * format did not need: not an error of the data.
 */
static int finish_decompressor(struct input *in, struct vr_error *err)
{
	int status;

	if (in->child <= 0)
		return 0;
	close(in->fd);
	in->fd = -1;
	while (waitpid(in->child, &status, 0) < 0)
		if (errno != EINTR)
			return vr_error_set(err, "%s: waitpid: %s", in->name, strerror(errno));
	in->child = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return vr_error_set(err, "%s: the decompressor could not run", in->name);
	if ((WIFEXITED(status) && WEXITSTATUS(status)) ||
	    (WIFSIGNALED(status) && WTERMSIG(status) != SIGPIPE))
		return vr_error_set(err,
				    "%s: the compressed data is damaged or cut short (its "
				    "decompressor failed); nothing imported",
				    in->name);
	return 0;
}

/* Close the input, and stop its decompressor if it is still writing. */
static void close_input(struct input *in)
{
	int status;

	if (in->fd > 0)
		close(in->fd);
	if (in->child > 0) {
		kill(in->child, SIGTERM);
		waitpid(in->child, &status, 0);
	}
}

/* Refuse an existing output without --force, and the input itself even with it. */
static int check_output(const struct input *in, const struct import_options *opt,
			struct vr_error *err)
{
	struct stat out_st;

	if (stat(opt->output, &out_st))
		return 0;
	if (!S_ISREG(out_st.st_mode)) /* a FIFO or a device would be replaced by a file */
		return vr_error_set(err, "%s: not a regular file; refusing to replace it",
				    opt->output);
	if (!opt->force)
		return vr_error_set(err, "%s: already exists (use --force to replace it)",
				    opt->output);
	if (!in->is_stdin && out_st.st_ino == in->st.st_ino && out_st.st_dev == in->st.st_dev)
		return vr_error_set(err, "%s: is the input file; refusing to replace it",
				    opt->output);
	return 0;
}

/*
 * Read the input's first bytes, for the formats to recognise; a
 * compressed file is read again through its decompressor, and a trace
 * database is refused (it is no trace to import).
 */
static int read_head(struct input *in, struct vr_error *err)
{
	ssize_t n = read_full(in->fd, in->head, sizeof(in->head));
	const char *tool;

	if (n < 0)
		return vr_error_set(err, "%s: read: %s", in->name, strerror(errno));
	tool = decompressor_for(in->head, (size_t)n);
	if (tool) {
		if (in->is_stdin)
			return vr_error_set(err, "-: compressed standard input is not supported; "
						 "decompress it first");
		if (spawn_decompressor(tool, in->name, &in->fd, &in->child, err))
			return -1;
		n = read_full(in->fd, in->head, sizeof(in->head));
		if (n < 0)
			return vr_error_set(err, "%s: read: %s", in->name, strerror(errno));
	}
	in->nhead = (size_t)n;
	if (in->nhead >= sizeof(sqlite_magic) && !memcmp(in->head, sqlite_magic, sizeof(sqlite_magic)))
		return vr_error_set(err, "%s: is an SQLite database, not a trace to import "
					 "(try `vgic-replay info %s`)",
				    in->name, in->name);
	return 0;
}

/* The format to import with: the one --format names, else the first that recognises the head. */
static const struct import_format_ops *choose_format(const struct import_options *opt,
						     const struct input *in)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (opt->format == formats[i]->format ||
		    (opt->format == IMPORT_FORMAT_AUTO && formats[i]->sniff(in->head, in->nhead)))
			return formats[i];
	return NULL;
}

/*
 * Import through the format chosen, with SIGINT/SIGTERM asking it to stop
 * meanwhile (so that the temporary file is removed).
 */
static int run_format(const struct import_job *job, const struct input *in, struct vr_error *err)
{
	const struct import_format_ops *f = choose_format(job->opt, in);
	struct import_signals saved;
	int rc;

	if (!f)
		return vr_error_set(err, "%s: not a trace format this build reads", in->name);
	import_catch_signals(&saved);
	trace_writer_info_text(job->w, "source_file", in->is_stdin ? "(stdin)" : in->name);
	if (f->needs_file && (in->is_stdin || in->child > 0))
		rc = vr_error_set(err, "%s: %s must be an uncompressed, seekable file", in->name,
				  f->name);
	else
		rc = f->import(job, err);
	import_restore_signals(&saved);
	return rc;
}

/* The chosen format's look at the file before the trace (and its writer thread) begins. */
static int preflight(const struct input *in, const struct import_options *opt,
		     struct vr_error *err)
{
	const struct import_format_ops *f = choose_format(opt, in);

	if (!f || !f->preflight || in->is_stdin || in->child > 0)
		return 0; /* run_format() says what is wrong with those */
	return f->preflight(in->name, err);
}

/*
 * Begin the trace in a temporary file beside the output (*tmp, which the
 * caller removes on failure); tracedb_create wants to make the file itself.
 */
static int begin_temp_trace(struct import_job *job, char **tmp, struct vr_error *err)
{
	*tmp = make_temp_path(job->opt->output, err);
	if (!*tmp)
		return -1;
	unlink(*tmp);
	job->db = tracedb_create(*tmp, err);
	if (!job->db)
		return -1;
	job->w = trace_writer_begin(job->db, err);
	return job->w ? 0 : -1;
}

/*
 * Commit the trace and put it in place of the output (synced, the old
 * file's SQLite side files removed); the temporary file is then gone.
 */
static int commit_into_place(struct import_job *job, const char *tmp, struct vr_error *err)
{
	struct trace_writer *w = job->w;

	job->res->stats = *trace_writer_stats(w);
	job->w = NULL;
	if (trace_writer_finish(w, err))
		return -1;
	tracedb_close(job->db);
	job->db = NULL;
	return vr_replace_file(tmp, job->opt->output, err);
}

/* See import.h. */
int vr_import(const struct import_options *opt, struct import_result *res, struct vr_error *err)
{
	struct import_job job;
	struct input in;
	char *tmp = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (open_input(&in, opt->input, err))
		return -1;
	memset(&job, 0, sizeof(job));
	job.opt = opt;
	job.res = res;
	if (check_output(&in, opt, err) || read_head(&in, err) || preflight(&in, opt, err) ||
	    begin_temp_trace(&job, &tmp, err))
		goto out;
	job.name = in.name;
	job.fd = in.fd;
	job.head = in.head;
	job.nhead = in.nhead;
	if (run_format(&job, &in, err)) {
		struct vr_error damaged;

		/* A cut .xz looks like an empty or odd input: the decompressor's word wins. */
		if (finish_decompressor(&in, &damaged))
			*err = damaged;
		goto out;
	}
	if (finish_decompressor(&in, err))
		goto out;
	rc = commit_into_place(&job, tmp, err);
	if (!rc) {
		free(tmp);
		tmp = NULL;
	}
out:
	if (job.w)
		trace_writer_abort(job.w);
	tracedb_close(job.db);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	close_input(&in);
	return rc;
}
