/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The import driver: recognise the input, load it into a temporary trace
 * database beside the output, decide the trace's metadata, and rename the
 * result into place. On any failure the temporary file is removed and an
 * existing output is left untouched.
 */
#define _GNU_SOURCE
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int vr_import_interrupted;

static const unsigned char tracedat_magic[] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
static const char sqlite_magic[] = "SQLite format 3";

/* SIGINT/SIGTERM: ask the importer to stop so the temporary file is cleaned up. */
static void on_signal(int sig)
{
	(void)sig;
	vr_import_interrupted = 1;
}

/* HCR bits only 6.19+ kernels program: LRENPIE and the VGrp{0,1}{E,D}IE enables. */
#define HCR_NEW_IN_619 ((1u << 2) | (0xfu << 4))

/* See import.h. */
void kernel_evidence_observe(struct kernel_evidence *k, int64_t pos, const struct vr_event *ev,
			     const struct vr_snapshot *snap)
{
	int i;

	if (snap->gic_version && !k->gic_version) {
		k->gic_version = snap->gic_version;
		k->gic_pos = pos;
	}
	if (ev->kind != VR_EV_FLUSH && ev->kind != VR_EV_SYNC && ev->kind != VR_EV_POST)
		return;
	k->snapshots++;
	for (i = 0; i < snap->nr_lrs; i++)
		if (snap->lr[i] >> 32)
			k->wide_lr_seen = 1;
	if (snap->hcr != VR_NO_VALUE && k->new_hcr_pos < 0 &&
	    (((uint64_t)snap->hcr & HCR_NEW_IN_619) || ((uint64_t)snap->hcr >> 27))) {
		k->new_hcr_pos = pos;
		k->new_hcr_value = (uint64_t)snap->hcr;
	}
}

/* Pull the release out of a uname string "Linux host 6.12.1 #1 SMP ..." (or a bare release). */
static void release_from_uname(const char *uname, char *out, size_t n)
{
	char buf[256], *tok, *save = NULL;
	int field = 0;

	snprintf(buf, sizeof(buf), "%s", uname);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 2 || (field == 0 && tok[0] >= '0' && tok[0] <= '9')) {
			snprintf(out, n, "%s", tok);
			return;
		}
	}
	snprintf(out, n, "%s", uname);
}

/* See import.h. */
void import_finish_metadata(struct trace_writer *w, struct tracedb *db,
			    const struct import_options *opt, const struct kernel_evidence *k,
			    const char *uname_release, struct import_result *res)
{
	const struct trace_writer_stats *st = trace_writer_stats(w);
	char src[256], q[128];
	int gic = 0;

	/* Kernel release: stated, recorded, inferred, or unknown. */
	if (opt->kernel) {
		snprintf(res->kernel_release, sizeof(res->kernel_release), "%s", opt->kernel);
		snprintf(res->kernel_source, sizeof(res->kernel_source), "option: --kernel");
	} else if (uname_release && *uname_release) {
		release_from_uname(uname_release, res->kernel_release,
				   sizeof(res->kernel_release));
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "recorded: trace.dat uname");
	} else if (k->new_hcr_pos >= 0) {
		snprintf(res->kernel_release, sizeof(res->kernel_release), ">=6.19");
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "inferred: saved ICH_HCR 0x%llx at position %lld sets LRENPIE, a group "
			 "enable interrupt or EOIcount, which only kernels >= 6.19 do",
			 (unsigned long long)k->new_hcr_value, (long long)k->new_hcr_pos);
	} else if (k->snapshots > 0) {
		snprintf(res->kernel_release, sizeof(res->kernel_release), "<=6.18");
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "inferred: none of %lld snapshots sets LRENPIE, a group enable interrupt "
			 "or EOIcount in ICH_HCR, as kernels <= 6.18 never do",
			 (long long)k->snapshots);
	} else {
		res->kernel_release[0] = '\0';
		snprintf(res->kernel_source, sizeof(res->kernel_source),
			 "unknown: the input names no kernel and has no LR snapshots; "
			 "state it with --kernel");
	}
	trace_writer_info_text(w, "kernel_release",
			       res->kernel_release[0] ? res->kernel_release : NULL);
	trace_writer_info_text(w, "kernel_release_source", res->kernel_source);

	/* GIC version: stated, from probe names, from LR width, or unknown. */
	if (opt->gic_version) {
		gic = opt->gic_version;
		snprintf(src, sizeof(src), "option: --gic");
	} else if (k->gic_version) {
		gic = k->gic_version;
		snprintf(src, sizeof(src), "inferred: vgic_v%d_* probe at position %lld", gic,
			 (long long)k->gic_pos);
	} else if (k->wide_lr_seen) {
		gic = 3;
		snprintf(src, sizeof(src), "inferred: 64-bit list register values (ICH_LR<n>_EL2)");
	} else {
		snprintf(src, sizeof(src), "unknown: no snapshot names its GIC; state it with --gic");
	}
	res->gic_version = gic;
	if (gic) {
		trace_writer_info_int(w, "gic_version", gic);
		snprintf(q, sizeof(q), "UPDATE snapshots SET gic_version = %d WHERE gic_version = 0",
			 gic);
		tracedb_exec(db, q, NULL);
	}
	trace_writer_info_text(w, "gic_version_source", src);
	if (st->max_nr_lrs_seen) {
		trace_writer_info_int(w, "nr_lrs", st->max_nr_lrs_seen);
		snprintf(src, sizeof(src), "inferred: snapshots recorded lr0..lr%d",
			 st->max_nr_lrs_seen - 1);
		trace_writer_info_text(w, "nr_lrs_source", src);
	}
}

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
		close(pfd[0]);
		if (lseek(*fd, 0, SEEK_SET) < 0 || dup2(*fd, 0) < 0 || dup2(pfd[1], 1) < 0)
			_exit(127);
		execlp(tool, tool, "-dc", (char *)NULL);
		fprintf(stderr, "vgic-replay: %s: cannot run %s to decompress it\n", path, tool);
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

/* See import.h. */
int vr_import(const struct import_options *opt, struct import_result *res, struct vr_error *err)
{
	unsigned char head[4096];
	struct stat in_st, out_st;
	struct tracedb *db = NULL;
	struct trace_writer *w = NULL;
	struct sigaction sa, old_int, old_term;
	char *tmp = NULL;
	pid_t child = -1;
	int fd = -1, rc = -1, is_stdin = !strcmp(opt->input, "-");
	ssize_t nhead;
	const char *tool;

	memset(res, 0, sizeof(*res));
	if (is_stdin) {
		fd = 0;
	} else {
		fd = open(opt->input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return vr_error_set(err, "%s: %s", opt->input, strerror(errno));
		if (fstat(fd, &in_st) == 0 && S_ISDIR(in_st.st_mode)) {
			close(fd);
			return vr_error_set(err, "%s: is a directory", opt->input);
		}
	}
	if (!stat(opt->output, &out_st)) {
		if (!opt->force) {
			vr_error_set(err, "%s: already exists (use --force to replace it)",
				     opt->output);
			goto out;
		}
		if (!is_stdin && out_st.st_ino == in_st.st_ino && out_st.st_dev == in_st.st_dev) {
			vr_error_set(err, "%s: is the input file; refusing to replace it",
				     opt->output);
			goto out;
		}
	}

	nhead = read_full(fd, head, sizeof(head));
	if (nhead < 0) {
		vr_error_set(err, "%s: read: %s", opt->input, strerror(errno));
		goto out;
	}
	tool = decompressor_for(head, (size_t)nhead);
	if (tool) {
		if (is_stdin) {
			vr_error_set(err, "-: compressed standard input is not supported; "
					  "decompress it first");
			goto out;
		}
		if (spawn_decompressor(tool, opt->input, &fd, &child, err))
			goto out;
		nhead = read_full(fd, head, sizeof(head));
		if (nhead < 0) {
			vr_error_set(err, "%s: read: %s", opt->input, strerror(errno));
			goto out;
		}
	}
	if ((size_t)nhead >= sizeof(sqlite_magic) && !memcmp(head, sqlite_magic, sizeof(sqlite_magic))) {
		vr_error_set(err, "%s: is an SQLite database, not a trace to import "
				  "(try `vgic-replay info %s`)", opt->input, opt->input);
		goto out;
	}

	tmp = make_temp_path(opt->output, err);
	if (!tmp)
		goto out;
	unlink(tmp); /* tracedb_create wants to make the file itself */
	db = tracedb_create(tmp, err);
	if (!db)
		goto out;
	w = trace_writer_begin(db, err);
	if (!w)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	vr_import_interrupted = 0;

	trace_writer_info_text(w, "source_file", is_stdin ? "(stdin)" : opt->input);
	if (opt->format == IMPORT_FORMAT_TRACECMD ||
	    (opt->format == IMPORT_FORMAT_AUTO && (size_t)nhead >= sizeof(tracedat_magic) &&
	     !memcmp(head, tracedat_magic, sizeof(tracedat_magic)))) {
		if (is_stdin || child > 0)
			rc = vr_error_set(err, "%s: trace.dat must be an uncompressed, seekable file",
					  opt->input);
		else
#ifdef VR_NO_TRACECMD
			rc = vr_error_set(err, "%s: this build of vgic-replay (make cross) has no "
					  "trace.dat support; import it with a native build",
					  opt->input);
#else
			rc = import_tracedat(opt->input, w, db, opt, res, err);
#endif
	} else {
		rc = import_ftrace(fd, opt->input, head, (size_t)nhead, w, db, opt, res, err);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc)
		goto out;

	res->stats = *trace_writer_stats(w);
	rc = trace_writer_finish(w, err);
	w = NULL;
	if (rc)
		goto out;
	tracedb_close(db);
	db = NULL;
	if (rename(tmp, opt->output)) {
		rc = vr_error_set(err, "%s: cannot rename %s into place: %s", opt->output, tmp,
				  strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = 0;
out:
	if (w)
		trace_writer_abort(w);
	tracedb_close(db);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (fd > 0)
		close(fd);
	if (child > 0) {
		int status;

		kill(child, SIGTERM);
		waitpid(child, &status, 0);
	}
	return rc;
}
