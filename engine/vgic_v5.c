/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Native GICv5 PPIs (arch/arm64/kvm/vgic/vgic-v5.c, hyp/vgic-v5-sr.c and
 * the PPI enable trap in sys_regs.c), as upstream has them in v7.2 (the
 * v7.1 support after its cleanup, 64 PPIs since 35a4f8d151d6): no LRs
 * and no AP list; KVM hands the hardware bitmaps (ICH_PPI_PENDR/ACTIVER/
 * ENABLER/DVIR, priorities) at entry and folds what the exit saved back.
 * What of GICv5 is not modelled is listed in docs/engine.md.
 */
#include <string.h>

#include "profile.h"

/* The PPI n of a vCPU, or NULL. */
static struct irq *ppi(const struct vgic_engine *e, int vcpu, uint32_t n)
{
	if (e->cfg.guest_model != 5 || vcpu < 0 || vcpu >= e->cfg.nr_vcpus || n >= VGIC_V5_NR_PPIS)
		return NULL;
	return &e->irqs[vcpu * e->nr_private + (int)n];
}

/*
 * What the entry writes to one of the ICH_PPI_*R0/1_EL2 register pairs
 * from a bitmap of KVM's (__vgic_v5_restore_ppi_state(), v7.2): the PPIs
 * KVM has, and zero in the bank past VGIC_V5_NR_PRIVATE_IRQS.
 */
static void bits_to_regs(uint64_t *regs, const uint64_t *kvm)
{
	int i;

	for (i = 0; i < VGIC_V5_PPI_REG_BITS / 64; i++)
		regs[i] = i < V5_PPI_WORDS ? kvm[i] : 0;
}

/* What the exit saves of a register pair (__vgic_v5_save_ppi_state()): KVM's PPIs only. */
static void bits_from_regs(uint64_t *kvm, const uint64_t *regs)
{
	memcpy(kvm, regs, V5_PPI_WORDS * sizeof(uint64_t));
}

/* Set or clear bit n of a PPI bitmap. */
static void assign_bit(uint64_t *map, uint32_t n, bool on)
{
	if (on)
		map[n / 64] |= 1ull << (n % 64);
	else
		map[n / 64] &= ~(1ull << (n % 64));
}

/* Bit n of a PPI bitmap. */
static bool test_bit(const uint64_t *map, uint32_t n)
{
	return map[n / 64] >> (n % 64) & 1;
}

/*
 * vgic_v5_get_implemented_ppis() (v7.2): the PPIs a host with KVM has,
 * the EL1/EL2 timers, SW_PPI and the PMU interrupt (the model assumes a
 * PMU). Only these can be exposed to a guest.
 */
static bool ppi_implemented(uint32_t n)
{
	return n == V5_ARCH_PPI_CNTHP || n == V5_ARCH_PPI_CNTV || n == V5_ARCH_PPI_CNTHV ||
	       n == V5_ARCH_PPI_CNTP || n == V5_ARCH_PPI_SW_PPI || n == V5_ARCH_PPI_PMUIRQ;
}

/* The architected handling mode of PPI n: SW_PPI is the one edge PPI. */
static bool ppi_is_level(uint32_t n)
{
	return n != V5_ARCH_PPI_SW_PPI;
}

/*
 * See model.h: vgic_allocate_private_irqs_locked() (v7.2) makes every
 * PPI level but SW_PPI; vgic_v5_finalize_ppi_state() exposes SW_PPI
 * whatever owns it (and the PPIs with an owner: vgic_engine_v5_expose_ppi).
 */
void v5_reset_ppi(struct irq *irq, uint32_t n)
{
	irq->intid = vgic_v5_ppi_intid(n);
	irq->level = ppi_is_level(n);
	irq->exposed = n == V5_ARCH_PPI_SW_PPI;
}

/*
 * See vgic_engine.h: vgic_v5_finalize_ppi_state() (v7.2: vgic_ppi_mask,
 * vgic_ppi_hmr). A PPI the host does not implement cannot be exposed,
 * nor one in a handling mode the architecture does not give it.
 */
int vgic_engine_v5_expose_ppi(struct vgic_engine *e, uint32_t n, enum vgic_irq_config config)
{
	int v;

	if (!ppi(e, 0, n) || !ppi_implemented(n) || ppi_is_level(n) != (config == VGIC_LEVEL))
		return -1;
	for (v = 0; v < e->cfg.nr_vcpus; v++) {
		struct irq *irq = ppi(e, v, n);

		irq->exposed = true;
		irq->level = config == VGIC_LEVEL;
	}
	return 0;
}

/* The VM's vgic_ppi_mask, one 64-bit bank of it: the PPIs exposed to the guest. */
static uint64_t exposed_mask(const struct vgic_engine *e, int bank)
{
	uint64_t mask = 0;
	uint32_t i;

	for (i = 0; i < 64 && ppi(e, 0, (uint32_t)bank * 64 + i); i++)
		if (ppi(e, 0, (uint32_t)bank * 64 + i)->exposed)
			mask |= 1ull << i;
	return mask;
}

/*
 * See vgic_engine.h: access_gicv5_ppi_enabler() (sys_regs.c, v7.2). The
 * write is masked with the exposed PPIs, kept as what the next entry
 * writes to ICH_PPI_ENABLER, and copied to the exposed PPIs' enable;
 * the others keep theirs.
 */
int vgic_engine_v5_write_enabler(struct vgic_engine *e, int vcpu, int bank, uint64_t val)
{
	uint64_t mask;
	uint32_t i;

	if (!ppi(e, vcpu, 0) || bank < 0 || bank >= VGIC_V5_PPI_REG_BITS / 64)
		return -1;
	if (bank >= V5_PPI_WORDS)
		return 0; /* ICC_PPI_ENABLER1_EL1: no PPIs there since 35a4f8d151d6 */
	mask = exposed_mask(e, bank);
	e->vcpus[vcpu].ppi_enabler[bank] = val & mask;
	for (i = 0; i < 64; i++)
		if (mask >> i & 1)
			ppi(e, vcpu, (uint32_t)bank * 64 + i)->enabled = val >> i & 1;
	return 0;
}

/*
 * See vgic_engine.h: the guest sets or clears one bit of ICC_PPI_ENABLER
 * (a whole-register write of KVM's copy with that bit changed), and
 * programs the PPI's priority.
 */
int vgic_engine_v5_configure_ppi(struct vgic_engine *e, int vcpu, uint32_t n, bool enabled,
				 uint8_t priority)
{
	struct irq *irq = ppi(e, vcpu, n);
	uint64_t val;

	if (!irq)
		return -1;
	val = e->vcpus[vcpu].ppi_enabler[n / 64];
	assign_bit(&val, n % 64, enabled);
	e->vcpus[vcpu].ppi_priorityr[n] = priority & 0x1f;
	return vgic_engine_v5_write_enabler(e, vcpu, (int)(n / 64), val);
}

/* See vgic_engine.h: vgic_v5_set_ppi_dvi() (v7.2). */
int vgic_engine_v5_set_dvi(struct vgic_engine *e, int vcpu, uint32_t n, bool dvi)
{
	struct irq *irq = ppi(e, vcpu, n);

	if (!irq)
		return -1;
	irq->dvi = dvi;
	assign_bit(e->vcpus[vcpu].ppi_dvir, n, dvi);
	return 0;
}

/*
 * __vgic_v5_restore_ppi_state() (v7.2) writes the pending state of the PPIs
 * that are not directly injected only: ICH_PPI_PENDR = pending & ~DVIR.
 */
static void hw_pendr(const struct vcpu *v, uint64_t *pendr)
{
	uint64_t pending[V5_PPI_WORDS];
	int i;

	for (i = 0; i < V5_PPI_WORDS; i++)
		pending[i] = v->ppi_pendr[i] & ~v->ppi_dvir[i];
	bits_to_regs(pendr, pending);
}

/* See vgic_engine.h: vgic_v5_flush_ppi_state() (v7.2), then what the entry writes. */
void vgic_engine_v5_flush_ppis(struct vgic_engine *e, int vcpu, struct vgic_v5_ppi_regs *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	uint32_t n;

	memset(out, 0, sizeof(*out));
	memset(v->ppi_pendr, 0, sizeof(v->ppi_pendr));
	for (n = 0; ppi(e, vcpu, n); n++) {
		struct irq *irq = ppi(e, vcpu, n);

		if (!irq->exposed)
			continue;
		assign_bit(v->ppi_pendr, n, irq_is_pending(irq));
		if (!irq->level)
			irq->pending_latch = false;
	}
	hw_pendr(v, out->pendr);
	bits_to_regs(out->activer, v->ppi_activer);
	bits_to_regs(out->dvir, v->ppi_dvir);
	bits_to_regs(out->enabler, v->ppi_enabler);
	memcpy(out->priority, v->ppi_priorityr, sizeof(v->ppi_priorityr));
	out->vmcr = v->v5_vmcr;
	out->apr = v->v5_apr;
}

/*
 * See vgic_engine.h: vgic_v5_fold_ppi_state() (v7.2), after the exit's
 * saves: __vgic_v5_save_ppi_state() (ACTIVER, PENDR, PRIORITYR) and
 * __vgic_v5_save_state() (VMCR). The APR is saved at put only.
 */
void vgic_engine_v5_fold_ppis(struct vgic_engine *e, int vcpu, const struct vgic_v5_ppi_regs *exit,
			      struct vgic_sync_result *out)
{
	struct vcpu *v = &e->vcpus[vcpu];
	uint32_t n;

	memset(out, 0, sizeof(*out));
	for (n = 0; ppi(e, vcpu, n); n++) {
		struct irq *irq = ppi(e, vcpu, n);
		bool a = test_bit(exit->activer, n);
		struct vgic_change *c;

		if (!irq->exposed)
			continue;
		if (irq->active != a && out->nchanges < VGIC_ENGINE_MAX_CHANGES) {
			c = &out->changes[out->nchanges++];
			c->intid = irq->intid;
			c->vcpu = (int16_t)vcpu;
			c->to_vcpu = -1;
			c->kind = a ? VGIC_CHANGE_ACTIVATED : VGIC_CHANGE_DEACTIVATED;
			c->cause = VGIC_CAUSE_PPI_FOLD;
		}
		irq->active = a;
		if (!irq->level && test_bit(exit->pendr, n))
			irq->pending_latch = true; /* OR: do not lose edges that came in meanwhile */
	}
	bits_from_regs(v->ppi_activer, exit->activer);
	memcpy(v->ppi_priorityr, exit->priority, sizeof(v->ppi_priorityr));
	v->v5_vmcr = exit->vmcr;
}

/*
 * vgic_v5_sync_ppi_priorities() (v7.2): the shadow priority of each exposed
 * PPI from the ICH_PPI_PRIORITYR fields the last exit saved (5 bits).
 */
static void sync_ppi_priorities(struct vgic_engine *e, int vcpu)
{
	uint32_t n;

	for (n = 0; ppi(e, vcpu, n); n++)
		if (ppi(e, vcpu, n)->exposed)
			ppi(e, vcpu, n)->priority = e->vcpus[vcpu].ppi_priorityr[n] & 0x1f;
}

/* See vgic_engine.h: vgic_v5_load() (v7.2); a second load (leaving WFI) does nothing. */
void vgic_engine_v5_load(struct vgic_engine *e, int vcpu)
{
	if (ppi(e, vcpu, 0))
		e->vcpus[vcpu].v5_resident = true;
}

/*
 * See vgic_engine.h: vgic_v5_put() (v7.2). Only a resident vCPU saves its
 * APR (a second put would lose state); the shadow priorities are synced
 * only on the way into WFI.
 */
void vgic_engine_v5_put(struct vgic_engine *e, int vcpu, uint32_t apr, bool in_wfi)
{
	struct vcpu *v;

	if (!ppi(e, vcpu, 0) || !e->vcpus[vcpu].v5_resident)
		return;
	v = &e->vcpus[vcpu];
	v->v5_apr = apr;
	v->v5_resident = false;
	if (in_wfi)
		sync_ppi_priorities(e, vcpu);
}

/* See vgic_engine.h: vgic_v5_get_effective_priority_mask() (v7.2). */
uint32_t vgic_v5_effective_priority_mask(uint32_t vmcr, uint32_t apr)
{
	uint32_t highest = apr ? (uint32_t)__builtin_ctz(apr) : 32, pmr = (vmcr >> 1) & 0x1f;

	if (!(vmcr & 1))
		return 0;
	return highest < pmr + 1 ? highest : pmr + 1;
}

/*
 * See vgic_engine.h: vgic_v5_has_pending_ppi() (v7.2), from KVM's VMCR
 * (saved at the last exit) and APR (saved at the last put).
 */
bool vgic_engine_v5_has_pending_ppi(const struct vgic_engine *e, int vcpu)
{
	uint32_t n, mask;

	if (!ppi(e, vcpu, 0))
		return false;
	mask = vgic_v5_effective_priority_mask(e->vcpus[vcpu].v5_vmcr, e->vcpus[vcpu].v5_apr);
	if (!mask)
		return false;
	for (n = 0; ppi(e, vcpu, n); n++) {
		const struct irq *irq = ppi(e, vcpu, n);

		if (irq->exposed && irq->enabled && irq->priority < mask &&
		    (irq->hw ? irq->phys_level : irq_is_pending(irq)))
			return true;
	}
	return false;
}
