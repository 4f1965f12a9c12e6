/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario tests of the vGIC model (engine/), each step what KVM and the
 * guest do: configure, inject, flush, guest acknowledge/EOI/DIR on the
 * LRs, fold, prune, then expectations derived from the kernel sources.
 * The real-trace validation (every flush of the lab corpus predicted) is
 * tests/cli/t0700-predict.sh.
 */
#include <string.h>

#include "../../engine/vgic_engine.h"
#include "vr_test.h"

/* A one-vCPU GICv3 model with 4 LRs, as QEMU's. */
static struct vgic_engine *model(const char *profile)
{
	struct vgic_engine_config cfg = {.profile = vgic_profile_find(profile),
					 .gic_version = 3,
					 .nr_lrs = 4,
					 .nr_vcpus = 1,
					 .nr_spis = 32};

	return vgic_engine_create(&cfg);
}

/* Configure an enabled group-1 SPI. */
static void spi(struct vgic_engine *e, uint32_t intid, uint8_t prio, enum vgic_irq_config cfg)
{
	struct vgic_irq_config_desc c = {true, prio, 1, cfg, 0, false, 0};

	vgic_engine_configure(e, 0, intid, &c);
}

/* Flush, run the guest step, fold and prune, as one guest run. */
static void run_guest(struct vgic_engine *e, struct vgic_cpuif *hw, struct vgic_sync_result *sr)
{
	vgic_engine_fold(e, 0, hw, sr);
	vgic_engine_prune(e, 0);
}

/* LR encodings of vgic_v3_populate_lr: pending edge, level with EOI, group, priority. */
static void check_encoding(void)
{
	struct vgic_engine *e = model("linux-7.0");
	struct vgic_flush_result fr;

	spi(e, 32, 0xa0, VGIC_EDGE);
	spi(e, 33, 0x40, VGIC_LEVEL);
	vgic_engine_inject(e, -1, 32, true);
	vgic_engine_inject(e, -1, 33, true);
	vgic_engine_flush(e, 0, &fr);
	CHECK_EQ(fr.regs.used_lrs, 2);
	/* Real 7.2 lab value for an edge SPI: 0x50a0000000000020 style (P, G1, prio). */
	CHECK(fr.regs.lr[0] == 0x50a0000000000020ull);
	/* A level SPI requests EOI maintenance (bit 41), as the lab saw: 0x50..0200000000021. */
	CHECK(fr.regs.lr[1] == (0x5040000000000021ull | (1ull << 41)));
	vgic_engine_destroy(e);
}

/* Edge coalescing: a second injection while pending adds nothing. */
static void check_coalescing(void)
{
	struct vgic_engine *e = model("linux-7.0");
	struct vgic_flush_result fr;
	struct vgic_sync_result sr;
	struct vgic_irq_state s;

	spi(e, 40, 0x80, VGIC_EDGE);
	vgic_engine_inject(e, -1, 40, true);
	vgic_engine_inject(e, -1, 40, true);
	vgic_engine_flush(e, 0, &fr);
	CHECK_EQ(fr.regs.used_lrs, 1);
	CHECK_EQ(vgic_guest_ack(&fr.regs, 3, 0xff), 40);
	vgic_guest_eoi(&fr.regs, 3, 40, 0);
	run_guest(e, &fr.regs, &sr);
	vgic_engine_irq(e, 0, 40, &s);
	CHECK(!s.pending_latch && !s.active);
	CHECK_EQ(s.vcpu, -1);	      /* pruned: nothing left to do */
	CHECK_EQ(sr.ndeactivated, 0); /* acked and EOIed within the run: never active in SW */
	vgic_engine_destroy(e);
}

/*
 * The AP-list sort when the list overflows: up to 6.18 a pending+active
 * entry sorts first (actives first); from 6.19 pending-only entries go
 * first. Same inputs, different LRs.
 */
static void check_sort_profiles(void)
{
	const char *profiles[] = {"linux-6.12", "linux-6.19"};
	int p;

	for (p = 0; p < 2; p++) {
		struct vgic_engine *e = model(profiles[p]);
		struct vgic_flush_result fr;
		struct vgic_sync_result sr;
		uint32_t i;

		for (i = 32; i < 38; i++)
			spi(e, i, (uint8_t)(0x10 * (i - 31)), VGIC_EDGE);
		vgic_engine_inject(e, -1, 37, true); /* lowest priority, 0x60 */
		vgic_engine_flush(e, 0, &fr);
		CHECK_EQ(vgic_guest_ack(&fr.regs, 3, 0xff), 37);
		run_guest(e, &fr.regs, &sr);	     /* 37 active */
		vgic_engine_inject(e, -1, 37, true); /* now pending+active */
		for (i = 32; i < 36; i++)
			vgic_engine_inject(e, -1, i, true);
		vgic_engine_flush(e, 0, &fr); /* 5 entries, 4 LRs: sorted */
		CHECK(fr.sorted);
		if (p == 0)
			CHECK_EQ(fr.lr_intid[0], 37); /* active first */
		else
			CHECK(fr.lr_intid[0] == 32 && fr.lr_intid[3] == 35); /* pending first */
		vgic_engine_destroy(e);
	}
}

/*
 * The seed bug (commit 6da5e537f5af): an active low-priority interrupt X
 * pushed out of the LRs by pending ones; the guest acknowledges one of
 * them (Y, now active in an LR) and EOIs X first: EOIcount 1 at exit.
 * 6.19's walk starts at the AP-list head and deactivates Y, which the
 * guest did not EOI; 7.0's starts after the last LR entry and deactivates X.
 */
static void check_seed_bug(void)
{
	const char *profiles[] = {"linux-6.19", "linux-7.0"};
	int p;

	for (p = 0; p < 2; p++) {
		struct vgic_engine *e = model(profiles[p]);
		struct vgic_flush_result fr;
		struct vgic_sync_result sr;
		struct vgic_irq_state x, y;
		uint32_t i;

		spi(e, 32, 0xa0, VGIC_EDGE); /* X */
		for (i = 33; i < 38; i++)
			spi(e, i, (uint8_t)(0x60 - 0x10 * (i - 33)), VGIC_EDGE);
		vgic_engine_inject(e, -1, 32, true);
		vgic_engine_flush(e, 0, &fr);
		CHECK_EQ(vgic_guest_ack(&fr.regs, 3, 0xff), 32);
		run_guest(e, &fr.regs, &sr); /* X active; the guest spins masked */
		for (i = 33; i < 38; i++)
			vgic_engine_inject(e, -1, i, true);
		vgic_engine_flush(e, 0, &fr); /* 5 pending + X active > 4 LRs: X is pushed out */
		CHECK_EQ(fr.regs.used_lrs, 4);
		CHECK_EQ(fr.lr_intid[0], 37);
		CHECK_EQ(fr.last_lr_intid, 34);
		CHECK_EQ(vgic_guest_ack(&fr.regs, 3, 0xff), 37); /* Y active in LR0 */
		vgic_guest_eoi(&fr.regs, 3, 32, 0);		 /* X: not in an LR */
		CHECK_EQ((fr.regs.hcr >> 27) & 31, 1);		 /* EOIcount 1 */
		run_guest(e, &fr.regs, &sr);
		CHECK_EQ(sr.eoicount, 1);
		vgic_engine_irq(e, 0, 32, &x);
		vgic_engine_irq(e, 0, 37, &y);
		if (p == 0) {
			CHECK(x.active);  /* stuck active for ever */
			CHECK(!y.active); /* deactivated although the guest holds it */
		} else {
			CHECK(!x.active);
			CHECK(y.active);
		}
		vgic_engine_destroy(e);
	}
}

/* GICv2 LR encoding (vgic_v2_populate_lr): 5-bit priority at [27:23], P at 28, G1 at 30. */
static void check_gicv2(void)
{
	struct vgic_engine_config cfg = {.profile = vgic_profile_find("linux-6.12"),
					 .gic_version = 2,
					 .nr_lrs = 4,
					 .nr_vcpus = 1,
					 .nr_spis = 32};
	struct vgic_engine *e = vgic_engine_create(&cfg);
	struct vgic_flush_result fr;

	CHECK(e != NULL);
	spi(e, 33, 0xa0, VGIC_EDGE);
	vgic_engine_inject(e, -1, 33, true);
	vgic_engine_flush(e, 0, &fr);
	CHECK(fr.regs.lr[0] == ((1u << 28) | (1u << 30) | (20u << 23) | 33u));
	vgic_engine_destroy(e);
}

/*
 * What check's diagnosis says of two profiles: the one field that parts
 * linux-6.19 from linux-7.0 is the EOIcount walk; linux-6.12 differs from
 * both in the walk, the sort and the HCR; gicv5 only fits a GICv5 host.
 */
static void check_profile_differences(void)
{
	const struct vgic_profile *p612 = vgic_profile_find("linux-6.12"),
				  *p619 = vgic_profile_find("linux-6.19"),
				  *p70 = vgic_profile_find("linux-7.0"), *v5 = vgic_profile_find("gicv5");
	char d[320];

	vgic_profile_difference(p619, p70, d, sizeof(d));
	CHECK(!strcmp(d, "the EOIcount walk starts at the AP-list head; commit 6da5e537f5af is "
			 "missing"));
	vgic_profile_difference(p70, p619, d, sizeof(d));
	CHECK(!strcmp(d, "the EOIcount walk starts after the last interrupt placed in an LR "
			 "(commit 6da5e537f5af)"));
	vgic_profile_difference(p612, p70, d, sizeof(d));
	CHECK(strstr(d, "EOIcount is never read") && strstr(d, "sorts active interrupts first") &&
	      strstr(d, "only En and UIE"));
	vgic_profile_difference(p70, p70, d, sizeof(d));
	CHECK(d[0] == '\0');
	vgic_profile_difference(v5, p70, d, 8); /* cut short, still a string */
	CHECK(strlen(d) == 7);
	CHECK(!vgic_profile_fits_gic(v5, 3) && vgic_profile_fits_gic(v5, 5));
	CHECK(vgic_profile_fits_gic(p612, 2) && vgic_profile_fits_gic(p70, 3));
}

/*
 * A guest that EOIs out of order (EOImode 0): it takes A (0xa0), then B
 * (0x80) preempts; EOI of A drops the highest active priority, B's, and
 * deactivates nothing (A's priority is not the one dropped); EOI of B then
 * drops A's. Both LRs stay Active with no priority left in the APRs: what
 * check reads as a guest that dropped the priority without deactivating.
 */
static void check_out_of_order_eoi(void)
{
	struct vgic_engine *e = model("linux-6.12");
	struct vgic_flush_result fr;
	struct vgic_cpuif hw;

	spi(e, 40, 0xa0, VGIC_EDGE);
	spi(e, 41, 0x80, VGIC_EDGE);
	vgic_engine_inject(e, -1, 40, true);
	vgic_engine_flush(e, 0, &fr);
	hw = fr.regs;
	hw.vmcr = vgic_vmcr_make(3, 0xf8, false, false, true);
	CHECK_EQ(vgic_guest_read_iar(&hw, 3, 1), 40);
	CHECK(vgic_apr_priority_active(3, &hw, 1, 0xa0));
	hw.lr[1] = (1ull << 62) | (1ull << 60) | (0x80ull << 48) | 41; /* B arrives in LR1 */
	hw.used_lrs = 2;
	CHECK_EQ(vgic_guest_read_iar(&hw, 3, 1), 41);
	CHECK_EQ(vgic_guest_write_eoir(&hw, 3, 40), VGIC_GUEST_NOTHING);
	CHECK_EQ(vgic_guest_write_eoir(&hw, 3, 41), VGIC_GUEST_NOTHING);
	CHECK(vgic_lr_active(3, hw.lr[0]) && vgic_lr_active(3, hw.lr[1]));
	CHECK(!vgic_apr_priority_active(3, &hw, 1, 0xa0) && !vgic_apr_priority_active(3, &hw, 1, 0x80));
	vgic_engine_destroy(e);
}

/*
 * vgic_lr_describe() words LRs as the TUI does (lrs_v): the values are
 * real HW timer LRs of tests/data/lab/linux-7.2-gic{v3,v2}-vhe-timer and
 * an LR of the 6.12 sample, with what lrs_v says of them.
 */
static void check_lr_describe(void)
{
	char buf[64];

	CHECK(!strcmp(vgic_lr_describe(3, 0x7000001b0000001bull, buf, sizeof(buf)),
		      "27 pending p00 HW p27"));
	CHECK(!strcmp(vgic_lr_describe(2, 0x00000000a0006c1bull, buf, sizeof(buf)),
		      "27 active p00 HW p27"));
	CHECK(!strcmp(vgic_lr_describe(3, 0xd00000000000002full, buf, sizeof(buf)),
		      "47 pending+active p00"));
	CHECK(!strcmp(vgic_lr_describe(3, 0x504000000000002bull, buf, sizeof(buf)),
		      "43 pending p40"));
	CHECK(!strcmp(vgic_lr_describe(3, 0, buf, sizeof(buf)), "-"));
	vgic_lr_describe(3, 0x7000001b0000001bull, buf, 8); /* cut, still terminated */
	CHECK(!strcmp(buf, "27 pend"));
}

/*
 * The release-to-profile table: 7.0 to 7.2 name 6da5e537f5af, 7.3 and
 * later also e079ef0b1c40 but keep linux-7.0 (no trace tells them apart).
 */
static void check_release_table(void)
{
	char why[256];

	CHECK(vgic_profile_for_kernel("7.2.13+deb14-arm64", why, sizeof(why)) ==
	      vgic_profile_find("linux-7.0"));
	CHECK_STR_CONTAINS(why, "6da5e537f5af");
	CHECK(!strstr(why, "e079ef0b1c40"));
	CHECK(vgic_profile_for_kernel("7.3.0", why, sizeof(why)) == vgic_profile_find("linux-7.0"));
	CHECK_STR_CONTAINS(why, "e079ef0b1c40");
	CHECK(vgic_profile_for_kernel("8.1", why, sizeof(why)) == vgic_profile_find("linux-7.0"));
	CHECK_STR_CONTAINS(why, "e079ef0b1c40");
	CHECK(vgic_profile_for_kernel("6.19.3", why, sizeof(why)) == vgic_profile_find("linux-6.19"));
}

/* Run every scenario. */
int main(void)
{
	check_lr_describe();
	check_encoding();
	check_coalescing();
	check_sort_profiles();
	check_seed_bug();
	check_gicv2();
	check_profile_differences();
	check_out_of_order_eoi();
	check_release_table();
	CHECK(vgic_profile_find("linux-5.0") == NULL);
	return vr_test_report("test_engine");
}
