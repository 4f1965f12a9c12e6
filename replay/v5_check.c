/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The observational checks of `check` on a GICv5 trace (a native GICv5
 * VM: kernel 7.1+, vgic-v5.c). Its PPIs never sit in list registers: KVM
 * writes the PENDR bitmap at every entry (vgic_v5_flush_ppi_state() and
 * __vgic_v5_restore_ppi_state(), v7.2) and reads ACTIVER and PENDR back
 * at every exit (__vgic_v5_save_ppi_state(), vgic_v5_fold_ppi_state()).
 * The trace's flush and sync snapshots carry those registers, so each
 * PPI instance is followed as:
 *
 *   injected   vgic_update_irq_pending with level 1 on a GICv5 PPI INTID;
 *   presented  a flush of its vCPU writes it to the hardware: its PENDR
 *              bit set, or its DVIR bit (the hardware owns its pending
 *              state then);
 *   acked      the next sync shows it active, or no longer pending;
 *   lost       (only where the flushes recorded PENDR, which a kprobe
 *              capture cannot) two flushes of its vCPU after the injection, with the PPI
 *              enabled (ENABLER), both leave it out of PENDR and DVIR:
 *              KVM held it pending and entered the guest without it
 *              (one such flush could race with the injection on another
 *              CPU; the second cannot);
 *   left active  its vCPU's last sync still shows it in ACTIVER, as did
 *              the two syncs before: the guest never deactivated it.
 *
 * per PPI: injected = acked + coalesced + lost + pending at the end, where
 * an injection that finds the PPI pending (in KVM or, as last seen, in the
 * hardware) coalesces, and a level PPI lowered before it was presented
 * counts as coalesced too (its assertion merged into nothing).
 */
#include "replay_internal.h"

/* KVM has 64 PPIs since 35a4f8d151d6 (v7.2): VGIC_V5_NR_PPIS, vgic_v5_intid_ppi(). */
#define V5_LEFT_ACTIVE_SYNCS 3 /* consecutive syncs showing it active, the last one included */

/* One PPI of one vCPU. */
struct v5_ppi {
	struct replay_irq_count count;
	int used;		/* injected or seen active: it has a count row */
	int outstanding;	/* KVM holds it pending, not yet presented */
	int in_hw;		/* presented, not yet seen acknowledged */
	int64_t inject_id;	/* the injection of the outstanding instance */
	int64_t inject_ts;
	int64_t missed_flush_id; /* the first flush after it that left it out, 0 none */
	int active_syncs;	/* consecutive syncs with its ACTIVER bit */
	int64_t active_since_id; /* the first of them */
	int64_t active_since_ts;
	enum replay_life shown; /* the lifecycle state opt->life was last given */
};

/* One vCPU of the trace. */
struct v5_vcpu {
	struct v5_ppi ppi[VGIC_V5_NR_PPIS];
	int64_t last_sync_id, last_sync_ts;
	int32_t last_sync_cpu;
};

/* The GICv5 checker's state. */
struct v5_checker {
	struct checker *c;
	struct v5_vcpu *vcpus[TRACE_MAX_VCPUS];
};

/* The vCPU record, made on first sight. */
static struct v5_vcpu *v5_vcpu(struct v5_checker *k, int64_t vcpu)
{
	if (vcpu < 0 || vcpu >= TRACE_MAX_VCPUS)
		return NULL;
	if (!k->vcpus[vcpu])
		k->vcpus[vcpu] = vr_xcalloc(1, sizeof(struct v5_vcpu));
	return k->vcpus[vcpu];
}

/* The PPI record of a GICv5 PPI INTID on vcpu, NULL for anything else. */
static struct v5_ppi *v5_ppi(struct v5_checker *k, int64_t vcpu, int64_t intid, uint32_t *n)
{
	int ppi = intid == VR_NO_VALUE ? -1 : vgic_v5_intid_ppi((uint64_t)intid);
	struct v5_vcpu *v;

	if (ppi < 0)
		return NULL;
	v = v5_vcpu(k, vcpu);
	if (!v)
		return NULL;
	*n = (uint32_t)ppi;
	if (!v->ppi[*n].used) {
		v->ppi[*n].used = 1;
		v->ppi[*n].count.vcpu = vcpu;
		v->ppi[*n].count.intid = (uint32_t)intid;
		v->ppi[*n].count.level = -1;
	}
	return &v->ppi[*n];
}

/* The lifecycle state of a PPI as the checks hold it: active over pending. */
static enum replay_life v5_life_state(const struct v5_ppi *p)
{
	if (p->active_syncs)
		return REPLAY_LIFE_ACTIVE;
	return p->outstanding || p->in_hw ? REPLAY_LIFE_PENDING : REPLAY_LIFE_IDLE;
}

/* Give opt->life state s of p from ts on (a consumer that draws it: the TUI). */
static void v5_life_show(struct v5_checker *k, struct v5_ppi *p, enum replay_life s, int64_t ts)
{
	if (!k->c->opt->life || s == p->shown)
		return;
	k->c->opt->life(s, ts, p->count.vcpu, p->count.intid, k->c->opt->life_arg);
	p->shown = s;
}

/* After an event of vCPU vcpu: give opt->life each of its PPIs whose state changed. */
static void v5_life_changes(struct v5_checker *k, int64_t vcpu, int64_t ts)
{
	struct v5_vcpu *v = vcpu >= 0 && vcpu < TRACE_MAX_VCPUS ? k->vcpus[vcpu] : NULL;

	for (uint32_t n = 0; v && k->c->opt->life && n < VGIC_V5_NR_PPIS; n++)
		if (v->ppi[n].used)
			v5_life_show(k, &v->ppi[n], v5_life_state(&v->ppi[n]), ts);
}

/* Is PPI n's bit set in a pair of 64-bit registers? */
static int bit(const uint64_t reg[2], uint32_t n)
{
	return (int)((reg[n / 64] >> (n % 64)) & 1);
}

/*
 * vgic_update_irq_pending on a PPI: level 1 starts an instance or
 * coalesces; level 0 withdraws a level PPI KVM has not presented yet.
 */
static void v5_injection(struct v5_checker *k, const struct trace_item *it)
{
	const struct vr_event *e = &it->ev;
	int64_t vcpu = e->arg[0] != VR_NO_VALUE ? e->arg[0] : e->vcpu;
	struct v5_ppi *p;
	uint32_t n;

	p = v5_ppi(k, vcpu, e->intid, &n);
	if (!p)
		return;
	if (e->arg[1] == 0) {
		if (p->outstanding) {
			p->outstanding = 0;
			p->count.coalesced++;
			p->count.level = 1;
		}
		return;
	}
	p->count.injected++;
	if (k->c->opt->life)
		k->c->opt->life(REPLAY_LIFE_INJECTED, e->ts_ns, p->count.vcpu, p->count.intid,
				k->c->opt->life_arg);
	if (p->outstanding || p->in_hw) {
		p->count.coalesced++;
		return;
	}
	p->outstanding = 1;
	p->inject_id = it->id;
	p->inject_ts = e->ts_ns;
	p->missed_flush_id = 0;
}

/* Report an outstanding PPI that a second flush entered the guest without. */
static void v5_report_lost(struct v5_checker *k, const struct trace_item *it, struct v5_ppi *p,
			   uint32_t n)
{
	struct replay_finding f;

	finding_init(&f, FINDING_LOST_INTERRUPT, SEVERITY_ERROR, it->ev.ts_ns, it->ev.cpu,
		     p->count.vcpu, p->count.intid);
	snprintf(f.explanation, sizeof(f.explanation),
		 "GICv5 PPI %u of vCPU %lld was injected (event %lld) and is enabled, but the "
		 "entries at events %lld and %lld wrote ICH_PPI_PENDR without it (nor DVIR): KVM "
		 "held it pending and ran the guest without it (vgic_v5_flush_ppi_state)",
		 n, (long long)p->count.vcpu, (long long)p->inject_id,
		 (long long)p->missed_flush_id, (long long)it->id);
	finding_proof(&f, it->id, "flush without it");
	finding_proof(&f, p->inject_id, "injection");
	finding_proof(&f, p->missed_flush_id, "first flush without it");
	finding_report(k->c, &f);
	p->count.lost++;
	p->outstanding = 0;
}

/* A flush snapshot: which outstanding PPIs the entry presented, and which it left out. */
static void v5_flush(struct v5_checker *k, const struct trace_item *it)
{
	const struct vr_ppi_state *s = &it->snap.ppi;
	struct v5_vcpu *v = v5_vcpu(k, it->ev.vcpu);

	if (!v || !s->recorded || !s->has_pendr) /* no PENDR (a kprobe capture): not judged */
		return;
	for (uint32_t n = 0; n < VGIC_V5_NR_PPIS; n++) {
		struct v5_ppi *p = &v->ppi[n];

		if (!p->outstanding)
			continue;
		if (bit(s->pendr, n) || bit(s->dvir, n)) {
			p->outstanding = 0;
			p->in_hw = 1;
		} else if (bit(s->enabler, n)) {
			if (!p->missed_flush_id)
				p->missed_flush_id = it->id;
			else
				v5_report_lost(k, it, p, n);
		}
	}
}

/* Hand a latency observed at the exit at ts to report, as the LR tracker does. */
static void v5_latency(struct v5_checker *k, enum replay_latency_kind kind, const struct v5_ppi *p,
		       int64_t ts, int64_t ns)
{
	if (k->c->opt->latency && ns >= 0)
		k->c->opt->latency(kind, ts, p->count.vcpu, p->count.intid, ns,
				   k->c->opt->latency_arg);
}

/* A sync snapshot: acknowledgements, deactivations, and how long each PPI stays active. */
static void v5_sync(struct v5_checker *k, const struct trace_item *it)
{
	const struct vr_ppi_state *s = &it->snap.ppi;
	struct v5_vcpu *v = v5_vcpu(k, it->ev.vcpu);

	if (!v || !s->recorded)
		return;
	v->last_sync_id = it->id;
	v->last_sync_ts = it->ev.ts_ns;
	v->last_sync_cpu = it->ev.cpu;
	for (uint32_t n = 0; n < VGIC_V5_NR_PPIS; n++) {
		struct v5_ppi *p = &v->ppi[n];
		int active = bit(s->activer, n);

		if (active && !p->used) {
			uint32_t m;

			p = v5_ppi(k, it->ev.vcpu, vgic_v5_ppi_intid(n), &m);
			p->count.pending_at_start++; /* active with no injection in the trace */
		}
		/* without PENDR only ACTIVER tells: an outstanding PPI active was taken */
		if ((p->in_hw && (active || (s->has_pendr && !bit(s->pendr, n)))) ||
		    (p->outstanding && active && !s->has_pendr)) {
			p->in_hw = p->outstanding = 0;
			p->count.acked++;
			v5_life_show(k, p, REPLAY_LIFE_ACTIVE, it->ev.ts_ns); /* if only now */
			v5_latency(k, LATENCY_INJECT_TO_ACK, p, it->ev.ts_ns, it->ev.ts_ns - p->inject_ts);
		}
		if (active) {
			if (!p->active_syncs++) {
				p->active_since_id = it->id;
				p->active_since_ts = it->ev.ts_ns;
			}
		} else if (p->active_syncs) {
			p->active_syncs = 0;
			p->count.deactivated++;
			v5_latency(k, LATENCY_ACK_TO_DEACTIVATE, p, it->ev.ts_ns, it->ev.ts_ns - p->active_since_ts);
		}
	}
}

/* At the end: PPIs their vCPU's last syncs all show active. */
static void v5_report_left_active(struct v5_checker *k, struct v5_vcpu *v)
{
	for (uint32_t n = 0; n < VGIC_V5_NR_PPIS; n++) {
		struct v5_ppi *p = &v->ppi[n];
		struct replay_finding f;

		if (p->active_syncs < V5_LEFT_ACTIVE_SYNCS)
			continue;
		finding_init(&f, FINDING_STUCK_ACTIVE, SEVERITY_ERROR, v->last_sync_ts,
			     v->last_sync_cpu, p->count.vcpu, p->count.intid);
		snprintf(f.explanation, sizeof(f.explanation),
			 "GICv5 PPI %u of vCPU %lld is left active: ICH_PPI_ACTIVER showed it "
			 "active at every one of the last %d exits (from event %lld to the last, "
			 "%lld), and nothing in the trace deactivated it",
			 n, (long long)p->count.vcpu, p->active_syncs, (long long)p->active_since_id,
			 (long long)v->last_sync_id);
		finding_proof(&f, v->last_sync_id, "last exit, still active");
		finding_proof(&f, p->active_since_id, "first exit showing it active");
		finding_report(k->c, &f);
		p->count.stuck_active = 1;
	}
}

/* The per-PPI accounting, sorted by vCPU and INTID as the other traces' counts are. */
static void v5_collect_counts(struct v5_checker *k)
{
	size_t n = 0, used = 0;

	for (int64_t vc = 0; vc < TRACE_MAX_VCPUS; vc++)
		for (uint32_t i = 0; k->vcpus[vc] && i < VGIC_V5_NR_PPIS; i++)
			used += (size_t)k->vcpus[vc]->ppi[i].used;
	k->c->res->counts = vr_xmalloc((used + 1) * sizeof(struct replay_irq_count));
	for (int64_t vc = 0; vc < TRACE_MAX_VCPUS; vc++) {
		struct v5_vcpu *v = k->vcpus[vc];

		for (uint32_t i = 0; v && i < VGIC_V5_NR_PPIS; i++) {
			struct v5_ppi *p = &v->ppi[i];

			if (!p->used)
				continue;
			p->count.pending_at_end = p->outstanding || p->in_hw;
			k->c->res->counts[n++] = p->count;
		}
	}
	k->c->res->ncounts = n;
}

/* See replay_internal.h. */
int v5_check_stream(struct checker *c, struct trace_source *src, struct vr_error *err)
{
	struct v5_checker *k = vr_xcalloc(1, sizeof(*k));
	struct trace_item it;
	int rc;

	k->c = c;
	while ((rc = src->next(src->self, &it, err)) == 1) {
		if (it.type == TRACE_ITEM_GAP) {
			track_gap(c, it.id, it.gap.lost, it.gap.cpu, it.gap.start_ns, it.gap.end_ns);
			continue;
		}
		if (c->opt->to_ns != VR_NO_VALUE && it.ev.ts_ns > c->opt->to_ns)
			break;
		if (c->opt->item)
			c->opt->item(&it, c->opt->item_arg);
		if (!(VR_KIND_BIT(it.ev.kind) & V5_KINDS))
			continue; /* read for opt->item only */
		c->res->events++;
		if (it.ev.kind == VR_EV_IRQ_PENDING)
			v5_injection(k, &it);
		else if (it.ev.kind == VR_EV_FLUSH && it.has_snapshot)
			v5_flush(k, &it);
		else if (it.ev.kind == VR_EV_SYNC && it.has_snapshot)
			v5_sync(k, &it);
		if (it.ev.kind == VR_EV_IRQ_PENDING)
			v5_life_changes(k, it.ev.arg[0] != VR_NO_VALUE ? it.ev.arg[0] : it.ev.vcpu,
					it.ev.ts_ns);
		else
			v5_life_changes(k, it.ev.vcpu, it.ev.ts_ns);
		if (c->failed)
			break;
	}
	if (rc >= 0 && !c->failed)
		for (int64_t vc = 0; vc < TRACE_MAX_VCPUS; vc++)
			if (k->vcpus[vc])
				v5_report_left_active(k, k->vcpus[vc]);
	v5_collect_counts(k);
	for (int64_t vc = 0; vc < TRACE_MAX_VCPUS; vc++)
		free(k->vcpus[vc]);
	free(k);
	if (rc < 0)
		return -1;
	if (c->failed)
		return vr_error_set(err, "storing findings: %s", tracedb_errmsg(c->db));
	return 0;
}
