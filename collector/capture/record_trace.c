/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --from-trace TRACE --flight MB [--watch]`: a stored trace's
 * events played into a flight recording as the collector's records, to
 * rehearse --watch (its dumps, its thresholds) on a recording already
 * made, and to test the watcher without a live kernel.
 *
 * Each item of the trace's stream is encoded back into the record the
 * BPF programs would have put in the ring buffer (vgic.h: an event, a
 * snapshot followed by its AP-list walk, a gap as the recorder's gap
 * record), and handed to the flight recording exactly as the BPF backend
 * hands its records (flight_rec_push()): from there on, ring, watcher,
 * dumps and the last window are the live recording's code. Only the
 * pace differs: a file is read as fast as the watcher checks it (the
 * feeder waits for room in its queue), so nothing is skipped, and the
 * dumps' trace_info names the trace's kernel, whose profile applies.
 */
#define _GNU_SOURCE
#include "backends.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../schemas/trace_reader.h"
#include "flight_rec.h"
#include "store.h"

#define ITEMS_PER_POLL 64 /* a tick (a due dump begun) every 64 items: as often as a live poll */

/* The trace backend's state (record_run.priv). */
struct trace_recorder {
	struct tracedb *db;
	struct trace_cursor *cur;
	struct trace_facts facts;
	struct flight_rec flight;
	int flight_open;
};

/* The record header of an item's event. */
static void encode_hdr(const struct vr_event *e, int type, struct vgic_rec_hdr *h)
{
	h->type = (unsigned char)type;
	h->kind = (unsigned char)e->kind;
	h->cpu = (unsigned short)(e->cpu < 0 ? 0 : e->cpu);
	h->pid = (unsigned int)e->pid;
	h->tgid = 0;
	h->vcpu = e->vcpu == VR_NO_VALUE ? -1 : (int)e->vcpu;
	h->ts = (unsigned long long)e->ts_ns;
}

/* A value of the trace as the record holds it: -1 for none. */
static long long rec_value(int64_t v)
{
	return v == VR_NO_VALUE ? -1 : (long long)v;
}

/* An event as its record; a trapped DIR or SGI carries its raw value and the GIC's layout. */
static void push_event(struct trace_recorder *t, const struct trace_item *it)
{
	struct vgic_rec_event e;

	memset(&e, 0, sizeof(e));
	encode_hdr(&it->ev, VGIC_REC_EVENT, &e.h);
	e.intid = rec_value(it->ev.intid);
	for (int i = 0; i < 4; i++)
		e.arg[i] = rec_value(it->ev.arg[i]);
	if (it->ev.kind == VR_EV_DEACTIVATE || it->ev.kind == VR_EV_SGI)
		e.arg[3] = t->facts.gic_version ? t->facts.gic_version : 3;
	flight_rec_push(&t->flight, &e, sizeof(e));
}

/* A register that was not recorded reads 0 in a record. */
static unsigned int rec_reg(int64_t v)
{
	return v == VR_NO_VALUE ? 0 : (unsigned int)v;
}

/* A vgic_post's AP-list walk as the record the sync hook emits after it. */
static void push_walk(struct trace_recorder *t, const struct trace_item *it)
{
	struct vgic_rec_aplist a;
	int n = it->nap < VGIC_REC_MAX_AP ? it->nap : VGIC_REC_MAX_AP;

	memset(&a, 0, sizeof(a));
	encode_hdr(&it->ev, VGIC_REC_APLIST, &a.h);
	a.truncated = it->ap_len > VGIC_REC_MAX_AP;
	a.n = (unsigned short)(a.truncated ? 0 : n);
	for (int i = 0; i < a.n; i++) {
		const struct vr_ap_entry *x = &it->ap[i];

		a.e[i].intid = x->intid;
		a.e[i].priority = (unsigned char)x->priority;
		a.e[i].flags = (unsigned char)((x->active ? VGIC_AP_ACTIVE : 0) |
					       (x->pending_latch ? VGIC_AP_PENDING_LATCH : 0) |
					       (x->line_level ? VGIC_AP_LINE_LEVEL : 0) |
					       (x->enabled ? VGIC_AP_ENABLED : 0) |
					       (x->hw ? VGIC_AP_HW : 0) |
					       (x->level_config ? VGIC_AP_LEVEL_CONFIG : 0));
		a.e[i].target_vcpu = (unsigned short)x->target_vcpu;
	}
	flight_rec_push(&t->flight, &a, sizeof(a));
}

/* A snapshot as its record, sized to its LRs, and a vgic_post's walk after it. */
static void push_snapshot(struct trace_recorder *t, const struct trace_item *it)
{
	const struct vr_snapshot *s = &it->snap;
	struct vgic_rec_snapshot r;
	int n = s->nr_lrs < VGIC_REC_MAX_LRS ? s->nr_lrs : VGIC_REC_MAX_LRS;

	memset(&r, 0, sizeof(r));
	encode_hdr(&it->ev, VGIC_REC_SNAPSHOT, &r.h);
	r.gic_version = (unsigned char)s->gic_version;
	r.nr_lrs = (unsigned char)n;
	r.used_lrs = (unsigned short)s->used_lrs;
	r.hcr = rec_reg(s->hcr);
	r.vmcr = rec_reg(s->vmcr);
	r.apr = rec_reg(s->apr);
	for (int i = 0; i < 4; i++) {
		r.ap0r[i] = rec_reg(s->ap0r[i]);
		r.ap1r[i] = rec_reg(s->ap1r[i]);
	}
	for (int i = 0; i < n; i++)
		r.lr[i] = s->lr[i];
	flight_rec_push(&t->flight, &r, sizeof(r) - (size_t)(VGIC_REC_MAX_LRS - n) * sizeof(r.lr[0]));
	if (it->ev.kind == VR_EV_POST && it->ap_len >= 0)
		push_walk(t, it);
}

/* A gap as the recorder's gap record. */
static void push_gap(struct trace_recorder *t, const struct trace_item *it)
{
	struct gap_rec g;

	memset(&g, 0, sizeof(g));
	g.h.type = VGIC_REC_GAP;
	g.h.cpu = it->gap.cpu < 0 ? GAP_CPU_UNKNOWN : (unsigned short)it->gap.cpu;
	g.h.ts = (unsigned long long)(it->gap.end_ns ? it->gap.end_ns : it->gap.start_ns);
	g.lost = it->gap.lost;
	g.start_ns = (unsigned long long)it->gap.start_ns;
	flight_rec_push(&t->flight, &g, sizeof(g));
}

/* Preflight: the trace readable, --flight given; the run's GIC and kernel are the trace's. */
static int trace_preflight(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = vr_xcalloc(1, sizeof(*t));
	const struct record_options *opt = run->opt;

	run->priv = t;
	if (!opt->flight_bytes)
		return vr_error_set(err, "--from-trace needs --flight MB (it rehearses a flight "
					 "recording)");
	t->db = tracedb_open(opt->trace_input, TRACEDB_READONLY, err);
	if (!t->db || trace_facts_read(t->db, &t->facts, err))
		return -1;
	if (t->facts.gic_version == 5)
		return vr_error_set(err, "%s: a GICv5 trace; the collector records GICv2 and GICv3",
				    opt->trace_input);
	run->gic = t->facts.gic_version ? t->facts.gic_version : 3;
	run->kernel_release = t->facts.kernel_release[0] ? t->facts.kernel_release : NULL;
	return 0;
}

/* Attach: nothing to attach. */
static int trace_attach(struct record_run *run, struct vr_error *err)
{
	(void)run;
	(void)err;
	return 0;
}

/* Open: the trace's stream, with registers, walks and gaps, and the flight recording. */
static int trace_open(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct trace_filter f;

	trace_filter_init(&f);
	f.gaps = f.snapshots = f.apr = f.ap_len = f.ap_entries = 1;
	t->cur = trace_cursor_open(t->db, &f, err);
	if (!t->cur || flight_rec_open(&t->flight, run, 1, err))
		return -1;
	t->flight_open = 1;
	run->start_ns = vr_now_ns();
	run->records_start_ns =
		t->facts.first_ts_ns == VR_NO_VALUE ? 0 : (uint64_t)t->facts.first_ts_ns;
	record_catch_dump(1);
	fprintf(stderr, "record: playing %s into a flight recording of %.2f MB; the last window "
			"goes to %s\n",
		run->opt->trace_input, run->opt->flight_bytes / 1048576.0, run->opt->output);
	return 0;
}

/* Poll: the next items of the trace, as records; stop at its end. */
static enum record_step trace_poll(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct trace_item it;
	int rc = 1;

	for (int i = 0; i < ITEMS_PER_POLL && (rc = trace_cursor_next(t->cur, &it, err)) == 1; i++) {
		if (it.type == TRACE_ITEM_GAP)
			push_gap(t, &it);
		else if (it.has_snapshot)
			push_snapshot(t, &it);
		else
			push_event(t, &it);
	}
	if (rc < 0)
		return RECORD_FAILED;
	return rc == 0 ? RECORD_STOP : RECORD_GO_ON;
}

/* Tick: SIGUSR1's window, the watcher's dumps, --metrics. */
static enum record_step trace_tick(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct vr_metrics m;

	(void)err;
	if (record_take_dump_request())
		flight_rec_usr1(&t->flight);
	memset(&m, 0, sizeof(m));
	flight_rec_tick(&t->flight, &m, 0);
	return RECORD_GO_ON;
}

/* Stop: the watcher's end, its last dump, the last window. */
static int trace_stop(struct record_run *run, struct vr_error *err)
{
	struct trace_recorder *t = run->priv;
	struct vr_metrics m;

	memset(&m, 0, sizeof(m));
	return flight_rec_stop(&t->flight, run->st, &m, err);
}

/* Cleanup: the flight recording (--prog-stats printed), the cursor, the trace. */
static void trace_cleanup(struct record_run *run)
{
	struct trace_recorder *t = run->priv;

	if (!t)
		return;
	if (t->flight_open)
		flight_rec_free(&t->flight);
	trace_cursor_close(t->cur);
	tracedb_close(t->db);
	free(t);
	run->priv = NULL;
	run->kernel_release = NULL;
}

/* See backends.h. */
const struct record_backend record_backend_trace = {
	.name = "trace",
	.clock = "the input trace's",
	.preflight = trace_preflight,
	.attach = trace_attach,
	.open = trace_open,
	.poll = trace_poll,
	.tick = trace_tick,
	.stop = trace_stop,
	.cleanup = trace_cleanup,
};
