/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register layouts: ICH_LR_EL2 and GICH_LR (include/linux/irqchip/
 * arm-gic-v3.h, arm-gic.h), the VMCR fields KVM reads (vgic_v3_get_vmcr,
 * vgic_v2_get_vmcr), and the maintenance status KVM never stores but the
 * architecture defines from the LRs, HCR and VMCR (vgic_v3_get_misr,
 * vgic_v3_get_eisr, vgic_v3_get_elrsr in vgic-v3-nested.c).
 */
#include <stdio.h>

#include "model.h"

#define ICH_LR_PENDING (1ull << 62)
#define ICH_LR_ACTIVE (1ull << 63)
#define ICH_LR_HW (1ull << 61)
#define ICH_LR_GROUP (1ull << 60)
#define ICH_LR_EOI (1ull << 41)
#define GICH_LR_PENDING (1u << 28)
#define GICH_LR_ACTIVE (1u << 29)
#define GICH_LR_GROUP1 (1u << 30)
#define GICH_LR_HW (1u << 31)
#define GICH_LR_EOI (1u << 19)

/* The P and A bits of an LR in the host's layout. */
uint64_t lr_state_bits(int gv, bool pending, bool active)
{
	uint64_t v = 0;

	if (pending)
		v |= gv == 2 ? GICH_LR_PENDING : ICH_LR_PENDING;
	if (active)
		v |= gv == 2 ? GICH_LR_ACTIVE : ICH_LR_ACTIVE;
	return v;
}

/* Replace an LR's state bits. */
uint64_t lr_set_state(int gv, uint64_t lr, bool pending, bool active)
{
	return (lr & ~lr_state_bits(gv, true, true)) | lr_state_bits(gv, pending, active);
}

/* The vINTID of an LR (ICH_LR_VIRTUAL_ID_MASK / GICH_LR_VIRTUALID). */
uint32_t vgic_lr_intid(int gv, uint64_t lr)
{
	return gv == 2 ? (uint32_t)(lr & 0x3ff) : (uint32_t)lr;
}

/* The pending bit of an LR. */
bool vgic_lr_pending(int gv, uint64_t lr)
{
	return !!(lr & lr_state_bits(gv, true, false));
}

/* The active bit of an LR. */
bool vgic_lr_active(int gv, uint64_t lr)
{
	return !!(lr & lr_state_bits(gv, false, true));
}

/* The priority of an LR (GICv2 keeps only its top five bits). */
uint8_t vgic_lr_priority(int gv, uint64_t lr)
{
	return gv == 2 ? (uint8_t)(((lr >> 23) & 0x1f) << 3) : (uint8_t)(lr >> 48);
}

/* The HW bit: the LR deactivates a physical interrupt too. */
bool vgic_lr_hw(int gv, uint64_t lr)
{
	return gv == 2 ? !!(lr & GICH_LR_HW) : !!(lr & ICH_LR_HW);
}

/* The EOI bit (meaningful with HW clear): an EOI maintenance interrupt on deactivation. */
bool vgic_lr_eoi(int gv, uint64_t lr)
{
	return !vgic_lr_hw(gv, lr) && (gv == 2 ? !!(lr & GICH_LR_EOI) : !!(lr & ICH_LR_EOI));
}

/* The group bit. */
uint8_t vgic_lr_group(int gv, uint64_t lr)
{
	return gv == 2 ? !!(lr & GICH_LR_GROUP1) : !!(lr & ICH_LR_GROUP);
}

/* See vgic_engine.h. */
void vgic_lr_decode(int gv, uint64_t lr, struct vgic_lr_fields *f)
{
	f->intid = vgic_lr_intid(gv, lr);
	f->pending = vgic_lr_pending(gv, lr);
	f->active = vgic_lr_active(gv, lr);
	f->hw = vgic_lr_hw(gv, lr);
	f->eoi = vgic_lr_eoi(gv, lr);
	f->group = vgic_lr_group(gv, lr);
	f->priority = vgic_lr_priority(gv, lr);
}

/* See vgic_engine.h: the TUI's words for an LR (ui/tui.c draw_snapshot, lrs_v). */
char *vgic_lr_describe(int gv, uint64_t lr, char *buf, size_t n)
{
	static const char *const state[4] = {"invalid", "pending", "active", "pending+active"};
	struct vgic_lr_fields f;
	int len;

	if (!lr) {
		snprintf(buf, n, "-");
		return buf;
	}
	vgic_lr_decode(gv, lr, &f);
	len = snprintf(buf, n, "%u %s p%02x", f.intid, state[f.pending | f.active << 1],
		       f.priority);
	if (f.hw && len >= 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, " HW p%u", vgic_lr_physid(gv, lr));
	return buf;
}

/* The physical INTID of a HW LR (ICH_LR_PHYS_ID_MASK is 10 bits in KVM; GICH_LR [19:10]). */
uint32_t vgic_lr_physid(int gv, uint64_t lr)
{
	return gv == 2 ? (uint32_t)((lr >> 10) & 0x3ff) : (uint32_t)((lr >> 32) & 0x3ff);
}

/* The GICv2-model SGI source CPUID, bits [12:10] in both layouts (GICH_LR_PHYSID_CPUID). */
uint32_t vgic_lr_source(int gv, uint64_t lr)
{
	(void)gv;
	return (uint32_t)((lr >> 10) & 7);
}

/* VPMR (ICH_VMCR_EL2[31:24]) or PriMask (GICH_VMCR[31:27], 5 bits) as an 8-bit priority. */
uint8_t vgic_vmcr_pmr(int gv, uint32_t vmcr)
{
	return gv == 2 ? (uint8_t)(((vmcr >> 27) & 0x1f) << 3) : (uint8_t)(vmcr >> 24);
}

/* VEOIM / EOImode, bit 9 in both layouts. */
bool vgic_vmcr_eoimode(int gv, uint32_t vmcr)
{
	(void)gv;
	return !!(vmcr & (1u << 9));
}

/* VENG0/VENG1 (Grp0En/Grp1En), bits 0 and 1 in both layouts. */
bool vgic_vmcr_group_enabled(int gv, uint32_t vmcr, int group)
{
	(void)gv;
	return !!(vmcr & (group ? 2u : 1u));
}

/* See vgic_engine.h. */
uint32_t vgic_vmcr_make(int gv, uint8_t pmr, bool eoimode, bool grp0, bool grp1)
{
	uint32_t v = (grp0 ? 1u : 0u) | (grp1 ? 2u : 0u) | (eoimode ? 1u << 9 : 0u);

	if (gv == 2)
		return v | ((uint32_t)(pmr >> 3) << 27);
	return v | ((uint32_t)pmr << 24);
}

/*
 * The maintenance status: EISR (state 0, HW 0, EOI 1), ELRSR (state 0 and
 * HW or !EOI: the architecture's definition; KVM's nested emulation uses
 * state 0 alone), and MISR: EOI, U (UIE and at most one valid LR), LRENP
 * (LRENPIE and EOIcount != 0), NP (NPIE and no LR in exactly the pending
 * state; the architecture and QEMU, where KVM's nested code also counts
 * P+A), VGrpXE/D from the HCR enables and the VMCR's group enables.
 */
void vgic_derive_maint_status(int gv, const struct vgic_cpuif *s, struct vgic_maint_status *out)
{
	int i, valid = 0;
	bool any_pending = false;
	uint32_t hcr = s->hcr;

	out->misr = out->eisr = out->elrsr = 0;
	for (i = 0; i < VGIC_ENGINE_MAX_LRS; i++) {
		uint64_t lr = i < s->used_lrs ? s->lr[i] : 0;
		bool p = vgic_lr_pending(gv, lr), a = vgic_lr_active(gv, lr);

		if (p || a)
			valid++;
		if (p && !a)
			any_pending = true;
		if (!p && !a && vgic_lr_eoi(gv, lr))
			out->eisr |= 1u << i;
		if (!p && !a && !vgic_lr_eoi(gv, lr))
			out->elrsr |= 1u << i;
	}
	if (out->eisr)
		out->misr |= VGIC_MISR_EOI;
	if ((hcr & VGIC_HCR_UIE) && valid <= 1)
		out->misr |= VGIC_MISR_U;
	if ((hcr & VGIC_HCR_LRENPIE) && (hcr >> VGIC_HCR_EOICOUNT_SHIFT))
		out->misr |= VGIC_MISR_LRENP;
	if ((hcr & VGIC_HCR_NPIE) && !any_pending)
		out->misr |= VGIC_MISR_NP;
	if ((hcr & VGIC_HCR_VGRP0EIE) && vgic_vmcr_group_enabled(gv, s->vmcr, 0))
		out->misr |= VGIC_MISR_VGRP0E;
	if ((hcr & VGIC_HCR_VGRP0DIE) && !vgic_vmcr_group_enabled(gv, s->vmcr, 0))
		out->misr |= VGIC_MISR_VGRP0D;
	if ((hcr & VGIC_HCR_VGRP1EIE) && vgic_vmcr_group_enabled(gv, s->vmcr, 1))
		out->misr |= VGIC_MISR_VGRP1E;
	if ((hcr & VGIC_HCR_VGRP1DIE) && !vgic_vmcr_group_enabled(gv, s->vmcr, 1))
		out->misr |= VGIC_MISR_VGRP1D;
}
