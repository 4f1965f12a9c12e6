/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names and resets for the in-memory trace record. The names match the
 * event_kinds table of the on-disk format.
 */
#include "trace_event.h"

#include <string.h>

#define VR_EVENT_KIND_INFO(sfx, num, name, source, a0, a1, a2, a3, desc) \
	{VR_EV_##sfx, name, source, {a0, a1, a2, a3}, desc},

static const struct vr_event_kind_info kinds[] = {VR_EVENT_KINDS(VR_EVENT_KIND_INFO)};

/* See trace_event.h. */
const struct vr_event_kind_info *vr_event_kinds(int *n)
{
	*n = (int)(sizeof(kinds) / sizeof(kinds[0]));
	return kinds;
}

/* See trace_event.h: what a trace's writer and a live stream attribute by thread. */
int vr_event_kind_on_vcpu_thread(enum vr_event_kind kind)
{
	switch (kind) {
	case VR_EV_ENTRY:
	case VR_EV_EXIT:
	case VR_EV_WAKEUP:
	case VR_EV_WFX:
	case VR_EV_USERSPACE_EXIT:
	case VR_EV_MMIO:
		return 1;
	default:
		return 0;
	}
}

/* The event_kinds.name of a kind, or "unknown". */
const char *vr_event_kind_name(enum vr_event_kind kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "unknown";
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
	memset(&snap->ppi, 0, sizeof(snap->ppi));
}
