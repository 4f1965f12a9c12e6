/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simulated guest CPU interface acting on the LRs between a flush and a
 * sync, as the ICV_* registers do in hardware: enough for scenario tests
 * (acknowledge, EOI with priority drop, DIR, APRs), following the GICv3
 * architecture, the hyp emulation in arch/arm64/kvm/hyp/vgic-v3-sr.c
 * (__vgic_v3_read_iar, __vgic_v3_write_eoir, __vgic_v3_write_dir) and
 * QEMU's hw/intc/arm_gicv3_cpuif.c (icv_iar_read, icv_eoir_write,
 * icv_dir_write). Priorities have 5 bits, so the active priority of
 * priority p is APR bit p >> 3 (ap0r[0] for group 0, ap1r[0] for group 1).
 */
#include "model.h"

/* EOIcount++ in HCR[31:27], wrapping at 5 bits (icv_increment_eoicount). */
static void bump_eoicount(struct vgic_cpuif *regs)
{
	uint32_t n = ((regs->hcr >> VGIC_HCR_EOICOUNT_SHIFT) + 1) & 31;

	regs->hcr = (regs->hcr & ((1u << VGIC_HCR_EOICOUNT_SHIFT) - 1)) | (n << VGIC_HCR_EOICOUNT_SHIFT);
}

/* The running priority from the APRs (0x100 when nothing is active). */
static int apr_running_priority(const struct vgic_cpuif *regs)
{
	uint32_t bits = regs->ap0r[0] | regs->ap1r[0];

	return bits ? __builtin_ctz(bits) << 3 : 0x100;
}

/*
 * See vgic_engine.h. GICv3 keeps a register per group
 * (__vgic_v3_read_ap0rn/__vgic_v3_read_ap1rn), GICv2 one for both
 * (GICH_APR, which vgic_v2_put() saves).
 */
bool vgic_apr_priority_active(int gic_version, const struct vgic_cpuif *regs, int group,
			      uint8_t prio)
{
	uint32_t bits = gic_version == 2 ? regs->ap0r[0] : group ? regs->ap1r[0] : regs->ap0r[0];

	return bits >> (prio >> 3) & 1;
}

/* The LR holding intid in the active state, or -1 (icv_find_active). */
static int find_active(const struct vgic_cpuif *regs, int gv, uint32_t intid)
{
	int i;

	for (i = 0; i < regs->used_lrs; i++)
		if (vgic_lr_intid(gv, regs->lr[i]) == intid && vgic_lr_active(gv, regs->lr[i]))
			return i;
	return -1;
}

/* See vgic_engine.h: hppvi_index() + icv_hppi_can_preempt() + the ack. */
uint32_t vgic_guest_read_iar(struct vgic_cpuif *regs, int gv, int group)
{
	int i, best = -1, prio, rpr = apr_running_priority(regs);
	uint32_t *apr;

	for (i = 0; i < regs->used_lrs; i++) {
		uint64_t lr = regs->lr[i];

		if (!vgic_lr_pending(gv, lr) || vgic_lr_active(gv, lr))
			continue; /* only state 01 is pending for the CPU interface */
		if (!vgic_vmcr_group_enabled(gv, regs->vmcr, vgic_lr_group(gv, lr)))
			continue;
		if (best < 0 || vgic_lr_priority(gv, lr) < vgic_lr_priority(gv, regs->lr[best]))
			best = i;
	}
	if (best < 0 || vgic_lr_group(gv, regs->lr[best]) != group)
		return VGIC_ENGINE_NO_INTID;
	prio = vgic_lr_priority(gv, regs->lr[best]);
	if (prio >= vgic_vmcr_pmr(gv, regs->vmcr) || (prio >> 3) >= (rpr >> 3))
		return VGIC_ENGINE_NO_INTID;
	regs->lr[best] = lr_set_state(gv, regs->lr[best], false, true);
	apr = group ? &regs->ap1r[0] : &regs->ap0r[0];
	*apr |= 1u << (prio >> 3);
	return vgic_lr_intid(gv, regs->lr[best]);
}

/* See vgic_engine.h: icv_drop_prio() then the LR check of icv_eoir_write(). */
enum vgic_guest_outcome vgic_guest_write_eoir(struct vgic_cpuif *regs, int gv, uint32_t intid)
{
	uint32_t g0 = regs->ap0r[0], g1 = regs->ap1r[0];
	int bit, i;

	if (!(g0 | g1))
		return VGIC_GUEST_NOTHING;
	bit = __builtin_ctz(g0 | g1);
	if (g0 & (1u << bit))
		regs->ap0r[0] &= ~(1u << bit);
	else
		regs->ap1r[0] &= ~(1u << bit);
	i = find_active(regs, gv, intid);
	if (i < 0 && gv == 3 && intid >= VGIC_ENGINE_MIN_LPI)
		return VGIC_GUEST_NOTHING; /* EOIcount never counts an LPI */
	if (i < 0) {
		bump_eoicount(regs);
		return VGIC_GUEST_EOICOUNT;
	}
	if (vgic_lr_priority(gv, regs->lr[i]) >> 3 != bit)
		return VGIC_GUEST_NOTHING;
	/* An LPI has no active state to keep for a DIR: its EOI deactivates it. */
	if (!vgic_vmcr_eoimode(gv, regs->vmcr) || (gv == 3 && intid >= VGIC_ENGINE_MIN_LPI))
		regs->lr[i] = lr_set_state(gv, regs->lr[i], vgic_lr_pending(gv, regs->lr[i]), false);
	return VGIC_GUEST_LR;
}

/* See vgic_engine.h: icv_dir_write(), with the TDIR trap and its hyp fast path. */
enum vgic_guest_outcome vgic_guest_write_dir(struct vgic_cpuif *regs, int gv, uint32_t intid)
{
	int i;

	if (!vgic_vmcr_eoimode(gv, regs->vmcr))
		return VGIC_GUEST_NOTHING;
	i = find_active(regs, gv, intid);
	if (i >= 0) {
		regs->lr[i] = lr_set_state(gv, regs->lr[i], vgic_lr_pending(gv, regs->lr[i]), false);
		return VGIC_GUEST_LR;
	}
	if (gv == 3 && (regs->hcr & VGIC_HCR_TDIR))
		return VGIC_GUEST_TRAP;
	bump_eoicount(regs);
	return VGIC_GUEST_EOICOUNT;
}

/* The running priority as the highest priority among active LRs (0x100 when idle). */
static int lr_running_priority(const struct vgic_cpuif *regs, int gv)
{
	int i, rpr = 0x100;

	for (i = 0; i < regs->used_lrs; i++)
		if (vgic_lr_active(gv, regs->lr[i]) && vgic_lr_priority(gv, regs->lr[i]) < rpr)
			rpr = vgic_lr_priority(gv, regs->lr[i]);
	return rpr;
}

/* See vgic_engine.h (older helper: PMR given, running priority from the LRs, any group). */
uint32_t vgic_guest_ack(struct vgic_cpuif *regs, int gv, uint8_t pmr)
{
	int i, best = -1, rpr = lr_running_priority(regs, gv);

	for (i = 0; i < regs->used_lrs; i++) {
		uint64_t lr = regs->lr[i];
		int prio = vgic_lr_priority(gv, lr);

		if (!vgic_lr_pending(gv, lr) || vgic_lr_active(gv, lr))
			continue;
		if (prio >= pmr || prio >= rpr)
			continue;
		if (best < 0 || prio < vgic_lr_priority(gv, regs->lr[best]))
			best = i;
	}
	if (best < 0)
		return VGIC_ENGINE_NO_INTID;
	regs->lr[best] = lr_set_state(gv, regs->lr[best], false, true);
	return vgic_lr_intid(gv, regs->lr[best]);
}

/* See vgic_engine.h (older helper: EOImode given, no APRs). */
void vgic_guest_eoi(struct vgic_cpuif *regs, int gv, uint32_t intid, int eoimode)
{
	int i = find_active(regs, gv, intid);

	if (i < 0) {
		bump_eoicount(regs);
		return;
	}
	if (!eoimode)
		regs->lr[i] = lr_set_state(gv, regs->lr[i], vgic_lr_pending(gv, regs->lr[i]), false);
}

/* See vgic_engine.h (older helper: deactivate the LR holding intid, if any). */
void vgic_guest_dir(struct vgic_cpuif *regs, int gv, uint32_t intid)
{
	int i = find_active(regs, gv, intid);

	if (i >= 0)
		regs->lr[i] = lr_set_state(gv, regs->lr[i], vgic_lr_pending(gv, regs->lr[i]), false);
}
