/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing one line of ftrace text output (/sys/kernel/tracing/trace or
 * trace_pipe) into a vgic-replay event. Pure functions, no I/O: the
 * importer, the fuzzer and the unit tests all call them directly.
 *
 * The printed forms come from the kernels' TP_printk() strings
 * (arch/arm64/kvm/trace_arm.h, trace_handle_exit.h, vgic/trace.h,
 * include/trace/events/kvm.h) and from the kprobe events our lab and
 * users define on kvm_vgic_flush_hwstate, vgic_v[23]_fold_lr_state,
 * kvm_vgic_sync_hwstate, vgic_v[23]_populate_lr, vgic_v[23]_deactivate,
 * the SGI functions and vgic_queue_irq_unlock. A line that looks like
 * an event but does not match the known form of its event is reported as
 * unparsed with a reason, never guessed at.
 */
#ifndef VR_FTRACE_PARSE_H
#define VR_FTRACE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "../../schemas/trace_event.h"

#define VR_MIN_LPI 8192 /* the first LPI INTID */

enum ftrace_line_type {
	FTRACE_LINE_IGNORED,	/* blank line or '#' header/comment */
	FTRACE_LINE_EVENT,	/* out.ev is an event */
	FTRACE_LINE_SNAPSHOT,	/* out.ev and out.snap hold a snapshot */
	FTRACE_LINE_LOST,	/* "CPU:n [LOST m EVENTS]": out.lost_cpu, out.lost */
	FTRACE_LINE_UNKNOWN,	/* a well-formed event we do not import: out.name */
	FTRACE_LINE_UNPARSED,	/* not understood: out.reason */
};

struct ftrace_line {
	enum ftrace_line_type type;
	struct vr_event ev;
	struct vr_snapshot snap;
	int32_t lost_cpu;
	int64_t lost;		/* -1 when the marker gives no count */
	int ts_is_counter;	/* the timestamp had no fraction (a counter clock) */
	char name[64];		/* the event name as printed */
	const char *reason;	/* for FTRACE_LINE_UNPARSED */
};

/*
 * Parse one line (without its newline; len bytes, need not be
 * NUL-terminated). Returns the line type; fills *out accordingly.
 */
enum ftrace_line_type ftrace_parse_line(const char *line, size_t len, struct ftrace_line *out);

/*
 * Shared with the trace.dat importer, which reads the same probes as typed
 * records: classify a probed function (the symbol of an entry probe, or
 * the function a return probe returned from), store one named field, and
 * check that the record is complete. The field names are the contract of
 * our probe definitions: vcpu, used, hcr, vmcr, apr, ap0r<n>, ap1r<n>,
 * lr<n> for snapshots; vcpu, intid, lr for populate; vcpu, val for the
 * trapped deactivation and the SGI probes; vcpu, intid, pending_latch,
 * enabled, priority and target (the target_vcpu pointer, 0 for none) for
 * queue_lpi, whose calls below VR_MIN_LPI are FTRACE_LINE_IGNORED; vcpu,
 * intid and target for lpi_target (return of update_affinity, or of a
 * clone GCC made of it: update_affinity.isra.0).
 */
int vr_probe_classify(const char *fn, size_t n, int is_return, struct ftrace_line *out);
int vr_probe_field(const char *key, size_t nkey, uint64_t v, int64_t sv, struct ftrace_line *out,
		   int *have_vcpu);
enum ftrace_line_type vr_probe_finish(struct ftrace_line *out, int have_vcpu);

/*
 * Decode the raw value of a trapped deactivation (ICC_DIR_EL1 or GICC_DIR:
 * INTID, and on GICv2 the SGI source CPUID in arg1) and of an SGI the
 * guest sent (ICC_SGI1R_EL1: INTID [27:24], TargetList [15:0] within the
 * Aff1 cluster [23:16], IRM bit 40; GICD_SGIR: INTID [3:0], CPUTargetList
 * [23:16], filter [25:24]) into ev->intid and ev->arg[1], the targets as a
 * vCPU mask (KVM gives vCPU n the MPIDR Aff0 n%16, Aff1 n/16), -1 for
 * "all but self", left unset when the targets are not decodable.
 */
void vr_decode_deactivate(int gic_version, struct vr_event *ev);
void vr_decode_sgi(int gic_version, struct vr_event *ev);

#endif
