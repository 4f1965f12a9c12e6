/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The import driver: open the input (through an in-process decompressor,
 * decompress.h, when it is compressed), recognise its format from the one table of formats, load
 * it into a temporary trace database beside the output, and rename the
 * result into place. On any failure the temporary file is removed and an
 * existing output is left untouched. Only this file knows which formats
 * there are; each of them knows only the core (import_core.h).
 */
#define _GNU_SOURCE
#include "decompress.h"
#include "formats.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	.needs_file = 0, /* it reads nothing: no copy of the input to make */
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
struct import_source {
	const char *name;	  /* the path, or "-" */
	const char *path;	  /* the plain file a needs_file format opens */
	int is_stdin;
	int fd;
	struct stat st;		  /* of the file (not stdin) */
	struct vr_decompressor *dz; /* when the input is compressed, else NULL */
	int spool_fd;		  /* the unlinked plain copy (spool_to_file), or -1 */
	char spool_path[48];	  /* "/proc/self/fd/N" of that copy */
	unsigned char head[4096];
	size_t nhead;
};

/* The input's next bytes, through its decompressor if it has one; as read(2). */
static ssize_t source_read(struct import_source *in, void *buf, size_t n)
{
	if (in->dz)
		return vr_decompressor_read(in->dz, buf, n);
	return read(in->fd, buf, n);
}

/* See import_core.h. */
ssize_t import_read(const struct import_job *job, void *buf, size_t n)
{
	return source_read(job->src, buf, n);
}

/* Read up to n bytes, retrying short reads, so format detection sees a full head. */
static ssize_t read_full(struct import_source *in, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = source_read(in, buf + got, n - got);

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

/*
 * The error of an input whose decompression failed: it names the file
 * and where in it (the decompressor's account), in one line.
 */
static int damaged(const struct import_source *in, struct vr_error *err)
{
	return vr_error_set(err, "%s: the compressed data is damaged or cut short (%s); nothing imported",
			    in->name, vr_decompressor_error(in->dz));
}

/* A failed read of the input: the decompressor's account when it has one. */
static int read_failed(const struct import_source *in, struct vr_error *err)
{
	if (in->dz && vr_decompressor_error(in->dz))
		return damaged(in, err);
	return vr_error_set(err, "%s: read: %s", in->name, strerror(errno));
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
static int open_input(struct import_source *in, const char *name, struct vr_error *err)
{
	memset(in, 0, sizeof(*in));
	in->name = name;
	in->path = name;
	in->spool_fd = -1;
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
 * After a format read the input to its end: a compressed input must end
 * where its last stream ends, or the data was damaged or cut short and
 * what was read is not the whole capture (a truncated .xz must not import
 * as a complete trace). What the format left unread is read to its end
 * and checked too.
 */
static int finish_input(struct import_source *in, struct vr_error *err)
{
	unsigned char buf[65536];
	ssize_t r;

	if (!in->dz)
		return 0;
	while ((r = source_read(in, buf, sizeof(buf))) != 0)
		if (r < 0 && errno != EINTR)
			return read_failed(in, err);
	return 0;
}

/* Close the input, its decompressor and its plain copy. */
static void close_input(struct import_source *in)
{
	vr_decompressor_free(in->dz);
	in->dz = NULL;
	if (in->fd > 0)
		close(in->fd);
	if (in->spool_fd >= 0)
		close(in->spool_fd);
}

/* Refuse an existing output without --force, and the input itself even with it. */
static int check_output(const struct import_source *in, const struct import_options *opt,
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
 * compressed input (a file or standard input) goes on through its
 * decompressor from the bytes already read, and a trace database is
 * refused (it is no trace to import).
 */
static int read_head(struct import_source *in, struct vr_error *err)
{
	ssize_t n = read_full(in, in->head, sizeof(in->head));
	enum vr_compression comp;

	if (n < 0)
		return read_failed(in, err);
	comp = vr_compression_of(in->head, (size_t)n);
	if (comp != VR_COMPRESSION_NONE) {
		in->dz = vr_decompressor_new(comp, in->fd, in->head, (size_t)n);
		n = read_full(in, in->head, sizeof(in->head));
		if (n < 0)
			return read_failed(in, err);
	}
	in->nhead = (size_t)n;
	if (in->nhead >= sizeof(sqlite_magic) && !memcmp(in->head, sqlite_magic, sizeof(sqlite_magic)))
		return in->is_stdin ? vr_error_set(err, "-: is an SQLite database, not a trace to "
							"import (give a trace database by its path)")
				    : vr_error_set(err, "%s: is an SQLite database, not a trace to import "
							"(try `vgic-replay info %s`)",
						   in->name, in->name);
	return 0;
}

/* The format to import with: the one --format names, else the first that recognises the head. */
static const struct import_format_ops *choose_format(const struct import_options *opt,
						     const struct import_source *in)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (opt->format == formats[i]->format ||
		    (opt->format == IMPORT_FORMAT_AUTO && formats[i]->sniff(in->head, in->nhead)))
			return formats[i];
	return NULL;
}

/* Import through the format chosen. */
static int run_format(const struct import_job *job, const struct import_source *in,
		      struct vr_error *err)
{
	const struct import_format_ops *f = choose_format(job->opt, in);

	if (!f)
		return vr_error_set(err, "%s: not a trace format this build reads", in->name);
	trace_writer_info_text(job->w, "source_file", in->is_stdin ? "(stdin)" : in->name);
	return f->import(job, err);
}

/* Write all n bytes, retrying short writes; 0, or -1 with errno. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * A format that reads a file by path (trace.dat: libtracecmd seeks in
 * it) gets standard input or a compressed file as a plain copy: the
 * whole input, decompressed, in an unlinked temporary file of $TMPDIR
 * (or /tmp), opened as /proc/self/fd/N, so nothing is left behind
 * whatever ends the process.
 */
static int spool_to_file(struct import_source *in, const struct import_options *opt,
			 struct vr_error *err)
{
	const struct import_format_ops *f = choose_format(opt, in);
	const char *dir = getenv("TMPDIR");
	unsigned char *buf;
	enum { COPY_CHUNK = 1 << 20 };
	char *tmpl;
	size_t len;
	ssize_t r;
	int rc = 0;

	if (!f || !f->needs_file || (!in->is_stdin && !in->dz))
		return 0;
	if (!dir || !*dir)
		dir = "/tmp";
	len = strlen(dir) + 32;
	tmpl = vr_xmalloc(len);
	snprintf(tmpl, len, "%s/vgic-replay-copy-XXXXXX", dir);
	in->spool_fd = mkostemp(tmpl, O_CLOEXEC);
	if (in->spool_fd < 0) {
		rc = vr_error_set(err, "%s: cannot make a temporary copy for %s in %s: %s", in->name,
				  f->name, dir, strerror(errno));
		free(tmpl);
		return rc;
	}
	unlink(tmpl);
	free(tmpl);
	buf = vr_xmalloc(COPY_CHUNK);
	memcpy(buf, in->head, in->nhead);
	r = (ssize_t)in->nhead;
	while (r != 0) {
		if (r < 0 && errno == EINTR) {
			r = source_read(in, buf, COPY_CHUNK);
			continue;
		}
		if (r < 0) {
			rc = read_failed(in, err);
			break;
		}
		if (write_all(in->spool_fd, buf, (size_t)r)) {
			rc = vr_error_set(err, "%s: cannot write its temporary copy in %s: %s",
					  in->name, dir, strerror(errno));
			break;
		}
		r = source_read(in, buf, COPY_CHUNK);
	}
	free(buf);
	snprintf(in->spool_path, sizeof(in->spool_path), "/proc/self/fd/%d", in->spool_fd);
	in->path = in->spool_path;
	return rc;
}

/* The chosen format's look at the file before the trace (and its writer thread) begins. */
static int preflight(const struct import_source *in, const struct import_options *opt,
		     struct vr_error *err)
{
	const struct import_format_ops *f = choose_format(opt, in);

	if (!f || !f->preflight)
		return 0; /* run_format() says what is wrong with those */
	return f->preflight(in->path, in->name, err);
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
 * Record the capture's identity in the new trace (import_options.
 * source_key), before it is renamed into place: a cache never appears
 * without the key that says what it is a cache of.
 */
static int store_source_key(struct import_job *job, struct vr_error *err)
{
	if (!job->opt->source_key)
		return 0;
	return tracedb_set_source_key(job->db, job->opt->source_key, err);
}

/*
 * --align: after the measured clock offset, what the events both captures
 * have say is left (schemas/trace_align.h), matched within 200 us plus
 * the offset's error.
 */
static int align_by_events(struct import_job *job, struct vr_error *err)
{
	const struct vr_clock_offsets *c = job->opt->align;
	int64_t window = 200000;

	if (!c)
		return 0;
	window += c->err_ns[0] > c->err_ns[c->n - 1] ? c->err_ns[0] : c->err_ns[c->n - 1];
	return trace_align_by_events(job->db, job->opt->align_name, window, &job->res->alignment,
				     err);
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
	if (trace_writer_finish(w, err) || align_by_events(job, err) || store_source_key(job, err))
		return -1;
	tracedb_close(job->db);
	job->db = NULL;
	if (import_interrupted()) /* while the indexes were built: the output stays as it was */
		return vr_error_set(err, "%s: interrupted while storing the trace", job->name);
	return vr_replace_file(tmp, job->opt->output, err);
}

/* See import.h. */
int vr_import(const struct import_options *opt, struct import_result *res, struct vr_error *err)
{
	struct import_job job;
	struct import_source in;
	struct import_signals saved;
	char *tmp = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (open_input(&in, opt->input, err))
		return -1;
	memset(&job, 0, sizeof(job));
	job.opt = opt;
	job.res = res;
	if (check_output(&in, opt, err) || read_head(&in, err) || spool_to_file(&in, opt, err) ||
	    preflight(&in, opt, err)) {
		close_input(&in);
		return -1;
	}
	/*
	 * From the temporary file's creation to its rename, SIGINT/SIGTERM ask
	 * the import to stop instead of ending the process, so that the file
	 * is always removed (the index build after the load takes a while).
	 */
	import_catch_signals(&saved);
	if (begin_temp_trace(&job, &tmp, err))
		goto out;
	job.name = in.name;
	job.path = in.path;
	job.src = &in;
	job.head = in.head;
	job.nhead = in.nhead;
	if (run_format(&job, &in, err)) {
		/* A cut .xz looks like an empty or odd input: the decompressor's word wins. */
		if (in.dz && vr_decompressor_error(in.dz))
			damaged(&in, err);
		goto out;
	}
	if (finish_input(&in, err))
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
	import_restore_signals(&saved);
	return rc;
}
