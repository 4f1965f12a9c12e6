/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory form of one trace record, shared by every importer, the
 * collector and the trace database writer. The numbering of enum
 * vr_event_kind is part of the on-disk format (events.kind and the
 * event_kinds table in schemas/trace-v1.sql): never renumber.
 */
#ifndef VR_TRACE_EVENT_H
#define VR_TRACE_EVENT_H

#include <stdint.h>

enum vr_event_kind {
	VR_EV_NONE = 0,
	VR_EV_IRQ_PENDING = 1,	 /* vgic_update_irq_pending */
	VR_EV_IRQ_LINE = 2,	 /* kvm_irq_line */
	VR_EV_SET_IRQ = 3,	 /* kvm_set_irq */
	VR_EV_ACK_IRQ = 4,	 /* kvm_ack_irq */
	VR_EV_ENTRY = 5,	 /* kvm_entry */
	VR_EV_EXIT = 6,		 /* kvm_exit */
	VR_EV_WAKEUP = 7,	 /* kvm_vcpu_wakeup */
	VR_EV_WFX = 8,		 /* kvm_wfx_arm64 */
	VR_EV_TIMER_IRQ = 9,	 /* kvm_timer_update_irq */
	VR_EV_USERSPACE_EXIT = 10, /* kvm_userspace_exit */
	VR_EV_MMIO = 11,	 /* kvm_mmio: a guest MMIO access (GIC distributor writes) */
	VR_EV_FLUSH = 20,	 /* snapshot at return of kvm_vgic_flush_hwstate */
	VR_EV_SYNC = 21,	 /* snapshot at entry of vgic_v[23]_fold_lr_state */
	VR_EV_POST = 22,	 /* snapshot at return of kvm_vgic_sync_hwstate */
	VR_EV_POPULATE = 23,	 /* vgic_v[23]_populate_lr(vcpu, irq, lr) */
	VR_EV_DEACTIVATE = 24,	 /* vgic_v[23]_deactivate(vcpu, val): trapped DIR, 6.19+ */
	VR_EV_SGI = 25,		 /* vgic_v3_dispatch_sgi / vgic_mmio_write_sgir: SGI sent */
	VR_EV_KIND_MAX
};

/* kvm_mmio's type field (KVM_TRACE_MMIO_*). */
enum { VR_MMIO_UNSATISFIED_READ = 0, VR_MMIO_READ = 1, VR_MMIO_WRITE = 2 };

/* kvm_irq_line's type field (KVM_ARM_IRQ_TYPE_*). */
enum { VR_IRQ_TYPE_CPU = 0, VR_IRQ_TYPE_SPI = 1, VR_IRQ_TYPE_PPI = 2 };

/* kvm_exit's exception type (ARM_EXCEPTION_CODE of the run loop's return). */
enum { VR_EXC_IRQ = 0, VR_EXC_SERROR = 1, VR_EXC_TRAP = 2, VR_EXC_ILLEGAL = 3 };

#define VR_NO_VALUE INT64_MIN /* a field that was not recorded (NULL in SQL) */
#define VR_MAX_LRS 64	      /* GICv2 allows 64 LRs; GICv3 16 */

/* One event. Fields that do not apply hold VR_NO_VALUE. */
struct vr_event {
	int64_t ts_ns;
	int32_t cpu;
	int32_t pid;
	int64_t vcpu;
	int64_t intid;
	int64_t arg[4];
	int64_t src_pos; /* line number (text) or record number (trace.dat) */
	enum vr_event_kind kind;
};

/*
 * A snapshot of the vGIC CPU interface state as a probe read it from
 * struct vgic_v3_cpu_if (or vgic_v2_cpu_if). The phase is the event kind
 * (VR_EV_FLUSH, VR_EV_SYNC or VR_EV_POST).
 */
struct vr_snapshot {
	int gic_version; /* 2: GICH_* 32-bit LRs, 3: ICH_*_EL2 64-bit LRs */
	int nr_lrs;	 /* number of LR values recorded in lr[] */
	int64_t used_lrs;
	int64_t hcr;
	int64_t vmcr;
	int64_t apr; /* GICv2 GICH_APR */
	int64_t ap0r[4];
	int64_t ap1r[4];
	uint64_t lr[VR_MAX_LRS];
};

/* Name of an event kind as the event_kinds table spells it. */
const char *vr_event_kind_name(enum vr_event_kind kind);

/* Reset an event so that every optional field reads as "not recorded". */
void vr_event_clear(struct vr_event *ev);

/* Reset a snapshot likewise. */
void vr_snapshot_clear(struct vr_snapshot *snap);

#endif
