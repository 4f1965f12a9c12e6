/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory form of one trace record, shared by every importer, the
 * collector and the trace database writer. The kinds and their numbers
 * (part of the on-disk format) are in event_kinds.h.
 */
#ifndef VR_TRACE_EVENT_H
#define VR_TRACE_EVENT_H

#include <stdint.h>

#include "event_kinds.h"

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

#define VR_MAX_PPIS 128 /* the GICv5 PPI registers' width; KVM uses 64 (35a4f8d151d6) */

/*
 * The PPI registers of a GICv5 vCPU (ppi_snapshots): at a flush what the
 * entry wrote (__vgic_v5_restore_ppi_state), at a sync what the exit
 * read (__vgic_v5_save_ppi_state). Bit n of [x] is PPI 64x+n.
 */
struct vr_ppi_state {
	int recorded; /* 0: the snapshot has no PPI row */
	int has_pendr; /* PENDR recorded (a kprobe cannot read it: per-CPU host data) */
	uint64_t pendr[2], activer[2], enabler[2], dvir[2];
	int has_priority;
	uint8_t priority[VR_MAX_PPIS]; /* ICH_PPI_PRIORITYRx_EL2 byte n: PPI n */
};

/*
 * A snapshot of the vGIC CPU interface state as a probe read it from
 * struct vgic_v3_cpu_if (or vgic_v2_cpu_if, or vgic_v5_cpu_if). The
 * phase is the event kind (VR_EV_FLUSH, VR_EV_SYNC or VR_EV_POST).
 */
struct vr_snapshot {
	int gic_version; /* 2: GICH_* 32-bit LRs, 3: ICH_*_EL2 64-bit LRs, 5: PPIs, no LRs */
	int nr_lrs;	 /* number of LR values recorded in lr[] */
	int64_t used_lrs;
	int64_t hcr;
	int64_t vmcr;
	int64_t apr; /* GICv2 GICH_APR */
	int64_t ap0r[4];
	int64_t ap1r[4];
	uint64_t lr[VR_MAX_LRS];
	struct vr_ppi_state ppi; /* GICv5 only (vmcr, apr: ICH_VMCR_EL2, ICH_APR_EL2) */
};

/*
 * Does an event of this kind happen on its vCPU's own thread, so that it
 * belongs to the vCPU that thread runs (kvm_entry, kvm_exit, ...)?
 */
int vr_event_kind_on_vcpu_thread(enum vr_event_kind kind);

/* Name of an event kind as the event_kinds table spells it. */
const char *vr_event_kind_name(enum vr_event_kind kind);

/* One row of the kinds table (event_kinds.h), as the event_kinds table holds it. */
struct vr_event_kind_info {
	enum vr_event_kind kind;
	const char *name, *source, *arg[4], *description;
};

/* The kinds table in number order; *n gets its length. */
const struct vr_event_kind_info *vr_event_kinds(int *n);

/* Reset an event so that every optional field reads as "not recorded". */
void vr_event_clear(struct vr_event *ev);

/* Reset a snapshot likewise. */
void vr_snapshot_clear(struct vr_snapshot *snap);

#endif
