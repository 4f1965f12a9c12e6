/* SPDX-License-Identifier: GPL-2.0 */
/* Items of the event stream as the collector's records (see rec_encode.h). */
#include "rec_encode.h"

#include <string.h>

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
static void encode_event(const struct trace_item *it, int gic, rec_emit_fn emit, void *arg)
{
	struct vgic_rec_event e;

	memset(&e, 0, sizeof(e));
	encode_hdr(&it->ev, VGIC_REC_EVENT, &e.h);
	e.intid = rec_value(it->ev.intid);
	for (int i = 0; i < 4; i++)
		e.arg[i] = rec_value(it->ev.arg[i]);
	if (it->ev.kind == VR_EV_DEACTIVATE || it->ev.kind == VR_EV_SGI)
		e.arg[3] = gic ? gic : 3;
	emit(arg, &e, sizeof(e));
}

/* A register that was not recorded reads 0 in a record. */
static unsigned int rec_reg(int64_t v)
{
	return v == VR_NO_VALUE ? 0 : (unsigned int)v;
}

/* A vgic_post's AP-list walk as the record the sync hook emits after it. */
static void encode_walk(const struct trace_item *it, rec_emit_fn emit, void *arg)
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
	emit(arg, &a, sizeof(a));
}

/* A snapshot as its record, sized to its LRs, and a vgic_post's walk after it. */
static void encode_snapshot(const struct trace_item *it, rec_emit_fn emit, void *arg)
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
	emit(arg, &r, sizeof(r) - (size_t)(VGIC_REC_MAX_LRS - n) * sizeof(r.lr[0]));
	if (it->ev.kind == VR_EV_POST && it->ap_len >= 0)
		encode_walk(it, emit, arg);
}

/* A gap as the recorder's gap record. */
static void encode_gap(const struct trace_item *it, rec_emit_fn emit, void *arg)
{
	struct gap_rec g;

	memset(&g, 0, sizeof(g));
	g.h.type = VGIC_REC_GAP;
	g.h.cpu = it->gap.cpu < 0 ? GAP_CPU_UNKNOWN : (unsigned short)it->gap.cpu;
	g.h.ts = (unsigned long long)(it->gap.end_ns ? it->gap.end_ns : it->gap.start_ns);
	g.lost = it->gap.lost;
	g.start_ns = (unsigned long long)it->gap.start_ns;
	emit(arg, &g, sizeof(g));
}

/* See rec_encode.h. */
void rec_encode_item(const struct trace_item *it, int gic, rec_emit_fn emit, void *arg)
{
	if (it->type == TRACE_ITEM_GAP)
		encode_gap(it, emit, arg);
	else if (it->has_snapshot)
		encode_snapshot(it, emit, arg);
	else
		encode_event(it, gic, emit, arg);
}
