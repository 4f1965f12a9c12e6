/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine micro-benchmark: a synthetic stream of modelled events (inject,
 * flush, guest ack, guest EOI, sync) across 4 vCPUs and 64 SPIs under the
 * linux-7.0 profile with QEMU's 4 LRs. Prints modelled events/s, ns per
 * event and the model's memory per interrupt and per vCPU.
 */
#include <stdio.h>
#include <time.h>

#include "../engine/vgic_engine.h"

#define NR_VCPUS 4
#define NR_INTIDS 64
#define ROUNDS 2000000

/* Monotonic time in ns. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(void)
{
	struct vgic_engine_config cfg = {.profile = vgic_profile_find("linux-7.0"),
					 .gic_version = 3,
					 .nr_lrs = 4,
					 .nr_vcpus = NR_VCPUS,
					 .nr_spis = NR_INTIDS};
	struct vgic_engine *e = vgic_engine_create(&cfg);
	struct vgic_flush_result fr;
	struct vgic_sync_result sr;
	long events = 0, acked = 0;
	uint32_t seed = 1;
	int i, v, per_irq, per_vcpu;
	double t0, dt;

	if (!e)
		return 1;
	for (i = 0; i < NR_INTIDS; i++) {
		struct vgic_irq_config_desc d = {.enabled = true,
						 .priority = (uint8_t)((i % 31) << 3),
						 .group = 1,
						 .config = VGIC_EDGE,
						 .target_vcpu = i % NR_VCPUS};

		vgic_engine_configure(e, 0, 32 + (uint32_t)i, &d);
	}
	for (v = 0; v < NR_VCPUS; v++)
		vgic_engine_set_vmcr(e, v, vgic_vmcr_make(3, 0xf8, false, false, true));
	t0 = now_ns();
	for (i = 0; i < ROUNDS; i++) {
		uint32_t intid, got;

		v = i % NR_VCPUS;
		seed = seed * 1103515245u + 12345u;
		intid = 32 + (seed >> 16) % NR_INTIDS;
		vgic_engine_inject(e, -1, intid, true);
		vgic_engine_inject(e, -1, 32 + ((seed >> 8) % NR_INTIDS), true);
		vgic_engine_flush(e, v, &fr);
		events += 3; /* two injections, one flush */
		/* the guest's handler loop: acknowledge and EOI until nothing is pending */
		while ((got = vgic_guest_read_iar(&fr.regs, 3, 1)) != VGIC_ENGINE_NO_INTID) {
			vgic_guest_write_eoir(&fr.regs, 3, got);
			acked++;
			events += 2;
		}
		events++; /* the failed (spurious) acknowledge */
		vgic_engine_sync(e, v, &fr.regs, &sr);
		events++;
	}
	dt = now_ns() - t0;
	vgic_engine_footprint(e, &per_irq, &per_vcpu);
	printf("bench_engine: %ld modelled events (inject/flush/ack/EOI/sync, %d vCPUs, %d INTIDs, "
	       "%ld acks) in %.3f s\n",
	       events, NR_VCPUS, NR_INTIDS, acked, dt / 1e9);
	printf("bench_engine: %.1f M events/s, %.1f ns/event (goal >= 20 M/s: %s)\n",
	       (double)events / dt * 1e3, dt / (double)events,
	       (double)events / dt * 1e3 >= 20.0 ? "met" : "NOT met");
	printf("bench_engine: memory %d bytes per INTID, %d bytes per vCPU (AP list of %d slots)\n",
	       per_irq, per_vcpu, 32 + NR_INTIDS);
	vgic_engine_destroy(e);
	return 0;
}
