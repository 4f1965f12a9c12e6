/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Findings: how each is made, tied to its proving events, filtered to the
 * requested window, stored and handed to the caller. The tracker
 * (lifecycle.c) and the model's divergences (model_findings.c) make
 * theirs through these.
 */
#define _POSIX_C_SOURCE 200809L
#include "replay_internal.h"

/* True when the finding falls inside the --vcpu/--intid/--from/--to window. */
static int in_window(const struct checker *c, const struct replay_finding *f)
{
	const struct replay_options *o = c->opt;

	if (o->vcpu != VR_NO_VALUE && f->vcpu != VR_NO_VALUE && f->vcpu != o->vcpu)
		return 0;
	if (o->intid != VR_NO_VALUE && f->intid != o->intid)
		return 0;
	if (o->from_ns != VR_NO_VALUE && f->ts_ns < o->from_ns)
		return 0;
	if (o->to_ns != VR_NO_VALUE && f->ts_ns > o->to_ns)
		return 0;
	return 1;
}

/* Store one finding and its proof events in the trace's findings tables. */
static void store_finding(struct checker *c, const struct replay_finding *f)
{
	struct stored_finding s = {
		.kind = finding_kind_name(f->kind),
		.severity = finding_severity_name(f->severity),
		.ts_ns = f->ts_ns,
		.cpu = f->cpu,
		.vcpu = f->vcpu,
		.intid = f->intid,
		.explanation = f->explanation,
		.proof = f->proof,
		.proof_role = f->proof_role,
		.nproof = f->nproof,
	};

	if (c->store && findings_store_add(c->store, &s))
		c->failed = 1;
}

/* Hand a finding to the caller and the database, if it is in the window. */
void finding_report(struct checker *c, struct replay_finding *f)
{
	c->last_finding_event = f->nproof ? f->proof[0] : 0;
	if (f->kind == FINDING_STUCK_ACTIVE && f->intid != VR_NO_VALUE) {
		struct irq_track *t = track_irq(c, f->vcpu, f->intid);

		if (t)
			t->stuck_reported = 1;
	}
	if (!in_window(c, f))
		return;
	c->res->findings++;
	c->res->findings_by_kind[f->kind]++;
	store_finding(c, f);
	if (c->progress && c->progress->enabled && c->progress->last_ns) {
		fputs("\r\033[K", stderr); /* the finding goes where the progress line was */
		c->progress->last_ns = 0;
	}
	if (c->fn)
		c->fn(f, c->fn_arg);
}

/* Start a finding with its decisive event. */
void finding_init(struct replay_finding *f, enum finding_kind kind,
			 enum finding_severity sev, int64_t ts, int32_t cpu, int64_t vcpu,
			 int64_t intid)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->severity = sev;
	f->ts_ns = ts;
	f->cpu = cpu;
	f->vcpu = vcpu;
	f->intid = intid;
}

/* Attach a proof event with its role. */
void finding_proof(struct replay_finding *f, int64_t event_id, const char *role)
{
	if (event_id <= 0 || f->nproof >= REPLAY_MAX_PROOF)
		return;
	f->proof[f->nproof] = event_id;
	f->proof_role[f->nproof] = role;
	f->nproof++;
}

/* The findings.kind text of a kind. */
const char *finding_kind_name(enum finding_kind k)
{
	static const char *const names[] = {"LOST_INTERRUPT", "MIS_DEACTIVATION", "STUCK_ACTIVE",
					    "LR_DIVERGENCE", "PRIORITY_INVERSION", "TRACE_GAP"};

	return k < FINDING_KIND_MAX ? names[k] : "UNKNOWN";
}

/* The findings.severity text of a severity. */
const char *finding_severity_name(enum finding_severity s)
{
	static const char *const names[] = {"error", "warning", "info", "unknown"};

	return s <= SEVERITY_UNKNOWN ? names[s] : "unknown";
}
