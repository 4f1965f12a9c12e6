/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by collector/capture/vgic.bpf.c and the `record` command: the
 * records the BPF programs put in the ring buffer. Each record type is
 * sized to its content (a snapshot to the LRs in use, an AP-list walk to
 * its entries), so the common events stay small.
 */
#ifndef VR_COLLECTOR_VGIC_H
#define VR_COLLECTOR_VGIC_H

#include "../../schemas/event_kinds.h"

#define VGIC_REC_MAX_LRS 16 /* ICH_LR<n>_EL2: at most 16 */
#define VGIC_REC_MAX_AP 32  /* AP-list entries per walk; longer walks are cut and say so */
#define VGIC_MIN_LPI 8192   /* the first LPI INTID (GICv3) */

enum vgic_rec_type {
	VGIC_REC_EVENT = 1,
	VGIC_REC_SNAPSHOT = 2,
	VGIC_REC_APLIST = 3,
};

/* Probe ids, for the per-probe, per-CPU drop counters. */
enum vgic_probe_id {
	PROBE_IRQ_PENDING,
	PROBE_IRQ_LINE,
	PROBE_ENTRY,
	PROBE_EXIT,
	PROBE_WAKEUP,
	PROBE_WFX,
	PROBE_TIMER_IRQ,
	PROBE_USERSPACE_EXIT,
	PROBE_FLUSH,
	PROBE_SYNC,
	PROBE_POST,
	PROBE_POPULATE,
	PROBE_APLIST,
	PROBE_DEACTIVATE,
	PROBE_SGI,
	PROBE_MMIO,
	PROBE_LPI_QUEUE,
	PROBE_LPI_TARGET,
	PROBE_MAX
};

/* Header of every record. */
struct vgic_rec_hdr {
	unsigned char type;
	unsigned char kind;  /* enum vr_event_kind of the trace format */
	unsigned short cpu;
	unsigned int pid;    /* thread */
	unsigned int tgid;   /* process: the VMM */
	int vcpu;	     /* -1 when the event does not name one */
	unsigned long long ts; /* bpf_ktime_get_ns() */
};

/*
 * A kvm tracepoint, populate_lr, or a trapped DIR / SGI (VR_EV_DEACTIVATE,
 * VR_EV_SGI: arg[0] the raw value, arg[3] the register layout to decode
 * it with, 2 or 3), or an LPI queued (VR_EV_LPI_QUEUE: h.vcpu its target,
 * arg[0..2] pending_latch, enabled, priority), or an LPI's target after
 * update_affinity() (VR_EV_LPI_TARGET: h.vcpu that target, -1 none).
 */
struct vgic_rec_event {
	struct vgic_rec_hdr h;
	long long intid; /* -1 none */
	long long arg[4];
};

/*
 * Per CPU, for vgic_update_irq_pending's two programs: ran[level] says
 * that the first one ran for the event under way at that interrupt level
 * (1 softirq, 2 hardirq, 3 NMI; task context keeps its mark in the task).
 */
struct vgic_nest {
	unsigned char ran[4];
};

/*
 * CPUs the counters user space reads through the mapped .bss (the drops
 * per probe and CPU) have a slot for; a CPU beyond shares a slot.
 */
#define VR_COUNTER_CPUS 1024 /* a power of two: the BPF side masks the CPU with it */

/* LR and control-register snapshot; lr[] holds nr_lrs entries (the record is cut there). */
struct vgic_rec_snapshot {
	struct vgic_rec_hdr h;
	unsigned char gic_version;
	unsigned char nr_lrs;
	unsigned short used_lrs;
	unsigned int hcr;
	unsigned int vmcr;
	unsigned int apr; /* GICv2 */
	unsigned int ap0r[4];
	unsigned int ap1r[4];
	unsigned long long lr[VGIC_REC_MAX_LRS];
};

/* One AP-list entry as vgic_prune_ap_list left it. */
struct vgic_rec_ap_entry {
	unsigned int intid;
	unsigned char priority;
	unsigned char flags; /* VGIC_AP_* */
	unsigned short target_vcpu;
};

#define VGIC_AP_ACTIVE 0x01
#define VGIC_AP_PENDING_LATCH 0x02
#define VGIC_AP_LINE_LEVEL 0x04
#define VGIC_AP_ENABLED 0x08
#define VGIC_AP_HW 0x10
#define VGIC_AP_LEVEL_CONFIG 0x20

/* The vCPU's AP list after fold and prune (return of kvm_vgic_sync_hwstate). */
struct vgic_rec_aplist {
	struct vgic_rec_hdr h;
	unsigned short n;
	unsigned short truncated; /* the list was longer than VGIC_REC_MAX_AP */
	unsigned int pad;
	struct vgic_rec_ap_entry e[VGIC_REC_MAX_AP];
};

#endif
