/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names and resets for the in-memory trace record. The names match the
 * event_kinds table of the on-disk format.
 */
#include "trace_event.h"

#include <string.h>

/* The event_kinds.name of a kind, or "unknown". */
const char *vr_event_kind_name(enum vr_event_kind kind)
{
	switch (kind) {
	case VR_EV_IRQ_PENDING:
		return "vgic_update_irq_pending";
	case VR_EV_IRQ_LINE:
		return "kvm_irq_line";
	case VR_EV_SET_IRQ:
		return "kvm_set_irq";
	case VR_EV_ACK_IRQ:
		return "kvm_ack_irq";
	case VR_EV_ENTRY:
		return "kvm_entry";
	case VR_EV_EXIT:
		return "kvm_exit";
	case VR_EV_WAKEUP:
		return "kvm_vcpu_wakeup";
	case VR_EV_WFX:
		return "kvm_wfx_arm64";
	case VR_EV_TIMER_IRQ:
		return "kvm_timer_update_irq";
	case VR_EV_USERSPACE_EXIT:
		return "kvm_userspace_exit";
	case VR_EV_MMIO:
		return "kvm_mmio";
	case VR_EV_FLUSH:
		return "vgic_flush";
	case VR_EV_SYNC:
		return "vgic_sync";
	case VR_EV_POST:
		return "vgic_post";
	case VR_EV_POPULATE:
		return "vgic_populate_lr";
	case VR_EV_DEACTIVATE:
		return "vgic_deactivate";
	case VR_EV_SGI:
		return "vgic_sgi";
	default:
		return "unknown";
	}
}

/* Every optional field becomes VR_NO_VALUE (NULL in the database). */
void vr_event_clear(struct vr_event *ev)
{
	ev->ts_ns = 0;
	ev->cpu = 0;
	ev->pid = 0;
	ev->vcpu = VR_NO_VALUE;
	ev->intid = VR_NO_VALUE;
	ev->arg[0] = ev->arg[1] = ev->arg[2] = ev->arg[3] = VR_NO_VALUE;
	ev->src_pos = VR_NO_VALUE;
	ev->kind = VR_EV_NONE;
}

/* Registers not recorded read as VR_NO_VALUE; LR values as zero. */
void vr_snapshot_clear(struct vr_snapshot *snap)
{
	int i;

	snap->gic_version = 0;
	snap->nr_lrs = 0;
	snap->used_lrs = snap->hcr = snap->vmcr = snap->apr = VR_NO_VALUE;
	for (i = 0; i < 4; i++)
		snap->ap0r[i] = snap->ap1r[i] = VR_NO_VALUE;
	memset(snap->lr, 0, sizeof(snap->lr));
}
