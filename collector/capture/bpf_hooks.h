/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading the BPF collector (vgic.bpf.c, embedded as a libbpf skeleton)
 * with its hooks chosen at run time, as libbpf-tools do: each probed
 * function must exist in the kernel's BTF; fentry/fexit programs are
 * tried first and kprobes are the fallback. What was attached and what
 * the kernel lacks is printed, one line each. Also whether this process
 * may load BPF at all, libbpf's messages, and the programs' statistics.
 */
#ifndef VR_BPF_HOOKS_H
#define VR_BPF_HOOKS_H

#include "prog_misses.h"
#include "record.h"

struct btf;
struct vgic_bpf;

/* May this process load tracing BPF programs? -1 with err saying what it lacks. */
int hooks_may_load(struct vr_error *err);

/* The kernel's BTF, which must have a KVM vGIC; NULL with err set. */
struct btf *hooks_kernel_btf(struct vr_error *err);

/*
 * Open, configure, load and attach the collector for these options and
 * this GIC: fentry/fexit where the kernel allows, else kprobes. st counts
 * the hooks attached and missing. NULL with err set.
 */
struct vgic_bpf *hooks_load(const struct record_options *opt, int gic, const struct btf *vmlinux,
			    struct record_stats *st, struct vr_error *err);

/* --prog-stats: turn BPF statistics on while the fd returned stays open; -1 if not. */
int hooks_stats_on(void);

/*
 * Read every loaded program's recursion_misses (and run_cnt) into a, then
 * the nested events the twin programs caught; the first call lists the
 * programs.
 */
void hooks_read_misses(const struct vgic_bpf *s, struct miss_account *a);

/*
 * The BPF drops (failed ring reservations) since the last call: seen
 * ([PROBE_MAX * ncpu], zeroed at first) holds the counters as last read;
 * what each CPU lost since is added to per_cpu[cpu] and, if per_probe is
 * not NULL, to per_probe[probe]. No bpf(2) call.
 */
void hooks_drops_since(const struct vgic_bpf *s, uint64_t *seen, int ncpu, uint64_t *per_cpu,
		       int64_t *per_probe);

/* --prog-stats: each loaded program's run count, run time and recursion misses over seconds. */
void hooks_print_prog_stats(struct vgic_bpf *s, double seconds);

/*
 * VR_TEST_PLANT_MISS=N (tests only): the recursion misses a test asks the
 * recording to plant, 0 without the knob; with it, hooks_load() attaches
 * the planted program (vgic.bpf.c, kp_plant).
 */
int hooks_plant_asked(void);

/*
 * Plant n recursion misses of kp_plant: n bpf(2) updates of its map,
 * each of which the kernel runs the program under and skips it. Returns
 * how many updates were made (0: kp_plant is not attached).
 */
int hooks_plant_misses(const struct vgic_bpf *s, int n);

#endif
