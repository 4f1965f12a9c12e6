/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mutation tests of `check`, on the trace mutator (tests/mutate): take
 * real traces (the two shared samples and lab runs of the corpus), plant
 * one kernel bug or one loss of trace data at a time into a copy, and
 * require that check reports it with the right kind at the right event
 * (the mutated event is among the finding's proof). The kinds are listed
 * in tests/mutate/mutate.h.
 *
 * A mutation the trace cannot reveal is counted apart, with its reason
 * (mutation_check(): re-injected before the loss shows, never shown
 * enabled, or in flight at the end of the trace); the test fails if any
 * other mutation goes unreported or is reported at the wrong place, if a
 * gap makes any finding besides TRACE_GAP, or if the fixed EOIcount walk
 * (the eoicount-walk control) deactivates the LR-resident interrupt.
 * Usage: test_mutations DATA_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "../../collector/import/import.h"
#include "../mutate/mutate.h"
#include "vr_test.h"

#define PER_KIND 30 /* sites per kind and trace, spread over the trace */

static char dir[] = "/tmp/vr-test-mutations-XXXXXX";

struct tally {
	int tried, hit, excused[EXCUSE_MAX], wrong;
};

/* Run every mutation of one kind on one trace. */
static void mutate_kind(const char *name, const char *db, enum mutation_kind k, struct tally *t)
{
	struct vr_error err = {{0}};
	struct mutation *ms;
	char mutant[600];
	size_t n = mutation_sites(db, k, PER_KIND, &ms, &err), i;

	snprintf(mutant, sizeof(mutant), "%s/mutant.db", dir);
	for (i = 0; i < n; i++) {
		struct mutation_outcome o;

		t->tried++;
		if (mutation_apply(db, mutant, &ms[i], &err) ||
		    mutation_check(mutant, db, &ms[i], &o, &err)) {
			fprintf(stderr, "%s %s %s: %s\n", name, mutation_kind_name(k), ms[i].site, err.msg);
			t->wrong++;
		} else if (o.control_findings || (ms[i].alone && o.others) ||
			   (!o.reported && o.excuse == EXCUSE_NONE)) {
			fprintf(stderr, "wrong: %s %s %s (%s)%s%s\n", name, mutation_kind_name(k),
				ms[i].site, ms[i].what, o.others ? "; made " : "", o.first_other);
			t->wrong++;
		} else if (o.reported) {
			t->hit++;
		} else {
			t->excused[o.excuse]++;
		}
	}
	free(ms);
}

/*
 * The 7.2 EOImode 1 run with the vgic_deactivate events the collector
 * records now (mutation_name_dirs): check must apply them, stay silent,
 * infer no DIR, and find every swapped one; then every kind runs on it.
 */
static void named_dirs(const char *db, struct tally *kinds)
{
	struct replay_options opt = {0};
	struct replay_result res;
	struct vr_error err = {{0}};
	struct tracedb *t;
	char named[600];
	int k, added;

	snprintf(named, sizeof(named), "%s/named.db", dir);
	added = mutation_name_dirs(db, named, &err);
	CHECK(added >= 100);
	t = tracedb_open(named, TRACEDB_READONLY, &err);
	CHECK(t != NULL);
	if (!t)
		return;
	opt.vcpu = opt.intid = opt.from_ns = opt.to_ns = VR_NO_VALUE;
	CHECK_EQ(replay_check(t, &opt, NULL, NULL, &res, &err), 0);
	CHECK_EQ(res.findings, 0);
	CHECK_EQ(res.model_dir_exits, 0);
	CHECK_EQ(res.model_agree, res.model_flushes);
	printf("  7.2-eoimode1 with %d vgic_deactivate events: %lld findings, %lld of %lld flushes "
	       "agree, %lld DIRs inferred\n",
	       added, (long long)res.findings, (long long)res.model_agree,
	       (long long)res.model_flushes, (long long)res.model_dir_exits);
	replay_result_free(&res);
	tracedb_close(t);
	for (k = 0; k < MUT_KIND_MAX; k++)
		mutate_kind("7.2-eoimode1-named", named, (enum mutation_kind)k, &kinds[k]);
	unlink(named);
}

/* Import one trace into the scratch directory; returns its path in db. */
static int import_trace(const char *in, const char *kernel, const char *name, char *db, size_t n)
{
	struct import_options io = {0};
	struct import_result ir;
	struct vr_error err = {{0}};

	snprintf(db, n, "%s/%s.db", dir, name);
	io.input = in;
	io.output = db;
	io.kernel = kernel;
	if (vr_import(&io, &ir, &err)) {
		fprintf(stderr, "%s: %s\n", in, err.msg);
		return -1;
	}
	return 0;
}

/* Run every mutation kind on every trace and print the tallies per kind. */
int main(int argc, char **argv)
{
	static const struct {
		const char *name, *file, *kernel;
	} traces[] = {
		{"sample-6.12", "samples/linux-6.12-gicv3-1vcpu-spi-burst.trace", NULL},
		{"sample-7.2", "samples/linux-7.2-gicv3-1vcpu-spi-burst.trace", NULL},
		{"7.2-seed-trigger", "lab/linux-7.2-gicv3-vhe-seed-trigger/trace.txt.xz",
		 "7.2.13+deb14-arm64"},
		{"7.2-eoimode1", "lab/linux-7.2-gicv3-nvhe-eoimode1/trace.txt.xz", "7.2.13+deb14-arm64"},
		{"7.2-paced-2vcpu", "lab/linux-7.2-gicv3-vhe-spi-paced-2vcpu/trace.txt.xz",
		 "7.2.13+deb14-arm64"},
		{"6.12-level", "lab/linux-6.12-gicv3-nvhe-spi-level/trace.txt.xz",
		 "6.12.100+deb12-arm64"},
	};
	const char *data = argc > 1 ? argv[1] : "tests/data";
	struct tally kinds[MUT_KIND_MAX] = {{0}}, total = {0};
	char in[600], db[600], cmd[300];
	size_t t;
	int k, e, excused;

	if (!mkdtemp(dir))
		return 2;
	for (t = 0; t < sizeof(traces) / sizeof(traces[0]); t++) {
		snprintf(in, sizeof(in), "%s/%s", data, traces[t].file);
		CHECK_EQ(import_trace(in, traces[t].kernel, traces[t].name, db, sizeof(db)), 0);
		for (k = 0; k < MUT_KIND_MAX; k++)
			mutate_kind(traces[t].name, db, (enum mutation_kind)k, &kinds[k]);
		if (!strcmp(traces[t].name, "7.2-eoimode1"))
			named_dirs(db, kinds);
		unlink(db);
	}
	for (k = 0; k < MUT_KIND_MAX; k++) {
		struct tally *x = &kinds[k];

		printf("  %-20s %4d mutations: %4d reported at the right event; excused: %d "
		       "re-injected, %d never shown enabled, %d at trace end; %d wrong\n",
		       mutation_kind_name((enum mutation_kind)k), x->tried, x->hit,
		       x->excused[EXCUSE_REINJECTED], x->excused[EXCUSE_NEVER_ENABLED],
		       x->excused[EXCUSE_AT_END], x->wrong);
		CHECK(x->tried > 0);
		CHECK_EQ(x->wrong, 0);
		total.tried += x->tried;
		total.hit += x->hit;
		total.wrong += x->wrong;
		for (e = 0; e < EXCUSE_MAX; e++)
			total.excused[e] += x->excused[e];
	}
	excused = total.excused[EXCUSE_REINJECTED] + total.excused[EXCUSE_NEVER_ENABLED] +
		  total.excused[EXCUSE_AT_END];
	printf("  total: %d mutations, %d reported, %d excused (not visible in the trace), %d wrong\n",
	       total.tried, total.hit, excused, total.wrong);
	CHECK(total.tried >= 200);
	CHECK(excused * 10 <= total.tried); /* masking is legitimate but must stay the exception */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 2;
	return vr_test_report("test_mutations");
}
