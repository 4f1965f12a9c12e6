// SPDX-License-Identifier: GPL-2.0
/*
 * Chrome trace-event JSON of a checked trace (see export.h). One pass of
 * the replay gives the findings; one pass of the event stream lays out
 * the tracks. Each record is built and escaped by json-c and written as
 * it is made, so that a trace of millions of events never sits in memory
 * as one document.
 */
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vgic_engine.h"
#include "../schemas/trace_reader.h"
#include "export_html.h"
#include "replay.h"

#define EXPORT_PID 1
#define EXPORT_CAT "vgic-replay" /* findings, proving events and their arrows */
#define TID_UNPLACED 1	      /* injections whose vCPU the trace does not name */
#define TID_PER_VCPU 100000   /* a vCPU's lane; its interrupts follow it */
#define MAX_TRACK_INTID 99998 /* interrupts above get no track of their own */
/*
 * Findings kept for drawing: a trace that makes more (a what-if over
 * hours of traffic can make hundreds of thousands) draws the first ones
 * and counts the rest, so that memory stays bounded (about 1 KB each).
 */
#define EXPORT_MAX_FINDINGS 50000

/* What a vCPU was doing, as its lane shows it. */
enum lane_state { LANE_NONE, LANE_GUEST, LANE_HOST, LANE_WFI };

static const char *const lane_names[] = {"", "guest", "host", "WFI"};

/* An interrupt's state in its vCPU's LRs: pending (1), active (2), both (3), neither (0). */
static const char *const irq_state_names[] = {"", "pending", "active", "pending+active"};

struct lane {
	enum lane_state state;
	int64_t start;
	int named;
};

struct irq_track {
	int64_t vcpu;
	uint32_t intid;
	int state;
	int64_t start;
	int seen; /* in the snapshot being applied */
};

/* A proving event's place, found while streaming. */
struct proof_place {
	int64_t id, ts, vcpu;
};

struct exporter {
	FILE *out;
	int first;
	struct export_result *res;
	const struct export_options *o;
	int gic_version;
	struct lane *lanes;
	int nlanes;
	struct irq_track *tracks;
	size_t ntracks, captracks;
	struct replay_finding *findings;
	size_t nfindings, capfindings;
	int64_t findings_not_drawn; /* beyond EXPORT_MAX_FINDINGS */
	struct proof_place *proofs; /* sorted by id */
	size_t nproofs;
	int64_t last_ts;
	char diagnosis[640]; /* check's diagnosis when it chose the profile, else "" */
	struct html_report *html; /* --format html: what the page shows, else NULL */
};

/* ---------------------------------------------------------------- records */

/* A time in microseconds, exactly, as the JSON number Chrome's format wants. */
static json_object *micros(int64_t ns)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
	return json_object_new_double_s((double)ns / 1000.0, buf);
}

/* A record with the fields every one has: its name, phase, time and track. */
static json_object *record(const char *name, const char *phase, int64_t ts, int64_t tid)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "name", json_object_new_string(name));
	json_object_object_add(r, "ph", json_object_new_string(phase));
	if (ts >= 0)
		json_object_object_add(r, "ts", micros(ts));
	json_object_object_add(r, "pid", json_object_new_int(EXPORT_PID));
	json_object_object_add(r, "tid", json_object_new_int64(tid));
	return r;
}

/* Write one record into the traceEvents array and free it. */
static void emit(struct exporter *x, json_object *r)
{
	fputs(x->first ? "\n" : ",\n", x->out);
	fputs(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	      x->out);
	json_object_put(r);
	x->first = 0;
	x->res->events_written++;
}

/* A track's name and place in the list (metadata records). */
static void name_track(struct exporter *x, int64_t tid, const char *name)
{
	json_object *r, *args;

	if (x->html)
		return;
	r = record("thread_name", "M", -1, tid);
	args = json_object_new_object();

	json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(r, "args", args);
	emit(x, r);
	r = record("thread_sort_index", "M", -1, tid);
	args = json_object_new_object();
	json_object_object_add(args, "sort_index", json_object_new_int64(tid));
	json_object_object_add(r, "args", args);
	emit(x, r);
}

/* A span [start, end) on a track, as a complete ('X') slice. */
static void emit_slice(struct exporter *x, const char *name, int64_t tid, int64_t start, int64_t end)
{
	json_object *r;

	if (x->html) {
		int64_t vcpu = tid / TID_PER_VCPU - 1, intid = tid % TID_PER_VCPU - 1;

		html_report_slice(x->html, vcpu, intid, name, start, end);
		return;
	}
	r = record(name, "X", start, tid);

	json_object_object_add(r, "dur", micros(end > start ? end - start : 0));
	emit(x, r);
	x->res->slices++;
}

/* ---------------------------------------------------------------- tracks */

/* The lane of a vCPU (the trace's filter already applied). */
static int64_t lane_tid(int64_t vcpu)
{
	return (vcpu + 1) * TID_PER_VCPU;
}

/* The lane of vcpu, grown and named on first use; NULL for no vCPU. */
static struct lane *lane_of(struct exporter *x, int64_t vcpu)
{
	char name[32];

	if (vcpu == VR_NO_VALUE || vcpu < 0 || vcpu >= TRACE_MAX_VCPUS)
		return NULL;
	if (vcpu >= x->nlanes) {
		int n = (int)vcpu + 1;

		x->lanes = vr_xrealloc(x->lanes, (size_t)n * sizeof(*x->lanes));
		memset(x->lanes + x->nlanes, 0, (size_t)(n - x->nlanes) * sizeof(*x->lanes));
		x->nlanes = n;
	}
	if (!x->lanes[vcpu].named) {
		snprintf(name, sizeof(name), "vcpu%" PRId64, vcpu);
		name_track(x, lane_tid(vcpu), name);
		x->lanes[vcpu].named = 1;
	}
	return &x->lanes[vcpu];
}

/* Move a vCPU's lane to a new state at ts, closing the slice of the old one. */
static void lane_enter(struct exporter *x, int64_t vcpu, enum lane_state state, int64_t ts)
{
	struct lane *l = lane_of(x, vcpu);

	if (!l || l->state == state)
		return;
	if (l->state != LANE_NONE)
		emit_slice(x, lane_names[l->state], lane_tid(vcpu), l->start, ts);
	l->state = state;
	l->start = ts;
}

/* Does the export show this INTID (the --intid filter, a track it can have)? */
static int intid_shown(const struct exporter *x, int64_t intid)
{
	if (intid < 0 || intid > MAX_TRACK_INTID)
		return 0;
	return x->o->intid == VR_NO_VALUE || x->o->intid == intid;
}

/* The track of an interrupt on a vCPU, made and named on first use. */
static struct irq_track *track_of(struct exporter *x, int64_t vcpu, uint32_t intid)
{
	char name[48];
	struct irq_track *t;

	for (size_t i = 0; i < x->ntracks; i++)
		if (x->tracks[i].vcpu == vcpu && x->tracks[i].intid == intid)
			return &x->tracks[i];
	if (!lane_of(x, vcpu))
		return NULL;
	if (x->ntracks == x->captracks) {
		x->captracks = x->captracks ? 2 * x->captracks : 64;
		x->tracks = vr_xrealloc(x->tracks, x->captracks * sizeof(*x->tracks));
	}
	t = &x->tracks[x->ntracks++];
	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->intid = intid;
	snprintf(name, sizeof(name), "vcpu%" PRId64 " INTID %u", vcpu, intid);
	name_track(x, lane_tid(vcpu) + 1 + intid, name);
	return t;
}

/* Move an interrupt's LR state at ts, closing the slice of the old one. */
static void track_enter(struct exporter *x, struct irq_track *t, int state, int64_t ts)
{
	if (t->state == state)
		return;
	if (t->state)
		emit_slice(x, irq_state_names[t->state], lane_tid(t->vcpu) + 1 + t->intid, t->start,
			   ts);
	t->state = state;
	t->start = ts;
}

/*
 * A snapshot of a vCPU's LRs: each interrupt they hold takes the state
 * its LR shows (programmed at a flush, handed back at a sync); one that
 * left them ends its slice.
 */
static void apply_snapshot(struct exporter *x, const struct trace_item *it)
{
	const struct vr_snapshot *s = &it->snap;
	int n = s->nr_lrs;

	for (size_t i = 0; i < x->ntracks; i++)
		x->tracks[i].seen = 0;
	if (s->used_lrs >= 0 && s->used_lrs < n)
		n = (int)s->used_lrs;
	for (int i = 0; i < n && i < VR_MAX_LRS; i++) {
		struct vgic_lr_fields f;
		struct irq_track *t;

		vgic_lr_decode(x->gic_version, s->lr[i], &f);
		if ((!f.pending && !f.active) || !intid_shown(x, f.intid))
			continue;
		t = track_of(x, it->ev.vcpu, f.intid);
		if (!t)
			continue;
		t->seen = 1;
		track_enter(x, t, (f.pending ? 1 : 0) | (f.active ? 2 : 0), it->ev.ts_ns);
	}
	for (size_t i = 0; i < x->ntracks; i++)
		if (x->tracks[i].vcpu == it->ev.vcpu && !x->tracks[i].seen)
			track_enter(x, &x->tracks[i], 0, it->ev.ts_ns);
}

/* The LRs a flush put in use, as a counter per vCPU. */
static void emit_lr_counter(struct exporter *x, const struct trace_item *it)
{
	char name[32];
	json_object *r, *args;

	if (x->html || !lane_of(x, it->ev.vcpu))
		return;
	snprintf(name, sizeof(name), "vcpu%" PRId64 " LRs in use", it->ev.vcpu);
	r = record(name, "C", it->ev.ts_ns, lane_tid(it->ev.vcpu));
	args = json_object_new_object();
	json_object_object_add(args, "LRs", json_object_new_int64(it->snap.used_lrs));
	json_object_object_add(r, "args", args);
	emit(x, r);
}

/* An injection, as an instant on its interrupt's track (or the unplaced one). */
static void emit_injection(struct exporter *x, const struct trace_item *it)
{
	const struct vr_event *e = &it->ev;
	int64_t tid = TID_UNPLACED;
	json_object *r, *args;

	if (x->html || !intid_shown(x, e->intid))
		return;
	if (e->vcpu != VR_NO_VALUE && track_of(x, e->vcpu, (uint32_t)e->intid))
		tid = lane_tid(e->vcpu) + 1 + e->intid;
	r = record(vr_event_kind_name(e->kind), "i", e->ts_ns, tid);
	json_object_object_add(r, "s", json_object_new_string("t"));
	args = json_object_new_object();
	json_object_object_add(args, "event", json_object_new_int64(it->id));
	json_object_object_add(args, "intid", json_object_new_int64(e->intid));
	json_object_object_add(r, "args", args);
	emit(x, r);
}

/* A gap: events the tracer lost, as a global instant. */
static void emit_gap(struct exporter *x, const struct trace_item *it)
{
	json_object *r, *args;
	int64_t ts = it->gap.start_ns ? it->gap.start_ns : x->last_ts;

	if (x->html) {
		html_report_gap(x->html, it);
		return;
	}
	r = record("events lost", "i", ts > 0 ? ts : 0, TID_UNPLACED);
	json_object_object_add(r, "s", json_object_new_string("g"));
	args = json_object_new_object();
	json_object_object_add(args, "lost", json_object_new_int64(it->gap.lost));
	json_object_object_add(r, "args", args);
	emit(x, r);
}

/* ---------------------------------------------------------------- the passes */

/* Keep each finding the replay makes (the callback of replay_check). */
static void keep_finding(const struct replay_finding *f, void *arg)
{
	struct exporter *x = arg;

	if (x->nfindings == EXPORT_MAX_FINDINGS) {
		x->findings_not_drawn++;
		return;
	}
	if (x->nfindings == x->capfindings) {
		x->capfindings = x->capfindings ? 2 * x->capfindings : 16;
		x->findings = vr_xrealloc(x->findings, x->capfindings * sizeof(*x->findings));
	}
	x->findings[x->nfindings++] = *f;
}

/* Order proof places by event id. */
static int by_id(const void *a, const void *b)
{
	const struct proof_place *p = a, *q = b;

	return (p->id > q->id) - (p->id < q->id);
}

/* The events the findings name, to be placed while streaming. */
static void collect_proofs(struct exporter *x)
{
	size_t n = 0;

	for (size_t i = 0; i < x->nfindings; i++)
		n += (size_t)x->findings[i].nproof;
	x->proofs = vr_xcalloc(n ? n : 1, sizeof(*x->proofs));
	for (size_t i = 0; i < x->nfindings; i++)
		for (int p = 0; p < x->findings[i].nproof; p++)
			x->proofs[x->nproofs++] = (struct proof_place){x->findings[i].proof[p], -1,
								      VR_NO_VALUE};
	qsort(x->proofs, x->nproofs, sizeof(*x->proofs), by_id);
}

/* Note where a proving event lies, if it is one. */
static void place_proof(struct exporter *x, const struct trace_item *it)
{
	struct proof_place key = {it->id, 0, 0}, *p;

	p = bsearch(&key, x->proofs, x->nproofs, sizeof(*x->proofs), by_id);
	if (!p)
		return;
	while (p > x->proofs && p[-1].id == it->id)
		p--;
	for (; p < x->proofs + x->nproofs && p->id == it->id; p++) {
		p->ts = it->ev.ts_ns;
		p->vcpu = it->ev.vcpu;
	}
}

/* One item of the stream: the lanes, the interrupts' tracks, the counters. */
static void apply_item(struct exporter *x, const struct trace_item *it)
{
	const struct vr_event *e = &it->ev;

	if (it->type == TRACE_ITEM_GAP) {
		emit_gap(x, it);
		return;
	}
	x->last_ts = e->ts_ns;
	place_proof(x, it);
	switch (e->kind) {
	case VR_EV_ENTRY:
		lane_enter(x, e->vcpu, LANE_GUEST, e->ts_ns);
		break;
	case VR_EV_EXIT:
	case VR_EV_WAKEUP:
		lane_enter(x, e->vcpu, LANE_HOST, e->ts_ns);
		break;
	case VR_EV_WFX:
		if (e->arg[1] == 0) /* WFI, not WFE */
			lane_enter(x, e->vcpu, LANE_WFI, e->ts_ns);
		break;
	case VR_EV_FLUSH:
		if (it->has_snapshot) {
			emit_lr_counter(x, it);
			apply_snapshot(x, it);
		}
		break;
	case VR_EV_SYNC:
		if (it->has_snapshot)
			apply_snapshot(x, it);
		break;
	case VR_EV_IRQ_PENDING:
	case VR_EV_LPI_QUEUE:
	case VR_EV_SGI:
		emit_injection(x, it);
		break;
	default:
		break;
	}
}

/* Close every open slice at the end of the trace. */
static void close_all(struct exporter *x)
{
	for (int v = 0; v < x->nlanes; v++)
		if (x->lanes[v].named) /* the lanes below a filtered vCPU were never drawn */
			lane_enter(x, v, LANE_NONE, x->last_ts);
	for (size_t i = 0; i < x->ntracks; i++)
		track_enter(x, &x->tracks[i], 0, x->last_ts);
}

/* The track a finding or proving event of vcpu is drawn on. */
static int64_t place_tid(int64_t vcpu)
{
	return vcpu == VR_NO_VALUE || vcpu < 0 ? TID_UNPLACED : lane_tid(vcpu);
}

/*
 * One proving event of finding f: an instant at the event, named by its
 * role, and a flow arrow from it to the finding. Viewers bind a flow's
 * ends to the events with the same time, track and category (Chrome's
 * DevTools exactly so, Perfetto to the enclosing slice), hence the
 * instant under each end and one category for all three.
 */
static void emit_proof(struct exporter *x, const struct replay_finding *f, int p,
		       const struct proof_place *pl, int64_t flow, int64_t ts, int64_t tid)
{
	const char *role = f->proof_role[p] ? f->proof_role[p] : "proof";
	json_object *r = record(role, "i", pl->ts, place_tid(pl->vcpu)), *args;

	json_object_object_add(r, "s", json_object_new_string("t"));
	json_object_object_add(r, "cat", json_object_new_string(EXPORT_CAT));
	args = json_object_new_object();
	json_object_object_add(args, "event", json_object_new_int64(pl->id));
	json_object_object_add(args, "proves", json_object_new_string(finding_kind_name(f->kind)));
	json_object_object_add(r, "args", args);
	emit(x, r);
	r = record("proof", "s", pl->ts, place_tid(pl->vcpu));
	json_object_object_add(r, "cat", json_object_new_string(EXPORT_CAT));
	json_object_object_add(r, "id", json_object_new_int64(flow));
	emit(x, r);
	r = record("proof", "f", ts, tid);
	json_object_object_add(r, "cat", json_object_new_string(EXPORT_CAT));
	json_object_object_add(r, "id", json_object_new_int64(flow));
	json_object_object_add(r, "bp", json_object_new_string("e"));
	emit(x, r);
	x->res->flows++;
}

/* Each finding as an instant, with a flow arrow from each event that proves it. */
static void emit_findings(struct exporter *x)
{
	int64_t flow = 0;

	for (size_t i = 0; i < x->nfindings; i++) {
		const struct replay_finding *f = &x->findings[i];
		int64_t tid = place_tid(f->vcpu), ts = f->ts_ns > 0 ? f->ts_ns : 0;
		json_object *r = record(finding_kind_name(f->kind), "i", ts, tid), *args, *ids;

		if (f->vcpu != VR_NO_VALUE)
			lane_of(x, f->vcpu);
		json_object_object_add(r, "s", json_object_new_string("t"));
		json_object_object_add(r, "cat", json_object_new_string(EXPORT_CAT));
		args = json_object_new_object();
		if (f->intid != VR_NO_VALUE)
			json_object_object_add(args, "intid", json_object_new_int64(f->intid));
		json_object_object_add(args, "explanation", json_object_new_string(f->explanation));
		ids = json_object_new_array();
		for (int p = 0; p < f->nproof; p++)
			json_object_array_add(ids, json_object_new_int64(f->proof[p]));
		json_object_object_add(args, "events", ids);
		json_object_object_add(r, "args", args);
		emit(x, r);
		x->res->findings++;
		for (int p = 0; p < f->nproof; p++) {
			struct proof_place key = {f->proof[p], 0, 0}, *pl;

			pl = bsearch(&key, x->proofs, x->nproofs, sizeof(*x->proofs), by_id);
			if (pl && pl->ts >= 0)
				emit_proof(x, f, p, pl, ++flow, ts, tid);
		}
	}
}

/* The process's name and the document's metadata: kernel, GIC, profile. */
static void emit_header(struct exporter *x, const struct replay_result *rr)
{
	char name[256];
	json_object *r = record("process_name", "M", -1, 0), *args = json_object_new_object();

	snprintf(name, sizeof(name), "%s: kernel %s, GICv%d, profile %s",
		 x->o->trace_name ? x->o->trace_name : "trace",
		 rr->kernel_release[0] ? rr->kernel_release : "unknown", rr->gic_version,
		 x->res->profile);
	json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(r, "args", args);
	emit(x, r);
	name_track(x, TID_UNPLACED, "injections and findings of no one vCPU");
}

/* The metadata object that closes the document. */
static void write_metadata(struct exporter *x, const struct replay_result *rr)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "generator", json_object_new_string("vgic-replay " VR_VERSION));
	json_object_object_add(m, "format_version", json_object_new_int(1));
	if (x->o->trace_name)
		json_object_object_add(m, "trace", json_object_new_string(x->o->trace_name));
	json_object_object_add(m, "kernel", json_object_new_string(rr->kernel_release));
	json_object_object_add(m, "gic_version", json_object_new_int(rr->gic_version));
	json_object_object_add(m, "profile", json_object_new_string(x->res->profile));
	json_object_object_add(m, "profile_reason", json_object_new_string(rr->profile_reason));
	if (x->diagnosis[0])
		json_object_object_add(m, "diagnosis", json_object_new_string(x->diagnosis));
	json_object_object_add(m, "findings", json_object_new_int64(rr->findings));
	json_object_object_add(m, "findings_not_drawn", json_object_new_int64(x->findings_not_drawn));
	fprintf(x->out, "\n],\n\"displayTimeUnit\": \"ns\",\n\"metadata\": %s\n}\n",
		json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(m);
}

/* Stream the trace's items (the export's vCPU and time window) into records. */
static int stream_items(struct exporter *x, struct tracedb *db, struct vr_error *err)
{
	struct trace_filter f;
	struct trace_cursor *c;
	struct trace_item *it = vr_xcalloc(1, sizeof(*it));
	int rc;

	trace_filter_init(&f);
	f.apr = 0;
	f.vcpu = x->o->vcpu;
	f.from_ns = x->o->from_ns;
	f.to_ns = x->o->to_ns;
	c = trace_cursor_open(db, &f, err);
	if (!c) {
		free(it);
		return -1;
	}
	while ((rc = trace_cursor_next(c, it, err)) > 0)
		apply_item(x, it);
	trace_cursor_close(c);
	free(it);
	return rc;
}

/*
 * Replay as check does: where the kernel disagrees with the profile and
 * none was asked for, the findings are those of the profile the kernel
 * behaves like (replay_diagnose), and the reason says so.
 */
static int replay_as_check(struct tracedb *db, const struct replay_options *ropt,
			   struct exporter *x, struct replay_result *rr, struct vr_error *err)
{
	struct replay_diagnosis d;
	struct replay_options again = *ropt;

	if (replay_check(db, ropt, keep_finding, x, rr, err))
		return -1;
	if (ropt->profile || !replay_disagrees(rr))
		return 0;
	if (replay_diagnose(db, ropt, rr, &d, err)) {
		replay_result_free(rr);
		return -1;
	}
	if (d.matched < 0 || d.matched == d.chosen)
		return 0;
	memcpy(x->diagnosis, d.text, sizeof(x->diagnosis));
	replay_result_free(rr);
	x->nfindings = 0;
	x->findings_not_drawn = 0;
	if (x->html)
		html_report_forget_latencies(x->html);
	again.profile = vgic_profile_name(d.fit[d.matched].profile);
	again.reason = "diagnosed: the kernel behaves like it, not like its release's profile";
	return replay_check(db, &again, keep_finding, x, rr, err);
}

/*
 * The proving events of the findings, fetched by id before the stream,
 * so that the HTML report knows each finding's window while it streams.
 */
static int fetch_proofs(struct exporter *x, struct tracedb *db, struct vr_error *err)
{
	struct trace_item *it = vr_xcalloc(1, sizeof(*it));
	int rc = 0;

	for (size_t i = 0; i < x->nproofs && !rc; i++) {
		struct trace_filter f;
		struct trace_cursor *c;

		if (i && x->proofs[i].id == x->proofs[i - 1].id)
			continue;
		trace_filter_init(&f);
		f.snapshots = 0;
		f.id_lo = f.id_hi = x->proofs[i].id;
		c = trace_cursor_open(db, &f, err);
		if (!c) {
			rc = -1;
			break;
		}
		while ((rc = trace_cursor_next(c, it, err)) > 0)
			html_report_event(x->html, it);
		trace_cursor_close(c);
	}
	free(it);
	return rc < 0 ? -1 : 0;
}

/* The trace-event JSON document: header, the stream's records, findings, metadata. */
static int write_perfetto(struct exporter *x, struct tracedb *db, const struct replay_result *rr,
			  struct vr_error *err)
{
	int rc;

	fputs("{\"traceEvents\": [", x->out);
	emit_header(x, rr);
	rc = stream_items(x, db, err);
	if (rc == 0) {
		close_all(x);
		emit_findings(x);
		write_metadata(x, rr);
	}
	return rc;
}

/* The HTML page: the findings' proof and windows, the stream's slices, then the page. */
static int write_html(struct exporter *x, struct tracedb *db, const struct replay_result *rr,
		      struct vr_error *err)
{
	struct html_report_facts facts = {x->o->trace_name, x->diagnosis, rr};

	html_report_set_findings(x->html, x->findings, x->nfindings);
	if (fetch_proofs(x, db, err) || stream_items(x, db, err))
		return -1;
	close_all(x);
	x->res->findings = (int64_t)x->nfindings;
	return html_report_write(x->html, &facts, x->out, err);
}

/* See export.h. */
int export_trace(struct tracedb *db, const struct export_options *o, FILE *out,
		 struct export_result *res, struct vr_error *err)
{
	struct replay_options ropt = {0};
	struct replay_result rr;
	struct exporter x = {.out = out, .first = 1, .res = res, .o = o};
	int rc;

	memset(res, 0, sizeof(*res));
	ropt.profile = o->profile;
	ropt.vcpu = o->vcpu;
	ropt.intid = o->intid;
	ropt.from_ns = o->from_ns;
	ropt.to_ns = o->to_ns;
	if (o->format == EXPORT_HTML) {
		x.html = html_report_new();
		ropt.latency = html_report_latency;
		ropt.latency_arg = x.html;
	}
	if (replay_as_check(db, &ropt, &x, &rr, err)) {
		html_report_free(x.html);
		free(x.findings);
		return -1;
	}
	snprintf(res->profile, sizeof(res->profile), "%s", vgic_profile_name(rr.profile));
	x.gic_version = rr.gic_version;
	collect_proofs(&x);
	if (x.html)
		rc = write_html(&x, db, &rr, err);
	else
		rc = write_perfetto(&x, db, &rr, err);
	replay_result_free(&rr);
	html_report_free(x.html);
	free(x.lanes);
	free(x.tracks);
	free(x.findings);
	free(x.proofs);
	if (rc == 0 && (fflush(out) || ferror(out)))
		rc = vr_error_set(err, "writing the export: %s", strerror(errno));
	return rc;
}
