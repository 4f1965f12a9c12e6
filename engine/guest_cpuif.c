/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simulated guest CPU interface acting on the LRs between a flush and a
 * sync, as the ICV_* registers do in hardware: enough for scenario tests
 * (acknowledge, EOI with EOImode 0 and 1, DIR), following the GICv3
 * architecture and the hyp emulation in arch/arm64/kvm/hyp/vgic-v3-sr.c
 * (__vgic_v3_read_iar, __vgic_v3_write_eoir, __vgic_v3_write_dir).
 */
#include "vgic_engine.h"

#define ICH_LR_PENDING (1ull << 62)
#define ICH_LR_ACTIVE (1ull << 63)
#define GICH_LR_PENDING (1u << 28)
#define GICH_LR_ACTIVE (1u << 29)

/* Set an LR's state bits. */
static void set_state(uint64_t *lr, int gv, bool pending, bool active)
{
	uint64_t p = gv == 2 ? GICH_LR_PENDING : ICH_LR_PENDING;
	uint64_t a = gv == 2 ? GICH_LR_ACTIVE : ICH_LR_ACTIVE;

	*lr &= ~(p | a);
	if (pending)
		*lr |= p;
	if (active)
		*lr |= a;
}

/* The running priority: the highest priority among active LRs (0x100 when idle). */
static int running_priority(const struct vgic_cpuif *regs, int gv)
{
	int i, rpr = 0x100;

	for (i = 0; i < regs->used_lrs; i++)
		if (vgic_lr_active(gv, regs->lr[i]) && vgic_lr_priority(gv, regs->lr[i]) < rpr)
			rpr = vgic_lr_priority(gv, regs->lr[i]);
	return rpr;
}

/* See vgic_engine.h. */
uint32_t vgic_guest_ack(struct vgic_cpuif *regs, int gv, uint8_t pmr)
{
	int i, best = -1, rpr = running_priority(regs, gv);

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
		return 1023;
	set_state(&regs->lr[best], gv, false, true);
	return vgic_lr_intid(gv, regs->lr[best]);
}

/* See vgic_engine.h. */
void vgic_guest_eoi(struct vgic_cpuif *regs, int gv, uint32_t intid, int eoimode)
{
	int i;

	for (i = 0; i < regs->used_lrs; i++) {
		if (vgic_lr_intid(gv, regs->lr[i]) != intid || !vgic_lr_active(gv, regs->lr[i]))
			continue;
		if (!eoimode)
			set_state(&regs->lr[i], gv, vgic_lr_pending(gv, regs->lr[i]), false);
		return;
	}
	/* Not in an LR: the hardware counts it in EOIcount (HCR[31:27]). */
	regs->hcr = (regs->hcr & 0x07ffffffu) | ((((regs->hcr >> 27) + 1) & 31) << 27);
}

/* See vgic_engine.h. */
void vgic_guest_dir(struct vgic_cpuif *regs, int gv, uint32_t intid)
{
	int i;

	for (i = 0; i < regs->used_lrs; i++) {
		if (vgic_lr_intid(gv, regs->lr[i]) == intid && vgic_lr_active(gv, regs->lr[i])) {
			set_state(&regs->lr[i], gv, vgic_lr_pending(gv, regs->lr[i]), false);
			return;
		}
	}
}
