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
};

/*
 * Compute the offsets from a BTF file (NULL: the running kernel's
 * /sys/kernel/btf/vmlinux) for the given GIC version (2 or 3).
 */
int vgic_offsets_from_btf(const char *btf_path, int gic_version, struct vgic_offsets *out,
			  struct vr_error *err);

/*
 * Write the kprobe_events lines (group "vgic": flush, sync, populate,
 * post, and deactivate and sgi where the kernel has those functions) for
 * nr_lrs list registers into buf. Returns the length, or -1 if
 * buf is too small.
 */
int vgic_probe_definitions(const struct vgic_offsets *o, int nr_lrs, char *buf, size_t size);

#endif
