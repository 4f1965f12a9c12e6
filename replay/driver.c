/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay driver: one pass over the event stream (schemas/
 * trace_reader.h) through the interrupt lifecycle tracker (lifecycle.c)
 * and the engine's model (model.c), under the recording kernel's profile
 * or a what-if one. It makes the findings, the model's agreement counts
 * and the per-INTID accounting that check, predict and report print,
 * and stores the run when asked.
 */
#define _POSIX_C_SOURCE 200809L
#include "replay_internal.h"

/*
 * The options that shaped a run, as check's command line spells them
 * (replay_runs.options): which profile was asked for and which window of
 * findings is stored. Empty for a plain run, also one whose profile the
 * caller chose from a diagnosis (o->reason): the command line asked for
 * none, and a stored run answers the question the command line asked.
 */
static void run_options(const struct replay_options *o, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	if (o->profile && !o->reason)
		len += (size_t)snprintf(out + len, n - len, "--profile %s ", o->profile);
	if (o->vcpu != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--vcpu %lld ", (long long)o->vcpu);
	if (o->intid != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--intid %lld ", (long long)o->intid);
	if (o->from_ns != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--from %lld ", (long long)o->from_ns);
	if (o->to_ns != VR_NO_VALUE && len < n)
		len += (size_t)snprintf(out + len, n - len, "--to %lld ", (long long)o->to_ns);
	if (len > 0 && len < n)
		out[len - 1] = '\0';
}

/* Begin storing the run in the trace: its replay_runs row, in one transaction. */
static int begin_store(struct checker *c, struct vr_error *err)
{
	struct findings_run run;
	char options[256];

	run_options(c->opt, options, sizeof(options));
	run.profile = vgic_profile_name(c->profile);
	run.profile_reason = c->res->profile_reason;
	run.options = options;
	c->store = findings_store_begin(c->db, &run, err);
	if (!c->store)
		return -1;
	c->res->run_id = findings_store_run_id(c->store);
	return 0;
}

/*
 * Store what the run counted (accounting, agreement) with its findings,
 * so that the TUI shows check's own numbers; -1 with err (fs aborted).
 */
static int store_results(struct findings_store *fs, const struct replay_result *res,
			 struct vr_error *err)
{
	struct stored_count *rows = vr_xcalloc(res->ncounts + 1, sizeof(*rows));
	struct stored_agreement a = {res->model_flushes,   res->model_agree,	res->model_unknown,
				     res->model_dir_exits, res->model_dir_found, res->model.ap_lists,
				     res->model.ap_agree,  res->model.ap_unknown};
	int rc;

	for (size_t i = 0; i < res->ncounts; i++) {
		const struct replay_irq_count *k = &res->counts[i];

		rows[i] = (struct stored_count){k->vcpu,	   k->intid,	      k->injected,
						k->acked,	   k->coalesced,      k->lost,
						k->pending_at_end, k->pending_at_start, k->deactivated,
						k->injection_unrecorded, k->stuck_active};
	}
	rc = findings_store_results(fs, rows, res->ncounts, &a, err);
	free(rows);
	if (rc)
		findings_store_abort(fs);
	return rc;
}

/* Close the run's row with its totals and results, and commit. */
static int end_store(struct checker *c, struct vr_error *err)
{
	struct findings_store *fs = c->store;

	c->store = NULL;
	if (store_results(fs, c->res, err))
		return -1;
	return findings_store_end(fs, c->res->events, c->res->findings, c->res->checks_run, err);
}

/* Hand the event to the engine replay, which reports divergent flushes to finding_from_divergence. */
static void model_step(struct checker *c, const struct trace_item *it)
{
	struct replay_model_row m;

	replay_model_row_from_item(&m, it);
	replay_model_step(c->model, &m);
}

/*
 * One item of the stream as the checks read it: NULL arguments the
 * tracker never distinguishes from 0 read as 0; the rest keep VR_NO_VALUE.
 */
static void row_from_item(struct row *r, const struct trace_item *it)
{
	const struct vr_event *e = &it->ev;

	r->id = it->id;
	r->ts_ns = e->ts_ns;
	r->cpu = e->cpu;
	r->pid = e->pid;
	r->vcpu = e->vcpu;
	r->kind = e->kind;
	r->intid = e->intid;
	r->arg0 = e->arg[0] == VR_NO_VALUE ? 0 : e->arg[0];
	r->arg1 = e->arg[1];
	r->arg2 = e->arg[2] == VR_NO_VALUE ? 0 : e->arg[2];
	r->arg3 = e->arg[3] == VR_NO_VALUE ? 0 : e->arg[3];
	if (!it->has_snapshot)
		return;
	r->gic_version = it->snap.gic_version;
	r->nr_lrs = it->snap.nr_lrs;
	r->used_lrs = (int)it->snap.used_lrs;
	r->hcr = it->snap.hcr;
	r->vmcr = it->snap.vmcr;
	r->ap_len = it->ap_len;
	memcpy(r->lr, it->snap.lr, sizeof(r->lr));
	r->has_apr = it->snap.gic_version == 2 ? it->snap.apr != VR_NO_VALUE
						: it->snap.ap1r[0] != VR_NO_VALUE;
	r->ap0r0 = (uint32_t)(it->snap.gic_version == 2 ? it->snap.apr : it->snap.ap0r[0]);
	r->ap1r0 = (uint32_t)it->snap.ap1r[0];
}

/* The kinds after which an interrupt's lifecycle may have changed (opt->life). */
#define LIFE_KINDS                                                                                 \
	(VR_KIND_BIT(VR_EV_IRQ_PENDING) | VR_KIND_BIT(VR_EV_LPI_QUEUE) |                            \
	 VR_KIND_BIT(VR_EV_LPI_TARGET) | VR_KIND_BIT(VR_EV_SGI) | VR_KIND_BIT(VR_EV_DEACTIVATE) |    \
	 VR_KIND_BIT(VR_EV_FLUSH) | VR_KIND_BIT(VR_EV_SYNC))

/* Apply one event of the stream to the tracker and the model. */
static void check_event(struct checker *c, struct row *r, const struct trace_item *it)
{
	row_from_item(r, it);
	c->res->events++;
	track_thread_moved_on(c, r);
	if (r->kind == VR_EV_IRQ_PENDING)
		track_injection(c, r);
	else if (r->kind == VR_EV_LPI_QUEUE)
		track_lpi_queue(c, r);
	else if (r->kind == VR_EV_LPI_TARGET)
		track_lpi_target(c, r);
	else if (r->kind == VR_EV_SGI)
		track_sgi(c, r);
	else if (r->kind == VR_EV_DEACTIVATE)
		track_trapped_dir(c, r);
	else if (r->kind == VR_EV_MMIO)
		track_mmio(c, r);
	else if (r->kind == VR_EV_USERSPACE_EXIT)
		track_userspace_exit(c, r);
	else if (it->has_snapshot && r->vcpu != VR_NO_VALUE && r->kind != VR_EV_POST)
		(r->kind == VR_EV_FLUSH ? track_flush : track_sync)(c, r);
	if (c->model) {
		model_step(c, it);
		if (r->kind == VR_EV_FLUSH)
			track_flush_judged(c, r);
	}
	if (c->opt->life && (VR_KIND_BIT(r->kind) & LIFE_KINDS))
		track_life_changes(c, r->ts_ns);
}

/* Pick the profile to replay under: asked for, or the recording kernel's. */
static int choose_profile(struct checker *c, const struct trace_facts *facts,
			  struct vr_error *err)
{
	struct replay_result *res = c->res;

	c->recorded = vgic_profile_for_trace(facts->kernel_release, c->gic_version,
					     res->profile_reason, sizeof(res->profile_reason));
	c->profile = c->recorded;
	if (c->opt->profile) {
		c->profile = vgic_profile_find(c->opt->profile);
		if (!c->profile)
			return vr_error_set(err,
					    "unknown profile '%s' (see `vgic-replay check --list-profiles`)",
					    c->opt->profile);
		snprintf(res->profile_reason, sizeof(res->profile_reason), "chosen with --profile");
	}
	if (c->opt->reason)
		snprintf(res->profile_reason, sizeof(res->profile_reason), "%s", c->opt->reason);
	res->profile = c->profile;
	if (c->gic_version == 5) {
		snprintf(res->checks_run, sizeof(res->checks_run), "%s",
			 "GICv5 PPIs: TRACE_GAP, LOST_INTERRUPT (an enabled PPI two entries "
			 "left out of PENDR), STUCK_ACTIVE (a PPI its vCPU's last exits all show "
			 "active); no engine prediction of the flushes yet");
		return 0;
	}
	snprintf(res->checks_run, sizeof(res->checks_run), "%s",
		 res->has_snapshots
			 ? "TRACE_GAP, LOST_INTERRUPT (flush/sync accounting), MIS_DEACTIVATION "
			   "and STUCK_ACTIVE (EOIcount walk), PRIORITY_INVERSION, LR_DIVERGENCE "
			   "(the engine's prediction of every flush)"
			 : "TRACE_GAP (no LR snapshots: acknowledgements and deactivations are not "
			   "visible, so LOST_INTERRUPT, MIS_DEACTIVATION, STUCK_ACTIVE, "
			   "PRIORITY_INVERSION and LR_DIVERGENCE cannot run)");
	return 0;
}

/* An incremental check: the checker, and whether its model has started. */
struct replay_stream {
	struct checker *c;
	int started;
	struct row r; /* the last row: an event without registers keeps the last snapshot's */
};

/* See replay.h. */
struct replay_stream *replay_stream_begin(const struct trace_facts *facts,
					  const struct replay_options *opt,
					  replay_finding_fn fn, void *fn_arg,
					  struct replay_result *res, struct vr_error *err)
{
	struct replay_stream *s = vr_xcalloc(1, sizeof(*s));
	struct checker *c = vr_xcalloc(1, sizeof(*c));

	s->c = c;
	memset(res, 0, sizeof(*res));
	c->opt = opt;
	c->fn = fn;
	c->fn_arg = fn_arg;
	c->res = res;
	c->gic_version = facts->gic_version ? facts->gic_version : 3;
	res->gic_version = c->gic_version;
	snprintf(res->kernel_release, sizeof(res->kernel_release), "%s", facts->kernel_release);
	snprintf(res->synthetic, sizeof(res->synthetic), "%s", facts->synthetic);
	c->has_lpi_queue = !!(facts->kinds_present & VR_KIND_BIT(VR_EV_LPI_QUEUE));
	c->has_lpi_target = !!(facts->kinds_present & VR_KIND_BIT(VR_EV_LPI_TARGET));
	res->has_snapshots = facts->snapshots_total > 0;
	if (choose_profile(c, facts, err))
		goto fail;
	if (c->gic_version != 5 && res->has_snapshots) {
		c->model = replay_model_new(facts, vgic_profile_name(c->profile),
					    finding_from_divergence, c, err);
		if (!c->model)
			goto fail;
	}
	return s;
fail:
	replay_stream_free(s);
	return NULL;
}

/* See replay.h. */
int replay_stream_gic_version(const struct replay_stream *s)
{
	return s->c->gic_version;
}

/* See replay.h. */
void replay_stream_learn(struct replay_stream *s, const struct trace_item *it)
{
	if (s->c->model && !s->started)
		replay_model_learn(s->c->model, it);
}

/* See replay.h. */
int replay_stream_start(struct replay_stream *s, int learn_late, struct vr_error *err)
{
	struct checker *c = s->c;
	const struct replay_options *opt = c->opt;

	if (c->model) {
		if (replay_model_start(c->model, learn_late, err))
			return -1;
		replay_model_set_window(c->model, opt->vcpu, opt->intid, opt->from_ns, opt->to_ns);
	}
	if (opt->store && begin_store(c, err))
		return -1;
	s->started = 1;
	return 0;
}

/* See replay.h. */
int replay_stream_push(struct replay_stream *s, const struct trace_item *it, struct vr_error *err)
{
	struct checker *c = s->c;

	if (c->stopped_early)
		return 1;
	if (it->type == TRACE_ITEM_GAP) {
		track_gap(c, it->id, it->gap.lost, it->gap.cpu, it->gap.start_ns, it->gap.end_ns);
		if (c->opt->life)
			track_life_changes(c, s->r.ts_ns); /* as of the last event before it */
		return 0;
	}
	if (c->opt->to_ns != VR_NO_VALUE && it->ev.ts_ns > c->opt->to_ns) {
		c->stopped_early = 1;
		return 1; /* nothing after the window is reported or counted */
	}
	if (c->opt->item)
		c->opt->item(it, c->opt->item_arg);
	if (c->opt->from_ns != VR_NO_VALUE && !c->base_taken && it->ev.ts_ns >= c->opt->from_ns)
		track_open_window(c);
	check_event(c, &s->r, it);
	if (c->failed)
		return vr_error_set(err, "storing findings: %s", tracedb_errmsg(c->db));
	return 0;
}

/* See replay.h. */
int replay_stream_end(struct replay_stream *s, struct vr_error *err)
{
	struct checker *c = s->c;
	struct replay_result *res = c->res;
	const struct replay_options *opt = c->opt;

	replay_model_finish(c->model);
	track_finish(c);
	if (opt->from_ns != VR_NO_VALUE && !c->base_taken)
		track_open_window(c); /* the window opens after the trace: nothing in it */
	track_collect_counts(c);
	if (c->model) {
		const struct predict_result *pr = replay_model_result(c->model);

		res->model = *pr;
		res->model_flushes = pr->flushes;
		res->model_agree = pr->exact + pr->reordered;
		res->model_unknown = pr->unknown;
		res->model_dir_exits = pr->dir_exits;
		res->model_dir_found = pr->dir_found;
	}
	if (opt->store && opt->store_open) {
		res->open_store = c->store; /* replay_store_close() commits or rolls it back */
		c->store = NULL;
	} else if (opt->store && end_store(c, err)) {
		return -1;
	}
	return 0;
}

/* See replay.h. */
const struct predict_result *replay_stream_model(const struct replay_stream *s)
{
	return s->c->model ? replay_model_result(s->c->model) : NULL;
}

/* See replay.h. */
void replay_stream_snapshot(const struct replay_stream *s, struct replay_result *out)
{
	const struct predict_result *pr = replay_stream_model(s);

	*out = *s->c->res;
	out->counts = NULL;
	out->ncounts = 0;
	out->open_store = NULL;
	if (pr)
		out->model = *pr;
}

/* See replay.h. */
void replay_stream_free(struct replay_stream *s)
{
	struct checker *c;

	if (!s)
		return;
	c = s->c;
	findings_store_abort(c->store); /* NULL unless the run failed while storing */
	replay_model_close(c->model);
	for (size_t i = 0; i < c->ntracked; i++) /* before the vCPU records they may live in */
		free(c->tracked[i]->rows);
	for (size_t v = 0; v < c->nvcpus; v++)
		free(c->vcpus[v]);
	free(c->vcpus);
	for (size_t i = 0; i < c->nlpis; i++)
		free(c->lpis[i]);
	free(c->lpis);
	free(c->base);
	free(c->base_start);
	free(c->base_nrows);
	free(c->tracked);
	free(c);
	free(s);
}

/* Teach the model the trace's configuration: one scan of its flushes (model_learn.c). */
static int learn_from_file(struct replay_stream *s, struct tracedb *db, struct vr_error *err)
{
	struct trace_cursor *cur;
	struct trace_filter f;
	struct trace_item it;
	int rc;

	if (!s->c->model)
		return 0;
	trace_filter_init(&f);
	f.kinds = VR_KIND_BIT(VR_EV_FLUSH);
	f.gaps = 0;
	f.ap_len = 0;
	cur = trace_cursor_open(db, &f, err);
	if (!cur)
		return -1;
	while ((rc = trace_cursor_next(cur, &it, err)) == 1)
		replay_stream_learn(s, &it);
	trace_cursor_close(cur);
	return rc < 0 ? -1 : 0;
}

/* Push the whole file's stream through the checks, a progress line on a terminal. */
static int check_file_stream(struct replay_stream *s, struct trace_source *src, int64_t last_id,
			     struct vr_error *err)
{
	struct checker *c = s->c;
	struct vr_progress progress;
	struct trace_item it;
	int rc, pushed = 0, total = 0;

	vr_progress_init(&progress, "checking");
	if (!c->opt->progress)
		progress.enabled = 0;
	c->progress = &progress;
	while ((rc = src->next(src->self, &it, err)) == 1) {
		pushed = replay_stream_push(s, &it, err);
		if (pushed)
			break;
		if (it.type == TRACE_ITEM_EVENT && (++total & 0xffff) == 0)
			vr_progress_update(&progress, (uint64_t)it.id, (uint64_t)last_id);
	}
	vr_progress_done(&progress);
	c->progress = NULL;
	return rc < 0 || pushed < 0 ? -1 : 0;
}

/* check on a GICv5 VM: its own checks (v5_check.c); the LR model does not apply. */
static int check_gicv5(struct checker *c, struct tracedb *db, struct vr_error *err)
{
	struct trace_cursor *cur;
	struct trace_source src;
	struct trace_filter f;
	int rc;

	if (c->opt->store && begin_store(c, err))
		return -1;
	trace_filter_init(&f);
	f.kinds = V5_KINDS;
	if (c->opt->item) /* a consumer drawing every event (the TUI's lanes) */
		f.kinds |= REPLAY_MODEL_KIND_SET;
	cur = trace_cursor_open(db, &f, err);
	if (!cur)
		return -1;
	src = trace_cursor_source(cur);
	rc = v5_check_stream(c, &src, err);
	trace_cursor_close(cur);
	if (rc)
		return -1;
	if (c->opt->store && c->opt->store_open) {
		c->res->open_store = c->store;
		c->store = NULL;
	} else if (c->opt->store && end_store(c, err)) {
		return -1;
	}
	return 0;
}

/*
 * See replay.h. The file's stream through the same incremental check a
 * live watcher runs (replay_stream_*), with what only a file can give
 * first: its facts, and the configuration learned from all its flushes.
 */
int replay_check(struct tracedb *db, const struct replay_options *opt, replay_finding_fn fn,
		 void *fn_arg, struct replay_result *res, struct vr_error *err)
{
	struct replay_stream *s = NULL;
	struct trace_cursor *cur = NULL;
	struct trace_source src;
	struct trace_facts facts;
	struct trace_filter f;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (trace_facts_read(db, &facts, err))
		return -1;
	s = replay_stream_begin(&facts, opt, fn, fn_arg, res, err);
	if (!s)
		return -1;
	s->c->db = db;
	if (s->c->gic_version == 5) {
		rc = check_gicv5(s->c, db, err);
		goto out;
	}
	if (learn_from_file(s, db, err) || replay_stream_start(s, 0, err))
		goto out;
	trace_filter_init(&f);
	f.kinds = REPLAY_MODEL_KIND_SET; /* with the APRs: the tracker's STUCK_ACTIVE cause */
	cur = trace_cursor_open(db, &f, err);
	if (!cur)
		goto out;
	src = trace_cursor_source(cur);
	if (check_file_stream(s, &src, opt->progress ? facts.max_event_id : 0, err))
		goto out;
	rc = replay_stream_end(s, err);
out:
	trace_cursor_close(cur);
	replay_stream_free(s);
	return rc;
}

/* See replay.h. */
int replay_store_close(struct replay_result *res, int keep, const char *reason,
		       struct vr_error *err)
{
	struct findings_store *fs = res->open_store;

	res->open_store = NULL;
	if (!fs)
		return 0;
	if (!keep) {
		findings_store_abort(fs);
		res->run_id = 0;
		return 0;
	}
	if (reason && findings_store_set_reason(fs, reason, err)) {
		findings_store_abort(fs);
		return -1;
	}
	if (store_results(fs, res, err))
		return -1;
	return findings_store_end(fs, res->events, res->findings, res->checks_run, err);
}

/* See replay.h. */
void replay_result_free(struct replay_result *res)
{
	replay_store_close(res, 0, NULL, NULL);
	free(res->counts);
	res->counts = NULL;
}
