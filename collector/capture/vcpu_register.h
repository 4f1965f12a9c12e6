/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the vCPU pointer is at the return of kvm_vgic_flush_hwstate and
 * kvm_vgic_sync_hwstate, for kernels whose return probes cannot read
 * function arguments.
 *
 * A kretprobe event accepts $argN only from Linux 6.4 on; before that
 * (Debian 12's 6.1) the flush and post snapshot probes need the vcpu from
 * elsewhere. Both functions are called from kvm_arch_vcpu_ioctl_run(),
 * which keeps the vcpu in a callee-saved register (x19-x28) for the whole
 * run loop and copies it into x0 just before each call; a callee restores
 * callee-saved registers before it returns, so at the return probe that
 * register still holds the vcpu. The register is read from the running
 * kernel's own code (/proc/kallsyms and /proc/kcore), never assumed.
 */
#ifndef VR_VCPU_REGISTER_H
#define VR_VCPU_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "../../common/vr_common.h"

/*
 * Does a kretprobe event on this kernel release ("6.1.0-57-arm64") accept
 * $argN? 1 from 6.4 on (and for a release it cannot parse), else 0.
 */
int vr_kretprobe_has_args(const char *release);

/*
 * The callee-saved register that holds x0 at every call (BL) to one of
 * targets[0..ntargets) in the code words text[0..nwords), loaded at
 * address base: for each call, the nearest earlier instruction whose
 * destination is x0 must be `mov x0, xN` with N in 19..28, and N must be
 * the same at every call. Returns N, or -1 with the reason in err (no
 * call found, x0 set otherwise, or calls that disagree).
 */
int vr_arm64_call_arg_register(const uint32_t *text, size_t nwords, uint64_t base,
			       const uint64_t *targets, int ntargets, struct vr_error *err);

/*
 * The fetch-arg that names the vcpu at the return of kvm_vgic_flush_hwstate
 * and kvm_vgic_sync_hwstate on the running kernel: "$arg1" where
 * kretprobes take arguments, else "%xN" found in kvm_arch_vcpu_ioctl_run's
 * code (kallsyms and kcore: NULL for /proc/kallsyms and /proc/kcore).
 * Writes it into out (at least 8 bytes); 0, or -1 with err set.
 */
int vr_return_vcpu_fetcharg(const char *release, const char *kallsyms, const char *kcore,
			    char *out, size_t size, struct vr_error *err);

#endif
