/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's vGIC MMIO writes, replayed from real traces into the model
 * (vgic_engine_mmio_write): the lab's guest programs the distributor and
 * redistributors in a way we know (tests/lab/vmm/guest.S: SPIs 32-47
 * enabled, edge unless the scenario is level, priority 0xf0 - 0x10 * n,
 * group 1 on GICv3 and 0 on GICv2, SGIs enabled, routing from the shared
 * page), and in the retarget runs its handler moves each SPI to the other
 * vCPU while active. The kvm_mmio events of those runs, applied in order,
 * must leave the model programmed exactly so, with each SPI routed to the
 * vCPU the ground truth names.
 *
 * Usage: test_gic_mmio DATA_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "../../collector/import/import.h"
#include "../../engine/vgic_engine.h"
#include "vr_test.h"

static char dir[] = "/tmp/vr-test-gic-mmio-XXXXXX";

/* The value of KEY= in a run's manifest.txt, or -1. */
static long manifest_long(const char *run, const char *key)
{
	char path[512], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.txt", run);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == '=')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Import a run's ftrace text into dir/NAME.db; NULL on failure. */
static struct tracedb *import_run(const char *run, const char *name)
{
	static char out[600];
	char in[600];
	struct import_options opt = {0};
	struct import_result res;
	struct vr_error err = {{0}};
	struct tracedb *db;

	snprintf(in, sizeof(in), "%s/trace.txt.xz", run);
	snprintf(out, sizeof(out), "%s/%s.db", dir, name);
	opt.input = in;
	opt.output = out;
	opt.quiet = 1;
	if (vr_import(&opt, &res, &err)) {
		fprintf(stderr, "import %s: %s\n", in, err.msg);
		return NULL;
	}
	db = tracedb_open(out, TRACEDB_READONLY, &err);
	if (!db)
		fprintf(stderr, "open %s: %s\n", out, err.msg);
	return db;
}

/* Apply every kvm_mmio write of the trace; returns how many hit a vGIC register. */
static int replay_mmio(struct tracedb *db, struct vgic_engine *e, int *route_writes)
{
	static const struct vgic_mmio_layout layout = VGIC_MMIO_LAYOUT_QEMU_VIRT;
	sqlite3_stmt *st;
	int hits = 0;

	*route_writes = 0;
	if (sqlite3_prepare_v2(tracedb_sqlite(db),
			       "SELECT vcpu, arg1, arg2, arg3 FROM events WHERE kind = " VR_KIND_SQL("kvm_mmio") " AND arg0 = 2 "
			       "ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int vcpu = sqlite3_column_int(st, 0), len = sqlite3_column_int(st, 1);
		uint64_t gpa = (uint64_t)sqlite3_column_int64(st, 2);
		uint64_t val = (uint64_t)sqlite3_column_int64(st, 3);

		if (vgic_engine_mmio_write(e, &layout, vcpu, gpa, len, val) == 1)
			hits++;
		if ((gpa >= 0x08006100 && gpa < 0x08008000) || (gpa >= 0x08000820 && gpa < 0x08000c00))
			(*route_writes)++;
	}
	sqlite3_finalize(st);
	return hits;
}

/* Check the model against guest.S's programming and the truth's routing. */
static void check_run(const char *data, const char *name, int level, int min_routes)
{
	char run[512], truth[600], line[128];
	struct vgic_engine_config cfg = {0};
	struct vgic_irq_state s;
	struct vgic_engine *e;
	struct tracedb *db;
	int gic, vcpus, hits, routes, v;
	uint32_t i;
	FILE *f;

	snprintf(run, sizeof(run), "%s/lab/%s", data, name);
	gic = (int)manifest_long(run, "gic_version");
	vcpus = (int)manifest_long(run, "vcpus");
	CHECK(gic == 2 || gic == 3);
	CHECK(vcpus >= 1);
	db = import_run(run, name);
	CHECK(db != NULL);
	if (!db || (gic != 2 && gic != 3) || vcpus < 1)
		return;
	cfg.profile = vgic_profile_find("linux-7.0");
	cfg.gic_version = gic;
	cfg.guest_model = gic;
	cfg.nr_lrs = 4;
	cfg.nr_vcpus = vcpus;
	cfg.nr_spis = 32;
	e = vgic_engine_create(&cfg);
	CHECK(e != NULL);
	if (!e) {
		tracedb_close(db);
		return;
	}
	hits = replay_mmio(db, e, &routes);
	printf("# %s: %d vGIC register writes applied, %d routing writes\n", name, hits, routes);
	CHECK(hits >= 20);
	CHECK(routes >= min_routes);
	for (i = 32; i < 48; i++) {
		CHECK_EQ(vgic_engine_irq(e, 0, i, &s), 0);
		CHECK(s.enabled);
		CHECK_EQ(s.priority, 0xf0 - 0x10 * (i - 32));
		CHECK_EQ(s.group, gic == 3 ? 1 : 0);
		CHECK_EQ(s.config, level ? VGIC_LEVEL : VGIC_EDGE);
	}
	for (v = 0; v < vcpus; v++)
		for (i = 0; i < 16; i++) {
			CHECK_EQ(vgic_engine_irq(e, v, i, &s), 0);
			CHECK(s.enabled);
		}
	/* The truth's vcpu column is the SPI's last routing, as the guest wrote it. */
	snprintf(truth, sizeof(truth), "%s/truth.csv", run);
	f = fopen(truth, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		int tv, intid;

		if (sscanf(line, "%d,%d,", &tv, &intid) != 2 || intid < 32)
			continue;
		CHECK_EQ(vgic_engine_irq(e, 0, (uint32_t)intid, &s), 0);
		CHECK_EQ(s.target_vcpu, tv);
	}
	if (f)
		fclose(f);
	vgic_engine_destroy(e);
	tracedb_close(db);
}

/* Layout edge cases on a fresh model: outside the frames, bad sizes, RAZ/WI. */
static void check_edges(void)
{
	static const struct vgic_mmio_layout layout = VGIC_MMIO_LAYOUT_QEMU_VIRT;
	struct vgic_engine_config cfg = {.profile = vgic_profile_find("linux-7.0"),
					 .gic_version = 3,
					 .guest_model = 3,
					 .nr_lrs = 4,
					 .nr_vcpus = 2,
					 .nr_spis = 32};
	struct vgic_engine *e = vgic_engine_create(&cfg);
	struct vgic_irq_state s;

	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_EQ(vgic_engine_mmio_write(e, &layout, 0, 0x40000000, 4, 1), 0);
	CHECK_EQ(vgic_engine_mmio_write(e, &layout, 0, 0x08000100, 3, 1), -1);
	CHECK_EQ(vgic_engine_mmio_write(e, &layout, 5, 0x08000100, 4, 1), -1);
	/* GICD_ISENABLER0 is RAZ/WI with affinity routing: PPI 27 stays as it was. */
	CHECK_EQ(vgic_engine_irq(e, 0, 27, &s), 0);
	CHECK_EQ(vgic_engine_mmio_write(e, &layout, 0, 0x08000100, 4, 1u << 27), 1);
	{
		struct vgic_irq_state t;

		CHECK_EQ(vgic_engine_irq(e, 0, 27, &t), 0);
		CHECK_EQ(t.enabled, s.enabled);
	}
	/* vCPU 1's SGI_base frame enables its own PPI 27, not vCPU 0's. */
	CHECK_EQ(vgic_engine_mmio_write(e, &layout, 0, 0x080a0000 + 0x20000 + 0x10100, 4, 1u << 27), 1);
	CHECK_EQ(vgic_engine_irq(e, 1, 27, &s), 0);
	CHECK(s.enabled);
	/* The upper word of IROUTER is WI; priority keeps 5 bits. */
	CHECK_EQ(vgic_engine_mmio_write(e, &layout, 0, 0x08006000 + 8 * 40 + 4, 4, 1), 0);
	CHECK_EQ(vgic_engine_mmio_write(e, &layout, 0, 0x08000400 + 40, 1, 0xff), 1);
	CHECK_EQ(vgic_engine_irq(e, 0, 40, &s), 0);
	CHECK_EQ(s.priority, 0xf8);
	vgic_engine_destroy(e);
}

/* Run the checks over the lab runs named below. */
int main(int argc, char **argv)
{
	const char *data = argc > 1 ? argv[1] : "tests/data";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	check_edges();
	check_run(data, "linux-7.2-gicv3-vhe-retarget-2vcpu", 0, 50);
	check_run(data, "linux-6.12-gicv2-vhe-retarget-2vcpu", 0, 50);
	check_run(data, "linux-6.12-gicv3-vhe-spi-paced-4vcpu", 0, 16);
	check_run(data, "linux-7.2-gicv2-nvhe-timer", 0, 16);
	{
		char cmd[sizeof(dir) + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return vr_test_report("test_gic_mmio");
}
