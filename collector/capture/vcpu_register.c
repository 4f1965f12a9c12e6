/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Find the callee-saved register that holds the vcpu at the return of
 * kvm_vgic_flush_hwstate / kvm_vgic_sync_hwstate (see vcpu_register.h):
 * read kvm_arch_vcpu_ioctl_run()'s code from /proc/kcore at the address
 * /proc/kallsyms gives, find its calls to the two functions, and the
 * `mov x0, xN` that sets their argument.
 */
#define _POSIX_C_SOURCE 200809L
#include "vcpu_register.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_FN "kvm_arch_vcpu_ioctl_run"
#define MAX_RUN_BYTES (64 * 1024)
#define MAX_LOOKBACK 32

/* See vcpu_register.h: $argN in kretprobe events came with Linux 6.4. */
int vr_kretprobe_has_args(const char *release)
{
	int major, minor;

	if (!release || sscanf(release, "%d.%d", &major, &minor) != 2)
		return 1;
	return major > 6 || (major == 6 && minor >= 4);
}

/* BL imm26: the call's target, or 0 if insn is not a BL. */
static uint64_t bl_target(uint32_t insn, uint64_t pc)
{
	int64_t off;

	if ((insn & 0xfc000000u) != 0x94000000u)
		return 0;
	off = (int64_t)(insn & 0x03ffffffu);
	if (off & 0x02000000)
		off -= 0x04000000;
	return pc + (uint64_t)(off * 4);
}

/* MOV Xd, Xm (ORR Xd, XZR, Xm): Xm when Xd is x0, else -1. */
static int mov_x0_from(uint32_t insn)
{
	if ((insn & 0xffe0ffffu) != 0xaa0003e0u)
		return -1;
	return (int)((insn >> 16) & 0x1f);
}

/* B, BL, BR, BLR, RET: control flow, past which x0 may come from elsewhere. */
static int is_branch(uint32_t insn)
{
	return (insn & 0x7c000000u) == 0x14000000u || (insn & 0xfe1f0000u) == 0xd61f0000u;
}

/*
 * The register copied into x0 for the call at text[i]: scan back to the
 * nearest instruction whose low five bits (Rd/Rt of most encodings) are
 * x0; only `mov x0, x19..x28` is accepted, anything else (or a branch
 * first) is -1. Conservative: a store of x0 also stops the scan.
 */
static int arg_register_at(const uint32_t *text, size_t i)
{
	size_t j;

	for (j = 1; j <= MAX_LOOKBACK && j <= i; j++) {
		uint32_t insn = text[i - j];
		int rm = mov_x0_from(insn);

		if (rm >= 0)
			return rm >= 19 && rm <= 28 ? rm : -1;
		if (is_branch(insn) || (insn & 0x1f) == 0)
			return -1;
	}
	return -1;
}

/* See vcpu_register.h. */
int vr_arm64_call_arg_register(const uint32_t *text, size_t nwords, uint64_t base,
			       const uint64_t *targets, int ntargets, struct vr_error *err)
{
	int reg = -1, calls = 0;
	size_t i;

	for (i = 0; i < nwords; i++) {
		uint64_t t = bl_target(text[i], base + 4 * i);
		int k, r;

		for (k = 0; k < ntargets && t != targets[k]; k++)
			;
		if (!t || k == ntargets)
			continue;
		calls++;
		r = arg_register_at(text, i);
		if (r < 0)
			return vr_error_set(err, "the call at %#" PRIx64 " does not take its "
						 "argument from a callee-saved register",
					    base + 4 * i);
		if (reg >= 0 && r != reg)
			return vr_error_set(err, "the calls take the vcpu from x%d and x%d", reg, r);
		reg = r;
	}
	if (!calls)
		return vr_error_set(err, "no call to the snapshot functions found");
	return reg;
}

/* Addresses of the run function, its end (next symbol) and the two targets. */
struct run_symbols {
	uint64_t run, end, targets[2];
};

/* Read kallsyms; 0, or -1 with err set (a missing symbol, hidden addresses). */
static int read_symbols(const char *path, struct run_symbols *s, struct vr_error *err)
{
	static const char *const names[] = {"kvm_vgic_flush_hwstate", "kvm_vgic_sync_hwstate"};
	FILE *f = fopen(path, "r");
	char line[512], type, name[256];
	uint64_t addr;
	int k;

	if (!f)
		return vr_error_set(err, "%s: %s", path, strerror(errno));
	memset(s, 0, sizeof(*s));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) == 3) {
			if (!strcmp(name, RUN_FN))
				s->run = addr;
			for (k = 0; k < 2; k++)
				if (!strcmp(name, names[k]))
					s->targets[k] = addr;
		}
	if (s->run) { /* the function ends where the next symbol starts */
		rewind(f);
		s->end = s->run + MAX_RUN_BYTES;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%" SCNx64, &addr) == 1 && addr > s->run && addr < s->end)
				s->end = addr;
	}
	fclose(f);
	if (!s->run || !s->targets[0] || !s->targets[1])
		return vr_error_set(err, "%s: no address for %s, kvm_vgic_flush_hwstate or "
					 "kvm_vgic_sync_hwstate (KVM missing, or addresses hidden: "
					 "run as root)", path, RUN_FN);
	return 0;
}

/* Read len bytes of kernel memory at vaddr through kcore's PT_LOAD segments. */
static int read_kcore(const char *path, uint64_t vaddr, void *buf, size_t len,
		      struct vr_error *err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY), i, rc = -1;

	if (fd < 0)
		return vr_error_set(err, "%s: %s", path, strerror(errno));
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64) {
		vr_error_set(err, "%s: not a 64-bit ELF core", path);
		goto out;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || vaddr < ph.p_vaddr || vaddr + len > ph.p_vaddr + ph.p_filesz)
			continue;
		if (pread(fd, buf, len, (off_t)(ph.p_offset + (vaddr - ph.p_vaddr))) == (ssize_t)len)
			rc = 0;
		else
			vr_error_set(err, "%s: cannot read %zu bytes at %#" PRIx64 ": %s", path, len,
				     vaddr, strerror(errno));
		goto out;
	}
	vr_error_set(err, "%s: no segment holds %#" PRIx64, path, vaddr);
out:
	close(fd);
	return rc;
}

/* See vcpu_register.h. */
int vr_return_vcpu_fetcharg(const char *release, const char *kallsyms, const char *kcore,
			    char *out, size_t size, struct vr_error *err)
{
	struct run_symbols s;
	uint32_t *text;
	size_t len;
	int reg;

	if (vr_kretprobe_has_args(release)) {
		snprintf(out, size, "$arg1");
		return 0;
	}
	if (read_symbols(kallsyms ? kallsyms : "/proc/kallsyms", &s, err))
		return -1;
	len = (size_t)(s.end - s.run) & ~(size_t)3;
	text = vr_xmalloc(len);
	if (read_kcore(kcore ? kcore : "/proc/kcore", s.run, text, len, err)) {
		free(text);
		return -1;
	}
	reg = vr_arm64_call_arg_register(text, len / 4, s.run, s.targets, 2, err);
	free(text);
	if (reg < 0) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return vr_error_set(err, "kernel %s: return probes cannot read arguments before "
					 "6.4, and the vcpu's register was not found in %s: %s",
				    release, RUN_FN, why);
	}
	snprintf(out, size, "%%x%d", reg);
	return 0;
}
