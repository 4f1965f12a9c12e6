/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `probes --gic 5`: the GICv5 offsets computed from BTF. No GICv5 host
 * exists and a kernel's BTF is megabytes, so the test builds, with
 * libbpf, a BTF holding only the structs the probes read, laid out as in
 * Debian's 7.2.13+deb14-arm64 kernel (measured with pahole on the BTF of
 * its Image: vgic_v5_cpu_if at kvm_vcpu+6328, PRIORITYR at +6368,
 * kvm_host_data.vgic_v5_ppi_state at +5408), and checks the offsets and
 * the probe lines; and that a BTF without struct vgic_v5_cpu_if (a
 * kernel before 7.1) is refused with a message saying so.
 */
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "../../collector/capture/vgic_probes.h"
#include "vr_test.h"

/* Write the BTF to path; 0 or -1. */
static int write_btf(const struct btf *btf, const char *path)
{
	__u32 size;
	const void *raw = btf__raw_data(btf, &size);
	FILE *f = fopen(path, "wb");
	int ok = f && raw && fwrite(raw, 1, size, f) == size;

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/*
 * struct kvm_vcpu { u32 vcpu_id @36; struct kvm_vcpu_arch arch @256 },
 * arch.vgic_cpu @6072 holding an anonymous union with vgic_v5 (the 7.2
 * layout), and struct kvm_host_data with vgic_v5_ppi_state @5408. With
 * v5 false, the union holds only a vgic_v3_cpu_if stand-in.
 */
static struct btf *layout_72(int v5)
{
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int ul = btf__add_int(btf, "long unsigned int", 8, 0);
	int u64 = btf__add_typedef(btf, "u64", btf__add_int(btf, "long long unsigned int", 8, 0));
	int bitmap = btf__add_array(btf, u32, ul, 1);
	int prio = btf__add_array(btf, u32, u64, 8);
	int cif, uni, cpu, arch, ppi;

	if (v5) {
		cif = btf__add_struct(btf, "vgic_v5_cpu_if", 104);
		btf__add_field(btf, "vgic_apr", u64, 0, 0);
		btf__add_field(btf, "vgic_vmcr", u64, 64, 0);
		btf__add_field(btf, "vgic_ppi_dvir", bitmap, 128, 0);
		btf__add_field(btf, "vgic_ppi_activer", bitmap, 192, 0);
		btf__add_field(btf, "vgic_ppi_enabler", bitmap, 256, 0);
		btf__add_field(btf, "vgic_ppi_priorityr", prio, 320, 0);
	} else {
		cif = btf__add_struct(btf, "vgic_v3_cpu_if", 8);
		btf__add_field(btf, "vgic_hcr", u32, 0, 0);
	}
	uni = btf__add_union(btf, NULL, 104);
	btf__add_field(btf, v5 ? "vgic_v5" : "vgic_v3", cif, 0, 0);
	cpu = btf__add_struct(btf, "vgic_cpu", 416);
	btf__add_field(btf, NULL, uni, 0, 0);
	arch = btf__add_struct(btf, "kvm_vcpu_arch", 6500);
	btf__add_field(btf, "vgic_cpu", cpu, 6072 * 8, 0);
	btf__add_struct(btf, "kvm_vcpu", 7000);
	btf__add_field(btf, "vcpu_id", u32, 36 * 8, 0);
	btf__add_field(btf, "arch", arch, 256 * 8, 0);
	ppi = btf__add_struct(btf, NULL, 16);
	btf__add_field(btf, "pendr", bitmap, 0, 0);
	btf__add_field(btf, "activer_exit", bitmap, 64, 0);
	btf__add_struct(btf, "kvm_host_data", 5424);
	btf__add_field(btf, "vgic_v5_ppi_state", ppi, 5408 * 8, 0);
	return btf;
}

/* The 7.2 layout gives the offsets Debian's BTF gives, and probe lines that read them. */
static void check_v5_offsets(void)
{
	struct btf *btf = layout_72(1);
	struct vgic_offsets o;
	struct vr_error err = {{0}};
	char buf[8192];

	CHECK(write_btf(btf, "/tmp/vr-test-v5.btf") == 0);
	btf__free(btf);
	CHECK(vgic_offsets_from_btf("/tmp/vr-test-v5.btf", 5, &o, &err) == 0);
	CHECK_EQ(o.vcpu_id, 36);
	CHECK_EQ(o.v5_apr, 6328);
	CHECK_EQ(o.v5_vmcr, 6336);
	CHECK_EQ(o.v5_dvir, 6344);
	CHECK_EQ(o.v5_activer, 6352);
	CHECK_EQ(o.v5_enabler, 6360);
	CHECK_EQ(o.v5_priorityr, 6368);
	CHECK_EQ(o.v5_ppi_words, 1);
	CHECK_EQ(o.v5_nr_priorityr, 8);
	CHECK_EQ(o.host_v5_pendr, 5408);
	CHECK_EQ(o.host_v5_activer_exit, 5416);
	CHECK(vgic_probe_definitions(&o, 4, buf, sizeof(buf)) > 0);
	CHECK_STR_CONTAINS(buf, "r:vgic/flush kvm_vgic_flush_hwstate vcpu=+36($arg1):u32 "
				"dvir0=+6344($arg1):x64 activer0=+6352($arg1):x64 "
				"enabler0=+6360($arg1):x64 priorityr0=+6368($arg1):x64");
	CHECK_STR_CONTAINS(buf, "p:vgic/sync vgic_v5_fold_ppi_state");
	CHECK_STR_CONTAINS(buf, "priorityr7=+6424($arg1):x64 vmcr=+6336($arg1):x64 "
				"apr=+6328($arg1):x64\n");
	CHECK_STR_CONTAINS(buf, "# GICv5 (struct vgic_v5_cpu_if, 64 PPIs): PENDR is per-CPU, "
				"kvm_host_data+5408");
	CHECK(!strstr(buf, "lr0="));
	remove("/tmp/vr-test-v5.btf");
}

/* A kernel before GICv5 guests has no struct vgic_v5_cpu_if: refused, and said why. */
static void check_v5_refused(void)
{
	struct btf *btf = layout_72(0);
	struct vgic_offsets o;
	struct vr_error err = {{0}};

	CHECK(write_btf(btf, "/tmp/vr-test-v3.btf") == 0);
	btf__free(btf);
	CHECK(vgic_offsets_from_btf("/tmp/vr-test-v3.btf", 5, &o, &err) == -1);
	CHECK_STR_CONTAINS(err.msg, "no struct vgic_v5_cpu_if");
	remove("/tmp/vr-test-v3.btf");
}

/*
 * Before 6.4 (ret_vcpu "%x19", vcpu_register.h) the two return probes read
 * the vcpu through that register and the fold's entry probe keeps $arg1.
 * The offsets are Debian 12's 6.1.0-57-arm64 BTF's, as `probes` printed
 * them in the lab.
 */
static void check_return_register(void)
{
	struct vgic_offsets o;
	char buf[8192];

	memset(&o, 0, sizeof(o));
	o.gic_version = 3;
	o.vcpu_id = 36;
	o.used_lrs = 4040;
	o.hcr = 3744;
	o.vmcr = 3748;
	o.ap0r = 3756;
	o.ap1r = 3772;
	o.lr = 3792;
	o.lr_size = 8;
	o.max_lrs = 16;
	o.irq_intid = 56;
	snprintf(o.ret_vcpu, sizeof(o.ret_vcpu), "%%x19");
	CHECK(vgic_probe_definitions(&o, 4, buf, sizeof(buf)) > 0);
	CHECK_STR_CONTAINS(buf, "r:vgic/flush kvm_vgic_flush_hwstate vcpu=+36(%x19):u32 "
				"used=+4040(%x19):u32 hcr=+3744(%x19):x32 vmcr=+3748(%x19):x32 "
				"ap0r0=+3756(%x19):x32 ap1r0=+3772(%x19):x32 lr0=+3792(%x19):x64 "
				"lr1=+3800(%x19):x64 lr2=+3808(%x19):x64 lr3=+3816(%x19):x64\n");
	CHECK_STR_CONTAINS(buf, "p:vgic/sync vgic_v3_fold_lr_state vcpu=+36($arg1):u32 ");
	CHECK_STR_CONTAINS(buf, "r:vgic/post kvm_vgic_sync_hwstate vcpu=+36(%x19):u32 ");
	/* no register given: $arg1 (6.4+) */
	o.ret_vcpu[0] = '\0';
	CHECK(vgic_probe_definitions(&o, 4, buf, sizeof(buf)) > 0);
	CHECK_STR_CONTAINS(buf, "r:vgic/flush kvm_vgic_flush_hwstate vcpu=+36($arg1):u32 ");
	CHECK(!strstr(buf, "%x19"));
}

/*
 * The lpi_target return probe on update_affinity: through $arg1 only
 * (6.4+), with GICv3, where struct vgic_irq's target_vcpu is known and a
 * symbol was found (7.2's clone update_affinity.isra.0); left out before
 * 6.4 and without a symbol. Offsets as Debian's 7.2 (vcpu_id 36, intid
 * 64, target_vcpu 48: update_affinity.isra.0 stores the new target at
 * irq+48 in kernel-7.2-src/obj).
 */
static void check_lpi_target(void)
{
	struct vgic_offsets o;
	char buf[8192];

	memset(&o, 0, sizeof(o));
	o.gic_version = 3;
	o.vcpu_id = 36;
	o.lr_size = 8;
	o.max_lrs = 16;
	o.irq_intid = 64;
	o.irq_target = 48;
	o.has_queue_lpi = 1;
	snprintf(o.lpi_target_sym, sizeof(o.lpi_target_sym), "update_affinity.isra.0");
	CHECK(vgic_probe_definitions(&o, 4, buf, sizeof(buf)) > 0);
	CHECK_STR_CONTAINS(buf, "r:vgic/lpi_target update_affinity.isra.0 vcpu=+36(+48($arg1)):u32 "
				"intid=+64($arg1):u32 target=+48($arg1):x64\n");
	snprintf(o.ret_vcpu, sizeof(o.ret_vcpu), "%%x19"); /* before 6.4 */
	CHECK(vgic_probe_definitions(&o, 4, buf, sizeof(buf)) > 0);
	CHECK(!strstr(buf, "lpi_target"));
	o.ret_vcpu[0] = '\0';
	o.lpi_target_sym[0] = '\0'; /* no such symbol in kallsyms */
	CHECK(vgic_probe_definitions(&o, 4, buf, sizeof(buf)) > 0);
	CHECK(!strstr(buf, "lpi_target"));
	o.gic_version = 2;
	snprintf(o.lpi_target_sym, sizeof(o.lpi_target_sym), "update_affinity");
	CHECK(vgic_probe_definitions(&o, 4, buf, sizeof(buf)) > 0);
	CHECK(!strstr(buf, "lpi_target"));
}

/* Run every check. */
int main(void)
{
	check_v5_offsets();
	check_v5_refused();
	check_return_register();
	check_lpi_target();
	return vr_test_report("test_probes");
}
