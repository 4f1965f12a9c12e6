/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's writes to the vGIC's MMIO frames, as KVM's register handlers
 * apply them (arch/arm64/kvm/vgic/vgic-mmio.c, vgic-mmio-v3.c,
 * vgic-mmio-v2.c): the distributor (GICD), the GICv3 redistributors'
 * SGI_base frames (GICR) and, for a GICv2 model, GICD_SGIR.
 *
 * A trace shows these writes as kvm_mmio events (gpa, len, val) because
 * KVM traces every MMIO write before dispatching it (io_mem_abort()). The
 * frames sit where the VMM put them (KVM_VGIC_V3_ADDR_TYPE_DIST/REDIST,
 * KVM_VGIC_V2_ADDR_TYPE_DIST/CPU), which no event records, so the caller
 * names the layout. Only writes that change state the model keeps are
 * applied; reads, the CPU interface frame and registers KVM treats as RO/WI
 * are left alone. Everything goes through the engine's public calls.
 */
#include <stddef.h>

#include "vgic_engine.h"

#define GICD_V3_SIZE 0x10000
#define GICD_V2_SIZE 0x1000
#define GICR_SGI_BASE 0x10000
#define GICR_STRIDE 0x20000

#define VGIC_PRI_MASK 0xf8 /* GENMASK(7, 8 - VGIC_PRI_BITS): KVM keeps 5 priority bits */

/* The register file an offset falls in, with the bits each interrupt takes. */
struct reg_range {
	uint32_t base, end;
	int bits_per_irq;
	int kind;
};

enum { R_GROUP, R_SENABLE, R_CENABLE, R_SPEND, R_CPEND, R_SACTIVE, R_CACTIVE, R_PRIORITY,
       R_TARGET, R_CONFIG, R_IROUTER };

/* The per-interrupt registers shared by GICD and the GICR SGI_base frame (vgic_v3_dist_registers). */
static const struct reg_range irq_regs[] = {
	{GICD_IGROUPR, GICD_ISENABLER, 1, R_GROUP},
	{GICD_ISENABLER, GICD_ICENABLER, 1, R_SENABLE},
	{GICD_ICENABLER, GICD_ISPENDR, 1, R_CENABLE},
	{GICD_ISPENDR, GICD_ICPENDR, 1, R_SPEND},
	{GICD_ICPENDR, GICD_ISACTIVER, 1, R_CPEND},
	{GICD_ISACTIVER, GICD_ICACTIVER, 1, R_SACTIVE},
	{GICD_ICACTIVER, GICD_IPRIORITYR, 1, R_CACTIVE},
	{GICD_IPRIORITYR, GICD_ITARGETSR, 8, R_PRIORITY},
	{GICD_ITARGETSR, GICD_ICFGR, 8, R_TARGET},
	{GICD_ICFGR, GICD_ICFGR + 0x100, 2, R_CONFIG},
};

/* Read the programmable part of an interrupt's state as a configuration to write back. */
static int current_config(const struct vgic_engine *e, int vcpu, uint32_t intid,
			  struct vgic_irq_config_desc *c)
{
	struct vgic_irq_state s;

	if (vgic_engine_irq(e, vcpu, intid, &s))
		return -1;
	c->enabled = s.enabled;
	c->priority = s.priority;
	c->group = s.group;
	c->config = s.config;
	c->target_vcpu = s.target_vcpu;
	c->hw = s.hw;
	c->hwintid = s.hwintid;
	return 0;
}

/*
 * One interrupt's field of one register write, as the matching KVM
 * handler applies it: vgic_mmio_write_group/senable/cenable/spending/
 * cpending/sactive/cactive/priority/config, vgic_mmio_write_target.
 */
static void apply_field(struct vgic_engine *e, int vcpu, uint32_t intid, int kind, uint32_t field)
{
	struct vgic_irq_config_desc c;

	switch (kind) {
	case R_SPEND:
	case R_CPEND:
		if (field)
			vgic_engine_mmio_set_pending(e, vcpu, intid, kind == R_SPEND);
		return;
	case R_SACTIVE:
	case R_CACTIVE:
		if (field)
			vgic_engine_mmio_set_active(e, vcpu, intid, kind == R_SACTIVE);
		return;
	default:
		break;
	}
	if (current_config(e, vcpu, intid, &c))
		return;
	switch (kind) {
	case R_GROUP:
		c.group = (uint8_t)field;
		break;
	case R_SENABLE:
		if (!field)
			return;
		c.enabled = true;
		break;
	case R_CENABLE:
		if (!field)
			return;
		c.enabled = false;
		break;
	case R_PRIORITY:
		c.priority = (uint8_t)(field & VGIC_PRI_MASK);
		break;
	case R_TARGET:
		/* vgic_mmio_write_target(): SPIs only; the lowest set CPU is the target. */
		if (intid < 32)
			return;
		c.target_vcpu = 0;
		while (field && !(field & 1)) {
			field >>= 1;
			c.target_vcpu++;
		}
		break;
	case R_CONFIG:
		/* vgic_mmio_write_config(): private interrupts keep their configuration. */
		if (intid < 32)
			return;
		c.config = (field & 2) ? VGIC_EDGE : VGIC_LEVEL;
		break;
	default:
		return;
	}
	vgic_engine_configure(e, vcpu, intid, &c);
}

/* A write to the per-interrupt registers at offset (GICD, or a GICR SGI_base frame for vcpu). */
static int write_irq_regs(struct vgic_engine *e, int vcpu, uint32_t offset, int len, uint64_t val,
			  int private_only, int spi_only)
{
	size_t r;

	for (r = 0; r < sizeof(irq_regs) / sizeof(irq_regs[0]); r++) {
		const struct reg_range *rr = &irq_regs[r];
		uint32_t first;
		int i, per = 8 * len / rr->bits_per_irq;

		if (offset < rr->base || offset >= rr->end)
			continue;
		first = (offset - rr->base) * 8 / (uint32_t)rr->bits_per_irq;
		if ((private_only && first >= 32) || (spi_only && first < 32))
			return 1; /* RAZ/WI: a GICv3 GICD with ARE keeps no private state */
		for (i = 0; i < per; i++) {
			uint32_t mask = rr->bits_per_irq == 32 ? ~0u : (1u << rr->bits_per_irq) - 1;
			uint32_t field = (uint32_t)(val >> (i * rr->bits_per_irq)) & mask;

			apply_field(e, vcpu, first + (uint32_t)i, rr->kind, field);
		}
		return 1;
	}
	return 0;
}

/*
 * GICD_IROUTER<n> (vgic_mmio_write_irouter): Aff0..Aff2 name the target;
 * the upper word is WI (no Aff3). KVM's default MPIDR gives vCPU n Aff0
 * n % 16 and Aff1 n / 16 (reset_mpidr()), which kvm_mpidr_to_vcpu() inverts.
 */
static int write_irouter(struct vgic_engine *e, uint32_t offset, int len, uint64_t val)
{
	uint32_t intid = (offset - GICD_IROUTER) / 8;
	struct vgic_irq_config_desc c;

	if (offset & 4 || len < 4 || intid < 32 || current_config(e, 0, intid, &c))
		return 0;
	c.target_vcpu = (int)((val & 0xf) + 16 * ((val >> 8) & 0xff));
	vgic_engine_configure(e, 0, intid, &c);
	return 1;
}

/* GICD_SGIR (vgic_mmio_write_sgir): CPUTargetList [23:16], filter [25:24], INTID [3:0]. */
static int write_sgir(struct vgic_engine *e, int vcpu, uint64_t val)
{
	const struct vgic_engine_config *cfg = vgic_engine_get_config(e);
	uint64_t all = cfg->nr_vcpus >= 64 ? ~0ull : (1ull << cfg->nr_vcpus) - 1, targets;

	switch ((val >> 24) & 3) {
	case 0:
		targets = (val >> 16) & 0xff;
		break;
	case 1:
		targets = all & ~(1ull << vcpu);
		break;
	case 2:
		targets = 1ull << vcpu;
		break;
	default:
		return 1; /* reserved: KVM ignores it */
	}
	vgic_engine_send_sgi(e, vcpu, targets & all, (uint32_t)(val & 0xf));
	return 1;
}

/* See vgic_engine.h. */
int vgic_engine_mmio_write(struct vgic_engine *e, const struct vgic_mmio_layout *layout,
			   int vcpu, uint64_t gpa, int len, uint64_t val)
{
	const struct vgic_engine_config *cfg = vgic_engine_get_config(e);
	int v2 = cfg->guest_model == 2;
	uint64_t dsize = v2 ? GICD_V2_SIZE : GICD_V3_SIZE;

	if (!layout || vcpu < 0 || vcpu >= cfg->nr_vcpus || (len != 1 && len != 2 && len != 4 &&
							      len != 8))
		return -1;
	if (cfg->guest_model == 5)
		return 0; /* no GICD/GICR frames; the GICv5 IRS is not modelled (docs/engine.md) */
	if (gpa >= layout->dist && gpa < layout->dist + dsize) {
		uint32_t offset = (uint32_t)(gpa - layout->dist);

		if (offset == GICD_CTLR) {
			/* v3: EnableGrp1A decides (vgic_mmio_write_v3_misc); v2: GICD_ENABLE, bit 0. */
			vgic_engine_set_dist_enabled(e, v2 ? (val & 1) : (val & 2));
			return 1;
		}
		if (v2 && offset == GICD_SGIR)
			return write_sgir(e, vcpu, val);
		if (!v2 && offset >= GICD_IROUTER && offset < GICD_IROUTER + 8 * 1020)
			return write_irouter(e, offset, len, val);
		/* On a GICv2 model the private interrupts' registers are banked in GICD. */
		return write_irq_regs(e, vcpu, offset, len, val, 0, !v2);
	}
	if (!v2 && gpa >= layout->redist &&
	    gpa < layout->redist + (uint64_t)cfg->nr_vcpus * GICR_STRIDE) {
		uint64_t rel = gpa - layout->redist;
		int owner = (int)(rel / GICR_STRIDE);
		uint32_t offset = (uint32_t)(rel % GICR_STRIDE);

		if (offset < GICR_SGI_BASE)
			return 0; /* RD_base: WAKER, CTLR, ... nothing the model keeps */
		return write_irq_regs(e, owner, offset - GICR_SGI_BASE, len, val, 1, 0);
	}
	return 0;
}
