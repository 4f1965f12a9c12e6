/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vcpu's register at the return probes on kernels before 6.4
 * (collector/capture/vcpu_register.c). The code is Debian 12's
 * 6.1.0-57-arm64 kvm_arch_vcpu_ioctl_run as it is in its Image (at Image
 * offset 0x5a710, 0x800 bytes; found by its three calls, which ftrace
 * showed returning to +0xc8, +0x138 and +0x1f8): the nine words up to
 * each call to kvm_vgic_flush_hwstate (+0xc4) and kvm_vgic_sync_hwstate
 * (+0x134, the path that gives up before entry, and +0x1f4), NOPs
 * elsewhere, at the addresses /proc/kallsyms gave in one lab boot. That
 * boot's `probes` chose %x19, and its flush snapshots named vCPUs 0 and 1
 * on their own threads. The test also reads the same code through a
 * kallsyms file and an ELF core file built like /proc/kcore.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../collector/capture/vcpu_register.h"
#include "vr_test.h"

#define RUN 0xffffd4b1fc05a710ull
#define FLUSH 0xffffd4b1fc072080ull
#define SYNC 0xffffd4b1fc071b00ull
#define NWORDS (0x800 / 4)
#define NOP 0xd503201fu

static const struct {
	unsigned at;
	uint32_t w[9];
} calls_61[] = {
	{0xc4, {0xf9441e60, 0x94005533, 0xaa1303e0, 0x9400a0c4, 0xd503201f, 0xd2800c00, 0xd50343df,
		0xaa1303e0, 0x94005e2b}},
	{0x134, {0xb900327f, 0xd5033fdf, 0xaa1303e0, 0x9400a0b1, 0xf9400260, 0x3967e000, 0x34002820,
		 0xaa1303e0, 0x94005caf}},
	{0x1f4, {0x2a0003f5, 0xaa1303e0, 0x91000421, 0xf912b261, 0x9400320c, 0xaa1303e0, 0x9400a07e,
		 0xaa1303e0, 0x94005c7f}},
};

/* The 6.1 function: NOPs with the three real call windows in place. */
static void build_61(uint32_t *text)
{
	size_t i, k;

	for (i = 0; i < NWORDS; i++)
		text[i] = NOP;
	for (k = 0; k < sizeof(calls_61) / sizeof(calls_61[0]); k++)
		memcpy(&text[calls_61[k].at / 4 - 8], calls_61[k].w, sizeof(calls_61[k].w));
}

/* Releases: $argN in return probes from 6.4 on; what is not understood is assumed new. */
static void check_releases(void)
{
	CHECK_EQ(vr_kretprobe_has_args("6.1.0-57-arm64"), 0);
	CHECK_EQ(vr_kretprobe_has_args("6.3.13"), 0);
	CHECK_EQ(vr_kretprobe_has_args("5.15.0"), 0);
	CHECK_EQ(vr_kretprobe_has_args("6.4.0"), 1);
	CHECK_EQ(vr_kretprobe_has_args("6.12.118+deb12-arm64"), 1);
	CHECK_EQ(vr_kretprobe_has_args("7.2.13+deb14-arm64"), 1);
	CHECK_EQ(vr_kretprobe_has_args("unknown"), 1);
}

/* Debian's 6.1 keeps the vcpu in x19 at all three calls. */
static void check_debian_61(void)
{
	static uint32_t text[NWORDS];
	const uint64_t targets[2] = {FLUSH, SYNC};
	struct vr_error err = {{0}};

	build_61(text);
	CHECK_EQ(vr_arm64_call_arg_register(text, NWORDS, RUN, targets, 2, &err), 19);
	/* a call of which x0 comes from a caller-saved register is refused */
	text[0x1f0 / 4] = 0xaa0103e0; /* mov x0, x1 */
	CHECK_EQ(vr_arm64_call_arg_register(text, NWORDS, RUN, targets, 2, &err), -1);
	CHECK_STR_CONTAINS(err.msg, "does not take its argument from a callee-saved register");
	/* two calls that disagree */
	text[0x1f0 / 4] = 0xaa1403e0; /* mov x0, x20 */
	CHECK_EQ(vr_arm64_call_arg_register(text, NWORDS, RUN, targets, 2, &err), -1);
	CHECK_STR_CONTAINS(err.msg, "from x19 and x20");
	/* x0 loaded otherwise (movz x0, #0x60 right before the call) */
	build_61(text);
	text[0xc0 / 4] = 0xd2800c00;
	CHECK_EQ(vr_arm64_call_arg_register(text, NWORDS, RUN, targets, 2, &err), -1);
	/* a branch between the mov and the call: x0 may come from elsewhere */
	build_61(text);
	text[0x1f0 / 4] = 0x14000002; /* b .+8 */
	CHECK_EQ(vr_arm64_call_arg_register(text, NWORDS, RUN, targets, 2, &err), -1);
	/* no call at all */
	build_61(text);
	CHECK_EQ(vr_arm64_call_arg_register(text, NWORDS, RUN + 4, targets, 2, &err), -1);
	CHECK_STR_CONTAINS(err.msg, "no call");
}

/* An ELF core with one PT_LOAD segment holding the function at RUN - 0x710. */
static int write_core(const char *path, const uint32_t *text)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	static uint8_t seg[0x1000];
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_CORE;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_LOAD;
	ph.p_offset = 0x1000;
	ph.p_vaddr = RUN - 0x710;
	ph.p_filesz = ph.p_memsz = sizeof(seg);
	memset(seg, 0, sizeof(seg));
	memcpy(seg + 0x710, text, NWORDS * 4);
	ok = fwrite(&eh, sizeof(eh), 1, f) == 1 && fwrite(&ph, sizeof(ph), 1, f) == 1 &&
	     !fseek(f, 0x1000, SEEK_SET) && fwrite(seg, sizeof(seg), 1, f) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

/* The whole path: kallsyms + kcore -> "%x19" on 6.1, "$arg1" on 6.12 without reading them. */
static void check_fetcharg(void)
{
	static uint32_t text[NWORDS];
	struct vr_error err = {{0}};
	char out[8];
	FILE *f;

	build_61(text);
	CHECK(write_core("/tmp/vr-test-kcore", text) == 0);
	f = fopen("/tmp/vr-test-kallsyms", "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "ffffd4b1fc05a700 t kvm_vcpu_first_run_init\n"
		   "ffffd4b1fc05a710 T kvm_arch_vcpu_ioctl_run\n"
		   "ffffd4b1fc05af10 T kvm_arch_vcpu_ioctl_get_events\n"
		   "ffffd4b1fc071b00 T kvm_vgic_sync_hwstate\n"
		   "ffffd4b1fc072080 T kvm_vgic_flush_hwstate\n");
	fclose(f);
	CHECK_EQ(vr_return_vcpu_fetcharg("6.1.0-57-arm64", "/tmp/vr-test-kallsyms",
					 "/tmp/vr-test-kcore", out, sizeof(out), &err), 0);
	CHECK(!strcmp(out, "%x19"));
	CHECK_EQ(vr_return_vcpu_fetcharg("6.12.118+deb12-arm64", "/nonexistent", "/nonexistent",
					 out, sizeof(out), &err), 0);
	CHECK(!strcmp(out, "$arg1"));
	/* hidden addresses (not root): said so */
	f = fopen("/tmp/vr-test-kallsyms", "w");
	if (f) {
		fprintf(f, "0000000000000000 T kvm_arch_vcpu_ioctl_run\n");
		fclose(f);
	}
	CHECK_EQ(vr_return_vcpu_fetcharg("6.1.0-57-arm64", "/tmp/vr-test-kallsyms",
					 "/tmp/vr-test-kcore", out, sizeof(out), &err), -1);
	CHECK_STR_CONTAINS(err.msg, "run as root");
	remove("/tmp/vr-test-kallsyms");
	remove("/tmp/vr-test-kcore");
}

/* Run every check. */
int main(void)
{
	check_releases();
	check_debian_61();
	check_fetcharg();
	return vr_test_report("test_vcpu_register");
}
