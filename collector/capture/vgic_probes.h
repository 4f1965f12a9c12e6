/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vGIC snapshot probes as tracefs kprobe events.
 *
 * No tracepoint shows the list registers, so we read them with kprobe
 * fetch-args at fixed byte offsets inside struct kvm_vcpu
 * (vcpu->arch.vgic_cpu.vgic_v3.vgic_lr[] and friends). The offsets differ
 * per kernel build (vgic_lr sits at 4528 on Debian's 6.12 and 6376 on its
 * 7.2), so they are computed from the running kernel's BTF with libbpf,
 * never hard-coded. The event and field names produced here are the
 * contract with the importer (collector/import/ftrace_parse.c).
 */
#ifndef VR_VGIC_PROBES_H
#define VR_VGIC_PROBES_H

#include <stddef.h>

#include "../../common/vr_common.h"

/* Byte offsets inside struct kvm_vcpu (and struct vgic_irq) that the probes read. */
struct vgic_offsets {
	int gic_version; /* 3: vgic_v3 cpu interface fields, 2: vgic_v2 */
	long vcpu_id;	 /* kvm_vcpu.vcpu_id */
	long used_lrs;
	long hcr, vmcr;
	long apr;	 /* v2: vgic_apr */
	long ap0r, ap1r; /* v3: vgic_ap0r[0], vgic_ap1r[0] */
	long lr;	 /* vgic_lr[0] */
	int lr_size;	 /* 8 (v3) or 4 (v2) */
	int max_lrs;	 /* elements of vgic_lr[] */
	long irq_intid;	 /* vgic_irq.intid */
	int has_deactivate; /* vgic_v[23]_deactivate exists (DIR traps, 6.19+) */
	int has_sgi;	    /* vgic_v3_dispatch_sgi / vgic_mmio_write_sgir exists */
	int has_queue_lpi;  /* struct vgic_irq has what the queue_lpi probe reads */
	long irq_target;    /* vgic_irq.target_vcpu */
	long irq_priority;  /* vgic_irq.priority */
	struct vgic_irq_flag {
		long byte;	 /* the byte that holds it */
		int bit;	 /* its bit there, for a bitfield (6.19+) */
		int is_bitfield; /* else a plain bool, read as u8 */
	} irq_pending_latch, irq_enabled;
	/*
	 * GICv5 (gic_version 5, kernel 7.1+): vcpu->arch.vgic_cpu.vgic_v5
	 * (struct vgic_v5_cpu_if) and the per-CPU struct kvm_host_data.
	 */
	long v5_apr, v5_vmcr, v5_dvir, v5_activer, v5_enabler, v5_priorityr;
	int v5_ppi_words;		/* longs per PPI bitmap: 1 = 64 PPIs (v7.2), 2 = 128 */
	int v5_nr_priorityr;		/* u64 ICH_PPI_PRIORITYR copies kept (8 = 64 PPIs) */
	long host_v5_pendr;		/* kvm_host_data.vgic_v5_ppi_state.pendr, -1 none */
	long host_v5_activer_exit;	/* ... .activer_exit */
	/*
	 * The vcpu at the return probes (flush, post): "$arg1", or before 6.4,
	 * where kretprobes take no arguments, the callee-saved register that
	 * holds it ("%x19"; vr_return_vcpu_fetcharg in vcpu_register.h).
	 */
	char ret_vcpu[8];
	/*
	 * update_affinity()'s symbol for the lpi_target probe: from
	 * /proc/kallsyms for the running kernel (7.2: "update_affinity.isra.0",
	 * empty when it has none), "update_affinity" for a BTF file.
	 */
	char lpi_target_sym[64];
};

/*
 * The probe on vgic_queue_irq_unlock, whose definition the kernel may
 * refuse (its presence is not judged from BTF, which lacks the function on
 * 7.2 although the kernel has it): a recorder goes on without it.
 */
#define VGIC_PROBE_QUEUE_LPI "queue_lpi"

/*
 * The return probe on update_affinity (an ITS command changed an LPI's
 * target_vcpu), optional in the same way: a static function the compiler
 * may inline or clone. Defined where return probes read $arg1 (6.4+).
 */
#define VGIC_PROBE_LPI_TARGET "lpi_target"

/*
 * The kprobe-able symbol of update_affinity() in /proc/kallsyms: the
 * function or a clone of it (update_affinity.isra.0). 0 and the name in
 * sym, or -1 when the kernel has none.
 */
int vgic_lpi_target_symbol(char *sym, size_t size);

/*
 * Compute the offsets from a BTF file (NULL: the running kernel's
 * /sys/kernel/btf/vmlinux) for the given GIC version (2, 3, or 5 for a
 * native GICv5 VM's PPI registers).
 */
int vgic_offsets_from_btf(const char *btf_path, int gic_version, struct vgic_offsets *out,
			  struct vr_error *err);

/*
 * vgic_offsets_from_btf for the running kernel, with ret_vcpu set for it:
 * "$arg1", or on a kernel before 6.4 the register its code keeps the vcpu
 * in (vr_return_vcpu_fetcharg, vcpu_register.h).
 */
int vgic_offsets_for_running_kernel(int gic_version, struct vgic_offsets *out,
				    struct vr_error *err);

/*
 * Write the kprobe_events lines (group "vgic": flush, sync, populate,
 * post, deactivate and sgi where the kernel has those functions, and
 * queue_lpi, which needs its filter: vgic_probe_filters; lpi_target where
 * lpi_target_sym names a function and return probes read $arg1) for
 * nr_lrs list registers into buf. Returns the length, or -1 if
 * buf is too small.
 */
int vgic_probe_definitions(const struct vgic_offsets *o, int nr_lrs, char *buf, size_t size);

/*
 * Write the event filters the probes need, one "EVENT FILTER" line each,
 * for events/vgic/EVENT/filter: queue_lpi "intid >= 8192", since
 * vgic_queue_irq_unlock runs for every injection and only LPIs are its
 * events. Returns the length, or -1 if buf is too small.
 */
int vgic_probe_filters(const struct vgic_offsets *o, char *buf, size_t size);

#endif
