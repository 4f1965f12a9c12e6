/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Distributor writes of one vCPU racing another vCPU's flush.
 *
 * io_mem_abort() fires the kvm_mmio tracepoint before kvm_io_bus_write()
 * applies the write, and the write's handlers (vgic-mmio.c) change one
 * interrupt at a time under its irq_lock, while another vCPU's
 * vgic_flush_lr_state() reads the same interrupts under their irq_locks
 * at a moment only that flush's return bounds. So a flush of vCPU B that
 * the trace shows after vCPU A's write, before A's thread moved on (when
 * the write certainly had returned), may have seen each interrupt's part
 * of the write or not. The writes that can change what B's flush shows
 * are those of an SPI on B's AP list (GICD_ICENABLER and ICPENDR make
 * vgic_target_oracle() skip it, IPRIORITYR changes its LR and the sort,
 * ITARGETSR and IROUTER send it elsewhere at the prune; ISENABLER and
 * ISPENDR make it pending again) and the GICD_ISENABLER and ISPENDR
 * writes that vgic_queue_irq_unlock() queues onto B's list. Such a write
 * is split into one write per interrupt and held in flight like an
 * injection from another thread (model_inflight.c): B's flush tries it in
 * and out, and it is applied for good once its thread has moved on
 * before B's next flush. Every other write (one of an SPI on no list that
 * queues nothing, or one whose flush is the writer's own, in program
 * order) is applied at once, unless a write of the same SPI is still in
 * flight, whose order it keeps. GICD_IS/ICACTIVER halt the guest
 * (vgic_access_active_prepare()) and stay applied at once; a trapped DIR
 * taking that route races as model_races.c says.
 */
#include "model_internal.h"

#define GICD_IROUTER_END (GICD_IROUTER + 8u * 1020u)

/* One interrupt's share of a distributor write, as the engine takes it. */
struct dist_part {
	uint32_t intid;
	uint32_t offset; /* from GICD */
	int len;
	uint64_t val;
	bool sets; /* GICD_ISENABLER or ISPENDR: may queue it (vgic_queue_irq_unlock()) */
};

/*
 * Split a write at offset into its per-interrupt parts, SPIs only (the
 * registers whose bits or bytes the handlers walk one interrupt at a
 * time). Returns how many, 0 for a register this file leaves alone.
 */
static int split_dist_write(uint32_t offset, int len, uint64_t val, bool v2,
			    struct dist_part *out)
{
	int n = 0, i;

	if (offset >= GICD_ISENABLER && offset < GICD_ISACTIVER) {
		uint32_t base = offset & ~0x7fu, first = (offset - base) * 8;

		if (first < 32)
			return 0; /* GICv2's banked private bits: applied at once, whole */
		for (i = 0; i < len * 8; i++)
			if ((val >> i & 1) && first + (uint32_t)i >= 32)
				out[n++] = (struct dist_part){
					first + (uint32_t)i, base + (first + (uint32_t)i) / 32 * 4, 4,
					1ull << ((first + (uint32_t)i) % 32),
					base == GICD_ISENABLER || base == GICD_ISPENDR};
		return n;
	}
	if ((offset >= GICD_IPRIORITYR && offset < GICD_ITARGETSR) ||
	    (v2 && offset >= GICD_ITARGETSR && offset < GICD_ICFGR)) {
		uint32_t base = offset < GICD_ITARGETSR ? GICD_IPRIORITYR : GICD_ITARGETSR;

		if (offset - base < 32)
			return 0;
		for (i = 0; i < len; i++)
			out[n++] = (struct dist_part){offset - base + (uint32_t)i,
							      offset + (uint32_t)i, 1,
							      val >> (8 * i) & 0xff, false};
		return n;
	}
	if (!v2 && offset >= GICD_IROUTER && offset < GICD_IROUTER_END && !(offset & 7) &&
	    len >= 4 && (offset - GICD_IROUTER) / 8 >= 32) {
		out[0] = (struct dist_part){(offset - GICD_IROUTER) / 8, offset, len, val, false};
		return 1;
	}
	return 0;
}

/* Is a write of intid still in flight (queued, not yet applied)? */
static bool intid_in_flight(const struct replay_model *m, uint32_t intid)
{
	for (int i = 0; i < m->nq; i++)
		if (m->q[i].mmio && m->q[i].intid == intid)
			return true;
	return false;
}

/*
 * Can this part change a flush of another vCPU than the writer? Yes when
 * the SPI is on another vCPU's AP list, or when it would be queued onto
 * one (a GICD_ISENABLER or ISPENDR of a target that is not the writer).
 */
static bool part_races_other_flush(const struct replay_model *m, int writer,
				   const struct dist_part *p)
{
	struct vgic_irq_state s;

	if (vgic_engine_irq(m->e, 0, p->intid, &s))
		return false;
	if (s.vcpu >= 0)
		return s.vcpu != writer;
	return p->sets && s.target_vcpu != writer;
}

/* See model_internal.h. */
bool model_defer_dist_write(struct replay_model *m, const struct replay_model_row *r)
{
	const struct vgic_engine_config *cfg = vgic_engine_get_config(m->e);
	bool v2 = cfg->guest_model == 2;
	uint64_t gpa = (uint64_t)r->arg2, size = v2 ? 0x1000 : 0x10000;
	struct dist_part parts[32];
	int n, i;

	if (m->cfg.nr_vcpus < 2 || gpa < m->layout.dist || gpa >= m->layout.dist + size ||
	    m->vcpu[r->vcpu].thread_of != r->pid)
		return false;
	n = split_dist_write((uint32_t)(gpa - m->layout.dist), (int)r->arg1, (uint64_t)r->arg3, v2,
			     parts);
	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		const struct dist_part *p = &parts[i];
		struct pending_injection q = {.ts = r->ts_ns, .vcpu = -1, .intid = p->intid,
					      .pid = r->pid, .sgi_src = -1};

		/* vgic_queue_irq_unlock() counts an SPI it queues: other flushes race it. */
		if (p->sets)
			model_note_spis_raise(m, r);
		if (!intid_in_flight(m, p->intid) && !part_races_other_flush(m, r->vcpu, p)) {
			vgic_engine_mmio_write(m->e, &m->layout, r->vcpu, m->layout.dist + p->offset,
					       p->len, p->val);
			continue;
		}
		q.mmio = true;
		q.sets = p->sets;
		q.writer = r->vcpu;
		q.gpa = m->layout.dist + p->offset;
		q.len = (uint8_t)p->len;
		q.val = p->val;
		q.layout = &m->layout;
		model_enqueue(m, &q);
	}
	return true;
}

/*
 * Do the distributor writes held in flight that certainly landed before
 * vcpu's flush read active_spis (its own, in program order, and those
 * whose thread moved on before its previous event) raise the count
 * (6.19+: each SPI vgic_queue_irq_unlock() queues counts)? Applied in
 * their order to a copy of the model: a GICD_ISPENDR of a disabled SPI
 * queues it only with the ISENABLER after it.
 */
bool model_dist_writes_count(const struct replay_model *m, int vcpu)
{
	struct vgic_engine *c = NULL;
	bool raised;
	int i;

	for (i = 0; i < m->nq; i++) {
		const struct pending_injection *p = &m->q[i];

		if (!p->mmio ||
		    !(p->writer == vcpu || (p->done && p->ts < m->vcpu[vcpu].last_ts)))
			continue;
		if (!c && !(c = vgic_engine_clone(m->e)))
			return false;
		model_apply_one(c, p);
	}
	if (!c)
		return false;
	raised = vgic_engine_active_spis(c) > vgic_engine_active_spis(m->e);
	vgic_engine_destroy(c);
	return raised;
}

/* See predict.h. */
int replay_model_spi_withheld(const struct replay_model *m, uint32_t intid)
{
	struct vgic_irq_state s;
	int i;

	if (!m || intid < 32 || vgic_engine_irq(m->e, 0, intid, &s))
		return 0;
	if (!s.enabled)
		return 1;
	for (i = 0; i < m->nq; i++) {
		const struct pending_injection *p = &m->q[i];
		uint64_t off = p->gpa - m->layout.dist;

		if (p->mmio && p->intid == intid &&
		    ((off >= GICD_ICENABLER && off < GICD_ISPENDR) ||
		     (off >= GICD_ICPENDR && off < GICD_ISACTIVER) ||
		     (off >= GICD_ITARGETSR && off < GICD_ICFGR) || off >= GICD_IROUTER))
			return 1;
	}
	return 0;
}

/*
 * vgic_prune_ap_list() for r's vCPU, noting each SPI it moves to another
 * vCPU's list (m->migrated): routed elsewhere by a GICD_IROUTER or
 * ITARGETSR write, it joins the new vCPU's list at a moment between this
 * vCPU's sync and post, which that vCPU's flush may not have seen.
 */
void model_prune_noting_moves(struct replay_model *m, const struct replay_model_row *r)
{
	uint32_t ids[64];
	int n = vgic_engine_ap_list(m->e, r->vcpu, ids, 64), i;

	vgic_engine_prune(m->e, r->vcpu);
	for (i = 0; i < n && i < 64; i++) {
		struct vgic_irq_state s;

		if (ids[i] < 32 || vgic_engine_irq(m->e, 0, ids[i], &s) || s.vcpu < 0 ||
		    s.vcpu == r->vcpu)
			continue;
		m->migrated[m->migrated_next] =
			(struct migration){ids[i], r->vcpu, s.vcpu, r->ts_ns};
		m->migrated_next = (m->migrated_next + 1) % MAX_MIGRATIONS;
	}
}

/* See model_internal.h. */
int model_moves_racing(const struct replay_model *m, int vcpu, uint32_t *ids, int *from)
{
	int i, n = 0;

	for (i = 0; i < MAX_MIGRATIONS; i++) {
		const struct migration *g = &m->migrated[i];
		struct vgic_irq_state s;

		if (!g->ts || g->to != vcpu || g->ts <= m->vcpu[vcpu].last_ts ||
		    vgic_engine_irq(m->e, vcpu, g->intid, &s) || s.vcpu != vcpu || s.on_lr)
			continue;
		ids[n] = g->intid;
		from[n++] = g->from;
	}
	return n;
}
