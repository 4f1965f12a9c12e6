/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder: vr_record() picks the backend that the options name from
 * the one array that lists them, and runs it through the steps of
 * record_core.h. Only this file knows which backends there are; each of
 * them knows only the core.
 */
#include "backends.h"

#include <string.h>
#include <sys/stat.h>

/* The recording backends; the first is the default. */
static const struct record_backend *const backends[] = {
	&record_backend_bpf,
	&record_backend_tracefs,
	&record_backend_trace,
};

/* The backend of this name (NULL: the default), or NULL if there is none. */
static const struct record_backend *backend_named(const char *name)
{
	size_t i;

	if (!name)
		return backends[0];
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

/* See record.h. */
int vr_record_backend_exists(const char *name)
{
	return name && backend_named(name) != NULL;
}

/*
 * Everything before the first record: can this host record so, on which
 * GIC, into which file, with which hooks. `record --check` stops here.
 */
static int prepare(struct record_run *run, struct vr_error *err)
{
	const struct record_backend *b = run->backend;

	if (b->preflight(run, err) || record_choose_gic(run, err) ||
	    record_claim_output(run->opt, err))
		return -1;
	return b->attach(run, err);
}

/* Poll and tick until Ctrl-C, --duration, or the backend says stop (or failed). */
static int loop(struct record_run *run, struct vr_error *err)
{
	const struct record_backend *b = run->backend;
	enum record_step step = RECORD_GO_ON;

	while (step == RECORD_GO_ON && !record_stop_requested()) {
		step = b->poll(run, err);
		if (step != RECORD_GO_ON || record_duration_reached(run))
			break;
		step = b->tick(run, err);
	}
	return step == RECORD_FAILED ? -1 : 0;
}

/* The recording proper: open, loop, stop; st->seconds is the span recorded, not the drain. */
static int capture(struct record_run *run, struct vr_error *err)
{
	int rc;

	if (run->backend->open(run, err))
		return -1;
	record_catch_stop();
	rc = loop(run, err);
	run->st->seconds = (vr_now_ns() - run->start_ns) / 1e9;
	return rc ? -1 : run->backend->stop(run, err);
}

/* See record.h. The output's size is taken once it is closed, with its WAL checkpointed. */
int vr_record(const struct record_options *opt, struct record_stats *st, struct vr_error *err)
{
	struct record_run run;
	struct stat sb;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&run, 0, sizeof(run));
	run.opt = opt;
	run.st = st;
	run.backend = backend_named(opt->backend);
	if (!run.backend)
		return vr_error_set(err, "no recording backend named %s", opt->backend);
	rc = prepare(&run, err);
	if (!rc && !opt->check)
		rc = capture(&run, err);
	run.backend->cleanup(&run);
	if (!rc && opt->output && !stat(opt->output, &sb))
		st->bytes = sb.st_size;
	return rc;
}
